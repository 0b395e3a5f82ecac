"""Per-stage timings and the slowest files of one scan (`--stats`).

A `StageClock` is created by the engine for one scan and handed to nothing else: there is no global
state. Timings are wall-clock seconds and so are never part of a deterministic report unless asked for.
"""
from __future__ import annotations

import resource
import time
from contextlib import contextmanager

STAGES = ("discover", "pages", "bundle", "parse", "extract", "link", "triggers", "sinks", "paths", "findings", "locate")


class StageClock:
    def __init__(self) -> None:
        self.stages: dict[str, float] = {s: 0.0 for s in STAGES}
        self.files: dict[str, float] = {}
        self.start = time.perf_counter()

    @contextmanager
    def stage(self, name: str, file: str | None = None):
        t = time.perf_counter()
        try:
            yield
        finally:
            dt = time.perf_counter() - t
            self.stages[name] = self.stages.get(name, 0.0) + dt
            if file is not None:
                self.files[file] = self.files.get(file, 0.0) + dt

    def move(self, src: str, dst: str, seconds: float) -> None:
        """Book `seconds` measured inside stage `src` (parsing done by the extraction) under `dst`."""
        seconds = min(seconds, self.stages.get(src, 0.0))
        self.stages[src] = self.stages.get(src, 0.0) - seconds
        self.stages[dst] = self.stages.get(dst, 0.0) + seconds

    def summary(self, slowest: int = 5) -> dict:
        total = time.perf_counter() - self.start
        files = sorted(self.files.items(), key=lambda kv: (-kv[1], kv[0]))[:slowest]
        return {"total_seconds": round(total, 3),
                "stages": {k: round(v, 3) for k, v in self.stages.items()},
                "slowest_files": [{"path": p, "seconds": round(s, 3)} for p, s in files],
                "peak_rss_mb": round(peak_rss_mb(), 1)}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def format_stats(s: dict) -> str:
    lines = [f"formleak stats: {s['total_seconds']:.2f} s in all, peak RSS {s['peak_rss_mb']:.0f} MB"]
    for k, v in s["stages"].items():
        lines.append(f"  {k:<9} {v:8.3f} s")
    if s["slowest_files"]:
        lines.append("  slowest files (parse + extract):")
        for f in s["slowest_files"]:
            lines.append(f"    {f['seconds']:8.3f} s  {f['path']}")
    return "\n".join(lines)
