"""`formleak report DIR`: the study-style tables, their CSV files and the self-contained HTML page."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from analyzer.batch.report import build_tables, table_csv
from analyzer.batch.rows import site_row, write_rows, _row
from analyzer.cli import main

CHROMIUM = Path("/usr/bin/chromium")


def finding(site, rule, severity, cats, triggers, dest, host, party, vendor=None, suppression=None):
    return _row(kind="finding", site=site, file="a.js", line=1, col=1, rule=rule, rule_name=rule.lower(),
                severity=severity, categories=cats, triggers=triggers, sink_api="fetch", destination=dest,
                destination_host=host, party=party, vendor=vendor, fingerprint="f", suppression=suppression)


def sample_rows() -> list[dict]:
    return [
        site_row("a", "ok", findings=2), 
        finding("a", "FL002", "high", ["email"], ["blur"], "/api/lead", None, "first_party"),
        finding("a", "FL002", "high", ["email", "phone"], ["input"], "https://t.x.example/c", "t.x.example",
                "third_party"),
        site_row("b", "partial", findings=1),
        finding("b", "FL002", "high", ["email"], ["change"], None, None, "third_party", vendor="Segment"),
        finding("b", "FL004", "low", ["postal_code"], ["keyup"], "https://t.x.example/z", "t.x.example",
                "third_party", suppression="inSource"),  # suppressed: not counted
        site_row("c", "ok", findings=0),
        site_row("d", "crashed", error="boom"),
        site_row("e", "ok", findings=1),
        finding("e", "FL001", "critical", ["card_number"], ["change"], "https://t.x.example/p", "t.x.example",
                "third_party"),
    ]


def test_tables_count_sites_once_and_only_analysed_ones():
    summary, tables = build_tables(sample_rows())
    assert summary == {"sites": 5, "analysed": 4, "with_leak": 3, "with_leak_share": 75.0, "findings": 4,
                       "version": summary["version"], "not_analysed": 1}
    t = {x.name: x for x in tables}
    assert t["coverage"].rows == (("ok", 3, 60.0, 3), ("partial", 1, 20.0, 1), ("budget", 0, 0.0, 0),
                                  ("crashed", 1, 20.0, 0))
    assert t["by_severity"].rows == (("critical", 1, 25.0, 1), ("high", 2, 50.0, 3))
    assert t["by_field_kind"].rows == (("email", 2, 50.0, 3), ("card_number", 1, 25.0, 1), ("phone", 1, 25.0, 1))
    assert t["by_trigger"].rows == (("change", 2, 50.0, 2), ("blur", 1, 25.0, 1), ("input", 1, 25.0, 1))
    assert t["by_party"].rows == (("third party", 3, 75.0, 3), ("first party", 1, 25.0, 1))
    assert t["by_vendor"].rows == (("(no known vendor)", "third party", 2, 50.0, 2),
                                   ("(no known vendor)", "first party", 1, 25.0, 1),
                                   ("Segment", "third party", 1, 25.0, 1))
    assert t["top_destinations"].rows == (("t.x.example", "third party", 2, 50.0, 2),
                                          ("(Segment SDK)", "third party", 1, 25.0, 1),
                                          ("(relative URL: the site itself)", "first party", 1, 25.0, 1))
    assert t["by_rule"].rows == (("FL002", "fl002", 2, 50.0, 3), ("FL001", "fl001", 1, 25.0, 1))
    assert table_csv(t["by_severity"]) == "severity,sites,share_percent,findings\ncritical,1,25.0,1\nhigh,2,50.0,3\n"
    _, top1 = build_tables(sample_rows(), top=1)
    assert len({x.name: x for x in top1}["top_destinations"].rows) == 1


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_report_command_writes_csv_and_a_self_contained_page(tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    write_rows(tmp_path / f"rows.{fmt}", sample_rows(), fmt)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["report", str(tmp_path)])
    assert code == 0, err.getvalue()
    rep = tmp_path / "report"
    assert sorted(p.name for p in rep.iterdir()) == sorted(
        ["index.html", "coverage.csv", "by_severity.csv", "by_field_kind.csv", "by_trigger.csv", "by_party.csv",
         "by_vendor.csv", "top_destinations.csv", "by_rule.csv"])
    assert (rep / "by_field_kind.csv").read_text() == ("field_kind,sites,share_percent,findings\nemail,2,50.0,3\n"
                                                       "card_number,1,25.0,1\nphone,1,25.0,1\n")
    html = (rep / "index.html").read_text()
    assert "<script" not in html.lower()
    # nothing fetched: the only URL is the SVG namespace
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"\b(src|href)\s*=", html)
    assert html.count("<svg") == 7  # every table but coverage has a chart
    assert "Sites with a pre-submit leak, by field kind" in html and "(Segment SDK)" in html
    first = html
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        assert main(["report", str(tmp_path), "-o", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "index.html").read_text() == first  # byte-identical


def test_report_of_a_folder_without_rows(tmp_path):
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        assert main(["report", str(tmp_path)]) == 2
    assert "no rows in" in err.getvalue()


def test_report_page_opens_in_headless_chromium(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (.ci/run installs it)")
    write_rows(tmp_path / "rows.jsonl", sample_rows(), "jsonl")
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        assert main(["report", str(tmp_path)]) == 0
    page = tmp_path / "report" / "index.html"
    profile = tmp_path / "profile"
    res = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert "Form fields sent before submit: 5 sites" in dom
    assert dom.count("<svg") == 7 and "t.x.example" in dom
    shot = tmp_path / "shot.png"
    res = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1200,2000",
                          page.as_uri()], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and shot.stat().st_size > 10_000, res.stderr[-2000:]
    shutil.rmtree(profile, ignore_errors=True)
