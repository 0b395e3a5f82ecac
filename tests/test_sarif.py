"""SARIF 2.1.0 output: schema validity, GitHub code scanning conventions, limits, determinism."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from analyzer import engine
from analyzer.cli import main
from analyzer.fingerprint import assign_fingerprints
from analyzer.model import Location, PathStep, TriggerInfo
from analyzer.report import RULES
from analyzer.report.sarif import MAX_FLOW_LOCATIONS, render_sarif, sarif_document
from helpers import LEAK_JS, REPO, SCHEMA, make_finding, make_result, note, write_project

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def validator():
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA} (expected ../shared beside the repository)")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(validator, doc: dict) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def sample_result():
    return make_result([
        make_finding("js/checkout.js", 30, 7, rule="FL001", severity="critical", categories=("card_number", "card_cvc"),
                     events=("input", "blur"), api="navigator.sendBeacon", destination="https://skim.example.ru/c",
                     party="third_party", vendor=None, steps=4),
        make_finding("js/checkout.js", 10, 5),
        make_finding("js/zip.js", 3, 1, rule="FL004", severity="low", categories=("postal_code",), events=("change",),
                     destination=None, party="unknown", steps=0),
        make_finding("pages/日本語.html", 5, 12, rule="FL002", categories=("phone", "name"), events=("keyup",),
                     api="analytics.identify", destination="https://api.segment.io/v1/identify", party="third_party",
                     vendor="Segment", suppression={"kind": "inSource", "justification": "consented"}),
        make_finding("js/checkout.js", 50, 2, rule="FL003", severity="critical", categories=("any_field",),
                     api="jQuery.ajax", suppression={"kind": "external", "justification": "in baseline b.json"}),
    ], notifications=[note(), note("js/huge.min.js", "warning", "timeout", "analysis stopped after 30 s"),
                      note("js/zip.js", "warning", "invalid-suppression", "js/zip.js:2: no reason")],
        complete=False)


def test_hand_made_results_validate(validator):
    doc = json.loads(render_sarif(sample_result()))
    validate(validator, doc)
    assert doc["version"] == "2.1.0"


def test_empty_result_validates(validator):
    doc = json.loads(render_sarif(make_result([])))
    validate(validator, doc)
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_driver_and_rules():
    run = json.loads(render_sarif(make_result([])))["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "formleak" and driver["version"] and driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(RULES) == ["FL001", "FL002", "FL003", "FL004"]
    for r in driver["rules"]:
        assert r["name"] and r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert "How to fix" in r["help"]["text"] and "### How to fix" in r["help"]["markdown"]
        assert "Why it matters" in r["help"]["text"]
        sev = r["properties"]["security-severity"]
        assert isinstance(sev, str) and 0.0 < float(sev) <= 10.0
        assert {"security", "privacy"} & set(r["properties"]["tags"])
        assert len(r["properties"]["tags"]) <= 20
        assert r["properties"]["precision"] in ("very-high", "high", "medium", "low")
    by_id = {r["id"]: r for r in driver["rules"]}
    assert by_id["FL001"]["properties"]["security-severity"] == "9.5"
    assert by_id["FL002"]["properties"]["security-severity"] == "7.5"
    assert by_id["FL004"]["properties"]["security-severity"] == "3.0"


def test_severity_override_changes_rule_defaults():
    doc = sarif_document(make_result([]), severity_overrides={"FL004": "high"})
    fl4 = next(r for r in doc["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "FL004")
    assert fl4["properties"]["security-severity"] == "7.5" and fl4["defaultConfiguration"]["level"] == "error"


def test_result_shape():
    doc = json.loads(render_sarif(sample_result()))
    run = doc["runs"][0]
    assert run["columnKind"] == "utf16CodeUnits"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    # sorted by (path, line, col, rule)
    keys = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results]
    assert keys == sorted(keys)
    assert [k[1] for k in keys[:3]] == [10, 30, 50]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] == ("warning" if r["properties"]["severity"] == "low" else "error")
        phys = r["locations"][0]["physicalLocation"]
        assert phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not phys["artifactLocation"]["uri"].startswith("/")
        region = phys["region"]
        assert {"startLine", "startColumn", "endLine", "endColumn", "snippet"} <= set(region)
        assert len(r["partialFingerprints"]["formleak/v2"]) == 64
        props = r["properties"]
        assert {"severity", "trigger", "categories", "sink", "destination", "party", "vendor",
                "confidence"} <= set(props)
        flow = r["codeFlows"][0]["threadFlows"][0]["locations"]
        assert flow and all(step["location"]["message"]["text"] for step in flow)
    crit = next(r for r in results if r["ruleId"] == "FL001")
    assert crit["level"] == "error"
    assert crit["properties"]["trigger"] == ["blur", "input"]
    assert crit["properties"]["categories"] == ["card_cvc", "card_number"]
    assert crit["properties"]["sink"] == "navigator.sendBeacon"
    assert crit["properties"]["party"] == "third_party"
    text = crit["message"]["text"]
    for word in ("card_number", "blur", "input", "navigator.sendBeacon", "https://skim.example.ru/c"):
        assert word in text
    flow = crit["codeFlows"][0]["threadFlows"][0]["locations"]
    assert len(flow) == 4
    assert flow[-1]["location"]["physicalLocation"]["region"]["startLine"] == 30  # sink last
    assert len(crit["relatedLocations"]) == 2
    assert all("trigger" in rl["message"]["text"] for rl in crit["relatedLocations"])
    assert len({rl["id"] for rl in crit["relatedLocations"]}) == 2
    low = next(r for r in results if r["ruleId"] == "FL004")
    assert low["level"] == "warning" and low["properties"]["destination"] is None
    assert len(low["codeFlows"][0]["threadFlows"][0]["locations"]) == 1  # no steps: the sink alone
    seg = next(r for r in results if r["properties"]["vendor"] == "Segment")
    assert seg["suppressions"] == [{"kind": "inSource", "status": "accepted", "justification": "consented"}]
    assert seg["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pages/%E6%97%A5%E6%9C%AC%E8%AA%9E.html"
    ext = next(r for r in results if r["ruleId"] == "FL003")
    assert ext["suppressions"][0]["kind"] == "external"
    assert "suppressions" not in crit


def test_invocation_notifications_and_completeness():
    run = json.loads(render_sarif(sample_result()))["runs"][0]
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is True
    assert inv["properties"]["complete"] is False and run["properties"]["complete"] is False
    assert inv["properties"]["filesScanned"] == len(sample_result().files_scanned)
    notes = inv["toolExecutionNotifications"]
    assert len(notes) == 3
    by_id = {n["descriptor"]["id"]: n for n in notes}
    assert by_id["parse-error"]["level"] == "error"
    assert by_id["timeout"]["level"] == "warning"
    uri = by_id["parse-error"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "vendor/big.js", "uriBaseId": "%SRCROOT%"}


def test_byte_identical_whatever_the_input_order():
    a = sample_result()
    b = sample_result()
    random.Random(7).shuffle(b.findings)
    b.notifications.reverse()
    b.files_scanned.reverse()
    assert render_sarif(a) == render_sarif(b)
    assert render_sarif(a) == render_sarif(a)


def test_steps_capped_keeping_source_and_sink(validator):
    f = make_finding(steps=MAX_FLOW_LOCATIONS + 25)
    doc = json.loads(render_sarif(make_result([f])))
    validate(validator, doc)
    flow = doc["runs"][0]["results"][0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert len(flow) == MAX_FLOW_LOCATIONS
    assert flow[0]["location"]["message"]["text"] == f.steps[0].message
    assert flow[-1]["location"]["message"]["text"] == f.steps[-1].message


def test_results_capped_deterministically_most_severe_kept(validator):
    findings = [make_finding("a.js", i + 1, 1, rule="FL004", severity="low", categories=("postal_code",))
                for i in range(6)]
    findings += [make_finding("z.js", 1, 1, rule="FL001", severity="critical", categories=("card_number",))]
    doc = sarif_document(make_result(findings), max_results=3)
    validate(validator, doc)
    results = doc["runs"][0]["results"]
    assert len(results) == 3
    assert [r["ruleId"] for r in results] == ["FL004", "FL004", "FL001"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results] == [1, 2, 1]
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(n["descriptor"]["id"] == "results-truncated" for n in notes)
    assert doc["runs"][0]["invocations"][0]["properties"]["resultsTruncated"] == 4


def test_odd_locations_are_clamped_to_valid_regions(validator):
    f = make_finding()
    f.sink = Location("x.js", 0, 0, 0, 0)
    f.steps = [PathStep(Location("x.js", 3, 5, 3, 2), "step", "")]
    f.triggers = [TriggerInfo("load", None, "top level")]
    doc = json.loads(render_sarif(make_result([f])))
    validate(validator, doc)
    assert "relatedLocations" not in doc["runs"][0]["results"][0]


def test_unknown_rule_gets_a_generic_rule_entry(validator):
    f = make_finding(rule="FL009", severity="high")
    f.rule_name = "future-rule"
    doc = json.loads(render_sarif(make_result([f])))
    validate(validator, doc)
    run = doc["runs"][0]
    res = run["results"][0]
    assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "FL009"


# ------------------------------------------------------------------------------ the fixture corpus


def _fixture_dirs() -> list[Path]:
    dirs = sorted(p for p in (REPO / "fixtures" / "cases").glob("*") if p.is_dir())
    demo = REPO / "fixtures" / "demo-shop"
    if demo.is_dir():
        dirs.append(demo)
    return dirs


FIXTURES = _fixture_dirs()


@pytest.mark.parametrize("case", FIXTURES or [None], ids=[p.name for p in FIXTURES] or ["no-fixtures"])
def test_fixture_sarif_validates(validator, case):
    if case is None:
        pytest.skip("no fixtures/cases yet")
    result = engine.scan([case])
    assign_fingerprints(result.findings)
    text = render_sarif(result)
    doc = json.loads(text)
    validate(validator, doc)
    assert render_sarif(result) == text
    for r in doc["runs"][0]["results"]:
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"


def test_fixture_corpus_is_present():
    assert FIXTURES, "fixtures/cases/* should exist"


# ------------------------------------------------------------------------------ end to end


def test_cli_sarif_end_to_end(tmp_path, validator):
    root = write_project(tmp_path / "shop", LEAK_JS)
    out = tmp_path / "out" / "formleak.sarif"
    code = main(["scan", str(root), "--format", "sarif", "--output", str(out), "--no-progress"])
    doc = json.loads(out.read_text(encoding="utf-8"))
    validate(validator, doc)
    assert code == 1
    results = doc["runs"][0]["results"]
    assert len(results) == 1
    r = results[0]
    assert r["ruleId"] == "FL002" and r["level"] == "error"
    assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.js"
    region = r["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 1 and region["startColumn"] == LEAK_JS.index("fetch(") + 1
    assert r["properties"]["categories"] == ["email"] and r["properties"]["trigger"] == ["blur"]
    assert r["properties"]["sink"] == "fetch"
    assert r["relatedLocations"]
    assert doc["runs"][0]["invocations"][0]["properties"]["complete"] is True
    # byte-identical on a second run
    out2 = tmp_path / "again.sarif"
    main(["scan", str(root), "--format", "sarif", "--output", str(out2), "--no-progress"])
    assert out2.read_bytes() == out.read_bytes()
