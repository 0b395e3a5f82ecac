"""Source maps end to end: a bundle of fixtures/sourcemaps/shop/src built at test time by tests/mapgen.py.

Every variant asserts the exact set of findings of the fixture's `expect:` annotations, at the src/ lines,
with the bundle position kept (`generated`); without a usable map, the same findings at bundle positions;
with src/ and dist/ scanned together, each leak once. Hostile maps give a notification and bundle positions,
and no map file outside the scan root is ever read.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from mapgen import bundle, data_url, make_map
from test_fixtures import parse_case

from analyzer.bundle import mapfind
from analyzer.engine import scan
from analyzer.fingerprint import identity

REPO = Path(__file__).resolve().parents[1]
SHOP = REPO / "fixtures" / "sourcemaps" / "shop"
SRC = ["checkout.js", "tracking.js"]
BANNER = "/*! shop bundle */"


def expected() -> set:
    return {a.key() for a in parse_case(SHOP) if a.kind == "expect"}


def expected_without_path() -> list:
    return sorted((tuple(sorted(c)), tuple(sorted(t)), api) for _p, _l, c, t, api in expected())


def keys(result) -> set:
    return {(f.sink.path, f.sink.line, frozenset(f.categories), frozenset(f.trigger_names), f.sink_api)
            for f in result.findings}


def build(tmp: Path, variant: str = "file", *, keep_src: bool = False, contents: bool = True) -> Path:
    """Copy the shop, bundle src/ into dist/app.js with a map of the given variant."""
    root = tmp / "shop"
    shutil.copytree(SHOP, root)
    files = [(n, (root / "src" / n).read_text(encoding="utf-8")) for n in SRC]
    texts = [t for _n, t in files] if contents else None
    dist = root / "dist"
    dist.mkdir()
    sources = [f"../src/{n}" for n in SRC]
    if variant == "index":
        line0, segs0 = bundle(files[:1])
        line1, segs1 = bundle(files[1:], prefix=BANNER + "(()=>{")
        segs1 = [(gl, gc - len(BANNER), 0, ol, oc) for gl, gc, _s, ol, oc in segs1]  # section-relative
        doc = {"version": 3, "file": "app.js", "sections": [
            {"offset": {"line": 0, "column": 0}, "map": make_map(sources[:1], segs0, contents=texts and texts[:1])},
            {"offset": {"line": 1, "column": len(BANNER)},
             "map": make_map(["tracking.js"], segs1, contents=texts and texts[1:], source_root="../src")},
        ]}
        code = line0 + "\n" + line1
    else:
        code, segs = bundle(files)
        if variant == "source-root":
            doc = make_map(SRC, segs, contents=texts, source_root="../src/")
        elif variant == "webpack":
            doc = make_map(["webpack://shop/./src/checkout.js", "webpack:///./src/tracking.js?3f2a"], segs,
                           contents=texts)
        elif variant == "subdir":
            doc = make_map([f"../../src/{n}" for n in SRC], segs, contents=texts)
        else:
            doc = make_map(sources, segs, contents=texts, file="app.js")
    comment = {
        "file": "//# sourceMappingURL=app.js.map", "old-comment": "//@ sourceMappingURL=app.js.map",
        "data": "//# sourceMappingURL=" + data_url(doc), "data-charset": "//# sourceMappingURL=" + data_url(doc, True),
        "beside": "", "source-root": "//# sourceMappingURL=app.js.map?v=3", "webpack": "//# sourceMappingURL=app.js.map",
        "index": "//# sourceMappingURL=app.js.map", "subdir": "//# sourceMappingURL=maps/app.js.map",
    }[variant]
    (dist / "app.js").write_text(code + "\n" + comment + ("\n" if comment else ""), encoding="utf-8")
    if not variant.startswith("data"):
        target = dist / "maps" / "app.js.map" if variant == "subdir" else dist / "app.js.map"
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(doc), encoding="utf-8")
    if not keep_src:
        shutil.rmtree(root / "src")
    return root


def bundle_lookup_ok(root: Path, result) -> None:
    """Every mapped finding keeps a bundle position inside dist/app.js."""
    lines = (root / "dist" / "app.js").read_text(encoding="utf-8").splitlines()
    for f in result.findings:
        assert f.generated is not None and f.generated.path == "dist/app.js", f.sink.short()
        assert 1 <= f.generated.line <= len(lines)
        text = lines[f.generated.line - 1]
        at = text.encode("utf-16-le")[(f.generated.col - 1) * 2:].decode("utf-16-le")
        start = {"fetch": "fetch(", "navigator.sendBeacon": "navigator.sendBeacon(", "img.src": "lookup.src="}
        assert at.startswith(start[f.sink_api]), at[:40]


VARIANTS = ["file", "old-comment", "data", "data-charset", "beside", "source-root", "webpack", "index", "subdir"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_bundle_findings_at_original_lines(tmp_path, variant):
    root = build(tmp_path, variant)
    r = scan([root])
    assert keys(r) == expected()
    assert len(r.findings) == len(expected())
    bundle_lookup_ok(root, r)
    assert not [n for n in r.notifications if n.reason.startswith("sourcemap")]
    assert all(not p.endswith(".map") for p in r.files_scanned)  # a map is never scanned as code
    for f in r.findings:
        # snippets come from sourcesContent: the original line, comments and all
        assert "// expect:" in f.sink_snippet or f.sink_snippet.startswith("navigator.sendBeacon("), f.sink_snippet
        assert f.steps[-1].location == f.sink and f.steps[0].location.path.startswith("src/")
        assert all(t.location.path.startswith("src/") for t in f.triggers)
        assert identity(f)[5] == f.sink.path  # fingerprints name the original file


def test_steps_and_triggers_are_mapped(tmp_path):
    r = scan([build(tmp_path)])
    f = next(f for f in r.findings if f.sink_api == "fetch")
    assert [(s.location.path, s.location.line) for s in f.steps] == [("src/checkout.js", 10), ("src/checkout.js", 6)]
    assert f.steps[0].snippet == "capture({ email: emailInput.value, label: 'メール' });"
    assert [(t.event, t.location.path, t.location.line) for t in f.triggers] == [("blur", "src/checkout.js", 9)]
    # UTF-16 columns: the fetch call comes after Japanese text on its line
    line6 = (SHOP / "src" / "checkout.js").read_text(encoding="utf-8").splitlines()[5]
    assert f.sink.col == len(line6[:line6.index("fetch(")].encode("utf-16-le")) // 2 + 1


def test_without_sources_content_snippets_stay_from_the_bundle(tmp_path):
    r = scan([build(tmp_path, contents=False)])
    assert keys(r) == expected()
    f = next(f for f in r.findings if f.sink_api == "fetch")
    assert "// expect" not in f.sink_snippet and "fetch('/api/cart/capture'" in f.sink_snippet


def test_without_sources_content_snippets_from_the_scanned_source(tmp_path):
    r = scan([build(tmp_path, keep_src=True, contents=False)])
    assert keys(r) == expected() and len(r.findings) == len(expected())
    f = next(f for f in r.findings if f.sink_api == "fetch")
    assert "// expect: email blur fetch" in f.sink_snippet


@pytest.mark.parametrize("variant", ["file", "beside", "data"])
def test_map_deleted_gives_bundle_positions(tmp_path, variant):
    root = build(tmp_path, variant)
    with_map = scan([root])
    if variant == "data":
        app = root / "dist" / "app.js"
        app.write_text(app.read_text(encoding="utf-8").split("//# sourceMappingURL=")[0], encoding="utf-8")
    else:
        (root / "dist" / "app.js.map").unlink()
    r = scan([root])
    assert sorted((tuple(sorted(set(f.categories))), tuple(f.trigger_names), f.sink_api) for f in r.findings) \
        == expected_without_path()
    assert {f.sink.path for f in r.findings} == {"dist/app.js"}
    assert all(f.generated is None for f in r.findings)
    assert sorted((f.sink.line, f.sink.col) for f in r.findings) == \
        sorted((f.generated.line, f.generated.col) for f in with_map.findings)
    refused = [n for n in r.notifications if n.reason.startswith("sourcemap")]
    if variant == "file":  # the comment names a map that is not there
        assert [(n.reason, n.level) for n in refused] == [("sourcemap-missing", "note")]
        assert "does not exist" in refused[0].message
    else:
        assert refused == []


@pytest.mark.parametrize("variant", ["file", "webpack", "index", "source-root"])
def test_src_and_dist_together_each_leak_once(tmp_path, variant):
    root = build(tmp_path, variant, keep_src=True)
    r = scan([root])
    assert keys(r) == expected()
    assert len(r.findings) == len(expected()), [f.sink.short() for f in r.findings]
    # the source's own finding is kept, and it records where the same call sits in the bundle
    bundle_lookup_ok(root, r)
    src_only = scan([root / "src"])
    assert len(src_only.findings) == len(expected())


def test_two_bundles_of_one_source_are_one_finding(tmp_path):
    root = build(tmp_path)
    dist = root / "dist"
    shutil.copy(dist / "app.js", dist / "app.legacy.js")
    shutil.copy(dist / "app.js.map", dist / "app.legacy.js.map")
    (dist / "app.legacy.js").write_text((dist / "app.js").read_text().replace("app.js.map", "app.legacy.js.map"))
    r = scan([root])
    assert keys(r) == expected() and len(r.findings) == len(expected())
    assert {f.generated.path for f in r.findings} == {"dist/app.js"}  # the first in canonical order


# ------------------------------------------------------------------------------------------------ hostile


def write_outside_map(tmp_path: Path) -> Path:
    """A valid map outside the scan root: were it read, findings would move to src/."""
    files = [(n, (SHOP / "src" / n).read_text(encoding="utf-8")) for n in SRC]
    _code, segs = bundle(files)
    p = tmp_path / "outside" / "app.js.map"
    p.parent.mkdir()
    p.write_text(json.dumps(make_map([f"../src/{n}" for n in SRC], segs)), encoding="utf-8")
    return p


@pytest.fixture
def reads(monkeypatch):
    seen: list[str] = []
    real = mapfind.read_capped

    def spy(path, limit):
        seen.append(os.path.realpath(path))
        return real(path, limit)

    monkeypatch.setattr(mapfind, "read_capped", spy)
    return seen


def hostile_scan(root: Path, reads: list[str]):
    r = scan([root])
    assert sorted((tuple(sorted(set(f.categories))), tuple(f.trigger_names), f.sink_api) for f in r.findings) \
        == expected_without_path()
    assert {f.sink.path for f in r.findings} == {"dist/app.js"}, [f.sink.short() for f in r.findings]
    assert all(f.generated is None for f in r.findings)
    real_root = os.path.realpath(root)
    assert all(p.startswith(real_root + os.sep) for p in reads), reads
    return [n for n in r.notifications if n.reason.startswith("sourcemap")]


def set_comment(root: Path, url: str) -> None:
    app = root / "dist" / "app.js"
    code = app.read_text(encoding="utf-8").split("//# sourceMappingURL=")[0]
    app.write_text(code + "//# sourceMappingURL=" + url + "\n", encoding="utf-8")


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "file-url", "http", "protocol-relative", "symlink-comment",
                                  "symlink-beside"])
def test_map_outside_the_root_is_never_read(tmp_path, reads, kind):
    outside = write_outside_map(tmp_path)
    root = build(tmp_path)
    (root / "dist" / "app.js.map").unlink()
    url = {"dotdot": "../../outside/app.js.map", "absolute": str(outside), "file-url": outside.as_uri(),
           "http": "https://evil.example/app.js.map", "protocol-relative": "//evil.example/app.js.map",
           "symlink-comment": "link.map", "symlink-beside": None}[kind]
    if kind.startswith("symlink"):
        os.symlink(outside, root / "dist" / ("link.map" if kind == "symlink-comment" else "app.js.map"))
    if url is None:
        set_comment(root, "")
        app = root / "dist" / "app.js"
        app.write_text(app.read_text(encoding="utf-8").replace("//# sourceMappingURL=\n", ""), encoding="utf-8")
    else:
        set_comment(root, url)
    notes = hostile_scan(root, reads)
    assert [n.reason for n in notes] == ["sourcemap-refused"], notes
    assert notes[0].path == "dist/app.js" and "bundle positions" in notes[0].message
    assert reads == []


@pytest.mark.parametrize("body, why", [
    ("{not json", "not valid JSON"),
    ("[" * 5000 + "]" * 5000, "nested deeper"),
    ('{"version": 3, "sources": ["../src/checkout.js"], "mappings": "AAAA,C!AA"}', "invalid base64"),
    ('{"version": 3, "sources": ["../src/checkout.js"], "mappings": "AAAAg"}', "cut off"),
    ('{"version": 3, "sources": ["../src/checkout.js"], "mappings": "ACAA"}', "out of range"),
    ('{"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "url": "http://evil.example/x.map"}]}',
     "not followed"),
])
def test_broken_maps_give_a_notification_and_bundle_positions(tmp_path, reads, body, why):
    root = build(tmp_path)
    (root / "dist" / "app.js.map").write_text(body, encoding="utf-8")
    notes = hostile_scan(root, reads)
    assert [n.reason for n in notes] == ["sourcemap-error"] and why in notes[0].message, notes


def test_broken_data_url(tmp_path, reads):
    root = build(tmp_path, "data")
    set_comment(root, "data:application/json;base64,eyJ2ZXJzaW9uIjozLC!!!")
    notes = hostile_scan(root, reads)
    assert [n.reason for n in notes] == ["sourcemap-error"] and "base64" in notes[0].message


def test_huge_map_file_is_not_read(tmp_path, reads):
    root = build(tmp_path)
    with open(root / "dist" / "app.js.map", "r+b") as fh:  # sparse: over the cap without writing 64 MiB
        fh.truncate(mapfind.MAX_MAP_BYTES + 1)
    notes = hostile_scan(root, reads)
    assert [n.reason for n in notes] == ["sourcemap-error"] and "byte limit" in notes[0].message
    assert reads == []


def test_huge_data_url(tmp_path, reads, monkeypatch):
    monkeypatch.setattr(mapfind, "MAX_MAP_BYTES", 1000)
    root = build(tmp_path, "data")
    notes = hostile_scan(root, reads)
    assert [n.reason for n in notes] == ["sourcemap-error"] and "limit" in notes[0].message


@pytest.mark.parametrize("sources", [
    ["../../../../etc/passwd", "../../../../etc/passwd"],
    ["/etc/passwd", "/etc/hosts"],
    ["file:///etc/passwd", "file:///etc/hosts"],
    ["https://evil.example/checkout.js", "http://evil.example/tracking.js"],
    ["webpack://shop/../../etc/passwd", "webpack:///../x.js"],
])
def test_sources_outside_the_root_stay_at_bundle_positions(tmp_path, reads, sources):
    root = build(tmp_path)
    doc = json.loads((root / "dist" / "app.js.map").read_text(encoding="utf-8"))
    doc["sources"] = sources
    (root / "dist" / "app.js.map").write_text(json.dumps(doc), encoding="utf-8")
    notes = hostile_scan(root, reads)
    assert [n.reason for n in notes] == ["sourcemap-source-outside"], notes
    assert "2 source(s)" in notes[0].message and sources[0][:20] in notes[0].message


def test_only_files_with_findings_have_their_maps_read(tmp_path, reads):
    root = build(tmp_path)
    (root / "dist" / "other.js").write_text("var x = 1;\n//# sourceMappingURL=other.js.map\n")
    (root / "dist" / "other.js.map").write_text("{broken")
    r = scan([root])
    assert keys(r) == expected()
    assert [os.path.basename(p) for p in reads] == ["app.js.map"]
    assert not [n for n in r.notifications if n.path == "dist/other.js"]


# ------------------------------------------------------------------------------------------------ reports


def test_reports_carry_the_bundle_position(tmp_path):
    from analyzer.report import render

    root = build(tmp_path)
    r = scan([root])
    sarif = json.loads(render(r, "sarif"))
    for res in sarif["runs"][0]["results"]:
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("src/")
        gen = [x for x in res["relatedLocations"] if x["message"]["text"] == "generated position in the bundle"]
        assert len(gen) == 1 and gen[0]["physicalLocation"]["artifactLocation"]["uri"] == "dist/app.js"
        flow = res["codeFlows"][0]["threadFlows"][0]["locations"]
        assert all(x["location"]["physicalLocation"]["artifactLocation"]["uri"].startswith("src/") for x in flow)
    js = json.loads(render(r, "json"))
    assert all(f["generated"]["path"] == "dist/app.js" for f in js["findings"])
    text = render(r, "text")
    assert text.count("bundle       dist/app.js:1:") == len(expected())


def test_sarif_and_json_validate(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from analyzer.report import render

    r = scan([build(tmp_path, "index")])
    for name, schema_path in (("sarif", REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"),
                              ("json", REPO / "docs" / "formleak-report.schema.json")):
        if not schema_path.is_file():
            schema_path = Path("/work/shared/schemas/sarif-schema-2.1.0.json")
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        cls = jsonschema.validators.validator_for(schema)
        errors = list(cls(schema).iter_errors(json.loads(render(r, name))))
        assert not errors, [e.message for e in errors[:5]]


def test_output_is_deterministic(tmp_path):
    from analyzer.report import render

    a = render(scan([build(tmp_path / "a", keep_src=True)]), "sarif")
    b = render(scan([build(tmp_path / "b", keep_src=True)]), "sarif")
    assert a.replace(str(tmp_path / "a"), "X") == b.replace(str(tmp_path / "b"), "X")


def test_fingerprints_survive_a_rebuild_of_the_bundle(tmp_path):
    """Another wrapper and banner move every bundle column; the original file and line stay, and so do
    the fingerprints (they hash the original file, never a position)."""
    from analyzer.fingerprint import assign_fingerprints

    a = scan([build(tmp_path / "a")])
    root = build(tmp_path / "b")
    files = [(n, (SHOP / "src" / n).read_text(encoding="utf-8")) for n in SRC]
    code, segs = bundle(files, prefix="/*! v2 */!function(){\"use strict\";", suffix="}();")
    (root / "dist" / "app.js").write_text(code + "\n//# sourceMappingURL=app.js.map\n", encoding="utf-8")
    (root / "dist" / "app.js.map").write_text(json.dumps(make_map([f"../src/{n}" for n in SRC], segs)))
    b = scan([root])
    assert keys(a) == keys(b) == expected()
    assert sorted(f.generated.col for f in a.findings) != sorted(f.generated.col for f in b.findings)
    assign_fingerprints(a.findings)
    assign_fingerprints(b.findings)
    assert sorted(f.fingerprint for f in a.findings) == sorted(f.fingerprint for f in b.findings)
    # and a scan of the sources alone gives the same fingerprints (same file, function, rule, fields…)
    src_only = scan([SHOP])
    assign_fingerprints(src_only.findings)
    assert sorted(f.fingerprint for f in src_only.findings) == sorted(f.fingerprint for f in a.findings)


def test_a_lagging_map_puts_the_sink_on_the_next_line_that_names_its_api(tmp_path):
    """Parcel's maps can lag (seen after barrel re-exports it rewrote to `i.API_BASE`): each token maps to
    the original position of a token a few before it, so `img.src=` lands on the `new Image()` line above
    and `fetch(` on the `img.src` line. A sink mapped to a line that does not name its API moves to the
    next line (of three) that does; a correct map is never moved (the other tests of this file)."""
    src = ("var zip = document.getElementById('zip');\n"
           "zip.addEventListener('change', function () {\n"
           "  var img = new Image(1, 1);\n"
           "  img.src = '/p.gif?z=' + zip.value;\n"
           "  fetch('/api/zip?z=' + zip.value);\n"
           "});\n")
    code, segs = bundle([("zip.js", src)])
    lag = 3
    segs = [(gl, gc, s, *segs[max(0, i - lag)][3:]) for i, (gl, gc, s, _ol, _oc) in enumerate(segs)]
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "app.js").write_text(code + "\n//# sourceMappingURL=app.js.map\n", encoding="utf-8")
    (dist / "app.js.map").write_text(json.dumps(make_map(["../src/zip.js"], segs, contents=[src])), encoding="utf-8")
    r = scan([dist])
    assert sorted((f.sink.path, f.sink.line, f.sink_api) for f in r.findings) == [
        ("../src/zip.js", 4, "img.src"), ("../src/zip.js", 5, "fetch")]
    f = next(f for f in r.findings if f.sink_api == "fetch")
    assert f.sink_snippet == "fetch('/api/zip?z=' + zip.value);" and f.sink.col == 3
