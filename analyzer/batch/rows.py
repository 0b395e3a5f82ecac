"""The rows of a batch and the files that hold them.

One table, two kinds of row (columns a kind does not use are null):

- `kind = "site"`, one per site: `status` (ok: scanned completely; partial: scanned, but some file could not
  be analysed completely — a parse error, a per-file budget, an unreadable file; budget: the per-site budget
  stopped the scan, nothing of it is kept; crashed: the scan process died twice, or the analyzer raised),
  `findings` (live ones) and `critical`/`high`/`low`, `suppressed`, `files_scanned`, `files_skipped` (files
  with a notification that were not analysed: libraries, binaries, too large …), `files_failed` (files with
  an error notification), `notifications`, `origin`, `complete`, `error`, `input_hash`, `formleak_version`.
- `kind = "finding"`, one per finding, in the canonical finding order of `formleak scan`: `file`, `line`,
  `col` (of the sink), `rule`, `rule_name`, `severity`, `confidence`, `categories` (field kinds), `fields`,
  `triggers` (event names), `sink_api`, `destination`, `destination_host`, `party`, `vendor`, `function`,
  `fingerprint`, `suppression` (null, "inSource" or "external").

Timings are not in these rows (they differ from run to run): they go to `timings.<ext>` beside them, so the
rows of the same input are byte-identical at any worker count.

Files: `parts/<key>.<ext>` holds one site's rows (written to a temporary name, fsync'ed, then renamed, so a
part is either whole or absent, even after a power loss); `rows.<ext>` is the consolidation of the parts of every site of the input,
in site-id order. `<ext>` is `parquet` (pyarrow, zstd-compressed, one row group per 1,000 sites) or `jsonl`
(one JSON object per line, keys sorted).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from analyzer import __version__

STR, INT, BOOL, LIST = "string", "int64", "bool", "list<string>"
COLUMNS: tuple[tuple[str, str], ...] = (
    ("kind", STR), ("site", STR), ("status", STR),
    ("file", STR), ("line", INT), ("col", INT), ("rule", STR), ("rule_name", STR), ("severity", STR),
    ("confidence", STR), ("categories", LIST), ("fields", LIST), ("triggers", LIST), ("sink_api", STR),
    ("destination", STR), ("destination_host", STR), ("party", STR), ("vendor", STR), ("function", STR),
    ("fingerprint", STR), ("suppression", STR),
    ("origin", STR), ("complete", BOOL), ("findings", INT), ("critical", INT), ("high", INT), ("low", INT),
    ("suppressed", INT), ("files_scanned", INT), ("files_skipped", INT), ("files_failed", INT),
    ("notifications", INT), ("error", STR), ("input_hash", STR), ("formleak_version", STR),
)
COLUMN_NAMES = tuple(c for c, _ in COLUMNS)
TIMING_COLUMNS: tuple[tuple[str, str], ...] = (("site", STR), ("status", STR), ("seconds", "double"),
                                               ("attempts", INT))
FORMATS = ("parquet", "jsonl")
ROW_GROUP_SITES = 1000


def _row(**values) -> dict:
    row = dict.fromkeys(COLUMN_NAMES)
    unknown = set(values) - set(COLUMN_NAMES)
    if unknown:
        raise KeyError(f"not a row column: {sorted(unknown)}")
    row.update(values)
    return row


def destination_host(url: str | None) -> str | None:
    if not url:
        return None
    u = url.strip()
    if u.startswith("//"):
        u = "https:" + u
    if "://" not in u:
        return None
    try:
        return (urlsplit(u).hostname or "").lower() or None
    except ValueError:
        return None


def site_row(site: str, status: str, *, error: str | None = None, input_hash: str = "", **counts) -> dict:
    return _row(kind="site", site=site, status=status, error=error, input_hash=input_hash or None,
                formleak_version=__version__, **counts)


def rows_from_document(site: str, doc: dict, status: str, input_hash: str = "") -> list[dict]:
    """The rows of one site from its `formleak scan --format json` document (docs/json-schema.md)."""
    findings = doc.get("findings") or []
    live = [f for f in findings if not f.get("suppression")]
    scanned = set(doc.get("files_scanned") or [])
    notes = doc.get("notifications") or []
    skipped = {n["path"] for n in notes if n.get("path") and n["path"] not in scanned}
    failed = {n["path"] for n in notes if n.get("path") and n.get("level") == "error"}
    rows = [site_row(site, status, input_hash=input_hash, origin=doc.get("origin"), complete=bool(doc.get("complete")),
                     findings=len(live), critical=sum(1 for f in live if f["severity"] == "critical"),
                     high=sum(1 for f in live if f["severity"] == "high"),
                     low=sum(1 for f in live if f["severity"] == "low"),
                     suppressed=len(findings) - len(live), files_scanned=len(scanned), files_skipped=len(skipped),
                     files_failed=len(failed), notifications=len(notes))]
    for f in findings:  # already in the canonical order
        loc = (f.get("sink") or {}).get("location") or {}
        dest = f.get("destination") or {}
        sup = f.get("suppression")
        rows.append(_row(
            kind="finding", site=site, file=loc.get("path"), line=loc.get("line"), col=loc.get("col"),
            rule=f.get("rule_id"), rule_name=f.get("rule_name"), severity=f.get("severity"),
            confidence=f.get("confidence"), categories=list(f.get("categories") or []),
            fields=list(f.get("fields") or []), triggers=list(f.get("trigger") or []),
            sink_api=(f.get("sink") or {}).get("api"), destination=dest.get("url"),
            destination_host=destination_host(dest.get("url")), party=dest.get("party"), vendor=dest.get("vendor"),
            function=f.get("function"), fingerprint=f.get("fingerprint"),
            suppression=(sup.get("kind") if isinstance(sup, dict) else None)))
    return rows


# ------------------------------------------------------------------------------------------- files


def _arrow_schema(columns=COLUMNS):
    import pyarrow as pa

    types = {STR: pa.string(), INT: pa.int64(), BOOL: pa.bool_(), LIST: pa.list_(pa.string()),
             "double": pa.float64()}
    return pa.schema([(name, types[t]) for name, t in columns])


def _jsonl(rows) -> bytes:
    return b"".join(json.dumps(r, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
                    for r in rows)


class _Writer:
    """Writes rows to `path` through a temporary file renamed into place when closed without error."""

    def __init__(self, path: Path, fmt: str, columns=COLUMNS) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.path, self.fmt, self.columns = Path(path), fmt, columns
        self.tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._pq = None
        self._fh = None
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self._schema = _arrow_schema(columns)
            self._pq = pq.ParquetWriter(self.tmp, self._schema, compression="zstd")
        else:
            self._fh = open(self.tmp, "wb")

    def write(self, rows: list[dict]) -> None:
        if self._pq is not None:
            import pyarrow as pa

            names = [c for c, _ in self.columns]
            self._pq.write_table(pa.Table.from_pylist([{c: r.get(c) for c in names} for r in rows],
                                                      schema=self._schema))
        else:
            self._fh.write(_jsonl(rows))

    def close(self) -> None:
        if self._pq is not None:
            self._pq.close()
            with open(self.tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        else:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            if self._pq is not None:
                self._pq.close()
            elif self._fh is not None:
                self._fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> "_Writer":
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_rows(path: Path, rows: list[dict], fmt: str, columns=COLUMNS) -> None:
    """Write `rows` to `path` atomically (whole or not at all)."""
    with _Writer(path, fmt, columns) as w:
        w.write(rows)


def read_rows(path: Path) -> list[dict]:
    """The rows of a part or consolidated file (either format, by its extension)."""
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def consolidate(out: Path, parts: list[tuple[str, Path]], fmt: str, timings: list[dict] | None = None) -> Path:
    """Write `out/rows.<fmt>` from the part files, in the order given (the caller sorts by site id), and
    `out/timings.<fmt>` from `timings` when given."""
    target = Path(out) / f"rows.{fmt}"
    with _Writer(target, fmt) as w:
        chunk: list[dict] = []
        n_sites = 0
        for _site, part in parts:
            chunk.extend(read_rows(part))
            n_sites += 1
            if n_sites % ROW_GROUP_SITES == 0:
                w.write(chunk)
                chunk = []
        if chunk or n_sites == 0:
            w.write(chunk)
    if timings is not None:
        write_rows(Path(out) / f"timings.{fmt}", timings, fmt, TIMING_COLUMNS)
    return target
