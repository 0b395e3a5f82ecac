"""Stage 3 (declarations): classes, ES modules (`import`/`export`) and JSX elements, for fact extraction.
A mixin of `extractor.Extractor`: it uses the extractor's value helpers.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from analyzer.extract.util import JSX_ATTRS_FOR_SELECTOR, _string_value, _text
from analyzer.models.spreads import PROPS_LABEL, SPREAD_API
from analyzer.program import Call, Registration, Store


def is_export_helper(fn) -> bool:
    """`function e(e, t, r, n) { Object.defineProperty(e, t, {get: r, set: n, enumerable: !0}) }`: a
    bundler's export helper (Parcel 2's `$parcel$export`, minified) — its calls `e(t.exports, "val", () => o)`
    are export getters, as webpack's `n.d(t, {val: () => o})` are."""
    params = fn.child_by_field_name("parameters")
    body = fn.child_by_field_name("body")
    if params is None or body is None or body.named_child_count != 1:
        return False
    names = [_text(c) for c in params.named_children if c.type == "identifier"]
    st = body.named_children[0]
    call = st.named_children[0] if st.type == "expression_statement" and st.named_child_count else None
    if len(names) < 3 or call is None or call.type != "call_expression":
        return False
    callee = call.child_by_field_name("function")
    args = call.child_by_field_name("arguments")
    if callee is None or _text(callee) != "Object.defineProperty" or args is None or args.named_child_count != 3:
        return False
    a0, a1, desc = args.named_children
    if _text(a0) != names[0] or _text(a1) != names[1] or desc.type != "object":
        return False
    for pair in desc.named_children:
        if pair.type == "pair":
            k, v = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if k is not None and v is not None and _text(k) == "get" and _text(v) == names[2]:
                return True
    return False


class DeclarationFacts:
    # ------------------------------------------------------------------------------------------- JSX
    def x_jsx_element(self, node) -> None:
        """`<input name="email" onChange={…}/>`: an `on…` prop registers a handler on that element, whose
        selector is built from the element's static props (so `e.target.value` knows which field it is)."""
        name = node.child_by_field_name("name")
        tag = _text(name) if name is not None else "*"
        static: list[tuple[str, str]] = []
        handlers: list[tuple[str, tuple]] = []
        ref_vals: tuple = ()
        spreads: list[tuple] = []
        props: list[tuple] = []  # (name, value nids, constant string): a component's props
        dyn: dict[str, int] = {}  # `<input id={id}/>` in a component: the ids its callers pass
        bound = None  # `value={qty}` / `value={form.email}`: the state the field shows, by its last name
        for a in node.named_children:
            if a.type == "jsx_expression" and a.named_child_count == 1 and a.named_children[0].type == \
                    "spread_element" and a.named_children[0].named_child_count:
                spreads.append(self.ev(a))  # `{...bind('email')}` (its value passed through)
                continue
            if a.type != "jsx_attribute" or a.named_child_count < 1:
                continue
            an = a.named_children[0]
            av = a.named_children[1] if a.named_child_count > 1 else None
            aname = _text(an)
            if av is None:
                continue
            if av.type == "string":
                props.append((aname, (), _string_value(av)))
                if aname in JSX_ATTRS_FOR_SELECTOR:
                    static.append(("autocomplete" if aname == "autoComplete" else aname, _string_value(av)))
            elif av.type == "jsx_expression":
                vals = self.ev(av)
                props.append((aname, vals, None))
                pat = _pattern(av.named_children[0]) if aname in JSX_ATTRS_FOR_SELECTOR and \
                    av.named_child_count == 1 else None
                if pat is not None:  # id={`qty-${line.id}`}
                    static.append(("autocomplete" if aname == "autoComplete" else aname, pat))
                elif aname in JSX_ATTRS_FOR_SELECTOR and len(vals) == 1 and av.named_child_count == 1 and \
                        _whole_value(av.named_children[0]):
                    dyn["autocomplete" if aname == "autoComplete" else aname] = vals[0]  # id={id}: a prop
                if aname in ("value", "checked") and av.named_child_count == 1 and \
                        av.named_children[0].type in ("identifier", "member_expression"):
                    bound = _text(av.named_children[0]).rsplit(".", 1)[-1]
                if aname == "ref":
                    ref_vals = vals
                if len(aname) > 2 and aname.startswith("on") and aname[2].isupper():
                    ev = aname[2:].lower().removesuffix("capture")
                    if ev == "doubleclick":
                        ev = "dblclick"
                    handlers.append((ev, vals))
        if bound and tag in ("input", "select", "textarea") and not dyn and \
                not any(k in ("name", "id") for k, _v in static) and re.fullmatch(r"[A-Za-z_$][\w$]*", bound):
            # a controlled field with no name or id of its own is described by the state it is bound to
            # (`<input type="number" value={qty}>`: a quantity), as a template's `v-model="form.qty"` is
            static.append(("name", bound))
        self._mark_component(jsx=True)
        if name is not None and (name.type == "member_expression" or tag[:1].isupper()):
            self._render_component(name, props, spreads, node)
        self._element_handlers(tag, static, handlers, node, ref_vals=ref_vals, spreads=spreads,
                               dyn=(None, tuple(dyn.items())) if dyn and tag[:1].islower() else None)

    def _render_component(self, name, props: list, spreads: list, node) -> None:
        """`<Field id="email" onChange={set('email')}/>`: React calls `Field` with its props object, so the
        component's first parameter is `{id: "email", onChange: …}` (a prop it calls, `onChange(e.target.value)`,
        is the caller's function; a prop it puts on an element, `onBlur={onBlur}`, is the caller's handler).
        Compiled elements (`jsx(Field, {…})`) make the same call (`x_element_call`)."""
        p = self.p
        callee = (self.ref(_text(name)),) if name.type == "identifier" else self.ev(name)
        if not callee:
            return
        o = p.node("object", PROPS_LABEL, self.uid, node.start_byte, self.f.fid)
        p.seeds.append((o, ("O", o)))
        for key, vals, sv in props:
            if sv is not None:
                p.literal_strs[(o, key)] = sv
                p.consts.setdefault(p.literal_prop_node(key), []).append([sv])
                continue
            p.literal_props[(o, key)] = vals  # read by the component's props loads, key by key (Solver)
            if vals:
                p.edges_from(vals, o)
        for sv in spreads:
            p.edges_from(sv, o)
        self._component_call(callee, (o,), "<" + _text(name) + ">", node)

    def _component_call(self, callee: tuple, props: tuple, label: str, node) -> None:
        """The call React makes of a rendered component: a call fact with no path (no sink or library rule
        matches a component by its name), made where the element is."""
        p = self.p
        f = self.f
        res = p.node("call", label, self.uid, node.start_byte, f.fid)
        p.calls.append(Call(len(p.calls), self.uid, f.fid, node.start_byte, node.end_byte, callee, None, [props],
                            res, False, None, None, [None], [None], renders=True))

    def _element_handlers(self, tag: str, static: list, handlers: list, node, model: tuple = (),
                          ref_vals: tuple = (), spreads: list = (), dyn: tuple | None = None) -> None:
        """Register each `on…` handler of an element; `model` handlers (v-model) get the field's value;
        `ref_vals` (`<input ref={emailRef}>`): React sets `emailRef.current` to the element; `spreads`
        (`<input {...bind('email')}/>`): objects whose `on…` props are handlers too, registered once the
        objects are known (`analyzer/models/spreads.py`; here a registration with no events yet)."""
        if not handlers and not model and not ref_vals and not spreads:
            return
        t = tag.lower() if tag[:1].islower() else "input"  # <TextField …/>: a component wrapping a field
        sel = t
        for k, v in static:
            if isinstance(v, Pattern):  # a value built from a template: what its constant text says
                sel += f'[{k}{v.op}="{v.text}"]'
            else:
                sel += f'#{v}' if k == "id" and v.replace("-", "").replace("_", "").isalnum() else f'[{k}="{v}"]'
        p = self.p
        key = ("E", sel)
        if dyn is not None and dyn[0] is None:
            # `<input id={id} autoComplete={autoComplete}/>` in a component: each element rendering it says
            # (analyzer/findings.py `SelectorResolver`)
            key = ("E", sel, ("attrs", dyn[1]))
        elif dyn is not None:  # `h('input', {id: attrs.id, …})`: the ids its callers pass (a selector per value)
            key = ("E", sel + ("#{0}" if dyn[0] == "id" else f'[{dyn[0]}="{{0}}"]'), ("ref", dyn[1]))
        if ref_vals:  # <input ref={emailRef}>: React sets `emailRef.current` to the element
            en = p.node("target", sel, self.uid, node.start_byte, self.f.fid)
            p.seeds.append((en, ("E", sel)))
            p.stores.append(Store(self.uid, self.f.fid, node.start_byte, node.end_byte, ref_vals, "current",
                                  (en,), None))
        for ev, vals in handlers:
            if ev not in self.r.known_events:
                continue
            tn = p.node("target", sel, self.uid, node.start_byte, self.f.fid)
            p.seeds.append((tn, key))
            p.regs.append(Registration(len(p.regs), self.uid, self.f.fid, node.start_byte, node.end_byte, [ev], tn,
                                       vals, "on" + ev[:1].upper() + ev[1:] + " prop"))
        for vals in spreads:
            tn = p.node("target", sel, self.uid, node.start_byte, self.f.fid)
            p.seeds.append((tn, key))
            p.regs.append(Registration(len(p.regs), self.uid, self.f.fid, node.start_byte, node.end_byte, [], tn,
                                       vals, SPREAD_API))
        for vals in model:
            tn = p.node("target", sel, self.uid, node.start_byte, self.f.fid)
            p.seeds.append((tn, key))
            p.regs.append(Registration(len(p.regs), self.uid, self.f.fid, node.start_byte, node.end_byte, ["input"],
                                       tn, vals, "v-model"))
            for v in vals:  # `$event => (_ctx.email = $event)`: the parameter is what the shopper typed
                fid = self.fnode_fid.get(v)
                if fid is None or not p.funcs[fid].params:
                    continue
                p.edge(p.new_source("value", self.uid, fid, node.start_byte, node.end_byte, (tn,), "value", False, sel),
                       p.funcs[fid].params[0])

    def x_element_call(self, c, node) -> bool:
        """Compiled JSX / Vue render code: `jsx("input", {id: "email", onBlur: fn})` is `<input id="email"
        onBlur={fn}/>`. True when the call was such an element."""
        argn = node.child_by_field_name("arguments")
        if argn is None or argn.named_child_count < 2 or len(c.args) < 2 or len(c.args[1]) != 1:
            return False
        a0, a1 = argn.named_children[0], argn.named_children[1]
        if a1.type != "object":
            return False
        name = self._factory_alias(self._factory_name(node.child_by_field_name("function")))
        tag = _string_value(a0) if a0.type == "string" else None
        if tag is None and a0.type in ("identifier", "member_expression") and name in self.r.element_factories:
            # `jsx(Field, {id: "email", onBlur: fn})`: a component, whose on… props are the field's it wraps
            # (as `<Field … onBlur={fn}/>` in JSX; a minifier may have renamed `Field` to `c`)
            tag = "Component"
        r = self.r
        if name not in r.element_factories and tag not in r.element_field_tags:
            return False
        o = c.args[1][0]
        p = self.p
        static, handlers, model = [], [], []
        ref_vals: tuple = ()
        dyn: dict[str, int] = {}  # `id: attrs.id` in a helper that renders many fields: resolved later
        # `jsx("input", {...bind("email"), id: "email"})`: analyzer/models/spreads.py
        spreads: list = self.obj_spreads.pop(a1.id, [])
        for c2 in a1.named_children:
            if c2.type != "pair":
                continue
            key = self._key_name(c2.child_by_field_name("key"))
            if key is None:
                continue
            vals = p.literal_props.get((o, key), ())
            pat = _pattern(c2.child_by_field_name("value")) if key in JSX_ATTRS_FOR_SELECTOR else None
            whole = self._copy_text(c2.child_by_field_name("value")) if key in JSX_ATTRS_FOR_SELECTOR else None
            if whole:  # `id: 'reg-' + key` in a helper's copy for `field('email', …)`: `reg-email`
                static.append(("autocomplete" if key == "autoComplete" else key, whole))
            elif key in JSX_ATTRS_FOR_SELECTOR and (o, key) in p.literal_strs:
                static.append(("autocomplete" if key == "autoComplete" else key, p.literal_strs[(o, key)]))
            elif pat is not None:  # id: `qty-${l.id}`
                static.append(("autocomplete" if key == "autoComplete" else key, pat))
            elif key in ("id", "name", "autocomplete", "autoComplete") and len(vals) == 1 and _whole_value(
                    c2.child_by_field_name("value")):
                dyn["autocomplete" if key == "autoComplete" else key] = vals[0]
            fns = tuple(v for v in vals if v in self.fnode_fid)
            if key == "ref" and vals:
                ref_vals = vals  # `{ref: emailRef}`: the ref box's `.current` is this element
            if key in r.model_props:
                if fns:
                    model.append(fns)
            elif len(key) > 2 and key.startswith("on") and key[2].isupper() and vals:
                ev = key[2:].lower().removesuffix("capture")
                handlers.append(("dblclick" if ev == "doubleclick" else ev, vals))
        if name not in r.element_factories and not (handlers or model or ref_vals
                                                    or (spreads and tag in r.element_field_tags)):
            return False
        self._mark_component()
        if tag == "Component":  # React calls the component with the props object
            p.label[o] = PROPS_LABEL
            self._component_call(c.args[0], c.args[1], "<" + (_text(a0) if len(_text(a0)) < 60 else "C") + ">", node)
        if tag is not None:
            # the attribute that says most about the field (autocomplete tokens first, as for pages)
            key = next((k for k in ("autocomplete", "name", "id") if k in dyn), None)
            self._element_handlers(tag, static, handlers, node, tuple(model), spreads=spreads,
                                   dyn=(key, dyn[key]) if key is not None else None, ref_vals=ref_vals)
        return True

    def _copy_text(self, v) -> str | None:
        """Inside a helper's copy: the whole text of a value built from constants and the parameters the copy
        stands for (`'reg-' + key`, `` `reg-${key}` ``), else None."""
        if not self.subst or v is None:
            return None
        parts, todo = [], [v]
        while todo:
            n = todo.pop()
            while n.type == "parenthesized_expression" and n.named_child_count == 1:
                n = n.named_children[0]
            if n.type == "string":
                parts.append(_string_value(n))
            elif n.type == "identifier" and self._subst_key(n) is not None:
                parts.append(self._subst_key(n))
            elif n.type == "binary_expression" and _text(n.child_by_field_name("operator")) == "+":
                todo += [n.child_by_field_name("right"), n.child_by_field_name("left")]
            elif n.type == "template_string":
                for ch in reversed(n.named_children):
                    if ch.type == "template_substitution" and ch.named_child_count == 1:
                        todo.append(ch.named_children[0])
                    elif ch.type == "string_fragment":
                        todo.append(ch)
                    else:
                        return None
            elif n.type == "string_fragment":
                parts.append(_text(n))
            else:
                return None
        return "".join(parts) or None

    def _factory_alias(self, name: str | None) -> str | None:
        """The factory `name` stands for (`_i` for Vue's `h`), unless a function between the call and the
        alias's declaration declares `name` again (a minifier reuses short names in inner scopes)."""
        hit = self.factory_aliases.get(name) if name is not None else None
        if hit is None:
            return name
        f = self.f
        while f is not None and f.fid != hit[1]:
            if name in self.decls.get(f.fid, ()):
                return name
            f = self.p.funcs[f.parent] if f.parent is not None else None
        return hit[0] if f is not None else name

    @staticmethod
    def _factory_name(fn) -> str | None:
        """`jsx`, `(0, r.jsx)`, `l().jsxs`, `React.createElement`: the last name of a callee."""
        for _ in range(4):
            if fn is None:
                return None
            t = fn.type
            if t == "parenthesized_expression" and fn.named_child_count == 1:
                fn = fn.named_children[0]
            elif t == "sequence_expression":
                fn = fn.named_children[-1] if fn.named_child_count else None
            elif t == "member_expression":
                prop = fn.child_by_field_name("property")
                return _text(prop) if prop is not None else None
            elif t == "identifier":
                return _text(fn)
            else:
                return None
        return None

    def _mark_component(self, jsx: bool = False) -> None:
        """A function that renders JSX is a component: React calls it when the page renders."""
        f = self.f
        while f is not None and f.is_arrow and f.parent is not None and not f.name[:1].isupper():
            f = self.p.funcs[f.parent]
        if f is not None and not f.top:
            self.p.components.add(f.fid)
            if jsx:
                self.p.jsx_components.add(f.fid)

    # ------------------------------------------------------------------------------------------- classes
    def x_class(self, node) -> None:
        p = self.p
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        cls = p.node("class", _text(name) if name is not None else "<class>", self.uid, node.start_byte, self.f.fid)
        info = self._class_info(node)
        if body is not None:
            decorators = []
            for m in body.named_children:
                if m.type == "decorator":
                    decorators.append(m)
                    continue
                decs, decorators = decorators, []
                if m.type == "method_definition":
                    k = self._key_name(m.child_by_field_name("name"))
                    vals = self.ev(m)
                    # `@HostListener('window:beforeunload') onLeave() {…}` (TypeScript: the decorator before
                    # the method; JavaScript: inside it)
                    for d in decs + [x for x in m.named_children if x.type == "decorator"]:
                        self._decorated_listener(d, vals)
                    for v in vals:
                        if v in self.fnode_fid:  # (customElements.define: `this` of each is the element)
                            p.class_methods.setdefault(cls, []).append(self.fnode_fid[v])
                    if k is None:
                        self._computed_member(m.child_by_field_name("name"), cls, vals, m)
                    self._accessor(m, k, vals)
                    if k == "constructor":
                        p.edges_from(vals, cls)
                    elif k is not None:
                        p.edges_from(vals, p.prop_node(k))  # (`obj.m` of any object: every class's `m`)
                        # the class's own `this.m` (`_settle_class_loads`); a class extending one of the scan's
                        # may override the `m` its base's `this.m` reads
                        p.edges_from(vals, self._class_prop(info[0], k))
                        if info[1]:
                            p.edges_from(vals, p.named_node(("pm", k), "prop", k))
                elif m.type in ("field_definition", "public_field_definition"):
                    k = self._key_name(m.child_by_field_name("property") or m.child_by_field_name("name"))
                    vals = self.ev(m.child_by_field_name("value"))
                    if k is not None:
                        p.edges_from(vals, p.prop_node(k))
                        self._own_member(node, k, vals)
        if node.type in ("class_declaration", "abstract_class_declaration") and name is not None:
            p.edge(cls, self.declare(_text(name)))
        else:
            self.vals[node.id] = (cls,)
            if name is not None:  # `s = class i { … i.mask(v) … }`: the name is the class, inside its methods
                for fid in p.class_methods.get(cls, ()):
                    p.edge(cls, self.declare(_text(name), fid))
        heritage = None
        for c in node.named_children:
            if c.type == "class_heritage":
                heritage = c
        if heritage is not None:
            for c in heritage.named_children:
                p.edges_from(self.ev(c), cls)

    def _decorated_listener(self, dec, vals: tuple) -> None:
        """A listener decorator (rules/triggers.toml [[decorator]]) over a method: the method is registered
        for its event, on `window`, `document` or `document.body` by the prefix, else on the host element
        (not known here: any element of the page)."""
        call = dec.named_children[0] if dec.named_child_count == 1 else None
        if call is None or call.type != "call_expression":
            return
        fn = call.child_by_field_name("function")
        at = self.r.listener_decorators.get(_text(fn)) if fn is not None and fn.type == "identifier" else None
        args = call.child_by_field_name("arguments")
        if at is None or args is None or at >= args.named_child_count or args.named_children[at].type != "string":
            return
        spec = _string_value(args.named_children[at])
        where, _, event = spec.rpartition(":")
        if not event or not vals:
            return
        p = self.p
        tn = p.node("target", spec, self.uid, dec.start_byte, self.f.fid)
        target = {"window": ("G", "window"), "document": ("G", "document"), "body": ("G", "document.body")}.get(
            where, ("E", "*") if not where else None)
        if target is None:
            return
        p.seeds.append((tn, target))
        p.regs.append(Registration(len(p.regs), self.uid, self.f.fid, dec.start_byte, dec.end_byte, [event], tn,
                                   tuple(vals), _text(fn)))

    def _computed_member(self, name, obj: int, vals: tuple, node) -> None:
        """`[_0x2a1b(0x128)]() {…}` in a class or object literal (an obfuscator's string table): a property
        whose name is folded once constants are known, stored like `obj[k] = fn`."""
        if name is None or name.type != "computed_property_name" or name.named_child_count != 1 or not vals:
            return
        part = self._key_part(name.named_children[0])
        if part is None:
            self.p.open_bases.append(obj)  # `{[action.field]: v}`: a key nobody can name
            return
        st = Store(self.uid, self.f.fid, node.start_byte, node.end_byte, (obj,), "", vals, None)
        self.p.stores.append(st)
        self.p.deferred_keys.append((st, part, self.uid, self.f.fid, node.start_byte, node.end_byte, ""))

    # ------------------------------------------------------------------------------------------- modules
    def x_import(self, node) -> None:
        src = node.child_by_field_name("source")
        if src is None:
            return
        spec = _string_value(src)
        top = self.u.top_fid
        for c in node.named_children:
            if c.type != "import_clause":
                continue
            for cc in c.named_children:
                if cc.type == "identifier":
                    self.p.imports.append((self.uid, spec, "default", self.declare(_text(cc), top)))
                elif cc.type == "namespace_import":
                    for id_ in cc.named_children:
                        if id_.type == "identifier":
                            self.p.imports.append((self.uid, spec, "*", self.declare(_text(id_), top)))
                elif cc.type == "named_imports":
                    for spec_node in cc.named_children:
                        if spec_node.type != "import_specifier":
                            continue
                        nm = spec_node.child_by_field_name("name")
                        al = spec_node.child_by_field_name("alias")
                        local = al if al is not None else nm
                        self.p.imports.append((self.uid, spec, _text(nm), self.declare(_text(local), top)))
                        if al is not None and _text(nm) in self.r.element_factories:
                            self.factory_aliases[_text(al)] = (_text(nm), top)  # `import {h as _i} from 'vue'`

    def x_export(self, node) -> None:
        p = self.p
        rel = self.u.rel
        decl = node.child_by_field_name("declaration")
        value = node.child_by_field_name("value")
        src = node.child_by_field_name("source")
        is_default = any(c.type == "default" for c in node.children)
        if decl is not None:
            names = []
            if decl.type in ("function_declaration", "generator_function_declaration", "class_declaration",
                             "abstract_class_declaration"):
                nm = decl.child_by_field_name("name")
                if nm is not None:
                    names.append(_text(nm))
            else:
                for d in decl.named_children:
                    if d.type == "variable_declarator":
                        nm = d.child_by_field_name("name")
                        if nm is not None and nm.type == "identifier":
                            names.append(_text(nm))
            for nm in names:
                r = self.ref(nm)
                p.edge(r, p.export_node(rel, "default" if is_default else nm))
                p.edge(r, p.prop_node(nm))
        elif value is not None:
            p.edges_from(self.ev(value), p.export_node(rel, "default"))
        for c in node.named_children:
            if c.type == "export_clause":
                for s in c.named_children:
                    if s.type != "export_specifier":
                        continue
                    nm = s.child_by_field_name("name")
                    al = s.child_by_field_name("alias")
                    exported = _text(al if al is not None else nm)
                    if src is not None:
                        tmp = p.node("reexport", exported, self.uid, s.start_byte, self.f.fid)
                        p.imports.append((self.uid, _string_value(src), _text(nm), tmp))
                        r = tmp
                    else:
                        r = self.ref(_text(nm))
                    p.edge(r, p.export_node(rel, exported))
                    p.edge(r, p.prop_node(exported))
        if src is not None and not any(c.type == "export_clause" for c in node.named_children):
            tmp = p.node("reexport", "*", self.uid, node.start_byte, self.f.fid)
            p.imports.append((self.uid, _string_value(src), "*module", tmp))
            p.edge(tmp, p.export_node(rel, "*module"))


def _whole_value(v) -> bool:
    """`id: attrs.id` / `id: fieldId`: the attribute is the value of that expression (its constants, once
    known, are the attribute). Not a template or a concatenation: `` name: `updates[${line.id}]` `` is no
    `line.id`."""
    while v is not None and v.type == "parenthesized_expression" and v.named_child_count == 1:
        v = v.named_children[0]
    return v is not None and v.type in ("identifier", "member_expression", "subscript_expression")


class Pattern(NamedTuple):
    """An attribute value known only in part: `^=` its constant prefix, `*=` a constant piece of it."""
    op: str
    text: str


def _pattern(v) -> Pattern | None:
    """`` `qty-${line.id}` `` / `"qty-" + line.id`: the constant text of an attribute value built at run
    time, as a CSS attribute pattern (`[id^="qty-"]`), so that the element is the field its words name and
    not any field. None when the value has no constant text worth a selector."""
    while v is not None and v.type == "parenthesized_expression" and v.named_child_count == 1:
        v = v.named_children[0]
    if v is None:
        return None
    if v.type == "template_string":
        frags = [c for c in v.named_children if c.type in ("string_fragment", "template_substitution")]
        if not frags or all(c.type == "string_fragment" for c in frags):
            return None  # no substitution: a plain string, read as one elsewhere
        texts = [_text(c) for c in frags if c.type == "string_fragment"]
        if frags[0].type == "string_fragment":
            return _clean_pattern("^", texts[0])
        return _clean_pattern("*", max(texts, key=len)) if texts else None
    if v.type == "binary_expression" and v.child_by_field_name("operator") is not None \
            and _text(v.child_by_field_name("operator")) == "+":
        left = v.child_by_field_name("left")
        while left is not None and left.type == "binary_expression":
            left = left.child_by_field_name("left")
        if left is not None and left.type == "string":
            return _clean_pattern("^", _string_value(left))
    return None


def _clean_pattern(op: str, text: str) -> Pattern | None:
    text = text.strip()
    if len(text) < 2 or not all(ch.isalnum() or ch in "-_[]." for ch in text):
        return None
    return Pattern(op, text)
