"""The extractor's tree-cursor walk visits exactly what an explicit stack of (node, exit) pairs visits, in the
same order, with the same step count (so a budget cut falls on the same node); and a scan's first unit,
extracted in the engine's process, is taken over as it is instead of being packed and merged, with the same
facts either way."""
from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.budget import Budget, BudgetExceeded
from analyzer.extract.clones import COPY_PRUNED
from analyzer.extract.extractor import Extractor
from analyzer.extract.util import FUNC_TYPES, LEAF_TYPES
from analyzer.extract.facts import UnitJob, extract_unit, packed_facts
from analyzer.link.merge import merge_unit
from analyzer.parse import Parsers
from analyzer.program import Program, Unit
from analyzer.rulebook import RuleBook
from tests.test_facts import _first_difference

REPO = Path(__file__).resolve().parents[1]
FILES = sorted((REPO / "fixtures" / "cases").rglob("*.js")) + sorted((REPO / "fixtures" / "demo-shop").rglob("*.js"))


class StackWalk(Extractor):
    """The reference: the walk as an explicit stack (what the extractor did before the cursor walk)."""

    def _walk(self, root, h, parents, skip, parent=None) -> None:
        budget = self.budget
        kinds = self.p.kind
        lib = self.skip
        stack = [(False, root, parent)]
        steps = 0
        while stack:
            steps += 1
            if budget is not None and not steps & 0x3FF:
                budget.spend(0x400, len(kinds))
            is_exit, node, parent = stack.pop()
            if is_exit:
                h[node.type](node)
                continue
            t = node.type
            if t in skip:
                continue
            if t == "string":
                self.x_string(node)
                continue
            if t in FUNC_TYPES:
                self._enter_function(node, parent)
            elif t == "arguments":
                parents[node.id] = parent
            if t in h:
                stack.append((True, node, parent))
            children = node.named_children
            if t == "if_statement":
                dead = self._dead_branch(node)
                if dead is not None:
                    children = [c for c in children if c != dead]
            elif t in COPY_PRUNED and (self.subst or self.flags):
                dead_in_copy = self._dead_in_copy(node)
                children = [c for c in children if c.id not in dead_in_copy]
            if children:
                if lib:
                    children = [c for c in children if c.start_byte not in lib or not self._library_code(c)]
                stack.extend([(False, c, node) for c in reversed(children)])
        if budget is not None:
            budget.spend(steps & 0x3FF, len(kinds))


def _extract(cls, data: bytes, steps: int | None = None) -> tuple[Program, int | None, str | None]:
    prog = Program()
    unit = Unit(uid=0, rel="x.js", data=data)
    prog.units.append(unit)
    tree = Parsers().parse("js", data)
    budget = Budget(1000.0)
    budget.steps_left = steps if steps is not None else 10**9
    cut = None
    try:
        cls(prog, RuleBook.load(), unit, tree, budget).run()
    except BudgetExceeded as e:
        cut = e.reason
    prog.units.clear()
    return prog, budget.steps_left, cut


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_cursor_walk_gives_the_stack_walks_facts_and_steps(path: Path):
    data = path.read_bytes()
    ref, ref_left, _ = _extract(StackWalk, data)
    got, got_left, _ = _extract(Extractor, data)
    assert _first_difference(ref, got) is None
    assert got_left == ref_left


def test_a_budget_cut_falls_on_the_same_node():
    data = b"".join(p.read_bytes() + b";\n" for p in FILES[:40])
    full, left, _ = _extract(StackWalk, data)
    used = 10**9 - left
    assert used > 5000
    for steps in (1500, used // 2, used - 700):
        ref, ref_left, ref_cut = _extract(StackWalk, data, steps)
        got, got_left, got_cut = _extract(Extractor, data, steps)
        assert ref_cut == got_cut == "budget"
        assert _first_difference(ref, got) is None and got_left == ref_left
        assert 0 < len(got.kind) < len(full.kind)


def test_deep_nesting_is_walked_without_recursion():
    data = b"x = " + b"[" * 20000 + b"a.value" + b"]" * 20000 + b"; fetch(x);\n"
    ref, _, _ = _extract(StackWalk, data)
    got, _, _ = _extract(Extractor, data)
    assert _first_difference(ref, got) is None and len(got.kind) > 20000


def test_the_first_unit_is_taken_over_unpacked_with_the_same_facts():
    data = (REPO / "fixtures" / "demo-shop").rglob("*.js").__next__().read_bytes()
    job = UnitJob(0, "x.js", data, "js", "script")
    rules, parsers = RuleBook.load(), Parsers()
    merged, adopted, second = Program(), Program(), Program()
    merge_unit(merged, 0, extract_unit(job, rules, parsers).facts)  # packed: renumbered by the schema
    local = extract_unit(job, rules, parsers, packed=False)
    assert isinstance(local.facts, Program)
    assert isinstance(packed_facts(local).facts, dict)
    assert merge_unit(adopted, 0, local.facts) == 0
    assert _first_difference(merged, adopted) is None
    # a second unit (or a first one that is not unit 0) is packed and merged as before
    merge_unit(merged, 1, extract_unit(job, rules, parsers).facts)
    merge_unit(adopted, 1, extract_unit(job, rules, parsers, packed=False).facts)
    assert _first_difference(merged, adopted) is None
    merge_unit(second, 3, extract_unit(job, rules, parsers, packed=False).facts)
    ref = Program()
    merge_unit(ref, 3, extract_unit(job, rules, parsers).facts)
    assert _first_difference(ref, second) is None and {f.uid for f in second.funcs} == {3}


def test_auto_jobs_start_workers_only_for_two_units_or_more():
    from analyzer.extract.workers import AUTO_POOL_BYTES, pool_jobs

    big = AUTO_POOL_BYTES
    assert pool_jobs(-2, [10 * big]) == 1  # one unit: nothing to split, its facts would only travel
    assert pool_jobs(-2, [big, 1]) == 2 and pool_jobs(-2, [big // 4, big // 4]) == 1
    assert pool_jobs(2, [10 * big]) == 2 and pool_jobs(1, [big, big]) == 1  # an explicit --jobs N is kept


def test_a_single_big_file_in_auto_mode_is_extracted_in_this_process(tmp_path, monkeypatch):
    from analyzer import engine
    from analyzer.extract import workers

    monkeypatch.setattr(workers, "AUTO_POOL_BYTES", 10)
    (tmp_path / "a.js").write_text("var a = document.getElementById('email'); a.onblur = () => fetch('/x?' + a.value);\n")
    started = []
    monkeypatch.setattr(workers.ExtractionPool, "__enter__", lambda self: started.append(1) or self)
    r = engine.scan([tmp_path], jobs=-2, budget_seconds=0)
    assert not started and len(r.findings) == 1


def test_strings_of_with_a_memo_gives_what_it_gives_without(monkeypatch):
    from tests.test_facts import CASES, _linked_program

    prog, _ = _linked_program(CASES, monkeypatch)
    prog.flush_edges()
    prog.graph.ensure_below(len(prog.kind))
    parts = [part for _ld, part, *_ in prog.deferred_keys] + [part for _c, part, _g in prog.deferred_storage]
    parts += [x for ts in prog.consts.values() for t in ts for x in t if isinstance(x, tuple) and x[0] != "any"]
    assert len(parts) > 200
    memo: dict = {}
    for limit in (40, 6):
        for part in parts + parts:  # (the second time from the memo)
            assert prog.strings_of(part, limit, memo=memo) == prog.strings_of(part, limit)
    assert memo


def _walk_back_without_stop(self, nid, limit, want, kinds=Program._BACK_KINDS):
    """Program._walk_back before it stopped adding nodes once `limit` were seen (the reference)."""
    pred = self.graph.pred
    seen, todo, out = {nid}, [nid], []
    while todo and len(seen) < limit:
        n = todo.pop()
        k = self.kind[n]
        if want == "function":
            if k == "function":
                out.append(n)
                continue
        elif k in ("array", "object") or n in self.consts:
            out.append(n)
            if k in ("array", "object"):
                continue
        elif want == "any" and n != nid:
            out.append(n)
        if k == "call" and want != "function" and n in self.call_hints:
            for fn in self._walk_back(self.call_hints[n], limit, want="function", kinds=("var", "global", "function")):
                fid = self.fnode_fid.get(fn)
                r = self.funcs[fid].ret if fid is not None else None
                if r is not None and r not in seen:
                    seen.add(r)
                    todo.append(r)
        named_read = k == "load" and self.label[n] != "[]"
        preds = pred.get(n, {})
        if len(preds) > 8:  # (the readers of a widely read variable are skipped, as in Program._walk_back)
            preds = {m: a for m, a in preds.items() if set(pred.get(m, ())) != {n}}
        for m, attr in preds.items():
            if m in seen or self.kind[m] not in kinds:
                continue
            if named_read and attr and attr.get("k") == "b":
                continue
            seen.add(m)
            todo.append(m)
    return out


def test_walk_back_stops_adding_at_its_limit_with_the_same_answer(monkeypatch):
    from tests.test_facts import CASES, _linked_program

    prog, _ = _linked_program(CASES, monkeypatch)
    prog.flush_edges()
    prog.graph.ensure_below(len(prog.kind))
    nids = [n for n in range(len(prog.kind)) if len(prog.graph.pred.get(n, ())) >= 2][:3000]
    assert len(nids) > 1000
    for limit in (3, 6, 40):
        for want in ("any", "array", "function"):
            got = [prog._walk_back(n, limit, want) for n in nids]
            monkeypatch.setattr(Program, "_walk_back", _walk_back_without_stop)
            ref = [prog._walk_back(n, limit, want) for n in nids]
            monkeypatch.undo()
            assert got == ref
