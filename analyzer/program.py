"""The program under analysis: the dataflow graph and the facts extracted from every file.

One `Program` is built per scan (no global state). Nodes of the dataflow graph (`FlowGraph`) are integers; what a node
stands for is kept in parallel lists (`kind`, `label`, `unit`, `pos`, `fid`) so that the graph itself stays
small. Edges carry data flow; interprocedural edges carry `k='a'` (argument → parameter, caller keeps the
trigger context) or `k='r'` (return → call result, the caller's context takes over).

Abstract objects (functions, global access paths, element descriptors, event objects, factory types) are
integers too, kept in `objs`; which objects reach which node is computed by `link/solve.py`.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from analyzer.classify import split_top

import networkx as nx

_LINE_BREAK = re.compile(rb"\r\n?|\n|\xe2\x80[\xa8\xa9]")
# Kinds of abstract object that are never a form field: object literals and `new` instances, iterator
# steps and descriptors (`IT`: results of rules `plain_result_methods`), functions, promise results and
# framework state (refs, objects of refs, state arrays, proxies).
NOT_ELEMENT_KINDS = frozenset({"O", "IT", "B", "fn", "R", "RF", "RS", "PX"})
HEAP = -1  # fid of nodes that belong to no function (properties, globals, storage, module exports)

# Edge data dicts are shared (edges are never annotated after creation): one dict per kind, not per edge.
EDGE_PLAIN: dict = {}
EDGE_KIND = {"a": {"k": "a"}, "r": {"k": "r"}, "b": {"k": "b"}}


class FlowGraph:
    """The dataflow graph's adjacency, kept by us: `succ[a][b]` and `pred[b][a]` hold the edge's attribute
    dict (shared per edge kind, never copied). Every node id below `len(Program.kind)` may be asked for;
    one without edges has none. `to_networkx()` hands the same graph to networkx for analysis and
    debugging (through its public API), so no stage writes into another library's fields."""

    __slots__ = ("pred", "succ")

    def __init__(self) -> None:
        self.succ: dict[int, dict[int, dict]] = {}
        self.pred: dict[int, dict[int, dict]] = {}

    def add_edges(self, edges, attr: dict) -> None:
        succ = self.succ
        pred = self.pred
        for a, b in edges:
            sa = succ.get(a)
            if sa is None:
                sa = succ[a] = {}
                pred[a] = {}
            if b not in succ:
                succ[b] = {}
                pred[b] = {}
            if b not in sa:
                sa[b] = attr
                pred[b][a] = attr

    def __getstate__(self):
        return {"succ": self.succ, "pred": self.pred}

    def __setstate__(self, state) -> None:
        """Unpickled edge attributes are copies: make them the shared dicts again (stages tell edge kinds
        by identity)."""
        if isinstance(state, tuple):  # (None, slots) as pickled by default
            state = state[1]
        for name in ("succ", "pred"):
            adj = state[name]
            for nbrs in adj.values():
                for b, attr in nbrs.items():
                    if not attr:
                        nbrs[b] = EDGE_PLAIN
                    elif attr == EDGE_KIND.get(attr.get("k")):
                        nbrs[b] = EDGE_KIND[attr["k"]]
            setattr(self, name, adj)

    def ensure(self, n: int) -> None:
        if n not in self.succ:
            self.succ[n] = {}
            self.pred[n] = {}

    add_node = ensure

    def ensure_below(self, count: int) -> None:
        """`ensure(n)` for every n < count, in that order (one loop, not a call per node)."""
        succ, pred = self.succ, self.pred
        for n in range(count):
            if n not in succ:
                succ[n] = {}
                pred[n] = {}

    def __contains__(self, n: int) -> bool:
        return n in self.succ

    @property
    def nodes(self):
        return self.succ.keys()

    def number_of_nodes(self) -> int:
        return len(self.succ)

    def adjacency(self):
        return iter(self.succ.items())

    def remove_edge(self, a: int, b: int) -> None:
        if b in self.succ.get(a, ()):
            del self.succ[a][b]
            del self.pred[b][a]

    def number_of_edges(self) -> int:
        return sum(map(len, self.succ.values()))

    def to_networkx(self) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(self.succ)
        g.add_edges_from((a, b, dict(at)) for a, out in self.succ.items() for b, at in out.items())
        return g


# javascript-obfuscator's `stringArrayEncoding: ['base64']`: its decoder's alphabet, lower case first
OBF_B64_ALPHABET = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/="


def obf_b64(values) -> list[str]:
    """Strings of javascript-obfuscator's base64 string table, decoded as its accessor does: base64 in an
    alphabet with the cases swapped, then the bytes read as UTF-8 (its `decodeURIComponent` of `%xx`); the
    padding it leaves out put back."""
    return _b64(s + "=" * (-len(s) % 4) for s in (v.swapcase().rstrip("=") for v in values))


def _b64(values) -> list[str]:
    """base64-decoded constants (`atob('aW5wdXQ=')`); values that are not base64 text are dropped."""
    import base64
    import binascii

    out = []
    for v in values:
        try:
            out.append(base64.b64decode(v, validate=True).decode("utf-8"))
        except (binascii.Error, ValueError):
            pass
    return out


_COL_BLOCK = 4096


def _utf16_len(b: bytes) -> int:
    if b.isascii():
        return len(b)
    return len(b.decode("utf-8", "replace").encode("utf-16-le")) // 2


def _utf16_column(u: Unit, start: int, off: int) -> int:
    """UTF-16 code units between byte offsets `start` (a line start) and `off` of `u.data`. A minified bundle
    is one line of megabytes: the count is read from per-block marks, never by decoding the whole prefix."""
    d = u.data
    if off - start <= _COL_BLOCK:
        return _utf16_len(d[start:off])
    if u.col_marks is None:
        u.col_marks = {}
    marks = u.col_marks.get(start)
    if marks is None:  # (byte offset, UTF-16 units from the line start) at block starts that begin a character
        marks = [(start, 0)]
        u.col_marks[start] = marks
    while marks[-1][0] + _COL_BLOCK < off:
        at, units = marks[-1]
        nxt = at + _COL_BLOCK
        while nxt < len(d) and 0x80 <= d[nxt] < 0xC0:  # not inside a UTF-8 sequence
            nxt += 1
        marks.append((nxt, units + _utf16_len(d[at:nxt])))
    i = bisect.bisect_right(marks, (off, float("inf"))) - 1
    at, units = marks[i]
    return units + _utf16_len(d[at:off])


# The `how` of the source a form library hands its callbacks (react-hook-form's `watch(cb)`): the form's
# values by field name, whose properties read name the fields (as a keyed store's, rules/sources.toml)
FORM_VALUES = "form values"

@dataclass
class Unit:
    """One piece of JavaScript that was parsed on its own: a file, a <script> block, an on…= attribute."""

    uid: int
    rel: str  # file it comes from, relative to the scan root
    data: bytes
    line_off: int = 0  # 0-based line of the unit's first byte in its file
    col_off: int = 0  # 0-based column (bytes) of the unit's first byte on that line
    kind: str = "script"  # 'script' (classic: top-level declarations are global) or 'module'
    page: str | None = None  # HTML page that includes it
    handler_event: str | None = None  # on…= attribute: the event
    handler_element: tuple | None = None  # on…= attribute: ('html', page, element index)
    top_fid: int = -1
    line_starts: list[int] | None = None
    col_marks: dict | None = None  # line start -> UTF-16 columns at every _COL_BLOCK bytes (non-ASCII lines)
    scope: str = ""  # the site whose global scope its classic scripts share (a folder of several sites)
    segments: list | None = None  # generated code (template bindings): [(offset, line, col, snippet)]
    started_by: tuple | None = None  # code from a string (eval, timers): (caller fid, call id, is timer)
    aliases: dict | None = None  # object literal start byte -> global it is also kept in (template bindings)


@dataclass(slots=True)
class Func:
    fid: int
    uid: int
    name: str
    start: int
    end: int
    parent: int | None
    params: list[int] = field(default_factory=list)
    this: int = -1
    ret: int = -1
    args: int = -1
    top: bool = False
    calls_submit: bool = False
    is_arrow: bool = False
    guards: list = field(default_factory=list)  # selectors tested with closest()/matches()/is() in the body
    rest: int = -1  # index of a `...rest` parameter


@dataclass(slots=True)
class Call:
    cid: int
    uid: int
    fid: int
    start: int
    end: int
    callee: tuple  # value nids of the callee expression
    recv: tuple | None  # value nids of the receiver for method calls
    args: list[tuple]  # value nids per argument
    result: int
    is_new: bool
    method: str | None  # last segment of a member callee
    path: str | None  # syntactic dotted path of the callee (`$.ajax`, `this.api.post`)
    str_args: list[str | None]  # string literal arguments
    tmpl_args: list[list | None]  # string templates (for URLs) per argument (first 3)
    obj_url: list | None = None  # template of a `url:` key in an object-literal argument
    handled: bool = False  # a rule decided what the call does with data (no default propagation)
    resolved: bool = False  # a function of the scan was found for the callee
    rules: list = field(default_factory=list)  # sink rules that matched
    fn_args: list[int] = field(default_factory=list)  # indices of arguments that are function expressions
    callbacks: list = field(default_factory=list)  # (arg index, callback-rule dict)
    args_start: int = -1  # byte of the argument list's `(` (where a minifier's merged callee ends)
    renders: bool = False  # React rendering a component (`<Field …/>`, `jsx(Field, {…})`): args[0] its props
    modelled: bool = False  # a call into a compiler's runtime the extraction models (regenerator): not linked


@dataclass(slots=True)
class Load:
    nid: int
    base: tuple
    prop: str | None  # None for computed access with an unknown key


@dataclass(slots=True)
class Store:
    uid: int
    fid: int
    start: int
    end: int
    obj: tuple  # value nids of the object stored into ('<global>' for a bare identifier)
    prop: str
    value: tuple
    tmpl: list | None
    global_ident: int | None = None  # ref node when this is `location = …` on an identifier
    prop_start: int = -1  # byte of the property written (`.src` of `(new Image).src = …`), for the locate stage
    whole: bool = True  # the object written into holds the value for reads of it whole (not `this.x = v`)


@dataclass(slots=True)
class Source:
    nid: int
    uid: int
    fid: int
    start: int
    end: int
    base: tuple  # value nids of the object read from (element, form, event)
    how: str  # 'value', 'files', 'val()', 'serialize()', 'FormData', 'getData()'
    catch_all: bool
    text: str  # source text of the base expression, for names when nothing resolves
    guard: str | None = None  # `if (t.name === 'email') … t.value`: the field the read is limited to


@dataclass(slots=True)
class Registration:
    rid: int
    uid: int
    fid: int
    start: int
    end: int
    events: list[str]
    target: int  # node whose objects are the element(s) the listener is on
    handler: tuple  # value nids of the handler argument
    api: str
    delegated: str | None = None
    guard: str | None = None  # `if (el.name === 'order_comments') el.addEventListener(…)`: the field it is limited to


@dataclass
class Program:
    graph: FlowGraph = field(default_factory=FlowGraph)
    kind: list = field(default_factory=list)
    label: list = field(default_factory=list)
    unit: list = field(default_factory=list)
    pos: list = field(default_factory=list)
    fid: list = field(default_factory=list)
    named: dict = field(default_factory=dict)
    pending_edges: list = field(default_factory=list)
    pending_base: list = field(default_factory=list)
    declared_globals: set = field(default_factory=set)
    # `<api global>\x00<key>`: webpack's mangled name of a bundled library module's one export (its API)
    default_keys: set = field(default_factory=set)
    assigned_globals: set = field(default_factory=set)  # `window.X = …` somewhere in the scan
    array_strs: dict = field(default_factory=dict)  # array-literal node -> its string elements (or None)
    deferred_keys: list = field(default_factory=list)  # (Load, key part) for `o[k]`, `o[k[0]]`
    param_contents: dict = field(default_factory=dict)  # param node -> node of what is written into it
    load_base: dict = field(default_factory=dict)  # load node -> base value nids
    fnode_fid: dict = field(default_factory=dict)  # function-value node -> function id
    lookup_funcs: dict = field(default_factory=dict)  # fid -> (array ref node, offset): `f('0x1')` = arr[1-off]
    # fid of such a lookup -> the part naming the function it applies (`W[_0x3b(0x15b)](T[i])`): it decodes
    # base64 when that part is `atob`
    lookup_decoders: dict = field(default_factory=dict)
    rotations: dict = field(default_factory=dict)  # array ref (or literal) node -> left rotations applied at load
    call_hints: dict = field(default_factory=dict)  # result of `f()` -> ref node of `f` (string tables: `var t = f()`)
    array_parts: dict = field(default_factory=dict)  # (array literal node, index) -> lookup part of that element
    # a name an array pattern declares -> its index (`for (const [sel, fn] of TABLE)`: `sel` is element 0)
    pattern_elems: dict = field(default_factory=dict)
    wrapper_factories: dict = field(default_factory=dict)  # fid -> index of the function parameter it wraps
    components: set = field(default_factory=set)  # functions that render JSX
    jsx_components: set = field(default_factory=set)  # those written with JSX syntax (a source, not a build)
    deferred_events: list = field(default_factory=list)  # (Registration, part) with the event in a constant
    literal_props: dict = field(default_factory=dict)  # (object-literal node, key) -> value nids
    literal_strs: dict = field(default_factory=dict)  # (object-literal node, key) -> string literal value
    accessors: dict = field(default_factory=dict)  # ('set'|'get', property) -> [fid]
    class_methods: dict = field(default_factory=dict)  # class node -> fids of its constructor and methods
    scoped_finds: list = field(default_factory=list)  # cids of `this.querySelector(sel)`: scoped to `this`
    arg_edge_calls: dict = field(default_factory=dict)  # (argument value, parameter) -> call result nodes
    contents_ret: dict = field(default_factory=dict)  # (parameter contents, argument value) -> call result nodes
    open_bases: list = field(default_factory=list)  # objects written under keys that cannot be named
    # variables a nested function assigns (`let state` of a store's factory, `state = next` in its dispatch):
    # what they hold is read later, by whoever reads them, like the heap
    closure_vars: set = field(default_factory=set)
    spread_helpers: set = field(default_factory=set)  # fids of compiled `{...a}` helpers: calls as Object.assign
    # fids of a callback's copies, one per constant element (`['email', 'phone'].forEach((id) => …)`, clones.py):
    # each copy's parameter is its own constant, not every element of the receiver
    element_copies: set = field(default_factory=set)
    # `for (const [k, v] of Object.entries(X))`: (k's reference, v's reference, X's values): a call given both
    # (`customElements.define(k, v)`) is each of X's pairs
    entry_pairs: list = field(default_factory=list)
    # `handlers[t].push(h)`: computed read -> what was pushed into its value (kept under the object's keys)
    keyed_pushes: dict = field(default_factory=dict)
    units: list[Unit] = field(default_factory=list)
    funcs: list[Func] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    loads: list[Load] = field(default_factory=list)
    stores: list[Store] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    regs: list[Registration] = field(default_factory=list)
    timers: list = field(default_factory=list)  # (fid, handler nids, api, uid, start, end)
    seeds: list = field(default_factory=list)  # (nid, object key) to start points-to with
    consts: dict = field(default_factory=dict)  # nid -> list of string templates assigned
    objs: list = field(default_factory=list)
    obj_ids: dict = field(default_factory=dict)
    exports: dict = field(default_factory=dict)  # (rel, name) -> nid
    imports: list = field(default_factory=list)  # (uid, specifier, imported name or '*'/'default', local nid)
    deferred_storage: list = field(default_factory=list)  # (storage call, key part, is a read)
    global_fns: set = field(default_factory=set)  # results of `Function("return this")`
    code_strings: list = field(default_factory=list)  # (uid, fid, code, offset, call id, is timer): eval'd code

    # -------------------------------------------------------------------------------------------- nodes
    def new_source(self, label: str, uid: int, fid: int, start: int, end: int, base: tuple, how: str,
                   catch_all: bool = False, text: str = "", guard: str | None = None) -> int:
        """A read of what a shopper typed: its graph node (the caller edges it into what the read yields) and
        its `Source` record. The one place sources are made, at extraction and when linking finds them late."""
        s = self.node("source", label, uid, start, fid)
        self.sources.append(Source(s, uid, fid, start, end, base, how, catch_all, text, guard))
        return s

    def node(self, kind: str, label: str, uid: int, pos: int, fid: int) -> int:
        n = len(self.kind)
        self.kind.append(kind)
        self.label.append(label)
        self.unit.append(uid)
        self.pos.append(pos)
        self.fid.append(fid)
        return n

    def named_node(self, key: tuple, kind: str, label: str, uid: int = -1, pos: int = -1, fid: int = HEAP) -> int:
        n = self.named.get(key)
        if n is None:
            n = self.node(kind, label, uid, pos, fid)
            self.named[key] = n
        return n

    def prop_node(self, name: str) -> int:
        return self.named_node(("p", name), "prop", name)

    def literal_prop_node(self, name: str) -> int:
        """What object literals hold under `name` (`{url: …}`), kept apart from what is stored into `x.name`
        later, so a read of a known literal does not see every other literal's `url`."""
        return self.named_node(("pl", name), "prop", name)

    def global_node(self, name: str, scope: str = "") -> int:
        """The global variable `name` of one site (`scope`: see `Unit.scope`)."""
        key = ("g", scope, name)
        n = self.named.get(key)
        if n is None:
            n = self.named_node(key, "global", name)
        return n

    def storage_node(self, key: str) -> int:
        return self.named_node(("st", key), "storage", key)

    def export_node(self, rel: str, name: str) -> int:
        n = self.named_node(("exp", rel, name), "export", f"{rel}:{name}")
        self.exports[(rel, name)] = n
        return n

    def edge(self, a: int, b: int) -> None:
        self.pending_edges.append((a, b))

    def edges_from(self, vals, b: int) -> None:
        pe = self.pending_edges
        for a in vals:
            pe.append((a, b))

    def base_edges_from(self, vals, b: int) -> None:
        """Taint-only edges (object → its property load, stored value → its container): they carry data
        but no abstract objects, so `navigator.sendBeacon` does not also point at `navigator`."""
        pb = self.pending_base
        for a in vals:
            pb.append((a, b))

    def flush_edges(self) -> None:
        if self.pending_edges:
            self.graph.add_edges(self.pending_edges, EDGE_PLAIN)
            self.pending_edges = []
        if self.pending_base:
            self.graph.add_edges(self.pending_base, EDGE_KIND["b"])
            self.pending_base = []

    def arg_strings(self, c, i: int) -> list[str]:
        """The constant strings argument `i` of a call can be: its string literal, or what the one part of
        its template (`var ev = 'keyup'; on(ev, fn)`, `f(T[2])`) resolves to; none for anything else."""
        if i < len(c.str_args) and c.str_args[i]:
            return [c.str_args[i]]
        t = c.tmpl_args[i] if i < len(c.tmpl_args) else None
        if t and len(t) == 1 and isinstance(t[0], tuple):
            return self.strings_of(t[0])
        return []

    def fold_template(self, t, limit: int = 40) -> list[str]:
        return self._fold(t, limit, 0)

    def _fold(self, t, limit: int, depth: int, memo: dict | None = None) -> list[str]:
        """The strings a template can be, its non-constant parts resolved (`'#' + id` with `id` one of
        `['email', 'phone']`: both); none when a part is unknown, at most `limit` (then none: not a
        constant after all)."""
        outs = [""]
        for x in t:
            if isinstance(x, str):
                outs = [o + x for o in outs]
                continue
            if not isinstance(x, tuple) or x[0] == "any":
                return []
            sub = self.strings_of(x, limit, depth, memo)
            if not sub or len(outs) * len(sub) > limit:
                return []
            outs = [o + v for o in outs for v in sub]
        return outs

    def strings_of(self, part, limit: int = 40, depth: int = 0, memo: dict | None = None) -> list[str]:
        """Constant strings a key or selector part can be: `('ref', nid)` follows assignments back to
        string literals, string templates and array literals; `('idx', nid, i)` is element i of an array.
        `memo`: answers kept by (part, limit, depth) for a caller that resolves many parts while the graph
        does not change (the lists returned are shared: not to be changed)."""
        if memo is None:
            return self._strings_of(part, limit, depth, None)
        key = (part, limit, depth)
        try:
            hit = memo.get(key)
        except TypeError:  # a part that holds a list: not a key
            return self._strings_of(part, limit, depth, memo)
        if hit is None:
            hit = memo[key] = self._strings_of(part, limit, depth, memo)
        return hit

    def _strings_of(self, part, limit: int, depth: int, memo: dict | None) -> list[str]:
        if depth > 4:
            return []
        if part[0] == "idx":
            return self._element(part[1], part[2], limit, memo)
        if part[0] in ("lookup", "ret"):
            # obfuscator string tables: `_0x12ab('0x1')` where `_0x12ab = function (i) { i = i - 0; return T[i] }`;
            # or a function that returns a constant (`sel()` → '#cc-number')
            out = []
            for n in self._walk_back(part[1], limit, want="function", kinds=("var", "global", "function", "export")):
                fid = self.fnode_fid.get(n)
                spec = self.lookup_funcs.get(fid) if fid is not None and part[0] == "lookup" else None
                if spec is None:
                    if fid is not None:
                        for t in self.consts.get(self.funcs[fid].ret, ()):
                            out.append("".join(t))
                    continue
                keys = self.strings_of(part[2], limit, 0, memo) if isinstance(part[2], tuple) else [part[2]]
                for k in keys:  # `f(g(0x1a0))`: the key is itself looked up
                    try:
                        i = int(k, 0) - spec[1]
                    except (TypeError, ValueError):
                        continue
                    found = self._element(spec[0], i, limit, memo)
                    out.extend(obf_b64(found) if spec[2] == "obf64" else
                               _b64(found) if spec[2] or self._late_decoder(fid, limit, memo) else found)
            return sorted(set(out))
        if part[0] == "tmpl":  # a key built from parts (`'keyup ' + sel`)
            return sorted(set(self._fold(part[1], limit, depth + 1, memo)))
        if part[0] == "elems":
            out = []
            for a in self._walk_back(part[1], limit, want="array"):
                out.extend(e for e in self.array_strs.get(a) or () if e is not None)
            return sorted(set(out))
        if part[0] == "join":
            out = []
            for a in self._walk_back(part[1], limit, want="array"):
                elems = self.array_strs.get(a)
                if elems and all(e is not None for e in elems) and self.kind[a] == "array":
                    out.append(part[2].join(elems))
            return sorted(set(out))
        if part[0] == "atob":
            vals = self.strings_of(part[1], limit, depth + 1, memo) if isinstance(part[1], tuple) else [part[1]]
            return sorted(set(_b64(vals)))
        out = []
        walked = self._walk_back(part[1], limit, want="any")
        idx = {self.pattern_elems[n] for n in walked + [part[1]] if n in self.pattern_elems} \
            if self.pattern_elems else ()
        if idx:  # `[sel, fn]` of a pair, or of each pair a table holds: element `sel`'s index of each
            out.extend(self._pattern_strings(walked, idx))
        for n in walked:
            if idx and self.kind[n] == "array":
                continue
            for t in self.consts.get(n, ()):
                if all(isinstance(x, str) for x in t):
                    out.append("".join(t))
                elif depth < 3:  # `var EV = ['bl', 'ur'].join('')`, `'add' + M`: fold the parts that are constant
                    out.extend(self._fold(t, limit, depth + 1, memo))
            for e in self.array_strs.get(n) or ():
                if e is not None:
                    out.append(e)
        return sorted(set(out))

    def _pattern_strings(self, walked: list, idx: set) -> list[str]:
        """The string elements at the pattern's indexes of the arrays a destructured name walks back to, and
        of the arrays those hold (a loop over a table of pairs)."""
        out = []
        pred = self.graph.pred
        for a in walked:
            if self.kind[a] != "array":
                continue
            for arr in [a] + [m for m in pred.get(a, ()) if self.kind[m] == "array"]:
                elems = self.array_strs.get(arr) or ()
                out.extend(elems[i] for i in idx if i < len(elems) and elems[i] is not None)
        return out

    def _late_decoder(self, fid: int, limit: int, memo: dict | None) -> bool:
        part = self.lookup_decoders.get(fid)
        return part is not None and self.strings_of(part, limit, 1, memo) == ["atob"]

    def _element(self, arr_ref: int, i: int, limit: int, memo: dict | None = None) -> list[str]:
        out = []
        rot = self._rotation(arr_ref, limit)
        for a in self._walk_back(arr_ref, limit, want="array"):
            elems = self.array_strs.get(a)
            if elems and 0 <= i < len(elems):
                r = (rot or self.rotations.get(a, 0)) % len(elems)
                j = (i + r) % len(elems)
                if elems[j] is not None:
                    out.append(elems[j])
                elif (a, j) in self.array_parts and limit > 4:
                    out.extend(self.strings_of(self.array_parts[(a, j)], limit // 2, 0, memo))
        return out

    def _rotation(self, arr_ref: int, limit: int) -> int:
        if not self.rotations:
            return 0
        for n in self._walk_back(arr_ref, limit, want="any", kinds=("var", "global")) + [arr_ref]:
            if n in self.rotations:
                return self.rotations[n]
        return 0

    _BACK_KINDS = ("var", "global", "array", "param", "load", "merge", "prop", "object", "call", "return")

    def _walk_back(self, nid: int, limit: int, want: str, kinds: tuple = _BACK_KINDS) -> list[int]:
        pred = self.graph.pred
        seen = {nid}
        todo = [nid]
        out = []
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
                # `var t = getTable()` before calls are linked: what the function returns
                for fn in self._walk_back(self.call_hints[n], limit, want="function", kinds=("var", "global", "function")):
                    fid = self.fnode_fid.get(fn)
                    r = self.funcs[fid].ret if fid is not None else None
                    if r is not None and r not in seen:
                        seen.add(r)
                        todo.append(r)
            named_read = k == "load" and self.label[n] != "[]"
            preds = pred.get(n, {})
            if len(preds) > 8:
                # a variable every function of an obfuscated bundle reads (`_0x5521`, the string table's
                # decoder, and its aliases): each reader's own variable feeds it back and has nothing else;
                # what it was assigned comes from the others
                preds = {m: a for m, a in preds.items() if set(pred.get(m, ())) != {n}}
            for m, attr in preds.items():
                if len(seen) >= limit:
                    break  # (the search stops here: what would be added now is never looked at)
                if m in seen or self.kind[m] not in kinds:
                    continue
                if named_read and attr and attr.get("k") == "b":
                    continue  # `cfg.email` is not every string `cfg` holds
                seen.add(m)
                todo.append(m)
        return out

    # -------------------------------------------------------------------------------------------- objects
    def obj(self, key: tuple) -> int:
        o = self.obj_ids.get(key)
        if o is None:
            o = len(self.objs)
            self.objs.append(key)
            self.obj_ids[key] = o
        return o

    # -------------------------------------------------------------------------------------------- positions
    def location(self, uid: int, start: int, end: int):
        """(line, col, end_line, end_col) in the unit's file; 1-based, columns in UTF-16 code units."""
        u = self.units[uid]
        if u.line_starts is None:  # JavaScript's line terminators: LF, CR, CRLF, U+2028, U+2029
            u.line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(u.data)]
        return (*self._point(u, start), *self._point(u, end))

    @staticmethod
    def _point(u: Unit, off: int):
        import bisect

        if u.segments and off >= u.segments[0][0]:  # generated binding code: the template position
            seg = u.segments[bisect.bisect_right([s[0] for s in u.segments], off) - 1]
            return seg[1], seg[2]
        ls = u.line_starts
        row = bisect.bisect_right(ls, off) - 1
        col_units = _utf16_column(u, ls[row], off)
        if row == 0:
            col_units += u.col_off
            if u.data.startswith(b"\xef\xbb\xbf"):  # editors do not count a byte order mark as a column
                col_units -= 1
        return row + u.line_off + 1, col_units + 1

    def snippet(self, uid: int, start: int, end: int, limit: int = 160) -> str:
        u = self.units[uid]
        if u.segments and start >= u.segments[0][0]:
            import bisect

            return u.segments[bisect.bisect_right([s[0] for s in u.segments], start) - 1][3]
        d = u.data
        ls = d.rfind(b"\n", 0, start) + 1
        le = d.find(b"\n", start)
        if le == -1:
            le = len(d)
        if le - ls > limit:  # a minified line: show the code around the position only
            a = max(ls, start - 40)
            b = min(le, max(end, start) + 60, a + limit)
            return ("…" if a > ls else "") + d[a:b].decode("utf-8", "replace").strip() + ("…" if b < le else "")
        return d[ls:le].decode("utf-8", "replace").strip()


def selector_list(sel: str) -> list[str]:
    """The selectors of a selector list (`input, textarea, select`), split at commas outside brackets,
    parentheses and quotes (`input[name="a,b"]`, `:is(a, b)` stay whole)."""
    return [s.strip() for s in split_top(sel, ",") if s.strip()]


def within(scope: str, sel: str) -> str:
    """`sel` inside the element `scope` matches: each selector of the list scoped (`cart-attribute input,
    cart-attribute textarea`, not `cart-attribute input, textarea`)."""
    return ", ".join(f"{scope} {s}" for s in selector_list(sel))


def nested_in(funcs: list, outer: int, inner: int, depth: int) -> bool:
    """Function `inner` is declared inside function `outer` (at most `depth` levels down)."""
    f = funcs[inner]
    for _ in range(depth):
        if f.parent is None:
            return False
        if f.parent == outer:
            return True
        f = funcs[f.parent]
    return False


def member_name_part(p, c, i: int):
    """`('ref', load)` when argument `i` of a method call is one property read (`EV.ADDRESS_COMMITTED`): an event name that a
    constants object holds, resolved like a variable's once constants are known; else None. (Only event
    names are read so: a selector or URL read from an object stays unresolved.)"""
    a = c.args[i] if i < len(c.args) and c.method is not None else ()  # (a method: `on(el, 'blur', fn)` is no bus)
    if len(a) == 1 and p.kind[a[0]] == "load" and p.label[a[0]] != "[]":
        return ("ref", a[0])
    return None
