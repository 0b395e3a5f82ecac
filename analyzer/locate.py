"""Stage 8: locate. Findings in source-mapped bundles are moved to the original source (SPEC §5).

Pure: `locate(findings, maps, texts) -> findings`, where `maps` are the usable maps of the scan's bundles
(`analyzer.bundle.mapfind.load_maps`) and `texts` the bytes of the scanned files (for snippets when a map has no
`sourcesContent`).

For every finding whose sink lies in a mapped bundle, and whose generated position maps (greatest lower
bound on the line; for a whole expression, its first mapped token: `SourceMap.lookup_span`) to a source that has
a place in the scan root:
- `sink` becomes the original position (path, 1-based line and UTF-16 column); the bundle position is kept
  in `Finding.generated` (SARIF: a related location "generated position in the bundle");
- the snippet is the original line, from `sourcesContent` or from the original file when it is scanned;
- each path step and each trigger location is mapped the same way (each on its own: a step whose position
  maps to nothing stays at its bundle position).
A finding whose sink maps to nothing (bundler runtime code, a source with no usable name) stays where it is.

One finding per call site: when the original file is itself in the scan, the bundle's finding and the
source's finding are the same finding, reported once, at the source. Key: (original file, original sink
line, sink API) — the source's own finding wins and records the bundle position as `generated`. Two mapped
findings (say a modern and a legacy bundle of the same source) with the same key and original column are
one too. See docs/conventions.md, "Source maps".
"""
from __future__ import annotations

import re

from dataclasses import replace

from analyzer.bundle.mapfind import BundleMap
from analyzer.model import Finding, Location, PathStep, TriggerInfo

SNIPPET_LIMIT = 160
_PACKAGE_FILE = re.compile(r"(^|/)node_modules/")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")
_LAG_LINES = 3  # lines below the mapped one where a lagging map's sink may be


class _Mapper:
    def __init__(self, maps: dict[str, BundleMap], texts):
        self.maps = maps
        self.texts = texts
        self._lines: dict[tuple[str, int], list[str] | None] = {}

    def _source_lines(self, bm: BundleMap, si: int) -> list[str] | None:
        key = (bm.bundle, si)
        if key not in self._lines:
            content = bm.smap.sources_content[si] if si < len(bm.smap.sources_content) else None
            if content is None:
                data = self.texts.get(bm.paths[si]) if bm.paths[si] else None
                if isinstance(data, (bytes, bytearray)):
                    content = bytes(data).decode("utf-8", "replace")
                elif isinstance(data, str):
                    content = data
            self._lines[key] = content.splitlines() if content is not None else None
        return self._lines[key]

    def map(self, loc: Location | None, span: bool = False) -> tuple[Location | None, str | None, bool]:
        """(location, original snippet or None, mapped?). `span`: the location is a whole expression (a
        sink call, a registration) whose first token may be the bundler's: see SourceMap.lookup_span."""
        if loc is None:
            return None, None, False
        bm = self.maps.get(loc.path)
        if bm is None:
            return loc, None, False
        if span:
            m = bm.smap.lookup_span(loc.line - 1, loc.col - 1, loc.end_line - 1, loc.end_col - 1)
            if m is not None and not self._own(bm, m.source_index):
                # `uu.post("/api/…",{…})`, a call terser inlined into the caller: its first token, the
                # library's default instance, maps to where axios declares it; the rest of the call to
                # the shop's line
                own = bm.smap.lookup_first(loc.line - 1, loc.col - 1, loc.end_line - 1, loc.end_col - 1,
                                           lambda si: self._own(bm, si))
                if own is not None:
                    m = own
        else:
            m = bm.smap.lookup(loc.line - 1, loc.col - 1)
        if m is None or bm.paths[m.source_index] is None:
            return loc, None, False
        path = bm.paths[m.source_index]
        line, col = m.line + 1, m.column + 1
        lines = self._source_lines(bm, m.source_index)
        end_line, end_col = line, col + 1
        if loc.end_col > 1:
            e = bm.smap.lookup(loc.end_line - 1, loc.end_col - 2)  # the last character of the range
            if e is not None and e.source_index == m.source_index and (e.line, e.column) >= (m.line, m.column):
                end_line, end_col = e.line + 1, e.column + 2
        snippet = None
        if lines is not None and 0 <= m.line < len(lines):
            text = lines[m.line]
            if end_line == line and end_col == col + 1:
                end_col = max(end_col, len(text.encode("utf-16-le")) // 2 + 1)
            snippet = _snippet(text, m.column)
        return Location(path, line, col, end_line, end_col), snippet, True

    @staticmethod
    def _own(bm: BundleMap, si: int) -> bool:
        """Source `si` is a place in the scan that is no package's file."""
        path = bm.paths[si] if si < len(bm.paths) else None
        return path is not None and not _PACKAGE_FILE.search(path)

    def _merged_callee(self, sink: Location, anchor: Location | None) -> tuple[Location, str | None] | None:
        """A sink call whose callee a minifier assembled from earlier statements (terser's collapse_vars:
        `const q = (window._q = window._q || []); q.push(…)` → `(window._q=window._q||[]).push(…)`): the
        call's start maps to the first statement, its argument list to the call. When the original text
        between the two holds a statement end (`;`), the call is where its argument list is."""
        if anchor is None:
            return None
        a, asnip, ok = self.map(anchor)
        if not ok or a.path != sink.path or a.line <= sink.line:
            return None
        bm = self.maps[anchor.path]
        m = bm.smap.lookup(anchor.line - 1, anchor.col - 1)
        lines = self._source_lines(bm, m.source_index) if m is not None else None
        if lines is None or len(lines) < a.line:
            return None
        between = "\n".join([lines[sink.line - 1][sink.col - 1:]] + lines[sink.line:a.line - 1]
                             + [lines[a.line - 1][:a.col - 1]])
        if ";" not in between:
            return None
        return a, asnip

    def _named_line(self, f: Finding, sink: Location) -> tuple[Location, str | None] | None:
        """Parcel's maps lag: a sink call's tokens map a few tokens early (`fetch(` to the end of the line
        before, `img.src=` to the `new Image()` line above it). When the line the sink maps to does not
        name the sink's API (`fetch`, `post`, `src`) and one of the next `_LAG_LINES` lines of that source
        does, that line is the sink's."""
        name = f.sink_api.rsplit(".", 1)[-1].lstrip("%")
        bm = self.maps.get(f.sink.path)
        if bm is None or not _NAME.fullmatch(name):
            return None
        si = next((i for i, p in enumerate(bm.paths) if p == sink.path), None)
        lines = self._source_lines(bm, si) if si is not None else None
        if lines is None or not 0 < sink.line <= len(lines):
            return None
        word = re.compile(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])")
        if word.search(lines[sink.line - 1]):
            return None
        for ln in range(sink.line + 1, min(len(lines), sink.line + _LAG_LINES) + 1):
            m = word.search(lines[ln - 1])
            if m is not None:
                text = lines[ln - 1]
                col = len(text[:m.start()].encode("utf-16-le")) // 2 + 1
                return (Location(sink.path, ln, col, ln, len(text.encode("utf-16-le")) // 2 + 1),
                        _snippet(text, col - 1))
        return None

    def finding(self, f: Finding) -> Finding:
        sink, snip, mapped = self.map(f.sink, span=True)
        if mapped:
            merged = self._merged_callee(sink, f.sink_anchor)
            if merged is not None:
                sink, snip = merged
            else:
                named = self._named_line(f, sink)
                if named is not None:
                    sink, snip = named
        steps = []
        for s in f.steps:
            if mapped and s.location == f.sink:  # the step that sends is the sink
                loc, ssnip, ok = sink, snip, True
            else:
                loc, ssnip, ok = self.map(s.location, span=s.location == f.sink)
            steps.append(PathStep(loc, s.message, ssnip if ssnip is not None else s.snippet) if ok else s)
        triggers = []
        for t in f.triggers:
            loc, _snip, ok = self.map(t.location, span=True)
            triggers.append(TriggerInfo(t.event, loc, t.description) if ok else t)
        if not mapped:
            return replace(f, steps=steps, triggers=triggers)
        return replace(f, sink=sink, sink_snippet=snip if snip is not None else f.sink_snippet, steps=steps,
                       triggers=triggers, generated=f.sink)


def _snippet(text: str, col: int) -> str:
    if len(text) <= SNIPPET_LIMIT:
        return text.strip()
    a = max(0, col - 40)
    b = min(len(text), a + SNIPPET_LIMIT)
    return ("…" if a > 0 else "") + text[a:b].strip() + ("…" if b < len(text) else "")


def _order(f: Finding) -> tuple:
    g = f.generated
    return (f.sink.path, f.sink.line, f.sink.col, f.rule_id, f.sink_api,
            (g.path, g.line, g.col) if g else ("", 0, 0))


def dedupe_key(f: Finding) -> tuple:
    """Two findings with this key are one call site (docs/conventions.md, "Source maps")."""
    return (f.sink.path, f.sink.line, f.sink_api)


def locate(findings: list[Finding], maps: dict[str, BundleMap], texts) -> list[Finding]:
    if not maps:
        return findings
    mapper = _Mapper(maps, texts)
    located = sorted((mapper.finding(f) if f.sink.path in maps or _touches(f, maps) else f for f in findings),
                     key=_order)
    direct: dict[tuple, Finding] = {}
    for f in located:
        if f.generated is None:
            direct.setdefault(dedupe_key(f), f)
    bundle_pos: dict[int, Location] = {}
    out: list[Finding] = []
    seen_mapped: set[tuple] = set()
    for f in located:
        if f.generated is None:
            out.append(f)
            continue
        d = direct.get(dedupe_key(f))
        if d is not None:
            bundle_pos.setdefault(id(d), f.generated)  # the first in canonical order
            continue
        k = dedupe_key(f) + (f.sink.col,)
        if k in seen_mapped:
            continue
        seen_mapped.add(k)
        out.append(f)
    return [replace(f, generated=bundle_pos[id(f)]) if id(f) in bundle_pos else f for f in out]


def _touches(f: Finding, maps) -> bool:
    return any(s.location.path in maps for s in f.steps) or any(
        t.location is not None and t.location.path in maps for t in f.triggers)
