"""Real shipped bundles: parse-only vs full scan, per file, with the stage breakdown and peak memory.

    python bench/real.py                 # install (once) and measure every file in FILES, then all together
    python bench/real.py --only posthog  # files whose name contains 'posthog'
    python bench/real.py --skip-all      # per file only
    python bench/real.py --include-libraries   # analyse the SDKs' code even where a library is recognised

At benchmark time only (never in tests), `npm ci` installs the packages pinned by `bench/npm/package.json`
and its lockfile into `bench/out/npm/` (git-ignored); nothing of them is committed. Each measurement runs in
a fresh subprocess, so `ru_maxrss` is the peak of that measurement alone:

  parse only: tree-sitter parse of the file's bytes (the same parser the scan uses);
  full scan:  `analyzer.engine.scan([a folder holding only that file], stats=True)`.

Then the whole set is scanned as one folder (the "twenty packages" figure). Prints a table and, last, one
JSON line with every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NPM_DIR = HERE / "out" / "npm"

# (package path inside node_modules, what it is)
FILES = [
    ("posthog-js/dist/array.full.js", "analytics + session replay (PostHog, full build)"),
    ("posthog-js/dist/array.js", "analytics (PostHog)"),
    ("mixpanel-browser/dist/mixpanel-with-recorder.min.js", "analytics + session replay (Mixpanel)"),
    ("mixpanel-browser/dist/mixpanel.min.js", "analytics (Mixpanel)"),
    ("@amplitude/analytics-browser/lib/scripts/amplitude-min.js", "analytics (Amplitude)"),
    ("@segment/analytics-next/dist/umd/standalone.js", "analytics (Segment)"),
    ("@datadog/browser-rum/bundle/datadog-rum.js", "RUM (Datadog)"),
    ("logrocket/dist/build.umd.js", "session replay (LogRocket)"),
    ("rrweb/dist/rrweb.umd.min.cjs", "session replay (rrweb)"),
    ("@rrweb/record/dist/record.umd.min.cjs", "session recorder (rrweb record)"),
    ("jquery/dist/jquery.min.js", "DOM + ajax (jQuery)"),
    ("axios/dist/axios.min.js", "HTTP client (axios)"),
    ("vue/dist/vue.global.prod.js", "UI framework (Vue)"),
    ("react-dom/umd/react-dom.production.min.js", "UI framework (React DOM)"),
    ("lodash/lodash.min.js", "utilities (lodash)"),
    ("moment/min/moment.min.js", "dates (moment)"),
    ("chart.js/dist/chart.umd.js", "charts (Chart.js)"),
    ("htmx.org/dist/htmx.min.js", "HTML over the wire (htmx)"),
    ("alpinejs/dist/cdn.min.js", "UI framework (Alpine)"),
    ("swiper/swiper-bundle.min.js", "carousel (Swiper)"),
    ("bootstrap/dist/js/bootstrap.bundle.min.js", "UI kit (Bootstrap)"),
    ("zone.js/bundles/zone.umd.min.js", "async zones (zone.js)"),
]

_PARSE_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from analyzer.parse import Parsers
data = Path(sys.argv[1]).read_bytes()
p = Parsers()
t0 = time.perf_counter()
tree = p.parse("js", data)
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

_SCAN_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from analyzer.engine import scan
t0 = time.perf_counter()
r = scan([Path(sys.argv[1])], budget_seconds=float(sys.argv[3]), stats=True, include_libraries=sys.argv[4] == "1")
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "complete": r.complete, "timings": r.stats["timings"],
                  "notifications": sorted({n.reason for n in r.notifications}),
                  "findings": [[f.rule_id, f.sink_api, f.categories, f.trigger_names] for f in r.findings]}))
"""


def install() -> None:
    """`npm ci` the pinned packages into bench/out/npm (skipped when the lockfile is unchanged)."""
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    lock = (HERE / "npm" / "package-lock.json").read_bytes()
    stamp = NPM_DIR / ".lock-stamp"
    if stamp.exists() and stamp.read_bytes() == lock and (NPM_DIR / "node_modules").is_dir():
        return
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / "npm" / name, NPM_DIR / name)
    subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=NPM_DIR, check=True)
    stamp.write_bytes(lock)


def _child(code: str, *args: str, timeout: float) -> dict:
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-2000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def measure_file(path: Path, budget: float, include_libraries: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as d:
        os.link(path, Path(d) / path.name) if os.stat(path).st_dev == os.stat(d).st_dev else \
            shutil.copyfile(path, Path(d) / path.name)
        parse = _child(_PARSE_CHILD, str(path), str(REPO), timeout=600)
        scan = _child(_SCAN_CHILD, d, str(REPO), str(budget), "1" if include_libraries else "0", timeout=3600)
    return {"bytes": path.stat().st_size, "parse_s": parse["seconds"], "scan_s": scan["seconds"],
            "ratio": scan["seconds"] / max(parse["seconds"], 1e-6), "rss_mb": scan["maxrss_kb"] / 1024,
            "stages": scan["timings"]["stages"], "findings": scan["findings"],
            "notes": scan["notifications"], "complete": scan["complete"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="measure only files whose path contains this")
    ap.add_argument("--skip-all", action="store_true", help="do not scan the whole set as one folder")
    ap.add_argument("--budget", type=float, default=600.0)
    ap.add_argument("--include-libraries", action="store_true",
                    help="analyse recognised libraries too (scan(include_libraries=True)): the SDKs' own code")
    a = ap.parse_args(argv)
    install()
    nm = NPM_DIR / "node_modules"
    files = [(nm / rel, what) for rel, what in FILES if not a.only or a.only in rel]
    rows = {}
    print(f"{'file':58} {'KB':>6} {'parse s':>8} {'scan s':>8} {'ratio':>6} {'RSS MB':>7}  findings  paths s")
    for path, _what in files:
        rel = str(path.relative_to(nm))
        r = measure_file(path, a.budget, a.include_libraries)
        rows[rel] = r
        print(f"{rel[:58]:58} {r['bytes'] / 1024:6.0f} {r['parse_s']:8.3f} {r['scan_s']:8.2f} {r['ratio']:6.1f} "
              f"{r['rss_mb']:7.0f}  {len(r['findings']):8d}  {r['stages']['paths']:7.3f}", flush=True)
    out = {"files": rows}
    if not a.skip_all and not a.only:
        with tempfile.TemporaryDirectory() as d:
            for path, _what in files:
                dest = Path(d) / str(path.relative_to(nm)).replace("/", "__")
                shutil.copyfile(path, dest)
            total = sum(p.stat().st_size for p, _ in files)
            scan = _child(_SCAN_CHILD, d, str(REPO), str(a.budget), "1" if a.include_libraries else "0", timeout=3600)
        out["all"] = {"files": len(files), "bytes": total, "scan_s": scan["seconds"],
                      "rss_mb": scan["maxrss_kb"] / 1024, "stages": scan["timings"]["stages"],
                      "findings": len(scan["findings"])}
        print(f"all {len(files)} files together: {total / 1e6:.1f} MB in {scan['seconds']:.1f} s, "
              f"peak RSS {scan['maxrss_kb'] / 1024:.0f} MB, {len(scan['findings'])} findings")
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
