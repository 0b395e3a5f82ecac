"""Run one site's scan in a process of its own, with a time budget and a memory limit.

`scan_isolated(...)` forks a child of the worker process (multiprocessing's `fork` context: the analyzer is
already imported there), sets the child's address-space limit (`RLIMIT_AS`) to the memory limit, runs
`scan_site` there and receives its outcome through a pipe. The parent waits at most the site budget: a child
still running then is killed and the site is recorded as `budget`. A child that dies (a signal, `os._exit`,
running out of memory) is started once more; a second death records the site as `crashed`. The child also
watches its parent: if the worker that started it disappears, it exits, so no scan outlives its batch.

Where a worker may not start processes (a daemonic Dask worker of a cluster not started by formleak), the
scan runs in the worker itself: a crash then takes the worker, and Dask's and the driver's retries apply.

`FORMLEAK_BATCH_TEST_HOOK` (tests only) makes chosen sites misbehave: a comma-separated list of
`PATTERN=ACTION` (PATTERN an fnmatch pattern over site ids; ACTION `exit` (the scan process calls
`os._exit`), `alloc` (it allocates until the memory limit stops it), `raise` (the analyzer raises),
`sleep:SECONDS` (it sleeps before scanning), `worker-exit` (the worker process itself exits)).
"""
from __future__ import annotations

import fnmatch
import functools
import multiprocessing
import os
import threading
import time
from pathlib import Path

from analyzer.batch.scan_site import ScanOptions, SiteOutcome, scan_site

HOOK_ENV = "FORMLEAK_BATCH_TEST_HOOK"
EXIT_NO_MEMORY = 86
_GRACE = 5.0  # seconds the child outlives its budget before it stops itself (the parent kills it first)


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


def _watch_parent(parent_pid: int, deadline: float | None) -> None:
    while True:
        time.sleep(0.5)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(75)
        except PermissionError:
            pass
        if deadline is not None and time.monotonic() > deadline:
            os._exit(76)


def _child(conn, path: str, site: str, options: ScanOptions, input_hash: str, memory_bytes: int | None,
           budget: float | None, parent_pid: int, actions: list[str]) -> None:
    if memory_bytes:
        import resource

        try:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        except (ValueError, OSError):
            pass
    deadline = time.monotonic() + budget + _GRACE if budget else None
    threading.Thread(target=_watch_parent, args=(parent_pid, deadline), daemon=True).start()
    try:
        try:
            _run_hooks(actions, memory_bytes)
            outcome = scan_site(path, site, options, input_hash)
        except MemoryError:
            raise
        except Exception as e:  # noqa: BLE001 - reported as the site's error, like scan_site does
            outcome = _failed(site, input_hash, f"scan failed: {type(e).__name__}: {e}")
        conn.send(outcome)
        conn.close()
    except MemoryError:
        os._exit(EXIT_NO_MEMORY)


def _failed(site: str, input_hash: str, err: str) -> SiteOutcome:
    from analyzer.batch.rows import site_row

    return SiteOutcome(site, "crashed", (site_row(site, "crashed", error=err, input_hash=input_hash),), err)


def _context():
    # fork, not spawn or forkserver: the child starts with the analyzer already imported (a few ms instead of
    # a second of imports per site) and runs only formleak's own code before it leaves through os._exit.
    return multiprocessing.get_context("fork")


def can_fork() -> bool:
    return not multiprocessing.current_process().daemon


def _describe_death(code: int | None, memory_bytes: int | None) -> str:
    if code == EXIT_NO_MEMORY:
        return f"the scan ran out of memory (limit {memory_bytes / 2**20:.0f} MiB)" if memory_bytes else \
            "the scan ran out of memory"
    if code is not None and code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"the scan process was killed by {name}"
    return f"the scan process exited with code {code}"


def _attempt(path, site, options, input_hash, memory_bytes, budget, actions):
    """(outcome or None, death description or None, timed_out)."""
    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(send, path, site, options, input_hash, memory_bytes, budget,
                                         os.getpid(), actions), daemon=True)
    p.start()
    send.close()
    try:
        ready = recv.poll(budget if budget else None)
        if not ready:
            p.kill()
            p.join()
            return None, None, True
        try:
            outcome = recv.recv()
        except (EOFError, OSError):
            p.join()
            return None, _describe_death(p.exitcode, memory_bytes), False
        p.join(10)
        if p.is_alive():
            p.kill()
            p.join()
        return outcome, None, False
    finally:
        recv.close()


_WARM_PAGE = (b'<form id="f"><input id="email" type="email"><button type="submit">Order</button></form>'
              b'<script src="a.js"></script>')
_WARM_JS = (b"document.getElementById('email').addEventListener('blur', function () {"
            b" navigator.sendBeacon('https://t.example.com/c', this.value); });")


@functools.lru_cache(maxsize=1)
def warm_up() -> None:
    """Scan a tiny built-in site once in the worker, so that every forked child starts with the analyzer's
    modules imported and the rules' regular expressions and the public-suffix list already compiled (about
    a second per site otherwise). Only speed depends on it: a scan reads nothing that this leaves behind."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="formleak-warm-") as d:
        Path(d, "index.html").write_bytes(_WARM_PAGE)
        Path(d, "a.js").write_bytes(_WARM_JS)
        scan_site(d, "warm-up", ScanOptions(), "")


def scan_isolated(path: str, site: str, options: ScanOptions, input_hash: str, *, site_budget: float | None,
                  memory_bytes: int | None) -> SiteOutcome:
    """Scan one site in a child process (see the module docstring); never raises for a site's fault."""
    from analyzer.batch.rows import site_row

    warm_up()

    actions = hook_actions(site)
    t0 = time.perf_counter()
    if not can_fork():
        _run_hooks(actions, memory_bytes)
        return scan_site(path, site, options, input_hash)
    deaths = []
    for attempt in (1, 2):
        outcome, death, timed_out = _attempt(path, site, options, input_hash, memory_bytes, site_budget, actions)
        if outcome is not None:
            return SiteOutcome(outcome.site, outcome.status, outcome.rows, outcome.error,
                               time.perf_counter() - t0, attempt)
        if timed_out:
            err = f"the scan ran past its {site_budget:g} s site budget and was stopped"
            return SiteOutcome(site, "budget", (site_row(site, "budget", error=err, input_hash=input_hash),),
                               err, time.perf_counter() - t0, attempt)
        deaths.append(death)
    err = "; ".join(f"attempt {i}: {d}" for i, d in enumerate(deaths, 1))
    return SiteOutcome(site, "crashed", (site_row(site, "crashed", error=err, input_hash=input_hash),), err,
                       time.perf_counter() - t0, 2)


def task(path: str, site: str, options: ScanOptions, input_hash: str, site_budget: float | None,
         memory_bytes: int | None) -> SiteOutcome:
    """The function a Dask worker runs for one site."""
    if "worker-exit" in hook_actions(site):
        os._exit(71)
    return scan_isolated(path, site, options, input_hash, site_budget=site_budget, memory_bytes=memory_bytes)
