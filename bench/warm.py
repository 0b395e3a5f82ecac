"""Cold vs warm (whole-result cache; facts cache alone) and --jobs 1 vs 2, each scan in a fresh subprocess.

    python bench/warm.py [--inputs demo,gen1,gen5,npm] [--jobs 1,2] [--budget 600]

Inputs: `demo` the demo shop (fixtures/demo-shop), `gen1`/`gen5` bench.py's generated 1 MB / 5 MB one-line
bundles, `npm` the real SDK bundles pinned in bench/npm/package-lock.json — install them first, at benchmark
time only (they are git-ignored, never committed):

    npm ci --prefix bench/npm --ignore-scripts

For every input and every --jobs value: a cold scan into an empty cache directory, then a warm scan of the
unchanged input with that cache (a whole-result hit), and a warm scan with the facts cache only
(`result_cache=False`: what a re-scan costs when some file changed, minus that file's extraction); each is
`analyzer.engine.scan` in a fresh subprocess. Printed per row: bytes, scan seconds, the parse+extract+link
stage's seconds (`extract_seconds`), peak RSS, and whether both warm reports equal the cold one (JSON, byte
for byte). The last line is JSON with all figures.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NPM_FILES = ["posthog-js/dist/array.js", "mixpanel-browser/dist/mixpanel.min.js"]
NPM_SLOW = ["posthog-js/dist/array.full.js"]  # --slow: its path search alone takes minutes before issue 6's rewrite

_CHILD = r"""
import hashlib, json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from analyzer.engine import scan
from analyzer.fingerprint import assign_fingerprints
from analyzer.report import render
if __name__ == "__main__":
    t0 = time.perf_counter()
    r = scan([Path(sys.argv[2])], jobs=int(sys.argv[3]), cache_dir=Path(sys.argv[4]), budget_seconds=float(sys.argv[5]),
             result_cache=sys.argv[6] == "1")
    dt = time.perf_counter() - t0
    assign_fingerprints(r.findings)
    rep = render(r, "json")
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"seconds": dt, "maxrss_kb": rss, "stats": r.stats, "findings": len(r.findings),
                      "report_sha256": hashlib.sha256(rep.encode()).hexdigest()}))
"""


def _child(*args: str, timeout: float = 3600) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(_CHILD)
        script = fh.name
    try:
        p = subprocess.run([sys.executable, script, str(REPO), *args], capture_output=True, text=True,
                           timeout=timeout)
    finally:
        Path(script).unlink()
    if p.returncode != 0:
        raise RuntimeError(f"scan subprocess failed (rc={p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def _inputs(names: list[str], work: Path, slow: bool = False) -> list[tuple[str, Path]]:
    out = []
    for name in names:
        if name == "demo":
            out.append(("demo shop", REPO / "fixtures" / "demo-shop"))
        elif name.startswith("gen"):
            sys.path.insert(0, str(REPO))
            from bench.bench import generate

            mb = float(name[3:])
            d = work / name
            d.mkdir()
            (d / "bundle.min.js").write_text(generate(mb, 1))
            out.append((f"generated {mb:g} MB bundle", d))
        elif name == "npm":
            nm = HERE / "npm" / "node_modules"
            if not nm.is_dir():
                print("bench/npm/node_modules missing: run `npm ci --prefix bench/npm --ignore-scripts`",
                      file=sys.stderr)
                continue
            for rel in NPM_FILES + (NPM_SLOW if slow else []):
                src = nm / rel
                if not src.is_file():
                    continue
                d = work / rel.replace("/", "_")
                d.mkdir()
                shutil.copy(src, d / src.name)
                out.append((rel, d))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", default="demo,gen1,gen5,npm")
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--budget", type=float, default=600.0)
    ap.add_argument("--slow", action="store_true", help="also the 750 KB posthog-js array.full.js")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="formleak-warm-") as tmp:
        work = Path(tmp)
        for label, folder in _inputs(args.inputs.split(","), work, args.slow):
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            for jobs in args.jobs.split(","):
                cache = work / f"cache-{abs(hash((label, jobs)))}"
                cold = _child(str(folder), jobs, str(cache), str(args.budget), "1")
                warm = _child(str(folder), jobs, str(cache), str(args.budget), "1")
                facts = _child(str(folder), jobs, str(cache), str(args.budget), "0")
                row = {"input": label, "bytes": size, "jobs": int(jobs), "cold_s": round(cold["seconds"], 2),
                       "cold_extract_s": cold["stats"].get("extract_seconds"), "warm_s": round(warm["seconds"], 2),
                       "warm_extract_s": warm["stats"].get("extract_seconds"),
                       "facts_warm_s": round(facts["seconds"], 2), "facts_warm_extract_s": facts["stats"].get("extract_seconds"),
                       "cold_rss_mb": cold["maxrss_kb"] // 1024, "warm_rss_mb": warm["maxrss_kb"] // 1024,
                       "findings": cold["findings"], "same_report": cold["report_sha256"] == warm["report_sha256"] == facts["report_sha256"],
                       "cached": warm["stats"].get("facts_cached")}
                rows.append(row)
                print(f"{label:40} {size:>10,} B  jobs {jobs}  cold {row['cold_s']:7.2f} s "
                      f"(extract {row['cold_extract_s']:6.2f})  warm {row['warm_s']:7.2f} s "
                      f"(extract {row['warm_extract_s']:6.2f})  facts-only warm {row['facts_warm_s']:7.2f} s  rss {row['cold_rss_mb']}/{row['warm_rss_mb']} MB  "
                      f"findings {row['findings']}  same report: {row['same_report']}", flush=True)
    print(json.dumps(rows))
    return 0 if all(r["same_report"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
