"""`formleak batch`: each site scanned alone on Dask, rows per site and finding, resumable, deterministic.

The corpora come from bench/gen_sites.py (tiny synthetic shop sites, each with its planted leaks listed in
corpus.json). Dask clusters are started by the command under test (127.0.0.1, no dashboard).
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from analyzer.batch import manifest as mf
from analyzer.batch.rows import COLUMN_NAMES, read_rows, rows_from_document
from analyzer.batch.scan_site import ScanOptions, scan_site
from analyzer.batch.sites import InputError, input_hash, list_sites
from analyzer.cli import main
from bench.gen_sites import generate

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
pytest.importorskip("distributed")
pytest.importorskip("pyarrow")


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def rows_alone(site_path: Path, site: str, extra: tuple[str, ...] = ()) -> list[dict]:
    """The rows of one site from `formleak scan SITE --format json` (the command a user would run)."""
    code, out, err = run_cli("scan", str(site_path), "--format", "json", *ScanOptions().scan_argv(), *extra)
    assert code in (0, 1), err
    doc = json.loads(out)
    return rows_from_document(site, doc, "ok" if doc["complete"] else "partial",
                              input_hash(str(site_path), ScanOptions().digest()))


def site_rows(rows: list[dict]) -> dict[str, list[dict]]:
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["site"], []).append(r)
    return by


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    spec = generate(d, 200, seed=7)
    return d, spec


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    spec = generate(d, 30, seed=3)
    return d, spec


@pytest.fixture(scope="module")
def small_reference(small, tmp_path_factory):
    """The small corpus batched once (2 workers, JSONL): the reference the other runs must equal."""
    d, _ = small
    out = tmp_path_factory.mktemp("small-ref")
    code, _, err = run_cli("batch", str(d), "--out", str(out), "--workers", "2", "--format", "jsonl",
                           "--no-progress")
    assert code == 0, err
    return out


# ------------------------------------------------------------------------------------ one site, rows


def test_rows_of_a_fixture_site_are_exact():
    site = ROOT / "fixtures" / "cases" / "01-vanilla-blur-fetch"
    out = scan_site(str(site), "vanilla", ScanOptions(), "h")
    assert out.status == "ok"
    head, *findings = out.rows
    assert set(head) == set(COLUMN_NAMES)
    assert {k: head[k] for k in ("kind", "site", "status", "findings", "critical", "high", "low", "files_scanned",
                                 "files_skipped", "files_failed", "complete", "input_hash", "error")} == {
        "kind": "site", "site": "vanilla", "status": "ok", "findings": 1, "critical": 0, "high": 1, "low": 0,
        "files_scanned": 2, "files_skipped": 0, "files_failed": 0, "complete": True, "input_hash": "h",
        "error": None}
    assert len(findings) == 1
    f = findings[0]
    assert {k: f[k] for k in ("kind", "site", "file", "line", "rule", "severity", "categories", "triggers",
                              "sink_api", "destination", "destination_host", "party", "vendor", "suppression")} == {
        "kind": "finding", "site": "vanilla", "file": "cart.js", "line": 8, "rule": "FL002", "severity": "high",
        "categories": ["email"], "triggers": ["blur"], "sink_api": "fetch", "destination": "/api/cart/capture",
        "destination_host": None, "party": "first_party", "vendor": None, "suppression": None}
    assert len(f["fingerprint"]) == 64
    assert f["status"] is None and head["rule"] is None  # columns of the other kind are null


def test_site_list_and_input_hash(tmp_path):
    generate(tmp_path / "c", 3, seed=1)
    (tmp_path / "c" / "loose.txt").write_text("not a site")
    specs = list_sites(tmp_path / "c")
    assert [s.site for s in specs] == ["site-0", "site-1", "site-2"]  # corpus.json and loose files ignored
    lst = tmp_path / "sites.txt"
    lst.write_text("# comment\n\nc/site-2/\nc/site-0\nc/site-0\n")
    assert [(s.site, s.path) for s in list_sites(lst)] == [
        ("c/site-0", str(tmp_path / "c" / "site-0")), ("c/site-2", str(tmp_path / "c" / "site-2"))]
    lst.write_text("c/site-0\nc/nope\n")
    with pytest.raises(InputError, match="c/nope"):
        list_sites(lst)
    with pytest.raises(InputError, match="not found"):
        list_sites(tmp_path / "missing")
    site = tmp_path / "c" / "site-1"
    h0 = input_hash(str(site), "opts")
    assert input_hash(str(site), "opts") == h0
    assert input_hash(str(site), "other-opts") != h0
    (site / "extra.js.map").write_text("{}")
    h1 = input_hash(str(site), "opts")
    assert h1 != h0  # any file counts, not only the scanned kinds
    os.symlink("/etc/passwd", site / "evil.js")
    h2 = input_hash(str(site), "opts")
    (tmp_path / "target.js").write_text("x")
    os.remove(site / "evil.js")
    os.symlink(tmp_path / "target.js", site / "evil.js")
    assert input_hash(str(site), "opts") not in (h1, h2)  # the link's text, never the file it points to


def test_manifest_cuts_a_torn_last_line(tmp_path):
    m = mf.Manifest(tmp_path)
    m.append(mf.Entry("a", "h1", "v", "ok", "parts/a.jsonl", 0.1, 1))
    m.append(mf.Entry("b", "h2", "v", "crashed", "parts/b.jsonl", 0.1, 2))
    m.close()
    with open(tmp_path / mf.MANIFEST, "ab") as fh:
        fh.write(b'{"site": "c", "input_ha')
    entries = mf.load(tmp_path)
    assert sorted(entries) == ["a", "b"]
    assert (tmp_path / mf.MANIFEST).read_bytes().endswith(b"}\n")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "a.jsonl").write_text("")
    (tmp_path / "parts" / "b.jsonl").write_text("")
    assert mf.is_done(entries["a"], "h1", "v", tmp_path)
    assert not mf.is_done(entries["a"], "h-changed", "v", tmp_path)
    assert not mf.is_done(entries["a"], "h1", "v2", tmp_path)
    assert not mf.is_done(entries["b"], "h2", "v", tmp_path)  # crashed: retried


# ------------------------------------------------------------------------------------ many sites


def test_corpus_rows_equal_each_site_scanned_alone(corpus, tmp_path):
    d, spec = corpus
    out = tmp_path / "out"
    code, _, err = run_cli("batch", str(d), "--out", str(out), "--workers", "2", "--format", "jsonl",
                           "--no-progress")
    assert code == 0, err
    assert "200 sites (200 ok, 0 partial, 0 budget, 0 crashed); 200 scanned now, 0 already done" in err
    rows = read_rows(out / "rows.jsonl")
    by = site_rows(rows)
    assert sorted(by) == sorted(spec)
    for site in sorted(spec):
        assert by[site] == rows_alone(d / site, site), site
        planted = {(x["rule"], x["category"], x["trigger"], x["party"]) for x in spec[site]["leaks"]}
        found = {(r["rule"], c, t, r["party"]) for r in by[site][1:] for c in r["categories"] for t in r["triggers"]}
        assert found == planted, (site, spec[site]["template"])
    # no site twice, the site row first
    assert [r["site"] for r in rows if r["kind"] == "site"] == sorted(spec)
    assert all(rs[0]["kind"] == "site" and all(r["kind"] == "finding" for r in rs[1:]) for rs in by.values())
    timings = read_rows(out / "timings.jsonl")
    assert [t["site"] for t in timings] == sorted(spec) and all(t["seconds"] > 0 for t in timings)


def test_same_bytes_for_any_worker_count_and_format(small, small_reference, tmp_path):
    d, _ = small
    ref = (small_reference / "rows.jsonl").read_bytes()
    outs = {}
    for workers, fmt in ((1, "jsonl"), (1, "parquet"), (2, "parquet")):
        out = tmp_path / f"w{workers}-{fmt}"
        code, _, err = run_cli("batch", str(d), "--out", str(out), "--workers", str(workers), "--format", fmt,
                               "--no-progress", "-q")
        assert code == 0 and err == "", err
        outs[(workers, fmt)] = (out / f"rows.{fmt}").read_bytes()
    assert outs[(1, "jsonl")] == ref
    assert outs[(1, "parquet")] == outs[(2, "parquet")]
    assert read_rows(tmp_path / "w2-parquet" / "rows.parquet") == read_rows(small_reference / "rows.jsonl")
    # a re-run scans nothing and rewrites the same bytes
    code, _, err = run_cli("batch", str(d), "--out", str(tmp_path / "w2-parquet"), "--workers", "2",
                           "--no-progress")
    assert code == 0 and "0 scanned now, 30 already done" in err, err
    assert (tmp_path / "w2-parquet" / "rows.parquet").read_bytes() == outs[(2, "parquet")]


def test_existing_scheduler_gives_the_same_rows(small, small_reference, tmp_path):
    """--scheduler: a cluster formleak did not start (daemonic workers: sites are scanned in the worker)."""
    from distributed import LocalCluster

    d, _ = small
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        code, _, err = run_cli("batch", str(d), "--out", str(tmp_path / "o"), "--scheduler",
                               cluster.scheduler_address, "--format", "jsonl", "--no-progress")
    assert code == 0, err
    assert (tmp_path / "o" / "rows.jsonl").read_bytes() == (small_reference / "rows.jsonl").read_bytes()


def test_crashing_sites_are_recorded_and_the_rest_complete(small, small_reference, tmp_path, monkeypatch):
    d, _ = small
    monkeypatch.setenv("FORMLEAK_BATCH_TEST_HOOK",
                       "site-03=exit,site-05=worker-exit,site-07=alloc,site-11=sleep:60,site-13=raise")
    out = tmp_path / "o"
    t0 = time.monotonic()
    code, _, err = run_cli("batch", str(d), "--out", str(out), "--workers", "2", "--format", "jsonl",
                           "--memory-per-worker", "1GB", "--site-budget", "10", "--no-progress")
    assert code == 0, err
    assert time.monotonic() - t0 < 120
    assert "30 sites (25 ok, 0 partial, 1 budget, 4 crashed)" in err, err
    by = site_rows(read_rows(out / "rows.jsonl"))
    ref = site_rows(read_rows(small_reference / "rows.jsonl"))
    status = {s: rs[0]["status"] for s, rs in by.items()}
    assert {s for s, st in status.items() if st != "ok"} == {"site-03", "site-05", "site-07", "site-11", "site-13"}
    for s in ("site-03", "site-05", "site-07", "site-11", "site-13"):
        assert len(by[s]) == 1  # the site row only
    assert by["site-03"][0]["error"] == ("attempt 1: the scan process exited with code 70; "
                                         "attempt 2: the scan process exited with code 70")
    assert by["site-05"][0]["error"].startswith("the worker died twice while scanning this site")
    assert by["site-07"][0]["error"] == ("attempt 1: the scan ran out of memory (limit 954 MiB); "
                                         "attempt 2: the scan ran out of memory (limit 954 MiB)")
    assert by["site-11"][0]["status"] == "budget"
    assert by["site-11"][0]["error"] == "the scan ran past its 10 s site budget and was stopped"
    assert by["site-13"][0]["error"] == "scan failed: RuntimeError: test hook: analyzer failure"
    for s in by:
        if status[s] == "ok":
            assert by[s] == ref[s], s
    manifest = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    attempts = {e["site"]: e["attempts"] for e in manifest}
    assert attempts["site-03"] == 2 and attempts["site-05"] == 2 and attempts["site-07"] == 2
    assert attempts["site-13"] == 1 and attempts["site-11"] == 1
    # re-run without the faults: the crashed ones are retried (the budget one is done), the rest skipped
    monkeypatch.delenv("FORMLEAK_BATCH_TEST_HOOK")
    code, _, err = run_cli("batch", str(d), "--out", str(out), "--workers", "2", "--format", "jsonl",
                           "--no-progress")
    assert code == 0 and "(29 ok, 0 partial, 1 budget, 0 crashed); 4 scanned now, 26 already done" in err, err
    by = site_rows(read_rows(out / "rows.jsonl"))
    assert all(by[s] == ref[s] for s in by if s != "site-11")


def test_only_the_site_that_kills_its_worker_is_crashed(small, small_reference, tmp_path, monkeypatch):
    """One worker, two sites in flight: whatever Dask does with the site waiting behind the killer (fail it
    with the worker, then the driver retries it alone, or reschedule it), it must end ok, not crashed."""
    d, _ = small
    monkeypatch.setenv("FORMLEAK_BATCH_TEST_HOOK", "site-02=worker-exit")
    out = tmp_path / "o"
    code, _, err = run_cli("batch", str(d), "--out", str(out), "--workers", "1", "--format", "jsonl",
                           "--no-progress")
    assert code == 0 and "30 sites (29 ok, 0 partial, 0 budget, 1 crashed)" in err, err
    by = site_rows(read_rows(out / "rows.jsonl"))
    ref = site_rows(read_rows(small_reference / "rows.jsonl"))
    assert [s for s in by if by[s][0]["status"] == "crashed"] == ["site-02"]
    assert all(by[s] == ref[s] for s in by if s != "site-02")
    attempts = {e.site: e.attempts for e in mf.load(out).values()}
    assert attempts["site-02"] == 2


def _descendants(pid: int) -> list[int]:
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _alive(pids: list[int]) -> list[int]:
    import psutil

    alive = []
    for p in pids:
        try:
            if psutil.Process(p).status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except psutil.NoSuchProcess:
            pass
    return alive


def test_sigkill_midway_then_resume_ends_with_the_same_rows(small, small_reference, tmp_path):
    d, _ = small
    out = tmp_path / "o"
    env = dict(os.environ, FORMLEAK_BATCH_TEST_HOOK="*=sleep:0.3", PYTHONPATH=str(ROOT))
    cmd = [PY, "-m", "analyzer", "batch", str(d), "--out", str(out), "--workers", "2", "--format", "jsonl",
           "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    man = out / "manifest.jsonl"
    deadline = time.monotonic() + 120
    family: set[int] = set()
    while time.monotonic() < deadline:
        family.update(_descendants(proc.pid))
        if man.exists() and man.read_bytes().count(b"\n") >= 8:
            break
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    family.update(_descendants(proc.pid))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    done_before = man.read_bytes().count(b"\n")
    assert 8 <= done_before < 30
    assert not (out / "rows.jsonl").exists()
    # the workers and their scan processes go with the driver
    deadline = time.monotonic() + 30
    while _alive(sorted(family)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _alive(sorted(family)) == []
    # restart: the same command, without the slowing hook
    env.pop("FORMLEAK_BATCH_TEST_HOOK")
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    done_now = sum(1 for e in mf.load(out).values())
    assert done_now == 30
    assert f"{30 - done_before} scanned now, {done_before} already done" in res.stderr, res.stderr
    assert (out / "rows.jsonl").read_bytes() == (small_reference / "rows.jsonl").read_bytes()
    lines = [json.loads(x) for x in man.read_text().splitlines()]
    assert len(lines) == len({e["site"] for e in lines}) == 30  # none twice
    assert not list((out / "parts").glob(".*tmp*"))


def test_second_batch_on_the_same_folder_is_refused(small, tmp_path):
    d, _ = small
    with mf.FolderLock(tmp_path):
        code, _, err = run_cli("batch", str(d), "--out", str(tmp_path), "--format", "jsonl")
    assert code == 2 and "another formleak batch is writing to" in err


def test_usage_errors(tmp_path, monkeypatch):
    code, _, err = run_cli("batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert code == 2 and "input not found" in err
    (tmp_path / "s").mkdir()
    code, _, err = run_cli("batch", str(tmp_path / "s"), "--out", str(tmp_path / "o"), "--memory-per-worker", "lots")
    assert code == 2 and "--memory-per-worker" in err
    monkeypatch.setitem(sys.modules, "distributed", None)  # Dask not installed
    code, _, err = run_cli("batch", str(tmp_path / "s"), "--out", str(tmp_path / "o"), "--format", "jsonl")
    assert code == 2 and "pip install 'formleak[batch]'" in err, err


def test_local_cluster_listens_on_loopback_only():
    import dask
    import psutil

    from analyzer.batch.runner import BatchSettings, _start_cluster, cluster_config

    with dask.config.set(cluster_config()):
        cluster = _start_cluster(BatchSettings(out=Path("."), workers=2), 2**30)
        try:
            assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
            info = cluster.scheduler_info["workers"]
            assert len(info) == 2 and all(a.startswith("tcp://127.0.0.1:") for a in info)
            assert all(w["memory_limit"] == 2**30 and w["nthreads"] == 1 for w in info.values())
            me = psutil.Process()
            procs = [me] + me.children(recursive=True)
            listening = [c.laddr for p in procs for c in p.net_connections(kind="inet")
                         if c.status == psutil.CONN_LISTEN]
            assert len(listening) >= 3  # scheduler, workers, nannies (and their HTTP servers)
            assert all(a.ip == "127.0.0.1" for a in listening), listening
            assert all(a.port != 8787 for a in listening)  # not the dashboard's port
        finally:
            cluster.close()


def test_gen_sites_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, 25, seed=5)
    generate(b, 25, seed=5)
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)
    generate(tmp_path / "c", 25, seed=6)
    assert (tmp_path / "c" / "corpus.json").read_bytes() != (a / "corpus.json").read_bytes()
    shutil.rmtree(tmp_path / "c")
