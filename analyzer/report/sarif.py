"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers (SPEC §5).

One run. `tool.driver.rules` carries every formleak rule (help text and markdown, security-severity, tags,
precision). Each result: `ruleId`/`ruleIndex`, `level`, a message naming fields, event(s), API and
destination, `locations[0]` = the sink call (relative URI with `uriBaseId: %SRCROOT%`, UTF-16 columns),
`codeFlows` from the finding's path steps, `relatedLocations` for the trigger registrations,
`partialFingerprints["formleak/v1"]`, `properties`, and `suppressions` when suppressed (inline or baseline).
`invocations[0]` reports success, completeness and a `toolExecutionNotification` per skipped/failed file.

GitHub's limits are respected deterministically: at most 25,000 results per run (the most severe kept,
ties by path/line/col/rule), 10,000 thread-flow locations per flow (first and last kept), 1,000 related
locations per result. Output is byte-identical for the same input (sorted keys, canonical order).
"""
from __future__ import annotations

import json
from pathlib import Path

from analyzer.fingerprint import VERSION_KEY, assign_fingerprints
from analyzer.model import Finding, Location, Notification, ScanResult
from analyzer.sanitize import uri_path
from analyzer.report import (INFORMATION_URI, RULES, SECURITY_SEVERITY, SEVERITY_RANK, TOOL_NAME,
                             TOOL_VERSION, finding_message, rule_meta, sort_key, sorted_findings, trim)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
BASE_ID = "%SRCROOT%"
BASE_KEY = BASE_ID  # originalUriBaseIds is keyed by the uriBaseId string itself

MAX_RESULTS = 25_000
MAX_FLOW_LOCATIONS = 10_000
MAX_RELATED = 1_000


def _region(loc: Location, snippet: str | None = None) -> dict:
    line = max(1, int(loc.line))
    col = max(1, int(loc.col))
    end_line = max(line, int(loc.end_line or line))
    end_col = max(1, int(loc.end_col or col))
    if end_line == line and end_col < col:
        end_col = col
    region = {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}
    snippet = trim(snippet)
    if snippet:
        region["snippet"] = {"text": snippet}
    return region


def _physical(loc: Location, snippet: str | None = None) -> dict:
    return {"artifactLocation": {"uri": _uri(loc.path), "uriBaseId": BASE_ID},
            "region": _region(loc, snippet)}


def _uri(path: str) -> str:
    return uri_path(path)  # RFC 3986, the file name's bytes, `/` only as separator (analyzer/sanitize.py)


def _rule_entries(severity_overrides: dict[str, str], extra: dict[str, Finding]) -> list[dict]:
    ids = sorted(set(RULES) | set(extra))
    out = []
    for rid in ids:
        f = extra.get(rid)
        meta = rule_meta(rid, f.rule_name if f else "", f.severity if f else "high")
        sev = severity_overrides.get(rid, meta.severity)
        out.append({
            "id": rid,
            "name": meta.name,
            "shortDescription": {"text": meta.short},
            "fullDescription": {"text": meta.full},
            "help": {"text": meta.help_text, "markdown": meta.help_markdown},
            "defaultConfiguration": {"level": _level(sev)},
            "properties": {
                "security-severity": SECURITY_SEVERITY.get(sev, "7.5"),
                "precision": meta.precision,
                "tags": list(meta.tags),
                "problem.severity": "error" if _level(sev) == "error" else "warning",
            },
        })
    return out


def _level(severity: str) -> str:
    return "error" if severity in ("critical", "high") else "warning"


def _thread_flow_locations(f: Finding) -> list[dict]:
    steps = list(f.steps)
    if not steps:
        return [{"location": {"physicalLocation": _physical(f.sink, f.sink_snippet),
                              "message": {"text": f"sent by {f.sink_api}"}}}]
    if len(steps) > MAX_FLOW_LOCATIONS:
        half = MAX_FLOW_LOCATIONS // 2
        steps = steps[:half] + steps[-(MAX_FLOW_LOCATIONS - half):]
    return [{"location": {"physicalLocation": _physical(s.location, s.snippet),
                          "message": {"text": s.message or "step"}}} for s in steps]


def _related(f: Finding) -> list[dict]:
    seen = set()
    rel = []
    for t in sorted(f.triggers, key=lambda t: (t.location.path if t.location else "",
                                               t.location.line if t.location else 0,
                                               t.location.col if t.location else 0, t.event, t.description)):
        if t.location is None:
            continue
        key = (t.location, t.event, t.description)
        if key in seen:
            continue
        seen.add(key)
        rel.append((t.location, f"trigger: {t.description or t.event} ({t.event})"))
    out = []
    for i, (loc, msg) in enumerate(rel[:MAX_RELATED], start=1):
        out.append({"id": i, "physicalLocation": _physical(loc), "message": {"text": msg}})
    return out


def _result(f: Finding, rule_index: dict[str, int]) -> dict:
    res = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index[f.rule_id],
        "level": _level(f.severity),
        "message": {"text": finding_message(f)},
        "locations": [{"physicalLocation": _physical(f.sink, f.sink_snippet)}],
        "codeFlows": [{"threadFlows": [{"locations": _thread_flow_locations(f)}]}],
        "partialFingerprints": {VERSION_KEY: f.fingerprint},
        "properties": {
            "severity": f.severity,
            "trigger": f.trigger_names,
            "categories": sorted(set(f.categories)),
            "fields": list(f.fields),
            "sink": f.sink_api,
            "destination": f.destination,
            "party": f.party,
            "vendor": f.vendor,
            "confidence": f.confidence,
            "function": f.function,
        },
    }
    related = _related(f)
    if related:
        res["relatedLocations"] = related
    if f.suppression:
        kind = f.suppression.get("kind", "external")
        res["suppressions"] = [{"kind": kind if kind in ("inSource", "external") else "external",
                                "status": "accepted",
                                "justification": f.suppression.get("justification") or ""}]
    return res


def _notification(n: Notification) -> dict:
    level = n.level if n.level in ("error", "warning", "note", "none") else "warning"
    return {
        "level": level,
        "message": {"text": n.message or n.reason},
        "descriptor": {"id": n.reason or "notice"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(n.path), "uriBaseId": BASE_ID}}}]
        if n.path else [],
    }


def _base_uri(roots: list[str]) -> str | None:
    if not roots:
        return None
    p = Path(roots[0]).resolve()
    if not p.is_dir():
        p = p.parent
    uri = p.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def select_results(findings: list[Finding], limit: int = MAX_RESULTS) -> tuple[list[Finding], int]:
    """At most `limit` findings (the most severe first, live before suppressed), in canonical order.
    Returns (kept, dropped count)."""
    if len(findings) <= limit:
        return sorted(findings, key=sort_key), 0
    ranked = sorted(findings, key=lambda f: (f.suppression is not None, -SEVERITY_RANK.get(f.severity, 0),
                                             sort_key(f)))
    kept = ranked[:limit]
    return sorted(kept, key=sort_key), len(findings) - limit


def sarif_document(result: ScanResult, *, severity_overrides: dict[str, str] | None = None,
                   max_results: int = MAX_RESULTS) -> dict:
    if any(not f.fingerprint for f in result.findings):
        assign_fingerprints(result.findings, overwrite=False)
    findings = sorted_findings(result)
    unknown = {}
    for f in findings:
        if f.rule_id not in RULES and f.rule_id not in unknown:
            unknown[f.rule_id] = f
    rules = _rule_entries(severity_overrides or {}, unknown)
    rule_index = {r["id"]: i for i, r in enumerate(rules)}
    kept, dropped = select_results(findings, max_results)

    notes = sorted(result.notifications, key=lambda n: (n.path, n.level, n.reason, n.message))
    notifications = [_notification(n) for n in notes]
    if dropped:
        notifications.append({"level": "warning", "descriptor": {"id": "results-truncated"},
                              "message": {"text": f"{dropped} of {len(findings)} results were left out to stay "
                                                  f"within {max_results} results per run; the most severe "
                                                  "are kept"}, "locations": []})
    for n in notifications:
        if not n["locations"]:
            del n["locations"]
    failed = sorted({n.path for n in notes if n.level == "error"})
    run: dict = {
        "tool": {"driver": {
            "name": TOOL_NAME,
            "version": TOOL_VERSION,
            "semanticVersion": TOOL_VERSION,
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }},
        "columnKind": "utf16CodeUnits",
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": notifications,
            "properties": {
                "complete": bool(result.complete),
                "filesScanned": len(result.files_scanned),
                "filesFailed": len(failed),
                "scannedFiles": sorted(result.files_scanned),
                "resultsTruncated": dropped,
            },
        }],
        "results": [_result(f, rule_index) for f in kept],
        "properties": {"complete": bool(result.complete), "origin": result.origin},
    }
    base = _base_uri(result.roots)
    if base:
        run["originalUriBaseIds"] = {BASE_KEY: {"uri": base}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(result: ScanResult, *, severity_overrides: dict[str, str] | None = None) -> str:
    doc = sarif_document(result, severity_overrides=severity_overrides)
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
