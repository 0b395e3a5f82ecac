"""The sites of a batch: what INPUT names, each site's id, and the hash of its inputs.

INPUT is either a folder (every sub-folder is a site, and so is every `.har` file directly in it; other
files at its top level are ignored) or a text file listing sites, one per line: a folder or a `.har` file,
relative to the list file's folder or absolute; blank lines and lines starting with `#` are skipped.

A site's id is its folder or file name for a folder INPUT, the line as written (with `/` separators, no
trailing `/`) for a list. The input hash is a sha256 over every regular file under the site (its path
relative to the site, its size and its bytes, in sorted order; a symbolic link contributes its target text,
not the file it points to, and is never followed), so any change of a scanned file, a source map, a HAR
capture or a file added or removed gives a new hash, and the site is scanned again on the next run.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path


class InputError(Exception):
    """INPUT does not name sites; the CLI prints it and exits 2."""


@dataclass(frozen=True)
class SiteSpec:
    site: str  # the site id (unique within a batch)
    path: str  # absolute path of the site folder or .har file


def list_sites(input_path: Path) -> list[SiteSpec]:
    """The sites INPUT names, sorted by site id."""
    input_path = Path(input_path)
    specs: list[SiteSpec] = []
    if input_path.is_dir():
        for e in sorted(os.scandir(input_path), key=lambda e: e.name):
            if e.name.startswith("."):
                continue
            if e.is_dir() or (e.is_file() and e.name.lower().endswith(".har")):
                specs.append(SiteSpec(e.name, os.path.abspath(e.path)))
    elif input_path.is_file():
        base = input_path.resolve().parent
        try:
            lines = input_path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"cannot read the site list {input_path}: {e}") from e
        seen_ids: set[str] = set()
        seen_paths: set[str] = set()
        missing = []
        for line in lines:
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            site = text.replace("\\", "/").rstrip("/") or "/"
            p = Path(text)
            full = os.path.abspath(p if p.is_absolute() else base / p)
            if not (os.path.isdir(full) or (os.path.isfile(full) and full.lower().endswith(".har"))):
                missing.append(text)
                continue
            if site in seen_ids or full in seen_paths:
                continue  # listed twice: scanned once
            seen_ids.add(site)
            seen_paths.add(full)
            specs.append(SiteSpec(site, full))
        if missing:
            raise InputError("not a site folder or .har file: " + ", ".join(missing[:10]) +
                             (f" (and {len(missing) - 10} more)" if len(missing) > 10 else ""))
    else:
        raise InputError(f"input not found: {input_path}")
    specs.sort(key=lambda s: s.site)
    return specs


def input_hash(path: str, options_digest: str) -> str:
    """sha256 over the site's files (see the module docstring) and the digest of the scan options."""
    h = hashlib.sha256()
    h.update(b"formleak-site-input/v1\0" + options_digest.encode() + b"\0")
    root = Path(path)
    if root.is_file():
        _hash_file(h, root.name, root)
        return h.hexdigest()
    stack = [root]
    entries: list[tuple[str, os.DirEntry]] = []
    while stack:
        d = stack.pop()
        try:
            listing = list(os.scandir(d))
        except OSError as e:
            h.update(f"unreadable\0{os.path.relpath(d, root)}\0{e.errno}\0".encode())
            continue
        for e in listing:
            rel = os.path.relpath(e.path, root).replace(os.sep, "/")
            if e.is_dir(follow_symlinks=False):
                stack.append(Path(e.path))
            else:
                entries.append((rel, e))
    for rel, e in sorted(entries, key=lambda t: t[0].encode("utf-8", "surrogateescape")):
        relb = rel.encode("utf-8", "surrogateescape")
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            h.update(b"gone\0" + relb + b"\0")
            continue
        if stat.S_ISLNK(st.st_mode):
            try:
                target = os.readlink(e.path)
            except OSError:
                target = ""
            h.update(b"link\0" + relb + b"\0" + target.encode("utf-8", "surrogateescape") + b"\0")
        elif stat.S_ISREG(st.st_mode):
            _hash_file(h, rel, Path(e.path))
        else:  # FIFO, device, socket: never opened
            h.update(b"special\0" + relb + b"\0")
    return h.hexdigest()


def _hash_file(h, rel: str, p: Path) -> None:
    h.update(b"file\0" + rel.encode("utf-8", "surrogateescape") + b"\0")
    try:
        with open(p, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            h.update(str(size).encode() + b"\0")
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                h.update(chunk)
    except OSError as e:
        h.update(f"unreadable\0{e.errno}\0".encode())
