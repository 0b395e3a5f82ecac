"""Stage 1: discovery. Which files of the given paths are scanned, and why others are not.

Folders are walked with an explicit stack (no recursion), symlinks are followed once (a link back into a
folder already being walked is a loop: reported, not followed), and every file passed over for a reason
other than its extension gets a notification — nothing is skipped silently.
"""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from analyzer.model import Notification, SourceFile

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
MAX_BYTES = 32 * 1024 * 1024


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover(roots: list[Path], exclude: list[str] | tuple = ()) -> tuple[list[SourceFile], list[Notification]]:
    files: list[SourceFile] = []
    notes: list[Notification] = []
    seen_files: set[str] = set()
    for root in roots:
        root = Path(root)
        base = root if root.is_dir() else root.parent
        if root.is_file():
            _add_file(root, base, files, notes, seen_files, exclude)
            continue
        if not root.is_dir():
            notes.append(Notification(str(root), "error", "not-found", f"{root}: no such file or folder"))
            continue
        stack = [(root, frozenset({os.path.realpath(root)}))]
        while stack:
            d, ancestors = stack.pop()
            try:
                entries = sorted(os.scandir(d), key=lambda e: e.name)
            except OSError as e:
                notes.append(Notification(_rel(d, base), "error", "unreadable", f"cannot list folder: {e.strerror}"))
                continue
            subdirs = []
            for e in entries:
                p = Path(e.path)
                rel = _rel(p, base)
                if any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(rel + "/", g) for g in exclude):
                    continue
                try:
                    is_dir = e.is_dir(follow_symlinks=True)
                except OSError:
                    is_dir = False
                if is_dir:
                    if e.name in SKIP_DIRS:
                        notes.append(Notification(rel, "note", "excluded-dir",
                                                  f"folder {e.name} is not scanned (third-party or tooling folder)"))
                        continue
                    real = os.path.realpath(e.path)
                    if real in ancestors:
                        notes.append(Notification(rel, "warning", "symlink-loop",
                                                  "symbolic link loops back to a folder being scanned; not followed"))
                        continue
                    subdirs.append((p, ancestors | {real}))
                elif e.is_symlink() and not os.path.exists(e.path):
                    notes.append(Notification(rel, "warning", "broken-symlink", "symbolic link points nowhere"))
                else:
                    _add_file(p, base, files, notes, seen_files, exclude)
            stack.extend(reversed(subdirs))
    files.sort(key=lambda f: f.rel)
    notes.sort(key=lambda n: (n.path, n.reason))
    return files, notes


def _add_file(p: Path, base: Path, files, notes, seen, exclude) -> None:
    kind = KINDS.get(p.suffix.lower())
    if kind is None:
        return
    rel = _rel(p, base)
    if exclude and any(fnmatch.fnmatch(rel, g) for g in exclude):
        return
    real = os.path.realpath(p)
    if real in seen:
        return
    seen.add(real)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            notes.append(Notification(rel, "warning", "too-large",
                                      f"{size / 1e6:.1f} MB is over the {MAX_BYTES // (1024 * 1024)} MiB limit; not scanned"))
            return
        data = p.read_bytes()
    except OSError as e:
        notes.append(Notification(rel, "error", "unreadable", f"cannot read file: {e.strerror}"))
        return
    if b"\x00" in data[:8192]:
        notes.append(Notification(rel, "warning", "binary", "file contains NUL bytes (binary); not scanned"))
        return
    if kind == "har":
        _add_har(p, rel, data, files, notes)
        return
    files.append(SourceFile(path=p, rel=rel, kind=kind, data=data))


def _add_har(p: Path, rel: str, data: bytes, files, notes) -> None:
    """A HAR capture of a page load: every HTML and JavaScript response in it becomes a file of the scan,
    named `<capture>/<host>/<path>` so that pages and their scripts keep their relative layout."""
    import base64
    import binascii
    import json
    from urllib.parse import urlsplit

    try:
        har = json.loads(data.decode("utf-8", "replace"))
        entries = har["log"]["entries"]
    except (ValueError, KeyError, TypeError) as e:
        notes.append(Notification(rel, "error", "har-error", f"not a readable HAR capture: {e}"))
        return
    seen: set[str] = set()
    for entry in entries if isinstance(entries, list) else []:
        try:
            url = entry["request"]["url"]
            content = entry["response"]["content"]
            text = content.get("text")
            mime = (content.get("mimeType") or "").split(";")[0].strip().lower()
        except (KeyError, TypeError, AttributeError):
            continue
        if not text or not isinstance(text, str):
            continue
        parts = urlsplit(url)
        path = parts.path or "/"
        if "html" in mime:
            kind = "html"
            if path.endswith("/"):
                path += "index.html"
            elif not path.lower().endswith((".html", ".htm")):
                path += ".html"
        elif "javascript" in mime or "ecmascript" in mime or path.lower().endswith((".js", ".mjs")):
            kind = "js"
            if not path.lower().endswith((".js", ".mjs", ".cjs")):
                path += ".js"
        else:
            continue
        vrel = f"{rel}/{parts.hostname or 'host'}{path}"
        if vrel in seen:
            continue
        seen.add(vrel)
        if content.get("encoding") == "base64":
            try:
                body = base64.b64decode(text)
            except (binascii.Error, ValueError):
                notes.append(Notification(vrel, "warning", "har-error", "response body is not valid base64"))
                continue
        else:
            body = text.encode("utf-8")
        files.append(SourceFile(path=p, rel=vrel, kind=kind, data=body, origin=f"{parts.scheme}://{parts.netloc}"))
