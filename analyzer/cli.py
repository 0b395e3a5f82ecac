"""`formleak` command line: scan, post-process (config, suppressions, baseline), report, exit code.

Exit codes (SPEC §6): 0 no live finding at or above the fail threshold, 1 findings, 2 usage or fatal error.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

from analyzer import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_ON = ("low", "high", "critical")

_EPILOG = """\
examples:
  formleak scan .                                  scan the current project, text report
  formleak scan site/ --origin https://shop.example --format sarif --output formleak.sarif
  formleak scan . --format json --output report.json
  formleak scan . --fail-on high                   only high and critical findings fail
  formleak scan . --write-baseline .formleak-baseline.json   accept today's findings
  formleak scan . --baseline .formleak-baseline.json         report only new findings
  formleak scan downloaded-site/ --no-inline-suppressions    audit: ignore the site's own comments
  formleak scan visit.har                          a HAR capture: its HTML and JavaScript responses

exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or fatal error.
configuration: .formleak.toml or [tool.formleak] in pyproject.toml, searched from the scan root upward.
suppress a finding: // formleak-disable-next-line FL002 -- reason   (the reason is required)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formleak",
        description="Find where what a shopper types into a form field is sent over the network before "
                    "the form is submitted.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"formleak {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    scan = sub.add_parser(
        "scan", help="scan files and folders for pre-submit form field leaks",
        description="Scan JavaScript and HTML (a shop's front-end sources or a downloaded site) and report "
                    "every path by which a value typed into a form field leaves the page before submit.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    scan.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to scan")
    scan.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                      help="report format (default: text)")
    scan.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    scan.add_argument("--origin", metavar="URL",
                      help="the site's origin (https://shop.example) for first/third-party decisions")
    scan.add_argument("--fail-on", choices=FAIL_ON, default=None,
                      help="lowest severity that makes the exit code 1 (default: low, i.e. any finding; "
                           "or `fail-on` from the config file)")
    scan.add_argument("--exit-zero", action="store_true",
                      help="exit 0 even when there are findings (errors still exit 2)")
    scan.add_argument("--baseline", metavar="FILE",
                      help="report only findings not in this baseline (baselined ones are kept in SARIF as "
                           "suppressed)")
    scan.add_argument("--write-baseline", metavar="FILE",
                      help="write the current findings' fingerprints to FILE (and treat them as baselined)")
    scan.add_argument("--no-inline-suppressions", action="store_true",
                      help="ignore formleak-disable-… comments in the scanned code (for audits)")
    scan.add_argument("--config", metavar="FILE",
                      help="configuration file (default: .formleak.toml or pyproject.toml [tool.formleak] "
                           "from the scan root upward)")
    scan.add_argument("--exclude", metavar="GLOB", action="append", default=[],
                      help="skip files matching GLOB (repeatable; added to the config's exclude)")
    scan.add_argument("--budget", metavar="SECONDS", type=float, default=120.0,
                      help="time budget for analysing any one file (default 120; 0: none); a file past it is "
                           "reported and the scan goes on")
    scan.add_argument("--include-libraries", action="store_true",
                      help="also analyse files recognised as well-known libraries (jQuery, lodash, …) by their "
                           "licence banner; by default they are skipped with a note, their APIs being modelled")
    scan.add_argument("--quiet", "-q", action="store_true",
                      help="print nothing but errors (a --format json/sarif report is still written)")
    scan.add_argument("--no-progress", action="store_true", help="no progress indicator on stderr")
    from analyzer.batch.cli import add_parsers as add_batch_parsers  # `batch` and `report` (many sites)

    add_batch_parsers(sub)
    return parser


def _err(msg: str) -> None:
    print(f"formleak: error: {msg}", file=sys.stderr)


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


class _Progress:
    """A rich spinner on stderr, shown only if the scan is still running after `delay` seconds."""

    def __init__(self, enabled: bool, message: str, delay: float = 0.3) -> None:
        self.enabled = enabled
        self.message = message
        self.delay = delay
        self._lock = threading.Lock()
        self._done = False
        self._status = None
        self._timer: threading.Timer | None = None

    def _start(self) -> None:
        with self._lock:
            if self._done:
                return
            from rich.console import Console

            console = Console(stderr=True, no_color=_no_color())
            self._status = console.status(self.message, spinner="dots")
            self._status.start()

    def __enter__(self) -> "_Progress":
        if self.enabled:
            self._timer = threading.Timer(self.delay, self._start)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._done = True
            if self._timer:
                self._timer.cancel()
            if self._status is not None:
                self._status.stop()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help / --version (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else EXIT_ERROR
    if args.command not in ("scan", "batch", "report"):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return _scan(args) if args.command == "scan" else args.handler(args)
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_ERROR


def _scan(args: argparse.Namespace) -> int:  # noqa: C901 - one linear pipeline
    from analyzer import engine
    from analyzer.baseline import BaselineError, apply_baseline, load_baseline, write_baseline
    from analyzer.config import Config, ConfigError, destination_allowed, find_config, load_config
    from analyzer.fingerprint import assign_fingerprints
    from analyzer.report import SEVERITIES, SEVERITY_RANK, render
    from analyzer.suppress import apply_inline_suppressions

    roots = [Path(p) for p in args.paths]
    missing = [str(p) for p in roots if not p.exists()]
    if missing:
        _err("path not found: " + ", ".join(missing))
        return EXIT_ERROR

    # ---- configuration
    try:
        if args.config:
            cfg = load_config(Path(args.config))
        else:
            found = find_config(roots[0])
            cfg = load_config(found) if found else Config()
    except ConfigError as e:
        _err(str(e))
        return EXIT_ERROR
    fail_on = args.fail_on or cfg.fail_on or "low"
    exclude = tuple(cfg.exclude) + tuple(args.exclude)
    inline = cfg.inline_suppressions and not args.no_inline_suppressions
    baseline_path = Path(args.baseline) if args.baseline else cfg.baseline
    baseline_fps: set[str] = set()
    if baseline_path is not None:
        explicit = bool(args.baseline)
        if baseline_path.exists() or not args.write_baseline:  # a baseline about to be written may be new
            try:
                baseline_fps = load_baseline(baseline_path)
            except BaselineError as e:
                _err(str(e) + ("" if explicit else f" (from `baseline` in {cfg.path})"))
                return EXIT_ERROR

    # ---- scan
    show_progress = (not args.quiet and not args.no_progress and sys.stderr.isatty())
    try:
        with _Progress(show_progress, "formleak: scanning …"):
            result = engine.scan(roots, origin=args.origin, exclude=exclude, budget_seconds=args.budget,
                                 include_libraries=args.include_libraries)
    except Exception as e:  # a bug or an unreadable tree: fatal, but say what happened
        _err(f"scan failed: {type(e).__name__}: {e}")
        if os.environ.get("FORMLEAK_DEBUG"):
            raise
        return EXIT_ERROR

    # ---- post-processing: allow-list, severity overrides, fingerprints, suppressions, baseline
    result.findings = [f for f in result.findings
                       if not destination_allowed(f.destination, cfg.allow_destinations)]
    for f in result.findings:
        if f.rule_id in cfg.severity:
            f.severity = cfg.severity[f.rule_id]
    assign_fingerprints(result.findings)
    if inline:
        apply_inline_suppressions(result, roots)
    if args.write_baseline:
        try:
            n = write_baseline(Path(args.write_baseline), result.findings)
        except BaselineError as e:
            _err(str(e))
            return EXIT_ERROR
        apply_baseline(result.findings, {f.fingerprint for f in result.findings}, Path(args.write_baseline).name)
        if not args.quiet:
            print(f"formleak: wrote {n} fingerprint{'s' if n != 1 else ''} to {args.write_baseline}",
                  file=sys.stderr)
    if baseline_fps:
        apply_baseline(result.findings, baseline_fps, baseline_path.name)

    # ---- report
    to_stdout = not args.output
    color = (args.format == "text" and to_stdout and sys.stdout.isatty() and not _no_color())
    text = render(result, args.format, color=color, severity_overrides=cfg.severity)
    if args.output:
        out = Path(args.output)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(out, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        except OSError as e:
            _err(f"cannot write {out}: {e.strerror or e}")
            return EXIT_ERROR
    elif not (args.quiet and args.format == "text"):
        sys.stdout.write(text)
        sys.stdout.flush()

    live = [f for f in result.findings if f.suppression is None]
    failing = [f for f in live if SEVERITY_RANK.get(f.severity, 3) >= SEVERITY_RANK[fail_on]]
    if args.output and not args.quiet:
        counts = ", ".join(f"{sum(1 for f in live if f.severity == s)} {s}" for s in SEVERITIES)
        print(f"formleak: {len(live)} finding{'s' if len(live) != 1 else ''} ({counts}) written to {args.output}",
              file=sys.stderr)
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if failing else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
