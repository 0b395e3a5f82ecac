"""analyzer.bundle.mapfind (the comment, source names) and analyzer.locate (mapping, dedupe) on their own."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from helpers import make_finding
from mapgen import make_map

from analyzer.locate import locate
from analyzer.bundle.mapfind import BundleMap, map_comment, resolve_sources
from analyzer.model import Location
from analyzer.bundle.sourcemap import parse


@pytest.mark.parametrize("text, url", [
    (b"var a;\n//# sourceMappingURL=app.js.map\n", "app.js.map"),
    (b"var a;\n//@ sourceMappingURL=app.js.map", "app.js.map"),
    (b"var a;//# sourceMappingURL=a.map\n\n// trailing comment\n/* and another */\n", "a.map"),
    (b"var a;\n/*# sourceMappingURL=a.map */\n", "a.map"),
    (b"var a;\n//# sourceMappingURL=one.map\n//# sourceMappingURL=two.map\n", "two.map"),
    (b"var a;\n//# sourceMappingURL=data:application/json;base64,e30=\n", "data:application/json;base64,e30="),
    (b"var s = '//# sourceMappingURL=fake.map';\nrun(s);\n", None),  # in a string, not at the end
    (b"//# sourceMappingURL=early.map\nvar a = 1;\n", None),  # code follows
    (b"var a = 'sourceMappingURL=x';\n", None),
    (b"var a;\n", None),
])
def test_map_comment(text, url):
    assert map_comment(text) == url


def _names(sources, map_dir="dist", known=(), source_root=None):
    smap = parse(json.dumps(make_map(sources, [], source_root=source_root)))
    paths, bad = resolve_sources(smap, map_dir, frozenset(known))
    return list(paths), bad


def test_source_names_are_scan_root_relative():
    paths, bad = _names(["../src/app.js", "../node_modules/axios/lib/axios.js", "./chunk.js", "lib\\x.js", None])
    assert paths == ["src/app.js", "node_modules/axios/lib/axios.js", "dist/chunk.js", "dist/lib/x.js", None]
    assert bad == []


def test_webpack_names_are_project_relative():
    srcs = ["webpack://shop/./src/app.js", "webpack:///./src/App.vue?vue&type=script", "webpack:///src/b.js",
            "webpack-internal:///./src/c.js", "webpack:///webpack/bootstrap"]
    # not in the scan: the parent of the map's folder is taken as the project folder
    assert _names(srcs, "site/dist")[0] == ["site/src/app.js", "site/src/App.vue", "site/src/b.js", "site/src/c.js",
                                            "site/webpack/bootstrap"]
    # in the scan: the first folder (the map's, then its parents) where the file is
    assert _names(srcs[:1], "site/dist", known={"src/app.js"})[0] == ["src/app.js"]
    assert _names(srcs[:1], "site/dist", known={"site/dist/src/app.js", "src/app.js"})[0] == ["site/dist/src/app.js"]
    assert _names(srcs[:1], "")[0] == ["src/app.js"]


def test_parcel_source_root():
    assert _names(["src/app.js"], "dist", source_root="/__parcel_source_root/")[0] == ["src/app.js"]


def test_source_root_joined():
    assert _names(["app.js"], "dist", source_root="../src/")[0] == ["src/app.js"]
    assert _names(["app.js"], "dist", source_root="../src")[0] == ["src/app.js"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "https://x.example/a.js",
                                  "//x.example/a.js", "webpack://x/../../a.js", "webpack:///", "C:/x/a.js",
                                  "a\x00.js", "..", "../.."])
def test_unusable_source_names(name):
    paths, bad = _names([name], "dist")
    assert paths == [None] and len(bad) == 1


# ------------------------------------------------------------------------------------------------ locate

def _bundle_map(segs, sources=("src/a.js",), contents=None, paths=None):
    smap = parse(json.dumps(make_map(list(sources), segs, contents=contents)))
    return BundleMap("dist/app.js", "dist/app.js.map", smap, tuple(paths or sources))


def test_locate_moves_sink_steps_and_triggers():
    # bundle line 1: col 1 ← a.js 3:3 ; col 21 ← a.js 7:5 (the sink) ; col 61 unmapped
    bm = _bundle_map([(0, 0, 0, 2, 2), (0, 20, 0, 6, 4), (0, 60)],
                     contents=["\n\nvar v = el.value;\n\n\n\n    fetch('/x?e=' + v);\n"])
    f = make_finding("dist/app.js", 1, 25, steps=2)
    out = locate([f], {"dist/app.js": bm}, {})
    assert len(out) == 1
    g = out[0]
    assert (g.sink.path, g.sink.line, g.sink.col) == ("src/a.js", 7, 5)
    assert g.generated == f.sink
    assert g.sink_snippet == "fetch('/x?e=' + v);"
    assert [(s.location.path, s.location.line) for s in g.steps] == [("src/a.js", 3), ("src/a.js", 7)]
    assert all(t.location.path == "src/a.js" for t in g.triggers)


_MERGED_SRC = ("function save(email) {\n"
               "  const q = (window._q = window._q || []);\n"
               "  q.push(['identify', { $email: email }]);\n"
               "}\n")


@pytest.mark.parametrize("src, expect_line", [
    (_MERGED_SRC, 3),  # terser's collapse_vars: the callee comes from the statement before
    ("function save(email) {\n  axios\n    .post('/lead', { email });\n}\n", 2),  # one call over two lines
])
def test_sink_callee_merged_from_an_earlier_statement(src, expect_line):
    # bundle: `(window._q=window._q||[]).push([…])` / `axios.post(…)`; col 1 ← line 2 (the callee's first
    # token), col 30 ← line 3's `push` / `post`, the argument list `(` at col 34 (no segment of its own)
    bm = _bundle_map([(0, 0, 0, 1, 2), (0, 29, 0, 2, 4)], contents=[src])
    f = replace(make_finding("dist/app.js", 1, 1, steps=1), sink_anchor=Location("dist/app.js", 1, 34, 1, 35))
    g = locate([f], {"dist/app.js": bm}, {})[0]
    assert (g.sink.path, g.sink.line) == ("src/a.js", expect_line)
    assert g.steps[-1].location == g.sink and g.generated == f.sink


def test_locate_keeps_unmapped_positions():
    bm = _bundle_map([(0, 0, 0, 2, 2), (0, 60)])
    f = make_finding("dist/app.js", 1, 70)  # lands in an unmapped segment
    g = locate([f], {"dist/app.js": bm}, {})[0]
    assert g.sink == f.sink and g.generated is None
    f2 = make_finding("dist/app.js", 3, 1)  # a line the map does not cover
    assert locate([f2], {"dist/app.js": bm}, {})[0].sink == f2.sink
    f3 = make_finding("other.js", 1, 1)  # not a mapped file
    assert locate([f3], {"dist/app.js": bm}, {})[0] is f3


def test_locate_keeps_bundle_position_for_unusable_source():
    bm = _bundle_map([(0, 0, 0, 2, 2)], sources=("../../etc/passwd",), paths=(None,))
    f = make_finding("dist/app.js", 1, 5)
    assert locate([f], {"dist/app.js": bm}, {})[0].sink == f.sink


def test_locate_snippet_from_scanned_text_when_no_sources_content():
    bm = _bundle_map([(0, 0, 0, 1, 0)])
    g = locate([make_finding("dist/app.js", 1, 5)], {"dist/app.js": bm}, {"src/a.js": b"x\nsendIt(v); // here\n"})[0]
    assert g.sink_snippet == "sendIt(v); // here" and g.sink.end_col == len("sendIt(v); // here") + 1


def test_dedupe_source_finding_wins_and_records_the_bundle_position():
    bm = _bundle_map([(0, 0, 0, 9, 2)])
    direct = make_finding("src/a.js", 10, 3)
    bundled = make_finding("dist/app.js", 1, 7)
    out = locate([bundled, direct], {"dist/app.js": bm}, {})
    assert len(out) == 1
    assert (out[0].sink.path, out[0].sink.line, out[0].sink.col) == ("src/a.js", 10, 3)
    assert out[0].generated == bundled.sink
    assert out[0].steps == direct.steps  # the source's own finding


def test_dedupe_key_is_file_line_api():
    bm = _bundle_map([(0, 0, 0, 9, 2)])
    other_api = make_finding("src/a.js", 10, 3, api="navigator.sendBeacon")
    bundled = make_finding("dist/app.js", 1, 7)
    assert len(locate([bundled, other_api], {"dist/app.js": bm}, {})) == 2
    other_line = make_finding("src/a.js", 11, 3)
    assert len(locate([bundled, other_line], {"dist/app.js": bm}, {})) == 2


def test_two_mapped_findings_at_one_original_position_are_one():
    bm = _bundle_map([(0, 0, 0, 9, 2), (1, 0, 0, 9, 2), (2, 0, 0, 9, 8)])
    a, b, c = (make_finding("dist/app.js", n, 4) for n in (1, 2, 3))
    out = locate([b, c, a], {"dist/app.js": bm}, {})
    assert sorted((f.sink.line, f.sink.col, f.generated.line) for f in out) == [(10, 3, 1), (10, 9, 3)]


def test_locate_without_maps_is_identity():
    fs = [make_finding("a.js", 1, 1)]
    assert locate(fs, {}, {}) is fs


def test_end_position_from_the_last_character():
    bm = _bundle_map([(0, 0, 0, 0, 0), (0, 10, 0, 0, 14), (0, 30, 0, 5, 0)])
    f = make_finding("dist/app.js", 1, 1)
    f.sink = Location("dist/app.js", 1, 1, 1, 20)  # the call ends at bundle col 19 ← original 1:15
    g = locate([f], {"dist/app.js": bm}, {})[0]
    assert (g.sink.line, g.sink.col, g.sink.end_line, g.sink.end_col) == (1, 1, 1, 16)


def test_har_files_only_use_data_urls(tmp_path):
    from mapgen import data_url

    from analyzer.bundle.mapfind import load_map
    from analyzer.model import SourceFile

    har = tmp_path / "visit.har"
    har.write_text("{}")
    (tmp_path / "app.js.map").write_text(json.dumps(make_map(["a.js"], [(0, 0, 0, 0, 0)])))
    for comment, found in (("//# sourceMappingURL=app.js.map", False), ("", False),
                           ("//# sourceMappingURL=" + data_url(make_map(["a.js"], [(0, 0, 0, 0, 0)])), True)):
        f = SourceFile(path=har, rel="visit.har/shop.example/app.js", kind="js",
                       data=("x();\n" + comment + "\n").encode(), origin="https://shop.example")
        bm, notes = load_map(f, frozenset())
        assert (bm is not None) == found, comment[:40]
        if comment and not found:
            assert [n.reason for n in notes] == ["sourcemap-refused"]
        if found:
            assert bm.paths == ("visit.har/shop.example/a.js",) and bm.where == "data: URL"


def test_html_and_other_kinds_are_not_looked_at(tmp_path):
    from analyzer.bundle.mapfind import load_map
    from analyzer.model import SourceFile

    (tmp_path / "index.html.map").write_text("{broken")
    f = SourceFile(path=tmp_path / "index.html", rel="index.html", kind="html", data=b"<p>")
    assert load_map(f) == (None, [])


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 60), st.integers(0, 2), st.integers(0, 20),
                          st.integers(0, 30)), max_size=40),
       st.lists(st.tuples(st.booleans(), st.integers(1, 4), st.integers(1, 70),
                          st.sampled_from(["fetch", "navigator.sendBeacon"])), max_size=12))
def test_locate_properties(raw_segs, raw_findings):
    segs = sorted({(gl, gc): (gl, gc, s, ol, oc) for gl, gc, s, ol, oc in raw_segs}.values())
    smap = parse(json.dumps(make_map(["src/a.js", "src/b.js", "../../x.js"], segs)))
    bm = BundleMap("dist/app.js", "dist/app.js.map", smap, ("src/a.js", "src/b.js", None))
    findings = [make_finding("dist/app.js" if in_bundle else "src/a.js", line, col, api=api)
                for in_bundle, line, col, api in raw_findings]
    out = locate(findings, {"dist/app.js": bm}, {})
    assert len(out) <= len(findings)
    direct_keys = {(f.sink.path, f.sink.line, f.sink_api) for f in findings if f.sink.path == "src/a.js"}
    seen = set()
    for f in out:
        assert f.sink.line >= 1 and f.sink.col >= 1 and f.sink.end_line >= f.sink.line
        assert f.sink.path in ("dist/app.js", "src/a.js", "src/b.js")
        if f.generated is not None:
            assert f.generated.path == "dist/app.js" and f.sink.path != "dist/app.js"
        k = (f.sink.path, f.sink.line, f.sink.col, f.sink_api)
        if f.sink.path != "dist/app.js" and f.generated is not None and \
                (f.sink.path, f.sink.line, f.sink_api) not in direct_keys:
            assert k not in seen  # two mapped findings never share file, line, column and API
            seen.add(k)
    # every direct finding survives, and no mapped finding sits on a direct finding's key
    assert sum(1 for f in out if f.sink.path == "src/a.js" and (f.sink.path, f.sink.line, f.sink_api) in direct_keys) \
        == sum(1 for f in findings if f.sink.path == "src/a.js")
    # the same input in another order gives the same output
    again = locate(list(reversed(findings)), {"dist/app.js": bm}, {})
    assert [(f.sink, f.generated, f.sink_api) for f in again] == [(f.sink, f.generated, f.sink_api) for f in out]


def test_relative_source_names_are_urls():
    assert _names(["../src/app.js?v=3", "../src/my%20file.js", "../src/a.js#x", "%2Fetc%2Fpasswd", "?x"],
                  "dist")[0] == ["src/app.js", "src/my file.js", "src/a.js", None, None]
