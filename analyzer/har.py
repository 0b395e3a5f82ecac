"""HAR captures: every HTML and JavaScript response of a page load becomes a file of the scan, named
`<capture>/<host>/<path>` so that pages and their scripts keep their relative layout.

A capture is untrusted input: its JSON is parsed with a depth bound (`safeio.loads_bounded`); an entry that
is not shaped like a HAR entry is passed over with a notification and the other entries are still read; a
body that is not valid base64 is reported, never scanned as an empty file; names are normalised so that no
`..` segment of a URL path leaves the capture's folder; the origin never carries `user:password@`.
Nothing of the capture's headers, cookies or bodies is copied into a notification.
"""
from __future__ import annotations

import base64
import binascii
import json
import posixpath
from urllib.parse import urlsplit

from analyzer.model import Notification, SourceFile
from analyzer.safeio import MAX_FILE_BYTES, loads_bounded

MAX_ENTRY_NOTES = 20  # notifications about malformed entries per capture (then one summary)


def _origin(parts) -> str:
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _name(rel: str, host: str, path: str) -> str:
    path = posixpath.normpath("/" + path.replace("\\", "/").lstrip("/"))  # no `..` above the host folder
    host = (host or "host").replace("/", "_").replace("\\", "_")
    if host in (".", ".."):
        host = "host"
    return f"{rel}/{host}{path if path != '/' else '/'}"


def read_har(p, rel: str, data: bytes) -> tuple[list[SourceFile], list[Notification]]:
    files: list[SourceFile] = []
    notes: list[Notification] = []
    try:
        har = loads_bounded(data.decode("utf-8", "replace"))
    except json.JSONDecodeError as e:
        notes.append(Notification(rel, "error", "har-error", f"not a readable HAR capture: {e.msg}"
                                  + (f" (line {e.lineno}, column {e.colno})" if e.pos else "")))
        return files, notes
    except (ValueError, RecursionError) as e:  # pragma: no cover - defensive
        notes.append(Notification(rel, "error", "har-error", f"not a readable HAR capture: {type(e).__name__}"))
        return files, notes
    log = har.get("log") if isinstance(har, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        what = "missing" if entries is None else f"a JSON {type(entries).__name__}, not a list"
        notes.append(Notification(rel, "error", "har-error",
                                  f"not a readable HAR capture: `log.entries` is {what}"))
        return files, notes
    seen: set[str] = set()
    bad: list[int] = []
    for i, entry in enumerate(entries):
        try:
            url = entry["request"]["url"]
            content = entry["response"]["content"]
            text = content.get("text")
            mime = content.get("mimeType") or ""
            encoding = content.get("encoding")
            if not isinstance(url, str) or not isinstance(mime, str):
                raise TypeError
        except (KeyError, TypeError, AttributeError, IndexError):
            bad.append(i)
            continue
        mime = mime.split(";")[0].strip().lower()
        if not text or not isinstance(text, str):
            continue
        try:
            parts = urlsplit(url)
        except ValueError:
            bad.append(i)
            continue
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
        vrel = _name(rel, parts.hostname or "", path)
        if vrel in seen:
            continue
        seen.add(vrel)
        if encoding == "base64":
            try:
                body = base64.b64decode("".join(text.split()), validate=True)
            except (binascii.Error, ValueError):
                notes.append(Notification(vrel, "warning", "har-error",
                                          f"entry {i}: response body is not valid base64; not scanned"))
                continue
        else:
            body = text.encode("utf-8", "surrogatepass")
        if len(body) > MAX_FILE_BYTES:
            notes.append(Notification(vrel, "warning", "too-large",
                                      f"entry {i}: response body of {len(body) / 1e6:.1f} MB is over the "
                                      f"{MAX_FILE_BYTES // (1024 * 1024)} MiB limit; not scanned"))
            continue
        files.append(SourceFile(path=p, rel=vrel, kind=kind, data=body, origin=_origin(parts)))
    for i in bad[:MAX_ENTRY_NOTES]:
        notes.append(Notification(rel, "warning", "har-entry",
                                  f"entry {i} is not a HAR entry (needs request.url and response.content); "
                                  "passed over, the other entries are read"))
    if len(bad) > MAX_ENTRY_NOTES:
        notes.append(Notification(rel, "warning", "har-entry",
                                  f"{len(bad) - MAX_ENTRY_NOTES} more malformed entries passed over"))
    return files, notes
