"""Columns in UTF-16 code units on long (minified) lines: read from block marks, equal to decoding the prefix."""
from __future__ import annotations

import bisect

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.program import _COL_BLOCK, Unit, _utf16_column

CHARS = st.sampled_from(["a", "é", "日", "😀", "\n", "\r", "\u2028", "x" * 50])


def _naive(d: bytes, start: int, off: int) -> int:
    return len(d[start:off].decode("utf-8", "replace").encode("utf-16-le")) // 2


@settings(max_examples=200, deadline=None)
@given(st.lists(CHARS, max_size=2000), st.lists(st.integers(min_value=0), min_size=1, max_size=30))
def test_block_marks_agree_with_decoding_the_prefix(parts, picks):
    d = "".join(parts).encode("utf-8")
    u = Unit(0, "x.js", d)
    starts = [0] + [i + 1 for i, c in enumerate(d) if c == 10]
    for p in picks:  # any byte offset, also inside a multi-byte character
        off = p % (len(d) + 1)
        start = starts[bisect.bisect_right(starts, off) - 1]
        assert _utf16_column(u, start, off) == _naive(d, start, off)


def test_one_line_megabyte_bundle_is_linear():
    d = ("é" + "a" * 999).encode("utf-8") * 2000  # 2 MB on one line
    u = Unit(0, "x.js", d)
    offs = list(range(0, len(d), 997))
    got = {o: _utf16_column(u, 0, o) for o in offs}
    for o in offs[::40]:  # spot checks across the whole line against decoding the prefix
        assert got[o] == _naive(d, 0, o)
    assert len(u.col_marks[0]) <= len(d) // _COL_BLOCK + 2
