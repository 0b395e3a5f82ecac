"""Finding and reading the source map of a scanned JavaScript file, and naming its sources.

Where a map comes from (in this order):
1. the last `//# sourceMappingURL=URL` (or the old `//@ sourceMappingURL=`) comment of the file, when only
   whitespace and other comments follow it: a `data:application/json[;charset=utf-8];base64,…` URL (or a
   percent-encoded `data:` URL), or a relative path resolved against the file's folder;
2. else `<file>.map` beside the file, when it exists.

Maps are untrusted input. A map is never fetched (`http:`, `https:`, `//host`… URLs are refused), never read
from an absolute or `file:` path, never read outside the scan root (a `..` that climbs out, or a symbolic
link whose target lies outside, is refused), never read when it is larger than `MAX_MAP_BYTES`. Each
refusal and each broken map is a warning Notification on the bundle, whose findings then stay at their
generated positions. `.map` files are not scanned as code (discovery does not know the extension).

Naming the sources (`BundleMap.paths`, one per `sources` entry): the map's source name (with `sourceRoot`)
is resolved against the map's folder, inside the scan root, and turned into a scan-root-relative path like
any other file. Bundler names are normalised first: `webpack://NAMESPACE/./src/a.js`, `webpack:///src/a.js`
and `webpack-internal:///./src/a.js` name `src/a.js` relative to the webpack project folder (the first of
the map's folder and its parents in which that file is part of the scan; else the parent of the map's
folder), and Parcel's `sourceRoot` `/__parcel_source_root/` the same way; a query (`?vue&type=script`) is
dropped. A source name that is a URL, an absolute path, a `file:` URL or climbs out of the scan root gets
no path (None): findings there stay at generated positions, and one note names such sources.
"""
from __future__ import annotations

import base64
import binascii
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes

from analyzer.model import Notification, SourceFile
from analyzer.bundle.sourcemap import MAX_MAP_BYTES, MapError, Positions, SourceMap, parse

_COMMENT_HEAD_RE = re.compile(rb"(?://|/\*)[#@][ \t]*\Z")
_COMMENT_URL_RE = re.compile(rb"([^\s*'\"]*)[ \t]*(?:\*/)?")
_TRAILER_RE = re.compile(rb"(?:\s|//[^\n]*|/\*.*?\*/)*\Z", re.S)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_WEBPACK_RE = re.compile(r"^(?:webpack|webpack-internal)://[^/]*/")
_PARCEL_ROOT = "/__parcel_source_root/"
MAP_KINDS = ("js", "ts", "tsx")


@dataclass(frozen=True)
class BundleMap:
    """A usable map of one scanned file (`bundle`, scan-root-relative)."""

    bundle: str
    where: str  # the map's scan-root-relative path, or 'data: URL'
    smap: SourceMap
    paths: tuple[str | None, ...]  # per source index: scan-root-relative path, or None (unusable name)


def map_comment(data: bytes) -> str | None:
    """The URL of the file's trailing `sourceMappingURL` comment, or None."""
    end = len(data)
    for _ in range(8):  # the last occurrence written as a comment; only whitespace and comments after it
        i = data.rfind(b"sourceMappingURL=", 0, end)
        if i < 0:
            return None
        end = i
        if not _COMMENT_HEAD_RE.search(data, max(0, i - 8), i):
            continue
        m = _COMMENT_URL_RE.match(data, i + len(b"sourceMappingURL="))
        if not _TRAILER_RE.match(data, m.end()):
            return None
        return m.group(1).decode("utf-8", "replace")
    return None


def _scan_base(f: SourceFile) -> Path | None:
    """The folder `f.rel` is relative to (its scan root), or None for files with no place on disk (HAR)."""
    if f.origin is not None:
        return None
    parts = f.rel.split("/")
    p = Path(f.path)
    if list(p.parts[-len(parts):]) != parts:
        return None
    for _ in parts:
        p = p.parent
    return p


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def read_capped(path: Path, limit: int) -> bytes:
    """The only place a map file is read (tests watch it). Reads at most limit+1 bytes."""
    with open(path, "rb") as fh:
        return fh.read(limit + 1)


def _data_url(url: str) -> bytes:
    head, sep, body = url.partition(",")
    if not sep:
        raise MapError("malformed data: URL (no comma)")
    params = [p.strip().lower() for p in head[len("data:"):].split(";")]
    if params and params[0] not in ("application/json", "text/json", "application/octet-stream", ""):
        raise MapError(f"data: URL of type {params[0]!r}, not JSON")
    if len(body) > MAX_MAP_BYTES * 4 // 3 + 4:
        raise MapError(f"inline map is over the {MAX_MAP_BYTES} byte limit")
    if "base64" in params[1:]:
        try:
            return base64.b64decode(unquote(body), validate=True)
        except (binascii.Error, ValueError) as e:
            raise MapError(f"inline map is not valid base64: {e}") from None
    return unquote_to_bytes(body)


class MapReader:
    """Reads each file's map at most once for the whole scan: the bundle stage asks for the maps of files
    with module wrappers (to name their modules), the locate stage for those of files with findings."""

    def __init__(self, files: list[SourceFile]):
        self.files = {f.rel: f for f in files}
        self.known = frozenset(self.files)
        self.loaded: dict[str, tuple] = {}

    def source_at_of(self, unit):
        """(source_at, name_at, sources_between) for a unit that is a whole file with a usable map (else
        None): (byte offset) -> the original source name there / the original name of the identifier there;
        (start, end) -> the sources of every segment in that range."""
        f = self.files.get(unit.rel)
        if f is None or f.kind not in MAP_KINDS or getattr(unit, "line_off", 0) or getattr(unit, "col_off", 0):
            return None
        if f.rel not in self.loaded:
            self.loaded[f.rel] = load_map(f, self.known)
        bm = self.loaded[f.rel][0]
        if bm is None:
            return None
        pos = Positions(f.data)
        smap = bm.smap
        return (lambda off: smap.source_from(*pos.point(off)), lambda off: smap.name_at(*pos.point(off)),
                lambda a, b: smap.sources_between(pos.point(a), pos.point(b)))


def load_map(f: SourceFile, known: frozenset[str] | set[str] = frozenset()
             ) -> tuple[BundleMap | None, list[Notification]]:
    """The usable map of `f` (None when it has none or it cannot be used) and the notifications about it.
    `known`: the scan-root-relative paths of the files in the scan (to place webpack-style names)."""
    if f.kind not in MAP_KINDS:
        return None, []
    url = map_comment(f.data)
    base = _scan_base(f)
    try:
        if url is not None and url.lower().startswith("data:"):
            data, where = _data_url(url), "data: URL"
        elif url is not None:
            if base is None:
                raise _Refused(f"map {url!r} of a file with no place on disk is not looked for")
            data, where = _read_relative(f, base, url)
        else:
            if base is None:
                return None, []
            beside = f.rel + ".map"
            p = base / beside
            if not os.path.lexists(p):
                return None, []
            data, where = _read_checked(base, beside)
        smap = parse(data)
    except _Missing as e:  # common in production: the comment stays, the map is not deployed
        return None, [Notification(f.rel, "note", "sourcemap-missing",
                                   f"source map not found: {e}; findings are reported at bundle positions")]
    except _Refused as e:
        return None, [Notification(f.rel, "warning", "sourcemap-refused",
                                   f"source map not used: {e}; findings are reported at bundle positions")]
    except MapError as e:
        return None, [Notification(f.rel, "warning", "sourcemap-error",
                                   f"source map not used: {e}; findings are reported at bundle positions")]
    except Exception as e:  # noqa: BLE001 - a hostile map must never stop the scan
        return None, [Notification(f.rel, "warning", "sourcemap-error",
                                   f"source map not used ({type(e).__name__}: {e}); "
                                   "findings are reported at bundle positions")]
    map_dir = posixpath.dirname(where) if where != "data: URL" else posixpath.dirname(f.rel)
    paths, bad = resolve_sources(smap, map_dir, known)
    notes = []
    if bad:
        shown = ", ".join(repr(b[:80]) for b in bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        notes.append(Notification(f.rel, "note", "sourcemap-source-outside",
                                  f"{len(bad)} source(s) of the map are URLs, absolute paths or lie outside the "
                                  f"scan root ({shown}): code from them is reported at bundle positions"))
    return BundleMap(f.rel, where, smap, paths), notes


class _Refused(Exception):
    pass


class _Missing(Exception):
    pass


def _read_relative(f: SourceFile, base: Path, url: str) -> tuple[bytes, str]:
    if _SCHEME_RE.match(url) or url.startswith(("//", "\\\\")):
        raise _Refused(f"{url[:100]!r} is a URL; maps are never fetched")
    path = unquote(url.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")
    if not path:
        raise _Refused("empty sourceMappingURL")
    if path.startswith("/") or re.match(r"^[A-Za-z]:/", path):
        raise _Refused(f"{path[:100]!r} is an absolute path")
    rel = posixpath.normpath(posixpath.join(posixpath.dirname(f.rel), path))
    if rel == ".." or rel.startswith("../") or "\x00" in rel:
        raise _Refused(f"{path[:100]!r} lies outside the scan root")
    return _read_checked(base, rel)


def _read_checked(base: Path, rel: str) -> tuple[bytes, str]:
    p = base / rel
    real = os.path.realpath(p)
    if not _inside(real, os.path.realpath(base)):
        raise _Refused(f"{rel!r} is a symbolic link to outside the scan root")
    if not os.path.isfile(real):
        raise _Missing(f"{rel!r} does not exist or is not a file")
    size = os.path.getsize(real)
    if size > MAX_MAP_BYTES:
        raise MapError(f"{rel!r} is {size} bytes, over the {MAX_MAP_BYTES} byte limit")
    try:
        data = read_capped(Path(real), MAX_MAP_BYTES)
    except OSError as e:
        raise _Refused(f"{rel!r} cannot be read: {e.strerror}") from None
    if len(data) > MAX_MAP_BYTES:
        raise MapError(f"{rel!r} is over the {MAX_MAP_BYTES} byte limit")
    return data, rel


def resolve_sources(smap: SourceMap, map_dir: str, known) -> tuple[tuple[str | None, ...], list[str]]:
    """Scan-root-relative paths for every source of the map (None: unusable) and the unusable names."""
    out: list[str | None] = []
    bad: list[str] = []
    for i, raw in enumerate(smap.sources):
        if raw is None:
            out.append(None)
            continue
        full = smap.full_source(i) or ""
        path = _resolve(full, raw, smap.source_root, map_dir, known)
        has_text = i < len(smap.sources_content) and smap.sources_content[i] is not None
        if path is None and has_text:
            path = _above_root(full, map_dir)
        if path is None:
            bad.append(full)
        out.append(path)
    return tuple(out), bad


MAX_ABOVE_ROOT = 2  # `../` levels a source may name above the scan root (`dist/assets/x.js` → `../../src/`)


def _above_root(full: str, map_dir: str) -> str | None:
    """A relative source above the scan root (`formleak scan dist/` of a build whose map names `../src/main.jsx`),
    when the map carries its text: a name for the finding, relative to the scan root; nothing is ever read
    there (snippets come from `sourcesContent`). URLs, absolute paths and deeper climbs stay unusable."""
    full = _clean(unquote(full.split("#", 1)[0].split("?", 1)[0])) if full else None
    if not full or _SCHEME_RE.match(full) or full.startswith("/"):
        return None
    rel = posixpath.normpath(posixpath.join(map_dir, full)) if map_dir else posixpath.normpath(full)
    parts = rel.split("/")
    ups = 0
    while ups < len(parts) and parts[ups] == "..":
        ups += 1
    if ups == 0 or ups > MAX_ABOVE_ROOT or ups == len(parts) or ".." in parts[ups:]:
        return None
    return rel


def _clean(p: str) -> str | None:
    p = p.replace("\\", "/")
    if any(ord(c) < 32 for c in p):
        return None
    return p


def _resolve(full: str, raw: str, root: str, map_dir: str, known) -> str | None:
    full = _clean(full)
    if full is None:
        return None
    project = None
    if root == _PARCEL_ROOT or root.rstrip("/") == _PARCEL_ROOT.rstrip("/"):
        project = _clean(raw)
    else:
        m = _WEBPACK_RE.match(full)
        if m:
            project = full[m.end():]
    if project is not None:
        project = project.split("?", 1)[0]
        if not project or project.startswith("/") or _SCHEME_RE.match(project):
            return None
        project = posixpath.normpath(project)
        if project == ".." or project.startswith("../"):
            return None
        d = map_dir
        while True:
            cand = posixpath.normpath(posixpath.join(d, project)) if d else project
            if cand in known:
                return cand
            if not d:
                break
            d = posixpath.dirname(d)
        parent = posixpath.dirname(map_dir)
        return posixpath.normpath(posixpath.join(parent, project)) if parent else project
    if _SCHEME_RE.match(full) or full.startswith("/") or full.startswith("//"):
        return None  # a URL, a file: URL or an absolute path: a name, not a place in the scan
    full = _clean(unquote(full.split("#", 1)[0].split("?", 1)[0]))  # a relative URL: `?v=3`, `%20`
    if not full or full.startswith("/"):
        return None
    rel = posixpath.normpath(posixpath.join(map_dir, full)) if map_dir else posixpath.normpath(full)
    if rel == ".." or rel.startswith("../") or rel == ".":
        return None
    return rel


def load_maps(files: list[SourceFile], wanted: set[str] | None = None, loaded: dict | None = None
              ) -> tuple[dict[str, BundleMap], list[Notification]]:
    """Maps of the scanned JavaScript files (only of those in `wanted`, when given). `loaded`: rel ->
    load_map's answer for files whose map an earlier stage already read (not read twice, noted once)."""
    known = frozenset(f.rel for f in files)
    maps: dict[str, BundleMap] = {}
    notes: list[Notification] = []
    for f in files:
        if wanted is not None and f.rel not in wanted:
            continue
        bm, ns = loaded[f.rel] if loaded is not None and f.rel in loaded else load_map(f, known)
        notes.extend(ns)
        if bm is not None:
            maps[f.rel] = bm
    return maps, notes
