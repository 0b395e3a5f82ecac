"""Typed hand-offs between the pipeline stages.

Every stage takes and returns plain dataclasses defined here, so a stage can be read, tested and replaced
on its own. Nothing in here does work; there is no global state anywhere in the package.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# ---------------------------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Location:
    """A position in a scanned file. Lines are 1-based; columns 1-based in UTF-16 code units."""

    path: str  # relative to the scan root, '/'-separated
    line: int
    col: int
    end_line: int
    end_col: int

    def short(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass
class SourceFile:
    """A file discovery handed to the parser: its bytes and how to read them."""

    path: Path  # absolute
    rel: str  # relative to its scan root, '/'-separated
    kind: str  # 'js' | 'ts' | 'tsx' | 'html'
    data: bytes = b""
    origin: str | None = None  # where it was served from (files taken out of a HAR capture)


@dataclass(frozen=True)
class Notification:
    """A file that was skipped or only partly analysed, and why (SARIF toolExecutionNotifications)."""

    path: str
    level: str  # 'error' | 'warning' | 'note'
    reason: str  # short machine id: 'parse-error', 'binary', 'too-large', 'symlink-loop', ...
    message: str


# ---------------------------------------------------------------------------------------------- HTML


@dataclass
class HtmlField:
    """One <input>/<select>/<textarea> of a page, with what classification needs."""

    page: str
    tag: str
    attrs: dict[str, str]
    label: str
    form_id: str | None  # index of the enclosing form within the page, as a string, or None
    line: int

    @property
    def type(self) -> str:
        return self.attrs.get("type", "text" if self.tag == "input" else self.tag).lower()


@dataclass
class InlineScript:
    """JavaScript embedded in a page: a <script> block or an on…= handler attribute."""

    page: str
    code: str
    line: int  # 1-based line of the code's first character in the page
    col: int  # 1-based column of the code's first character
    handler_event: str | None = None  # 'blur' for onblur="…"; None for <script> blocks
    element_selector: str | None = None  # a CSS selector that finds the element carrying the handler
    element_index: int | None = None  # index into Page.elements of that element


@dataclass
class Page:
    """What an HTML page contributes: fields, forms, submit controls, scripts, origin."""

    rel: str
    fields: list[HtmlField] = field(default_factory=list)
    inline_scripts: list[InlineScript] = field(default_factory=list)
    script_srcs: list[str] = field(default_factory=list)  # resolved relative paths of local scripts
    module_srcs: list[str] = field(default_factory=list)
    origin: str | None = None
    soup: object | None = None  # the parsed document (bs4), for CSS selector matching
    encoding: str = "utf-8"


# ---------------------------------------------------------------------------------------------- output


@dataclass(frozen=True)
class PathStep:
    location: Location
    message: str
    snippet: str


@dataclass(frozen=True)
class TriggerInfo:
    event: str  # 'blur', 'input', 'load', 'timer', 'click', ...
    location: Location | None  # the registration (addEventListener / .on / HTML attribute)
    description: str  # e.g. "blur on #email", "setInterval at top level"


@dataclass
class Finding:
    rule_id: str
    rule_name: str
    severity: str  # 'critical' | 'high' | 'low'
    confidence: str  # 'high' | 'medium' | 'low'
    categories: list[str]
    fields: list[str]  # human descriptions of the fields read ("#billing_email", "name=tel")
    triggers: list[TriggerInfo]
    sink_api: str
    sink: Location
    sink_snippet: str
    destination: str | None
    party: str  # 'first_party' | 'third_party' | 'unknown'
    vendor: str | None
    function: str  # enclosing function of the sink ('<top>' at top level)
    steps: list[PathStep]
    message: str = ""
    fingerprint: str = ""
    suppression: dict | None = None  # {'kind': 'inSource'|'external', 'justification': str}
    generated: Location | None = None  # the sink's position in the bundle when `sink` was mapped to the source
    # the sink call's argument list (`(`), for the locate stage: where a minifier's merged callee ends
    sink_anchor: Location | None = None

    @property
    def trigger_names(self) -> list[str]:
        return sorted({t.event for t in self.triggers})


@dataclass
class ScanResult:
    roots: list[str]
    files_scanned: list[str]
    notifications: list[Notification]
    findings: list[Finding]
    complete: bool
    origin: str | None = None
    stats: dict = field(default_factory=dict)
