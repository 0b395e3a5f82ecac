"""The vectorised witness sweep (analyzer/sweep.py) is the plain breadth-first sweep (paths._sweep), node
for node: same next hop for every node it reaches, so the same witness paths."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analyzer.engine as engine
from analyzer.paths import _sweep
from analyzer.sweep import VectorSweeps, available

pytestmark = pytest.mark.skipif(not available(), reason="numpy is not installed")
REPO = Path(__file__).resolve().parents[1]


def _graph(seed: int, n: int, degree: int, n_bits: int):
    rng = random.Random(seed)
    ids = rng.sample(range(10 * n), n)  # macro node ids are sparse state indices
    rev: dict[int, list[int]] = {}
    for m2 in ids:
        outs = rng.sample(ids, rng.randint(0, min(degree, n)))
        if outs or rng.random() < 0.5:
            rev[m2] = outs
    bits = {m: rng.getrandbits(n_bits) for m in ids if rng.random() < 0.9}
    return rng, ids, rev, bits


def _chain(nxt, m):
    out = []
    while m != -1:
        out.append(m)
        m = nxt[m]
    return out


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10**9), n=st.integers(1, 60), degree=st.integers(0, 8), n_bits=st.integers(1, 5))
def test_vector_sweep_equals_plain_sweep(seed, n, degree, n_bits):
    rng, ids, rev, bits = _graph(seed, n, degree, n_bits)
    vs = VectorSweeps(rev, bits)
    for _ in range(4):
        hb = rng.getrandbits(n_bits) or 1
        seeds = [rng.choice(ids) for _ in range(rng.randint(0, 4))]
        # every node as a start: no early stop, the whole next-hop map must agree
        plain = _sweep(rev, bits, seeds, hb, set(ids))
        vec = vs.sweep(seeds, hb, set(ids))
        assert {m for m in ids if m in vec} == set(plain)
        assert all(vec[m] == plain[m] for m in plain)
        # a few starts: both may stop early, but the paths from the starts they reach are the same
        starts = {m for m in rng.sample(ids, min(3, len(ids))) if m in plain}
        plain = _sweep(rev, bits, seeds, hb, set(starts))
        vec = vs.sweep(seeds, hb, set(starts))
        for m in starts:
            assert _chain(vec, m) == _chain(plain, m)


def test_reports_are_identical_with_the_vectorised_sweep(monkeypatch):
    """Every path search of a sample of fixture scans, run both ways on the same program: same flows."""
    original = engine.search
    compared = []

    def both(prog, sources, sink_nodes, pre):
        plain = original(prog, sources, sink_nodes, pre, vector_min_edges=10**12)
        vec = original(prog, sources, sink_nodes, pre, vector_min_edges=0)
        assert vec == plain
        assert [f.path for f in vec.flows] == [f.path for f in plain.flows]
        compared.append(len(plain.flows))
        return plain

    monkeypatch.setattr(engine, "search", both)
    cases = sorted(p for p in (REPO / "fixtures" / "cases").iterdir() if p.is_dir())[::6]
    for case in cases + [REPO / "fixtures" / "demo-shop"]:
        engine.scan([case])
    assert sum(compared) > 30  # the sample has flows to compare


def test_switching_to_the_vectorised_sweep_midway_keeps_every_path(monkeypatch):
    """The default policy sweeps plainly until the plain sweeps have paid for the arrays, then switches:
    forced here after the first sweep of every search, the flows and witness paths are the plain ones."""
    import analyzer.paths as paths

    original = engine.search
    switched = []

    def both(prog, sources, sink_nodes, pre):
        plain = original(prog, sources, sink_nodes, pre, vector_min_edges=10**12)
        plain_paths = [f.path for f in plain.flows]
        monkeypatch.setattr(paths, "VECTOR_PAYBACK", 0)
        monkeypatch.setattr(paths, "VECTOR_MIN_PAYBACK_EDGES", 0)
        mixed = original(prog, sources, sink_nodes, pre)
        assert mixed == plain
        assert [f.path for f in mixed.flows] == plain_paths
        if mixed.flows:
            switched.append(mixed.flows[0].search.sweeps is not None or len(mixed.flows[0].search.nexts) < 2)
        monkeypatch.undo()
        monkeypatch.setattr(engine, "search", both)
        return plain

    monkeypatch.setattr(engine, "search", both)
    cases = sorted(p for p in (REPO / "fixtures" / "cases").iterdir() if p.is_dir())[3::6]
    for case in cases + [REPO / "fixtures" / "demo-shop"]:
        engine.scan([case])
    assert switched and all(switched)
