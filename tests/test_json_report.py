"""`--format json`: validates against docs/formleak-report.schema.json, carries the SARIF facts, is stable."""
from __future__ import annotations

import json
import random

import pytest

from analyzer.cli import main
from analyzer.fingerprint import assign_fingerprints
from analyzer.report.json_out import render_json
from analyzer.report.sarif import render_sarif
from helpers import LEAK_JS, REPO, make_finding, make_result, note, write_project

jsonschema = pytest.importorskip("jsonschema")
SCHEMA_PATH = REPO / "docs" / "formleak-report.schema.json"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(validator, doc):
    errors = list(validator.iter_errors(doc))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def sample():
    return make_result([
        make_finding("b.js", 4, 2, rule="FL001", severity="critical", categories=("card_number",), events=("input",),
                     api="navigator.sendBeacon", destination="https://evil.example/c", party="third_party",
                     vendor=None),
        make_finding("a.js", 9, 1),
        make_finding("a.js", 2, 1, rule="FL004", severity="low", categories=("postal_code",), destination=None,
                     party="unknown", steps=0, suppression={"kind": "inSource", "justification": "zip lookup"}),
        make_finding("a.js", 20, 1, suppression={"kind": "external", "justification": "in baseline b.json"}),
    ], notifications=[note(), note("c.js", "warning", "timeout", "stopped")], complete=False)


def test_schema_is_documented():
    md = (REPO / "docs" / "json-schema.md").read_text(encoding="utf-8")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    for key in schema["required"]:
        assert f"`{key}`" in md, key
    for key in schema["$defs"]["finding"]["required"]:
        assert f"`{key}`" in md, key


def test_hand_made_report_validates(validator):
    doc = json.loads(render_json(sample()))
    validate(validator, doc)
    validate(validator, json.loads(render_json(make_result([]))))


def test_content_and_summary():
    doc = json.loads(render_json(sample()))
    assert doc["schema_version"] == 1 and doc["tool"]["name"] == "formleak"
    assert doc["complete"] is False
    s = doc["summary"]
    assert s["findings"] == 2
    assert s["by_severity"] == {"critical": 1, "high": 1, "low": 0}
    assert s["suppressed"] == {"in_source": 1, "external": 1}
    assert s["files_failed"] == 1
    locs = [(f["sink"]["location"]["path"], f["sink"]["location"]["line"]) for f in doc["findings"]]
    assert locs == [("a.js", 2), ("a.js", 9), ("a.js", 20), ("b.js", 4)]
    crit = doc["findings"][3]
    assert crit["destination"] == {"url": "https://evil.example/c", "party": "third_party", "vendor": None}
    assert crit["trigger"] == ["input"] and crit["sink"]["api"] == "navigator.sendBeacon"
    assert len(crit["fingerprint"]) == 64
    assert doc["findings"][0]["suppression"] == {"kind": "inSource", "justification": "zip lookup"}


def test_same_facts_as_sarif():
    r = sample()
    assign_fingerprints(r.findings)
    j = json.loads(render_json(r))
    s = json.loads(render_sarif(r))["runs"][0]["results"]
    assert len(j["findings"]) == len(s)
    for jf, sr in zip(j["findings"], s):
        assert jf["rule_id"] == sr["ruleId"]
        assert jf["fingerprint"] == sr["partialFingerprints"]["formleak/v2"]
        assert jf["categories"] == sr["properties"]["categories"]
        assert jf["trigger"] == sr["properties"]["trigger"]
        assert jf["message"] == sr["message"]["text"]
        assert (jf["suppression"] or {}).get("kind") == (sr.get("suppressions") or [{}])[0].get("kind")


def test_byte_identical_whatever_the_input_order():
    a, b = sample(), sample()
    random.Random(3).shuffle(b.findings)
    b.notifications.reverse()
    assert render_json(a) == render_json(b)


def test_huge_snippets_are_trimmed():
    f = make_finding()
    f.sink_snippet = "x" * 1_000_000
    doc = json.loads(render_json(make_result([f])))
    assert len(doc["findings"][0]["sink"]["snippet"]) <= 400


def test_cli_json_end_to_end(tmp_path, validator, capsys):
    root = write_project(tmp_path / "shop", LEAK_JS)
    code = main(["scan", str(root), "--format", "json", "--no-progress"])
    out = capsys.readouterr().out
    doc = json.loads(out)
    validate(validator, doc)
    assert code == 1
    assert doc["summary"]["findings"] == 1
    f = doc["findings"][0]
    assert (f["rule_id"], f["categories"], f["trigger"], f["sink"]["api"]) == ("FL002", ["email"], ["blur"], "fetch")
    assert f["sink"]["location"]["path"] == "app.js" and f["sink"]["location"]["line"] == 1
    assert sorted(doc["files_scanned"]) == ["app.js", "index.html"]
