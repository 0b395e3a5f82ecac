"""Text that comes from the scanned site, made safe for where it is shown.

- `uri_path`: a relative file path as a URI reference per RFC 3986: the file name's bytes, every byte other
  than the unreserved characters percent-encoded, `/` only as the separator (SARIF `artifactLocation.uri`).
- `display`: a string for a terminal: control characters, line separators, bidirectional-override
  characters and undecodable bytes of file names are shown as escapes (`\\n`, `\\u202e`, `\\xff`), so a
  file name cannot forge lines of the report or reorder what is printed.
- `display_result`: a copy of a ScanResult with every string passed through `display` (the text report).
- `strip_userinfo`: a URL without `user:password@` (origins and destinations are printed in reports).

File names are held as Python strings with undecodable bytes as lone surrogates (`os.fsdecode`), so they
round-trip to the exact bytes on disk; only these functions (and `safeio.write_text`) turn them into text.
"""
from __future__ import annotations

import dataclasses
import os
import re
from urllib.parse import quote

_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                     "\ufeff\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b"}


def _escape(m: re.Match) -> str:
    c = m.group(0)
    o = ord(c)
    if c in _NAMED:
        return _NAMED[c]
    if 0xDC80 <= o <= 0xDCFF:  # an undecodable byte of a file name (surrogateescape)
        return f"\\x{o - 0xDC00:02x}"
    if o < 0x100:
        return f"\\x{o:02x}"
    return f"\\u{o:04x}"


def display(s: str) -> str:
    """`s` with control, line-separator, bidi and lone-surrogate characters escaped (tabs are kept)."""
    return _UNSAFE.sub(_escape, s) if _UNSAFE.search(s) else s


def uri_path(path: str) -> str:
    """A relative path as an RFC 3986 URI reference: its bytes (`os.fsencode`, so a name that is not
    UTF-8 keeps its bytes) percent-encoded except the unreserved characters, `/` kept as separator.
    `back\\slash.js` is `back%5Cslash.js`; `bad\\xff.js` is `bad%FF.js`; `a:b.js` is `a%3Ab.js`."""
    return quote(os.fsencode(path), safe="/")


_USERINFO = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)[^/?#@]*@", re.S)


def strip_userinfo(url: str | None) -> str | None:
    """`https://user:pass@shop.example/x` → `https://shop.example/x` (also `//user@host`)."""
    if not url or "@" not in url:
        return url
    while True:
        new = _USERINFO.sub(r"\1", url, count=1)
        if new == url:
            return url
        url = new


def display_result(result):
    """A copy of `result` (a ScanResult) with every string in it passed through `display`."""
    return _copy(result)


def _copy(v):
    if isinstance(v, str):
        return display(v)
    if isinstance(v, list):
        return [_copy(x) for x in v]
    if isinstance(v, tuple):
        return tuple(_copy(x) for x in v)
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        changes = {f.name: _copy(getattr(v, f.name)) for f in dataclasses.fields(v) if f.init}
        return dataclasses.replace(v, **changes)
    return v
