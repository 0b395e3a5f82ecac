"""Source Map v3 decoder (ECMA-426), written for formleak: maps are untrusted input.

Python's source-map packages on PyPI are unmaintained (latest releases 2017–2018), so this small decoder is
ours. It reads regular maps and index maps (`sections` with `offset`), and answers one question: which
original position does a generated position come from.

API
---
``parse(data, *, max_bytes=MAX_MAP_BYTES) -> SourceMap``
    `data` is the map's bytes or text. Anything wrong with it — too large, not UTF-8, not JSON, JSON nested
    deeper than `MAX_DEPTH`, a missing or mistyped field, a broken base64 VLQ, a segment of 2, 3 or more
    than 5 fields, an index out of range, a section with a `url` — raises `MapError` with a one-line
    message; no other exception escapes (property-tested on random input). Nothing is ever fetched or read
    from disk here: finding and reading the map file is `analyzer.bundle.mapfind`'s job.

``SourceMap.lookup(line, column) -> Mapping | None``
    `line` 0-based, `column` 0-based in UTF-16 code units of the generated file. The segment with the
    greatest generated column <= `column` on that same line (greatest lower bound); None when the line has
    no segment at or before the column, or that segment maps to no source (a 1-field segment).

``SourceMap.lookup_span(line, column, end_line, end_column) -> Mapping | None``
    For a generated range (a call expression): the segment exactly at its start, else the first mapped
    segment inside the range on its first line (the start is code the bundler wrote, such as `(0,r.post)`),
    else the greatest lower bound.

``SourceMap.source_at(line, column) -> str | None``
    The name of the original source the generated position belongs to (`sourceRoot` joined with the
    `sources` entry, as written in the map: `../node_modules/axios/lib/core/Axios.js`,
    `webpack://shop/./src/app.js`), or None. For naming the modules of a bundle.

``SourceMap.source_of_range(start, end) -> str | None``
    The source most of the segments in the generated range [start, end) (each a (line, column) pair) come
    from; ties go to the lower source index. For naming a module wrapper by the code inside it.

``Positions(data: bytes).point(offset) -> (line, column)``
    Converts a byte offset of the generated file to the 0-based (line, UTF-16 column) that maps use.

`SourceMap.sources` / `.sources_content` / `.names` / `.source_root` / `.file` / `.ignore_list` (the
`ignoreList` / `x_google_ignoreList` indexes: sources the bundler marked as third-party) are the map's fields
(sections concatenated for index maps); `.segments()` yields every decoded segment as a tuple
(gen_line, gen_col, source_index | -1, orig_line, orig_col, name_index | -1), in generated order.
"""
from __future__ import annotations

import bisect
import json
import re
from array import array
from collections import Counter
from dataclasses import dataclass

_IDENT_AT = re.compile(r"[A-Za-z_$][\w$]*")  # an identifier starting at a position of an original line


def _ANY(_si: int) -> bool:
    return True

MAX_MAP_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 16  # a source map is at most 5 levels deep (index map → sections → section → map → sources)
MAX_SECTIONS = 10_000
MAX_SOURCES = 200_000
MAX_SEGMENTS = 8_000_000  # about 160 MB decoded; a 5 MB minified bundle has 1–2 million
MAX_LINES = 4_000_000  # generated lines
_VLQ_LIMIT = 2 ** 31  # ECMA-426: values are 32-bit signed integers

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = str.maketrans("", "", "0123456789.+-eEtrufalsnE,: \t\r\n")  # what else JSON has
_PAIR_RE = re.compile(r"\[\]|\{\}")


class MapError(ValueError):
    """The map cannot be used; the message says why (one line, for a Notification)."""


@dataclass(frozen=True)
class Mapping:
    source_index: int
    source: str | None  # sourceRoot + sources[i], as written in the map
    line: int  # 0-based original line
    column: int  # 0-based original column (UTF-16 code units)
    name: str | None


# ---------------------------------------------------------------------------------------------- VLQ

def decode_vlq(segment: str) -> list[int]:
    """The signed integers of one base64 VLQ segment (`"AAgBC"` → [0, 0, 16, 1]). MapError when broken."""
    values: list[int] = []
    value = shift = 0
    cont = False
    for ch in segment:
        digit = _B64.get(ch)
        if digit is None:
            raise MapError(f"invalid base64 VLQ character {ch!r} in mappings")
        cont = bool(digit & 32)
        value += (digit & 31) << shift
        if cont:
            shift += 5
            if shift > 31:
                raise MapError("base64 VLQ value longer than 32 bits in mappings")
            continue
        neg = value & 1
        value >>= 1
        if value >= _VLQ_LIMIT:
            raise MapError("base64 VLQ value out of the 32-bit range in mappings")
        values.append(-value if neg else value)
        value = shift = 0
    if cont:
        raise MapError("base64 VLQ value cut off (continuation bit on the last digit) in mappings")
    return values


# ---------------------------------------------------------------------------------------------- JSON

def _check_depth(text: str) -> None:
    """JSON nested deeper than MAX_DEPTH is refused before json.loads sees it (strings do not count).
    Each pass deletes every innermost `[]`/`{}` pair: a pair left after MAX_DEPTH passes is too deep."""
    brackets = _STRING_RE.sub("", text).translate(_NOT_BRACKET)
    for _ in range(MAX_DEPTH):
        brackets, n = _PAIR_RE.subn("", brackets)
        if not n:
            return
    if _PAIR_RE.search(brackets):
        raise MapError(f"JSON nested deeper than {MAX_DEPTH} levels")


def _load_json(data) -> dict:
    if isinstance(data, (bytes, bytearray, memoryview)):
        if len(data) > MAX_MAP_BYTES:
            raise MapError(f"map is {len(data)} bytes, over the {MAX_MAP_BYTES} byte limit")
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise MapError(f"map is not UTF-8 (byte {e.start})") from None
    elif isinstance(data, str):
        text = data
    else:
        raise MapError(f"map must be bytes or text, not {type(data).__name__}")
    if text.startswith(")]}"):  # the XSSI guard ECMA-426 allows: drop the first line
        nl = text.find("\n")
        text = text[nl + 1:] if nl >= 0 else ""
    _check_depth(text)
    try:
        doc = json.loads(text)
    except RecursionError:
        raise MapError("JSON nested too deeply") from None
    except ValueError as e:
        raise MapError(f"map is not valid JSON: {e}") from None
    if not isinstance(doc, dict):
        raise MapError("map is not a JSON object")
    return doc


def _int(v, what: str, minimum: int = 0) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum or v >= _VLQ_LIMIT:
        raise MapError(f"{what} must be an integer >= {minimum}")
    return v


def _str_list(doc: dict, key: str, *, nullable: bool, required: bool) -> list:
    v = doc.get(key)
    if v is None:
        if required:
            raise MapError(f"map has no `{key}` array")
        return []
    if not isinstance(v, list):
        raise MapError(f"`{key}` is not an array")
    if len(v) > MAX_SOURCES:
        raise MapError(f"`{key}` has {len(v)} entries, over the {MAX_SOURCES} limit")
    for x in v:
        if not (isinstance(x, str) or (nullable and x is None)):
            raise MapError(f"`{key}` holds a {type(x).__name__}, not a string")
    return v


# ---------------------------------------------------------------------------------------------- the map

class SourceMap:
    """A decoded map. Build it with `parse`; see the module docstring."""

    def __init__(self, sources, sources_content, names, source_root, file, line_index, cols, srcs, olines,
                 ocols, onames, ignore_list=frozenset()):
        self.sources: tuple[str | None, ...] = tuple(sources)
        self.sources_content: tuple[str | None, ...] = tuple(sources_content)
        self.names: tuple[str, ...] = tuple(names)
        self.source_root: str = source_root
        self.file: str | None = file
        self.ignore_list: frozenset[int] = frozenset(ignore_list)  # sources the bundler marked third-party
        self._line_index = line_index  # segments of generated line i: [line_index[i], line_index[i+1])
        self._cols, self._srcs, self._olines, self._ocols, self._onames = cols, srcs, olines, ocols, onames
        self._full: dict[int, str | None] = {}
        self._content_lines: dict[int, list[str]] = {}  # source -> its sourcesContent split into lines

    # --- queries
    def full_source(self, i: int) -> str | None:
        """sourceRoot joined with sources[i] (ECMA-426 §"Resolving sources": a plain prefix join)."""
        if i in self._full:
            return self._full[i]
        s = self.sources[i] if 0 <= i < len(self.sources) else None
        if s is not None and self.source_root and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:|^/", s):
            root = self.source_root
            s = root + s if root.endswith("/") else root + "/" + s
        self._full[i] = s
        return s

    def _find(self, line: int, column: int) -> int:
        if line < 0 or line + 1 >= len(self._line_index) or column < 0:
            return -1
        lo, hi = self._line_index[line], self._line_index[line + 1]
        i = bisect.bisect_right(self._cols, column, lo, hi) - 1
        return i if i >= lo else -1

    def _mapping(self, k: int) -> Mapping:
        si, ni = self._srcs[k], self._onames[k]
        return Mapping(si, self.full_source(si), self._olines[k], self._ocols[k],
                       self.names[ni] if ni >= 0 else None)

    def _first_after(self, line: int, lo: int, end_line: int, end_column: int, accept, limit: int = 64
                     ) -> Mapping | None:
        """The first of segments `lo`… of `line` (before the range's end on that line, or to the line's end
        when the range goes on; at most `limit` of them) with a source that `accept` takes."""
        hi_col = end_column if end_line == line else None
        for k in range(lo, min(self._line_index[line + 1], lo + limit)):
            if hi_col is not None and self._cols[k] >= hi_col:
                break
            if self._srcs[k] >= 0 and accept(self._srcs[k]):
                return self._mapping(k)
        return None

    def lookup(self, line: int, column: int) -> Mapping | None:
        i = self._find(line, column)
        if i < 0 or self._srcs[i] < 0:
            return None
        return self._mapping(i)

    def lookup_span(self, line: int, column: int, end_line: int, end_column: int) -> Mapping | None:
        """The original position of a generated range that starts at (line, column): the segment right at
        the start; else, when the start is code the bundler wrote (`(0,r.post)(…)`, a wrapper's paren), the
        first mapped segment inside the range on the start line; else the greatest lower bound."""
        i = self._find(line, column)
        if i >= 0 and self._cols[i] == column and self._srcs[i] >= 0:
            return self.lookup(line, column)
        if 0 <= line < len(self._line_index) - 1:
            j = bisect.bisect_right(self._cols, column, self._line_index[line], self._line_index[line + 1])
            m = self._first_after(line, j, end_line, end_column, _ANY)
            if m is not None:
                return m
        return self.lookup(line, column)

    def lookup_first(self, line: int, column: int, end_line: int, end_column: int, accept) -> Mapping | None:
        """The first segment from (line, column) on, before the range's end on that line (or the line's end
        when the range goes on), whose source index `accept` takes; at most 64 segments are looked at."""
        if not 0 <= line < len(self._line_index) - 1:
            return None
        lo = bisect.bisect_left(self._cols, column, self._line_index[line], self._line_index[line + 1])
        return self._first_after(line, lo, end_line, end_column, accept)

    def source_from(self, line: int, column: int, limit: int = 64) -> str | None:
        """The source of the first mapped segment at or after (line, column) on that line (within `limit`
        segments): what the code starting there comes from, never the code before it."""
        if line < 0 or line + 1 >= len(self._line_index):
            return None
        hi = self._line_index[line + 1]
        j = bisect.bisect_left(self._cols, column, self._line_index[line], hi)
        for k in range(j, min(hi, j + limit)):
            if self._srcs[k] >= 0:
                return self.full_source(self._srcs[k])
        return None

    def sources_between(self, start: tuple[int, int], end: tuple[int, int], limit: int = 1 << 20) -> set:
        """The sources of the mapped segments that begin in [start, end) of the generated file (at most
        `limit` segments are looked at: past it, None is in the set, for "not known")."""
        (l0, c0), (l1, c1) = start, end
        n_lines = len(self._line_index) - 1
        out: set = set()
        seen = 0
        for line in range(max(l0, 0), min(l1, n_lines - 1) + 1):
            lo, hi = self._line_index[line], self._line_index[line + 1]
            if line == l0:
                lo = bisect.bisect_left(self._cols, c0, lo, hi)
            if line == l1:
                hi = bisect.bisect_left(self._cols, c1, lo, hi)
            srcs = self._srcs
            for k in range(lo, hi):
                seen += 1
                if seen > limit:
                    out.add(None)
                    return out
                if srcs[k] >= 0:
                    out.add(srcs[k])
        return {self.full_source(i) if i is not None else None for i in out}

    def name_at(self, line: int, column: int) -> str | None:
        """The original name of the segment that starts exactly at (line, column): the map's name, else
        the identifier the segment's original position holds in the source's `sourcesContent` (webpack
        gives no name to a declaration its module concatenation renamed: `function ir(…)` mapped to
        `function watch(…)` of Vue's runtime-core, with no name index)."""
        i = self._find(line, column)
        if i < 0 or self._cols[i] != column:
            return None
        if self._onames[i] >= 0:
            return self.names[self._onames[i]]
        return self._ident_in_content(self._srcs[i], self._olines[i], self._ocols[i])

    def _ident_in_content(self, si: int, oline: int, ocol: int) -> str | None:
        if si < 0 or si >= len(self.sources_content) or not self.sources_content[si]:
            return None
        lines = self._content_lines.get(si)
        if lines is None:
            lines = self._content_lines[si] = self.sources_content[si].split("\n")
        if oline >= len(lines):
            return None
        text = lines[oline]
        if not text.isascii():  # columns count UTF-16 code units
            units = text.encode("utf-16-le")
            if 2 * ocol > len(units):
                return None
            ocol = len(units[:2 * ocol].decode("utf-16-le", "replace"))
        m = _IDENT_AT.match(text, ocol)
        if m is None or (ocol and (text[ocol - 1].isalnum() or text[ocol - 1] in "_$")):
            return None  # (the middle of an identifier is no identifier's start)
        return m.group()

    def source_at(self, line: int, column: int) -> str | None:
        i = self._find(line, column)
        if i < 0 or self._srcs[i] < 0:
            return None
        return self.full_source(self._srcs[i])

    def source_of_range(self, start: tuple[int, int], end: tuple[int, int]) -> str | None:
        (l0, c0), (l1, c1) = start, end
        n_lines = len(self._line_index) - 1
        if l0 >= n_lines or (l1, c1) <= (l0, c0):
            return None
        counts: Counter = Counter()
        first = self._find(l0, c0)  # the segment the range starts inside counts too
        if first >= 0 and self._srcs[first] >= 0:
            counts[self._srcs[first]] += 1
        lo = bisect.bisect_right(self._cols, c0, self._line_index[l0], self._line_index[l0 + 1])
        if l1 >= n_lines:
            hi = self._line_index[n_lines]
        else:
            hi = bisect.bisect_left(self._cols, c1, self._line_index[l1], self._line_index[l1 + 1])
        for i in range(lo, hi):
            if self._srcs[i] >= 0:
                counts[self._srcs[i]] += 1
        if not counts:
            return None
        best = min(counts, key=lambda s: (-counts[s], s))
        return self.full_source(best)

    def segments(self):
        for line in range(len(self._line_index) - 1):
            for i in range(self._line_index[line], self._line_index[line + 1]):
                yield (line, self._cols[i], self._srcs[i], self._olines[i], self._ocols[i], self._onames[i])

    @property
    def generated_lines(self) -> int:
        return len(self._line_index) - 1

    def __len__(self) -> int:
        return len(self._cols)


# ---------------------------------------------------------------------------------------------- decoding

def _decode_mappings(mappings: str, n_sources: int, n_names: int):
    """Decode `mappings` into flat columns: (line_index, cols, srcs, olines, ocols, onames), each generated
    line's segments sorted by column (a map whose columns go backwards is put in order, stably)."""
    lines = mappings.split(";")
    if len(lines) > MAX_LINES:
        raise MapError(f"mappings cover over {MAX_LINES} generated lines")
    if mappings.count(",") + len(lines) > MAX_SEGMENTS:
        raise MapError(f"mappings have over {MAX_SEGMENTS} segments")
    cache: dict[str, list[int]] = {}
    cget = cache.get
    # C int arrays, not lists: 4 bytes a value instead of an int object each
    cols, srcs, olines, ocols, onames, line_index = (array("i") for _ in range(6))
    c_add, s_add, l_add, o_add, n_add = cols.append, srcs.append, olines.append, ocols.append, onames.append
    line_index.append(0)
    src = oline = ocol = name = 0
    for gl, line in enumerate(lines):
        if line:
            gcol = 0
            first = len(cols)
            in_order = True
            for seg in line.split(","):
                vals = cget(seg)
                if vals is None:
                    if not seg:
                        continue  # ",," : tolerated, as browsers do
                    vals = decode_vlq(seg)
                    if len(vals) not in (1, 4, 5):
                        raise MapError(f"a mappings segment has {len(vals)} fields (1, 4 or 5 expected) "
                                       f"on line {gl + 1}")
                    if len(cache) < 200_000:
                        cache[seg] = vals
                d = vals[0]
                if d < 0:
                    in_order = False
                    if gcol + d < 0:
                        raise MapError(f"negative generated column on line {gl + 1} of mappings")
                gcol += d
                c_add(gcol)
                if len(vals) == 1:
                    s_add(-1)
                    l_add(0)
                    o_add(0)
                    n_add(-1)
                    continue
                src += vals[1]
                oline += vals[2]
                ocol += vals[3]
                if src < 0 or src >= n_sources:
                    raise MapError(f"source index {src} out of range (the map has {n_sources} sources)")
                if oline < 0 or ocol < 0:
                    raise MapError(f"negative original line or column on line {gl + 1} of mappings")
                s_add(src)
                l_add(oline)
                o_add(ocol)
                if len(vals) == 5:
                    name += vals[4]
                    if name < 0 or name >= n_names:
                        raise MapError(f"name index {name} out of range (the map has {n_names} names)")
                    n_add(name)
                else:
                    n_add(-1)
            if not in_order:
                order = sorted(range(first, len(cols)), key=cols.__getitem__)
                for arr in (cols, srcs, olines, ocols, onames):
                    arr[first:] = array("i", [arr[i] for i in order])
        line_index.append(len(cols))
    while len(line_index) > 1 and line_index[-1] == line_index[-2]:
        line_index.pop()  # trailing lines with no segment
    return line_index, cols, srcs, olines, ocols, onames


def _rows(mappings: str, n_sources: int, n_names: int):
    """The segments of `mappings` as (gen_line, gen_col, src, oline, ocol, name) tuples, in generated order."""
    line_index, cols, srcs, olines, ocols, onames = _decode_mappings(mappings, n_sources, n_names)
    for gl in range(len(line_index) - 1):
        for i in range(line_index[gl], line_index[gl + 1]):
            yield gl, cols[i], srcs[i], olines[i], ocols[i], onames[i]


def _regular(doc: dict) -> tuple:
    """(sources, contents, names, source_root, file, segments) of a regular (non-index) map."""
    if doc.get("version") != 3:
        raise MapError(f"unsupported source map version {doc.get('version')!r} (3 expected)")
    if "sections" in doc:
        raise MapError("an index map inside an index map section")
    sources = _str_list(doc, "sources", nullable=True, required=True)
    contents = _str_list(doc, "sourcesContent", nullable=True, required=False)
    names = _str_list(doc, "names", nullable=False, required=False)
    root = doc.get("sourceRoot") or ""
    if not isinstance(root, str):
        raise MapError("`sourceRoot` is not a string")
    mappings = doc.get("mappings")
    if not isinstance(mappings, str):
        raise MapError("map has no `mappings` string")
    contents = (list(contents) + [None] * len(sources))[:len(sources)]
    file = doc.get("file") if isinstance(doc.get("file"), str) else None
    return sources, contents, names, root, file, mappings


def _build(segs, n_lines_hint: int = 0):
    """Pack segments (grouped by generated line, in line order) into per-line sorted flat arrays."""
    cols, srcs, olines, ocols, onames = (array("i") for _ in range(5))
    line_index = array("i", [0])
    cur = 0
    pending: list[tuple] = []

    def flush(rows):
        rows.sort(key=lambda r: r[1])  # stable: a map whose columns go backwards is put in order
        for _gl, gc, s, ol, oc, nm in rows:
            cols.append(gc)
            srcs.append(s)
            olines.append(ol)
            ocols.append(oc)
            onames.append(nm)

    for row in segs:
        gl = row[0]
        if gl != cur:
            flush(pending)
            pending = []
            while cur < gl:
                line_index.append(len(cols))
                cur += 1
        pending.append(row)
    flush(pending)
    line_index.append(len(cols))
    while len(line_index) - 1 < n_lines_hint:
        line_index.append(len(cols))
    return line_index, cols, srcs, olines, ocols, onames


def parse(data, *, max_bytes: int = MAX_MAP_BYTES) -> SourceMap:
    """Decode a Source Map v3 (regular or index map); MapError for anything unusable."""
    try:
        if isinstance(data, (bytes, bytearray, memoryview)) and len(data) > max_bytes:
            raise MapError(f"map is {len(data)} bytes, over the {max_bytes} byte limit")
        if isinstance(data, str) and len(data) > max_bytes:
            raise MapError(f"map is {len(data)} characters, over the {max_bytes} limit")
        doc = _load_json(data)
        if "sections" not in doc:
            sources, contents, names, root, file, mappings = _regular(doc)
            built = _decode_mappings(mappings, len(sources), len(names))
            return SourceMap(sources, contents, names, root, file, *built, ignore_list=_ignored(doc, len(sources)))
        return _index_map(doc)
    except MapError:
        raise
    except (MemoryError, RecursionError) as e:
        raise MapError(f"map too large or too deep to decode ({type(e).__name__})") from None


def _index_map(doc: dict) -> SourceMap:
    if doc.get("version") != 3:
        raise MapError(f"unsupported source map version {doc.get('version')!r} (3 expected)")
    sections = doc.get("sections")
    if not isinstance(sections, list):
        raise MapError("`sections` is not an array")
    if len(sections) > MAX_SECTIONS:
        raise MapError(f"{len(sections)} sections, over the {MAX_SECTIONS} limit")
    offsets = []
    for k, sec in enumerate(sections):
        if not isinstance(sec, dict):
            raise MapError(f"section {k} is not an object")
        if "url" in sec:
            raise MapError(f"section {k} refers to another map by `url`; not followed")
        off = sec.get("offset")
        if not isinstance(off, dict):
            raise MapError(f"section {k} has no `offset` object")
        pos = (_int(off.get("line"), f"section {k} offset line"), _int(off.get("column"), f"section {k} offset column"))
        if pos[0] >= MAX_LINES:
            raise MapError(f"section {k} starts past line {MAX_LINES}")
        if offsets and pos < offsets[-1]:
            raise MapError(f"section {k} starts before the section above it")
        if not isinstance(sec.get("map"), dict):
            raise MapError(f"section {k} has no `map` object")
        offsets.append(pos)
    all_sources: list = []
    all_contents: list = []
    all_names: list = []
    ignored: set[int] = set()
    rows: list[tuple] = []
    file = doc.get("file") if isinstance(doc.get("file"), str) else None
    for k, sec in enumerate(sections):
        sources, contents, names, root, _file, mappings = _regular(sec["map"])
        base_s, base_n = len(all_sources), len(all_names)
        ignored.update(base_s + i for i in _ignored(sec["map"], len(sources)))
        if base_s + len(sources) > MAX_SOURCES:
            raise MapError(f"index map has over {MAX_SOURCES} sources")
        # a section's own sourceRoot is folded into its source names
        for s in sources:
            if s is not None and root and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:|^/", s):
                s = root + s if root.endswith("/") else root + "/" + s
            all_sources.append(s)
        all_contents.extend(contents)
        all_names.extend(names)
        ol, oc = offsets[k]
        nxt = offsets[k + 1] if k + 1 < len(offsets) else None
        rows.append((ol, oc, -1, 0, 0, -1))  # nothing of the section above bleeds into this one
        for gl, gc, s, a, b, nm in _rows(mappings, len(sources), len(names)):
            pos = (gl + ol, gc + oc if gl == 0 else gc)
            if nxt is not None and pos >= nxt:
                continue  # overlaps the next section: the next section wins
            if pos[0] >= MAX_LINES:
                raise MapError(f"section {k} maps past line {MAX_LINES}")
            rows.append((pos[0], pos[1], s + base_s if s >= 0 else -1, a, b, nm + base_n if nm >= 0 else -1))
        if len(rows) > MAX_SEGMENTS:
            raise MapError(f"mappings have over {MAX_SEGMENTS} segments")
    rows.sort(key=lambda r: (r[0], r[1]))
    return SourceMap(all_sources, all_contents, all_names, "", file, *_build(rows), ignore_list=ignored)


def _ignored(doc: dict, n_sources: int) -> frozenset[int]:
    """ECMA-426 `ignoreList` (or Chrome's `x_google_ignoreList`): indexes of third-party sources. Entries
    that are not valid indexes are left out (the list is a hint, not worth refusing a map for)."""
    v = doc.get("ignoreList", doc.get("x_google_ignoreList"))
    if not isinstance(v, list):
        return frozenset()
    return frozenset(i for i in v[:MAX_SOURCES] if isinstance(i, int) and not isinstance(i, bool)
                     and 0 <= i < n_sources)


# ---------------------------------------------------------------------------------------------- positions

class Positions:
    """Byte offsets of a generated file → (0-based line, 0-based UTF-16 column), as maps count them."""

    def __init__(self, data: bytes):
        self.data = data
        starts = [0]
        i = data.find(b"\n")
        while i != -1:
            starts.append(i + 1)
            i = data.find(b"\n", i + 1)
        self.starts = starts

    def point(self, offset: int) -> tuple[int, int]:
        row = bisect.bisect_right(self.starts, offset) - 1
        piece = self.data[self.starts[row]:offset].decode("utf-8", "replace")
        return row, len(piece.encode("utf-16-le")) // 2
