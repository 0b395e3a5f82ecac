"""The batch driver: sites in, rows out, on Dask.

`run_batch(...)` lists the sites (sites.py), hashes their inputs, skips those the manifest says are done,
and hands the rest to Dask workers, two sites per worker thread in flight (one scanning, one waiting). Each worker runs `isolate.task`: the site is scanned in the worker's
scan process (a child of the worker, owned by a worker plugin) with the per-site budget and the memory limit. As each site comes back, its rows are written to
its part file (atomically) and its manifest line appended; then the next site is submitted. The sites of a
worker that died (the one it was scanning, and the one waiting there) are each submitted once more, alone
on the cluster; a second death then is that site's own, and records it as `crashed` (the scheduler of a
cluster formleak starts has `allowed-failures = 0`, so the retry is the driver's; an existing cluster's own
`allowed-failures` comes first). At the end `rows.<fmt>` and `timings.<fmt>` are consolidated from the parts
of every site of the input, in site-id order.

A cluster formleak starts (`LocalCluster`) listens on 127.0.0.1 only, has no dashboard, runs `--workers`
processes with one thread each and the `--memory-per-worker` memory limit, and its workers may start
processes (`distributed.worker.daemon = False`), which the per-site isolation needs.
"""
from __future__ import annotations

import hashlib
import logging
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from analyzer import __version__
from analyzer.batch import manifest as mf
from analyzer.batch.rows import FORMATS, consolidate, site_row, write_rows
from analyzer.batch.scan_site import ScanOptions, SiteOutcome
from analyzer.batch.sites import SiteSpec, input_hash, list_sites

INSTALL_HINT = "pip install 'formleak[batch]'"
STATUSES = ("ok", "partial", "budget", "crashed")


class MissingDependency(Exception):
    """Dask (or pyarrow, for Parquet) is not installed."""


@dataclass
class BatchSettings:
    out: Path
    fmt: str = "parquet"
    workers: int = 1
    scheduler: str | None = None
    memory_per_worker: str | None = None  # e.g. "2GB"; None: Dask's default share of the machine
    site_budget: float | None = 600.0
    options: ScanOptions = field(default_factory=ScanOptions)
    progress: bool = False
    quiet: bool = False


@dataclass
class BatchSummary:
    sites: int = 0
    scanned: int = 0  # in this run
    skipped: int = 0  # done in an earlier run
    by_status: dict = field(default_factory=dict)
    findings: int = 0
    sites_with_findings: int = 0
    seconds: float = 0.0
    rows_path: Path | None = None
    interrupted: bool = False

    def line(self) -> str:
        st = ", ".join(f"{self.by_status.get(s, 0)} {s}" for s in STATUSES)
        rate = f", {self.scanned / self.seconds * 60:.0f} sites/min" if self.scanned and self.seconds > 0 else ""
        where = f" → {self.rows_path}" if self.rows_path else ""
        return (f"formleak: {self.sites} site{'s' if self.sites != 1 else ''} ({st}); {self.scanned} scanned now, "
                f"{self.skipped} already done; {self.findings} finding{'s' if self.findings != 1 else ''} on "
                f"{self.sites_with_findings} site{'s' if self.sites_with_findings != 1 else ''}; "
                f"{self.seconds:.1f} s{rate}{where}")


def require_dask():
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise MissingDependency(f"formleak batch runs on Dask, which is not installed: {INSTALL_HINT}") from None


def require_pyarrow():
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise MissingDependency(f"--format parquet needs pyarrow, which is not installed: {INSTALL_HINT} "
                                "(or use --format jsonl)") from None


def part_name(site: str, fmt: str) -> str:
    return f"parts/{hashlib.sha256(site.encode('utf-8', 'surrogateescape')).hexdigest()[:24]}.{fmt}"


def parse_memory(text: str | None) -> int | None:
    if text is None or text in ("", "0", "none"):
        return None
    from dask.utils import parse_bytes

    try:
        n = int(parse_bytes(text))
    except (ValueError, TypeError):
        raise ValueError(f"--memory-per-worker: cannot read {text!r} (use e.g. 2GB, 512MiB)") from None
    if n < 64 * 2**20:
        raise ValueError(f"--memory-per-worker {text} is below 64 MiB")
    return n


class _Progress:
    """sites done / total, rate, ETA on stderr (rich), only on a terminal."""

    def __init__(self, enabled: bool, total: int, done: int) -> None:
        self.enabled = enabled and total > done
        self._p = None
        self.total, self.done = total, done

    def __enter__(self) -> "_Progress":
        if self.enabled:
            import os

            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
            self._p = Progress(TextColumn("formleak batch"), BarColumn(), MofNCompleteColumn(),
                               TextColumn("sites"), TextColumn("{task.fields[rate]}"), TextColumn("eta"),
                               TimeRemainingColumn(), TimeElapsedColumn(), console=console, transient=True)
            self._p.start()
            self._t0 = time.perf_counter()
            self._n0 = self.done
            self._task = self._p.add_task("sites", total=self.total, completed=self.done, rate="")
        return self

    def advance(self) -> None:
        self.done += 1
        if self._p is not None:
            dt = time.perf_counter() - self._t0
            rate = f"{(self.done - self._n0) / dt * 60:.0f}/min" if dt > 0 else ""
            self._p.update(self._task, completed=self.done, rate=rate)

    def __exit__(self, *_exc) -> None:
        if self._p is not None:
            self._p.stop()


def _hash_all(specs: list[SiteSpec], digest: str) -> dict[str, str]:
    return {s.site: input_hash(s.path, digest) for s in specs}


def run_batch(input_path: Path, settings: BatchSettings) -> BatchSummary:
    """Run (or resume) a batch; see the module docstring. Raises InputError, LockedError, MissingDependency,
    ValueError for problems the CLI reports with exit code 2."""
    if settings.fmt not in FORMATS:
        raise ValueError(f"unknown format {settings.fmt!r}")
    if settings.fmt == "parquet":
        require_pyarrow()
    require_dask()
    memory = parse_memory(settings.memory_per_worker)
    t0 = time.perf_counter()
    specs = list_sites(Path(input_path))
    out = Path(settings.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = BatchSummary(sites=len(specs))
    with mf.FolderLock(out):
        for stale in (out / "parts").glob(".*.tmp-*") if (out / "parts").is_dir() else ():
            stale.unlink(missing_ok=True)  # a part being written when an earlier run was killed
        hashes = _hash_all(specs, settings.options.digest())
        entries = mf.load(out)
        todo = [s for s in specs if not mf.is_done(entries.get(s.site), hashes[s.site], __version__, out)]
        summary.skipped = len(specs) - len(todo)
        man = mf.Manifest(out)
        try:
            if todo:
                summary.interrupted = not _run_on_dask(todo, hashes, settings, memory, out, man, summary)
        finally:
            man.close()
        entries = mf.load(out)
        parts, timings = [], []
        for s in specs:  # already in site-id order
            e = entries.get(s.site)  # done, or crashed in this run: either way it has rows of this input
            if e is not None and e.input_hash == hashes[s.site] and e.version == __version__ \
                    and (out / e.part).is_file():
                parts.append((s.site, out / e.part))
                timings.append({"site": s.site, "status": e.status, "seconds": round(e.seconds, 3),
                                "attempts": e.attempts})
        summary.rows_path = consolidate(out, parts, settings.fmt, timings)
        _count(summary, summary.rows_path)
    summary.seconds = time.perf_counter() - t0
    return summary


def _count(summary: BatchSummary, rows_path: Path) -> None:
    from analyzer.batch.rows import read_rows

    for r in read_rows(rows_path):
        if r["kind"] == "site":
            summary.by_status[r["status"]] = summary.by_status.get(r["status"], 0) + 1
            if r.get("findings"):
                summary.findings += r["findings"]
                summary.sites_with_findings += 1


def _record(outcome: SiteOutcome, spec: SiteSpec, digest: str, fmt: str, out: Path, man: mf.Manifest,
            attempts: int) -> None:
    part = part_name(spec.site, fmt)
    write_rows(out / part, list(outcome.rows), fmt)
    man.append(mf.Entry(spec.site, digest, __version__, outcome.status, part, outcome.seconds,
                        max(attempts, outcome.attempts)))


def _start_cluster(settings: BatchSettings, memory: int | None):
    from distributed import LocalCluster

    # No dashboard; the scheduler's and workers' HTTP servers (which Dask always starts) serve no route and
    # listen on 127.0.0.1 at a free port, like every other socket of the cluster.
    return LocalCluster(n_workers=max(1, settings.workers), threads_per_worker=1, processes=True,
                        host="127.0.0.1", dashboard_address=None, worker_dashboard_address=None,
                        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                        memory_limit=memory if memory else "auto", silence_logs=logging.CRITICAL)


def cluster_config() -> dict:
    """Dask settings of a batch: workers may start the per-site processes, a worker's death is retried by
    the driver (not the scheduler), no HTTP routes, no profiling, quiet logs."""
    return {"distributed.worker.daemon": False, "distributed.scheduler.allowed-failures": 0,
            "distributed.admin.tick.limit": "1h", "distributed.worker.profile.enabled": False,
            "logging.distributed": "critical", "distributed.scheduler.http.routes": [],
            "distributed.worker.http.routes": []}


def _run_on_dask(todo: list[SiteSpec], hashes: dict[str, str], settings: BatchSettings, memory: int | None,
                 out: Path, man: mf.Manifest, summary: BatchSummary) -> bool:
    """Scan `todo`; True when every site got a result, False when interrupted."""
    import dask
    from distributed import Client, as_completed

    from analyzer.batch.isolate import task
    from analyzer.batch.plugin import ScanProcessPlugin

    with dask.config.set(cluster_config()):
        cluster = None
        try:
            if settings.scheduler:
                client = Client(settings.scheduler, timeout="30s")
            else:
                cluster = _start_cluster(settings, memory)
                client = Client(cluster)
        except OSError as e:
            raise ValueError(f"cannot reach the Dask scheduler {settings.scheduler}: {e}") from None
        try:
            client.register_plugin(ScanProcessPlugin())
            return _drive(client, as_completed, task, todo, hashes, settings, memory, out, man, summary)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


PREFETCH = 2  # sites in flight per worker thread: the next one is waiting when a worker finishes one


def _drive(client, as_completed, task, todo, hashes, settings, memory, out, man, summary) -> bool:
    """Keep PREFETCH sites per worker thread in flight. When a worker dies, every site it held fails, not only
    the one it was scanning: each of those is retried *alone* (nothing else in flight), so a second death
    can only be that site's own doing, and only then is it recorded as `crashed`."""
    pending = deque(todo)
    suspects: deque = deque()  # sites whose worker died under them, to be retried alone
    inflight: dict = {}
    ac = as_completed()
    capacity = {"n": 1, "at": 0.0}
    solo = {"on": False}

    def slots() -> int:
        now = time.monotonic()
        if now - capacity["at"] > 1.0:
            try:
                capacity["n"] = max(1, sum(client.nthreads().values()))
            except Exception:  # noqa: BLE001 - keep the last known figure
                pass
            capacity["at"] = now
        return capacity["n"]

    def submit(spec: SiteSpec, attempt: int) -> None:
        key = f"formleak-site-{hashlib.sha256(spec.site.encode('utf-8', 'surrogateescape')).hexdigest()[:16]}-{attempt}"
        fut = client.submit(task, spec.path, spec.site, settings.options, hashes[spec.site], settings.site_budget,
                            memory, key=key, pure=False, retries=0)
        inflight[fut] = (spec, attempt)
        ac.add(fut)

    def refill() -> None:
        if suspects or solo["on"]:
            if not inflight:  # drained: the next suspect runs alone
                solo["on"] = bool(suspects)
                if suspects:
                    submit(suspects.popleft(), 2)
            return
        n = slots() * PREFETCH
        while pending and len(inflight) < n:
            submit(pending.popleft(), 1)

    def crashed(spec: SiteSpec, attempt: int, e: BaseException) -> SiteOutcome:
        err = f"the worker died twice while scanning this site, the second time with no other site ({type(e).__name__})"
        return SiteOutcome(spec.site, "crashed",
                           (site_row(spec.site, "crashed", error=err, input_hash=hashes[spec.site]),), err, 0.0, attempt)

    with _Progress(settings.progress, summary.sites, summary.skipped) as progress:
        try:
            refill()
            for fut in ac:
                spec, attempt = inflight.pop(fut)
                try:
                    outcome = fut.result()
                except Exception as e:  # noqa: BLE001 - KilledWorker, a lost connection: the worker died
                    fut.release()
                    if attempt < 2:
                        suspects.append(spec)
                        refill()
                        continue
                    outcome = crashed(spec, attempt, e)
                fut.release()
                refill()  # the next site starts while this one's rows are written
                _record(outcome, spec, hashes[spec.site], settings.fmt, out, man, attempt)
                summary.scanned += 1
                progress.advance()
                if not inflight:
                    refill()  # a solo retry just ended
        except KeyboardInterrupt:
            for fut in list(inflight):
                fut.cancel()
            return False
    return True


def print_summary(summary: BatchSummary, quiet: bool) -> None:
    if not quiet:
        print(summary.line(), file=sys.stderr)
