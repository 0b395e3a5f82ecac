"""ESLint-style inline suppressions, with a required reason.

    // formleak-disable-next-line FL002 -- postcode lookup approved by DPO, ticket SEC-12
    fetch('/lookup?zip=' + zip.value)
    fetch(url, {body})  /* formleak-disable-line -- first-party autosave, consented */
    <!-- formleak-disable-next-line FL001 FL002 -- reason -->

`formleak-disable-next-line` on the line before the sink call, `formleak-disable-line` on the line the sink
call starts on, inside a `//`, `/* */` or `<!-- -->` comment. Rule ids (space or comma separated) limit it
to those rules; none means every rule. The ` -- reason` part is required: a directive without it (or with
something that is not a rule id before `--`) suppresses nothing and is reported as a warning notification.
A valid directive that suppresses nothing is reported too ("unused suppression").

Files are read again by path from the scan roots; the engine's results carry paths relative to those.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.model import Finding, Notification, ScanResult

_DIRECTIVE = re.compile(r"(//+|/\*+|<!--)[\s*!-]*?\bformleak-disable-(next-line|line)(?![\w-])(.*)")
_RULE_TOKEN = re.compile(r"^FL\d{3}$", re.IGNORECASE)
_MARKER = b"formleak-disable-"


@dataclass
class Directive:
    path: str
    line: int  # the line the comment is on (1-based)
    kind: str  # 'next-line' | 'line'
    rules: tuple[str, ...]  # empty: all rules
    reason: str
    used: bool = field(default=False)

    @property
    def target_line(self) -> int:
        return self.line + 1 if self.kind == "next-line" else self.line

    def covers(self, f: Finding) -> bool:
        return f.sink.line == self.target_line and (not self.rules or f.rule_id in self.rules)


def parse_directives(path: str, text: str) -> tuple[list[Directive], list[Notification]]:
    """All directives of one file, and a warning for each malformed one."""
    directives: list[Directive] = []
    problems: list[Notification] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if "formleak-disable-" not in line:
            continue
        m = _DIRECTIVE.search(line)
        if not m:
            continue
        opener, kind, rest = m.group(1), m.group(2), m.group(3)
        closer = "*/" if opener.startswith("/*") else "-->" if opener == "<!--" else None
        if closer and closer in rest:
            rest = rest[: rest.index(closer)]
        head, sep, reason = rest.partition("--")
        reason = reason.strip()
        tokens = [t for t in re.split(r"[\s,]+", head.strip()) if t]
        bad_tokens = [t for t in tokens if not _RULE_TOKEN.match(t)]
        name = f"formleak-disable-{kind}"
        if not sep or not reason:
            problems.append(Notification(
                path=path, level="warning", reason="invalid-suppression",
                message=f"{path}:{lineno}: '{name}' without a reason ('{name} [RULE-ID…] -- reason') "
                        "is ignored: a suppression must say why"))
            continue
        if bad_tokens:
            problems.append(Notification(
                path=path, level="warning", reason="invalid-suppression",
                message=f"{path}:{lineno}: '{name}' names {', '.join(repr(t) for t in bad_tokens)}, which "
                        "is not a formleak rule id (FL001 …); the directive is ignored"))
            continue
        directives.append(Directive(path, lineno, kind, tuple(sorted({t.upper() for t in tokens})), reason))
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


def apply_inline_suppressions(result: ScanResult, roots: list[Path]) -> None:
    """Mark findings covered by a valid directive as suppressed (kind `inSource`) and add notifications
    for malformed and unused directives to `result.notifications`."""
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
    for rel in sorted(by_path):
        for d in by_path[rel]:
            if not d.used:
                which = " ".join(d.rules) if d.rules else "any rule"
                notes.append(Notification(
                    path=rel, level="warning", reason="unused-suppression",
                    message=f"{rel}:{d.line}: unused 'formleak-disable-{d.kind}' ({which}): no finding on "
                            f"line {d.target_line}; remove it"))
    result.notifications.extend(notes)
