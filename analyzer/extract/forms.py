"""Stage 2 (extract): Angular reactive forms, read from the shape of the code.

`this.form.get('email').valueChanges.pipe(debounceTime(400)).subscribe((v) => …)` runs the callback as the
shopper types into the template's `<input formControlName="email">`, with what was typed: a listener of
`input` on that element whose first parameter is the field's value. `this.form.controls.email.valueChanges`
and `this.form.controls['email'].valueChanges` are the same control; the group's own `valueChanges` hands
the callback every field's value by name (keyed, as react-hook-form's `watch`). `.pipe(…)` operators
(`debounceTime`, `filter`, `distinctUntilChanged`, `takeUntil`) keep the values and their trigger.

The names are data (`rules/frameworks.toml` [forms]): the observable property, the subscribe method, the
pass-through method, the attribute that binds a control to an element, and the event it fires on.
"""
from __future__ import annotations

from analyzer.extract.util import _string_value, _text
from analyzer.program import FORM_VALUES, Registration


class FormsFacts:
    """Mixed into the Extractor (analyzer/extract/extractor.py): `_form_subscription` is called for every call."""

    def _form_subscription(self, c, node) -> None:
        spec = self.r.forms
        if not spec or c.method != spec["subscribe"] or not c.args:
            return
        fn = node.child_by_field_name("function")
        obs = fn.child_by_field_name("object") if fn is not None else None
        for _ in range(16):  # `.pipe(a, b).pipe(c)`: the same observable
            if obs is None or obs.type != "call_expression":
                break
            f2 = obs.child_by_field_name("function")
            if f2 is None or f2.type != "member_expression" or _prop(f2) != spec["pass_through"]:
                return
            obs = f2.child_by_field_name("object")
        while obs is not None and obs.type == "non_null_expression" and obs.named_child_count == 1:
            obs = obs.named_children[0]
        if obs is None or obs.type != "member_expression" or _prop(obs) != spec["observable"]:
            return
        control = _control_name(_unwrap(obs.child_by_field_name("object")))
        handlers = self._subscriber(node, c)
        if not handlers:
            return
        p = self.p
        attr = spec["control_attr"]
        sel = f'[{attr}="{control}"]' if control else f"[{attr}]"
        tn = p.node("target", attr, self.uid, node.start_byte, self.f.fid)
        p.seeds.append((tn, ("E", sel)))
        p.regs.append(Registration(len(p.regs), self.uid, self.f.fid, node.start_byte, node.end_byte,
                                   [spec["event"]], tn, tuple(handlers), spec["observable"]))
        for h in handlers:
            fid = self.fnode_fid.get(h)
            if fid is None or not p.funcs[fid].params:
                continue
            if control:  # the control's value
                s = p.new_source("value", self.uid, fid, node.start_byte, node.end_byte, (tn,), "value", False,
                                 control)
            else:  # the group's values, by control name
                s = p.new_source("values", self.uid, fid, node.start_byte, node.end_byte, (), FORM_VALUES, False,
                                 "values")
            p.edge(s, p.funcs[fid].params[0])

    def _subscriber(self, node, c) -> list:
        """The callback of `subscribe(fn)` or `subscribe({next: fn})` (function values of the argument)."""
        args = node.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_child_count else None
        if first is None:
            return []
        if first.type == "object":
            for pair in first.named_children:
                k = pair.child_by_field_name("key") if pair.type == "pair" else None
                if k is not None and _text(k) == "next":
                    v = pair.child_by_field_name("value")
                    return [x for x in self.vals.get(v.id, ()) if x in self.fnode_fid] if v is not None else []
            return []
        return [x for x in c.args[0] if x in self.fnode_fid]


def _prop(member) -> str | None:
    pn = member.child_by_field_name("property")
    return _text(pn) if pn is not None else None


def _unwrap(n):
    while n is not None and n.type in ("non_null_expression", "parenthesized_expression") and n.named_child_count == 1:
        n = n.named_children[0]
    return n


def _control_name(n) -> str | None:
    """`form.get('email')`, `form.controls.email`, `form.controls['email']`, `form.get(['address', 'zip'])`
    (the last name): the control's name; None for the group itself (`form`)."""
    if n is None:
        return None
    if n.type == "call_expression":
        f = n.child_by_field_name("function")
        args = n.child_by_field_name("arguments")
        if f is not None and f.type == "member_expression" and _prop(f) == "get" and args is not None \
                and args.named_child_count == 1:
            a = args.named_children[0]
            if a.type == "string":
                return _string_value(a).rsplit(".", 1)[-1]
            if a.type == "array" and a.named_child_count and a.named_children[-1].type == "string":
                return _string_value(a.named_children[-1])
        return None
    if n.type == "member_expression":
        o = n.child_by_field_name("object")
        if o is not None and o.type == "member_expression" and _prop(o) == "controls":
            return _prop(n)
    if n.type == "subscript_expression":
        o = n.child_by_field_name("object")
        i = n.child_by_field_name("index")
        if o is not None and o.type == "member_expression" and _prop(o) == "controls" and i is not None \
                and i.type == "string":
            return _string_value(i)
    return None
