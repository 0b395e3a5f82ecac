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
  formleak scan . --sarif-output formleak.sarif --html-output formleak.html   text on stdout, two files
  formleak scan . --baseline .formleak-baseline.json --prune-baseline      drop entries that matched nothing
  formleak rules                                   list the rules;  formleak scan --explain FL002
  formleak scan . --fail-on high                   only high and critical findings fail
  formleak scan . --write-baseline .formleak-baseline.json   accept today's findings
  formleak scan . --baseline .formleak-baseline.json         report only new findings
  formleak scan downloaded-site/ --no-inline-suppressions    audit: ignore the site's own comments
  formleak scan visit.har                          a HAR capture: its HTML and JavaScript responses

exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or fatal error.
configuration: .formleak.toml or [tool.formleak] in pyproject.toml, searched from the scan root upward.
ignore files: .formleakignore (gitignore syntax) in the scan root, its sub-folders and the folders above it
  up to the repository root; .gitignore too with --respect-gitignore.
suppress a finding: // formleak-disable-next-line FL002 -- reason   (the reason is required)
colour: --color/--no-color, else NO_COLOR (off), else FORCE_COLOR (on), else only on a terminal.
source maps: a bundle's `//# sourceMappingURL=` (file inside the scan root or data: URL) or <bundle>.map
  moves its findings to the original source line; the bundle position is kept. Maps are never fetched.
"""


class _OnceAction(argparse.Action):
    """An option that may be given once: `--format json --format sarif` is an error, not "last wins"."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, "_seen_" + self.dest, False):
            parser.error(f"{option_string} given twice; for several reports in one run use "
                         "--sarif-output FILE, --json-output FILE and --html-output FILE")
        setattr(namespace, "_seen_" + self.dest, True)
        setattr(namespace, self.dest, values)


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
    scan.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to scan")
    scan.add_argument("--format", choices=("text", "json", "sarif", "html"), default="text", action=_OnceAction,
                      help="report format (default: text); html is one self-contained page with the paths drawn")
    scan.add_argument("--output", "-o", metavar="FILE", action=_OnceAction,
                      help="write the --format report to FILE instead of stdout")
    scan.add_argument("--sarif-output", metavar="FILE", help="also write a SARIF report to FILE")
    scan.add_argument("--json-output", metavar="FILE", help="also write a JSON report to FILE")
    scan.add_argument("--html-output", metavar="FILE", help="also write an HTML report to FILE")
    scan.add_argument("--category", metavar="NAME",
                      help="SARIF automationDetails category (default: formleak); give each formleak run "
                           "of one repository its own")
    scan.add_argument("--explain", metavar="RULE", help="print what RULE (FL001 …) means and how to fix it, "
                                                         "and exit")
    color = scan.add_mutually_exclusive_group()
    color.add_argument("--color", dest="color", action="store_const", const=True, default=None,
                       help="colour the text report even when it is not a terminal")
    color.add_argument("--no-color", dest="color", action="store_const", const=False,
                       help="never colour the text report")
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
    scan.add_argument("--prune-baseline", action="store_true",
                      help="rewrite the --baseline file without its entries that match no finding any more")
    scan.add_argument("--no-inline-suppressions", action="store_true",
                      help="ignore formleak-disable-… comments in the scanned code (for audits)")
    scan.add_argument("--report-unused-suppressions", choices=("off", "warning", "error"), default="warning",
                      help="a suppression comment that suppresses nothing: a warning (default), an error "
                           "that makes the exit code 1, or off")
    scan.add_argument("--config", metavar="FILE",
                      help="configuration file (default: .formleak.toml or pyproject.toml [tool.formleak] "
                           "from the scan root upward)")
    scan.add_argument("--exclude", metavar="PATTERN", action="append", default=[],
                      help="skip paths matching PATTERN, gitignore syntax relative to the scan root "
                           "('dist/', './vendor/**', '*.min.js', '!keep.min.js'; repeatable; after the "
                           "config's exclude and any .formleakignore, so it has the last word)")
    scan.add_argument("--respect-gitignore", action="store_true", default=None,
                      help="also skip what .gitignore files list (off by default: built bundles are usually "
                           "git-ignored and are what formleak should read; `respect-gitignore` in the config)")
    scan.add_argument("--budget", metavar="SECONDS", type=float, default=120.0,
                      help="budget for analysing any one file, a page with its inline scripts included "
                           "(default 120; 0: none). It is counted in work steps, so a file past it is cut at "
                           "the same point every run; it is reported and the scan goes on")
    scan.add_argument("--jobs", "-j", metavar="N", type=_jobs, default=None,
                      help="parse and extract facts in N worker processes (default: $FORMLEAK_JOBS or the "
                           "number of CPUs, used when at least 512 KB in two files or more are to be extracted; 1: in this process). A worker that crashes or runs past the budget "
                           "is replaced, its file reported; the report is the same for any N")
    scan.add_argument("--cache-dir", metavar="DIR",
                      help="keep each file's facts and the whole result here for the next scan (default: "
                           "$XDG_CACHE_HOME/formleak or ~/.cache/formleak); only changed files are analysed again, "
                           "an unchanged tree is not analysed at all")
    scan.add_argument("--no-cache", action="store_true", help="neither read nor write the cache (facts and results)")
    scan.add_argument("--include-libraries", action="store_true",
                      help="also analyse well-known libraries (jQuery, axios, React, Vue, lodash, …), shipped as "
                           "their own files or bundled into a shop's bundle; by default they are skipped with a "
                           "note, their APIs being modelled")
    scan.add_argument("--quiet", "-q", action="store_true",
                      help="print nothing but errors (a --format json/sarif report is still written)")
    scan.add_argument("--no-progress", action="store_true", help="no progress indicator on stderr")
    scan.add_argument("--stats", action="store_true",
                      help="print the time of each stage, the slowest files and peak memory on stderr (and "
                           "add them to a --format json report as `stats`; timings make it non-deterministic)")
    sub.add_parser("rules", help="list the rules (formleak scan --explain RULE for one)",
                   description="List formleak's rules: id, default severity, name and what each reports.")
    from analyzer.batch.cli import add_parsers as add_batch_parsers  # `batch` and `report` (many sites)

    add_batch_parsers(sub)
    return parser


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of jobs: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return n


def _default_jobs() -> int:
    """$FORMLEAK_JOBS, else "auto": the CPU count as a negative number, which the extraction stage uses only
    when there is enough to extract to pay for starting workers (workers.AUTO_POOL_BYTES)."""
    env = os.environ.get("FORMLEAK_JOBS", "")
    if env.strip().isdigit() and int(env) >= 1:
        return int(env)
    return -(os.cpu_count() or 1)


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
    if args.command == "rules":
        from analyzer.report.outputs import rules_listing

        sys.stdout.write(rules_listing())
        return EXIT_OK
    if args.command not in ("scan", "batch", "report"):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    if args.command != "scan":
        try:
            return args.handler(args)
        except KeyboardInterrupt:
            _err("interrupted")
            return EXIT_ERROR
    if args.explain:
        from analyzer.report.outputs import explain

        text = explain(args.explain)
        if text is None:
            _err(f"unknown rule {args.explain!r}; `formleak rules` lists them")
            return EXIT_ERROR
        sys.stdout.write(text)
        return EXIT_OK
    if not args.paths:
        _err("scan needs at least one PATH (a file or folder), e.g. `formleak scan .`")
        return EXIT_ERROR
    try:
        return _scan(args)
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_ERROR
    except Exception as e:  # noqa: BLE001 - a bug after the analysis: one clear line, exit 2 (never 1)
        _err(f"internal error: {type(e).__name__}: {e} (set FORMLEAK_DEBUG=1 for a traceback)")
        if os.environ.get("FORMLEAK_DEBUG"):
            raise
        return EXIT_ERROR


def _scan(args: argparse.Namespace) -> int:  # noqa: C901 - one linear pipeline
    from analyzer import engine
    from analyzer.baseline import (BaselineError, apply_baseline, prune_baseline, read_baseline, stale_entries,
                                   stale_notifications, write_baseline)
    from analyzer.config import Config, ConfigError, destination_allowed, find_config, load_config
    from analyzer.fingerprint import assign_fingerprints
    from analyzer.report import SEVERITIES, SEVERITY_RANK
    from analyzer.report.outputs import plan_outputs, write_outputs
    from analyzer.suppress import apply_inline_suppressions

    roots = [Path(p) for p in args.paths]
    missing = [str(p) for p in roots if not p.exists()]
    if missing:
        _err("path not found: " + ", ".join(missing))
        return EXIT_ERROR
    special = [str(p) for p in roots if not (p.is_file() or p.is_dir())]
    if special:  # /dev/null, a FIFO, a socket: nothing to scan, and reading it could block
        _err("not a file or folder: " + ", ".join(special))
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
    baseline = None
    if args.prune_baseline and baseline_path is None:
        _err("--prune-baseline needs a baseline (--baseline FILE or `baseline` in the config)")
        return EXIT_ERROR
    if baseline_path is not None:
        explicit = bool(args.baseline)
        if baseline_path.exists() or not args.write_baseline:  # a baseline about to be written may be new
            try:
                baseline = read_baseline(baseline_path)
            except BaselineError as e:
                _err(str(e) + ("" if explicit else f" (from `baseline` in {cfg.path})"))
                return EXIT_ERROR

    # ---- scan
    show_progress = (not args.quiet and not args.no_progress and sys.stderr.isatty())
    try:
        with _Progress(show_progress, "formleak: scanning …"):
            from analyzer.extract.factcache import default_cache_dir

            gitignore = args.respect_gitignore if args.respect_gitignore is not None else cfg.respect_gitignore
            extra = {"respect_gitignore": True} if gitignore else {}
            cache_dir = None if args.no_cache else Path(args.cache_dir) if args.cache_dir else default_cache_dir()
            result = engine.scan(roots, origin=args.origin, exclude=exclude, budget_seconds=args.budget,
                                 include_libraries=args.include_libraries, stats=args.stats,
                                 jobs=args.jobs or _default_jobs(), cache_dir=cache_dir, **extra)
    except Exception as e:  # a bug or an unreadable tree: fatal, but say what happened
        _err(f"scan failed: {type(e).__name__}: {e}")
        if os.environ.get("FORMLEAK_DEBUG"):
            raise
        return EXIT_ERROR

    if args.stats:
        from analyzer.stats import format_stats
        print(format_stats(result.stats["timings"]), file=sys.stderr)

    # ---- post-processing: allow-list, severity overrides, fingerprints, suppressions, baseline
    result.findings = [f for f in result.findings
                       if not destination_allowed(f.destination, cfg.allow_destinations)]
    for f in result.findings:
        if f.rule_id in cfg.severity:
            f.severity = cfg.severity[f.rule_id]
    assign_fingerprints(result.findings)
    unused = 0
    if inline:
        unused = apply_inline_suppressions(result, roots, args.report_unused_suppressions)
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
    if baseline is not None and not args.write_baseline:
        apply_baseline(result.findings, baseline.fingerprints, baseline.path.name)
        stale = stale_entries(baseline, result.findings)
        if args.prune_baseline:
            try:
                n = prune_baseline(baseline, stale)
            except BaselineError as e:
                _err(str(e))
                return EXIT_ERROR
            if not args.quiet:
                print(f"formleak: removed {n} stale entr{'ies' if n != 1 else 'y'} from {baseline.path}",
                      file=sys.stderr)
        else:
            result.notifications.extend(stale_notifications(baseline, stale))

    # ---- reports: the --format one (to --output or stdout) and any --sarif/--json/--html-output files
    outputs = plan_outputs(args.format, args.output, args.sarif_output, args.json_output, args.html_output)
    for problem in write_outputs(result, outputs, color_flag=args.color, quiet=args.quiet,
                                 severity_overrides=cfg.severity, category=args.category):
        _err(problem)
        return EXIT_ERROR

    live = [f for f in result.findings if f.suppression is None]
    failing = [f for f in live if SEVERITY_RANK.get(f.severity, 3) >= SEVERITY_RANK[fail_on]]
    files = [str(o.path) for o in outputs if o.path is not None]
    if files and not args.quiet:
        counts = ", ".join(f"{sum(1 for f in live if f.severity == s)} {s}" for s in SEVERITIES)
        print(f"formleak: {len(live)} finding{'s' if len(live) != 1 else ''} ({counts}) written to "
              f"{', '.join(files)}", file=sys.stderr)
    if unused and args.report_unused_suppressions == "error" and not args.quiet:
        print(f"formleak: {unused} unused suppression{'s' if unused != 1 else ''} "
              "(--report-unused-suppressions error)", file=sys.stderr)
    if args.exit_zero:
        return EXIT_OK
    if unused and args.report_unused_suppressions == "error":
        return EXIT_FINDINGS
    return EXIT_FINDINGS if failing else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
