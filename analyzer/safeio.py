"""Bounded, safe reads of files formleak does not trust, and bounded JSON.

Every file the scan reads — sources, pages, HAR captures, ignore files, the config, the baseline — goes
through `read_regular`: it opens without blocking (a FIFO named `app.js` cannot hang the scan), refuses
anything that is not a regular file once it is open (`fstat`, so a file swapped for a device between the
check and the open is caught too), checks the size before reading and never reads more than the bound (a
file that grows while it is read is cut off and refused, not read whole).

JSON (HAR captures, baselines) is parsed by `loads_bounded`: the nesting depth is measured before the
parser runs, so a `[[[[…` of any depth is a clear error instead of a `RecursionError`.
"""
from __future__ import annotations

import errno
import itertools
import json
import os
import re
import stat
import tempfile
from pathlib import Path

MAX_FILE_BYTES = 32 * 1024 * 1024  # sources, pages and HAR captures
MAX_CONFIG_BYTES = 1024 * 1024  # config and ignore files
MAX_BASELINE_BYTES = 64 * 1024 * 1024
MAX_JSON_DEPTH = 200  # well below the interpreter's recursion limit; HAR captures nest about 10 deep


class ReadError(OSError):
    """A file that was not read: `reason` is a short machine id (`special-file`, `too-large`, …)."""

    def __init__(self, reason: str, message: str, err: int = errno.EINVAL) -> None:
        super().__init__(err, message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return self.message


class JSONLimitError(json.JSONDecodeError):
    """JSON nested deeper than the bound (a subclass of JSONDecodeError: callers report it as bad JSON)."""


_KIND = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
         (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISLNK, "a symbolic link"))


def kind_of(mode: int) -> str:
    """'a regular file', 'a FIFO (named pipe)', 'a character device', …"""
    if stat.S_ISREG(mode):
        return "a regular file"
    for test, name in _KIND:
        if test(mode):
            return name
    return "not a regular file"


def read_regular(path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES, *, follow_symlinks: bool = True,
                 expect: os.stat_result | None = None) -> bytes:
    """The bytes of a regular file of at most `max_bytes`. Raises `ReadError` (reason `special-file`,
    `too-large`, `changed`) or the `OSError` of the open/read. With `follow_symlinks=False` a symbolic link
    is refused (`O_NOFOLLOW`); `expect` (an earlier `lstat`) must name the same file (device and inode)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    if expect is not None and not stat.S_ISREG(expect.st_mode):
        raise ReadError("special-file", f"{kind_of(expect.st_mode)}, not a regular file; not read")
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if e.errno == errno.ELOOP and not follow_symlinks:
            raise ReadError("symlink", "a symbolic link; not followed") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError("special-file", f"{kind_of(st.st_mode)}, not a regular file; not read")
        if expect is not None and (st.st_dev, st.st_ino) != (expect.st_dev, expect.st_ino):
            raise ReadError("changed", "the file changed while it was being read; not read")
        if st.st_size > max_bytes:
            raise ReadError("too-large", _too_large(st.st_size, max_bytes), errno.EFBIG)
        chunks = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise ReadError("too-large", _too_large(max_bytes + 1, max_bytes), errno.EFBIG)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_large(size: int, limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{size / 1e6:.1f} MB is over the {limit // (1024 * 1024)} MiB limit; not scanned"
    return f"{size} bytes is over the {limit} byte limit; not read"


# ------------------------------------------------------------------------------------------------ JSON

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DELTA = {0x5B: 1, 0x7B: 1, 0x5D: -1, 0x7D: -1}


def json_depth(text: str, limit: int) -> int:
    """The nesting depth of JSON text, counted up to `limit + 1` (linear, no recursion; brackets inside
    strings do not count)."""
    if text.count("[") + text.count("{") <= limit:
        return 0 if "[" not in text and "{" not in text else 1  # cannot be deeper than the bound
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).encode("ascii")
    if len(brackets) <= limit:
        return 1
    return max(itertools.accumulate(map(_DELTA.__getitem__, brackets)), default=0)


def loads_bounded(text: str, max_depth: int = MAX_JSON_DEPTH):
    """`json.loads` that raises `JSONLimitError` (a `JSONDecodeError`) for JSON nested deeper than
    `max_depth`, before parsing it."""
    depth = json_depth(text, max_depth)
    if depth > max_depth:
        raise JSONLimitError(f"nested more than {max_depth} levels deep", "", 0)
    try:
        return json.loads(text)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise JSONLimitError(f"nested more than {max_depth} levels deep", "", 0) from None


def read_json(path: str | os.PathLike, max_bytes: int = MAX_BASELINE_BYTES, max_depth: int = 32):
    """A JSON file (UTF-8), bounded in size and depth. Raises `FileNotFoundError`, `OSError` (a
    `ReadError` for a special or oversized file), `UnicodeDecodeError` or `json.JSONDecodeError`."""
    return loads_bounded(read_regular(Path(path), max_bytes).decode("utf-8"), max_depth)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 text; characters that cannot be encoded (file names with bytes that are not UTF-8,
    held as lone surrogates) are written as backslash escapes (`\\udcff`), which is valid JSON."""
    Path(path).write_bytes(text.encode("utf-8", "backslashreplace"))


def write_atomic(path: Path, head: bytes, payload: bytes, suffix: str) -> bool:
    """Write `head + payload` to `path` through a temporary file in the same folder and `os.replace`, so a
    reader sees the old entry or the whole new one, never half of it. False on any OS error (a read-only
    or full disk): for a cache that only means no entry."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=suffix)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(head)
                fh.write(payload)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        return False
    return True
