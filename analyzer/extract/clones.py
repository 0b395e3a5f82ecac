"""Stage 3 (helpers per call site): a small helper that builds closures is extracted once per call that passes
it constant strings, for fact extraction. A mixin of `extractor.Extractor`.

`const bind = (key) => ({ value: form[key], onChange: (e) => setForm({ ...form, [key]: e.target.value }) })`
used as `<input name="email" {...bind('email')}/>`, `<input name="phone" {...bind('phone')}/>`: extracted once,
its `onChange` is one function registered on every field, so what one field's handler stores reads as any
of the fields, and `[key]` is any of the keys. Extracted once per call (`bind('email')` gets a copy of its
own, with `key` read as `'email'` wherever it names a property), each field has its own handler and each
key its own property, as the program runs them.

Which helpers: a function of at most `HELPER_MAX_BYTES` declared by name (`function f(…)`, `const f = …`,
or a method of an object literal called as `this.f(…)`: a Vue options component's `field('email', …)` that
renders one field per call)
that creates functions of its own, or compares one of its parameters with a string (`if (field === 'qty')`,
`switch (field)`, `if (isFinal)`: each branch serves one value), called by that name two to `MAX_SITES` times in the file
with a string or boolean literal for one of its plain parameters, from code its declaration encloses; or a one-liner of at most
`TINY_BYTES` (a selector helper `$ = (sel) => document.querySelector(sel)`), called two to `TINY_SITES`
times: each call then finds its own element. A call passes through to the
copy (its callee is the copy's function); other calls and uses of the name keep the helper itself. Inside a
copy, a branch its constant rules out is not walked (`if (field === 'qty')` in the copy for 'email',
`if (isFinal)` in the copy for `false`, a
`case 'qty':` that nothing falls into). At most
`MAX_COPIES` copies per file, in name order, so the work is bounded and the same every run.
"""
from __future__ import annotations

from analyzer.extract.guards import _returns_only, _unparen
from analyzer.extract.util import FUNC_TYPES, _string_value, _text
from analyzer.program import nested_in

HELPER_MAX_BYTES = 2400
MAX_SITES = 12
TINY_BYTES = 240  # a selector or key helper (`$ = (sel) => document.querySelector(sel)`): copied even when
TINY_SITES = 48  # it creates no function, for up to this many calls
MAX_COPIES = 96
_DECL_TYPES = ("function_declaration", "generator_function_declaration")
_EQUALITY = {"===": True, "==": True, "!==": False, "!=": False}
_LEAVES = frozenset({"break_statement", "return_statement", "throw_statement", "continue_statement"})
# node types whose children a copy's constants can rule out (`_dead_in_copy`; `if` is the walk's own)
COPY_PRUNED = frozenset({"switch_case", "ternary_expression", "binary_expression", "statement_block"})


def subst_test(cond, subst: dict, flags: dict) -> bool | None:
    """`field === 'qty'` / `'qty' != field` with `field` a copy's constant, `isFinal` / `!isFinal` with
    `isFinal` a copy's boolean: whether it holds (None: unknown)."""
    if flags:
        neg = False
        while cond is not None and cond.type == "unary_expression" and cond.named_child_count == 1 \
                and _text(cond).startswith("!"):
            neg, cond = not neg, _unparen(cond.named_children[0])
        if cond is not None and cond.type == "identifier" and _text(cond) in flags:
            return flags[_text(cond)] != neg
    if cond is None or cond.type != "binary_expression":
        return None
    op = cond.child_by_field_name("operator")
    if op is None or op.type not in _EQUALITY:
        return None
    left, right = _unparen(cond.child_by_field_name("left")), _unparen(cond.child_by_field_name("right"))
    for a, b in ((left, right), (right, left)):
        if a is not None and b is not None and a.type == "identifier" and b.type == "string":
            name = _text(a)
            if name in subst:
                return (subst[name] == _string_value(b)) == _EQUALITY[op.type]
    return None


def _compares_param(node, names: set) -> bool:
    """Whether a function compares one of its parameters `names` with a string, or switches on one."""
    stack = list(node.named_children)
    while stack:
        n = stack.pop()
        t = n.type
        if t == "binary_expression":
            op = n.child_by_field_name("operator")
            if op is not None and op.type in _EQUALITY:
                left, right = _unparen(n.child_by_field_name("left")), _unparen(n.child_by_field_name("right"))
                for a, b in ((left, right), (right, left)):
                    if a is not None and b is not None and a.type == "identifier" and b.type == "string" \
                            and _text(a) in names:
                        return True
        elif t == "switch_statement":
            v = _unparen(n.child_by_field_name("value"))
            if v is not None and v.type == "identifier" and _text(v) in names:
                return True
        elif t == "if_statement":
            v = _unparen(n.child_by_field_name("condition"))
            while v is not None and v.type == "unary_expression" and v.named_child_count == 1 and _text(v)[:1] == "!":
                v = _unparen(v.named_children[0])
            if v is not None and v.type == "identifier" and _text(v) in names:
                return True  # `if (isFinal)`: a flag the callers pass
        if t not in FUNC_TYPES:
            stack.extend(n.named_children)
    return False


class HelperCopies:
    def _note_helper(self, node, f, parent) -> None:
        """At a function's exit: remember it when it can be a helper (see the module docstring)."""
        size = node.end_byte - node.start_byte
        if self.copying or size > HELPER_MAX_BYTES:
            return  # a copy, or too big
        p = self.p
        if node.type in _DECL_TYPES:
            nm = node.child_by_field_name("name")
            name = nm.text.decode("utf-8", "replace") if nm is not None else None
        elif parent is not None and parent.type == "variable_declarator":
            name = f.name
        elif node.type == "method_definition" and parent is not None and parent.type == "object":
            name = "this." + f.name  # a component's method, called as `this.field('email', …)`
        else:
            return
        if name:
            # whether it branches on a parameter is read only for a name some call passes constants to
            # (`_qualified`): a bundle has thousands of small named functions
            names = frozenset(p.label[pn] for pn in f.params if p.kind[pn] == "var")
            plain = len(p.funcs) - 1 == f.fid and size > TINY_BYTES  # no function inside, not a one-liner
            self.helpers.setdefault(name, []).append((node, parent, f.parent, f.fid, names, plain))

    @staticmethod
    def _qualified(decls: list) -> list:
        """The declarations that can be helpers, with whether each branches on a parameter: one that creates
        no function and is more than a one-liner must compare a parameter with a constant."""
        out = []
        for node, parent, outer, fid, names, plain in decls:
            branching = bool(names) and _compares_param(node, names)
            if plain and not branching:
                continue
            out.append((node, parent, outer, fid, branching))
        return out

    def _copy_helpers(self) -> None:
        """After the walk: one copy of each helper per call that passes it constants."""
        if not self.helpers or not self.literal_calls:
            return
        sites: dict[str, list] = {}
        for name, cid, str_args, fid, flags in self.literal_calls:
            if name in self.helpers:
                sites.setdefault(name, []).append((cid, str_args, fid, flags))
        p = self.p
        funcs = p.funcs
        top = self.f
        copies = 0
        for name in sorted(sites):
            decls = self._qualified(self.helpers[name])
            calls = sites[name]
            if len(decls) != 1:
                continue
            node, parent, outer, hfid, branching = decls[0]
            if len(calls) < (1 if branching else 2):
                continue  # (one call with a constant is enough to tell it from the helper's other calls)
            tiny = node.end_byte - node.start_byte <= TINY_BYTES
            if outer is None or len(calls) > (TINY_SITES if tiny else MAX_SITES):
                continue
            names = [p.label[pn] if p.kind[pn] == "var" else None for pn in funcs[hfid].params]
            for cid, str_args, fid, flags in calls:
                subst = {names[i]: s for i, s in enumerate(str_args) if i < len(names) and names[i] and s is not None}
                bools = {names[i]: b for i, b in flags if i < len(names) and names[i]}
                if not (subst or bools) or not (fid == outer or nested_in(funcs, outer, fid, 256)) \
                        or copies >= MAX_COPIES:
                    continue
                copies += 1
                self.f, self.subst, self.copying, self._copy_root = funcs[outer], subst, True, node.start_byte
                self.flags = bools
                try:
                    self._walk(node, self.h, self.parents, self._skip_types, parent)
                finally:
                    self.f, self.subst, self.copying, self._copy_root = top, {}, False, None
                    self.flags = {}
                value = self.vals.pop(node.id, ())
                if not value:
                    continue
                p.calls[cid].callee = value
                # the copy's parameters are the constants its call passes, known before calls are linked
                # (an event name, a selector, a key: `addEventListener(event, …)`, `getElementById(id)`)
                copy = funcs[self.fnode_fid[value[0]]] if value[0] in self.fnode_fid else None
                if copy is not None:
                    for i, pn in enumerate(copy.params):
                        if i < len(names) and names[i] in subst:
                            p.consts.setdefault(pn, []).append([subst[names[i]]])

    def _note_element_callback(self, c, argn, fid: int, elems: list) -> None:
        """`['email', 'phone'].forEach((id) => {…})`: remember the callback for a copy per element when the
        elements are all constants (see `_copy_element_callbacks`)."""
        f = self.p.funcs[fid]
        node = next((a for a in argn.named_children if a.type != "comment"), None)
        if node is None or node.type not in FUNC_TYPES or node.end_byte - node.start_byte > HELPER_MAX_BYTES \
                or f.parent is None or self.p.kind[f.params[0]] != "var":
            return
        if any(e is None for e in elems):
            return
        uniq = list(dict.fromkeys(elems))
        if 2 <= len(uniq) <= MAX_SITES:
            self.element_calls.append((c.cid, node, argn, self.p.label[f.params[0]], tuple(uniq), f.parent))

    def _copy_element_callbacks(self) -> None:
        """After the walk: a callback run over a list of constants (`['email', 'phone'].forEach((id) =>
        {…})`) is extracted once per element, with its parameter read as that constant, and the call runs
        the copies instead of the callback. What one element's handler stores (`draft[id] = e.target.value`)
        is then stored under that element's key, with that element's field, as the program runs it (one
        walk of the callback would store every field under every key). At most `MAX_COPIES` copies per
        file, calls in source order: a call whose copies would pass the bound keeps its callback."""
        if not self.element_calls:
            return
        p = self.p
        funcs = p.funcs
        top = self.f
        copies = 0
        for cid, node, parent, name, elems, outer in self.element_calls:
            if copies + len(elems) > MAX_COPIES:
                break
            values = []
            for e in elems:
                copies += 1
                self.f, self.subst, self.copying, self._copy_root = funcs[outer], {name: e}, True, node.start_byte
                try:
                    self._walk(node, self.h, self.parents, self._skip_types, parent)
                finally:
                    self.f, self.subst, self.copying, self._copy_root = top, {}, False, None
                value = self.vals.pop(node.id, ())
                fid = self.fnode_fid.get(value[0]) if value else None
                if fid is None or not funcs[fid].params:
                    break
                p.consts.setdefault(funcs[fid].params[0], []).append([e])
                p.element_copies.add(fid)
                values.append(value[0])
            if len(values) == len(elems):
                p.calls[cid].args[0] = tuple(values)

    def _dead_in_copy(self, node) -> set:
        """Inside a copy: ids of the children of `node` that the copy's constants rule out (not walked):
        a `case 'qty':` of `switch (field)` that the case before cannot fall into, the dead side of
        `isFinal ? a : b` and of `isFinal && a`, and what follows `if (!isFinal) return;` in a block."""
        t = node.type
        subst, flags = self.subst, self.flags
        if t == "ternary_expression":
            known = subst_test(_unparen(node.child_by_field_name("condition")), subst, flags)
            dead = None if known is None else node.child_by_field_name("alternative" if known else "consequence")
            return {dead.id} if dead is not None else set()
        if t == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is None or op.type not in ("&&", "||"):
                return set()
            known = subst_test(_unparen(node.child_by_field_name("left")), subst, flags)
            right = node.child_by_field_name("right")
            if known is None or right is None or known != (op.type == "||"):
                return set()
            return {right.id}  # `false && x`, `true || x`: x never runs
        if t == "statement_block":
            kids = node.named_children
            for i, st in enumerate(kids):
                if st.type == "if_statement" and st.child_by_field_name("alternative") is None \
                        and _returns_only(st.child_by_field_name("consequence")) \
                        and subst_test(_unparen(st.child_by_field_name("condition")), subst, flags):
                    return {k.id for k in kids[i + 1:]}
            return set()
        if t != "switch_case" or not subst:
            return set()
        sw = node.parent.parent if node.parent is not None else None
        val = node.child_by_field_name("value")
        if sw is None or sw.type != "switch_statement" or val is None or val.type != "string":
            return set()
        on = _unparen(sw.child_by_field_name("value"))
        if on is None or on.type != "identifier" or subst.get(_text(on)) in (None, _string_value(val)):
            return set()
        prev = node.prev_named_sibling
        while prev is not None and prev.type not in ("switch_case", "switch_default"):
            prev = prev.prev_named_sibling
        if prev is not None:
            body = [c for c in prev.named_children if c != prev.child_by_field_name("value")]
            last = body[-1] if body else None
            if last is not None and last.type == "statement_block" and last.named_child_count:
                last = last.named_children[-1]
            if last is None or last.type not in _LEAVES:
                return set()  # the case before falls into this one
        return {c.id for c in node.named_children if c != val}

    def _subst_key(self, n) -> str | None:
        """Inside a copy: the constant a parameter stands for, when `n` is that parameter (`[key]`,
        `state[key]`, `form[key]`)."""
        if not self.subst or n is None:
            return None
        while n.type in ("parenthesized_expression", "computed_property_name") and n.named_child_count == 1:
            n = n.named_children[0]
        if n.type != "identifier":
            return None
        return self.subst.get(n.text.decode("utf-8", "replace"))
