"""Stage 6: paths. Breadth-first search from every source to the sinks, carrying the trigger context.

A search state is (node, context): the set of pre-submit triggers under which the data can be at that
node. It stays the same along an argument edge (the callee runs inside the caller), within a function and
into the heap; it becomes the caller's triggers along a return edge, and the reader's when data comes out
of the heap (properties, globals, storage) or a closure variable. A state whose context is empty is
dropped: that data is only ever captured at submit (or never), so nothing downstream of it is a
pre-submit leak. A sink reached with a non-empty context is a finding, under those triggers.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from analyzer.program import HEAP, Program, Source

MAX_STATES = 200_000  # per source; a search that hits it is reported as incomplete
STACK = 3  # call sites remembered per path


@dataclass
class Flow:
    source: Source
    sink_key: int  # index into the sink list
    triggers: frozenset  # pre-submit root ids
    path: list[int]  # node ids, source first


def search(prog: Program, sources: list[Source], sink_nodes: dict[int, int], pre: dict[int, frozenset]
           ) -> tuple[list[Flow], int]:
    succ = prog.graph._succ
    pred = prog.graph._pred
    nfid = prog.fid
    flows: list[Flow] = []
    truncated = 0
    # Only nodes from which some sink can be reached matter: one backward sweep, then every search
    # stays inside that set (on a bundle, most of the graph is never looked at again).
    live = set(sink_nodes)
    stack = list(sink_nodes)
    while stack:
        n = stack.pop()
        for m in pred.get(n, ()):
            if m not in live:
                live.add(m)
                stack.append(m)
    empty: frozenset = frozenset()
    funcs = prog.funcs

    def nested(fa: int, fb: int) -> bool:
        """One function lies inside the other (by source range; a script's top level does not count:
        its variables are globals, shared by every invocation)."""
        if fa < 0 or fb < 0:
            return False
        a, b = funcs[fa], funcs[fb]
        if a.top or b.top or a.uid != b.uid:
            return False
        return (b.start <= a.start and a.end <= b.end) or (a.start <= b.start and b.end <= a.end)

    arg_calls = prog.arg_edge_calls
    contents_ret = prog.contents_ret
    for src in sources:
        t0 = pre.get(src.fid, empty)
        if src.nid not in live or not t0:
            continue  # never read before submit (or never read at all)
        # state: (node, triggers, call stack). Entering a function through an argument pushes the call;
        # a return goes back to the call on top only (bounded call-site matching: a helper like `trim(s)`
        # used everywhere does not hand one caller's data to all the others). Data read out of the heap
        # starts with an empty stack: it may be returned anywhere.
        start = (src.nid, t0, ())
        parent = {start: None}
        q = deque([start])
        found: dict[tuple[int, frozenset], tuple] = {}
        while q:
            state = q.popleft()
            a, trig, ret_to = state
            sk = sink_nodes.get(a)
            if sk is not None:
                if (sk, trig) not in found:
                    found[(sk, trig)] = state
                continue
            fa = nfid[a]
            for b, attrs in succ[a].items():
                if b not in live:
                    continue
                k = attrs.get("k") if attrs else None
                fb = nfid[b]
                nr = ret_to
                if k == "a":
                    nt = trig  # into a callee: it runs under the caller's triggers
                    calls = arg_calls.get((a, b))
                    if calls is not None and not isinstance(calls, frozenset):
                        calls = arg_calls[(a, b)] = frozenset(calls)
                    nr = ((fb, calls),) + ret_to[:STACK - 1]
                elif k == "r":
                    top = ret_to[0] if ret_to else None
                    if top is not None and (top[0] == fa or fa == HEAP):
                        if top[1] is not None and b not in top[1]:
                            cr = contents_ret.get((a, b))  # what a callee wrote into an object it was given
                            if not (cr and top[1] & cr):
                                continue  # not the call this data came in through
                        nr = ret_to[1:]
                    else:
                        nr = ()  # returned by a function it did not come in through: any caller
                    nt = pre.get(fb, empty) if fb != HEAP else trig
                    if not nt:
                        continue
                elif fb == fa or fb == HEAP:
                    nt = trig  # within one function, or into the heap: same context
                else:
                    nt = pre.get(fb, empty)  # read out of the heap or a closure: the reader's triggers
                    # between a function and the functions nested in it (a callback writing into the
                    # helper's own object) the data stays in the same invocation: the call stack stays
                    nr = ret_to if ret_to and nested(fa, fb) else ()
                    if not nt:
                        continue
                ns = (b, nt, nr)
                if ns in parent:
                    continue
                parent[ns] = state
                q.append(ns)
            if len(parent) > MAX_STATES:
                truncated += 1
                break
        for (sk, trig), state in found.items():
            path = []
            s = state
            while s is not None:
                path.append(s[0])
                s = parent[s]
            path.reverse()
            flows.append(Flow(src, sk, trig, path))
    return flows, truncated
