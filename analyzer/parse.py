"""Stage 2b: parsing with tree-sitter. One parser per language per scan; error-tolerant trees."""
from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Language, Parser


@dataclass
class Parsers:
    _parsers: dict = field(default_factory=dict)

    def get(self, kind: str) -> Parser:
        p = self._parsers.get(kind)
        if p is None:
            if kind == "ts":
                import tree_sitter_typescript as tst

                lang = Language(tst.language_typescript())
            elif kind == "tsx":
                import tree_sitter_typescript as tst

                lang = Language(tst.language_tsx())
            else:
                import tree_sitter_javascript as tsj

                lang = Language(tsj.language())
            p = Parser(lang)
            self._parsers[kind] = p
        return p

    def parse(self, kind: str, data: bytes):
        """The tree of `data`. A template literal with no substitution is parsed as the quoted string it
        equals (a backticked `input` as `'input'`, same length: every position stays), so the stages that read string
        constants (event names, tag names, selectors, URLs) read the ones of minifiers that write every
        string with backticks (oxc, in Vite/Rolldown builds). Only the tree sees that: snippets and the
        unit's bytes are the file's own."""
        parser = self.get(kind)
        tree = parser.parse(data)
        if b"`" in data:
            plain = plain_templates(tree, data)
            if plain is not None:
                tree = parser.parse(plain)
        return tree


_LINE_BREAKS = (b"\n", b"\r", "\u2028".encode(), "\u2029".encode())


def plain_templates(tree, data: bytes) -> bytes | None:
    """`data` with each template literal that has no `${…}`, no line break and no tag rewritten as a
    quoted string of the same length (a quote it does not contain), or None when there is none. Each
    backtick is looked up in the tree (no walk over the whole tree, no lexing of our own)."""
    root = tree.root_node
    buf = None
    i = data.find(b"`")
    while i >= 0:
        node = root.descendant_for_byte_range(i, i + 1)
        while node is not None and node.type != "template_string":
            node = node.parent
        if node is None or node.start_byte != i:
            i = data.find(b"`", i + 1)
            continue
        end = node.end_byte
        inner = data[i + 1:end - 1]
        par = node.parent
        tagged = par is not None and par.type == "call_expression" and (par.child_by_field_name("arguments")
                                                                        or node).id == node.id
        if not tagged and end - i >= 2 and data[end - 1:end] == b"`" and not any(
                c.type == "template_substitution" for c in node.named_children) \
                and not any(b in inner for b in _LINE_BREAKS):
            q = b"'" if b"'" not in inner else b'"' if b'"' not in inner else None
            if q is not None:
                if buf is None:
                    buf = bytearray(data)
                buf[i] = buf[end - 1] = q[0]
        i = data.find(b"`", end)
    return bytes(buf) if buf is not None else None


ERROR_COUNT_CAP = 1000  # error_summary stops counting here ("1000+")


def error_summary(tree, limit: int = 3) -> tuple[int, list[tuple[int, int]]]:
    """How many ERROR/MISSING nodes a tree has (bounded walk) and where the first ones are (row, col)."""
    root = tree.root_node
    if not root.has_error:
        return 0, []
    count = 0
    where: list[tuple[int, int]] = []
    stack = [root]
    while stack and count < ERROR_COUNT_CAP:
        n = stack.pop()
        if n.is_error or n.is_missing:
            count += 1
            if len(where) < limit:
                where.append((n.start_point[0] + 1, n.start_point[1] + 1))
            continue
        if n.has_error:
            stack.extend(reversed(n.children))
    return count, where
