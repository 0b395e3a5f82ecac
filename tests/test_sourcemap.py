"""analyzer.bundle.sourcemap: the Source Map v3 decoder, against our own encoder (tests/mapgen.py) and hostile input."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.bundle.sourcemap import MAX_DEPTH, MapError, Mapping, Positions, decode_vlq, parse
from tests.mapgen import encode_mappings, encode_vlq, make_map

# ------------------------------------------------------------------------------------------------ VLQ


@pytest.mark.parametrize("text, values", [
    ("A", [0]), ("C", [1]), ("D", [-1]), ("gB", [16]), ("hB", [-16]), ("AAgBC", [0, 0, 16, 1]),
    ("2HwcrxB", [123, 456, -789]), ("+/////D", [2 ** 31 - 1]), ("//////D", [-(2 ** 31 - 1)]),
])
def test_vlq_known_values(text, values):
    assert decode_vlq(text) == values


@pytest.mark.parametrize("text, why", [
    ("g", "cut off"), ("A!", "invalid base64"), ("A=", "invalid base64"), ("gggggggB", "longer than 32"),
    ("//////f", "32-bit"),
])
def test_vlq_broken(text, why):
    with pytest.raises(MapError, match=why):
        decode_vlq(text)


@given(st.lists(st.integers(min_value=-(2 ** 31 - 1), max_value=2 ** 31 - 1), max_size=20))
def test_vlq_round_trip(values):
    assert decode_vlq("".join(encode_vlq(v) for v in values)) == values


# ------------------------------------------------------------------------------------------------ maps


def test_segments_of_1_4_and_5_fields_sources_names_contents():
    segs = [(0, 0, 0, 0, 0), (0, 5), (0, 9, 1, 3, 2, 0), (2, 1, 0, 7, 4)]
    doc = make_map(["a.js", None], segs, contents=["let a;", None], names=["emailInput"], file="out.js")
    m = parse(json.dumps(doc))
    assert list(m.segments()) == [(0, 0, 0, 0, 0, -1), (0, 5, -1, 0, 0, -1), (0, 9, 1, 3, 2, 0),
                                  (2, 1, 0, 7, 4, -1)]
    assert m.sources == ("a.js", None) and m.sources_content == ("let a;", None) and m.file == "out.js"
    assert m.lookup(0, 0) == Mapping(0, "a.js", 0, 0, None)
    assert m.lookup(0, 4) == Mapping(0, "a.js", 0, 0, None)  # greatest lower bound
    assert m.lookup(0, 5) is None and m.lookup(0, 8) is None  # a 1-field segment maps to nothing
    assert m.lookup(0, 9) == Mapping(1, None, 3, 2, "emailInput")
    assert m.lookup(0, 10_000) == Mapping(1, None, 3, 2, "emailInput")
    assert m.lookup(1, 0) is None  # a line with no segment
    assert m.lookup(2, 0) is None and m.lookup(2, 1).line == 7  # no segment before column 1 on line 2
    assert m.lookup(3, 0) is None and m.lookup(-1, 0) is None and m.lookup(0, -1) is None
    assert m.generated_lines == 3 and len(m) == 4


def test_name_at_reads_the_original_identifier_when_the_map_names_none():
    """webpack's concatenation leaves renamed declarations without a name index: the identifier at the
    segment's original position in sourcesContent is the name; columns there are UTF-16 code units."""
    content = "export function watch(source) {}\nconst s = '\U0001F600', phone = 1;\nfoo.bar"
    segs = [(0, 0, 0, 0, 0), (0, 9, 0, 0, 16), (0, 12, 0, 0, 18), (0, 20, 0, 0, 7, 0), (0, 30, 0, 1, 16),
            (0, 40, 0, 1, 18), (0, 50, 1, 0, 0), (0, 60, 0, 2, 3), (0, 70, 0, 9, 0)]
    doc = make_map(["a.js", "b.js"], segs, contents=[content, None], names=["kept"])
    m = parse(json.dumps(doc))
    assert m.name_at(0, 9) == "watch"  # no name index: the original text
    assert m.name_at(0, 12) is None  # the middle of `watch`
    assert m.name_at(0, 20) == "kept"  # the map's own name wins
    assert m.name_at(0, 30) == "phone"  # after an emoji: 2 UTF-16 units, 1 code point
    assert m.name_at(0, 40) is None  # the middle of `phone`
    assert m.name_at(0, 50) is None  # no sourcesContent for b.js
    assert m.name_at(0, 60) is None  # `.` is no identifier start
    assert m.name_at(0, 70) is None  # an original line past the content
    assert m.name_at(0, 10) is None  # no segment starts there


def test_source_root_is_joined_and_source_at():
    m = parse(json.dumps(make_map(["a.js", "https://cdn.example/x.js", "/abs.js"],
                                  [(0, 0, 0, 0, 0), (0, 10, 1, 0, 0), (0, 20, 2, 0, 0)], source_root="../src")))
    assert m.source_at(0, 3) == "../src/a.js"
    assert m.source_at(0, 12) == "https://cdn.example/x.js"  # an absolute URL is not prefixed
    assert m.source_at(0, 25) == "/abs.js"
    m2 = parse(json.dumps(make_map(["a.js"], [(0, 0, 0, 0, 0)], source_root="webpack:///")))
    assert m2.source_at(0, 0) == "webpack:///a.js"


def test_source_of_range_names_the_module_by_most_segments():
    # a bundle line: [runtime 0..9] [axios 10..49] [shop 50..]
    segs = [(0, 0), (0, 10, 0, 0, 0), (0, 20, 0, 1, 0), (0, 30, 0, 2, 0), (0, 40, 1, 0, 0),
            (0, 50, 1, 1, 0), (0, 60, 1, 2, 0), (1, 0, 1, 3, 0)]
    m = parse(json.dumps(make_map(["../node_modules/axios/lib/axios.js", "../src/app.js"], segs)))
    assert m.source_of_range((0, 10), (0, 45)) == "../node_modules/axios/lib/axios.js"
    assert m.source_of_range((0, 50), (1, 5)) == "../src/app.js"
    assert m.source_of_range((0, 0), (0, 9)) is None
    assert m.source_of_range((0, 25), (0, 25)) is None
    assert m.source_at(0, 45) == "../src/app.js" and m.source_at(0, 5) is None


def test_xssi_prefix_bom_and_empty_segments_tolerated():
    body = json.dumps(make_map(["a.js"], [(0, 0, 0, 0, 0), (0, 4, 0, 1, 0)])).replace('"mappings": "AAAA,IACA"',
                                                                                     '"mappings": "AAAA,,IACA,"')
    assert ",," in body
    m = parse((")]}'\n" + body).encode("utf-8"))
    assert m.lookup(0, 5).line == 1
    assert parse(b"\xef\xbb\xbf" + body.encode()).lookup(0, 0).line == 0


def test_columns_going_backwards_are_sorted():
    doc = {"version": 3, "sources": ["a.js"], "names": [], "mappings": "UAAA,LACA"}  # col 10, then 10-5=5
    m = parse(json.dumps(doc))
    assert [s[1] for s in m.segments()] == [5, 10]
    assert m.lookup(0, 7).line == 1 and m.lookup(0, 12).line == 0


def test_index_map_sections_with_offsets():
    a = make_map(["a.js"], [(0, 0, 0, 0, 0), (0, 6, 0, 1, 2)], names=[], contents=["A"])
    b = make_map(["b.js"], [(0, 0, 0, 5, 0, 0), (1, 3, 0, 6, 1)], names=["track"], source_root="lib/")
    doc = {"version": 3, "file": "out.js", "sections": [
        {"offset": {"line": 0, "column": 0}, "map": a},
        {"offset": {"line": 2, "column": 10}, "map": b},
    ]}
    m = parse(json.dumps(doc))
    assert m.sources == ("a.js", "lib/b.js") and m.sources_content == ("A", None) and m.names == ("track",)
    assert m.lookup(0, 7) == Mapping(0, "a.js", 1, 2, None)
    assert m.lookup(2, 5) is None  # before the section's column offset nothing of the section above bleeds in
    assert m.lookup(2, 10) == Mapping(1, "lib/b.js", 5, 0, "track")
    assert m.lookup(3, 3) == Mapping(1, "lib/b.js", 6, 1, None)  # the column offset only shifts line 0
    assert m.source_at(3, 100) == "lib/b.js"


def test_index_map_overlap_next_section_wins():
    a = make_map(["a.js"], [(0, 0, 0, 0, 0), (0, 50, 0, 9, 0)])
    b = make_map(["b.js"], [(0, 0, 0, 0, 0)])
    m = parse(json.dumps({"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "map": a},
                                                       {"offset": {"line": 0, "column": 20}, "map": b}]}))
    assert m.source_at(0, 60) == "b.js" and m.source_at(0, 10) == "a.js"


@pytest.mark.parametrize("doc, why", [
    ("[]", "not a JSON object"),
    ("{", "not valid JSON"),
    ('{"version": 2, "sources": [], "mappings": ""}', "version"),
    ('{"version": 3, "mappings": ""}', "no `sources`"),
    ('{"version": 3, "sources": "a.js", "mappings": ""}', "not an array"),
    ('{"version": 3, "sources": [1], "mappings": ""}', "holds a int"),
    ('{"version": 3, "sources": ["a"], "names": [null], "mappings": ""}', "holds a NoneType"),
    ('{"version": 3, "sources": ["a"]}', "no `mappings`"),
    ('{"version": 3, "sources": ["a"], "mappings": "AAAA", "sourceRoot": 5}', "sourceRoot"),
    ('{"version": 3, "sources": ["a"], "mappings": "AA"}', "2 fields"),
    ('{"version": 3, "sources": ["a"], "mappings": "AAAAAA"}', "6 fields"),
    ('{"version": 3, "sources": ["a"], "mappings": "ACAA"}', "source index 1 out of range"),
    ('{"version": 3, "sources": ["a"], "mappings": "AAAAC"}', "name index 1 out of range"),
    ('{"version": 3, "sources": ["a"], "mappings": "AADA"}', "negative original"),
    ('{"version": 3, "sources": ["a"], "mappings": "D"}', "negative generated column"),
    ('{"version": 3, "sources": ["a"], "mappings": "AA!A"}', "invalid base64"),
    ('{"version": 3, "sections": {}}', "`sections` is not an array"),
    ('{"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "url": "x.map"}]}', "not followed"),
    ('{"version": 3, "sections": [{"offset": {"line": -1, "column": 0}, "map": {}}]}', "offset line"),
    ('{"version": 3, "sections": [{"offset": {"line": true, "column": 0}, "map": {}}]}', "offset line"),
    ('{"version": 3, "sections": [{"offset": {"line": 1, "column": 0}, "map": {"version": 3, "sources": [], '
     '"mappings": ""}}, {"offset": {"line": 0, "column": 0}, "map": {}}]}', "before the section"),
    ('{"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "map": {"version": 3, "sections": []}}]}',
     "index map inside"),
])
def test_broken_maps_are_map_errors(doc, why):
    with pytest.raises(MapError, match=why):
        parse(doc)


def test_deep_json_is_refused_before_json_loads():
    with pytest.raises(MapError, match="nested deeper"):
        parse("[" * 100_000 + "]" * 100_000)
    with pytest.raises(MapError, match="nested deeper"):
        parse('{"version": 3, "sources": [], "mappings": "", "x": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}")
    # brackets inside strings do not count
    m = parse(json.dumps({"version": 3, "sources": ["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[.js"], "mappings": "AAAA"}))
    assert m.source_at(0, 0).startswith("[[[")


def test_size_cap_and_encoding():
    with pytest.raises(MapError, match="over the 100 byte limit"):
        parse(b" " * 101, max_bytes=100)
    with pytest.raises(MapError, match="not UTF-8"):
        parse(b'{"version": 3, "sources": ["\xff"], "mappings": ""}')
    with pytest.raises(MapError, match="bytes or text"):
        parse(12)  # type: ignore[arg-type]


def test_positions_are_utf16_columns():
    data = "a\n𝒳é = fetch(x)\n".encode("utf-8")
    p = Positions(data)
    assert p.point(0) == (0, 0)
    off = data.index(b"fetch")
    assert p.point(off) == (1, 6)  # 𝒳 is two UTF-16 code units, é one, then ' = '


# ------------------------------------------------------------------------------------------------ properties

_segment = st.tuples(st.integers(0, 6), st.integers(0, 300), st.integers(0, 3), st.integers(0, 500),
                     st.integers(0, 200), st.integers(-1, 2), st.booleans())


def _norm(raw):
    """Sorted, unique positions; a segment is 1-field (bool) or 4/5-field (name -1 = none)."""
    by_pos = {}
    for gl, gc, s, ol, oc, nm, unmapped in raw:
        by_pos.setdefault((gl, gc), (gl, gc) if unmapped else (gl, gc, s, ol, oc) if nm < 0 else (gl, gc, s, ol, oc, nm))
    return [by_pos[k] for k in sorted(by_pos)]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_segment, max_size=60))
def test_encode_decode_round_trip(raw):
    segs = _norm(raw)
    m = parse(json.dumps(make_map(["a", "b", "c", "d"], segs, names=["n0", "n1", "n2"])))
    got = list(m.segments())
    want = [(s[0], s[1], -1, 0, 0, -1) if len(s) == 2 else (s[0], s[1], s[2], s[3], s[4], s[5] if len(s) == 6 else -1)
            for s in segs]
    assert got == want
    # every segment is found by its own position, and GLB between segments
    for s in segs:
        hit = m.lookup(s[0], s[1])
        if len(s) == 2:
            assert hit is None
        else:
            assert (hit.source_index, hit.line, hit.column) == (s[2], s[3], s[4])


@settings(max_examples=200)
@given(st.lists(_segment, min_size=1, max_size=60), st.integers(0, 6))
def test_lookup_is_greatest_lower_bound_and_monotone(raw, line):
    segs = _norm(raw)
    m = parse(json.dumps(make_map(["a", "b", "c", "d"], segs, names=["n0", "n1", "n2"])))
    on_line = [s for s in segs if s[0] == line]
    last_seg = None
    for col in range(0, 310):
        hit = m.lookup(line, col)
        before = [s for s in on_line if s[1] <= col]
        glb = before[-1] if before else None
        if glb is None or len(glb) == 2:
            assert hit is None
        else:
            assert (hit.line, hit.column) == (glb[3], glb[4])
        # monotone: the segment chosen never moves left as the column grows
        if glb is not None:
            assert last_seg is None or glb[1] >= last_seg[1]
            last_seg = glb


_json_noise = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["version", "sources", "mappings", "names", "sourcesContent", "sourceRoot", "sections",
                         "offset", "line", "column", "map", "url", "file"]), inner, max_size=6),
    max_leaves=30)


@settings(max_examples=400)
@given(st.binary(max_size=300))
def test_random_bytes_only_map_errors(data):
    try:
        parse(data)
    except MapError:
        pass


@settings(max_examples=400)
@given(_json_noise)
def test_random_json_only_map_errors(doc):
    try:
        m = parse(json.dumps(doc))
    except MapError:
        return
    m.lookup(0, 0)
    m.source_of_range((0, 0), (5, 5))


@settings(max_examples=300)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/,;!= ", max_size=80),
       st.integers(0, 3), st.integers(0, 2))
def test_random_mappings_only_map_errors(mappings, n_sources, n_names):
    doc = {"version": 3, "sources": ["s"] * n_sources, "names": ["n"] * n_names, "mappings": mappings}
    try:
        m = parse(json.dumps(doc))
    except MapError:
        return
    for gl, gc, s, _ol, _oc, nm in m.segments():
        assert gc >= 0 and -1 <= s < n_sources and -1 <= nm < n_names
        m.lookup(gl, gc)


@settings(max_examples=100)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40)), max_size=8, unique=True))
def test_random_index_maps(offsets):
    offsets = sorted(offsets)
    sections = [{"offset": {"line": l, "column": c},
                 "map": make_map([f"s{i}.js"], [(0, 0, 0, i, 0), (1, 2, 0, i + 1, 0)])}
                for i, (l, c) in enumerate(offsets)]
    m = parse(json.dumps({"version": 3, "sections": sections}))
    for i, (l, c) in enumerate(offsets):
        hit = m.lookup(l, c)  # each section's first segment is found at its offset
        assert hit is not None and (hit.source, hit.line) == (f"s{i}.js", i)
        nxt = offsets[i + 1] if i + 1 < len(offsets) else None
        second = m.lookup(l + 1, 2)
        if nxt is None or nxt > (l + 1, 2):  # its second segment survives unless the next section starts first
            assert (second.source, second.line) == (f"s{i}.js", i + 1)
        else:
            assert second is None or second.source != f"s{i}.js"


def test_lookup_span_skips_code_the_bundler_wrote():
    # generated: `(0,r.post)(u,d)` at col 10; the bundler's `(0,` has no segment, `r` maps to axios at 5:3;
    # the previous statement's last segment (col 2) maps to line 3
    m = parse(json.dumps(make_map(["a.js"], [(0, 2, 0, 2, 0), (0, 13, 0, 4, 2), (0, 15, 0, 4, 8), (0, 30, 0, 9, 0)])))
    assert m.lookup(0, 10).line == 2  # greatest lower bound: the statement before
    assert m.lookup_span(0, 10, 0, 25) == Mapping(0, "a.js", 4, 2, None)
    assert m.lookup_span(0, 13, 0, 25).column == 2  # a segment right at the start wins
    assert m.lookup_span(0, 16, 0, 25).line == 4 and m.lookup_span(0, 16, 0, 25).column == 8  # none inside: GLB
    assert m.lookup_span(0, 20, 0, 29).line == 4  # nothing inside the range: GLB
    assert m.lookup_span(0, 20, 1, 0).line == 9  # the range runs on past the line: first segment after
    assert m.lookup_span(5, 0, 5, 9) is None


def test_ignore_list():
    doc = make_map(["src/a.js", "node_modules/axios/index.js", "x.js"], [(0, 0, 0, 0, 0)])
    doc["ignoreList"] = [1, 7, -1, True, "2"]  # invalid entries are left out
    assert parse(json.dumps(doc)).ignore_list == frozenset({1})
    del doc["ignoreList"]
    doc["x_google_ignoreList"] = [2]
    m = parse(json.dumps(doc))
    assert m.ignore_list == frozenset({2})
    idx = {"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "map": doc},
                                      {"offset": {"line": 1, "column": 0}, "map": dict(doc, x_google_ignoreList=[0])}]}
    assert parse(json.dumps(idx)).ignore_list == frozenset({2, 3})


def test_line_and_segment_caps(monkeypatch):
    import analyzer.bundle.sourcemap as sm

    monkeypatch.setattr(sm, "MAX_LINES", 10)
    monkeypatch.setattr(sm, "MAX_SEGMENTS", 5)
    with pytest.raises(MapError, match="over 10 generated lines"):
        parse(json.dumps({"version": 3, "sources": [], "mappings": ";" * 10}))
    with pytest.raises(MapError, match="over 5 segments"):
        parse(json.dumps({"version": 3, "sources": ["a"], "mappings": "A,C,C,C,C,C"}))
    sec = {"offset": {"line": 10, "column": 0}, "map": make_map(["a"], [(0, 0, 0, 0, 0)])}
    with pytest.raises(MapError, match="starts past line 10"):
        parse(json.dumps({"version": 3, "sections": [sec]}))
    sec = {"offset": {"line": 8, "column": 0}, "map": make_map(["a"], [(0, 0, 0, 0, 0), (3, 0, 0, 0, 0)])}
    with pytest.raises(MapError, match="maps past line 10"):
        parse(json.dumps({"version": 3, "sections": [sec]}))
    many = [{"offset": {"line": i, "column": 0}, "map": make_map(["a"], [(0, 0, 0, 0, 0)])} for i in range(4)]
    with pytest.raises(MapError, match="over 5 segments"):  # a sentinel per section counts too
        parse(json.dumps({"version": 3, "sections": many}))


def test_huge_offsets_do_not_hang():
    sec = {"offset": {"line": 2 ** 31 - 1, "column": 0}, "map": make_map(["a"], [(0, 0, 0, 0, 0)])}
    with pytest.raises(MapError, match="starts past line"):
        parse(json.dumps({"version": 3, "sections": [sec]}))
