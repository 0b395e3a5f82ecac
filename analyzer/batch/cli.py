"""Arguments of `formleak batch` and `formleak report` (registered by analyzer/cli.py)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_ERROR = 0, 2

_BATCH_EPILOG = """\
INPUT is a folder whose sub-folders (and .har files) are sites, or a text file listing site folders or
.har files, one per line. Each site is scanned alone, as `formleak scan SITE --no-inline-suppressions`
would scan it, in a process of its own on a Dask worker.

examples:
  formleak batch crawl/ --out results/                      all sub-folders of crawl/, 1 worker, Parquet
  formleak batch sites.txt --out results/ --workers 4 --format jsonl
  formleak batch crawl/ --out results/ --scheduler tcp://10.0.0.5:8786   an existing Dask cluster
  formleak report results/                                   tables (CSV) and an HTML page

Run the same command again to resume: sites already done (same files, options and formleak version) are
skipped, crashed ones are retried. Output: results/rows.<fmt> (one row per site and per finding),
results/timings.<fmt>, results/parts/ and results/manifest.jsonl.
needs Dask: pip install 'formleak[batch]'
exit codes: 0 the batch ran (whatever the sites' findings or statuses), 2 usage or fatal error.
"""


def add_parsers(sub) -> None:
    batch = sub.add_parser(
        "batch", help="scan many sites, each alone, into one table of rows (Dask; resumable)",
        description="Scan many downloaded sites, each one alone, on Dask workers, into Parquet or JSONL rows "
                    "(one per finding, one per site). Resumable.",
        epilog=_BATCH_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    batch.add_argument("input", metavar="INPUT", help="a folder of site folders, or a file listing sites")
    batch.add_argument("--out", required=True, metavar="DIR", help="output folder (created; reused to resume)")
    batch.add_argument("--format", choices=("parquet", "jsonl"), default="parquet",
                       help="row file format (default: parquet)")
    batch.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="worker processes of the local Dask cluster, one thread each (default: CPU count)")
    batch.add_argument("--scheduler", metavar="ADDRESS",
                       help="use an existing Dask cluster (tcp://host:8786) instead of a local one; its workers "
                            "must see INPUT's paths and have formleak installed")
    batch.add_argument("--memory-per-worker", metavar="BYTES",
                       help="memory limit of each worker and of each site's scan process (e.g. 2GB; default: "
                            "the machine's memory shared between the workers)")
    batch.add_argument("--site-budget", type=float, default=600.0, metavar="SECONDS",
                       help="time budget of one site's scan (default 600; 0: none); a site past it is stopped "
                            "and recorded with status `budget`")
    batch.add_argument("--budget", type=float, default=120.0, metavar="SECONDS",
                       help="time budget for analysing any one file, as in `formleak scan` (default 120)")
    batch.add_argument("--config", metavar="FILE",
                       help="configuration applied to every site (its exclude, allow-destinations and severity keys); "
                            "none is read from the sites themselves")
    batch.add_argument("--exclude", metavar="GLOB", action="append", default=[],
                       help="skip files matching GLOB in every site (repeatable)")
    batch.add_argument("--include-libraries", action="store_true",
                       help="also analyse files recognised as well-known libraries")
    batch.add_argument("--inline-suppressions", action="store_true",
                       help="honour the sites' own formleak-disable comments (off by default: a site is untrusted)")
    batch.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    batch.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    batch.set_defaults(handler=run_batch_command)

    report = sub.add_parser(
        "report", help="study-style tables (CSV) and an HTML page from the rows of `formleak batch`",
        description="Summarise the rows of a `formleak batch` output folder: sites with a pre-submit leak by "
                    "field kind, trigger, vendor and severity, top destinations, coverage. Writes one CSV file "
                    "per table and a self-contained HTML page (no scripts, no network).",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    report.add_argument("dir", metavar="DIR", help="the --out folder of a batch")
    report.add_argument("--output", "-o", metavar="FOLDER", help="where to write the report (default: DIR/report)")
    report.add_argument("--top", type=int, default=25, metavar="N", help="rows of the top-destinations table")
    report.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    report.set_defaults(handler=run_report_command)


def _err(msg: str) -> None:
    print(f"formleak: error: {msg}", file=sys.stderr)


def _options(args):
    from analyzer.batch.scan_site import ScanOptions
    from analyzer.config import Config, load_config

    cfg = load_config(Path(args.config)) if args.config else Config()
    return ScanOptions(exclude=tuple(cfg.exclude) + tuple(args.exclude), budget_seconds=args.budget,
                       include_libraries=args.include_libraries,
                       inline_suppressions=bool(args.inline_suppressions),
                       allow_destinations=tuple(cfg.allow_destinations),
                       severity=tuple(sorted(cfg.severity.items())))


def run_batch_command(args) -> int:
    from analyzer.batch.manifest import LockedError
    from analyzer.batch.runner import BatchSettings, MissingDependency, print_summary, run_batch
    from analyzer.batch.sites import InputError
    from analyzer.config import ConfigError

    if args.workers < 1:
        _err("--workers must be at least 1")
        return EXIT_ERROR
    try:
        options = _options(args)
    except ConfigError as e:
        _err(str(e))
        return EXIT_ERROR
    settings = BatchSettings(out=Path(args.out), fmt=args.format, workers=args.workers, scheduler=args.scheduler,
                             memory_per_worker=args.memory_per_worker,
                             site_budget=args.site_budget if args.site_budget > 0 else None, options=options,
                             progress=not (args.quiet or args.no_progress) and sys.stderr.isatty(),
                             quiet=args.quiet)
    try:
        summary = run_batch(Path(args.input), settings)
    except (InputError, LockedError, MissingDependency, ValueError) as e:
        _err(str(e))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted; run the same command again to resume")
        return EXIT_ERROR
    print_summary(summary, args.quiet)
    if summary.interrupted:
        _err("interrupted; run the same command again to resume")
        return EXIT_ERROR
    return EXIT_OK


def run_report_command(args) -> int:
    from analyzer.batch.report import ReportError, write_report

    try:
        written = write_report(Path(args.dir), Path(args.output) if args.output else None, top=args.top)
    except ReportError as e:
        _err(str(e))
        return EXIT_ERROR
    if not args.quiet:
        print(f"formleak: report written to {written}", file=sys.stderr)
    return EXIT_OK
