"""The command line: arguments, exit codes, output destinations, terminal manners."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analyzer import __version__
from analyzer.cli import main
from helpers import LEAK_JS, REPO, fake_scan, make_finding, make_result, note, write_project


@pytest.fixture
def fake_engine(monkeypatch):
    monkeypatch.setattr("analyzer.engine.scan", fake_scan)


def canned(monkeypatch, findings, **kw):
    """Make the engine return exactly these findings."""
    def scan(roots, *, origin=None, exclude=(), budget_seconds=30.0, include_libraries=False, **_):
        r = make_result([f for f in findings], root=str(roots[0]), **kw)
        r.origin = origin
        return r
    monkeypatch.setattr("analyzer.engine.scan", scan)


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"formleak {__version__}"


def test_help_has_examples(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "formleak scan ." in out and "exit codes" in out
    assert main(["scan", "--help"]) == 0
    out = capsys.readouterr().out
    for opt in ("--format", "--output", "--origin", "--fail-on", "--exit-zero", "--baseline", "--write-baseline",
                "--no-inline-suppressions", "--config", "--exclude", "--quiet", "--no-progress"):
        assert opt in out, opt
    assert "examples:" in out


def test_usage_errors_exit_2(capsys, tmp_path):
    assert main([]) == 2
    assert main(["scan"]) == 2
    assert main(["scan", str(tmp_path), "--format", "xml"]) == 2
    assert main(["scan", str(tmp_path), "--fail-on", "medium"]) == 2
    assert main(["frobnicate"]) == 2


def test_nonexistent_path_exits_2_with_clear_message(tmp_path, capsys):
    missing = tmp_path / "no-such-dir"
    assert main(["scan", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "path not found" in err and str(missing) in err


def test_empty_project_exits_0(tmp_path, capsys):
    assert main(["scan", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "0 findings" in out


def test_missing_config_file_exits_2(tmp_path, capsys):
    assert main(["scan", str(tmp_path), "--config", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml" in capsys.readouterr().err


@pytest.mark.parametrize("content,needle", [
    ('fail-on = "medium"\n', "fail-on"),
    ('exclude = "ok"\nbaseline = 3\n', "baseline"),
    ('[severity]\nFL002 = "urgent"\n', "FL002"),
    ('[severity]\nXYZ = "low"\n', "XYZ"),
    ('inline-suppressions = "no"\n', "inline-suppressions"),
    ("this is not toml\n", "not valid TOML"),
])
def test_bad_config_values_exit_2(tmp_path, capsys, content, needle):
    (tmp_path / ".formleak.toml").write_text(content)
    assert main(["scan", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert needle in err and ".formleak.toml" in err


def test_exit_codes_by_threshold(monkeypatch, tmp_path):
    canned(monkeypatch, [make_finding(severity="high")])
    assert main(["scan", str(tmp_path), "--no-progress"]) == 1
    assert main(["scan", str(tmp_path), "--fail-on", "high", "--no-progress"]) == 1
    assert main(["scan", str(tmp_path), "--fail-on", "critical", "--no-progress"]) == 0
    assert main(["scan", str(tmp_path), "--exit-zero", "--no-progress"]) == 0
    canned(monkeypatch, [make_finding(severity="low", rule="FL004", categories=("postal_code",))])
    assert main(["scan", str(tmp_path), "--no-progress"]) == 1
    assert main(["scan", str(tmp_path), "--fail-on", "high", "--no-progress"]) == 0
    canned(monkeypatch, [make_finding(severity="high", suppression=None)])
    assert main(["scan", str(tmp_path), "--fail-on", "low", "--no-progress"]) == 1


def test_engine_crash_is_fatal_exit_2(monkeypatch, tmp_path, capsys):
    def boom(roots, **kw):
        raise RuntimeError("kaboom")
    monkeypatch.setattr("analyzer.engine.scan", boom)
    assert main(["scan", str(tmp_path), "--no-progress"]) == 2
    assert "kaboom" in capsys.readouterr().err


def test_text_report_contents(monkeypatch, tmp_path, capsys):
    f = make_finding("js/checkout.js", 12, 9, events=("blur", "input"), destination="https://api.klaviyo.com/x",
                     party="third_party", vendor="Klaviyo", steps=3)
    canned(monkeypatch, [f], notifications=[note("vendor/big.js", "error", "parse-error", "unexpected token")])
    assert main(["scan", str(tmp_path), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "HIGH" in out and "FL002" in out and "js/checkout.js:12:9" in out
    assert "email" in out and "blur" in out and "input" in out and "fetch" in out
    assert "https://api.klaviyo.com/x" in out and "third party, Klaviyo" in out
    assert "1. js/checkout.js:10" in out and "3. js/checkout.js:12" in out
    assert "const v = e.target.value;" in out
    assert "1 finding (0 critical, 1 high, 0 low)" in out
    assert "vendor/big.js (parse-error)" in out and "1 skipped or failed" in out
    assert "\x1b[" not in out  # not a TTY: no colour


def test_output_file_and_stderr_summary(monkeypatch, tmp_path, capsys):
    canned(monkeypatch, [make_finding()])
    out = tmp_path / "reports" / "r.sarif"
    assert main(["scan", str(tmp_path), "--format", "sarif", "-o", str(out), "--no-progress"]) == 1
    cap = capsys.readouterr()
    assert cap.out == ""
    assert "1 finding" in cap.err and str(out) in cap.err
    assert json.loads(out.read_text())["version"] == "2.1.0"


def test_quiet_prints_nothing_but_errors(monkeypatch, tmp_path, capsys):
    canned(monkeypatch, [make_finding()])
    assert main(["scan", str(tmp_path), "--quiet"]) == 1
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err == ""
    out = tmp_path / "r.json"
    assert main(["scan", str(tmp_path), "--quiet", "--format", "json", "-o", str(out)]) == 1
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err == "" and out.exists()
    assert main(["scan", str(tmp_path / "missing"), "--quiet"]) == 2
    assert "path not found" in capsys.readouterr().err


def test_colour_only_on_a_tty_and_never_with_no_color(monkeypatch, tmp_path, capsys):
    canned(monkeypatch, [make_finding()])

    class Tty:
        def __init__(self, real):
            self.real = real

        def isatty(self):
            return True

        def __getattr__(self, name):
            return getattr(self.real, name)

    monkeypatch.setattr(sys, "stdout", Tty(sys.stdout))
    monkeypatch.delenv("NO_COLOR", raising=False)
    main(["scan", str(tmp_path), "--no-progress"])
    assert "\x1b[" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    main(["scan", str(tmp_path), "--no-progress"])
    assert "\x1b[" not in capsys.readouterr().out


def test_origin_and_excludes_reach_the_engine(monkeypatch, tmp_path):
    seen = {}

    def scan(roots, *, origin=None, exclude=(), budget_seconds=30.0, include_libraries=False, **_):
        seen.update(roots=roots, origin=origin, exclude=tuple(exclude))
        return make_result([])
    monkeypatch.setattr("analyzer.engine.scan", scan)
    (tmp_path / ".formleak.toml").write_text('exclude = ["vendor/**"]\n')
    assert main(["scan", str(tmp_path), "--origin", "https://shop.example", "--exclude", "*.min.js",
                 "--no-progress"]) == 0
    assert seen["origin"] == "https://shop.example"
    assert seen["exclude"] == ("vendor/**", "*.min.js")


def test_fingerprints_are_filled_and_stable_across_line_moves(monkeypatch, tmp_path, capsys):
    other = "https://other.example/x"
    canned(monkeypatch, [make_finding(line=10), make_finding(line=40, destination=other)])
    main(["scan", str(tmp_path), "--format", "json", "--no-progress"])
    a = [f["fingerprint"] for f in json.loads(capsys.readouterr().out)["findings"]]
    canned(monkeypatch, [make_finding(line=110), make_finding(line=140, destination=other)])
    main(["scan", str(tmp_path), "--format", "json", "--no-progress"])
    b = [f["fingerprint"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert a == b and len(set(a)) == 2 and all(len(x) == 64 for x in a)


def test_fingerprint_ignores_lines_and_text_but_not_identity():
    from analyzer.fingerprint import fingerprint
    base = make_finding()
    moved = make_finding(line=99, col=1)
    moved.sink_snippet = "minified garbage"
    assert fingerprint(base) == fingerprint(moved)
    assert fingerprint(base) != fingerprint(make_finding(function="other"))
    assert fingerprint(base) != fingerprint(make_finding(path="other.js"))
    assert fingerprint(base) != fingerprint(make_finding(categories=("phone",)))
    assert fingerprint(base) != fingerprint(make_finding(events=("input",)))
    assert fingerprint(base) != fingerprint(make_finding(api="navigator.sendBeacon"))
    assert fingerprint(base) != fingerprint(make_finding(rule="FL003"))
    # the destination: host of an absolute URL, vendor when known, path of a relative URL (no query)
    assert fingerprint(base) == fingerprint(make_finding(destination="https://shop.example/other?x=1"))
    assert fingerprint(base) != fingerprint(make_finding(destination="https://skim.example/cart/capture"))
    assert fingerprint(make_finding(vendor="Klaviyo")) != fingerprint(make_finding(vendor="Meta"))
    assert fingerprint(make_finding(destination="/a?e=1")) == fingerprint(make_finding(destination="/a?e=2"))
    assert fingerprint(make_finding(destination="/a")) != fingerprint(make_finding(destination="/b"))
    assert fingerprint(make_finding(categories=("a", "b"))) == fingerprint(make_finding(categories=("b", "a")))


def test_python_dash_m_and_console_entry(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "analyzer", "--version"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_end_to_end_text_with_real_engine(tmp_path, capsys):
    root = write_project(tmp_path / "shop", LEAK_JS)
    assert main(["scan", str(root), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "FL002" in out and "app.js:1:" in out and "email" in out and "blur" in out and "fetch" in out
    assert "1 finding" in out


def test_end_to_end_file_root_and_fake_engine(tmp_path, fake_engine, capsys):
    root = write_project(tmp_path / "shop", LEAK_JS)
    assert main(["scan", str(root / "app.js"), "--no-progress"]) == 1
    assert "app.js:1:" in capsys.readouterr().out


@pytest.mark.parametrize("line,kind,rules,reason", [
    ("// formleak-disable-next-line -- approved", "next-line", (), "approved"),
    ("x(); // formleak-disable-line FL002 -- consented autosave", "line", ("FL002",), "consented autosave"),
    ("/* formleak-disable-line FL001, fl002 -- tokenizer */ y()", "line", ("FL001", "FL002"), "tokenizer"),
    ("/** formleak-disable-next-line FL004 -- zip lookup (PRIV-1) */", "next-line", ("FL004",), "zip lookup (PRIV-1)"),
    ("<!-- formleak-disable-next-line FL002 -- newsletter double opt-in -->", "next-line", ("FL002",),
     "newsletter double opt-in"),
])
def test_parse_valid_directives(line, kind, rules, reason):
    from analyzer.suppress import parse_directives
    directives, problems = parse_directives("a.js", "\n" + line + "\n")
    assert problems == []
    assert [(d.line, d.kind, d.rules, d.reason) for d in directives] == [(2, kind, rules, reason)]


@pytest.mark.parametrize("line", [
    "// formleak-disable-next-line",
    "// formleak-disable-next-line FL002",
    "// formleak-disable-line FL002 --",
    "<!-- formleak-disable-next-line FL002 -->",
    "/* formleak-disable-line */",
    "// formleak-disable-line because -- it is fine",
])
def test_parse_invalid_directives_warn(line):
    from analyzer.suppress import parse_directives
    directives, problems = parse_directives("a.js", line + "\n")
    assert directives == []
    assert len(problems) == 1 and problems[0].reason == "invalid-suppression" and problems[0].level == "warning"
    assert "a.js:1" in problems[0].message


def test_directive_outside_a_comment_is_ignored():
    from analyzer.suppress import parse_directives
    assert parse_directives("a.js", "var formleak_disable_line = 1; formleak-disable-line -- x\n") == ([], [])


@pytest.mark.parametrize("dest,patterns,allowed", [
    ("https://zip.example.jp/api/lookup?z=1", ["https://zip.example.jp/api/"], True),
    ("https://zip.example.jp.evil.com/api/", ["https://zip.example.jp/api/"], False),
    ("https://a.lookup.example/x", ["*.lookup.example"], True),
    ("https://lookup.example/x", ["*.lookup.example"], True),
    ("https://evil-lookup.example/x", ["*.lookup.example"], False),
    ("https://zip.example.jp/api/x", ["zip.example.jp/api/"], True),
    ("https://zip.example.jp/other", ["zip.example.jp/api/"], False),
    ("/api/postcode?zip=*", ["/api/postcode"], True),
    ("https://evil.example/api/postcode", ["/api/postcode"], False),
    (None, ["*"], False),
])
def test_allow_destinations(dest, patterns, allowed):
    from analyzer.config import destination_allowed
    assert destination_allowed(dest, patterns) is allowed
