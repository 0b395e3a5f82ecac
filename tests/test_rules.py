"""Every rule entry in rules/*.toml that carries an `example` is scanned, and must give what its `expect` says.

`expect = "CATEGORIES TRIGGERS API"` means exactly one finding with those categories, triggers and sink API;
`expect = "none"` means no finding at all.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.engine import scan
from analyzer.rulebook import RuleBook
from analyzer.rules import load_toml


def _examples():
    out = []
    for fname in ("sinks", "sources", "triggers", "flows"):
        data = load_toml(fname)
        for section, entries in data.items():
            if isinstance(entries, dict):
                entries = [entries]
            if not isinstance(entries, list):
                continue
            for i, e in enumerate(entries):
                if isinstance(e, dict) and "example" in e and "expect" in e:
                    label = e.get("api") or e.get("name") or e.get("method") or ",".join(e.get("methods", [])) or str(i)
                    out.append(pytest.param(e["example"], e["expect"], id=f"{fname}.{section}.{label}.{i}"))
    return out


EXAMPLES = _examples()


def test_there_are_examples_for_every_sink():
    sinks = load_toml("sinks")["sink"]
    missing = [s["api"] for s in sinks if "example" not in s or "expect" not in s]
    assert not missing, f"sink rules without an example: {missing}"
    assert len(EXAMPLES) >= len(sinks)


@pytest.mark.parametrize("code,expect", EXAMPLES)
def test_rule_example(tmp_path: Path, code: str, expect: str):
    (tmp_path / "example.js").write_text(code + "\n", encoding="utf-8")
    result = scan([tmp_path])
    got = [(sorted(f.categories), f.trigger_names, f.sink_api) for f in result.findings]
    if expect == "none":
        assert got == []
        return
    cats, trig, api = expect.split()
    assert got == [(sorted(cats.split(",")), sorted(trig.split(",")), api)], f"example: {code}"


def test_rulebook_loads_every_file():
    rb = RuleBook.load()
    assert rb.call_sinks and rb.assign_sinks and rb.new_sinks
    assert "value" in rb.source_props
    assert "blur" in rb.presubmit and "submit" in rb.submit_events
    assert rb.normalize_path("window.$.ajax") == "jQuery.ajax"
    assert rb.normalize_path("self.navigator.sendBeacon") == "navigator.sendBeacon"


def test_library_banners_are_recognised():
    rb = RuleBook.load()
    libs = load_toml("libraries")["library"]
    assert len(libs) >= 10
    for lib in libs:
        assert rb.library_of(lib["example"].encode()) == lib["name"], lib["name"]
    assert rb.library_of(b"/* checkout.js - our own code */ var a = 1;") is None


def test_recognised_library_is_skipped_with_a_note(tmp_path: Path):
    (tmp_path / "jquery.min.js").write_text(
        "/*! jQuery v3.7.1 | (c) OpenJS Foundation */\n"
        "document.getElementById('email').addEventListener('blur', function (e) { fetch('/c?e=' + e.target.value); });\n")
    r = scan([tmp_path])
    assert r.findings == []
    assert [(n.path, n.reason, n.level) for n in r.notifications] == [("jquery.min.js", "library", "note")]
    r2 = scan([tmp_path], include_libraries=True)
    assert [(f.sink.line, f.sink_api) for f in r2.findings] == [(2, "fetch")]


def test_rule_files_have_exactly_the_known_sections():
    """TOML puts a bare key written after a [table] into that table: pin every section's keys so that a rule
    added in the wrong place fails here instead of being silently ignored."""
    assert set(load_toml("flows")) == {
        "sanitizing_properties", "sanitizing_methods", "sanitizing_calls", "predicate_names", "masking_patterns",
        "store_into_receiver", "store_into_first_arg", "wrappers", "callback", "storage", "react", "amd", "modules",
        "example",
        "aliases"}
    assert set(load_toml("flows")["storage"]) == {"objects", "set", "get", "example", "expect"}
    assert set(load_toml("flows")["amd"]) == {"calls"}
    assert set(load_toml("flows")["react"]) == {"state_hooks", "effect_hooks"}
    assert set(load_toml("sources")) == {"property", "method", "constructor", "element", "dom"}
    assert set(load_toml("sources")["dom"]) == {"catch_all_globals", "element_passthrough", "element_properties",
                                                "event_value_props"}
    assert set(load_toml("triggers")) == {"presubmit", "lifecycle", "submit", "click", "submit_control_words",
                                          "strong_submit_words", "non_submit_words", "submit_calls", "register",
                                          "registration"}
    assert set(load_toml("triggers")["registration"]) == {"jquery_shorthand", "property_prefix", "timers",
                                                          "ready_calls", "ready_methods"}
    assert set(load_toml("sinks")) == {"sink", "factory"}
    for s in load_toml("sinks")["sink"]:
        assert set(s) <= {"api", "match", "sent", "url_arg", "new", "assign", "vendor", "when_arg0", "fallback",
                          "example", "expect"}, s["api"]
