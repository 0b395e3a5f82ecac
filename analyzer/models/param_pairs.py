"""Stage 4 (helpers): a helper that calls one function parameter with what another one returned, per call.

`subscribeTo(store, selectEmail, (email) => post(email))` with
`function subscribeTo(store, selector, listener) { store.subscribe((s) => listener(selector(s))) }` (a
hand-written `subscribeWithSelector`, a `watch(getter, cb)` helper): linked once for all its calls, every
listener would get what every selector returns — the e-mail in the quantity listener. After linking, this
pass finds, in each helper called from two sites or more, the calls of one parameter (`listener(…)`) whose
argument is what a call of another parameter (`selector(…)`) returned, within the helper and the functions
it creates (through variables: `const next = selector(s); … listener(next, prev)`); the parameter-to-argument
edges of that argument are replaced, per call site, by a return of that site's selector into a node of its
own (taken only by the data that entered the selector through that `selector(…)` call: the paths stage's
call-site matching) and an argument edge from there into the same site's listener. The calls themselves stay
as linked (each listener runs when the helper's callback runs).

Input: the solved program (`solver.linked`, the graph). Output: graph edges changed in place, before the
paths stage. Not modelled: helpers that store the functions into objects first, and more than `MAX_SITES`
call sites (past that the helper keeps its merged linking).
"""
from __future__ import annotations

from analyzer.program import EDGE_KIND, nested_in

MAX_SITES = 24  # call sites of one helper
WALK = 24  # nodes walked back from an argument to the call it came from
_THROUGH = ("var", "merge")


def pair_param_calls(solver) -> None:
    p = solver.p
    funcs = p.funcs
    objs = p.objs
    pred = p.graph.pred
    kind = p.kind
    sites: dict[int, list] = {}  # helper fid -> its call sites
    for cid, fid, mode in sorted(solver.linked):
        if mode == "plain":
            sites.setdefault(fid, []).append(p.calls[cid])
    helpers = {fid for fid, cs in sites.items() if 2 <= len(cs) <= MAX_SITES and len(funcs[fid].params) >= 2}
    if not helpers:
        return
    param_of = {pn: (f, j) for f in sorted(helpers) for j, pn in enumerate(funcs[f].params)}
    pcalls: dict[int, list] = {}  # helper fid -> [(call, parameter index)]
    for c in p.calls:
        if c.method is not None:
            continue
        for v in c.callee:
            hit = None
            for m in (v, *pred.get(v, ())):
                fj = param_of.get(m)
                if fj is not None and (fj[0] == c.fid or nested_in(funcs, fj[0], c.fid, 8)):
                    hit = fj
                    break
            if hit is not None:
                pcalls.setdefault(hit[0], []).append((c, hit[1]))
                break
    for f in sorted(pcalls):
        calls = pcalls[f]
        if len({j for _c, j in calls}) < 2:
            continue
        results = {c.result: (c, j) for c, j in calls}
        for b, jh in calls:
            for i, arg in enumerate(b.args):
                got = _came_from(arg, results, jh, pred, kind)
                if got is None:
                    continue
                _relink(solver, sites[f], b, i, arg, got[0], jh, got[1], objs)


def _came_from(arg: tuple, results: dict, jh: int, pred, kind) -> tuple | None:
    """(parameter index, its calls) whose calls returned what `arg` holds (only that, through variables)."""
    seen = set(arg)
    todo = list(arg)
    found = None
    froms = []
    while todo:
        n = todo.pop()
        cj = results.get(n)
        if cj is not None:
            j = cj[1]
            if j == jh or (found is not None and found != j):
                return None
            found = j
            froms.append(cj[0])
            continue
        if kind[n] not in _THROUGH:
            return None  # something else flows in too: keep the merged linking
        for m in pred.get(n, ()):
            if m not in seen:
                if len(seen) >= WALK:
                    return None
                seen.add(m)
                todo.append(m)
    return (found, sorted(froms, key=lambda c: c.cid)) if found is not None else None


def _relink(solver, sites: list, b, i: int, arg: tuple, jg: int, jh: int, froms: list, objs) -> None:
    p = solver.p
    funcs = p.funcs
    per_site = []  # (selector fids, listener fids) of one call site
    listeners = set()
    for s in sites:
        if jg >= len(s.args) or jh >= len(s.args):
            return
        gs = sorted(objs[o][1] for o in solver.objects(s.args[jg]) if objs[o][0] == "fn")
        hs = sorted(h for h in (objs[o][1] for o in solver.objects(s.args[jh]) if objs[o][0] == "fn")
                    if i < len(funcs[h].params))
        if not gs and hs:
            return  # a site whose selector is no function of the scan: keep the merged linking
        listeners.update(hs)
        if gs and hs:
            per_site.append((gs, hs))
    if not per_site:
        return
    g = p.graph
    for h in sorted(listeners):
        for v in arg:
            g.remove_edge(v, funcs[h].params[i])
    ac = p.arg_edge_calls
    rets, args = [], []
    for gs, hs in per_site:
        for a in froms:  # the site's own result of `selector(…)`: returned to only from that call
            r = p.node("call", p.label[a.result], a.uid, a.start, a.fid)
            g.ensure(r)
            for gf in gs:
                rets.append((funcs[gf].ret, r))
                for k, pn in enumerate(funcs[gf].params):
                    for v in (a.args[k] if k < len(a.args) else ()):
                        ac.setdefault((v, pn), set()).add(r)
            for h in hs:
                pn = funcs[h].params[i]
                args.append((r, pn))
                ac.setdefault((r, pn), set()).add(b.result)
    g.add_edges(rets, EDGE_KIND["r"])
    g.add_edges(args, EDGE_KIND["a"])
