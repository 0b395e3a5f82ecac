"""Stage 1: discovery. Which files of the given paths are scanned, and why others are not.

Folders are walked with an explicit stack (no recursion), by `lstat`: only regular files are read (FIFOs,
sockets and devices are skipped with a note, so nothing can block or stream forever), the size is checked
before reading and reads are bounded (`safeio.read_regular`). A symbolic link is followed only when what it
points to lies inside the scan root (a link out of the root is reported, never read); a folder link back
into a folder being walked is a loop (reported, not followed). A file reached under several names (links,
hard links) is scanned once, under the name found first in the walk (names sorted, a folder's files before
its sub-folders), with a note for each other name. Every file passed over for a reason other than its
extension or an exclude pattern gets a notification — nothing is skipped silently.

Exclude patterns and ignore files (`.formleakignore`, `.gitignore` with `--respect-gitignore`) have
gitignore semantics: see `analyzer/ignore.py`.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from analyzer.har import read_har
from analyzer.ignore import Ignore, initial, read_pattern_files
from analyzer.model import Notification, SourceFile
from analyzer.safeio import MAX_FILE_BYTES, ReadError, kind_of, read_regular

KINDS = {
    ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "js",
    ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx",
    ".html": "html", ".htm": "html",
    # server-side templates of shop platforms: their <script> blocks and on…= attributes are front-end code
    ".php": "html", ".phtml": "html", ".twig": "html", ".liquid": "html", ".tpl": "html", ".ejs": "html",
    ".hbs": "html", ".erb": "html", ".jsp": "html", ".cshtml": "html", ".vue": "html", ".svelte": "html",
    ".har": "har",
}
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox"}
MAX_BYTES = MAX_FILE_BYTES
MAX_FILES = 100_000  # files read per scan
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # bytes read per scan

# Notification reasons that mean "this file (or folder) was not scanned" (the text summary counts them).
SKIP_REASONS = frozenset({
    "not-found", "unreadable", "too-large", "binary", "special-file", "outside-root", "broken-symlink",
    "symlink-loop", "duplicate", "excluded-dir", "har-error", "file-limit", "library", "changed",
})


def _kind(name: str) -> str | None:
    dot = name.rfind(".")
    return KINDS.get(name[dot:].lower()) if dot > 0 else None  # as Path.suffix: `.js` alone has none


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


class _Walk:
    def __init__(self, respect_gitignore: bool) -> None:
        self.files: list[SourceFile] = []
        self.notes: list[Notification] = []
        self.seen: dict[tuple[int, int], str] = {}  # (device, inode) -> the name it was scanned under
        self.respect_gitignore = respect_gitignore
        self.total = 0
        self.limit_noted = False

    def note(self, rel: str, level: str, reason: str, message: str) -> None:
        self.notes.append(Notification(rel, level, reason, message))

    # ------------------------------------------------------------------------------------------- files
    def add_file(self, path: str, rel: str, kind: str, st: os.stat_result, follow: bool) -> None:
        key = (st.st_dev, st.st_ino)
        first = self.seen.get(key)
        if first is not None:
            self.note(rel, "note", "duplicate", f"same file as {first} (a link to it); scanned once, under that name")
            return
        self.seen[key] = rel
        if len(self.files) >= MAX_FILES or self.total + st.st_size > MAX_TOTAL_BYTES:
            self.note(rel, "warning", "file-limit",
                      f"the scan already read {len(self.files)} files ({self.total / 1e6:.0f} MB), its limit; "
                      "not scanned")
            return
        try:
            data = read_regular(path, MAX_BYTES, follow_symlinks=follow, expect=st)
        except ReadError as e:
            self.note(rel, "warning" if e.reason in ("too-large", "special-file") else "error", e.reason, e.message)
            return
        except OSError as e:
            self.note(rel, "error", "unreadable", f"cannot read file: {e.strerror or e}")
            return
        self.total += len(data)
        if b"\x00" in data[:8192]:
            self.note(rel, "warning", "binary", "file contains NUL bytes (binary); not scanned")
            return
        if kind == "har":
            files, notes = read_har(Path(path), rel, data)
            self.files.extend(files)
            self.notes.extend(notes)
            return
        self.files.append(SourceFile(path=Path(path), rel=rel, kind=kind, data=data))

    # ------------------------------------------------------------------------------------------- folders
    def walk(self, root: Path, ignore: Ignore) -> None:
        root_real = os.path.realpath(root)
        try:
            rst = os.stat(root)
        except OSError as e:
            self.note("", "error", "unreadable", f"cannot read folder: {e.strerror or e}")
            return
        stack = [(str(root), "", frozenset({(rst.st_dev, rst.st_ino)}), ignore)]
        while stack:
            d, drel, ancestors, ign = stack.pop()
            ign = ign.with_files(read_pattern_files(Path(d), drel, self.respect_gitignore, self.notes))
            try:
                with os.scandir(d) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as e:
                self.note(drel.rstrip("/"), "error", "unreadable", f"cannot list folder: {e.strerror or e}")
                continue
            subdirs = []
            for e in entries:
                name = e.name
                rel = drel + name
                try:
                    lst = e.stat(follow_symlinks=False)
                except OSError as err:
                    self.note(rel, "error", "unreadable", f"cannot read: {err.strerror or err}")
                    continue
                mode = lst.st_mode
                st = lst
                link = stat.S_ISLNK(mode)
                if link:
                    try:
                        st = os.stat(e.path)
                    except OSError:
                        if not ign.excluded(name, False):
                            self.note(rel, "warning", "broken-symlink", "symbolic link points nowhere")
                        continue
                    mode = st.st_mode
                is_dir = stat.S_ISDIR(mode)
                if ign.excluded(name, is_dir):
                    continue
                kind = None if is_dir else _kind(name)
                if link and (is_dir or kind or not stat.S_ISREG(mode)):
                    real = os.path.realpath(e.path)
                    if not _inside(real, root_real):
                        self.note(rel, "warning", "outside-root",
                                  "symbolic link to a path outside the scan root; not followed")
                        continue
                if is_dir:
                    if name in SKIP_DIRS:
                        self.note(rel, "note", "excluded-dir",
                                  f"folder {name} is not scanned (third-party or tooling folder)")
                        continue
                    key = (st.st_dev, st.st_ino)
                    if key in ancestors:
                        self.note(rel, "warning", "symlink-loop",
                                  "symbolic link loops back to a folder being scanned; not followed")
                        continue
                    subdirs.append((e.path, rel + "/", ancestors | {key}, ign.enter(name)))
                elif stat.S_ISREG(mode):
                    if kind is not None:
                        if link:
                            self.add_file(os.path.realpath(e.path), rel, kind, st, follow=False)
                        else:
                            self.add_file(e.path, rel, kind, st, follow=False)
                else:
                    self.note(rel, "warning", "special-file", f"{kind_of(mode)}, not a regular file; not read")
            stack.extend(reversed(subdirs))


def discover(roots: list[Path], exclude: list[str] | tuple = (), *,
             respect_gitignore: bool = False) -> tuple[list[SourceFile], list[Notification]]:
    """The files to scan under `roots`, and a notification for everything passed over. `exclude` (the
    config's patterns, then `--exclude`'s) are gitignore-style patterns relative to each scan root."""
    w = _Walk(respect_gitignore)
    for root in roots:
        root = Path(root)
        try:
            st = os.stat(root)
        except OSError:
            w.note(os.fspath(root), "error", "not-found", f"{root}: no such file or folder")
            continue
        if stat.S_ISDIR(st.st_mode):
            w.walk(root, initial(root, exclude, respect_gitignore, w.notes))
        elif stat.S_ISREG(st.st_mode):
            kind = _kind(root.name)
            ign = initial(root.parent, exclude, respect_gitignore, w.notes)
            ign = ign.with_files(read_pattern_files(root.parent, "", respect_gitignore, w.notes))
            if kind is not None and not ign.excluded(root.name, False):
                w.add_file(os.fspath(root), root.name, kind, st, follow=True)
        else:
            w.note(os.fspath(root), "error", "special-file", f"{root}: {kind_of(st.st_mode)}, not a file or folder")
    w.files.sort(key=lambda f: f.rel)
    w.notes.sort(key=lambda n: (n.path, n.reason, n.message))
    return w.files, w.notes
