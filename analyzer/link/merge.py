"""Linking input: merge one unit's locally numbered facts (`facts.UnitFacts`) into the scan's `Program`.

Every id a unit's facts hold is local: node ids, function ids (`fid`), call ids (`cid`), registration ids
(`rid`), abstract-object ids and the unit id (0). `merge_unit` renumbers them in the scan's spaces:

- nodes keep their order; a *named* node (`Program.named`: globals, properties, storage, exports) that an
  earlier unit already made is the same node, otherwise every node gets the next id;
- functions, calls and registrations are offset by how many the scan already has;
- abstract objects (`objs` / `obj_ids`) are interned again by their (renumbered) key.

Merging the units in unit order therefore gives exactly the `Program` that extracting every unit into one
shared `Program` gives (the ids are assigned in the same order), so the report is byte-identical whichever
process extracted which file, in whatever order, and whether the facts came from the cache.

Which field holds which kind of id is declared once, in `PROGRAM_SCHEMA` and the dataclass specs below;
`merge_unit` is driven by it. A `Program` field without a schema entry is a `SchemaError` (and a failing
test): a new field must say whether it holds ids before facts can be merged.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter

from analyzer.program import (EDGE_KIND, EDGE_PLAIN, Call, Func, Load, Program, Registration, Source,
                              Store, Unit)


class SchemaError(Exception):
    """Facts hold a value the schema does not describe (a new field, tag or type)."""


# ---------------------------------------------------------------------------------------------- value specs
# Id atoms. S: a plain value (strings, numbers, flags, rule objects) that is copied as it is.
N, F, C, R, U, O, S = "N", "F", "C", "R", "U", "O", "S"


@dataclass(frozen=True)
class Opt:
    of: object  # None or `of`


@dataclass(frozen=True)
class Tup:
    items: tuple  # a fixed-length tuple, one spec per position


@dataclass(frozen=True)
class Seq:
    of: object  # a list or tuple (kept as it is) of `of`


@dataclass(frozen=True)
class SetOf:
    of: object


@dataclass(frozen=True)
class Map:
    key: object
    value: object


@dataclass(frozen=True)
class OrStr:
    of: object  # a str (kept) or `of`


@dataclass(frozen=True)
class Ref:
    lists: tuple  # the record is an element of one of these Program lists (`loads`, `stores`): the same
    # object after the merge. Packed as (list name, index).


class Tagged:
    """A tuple whose first item is a tag naming the specs of the rest: `('ref', nid)`, `('E', sel, part)`.
    `table[tag]` is a tuple of specs, or a dict {number of items after the tag: tuple of specs}."""

    def __init__(self, name: str, table: dict | None = None) -> None:
        self.name = name
        self.table = table if table is not None else {}


class DC:
    """A dataclass instance; `spec[field]` for every field. Instances shared between fields (a `Load` in
    both `loads` and `deferred_keys`) stay shared after the merge."""

    def __init__(self, cls: type, spec: dict) -> None:
        self.cls = cls
        self.spec = spec


# Key parts and string templates (extract.py `_key_part`, `tmpl_of`; program.py `strings_of`)
PART = Tagged("key part")
PART.table.update({
    # a lookup key is a literal, or itself a key part: `f(g(0x1a0))`, `_s(i)` with `i` a variable
    "ref": (N,), "idx": (N, S), "lookup": (N, OrStr(PART)), "ret": (N,), "elems": (N,), "join": (N, S), "any": (),
    "atob": (OrStr(PART),),
    "attrs": (Seq(Tup((S, N))),),  # `<input id={id} name={name}/>` in a component: (attribute, value) pairs
})
TMPL = Seq(OrStr(PART))
PART.table["tmpl"] = (TMPL,)  # a key built from parts: `h['keyup ' + sel]`
NODES = Seq(N)

# Abstract-object keys (`Program.objs`, the seeds): see solve.py's module docstring (this folder)
OBJ_KEY = Tagged("object key", {
    "fn": (F,), "O": (N,), "IT": (N,), "B": (N,), "G": (S,), "R": (N,), "EV": (R,), "E": {1: (S,), 2: (S, PART)},
})

FUNC = DC(Func, {
    "fid": F, "uid": U, "name": S, "start": S, "end": S, "parent": Opt(F), "params": NODES, "this": N, "ret": N,
    "args": N, "top": S, "calls_submit": S, "is_arrow": S, "guards": S, "rest": S,
})
CALL = DC(Call, {
    "cid": C, "uid": U, "fid": F, "start": S, "end": S, "callee": NODES, "recv": Opt(NODES), "args": Seq(NODES),
    "result": N, "is_new": S, "method": S, "path": S, "str_args": S, "tmpl_args": Seq(Opt(TMPL)),
    "obj_url": Opt(TMPL), "handled": S, "resolved": S, "rules": S, "fn_args": S, "callbacks": S,
    "args_start": S, "renders": S, "modelled": S,
})
LOAD = DC(Load, {"nid": N, "base": NODES, "prop": S})
STORE = DC(Store, {
    "uid": U, "fid": F, "start": S, "end": S, "obj": Seq(OrStr(N)), "prop": S, "value": NODES, "tmpl": Opt(TMPL),
    "global_ident": Opt(N), "prop_start": S, "whole": S,
})
SOURCE = DC(Source, {
    "nid": N, "uid": U, "fid": F, "start": S, "end": S, "base": NODES, "how": S, "catch_all": S, "text": S,
    "guard": S,
})
REGISTRATION = DC(Registration, {
    "rid": R, "uid": U, "fid": F, "start": S, "end": S, "events": S, "target": N, "handler": NODES, "api": S,
    "delegated": S, "guard": S,
})
# Units are made by the engine, not by extraction (a unit's facts carry its `top_fid` and `kind`); the spec
# is here so that the schema describes every record that holds ids.
UNIT = DC(Unit, {
    "uid": U, "rel": S, "data": S, "line_off": S, "col_off": S, "kind": S, "page": S, "handler_event": S,
    "handler_element": S, "top_fid": F, "line_starts": S, "col_marks": S, "scope": S, "started_by": S, "segments": S,
    "aliases": S,
})
RECORDS = (FUNC, CALL, LOAD, STORE, SOURCE, REGISTRATION, UNIT)


# ---------------------------------------------------------------------------------------------- field policies
@dataclass(frozen=True)
class NodeColumn:
    of: object  # one value per node (kind, label, unit, pos, fid)


@dataclass(frozen=True)
class Named:
    pass  # key (no ids) -> node: the same key in two units is the same node


@dataclass(frozen=True)
class Graph:
    pass  # edges between nodes (extraction leaves them in pending_edges; merged if present)


@dataclass(frozen=True)
class Concat:
    of: object  # a list: the unit's items appended, in order
    ids: str | None = None  # the id space the list defines (item i has id i): 'F', 'C', 'R'


@dataclass(frozen=True)
class DictMerge:
    key: object
    value: object
    clash: str  # same key in two units: 'extend' (lists), 'union' (sets), 'assign' (the later value)


@dataclass(frozen=True)
class Union:
    of: object


@dataclass(frozen=True)
class Interned:
    pass  # objs: abstract-object keys, interned by key (obj_ids is their index)


@dataclass(frozen=True)
class InternIndex:
    pass  # obj_ids: key -> object id, rebuilt with objs


@dataclass(frozen=True)
class EngineOwned:
    pass  # units: made by the engine before extraction


ID_FIELDS = {"F": ("funcs", "fid"), "C": ("calls", "cid"), "R": ("regs", "rid")}

PROGRAM_SCHEMA: dict[str, object] = {
    "graph": Graph(),
    "kind": NodeColumn(S),
    "label": NodeColumn(S),
    "unit": NodeColumn(U),
    "pos": NodeColumn(S),
    "fid": NodeColumn(F),
    "named": Named(),
    "pending_edges": Concat(Tup((N, N))),
    "pending_base": Concat(Tup((N, N))),
    "declared_globals": Union(S),
    "default_keys": Union(S),
    "assigned_globals": Union(S),
    "array_strs": DictMerge(N, S, "assign"),
    "deferred_keys": Concat(Tup((Ref(("loads", "stores")), PART, U, F, S, S, S))),
    "param_contents": DictMerge(N, N, "assign"),
    "load_base": DictMerge(N, NODES, "assign"),
    "fnode_fid": DictMerge(N, F, "assign"),
    "lookup_funcs": DictMerge(F, Tup((N, S, S)), "assign"),
    "lookup_decoders": DictMerge(F, PART, "assign"),
    "rotations": DictMerge(N, S, "assign"),
    "wrapper_factories": DictMerge(F, S, "assign"),
    "components": Union(F),
    "jsx_components": Union(F),
    "deferred_events": Concat(Tup((Ref(("regs",)), PART))),
    "literal_props": DictMerge(Tup((N, S)), NODES, "assign"),
    "literal_strs": DictMerge(Tup((N, S)), S, "assign"),
    "accessors": DictMerge(Tup((S, S)), Seq(F), "extend"),
    "class_methods": DictMerge(N, Seq(F), "extend"),
    "scoped_finds": Concat(C),
    "arg_edge_calls": DictMerge(Tup((N, N)), SetOf(N), "union"),
    "contents_ret": DictMerge(Tup((N, N)), SetOf(N), "union"),
    "open_bases": Concat(N),
    "closure_vars": Union(N),
    "spread_helpers": Union(F),
    "element_copies": Union(F),
    "entry_pairs": Concat(Tup((N, N, NODES))),
    "keyed_pushes": DictMerge(N, Seq(NODES), "extend"),
    "units": EngineOwned(),
    "funcs": Concat(FUNC, ids="F"),
    "calls": Concat(CALL, ids="C"),
    "loads": Concat(LOAD),
    "stores": Concat(STORE),
    "sources": Concat(SOURCE),
    "regs": Concat(REGISTRATION, ids="R"),
    "timers": Concat(Tup((F, NODES, S, U, S, S, C))),
    "seeds": Concat(Tup((N, OBJ_KEY))),
    "consts": DictMerge(N, Seq(TMPL), "extend"),
    "objs": Interned(),
    "obj_ids": InternIndex(),
    "exports": DictMerge(Tup((S, S)), N, "assign"),
    "imports": Concat(Tup((U, S, S, N))),
    "deferred_storage": Concat(Tup((Ref(("calls",)), PART, S))),
    "global_fns": Union(N),
    "code_strings": Concat(Tup((U, F, S, S, C, S))),
    "call_hints": DictMerge(N, N, "assign"),
    "array_parts": DictMerge(Tup((N, S)), PART, "assign"),
    "pattern_elems": DictMerge(N, S, "assign"),
}


def check_schema(program_cls: type = Program) -> None:
    """Every `Program` field and every field of every record has a spec (raises `SchemaError`)."""
    names = [f.name for f in fields(program_cls)]
    missing = [n for n in names if n not in PROGRAM_SCHEMA]
    extra = [n for n in PROGRAM_SCHEMA if n not in names]
    if missing or extra:
        raise SchemaError(f"Program fields without a merge schema: {missing}; schema entries for no field: {extra}")
    for rec in RECORDS:
        have = [f.name for f in fields(rec.cls)]
        missing = [n for n in have if n not in rec.spec]
        extra = [n for n in rec.spec if n not in have]
        if missing or extra:
            raise SchemaError(f"{rec.cls.__name__} fields without a spec: {missing}; spec for no field: {extra}")


# ---------------------------------------------------------------------------------------------- compiling
class _Env:
    """The renumbering of one unit: node map, id offsets, unit id, object map."""

    def __init__(self, m: list, fb: int, cb: int, rb: int, uid: int) -> None:
        self.m = m
        self.fb = fb
        self.cb = cb
        self.rb = rb
        self.uid = uid
        self.om: list = []
        self.records: dict[str, list] = {}  # list name -> the merged records (for `Ref`)
        self.cache: dict[int, object] = {}


def _compile(spec, env: _Env):
    """A function value -> renumbered value for `spec` (None: the value is kept as it is)."""
    hit = env.cache.get(id(spec))
    if hit is not None or id(spec) in env.cache:
        return hit
    fn = _build(spec, env)
    env.cache[id(spec)] = fn
    return fn


def _copy(v):
    return list(v) if type(v) is list else v


def _build(spec, env: _Env):  # noqa: C901 - one case per spec kind
    m = env.m
    if spec == S:
        return None
    if spec == N:
        return lambda x: m[x] if x >= 0 else x
    if spec == F:
        fb = env.fb
        return lambda x: x + fb if x >= 0 else x
    if spec == C:
        cb = env.cb
        return lambda x: x + cb
    if spec == R:
        rb = env.rb
        return lambda x: x + rb
    if spec == U:
        uid = env.uid
        return lambda x: uid if x == 0 else x
    if spec == O:
        om = env.om
        return lambda x: om[x]
    if isinstance(spec, Opt):
        f = _compile(spec.of, env)
        if f is None:
            return None
        return lambda x: None if x is None else f(x)
    if isinstance(spec, OrStr):
        f = _compile(spec.of, env)
        return lambda x: x if isinstance(x, str) else f(x)
    if isinstance(spec, Seq):
        if spec.of == N:
            mg = m.__getitem__

            def seq_n(xs):
                return tuple(map(mg, xs)) if type(xs) is tuple else list(map(mg, xs))
            return seq_n
        f = _compile(spec.of, env)
        if f is None:
            return _copy

        def seq(xs):
            out = [f(x) for x in xs]
            return tuple(out) if type(xs) is tuple else out
        return seq
    if isinstance(spec, SetOf):
        f = _compile(spec.of, env)
        if f is None:
            return set
        return lambda xs: {f(x) for x in xs}
    if isinstance(spec, Tup):
        if spec.items == (N, N):
            return lambda t: (m[t[0]], m[t[1]])
        fs = [_compile(s, env) for s in spec.items]
        n = len(fs)

        def tup(t):
            if len(t) != n:
                raise SchemaError(f"tuple of {len(t)} items where the schema has {n}: {t!r:.200}")
            return tuple(x if f is None else f(x) for f, x in zip(fs, t))
        return tup
    if isinstance(spec, Ref):
        built = env.records

        def ref(t):
            return built[t[0]][t[1]]
        return ref
    if isinstance(spec, Tagged):
        compiled: dict = {}
        name = spec.name

        def tagged(t):
            specs = compiled.get(t[0])
            if specs is None:
                raise SchemaError(f"unknown {name} {t!r:.200}")
            if type(specs) is dict:
                specs = specs.get(len(t) - 1)
                if specs is None:
                    raise SchemaError(f"{name} of an unknown shape: {t!r:.200}")
            if len(specs) != len(t) - 1:
                raise SchemaError(f"{name} of an unknown shape: {t!r:.200}")
            return (t[0],) + tuple(x if f is None else f(x) for f, x in zip(specs, t[1:]))
        env.cache[id(spec)] = tagged  # before the table: a part may hold a part (`('atob', part)`)
        for tag, specs in spec.table.items():
            if isinstance(specs, dict):
                compiled[tag] = {k: tuple(_compile(s, env) for s in v) for k, v in specs.items()}
            else:
                compiled[tag] = tuple(_compile(s, env) for s in specs)
        return tagged
    if isinstance(spec, DC):
        return _record_builder(spec, env)
    raise SchemaError(f"unknown spec {spec!r}")


_INLINE = {  # id atoms as expressions over `v` (one field of a packed record)
    N: "(m[v] if v >= 0 else v)", F: "(v + fb if v >= 0 else v)", C: "v + cb", R: "v + rb",
    U: "(uid if v == 0 else v)", O: "om[v]",
}


def _record_builder(spec: DC, env: _Env):
    """A function packed tuple -> new record, generated for this spec and unit (one attribute store per
    field, no loop: records are most of a bundle's facts)."""
    cls = spec.cls
    have = [f.name for f in fields(cls)]
    if set(have) != set(spec.spec):
        raise SchemaError(f"{cls.__name__}: the schema does not describe fields {sorted(set(have) ^ set(spec.spec))}")
    ns = {"new": object.__new__, "cls": cls, "m": env.m, "fb": env.fb, "cb": env.cb, "rb": env.rb, "uid": env.uid,
          "om": env.om, "copy": _copy, "n": len(have), "SchemaError": SchemaError}
    lines = ["def build(t):", "    if len(t) != n:", f"        raise SchemaError('a packed {cls.__name__} of ' + "
             "str(len(t)) + ' fields')", "    y = new(cls)"]
    for i, k in enumerate(have):
        sp = spec.spec[k]
        if sp == S:
            lines.append(f"    v = t[{i}]")
            lines.append(f"    y.{k} = v[:] if v.__class__ is list else v")
        elif sp in _INLINE:
            lines.append(f"    v = t[{i}]")
            lines.append(f"    y.{k} = " + _INLINE[sp])
        else:
            ns[f"f_{k}"] = _compile(sp, env)
            lines.append(f"    y.{k} = f_{k}(t[{i}])")
    lines.append("    return y")
    exec("\n".join(lines), ns)  # noqa: S102 - generated from the schema above, no outside input
    return ns["build"]


def pack(local: Program) -> dict:
    """One unit's Program as plain data for pickling: records become tuples (fields in declaration order),
    a record that is also an element of a list (`Ref`) becomes (list name, index). What `merge_unit` reads."""
    check_schema()
    out: dict = {}
    index: dict[str, dict[int, int]] = {}

    def ref_of(names):
        def ref(x):
            for name in names:
                ix = index.get(name)
                if ix is None:
                    ix = index[name] = {id(r): i for i, r in enumerate(getattr(local, name))}
                i = ix.get(id(x))
                if i is not None:
                    return (name, i)
            raise SchemaError(f"a {type(x).__name__} that is in none of {names}")
        return ref

    def packer(sp):
        if isinstance(sp, DC):
            return attrgetter(*[f.name for f in fields(sp.cls)])
        if isinstance(sp, Ref):
            return ref_of(sp.lists)
        if isinstance(sp, Tup) and any(isinstance(x, Ref) for x in sp.items):
            fs = [packer(x) for x in sp.items]
            return lambda t: tuple(x if f is None else f(x) for f, x in zip(fs, t))
        return None

    for name, pol in PROGRAM_SCHEMA.items():
        val = getattr(local, name)
        f = packer(pol.of) if isinstance(pol, Concat) else None
        out[name] = [f(x) for x in val] if f is not None else val
    return out


def unpack(packed: dict) -> Program:
    """The unit's Program again (ids as they are: unit 0, from 0)."""
    prog = Program()
    merge_unit(prog, 0, packed)
    return prog


# ---------------------------------------------------------------------------------------------- merging
def merge_unit(prog: Program, uid: int, local: dict | Program) -> int:
    """Add one unit's packed facts (`pack`: numbered from 0, unit id 0) to `prog` as unit `uid`. Returns
    the offset to add to the unit's local function ids (its top-level function is local fid `top` → `top +
    offset`). Nothing in `prog` changes unless the whole unit merges (a `SchemaError` leaves `prog` as it was).
    `local` is read, never changed; or it is the unit's `Program` itself (extracted in this process, held by
    nothing else): the scan's first unit then becomes `prog`'s facts as they are (renumbering unit 0 from 0
    is the identity), any other is packed and merged."""
    check_schema()
    if isinstance(local, Program):
        if uid == 0 and _is_empty(prog):
            _adopt(prog, local)
            return 0
        local = pack(local)
    if set(local) != set(PROGRAM_SCHEMA):
        raise SchemaError(f"facts with fields {sorted(set(local) ^ set(PROGRAM_SCHEMA))} the schema does not have")
    # --- nodes: the map local nid -> scan nid. A named node an earlier unit made is that node; every other
    # node gets the next id, in order.
    gnamed = prog.named
    nxt = len(prog.kind)
    n_local = len(local["kind"])
    unified = sorted((n, gnamed[k]) for k, n in local["named"].items() if k in gnamed)
    m: list[int] = []
    prev = 0
    for shift, (i, g) in enumerate(unified):
        m.extend(range(nxt + prev - shift, nxt + i - shift))
        m.append(g)
        prev = i + 1
    m.extend(range(nxt + prev - len(unified), nxt + n_local - len(unified)))
    skip = {i for i, _ in unified}
    env = _Env(m, len(prog.funcs), len(prog.calls), len(prog.regs), uid)
    for space, (name, attr) in ID_FIELDS.items():
        pos = [f.name for f in fields(PROGRAM_SCHEMA[name].of.cls)].index(attr)
        for i, x in enumerate(local[name]):
            if x[pos] != i:
                raise SchemaError(f"{name}[{i}] has {attr} {x[pos]}")

    # --- objects: interned by their renumbered key
    key_fn = _compile(OBJ_KEY, env)
    new_objs: list = []
    new_obj_ids: dict = {}
    base_o = len(prog.objs)
    for k in local["objs"]:
        gk = key_fn(k)
        o = prog.obj_ids.get(gk)
        if o is None:
            o = new_obj_ids.get(gk)
            if o is None:
                o = base_o + len(new_objs)
                new_objs.append(gk)
                new_obj_ids[gk] = o
        env.om.append(o)

    # --- every field, computed before anything is written (records first: `Ref`s point into them)
    plan: list = []
    order = sorted(PROGRAM_SCHEMA, key=lambda k: not (isinstance(PROGRAM_SCHEMA[k], Concat)
                                                      and isinstance(PROGRAM_SCHEMA[k].of, DC)))
    for name in order:
        pol = PROGRAM_SCHEMA[name]
        val = local[name]
        if isinstance(pol, NodeColumn):
            f = _compile(pol.of, env)
            col = [x for i, x in enumerate(val) if i not in skip] if skip else val
            plan.append((name, "append", col if f is None else [f(x) for x in col]))
        elif isinstance(pol, Concat):
            if isinstance(pol.of, DC):
                build = _compile(pol.of, env)
                out = env.records[name] = [build(x) for x in val]
            elif not val:
                continue
            elif pol.of == Tup((N, N)):
                out = [(m[a], m[b]) for a, b in val]
            elif pol.of == N:
                out = [m[x] for x in val]
            else:
                f = _compile(pol.of, env)
                out = list(val) if f is None else [f(x) for x in val]
            if out:
                plan.append((name, "append", out))
        elif isinstance(pol, DictMerge):
            if not val:
                continue
            fk = _compile(pol.key, env)
            fv = _compile(pol.value, env)
            items = [(k if fk is None else fk(k), _copy(v) if fv is None else fv(v)) for k, v in val.items()]
            plan.append((name, pol.clash, items))
        elif isinstance(pol, Union):
            if not val:
                continue
            f = _compile(pol.of, env)
            plan.append((name, "add", [x if f is None else f(x) for x in val]))
        elif isinstance(pol, Graph):
            if val.number_of_nodes():
                edges: dict = {}
                for a, nbrs in val.adjacency():
                    for b, attr in nbrs.items():
                        edges.setdefault(_edge_attr_key(attr), []).append((m[a], m[b]))
                plan.append((name, "graph", ([m[a] for a in val.nodes], edges)))
        elif isinstance(pol, (Named, Interned, InternIndex, EngineOwned)):
            pass
        else:  # pragma: no cover - a policy without a merge rule
            raise SchemaError(f"no merge rule for {name}: {pol!r}")
    plan.sort(key=lambda step: list(PROGRAM_SCHEMA).index(step[0]))  # written in field order

    # --- commit
    for k, i in local["named"].items():
        if k not in gnamed:
            gnamed[k] = m[i]
    for name, how, data in plan:
        target = getattr(prog, name)
        if how == "append":
            target.extend(data)
        elif how == "add":
            target.update(data)
        elif how == "graph":
            nodes, edges = data
            for n in nodes:
                if n not in target:
                    target.add_node(n)
            for attr_key, es in edges.items():
                target.add_edges(es, EDGE_PLAIN if attr_key is None else EDGE_KIND[attr_key])
        else:  # a dict: 'assign' | 'extend' | 'union' when the key is there already
            for k, v in data:
                old = target.get(k)
                if old is None or how == "assign":
                    target[k] = v
                elif how == "extend":
                    old.extend(v)
                else:
                    old |= v
    for gk in new_objs:
        prog.obj_ids[gk] = len(prog.objs)
        prog.objs.append(gk)
    return env.fb


def _is_empty(prog: Program) -> bool:
    """No facts yet (the engine's units aside)."""
    return all(not getattr(prog, name) for name, pol in PROGRAM_SCHEMA.items()
               if not isinstance(pol, (EngineOwned, Graph))) and not prog.graph.number_of_nodes()


def _adopt(prog: Program, local: Program) -> None:
    """`prog` (empty) takes `local`'s facts: what merging them as unit 0 at offset 0 gives, without the copy."""
    for name, pol in PROGRAM_SCHEMA.items():
        if not isinstance(pol, EngineOwned):
            setattr(prog, name, getattr(local, name))


def _edge_attr_key(attr: dict):
    if not attr:
        return None
    k = attr.get("k")
    if k not in EDGE_KIND or attr != EDGE_KIND[k]:
        raise SchemaError(f"edge attributes {attr!r} are not one of the shared kinds")
    return k
