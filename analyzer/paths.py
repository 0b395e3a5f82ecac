"""Stage 6: paths. One tabulation over the sink-reaching subgraph for all sources together.

Input: the dataflow graph (`Program.graph`, edges `k='a'` argument → parameter, `k='r'` return → call
result, `k='b'` taint only), the sources, the sink nodes and, per function, its pre-submit trigger set.
Output: one `Flow` per (source, sink, trigger set) with a witness path of node ids, source first.

What a path means (unchanged from the per-source search it replaces):
- the trigger set stays the same along an argument edge (the callee runs inside the caller), within a
  function and into the heap; it becomes the caller's set along a return edge, and the reader's set when
  data comes out of the heap (properties, globals, storage) or a closure variable; a state with an empty set
  is dropped (that data is only captured at submit, or never);
- a return goes back to the call the data came in through (call-site matching): entering a function through
  an argument remembers the calls of that edge, and a return edge is taken only to one of them (or to an
  argument object the callee wrote into). Data that comes out of the heap, or starts in the function, may
  return to any caller. The matching is exact (not cut at a fixed stack depth).

How it is computed (IFDS-style tabulation, no per-source search):
- A *context* is a function entry: (parameter node, trigger set). Everything reached inside it is explored
  once, whoever calls it; its exits (return edges taken inside it) are applied to each caller that entered
  it, with that caller's call set ("summaries"). States are (context, node, trigger set); context 0 is the
  empty stack.
- A *macro graph* links what source data can move between: stack-empty states and contexts. Source bits
  (one per source, Python ints as bitsets) are propagated over it once, so the set of sources that reach
  each (sink, trigger set) is known without a search per source. A return into a caller is a macro edge from
  the caller's argument state, so one caller's data never returns into another caller.
- Witness paths are rebuilt only for the (source, sink, trigger set) triples found, and only when a later
  stage asks for one (`Flow.path`): one backward sweep per reached (sink, trigger set), over the macro
  nodes that carry its sources, gives each its next hop (the fewest hops), and each hop is expanded into
  graph nodes from the first-discovery parents recorded during the tabulation. A sink that gives no
  finding (only hidden inputs reach it, or nothing personal) costs no sweep.

Cost: states × out-degree for the tabulation (a context's exits meet only the callers they match), macro
edges × (bitset growth) for the bits, and path length per witness — never sources × graph size. A global
state cap (`MAX_STATES`) bounds the tabulation; hitting it is reported as a notification by the engine.

Not modelled: the order of statements (flow-insensitive), and trigger sets are not narrowed by conditions.
"""
from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field

from analyzer.program import EDGE_KIND, HEAP, Program, Source

_NO_EDGES: dict = {}
MAX_STATES = 4_000_000  # states of the whole tabulation; past it the search stops and says so
VECTOR_MIN_EDGES = 50_000  # macro edges from which the witness sweeps run vectorised (analyzer/sweep.py)
VECTOR_PAYBACK = 3  # or once the plain sweeps have visited this many times the macro graph's edges…
VECTOR_MIN_PAYBACK_EDGES = 2_000  # …in a graph of at least this many edges (below, numpy's overhead wins)


@dataclass(frozen=True)
class Flow:
    source: Source
    sink_key: int  # index into the sink list
    triggers: frozenset  # pre-submit root ids
    search: "_Tabulation" = field(compare=False, repr=False)  # what builds the witness path on request
    index: int = 0  # the source's bit in the search
    hit: int = 0  # the (sink, trigger set) reached

    @property
    def path(self) -> tuple[int, ...]:
        """Node ids, source first, sink node last (built on first use: see `_Tabulation.witness`)."""
        return self.search.witness(self.index, self.hit)


@dataclass(frozen=True)
class SearchResult:
    flows: tuple[Flow, ...]
    truncated: bool  # the state cap was hit: results may be incomplete
    states: int  # tabulation states explored (for --stats)
    contexts: int  # function-entry contexts


def _topo_ranks(succ: dict[int, dict]) -> dict[int, int]:
    """Rank of every node: the topological position of its strongly connected component (Tarjan, with an
    explicit stack). Nodes of one component share a rank; an edge never goes to a lower rank."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    comp: dict[int, int] = {}
    n_comps = 0
    counter = 0
    empty: dict = {}
    for root in succ:
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(succ.get(root, empty)))]
        while work:
            v, it = work[-1]
            descended = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ.get(w, empty))))
                    descended = True
                    break
                if w in on_stack and index[w] < low[v]:
                    low[v] = index[w]
            if descended:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == index[v]:
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    comp[x] = n_comps
                    if x == v:
                        break
                n_comps += 1
    # Tarjan finishes components sinks first: reverse for a topological order
    return {m: n_comps - 1 - c for m, c in comp.items()}


def _sweep(rev: dict[int, list[int]], bits: dict[int, int], seeds, hb: int, starts: set) -> dict[int, int]:
    """Breadth-first from `seeds` over the reversed macro graph `rev`, through nodes whose bits meet `hb`:
    node -> the node it was first reached from (-1 for a seed). Stops once every node of `starts` is
    reached (`starts` is consumed). `analyzer.sweep.VectorSweeps` computes the same, vectorised."""
    nxt: dict[int, int] = {}
    q: deque[int] = deque()
    for m in seeds:
        if bits.get(m, 0) & hb and m not in nxt:
            nxt[m] = -1
            q.append(m)
            starts.discard(m)
    while q and starts:
        m2 = q.popleft()
        for m in rev.get(m2, ()):
            if m not in nxt and bits.get(m, 0) & hb:
                nxt[m] = m2
                q.append(m)
                starts.discard(m)
    return nxt


def search(prog: Program, sources: list[Source], sink_nodes: dict[int, int], pre: dict[int, frozenset],
           max_states: int = MAX_STATES, vector_min_edges: int | None = None) -> SearchResult:
    """`vector_min_edges`: macro graphs with at least this many edges sweep with numpy (same result;
    default `VECTOR_MIN_EDGES`, or from the sweep that `VECTOR_PAYBACK` pays back in graphs of
    `VECTOR_MIN_PAYBACK_EDGES` or more)."""
    t = _Tabulation(prog, sink_nodes, pre, max_states)
    if vector_min_edges is not None:  # (an explicit figure decides alone: 0 always, a huge one never)
        t.vector_min_edges = t.payback_min_edges = vector_min_edges
    return t.run(sources)


class _Tabulation:
    def __init__(self, prog: Program, sink_nodes: dict[int, int], pre: dict[int, frozenset], max_states: int):
        self.prog = prog
        self.sink_nodes = sink_nodes
        self.max_states = max_states
        # trigger sets interned: tid 0 is the empty set
        self.tsets: list[frozenset] = [frozenset()]
        self.tid_of: dict[frozenset, int] = {frozenset(): 0}
        self.pre_tid: dict[int, int] = {fid: self._tid(t) for fid, t in pre.items()}
        # only nodes from which some sink can be reached matter
        pred = prog.graph.pred
        live = set(sink_nodes)
        stack = list(sink_nodes)
        while stack:
            n = stack.pop()
            for m in pred.get(n, ()):
                if m not in live:
                    live.add(m)
                    stack.append(m)
        self.live = live
        # states: index -> (ctx, node, tid); ctx 0 = empty stack
        self.st_key: list[tuple[int, int, int]] = []
        self.st_idx: dict[tuple[int, int, int], int] = {}
        self.lparent: dict[int, tuple] = {}  # non-empty-context state -> ('s', prev) | ('r', caller arg state, exit)
        self.ctx_entry: list[int] = [-1]  # context -> its entry state
        self.ctx_fid: list[int] = [HEAP]  # context -> the function it is the entry of
        self.ctx_of: dict[tuple[int, int], int] = {}  # (parameter node, tid) -> context
        # callers and exits of each context, indexed so that only matching (caller, exit) pairs meet
        self.conts: list[list] = [[]]  # context -> [(caller state, call set)] (call set not None)
        self.conts_any: list[list] = [[]]  # context -> [caller state] entered with no call set: any return
        self.conts_by: list[dict] = [{}]  # context -> call result node -> [(caller state, call set)]
        self.exits: list[list] = [[]]  # context -> [(exit state, target node)]
        self.exits_by: list[dict] = [{}]  # context -> target node -> [exit state]
        self.exits_cr: list[list] = [[]]  # context -> [(exit state, target, call results)]: writes into arguments
        # macro graph: node = a stack-empty state, or a context (named by its entry state); hits apart
        self.medges: dict[int, dict[int, tuple]] = {}  # macro node -> {macro node: realisation}
        self.mhits: dict[int, dict[int, int]] = {}  # macro node -> {hit: state at the sink}
        self.hit_of: dict[tuple[int, int], int] = {}  # (sink index, tid) -> hit
        self.hits: list[tuple[int, int]] = []
        self.truncated = False
        self.queue: deque[int] = deque()
        self.vector_min_edges = VECTOR_MIN_EDGES
        self.payback_min_edges = VECTOR_MIN_PAYBACK_EDGES
        self.lp_cache: dict[int, tuple[int, ...]] = {}  # state -> its in-context path (`_local_path`)
        # witnesses, built on request (`witness`): the reversed macro graph, each hit's sweep, each path
        self.rev: dict[int, list[int]] | None = None
        self.rev_hit: dict[int, list[int]] = {}
        self.sweeps = None
        self.n_medges = 0  # edges of the macro graph (counted with `rev`)
        self.plain_work = 0  # macro nodes the plain sweeps have visited so far
        self.nexts: dict[int, dict[int, int]] = {}
        self.paths: dict[tuple[int, int], tuple[int, ...]] = {}
        self.src_state: list[int] = []
        self.hit_bits: list[int] = []

    # ------------------------------------------------------------------------------------------ helpers
    def _tid(self, ts: frozenset) -> int:
        t = self.tid_of.get(ts)
        if t is None:
            t = self.tid_of[ts] = len(self.tsets)
            self.tsets.append(ts)
        return t

    def _macro(self, s: int) -> int:
        ctx = self.st_key[s][0]
        return s if ctx == 0 else self.ctx_entry[ctx]

    def _state(self, ctx: int, node: int, tid: int, parent: tuple | None) -> int:
        """The state's index; a new state is queued and its in-context parent recorded."""
        key = (ctx, node, tid)
        s = self.st_idx.get(key)
        if s is None:
            s = self.st_idx[key] = len(self.st_key)
            self.st_key.append(key)
            if ctx and parent is not None:
                self.lparent[s] = parent
            self.queue.append(s)
        return s

    def _medge(self, a: int, b: int, real: tuple) -> None:
        if a == b:
            return
        out = self.medges.get(a)
        if out is None:
            out = self.medges[a] = {}
        if b not in out:
            out[b] = real

    def _context(self, p: int, tid: int) -> tuple[int, bool]:
        c = self.ctx_of.get((p, tid))
        if c is not None:
            return c, False
        c = self.ctx_of[(p, tid)] = len(self.ctx_entry)
        self.ctx_entry.append(-1)
        self.ctx_fid.append(self.prog.fid[p])
        self.conts.append([])
        self.conts_any.append([])
        self.conts_by.append({})
        self.exits.append([])
        self.exits_by.append({})
        self.exits_cr.append([])
        self.ctx_entry[c] = self._state(c, p, tid, None)
        return c, True

    def _nested(self, fa: int, fb: int) -> bool:
        """One function lies inside the other (by source range; a script's top level does not count: its
        variables are globals, shared by every invocation)."""
        if fa < 0 or fb < 0:
            return False
        funcs = self.prog.funcs
        a, b = funcs[fa], funcs[fb]
        if a.top or b.top or a.uid != b.uid:
            return False
        return (b.start <= a.start and a.end <= b.end) or (a.start <= b.start and b.end <= a.end)

    def _enter(self, c: int, caller: int, calls) -> None:
        """A caller enters context `c` with call set `calls` (None: any return matches)."""
        if calls is None:
            self.conts_any[c].append(caller)
            for x, b in self.exits[c]:
                self._ret(caller, x, b)
            return
        self.conts[c].append((caller, calls))
        by = self.conts_by[c]
        ex = self.exits_by[c]
        for b in sorted(calls):
            by.setdefault(b, []).append((caller, calls))
            for x in ex.get(b, ()):
                self._ret(caller, x, b)
        for x, b, cr in self.exits_cr[c]:
            if b not in calls and not calls.isdisjoint(cr):
                self._ret(caller, x, b)

    def _exit(self, c: int, x: int, b: int) -> None:
        """State `x` of context `c` takes a return edge to `b`: every caller it matches gets the data."""
        self.exits[c].append((x, b))
        self.exits_by[c].setdefault(b, []).append(x)
        for caller in self.conts_any[c]:
            self._ret(caller, x, b)
        for caller, _calls in self.conts_by[c].get(b, ()):
            self._ret(caller, x, b)
        cr = self.prog.contents_ret.get((self.st_key[x][1], b))  # what a callee wrote into an argument
        if cr:
            cr = frozenset(cr)
            self.exits_cr[c].append((x, b, cr))
            for caller, calls in self.conts[c]:
                if b not in calls and not calls.isdisjoint(cr):
                    self._ret(caller, x, b)

    def _ret(self, caller: int, x: int, b: int) -> None:
        """Data at exit state `x` (inside a context) returns to `b` for a caller it matches."""
        cctx = self.st_key[caller][0]
        fb = self.prog.fid[b]
        tid = self.pre_tid.get(fb, 0) if fb != HEAP else self.st_key[x][2]
        if not tid:
            return
        y = self._state(cctx, b, tid, ("r", caller, x))
        if cctx == 0:
            self._medge(caller, y, ("r", x))
        # inside a context, `y` belongs to the caller's own context: no macro edge

    # ------------------------------------------------------------------------------------------ phase 1
    def _tabulate(self) -> None:
        prog = self.prog
        succ = prog.graph.succ
        nfid = prog.fid
        live = self.live
        sink_nodes = self.sink_nodes
        pre_tid = self.pre_tid
        arg_calls = prog.arg_edge_calls
        st_key = self.st_key
        queue = self.queue
        calls_cache: dict[tuple[int, int], frozenset | None] = {}
        st_idx = self.st_idx
        medges = self.medges
        arg_kind, ret_kind = EDGE_KIND["a"], EDGE_KIND["r"]  # shared per kind (FlowGraph): told by identity
        while queue:
            if len(st_key) > self.max_states:
                self.truncated = True
                break
            s = queue.popleft()
            ctx, a, tid = st_key[s]
            sk = sink_nodes.get(a)
            if sk is not None:
                hk = (sk, tid)
                h = self.hit_of.get(hk)
                if h is None:
                    h = self.hit_of[hk] = len(self.hits)
                    self.hits.append(hk)
                m = s if ctx == 0 else self.ctx_entry[ctx]
                mh = self.mhits.get(m)
                if mh is None:
                    mh = self.mhits[m] = {}
                if h not in mh:
                    mh[h] = s
                continue  # a sink sends: nothing flows on from it
            fa = nfid[a]
            for b, attrs in succ.get(a, _NO_EDGES).items():
                if b not in live:
                    continue
                fb = nfid[b]
                if attrs is arg_kind:  # into a callee, under the caller's triggers
                    ck = (a, b)
                    if ck in calls_cache:
                        calls = calls_cache[ck]
                    else:
                        raw = arg_calls.get(ck)
                        calls = calls_cache[ck] = frozenset(raw) if raw is not None else None
                    c, _new = self._context(b, tid)
                    self._medge(s if ctx == 0 else self.ctx_entry[ctx], self.ctx_entry[c], ("a", s))
                    self._enter(c, s, calls)
                elif attrs is ret_kind:
                    if ctx and (fa == self.ctx_fid[ctx] or fa == HEAP):  # back to the call it came in through
                        self._exit(ctx, s, b)
                    else:  # nothing to match (or returned by a function it did not come in through): any caller
                        nt = pre_tid.get(fb, 0) if fb != HEAP else tid
                        if nt:
                            y = self._state(0, b, nt, None)
                            self._medge(s if ctx == 0 else self.ctx_entry[ctx], y, ("s" if ctx == 0 else "x", s))
                elif fb == fa or fb == HEAP:  # within one function, or into the heap: same context
                    y = st_idx.get((ctx, b, tid))  # (`_state` and `_medge`, inline: the most frequent step)
                    if y is None:
                        y = self._state(ctx, b, tid, ("s", s))
                    if ctx == 0 and y != s:
                        out = medges.get(s)
                        if out is None:
                            out = medges[s] = {}
                        if y not in out:
                            out[y] = ("s", s)
                else:  # read out of the heap or a closure: the reader's triggers
                    nt = pre_tid.get(fb, 0)
                    if not nt:
                        continue
                    if ctx and self._nested(fa, fb):
                        # between a function and the functions nested in it (a callback writing into the
                        # helper's own object) the data stays in the same invocation: the context stays
                        self._state(ctx, b, nt, ("s", s))
                    else:  # any caller
                        y = self._state(0, b, nt, None)
                        self._medge(s if ctx == 0 else self.ctx_entry[ctx], y, ("x", s))

    # ------------------------------------------------------------------------------------------ phase 2
    def _bits(self, starts: dict[int, int]) -> list[int]:
        """Source bitsets propagated over the macro graph; returns the bits that reach each hit. Nodes are
        taken in the topological order of the graph's strongly connected components, so a node
        is processed again only when bits come round a cycle."""
        medges = self.medges
        mhits = self.mhits
        rank = _topo_ranks(medges)
        bits: dict[int, int] = dict(starts)
        heap = [(rank.get(m, 0), m) for m in sorted(starts)]
        heapq.heapify(heap)
        queued = set(starts)
        hit_bits = [0] * len(self.hits)
        while heap:
            _r, m = heapq.heappop(heap)
            queued.discard(m)
            bm = bits[m]
            for h in mhits.get(m, ()):
                hit_bits[h] |= bm
            for m2 in medges.get(m, ()):
                old = bits.get(m2, 0)
                if bm & ~old:
                    bits[m2] = old | bm
                    if m2 not in queued:
                        queued.add(m2)
                        heapq.heappush(heap, (rank[m2], m2))
        self.macro_bits = bits
        return hit_bits

    # ------------------------------------------------------------------------------------------ phase 3
    def _local_path(self, s: int) -> tuple[int, ...]:
        """Graph nodes of the states from the entry of `s`'s context (or `s` itself when its stack is empty)
        to `s`. Memoised: the witnesses of many sources to one sink share their hops."""
        got = self.lp_cache.get(s)
        if got is not None:
            return got
        out: list[int] = []
        todo = [s]  # states whose in-context path is still to be prepended, last first
        while todo:
            cur = todo.pop()
            while True:
                out.append(cur)
                p = self.lparent.get(cur)
                if p is None:
                    break
                if p[0] == "s":
                    cur = p[1]
                else:  # ('r', caller, exit): caller → [callee entry … exit] → cur
                    todo.append(p[1])
                    cur = p[2]
        out.reverse()
        st_key = self.st_key
        got = self.lp_cache[s] = tuple([st_key[x][1] for x in out])
        return got

    def witness(self, i: int, h: int) -> tuple[int, ...]:
        """The path of node ids from source `i` to hit `h` (the source's bit reaches the hit). The backward
        sweep of a hit runs on the first request for it, so sinks whose flows are never asked for a path
        (no finding: hidden fields only, nothing personal) cost no sweep."""
        key = (i, h)
        got = self.paths.get(key)
        if got is not None:
            return got
        nxt = self.nexts.get(h)
        if nxt is None:
            nxt = self.nexts[h] = self._sweep_hit(h)
        got = self.paths[key] = tuple(self._expand(self.src_state[i], nxt, h))
        return got

    def _sweep_hit(self, h: int) -> dict[int, int]:
        """Backward sweep from hit `h`: each macro node's next hop toward it (breadth-first: fewest hops).
        A node's next hop is fixed when the sweep first reaches it, and points to a node reached before
        it: once every start of the hit's sources is reached, their paths are decided and the sweep stops
        (the rest of the region would only be numbered, never read)."""
        if self.rev is None:
            rev: dict[int, list[int]] = {}
            n_edges = 0
            for m, outs in self.medges.items():
                n_edges += len(outs)
                for m2 in outs:
                    rev.setdefault(m2, []).append(m)
            rev_hit: dict[int, list[int]] = {}
            for m, hs in self.mhits.items():
                for hh in hs:
                    rev_hit.setdefault(hh, []).append(m)
            self.rev, self.rev_hit, self.n_medges = rev, rev_hit, n_edges
            if n_edges >= self.vector_min_edges:
                self._vectorise()
        elif (self.sweeps is None and self.n_medges >= self.payback_min_edges
              and self.plain_work >= VECTOR_PAYBACK * self.n_medges):
            # many hits, each sweeping most of a mid-sized graph (an SDK bundle: 178 sweeps of 11K nodes):
            # the arrays' set-up is paid back by now; the sweeps give the same next hops either way
            self._vectorise()
        hb = self.hit_bits[h]
        starts = set()
        rest = hb
        while rest:
            low = rest & -rest
            starts.add(self.src_state[low.bit_length() - 1])
            rest ^= low
        seeds = self.rev_hit.get(h, ())
        if self.sweeps is not None:
            return self.sweeps.sweep(seeds, hb, starts)
        nxt = _sweep(self.rev, self.macro_bits, seeds, hb, starts)
        self.plain_work += len(nxt)
        return nxt

    def _vectorise(self) -> None:
        from analyzer.sweep import VectorSweeps, available

        if available():
            self.sweeps = VectorSweeps(self.rev, self.macro_bits)

    def _expand(self, start: int, nxt: dict[int, int], h: int) -> list[int]:
        """Graph nodes along the macro path from `start` to hit `h`, each hop expanded into states."""
        nodes: list[int] = []
        m = start
        while True:
            m2 = nxt[m]
            if m2 == -1:  # the sink is reached inside this macro node
                nodes.extend(self._local_path(self.mhits[m][h]))
                break
            kind, x = self.medges[m][m2]
            if kind == "r":  # stack-empty caller state → callee entry … exit `x` → return target
                nodes.append(self.st_key[m][1])
            nodes.extend(self._local_path(x))
            m = m2
        return nodes

    # ------------------------------------------------------------------------------------------ run
    def run(self, sources: list[Source]) -> SearchResult:
        starts: dict[int, int] = {}
        src_state: list[int] = []
        used: list[Source] = []
        for src in sources:
            t0 = self.pre_tid.get(src.fid, 0)
            if src.nid not in self.live or not t0:
                continue  # never read before submit (or never read at all)
            s = self._state(0, src.nid, t0, None)
            starts[s] = starts.get(s, 0) | (1 << len(used))
            src_state.append(s)
            used.append(src)
        self._tabulate()
        self.src_state = src_state
        self.hit_bits = hit_bits = self._bits(starts)
        flows = []
        for h, hb in enumerate(hit_bits):
            sk, tid = self.hits[h]
            rest = hb
            while rest:
                low = rest & -rest
                i = low.bit_length() - 1
                rest ^= low
                flows.append(Flow(used[i], sk, self.tsets[tid], self, i, h))
        flows.sort(key=lambda f: (f.index, f.hit))
        return SearchResult(tuple(flows), self.truncated, len(self.st_key), len(self.ctx_entry) - 1)
