"""Stage 4: stores whose meaning is known only once calls are linked.

1. Stores under a computed key whose candidates are known only once calls are linked.

`function field(state, key, …) { … state[key] = e.target.value … }` called as `field(addr, 'name', …)`,
`field(addr, 'postcode', …)`: extraction defers the key (`Program.deferred_keys`) and the solver's first
look, before calls are linked, finds no constant for a parameter. Run once propagation has settled, this
pass asks again: a store whose key can be one of a few constants writes each of those properties (any of
them, flow-insensitively), so a later `addr.postcode` read sees what was typed. A key with one candidate was
resolved already; one with none or many stays a write under a key nobody can name.

2. Stores made by a closure into a parameter of the function around it (`function field(state, key) {
return h('input', {onInput: (e) => { state[key] = e.target.value }}) }`): the object the callers passed holds
the value (container taint, as extraction gives the storing function's own parameters), so `{...addr}` or
`JSON.stringify(addr)` in the caller carries what was typed.
"""
from __future__ import annotations

from analyzer.program import Store, nested_in

MAX_CANDIDATES = 8


def link_computed_stores(solver) -> None:
    p = solver.p
    source_props = solver.r.source_props
    param_of = {pn: (f.fid, i) for f in p.funcs for i, pn in enumerate(f.params)}
    calls_of: dict[int, list] = {}
    for cid, fid, mode in sorted(solver.linked, key=lambda t: (t[0], t[1], str(t[2]))):
        if mode in ("plain", "call", "apply"):
            calls_of.setdefault(fid, []).append((p.calls[cid], mode))
    _closure_param_writes(solver, param_of, calls_of)
    stores = [(ld, part) for ld, part, *_rest in p.deferred_keys if isinstance(ld, Store) and not ld.prop]
    for ld, part in stores:
        vals = set(p.strings_of(part))
        if part[0] == "ref":
            vals |= _call_site_strings(p, part[1], param_of, calls_of)
        if not 1 < len(vals) <= MAX_CANDIDATES or any(v in source_props for v in vals):
            continue
        for v in sorted(vals):
            n = p.prop_node(v)
            p.graph.ensure(n)
            solver.edges(ld.value, n)


def _call_site_strings(p, nid: int, param_of: dict, calls_of: dict, limit: int = 16) -> set[str]:
    """The constants the calls of a function pass for the parameter a (closure) variable is."""
    pred = p.graph.pred
    seen = {nid}
    todo = [nid]
    out: set[str] = set()
    while todo and len(seen) < limit:
        n = todo.pop()
        pi = param_of.get(n)
        if pi is not None:
            fid, i = pi
            for c, mode in calls_of.get(fid, ()):
                j = i + 1 if mode == "call" else i
                if j < len(c.str_args) and c.str_args[j]:
                    out.add(c.str_args[j])
            continue
        for m in pred.get(n, {}):
            if m not in seen and p.kind[m] in ("var", "param"):
                seen.add(m)
                todo.append(m)
    return out


def _closure_param_writes(solver, param_of: dict, calls_of: dict) -> None:
    p = solver.p
    pred = p.graph.pred
    funcs = p.funcs
    for st in p.stores:
        if st.obj == ("<global>",) or not st.value:
            continue
        for b in st.obj:
            if p.kind[b] != "var" or b in param_of:
                continue
            for fid, i in _params_behind(p, pred, b, param_of):
                if fid == st.fid or not nested_in(funcs, fid, st.fid, 64):
                    continue
                for c, mode in calls_of.get(fid, ()):
                    j = i + 1 if mode == "call" else i
                    if j < len(c.args):
                        for a in c.args[j]:
                            for v in st.value:
                                solver.edge(v, a, "b")


def _params_behind(p, pred, nid: int, param_of: dict, limit: int = 8) -> list[tuple]:
    seen = {nid}
    todo = [nid]
    out = []
    while todo and len(seen) < limit:
        n = todo.pop()
        for m in pred.get(n, {}):
            if m in seen:
                continue
            seen.add(m)
            if m in param_of:
                out.append(param_of[m])
            elif p.kind[m] == "var":
                todo.append(m)
    return out
