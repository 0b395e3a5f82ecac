"""Per-unit facts and linking: extracting every unit into facts of its own and merging them gives exactly
the Program that extracting all units into one shared Program gives; the merge schema covers every field."""
from __future__ import annotations

import pickle
from dataclasses import dataclass, field, fields
from pathlib import Path

import pytest

from analyzer import engine
from analyzer.extract.extractor import Extractor
from analyzer.extract.facts import UnitJob, extract_unit, module_kind
from analyzer.link.merge import SchemaError, check_schema, merge_unit, pack, unpack
from analyzer.parse import Parsers
from analyzer.program import Program, Unit
from analyzer.rulebook import RuleBook

REPO = Path(__file__).resolve().parents[1]
CASES = sorted(p for p in (REPO / "fixtures" / "cases").iterdir() if p.is_dir()) + [REPO / "fixtures" / "demo-shop"]


class _Stop(Exception):
    pass


def _linked_program(roots, monkeypatch) -> tuple[Program, list[UnitJob]]:
    """The Program the engine hands the solver (captured there, before linking starts), and its units' jobs."""
    captured = {}
    real = engine.extract_units

    def spy_extract(jobs_list, *a, **kw):
        captured["jobs"] = list(jobs_list)
        return real(jobs_list, *a, **kw)

    class SpySolver:
        def __init__(self, prog, rules):
            captured["prog"] = prog
            raise _Stop

    monkeypatch.setattr(engine, "extract_units", spy_extract)
    monkeypatch.setattr(engine, "Solver", SpySolver)
    with pytest.raises(_Stop):
        engine.scan(roots, budget_seconds=0)
    return captured["prog"], captured["jobs"]


def _shared_program(prog: Program, jobs: list[UnitJob]) -> Program:
    """The reference: every unit extracted into ONE Program, in unit order (what the engine did before)."""
    rules = RuleBook.load()
    parsers = Parsers()
    ref = Program()
    for u, job in zip(prog.units, jobs):
        ref.units.append(Unit(uid=u.uid, rel=u.rel, data=u.data, line_off=u.line_off, col_off=u.col_off,
                              kind=job.kind, page=u.page, handler_event=u.handler_event,
                              handler_element=u.handler_element, scope=u.scope, segments=u.segments))
    for ru, job in zip(ref.units, jobs):
        tree = parsers.parse(job.lang, job.data)
        if ru.kind == "script":
            ru.kind = module_kind(tree, job.data)
        Extractor(ref, rules, ru, tree, None).run()
    # code handed to eval/timers as constant strings: extracted by the engine after the files, in order
    for u in prog.units[len(jobs):]:
        ru = Unit(uid=u.uid, rel=u.rel, data=u.data, line_off=u.line_off, col_off=u.col_off, kind=u.kind,
                  page=u.page, scope=u.scope, started_by=u.started_by)
        ref.units.append(ru)
        tree = parsers.parse("js", ru.data)
        if tree is not None and not tree.root_node.has_error:
            Extractor(ref, rules, ru, tree, None).run()
    for u, ru in zip(prog.units, ref.units):  # position caches the engine filled while it ran
        ru.line_starts, ru.col_marks = u.line_starts, u.col_marks
    return ref


def _first_difference(a: Program, b: Program) -> str | None:
    for f in fields(Program):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "graph":
            x, y = {n: dict(s) for n, s in x.adjacency()}, {n: dict(s) for n, s in y.adjacency()}
        if x == y:
            continue
        if isinstance(x, list) and isinstance(y, list):
            for i, (p, q) in enumerate(zip(x, y)):
                if p != q:
                    return f"{f.name}[{i}]: {p!r:.300} != {q!r:.300}"
            return f"{f.name}: {len(x)} items != {len(y)}"
        if isinstance(x, dict) and isinstance(y, dict):
            if list(x) != list(y):
                return f"{f.name}: keys differ (or their order): {list(x)[:10]} vs {list(y)[:10]}"
            for k in x:
                if x[k] != y[k]:
                    return f"{f.name}[{k!r}]: {x[k]!r:.300} != {y[k]!r:.300}"
        return f"{f.name}: {x!r:.300} != {y!r:.300}"
    return None


def test_every_fixture_at_once_links_to_the_shared_program(monkeypatch):
    # all cases in one scan: every unit after the first has its ids shifted, same-named files share
    # export nodes, globals are shared across files: the renumbering is exercised everywhere
    prog, jobs = _linked_program(CASES, monkeypatch)
    assert len(prog.units) > 300 and len(prog.kind) > 20_000
    ref = _shared_program(prog, jobs)
    assert _first_difference(ref, prog) is None


def test_named_nodes_of_two_units_are_one_node(tmp_path: Path, monkeypatch):
    (tmp_path / "a.js").write_text("window.SEL = '#email'; var shared = 1; localStorage.lead = shared;\n")
    (tmp_path / "b.js").write_text("var el = document.querySelector(SEL); shared = el.value;\n")
    prog, jobs = _linked_program([tmp_path], monkeypatch)
    ref = _shared_program(prog, jobs)
    assert _first_difference(ref, prog) is None
    shared = [n for n in range(len(prog.kind)) if prog.kind[n] == "global" and prog.label[n] == "shared"]
    assert shared == [prog.named[("g", "", "shared")]]  # one node, though both files make it
    assert {prog.unit[a] for a, b in prog.pending_edges if b == shared[0]} == {0, 1}
    assert prog.consts[prog.named[("g", "", "SEL")]] == [["#email"]]


def test_unit_facts_pickle_round_trip():
    data = (REPO / "fixtures" / "demo-shop").rglob("*.js").__next__().read_bytes()
    facts = extract_unit(UnitJob(3, "x.js", data, "js", "script"), RuleBook.load(), Parsers())
    again = pickle.loads(pickle.dumps(facts))
    assert _first_difference(unpack(again.facts), unpack(facts.facts)) is None
    assert again.facts["units"] == [] and again.top_fid == facts.top_fid == 0
    assert set(again.facts["unit"]) <= {0, -1}  # numbered locally, whatever the unit's index in the scan
    assert _no_records(again.facts)  # plain data: pickling runs no Python code per record


def test_merge_does_not_change_the_facts():
    data = b"var a = document.getElementById('x'); a.addEventListener('blur', e => fetch('/c?' + a.value));\n"
    facts = extract_unit(UnitJob(0, "x.js", data, "js", "script"), RuleBook.load(), Parsers())
    before = pickle.dumps(facts)
    prog = Program()
    for uid in range(3):
        prog.units.append(Unit(uid, f"u{uid}.js", data))
        merge_unit(prog, uid, facts.facts)
    assert pickle.dumps(facts) == before
    assert len(prog.funcs) == 3 * len(facts.facts["funcs"])
    assert [f.uid for f in prog.funcs] == [0, 0, 1, 1, 2, 2]


def test_schema_covers_every_program_field():
    check_schema()  # a field added to Program (or to Func, Call, …) without a merge spec fails here


def test_schema_check_catches_a_new_field():
    @dataclass
    class Grown(Program):
        new_index: dict = field(default_factory=dict)

    with pytest.raises(SchemaError, match="new_index"):
        check_schema(Grown)


def test_an_unknown_key_part_is_a_schema_error_not_a_silent_copy():
    local = Program()
    n = local.node("var", "k", 0, 0, -1)
    local.seeds.append((n, ("mystery", n)))
    with pytest.raises(SchemaError, match="mystery"):
        merge_unit(Program(), 0, pack(local))


def test_a_record_shared_with_a_list_it_is_not_in_is_a_schema_error():
    from analyzer.program import Load

    local = Program()
    n = local.node("load", "k", 0, 0, -1)
    local.deferred_keys.append((Load(n, (), None), ("ref", n), 0, 0, 0, 0, ""))  # not in local.loads
    with pytest.raises(SchemaError, match="none of"):
        pack(local)


def test_shared_records_stay_shared():
    data = b"var k = 'value'; var i = document.querySelector('#email'); fetch('/x?' + i[k]); i[k] = 1;\n"
    facts = extract_unit(UnitJob(0, "x.js", data, "js", "script"), RuleBook.load(), Parsers())
    prog = Program()
    merge_unit(prog, 0, facts.facts)
    merge_unit(prog, 1, facts.facts)
    assert len(prog.deferred_keys) == 2 * len(facts.facts["deferred_keys"]) >= 4
    kinds = set()
    for rec, *_ in prog.deferred_keys:
        assert any(rec is x for x in prog.loads + prog.stores)  # the same object, not a copy
        kinds.add(type(rec).__name__)
    assert kinds == {"Load", "Store"}


def _no_records(value) -> bool:
    from dataclasses import is_dataclass

    stack = [value]
    while stack:
        v = stack.pop()
        if is_dataclass(v):
            return False
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple, set, frozenset)):
            stack.extend(v)
    return True
