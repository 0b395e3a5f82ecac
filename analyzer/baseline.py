"""Baselines: accept the findings a project has today, report only new ones.

`--write-baseline FILE` stores the fingerprints (see `analyzer.fingerprint`) of the current findings;
`--baseline FILE` marks findings whose fingerprint is in the file as suppressed with kind `external`. Since
fingerprints hash no line numbers, moving code or inserting lines above it keeps a finding baselined.

File format (sorted, byte-stable):

    {"version": 1, "tool": {"name": "formleak", "version": "0.1.0"},
     "fingerprints": [{"fingerprint": "…", "rule": "FL002", "path": "js/cart.js", "function": "save",
                       "sink": "fetch", "categories": ["email"], "triggers": ["blur"]}, …]}
"""
from __future__ import annotations

import json
from pathlib import Path

from analyzer import __version__
from analyzer.model import Finding
from analyzer.safeio import read_json, write_text

BASELINE_VERSION = 1


class BaselineError(Exception):
    """An unreadable or malformed baseline; the CLI exits with 2."""


def baseline_document(findings: list[Finding]) -> dict:
    entries = {}
    for f in findings:
        if f.suppression and f.suppression.get("kind") == "inSource":
            continue  # suppressed in the code already; the baseline would only duplicate that
        entries[f.fingerprint] = {
            "fingerprint": f.fingerprint, "rule": f.rule_id, "path": f.sink.path, "function": f.function,
            "sink": f.sink_api, "categories": sorted(set(f.categories)), "triggers": f.trigger_names,
        }
    rows = sorted(entries.values(), key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    return {"version": BASELINE_VERSION, "tool": {"name": "formleak", "version": __version__},
            "fingerprints": rows}


def write_baseline(path: Path, findings: list[Finding]) -> int:
    doc = baseline_document(findings)
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, text)  # file names that are not UTF-8 are written as \udcXX escapes
    except OSError as e:
        raise BaselineError(f"cannot write baseline {path}: {e.strerror or e}") from None
    return len(doc["fingerprints"])


def load_baseline(path: Path) -> set[str]:
    try:
        doc = read_json(path)  # a regular file, bounded in size and depth (analyzer/safeio.py)
    except FileNotFoundError:
        raise BaselineError(f"baseline file not found: {path} (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BaselineError(f"cannot read baseline {path}: {e}") from None
    except json.JSONDecodeError as e:
        raise BaselineError(f"baseline {path} is not valid JSON: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("fingerprints"), list):
        raise BaselineError(f"baseline {path} has no 'fingerprints' list; is it a formleak baseline?")
    if doc.get("version") != BASELINE_VERSION:
        raise BaselineError(f"baseline {path} has version {doc.get('version')!r}; this formleak reads "
                            f"version {BASELINE_VERSION}")
    out: set[str] = set()
    for i, e in enumerate(doc["fingerprints"]):
        fp = e.get("fingerprint") if isinstance(e, dict) else e if isinstance(e, str) else None
        if not isinstance(fp, str) or not fp:
            raise BaselineError(f"baseline {path}: entry {i} has no fingerprint")
        out.add(fp)
    return out


def apply_baseline(findings: list[Finding], fingerprints: set[str], source: str) -> int:
    """Suppress (kind `external`) each unsuppressed finding whose fingerprint is in the baseline."""
    n = 0
    for f in findings:
        if f.suppression is None and f.fingerprint in fingerprints:
            f.suppression = {"kind": "external", "justification": f"in baseline {source}"}
            n += 1
    return n
