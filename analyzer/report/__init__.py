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

TOOL_NAME = "formleak"
TOOL_VERSION = __version__
# The project's home page. Replace with the public repository URL once it has one.
INFORMATION_URI = "https://github.com/formleak/formleak"

SEVERITY_RANK = {"low": 1, "high": 2, "critical": 3}
SEVERITIES = ("critical", "high", "low")  # most severe first
SECURITY_SEVERITY = {"critical": "9.5", "high": "7.5", "low": "3.0"}

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


_FIX = (
    "Send nothing a shopper types until they submit the form: move the request into the form's submit "
    "handler (or the server-side order step). If the request is needed before submit (an address lookup, "
    "a stock check), send only what the service needs (the postal code, not the whole form) to a service "
    "you have approved, and list that service under `allow-destinations` in `.formleak.toml`. Remove "
    "tracker SDK calls that identify the shopper from field values before consent and submit. Hashing is "
    "not a fix: a hashed email still identifies the person."
)

_WHY = (
    "A shopper who types into a checkout and then leaves has not agreed to give you (or anyone) their "
    "details. Capturing fields while they are typed is how 'cart abandonment' calls and emails, "
    "tracker identity matching and card skimming work; it breaches the expectation that nothing is sent "
    "before 'order' is pressed and, in many jurisdictions, data-protection law (GDPR, CCPA, APPI) and "
    "PCI DSS for card data."
)


def _rule(rid: str, name: str, severity: str, short: str, what: str, precision: str,
          tags: tuple[str, ...]) -> RuleMeta:
    text = f"{what}\n\nWhy it matters: {_WHY}\n\nHow to fix: {_FIX}"
    md = (f"## {short}\n\n{what}\n\n### Why it matters\n\n{_WHY}\n\n### How to fix\n\n{_FIX}\n\n"
          "### Suppressing\n\nIf the flow is intended and approved, add "
          "`// formleak-disable-next-line " + rid + " -- <reason>` on the line before the call, or allow the "
          "destination in `.formleak.toml`.")
    return RuleMeta(rid, name, severity, short, what, text, md, precision, tags)


RULES: dict[str, RuleMeta] = {
    r.id: r
    for r in (
        _rule("FL001", "presubmit-payment-leak", "critical",
              "Card data or a password leaves the page before the form is submitted",
              "A value typed into a payment card field (number, security code, expiry) or a password field "
              "reaches a network call that runs before the shopper submits the form, for example from an "
              "input, change or blur handler. This is the pattern of web card skimmers.",
              "high", ("security", "privacy", "pci", "external/cwe/cwe-359", "external/cwe/cwe-200")),
        _rule("FL002", "presubmit-pii-leak", "high",
              "Personal data leaves the page before the form is submitted",
              "A value typed into an email, phone, name, address or birth-date field reaches a network call "
              "(fetch, XMLHttpRequest, sendBeacon, a pixel, a tracker SDK …) that runs before the shopper "
              "submits the form, typically for cart-abandonment capture or tracker identity matching.",
              "high", ("security", "privacy", "pii", "external/cwe/cwe-359")),
        _rule("FL003", "presubmit-catch-all-capture", "critical",
              "A catch-all listener or whole-form read sends field values before submit",
              "A listener on the document, a form or every input (or a whole-form read such as "
              "`new FormData(form)` or `$(form).serialize()`) sends what the shopper types before they "
              "submit. It captures every field, including card data and passwords; to a third party it is "
              "critical, to the shop itself high.",
              "medium", ("security", "privacy", "pii", "external/cwe/cwe-359")),
        _rule("FL004", "presubmit-low-sensitivity-leak", "low",
              "A low-sensitivity field value leaves the page before submit",
              "Only a postal code, a country or region, free text or another field of low sensitivity is "
              "sent before submit (for example an address lookup or a shipping-rate estimate). Check that "
              "the destination is one you have approved and that nothing else rides along.",
              "medium", ("privacy", "external/cwe/cwe-359")),
    )
}


def rule_meta(rule_id: str, rule_name: str = "", severity: str = "high") -> RuleMeta:
    """Metadata of a rule; rules the reporters do not know yet get a generic entry."""
    if rule_id in RULES:
        return RULES[rule_id]
    name = rule_name or rule_id.lower()
    return _rule(rule_id, name, severity, f"{name}: a form field value leaves the page before submit",
                 "A value typed into a form field reaches a network call that runs before the form is "
                 "submitted.", "medium", ("security", "privacy"))


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


def render(result: ScanResult, fmt: str, *, color: bool = False,
           severity_overrides: dict[str, str] | None = None) -> str:
    """Render `result` in `fmt` ('text' | 'json' | 'sarif'). `severity_overrides` (rule id -> severity,
    from the config) adjusts the rules' default level and security-severity in SARIF."""
    if fmt == "json":
        from analyzer.report.json_out import render_json

        return render_json(result)
    if fmt == "sarif":
        from analyzer.report.sarif import render_sarif

        return render_sarif(result, severity_overrides=severity_overrides)
    from analyzer.report.text import render_text

    return render_text(result, color=color)
