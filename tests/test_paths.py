"""The path search (analyzer/paths.py): call-site matching, one pass for all sources, witness paths."""
from __future__ import annotations

from pathlib import Path

from analyzer.engine import scan
from analyzer.paths import search
from analyzer.program import EDGE_KIND, EDGE_PLAIN, HEAP, Program, Source


def _scan_js(tmp_path: Path, code: str):
    (tmp_path / "app.js").write_text(code, encoding="utf-8")
    return scan([tmp_path])


def _lines(result) -> list[tuple[int, str]]:
    return sorted((f.sink.line, f.sink_api) for f in result.findings)


NESTED = """\
function id1(x) { return x; }
function id2(x) { return id1(x); }
function id3(x) { return id2(x); }
function id4(x) { return id3(x); }
function id5(x) { return id4(x); }
document.getElementById('email').addEventListener('blur', function (e) {
  var v = id5(e.target.value);
  fetch('/capture?e=' + encodeURIComponent(v));
});
document.getElementById('coupon').addEventListener('click', function () {
  fetch('/coupon?c=' + id5('SPRING'));
});
"""


def test_returns_match_their_call_through_deep_helper_chains(tmp_path):
    # Five nested identity helpers: the blur handler's email comes back to the blur handler only. A search
    # that forgets calls past a fixed depth lets it return into the click handler's call too.
    r = _scan_js(tmp_path, NESTED)
    assert _lines(r) == [(8, "fetch")]
    (f,) = r.findings
    assert f.categories == ["email"] and f.trigger_names == ["blur"]
    assert f.steps[0].location.line == 7 and f.steps[-1].location.line == 8


SHARED_HELPER = """\
function send(path, payload) {
  navigator.sendBeacon(path, JSON.stringify(payload));
}
function wrap(v) { return { v: v }; }
document.getElementById('email').addEventListener('change', function () {
  send('/a', wrap(this.value));
});
document.getElementById('phone').addEventListener('input', function () {
  send('/b', wrap(this.value));
});
document.querySelector('form').addEventListener('submit', function () {
  send('/c', wrap(document.getElementById('name').value));
});
"""


def test_one_sink_reached_from_several_sources_keeps_each_trigger(tmp_path):
    (tmp_path / "index.html").write_text(
        '<form><input id="email" type="email"><input id="phone" type="tel"><input id="name" '
        'autocomplete="name"><button type="submit">Order</button></form><script src="app.js"></script>',
        encoding="utf-8")
    r = _scan_js(tmp_path, SHARED_HELPER)
    assert _lines(r) == [(2, "navigator.sendBeacon")]
    (f,) = r.findings
    assert f.categories == ["email", "phone"]  # the submit-only name is not a pre-submit leak
    assert f.trigger_names == ["change", "input"]


def _chain_program(n_sources: int, chain: int) -> tuple[Program, list[Source], dict[int, int], dict]:
    """n sources in their own handlers, all passed through one helper chain of `chain` nodes into a sink."""
    p = Program()
    helper_fid, top_fid = 1, 0
    param = p.node("param", "x", 0, 0, helper_fid)
    last = param
    for i in range(chain):
        nxt = p.node("var", f"t{i}", 0, i, helper_fid)
        p.graph.add_edges([(last, nxt)], EDGE_PLAIN)
        last = nxt
    ret = p.node("return", "ret", 0, 0, helper_fid)
    p.graph.add_edges([(last, ret)], EDGE_PLAIN)
    prop = p.node("prop", "queue", -1, -1, HEAP)
    sink = p.node("sink", "fetch", 0, 0, top_fid)
    p.graph.add_edges([(prop, sink)], EDGE_PLAIN)
    sources = []
    pre = {top_fid: frozenset({0})}
    for i in range(n_sources):
        fid = 10 + i
        pre[fid] = frozenset({1 + i})
        src = p.node("source", "value", 0, 100 + i, fid)
        res = p.node("call", "helper", 0, 200 + i, fid)
        p.graph.add_edges([(src, param)], EDGE_KIND["a"])
        p.arg_edge_calls[(src, param)] = {res}
        p.graph.add_edges([(ret, res)], EDGE_KIND["r"])
        p.graph.add_edges([(res, prop)], EDGE_PLAIN)
        sources.append(Source(src, 0, fid, 100 + i, 101 + i, (), "value", False, "x"))
    return p, sources, {sink: 0}, pre


def test_one_pass_for_all_sources_cost_does_not_multiply():
    # Every source enters the same helper: its body is explored once per trigger set, not per source.
    small = search(*_chain_program(20, 300))
    big = search(*_chain_program(40, 300))
    assert len(small.flows) == 20 and len(big.flows) == 40
    assert not small.truncated and not big.truncated
    # out of the heap, data takes the reader's triggers: the sink's function's
    assert {fl.triggers for fl in big.flows} == {frozenset({0})}
    # a per-source search would explore 40 x 300 helper states; the tabulation explores each helper state once
    # per entering trigger set (one per source here), plus a handful per source: linear in sources + chain
    assert big.states <= 40 * (300 + 8) + 50
    # returns match their call: each source's data comes back to its own call result only (made right
    # after its source node in _chain_program)
    prog = _chain_program(40, 300)[0]
    results = {n for n, k in enumerate(prog.kind) if k == "call"}
    for fl in big.flows:
        assert [n for n in fl.path if n in results] == [fl.source.nid + 1]


def test_state_cap_is_reported_not_silent():
    r = search(*_chain_program(3, 50), max_states=20)
    assert r.truncated


def test_witness_path_starts_at_the_source_and_ends_at_the_sink():
    prog, sources, sinks, pre = _chain_program(2, 5)
    r = search(prog, sources, sinks, pre)
    for fl in r.flows:
        assert fl.path[0] == fl.source.nid
        assert fl.path[-1] in sinks
        # consecutive path nodes are joined by graph edges
        for a, b in zip(fl.path, fl.path[1:]):
            assert b in prog.graph.succ[a]


def test_topological_ranks_agree_with_networkx_components():
    import random

    import networkx as nx

    from analyzer.paths import _topo_ranks

    for seed in range(100):
        rng = random.Random(seed)
        n = rng.randint(1, 60)
        succ = {i: {rng.randrange(n): None for _ in range(rng.randint(0, 3))} for i in range(n) if rng.random() < 0.9}
        ranks = _topo_ranks(succ)
        g = nx.DiGraph()
        g.add_nodes_from(succ)
        g.add_edges_from((a, b) for a, out in succ.items() for b in out)
        groups: dict[int, set] = {}
        for m, r in ranks.items():
            groups.setdefault(r, set()).add(m)
        assert {frozenset(v) for v in groups.values()} == {frozenset(c) for c in nx.strongly_connected_components(g)}
        assert all(ranks[a] <= ranks[b] for a, out in succ.items() for b in out)
