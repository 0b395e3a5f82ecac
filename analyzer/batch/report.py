"""`formleak report DIR`: study-style tables from the rows of a batch, as CSV files and one HTML page.

Input: `DIR/rows.parquet` or `DIR/rows.jsonl` (the newer, if both exist). Output (default `DIR/report/`):
one CSV per table and `index.html`, a self-contained page (inline CSS and SVG charts; no script, no font, no
image or style sheet fetched from anywhere), rendered from `templates/batch_report.html.j2`.

What is counted (docs/conventions.md, "Many sites"):
- a site *with a pre-submit leak* has at least one live finding (not suppressed);
- shares are of the *analysed* sites (status ok or partial); sites stopped by the site budget or crashed
  are not analysed and are listed in the coverage table only, never counted as clean;
- each table counts sites (a site with three email findings counts once for email) and findings;
- destinations are grouped by host; a relative URL is the site's own (first party), a tracker SDK call
  without a URL is "(Vendor SDK)", and a destination the analysis could not resolve is "(unresolved)".

Every table is sorted by sites (descending), then findings (descending), then its key, so the same rows give
byte-identical CSV and HTML.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from analyzer import __version__

SEVERITY_ORDER = ("critical", "high", "low")
PARTY_TEXT = {"first_party": "first party", "third_party": "third party", "unknown": "unknown"}


class ReportError(Exception):
    """DIR holds no batch rows."""


@dataclass(frozen=True)
class Table:
    name: str  # file stem: by_field_kind …
    title: str
    key_columns: tuple[str, ...]
    rows: tuple[tuple, ...]  # key values…, sites, share (% of analysed sites), findings
    note: str = ""
    chart: bool = True

    @property
    def columns(self) -> tuple[str, ...]:
        return self.key_columns + ("sites", "share_percent", "findings")


def find_rows(d: Path) -> Path:
    cands = [p for p in (d / "rows.parquet", d / "rows.jsonl") if p.is_file()]
    if not cands:
        raise ReportError(f"no rows in {d} (expected rows.parquet or rows.jsonl from `formleak batch … --out {d}`)")
    return max(cands, key=lambda p: (p.stat().st_mtime_ns, p.name))


def load_rows(d: Path) -> list[dict]:
    from analyzer.batch.rows import read_rows

    path = find_rows(Path(d))
    try:
        return read_rows(path)
    except ImportError:
        raise ReportError(f"{path.name} needs pyarrow: pip install 'formleak[batch]'") from None
    except (OSError, ValueError) as e:
        raise ReportError(f"cannot read {path}: {e}") from None


def _dest_key(row: dict) -> tuple[str, str]:
    host = row.get("destination_host")
    party = PARTY_TEXT.get(row.get("party") or "unknown", row.get("party") or "unknown")
    if host:
        return host, party
    if row.get("destination"):
        return "(relative URL: the site itself)", party
    if row.get("vendor"):
        return f"({row['vendor']} SDK)", party
    return "(unresolved)", party


def build_tables(rows: list[dict], top: int = 25) -> tuple[dict, list[Table]]:
    sites = [r for r in rows if r.get("kind") == "site"]
    status_of = {r["site"]: r["status"] for r in sites}
    analysed = {s for s, st in status_of.items() if st in ("ok", "partial")}
    live = [r for r in rows if r.get("kind") == "finding" and not r.get("suppression") and r["site"] in analysed]
    n = len(analysed)

    def share(k: int) -> float:
        return round(100.0 * k / n, 1) if n else 0.0

    def grouped(key_fn, multi: bool = False) -> list[tuple]:
        site_sets: dict[tuple, set] = defaultdict(set)
        counts: dict[tuple, int] = defaultdict(int)
        for r in live:
            keys = key_fn(r)
            for k in (keys if multi else [keys]):
                site_sets[k].add(r["site"])
                counts[k] += 1
        out = [k + (len(site_sets[k]), share(len(site_sets[k])), counts[k]) for k in site_sets]
        out.sort(key=lambda t: (-t[-3], -t[-1], t[:-3]))
        return out

    with_leak = {r["site"] for r in live}
    summary = {
        "sites": len(sites), "analysed": n, "with_leak": len(with_leak), "with_leak_share": share(len(with_leak)),
        "findings": len(live), "version": __version__,
        "not_analysed": len(sites) - n,
    }
    coverage = []
    for st in ("ok", "partial", "budget", "crashed"):
        k = sum(1 for v in status_of.values() if v == st)
        coverage.append((st, k, round(100.0 * k / len(sites), 1) if sites else 0.0,
                         sum(1 for r in live if status_of.get(r["site"]) == st)))
    sev = grouped(lambda r: (r.get("severity") or "unknown",))
    sev.sort(key=lambda t: (SEVERITY_ORDER.index(t[0]) if t[0] in SEVERITY_ORDER else 9, t[0]))
    tables = [
        Table("coverage", "Coverage: sites by scan status", ("status",), tuple(coverage),
              "share_percent here is of all sites; ok = scanned completely, partial = some file not analysed "
              "completely, budget = stopped by the site budget, crashed = the scan died or failed.", chart=False),
        Table("by_severity", "Sites with a pre-submit leak, by severity", ("severity",), tuple(sev)),
        Table("by_field_kind", "Sites with a pre-submit leak, by field kind", ("field_kind",),
              tuple(grouped(lambda r: [(c,) for c in (r.get("categories") or ["unknown"])], multi=True))),
        Table("by_trigger", "Sites with a pre-submit leak, by trigger", ("trigger",),
              tuple(grouped(lambda r: [(t,) for t in (r.get("triggers") or ["unknown"])], multi=True))),
        Table("by_party", "Sites with a pre-submit leak, by receiving party", ("party",),
              tuple(grouped(lambda r: (PARTY_TEXT.get(r.get("party") or "unknown", r.get("party")),)))),
        Table("by_vendor", "Sites with a pre-submit leak, by vendor", ("vendor", "party"),
              tuple(grouped(lambda r: (r.get("vendor") or "(no known vendor)",
                                       PARTY_TEXT.get(r.get("party") or "unknown", r.get("party")))))),
        Table("top_destinations", f"Top {top} destinations (by host)", ("destination", "party"),
              tuple(grouped(_dest_key)[:top])),
        Table("by_rule", "Sites with a pre-submit leak, by rule", ("rule", "rule_name"),
              tuple(grouped(lambda r: (r.get("rule") or "", r.get("rule_name") or "")))),
    ]
    return summary, tables


def table_csv(t: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(t.columns)
    for row in t.rows:
        w.writerow([f"{v:.1f}" if isinstance(v, float) else v for v in row])
    return buf.getvalue()


def _chart(t: Table) -> dict | None:
    """Geometry of a horizontal bar chart of the share column (numbers only; the template draws it)."""
    if not t.chart or not t.rows:
        return None
    label_w, bar_w, row_h = 260, 360, 22
    bars = []
    for i, row in enumerate(t.rows):
        label = " · ".join(str(v) for v in row[: len(t.key_columns)])
        sites, pct = row[-3], row[-2]
        bars.append({"y": 6 + i * row_h, "label": label if len(label) <= 38 else label[:37] + "…",
                     "full": label, "w": round(bar_w * pct / 100.0, 1), "pct": pct, "sites": sites})
    return {"width": label_w + bar_w + 110, "height": 12 + len(bars) * row_h, "label_w": label_w, "bar_w": bar_w,
            "bars": bars}


def render_html(summary: dict, tables: list[Table]) -> str:
    try:
        import jinja2
    except ImportError:
        raise ReportError("the HTML page needs Jinja2: pip install 'formleak[batch]'") from None

    env = jinja2.Environment(loader=jinja2.PackageLoader("analyzer.batch", "templates"),
                             autoescape=jinja2.select_autoescape(("html", "j2")), trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    tpl = env.get_template("batch_report.html.j2")
    return tpl.render(summary=summary, tables=[{"t": t, "chart": _chart(t)} for t in tables])


def write_report(d: Path, output: Path | None = None, top: int = 25) -> Path:
    """Write the CSV files and index.html; returns the HTML page's path."""
    rows = load_rows(d)
    summary, tables = build_tables(rows, top=top)
    out = Path(output) if output else Path(d) / "report"
    out.mkdir(parents=True, exist_ok=True)
    for t in tables:
        (out / f"{t.name}.csv").write_text(table_csv(t), encoding="utf-8", newline="")
    page = out / "index.html"
    page.write_text(render_html(summary, tables), encoding="utf-8", newline="")
    return page
