"""The Dask worker plugin that owns a worker's scan process (isolate.py) and stops it with the worker."""
from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin

from analyzer.batch.isolate import PLUGIN_NAME, ScanProcess


class ScanProcessPlugin(WorkerPlugin):
    name = PLUGIN_NAME

    def __init__(self) -> None:
        self._process: ScanProcess | None = None

    def setup(self, worker) -> None:
        self._process = None

    def teardown(self, worker) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None

    def process(self, memory_bytes: int | None) -> ScanProcess:
        """The worker's scan process for this memory limit (a new one if the limit changed)."""
        if self._process is not None and self._process.memory_bytes != memory_bytes:
            self._process.stop()
            self._process = None
        if self._process is None:
            self._process = ScanProcess(memory_bytes)
        return self._process
