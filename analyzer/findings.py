"""Stage 7: findings. Which fields a source read (element descriptors resolved against the pages and the
selectors in code), where a sink sends (URL templates and constants against the origin), severity, and
the path steps a reviewer reads — one finding per sink call site.
"""
from __future__ import annotations

import re

from analyzer.classify import NOT_PERSONAL, severity, sort_categories
from analyzer.htmlpage import selector_of as _html_selector
from analyzer.model import Finding, Location, PathStep, TriggerInfo
from analyzer.models.keys import MAX_CANDIDATES
from analyzer.program import EDGE_KIND, FORM_VALUES, HEAP, NOT_ELEMENT_KINDS, Store, nested_in, selector_list
from analyzer.sanitize import strip_userinfo
from analyzer.link.solve import EVENT_TARGET_PROPS

_NO_EDGES: dict = {}
_NAMED_IN_FORM = ' [name="{0}"]'  # `form.elements[name]` (link/solve.py): the field of that form the name is


def _or_any_field(template: str, found: list) -> list:
    """A form's field by a name no constant gives (`form.elements[name]`) is any field of that form."""
    if not found and template.endswith(_NAMED_IN_FORM) and len(template) > len(_NAMED_IN_FORM):
        return [template[:-len(_NAMED_IN_FORM)] + " *"]
    return found


def jquery_css(sel: str) -> str:
    """jQuery selector extensions soupsieve does not know, translated to CSS."""
    return sel.replace(":input", ":is(input, select, textarea, button)").replace(":text", "[type=text]")


# ----------------------------------------------------------------------------------------------- findings
class SelectorResolver:
    """Turns element descriptors into CSS selectors, including selectors built from a parameter
    (`function val(id) { return document.getElementById(id).value }`): then the call sites say which."""

    def __init__(self, prog, solver):
        self.prog = prog
        self.solver = solver
        self.sel_cache: dict[str, tuple] = {}
        self.param_of = {pn: (f.fid, i) for f in prog.funcs for i, pn in enumerate(f.params)}
        self.calls_of: dict[int, list] = {}
        self.call_by_result = {c.result: c for c in prog.calls}
        self.load_of: dict | None = None  # load node -> Load (named properties), made on first use
        self.props_index: dict | None = None  # object literal -> its (key, values)
        self.props_params: dict[int, list] = {}  # rendering call -> parameters of the functions its props are
        self.reach_memo: dict[tuple, bool] = {}
        self.key_params: set | None = None  # (fid, parameter index) used as a computed key of a store
        self.callees: dict[int, list] = {}  # call id -> functions it calls
        self._callee_nodes: frozenset | None = None  # value nodes of callees (`x.filter` of `x.filter(f)`)
        for cid, fid, mode in solver.linked:
            if mode in ("plain", "call", "apply"):
                self.calls_of.setdefault(fid, []).append((prog.calls[cid], mode))

    def selectors(self, key: tuple, path: list[int] | None = None, anchors=(), sink: int | None = None) -> list[str]:
        """`anchors`: the nodes the element was read from (a source's object, a listener's target). A helper
        like `byId = id => document.getElementById(id)` is resolved at the call whose result they hold."""
        if len(key) == 2:
            return [key[1]]
        template, part = key[1], key[2]
        if part[0] == "attrs":
            return self._attr_selectors(template, part[1], path, sink)
        values: list[str] = []
        pi = self.param_of.get(part[1]) if part[0] == "ref" else None
        if pi is None and part[0] == "ref":
            prop = self._component_prop(part[1])
            found = self._prop_strings(*prop, path, sink) if prop is not None else ()
            if found:  # `<input name={name}/>` in `function Field({ name })`: its callers' props
                return sorted({template.replace("{0}", v) for v in found})
        if pi is None or not self.calls_of.get(pi[0]):
            # a constant, an element of a constant array, or a callback parameter fed from one
            return _or_any_field(template, sorted({template.replace("{0}", v) for v in self.prog.strings_of(part)}))
        fid, i = pi
        calls = self.calls_of.get(fid, [])
        near = self._calls_near(anchors, {id(c) for c, _m in calls}) if anchors else set()
        reaching = [(c, m) for c, m in calls if sink is not None and self._reaches(c.result, sink)] \
            if not near and len(calls) > 1 else []
        # the call that holds the element read is known (or is the only one): its caller's parameters may be
        # followed out to the caller's callers (`_arg_values`)
        narrowed = len(calls) == 1
        if near:
            narrowed = narrowed or len(near) < len(calls)
            calls = [(c, m) for c, m in calls if id(c) in near]
        elif reaching:  # `{email: val('email'), tel: val('tel')}`: every call whose value gets to the sink
            calls = reaching
        elif path:
            on_path = [c for c in (self.call_by_result.get(n) for n in path) if c is not None]
            chosen = [(c, m) for c, m in calls if any(c is x for x in on_path)]
            if chosen:
                calls = chosen
        for c, mode in calls:
            values.extend(self._arg_values(c, i + 1 if mode == "call" else i, sink, 0 if narrowed else 3))
        return _or_any_field(template, sorted({template.replace("{0}", v) for v in values}))

    def _arg_values(self, c, j: int, sink: int | None, depth: int = 0) -> list[str]:
        """The strings argument `j` of call `c` can be: a constant (`read(SEL)`), a template over constants
        (`$('#' + id)`), or a parameter of the caller, passed on by its own callers (`val = id =>
        byId(id).value`, `val('co-email')`: a helper over a helper), up to three calls out; of a helper's
        callers, those whose result reaches the sink when some do."""
        found = self.prog.arg_strings(c, j)
        if not found and j < len(c.tmpl_args) and c.tmpl_args[j]:
            found = self.prog.fold_template(c.tmpl_args[j])
        if found or depth >= 3 or j >= len(c.args):
            return list(found)
        out: list[str] = []
        for v in c.args[j]:
            pi = self.param_of.get(v)
            if pi is None:
                continue
            outer = self.calls_of.get(pi[0], [])
            if sink is not None and len(outer) > 1:
                reaching = [(c2, m2) for c2, m2 in outer if self._reaches_memo(c2.result, sink)]
                outer = reaching or outer
            for c2, m2 in outer:
                out.extend(self._arg_values(c2, pi[1] + 1 if m2 == "call" else pi[1], sink, depth + 1))
        return out


    def _reaches(self, start: int, goal: int, limit: int = 3000) -> bool:
        """Whether data at `start` can get to `goal`, with a return going back to the call the data came in
        through (the paths stage's call-site matching, one call deep): `#field('zip')` passed into a shared
        `#url(path)` helper does not come out of every other call of `#url`. Out of the heap, or past the
        innermost call, a return may go to any caller."""
        prog = self.prog
        succ = prog.graph.succ
        nfid = prog.fid
        arg_calls = prog.arg_edge_calls
        arg_kind, ret_kind = EDGE_KIND["a"], EDGE_KIND["r"]
        seen = {(start, None)}
        todo = [(start, None)]
        while todo and len(seen) < limit:
            n, ctx = todo.pop()
            if n == goal:
                return True
            for m, attrs in succ.get(n, _NO_EDGES).items():
                if attrs is arg_kind:
                    calls = arg_calls.get((n, m))
                    nxt = frozenset(calls) if calls else None
                elif attrs is ret_kind:
                    if ctx is not None and m not in ctx:
                        continue  # returned to a call the data did not come in through
                    nxt = None
                else:
                    nxt = None if nfid[m] == HEAP else ctx
                st = (m, nxt)
                if st not in seen:
                    seen.add(st)
                    todo.append(st)
        return False

    def _calls_near(self, anchors, wanted: set, limit: int = 40) -> set:
        pred = self.prog.graph.pred
        seen = set(anchors)
        todo = list(anchors)
        out = set()
        while todo and len(seen) < limit:
            n = todo.pop()
            c = self.call_by_result.get(n)
            if c is not None and id(c) in wanted:
                out.add(id(c))
                continue
            for m in pred.get(n, ()):
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        return out

    def _component_prop(self, nid: int, limit: int = 8) -> tuple | None:
        """(fid, prop) when `nid` is a property of the first parameter of a function the scan calls with object
        literals (a component rendered as `<Field name="email"/>`: `function Field({ name })` or `props.name`)."""
        prog = self.prog
        if self.load_of is None:
            self.load_of = {ld.nid: ld for ld in prog.loads if ld.prop}
        pred = prog.graph.pred
        seen = {nid}
        todo = [nid]
        while todo and len(seen) < limit:
            n = todo.pop()
            ld = self.load_of.get(n)
            if ld is not None:
                for b in ld.base:
                    pi = self.param_of.get(b)
                    if pi is not None and pi[1] == 0 and self.calls_of.get(pi[0]):
                        return pi[0], ld.prop
                continue
            for m in pred.get(n, {}):
                if m not in seen and prog.kind[m] in ("var", "load"):
                    seen.add(m)
                    todo.append(m)
        return None

    def _attr_selectors(self, base: str, pairs, path, sink: int | None) -> list[str]:
        """`<input id={id} name={id} autoComplete={autoComplete}/>` in `function Field({ id, autoComplete })`:
        a selector per element rendering it, from the constants that element passes (`input#coupon[name=
        "coupon"][autocomplete="off"]`), so every attribute counts as on a page. When the attributes are no
        component's props: the constants the first one can be; when nothing is known, the bare element (as
        with no attribute written)."""
        props = [(attr, self._component_prop(nid)) for attr, nid in pairs]
        fids = {pr[0] for _a, pr in props if pr is not None}
        if len(fids) != 1:
            attr, nid = pairs[0]
            return sorted({base + _attr_part(attr, v) for v in self.prog.strings_of(("ref", nid))}) or [base]
        out = set()
        for _c, lits in self._rendering_calls(fids.pop(), path, sink):
            sel = base
            for attr, pr in props:
                vals = sorted({v for o in lits for v in self._lit_strings(o, pr[1])}) if pr is not None else []
                if len(vals) == 1:
                    sel += _attr_part(attr, vals[0])
            if sel != base:
                out.add(sel)
        return sorted(out) or [base]

    def _lit_strings(self, o: int, prop: str) -> list[str]:
        prog = self.prog
        sv = prog.literal_strs.get((o, prop))
        if sv is not None:
            return [sv]
        out: list[str] = []
        for v in prog.literal_props.get((o, prop), ()):
            out.extend(prog.strings_of(("ref", v)))
        return out

    def _prop_strings(self, fid: int, prop: str, path, sink: int | None) -> list[str]:
        """The constants the calls of component `fid` pass as `prop`."""
        return [v for _c, lits in self._rendering_calls(fid, path, sink) for o in lits
                for v in self._lit_strings(o, prop)]

    def _rendering_calls(self, fid: int, path, sink: int | None) -> list[tuple]:
        """The calls of `fid` with object literals (the elements rendering a component), with those literals.
        When a function one of them passes as a prop is called back with what reaches the sink (`<Field
        name="promo" onCommit={(v) => …}/>`, or `onChange={set('zip')}` made by a helper), only those: React
        renders one instance per element, each calling back its own props."""
        prog = self.prog
        calls = []
        for c, mode in self.calls_of.get(fid, ()):
            if mode != "plain" or not c.args:
                continue
            lits = [o for o in c.args[0] if prog.kind[o] == "object"]
            if lits:
                calls.append((c, lits))
        if len(calls) > 1 and (path or sink is not None):
            on_path = set(path or ())
            chosen = []
            objs = prog.objs
            funcs = prog.funcs
            for c, lits in calls:
                params = self.props_params.get(c.cid)
                if params is None:
                    # the functions this element's props are: written there, or made by a helper (`set('zip')`)
                    vals = [v for _k, vs in self._lit_props(lits) for v in vs]
                    fns = {prog.fnode_fid[v] for v in vals if v in prog.fnode_fid}
                    fns.update(objs[o][1] for o in self.solver.objects(vals) if objs[o][0] == "fn")
                    params = self.props_params[c.cid] = sorted({pn for f in fns for pn in funcs[f].params})
                # called back with the value (`onChange(e.target.value)`), which this path or the sink gets
                if not (any(pn in on_path for pn in params) or (sink is not None and len(calls) <= _MAX_REACH_CALLS
                                                                and any(self._reaches_memo(pn, sink) for pn in params))):
                    continue
                keys = self._helper_keys(lits) if sink is not None and len(calls) <= _MAX_REACH_CALLS else []
                named = [n for n in (prog.named.get((kind, k)) for k in keys for kind in ("p", "pl")) if n is not None]
                if keys and not any(self._reaches_memo(n, sink) for n in named):
                    continue  # `set('address1')` stores under `address1`, which this sink never reads
                chosen.append((c, lits))
            if chosen:
                calls = chosen
        return calls

    def _helper_keys(self, lits: list) -> list[str]:
        """The keys a prop made by a helper call stores its value under: `onChange={set('email')}` with `set =
        (key) => (value) => setForm((f) => ({...f, [key]: value}))` stores under `email` (every element's
        callback is the one closure, so the key it was made with tells the elements apart)."""
        prog = self.prog
        if self.key_params is None:
            self.key_params = set()
            pred = prog.graph.pred
            for st, part, *_rest in prog.deferred_keys:
                if not isinstance(st, Store) or part[0] != "ref":
                    continue
                seen = {part[1]}
                todo = [part[1]]
                while todo and len(seen) < 8:
                    n = todo.pop()
                    pi = self.param_of.get(n)
                    if pi is not None:
                        self.key_params.add(pi)
                        continue
                    for m in pred.get(n, {}):
                        if m not in seen and prog.kind[m] in ("var", "param"):
                            seen.add(m)
                            todo.append(m)
            for cid, fid, mode in sorted(self.solver.linked, key=lambda t: (t[0], t[1], str(t[2]))):
                if mode == "plain":
                    self.callees.setdefault(cid, []).append(fid)
            # only where the key's stores were linked to its properties (analyzer/models/keys.py): a few keys
            for fid, i in sorted(self.key_params):
                ks = {c.str_args[i] for c, m in self.calls_of.get(fid, ()) if m == "plain" and i < len(c.str_args)} - {None}
                if not 1 < len(ks) <= MAX_CANDIDATES:
                    self.key_params.discard((fid, i))
        out = []
        for _k, vals in self._lit_props(lits):
            for v in vals:
                c = self.call_by_result.get(v)
                if c is None:
                    continue
                for fid in self.callees.get(c.cid, ()):
                    out.extend(c.str_args[i] for i in range(len(c.str_args))
                               if c.str_args[i] and (fid, i) in self.key_params)
        return sorted(set(out))

    def callee_nodes(self) -> frozenset:
        """The nodes a call's callee is read through (a method's load: `.filter` of `[a, b].filter(Boolean)`)."""
        if self._callee_nodes is None:
            self._callee_nodes = frozenset(v for c in self.prog.calls for v in c.callee)
        return self._callee_nodes

    def _reaches_memo(self, start: int, goal: int) -> bool:
        hit = self.reach_memo.get((start, goal))
        if hit is None:
            hit = self.reach_memo[(start, goal)] = self._reaches(start, goal)
        return hit

    def _lit_props(self, lits: list) -> list:
        if self.props_index is None:
            self.props_index = {}
            for (o, k), vals in self.prog.literal_props.items():
                self.props_index.setdefault(o, []).append(((o, k), vals))
        return [(k, vals) for o in lits for (_o, k), vals in self.props_index.get(o, ())]


_MAX_REACH_CALLS = 32  # elements of one component tested for reaching a sink (else: the witness path's only)


def _attr_part(attr: str, v: str) -> str:
    """One attribute of a selector, as an element's static attributes are written (extract/decl.py)."""
    return f'#{v}' if attr == "id" and v.replace("-", "").replace("_", "").isalnum() else f'[{attr}="{v}"]'


def _specific(sel: str) -> bool:
    """Whether one selector (of a list) names its fields: `[data-lookup]`, `.zip`, `#email` (the page says
    which fields), or `zip-lookup input` (a component's own field, `this.querySelector('input')`)."""
    words = re.split(r"[\s>+~]+", sel.strip())
    if any(ch in words[-1] for ch in "[.#"):
        return True
    return len(words) > 1 and _CUSTOM_TAG.match(words[0]) is not None


def _selector_info(sel: str, classifier, html_matches) -> tuple[set, str, bool]:
    """What a selector reads (kinds, description, hidden-only), from the pages or its own words."""
    specific = all(_specific(part) for part in selector_list(sel) or [sel])
    shown = html_matches(sel) if sel != "*" else []
    # (a container the pages show, no form and no page: what it holds says, below)
    container = bool(shown) and all(t.name not in ("form", "body", "html") for t in shown) and not any(
        t.name in ("input", "select", "textarea") for t in shown)
    if sel == "*" or (classifier.is_catch_all_selector(jquery_css(sel)) and not container and not (
            specific and any(t.name in ("input", "select", "textarea") for t in shown))):
        return {"any_field"}, ("any field of the page" if sel == "*" else sel), False
    matched = shown
    tags = [t for t in matched if t.name in ("input", "select", "textarea", "form")]
    if not tags and matched:
        # a listener on a small container that is no field (`<cart-note>` around its textarea): the event
        # comes from a field inside it. A bigger one (a whole checkout panel) says no more than its name.
        inner = [d for t in matched[:4] for d in t.find_all(("input", "select", "textarea"), limit=8)
                 if (d.get("type") or "").lower() not in _NOT_TYPED]
        if len(inner) <= _SMALL_CONTAINER:
            tags = inner
    if tags and all(t.name == "input" and (t.get("type") or "").lower() == "hidden" for t in tags):
        return set(), sel, True
    kinds = set()
    for t in tags:
        if t.name == "form":
            kinds.add("any_field")
            continue
        attrs = {k.lower(): (" ".join(v) if isinstance(v, list) else str(v)) for k, v in t.attrs.items()}
        kinds.add(classifier.field_kind(attrs, _label_for(t), t.name))
    if not kinds and _FORM_SELECTOR.search(sel):
        kinds.add("any_field")  # `form#checkout`: whatever field of that form the event comes from
    if not kinds:  # no page shows the field: every part of the selector says what it is
        kinds.update(classifier.selector_kinds(sel) or ["other"])
    if NOT_PERSONAL in kinds:  # quantity, shipping method, coupon…: not personal data, not a source
        kinds.discard(NOT_PERSONAL)
        if not kinds:
            return set(), sel, True
    return kinds, (_html_selector(tags[0]) if sel.startswith("@html:") and tags else sel), False


# inputs nobody types into: a container's field reads come from the others
_NOT_TYPED = frozenset({"submit", "button", "reset", "image", "hidden"})
_SMALL_CONTAINER = 3
_CUSTOM_TAG = re.compile(r"^[a-z][a-z0-9]*-[a-z0-9-]*$")  # `zip-lookup`: a custom element's tag
# `e`, `t.n`, `e[t]`, `n[0]`: an expression of a minifier's one- and two-letter names (and indexes)
_MINIFIED_NAME = re.compile(r"^[A-Za-z_$][\w$]?(?:\.[A-Za-z_$][\w$]?|\[(?:[A-Za-z_$][\w$]?|\d+)\])*$")
_NOT_ELEMENT_KINDS = NOT_ELEMENT_KINDS


def _not_an_element(key: tuple, rules, prop_read: bool = False) -> bool:
    """True for an abstract object that cannot be a form field: see _NOT_ELEMENT_KINDS; the page's
    catch-all globals themselves (`window.value`, `document.value`: a catch-all listener's `e.target` is
    the object `E *`, see link/solve.py `_event_target`); and a built-in global of the language or the browser
    or an instance of one (`Object.prototype`, `JSON`, `%XMLHttpRequest`: rules `builtin_globals`)."""
    if key[0] in _NOT_ELEMENT_KINDS:
        return True
    if key[0] != "G":
        return False
    path_ = rules.normalize_path(key[1])
    if path_ == "<global>" or path_ in rules.catch_all_globals:
        return True
    if prop_read and path_.startswith("document.") and path_.count(".") == 1 and path_ != "document.activeElement":
        return True  # `document.checkout.value`: a form (by its name) has no value; its fields do
    return rules.is_builtin(path_)


def _field_info(prog, solver, classifier, src, html_matches, rules, resolver, flow
                ) -> tuple[list[str], list[str], bool]:
    """Categories, human field descriptions, whether the field was resolved (for confidence). The flow's
    path (built on request, see `analyzer.paths.Flow`) is read only where it decides: which keys of a keyed
    source reach the sink, which element the read is on, what the path's property names call the field."""
    hidden_only = False
    if src.catch_all:
        kinds = _catch_all_kinds(solver, prog, src, resolver, html_matches, classifier)
        if kinds == []:
            return [], [], False  # `$('.toolbar :input').serialize()` of sort and filter controls only
        return (kinds or ["any_field"]), [src.how], True
    if src.how in rules.keyed_sources or src.how == FORM_VALUES:  # the typed fields by name: the properties read name them
        path = flow.path
        kinds = _keyed_kinds(prog, classifier, resolver, src, path[-1] if path else None)
        return (kinds, [src.how], True) if kinds else ([], [], False)
    cats: set[str] = set()
    descs: list[str] = []
    resolved = False
    ev_regs = _event_regs(prog, solver, src.base)  # the registrations whose event target the read is on
    objs, anchors = _call_site_base(prog, solver, src, resolver, flow, tuple(rg.target for rg in ev_regs))
    todo = [(o, anchors, False) for o in objs]
    prop_read = src.how in rules.source_props
    # `(window.CART || { value: 0, contents: [] }).value`: a global the page's data may fill, whose fallback
    # literal has the property read: data, not an element found by its id
    data_shaped = prop_read and any(prog.objs[o][0] == "O" and (prog.objs[o][1], src.how) in prog.literal_props
                                    for o, _a, _t in todo) \
        and all(prog.objs[o][0] in ("O", "G") for o, _a, _t in todo)
    if todo and (data_shaped or all(_not_an_element(prog.objs[o], rules, prop_read) for o, _a, _t in todo)
                 or any(prog.objs[o][0] == "IT" for o, _a, _t in todo)):
        # `{value: e}.value`, `JSON.value`, `email.value` of a framework ref (state): what the read is from
        # is known, and it is no element; the read is a field read only when the object is unknown or may
        # be an element. An iterator step's `.value` is the element itself (`for…of` transpiled), never
        # what was typed into it, whatever else the imprecise points-to set holds.
        return [], [], False
    seen = set()
    # the guards of the registrations whose events the read is on (`if (el.name === 'order_comments')
    # el.addEventListener('keyup', …)` over every field of a form)
    reg_guards: set = {rg.guard for rg in ev_regs}
    while todo:
        o, anchors, targeted = todo.pop()
        if o in seen:
            continue
        seen.add(o)
        key = prog.objs[o]
        if key[0] == "EV":
            tgt = prog.regs[key[1]].target
            reg_guards.add(prog.regs[key[1]].guard)
            todo.extend((t, (tgt,), True) for t in solver.objects((tgt,)))  # what the event is on
            continue
        sels: list[str] = []
        if key[0] == "G" and not targeted and _not_an_element(key, rules, prop_read):
            continue  # `document.value` beside an element in an imprecise points-to set
        if key[0] == "G":
            path_ = rules.normalize_path(key[1])
            dom = _dom_path(path_, rules)  # `document.shadowRoot`, `document.x.parentNode`: nodes, no forms
            name = None if dom else _legacy_form_field(path_)
            if name:  # document.order.elements['o_tel'], document.form1.email
                sels = [f'[name="{name}"]']
            elif path_ in rules.catch_all_globals or path_ == "<global>" or (path_.startswith("document.")
                                                                              and not dom):
                cats.add("any_field")  # the whole page, or a whole form
                descs.append(f"any field of {path_ if path_ != '<global>' else 'the page'}")
                resolved = True
                continue
        elif key[0] == "E":
            path = flow.path
            sels = resolver.selectors(key, path, anchors, path[-1] if path else None)
        for sel in sels:
            resolved = True
            info = resolver.sel_cache.get(sel)
            if info is None:
                info = resolver.sel_cache[sel] = _selector_info(sel, classifier, html_matches)
            kinds, desc, hidden = info
            if hidden:
                hidden_only = True  # a hidden input holds what the server put there, nobody types into it
                continue
            cats |= kinds
            descs.append(desc)
    if not cats and hidden_only:
        return [], [], False
    if not cats:
        k = classifier.selector_kind(src.text) if src.text else None
        if k == NOT_PERSONAL:
            return [], [], False
        if k:
            resolved = True
        elif not src.guard and (not src.text or src.text == src.how or _MINIFIED_NAME.match(src.text)):
            # `e.value`, `e[t].value` of an object nothing resolves, named by a minifier (or
            # `({value: e}) => …` of one, named by nothing): no evidence of a field at all (SDK bundles read `.value` of options,
            # attributes and iterator steps by the hundred)
            return [], [], False
        if k is None:
            k = _path_name_kind(prog, classifier, flow.path)  # `{first_name: ui.first.value}` names the field
        cats.add(k or "other")
        descs.append(src.text or src.how)
    guard = src.guard or (next(iter(reg_guards)) if len(reg_guards) == 1 else None)
    if guard and (not cats or cats <= {"any_field", "other"}):
        # a catch-all listener's read limited by a test of the field's name: that field
        kinds, desc, hidden = _selector_info(guard, classifier, html_matches)
        if hidden and not kinds:
            return [], [], False
        if kinds:
            cats, descs, resolved = set(kinds), [desc], True
    if "any_field" in cats:
        cats = {"any_field"}
    return sort_categories(cats), sorted(set(descs)), resolved


def _call_site_base(prog, solver, src, resolver, flow, targets: tuple) -> tuple[list, tuple]:
    """What the read is on, and the nodes it was read from (the anchors an element made by a helper is
    resolved at). `value = (el) => el.value.trim()` called as `value(this.email)`, `value(this.name)` and
    `value(this.phone)`: its parameter is every element any call passes, but when the value leaves the
    helper by its return (the first node of the flow's path outside the helper is the result of a call of
    it), the elements are those passed by the calls whose result reaches this sink, read from those calls'
    arguments. Else (the read's base is no parameter, the value leaves otherwise, no call's result reaches
    the sink) every object of the base, read from the base and from `targets` (the target nodes of the
    registrations whose event `ev.target` is read from: an element a helper finds, `this.field('email')`,
    one template for every call, is resolved at the call that made that registration's element)."""
    objs = solver.objects(src.base)
    whole = (sorted(objs), tuple(src.base) + targets)
    if len(src.base) != 1 or not objs:
        return whole
    hit = resolver.param_of.get(src.base[0])
    if hit is None or hit[0] != src.fid:
        return whole
    fid, i = hit
    path = flow.path
    if not path:
        return whole
    funcs = prog.funcs
    exit_call = None
    for n in path:
        nf = prog.fid[n]
        if nf == fid or (nf >= 0 and nested_in(funcs, fid, nf, 64)):
            continue
        exit_call = resolver.call_by_result.get(n)
        break
    if exit_call is None:
        return whole
    sink = path[-1]
    narrowed: set = set()
    args: set = set()
    for c, mode in resolver.calls_of.get(fid, ()):
        j = i + 1 if mode == "call" else i
        if mode == "apply" or j >= len(c.args) or not resolver._reaches_memo(c.result, sink):
            continue
        narrowed |= solver.objects(c.args[j])
        args.update(c.args[j])
    narrowed &= objs
    return (sorted(narrowed), tuple(sorted(args))) if narrowed else whole


def _event_regs(prog, solver, base) -> list:
    """`(ev.target).value` in a handler: the registrations whose event `ev` is."""
    out = []
    loads = [b for b in base if prog.kind[b] == "load"]
    for b in base:  # `({ target }) => target.value`: the variable the destructuring read goes into
        if prog.kind[b] == "var" and prog.label[b] in EVENT_TARGET_PROPS:
            loads.extend(m for m in prog.graph.pred.get(b, ()) if prog.kind[m] == "load")
    for b in loads:
        if prog.label[b] not in EVENT_TARGET_PROPS:
            continue
        for o in sorted(solver.objects(prog.load_base.get(b, ()))):
            key = prog.objs[o]
            if key[0] == "EV":
                out.append(prog.regs[key[1]])
    return out


def _path_name_kind(prog, classifier, path) -> str | None:
    """A field nothing resolves (built by the script, read through names that say nothing): the first
    property name along the path that names a kind of field (`{first_name: ui.first.value}` is a name),
    if any. Only a personal kind counts."""
    for n in path or ():
        if prog.kind[n] in ("prop", "load"):
            k = classifier.keyword_kind(prog.label[n])
            if k and k not in (NOT_PERSONAL, "other"):
                return k
    return None


def _keyed_kinds(prog, classifier, resolver, src, sink) -> list[str]:
    """`customer.billingAddress.email`: each property read from the store's result on the way to the
    sink names a field; none at all (the whole object is sent) is every field."""
    succ = prog.graph.succ
    seen = {src.nid}
    todo = [src.nid]
    kinds: set[str] = set()
    loads = []
    while todo and len(seen) < 400:
        n = todo.pop()
        for m in succ.get(n, ()):
            if m in seen:
                continue
            seen.add(m)
            if prog.kind[m] == "load":
                loads.append(m)
            todo.append(m)
    pred = prog.graph.pred
    # a method read to be called (`[values.firstName].filter(Boolean)`, `.sort()`) names no field
    callees = resolver.callee_nodes()
    loads = [m for m in loads if m not in callees]
    containers = set()  # `customer.billingAddress` when `.email` is read from it next (not `.trim()`)
    for m in loads:
        if not classifier.keyword_kind(prog.label[m]):
            continue
        for b in prog.load_base.get(m, ()):
            containers.add(b)
            containers.update(pred.get(b, ()))
    for m in loads:
        if m in containers:
            continue
        k = classifier.keyword_kind(prog.label[m])
        if k and sink is not None and resolver._reaches(m, sink):
            kinds.add(k)
    if kinds == {NOT_PERSONAL}:
        return []  # only not-personal fields are read (`values.quantity`): no personal data leaves
    kinds.discard(NOT_PERSONAL)
    specific = kinds - {"other"}
    return sort_categories(specific or kinds or {"any_field"})


def _catch_all_kinds(solver, prog, src, resolver, html_matches, classifier) -> list[str] | None:
    """What a catch-all read (serialize, FormData) of elements the pages show captures: None for a whole form
    or page, or elements not all resolved (any field); else the kinds of the fields of the part of a form
    it covers (`$('[data-address] :input').serialize()`: name, address, postal code), empty when they are
    all not personal data (or hidden)."""
    fields = []
    for o in solver.objects(src.base):
        key = prog.objs[o]
        if key[0] == "G" and key[1].startswith("%"):
            continue  # the type of a factory's result (`%jQuery`), not an element
        if key[0] != "E":
            return None
        for sel in resolver.selectors(key, None, tuple(src.base)):
            tags = html_matches(sel)
            if not tags:
                return None
            whole = sel == "*" or classifier.is_catch_all_selector(jquery_css(sel)) \
                or any(t.name == "form" for t in tags)
            for t in tags:
                fields += [t] if t.name in ("input", "select", "textarea") else t.find_all(("input", "select",
                                                                                           "textarea"))
            if whole:
                fields.append(None)  # a whole form or page (`:input`): any field, whichever is filled in
    if not fields:
        return None
    kinds: set[str] = set()
    for t in fields:
        if t is None:
            continue
        attrs = {k.lower(): (" ".join(v) if isinstance(v, list) else str(v)) for k, v in t.attrs.items()}
        typ = attrs.get("type", "").lower()
        if typ in ("hidden", "submit", "button", "reset", "image"):
            continue
        kind = classifier.field_kind(attrs, _label_for(t), t.name)
        if kind != NOT_PERSONAL:
            kinds.add(kind)
    if not kinds:
        return []
    if None in fields or not _part_of_form([t for t in fields if t is not None]):
        return None
    return sort_categories(kinds)


def _part_of_form(fields) -> bool:
    """Whether the fields leave out some typed field of each form they are in (a fieldset, not the form)."""
    ids = {id(t) for t in fields}
    forms = {id(f): f for f in (t.find_parent("form") for t in fields) if f is not None}
    if not forms:
        return False  # fields outside any form: told apart by nothing
    for form in forms.values():
        if not any(id(t) not in ids and (t.get("type") or "").lower() not in _NOT_TYPED
                   for t in form.find_all(("input", "select", "textarea"))):
            return False
    return True


_FORM_SELECTOR = re.compile(r"(?:^|[\s>+~,])form(?:[#.\[:][^\s>+~,]*)?\s*$", re.I)
_DOCUMENT_NON_FORMS = frozenset({"body", "documentElement", "head", "location", "activeElement", "cookie",
                                 "defaultView", "scripts", "images", "links", "all"})


def _dom_path(path: str, rules) -> bool:
    """`document.contentDocument`, `document.doc.previousSibling`: a walk over DOM nodes (a recorder's),
    not a form or field named under `document` (a segment after `document` is a node property)."""
    segs = path.split(".")
    return segs[0] == "document" and any(s in rules.element_properties and s not in ("forms", "elements")
                                         for s in segs[1:])


def _legacy_form_field(path: str) -> str | None:
    """The field a legacy DOM path names: `document.order.elements.o_tel`, `document.forms.order.o_tel`,
    `document.form1.email` (forms and their fields by name); None for anything else."""
    segs = path.split(".")
    if len(segs) < 3 or segs[0] != "document" or segs[1] in _DOCUMENT_NON_FORMS:
        return None
    if "elements" in segs:
        i = segs.index("elements")
        return segs[i + 1] if i + 1 < len(segs) and segs[i + 1] != "[]" else None
    if segs[1] == "forms":
        return segs[3] if len(segs) > 3 and segs[3] != "[]" else None
    return segs[2] if segs[2] != "[]" else None


def _label_for(tag) -> str:
    soup = tag
    while soup.parent is not None:
        soup = soup.parent
    if tag.get("id"):
        lab = soup.find("label", attrs={"for": tag["id"]})
        if lab is not None:
            return " ".join(lab.get_text(" ", strip=True).split())
    par = tag.find_parent("label")
    if par is not None:
        return " ".join(par.get_text(" ", strip=True).split())
    # the text just before it (a `<th>` of its table row, `お届け希望日`), not the blanks between the tags
    for prev in tag.find_all_previous(string=True, limit=4):
        if prev.strip():
            return prev.strip()[:40]
    return ""


def _resolve_tmpl(prog, parts, depth: int = 0) -> str | None:
    if parts is None:
        return None
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif part[0] == "ref" and depth < 4:
            t = _const_of(prog, part[1])
            sub = _resolve_tmpl(prog, t, depth + 1) if t is not None else None
            out.append(sub if sub is not None else "*")
        else:
            out.append("*")
    s = "".join(out)
    while "**" in s:
        s = s.replace("**", "*")
    return s if s.strip("*") else None


def _const_of(prog, nid: int):
    """The one string template assigned to a variable (following ref↔var links), if there is one."""
    pred = prog.graph.pred
    seen = {nid}
    todo = [nid]
    found = []
    while todo and len(seen) < 20:
        n = todo.pop()
        if n in prog.consts:
            found.extend(prog.consts[n])
            continue
        for m in pred.get(n, ()):
            if m not in seen and prog.kind[m] in ("var", "global"):
                seen.add(m)
                todo.append(m)
    uniq = {repr(f): f for f in found}
    return next(iter(uniq.values())) if len(uniq) == 1 else None


def _anchor(prog, kind: str, rec) -> Location | None:
    """Where a minifier cannot have moved the sink: a call's argument list, a store's property."""
    at = rec.args_start if kind == "call" else getattr(rec, "prop_start", -1)
    return _loc(prog, rec.uid, at, at + 1) if at >= 0 else None


def _loc(prog, uid, start, end) -> Location:
    line, col, eline, ecol = prog.location(uid, start, end)
    return Location(prog.units[uid].rel, line, col, eline, ecol)


STEP_TEXT = {
    "var": "held in `{}`", "global": "stored in global `{}`", "prop": "stored in property `.{}`",
    "load": "read from `.{}`", "call": "passed through `{}(…)`", "return": "returned from `{}`",
    "param": "passed as an argument", "object": "put into an object", "array": "put into an array",
    "storage": "kept in web storage under `{}`", "export": "exported as `{}`", "this": "bound to `this`",
}


def _same_variable(prog, prev: int, n: int) -> bool:
    return prog.kind[prev] in ("var", "global") and prog.label[prev] == prog.label[n]


def _steps(prog, flow, sink_loc: Location, sink_snip: str, api: str, field_desc: str) -> list[PathStep]:
    steps: list[PathStep] = []
    last_line = None
    path = flow.path
    for i, n in enumerate(path):
        kind = prog.kind[n]
        uid = prog.unit[n]
        if i == 0:
            loc = _loc(prog, uid, prog.pos[n], prog.pos[n] + 1)
            steps.append(PathStep(loc, f"reads {field_desc} ({prog.label[n]})",
                                  prog.snippet(uid, prog.pos[n], prog.pos[n] + 1)))
            last_line = (loc.path, loc.line)
            continue
        if i == len(path) - 1:
            break
        if uid < 0 or prog.pos[n] < 0 or kind in ("merge", "target", "source"):
            continue
        if kind in ("var", "global") and _same_variable(prog, path[i - 1], n):
            # The same variable seen from another function (a closure, a global): its node sits at that
            # function's first mention of the name, often a check like `if (!buf.length) return;` that
            # carries nothing. The data's way on is the next step, where the variable is used.
            continue
        text = STEP_TEXT.get(kind)
        if text is None:
            continue
        loc = _loc(prog, uid, prog.pos[n], prog.pos[n] + 1)
        if (loc.path, loc.line) == last_line and kind not in ("return", "param"):
            continue
        last_line = (loc.path, loc.line)
        steps.append(PathStep(loc, text.format(prog.label[n]), prog.snippet(uid, prog.pos[n], prog.pos[n] + 1)))
    steps.append(PathStep(sink_loc, f"sent by {api}", sink_snip))
    return steps


def build_findings(prog, rules, classifier, solver, roots, sink_list, flows, html_matches, origin,
                   fault=None) -> list[Finding]:
    """One finding per sink reached by a flow. `fault(exc, uid)` turns an exception while building the
    finding of a sink in unit `uid` into the exception to raise (the engine's per-file isolation)."""
    resolver = SelectorResolver(prog, solver)
    by_sink: dict[int, list] = {}
    # one finding per sink in the code: copies of a helper (analyzer/extract/clones.py) share its sinks
    canon: dict[tuple, int] = {}
    same: dict[int, int] = {}
    for i, (kind, rec, rule) in enumerate(sink_list):
        same[i] = canon.setdefault((kind, rec.uid, rec.start, rec.end, rule.api), i)
    for fl in flows:
        by_sink.setdefault(same.get(fl.sink_key, fl.sink_key), []).append(fl)
    out: list[Finding] = []
    for idx, fls in by_sink.items():
        kind, rec, rule = sink_list[idx]
        try:
            f = _finding(prog, rules, classifier, solver, roots, resolver, kind, rec, rule, fls, html_matches,
                         origin)
        except Exception as e:
            if fault is None:
                raise
            raise fault(e, rec.uid) from e
        if f is not None:
            out.append(f)
    out.sort(key=lambda f: (f.sink.path, f.sink.line, f.sink.col, f.rule_id, f.sink_api))
    return out


def _finding(prog, rules, classifier, solver, roots, resolver, kind, rec, rule, fls, html_matches, origin
             ) -> Finding | None:
    cats: set[str] = set()
    descs: set[str] = set()
    trig_ids: set[int] = set()
    resolved_all = True
    best = None
    infos = [(fl, *_field_info(prog, solver, classifier, fl.source, html_matches, rules, resolver, fl))
             for fl in fls]
    infos = [x for x in infos if x[1]]  # reads of hidden inputs only: nothing typed
    if not infos:
        return None
    if any(r for _fl, _c, _d, r in infos):
        # a `.value` read on something unknown and unnamed adds nothing next to fields we know
        infos = [x for x in infos if x[3]]
    for fl, c, d, resolved in infos:
        resolved_all &= resolved
        cats |= set(c)
        descs |= set(d)
        trig_ids |= fl.triggers
        if best is None or (len(fl.path), fl.source.start) < (len(best[0].path), best[0].source.start):
            best = (fl, ", ".join(d))
    if "any_field" in cats:  # a catch-all read already covers the specific fields next to it
        cats = {"any_field"}
    sink_loc = _loc(prog, rec.uid, rec.start, rec.end)
    snip = prog.snippet(rec.uid, rec.start, rec.end)
    if kind == "call":
        if rule.url_arg is not None and rule.url_arg < len(rec.tmpl_args) and rec.tmpl_args[rule.url_arg]:
            dest = _resolve_tmpl(prog, rec.tmpl_args[rule.url_arg])
        else:
            dest = _resolve_tmpl(prog, rec.obj_url)
    else:
        dest = _resolve_tmpl(prog, rec.tmpl) if rule.url_arg is not None else None
    dest = strip_userinfo(dest)  # a `user:password@` in a URL is never reported
    if rule.vendor:
        party, vendor = "third_party", rule.vendor
    else:
        party, vendor = classifier.destination(dest, origin)
    catch_all = "any_field" in cats
    sev, rule_id, rule_name = severity(sorted(cats), party, catch_all)
    triggers = []
    for rid in sorted(trig_ids, key=lambda r: (roots[r].event, roots[r].uid, roots[r].start)):
        rt = roots[rid]
        loc = _loc(prog, rt.uid, rt.start, rt.end) if rt.uid >= 0 else None
        triggers.append(TriggerInfo(rt.event, loc, rt.description))
    fn = prog.funcs[rec.fid]
    fname = "<top>" if fn.top else fn.name
    if len(fname) <= 2 and fname.isidentifier():
        fname = "<minified>"  # `function n(t){…}`: a rebuilt bundle renames it; keep fingerprints stable
    events = sorted({t.event for t in triggers})
    confidence = "high" if resolved_all and kind == "call" and rec.cid not in solver.fallback_calls else "medium"
    if kind == "store":
        confidence = "high" if resolved_all else "medium"
    fields = sorted(descs)
    where = dest or "an unresolved destination"
    who = f" ({vendor})" if vendor else ""
    msg = (f"{', '.join(sort_categories(cats))} from {', '.join(fields)} is sent via {rule.api} to {where}"
           f" [{party}{who}] on {', '.join(events)}, before the form is submitted")
    return Finding(rule_id=rule_id, rule_name=rule_name, severity=sev, confidence=confidence,
                   categories=sort_categories(cats), fields=fields, triggers=triggers, sink_api=rule.api,
                   sink=sink_loc, sink_snippet=snip, destination=dest, party=party, vendor=vendor,
                   function=fname, steps=_steps(prog, best[0], sink_loc, snip, rule.api, best[1]),
                   message=msg, sink_anchor=_anchor(prog, kind, rec))
