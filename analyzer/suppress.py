"""ESLint-style inline suppressions, with a required reason.

    // formleak-disable-next-line FL002 -- postcode lookup approved by DPO, ticket SEC-12
    fetch('/lookup?zip=' + zip.value)
    fetch(url, {body})  /* formleak-disable-line -- first-party autosave, consented */
    <!-- formleak-disable-next-line FL001 FL002 -- reason -->

`formleak-disable-next-line` applies to the line after the comment, `formleak-disable-line` to the line
the comment starts on. A directive is read only from a real comment: a JavaScript `//`, `/* */` or `<!--`
comment as tree-sitter parses it (so a directive spelled inside a string, template or regex literal is
not one), or an HTML `<!-- -->` comment as the standard library's HTML tokenizer reads it (with the
`<script>` blocks of a page parsed as JavaScript). It must open the comment (after `*`, `!`, `-` and
spaces). Rule ids (space or comma separated) limit it to those rules; none means every rule. The
` -- reason` part is required: a directive without it (or with something that is not a rule id before
`--`, or an unknown `formleak-disable-…` word) suppresses nothing and is reported as a warning
notification. A valid directive that suppresses nothing is reported as unused: a warning, an error that
fails the run with `--report-unused-suppressions error`, or nothing with `off`.

Cost is linear in the file: only files containing the marker are parsed, comments are found from the
marker's byte offsets (`descendant_for_byte_range`), and a comment's text is read with plain string
operations (no regular expression that could backtrack over a 40,000-character comment).

Files are read again by path from the scan roots; the engine's results carry paths relative to those.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from analyzer.model import Finding, Notification, ScanResult

_MARKER = b"formleak-disable-"
_KINDS = ("next-line", "line")
UNUSED_MODES = ("off", "warning", "error")


@dataclass
class Directive:
    path: str
    line: int  # the line the comment starts on (1-based)
    kind: str  # 'next-line' | 'line'
    rules: tuple[str, ...]  # empty: all rules
    reason: str
    used: bool = field(default=False)
    end_line: int = 0  # the line the comment ends on (0: same as `line`)

    @property
    def target_line(self) -> int:
        return max(self.line, self.end_line) + 1 if self.kind == "next-line" else self.line

    def covers(self, f: Finding) -> bool:
        return f.sink.line == self.target_line and (not self.rules or f.rule_id in self.rules)


def _is_rule_id(t: str) -> bool:
    return len(t) == 5 and t[:2].upper() == "FL" and t[2:].isdigit()


def _split_tokens(head: str) -> list[str]:
    return [t for t in head.replace(",", " ").split() if t]


def _directive(path: str, comment: str, line: int, end_line: int) -> tuple[Directive | None, Notification | None]:
    """Read one comment's text (delimiters included). (None, None) when it carries no directive."""
    body = comment
    closer = ""
    if body.startswith("<!--"):
        body, closer = body[4:], "-->"
    elif body.startswith("/*"):
        body, closer = body[2:], "*/"
    elif body.startswith("//"):
        body = body[2:]
    if closer and body.endswith(closer):
        body = body[: -len(closer)]
    body = body.lstrip("/*!- \t\r\n\f\v")
    if not body.startswith("formleak-disable-"):
        return None, None
    rest = body[len("formleak-disable-"):]
    kind = next((k for k in _KINDS if rest.startswith(k) and (len(rest) == len(k) or not (rest[len(k)].isalnum()
                 or rest[len(k)] in "-_"))), None)
    if kind is None:
        word = rest.split(None, 1)[0] if rest.split(None, 1) else ""
        word = word[:40] + ("…" if len(word) > 40 else "")
        return None, Notification(
            path=path, level="warning", reason="invalid-suppression",
            message=f"{path}:{line}: unknown directive 'formleak-disable-{word}' (expected "
                    "formleak-disable-next-line or formleak-disable-line); it is ignored")
    rest = rest[len(kind):]
    if closer and closer in rest:
        rest = rest[: rest.index(closer)]
    head, sep, reason = rest.partition("--")
    reason = " ".join(reason.split())
    tokens = _split_tokens(head)
    name = f"formleak-disable-{kind}"
    if not sep or not reason:
        return None, Notification(
            path=path, level="warning", reason="invalid-suppression",
            message=f"{path}:{line}: '{name}' without a reason ('{name} [RULE-ID…] -- reason') "
                    "is ignored: a suppression must say why")
    bad = [t for t in tokens if not _is_rule_id(t)]
    if bad:
        return None, Notification(
            path=path, level="warning", reason="invalid-suppression",
            message=f"{path}:{line}: '{name}' names {', '.join(repr(t[:40]) for t in bad[:5])}, which "
                    "is not a formleak rule id (FL001 …); the directive is ignored")
    return Directive(path, line, kind, tuple(sorted({t.upper() for t in tokens})), reason,
                     end_line=end_line), None


# ------------------------------------------------------------------------------------------ comments


def _js_comments(data: bytes, lang: str, line_off: int = 0):
    """(text, first line, last line) of each JavaScript comment holding the marker."""
    from analyzer.parse import Parsers

    tree = Parsers().parse(lang if lang in ("ts", "tsx") else "js", data)
    root = tree.root_node
    seen = set()
    i = data.find(_MARKER)
    while i != -1:
        node = root.descendant_for_byte_range(i, i + len(_MARKER))
        if node is not None and node.type in ("comment", "html_comment") and node.start_byte not in seen:
            seen.add(node.start_byte)
            text = data[node.start_byte:node.end_byte].decode("utf-8", "replace")
            yield text, node.start_point[0] + 1 + line_off, node.end_point[0] + 1 + line_off
            i = data.find(_MARKER, node.end_byte)
            continue
        i = data.find(_MARKER, i + len(_MARKER))


class _PageComments(HTMLParser):
    """HTML comments, and the JavaScript comments of `<script>` blocks, that hold the marker."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[str, int, int]] = []
        self._script: list[str] = []
        self._script_line = 0

    def handle_comment(self, data: str) -> None:
        if "formleak-disable-" in data:
            line = self.getpos()[0]
            self.found.append(("<!--" + data + "-->", line, line + data.count("\n")))

    def handle_data(self, data: str) -> None:
        if self.cdata_elem == "script":
            if not self._script:
                self._script_line = self.getpos()[0]
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script:
            code = "".join(self._script).encode("utf-8")
            self._script = []
            if _MARKER in code:
                self.found.extend(_js_comments(code, "js", self._script_line - 1))


def _comments(path: str, text: str):
    from analyzer.discover import KINDS

    kind = KINDS.get(Path(path).suffix.lower(), "js")
    if kind == "html":
        p = _PageComments()
        p.feed(text)
        p.close()
        return p.found
    if kind == "har":
        return []  # captured responses are a site's code, never the project's own suppressions
    return list(_js_comments(text.encode("utf-8", "surrogatepass"), kind))


def parse_directives(path: str, text: str) -> tuple[list[Directive], list[Notification]]:
    """All directives of one file, and a warning for each malformed one."""
    directives: list[Directive] = []
    problems: list[Notification] = []
    if "formleak-disable-" not in text:
        return directives, problems
    for comment, line, end_line in sorted(_comments(path, text), key=lambda c: (c[1], c[2])):
        d, problem = _directive(path, comment, line, end_line)
        if d is not None:
            directives.append(d)
        if problem is not None:
            problems.append(problem)
    return directives, problems


def resolve(rel: str, roots: list[Path]) -> Path | None:
    """The file a scan-root-relative path names (first root that has it)."""
    for root in roots:
        root = Path(root)
        if root.is_dir():
            cand = root / rel
            if cand.is_file():
                return cand
        elif root.is_file():
            if root.name == rel or str(root).replace("\\", "/").endswith("/" + rel):
                return root
            cand = root.parent / rel
            if cand.is_file():
                return cand
    return None


def _read_text(p: Path) -> str | None:
    try:
        data = p.read_bytes()
    except OSError:
        return None
    if _MARKER not in data:
        return ""
    return data.decode("utf-8", errors="replace")


def apply_inline_suppressions(result: ScanResult, roots: list[Path], unused: str = "warning") -> int:
    """Mark findings covered by a valid directive as suppressed (kind `inSource`) and add notifications
    for malformed and (unless `unused` is 'off') unused directives to `result.notifications`, at level
    `unused` ('warning' | 'error'). Returns the number of unused directives."""
    paths = sorted(set(result.files_scanned) | {f.sink.path for f in result.findings})
    by_path: dict[str, list[Directive]] = {}
    notes: list[Notification] = []
    for rel in paths:
        p = resolve(rel, roots)
        if p is None:
            continue
        text = _read_text(p)
        if not text:
            continue
        directives, problems = parse_directives(rel, text)
        notes.extend(problems)
        if directives:
            by_path[rel] = directives
    for f in result.findings:
        if f.suppression is not None:
            continue
        for d in by_path.get(f.sink.path, ()):
            if d.covers(f):
                d.used = True
                f.suppression = {"kind": "inSource", "justification": d.reason}
                break
    n_unused = 0
    for rel in sorted(by_path):
        for d in by_path[rel]:
            if not d.used:
                n_unused += 1
                if unused == "off":
                    continue
                which = " ".join(d.rules) if d.rules else "any rule"
                notes.append(Notification(
                    path=rel, level="error" if unused == "error" else "warning", reason="unused-suppression",
                    message=f"{rel}:{d.line}: unused 'formleak-disable-{d.kind}' ({which}): no finding on "
                            f"line {d.target_line}; remove it"))
    result.notifications.extend(notes)
    return n_unused
