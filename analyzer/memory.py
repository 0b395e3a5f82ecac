"""Handing freed memory back to the system between stages.

A syntax tree is millions of small `malloc` blocks (tree-sitter's), freed when its unit is extracted. The C
allocator keeps such freed blocks for later `malloc` calls, but most of what the later stages allocate are
small Python objects, which Python takes from arenas of its own: the tree's memory would stay resident,
unused, through linking, and count in the scan's peak. `release_freed_memory()` asks glibc to return free
pages (`malloc_trim`); elsewhere (other C libraries, other systems) it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

_trim = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _trim = getattr(_libc, "malloc_trim", None)
        if _trim is not None:
            _trim.argtypes = [ctypes.c_size_t]
            _trim.restype = ctypes.c_int
    except OSError:  # pragma: no cover - no C library to ask
        _trim = None


def release_freed_memory() -> bool:
    """Return the C heap's free pages to the system; True when the allocator could be asked."""
    if _trim is None:
        return False
    _trim(0)
    return True


# ---------------------------------------------------------------------------------------------- parse bound
# tree-sitter's syntax tree of minified code takes about 65 bytes of memory per byte of code, and a file's tree
# is held while the file is analysed: a 30 MB bundle's tree alone is 2 GB. Of a script larger than this only
# the first MAX_PARSE_BYTES are parsed and analysed (noted: `fact-limit`). Dense minified code reaches the
# graph-node bound (budget.MAX_NODES_PER_FILE) within about 6 MB anyway, so what is cut here would mostly not
# have been analysed either; a file at or below the bound is analysed exactly as before.
MAX_PARSE_BYTES = 8 * 1024 * 1024
_CUT_WINDOW = 64 * 1024  # the cut is moved back to the end of a statement within this many bytes


def parse_prefix(data: bytes, limit: int | None = None) -> int | None:
    """Where to cut a script of `data` for parsing (None: parse it whole). Deterministic: after the last `;`
    or line break within `_CUT_WINDOW` bytes before the bound, else at the bound moved back to the start of
    a UTF-8 character."""
    limit = MAX_PARSE_BYTES if limit is None else limit
    if len(data) <= limit:
        return None
    lo = max(0, limit - _CUT_WINDOW)
    at = max(data.rfind(b";", lo, limit), data.rfind(b"\n", lo, limit))
    if at >= 0:
        return at + 1
    at = limit
    while at > 0 and 0x80 <= data[at] < 0xC0:
        at -= 1
    return at


def prefix_note(rel: str, size: int, cut: int):
    from analyzer.model import Notification

    return Notification(rel, "error", "fact-limit",
                        f"only the first {cut:,} of this file's {size:,} bytes were parsed and analysed (a memory "
                        f"bound: a syntax tree takes about 65 bytes per byte of minified code; "
                        f"{MAX_PARSE_BYTES // (1024 * 1024)} MiB are parsed of one file)")
