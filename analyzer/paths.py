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
    for src in sources:
        t0 = pre.get(src.fid, empty)
        if src.nid not in live or not t0:
            continue  # never read before submit (or never read at all)
        start = (src.nid, t0)
        parent = {start: None}
        q = deque([start])
        found: dict[tuple[int, frozenset], tuple] = {}
        while q:
            state = q.popleft()
            a, trig = state
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
                if k == "a" or fb == fa or fb == HEAP:
                    nt = trig  # into a callee, within one function, or into the heap: same context
                else:
                    nt = pre.get(fb, empty)  # back in a caller, or read out of the heap or a closure
                    if not nt:
                        continue
                ns = (b, nt)
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
