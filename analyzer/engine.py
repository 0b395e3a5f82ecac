"""The pipeline, top to bottom (stub until the stages land)."""
from __future__ import annotations

from pathlib import Path

from analyzer.model import ScanResult


def scan(roots: list[Path], *, origin: str | None = None, exclude: list[str] | tuple = (),
         budget_seconds: float = 30.0) -> ScanResult:
    return ScanResult(roots=[str(r) for r in roots], files_scanned=[], notifications=[], findings=[],
                      complete=True, origin=origin)
