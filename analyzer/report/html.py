"""`--format html` / `--html-output FILE`: one self-contained page an auditor can open offline.

A summary on top (findings by severity, vendor and field kind as small charts; files scanned, skipped or
failed and why), filters by severity and vendor, and per finding its severity, fields and their kinds,
trigger(s), API, destination with party and vendor, the fix, and the path *drawn* as an inline SVG
diagram: the field read, each step, the sink and the destination, each node with its code line and a link
to `file#Lline` (relative to the folder the report is written to). A node whose location carries a
generated (bundle) position as well — an attribute `generated` holding a Location on the PathStep, or on the
Finding for its sink, set when a source map was used — shows both.

Everything here is built as plain data first (`report_view`), then rendered by the Jinja2 template
`templates/report.html.j2` with autoescaping on: every string from the scanned site (field names, code
lines, URLs, file names) is hostile input and only ever reaches the page as escaped text or attribute
values, never inside the `<script>` or `<style>` blocks. The page's Content-Security-Policy allows only
its own inline script (by hash) and inline styles: nothing loads from the network, and even markup that
escaped escaping could not run. No clock, no absolute paths: the same input gives the same bytes.
"""
from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit

from analyzer.model import Finding, Location, ScanResult
from analyzer.report import (NON_FILE_REASONS, SEVERITIES, SEVERITY_RANK, TOOL_NAME, TOOL_VERSION, party_text, rule_meta,
                             sorted_findings, trim)
from analyzer.report.locate import Locator

TEMPLATE = "report.html.j2"
SCRIPT = "report.js"
STYLE = "report.css"

# diagram geometry (px)
NODE_W = 880
NODE_H = 74
NODE_H_GEN = 92  # a node that also shows a generated (bundle) position
GAP = 30
CODE_CHARS = 110
LABEL_CHARS = 110
MAX_DRAWN = 40  # steps drawn per path at most (the first and the last half of them)

BAR_W = 130  # longest bar of a summary chart

SEVERITY_COLOR = {"critical": "#b42318", "high": "#dc6803", "low": "#b08800"}
KIND_LABEL = {"source": "field read", "step": "step", "sink": "sink", "dest": "destination", "gap": "steps"}


def _templates() -> Path:
    return Path(__file__).resolve().parent / "templates"


class _Links:
    def __init__(self, at: Locator, link_base: Path | None) -> None:
        self.at = at
        self.base = link_base

    def href(self, loc: Location | None) -> str:
        if loc is None or not loc.path:
            return ""
        rel = self.at.relative(loc.path, self.base)
        # percent-encode every segment (a file may be named `javascript:…`) and keep it a relative path
        href = quote(rel, safe="/")
        if not href.startswith(("../", "./")):
            href = "./" + href
        return f"{href}#L{loc.line}"


def _loc_text(loc: Location | None) -> str:
    return f"{loc.path}:{loc.line}:{loc.col}" if loc is not None else ""


def _generated(obj) -> Location | None:
    g = getattr(obj, "generated", None)
    return g if isinstance(g, Location) else None


_TICKS = re.compile(r"`([^`\n]{1,200})`")


def _node(kind: str, label: str, code: str, loc: Location | None, gen: Location | None, links: _Links) -> dict:
    label = _TICKS.sub("\u201c\\1\u201d", label)  # `buf` (markdown in step messages) -> “buf”
    return {"kind": kind, "kind_label": KIND_LABEL[kind], "label": trim(label, LABEL_CHARS),
            "label_full": trim(label, 2000), "code": trim(code, CODE_CHARS), "code_full": trim(code, 2000),
            "loc": _loc_text(loc), "href": links.href(loc), "gen": _loc_text(gen), "gen_href": links.href(gen)}


def _diagram(f: Finding, links: _Links) -> dict:
    nodes = []
    steps = list(f.steps)
    n_steps = len(steps)
    for i, s in enumerate(steps):
        if MAX_DRAWN // 2 <= i < n_steps - MAX_DRAWN // 2 and n_steps > MAX_DRAWN:
            if i == MAX_DRAWN // 2:  # a very long path: the first and last steps, and how many in between
                hidden = n_steps - 2 * (MAX_DRAWN // 2)
                nodes.append({"kind": "gap", "kind_label": "steps", "label": f"… {hidden} more steps …",
                              "label_full": f"{hidden} steps are not drawn; the JSON and SARIF reports list them",
                              "code": "", "code_full": "", "loc": "", "href": "", "gen": "", "gen_href": ""})
            continue
        last = i == n_steps - 1 and s.location == f.sink
        kind = "source" if i == 0 and not last else "sink" if last else "step"
        gen = _generated(s) or (_generated(f) if last else None)
        nodes.append(_node(kind, s.message or "step", s.snippet, s.location, gen, links))
    if not nodes or nodes[-1]["kind"] != "sink":
        nodes.append(_node("sink", f"sent by {f.sink_api}", f.sink_snippet, f.sink, _generated(f), links))
    dest = f.destination or "an unresolved destination"
    nodes.append({"kind": "dest", "kind_label": KIND_LABEL["dest"], "label": trim(dest, LABEL_CHARS),
                  "label_full": trim(dest, 2000), "code": party_text(f), "code_full": party_text(f), "loc": "",
                  "href": "", "gen": "", "gen_href": ""})
    y = 8
    for n in nodes:
        n["h"] = NODE_H_GEN if n["gen"] else NODE_H
        n["y"] = y
        y += n["h"] + GAP
    arrows = [{"y1": a["y"] + a["h"], "y2": b["y"] - 2} for a, b in zip(nodes, nodes[1:])]
    return {"nodes": nodes, "arrows": arrows, "width": NODE_W + 16, "height": y - GAP + 8, "node_w": NODE_W}


def _vendor_key(f: Finding) -> str:
    """What the destination filter and chart call a finding's destination: the vendor, else the host of a
    third party, else first party / unknown."""
    if f.vendor:
        return f.vendor
    if f.party == "third_party":
        host = urlsplit(f.destination or "").hostname if "://" in (f.destination or "") else None
        return host or "third party"
    return {"first_party": "first party"}.get(f.party, "unknown")


def _finding(i: int, f: Finding, links: _Links) -> dict:
    meta = rule_meta(f.rule_id, f.rule_name, f.severity)
    triggers = []
    for t in sorted(f.triggers, key=lambda t: (t.event, _loc_text(t.location), t.description)):
        triggers.append({"event": t.event, "text": t.description or t.event, "loc": _loc_text(t.location),
                         "href": links.href(t.location)})
    gen = _generated(f)
    return {
        "id": f"finding-{i}", "severity": f.severity, "color": SEVERITY_COLOR.get(f.severity, "#475467"),
        "rule_id": f.rule_id, "rule_name": f.rule_name, "short": meta.short, "advice": meta.advice,
        "categories": list(f.categories), "fields": list(f.fields), "triggers": triggers,
        "trigger_names": f.trigger_names, "api": f.sink_api, "destination": f.destination or "",
        "party": f.party, "party_text": party_text(f), "vendor": f.vendor or "", "vendor_key": _vendor_key(f),
        "confidence": f.confidence, "function": f.function, "sink": _loc_text(f.sink), "sink_href": links.href(f.sink),
        "gen": _loc_text(gen), "gen_href": links.href(gen), "fingerprint": f.fingerprint[:16],
        "suppressed": bool(f.suppression),
        "suppression": (f"{'inline' if f.suppression.get('kind') == 'inSource' else 'baseline'}: "
                        f"{f.suppression.get('justification') or ''}") if f.suppression else "",
        "diagram": _diagram(f, links),
    }


def _bars(counter: Counter, order: list[str] | None = None, colors: dict | None = None) -> dict:
    keys = order if order is not None else sorted(counter, key=lambda k: (-counter[k], k))
    rows = [(k, counter.get(k, 0)) for k in keys]
    top = max([n for _, n in rows] + [1])
    out = []
    for i, (k, n) in enumerate(rows):
        out.append({"label": k, "count": n, "y": i * 26, "w": round(BAR_W * n / top, 1),
                    "color": (colors or {}).get(k, "#475467")})
    return {"rows": out, "height": max(26 * len(out), 26)}


def report_view(result: ScanResult, *, cwd: Path | None = None, link_base: Path | None = None) -> dict:
    at = Locator(result.roots, cwd)
    links = _Links(at, Path(link_base) if link_base is not None else at.srcroot)
    # most severe first, then the canonical (path, line, col, rule) order
    findings = sorted(sorted_findings(result), key=lambda f: -SEVERITY_RANK.get(f.severity, 0))
    live = [f for f in findings if f.suppression is None]
    items = [_finding(i, f, links) for i, f in enumerate(findings, start=1)]
    by_sev = Counter(f.severity for f in live)
    by_vendor = Counter(_vendor_key(f) for f in live)
    by_kind = Counter(c for f in live for c in sorted(set(f.categories)))
    notes = sorted(result.notifications, key=lambda n: (n.path, n.level, n.reason, n.message))
    file_notes = [n for n in notes if n.reason not in NON_FILE_REASONS]
    skipped = sorted({n.path for n in file_notes if n.level == "error"})
    return {
        "tool": TOOL_NAME, "version": TOOL_VERSION,
        "roots": [Path(r).as_posix() for r in result.roots], "origin": result.origin or "",
        "complete": bool(result.complete),
        "total": len(live), "suppressed": len(findings) - len(live), "all": len(findings),
        "severities": [{"name": s, "count": by_sev.get(s, 0), "color": SEVERITY_COLOR[s]} for s in SEVERITIES],
        "sev_bars": _bars(by_sev, list(SEVERITIES), SEVERITY_COLOR),
        "vendor_bars": _bars(by_vendor), "kind_bars": _bars(by_kind),
        "vendors": sorted({it["vendor_key"] for it in items}),
        "files_scanned": len(result.files_scanned), "files_skipped": len(skipped),
        "file_notes": [{"path": n.path, "level": n.level, "reason": n.reason, "message": n.message}
                       for n in file_notes],
        "other_notes": [{"path": n.path, "level": n.level, "reason": n.reason, "message": n.message}
                        for n in notes if n.reason in NON_FILE_REASONS],
        "findings": items,
    }


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # autoescape=True for every template (the file name ends in .j2, which select_autoescape would miss)
    return Environment(loader=FileSystemLoader(str(_templates())), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_html(result: ScanResult, *, cwd: Path | None = None, link_base: Path | None = None) -> str:
    env = _environment()
    script = (_templates() / SCRIPT).read_text(encoding="utf-8")
    style = (_templates() / STYLE).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    view = report_view(result, cwd=cwd, link_base=link_base)
    from markupsafe import Markup

    return env.get_template(TEMPLATE).render(r=view, csp=csp, script=Markup(script), style=Markup(style))
