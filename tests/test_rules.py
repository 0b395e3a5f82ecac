"""Every rule entry in rules/*.toml that carries an `example` is scanned, and must give what its `expect` says.

`expect = "CATEGORIES TRIGGERS API"` means exactly one finding with those categories, triggers and sink API;
`expect = "none"` means no finding at all.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

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
        if "banner" in lib:
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
        "store_into_receiver", "store_into_first_arg", "wrappers", "apply_calls", "code_calls", "global_this_code", "later_callbacks", "callback_not_result", "lookup_methods", "keyed_store_methods", "callback", "storage", "react", "amd", "modules",
        "example",
        "aliases", "path_aliases"}
    assert set(load_toml("flows")["storage"]) == {"objects", "set", "get", "serialize", "parse", "example", "expect"}
    assert set(load_toml("flows")["amd"]) == {"calls"}
    assert set(load_toml("flows")["react"]) == {"state_hooks", "effect_hooks"}
    assert set(load_toml("sources")) == {"property", "method", "constructor", "element", "dom", "forms"}
    assert set(load_toml("sources")["forms"]) == {"observable", "subscribe", "pass_through", "control_attr", "event",
                                                 "example", "expect"}
    assert set(load_toml("sources")["dom"]) == {"catch_all_globals", "builtin_globals", "element_passthrough",
                                                "element_properties", "event_value_props",
                                                "plain_result_methods", "element_definers", "element_callbacks",
                                                "flat_namespaces", "server_props_exports"}
    assert set(load_toml("triggers")) == {"presubmit", "lifecycle", "page_start", "submit", "click", "submit_control_words",
                                          "strong_submit_words", "non_submit_words", "submit_calls", "register",
                                          "registration", "decorator"}
    assert set(load_toml("triggers")["registration"]) == {"jquery_shorthand", "property_prefix", "timers",
                                                          "ready_calls", "bus_emit", "bus_returns", "bus_any"}
    assert set(load_toml("sinks")) == {"sink", "factory"}
    for s in load_toml("sinks")["sink"]:
        assert set(s) <= {"api", "match", "sent", "url_arg", "new", "assign", "vendor", "when_arg0", "fallback",
                          "example", "expect"}, s["api"]


# ------------------------------------------------------------------------------------------ rules checked for use

def test_every_section_is_a_typed_record():
    from analyzer.rules_schema import check_rules

    check_rules()  # raises RulesError naming the file, section and key


def test_unknown_keys_are_rejected():
    from analyzer.models.spec import RulesError, record
    from analyzer.rules_schema import Sink, Vendor

    good = {"api": "fetch", "match": ["fetch"], "example": "x", "expect": "none"}
    assert record(Sink, good, "t").match == ("fetch",)
    with pytest.raises(RulesError, match="url_args"):
        record(Sink, {**good, "url_args": 0}, "sinks.toml sink[0]")
    with pytest.raises(RulesError, match="missing"):
        record(Vendor, {"name": "X"}, "vendors.toml vendor[0]")


def test_every_sink_vendor_is_a_vendor_of_vendors_toml():
    names = {v["name"] for v in load_toml("vendors")["vendor"]}
    missing = sorted({s["vendor"] for s in load_toml("sinks")["sink"] if s.get("vendor")} - names)
    assert not missing, f"sink vendors not in vendors.toml: {missing}"


def test_sdk_call_and_request_to_its_host_name_the_same_vendor():
    from analyzer.classify import Classifier

    clf = Classifier.from_rules()
    by_api = {s["api"]: s["vendor"] for s in load_toml("sinks")["sink"] if s.get("vendor")}
    assert by_api["ttq.identify"] == clf.vendor_for_host("analytics.tiktok.com") == "TikTok Pixel"


class _Tracked(dict):
    """A rules table that records which of its keys are read (by path: file, section, key)."""

    def __init__(self, data: dict, path: tuple, log: set):
        super().__init__()
        self._path, self._log = path, log
        for k, v in data.items():
            dict.__setitem__(self, k, _track(v, path + (k,), log))

    def _seen(self, k):
        self._log.add(self._path + (k,))

    def __getitem__(self, k):
        self._seen(k)
        return dict.__getitem__(self, k)

    def get(self, k, default=None):
        self._seen(k)
        return dict.get(self, k, default)

    def __contains__(self, k):
        self._seen(k)
        return dict.__contains__(self, k)

    def __iter__(self):
        for k in dict.keys(self):
            self._seen(k)
            yield k

    def keys(self):
        return list(iter(self))

    def items(self):
        return [(k, dict.__getitem__(self, k)) for k in self]

    def values(self):
        return [v for _k, v in self.items()]


def _track(v, path, log):
    if isinstance(v, dict):
        return _Tracked(v, path, log)
    if isinstance(v, list):
        return [_track(x, path, log) if isinstance(x, dict) else x for x in v]
    return v


def _declared(v, path, out):
    if isinstance(v, dict):
        for k, x in v.items():
            out.add(path + (k,))
            _declared(x, path + (k,), out)
    elif isinstance(v, list):
        for x in v:
            _declared(x, path, out)


# keys only the tests read (every entry's worked example) and mapping tables whose keys are data
_TEST_KEYS = {"example", "expect", "about", "signature_example", "marker_example", "build_example"}  # read by tests only


def test_every_declared_key_is_read_by_the_engine(monkeypatch, tmp_path):
    """Load everything the engine loads from rules/ through tables that log each read: a key no stage
    reads (a leftover, a misspelling the schema allowed) fails here."""
    import analyzer.classify
    import analyzer.models.state
    import analyzer.models.templates
    import analyzer.rulebook
    import analyzer.rules_schema
    from analyzer.classify import Classifier
    from analyzer.models.state import StateModel
    from analyzer.models.templates import TemplateModels
    from analyzer.parse import Parsers
    from analyzer.rulebook import RuleBook

    log: set = set()
    files = ("sinks", "sources", "triggers", "flows", "fields", "vendors", "libraries", "frameworks")
    tracked = {f: _Tracked(load_toml(f), (f,), log) for f in files}
    for mod in (analyzer.rulebook, analyzer.classify, analyzer.models.state, analyzer.models.templates):
        monkeypatch.setattr(mod, "load_toml", lambda name: tracked[name])
    monkeypatch.setattr(analyzer.rules_schema, "check_rules", lambda: None)
    RuleBook.load()
    Classifier.from_rules()
    StateModel()
    TemplateModels(Parsers())
    declared: set = set()
    for f in files:
        _declared(load_toml(f), (f,), declared)
    mapping_tables = {("fields", "autocomplete"), ("fields", "type"), ("flows", "modules"), ("flows", "aliases")}
    unread = sorted(
        ".".join(k) for k in declared - log
        if k[-1] not in _TEST_KEYS and k[:2] not in mapping_tables and k[:-1] not in mapping_tables)
    assert not unread, f"rule keys no stage of the engine reads: {unread}"


def test_every_framework_record_field_is_used():
    """frameworks.toml is read into records whole (so the logging test above sees every key read): each
    record field must be used by the framework models' code."""
    import dataclasses

    from analyzer.models.spec import ApiSpec, CoreTemplate, TemplateSpec

    code = "".join(p.read_text(encoding="utf-8") for p in (REPO / "analyzer" / "models").glob("*.py")
                   if p.name != "spec.py")
    for cls in (TemplateSpec, ApiSpec, CoreTemplate):
        for f in dataclasses.fields(cls):
            if f.name in _TEST_KEYS:
                continue
            assert f".{f.name}" in code, f"{cls.__name__}.{f.name} is declared but never used"


@pytest.mark.parametrize("entry", load_toml("frameworks")["template"], ids=lambda e: e["framework"])
def test_framework_template_example(tmp_path: Path, entry):
    suffix = entry['files'][0] if entry['files'] else '.html'  # in-DOM templates: an HTML page
    (tmp_path / f"Example{suffix}").write_text(entry["example"] + "\n", encoding="utf-8")
    got = [(sorted(f.categories), f.trigger_names, f.sink_api) for f in scan([tmp_path]).findings]
    cats, trig, api = entry["expect"].split()
    assert got == [(sorted(cats.split(",")), sorted(trig.split(",")), api)]


# [[api]] examples whose `expect` is what the code does but not (yet) what the analyzer reports, by the entry's
# first path: strict xfails, so that the analyzer's fix fails here until the entry is taken out.
_API_EXAMPLE_GAPS: dict[str, str] = {}


def _api_examples():
    out = []
    for i, e in enumerate(load_toml("frameworks").get("api", [])):
        if "example" in e:
            gap = _API_EXAMPLE_GAPS.get(e["path"][0])
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            out.append(pytest.param(e, id=f"{e['kind']}.{e['path'][0]}.{i}", marks=marks))
    return out


@pytest.mark.parametrize("entry", _api_examples())
def test_framework_api_example(tmp_path: Path, entry):
    """An [[api]] entry's example: a Vue single-file component (`<template>…`), an HTML page, or a script;
    a line `<!-- file: Child.vue -->` starts another file beside it (a parent and the child it renders)."""
    code, *others = re.split(r"\n<!-- file: ([\w.-]+) -->\n", entry["example"])
    suffix = ".vue" if code.startswith("<template") else ".html" if code.startswith("<") else ".js"
    (tmp_path / f"Example{suffix}").write_text(code + "\n", encoding="utf-8")
    for name, text in zip(others[::2], others[1::2]):
        (tmp_path / name).write_text(text + "\n", encoding="utf-8")
    got = [(sorted(f.categories), f.trigger_names, f.sink_api) for f in scan([tmp_path]).findings]
    assert "expect" in entry, entry["path"]
    if entry["expect"] == "none":
        assert got == []
        return
    cats, trig, api = entry["expect"].split()
    assert got == [(sorted(cats.split(",")), sorted(trig.split(",")), api)], code


def test_every_api_entry_has_an_example():
    """Every [[api]] entry of frameworks.toml carries an `example` and its `expect` (run above)."""
    missing = [e["path"][0] for e in load_toml("frameworks")["api"] if "example" not in e or "expect" not in e]
    assert not missing, f"[[api]] entries without an example and expect: {missing}"
    assert set(_API_EXAMPLE_GAPS) <= {e["path"][0] for e in load_toml("frameworks")["api"]}


@pytest.mark.parametrize("entry", load_toml("frameworks").get("component_init", []), ids=lambda e: e["platform"])
def test_component_init_example(tmp_path: Path, entry):
    """A page's declaration of components to start (rules [[component_init]]) runs the function the named AMD
    module returns, at load; the same module and page without the declaration give nothing."""
    (tmp_path / "view/frontend/web/js").mkdir(parents=True)
    (tmp_path / "view/frontend/web/js/lead.js").write_text(entry["example_script"] + "\n", encoding="utf-8")
    (tmp_path / "view/frontend/templates").mkdir(parents=True)
    page = tmp_path / "view/frontend/templates/form.phtml"
    page.write_text(entry["example_page"] + "\n", encoding="utf-8")
    got = [(sorted(f.categories), f.trigger_names, f.sink_api) for f in scan([tmp_path]).findings]
    cats, trig, api = entry["expect"].split()
    assert got == [(sorted(cats.split(",")), sorted(trig.split(",")), api)]
    page.write_text(entry["example_page"].replace(entry["script_type"], "text/x-unknown") + "\n", encoding="utf-8")
    assert scan([tmp_path]).findings == []


@pytest.mark.parametrize("entry", load_toml("frameworks").get("core_template", []), ids=lambda e: e["module"])
def test_core_template_example(tmp_path: Path, entry):
    """A platform template (rules [[core_template]]) is bound when a script names its module, and only then."""
    (tmp_path / "example.js").write_text(entry["example"] + "\n", encoding="utf-8")
    got = [(sorted(f.categories), f.trigger_names, f.sink_api) for f in scan([tmp_path]).findings]
    cats, trig, api = entry["expect"].split()
    assert got == [(sorted(cats.split(",")), sorted(trig.split(",")), api)]
    named = entry["example"].replace(entry["module"], "Vendor_Other/js/view/thing")
    (tmp_path / "example.js").write_text(named + "\n", encoding="utf-8")
    assert scan([tmp_path]).findings == []

