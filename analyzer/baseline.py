"""Baselines: accept the findings a project has today, report only new ones.

`--write-baseline FILE` stores the fingerprints (see `analyzer.fingerprint`) of the current findings;
`--baseline FILE` marks findings whose fingerprint is in the file as suppressed with kind `external`. Since
fingerprints hash no line numbers and no position index, moving code, inserting lines above it or adding a
new call beside it keeps a finding baselined, and the new call is reported as new.

An entry that matches no finding of the scan is *stale* (the leak was fixed, or the code changed so much
that it is another finding now): each is reported as a warning notification (`stale-baseline-entry`), and
`--prune-baseline` rewrites the file without them (it never adds the new findings: that is
`--write-baseline`).

File format (version 2; sorted, byte-stable):

    {"version": 2, "tool": {"name": "formleak", "version": "0.1.0"},
     "fingerprints": [{"fingerprint": "…", "rule": "FL002", "path": "js/cart.js", "function": "save",
                       "sink": "fetch", "destination": "host:api.example", "categories": ["email"],
                       "triggers": ["blur"]}, …]}

Version 1 files (fingerprints numbered by position, without the destination) are refused with a message
saying to write the baseline again.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from analyzer import __version__
from analyzer.fingerprint import destination_key
from analyzer.model import Finding, Notification
from analyzer.safeio import read_json, write_text

BASELINE_VERSION = 2


class BaselineError(Exception):
    """An unreadable or malformed baseline; the CLI exits with 2."""


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: tuple[dict, ...]  # as stored, in file order

    @property
    def fingerprints(self) -> set[str]:
        return {e["fingerprint"] for e in self.entries}


def _entry(f: Finding) -> dict:
    return {"fingerprint": f.fingerprint, "rule": f.rule_id, "path": f.sink.path, "function": f.function,
            "sink": f.sink_api, "destination": destination_key(f), "categories": sorted(set(f.categories)),
            "triggers": f.trigger_names}


def _text(rows) -> str:
    rows = sorted(rows, key=lambda e: (str(e.get("path", "")), str(e.get("rule", "")), e["fingerprint"]))
    doc = {"version": BASELINE_VERSION, "tool": {"name": "formleak", "version": __version__}, "fingerprints": rows}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def baseline_document(findings: list[Finding]) -> dict:
    return json.loads(_text(_entries(findings)))


def _entries(findings: list[Finding]) -> list[dict]:
    entries = {}
    for f in findings:
        if f.suppression and f.suppression.get("kind") == "inSource":
            continue  # suppressed in the code already; the baseline would only duplicate that
        entries[f.fingerprint] = _entry(f)
    return list(entries.values())


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, text)  # file names that are not UTF-8 are written as \udcXX escapes
    except OSError as e:
        raise BaselineError(f"cannot write baseline {path}: {e.strerror or e}") from None


def write_baseline(path: Path, findings: list[Finding]) -> int:
    rows = _entries(findings)
    _write(path, _text(rows))
    return len(rows)


def read_baseline(path: Path) -> Baseline:
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
    if doc.get("version") == 1:
        raise BaselineError(f"baseline {path} is version 1, whose fingerprints were numbered by position and "
                            "could hide a new leak; write it again with --write-baseline")
    if doc.get("version") != BASELINE_VERSION:
        raise BaselineError(f"baseline {path} has version {doc.get('version')!r}; this formleak reads "
                            f"version {BASELINE_VERSION}")
    entries = []
    for i, e in enumerate(doc["fingerprints"]):
        if isinstance(e, str):
            e = {"fingerprint": e}
        fp = e.get("fingerprint") if isinstance(e, dict) else None
        if not isinstance(fp, str) or not fp:
            raise BaselineError(f"baseline {path}: entry {i} has no fingerprint")
        entries.append(e)
    return Baseline(path, tuple(entries))


def load_baseline(path: Path) -> set[str]:
    return read_baseline(path).fingerprints


def apply_baseline(findings: list[Finding], fingerprints: set[str], source: str) -> int:
    """Suppress (kind `external`) each unsuppressed finding whose fingerprint is in the baseline."""
    n = 0
    for f in findings:
        if f.suppression is None and f.fingerprint in fingerprints:
            f.suppression = {"kind": "external", "justification": f"in baseline {source}"}
            n += 1
    return n


def stale_entries(baseline: Baseline, findings: list[Finding]) -> list[dict]:
    """Entries that match no finding of this scan (suppressed ones included: an inline directive next to a
    baseline entry keeps it alive)."""
    seen = {f.fingerprint for f in findings}
    return [e for e in baseline.entries if e["fingerprint"] not in seen]


def stale_notifications(baseline: Baseline, stale: list[dict]) -> list[Notification]:
    out = []
    for e in sorted(stale, key=lambda e: (str(e.get("path", "")), str(e.get("rule", "")), e["fingerprint"])):
        what = " ".join(str(e[k]) for k in ("rule", "sink", "destination") if e.get(k))
        where = f" in {e['function']}" if e.get("function") else ""
        out.append(Notification(
            path=str(e.get("path", "")), level="warning", reason="stale-baseline-entry",
            message=f"baseline {baseline.path.name}: entry {e['fingerprint'][:12]} ({what or 'unknown'}{where}) "
                    "matches no finding any more; remove it with --prune-baseline"))
    return out


def prune_baseline(baseline: Baseline, stale: list[dict]) -> int:
    """Rewrite the baseline file without its stale entries; returns how many were removed."""
    gone = {e["fingerprint"] for e in stale}
    keep = [e for e in baseline.entries if e["fingerprint"] not in gone]
    _write(baseline.path, _text(keep))
    return len(baseline.entries) - len(keep)
