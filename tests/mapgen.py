"""Test-side source map writer: a base64 VLQ encoder and a whitespace-stripping "bundler".

Independent of `analyzer.bundle.sourcemap` (which only decodes), so that round-trip tests compare two
implementations. `bundle()` joins JavaScript files into one minified line the way esbuild's IIFE output
looks — every token of the sources (found by tree-sitter, comments dropped, strings/regexes/templates kept
whole) with the least whitespace — and returns a segment per token pointing at its original line and
UTF-16 column. No third-party bundler is needed and no third-party code is committed.
"""
from __future__ import annotations

import base64
import json

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
ATOMIC = {"string", "template_string", "regex", "comment", "html_comment", "hash_bang_line"}


def encode_vlq(value: int) -> str:
    v = (-value << 1) | 1 if value < 0 else value << 1
    out = []
    while True:
        digit = v & 31
        v >>= 5
        if v:
            digit |= 32
        out.append(_B64[digit])
        if not v:
            return "".join(out)


def encode_mappings(segments) -> str:
    """segments: tuples (gen_line, gen_col[, src, orig_line, orig_col[, name]]), sorted by position."""
    lines: dict[int, list] = {}
    for s in segments:
        lines.setdefault(s[0], []).append(s)
    out = []
    prev = [0, 0, 0, 0]  # src, oline, ocol, name: relative across the whole mappings
    n_lines = max(lines) + 1 if lines else 0
    for gl in range(n_lines):
        gcol = 0
        parts = []
        for s in lines.get(gl, []):
            fields = [s[1] - gcol]
            gcol = s[1]
            if len(s) >= 5:
                fields += [s[2] - prev[0], s[3] - prev[1], s[4] - prev[2]]
                prev[0], prev[1], prev[2] = s[2], s[3], s[4]
            if len(s) == 6:
                fields.append(s[5] - prev[3])
                prev[3] = s[5]
            parts.append("".join(encode_vlq(x) for x in fields))
        out.append(",".join(parts))
    return ";".join(out)


def make_map(sources, segments, *, contents=None, names=(), source_root=None, file=None) -> dict:
    doc = {"version": 3, "sources": list(sources), "names": list(names), "mappings": encode_mappings(segments)}
    if contents is not None:
        doc["sourcesContent"] = list(contents)
    if source_root is not None:
        doc["sourceRoot"] = source_root
    if file is not None:
        doc["file"] = file
    return doc


def data_url(doc: dict, charset: bool = False) -> str:
    b = base64.b64encode(json.dumps(doc).encode("utf-8")).decode("ascii")
    return ("data:application/json;charset=utf-8;base64," if charset else "data:application/json;base64,") + b


def _u16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _word(c: str) -> bool:
    return c.isalnum() or c in "_$" or ord(c) > 127


def _tokens(text: str):
    """(token text, 0-based line, 0-based UTF-16 column) of every non-comment token, in order."""
    import tree_sitter_javascript as tsj
    from tree_sitter import Language, Parser

    data = text.encode("utf-8")
    tree = Parser(Language(tsj.language())).parse(data)
    assert not tree.root_node.has_error, "fixture source must parse cleanly"
    lines = data.split(b"\n")
    out = []
    stack = [tree.root_node]
    while stack:
        n = stack.pop()
        if n.child_count == 0 or n.type in ATOMIC:
            if n.type in ("comment", "html_comment") or n.end_byte == n.start_byte:
                continue
            row, bcol = n.start_point
            col = _u16(lines[row][:bcol].decode("utf-8"))
            out.append((data[n.start_byte:n.end_byte].decode("utf-8"), row, col))
            continue
        stack.extend(reversed(n.children))
    return out


def bundle(files: list[tuple[str, str]], *, prefix: str = "(()=>{", suffix: str = "})();",
           src_base: int = 0, line: int = 0, col: int = 0):
    """(code, segments): the files' tokens on one line after `prefix` (which starts at (line, col)).
    Segment source indices start at `src_base` (the files' order)."""
    out = [prefix]
    gcol = col + _u16(prefix)
    segs = []
    last = prefix[-1:] or " "
    for si, (_name, text) in enumerate(files):
        for tok, row, ocol in _tokens(text):
            if "\n" in tok:
                raise ValueError("multi-line tokens are not supported by this tiny bundler")
            first = tok[0]
            if (_word(last) and _word(first)) or (last in "+-" and first == last) or (last == "/" and first in "/*"):
                out.append(" ")
                gcol += 1
            segs.append((line, gcol, src_base + si, row, ocol))
            out.append(tok)
            gcol += _u16(tok)
            last = tok[-1]
        if last not in ";}":
            out.append(";")
            gcol += 1
            last = ";"
    out.append(suffix)
    return "".join(out), segs
