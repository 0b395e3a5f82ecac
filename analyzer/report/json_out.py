"""`--format json`: formleak's own report schema (docs/json-schema.md, docs/formleak-report.schema.json).

Carries the same facts as the SARIF output in a flatter shape. Keys are sorted and findings are in the
canonical (path, line, col, rule) order, so the output is byte-identical for the same input.
"""
from __future__ import annotations

import json

from analyzer.fingerprint import assign_fingerprints
from analyzer.model import Finding, Location, ScanResult
from analyzer.report import NON_FILE_REASONS, SEVERITIES, TOOL_NAME, TOOL_VERSION, finding_message, sorted_findings, trim

SCHEMA_VERSION = 1


def _loc(loc: Location | None) -> dict | None:
    if loc is None:
        return None
    return {"path": loc.path, "line": loc.line, "col": loc.col, "end_line": loc.end_line,
            "end_col": loc.end_col}


def _finding(f: Finding) -> dict:
    triggers = sorted(
        ({"event": t.event, "description": t.description, "location": _loc(t.location)} for t in f.triggers),
        key=lambda d: json.dumps(d, sort_keys=True))
    return {
        "rule_id": f.rule_id,
        "rule_name": f.rule_name,
        "severity": f.severity,
        "confidence": f.confidence,
        "categories": sorted(set(f.categories)),
        "fields": list(f.fields),
        "trigger": f.trigger_names,
        "triggers": triggers,
        "sink": {"api": f.sink_api, "location": _loc(f.sink), "snippet": trim(f.sink_snippet)},
        "destination": {"url": f.destination, "party": f.party, "vendor": f.vendor},
        "function": f.function,
        "steps": [{"location": _loc(s.location), "message": s.message, "snippet": trim(s.snippet)}
                  for s in f.steps],
        "message": finding_message(f),
        "fingerprint": f.fingerprint,
        "suppression": dict(f.suppression) if f.suppression else None,
        "generated": _loc(f.generated),
    }


def _count(findings: list[Finding], kind: str) -> int:
    return sum(1 for f in findings if f.suppression and f.suppression.get("kind") == kind)


def report_document(result: ScanResult) -> dict:
    if any(not f.fingerprint for f in result.findings):
        assign_fingerprints(result.findings, overwrite=False)
    findings = sorted_findings(result)
    live = [f for f in findings if f.suppression is None]
    notes = sorted(result.notifications, key=lambda n: (n.path, n.level, n.reason, n.message))
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": TOOL_VERSION},
        "roots": list(result.roots),
        "origin": result.origin,
        "complete": bool(result.complete),
        "summary": {
            "findings": len(live),
            "by_severity": {s: sum(1 for f in live if f.severity == s) for s in SEVERITIES},
            "suppressed": {"in_source": _count(findings, "inSource"), "external": _count(findings, "external")},
            "files_scanned": len(result.files_scanned),
            "files_failed": len({n.path for n in notes if n.level == "error" and n.reason not in NON_FILE_REASONS}),
        },
        "files_scanned": sorted(result.files_scanned),
        "notifications": [{"path": n.path, "level": n.level, "reason": n.reason, "message": n.message}
                          for n in notes],
        "findings": [_finding(f) for f in findings],
    }
    if "timings" in result.stats:  # only with --stats: wall-clock figures are not deterministic
        doc["stats"] = result.stats["timings"]
    return doc


def render_json(result: ScanResult) -> str:
    return json.dumps(report_document(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
