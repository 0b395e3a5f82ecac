"""Reporters: turn a ScanResult into text, JSON or SARIF.

Everything here is a pure function of the ScanResult it is given (no clock, no environment), so the same
input gives byte-identical output. Shared pieces live in this module: rule metadata (for SARIF
`tool.driver.rules` and the text report), severity ordering, the canonical finding order and snippet
trimming.
"""
from __future__ import annotations

from dataclasses import dataclass

from analyzer import __version__
from analyzer.model import Finding, ScanResult
from analyzer.rules import load_toml

TOOL_NAME = "formleak"
TOOL_VERSION = __version__
# The project's home page. Replace with the public repository URL once it has one.
INFORMATION_URI = "https://github.com/formleak/formleak"

SEVERITY_RANK = {"low": 1, "high": 2, "critical": 3}
SEVERITIES = ("critical", "high", "low")  # most severe first
SECURITY_SEVERITY = {"critical": "9.5", "high": "7.5", "low": "3.0"}

# Notifications about the project's own suppressions and baseline, not about a file that was skipped.
NON_FILE_REASONS = frozenset({"unused-suppression", "invalid-suppression", "stale-baseline-entry"})

MAX_SNIPPET = 400  # characters of a code line kept in reports (minified bundles have megabyte lines)


@dataclass(frozen=True)
class RuleMeta:
    id: str
    name: str
    severity: str  # default (worst-case) severity of the rule
    short: str
    full: str
    help_text: str
    help_markdown: str
    precision: str
    tags: tuple[str, ...]
    advice: str = ""  # one line under each finding of the text report
    example: str = ""  # a program that produces this rule (rules/findings.toml; a test scans it)


def _rule(rid: str, name: str, severity: str, short: str, what: str, precision: str,
          tags: tuple[str, ...], advice: str = "", example: str = "", why: str = "", fix: str = "") -> RuleMeta:
    text = f"{what}\n\nWhy it matters: {why}\n\nHow to fix: {fix}"
    md = (f"## {short}\n\n{what}\n\n### Why it matters\n\n{why}\n\n### How to fix\n\n{fix}\n\n"
          + (f"### Example\n\n```js\n{example}\n```\n\n" if example else "")
          + "### Suppressing\n\nIf the flow is intended and approved, add "
          "`// formleak-disable-next-line " + rid + " -- <reason>` on the line before the call, or allow the "
          "destination in `.formleak.toml`.")
    return RuleMeta(rid, name, severity, short, what, text, md, precision, tags, advice, example)


def _load_rules() -> dict[str, RuleMeta]:
    """The finding rules from rules/findings.toml: the one source of SARIF help, `formleak rules`,
    `--explain` and the fix advice of the text and HTML reports."""
    data = load_toml("findings")
    why, fix = data["common"]["why"], data["common"]["fix"]
    out = {}
    for r in data["rule"]:
        out[r["id"]] = _rule(r["id"], r["name"], r["severity"], r["short"], r["what"], r["precision"],
                             tuple(r["tags"]), r.get("advice", ""), r.get("example", ""), why, fix)
    return dict(sorted(out.items()))


RULES: dict[str, RuleMeta] = _load_rules()
_WHY = load_toml("findings")["common"]["why"]
_FIX = load_toml("findings")["common"]["fix"]


def rule_meta(rule_id: str, rule_name: str = "", severity: str = "high") -> RuleMeta:
    """Metadata of a rule; rules the reporters do not know yet get a generic entry."""
    if rule_id in RULES:
        return RULES[rule_id]
    name = rule_name or rule_id.lower()
    return _rule(rule_id, name, severity, f"{name}: a form field value leaves the page before submit",
                 "A value typed into a form field reaches a network call that runs before the form is "
                 "submitted.", "medium", ("security", "privacy"), why=_WHY, fix=_FIX)


def sort_key(f: Finding) -> tuple:
    """The canonical order of findings in every output: (path, line, col, rule), then the rest."""
    return (f.sink.path, f.sink.line, f.sink.col, f.rule_id, f.sink.end_line, f.sink.end_col, f.sink_api,
            tuple(sorted(f.categories)), tuple(f.trigger_names), f.destination or "", f.fingerprint)


def sorted_findings(result: ScanResult) -> list[Finding]:
    return sorted(result.findings, key=sort_key)


def trim(text: str | None, limit: int = MAX_SNIPPET) -> str:
    """One code line for display: stripped, cut to `limit` characters (deterministically)."""
    if not text:
        return ""
    text = text.strip().replace("\r", " ").replace("\n", " ")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def party_text(f: Finding) -> str:
    party = {"first_party": "first party", "third_party": "third party"}.get(f.party, f.party or "unknown")
    if f.vendor:
        party += f", {f.vendor}"
    return party


def finding_message(f: Finding) -> str:
    """One sentence: which fields, which event(s), which API, where to."""
    cats = ", ".join(sorted(f.categories)) or "form field"
    fields = ", ".join(f.fields)
    what = f"{cats} ({fields})" if fields else cats
    events = ", ".join(f.trigger_names) or "an unknown event"
    dest = f.destination or "an unresolved destination"
    return (f"{what} typed by the shopper is sent before submit on {events} via {f.sink_api} to {dest} "
            f"({party_text(f)}).")


FORMATS = ("text", "json", "sarif", "html")


def render(result: ScanResult, fmt: str, *, color: bool = False,
           severity_overrides: dict[str, str] | None = None, category: str | None = None,
           cwd=None, link_base=None) -> str:
    """Render `result` in `fmt` (one of FORMATS). `severity_overrides` (rule id -> severity, from the
    config) adjusts the rules' default level and security-severity in SARIF; `category` is SARIF's
    `automationDetails` category; `cwd` decides `%SRCROOT%`; `link_base` is the folder the HTML report is
    written to (its links to files are relative to it)."""
    if fmt == "json":
        from analyzer.report.json_out import render_json

        return render_json(result)
    if fmt == "sarif":
        from analyzer.report.sarif import render_sarif

        return render_sarif(result, severity_overrides=severity_overrides, category=category, cwd=cwd)
    if fmt == "html":
        from analyzer.report.html import render_html

        return render_html(result, cwd=cwd, link_base=link_base)
    from analyzer.report.text import render_text

    return render_text(result, color=color)
