"""The default, human-readable report.

Per live (unsuppressed) finding: severity, rule, file:line:col, field categories, trigger(s), sink API,
destination with party/vendor, the bundle position when a source map moved the finding, then the numbered
path steps, each `N. file:line  message` followed by the code line, and a one-line fix (rules/findings.toml
`advice`). Then a summary: counts by severity, suppressed counts, files scanned, files skipped or failed
with their reasons, other notices, and whether the scan was complete.

Colour comes from `rich` styles and is only emitted when the caller asks for it (analyzer.report.outputs
decides: --color/--no-color, NO_COLOR, FORCE_COLOR, a terminal).
"""
from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from analyzer.model import Finding, ScanResult
from analyzer.discover import SKIP_REASONS
from analyzer.report import NON_FILE_REASONS, SEVERITIES, party_text, rule_meta, sorted_findings, trim
from analyzer.sanitize import display_result

_SEV_STYLE = {"critical": "bold white on red", "high": "bold red", "low": "yellow"}
_FILE_REASONS_SKIP = NON_FILE_REASONS


def _finding(t: Text, f: Finding) -> None:
    t.append(f"{f.severity.upper():8}", style=_SEV_STYLE.get(f.severity, "bold"))
    t.append(" ")
    t.append(f"{f.rule_id} {f.rule_name}", style="bold")
    t.append("  ")
    t.append(f.sink.short(), style="cyan")
    t.append("\n")

    def row(label: str, value: str, style: str = "") -> None:
        t.append(f"  {label:<12} ", style="dim")
        t.append(value, style=style)
        t.append("\n")

    cats = ", ".join(sorted(f.categories)) or "-"
    if f.fields:
        cats += "  (" + ", ".join(f.fields) + ")"
    row("fields", cats, "bold")
    triggers = []
    for tr in sorted(f.triggers, key=lambda x: (x.event, x.location.short() if x.location else "",
                                                 x.description)):
        s = tr.description or tr.event
        if tr.location:
            s += f" at {tr.location.short()}"
        triggers.append(s)
    row("trigger", "; ".join(triggers) if triggers else ", ".join(f.trigger_names) or "-")
    row("sink", f.sink_api)
    row("destination", f"{f.destination or '(unresolved)'}  [{party_text(f)}]",
        "red" if f.party == "third_party" else "")
    row("confidence", f.confidence)
    if f.generated is not None:
        row("bundle", f"{f.generated.short()}  (generated position; mapped by the source map)")
    if f.steps:
        t.append("  path\n", style="dim")
        for i, st in enumerate(f.steps, start=1):
            t.append(f"    {i}. ")
            t.append(f"{st.location.path}:{st.location.line}", style="cyan")
            t.append(f"  {st.message}\n")
            snippet = trim(st.snippet, 160)
            if snippet:
                t.append(f"       {snippet}\n", style="dim")
    else:
        snippet = trim(f.sink_snippet, 160)
        if snippet:
            t.append(f"    {snippet}\n", style="dim")
    advice = rule_meta(f.rule_id, f.rule_name, f.severity).advice
    if advice:
        t.append(f"  {'fix':<12} ", style="dim")
        t.append(advice, style="green")
        t.append(f"  (formleak scan --explain {f.rule_id})\n", style="dim")
    t.append("\n")


def build_text(result: ScanResult) -> Text:
    t = Text()
    findings = sorted_findings(result)
    live = [f for f in findings if f.suppression is None]
    for f in live:
        _finding(t, f)

    counts = {s: sum(1 for f in live if f.severity == s) for s in SEVERITIES}
    inline = sum(1 for f in findings if f.suppression and f.suppression.get("kind") == "inSource")
    external = sum(1 for f in findings if f.suppression and f.suppression.get("kind") == "external")
    n = len(live)
    t.append(f"{n} finding{'s' if n != 1 else ''}", style="bold red" if n else "bold green")
    t.append(" (" + ", ".join(f"{counts[s]} {s}" for s in SEVERITIES) + ")")
    if inline or external:
        t.append(f"; suppressed: {inline} inline, {external} by baseline")
    t.append("\n")

    file_notes = [x for x in result.notifications if x.reason not in _FILE_REASONS_SKIP]
    other_notes = [x for x in result.notifications if x.reason in _FILE_REASONS_SKIP]
    skipped_paths = sorted({x.path for x in file_notes if x.level == "error" or x.reason in SKIP_REASONS})
    t.append(f"files: {len(result.files_scanned)} scanned, {len(skipped_paths)} skipped or failed\n")
    for x in sorted(file_notes, key=lambda x: (x.path, x.reason, x.message)):
        t.append(f"  {x.level}: ", style="red" if x.level == "error" else "yellow")
        t.append(f"{x.path} ({x.reason}): {x.message}\n")
    for x in sorted(other_notes, key=lambda x: (x.path, x.message)):
        t.append("  note: ", style="yellow")
        t.append(f"{x.message}\n")
    if not result.complete:
        t.append("scan incomplete: some files were not (fully) analysed; see above\n", style="yellow")
    return t


def render_text(result: ScanResult, *, color: bool = False) -> str:
    text = build_text(display_result(result))  # control, bidi and undecodable characters escaped
    if not color:
        return text.plain
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", width=10_000,
                      highlight=False, emoji=False, markup=False, soft_wrap=True)
    console.print(text, end="")
    return buf.getvalue()
