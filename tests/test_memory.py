"""Memory bounds (analyzer/memory.py): of a script over MAX_PARSE_BYTES only a prefix is parsed and analysed,
cut at a fixed place and noted (`fact-limit`); a script at or under the bound is analysed whole."""
from __future__ import annotations

import json

from analyzer import memory
from analyzer.engine import scan
from analyzer.report.json_out import render_json
from tests.helpers import LEAK_JS, PHONE_LEAK_JS


def _keys(r):
    return sorted((f.sink.path, f.sink.line, f.sink_api) for f in r.findings)


def test_parse_prefix_cuts_after_a_statement_or_at_a_character_start():
    assert memory.parse_prefix(b"a;" * 10, limit=20) is None  # at the bound: whole
    assert memory.parse_prefix(b"a;b;ccc", limit=5) == 4  # after the last `;` before the bound
    data = "x".encode() + "é".encode() * 10  # no `;`: at the bound, moved back off a continuation byte
    cut = memory.parse_prefix(data, limit=6)
    assert cut == 5 and data[:cut].decode("utf-8")


def test_a_script_over_the_bound_is_analysed_up_to_the_cut_with_a_note(tmp_path, monkeypatch):
    filler = "".join(f"var v{i} = {{a: {i}, b: [{i}, {i}]}};\n" for i in range(200))
    big = LEAK_JS + filler + PHONE_LEAK_JS.replace("phone", "tel")  # a leak before the cut, one after
    (tmp_path / "big.js").write_text(big)
    (tmp_path / "leak.js").write_text(PHONE_LEAK_JS)
    whole = scan([tmp_path], budget_seconds=0)
    assert _keys(whole) == [("big.js", 1, "fetch"), ("big.js", 202, "navigator.sendBeacon"),
                            ("leak.js", 1, "navigator.sendBeacon")]
    monkeypatch.setattr(memory, "MAX_PARSE_BYTES", len(big) // 2)
    r1, r2 = scan([tmp_path], budget_seconds=0), scan([tmp_path], budget_seconds=0)
    assert _keys(r1) == [("big.js", 1, "fetch"), ("leak.js", 1, "navigator.sendBeacon")]
    notes = [n for n in r1.notifications if n.path == "big.js" and n.reason == "fact-limit"]
    assert len(notes) == 1 and notes[0].level == "error" and f"of this file's {len(big.encode()):,} bytes" in notes[0].message
    assert not r1.complete and whole.complete
    assert json.loads(render_json(r1))["findings"] == json.loads(render_json(r2))["findings"]


def test_release_freed_memory_never_fails():
    assert memory.release_freed_memory() in (True, False)
