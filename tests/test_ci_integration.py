"""Issue 3's "Done when" scenarios, end to end through `analyzer.cli.main([...])`.

Every scenario runs twice: against the real engine (`real`) on tiny JS projects written to tmp_path, and
against a line-based stand-in engine (`fake`, tests/helpers.py) so that the CI logic itself (suppressions,
baselines, thresholds, config) is checked independently of the analysis. The `real` runs fail until the
engine reports these flows; that is intended.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from analyzer.cli import main
from helpers import LEAK_JS, PAGE_HTML, PHONE_LEAK_JS, REPO, fake_scan, write_project

ZIP_HTML = PAGE_HTML.replace(
    '<button type="submit">',
    '<label for="zip">Postal code</label> <input id="zip" name="zip" autocomplete="postal-code">\n'
    '  <button type="submit">')
ZIP_LEAK_JS = ("document.getElementById('zip').addEventListener('change', "
               "e => fetch('/api/address-lookup?zip=' + encodeURIComponent(e.target.value)));\n")


@pytest.fixture(params=["real", "fake"])
def engine(request, monkeypatch):
    if request.param == "fake":
        monkeypatch.setattr("analyzer.engine.scan", fake_scan)
    return request.param


def run_json(root: Path, *extra: str, out: Path | None = None) -> tuple[int, dict]:
    out = out or root.parent / f"{root.name}-report.json"
    code = main(["scan", str(root), "--format", "json", "--output", str(out), "--no-progress", *extra])
    doc = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return code, doc


def live(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if f["suppression"] is None]


# ------------------------------------------------------------------------------ inline suppressions


def test_suppressed_and_live_leak_exit_1_with_only_the_live_one(tmp_path, engine):
    js = "// formleak-disable-next-line FL002 -- first-party autosave, consented (PRIV-42)\n" + LEAK_JS + PHONE_LEAK_JS
    root = write_project(tmp_path / "shop", js)
    code, doc = run_json(root)
    assert code == 1
    assert [(f["sink"]["location"]["line"], f["categories"]) for f in live(doc)] == [(3, ["phone"])]
    suppressed = [f for f in doc["findings"] if f["suppression"]]
    assert len(suppressed) == 1 and suppressed[0]["sink"]["location"]["line"] == 2
    assert suppressed[0]["suppression"] == {"kind": "inSource",
                                            "justification": "first-party autosave, consented (PRIV-42)"}
    assert doc["summary"]["findings"] == 1 and doc["summary"]["suppressed"]["in_source"] == 1

    # the same finding stays in SARIF, marked suppressed
    sarif_out = tmp_path / "r.sarif"
    assert main(["scan", str(root), "--format", "sarif", "--output", str(sarif_out), "--no-progress"]) == 1
    results = json.loads(sarif_out.read_text())["runs"][0]["results"]
    sup = [r for r in results if r.get("suppressions")]
    assert len(results) == 2 and len(sup) == 1
    assert sup[0]["suppressions"][0]["kind"] == "inSource"
    assert sup[0]["suppressions"][0]["justification"].startswith("first-party autosave")

    # text output shows only the live one
    text_out = tmp_path / "r.txt"
    assert main(["scan", str(root), "--output", str(text_out), "--no-progress"]) == 1
    text = text_out.read_text()
    assert "app.js:3:" in text and "app.js:2:" not in text and "1 inline" in text


def test_suppress_same_line_block_comment(tmp_path, engine):
    js = LEAK_JS.rstrip("\n") + " /* formleak-disable-line -- consented autosave */\n"
    root = write_project(tmp_path / "shop", js)
    code, doc = run_json(root)
    assert code == 0
    assert live(doc) == [] and len(doc["findings"]) == 1


def test_no_inline_suppressions_flag_and_config(tmp_path, engine):
    js = "// formleak-disable-next-line -- approved\n" + LEAK_JS
    root = write_project(tmp_path / "shop", js)
    assert run_json(root)[0] == 0
    code, doc = run_json(root, "--no-inline-suppressions")
    assert code == 1 and len(live(doc)) == 1
    assert not any(n["reason"] == "unused-suppression" for n in doc["notifications"])
    (root / ".formleak.toml").write_text("inline-suppressions = false\n")
    assert run_json(root)[0] == 1


def test_suppression_without_reason_does_not_suppress_and_warns(tmp_path, engine):
    js = "// formleak-disable-next-line FL002\n" + LEAK_JS
    root = write_project(tmp_path / "shop", js)
    code, doc = run_json(root)
    assert code == 1 and len(live(doc)) == 1
    bad = [n for n in doc["notifications"] if n["reason"] == "invalid-suppression"]
    assert len(bad) == 1 and bad[0]["level"] == "warning" and bad[0]["path"] == "app.js"


def test_suppression_for_another_rule_and_unused_are_reported(tmp_path, engine):
    js = "// formleak-disable-next-line FL001 -- card tokenizer\n" + LEAK_JS + "\n// formleak-disable-line -- nothing here\n"
    root = write_project(tmp_path / "shop", js)
    code, doc = run_json(root)
    assert code == 1 and len(live(doc)) == 1  # FL001 does not cover an FL002 finding
    unused = sorted(n["message"] for n in doc["notifications"] if n["reason"] == "unused-suppression")
    assert len(unused) == 2 and "app.js:1:" in unused[0]


# ------------------------------------------------------------------------------ baselines


def test_baseline_survives_inserted_lines_and_reports_only_new_leaks(tmp_path, engine):
    root = write_project(tmp_path / "shop", LEAK_JS)
    baseline = tmp_path / "formleak-baseline.json"
    code, doc = run_json(root, "--write-baseline", str(baseline))
    assert code == 0  # what was just baselined does not fail
    data = json.loads(baseline.read_text())
    assert data["version"] == 2 and data["tool"]["name"] == "formleak"
    assert len(data["fingerprints"]) == 1
    entry = data["fingerprints"][0]
    assert entry["rule"] == "FL002" and entry["path"] == "app.js" and len(entry["fingerprint"]) == 64
    assert "line" not in entry

    # without the baseline the leak fails
    assert run_json(root)[0] == 1

    # lines inserted above the code: still baselined
    (root / "app.js").write_text("/*! shop bundle v2 (c) 2025 */\n'use strict';\n\nconst VERSION = 2;\n" + LEAK_JS)
    code, doc = run_json(root, "--baseline", str(baseline))
    assert code == 0
    assert live(doc) == []
    assert [f["suppression"]["kind"] for f in doc["findings"]] == ["external"]
    assert doc["findings"][0]["sink"]["location"]["line"] == 5

    # a new leak beside the baseline: exit 1, and only the new finding is live
    (root / "app.js").write_text("/*! shop bundle v2 (c) 2025 */\n'use strict';\n\nconst VERSION = 2;\n" + LEAK_JS
                                 + PHONE_LEAK_JS)
    code, doc = run_json(root, "--baseline", str(baseline))
    assert code == 1
    assert [(f["categories"], f["sink"]["api"]) for f in live(doc)] == [(["phone"], "navigator.sendBeacon")]

    # baselined findings stay in SARIF as suppressed (kind external); text shows only a count
    sarif_out = tmp_path / "r.sarif"
    assert main(["scan", str(root), "--format", "sarif", "--output", str(sarif_out), "--baseline",
                 str(baseline), "--no-progress"]) == 1
    results = json.loads(sarif_out.read_text())["runs"][0]["results"]
    assert sorted(r.get("suppressions", [{}])[0].get("kind", "live") for r in results) == ["external", "live"]
    text_out = tmp_path / "r.txt"
    main(["scan", str(root), "--output", str(text_out), "--baseline", str(baseline), "--no-progress"])
    text = text_out.read_text()
    assert "1 by baseline" in text and "navigator.sendBeacon" in text and "app.js:5:" not in text


def test_baseline_from_config_is_relative_to_config_file(tmp_path, engine):
    root = write_project(tmp_path / "shop", LEAK_JS)
    (root / "ci").mkdir()
    assert run_json(root, "--write-baseline", str(root / "ci" / "baseline.json"))[0] == 0
    (root / ".formleak.toml").write_text('baseline = "ci/baseline.json"\n')
    assert run_json(root)[0] == 0


def test_missing_baseline_is_an_error(tmp_path, engine, capsys):
    root = write_project(tmp_path / "shop", LEAK_JS)
    code = main(["scan", str(root), "--baseline", str(tmp_path / "nope.json"), "--no-progress"])
    assert code == 2
    assert "nope.json" in capsys.readouterr().err


# ------------------------------------------------------------------------------ thresholds and config


def test_fail_on_flag_and_config_change_the_exit_code(tmp_path, engine):
    root = write_project(tmp_path / "shop", ZIP_LEAK_JS, ZIP_HTML)  # a low finding (postal code)
    code, doc = run_json(root)
    assert code == 1 and [f["severity"] for f in live(doc)] == ["low"]
    assert run_json(root, "--fail-on", "low")[0] == 1
    assert run_json(root, "--fail-on", "high")[0] == 0
    assert run_json(root, "--fail-on", "critical")[0] == 0
    assert run_json(root, "--exit-zero")[0] == 0

    (root / ".formleak.toml").write_text('fail-on = "high"\n')
    assert run_json(root)[0] == 0
    assert run_json(root, "--fail-on", "low")[0] == 1  # the flag wins over the config

    # a high finding fails under fail-on = high, not under critical
    (root / "app.js").write_text(ZIP_LEAK_JS + LEAK_JS)
    assert run_json(root)[0] == 1
    (root / ".formleak.toml").write_text('fail-on = "critical"\n')
    assert run_json(root)[0] == 0


def test_pyproject_tool_table_found_from_scan_root_upward(tmp_path, engine):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.formleak]\nfail-on = "critical"\n')
    root = write_project(tmp_path / "web" / "static", LEAK_JS)
    assert run_json(root)[0] == 0
    # a nearer .formleak.toml wins
    (tmp_path / "web" / ".formleak.toml").write_text('fail-on = "low"\n')
    assert run_json(root)[0] == 1
    # --config names the file explicitly
    cfg = tmp_path / "strict.toml"
    cfg.write_text('fail-on = "critical"\n')
    assert run_json(root, "--config", str(cfg))[0] == 0


@pytest.mark.parametrize("filename,content,where", [
    (".formleak.toml", 'fail-on = "high"\nfail_on_typo = 1\n', ".formleak.toml"),
    ("pyproject.toml", '[tool.formleak]\nexclude = ["vendor/**"]\nallow-destination = ["x"]\n', "pyproject.toml"),
])
def test_unknown_config_key_exits_2_naming_key_and_file(tmp_path, engine, capsys, filename, content, where):
    root = write_project(tmp_path / "shop", LEAK_JS)
    (root / filename).write_text(content)
    code = main(["scan", str(root), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    key = "fail_on_typo" if "typo" in content else "allow-destination"
    assert f"'{key}'" in err and where in err and str(root.resolve()) in err


def test_config_severity_override_allow_destinations_and_exclude(tmp_path, engine):
    root = write_project(tmp_path / "shop", ZIP_LEAK_JS, ZIP_HTML)
    (root / ".formleak.toml").write_text('fail-on = "high"\n[severity]\nFL004 = "high"\n')
    code, doc = run_json(root)
    assert code == 1 and [f["severity"] for f in live(doc)] == ["high"]

    (root / ".formleak.toml").write_text('allow-destinations = ["/api/address-lookup"]\n')
    code, doc = run_json(root)
    assert code == 0 and doc["findings"] == []

    (root / "vendor").mkdir()
    (root / "vendor" / "tracker.js").write_text(LEAK_JS)
    (root / "app.js").write_text("// nothing\n")
    (root / ".formleak.toml").write_text('exclude = ["vendor/**"]\n')
    assert run_json(root)[0] == 0
    (root / ".formleak.toml").unlink()
    assert run_json(root)[0] == 1
    assert run_json(root, "--exclude", "vendor/**")[0] == 0


def test_third_party_destination_allowed_by_host_glob(tmp_path, engine):
    root = write_project(tmp_path / "shop", PHONE_LEAK_JS)
    assert run_json(root)[0] == 1
    (root / ".formleak.toml").write_text('allow-destinations = ["*.example.net"]\n')
    assert run_json(root)[0] == 0
    (root / ".formleak.toml").write_text('allow-destinations = ["https://other.example.net/"]\n')
    assert run_json(root)[0] == 1


# ------------------------------------------------------------------------------ integration files


def test_action_yml_is_a_composite_action_that_uploads_sarif():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["name"] and action["description"]
    inputs = action["inputs"]
    for name in ("path", "fail-on", "baseline", "sarif-file", "python-version"):
        assert name in inputs, name
        assert inputs[name].get("description")
    assert inputs["path"]["default"] == "."
    runs = action["runs"]
    assert runs["using"] == "composite"
    steps = runs["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    upload = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert len(upload) == 1
    assert "always()" in upload[0]["if"]
    assert "sarif_file" in upload[0]["with"]
    scripts = "\n".join(s.get("run", "") for s in steps)
    assert "github.action_path" in scripts and "pip install" in scripts
    assert "formleak scan" in scripts and "--sarif-output" in scripts
    for s in steps:
        if "run" in s:
            assert s.get("shell"), "composite run steps need a shell"
    # the scan's exit code is captured, the upload runs, and a final step fails the job
    scan = next(s for s in steps if "formleak scan" in s.get("run", ""))
    assert scan.get("id")
    last = steps[-1]
    assert "run" in last and scan["id"] in last.get("if", "") + last["run"] and "exit" in last["run"]
    assert steps.index(upload[0]) < len(steps) - 1


def test_pre_commit_hook_definition():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "formleak")
    assert hook["entry"] == "formleak scan ."
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is True
    assert hook.get("name")
