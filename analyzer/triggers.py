"""Stage 5: trigger contexts. Which pre-submit triggers can start each function.

Roots are the event handlers the solver linked (their event, and for clicks whether the clicked element
is the form's submit control), the top level of every script (`load`), timers started at the top level
(`timer`) and inline `on…=` attributes. Each root's trigger flows down the call graph (calls, callbacks,
timers and promise continuations started inside a function inherit its triggers).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable

from analyzer.program import Program, Registration
from analyzer.rulebook import RuleBook


@dataclass(frozen=True)
class Root:
    rid: int
    fid: int
    event: str
    presubmit: bool
    uid: int  # where it was registered (-1: nowhere in particular)
    start: int
    end: int
    description: str


def live_registrations(prog: Program, roots_raw: list, call_edges: set, escaping: set) -> list:
    """The roots whose registration can actually happen: registered by code that runs (reached from the
    top level of a script, a rendered component or another live handler), or by a function that escapes to
    code outside the scan (a method in an object, an exported or returned function, a callback) and may be
    called from there. A listener added inside a function nothing calls is not a trigger."""
    funcs = prog.funcs
    succ: dict[int, list[int]] = {}
    for a, b in call_edges:
        succ.setdefault(a, []).append(b)

    def escapes(fid: int) -> bool:
        f = funcs[fid]
        while f is not None:
            if f.fid in escaping or f.top:
                return True
            f = funcs[f.parent] if f.parent is not None else None
        return False

    alive: set[int] = set()
    frontier = [fid for fid, kind, _ in roots_raw if kind == "load"]
    pending = [r for r in roots_raw if r[1] != "load"]
    out = [r for r in roots_raw if r[1] == "load"]
    while True:
        while frontier:
            f = frontier.pop()
            if f in alive:
                continue
            alive.add(f)
            frontier.extend(succ.get(f, ()))
        still = []
        for r in pending:
            rg = r[2]
            if rg.fid in alive or escapes(rg.fid):
                out.append(r)
                frontier.append(r[0])
            else:
                still.append(r)
        if len(still) == len(pending):
            return out
        pending = still


def compute(prog: Program, rules: RuleBook, roots_raw: list, call_edges: set, timer_edges: dict,
            is_submit_control: Callable[[int], bool], is_submit_selector: Callable[[str], bool]
            ) -> tuple[list[Root], dict[int, frozenset]]:
    """Return the roots and, per function id, the ids of the pre-submit roots that can start it.

    A timer started by code that runs at `load` (the top level, an IIFE, an init function, a handler of
    one of the page-start events: `DOMContentLoaded`, `load`…) is polling: its callback gets a `timer` root of
    its own. A timer started by any other handler inherits the handler's."""
    roots: list[Root] = []
    seen = set()

    def add_root(fid, ev, pre, uid, start, end, desc) -> Root | None:
        key = (fid, ev, uid, start)
        if key in seen:
            return None
        seen.add(key)
        r = Root(len(roots), fid, ev, pre, uid, start, end, desc)
        roots.append(r)
        return r

    for fid, kind, info in roots_raw:
        if kind == "load":
            f = prog.funcs[fid]
            u = prog.units[f.uid]
            desc = f"top-level code of {u.rel}" if f.top else f"render of component {f.name}"
            add_root(fid, "load", True, -1, 0, 0, desc)
            continue
        rg: Registration = info
        for ev in rg.events:
            pre = _classify(prog, rules, ev, rg, fid, is_submit_control, is_submit_selector)
            if pre is not None:
                add_root(fid, ev, pre, rg.uid, rg.start, rg.end, f"{ev} listener ({rg.api})")

    # Which roots reach which function: root bitsets propagated once over the call graph (never a walk per
    # root). A top-level `load` root does not flow through a timer edge: the timer's callback becomes a
    # `timer` root of its own (polling), which then flows on like any other root.
    succ: dict[int, list[int]] = {}
    for a, b in sorted(call_edges):
        succ.setdefault(a, []).append(b)
    bits: dict[int, int] = {}
    load_bits = 0  # roots that are top-level load code
    work: deque[int] = deque()
    queued: set[int] = set()

    def push(fid: int, b: int) -> None:
        old = bits.get(fid, 0)
        if old | b != old:
            bits[fid] = old | b
            if fid not in queued:
                queued.add(fid)
                work.append(fid)

    def seed(root: Root) -> None:
        nonlocal load_bits
        if (root.event == "load" and root.uid == -1) or root.event in rules.page_start:
            load_bits |= 1 << root.rid
        push(root.fid, 1 << root.rid)

    for r in list(roots):
        if r.presubmit:
            seed(r)
    while work:
        f = work.popleft()
        queued.discard(f)
        bf = bits[f]
        for g in succ.get(f, ()):
            t = timer_edges.get((f, g))
            if t is not None and bf & load_bits:
                _fid, _h, api, uid, start, end, _cid = t
                new = add_root(g, "timer", True, uid, start, end, f"{api} started at page load")
                if new is not None:
                    seed(new)
                push(g, bf & ~load_bits)
            else:
                push(g, bf)
    # Functions reached by the same roots share one frozenset (on a big scan most functions are reached by
    # the same hundreds of roots: one set each would cost gigabytes)
    sets: dict[int, frozenset] = {}
    reach: dict[int, frozenset] = {}
    for f, b in bits.items():
        fs = sets.get(b)
        if fs is None:
            ids = []
            rest = b
            while rest:
                low = rest & -rest
                ids.append(low.bit_length() - 1)
                rest ^= low
            fs = sets[b] = frozenset(ids)
        reach[f] = fs
    return roots, reach


def _classify(prog: Program, rules: RuleBook, ev: str, rg: Registration, fid: int,
              is_submit_control: Callable[[int], bool], is_submit_selector: Callable[[str], bool]) -> bool | None:
    """True: pre-submit; False: submit; None: not a trigger formleak knows (custom events)."""
    if ev in rules.submit_events:
        return False
    if ev in rules.click_events:
        f = prog.funcs[fid]
        if f.calls_submit or is_submit_control(rg.target):
            return False
        # a delegated listener that only acts when the click is on the submit control:
        # `if (!e.target.closest('#place_order')) return;`
        if f.guards and any(is_submit_selector(s) for s in f.guards):
            return False
        return True
    if ev in rules.presubmit or ev in rules.lifecycle:
        return True
    return None
