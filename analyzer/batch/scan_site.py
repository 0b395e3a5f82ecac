"""One site → its rows: a pure function of the site's files and the scan options.

`scan_site(path, site, options)` runs the same pipeline as `formleak scan PATH --format json` with the same
options (engine scan, allow-list, severity overrides, fingerprints, inline suppressions when enabled), takes
the JSON report document and turns it into rows (rows.py). It reads nothing but the site's files: no
configuration is searched for inside or above the site (a downloaded site is untrusted input and could
otherwise allow its own destinations), no clock enters the rows, and the same files and options give the same
rows on any machine and at any worker count.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ScanOptions:
    """What a site's rows depend on besides its files (picklable, hashed into the manifest key)."""

    exclude: tuple[str, ...] = ()
    budget_seconds: float = 120.0  # per file, as `formleak scan --budget`
    include_libraries: bool = False
    inline_suppressions: bool = False  # off by default: a site must not suppress its own leaks
    allow_destinations: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()  # rule id → severity overrides, sorted

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()

    def scan_argv(self) -> list[str]:
        """The `formleak scan` options that give the same result (for tests and docs)."""
        argv = ["--budget", f"{self.budget_seconds:g}"]
        for g in self.exclude:
            argv += ["--exclude", g]
        if self.include_libraries:
            argv.append("--include-libraries")
        if not self.inline_suppressions:
            argv.append("--no-inline-suppressions")
        return argv


@dataclass(frozen=True)
class SiteOutcome:
    site: str
    status: str  # 'ok' | 'partial' | 'budget' | 'crashed'
    rows: tuple = ()  # the site row first, then its findings (dicts in the rows.py schema)
    error: str | None = None
    seconds: float = 0.0  # wall time of the scan (never written into the compared rows)
    attempts: int = 1
    meta: dict = field(default_factory=dict, compare=False)


def report_document(path: str, options: ScanOptions) -> dict:
    """The `formleak scan PATH --format json` document of one site under `options`."""
    from analyzer import engine
    from analyzer.config import destination_allowed
    from analyzer.fingerprint import assign_fingerprints
    from analyzer.report.json_out import report_document as document
    from analyzer.suppress import apply_inline_suppressions

    roots = [Path(path)]
    result = engine.scan(roots, exclude=options.exclude, budget_seconds=options.budget_seconds,
                         include_libraries=options.include_libraries)
    # the post-processing of analyzer/cli.py, in the same order
    allow = list(options.allow_destinations)
    result.findings = [f for f in result.findings if not destination_allowed(f.destination, allow)]
    overrides = dict(options.severity)
    for f in result.findings:
        if f.rule_id in overrides:
            f.severity = overrides[f.rule_id]
    assign_fingerprints(result.findings)
    if options.inline_suppressions:
        apply_inline_suppressions(result, roots)
    return document(result)


def scan_site(path: str, site: str, options: ScanOptions, input_hash: str = "") -> SiteOutcome:
    """Scan one site alone; a Python exception in the analyzer becomes a `crashed` outcome with its text."""
    import time

    from analyzer.batch.rows import rows_from_document, site_row

    t0 = time.perf_counter()
    try:
        doc = report_document(path, options)
    except Exception as e:  # noqa: BLE001 - a bug on one site must not stop the batch
        err = f"scan failed: {type(e).__name__}: {e}"
        return SiteOutcome(site, "crashed", (site_row(site, "crashed", error=err, input_hash=input_hash),),
                           error=err, seconds=time.perf_counter() - t0)
    status = "ok" if doc.get("complete") else "partial"
    rows = rows_from_document(site, doc, status, input_hash)
    return SiteOutcome(site, status, tuple(rows), seconds=time.perf_counter() - t0)
