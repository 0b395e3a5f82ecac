"""Deep-nesting robustness: does a scan of pathologically nested JavaScript finish, and in what time?

    python bench/deep.py [--depth 50000] [--timeout 120] [--only arrays,parens,...] [--bundle-mb 5]

Each input is written to its own folder under bench/out/deep/ (with the known leak line appended after the
nested code, so one can see whether the rest of the file is still analysed) and scanned with
`analyzer.engine.scan` in a fresh subprocess, so that a RecursionError, a C stack overflow (segfault) or a
hang is observed from outside: the return code, the signal and the time are reported.
"""
from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

LEAK = ("document.getElementById('email').addEventListener('blur', function (e) "
        "{ fetch('/c?e=' + e.target.value); });\n")


def nested(kind: str, depth: int) -> str:
    """JavaScript with `depth` levels of one kind of nesting (one line), followed by nothing else."""
    n = depth
    if kind == "arrays":
        return "var a=" + "[" * n + "1" + "]" * n + ";"
    if kind == "parens":
        return "var a=" + "(" * n + "1" + ")" * n + ";"
    if kind == "functions":
        return "function f(){" * n + "return 1" + "}" * n
    if kind == "anon-functions":  # function(){function(){…}} as written: not valid JS, tree-sitter recovers
        return "function(){" * n + "}" * n
    if kind == "objects":
        return "var a=" + "{a:" * n + "1" + "}" * n + ";"
    if kind == "ifs":
        return "if(a){" * n + "b()" + "}" * n
    if kind == "arrows":
        return "var f=" + "()=>" * n + "1;"
    if kind == "binary":  # `a+a+…`: flat text, a left-deep tree
        return "var s=" + "+".join(["a"] * n) + ";"
    if kind == "calls":  # member/call chain a.b().b()…: left-deep too
        return "var c=a" + ".b()" * n + ";"
    if kind == "ternary":
        return "var t=" + "a?b:" * n + "c;"
    raise ValueError(kind)


KINDS = ("arrays", "parens", "functions", "anon-functions", "objects", "ifs", "arrows", "binary", "calls",
         "ternary")

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from analyzer.engine import scan
t0 = time.perf_counter()
r = scan([Path(sys.argv[1])], budget_seconds=float(sys.argv[3]))
print(json.dumps({"seconds": round(time.perf_counter() - t0, 3), "complete": r.complete,
                  "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "notes": sorted({n.reason for n in r.notifications}),
                  "findings": [[f.sink_api, f.categories, f.trigger_names] for f in r.findings]}))
"""


def run_one(folder: Path, timeout: float) -> dict:
    """Scan `folder` in a subprocess; classify the outcome."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(REPO), str(timeout)],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"outcome": "timeout", "seconds": round(time.perf_counter() - t0, 1), "rc": None}
    wall = round(time.perf_counter() - t0, 2)
    out = {"rc": p.returncode, "wall_seconds": wall}
    if p.returncode == 0:
        out.update(json.loads(p.stdout.strip().splitlines()[-1]))
        out["outcome"] = "ok"
    elif p.returncode < 0:
        try:
            out["outcome"] = "crash: " + signal.Signals(-p.returncode).name
        except ValueError:
            out["outcome"] = f"crash: signal {-p.returncode}"
    else:
        last = [ln for ln in p.stderr.strip().splitlines() if ln.strip()]
        err = last[-1] if last else f"exit {p.returncode}"
        out["outcome"] = "RecursionError" if "RecursionError" in p.stderr else "exception: " + err[:200]
        out["stderr_tail"] = p.stderr[-1500:]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--depth", type=int, default=50_000)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per input")
    ap.add_argument("--only", default="", help="comma-separated kinds (default: all, plus the bundle)")
    ap.add_argument("--bundle-mb", type=float, default=5.0, help="size of the one-line bundle (0: skip)")
    ap.add_argument("--out", default=str(HERE / "out" / "deep"))
    a = ap.parse_args(argv)
    kinds = [k for k in a.only.split(",") if k] or list(KINDS) + (["bundle"] if a.bundle_mb else [])
    base = Path(a.out)
    results = {}
    print(f"{'input':<15} {'bytes':>10} {'outcome':<22} {'seconds':>8} {'RSS MB':>7}  leak  notifications")
    for kind in kinds:
        d = base / kind
        d.mkdir(parents=True, exist_ok=True)
        for old in d.iterdir():
            old.unlink()
        if kind == "bundle":
            sys.path.insert(0, str(REPO))
            from bench.bench import generate

            code = generate(a.bundle_mb) + "\n" + LEAK
        else:
            code = nested(kind, a.depth) + "\n" + LEAK
        f = d / "input.js"
        f.write_text(code, encoding="utf-8")
        r = run_one(d, a.timeout)
        r["bytes"] = len(code)
        leak = any(x[0] == "fetch" and x[1] == ["email"] and x[2] == ["blur"] for x in r.get("findings", []))
        r["leak_found"] = leak if r["outcome"] == "ok" else None
        results[kind] = r
        secs = r.get("seconds", r.get("wall_seconds"))
        print(f"{kind:<15} {len(code):>10} {r['outcome']:<22} {secs!s:>8} {r.get('maxrss_mb', '-')!s:>7}  "
              f"{'yes' if leak else 'no ':<4}  {','.join(r.get('notes', []))}")
    for kind, r in results.items():
        r.pop("stderr_tail", None) if r["outcome"] == "ok" else None
    print(json.dumps({"depth": a.depth, "results": {k: {x: v for x, v in r.items() if x != "findings"}
                                                     for k, r in results.items()}}, sort_keys=True))
    return 0 if all(r["outcome"] == "ok" for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
