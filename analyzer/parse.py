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
        return self.get(kind).parse(data)


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
