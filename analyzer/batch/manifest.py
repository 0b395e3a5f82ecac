"""The resumable manifest of a batch output folder, and the lock that keeps one batch per folder.

`OUT/manifest.jsonl` is append-only: one JSON line per finished site, written (in one `write`) only after
the site's part file has been renamed into place:

    {"site": "shop-a", "input_hash": "…", "version": "0.1.0", "status": "ok", "part": "parts/….jsonl",
     "seconds": 0.41, "attempts": 1}

The last line of a site wins. A site is done when its last line has the same input hash and formleak version
as now, a status other than `crashed`, and its part file exists; anything else is scanned (again). A run
killed at any moment leaves at worst a torn last line (ignored and cut off on the next load) or a part
file without a manifest line (scanned again, the part replaced): the sites in flight are lost, nothing is
counted twice. (A power loss may also lose the last lines, or a renamed part whose line survived: a site
whose part is missing is not done, so it is scanned again.)
"""
from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.jsonl"
LOCK = ".formleak-batch.lock"
RETRIED = ("crashed",)


class LockedError(Exception):
    """Another batch is writing to the same output folder."""


@dataclass(frozen=True)
class Entry:
    site: str
    input_hash: str
    version: str
    status: str
    part: str
    seconds: float
    attempts: int


def load(out: Path) -> dict[str, Entry]:
    """The last entry of every site; a torn trailing line (from a kill mid-write) is cut off the file."""
    path = Path(out) / MANIFEST
    entries: dict[str, Entry] = {}
    if not path.exists():
        return entries
    data = path.read_bytes()
    good_end = 0
    pos = 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        if nl < 0:
            break  # no newline: torn
        line = data[pos:nl]
        pos = nl + 1
        try:
            d = json.loads(line)
            e = Entry(str(d["site"]), str(d["input_hash"]), str(d["version"]), str(d["status"]), str(d["part"]),
                      float(d.get("seconds", 0.0)), int(d.get("attempts", 1)))
        except (ValueError, KeyError, TypeError):
            if pos >= len(data):
                break  # a torn last line that happens to end with a newline byte inside: drop it too
            continue  # a damaged line in the middle: skip it (that site is scanned again)
        entries[e.site] = e
        good_end = pos
    if good_end < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(good_end)
            os.fsync(fh.fileno())
    return entries


def is_done(entry: Entry | None, input_hash: str, version: str, out: Path) -> bool:
    return (entry is not None and entry.input_hash == input_hash and entry.version == version
            and entry.status not in RETRIED and (Path(out) / entry.part).is_file())


class Manifest:
    """Appends entries to OUT/manifest.jsonl, each one handed to the OS before the call returns."""

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / MANIFEST
        self._fh = open(self.path, "ab", buffering=0)

    def append(self, entry: Entry) -> None:
        d = {"site": entry.site, "input_hash": entry.input_hash, "version": entry.version, "status": entry.status,
             "part": entry.part, "seconds": round(entry.seconds, 3), "attempts": entry.attempts}
        self._fh.write(json.dumps(d, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


class FolderLock:
    """An exclusive, non-blocking flock on OUT/.formleak-batch.lock (released when the process dies)."""

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / LOCK
        self._fh = None

    def __enter__(self) -> "FolderLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a+b")
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._fh.close()
            raise LockedError(f"another formleak batch is writing to {self.path.parent}") from None
        return self

    def __exit__(self, *_exc) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
