"""Stage 4 (linking passes): what the solver does once its first propagation has run — framework and
idiom passes (registration helpers, event buses and custom events, React effects, Knockout subscriptions,
accessors, which receivers a class method's `this` takes), the functions that escape to outside callers, and the field-sensitivity pass over object
literals and browser objects. A mixin of `solve.Solver`.
"""
from __future__ import annotations

from analyzer.program import EDGE_KIND, NOT_ELEMENT_KINDS, Call, Registration, Store, member_name_part

PTS_CAP = 16  # objects per node (element descriptors, global paths, event objects); the solver caps there


class LinkPasses:
    def escaping(self) -> set[int]:
        """Functions that reach code outside their own declaration: stored in a property or literal,
        exported, returned, or handed to a call (so something outside the scan may call them)."""
        p = self.p
        objs = p.objs
        out: set[int] = set()
        holders = [n for n in range(len(p.kind)) if p.kind[n] in ("prop", "export", "return", "object", "array")]
        for c in p.calls:
            for a in c.args:
                holders.extend(a)
        for n in holders:
            for o in self.pts.get(n, ()):
                key = objs[o]
                if key[0] == "fn":
                    out.add(key[1])
        return out

    def _registration_wrappers(self) -> None:
        """`const on = (el, type, fn) => el.addEventListener(type, fn)`: a registration whose event name
        is a parameter is a helper; each call of the helper is a registration of its own, with that call's
        event name, handler and element."""
        p = self.p
        param_of = {pn: (f.fid, i) for f in p.funcs for i, pn in enumerate(f.params)}
        pred = p.graph.pred
        calls_of: dict[int, list[tuple[Call, str]]] = {}
        for cid, fid, mode in self.linked:
            if mode in ("plain", "call"):
                calls_of.setdefault(fid, []).append((p.calls[cid], mode))
        for rg, part in list(p.deferred_events):
            if rg.events or part[0] != "ref" or part[1] not in param_of:
                continue
            fid, ei = param_of[part[1]]
            hi = self._wrapper_param(rg.handler, fid, param_of)
            ti = next((param_of[v][1] for v in pred.get(rg.target, ()) if v in param_of and param_of[v][0] == fid),
                      None)
            for c, mode in sorted(calls_of.get(fid, ()), key=lambda cm: cm[0].cid):
                off = 1 if mode == "call" else 0
                ev = c.str_args[ei + off] if ei + off < len(c.str_args) else None
                if not ev or hi is None or hi + off >= len(c.args):
                    continue
                tn = p.node("target", "", c.uid, c.start, c.fid)
                if ti is not None and ti + off < len(c.args):
                    self.edges(c.args[ti + off], tn)
                else:
                    found = self._wrapper_target(rg, fid, c, off, param_of)
                    for key in found:
                        self.seed(tn, key)
                    if not found:
                        self.edge(rg.target, tn)
                new = Registration(len(p.regs), c.uid, c.fid, c.start, c.end,
                                   [e.split(".")[0] for e in ev.split() if e.split(".")[0]], tn, c.args[hi + off],
                                   c.path or rg.api)
                p.regs.append(new)
                self._watch_registration(new)

    def _param_event_regs(self) -> set:
        """Registrations whose event is a parameter of the function they are in (a helper: `on(el, type,
        fn)`). Their event objects are the helper's callers' (`_registration_wrappers`): the helper's own
        registration, of no event, hands its handler none, and no element as `this`."""
        if self._param_regs is None:
            params = {pn for f in self.p.funcs for pn in f.params}
            self._param_regs = {rg.rid for rg, part in self.p.deferred_events
                                if part[0] == "ref" and part[1] in params}
        return self._param_regs

    def _bind_this(self, fid: int, key: tuple, o: int) -> None:
        """`x.m()` reads every `.m` by name (properties are field-based): a class's method `m` is linked to
        calls on instances of other classes that declare an `m`, and to calls on a tracker SDK's global
        (`this.analytics.identify(x)` beside the shop's class method `identify()`). Its `this` takes only
        the receivers that can be its class's instances: no global API object, no instance of a class that
        neither declares nor inherits it (an instance whose classes are not all known is taken)."""
        if key[0] == "G" or (key[0] == "O" and not self._instance_of(fid, key[1])):
            return
        self.add(self.p.funcs[fid].this, o)

    def _instance_of(self, fid: int, result: int) -> bool:
        """Whether the object made at `result` can be an instance of the class whose method `fid` is: it is no
        `new C(…)` of known classes, or one of them declares or inherits `fid` (cached per object)."""
        fids = self._instance_fids.get(result, False)
        if fids is False:
            fids = self._instance_fids[result] = self._class_fids(result)
        return fids is None or fid in fids

    def _class_fids(self, result: int) -> frozenset | None:
        """The constructors and methods of the classes `new C(…)` (whose result is `result`) makes an
        instance of: C's and its bases', through variables, imports and exports. None when the object is no
        such instance or a base is out of reach (`extends mixin(Base)`)."""
        c = self._new_calls().get(result)
        classes = self._classes_of(c.callee, whole=True) if c is not None else None
        if not classes:
            return None
        return frozenset(f for cls in classes for f in self.p.class_methods.get(cls, ()))

    def _new_calls(self) -> dict:
        if self._new_by_result is None:
            self._new_by_result = {c.result: c for c in self.p.calls if c.is_new}
        return self._new_by_result

    def _wrapper_param(self, vals, fid: int, param_of: dict) -> int | None:
        """The index of the parameter of `fid` the handler of a registration in it is: the parameter itself,
        or that parameter bound, through variables (`const bound = fn.bind(this); t.addEventListener(type,
        bound)`)."""
        p = self.p
        pred = p.graph.pred
        binds = {c.result: c for c in self._calls_in(fid) if c.method == "bind" and c.recv}
        seen = set(vals)
        todo = list(vals)
        while todo and len(seen) < 32:
            v = todo.pop()
            hit = param_of.get(v)
            if hit is not None and hit[0] == fid:
                return hit[1]
            inner = p.fnode_fid.get(v)
            if inner is not None:  # `(ev) => handler.call(this, ev)`: the parameter it forwards the event to
                nxt = [n for c in self._calls_in(inner)
                       for n in ((c.recv or ()) if c.method in ("call", "apply") else c.callee)]
            elif v in binds:
                nxt = list(binds[v].recv)
            elif p.kind[v] in ("var", "param"):
                nxt = [m for m in pred.get(v, ()) if p.kind[m] in ("var", "param") or m in binds]
            else:
                nxt = []
            for m in nxt:
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        return None

    def _wrapper_target(self, rg, fid: int, c, off: int, param_of: dict) -> list:
        """The element a registration helper listens on, at one call of it, when the helper finds it by a
        parameter: `on(name, type, fn) { const el = this.input(name); el.addEventListener(type, …) }` with
        `input(name)` finding `[name="${name}"]`, called as `this.on('customer[zip]', 'blur', …)`: that
        call's `[name="customer[zip]"]`. Empty when the element is found otherwise."""
        p = self.p
        out = []
        for o in sorted(self.objects((rg.target,))):
            key = p.objs[o]
            if key[0] != "E" or len(key) != 3 or key[2][0] != "ref" or key[2][1] not in param_of:
                return []
            gfid, gi = param_of[key[2][1]]
            value = None
            for inner in self._calls_in(fid):
                if gi >= len(inner.args) or (inner.cid, gfid, "plain") not in self.linked:
                    continue
                for v in inner.args[gi]:
                    hit = param_of.get(v)
                    if hit is not None and hit[0] == fid and hit[1] + off < len(c.str_args):
                        value = c.str_args[hit[1] + off]
            if not value:
                return []
            out.append(("E", key[1].replace("{0}", value)))
        return out

    def _calls_in(self, fid: int) -> list:
        if self._calls_by_fid is None:
            self._calls_by_fid = {}
            for c in self.p.calls:
                self._calls_by_fid.setdefault(c.fid, []).append(c)
        return self._calls_by_fid.get(fid, [])

    def _element_classes(self) -> None:
        """`customElements.define('cart-note', class extends HTMLElement {…})` (rules `[dom] element_definers`):
        `this` in the class's constructor is the page's `<cart-note>` element, so its own listeners
        (`this.addEventListener('input', …)`) are on that element."""
        p = self.p
        definers = self.r.element_definers
        if not definers:
            return
        pairs = {(k, v): obj for k, v, obj in p.entry_pairs}
        for c in p.calls:
            if not c.path or len(c.args) < 2 or self.r.normalize_path(c.path) not in definers:
                continue
            if c.str_args and c.str_args[0]:
                self._define_element(c.str_args[0], c.args[1])
                continue
            # `for (const [tag, ctor] of Object.entries(registry)) customElements.define(tag, ctor)`
            obj = pairs.get((c.args[0][0], c.args[1][0])) if len(c.args[0]) == 1 and len(c.args[1]) == 1 else None
            if obj is None:
                continue
            for o in sorted(self.objects(obj)):
                if p.objs[o][0] != "O":
                    continue
                for key, vals in self.literal_entries(p.objs[o][1]):
                    self._define_element(key, vals)

    def _define_element(self, tag: str, cls_vals) -> None:
        """`this` in the class `cls_vals` holds (its constructor and methods) is the page's `<tag>`."""
        p = self.p
        if not all(ch.isalnum() or ch == "-" for ch in tag):
            return
        fids = set()
        for o in sorted(self.objects(cls_vals)):
            key = p.objs[o]
            if key[0] == "fn":
                fids.add(key[1])
        for cls in self._classes_of(cls_vals):  # the class itself: its methods too (`connectedCallback`, …)
            fids.update(p.class_methods.get(cls, ()))
        callbacks = self.r.element_callbacks
        for fid in sorted(fids):
            self.seed(p.funcs[fid].this, ("E", tag))
            if p.funcs[fid].name in callbacks and (fid, "load", None) not in self.roots:
                self.roots.append((fid, "load", None))  # `connectedCallback()`: once the element is in the page

    def _classes_of(self, vals, limit: int = 256, whole: bool = False) -> list[int] | None:
        """The class declarations a value comes from, through variables, imports and exports (a class with no
        constructor is no object: it is found by the flow edges that carry it), and the classes they extend
        (`extends FieldBase`: its `connectedCallback` runs on the subclass's element). `whole`: also through
        re-exports, and None when not all of them are found (more than `limit` nodes, or a base this walk
        cannot see: `class A extends mixin(B)`)."""
        p = self.p
        pred = p.graph.pred
        base = EDGE_KIND["b"]
        walk = _CLASS_WALK_WHOLE if whole else _CLASS_WALK
        seen = set(vals)
        todo = list(vals)
        out = []
        while todo and (whole or len(seen) < limit):
            if len(seen) > limit:
                return None
            n = todo.pop()
            is_class = p.kind[n] == "class"
            if is_class:
                out.append(n)
            for m, attr in pred.get(n, {}).items():
                if m in seen or attr is base:
                    continue
                if p.kind[m] in walk:
                    seen.add(m)
                    todo.append(m)
                elif m in p.fnode_fid and m in p.class_methods:  # a constructor function with prototype methods
                    seen.add(m)
                    out.append(m)
                elif whole and is_class and m not in p.fnode_fid:
                    return None
        return sorted(out)

    def _registration_events(self, c, spec: dict) -> list[str]:
        """The events a call of a rules `[[register]]` method registers its handler for (the method's own
        event, or the constant strings of its event argument, jQuery namespaces dropped); none when there
        is no such name or no handler argument."""
        fixed = spec.get("event")
        ea, ha = spec["event_arg"], spec["handler_arg"]
        names = [fixed] if fixed else self.p.arg_strings(c, ea) if ea is not None else []
        events = sorted({e.split(".")[0] for v in names for e in v.split() if e.split(".")[0]})
        return events if events and -len(c.args) <= ha < len(c.args) else []

    def _late_registrations(self, callee: int, spec: dict) -> None:
        """`n[t[2]](t[1], fn)` with t[2] = 'addEventListener': a registration the syntax could not show."""
        p = self.p
        fixed = spec.get("event")  # `x[k](fn)` with k = 'onChange' (a method that names its event)
        for c in p.calls:
            if c.method is not None or callee not in c.callee or len(c.args) < (1 if fixed else 2):
                continue
            events = self._registration_events(c, spec)
            if not events:
                continue
            ha = spec["handler_arg"]
            tn = p.node("target", "", c.uid, c.start, c.fid)
            p.edges_from(c.recv or (), tn)
            c.handled = True
            p.regs.append(Registration(len(p.regs), c.uid, c.fid, c.start, c.end, events, tn, c.args[ha],
                                       "addEventListener"))

    def _event_bus(self) -> None:
        """`bus.on('x', fn)` … `bus.emit('x', data)`: the emitter calls the handler with its data."""
        p = self.p
        r = self.r
        by_name: dict[str, list[Registration]] = {}
        for rg in p.regs:
            for ev in rg.events:
                if ev not in r.known_events:
                    by_name.setdefault(ev, []).append(rg)
        if not by_name:
            return
        by_result = {c.result: c for c in p.calls if c.is_new}
        for c in p.calls:
            name = None
            m = c.method if c.method is not None else self._bare_library_method(c)
            data: list[tuple[int, tuple]] = []  # (handler parameter, argument values)
            if c.method == "dispatchEvent" and c.args:
                # el.dispatchEvent(new CustomEvent('lead', {detail: {...}})): the listener's event has it
                ev = next((by_result[v] for v in c.args[0] if v in by_result), None)
                if ev is not None and ev.str_args and ev.str_args[0]:
                    name = ev.str_args[0]
                    data = [(0, ev.args[1])] if len(ev.args) > 1 else []
            elif m in r.bus_emit and c.str_args and (c.str_args[0] or self._emitted_name(c)):
                name = c.str_args[0] or self._emitted_name(c)
                if m in ("trigger", "triggerHandler"):  # jQuery: handler(event, ...extra)
                    data = [(1, c.args[1])] if len(c.args) > 1 else []
                else:
                    data = [(i, a) for i, a in enumerate(c.args[1:])]
            if name is not None and name not in by_name:
                name = name.split(".")[0]  # registrations drop jQuery namespaces: `checkout.email.changed`
            if name is not None and m in r.bus_emit and m not in ("trigger", "triggerHandler"):
                self._bus_any(c, by_name)
            if name not in by_name:
                continue
            for rg in by_name[name]:
                for o in self.objects(rg.handler):
                    key = p.objs[o]
                    if key[0] != "fn":
                        continue
                    f = p.funcs[key[1]]
                    self.call_edges.add((c.fid, f.fid))
                    if m in r.bus_returns:  # `applyFilters(name, v)` is what the filters return
                        self.edge(f.ret, c.result, "r")
                    for i, vals in data:
                        if i < len(f.params):
                            self.edges(vals, f.params[i], "a")
                        if c.method == "trigger" and i == 1 and len(f.params) > 2:
                            for pn in f.params[2:]:
                                self.edges(vals, pn, "a")


    def _bare_library_method(self, c) -> str | None:
        """`doAction('x', v)` imported from a library (`@wordpress/hooks`) and called bare: the method of the
        library's object it names (`wp.hooks.doAction` -> `doAction`), or None."""
        p = self.p
        user = self._user_globals()
        for o in sorted(self.objects(c.callee)):
            key = p.objs[o]
            if key[0] == "G" and "." in key[1] and key[1].split(".", 1)[0] not in user:
                return key[1].rsplit(".", 1)[1]
        return None
    def _bus_any(self, c: Call, by_name: dict) -> None:
        """`emitter.on('*', (type, e) => …)` (rules `bus_any`): called by every emit, with its name and data."""
        p = self.p
        for nm in sorted(self.r.bus_any):
            for rg in by_name.get(nm, ()):
                for o in sorted(self.objects(rg.handler)):
                    if p.objs[o][0] != "fn":
                        continue
                    f = p.funcs[p.objs[o][1]]
                    self.call_edges.add((c.fid, f.fid))
                    for i, vals in enumerate(c.args[1:]):
                        if i + 1 < len(f.params):
                            self.edges(vals, f.params[i + 1], "a")

    def _emitted_name(self, c: Call) -> str | None:
        """The event name of `bus.emit(EV.ADDRESS, …)` / `bus.emit(name, …)`: one constant the argument
        can only be (a property of a constants object, a variable), else None."""
        t = c.tmpl_args[0] if c.tmpl_args else None
        part = t[0] if t and len(t) == 1 and isinstance(t[0], tuple) and t[0][0] == "ref" else \
            member_name_part(self.p, c, 0)
        if part is None:
            return None
        names = self.p.strings_of(part)
        return names[0] if len(names) == 1 else None

    def _field_sensitive_literals(self) -> None:
        """Make property reads field-sensitive where the object is known:
        - `o.b` where `o` can only be object literals reads what those literals hold under `b` (argument-like:
          the reader runs under the writer's triggers) and what was stored into `.b` later, not everything
          the object holds;
        - `document.body`, `e.target.name`, `img.dataset` — a property of a browser object, an element or an
          event — is the browser's: the field-based edge from user stores of the same name goes."""
        p = self.p
        objs = p.objs
        succ = p.graph.succ
        pred = p.graph.pred
        lp = p.literal_props
        browser = ("G", "E", "EV")
        held = set()  # objects held in React state (useState / useReducer)
        for st in self.state_nodes:
            held |= self.pts.get(st, set())
        held |= self.models.store_held(self)  # (a store's state holds more literals than a points-to set)
        for v in p.closure_vars:  # (`state = reducer(state, action)` in a store's `dispatch`)
            held |= self.pts.get(v, set())
        open_objs = set()
        for b in p.open_bases:
            if p.fid[b] not in self.superseded:  # (`form[key] = v` in a helper only its copies run)
                open_objs |= self.pts.get(b, set())
        contents: dict[int, set] = {}  # literal node -> objects its values hold
        for (o_nid, _key), vals in lp.items():
            bucket = contents.setdefault(o_nid, set())
            for v in vals:
                bucket |= self.pts.get(v, set())

        drop = p.graph.remove_edge
        serial, parsed = self._json_texts()

        user_globals = p.declared_globals | p.assigned_globals
        mine = {o for o, key in enumerate(objs) if key[0] == "G" and key[1] in user_globals}
        for ld in p.loads:
            if ld.prop is None or not ld.base:
                continue
            kinds = set()
            found = set()
            for b in ld.base:
                s = self.pts.get(b)
                if not s or len(s) >= PTS_CAP:
                    kinds = None
                    break
                s = s - mine  # `window.st` names the shop's own object, not a browser one
                if serial and s & serial and s - serial:
                    s = s - serial  # a JSON text has no fields: the objects it is the text of do
                # `[state, set] = useState()`: the setter is no data, nor an updater `set((d) => ({...d, x}))`
                # (React calls it, its result is the state: no function is ever held as the state)
                s = {o for o in s if objs[o][0] != "R" and not (objs[o][0] == "fn" and o in held)}
                found |= s
                kinds.update("O" if o in parsed else objs[o][0] for o in s)
            if not kinds:
                continue
            # objects held *inside* the literals (`{success: render, el: $('#pref')}`) show up next to them
            if "O" in kinds and not (self._tops(found, contents) & open_objs) \
                    and (kinds == {"O"} or self._only_contents(found - parsed, contents)) and not self._mixed(ld.base, pred):
                # the field-based edge from stores stays: `RUM.q.push(x)` writes into `.q` long after the
                # literal; other literals' values under the same name go
                for b in ld.base:
                    drop(b, ld.nid)
                pl = p.named.get(("pl", ld.prop))
                if pl is not None:
                    drop(pl, ld.nid)
                stored = bool(parsed) and not found.isdisjoint(parsed)  # read back from its JSON text
                for o in found:
                    if objs[o][0] != "O":
                        continue
                    # a literal kept in component state (`setContact({...contact, email: v})`) or as JSON text
                    # is read by whatever runs later (the reader's triggers); else as an argument, under the
                    # writer's
                    kind = None if o in held or stored else "a"
                    for v in lp.get((objs[o][1], ld.prop), ()):
                        self.edge(v, ld.nid, kind)
                    sv = p.literal_strs.get((objs[o][1], ld.prop))
                    if sv is not None:  # the literal's constant (selectors, event names) stays readable
                        p.consts.setdefault(ld.nid, []).append([sv])
            elif kinds == {"RF"} or kinds == {"RS"} or kinds == {"RF", "O"} and ld.prop in ("current", "value"):
                # a ref box (`emailRef.current`, `email.value`): its own state node holds what it has, not
                # every `.current` the program stores
                for key in (("p", ld.prop), ("pl", ld.prop)):
                    n = p.named.get(key)
                    if n is not None:
                        drop(n, ld.nid)
            elif kinds <= {*browser, "B"} or (
                    "O" in kinds and kinds <= {"O", *browser} and not (found & open_objs)
                    and all((objs[o][1], ld.prop) in p.literal_strs or (objs[o][1], ld.prop) not in lp
                            for o in found if objs[o][0] == "O")
                    and not self._mixed(ld.base, pred)):
                # (also `(window.__STATE__ || {}).customer.email` or `this.cfg.email` of a namespace: the
                # page's or the browser's object and literals holding constants under `.email`, not what
                # other literals hold under that name; what the program stores into `.email` stays, as for
                # a literal, and the literals' constants stay readable)
                if any(objs[o][0] == "G" and self.r.normalize_path(objs[o][1]) == "<global>" for o in found):
                    # window.foo: a global the page may have set (the global `foo` and stores into `.foo`), not
                    # whatever was written into the global object as a container (a snippet's `(function (f)
                    # { f.fbq = n })(window)` hands back its contents), unless code stores into it by a
                    # computed key (`window[name] = v`)
                    if len(found) == 1 and not self._computed_global_stores():
                        for b in ld.base:
                            drop(b, ld.nid)
                    continue
                for key in ((("p", ld.prop),) if "O" not in kinds else ()) + (("pl", ld.prop),):
                    n = p.named.get(key)
                    if n is not None:
                        drop(n, ld.nid)
                for o in found:
                    sv = p.literal_strs.get((objs[o][1], ld.prop)) if objs[o][0] == "O" else None
                    if sv is not None:
                        p.consts.setdefault(ld.nid, []).append([sv])

    def _json_texts(self) -> tuple[set, set]:
        """The objects of JSON texts the program makes (`JSON.stringify(o)`: rules flows.toml storage
        `serialize`), and those that `JSON.parse` makes of such a text (storage `parse`): the program's own
        object again, read by its fields like a literal (with no fields of its own), not a value the browser
        made. A text from anywhere else (a response, a cookie) keeps its parse the browser's."""
        p = self.p
        r = self.r
        if not r.storage_serialize:
            return set(), set()
        ids = p.obj_ids
        norm = r.normalize_path
        serial, parses = set(), []
        for c in p.calls:
            if c.path is None or not c.args:
                continue
            path = norm(c.path)
            o = ids.get(("B", c.result))
            if o is None:
                continue
            if path in r.storage_serialize:
                serial.add(o)
            elif path in r.storage_parse:
                parses.append((c, o))
        parsed = set()
        if serial:
            pts = self.pts
            for c, o in parses:
                if any(serial & pts.get(v, set()) for v in c.args[0]):
                    parsed.add(o)
        return serial, parsed

    def _accessors(self) -> None:
        """Setters run on assignment (`lead.email = v` → `set email(v)`), getters on reads."""
        p = self.p
        if not p.accessors:
            return
        for st in p.stores:
            for fid in p.accessors.get(("set", st.prop), ()):
                f = p.funcs[fid]
                self.call_edges.add((st.fid, fid))
                if f.params:
                    self.edges(st.value, f.params[0], "a")
        for ld in p.loads:
            for fid in p.accessors.get(("get", ld.prop), ()) if ld.prop else ():
                f = p.funcs[fid]
                self.call_edges.add((p.fid[ld.nid], fid))
                self.edge(f.ret, ld.nid, "r")
        # Object.assign(new Image(), {src: url}) sets the property as an assignment would
        for c in p.calls:
            if c.path in self.r.store_into_first_arg and len(c.args) > 1:
                for a in c.args[1:]:
                    for v in a:
                        if p.kind[v] != "object":
                            continue
                        for key in ("src", "href", "action", "cookie"):
                            vals = p.literal_props.get((v, key))
                            if vals:
                                p.stores.append(Store(c.uid, c.fid, c.start, c.end, c.args[0], key, vals, None))

    def _mixed(self, base: tuple, pred, limit: int = 24) -> bool:
        """The value read from also carries data that is no object (`(customer && customer.address) || {}`
        with `customer` from an API the scan does not see): reading only the literal's fields would lose it."""
        kinds = self.p.kind
        seen = set(base)
        todo = list(base)
        while todo and len(seen) < limit:
            n = todo.pop()
            for m, at in pred.get(n, {}).items():
                if m in seen or (at and at.get("k") == "b"):
                    continue
                seen.add(m)
                k = kinds[m]
                if k in ("var", "global", "merge", "param"):
                    todo.append(m)
                elif k in ("load", "call", "source") and not self.pts.get(m):
                    if k == "source" and self._no_field(m):
                        continue  # `address.value` of a ref: no field read, no data
                    return True
        return False

    def _no_field(self, nid: int) -> bool:
        """A source node whose object can only be no form field (`.value` of a ref or a literal)."""
        if self._source_of is None:
            self._source_of = {s.nid: s for s in self.p.sources}
        src = self._source_of.get(nid)
        if src is None:
            return False
        objs = self.p.objs
        found = self.objects(src.base)
        return bool(found) and all(objs[o][0] in NOT_ELEMENT_KINDS for o in found)

    def _computed_global_stores(self) -> bool:
        """Whether code stores into the global object by a key no constant names (`window[name] = v`; GTM's
        `w[l] = w[l] || []` with `l` the 'dataLayer' its call passes is a named key)."""
        if self._global_keyed is None:
            p = self.p
            objs = p.objs
            norm = self.r.normalize_path
            keyed = [st for st in p.stores if not st.prop and st.obj != ("<global>",)
                     and any(objs[o][0] == "G" and norm(objs[o][1]) == "<global>" for o in self.objects(st.obj))]
            parts = {id(d[0]): d[1] for d in p.deferred_keys} if keyed else {}
            self._global_keyed = any(id(st) not in parts or not self._key_strings(parts[id(st)]) for st in keyed)
        return self._global_keyed

    def _key_strings(self, part) -> bool:
        """Whether a computed key is constants: its own (`strings_of`), or a parameter every call of its
        function passes a string for."""
        p = self.p
        if p.strings_of(part):
            return True
        if part[0] != "ref" or p.fid[part[1]] < 0:
            return False
        f = p.funcs[p.fid[part[1]]]
        preds = p.graph.pred.get(part[1], ())
        i = next((i for i, pn in enumerate(f.params) if pn == part[1] or pn in preds), None)
        if i is None:
            return False
        calls = [p.calls[cid] for cid, fid, mode in self.linked if fid == f.fid and mode == "plain"]
        return bool(calls) and all(p.arg_strings(c, i) for c in calls)

    def _tops(self, found: set, contents: dict) -> set:
        """The objects of `found` that are not held inside another of its literals (a literal's points-to set
        shows what it holds next to it: `{contact: {[k]: v}}` is not itself open to any key)."""
        objs = self.p.objs
        inner = set()
        for o in found:
            if objs[o][0] == "O":
                inner |= contents.get(objs[o][1], set()) - {o}
        return found - inner

    def _only_contents(self, found: set, contents: dict) -> bool:
        objs = self.p.objs
        held = set()
        for o in found:
            if objs[o][0] == "O":
                held |= contents.get(objs[o][1], set())
        return all(objs[o][0] == "O" or o in held for o in found)

    def _effects(self) -> None:
        """`useEffect(fn, [email])` runs `fn` after whatever called `setEmail` (its triggers, inherited); a
        dependency that holds a field read through no state, after the code that read it."""
        p = self.p
        pred = p.graph.pred
        for c in self.effects:
            fns = [p.objs[o][1] for o in self.objects(c.args[0]) if p.objs[o][0] == "fn"]
            callers: set[int] = set()
            if len(c.args) > 1:
                seen = set(c.args[1])
                todo = list(c.args[1])
                readers: set[int] = set()
                state = False
                while todo and len(seen) < 200:
                    n = todo.pop()
                    if n in self.state_nodes:
                        callers |= self.resolver_callers.get(n, set())
                        state = True
                        continue
                    if p.kind[n] == "source" and p.fid[n] >= 0:
                        readers.add(p.fid[n])
                    for m in pred.get(n, ()):
                        if m not in seen:
                            seen.add(m)
                            todo.append(m)
                if not state:
                    # fields the dependencies hold with no state the scan sees in between (`[data.message]` of
                    # props nothing the scan renders passes): the effect runs after the code that read them
                    callers |= readers
                if len(seen) == len(c.args[1]) and all(p.kind[n] == "array" for n in c.args[1]) \
                        or not state and not readers:
                    # `[]`: it runs once, after the component's first render; so does an effect on what no
                    # field or state of the scan feeds (`[router.pathname]`), which runs again only when that
                    # changes
                    callers.add(c.fid)
            else:
                callers.add(c.fid)  # no dependency list: after every render
            for f in fns:
                for caller in callers:
                    self.call_edges.add((caller, f))
        # Knockout `obs.subscribe(fn)`: fn gets the new value, run by whoever set it
        for c in p.calls:
            if c.method != "subscribe" or not c.args or not c.recv:
                continue
            states = [p.objs[o][1] for o in self.objects(c.recv) if p.objs[o][0] == "R"
                      and p.objs[o][1] in self.state_nodes
                      and not (len(c.args) > 1 and p.objs[o][1] in self.models.store_nodes)]  # (models/state.py)
            if not states:
                continue
            for o in self.objects(c.args[0]):
                if p.objs[o][0] != "fn":
                    continue
                f = p.funcs[p.objs[o][1]]
                for st in states:
                    if f.params and st not in self.models.store_nodes:  # (a store's state: read by property)
                        self.edge(st, f.params[0], "a")  # (its objects too: `$c.email` reads the literal's)
                    for caller in self.resolver_callers.get(st, ()):
                        self.call_edges.add((caller, f.fid))
        self.propagate()


# node kinds a class declaration reaches a `new` or a definer through (LinkPasses._classes_of)
_CLASS_WALK = frozenset({"var", "global", "export", "class"})
_CLASS_WALK_WHOLE = _CLASS_WALK | {"reexport"}

