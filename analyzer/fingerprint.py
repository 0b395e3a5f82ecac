"""Stable fingerprints of findings (SARIF `partialFingerprints["formleak/v2"]` and
`primaryLocationLineHash`, baselines).

A fingerprint identifies "the same leak" across runs: a sha256 over the rule id, the sorted field
categories, the sorted trigger names, the sink API, the destination (the
vendor when known, else the host of an absolute URL, else the path of a relative one without its query),
the file (`sink.path`, the original source when a source map was used) and the enclosing function.

Never hashed: line and column numbers, the text of the line, and any position or occurrence index. So
inserting lines above the code, reformatting or rebuilding a minified bundle keeps a fingerprint, and adding
a new call beside an old one never shifts the old one's fingerprint (a new skimmer beacon above an approved
tracker beacon differs by its destination, so it is new and the tracker stays baselined). Two calls that
agree on everything above are one leak to a reviewer and share the fingerprint. Field descriptions are
left out on purpose: in a minified bundle they may be spelled with names a rebuild changes.
"""
from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from analyzer.model import Finding

VERSION_KEY = "formleak/v2"


def destination_key(f: Finding) -> str:
    """Where a finding sends to, as hashed: `vendor:<name>`, `host:<host>`, `path:<path>` or `unresolved`."""
    if f.vendor:
        return f"vendor:{f.vendor}"
    dest = (f.destination or "").strip()
    if not dest or dest == "*":
        return "unresolved"
    try:
        parts = urlsplit(dest)
    except ValueError:
        parts = None
    if parts is not None and parts.netloc:
        return f"host:{parts.hostname or parts.netloc}".lower()
    path = dest.split("?", 1)[0].split("#", 1)[0]
    return f"path:{path}" if path else "unresolved"


def identity(f: Finding) -> tuple:
    """Everything a fingerprint is derived from."""
    return (f.rule_id, tuple(sorted(set(f.categories))), tuple(f.trigger_names),
            f.sink_api, destination_key(f), f.sink.path, f.function)


def fingerprint(f: Finding) -> str:
    rule, cats, triggers, api, dest, path, function = identity(f)
    parts = ["v2", rule, ",".join(cats), ",".join(triggers), api, dest, path, function]
    # surrogateescape: a file name that is not UTF-8 is hashed as its bytes (no UnicodeEncodeError)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def assign_fingerprints(findings: list[Finding], *, overwrite: bool = True) -> None:
    """Fill `finding.fingerprint` for every finding (each from its own identity; no numbering)."""
    for f in findings:
        if overwrite or not f.fingerprint:
            f.fingerprint = fingerprint(f)
