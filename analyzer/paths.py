"""Stage 6: paths. Breadth-first search from every source to the sinks, carrying the trigger context.

A search state is (node, context function). The context is the function whose triggers govern the data at
that point: it stays the same along an argument edge (the callee runs inside the caller), becomes the
caller along a return edge, and becomes the reading function when data crosses through the heap
(properties, globals, storage) or a closure variable — where the writer must have run pre-submit for the
data to be captured before submit. A sink is reached on a pre-submit path when its context has a
pre-submit trigger.
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
    nfid = prog.fid
    flows: list[Flow] = []
    truncated = 0
    for src in sources:
        start = (src.nid, src.fid)
        parent = {start: None}
        q = deque([start])
        found: dict[tuple[int, int], tuple] = {}
        while q:
            state = q.popleft()
            a, ctx = state
            sk = sink_nodes.get(a)
            if sk is not None:
                trig = pre.get(ctx)
                if trig:
                    k = (sk, ctx)
                    if k not in found:
                        found[k] = state
                continue
            fa = nfid[a]
            for b, attrs in succ[a].items():
                k = attrs.get("k") if attrs else None
                fb = nfid[b]
                if k == "a":
                    nc = ctx
                elif k == "r":
                    nc = fb if fb != HEAP else ctx
                elif fb == fa or fb == ctx:
                    nc = ctx
                elif fb == HEAP:
                    if not pre.get(ctx):
                        continue
                    nc = ctx
                elif fa == HEAP:
                    nc = fb
                else:
                    if not pre.get(ctx):
                        continue
                    nc = fb
                ns = (b, nc)
                if ns in parent:
                    continue
                parent[ns] = state
                q.append(ns)
            if len(parent) > MAX_STATES:
                truncated += 1
                break
        for (sk, ctx), state in found.items():
            path = []
            s = state
            while s is not None:
                path.append(s[0])
                s = parent[s]
            path.reverse()
            flows.append(Flow(src, sk, pre[ctx], path))
    return flows, truncated
