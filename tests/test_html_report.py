"""The HTML report (`--format html`, `--html-output`): content, escaping of hostile names, links, the
optional generated position, determinism — and, in headless Chromium, that each finding and its drawn path
are in the DOM, that the report's own script ran and that no script from the scanned site did."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from analyzer.cli import main
from analyzer.model import Location, PathStep
from analyzer.report.html import render_html, report_view
from helpers import LEAK_JS, REPO, make_finding, make_result, note, write_project
from test_fixtures import parse_sidecar

DEMO = REPO / "fixtures" / "demo-shop"
HOSTILE = REPO / "fixtures" / "hostile-names"
CHROMIUM = Path("/usr/bin/chromium")


def _scan_html(root: Path, out: Path) -> tuple[dict, str]:
    """Scan `root` once, writing the JSON and the HTML report; returns (json doc, html text)."""
    js = out.with_suffix(".json")
    code = main(["scan", str(root), "--format", "json", "--output", str(js), "--html-output", str(out),
                 "--no-progress", "--quiet"])
    assert code in (0, 1)
    return json.loads(js.read_text(encoding="utf-8")), out.read_text(encoding="utf-8")


def _live(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if f["suppression"] is None]


# ------------------------------------------------------------------------------------------ static checks


def test_page_is_self_contained_and_only_runs_its_own_script(tmp_path):
    doc, html = _scan_html(DEMO, tmp_path / "report.html")
    soup = BeautifulSoup(html, "html.parser")
    scripts = soup.find_all("script")
    assert len(scripts) == 1 and not scripts[0].get("src")
    # nothing is loaded: no src/href to another origin, no stylesheet link, no url() in the style
    assert not soup.find_all(src=True) and not soup.find_all("link")
    assert "url(" not in soup.style.string
    assert not [a["href"] for a in soup.find_all(href=True) if re.match(r"^[a-z]+:", a["href"])]
    # the CSP allows exactly that script, by its hash
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    digest = base64.b64encode(hashlib.sha256(scripts[0].string.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    # every live finding is a card with its drawn path
    cards = soup.select("article.finding")
    assert len(cards) == len(_live(doc)) == 5
    for f in _live(doc):
        card = next(c for c in cards if c.select_one("a.where").get_text() ==
                    f"{f['sink']['location']['path']}:{f['sink']['location']['line']}:{f['sink']['location']['col']}")
        assert card["data-severity"] == f["severity"]
        nodes = card.select("svg.flow g.node")
        assert [n["data-kind"] for n in nodes] == (["source"] + ["step"] * (len(f["steps"]) - 2) + ["sink", "dest"])
        locs = [n.select_one("text.loc").get_text() for n in nodes[:-1]]
        assert locs == [f"{s['location']['path']}:{s['location']['line']}:{s['location']['col']}" for s in f["steps"]]
        label = nodes[-1].select_one("text.label").find(string=True, recursive=False)
        assert label == (f["destination"]["url"] or "an unresolved destination")
        assert len(card.select("svg.flow line.edge")) == len(nodes) - 1
        for cat in f["categories"]:
            assert cat in [c.get_text() for c in card.select(".chip")]


def test_summary_counts_and_skipped_files():
    findings = [make_finding(line=3, rule="FL001", severity="critical", categories=("card_number",),
                             vendor="Skim", party="third_party"),
                make_finding(line=9), make_finding(line=12, suppression={"kind": "external", "justification": "b"})]
    r = make_result(findings, notifications=[note("vendor/big.js", "error", "parse-error", "could not parse"),
                                             note("a.js", "warning", "unused-suppression", "unused")])
    view = report_view(r, cwd=Path("/tmp"))
    assert [(s["name"], s["count"]) for s in view["severities"]] == [("critical", 1), ("high", 1), ("low", 0)]
    assert {b["label"]: b["count"] for b in view["vendor_bars"]["rows"]} == {"Skim": 1, "first party": 1}
    assert {b["label"]: b["count"] for b in view["kind_bars"]["rows"]} == {"card_number": 1, "email": 1}
    assert view["files_skipped"] == 1 and [n["path"] for n in view["file_notes"]] == ["vendor/big.js"]
    assert [n["reason"] for n in view["other_notes"]] == ["unused-suppression"]
    assert view["findings"][0]["severity"] == "critical"  # most severe first
    html = render_html(r, cwd=Path("/tmp"))
    soup = BeautifulSoup(html, "html.parser")
    assert "parse-error" in soup.select_one("#files-skipped").get_text()
    hidden = [c for c in soup.select("article.finding") if c.has_attr("hidden")]
    assert [c["data-suppressed"] for c in hidden] == ["1"]  # suppressed: listed, hidden until asked for


def test_hostile_names_are_text_never_markup(tmp_path):
    doc, html = _scan_html(HOSTILE, tmp_path / "report.html")
    expected = {(a.path, a.line, a.api) for a in parse_sidecar(HOSTILE) if a.kind == "expect"}
    assert {(f["sink"]["location"]["path"], f["sink"]["location"]["line"], f["sink"]["api"])
            for f in _live(doc)} == expected
    soup = BeautifulSoup(html, "html.parser")
    assert len(soup.find_all("script")) == 1
    assert not soup.find_all("img") and not soup.find_all(attrs={"onerror": True})
    assert not soup.find_all(attrs={"onload": True})
    assert soup.title.get_text() == "formleak report"
    chips = [c.get_text() for c in soup.select(".chip.field")]
    assert "[name=\"<script>document.title='pwned'</script>\"]" in chips
    assert "&lt;script&gt;document.title=" in html and "<script>document.title" not in html


def test_links_are_relative_to_the_report_and_never_a_scheme(tmp_path):
    shop = write_project(tmp_path / "shop", LEAK_JS)
    out = tmp_path / "out" / "r.html"
    assert main(["scan", str(shop), "--html-output", str(out), "--no-progress", "--quiet"]) == 1
    soup = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    assert soup.select_one("a.where")["href"] == "../shop/app.js#L1"
    # a file named like a URL scheme stays a relative path
    f = make_finding(path="javascript:alert(1).js", line=2)
    soup = BeautifulSoup(render_html(make_result([f], root=str(tmp_path)), cwd=tmp_path, link_base=tmp_path),
                         "html.parser")
    assert soup.select_one("a.where")["href"] == "./javascript%3Aalert%281%29.js#L2"


def test_generated_position_is_shown_when_present():
    @dataclasses.dataclass(frozen=True)
    class MappedStep(PathStep):
        generated: Location | None = None

    f = make_finding(steps=2)
    gen = Location("dist/app.min.js", 1, 4711, 1, 4790)
    f.steps = [MappedStep(s.location, s.message, s.snippet, gen) for s in f.steps]
    f.generated = gen
    soup = BeautifulSoup(render_html(make_result([f]), cwd=Path("/tmp")), "html.parser")
    gens = [t.get_text() for t in soup.select("svg.flow text.gen")]
    assert gens == ["generated (bundle): dist/app.min.js:1:4711"] * 2
    assert "dist/app.min.js:1:4711" in soup.select_one("dl.facts").get_text()
    plain = BeautifulSoup(render_html(make_result([make_finding()]), cwd=Path("/tmp")), "html.parser")
    assert not plain.select("svg.flow text.gen")


def test_byte_identical_for_the_same_input(tmp_path):
    _, a = _scan_html(DEMO, tmp_path / "a.html")
    _, b = _scan_html(DEMO, tmp_path / "b.html")
    assert a == b


def test_format_html_on_stdout(capsys):
    assert main(["scan", str(DEMO), "--format", "html", "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("<!doctype html>") and out.count("<article class=\"finding") == 5


# ------------------------------------------------------------------------------------------ in a browser


def _chromium(url: str, *args: str) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="formleak-chromium-")
    try:
        return subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={profile}", *args, url],
            capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="headless Chromium not installed (apt-get install chromium; .ci/run does)")


def _dom(report: Path, fragment: str = "") -> BeautifulSoup:
    proc = _chromium(report.as_uri() + fragment, "--dump-dom", "--virtual-time-budget=3000")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return BeautifulSoup(proc.stdout, "html.parser")


@needs_chromium
def test_demo_shop_report_in_chromium(tmp_path):
    report = tmp_path / "demo.html"
    doc, _ = _scan_html(DEMO, report)
    dom = _dom(report)
    assert dom.body.get("data-filters-ready") == "1"  # the report's own script ran (its CSP hash matched)
    cards = dom.select("article.finding")
    assert len(cards) == len(_live(doc)) == 5 and not [c for c in cards if c.has_attr("hidden")]
    assert dom.select_one("#shown-count").get_text() == "5"
    drawn = {c.select_one("a.where").get_text(): [n.select_one("text.loc").get_text()
                                                   for n in c.select("svg.flow g.node")[:-1]] for c in cards}
    for f in _live(doc):
        sink = f["sink"]["location"]
        key = f"{sink['path']}:{sink['line']}:{sink['col']}"
        assert drawn[key] == [f"{s['location']['path']}:{s['location']['line']}:{s['location']['col']}"
                              for s in f["steps"]], key
    shot = tmp_path / "demo.png"
    proc = _chromium(report.as_uri(), f"--screenshot={shot}", "--window-size=1280,1600")
    assert proc.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


@needs_chromium
def test_filters_from_the_address_fragment_in_chromium(tmp_path):
    report = tmp_path / "demo.html"
    _scan_html(DEMO, report)
    dom = _dom(report, "#severity=critical")
    visible = [c for c in dom.select("article.finding") if not c.has_attr("hidden")]
    assert [c["data-severity"] for c in visible] == ["critical"]
    assert dom.select_one("#shown-count").get_text() == "1"
    dom = _dom(report, "#vendor=Klaviyo")
    visible = [c for c in dom.select("article.finding") if not c.has_attr("hidden")]
    assert [c["data-vendor"] for c in visible] == ["Klaviyo"]


@needs_chromium
def test_hostile_names_run_nothing_in_chromium(tmp_path):
    report = tmp_path / "hostile.html"
    doc, _ = _scan_html(HOSTILE, report)
    dom = _dom(report)
    assert dom.body.get("data-filters-ready") == "1"
    assert not dom.body.has_attr("data-pwned")  # no onerror/onload from a field name, URL or code line ran
    assert dom.title.get_text() == "formleak report"  # no <script> from a field name or URL ran
    assert not dom.find_all("img") and len(dom.find_all("script")) == 1
    cards = dom.select("article.finding")
    assert len(cards) == len(_live(doc)) == 2
    chips = [c.get_text() for c in dom.select(".chip.field")]
    assert "[name=\"<img src=x onerror=document.body.setAttribute('data-pwned','1')>\"]" in chips
    codes = " ".join(t.get_text() for t in dom.select("svg.flow text.code"))
    assert "</text></svg><img src=x onerror=" in codes  # shown as text, inside the drawing
    shot = tmp_path / "hostile.png"
    proc = _chromium(report.as_uri(), f"--screenshot={shot}", "--window-size=1280,1200")
    assert proc.returncode == 0 and shot.stat().st_size > 10_000


def test_a_very_long_path_is_drawn_with_its_ends_and_a_gap():
    from analyzer.report.html import MAX_DRAWN

    f = make_finding(steps=500)
    soup = BeautifulSoup(render_html(make_result([f]), cwd=Path("/tmp")), "html.parser")
    kinds = [g["data-kind"] for g in soup.select("svg.flow g.node")]
    assert kinds[0] == "source" and kinds[-2:] == ["sink", "dest"]
    assert kinds.count("gap") == 1 and len(kinds) == MAX_DRAWN + 2
    assert f"… {500 - MAX_DRAWN} more steps …" in soup.select_one("g[data-kind=gap]").get_text()
