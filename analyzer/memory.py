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
