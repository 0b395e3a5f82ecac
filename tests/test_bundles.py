"""Production bundles: real builds of our own shop sources (fixtures/bundles/src) by esbuild, webpack + terser,
Rollup, Browserify, Parcel and javascript-obfuscator, with jQuery/axios/React/Vue bundled in.

A session fixture runs fixtures/bundles/build.py (`npm ci` of the pinned lockfile + `node build.mjs`, skipped
when nothing changed). Each bundle must report exactly the leaks annotated in the sources it was built from
(compared as a multiset of (categories, triggers, api); positions are bundle positions until the source-map
stage maps them back), none inside a bundled library, and the same with and without its source map.
"""
from __future__ import annotations

import collections
import importlib.util
import sys
from pathlib import Path

import pytest

from analyzer.bundle.modules import BundleIndex, layout
from analyzer.bundle.own import own_file_library
from analyzer.engine import scan
from analyzer.parse import Parsers
from analyzer.rulebook import RuleBook
from analyzer.rules import load_toml

REPO = Path(__file__).resolve().parents[1]
BUNDLES = REPO / "fixtures" / "bundles"
SRC = BUNDLES / "src"

sys.path.insert(0, str(Path(__file__).parent))
from test_fixtures import parse_annotation


def _build_module():
    spec = importlib.util.spec_from_file_location("formleak_bundle_build", BUNDLES / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


BUILD = _build_module()
MANIFEST = BUILD.manifest()
# Bundles with a known gap, name (with its -nomap suffix) -> reason (strict xfail: the test fails once the
# gap is fixed).
KNOWN_GAPS: dict[str, str] = {
    # esbuild scope-hoists Vue's ES modules with no wrapper and no API marker: only the map's `sources`
    # say which statements are Vue's; without the map they are analysed like the shop's own code
    "esbuild-vue-nomap": "scope-hoisted Vue is recognised only through the source map",
    "esbuild-vue-composition-nomap": "scope-hoisted Vue is recognised only through the source map",
    "vite-vue-composition-nomap": "Rolldown's scope-hoisted Vue is recognised only through the source map",
    "vite-vue-nomap": "Rolldown's scope-hoisted Vue is recognised only through the source map",
    "esbuild-vue-template-string-nomap": "scope-hoisted Vue is recognised only through the source map",
    "esbuild-vue-options-imported-nomap": "scope-hoisted Vue is recognised only through the source map",
    "webpack-vue-options-imported-nomap": "webpack's concatenated Vue modules are recognised only through the map",
    "webpack-vue-composition-nomap": "webpack's concatenated Vue modules are recognised only through the map",
    "webpack-vue-compiler-split-nomap": "webpack's concatenated Vue modules are recognised only through the map",
    "parcel-vue-composition-nomap": "Parcel's scope-hoisted Vue is recognised only through the source map",
    "parcel-cookie-precheck-nomap": "Parcel's hoisted axios and js-cookie are recognised only through the source map",
    "rollup-iife-cookie-precheck-nomap": "rollup-hoisted axios and js-cookie are recognised only through the source map",
    "webpack-react-lazy-nomap": "axios concatenated into the shop's chunk module is told apart only through the source map",
    # rollup's CommonJS plugin hoists jQuery into the IIFE with no wrapper; without the map it is analysed
    # like the shop's code, and the shop's `$.post` resolves into jQuery's internals
    "rollup-iife-jquery-nomap": "rollup-hoisted jQuery is recognised only through the source map",
    "rollup-iife-ky-nomap": "rollup-hoisted ky (ES modules, no wrapper) is recognised only through the source map",
    # esbuild inlines the chunk's `import()` as `Promise.resolve().then(()=>(init(),exports))`: the module's
    # exports are reached through the `__export` getters of an object that promise resolves to (not linked)
    "esbuild-split-ky": "esbuild's inlined import() of a module read through its __export getters is not linked",
    "esbuild-split-ky-nomap": "esbuild's inlined import() of a module read through its __export getters is not linked",
    "webpack-vue-render-split-nomap": "Vue concatenated into the shop's entry module (and its renamed `h`) is recognised only through the source map",
    "webpack-mitt-zustand-nomap": "mitt and zustand concatenated into the shop's module are told apart only through the source map",
    "webpack-ky-concat-nomap": "ky concatenated into the shop's module is told apart only through the source map",
    "rollup-iife-mitt-zustand-nomap": "mitt and zustand inlined into the shop's declarations are told apart only through the source map",
    "rollup-iife-ky-create-nomap": "rollup-hoisted ky (its `createInstance` beside the shop's code) is recognised only through the source map",
    # Vue's renamed `h` (`_i(Field, {…})`) is named only by the map: without it no call renders a component
    "rollup-iife-vue-render-nomap": "rollup-hoisted Vue (and its renamed `h`) is recognised only through the source map",
    # Parcel joins jQuery's UMD head and the shop's first statement into one sequence: only the map says
    # where jQuery ends
    "parcel-jquery-nomap": "jQuery merged into the shop's statement is told apart only through the source map",
    # ky is 20 small ES modules; without the map only the one holding its signature is known to be ky's,
    # and the shop's `ky.post` resolves into ky's own (analysed) modules, whose `fetch` has no field data
    "esbuild-lodash-debounce-nomap": "lodash's modules hoisted by esbuild are recognised only through the source map (without it the debounce is analysed and keeps its caller's trigger)",
    "parcel-split-ky-nomap": "ky's modules are recognised only through the source map",
}
# bundles whose map cannot put a finding on its original line (the leaks are still found, at bundle lines)
MAP_GAPS: dict[str, str] = {
    # javascript-obfuscator writes its own map of the already-bundled input, naming it `sourceMap`
    "obfuscated-vanilla-skimmer": "the obfuscator's map does not chain to the sources",
    "obfuscated-b64-vanilla-skimmer": "the obfuscator's map does not chain to the sources",
}


@pytest.fixture(scope="session")
def built() -> Path:
    why = BUILD.node_missing()
    if why:
        pytest.skip(why)
    return BUILD.build()["out"]


def _expected(sources: list[str]) -> collections.Counter:
    out = collections.Counter()
    for rel in sources:
        for i, text in enumerate((SRC / rel).read_text(encoding="utf-8").splitlines(), start=1):
            a = parse_annotation(text, rel, i)
            if a is not None and a.kind == "expect":
                out[(a.categories, a.triggers, a.api)] += 1
    return out


def _actual(result) -> collections.Counter:
    return collections.Counter((frozenset(f.categories), frozenset(f.trigger_names), f.sink_api)
                               for f in result.findings)


CASES = [pytest.param(b, sfx, id=b["name"] + sfx,
                      marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[b["name"] + sfx])]
                      if b["name"] + sfx in KNOWN_GAPS else [])
         for b in MANIFEST for sfx in ("", "-nomap")]


@pytest.mark.parametrize("bundle,suffix", CASES)
def test_bundle_reports_exactly_the_annotated_leaks(built: Path, bundle: dict, suffix: str):
    folder = built / (bundle["name"] + suffix)
    assert any(folder.iterdir()), f"{folder} is empty"
    result = scan([folder])
    expected = _expected(bundle["sources"])
    assert expected, bundle["name"]
    assert _actual(result) == expected, "\n".join(
        f"{f.sink.short()} {f.categories} {f.trigger_names} {f.sink_api} in {f.function}" for f in result.findings)
    # every bundled library was recognised (and so not analysed), and said so
    said = " ".join(n.message for n in result.notifications if n.reason in ("library", "bundled-library"))
    for lib in bundle["libraries"]:
        assert lib in said, (lib, [n.message for n in result.notifications])
    assert result.complete


def _map_lookups(path: Path, data: bytes) -> tuple:
    """(source_at, name_at, sources_between) of the map beside a bundle, as the scan reads it (a library
    module webpack concatenated into the shop's module is split by the map), else three Nones."""
    from analyzer.bundle.sourcemap import Positions, parse

    mp = path.with_name(path.name + ".map")
    if not mp.is_file():
        return None, None, None
    smap, pos = parse(mp.read_bytes()), Positions(data)
    return (lambda off: smap.source_from(*pos.point(off)), lambda off: smap.name_at(*pos.point(off)),
            lambda a, b: smap.sources_between(pos.point(a), pos.point(b)))


def test_no_finding_inside_a_bundled_library(built: Path):
    """The sink of every finding lies in the shop's code: never inside a module or hoisted run of statements
    that the bundle stage attributed to a library."""
    rb = RuleBook.load()
    parsers = Parsers()
    for b in MANIFEST:
        folder = built / b["name"]
        result = scan([folder])
        for f in result.findings:
            at = f.generated or f.sink  # the bundle position (a source map moves the finding to src/)
            data = (folder / at.path).read_bytes()
            lay = layout(parsers.parse("js", data), data, 0, at.path, rb.bundle_libraries,
                         *_map_lookups(folder / at.path, data))
            line_start = 0
            for _ in range(at.line - 1):
                line_start = data.index(b"\n", line_start) + 1
            off = line_start + len(data[line_start:].decode("utf-8", "replace")[:at.col - 1].encode("utf-8"))
            inside = [m.library for m in lay.libraries if m.start <= off < m.end]
            assert not inside, (b["name"], f.sink.short(), inside)


def test_library_internals_cost_no_analysis_time(built: Path):
    """With the libraries modelled, far fewer facts are extracted than with them analysed."""
    folder = built / "esbuild-react-nomap"
    modelled = scan([folder])
    analysed = scan([folder], include_libraries=True)
    assert modelled.stats["functions"] * 5 < analysed.stats["functions"], (modelled.stats, analysed.stats)
    assert _actual(modelled) == _expected(["react-checkout/main.jsx"])


def test_bundle_findings_at_original_source_lines(built: Path):
    """With a source map beside the bundle, each finding is reported at the original src/ line."""
    try:
        import analyzer.bundle.sourcemap  # noqa: F401
    except ImportError:
        pytest.skip("needs the maps branch")
    import analyzer.bundle.sourcemap as sm

    import analyzer.engine as engine_mod
    if not hasattr(sm, "locate") and "locate" not in engine_mod.__dict__:
        pytest.skip("needs the maps branch")
    for b in MANIFEST:
        if b["name"] in KNOWN_GAPS or b["name"] in MAP_GAPS:
            continue
        folder = built / b["name"]
        result = scan([folder])
        want = set()
        for rel in b["sources"]:
            for i, text in enumerate((SRC / rel).read_text(encoding="utf-8").splitlines(), start=1):
                a = parse_annotation(text, rel, i)
                if a is not None and a.kind == "expect":
                    want.add((Path(rel).name, i, a.api))
        got = {(Path(f.sink.path).name, f.sink.line, f.sink_api) for f in result.findings}
        assert got == want, b["name"]


# ---------------------------------------------------------------------------------------------- shapes


def _lay(code: str, source_at=None, sources_between=None, name_at=None):
    rb = RuleBook.load()
    data = code.encode()
    return layout(Parsers().parse("js", data), data, 0, "b.js", rb.bundle_libraries, source_at, name_at,
                  sources_between=sources_between)


JQ = 'if(!e.document)throw new Error("jQuery requires a window with a document");return t'
SHOP = "function(e,t,n){var r=n(1);r('#email').on('blur',function(){r.post('/c',{e:r(this).val()})})}"


@pytest.mark.parametrize("code,kind,ids", [
    ("(()=>{var e={1(e,t){" + JQ + "},2:" + SHOP + "};})()", "webpack", ["1", "2"]),  # webpack 5
    ("!function(e){}([" + SHOP + "," + "function(e,t){" + JQ + "}])", "webpack", ["0", "1"]),  # webpack 4
    ("(self.webpackChunkshop=self.webpackChunkshop||[]).push([[7],{1:function(e,t){" + JQ + "}}]);",
     "webpack", ["1"]),  # split chunk
    ("var H=(a,b)=>()=>(b||a((b={exports:{}}).exports,b),b.exports);var J=H((e,t)=>{" + JQ + "});",
     "cjs", ["J"]),  # esbuild __commonJS, minified
    ("var require_jquery = __commonJS({\"node_modules/jquery/dist/jquery.js\"(exports, module) { var x = 1; }});",
     "cjs", ["require_jquery"]),  # esbuild __commonJS, with the module's path
    ("var e=(e,t)=>()=>(t||(e((t={exports:{}}).exports,t,t.exports),e=null),t.exports);(function(){})();"
     "var t=e(((e,t)=>{" + JQ + "}));", "cjs", ["t"]),  # Rolldown (Vite 8): the module function in parentheses
    ("(function(){})()({1:[function(e,t,n){" + JQ + "},{}],2:[" + SHOP + ",{jquery:1}]},{},[2]);",
     "browserify", ["1", "2"]),  # Browserify / Parcel
])
def test_module_wrappers_are_recognised(code, kind, ids):
    lay = _lay(code)
    assert [m.mid for m in lay.modules if m.kind == kind] == ids
    assert [m.library for m in lay.modules if m.library] == ["jQuery"]


def test_package_entry_that_reexports_a_library_module_is_that_library():
    """`(e, t) => { t.exports = r() }` (a package's `index.js` requiring its production build, in Rolldown's
    wrappers) is the library it requires: set aside with it, its API the same; a shop module that requires
    it and does more is not."""
    helper = "var e=(e,t)=>()=>(t||(e((t={exports:{}}).exports,t,t.exports),e=null),t.exports);"
    code = (helper + "var r=e((e=>{var t=Symbol.for(`react.transitional.element`);e.jsx=function(){return t}}));"
            "var n=e(((e,t)=>{t.exports=r()}));var s=e(((e,t)=>{t.exports=r();window.x=1}));")
    lay = _lay(code)
    assert [(m.mid, m.library) for m in lay.modules] == [("r", "React"), ("n", "React"), ("s", None)]


def test_library_concatenated_into_a_shop_module_is_set_aside_by_the_map():
    """webpack's module concatenation puts a library's statements (ky's `const Ve=…` with its signature
    string) inside the shop's module function: the module stays the shop's (the map places it in the
    shop's file), and only the statements the map places in the library's files are set aside."""
    lib = 'class Ve{t(){return{timedOutResponseData:1}}}'
    shop = "document.getElementById('email').addEventListener('blur',e=>{fetch('/l?e='+e.target.value)})"
    code = "(()=>{var e={6(e,t,n){" + lib + ";" + shop + "}};})()"
    start = code.index(lib)
    end = start + len(lib)
    def src(off):
        return "webpack://shop/node_modules/ky/distribution/core/Ky.js" if start <= off < end else "webpack://shop/src/main.js"
    lay = _lay(code, source_at=src, sources_between=lambda a, b: {src(o) for o in range(a, b)})
    assert [(m.kind, m.mid, m.library) for m in lay.modules] == [("webpack", "6", None), ("hoisted", "", "ky")]
    hoisted = lay.modules[1]
    assert (hoisted.start, hoisted.end) == (start, end)


def test_library_declarator_whose_name_no_segment_maps_is_set_aside():
    """webpack + terser with an ES-module library (jQuery 4's `dist-module`): terser merges the shop's first
    declarations into the library's `const`, and the library's declarator begins at a name of terser's that
    no segment maps (`const e=function(){…}()`): its own segments, all the library's, say it is jQuery's;
    the shop's declarators beside it stay the shop's."""
    lib = "function(){var a=[];" + "a.push(a.length);" * 20 + JQ + "}()"
    shop = 't=document.getElementById("email")'
    code = '(()=>{"use strict";const e=' + lib + "," + shop + ';t.addEventListener("blur",()=>fetch("/l?e="+t.value))})()'
    d0 = code.index("e=" + lib)
    l0, l1 = code.index(lib), code.index(lib) + len(lib)
    def src(off):
        if d0 <= off < l0:
            return None  # `e=`
        return "webpack://shop/./node_modules/jquery/dist-module/jquery.module.js" if l0 <= off < l1 \
            else "webpack://shop/./src/main.js"
    # (the sources of the segments in a range: `e=` has none)
    lay = _lay(code, source_at=src, sources_between=lambda a, b: {src(o) for o in range(a, b)} - {None})
    libs = [(m.start, m.end, m.library) for m in lay.modules if m.library]
    assert libs == [(d0, l1, "jQuery")]


def test_webpack_glue_no_segment_covers_stays_in_the_shop_module():
    """A shop module webpack keeps apart (shared with a lazy chunk) ends in `n.d(t,{ce:()=>l})`, code no map
    segment covers; reading its source forward finds the next module's first segment, React's. It is no
    library statement: the module's exports stay the shop's (r15 case 08: `(0,m.ce)(e.target.value)`)."""
    shop = 'function l(e){window.gtag("set","user_data",{email:e})}'
    glue = "n.d(t,{ce:()=>l})"
    react = 'var n=Symbol.for("react.transitional.element");t.jsx=function(){return n}'
    code = "(()=>{var e={88(e,t,n){" + shop + glue + "},151(e,t){" + react + "}};})()"
    g0 = code.index(glue)
    r0 = code.index(react)

    def mapped(off):  # (webpack's glue, the module's closing brace and the next module's head: no segment)
        if g0 <= off < r0:
            return None
        return "webpack://shop/node_modules/react/cjs/react-jsx-runtime.production.js" if off >= r0 else \
            "webpack://shop/src/tracking/pixels.js"

    def src(off):  # `SourceMap.source_from`: the first segment at or after the offset
        while off < len(code) and mapped(off) is None:
            off += 1
        return mapped(off)

    lay = _lay(code, source_at=src, sources_between=lambda a, b: {mapped(o) for o in range(a, b)} - {None})
    assert [(m.mid, m.library) for m in lay.modules if m.kind == "webpack"] == [("88", None), ("151", "React")]
    assert [m for m in lay.modules if m.kind == "hoisted"] == []  # (was: the glue, as React's)


def test_parcel_umd_run_assigned_in_a_sequence_is_the_library_with_its_holder():
    """Parcel's CommonJS copy of js-cookie, `c=function(){…}()`, which terser joined with the shop's next
    statement into one sequence: the assignment is js-cookie's (set aside), `c` holds its API."""
    lib = 'function(){"use strict";function e(e){for(var t=1;t<arguments.length;t++){var n=arguments[t];' \
        'for(var r in n)"__proto__"!==r&&(e[r]=n[r])}return e}return function t(n,r){function i(t,i,s){' \
        'if("u">typeof document){s=e({},r,s);return document.cookie=t+"="+n.write(i,t)}}return Object.create(' \
        '{set:i,get:function(e){return document.cookie},remove:function(t,n){i(t,"",e({},n,{expires:-1}))}})}' \
        '({read:function(e){return e},write:function(e){return e}},{path:"/"})}()'
    code = "(()=>{var c={};c=" + lib + ',u.defaults.headers.common["X-Shop-Locale"]="de-DE";function f(){return c.get("v")}})()'
    start, end = code.index(lib), code.index(lib) + len(lib)

    def src(off):
        return "node_modules/js-cookie/dist/js.cookie.js" if start <= off < end else "src/services/api.js"
    lay = _lay(code, source_at=src, sources_between=lambda a, b: {src(o) for o in range(a, b)})
    [m] = [m for m in lay.modules if m.library == "js-cookie"]
    assert (m.start, m.end, m.api_var) == (start - 2, end, "c")


def test_esbuild_lazy_init_variables_of_a_library_hold_its_api():
    """esbuild's lazy ES-module init (`var At,ja,Ze,qt=p(()=>{…})`, the package's init function set aside):
    the bare variables the map names `createInstance`, `ky` and `distribution_default` (esbuild's name of the
    default export) are ky's factory and ky's API."""
    body = "let e=(t,o)=>ve.create(t,Se(r,o));for(let t of We)e[t]=(o,s)=>ve.create(o,Se(r,s,{method:t}));" \
        "return e.create=t=>At(Se(t)),e.extend=t=>(typeof t=='function'&&(t=t(r??{})),At(Se(r,t))),e.stop=He,e.retry=mr,e.version='ky 2.1.0 (a fixture of ours)',e"
    init = "qt=p(()=>{Xr();X();Je();At=r=>{" + body + "},ja=At(),Ze=ja})"
    code = "(()=>{var At,ja,Ze," + init + ";Ze.post('/l',{json:{e:1}})})();"
    start = code.index("At,ja")
    end = code.index(init) + len(init)
    names = {code.index("At,ja"): "createInstance", code.index("ja,Ze"): "ky", code.index("Ze,qt"): "distribution_default",
             code.index("qt=p"): "init_distribution"}

    def src(off):
        return "../node_modules/ky/source/index.ts" if start <= off < end else "../src/main.js"
    lay = _lay(code, source_at=src, sources_between=lambda a, b: {src(o) for o in range(a, b)},
               name_at=lambda off: names.get(off))
    [m] = [m for m in lay.modules if m.library == "ky"]
    assert dict(m.exports) == {"qt": "init_distribution", "At": "createInstance", "ja": "", "Ze": ""}


def test_library_module_named_by_its_source_path():
    """A module the source map attributes to node_modules/axios/ is axios's, whatever its code looks like."""
    code = "(()=>{var e={5(e,t){e.exports=function(){return 1}},6(e,t,n){var r=n(5);r.post('/x',{})}};})()"
    lay = _lay(code, source_at=lambda off: "webpack://shop/node_modules/axios/lib/axios.js" if off < 40 else
               "webpack://shop/src/main.js")
    assert [(m.mid, m.library, m.source) for m in lay.modules] == [
        ("5", "axios", "webpack://shop/node_modules/axios/lib/axios.js"), ("6", None, "webpack://shop/src/main.js")]


def test_required_library_yields_its_modelled_api(tmp_path: Path):
    code = ("(()=>{var e={1(e,t){" + JQ + "},2:" + SHOP + "};var t={};function n(r){var o=t[r];if(o)return "
            "o.exports;o=t[r]={exports:{}};e[r].call(o.exports,o,o.exports,n);return o.exports}n(2)})();\n")
    (tmp_path / "bundle.js").write_text(code)
    r = scan([tmp_path])
    assert [(f.sink_api, f.categories, f.trigger_names) for f in r.findings] == [("jQuery.post", ["email"], ["blur"])]
    idx = BundleIndex()
    lay = _lay(code)
    idx.add(lay)
    assert idx.required_library(0, code.index("n(1)"), "n", "1", 1).library == "jQuery"
    assert idx.required_library(0, code.index("n(1)"), "n", "2", 1) is None


# Shipped builds of the fixtures' own dependencies (installed by build.py): each scanned alone, as an
# auditor's download holds them, is a library file — recognised, not analysed, no finding.
SHIPPED = ["axios/dist/axios.js", "axios/dist/axios.min.js", "axios/dist/esm/axios.min.js",
           "axios/dist/browser/axios.cjs", "jquery/dist/jquery.js", "jquery/dist/jquery.min.js",
           "jquery/dist/jquery.slim.min.js", "vue/dist/vue.global.js", "vue/dist/vue.global.prod.js",
           "vue/dist/vue.runtime.global.prod.js", "vue/dist/vue.esm-browser.prod.js",
           "react-dom/cjs/react-dom-client.production.js", "react/cjs/react.production.js",
           # tracker SDKs and recorders with no banner: their builds' exports name them
           "posthog-js/dist/array.js", "posthog-js/dist/array.full.js", "posthog-js/dist/array.full.es5.js",
           "posthog-js/dist/array.no-external.js", "mixpanel-browser/dist/mixpanel.min.js",
           "rrweb/dist/rrweb.umd.min.cjs",
           "htmx.org/dist/htmx.min.js", "htmx.org/dist/htmx.js"]


@pytest.mark.parametrize("rel", SHIPPED)
def test_shipped_library_file_alone_is_recognised_and_reports_nothing(built: Path, tmp_path: Path, rel: str):
    src = BUNDLES / "node_modules" / rel
    (tmp_path / src.name).write_bytes(src.read_bytes())
    mp = src.with_name(src.name + ".map")
    if mp.is_file():  # as the package ships it, map beside
        (tmp_path / mp.name).write_bytes(mp.read_bytes())
    r = scan([tmp_path])
    assert r.findings == []
    assert [n.reason for n in r.notifications if n.reason == "library"] == ["library"], r.notifications


UMD_AXIOS = ('!function(e,t){"object"==typeof exports&&"undefined"!=typeof module?module.exports=t():"function"=='
             'typeof define&&define.amd?define(t):(e="undefined"!=typeof globalThis?globalThis:e||self).axios=t()}'
             '(this,(function(){"use strict";var x={};x.ERR_BAD_RESPONSE="ERR_BAD_RESPONSE";'
             'function s(o){var r=new XMLHttpRequest;r.open("POST",o.url);r.send(o.data.value);'
             'document.addEventListener("change",function(e){r.send(e.target.value)})}return{post:s}}));\n')


def test_library_build_without_banner_is_recognised_by_signature_and_export(tmp_path: Path):
    """axios < 1.8 ships `dist/axios.min.js` with its licence at the end: the UMD wrapper that hands the
    factory to the `axios` global plus the library's signature recognise it; the same code exporting
    another global, or not exporting at all, is analysed as anyone's code."""
    rb = RuleBook.load()
    assert own_file_library(UMD_AXIOS.encode(), rb.bundle_libraries).name == "axios"
    body = UMD_AXIOS[UMD_AXIOS.index('(this,(function(){') + len('(this,'):].rstrip(";\n")
    plain = "var shop = " + body[:-1] + "();\n"  # the factory run by the shop's own code: no export
    assert own_file_library(plain.encode(), rb.bundle_libraries) is None
    assert own_file_library(UMD_AXIOS.replace(".axios=", ".shopApp=").encode(), rb.bundle_libraries) is None
    (tmp_path / "axios.min.js").write_text(UMD_AXIOS)
    r = scan([tmp_path])
    assert r.findings == [] and [n.reason for n in r.notifications] == ["library"]
    (tmp_path / "axios.min.js").write_text(UMD_AXIOS.replace(".axios=", ".shopApp="))
    r = scan([tmp_path])
    assert [f.sink_api for f in r.findings] == ["XMLHttpRequest.send"]


def test_library_build_examples_are_recognised():
    """Each library rule without a banner has a `build_example`: the shape of its own build, recognised."""
    rb = RuleBook.load()
    for lib in load_toml("libraries")["library"]:
        if "build_example" in lib:
            got = own_file_library(lib["build_example"].encode(), rb.bundle_libraries)
            assert got is not None and got.name == lib["name"], lib["name"]
        else:  # (known by its package path inside bundles only: a bundler's runtime, no file of its own; a tiny
            # package inlined into the shop's modules, whose signature would claim the shop's code)
            assert "banner" in lib or ("paths" in lib and "signature" not in lib), lib["name"]


# ---------------------------------------------------------------------------------------------- rules


def test_a_package_module_that_imports_only_its_own_scope_is_the_library():
    """Sentry's replay integration, shipped as an ES module importing `@sentry/core` and `@sentry-internal/…`
    only, is the library (it embeds rrweb: masked-by-default recording, no finding of its own); a shop module
    that imports the same packages and its own files is not."""
    rb = RuleBook.load()
    own = b'import { logger } from "@sentry/core";\nimport { x } from "@sentry-internal/browser-utils";\n' \
          b'const o = {}; o.__rrweb_original__ = 1; export { o };\n'
    lib = own_file_library(own, rb.bundle_libraries)
    assert lib is not None and lib.name == "Sentry Replay"
    shop = b'import * as Sentry from "@sentry/browser";\nimport { send } from "./send.js";\n' \
           b'const o = {}; o.__rrweb_original__ = 1; export { o };\n'
    assert own_file_library(shop, rb.bundle_libraries) is None
    bare = b'const o = {}; o.__rrweb_original__ = 1;\n'  # no imports at all: a bundle, not a package module
    assert own_file_library(bare, rb.bundle_libraries) is None


def test_a_build_that_assigns_its_global_through_a_name_constant_is_the_library():
    """Mixpanel's build with its recorder: `Le="mixpanel"` … `E[Le]=Se` inside the one IIFE (the loader stub
    replaced by the SDK) is Mixpanel's own file; a shop's script that only reads `window[k]` is not."""
    rb = RuleBook.load()
    build = b'(function(){"use strict";var E;E=window;var Le="mixpanel",Se={};function c(){console.error("Mixpanel error:",1)}' \
            b'E[Le]=Se})();'
    lib = own_file_library(build, rb.bundle_libraries)
    assert lib is not None and lib.name == "Mixpanel"
    shop = b'(function(){var k="mixpanel";function c(){console.error("Mixpanel error:",1)}window[k].track("x")})();'
    assert own_file_library(shop, rb.bundle_libraries) is None


def test_library_signatures_and_markers_have_working_examples():
    rb = RuleBook.load()
    by_name = {r.name: r for r in rb.bundle_libraries}
    for lib in load_toml("libraries")["library"]:
        rule = by_name[lib["name"]]
        if "signature" in lib:
            assert rule.matches(lib["signature_example"].encode(), None), lib["name"]
        if "api_marker" in lib:
            lay = _lay("(()=>{" + lib["marker_example"] + "})();")
            assert [(m.kind, m.library, m.api_var) for m in lay.modules] == [("hoisted", lib["name"], "An")]
        if "paths" in lib:
            pkg = lib["name"].lower().split(".")[0].split()[0]
            assert any(rule.paths.search(f"webpack://shop/node_modules/{p}/x.js")
                       for p in (pkg, pkg + ".org", pkg + "-js", pkg + "-browser", pkg + "js", pkg + ".js", "@" + pkg + "/sdk")) \
                or lib["name"] in ("lodash", "lodash debounce", "React", "Vue.js", "Sentry Replay", "Parcel runtime"), \
                lib["name"]


def test_a_lodash_method_module_is_that_method_not_lodash():
    """`import debounce from 'lodash/debounce'`: the module bundled from `node_modules/lodash/debounce.js` is
    `_.debounce` (a wrapper that does not run its function), its helpers the rest of lodash."""
    rules = RuleBook.load().bundle_libraries
    assert rules.by_path("webpack://shop/./node_modules/lodash/debounce.js").api_global == "_.debounce"
    assert rules.by_path("webpack://shop/./node_modules/lodash.debounce/index.js").api_global == "_.debounce"
    assert rules.by_path("webpack://shop/./node_modules/lodash/_root.js").api_global == "_"
    assert rules.by_path("webpack://shop/./node_modules/lodash/lodash.js").api_global == "_"


def test_no_library_signature_matches_the_shop_sources():
    rb = RuleBook.load()
    shop = list(SRC.rglob("*.js*")) + list((REPO / "fixtures" / "cases").rglob("*.js"))
    for f in shop:
        text = f.read_bytes()
        for rule in rb.bundle_libraries:
            if rule.signature is not None:
                assert not rule.signature.search(text), (rule.name, f)


def test_compiled_elements_example(tmp_path: Path):
    ce = load_toml("libraries")["compiled_elements"]
    (tmp_path / "render.js").write_text(ce["example"] + "\n")
    r = scan([tmp_path])
    cats, trigs, api = ce["expect"].split()
    assert [(f.categories, f.trigger_names, f.sink_api) for f in r.findings] == [([cats], [trigs], api)]


def test_compiled_runtime_example(tmp_path: Path):
    """The `compiled_runtime` example: its stand-in runtime is not analysed (the `toString` it defines would
    otherwise return the email as `this` everywhere), its calls are modelled, the async function leaks."""
    rt = load_toml("libraries")["compiled_runtime"]
    (tmp_path / "index.html").write_text('<input id="email" type="email"><script src="a.js"></script>\n')
    (tmp_path / "a.js").write_text(rt["example"] + "\n")
    r = scan([tmp_path])
    cats, trigs, api = rt["expect"].split()
    assert [(f.categories, f.trigger_names, f.sink_api) for f in r.findings] == [([cats], [trigs], api)]
    assert all(m.encode() in rt["example"].encode() for m in rt["markers"])


@pytest.mark.parametrize("code,expect", [
    # React's compiled JSX, minified with the factory renamed: a field tag with an on… prop
    ("function C(){return i('input',{id:'email',type:'email',onBlur:e=>navigator.sendBeacon('/l',e.target.value)})}",
     [("email", "blur", "navigator.sendBeacon")]),
    ("function C(){return (0,r.jsx)('input',{name:'tel',onChange:e=>fetch('/l?t='+e.target.value)})}",
     [("phone", "change", "fetch")]),
    # a submit handler prop is not pre-submit
    ("function C(){return (0,r.jsx)('form',{onSubmit:e=>fetch('/o',{method:'POST',body:new FormData(e.target)})})}",
     []),
    # any other call with an object argument is not an element
    ("function C(){return track('input',{onBlur:1})}", []),
])
def test_compiled_element_calls(tmp_path: Path, code, expect):
    (tmp_path / "c.js").write_text(code + "\n")
    r = scan([tmp_path])
    assert [(",".join(f.categories), ",".join(f.trigger_names), f.sink_api) for f in r.findings] == expect


# ---------------------------------------------------------------------------------------------- folding


def _fold(code: str):
    from analyzer.extract.fold import fold

    data = code.encode()
    return fold(Parsers().parse("js", data), data)


def test_checksum_rotation_is_folded():
    """javascript-obfuscator's loop: rotate until the parseInt checksum of some entries equals the target."""
    strs = ["12abc", "value", "7xy", "blur", "3", "fetch"]  # the order the code reads
    stored = strs[-4:] + strs[:-4]  # the order in the source: 4 left rotations give `strs`
    target = 12 + 7  # parseInt('12abc') + parseInt('7xy'): entries 0x100 and 0x102 once rotated
    code = ("function T(){var a=" + repr(stored).replace(" ", "") + ";T=function(){return a;};return T();}"
            "function L(i,k){i=i-0x100;var t=T();var v=t[i];return v;}"
            "(function(g,x){var f=L,a=g();while(!![]){try{var s=parseInt(f(0x100))+parseInt(f(0x102));"
            "if(s===x)break;else a['push'](a['shift']());}catch(e){a['push'](a['shift']());}}}(T," + str(target) + "));")
    f = _fold(code)
    assert [r for _, r in f.rotations] == [4]
    assert stored[4:] + stored[:4] == strs
    assert f.notes == ()


def test_unfoldable_checksum_gives_a_note(tmp_path: Path):
    code = ("function T(){var a=['x','y'];T=function(){return a;};return T();}"
            "function L(i){i=i-0;var t=T();return t[i];}"
            "(function(g,x){var f=L,a=g();while(!![]){try{var s=parseInt(f(0))*2;if(s===x)break;"
            "else a.push(a.shift());}catch(e){a.push(a.shift());}}}(T,12345));\n")
    assert _fold(code).notes
    (tmp_path / "o.js").write_text(code)
    r = scan([tmp_path])
    assert [(n.path, n.reason) for n in r.notifications] == [("o.js", "obfuscation")]


def test_counted_rotation_loop_is_folded():
    f = _fold("for(var o,i=['a','b','c','d'],c=2,a=++c;--a;)i.push(i.shift());")
    assert [r for _, r in f.rotations] == [2]
    f = _fold("for(var i=['a','b','c'],n=2;n--;)i['push'](i['shift']());")
    assert [r for _, r in f.rotations] == [2]


# ---------------------------------------------------------------------------------------------- minified shapes

_EL = "var el = document.getElementById('email');\n"


@pytest.mark.parametrize("body,api", [
    ("window['fe' + 'tch']('/a?e=' + e.target.value)", "fetch"),  # computed member name
    ("navigator['\\x73endBeacon']('/b', e.target['\\x76alue'])", "navigator.sendBeacon"),  # \x-escaped names
    ("(0, navigator.sendBeacon)('/c', e.target.value)", "navigator.sendBeacon"),  # (0, fn)(…)
    ("var f = fetch; f.call(window, '/d?e=' + e.target.value)", "fetch"),  # Function.prototype.call
    ("fetch.apply(null, ['/h?e=' + e.target.value])", "fetch"),  # Function.prototype.apply
    ("var s = navigator.sendBeacon.bind(navigator); s('/e', e.target.value)", "navigator.sendBeacon"),  # bind
    ("var x = 1, y = (x++, navigator['send' + 'Beacon']('/g', e.target.value))", "navigator.sendBeacon"),  # comma
    ("window[atob('ZmV0Y2g=')]('/i?e=' + e.target.value)", "fetch"),  # atob'd name
])
def test_minified_call_shapes(tmp_path: Path, body: str, api: str):
    (tmp_path / "m.js").write_text(_EL + "el.addEventListener('blur', function (e) { " + body + "; });\n")
    r = scan([tmp_path])
    assert [(f.sink_api, f.categories, f.trigger_names) for f in r.findings] == [(api, ["email"], ["blur"])]


def test_iife_alias_of_navigator(tmp_path: Path):
    (tmp_path / "m.js").write_text("(function (n, w) {\n  var el = w.document.getElementById('email');\n"
                                   "  el.addEventListener('blur', function (e) { n.sendBeacon('/f', e.target.value); });\n"
                                   "})(navigator, window);\n")
    assert [f.sink_api for f in scan([tmp_path]).findings] == ["navigator.sendBeacon"]


def test_unfoldable_name_on_a_global_is_noted(tmp_path: Path):
    (tmp_path / "m.js").write_text(_EL + "el.addEventListener('blur', function (e) { var k = unknownThing(); "
                                   "window[k]('/j?e=' + e.target.value); });\n")
    r = scan([tmp_path])
    assert r.findings == []
    assert [(n.path, n.reason) for n in r.notifications] == [("m.js", "unresolved-name")]
    assert "line 2" in r.notifications[0].message


# An esbuild-style ESM interop around a bundled library's lazy CommonJS module (our own code in that shape:
# `var pt = toESM(require_jquery()); pt.default.post(…)`): the shop's call is the sink.
INTEROP_BUNDLE = '(()=>{var lz=(f,m)=>()=>(m||f((m={exports:{}}).exports,m),m.exports);var es=(mod,out)=>(out=mod!=null?Object.create(Object.getPrototypeOf(mod)):{},Object.defineProperty(out,"default",{value:mod,enumerable:!0}),out);var Jq=lz((ex,md)=>{(function(g,mk){"use strict";typeof md=="object"&&typeof md.exports=="object"?md.exports=g.document?mk(g,!0):function(w){if(!w.document)throw new Error("jQuery requires a window with a document");return mk(w)}:mk(g)})(typeof window<"u"?window:ex,function(g,nf){var q=function(s){return new q.fn.init(s)};q.fn=q.prototype={};return q})});var pt=es(Jq());(0,pt.default)(document).on("change","#billing_email",function(){pt.default.post("/save",{email:(0,pt.default)(this).val()})});pt.default.post("/ping",{v:1});})();'


def test_esm_interop_default_of_a_bundled_library_is_its_api(tmp_path):
    (tmp_path / "app.min.js").write_text(INTEROP_BUNDLE, encoding="utf-8")
    r = scan([tmp_path])
    assert [(f.sink_api, f.categories, f.trigger_names) for f in r.findings] == [
        ("jQuery.post", ["email"], ["change"])]
    assert [n.reason for n in r.notifications] == ["bundled-library"]


def test_shop_bundle_with_jquery_inside_is_not_taken_for_jquery(tmp_path):
    """A shop's build that inlines jQuery assigns `window.jQuery` as jQuery's own build does; its map names
    `node_modules/jquery/…` as one of its sources, so it is a bundle (analysed), not jQuery's file."""
    import base64
    import json as _json

    lib = ('!function(){var jq=function(){throw new Error("jQuery requires a window with a document")};'
           'window.jQuery=window.$=jq;')
    shop = ("document.getElementById('email').addEventListener('blur',function(e){"
            "fetch('/l?e='+e.target.value)})}();")
    smap = {"version": 3, "sources": ["../node_modules/jquery/dist/jquery.js", "../src/app.js"],
            "sourcesContent": ["/* jquery */", "// app\n" + shop], "names": [], "mappings": "AAAA;ACCA"}
    url = "data:application/json;base64," + base64.b64encode(_json.dumps(smap).encode()).decode()
    (tmp_path / "app.min.js").write_text(lib + "\n" + shop + "\n//# sourceMappingURL=" + url + "\n")
    (tmp_path / "index.html").write_text('<input id="email" type="email"><script src="app.min.js"></script>')
    r = scan([tmp_path])
    assert not [n for n in r.notifications if n.reason == "library"]
    assert [(f.sink_api, f.categories) for f in r.findings] == [("fetch", ["email"])]
    # the same file without its map is taken for jQuery's own build (nothing says otherwise)
    (tmp_path / "app.min.js").write_text(lib + "\n" + shop + "\n")
    assert [n.reason for n in scan([tmp_path]).notifications if n.reason == "library"] == ["library"]
