"""Parallel extraction: the same report for any --jobs and any order of the work; a worker that crashes,
hangs or raises loses that one file (reported) and the scan goes on."""
from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from analyzer import engine
from analyzer.engine import scan
from analyzer.extract.facts import UnitJob, extract_unit
from analyzer.fingerprint import assign_fingerprints
from analyzer.parse import Parsers
from analyzer.report import render
from analyzer.rulebook import RuleBook
from analyzer.extract.workers import FAULT_ENV, ExtractionPool
from helpers import scan_case

REPO = Path(__file__).resolve().parents[1]
CASES = sorted(p for p in (REPO / "fixtures" / "cases").iterdir() if p.is_dir())
DEMO = REPO / "fixtures" / "demo-shop"
LEAK = ("document.getElementById('{id}').addEventListener('blur', function (e) {{ "
        "fetch('/c?v=' + e.target.value); }});\n")


def _report(result) -> str:
    assign_fingerprints(result.findings)
    return render(result, "json")


@pytest.fixture(scope="module")
def pool():
    with ExtractionPool(2, RuleBook.load(), shuffle=7) as p:
        yield p


def test_every_fixture_gives_the_same_report_with_jobs_1_and_2(pool):
    # one pool for all cases (its batches in a shuffled order), each case's JSON report compared byte for
    # byte with the in-process scan's (which test_fixtures checks against the annotations)
    differ = [c.name for c in CASES + [DEMO] if _report(scan_case(c)) != _report(scan([c], pool=pool))]
    assert differ == []
    assert pool.restarts == 0


def test_worker_facts_are_the_in_process_facts_whatever_the_order(pool):
    rules = RuleBook.load()
    parsers = Parsers()
    jobs = []
    for c in CASES[:80]:
        for f in sorted(c.rglob("*.js")):
            jobs.append(UnitJob(len(jobs), f.relative_to(c).as_posix(), f.read_bytes(), "js", "script"))
    here = {j.index: pickle.dumps(extract_unit(j, rules, parsers)) for j in jobs}
    there = {job.index: (data if isinstance(data, bytes) else pickle.dumps(data)) for job, data, _ in pool.run(jobs)}
    assert there.keys() == here.keys()
    assert [i for i in here if _differ(pickle.loads(here[i]), pickle.loads(there[i]))] == []


def _differ(a, b) -> bool:
    from test_facts import _first_difference

    from analyzer.link.merge import unpack

    if replace(a, seconds=0, parse_seconds=0, facts=None) != replace(b, seconds=0, parse_seconds=0, facts=None):
        return True
    return (a.facts is None) != (b.facts is None) or (
        a.facts is not None and _first_difference(unpack(a.facts), unpack(b.facts)) is not None)


def _project(tmp_path: Path) -> Path:
    for name in ("a.js", "b.js", "c.js"):
        (tmp_path / name).write_text(LEAK.format(id="email"))
    return tmp_path


def _sinks(result):
    return sorted((f.sink.path, f.sink.line) for f in result.findings)


def test_a_worker_that_dies_loses_only_its_file(tmp_path, monkeypatch):
    root = _project(tmp_path)
    monkeypatch.setenv(FAULT_ENV, "crash:b.js")
    r = scan([root], jobs=2)
    assert [(n.path, n.reason) for n in r.notifications] == [("b.js", "crashed")]
    assert _sinks(r) == [("a.js", 1), ("c.js", 1)]
    assert r.complete is False and "b.js" not in r.files_scanned


def test_a_fatal_signal_in_a_worker_is_reported_as_a_crash(tmp_path, monkeypatch):
    root = _project(tmp_path)
    monkeypatch.setenv(FAULT_ENV, "segv:a.js")
    r = scan([root], jobs=2)
    assert [(n.path, n.reason) for n in r.notifications] == [("a.js", "crashed")]
    assert _sinks(r) == [("b.js", 1), ("c.js", 1)]


def test_a_parse_that_never_returns_is_stopped_at_the_budget(tmp_path, monkeypatch):
    root = _project(tmp_path)
    monkeypatch.setenv(FAULT_ENV, "hang:c.js")
    r = scan([root], jobs=2, budget_seconds=0.5)
    assert [(n.path, n.reason) for n in r.notifications] == [("c.js", "budget")]
    assert _sinks(r) == [("a.js", 1), ("b.js", 1)]


def test_two_faulty_files_in_one_scan(tmp_path, monkeypatch):
    root = _project(tmp_path)
    (root / "d.js").write_text(LEAK.format(id="phone"))
    monkeypatch.setenv(FAULT_ENV, "crash:a.js,hang:d.js")
    r = scan([root], jobs=2, budget_seconds=0.5)
    assert [(n.path, n.reason) for n in r.notifications] == [("a.js", "crashed"), ("d.js", "budget")]
    assert _sinks(r) == [("b.js", 1), ("c.js", 1)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_exception_in_extraction_drops_that_files_facts(tmp_path, monkeypatch, jobs):
    root = _project(tmp_path)
    monkeypatch.setenv(FAULT_ENV, "raise:a.js")
    r = scan([root], jobs=jobs)
    assert [(n.path, n.reason) for n in r.notifications] == [("a.js", "crashed")]
    assert "the extract stage failed on this file (RuntimeError: test fault in a.js)" in r.notifications[0].message
    assert _sinks(r) == [("b.js", 1), ("c.js", 1)]


def test_jobs_1_never_starts_a_worker(tmp_path, monkeypatch):
    def no_pool(*a, **kw):
        raise AssertionError("a pool was started")

    monkeypatch.setattr("analyzer.extract.workers.ExtractionPool", no_pool)
    assert _sinks(scan([_project(tmp_path)], jobs=1)) == [("a.js", 1), ("b.js", 1), ("c.js", 1)]


def test_batches_keep_big_units_alone_and_the_biggest_first():
    jobs = [UnitJob(i, f"{i}.js", b"x" * size, "js", "script")
            for i, size in enumerate([10, 900_000, 20, 600_000, 30])]
    batches = ExtractionPool.batches(jobs)
    assert [[j.index for j in b] for b in batches] == [[1], [3], [4, 2, 0]]


def test_cli_jobs_option(tmp_path, capsys):
    from analyzer.cli import main

    root = _project(tmp_path)
    outs = []
    for n in ("1", "2"):
        assert main(["scan", str(root), "--jobs", n, "--no-cache", "--format", "json", "--no-progress"]) == 1
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    assert main(["scan", str(root), "--jobs", "0"]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err


def test_the_engine_default_is_in_process():
    import inspect

    assert inspect.signature(engine.scan).parameters["jobs"].default == 1
