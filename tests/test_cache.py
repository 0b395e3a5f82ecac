"""The warm cache of per-file facts: a re-scan extracts only what changed, gives the same report, survives
corrupt entries, never executes what it reads, and writes atomically. (These tests look at the facts layer
alone: `result_cache=False` keeps the whole-result cache, tests/test_resultcache.py, out of the way.)"""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from analyzer.extract import factcache

from analyzer.extract import workers
from analyzer.engine import scan
from analyzer.extract.facts import UnitJob
from analyzer.fingerprint import assign_fingerprints
from analyzer.report import render
from analyzer.rules import rules_dir
from helpers import copy_rules

LEAK = ("document.getElementById('{id}').addEventListener('blur', function (e) {{ "
        "fetch('/c?v=' + e.target.value); }});\n")


def _report(result) -> str:
    assign_fingerprints(result.findings)
    return render(result, "json")


def _project(root: Path) -> Path:
    root.mkdir()
    (root / "a.js").write_text(LEAK.format(id="email"))
    (root / "b.js").write_text("var x = 1;\n")
    (root / "index.html").write_text('<form><input id="phone"></form><script>' + LEAK.format(id="phone") +
                                     "</script>")
    return root


@pytest.fixture
def extracted(monkeypatch):
    """The units extracted (not taken from the cache), by file."""
    seen: list[str] = []
    real = workers.extract_unit

    def counting(job, *a, **kw):
        seen.append(job.rel)
        return real(job, *a, **kw)

    monkeypatch.setattr(workers, "extract_unit", counting)
    return seen


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.facts"))


def test_a_warm_rescan_extracts_only_the_changed_file(tmp_path, extracted):
    root = _project(tmp_path / "site")
    cache = tmp_path / "cache"
    cold = scan([root], cache_dir=cache, result_cache=False)
    assert sorted(extracted) == ["a.js", "b.js", "index.html"] and cold.stats["facts_cached"] == 0
    assert len(_entries(cache)) == 3
    extracted.clear()
    warm = scan([root], cache_dir=cache, result_cache=False)
    assert extracted == [] and warm.stats["facts_cached"] == 3 and warm.stats["facts_extracted"] == 0
    assert _report(warm) == _report(cold)
    (root / "b.js").write_text(LEAK.format(id="email").replace("blur", "change"))
    changed = scan([root], cache_dir=cache, result_cache=False)
    assert extracted == ["b.js"] and changed.stats["facts_cached"] == 2
    assert sorted(f.sink.path for f in changed.findings) == ["a.js", "b.js", "index.html"]
    assert _report(changed) == _report(scan([root]))  # the same as without any cache


def test_a_warm_scan_with_jobs_starts_no_worker(tmp_path, monkeypatch):
    root = _project(tmp_path / "site")
    cache = tmp_path / "cache"
    cold = _report(scan([root], cache_dir=cache, jobs=2))

    def no_pool(*a, **kw):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(workers, "ExtractionPool", no_pool)
    assert _report(scan([root], cache_dir=cache, jobs=2)) == cold


def test_a_corrupt_entry_is_ignored_and_rebuilt(tmp_path, extracted):
    root = _project(tmp_path / "site")
    cache = tmp_path / "cache"
    cold = _report(scan([root], cache_dir=cache, result_cache=False))
    entries = _entries(cache)
    entries[0].write_bytes(entries[0].read_bytes()[:-40])  # truncated
    entries[1].write_bytes(b"garbage")
    extracted.clear()
    assert _report(scan([root], cache_dir=cache, result_cache=False)) == cold
    assert len(extracted) == 2
    extracted.clear()
    scan([root], cache_dir=cache, result_cache=False)
    assert extracted == []  # rebuilt: the next scan reads them all


def test_an_entry_is_never_executed(tmp_path, extracted):
    root = _project(tmp_path / "site")
    cache = tmp_path / "cache"
    cold = _report(scan([root], cache_dir=cache, result_cache=False))
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    entry = _entries(cache)[0]
    head = entry.read_bytes().split(b"\n", 2)
    entry.write_bytes(head[0] + b"\n" + head[1] + b"\n" + pickle.dumps(Evil()))
    extracted.clear()
    assert _report(scan([root], cache_dir=cache, result_cache=False)) == cold
    assert not marker.exists() and len(extracted) == 1


def test_entries_are_written_atomically(tmp_path, monkeypatch):
    salt = factcache.cache_salt(rules_dir())
    fc = factcache.FactCache(tmp_path, salt)
    job = UnitJob(0, "a.js", b"var a = 1;", "js", "script")
    key = fc.key(job)

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(factcache.os, "replace", failing_replace)
    fc.put(key, b"x" * 100)
    assert list(tmp_path.rglob("*")) == [] or all(p.is_dir() for p in tmp_path.rglob("*"))
    monkeypatch.undo()
    fc.put(key, pickle.dumps("not facts"))
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [key + ".facts"]
    assert fc.get(key) is None  # not a UnitFacts: a miss


def test_the_key_depends_on_content_reading_and_rules(tmp_path):
    fc = factcache.FactCache(tmp_path, b"salt")
    base = UnitJob(0, "a.js", b"var a = 1;", "js", "script")
    keys = {fc.key(base), fc.key(UnitJob(5, "a.js", b"var a = 1;", "js", "script"))}
    assert len(keys) == 1  # the unit's index in the scan is not part of it
    variants = [UnitJob(0, "a.js", b"var a = 2;", "js", "script"), UnitJob(0, "b.js", b"var a = 1;", "js", "script"),
                UnitJob(0, "a.js", b"var a = 1;", "js", "module"), UnitJob(0, "a.js", b"var a = 1;", "ts", "script"),
                UnitJob(0, "a.js", b"var a = 1;", "js", "script", scope="shop2"),
                UnitJob(0, "a.js", b"var a = 1;", "js", "script", line_off=3)]
    assert len({fc.key(v) for v in variants} | keys) == len(variants) + 1
    assert factcache.FactCache(tmp_path, b"other rules").key(base) != fc.key(base)


def test_the_salt_changes_with_the_rules(tmp_path):
    src = rules_dir()
    copy = copy_rules(tmp_path)
    assert factcache.cache_salt(copy) == factcache.cache_salt(src)
    (copy / "sinks.toml").write_bytes((copy / "sinks.toml").read_bytes() + b"\n# changed\n")
    assert factcache.cache_salt(copy) != factcache.cache_salt(src)


def test_a_file_past_its_budget_is_not_cached(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "big.js").write_text("var x = [" + ",".join(f"function(a){{return a+{i}}}" for i in range(60000)) + "];\n")
    cache = tmp_path / "cache"
    r = scan([root], cache_dir=cache, budget_seconds=0.05)
    assert [n.reason for n in r.notifications] == ["budget"]
    assert _entries(cache) == []


def test_cli_cache_options(tmp_path, monkeypatch, capsys):
    from analyzer.cli import main

    root = _project(tmp_path / "site")
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    args = ["scan", str(root), "--jobs", "1", "--format", "json", "--no-progress"]
    assert main(args + ["--no-cache"]) == 1
    assert not xdg.exists()
    assert main(args) == 1
    assert len(_entries(xdg / "formleak")) == 3
    mine = tmp_path / "mine"
    assert main(args + ["--cache-dir", str(mine)]) == 1
    assert len(_entries(mine)) == 3
    outs = capsys.readouterr().out.split("\n}\n")
    assert outs[0] == outs[1] == outs[2]


def test_help_names_the_options(capsys):
    from analyzer.cli import main

    assert main(["scan", "--help"]) == 0
    out = capsys.readouterr().out
    for opt in ("--jobs", "--cache-dir", "--no-cache", "FORMLEAK_JOBS", "XDG_CACHE_HOME"):
        assert opt in out, opt


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert factcache.default_cache_dir() == tmp_path / "formleak"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert factcache.default_cache_dir() == Path.home() / ".cache" / "formleak"
