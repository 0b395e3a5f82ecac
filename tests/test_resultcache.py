"""The whole-result cache (analyzer/resultcache.py): a re-scan of an unchanged tree returns the last
result without analysing anything, byte-identical; any change of input, option or code is a miss; corrupt
or hostile entries are ignored; results that depend on time or a failure are never stored."""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from analyzer import engine, resultcache, safeio

from analyzer.extract import workers
from analyzer.engine import scan
from analyzer.fingerprint import assign_fingerprints
from analyzer.report import render
from analyzer.rules import rules_dir
from helpers import copy_rules

LEAK = ("document.getElementById('{id}').addEventListener('blur', function (e) {{ "
        "fetch('/c?v=' + e.target.value); }});\n")


def _report(result, fmt: str = "json") -> str:
    assign_fingerprints(result.findings)
    return render(result, fmt)


def _project(root: Path) -> Path:
    root.mkdir()
    (root / "a.js").write_text(LEAK.format(id="email"))
    (root / "b.js").write_text("var x = 1;\n")
    (root / "index.html").write_text('<form><input id="phone"></form><script>' + LEAK.format(id="phone") +
                                     "</script>")
    return root


def _results(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.result"))


@pytest.fixture
def analysed(monkeypatch):
    """Scans that really ran the analysis (linking), by call."""
    seen: list[int] = []
    real = engine.Solver.run

    def counting(self):
        seen.append(1)
        return real(self)

    monkeypatch.setattr(engine.Solver, "run", counting)
    return seen


def test_a_warm_scan_of_an_unchanged_tree_is_the_cold_result(tmp_path, analysed):
    root = _project(tmp_path / "site")
    cache = tmp_path / "cache"
    cold = scan([root], cache_dir=cache)
    assert analysed == [1] and len(_results(cache)) == 1 and not cold.stats.get("result_cached")
    warm = scan([root], cache_dir=cache)
    assert analysed == [1]  # nothing was linked again
    assert warm.stats["result_cached"] is True
    for fmt in ("json", "sarif", "text"):
        assert _report(warm, fmt) == _report(cold, fmt)
    assert _report(warm) == _report(scan([root]))  # and the same as without any cache


def test_any_change_is_a_miss(tmp_path, analysed):
    root = _project(tmp_path / "site")
    cache = tmp_path / "cache"
    scan([root], cache_dir=cache)
    (root / "b.js").write_text(LEAK.format(id="email").replace("blur", "change"))  # content
    changed = scan([root], cache_dir=cache)
    assert len(analysed) == 2 and not changed.stats.get("result_cached")
    assert sorted(f.sink.path for f in changed.findings) == ["a.js", "b.js", "index.html"]
    assert _report(changed) == _report(scan([root]))
    (root / "c.js").write_text("var y = 2;\n")  # a new file
    scan([root], cache_dir=cache)
    (root / ".formleakignore").write_text("c.js\n")  # what discovery does
    scan([root], cache_dir=cache)
    scan([root], cache_dir=cache, origin="https://shop.example")  # an option
    scan([root], cache_dir=cache, budget_seconds=60)
    scan([root], cache_dir=cache, include_libraries=True)
    assert len(analysed) == 7
    scan([root], cache_dir=cache, origin="https://shop.example")
    assert len(analysed) == 7  # … and each of those is a hit the next time


def test_the_salt_covers_code_and_rules(tmp_path):
    src = rules_dir()
    copy = copy_rules(tmp_path)
    assert resultcache.result_salt(copy) == resultcache.result_salt(src)
    (copy / "fields.toml").write_bytes((copy / "fields.toml").read_bytes() + b"\n# changed\n")
    assert resultcache.result_salt(copy) != resultcache.result_salt(src)
    # every module of the package is in it, not only the extraction's (linking and findings change results)
    h_solve = Path(resultcache.__file__).with_name("link") / "solve.py"
    assert h_solve.exists()
    rc = resultcache.ResultCache(tmp_path, b"a")
    assert rc.key(["x"], [], [], {}) != resultcache.ResultCache(tmp_path, b"b").key(["x"], [], [], {})


def test_a_corrupt_or_hostile_entry_is_ignored_and_replaced(tmp_path, analysed):
    root = _project(tmp_path / "site")
    cache = tmp_path / "cache"
    cold = _report(scan([root], cache_dir=cache))
    (entry,) = _results(cache)
    entry.write_bytes(entry.read_bytes()[:-40])  # truncated
    assert _report(scan([root], cache_dir=cache)) == cold and len(analysed) == 2
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    head = entry.read_bytes().split(b"\n", 2)
    entry.write_bytes(head[0] + b"\n" + head[1] + b"\n" + pickle.dumps(Evil()))
    assert _report(scan([root], cache_dir=cache)) == cold and len(analysed) == 3
    assert not marker.exists()
    entry.write_bytes(head[0] + b"\n" + head[1] + b"\n" + pickle.dumps(["not", "a", "result"]))
    assert _report(scan([root], cache_dir=cache)) == cold and len(analysed) == 4
    scan([root], cache_dir=cache)
    assert len(analysed) == 4  # rebuilt: the next scan is a hit again


def test_results_that_depend_on_a_failure_are_not_stored(tmp_path, monkeypatch):
    root = _project(tmp_path / "site")
    cache = tmp_path / "cache"
    monkeypatch.setenv(workers.FAULT_ENV, "raise:a.js")
    r = scan([root], cache_dir=cache)
    assert "crashed" in {n.reason for n in r.notifications}
    assert _results(cache) == []
    monkeypatch.delenv(workers.FAULT_ENV)
    r = scan([root], cache_dir=cache)  # the hook is part of the key: not the faulty result
    assert "crashed" not in {n.reason for n in r.notifications} and len(_results(cache)) == 1


def test_entries_are_written_atomically(tmp_path, monkeypatch):
    root = _project(tmp_path / "site")
    cache = tmp_path / "cache"

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(safeio.os, "replace", failing_replace)  # where both caches write
    r = scan([root], cache_dir=cache)
    assert r.findings and _results(cache) == []
    assert not [p for p in cache.rglob("*") if p.is_file() and p.suffix == ".result" or ".tmp-" in p.name]


def test_without_a_cache_dir_or_opted_out_nothing_is_stored(tmp_path):
    root = _project(tmp_path / "site")
    cache = tmp_path / "cache"
    scan([root])
    scan([root], cache_dir=cache, result_cache=False)
    assert _results(cache) == []


def test_cli_warm_report_is_byte_identical(tmp_path, monkeypatch, capsys):
    from analyzer.cli import main

    root = _project(tmp_path / "site")
    mine = tmp_path / "mine"
    args = ["scan", str(root), "--jobs", "1", "--format", "sarif", "--no-progress", "--cache-dir", str(mine)]
    assert main(args) == 1
    cold = capsys.readouterr().out
    assert len(_results(mine)) == 1
    assert main(args) == 1
    assert capsys.readouterr().out == cold
    assert main(args[:-2] + ["--no-cache"]) == 1
    assert capsys.readouterr().out == cold
