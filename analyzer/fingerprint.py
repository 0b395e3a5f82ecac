"""Stable fingerprints of findings (SARIF `partialFingerprints["formleak/v1"]`, baselines).

A fingerprint identifies "the same leak" across runs: it is a sha256 over the rule id, the sorted field
categories, the sorted trigger names, the sink API, the file (`sink.path`, the original source when a source
map was used) and the enclosing function — and, for findings that agree on all of those, an occurrence
index assigned in the order of their positions. Line and column numbers and the text of the line are never
hashed, so inserting lines above the code, reformatting or rebuilding a minified bundle keeps it.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict

from analyzer.model import Finding

VERSION_KEY = "formleak/v1"


def identity(f: Finding) -> tuple:
    """Everything a fingerprint is derived from, except the occurrence index."""
    return (f.rule_id, tuple(sorted(set(f.categories))), tuple(f.trigger_names), f.sink_api, f.sink.path,
            f.function)


def fingerprint(f: Finding, occurrence: int = 0) -> str:
    rule, cats, triggers, api, path, function = identity(f)
    parts = ["v1", rule, ",".join(cats), ",".join(triggers), api, path, function, str(occurrence)]
    # surrogateescape: a file name that is not UTF-8 is hashed as its bytes (no UnicodeEncodeError)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _position(f: Finding) -> tuple:
    return (f.sink.line, f.sink.col, f.sink.end_line, f.sink.end_col, f.destination or "", f.party,
            f.vendor or "")


def assign_fingerprints(findings: list[Finding], *, overwrite: bool = True) -> None:
    """Fill `finding.fingerprint` for every finding, numbering findings that share an identity in the
    order of their positions in the file (0, 1, 2 …)."""
    groups: dict[tuple, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[identity(f)].append(f)
    for group in groups.values():
        for i, f in enumerate(sorted(group, key=_position)):
            if overwrite or not f.fingerprint:
                f.fingerprint = fingerprint(f, i)
