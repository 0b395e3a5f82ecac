"""Running fact extraction over a scan's units: in this process (`jobs=1`) or in worker processes.

`extract_units(jobs_list, rules, …)` yields `(job, UnitFacts)` in unit order, whichever worker finished
first, so that linking (and the report) does not depend on scheduling. Facts found in the warm cache
(`factcache.FactCache`) are not extracted again; new facts are written to it.

Workers (`ExtractionPool`) are a `concurrent.futures.ProcessPoolExecutor` on the `forkserver` start method
(`spawn` where there is none), with `max_tasks_per_child=1`: every task — a batch of small units or one big
unit — runs in a fresh process, so a big bundle's memory is given back when it is done (and CPython 3.11's
deadlock with `max_tasks_per_child > 1`, gh-115634, cannot happen). Isolation:

- each worker arms `faulthandler.dump_traceback_later` for the unit it is on: a unit that runs past
  `hard_limit(budget)` (a parse that never returns, tree-sitter#3393) makes the worker dump and exit; a
  fatal signal (SIGSEGV in a native parser) is dumped by `faulthandler` too. Both go to a per-worker status
  file that also names the unit, so the parent knows which unit it was (`budget` / `crashed`);
- a worker that dies without a word (`os._exit`, the OOM killer) breaks the pool: the units that were in
  flight are retried one batch at a time, so the one that dies alone is the one reported (`crashed`);
- the pool is then replaced and the scan goes on with every other unit.

A test hook, `FORMLEAK_TEST_FAULT="crash:a.js,hang:b.js,raise:c.js"`, makes a worker die, hang or raise
on the named units (`raise` also applies in-process); it exists for the tests of this isolation.
"""
from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from analyzer.extract.facts import UnitFacts, UnitJob, extract_unit, failed_unit, packed_facts
from analyzer.extract.factcache import FactCache, dumps
from analyzer.parse import Parsers
from analyzer.rulebook import RuleBook

FAULT_ENV = "FORMLEAK_TEST_FAULT"
BATCH_BYTES = 512 * 1024  # small units are sent to a worker together, up to this many bytes
BATCH_UNITS = 64


def hard_limit(budget: float) -> float | None:
    """Seconds after which a worker on one unit is killed: the extraction budget (which, when it runs out,
    keeps the part extracted so far) plus room for the parse."""
    return budget * 1.5 + 2.0 if budget else None


def fault_for(in_worker: bool, spec: str | None = None):
    """The test hook of `FAULT_ENV` (None when unset). Workers get the parent's value through their
    initializer (a forkserver's children inherit the environment of the forkserver, not of the scan)."""
    spec = os.environ.get(FAULT_ENV) if spec is None else spec
    if not spec:
        return None
    table = {}
    for item in spec.split(","):
        what, _, rel = item.partition(":")
        table[rel.strip()] = what.strip()

    def fault(rel: str) -> None:
        what = table.get(rel)
        if what == "raise":
            raise RuntimeError(f"test fault in {rel}")
        if not in_worker:
            return
        if what == "crash":
            os._exit(70)
        if what == "hang":
            while True:
                time.sleep(3600)
        if what == "segv":
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file
            os.kill(os.getpid(), signal.SIGSEGV)

    return fault


# ---------------------------------------------------------------------------------------------- driver
AUTO_POOL_BYTES = 512 * 1024  # below this, starting worker processes costs more than it saves


def pool_jobs(jobs: int, sizes: list[int]) -> int:
    """The worker count for `jobs` (negative: auto, the CLI's default) and units of `sizes` bytes to extract.
    Auto uses workers only when there are at least two units and AUTO_POOL_BYTES in all: one unit cannot be
    split, and sending its facts back from a worker (pickling, unpickling, merging) costs about half as much
    again as extracting it (a 5 MB bundle, CLI defaults, cold: 39 s with a worker, 32 s without)."""
    if jobs >= 0:
        return jobs
    return -jobs if len(sizes) >= 2 and sum(sizes) >= AUTO_POOL_BYTES else 1


def extract_units(jobs_list: list[UnitJob], rules: RuleBook, *, jobs: int = 1, cache: FactCache | None = None,
                  pool: "ExtractionPool | None" = None, parsers: Parsers | None = None, trees: dict | None = None):
    """Yield `(job, facts)` for every job, in the order of `jobs_list`. `trees` (unit index -> syntax tree of
    exactly the job's bytes in its language) saves extraction in this process the parse; it is emptied as
    units are done (workers parse for themselves)."""
    trees = {} if trees is None else trees
    keys = [cache.key(j) for j in jobs_list] if cache is not None else [None] * len(jobs_list)
    cached: dict[int, UnitFacts] = {}
    todo: list[int] = []
    for i, j in enumerate(jobs_list):
        hit = cache.get(keys[i]) if cache is not None else None
        if hit is not None:
            cached[i] = hit
        else:
            todo.append(i)
    jobs = pool_jobs(jobs, [len(jobs_list[i].data) for i in todo])  # (auto: only when worth starting workers)
    if pool is None and jobs > 1 and todo:
        trees.clear()
        with ExtractionPool(jobs, rules) as own:
            yield from _ordered(jobs_list, keys, cached, todo, rules, cache, own, parsers, trees)
    else:
        if pool is not None:
            trees.clear()
        yield from _ordered(jobs_list, keys, cached, todo, rules, cache, pool, parsers, trees)


def _ordered(jobs_list, keys, cached, todo, rules, cache, pool, parsers, trees):
    if pool is None:  # in this process, one unit after the other
        parsers = parsers or Parsers()
        fault = fault_for(in_worker=False)
        todo_set = set(todo)
        for i, job in enumerate(jobs_list):
            given = [trees.pop(job.index)] if job.index in trees else None  # (held by nothing else)
            if i in todo_set:
                facts = _extract_safely(job, rules, parsers, fault, given, packed=False)
                if cache is not None and facts.cacheable:
                    cache.put(keys[i], dumps(packed_facts(facts)))
                yield job, facts
            else:
                yield job, cached.pop(i)
        return
    ready: dict[int, object] = dict(cached)  # index -> UnitFacts or pickled bytes
    nxt = 0
    n = len(jobs_list)
    index_of = {id(jobs_list[i]): i for i in todo}
    for job, result, cacheable in pool.run([jobs_list[i] for i in todo]):
        i = index_of[id(job)]
        if cacheable and cache is not None and isinstance(result, bytes):
            cache.put(keys[i], result)
        ready[i] = result
        while nxt < n and nxt in ready:
            r = ready.pop(nxt)
            yield jobs_list[nxt], _facts(r)
            nxt += 1
    while nxt < n:
        yield jobs_list[nxt], _facts(ready.pop(nxt))
        nxt += 1


def _extract_safely(job: UnitJob, rules: RuleBook, parsers: Parsers, fault, given=None,
                    packed: bool = True) -> UnitFacts:
    """`extract_unit`, and whatever escapes it (a bug outside the extractor) loses this unit only."""
    try:
        return extract_unit(job, rules, parsers, fault, given=given, packed=packed)
    except Exception as e:  # noqa: BLE001
        return failed_unit(job, "crashed", f"stage parse/extract: {type(e).__name__}: {e}; the file is not "
                                           "analysed, the scan goes on")


def _facts(r) -> UnitFacts:
    import pickle

    return pickle.loads(r) if isinstance(r, bytes) else r


# ---------------------------------------------------------------------------------------------- worker side
_worker: dict = {}  # per worker process: rules, parsers, status file (set by the initializer only)


def _init_worker(rules: RuleBook, status_dir: str, fault_spec: str) -> None:
    _worker["rules"] = rules
    _worker["parsers"] = Parsers()
    _worker["status_dir"] = status_dir
    _worker["fault"] = fault_for(True, fault_spec)


def _run_batch(batch: list[UnitJob]) -> list[tuple[int, bytes, bool]]:
    """In a worker: extract each unit; (unit index, pickled facts, cacheable) per unit."""
    rules, parsers, fault = _worker["rules"], _worker["parsers"], _worker["fault"]
    path = os.path.join(_worker["status_dir"], f"{os.getpid()}.status")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    faulthandler.enable(file=fd, all_threads=False)
    out = []
    try:
        for job in batch:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{job.index}\n".encode())
            limit = hard_limit(job.budget)
            if limit:
                faulthandler.dump_traceback_later(limit, exit=True, file=fd)
            facts = _extract_safely(job, rules, parsers, fault)
            if limit:
                faulthandler.cancel_dump_traceback_later()
            try:
                data = dumps(facts)
            except Exception as e:  # noqa: BLE001 - facts that cannot be pickled lose this unit only
                facts = failed_unit(job, "crashed", f"stage extract: the facts cannot be sent ({type(e).__name__}: "
                                                    f"{e}); the file is not analysed, the scan goes on")
                data = dumps(facts)
            out.append((job.index, data, facts.cacheable))
    finally:
        faulthandler.disable()
        os.close(fd)
    os.unlink(path)
    return out


# ---------------------------------------------------------------------------------------------- parent side
class ExtractionPool:
    """Worker processes for fact extraction; reusable across scans (`with ExtractionPool(2, rules) as p`)."""

    def __init__(self, jobs: int, rules: RuleBook, shuffle: int | None = None) -> None:
        self.jobs = max(1, jobs)
        self.shuffle = shuffle  # tests: run the batches in a random order (this seed)
        self.rules = rules
        self._tmp = tempfile.TemporaryDirectory(prefix="formleak-workers-")
        self.status_dir = self._tmp.name
        methods = multiprocessing.get_all_start_methods()
        self._ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if self._ctx.get_start_method() == "forkserver":
            self._ctx.set_forkserver_preload(["analyzer.extract.workers"])
        self._ex: ProcessPoolExecutor | None = None
        self.restarts = 0

    def __enter__(self) -> "ExtractionPool":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is not None:  # interrupted (^C) or failed: do not wait for the files in progress
            self._kill_workers()
        self.close()

    def close(self) -> None:
        if self._ex is not None:
            self._ex.shutdown(wait=True, cancel_futures=True)
            self._ex = None
        self._tmp.cleanup()

    def _executor(self) -> ProcessPoolExecutor:
        if self._ex is None:
            kw = {"max_tasks_per_child": 1} if sys.version_info >= (3, 11) else {}
            self._ex = ProcessPoolExecutor(self.jobs, mp_context=self._ctx, initializer=_init_worker,
                                           initargs=(self.rules, self.status_dir, os.environ.get(FAULT_ENV, "")),
                                           **kw)
        return self._ex

    def _discard_executor(self) -> None:
        ex, self._ex = self._ex, None
        if ex is not None:
            ex.shutdown(wait=True, cancel_futures=True)
        self.restarts += 1

    def _statuses(self) -> dict[int, tuple[int, str]]:
        """pid -> (unit index, 'budget' | 'crashed' | '') from the status files dead workers left."""
        out = {}
        for name in os.listdir(self.status_dir):
            if not name.endswith(".status"):
                continue
            p = os.path.join(self.status_dir, name)
            try:
                with open(p, "rb") as fh:
                    text = fh.read().decode("utf-8", "replace")
            except OSError:
                continue
            first, _, rest = text.partition("\n")
            try:
                idx = int(first)
            except ValueError:
                continue
            why = "budget" if "Timeout (" in rest else "crashed" if "Fatal Python error" in rest else ""
            out[int(name.split(".")[0])] = (idx, why)
        return out

    def _clear_statuses(self) -> None:
        for name in os.listdir(self.status_dir):
            try:
                os.unlink(os.path.join(self.status_dir, name))
            except OSError:
                pass

    def _kill_workers(self) -> None:
        """SIGKILL the workers of this pool that are still on a unit (their status files name them; only
        live children of this process are signalled)."""
        ours = {p.pid for p in multiprocessing.active_children()}
        for pid in self._statuses():
            if pid not in ours:
                continue
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    @staticmethod
    def batches(jobs_list: list[UnitJob]) -> list[list[UnitJob]]:
        """Big units alone, small ones together; the biggest first (the slowest start first)."""
        order = sorted(jobs_list, key=lambda j: -len(j.data))
        out: list[list[UnitJob]] = []
        cur: list[UnitJob] = []
        size = 0
        for j in order:
            if len(j.data) >= BATCH_BYTES:
                out.append([j])
                continue
            if cur and (size + len(j.data) > BATCH_BYTES or len(cur) >= BATCH_UNITS):
                out.append(cur)
                cur, size = [], 0
            cur.append(j)
            size += len(j.data)
        if cur:
            out.append(cur)
        return out

    def run(self, jobs_list: list[UnitJob]):
        """Yield `(job, pickled facts | UnitFacts, cacheable)` for every job, in completion order."""
        by_index = {j.index: j for j in jobs_list}
        batches = self.batches(jobs_list)
        if self.shuffle is not None:
            import random

            random.Random(self.shuffle).shuffle(batches)
        queue = deque(batches)
        solo: deque = deque()  # batches to run one at a time (to find which one kills its worker)
        inflight: dict = {}  # future -> (batch, started)
        while queue or solo or inflight:
            limit = 1 if solo else self.jobs
            src = solo if solo else queue
            while src and len(inflight) < limit:
                batch = src.popleft()
                try:
                    fut = self._executor().submit(_run_batch, batch)
                except BrokenProcessPool:
                    src.appendleft(batch)
                    self._discard_executor()
                    continue
                inflight[fut] = (batch, time.monotonic())
            done, _ = wait(list(inflight), timeout=5.0, return_when=FIRST_COMPLETED)
            broken: list = []
            for fut in done:
                batch, _ = inflight.pop(fut)
                try:
                    results = fut.result()
                except BrokenProcessPool:
                    broken.append(batch)
                    continue
                except Exception as e:  # noqa: BLE001 - e.g. facts that cannot be pickled
                    for j in batch:
                        yield j, failed_unit(j, "crashed", f"stage extract: the worker failed ({type(e).__name__}: "
                                                           f"{e}); the file is not analysed, the scan goes on"), False
                    continue
                for idx, data, cacheable in results:
                    yield by_index[idx], data, cacheable
            if not done:
                self._watchdog(inflight)
            if broken:
                # the pool is broken: every batch still in flight fails too; collect them all
                while inflight:
                    done, _ = wait(list(inflight), timeout=5.0)
                    for fut in done:
                        batch, _ = inflight.pop(fut)
                        try:
                            for idx, data, cacheable in fut.result():
                                yield by_index[idx], data, cacheable
                        except Exception:  # noqa: BLE001
                            broken.append(batch)
                    if not done:
                        self._watchdog(inflight)
                yield from self._after_break(broken, queue, solo, was_solo=len(broken) == 1)

    def _watchdog(self, inflight: dict) -> None:
        """A last resort: a batch far past the sum of its units' limits has its worker killed."""
        now = time.monotonic()
        for batch, started in inflight.values():
            limits = [hard_limit(j.budget) for j in batch]
            if all(limits) and now - started > sum(limits) + 30.0:
                self._kill_workers()
                return

    def _after_break(self, broken: list, queue: deque, solo: deque, was_solo: bool):
        statuses = self._statuses()
        self._discard_executor()
        self._clear_statuses()
        known = {idx: why for idx, why in statuses.values() if why}
        if not known and was_solo:  # one batch alone died: the unit it was on is the culprit
            batch = broken[0]
            started = [idx for idx, _ in statuses.values() if any(j.index == idx for j in batch)]
            known = {started[0] if started else batch[0].index: "crashed"}
        if known:
            for batch in broken:
                rest = []
                for j in batch:
                    why = known.get(j.index)
                    if why == "budget":
                        yield j, failed_unit(j, "budget", f"the analysis of this file ran past "
                                                          f"{hard_limit(j.budget):g} s (parse and budget) and was "
                                                          "stopped; the file is not analysed, the scan goes on"), False
                    elif why == "crashed":
                        yield j, failed_unit(j, "crashed", "stage parse/extract: the worker process died on this "
                                                           "file; the file is not analysed, the scan goes on"), False
                    else:
                        rest.append(j)
                if rest:
                    (solo if was_solo else queue).appendleft(rest)
        else:
            solo.extend(broken)  # who killed the pool? run each batch alone to find out
