"""Stage 4 (frameworks): reactive state and the code that runs when it changes.

One model for sources and compiled bundles alike: it works on call sites whose callee resolved to a
framework API path (`Vue.ref`, `Vue.watch`, …, from `rules/frameworks.toml` [[api]]), whatever spelled
them. Each API has a kind, and each kind one handler below (looked up in `HANDLERS`, no if-chains):

- a *ref* is an abstract object `('RF', call id)` whose `.value` is one heap node (`state`): stores into
  `x.value` write it, loads read it; reading `.value` of a ref is not reading a field;
- a *reactive* object is the literal it wraps; its properties are the state;
- a *property ref* (`toRef(form, 'zip')`, a property of `toRefs(form)` or Pinia's `storeToRefs(store)`) is a
  ref (`('RF', (call id, 'zip'))` for the latter) whose value is a load of `form.zip` made for it, and
  whose writers are the writers of that property (and of what it holds);
- a *watcher* (`watch(src, cb)`) and an *effect* (`watchEffect(fn)`) run under the triggers of the code
  that changes their state: every function that stores into that ref or reactive object gets a call
  edge to the callback, and the new value flows into the callback's first parameter.

The pass runs once propagation has settled (who writes which state is known only then).
"""
from __future__ import annotations

import re

from analyzer.models.spec import ApiSpec, TemplateSpec, records
from analyzer.models.keys import link_computed_stores
from analyzer.models.mount import mount_components
from analyzer.models.spreads import lazy_models, link_spreads
from analyzer.program import EDGE_KIND, EDGE_PLAIN, FORM_VALUES, HEAP, Call, Load, Registration
from analyzer.rules import load_toml

APP_GLOBAL = "__formleak_vue_app__"
_ON_KEY = re.compile(r"^([\w:-]*)\s*(.*)$", re.S)  # jQuery UI `_on` keys: "event selector"  # where an in-DOM app's options object is kept (templates.py reads it)


def component_global(name: str) -> str:
    """The global a component registered as `name` (`Vue.component(name, {…})`) is kept in."""
    return "__formleak_vue_component_" + "".join(ch if ch.isalnum() else "_" for ch in name)


def load_apis() -> tuple[ApiSpec, ...]:
    return records(ApiSpec, load_toml("frameworks").get("api", []), "frameworks.toml api")


class StateModel:
    def __init__(self):
        self.kind_of: dict[str, str] = {}
        self.box_prop: dict[str, str] = {}  # api path -> the property of a ref box
        self.event_of: dict[str, str] = {}  # api path -> the trigger of a store subscription
        self.into_of: dict[str, str] = {}  # api path -> the global an app's instance is kept in
        self.returns_of: dict[str, str] = {}  # api path -> the API path its result is
        self.prop_of_ref: dict[int, str] = {}  # ref call id -> its box property
        self.reducers: dict[int, tuple] = {}  # state node -> reducer function values
        self.dispatches: list[tuple[Call, int]] = []  # (dispatch call, state node)
        self.options_calls: list[Call] = []
        self.listener_methods: set | None = None  # options methods registered as listeners (`_bound_listeners`)
        self.app_calls: list[Call] = []
        self.store_uses: list[Call] = []  # `useCheckoutStore()` calls: their results are store instances
        self.store_linked: set[tuple] = set()
        self.lit_index: dict | None = None
        self.store_calls: list[tuple] = []
        self.store_seen: set[tuple] = set()
        self.sets: list[tuple[Call, str]] = []  # (instance path set by binding code, the path)
        self.option_watchers: list[tuple[str, int, tuple]] = []  # (watched path, watcher fid, instance)
        self.form_watches: list[Call] = []  # react-hook-form `watch(callback)` calls
        self._fnodes: dict | None = None  # fid -> its function's value node (`fnode_of`)
        self.mounted: list[int] = []  # component literals mounted without a template (models/mount.py)
        self.watch_methods: set[str] = set()  # `this.$watch(path, fn)`: a watch entry added by code
        for t in records(TemplateSpec, load_toml("frameworks").get("template", []), "frameworks.toml template"):
            self.watch_methods.update(t.watch_methods)
        self.store_states: dict[int, int] = {}  # zustand `createStore` call id -> its state node
        self.store_nodes: set[int] = set()  # those state nodes
        self.setters: set[str] = set()  # methods of some store that write its state (`setState`, `set`)
        self.setters_of: dict[str, tuple] = {}  # api path -> its store's setter methods
        self.runs_of: dict[str, tuple] = {}  # api path -> the methods a widget's creation runs
        self.binds_of: dict[str, tuple] = {}  # api path -> a widget's methods that register a handler map
        # (`$.widget(name, proto)` call, methods it runs, methods that register handler maps)
        self.widget_calls: list[tuple[Call, tuple, tuple]] = []
        self.state_setters: dict[int, tuple] = {}  # a store's state node -> the setter methods of its store
        for api in load_apis():
            if api.kind not in HANDLERS:
                raise ValueError(f"frameworks.toml: api kind {api.kind!r} has no handler")
            for path in api.path:
                self.kind_of[path] = api.kind
                self.box_prop[path] = api.prop
                self.event_of[path] = api.event
                self.into_of[path] = api.into
                self.returns_of[path] = api.returns
                self.setters_of[path] = api.setters
                self.runs_of[path] = api.runs
                self.binds_of[path] = api.binds
            self.setters.update(api.setters)
        self.seen: set[int] = set()
        self.seen_emits: set[tuple] = set()
        self.instance_emits: list | None = None  # `$emit('update:x', v)` calls (`_instance_emits`)
        self.event_now = ""
        self.into_now = APP_GLOBAL
        self.returns_now = ""
        self.state_of_ref: dict[int, int] = {}  # call id of ref() -> state node
        self.reactive_calls: list[Call] = []
        self.props_objs: dict[int, int] = {}  # unit id -> the object `defineProps()` returns in it
        self.emits: list[tuple[Call, str]] = []  # (`emit('update:x', v)` of `defineEmits()`, 'x')
        self.child_props: list[Call] = []  # a template's `__formleak_vue_props__(Child, {…})` calls
        self.watch_calls: list[Call] = []
        self.effect_calls: list[Call] = []
        self.computed: dict[int, Call] = {}  # ref call id -> computed() call
        # a property ref (toRef(obj, 'k'); `.k` of toRefs(obj)) -> (obj's values, 'k')
        self.prop_refs: dict = {}

    # ---------------------------------------------------------------------------------- during solving
    def on_call(self, solver, c: Call, path: str) -> None:
        kind = self.kind_of.get(path)
        if kind is None or c.cid in self.seen:
            return
        self.seen.add(c.cid)
        c.handled = True
        self.prop_of_ref[c.cid] = self.box_prop.get(path, "value")
        self.event_now = self.event_of.get(path, "")
        self.into_now = self.into_of.get(path, "") or APP_GLOBAL
        self.returns_now = self.returns_of.get(path, "")
        self.setters_now = self.setters_of.get(path, ())
        self.runs_now = self.runs_of.get(path, ())
        self.binds_now = self.binds_of.get(path, ())
        HANDLERS[kind](self, solver, c)

    def state_node(self, solver, cid) -> int:
        """The heap node a ref's value is kept in (`cid`: the ref call's id, or (call id, property) of a
        property of `toRefs(…)`)."""
        st = self.state_of_ref.get(cid)
        if st is None:
            c = solver.p.calls[cid[0] if isinstance(cid, tuple) else cid]
            st = self.state_of_ref[cid] = solver.p.node("state", "ref", c.uid, c.start, HEAP)
        return st

    def on_ref_load(self, solver, ld, key: tuple) -> None:
        if ld.prop == self.prop_of_ref.get(key[1], "value"):
            st = self.state_node(solver, key[1])
            solver.edge(st, ld.nid)
            cc = self.computed.get(key[1])
            if cc is not None and cc.args:
                # `normalized.value` of `computed(() => …)`: the getter runs now, for the reader (its value is
                # what it returns)
                p = solver.p
                for g in self._functions(solver, cc.args[0]):
                    solver.call_edges.add((p.fid[ld.nid], g))
                    solver.edge(p.funcs[g].ret, st)

    def on_ref_store(self, solver, st, key: tuple) -> None:
        if st.prop == self.prop_of_ref.get(key[1], "value"):
            solver.edges(st.value, self.state_node(solver, key[1]))

    def on_dispatch(self, solver, c: Call, st: int) -> None:
        """A call of a state setter; for a reducer's `dispatch`, linked once the reducer is known."""
        self.dispatches.append((c, st))

    # ---------------------------------------------------------------------------------- handlers
    def _ref(self, solver, c: Call) -> None:
        solver.seed(c.result, ("RF", c.cid))
        st = self.state_node(solver, c.cid)
        if c.args:
            solver.edges(c.args[0], st)

    def _prop_ref(self, solver, c: Call) -> None:
        """`toRef(form, 'zip')`: a ref whose value is `form.zip` (`toRef(x)` of one value: a ref of it)."""
        key = c.str_args[1] if len(c.str_args) > 1 else None
        if key is None or not c.args:
            self._ref(solver, c)
            return
        self._prop_box(solver, c.cid, c, key)
        solver.seed(c.result, ("RF", c.cid))

    def _prop_refs(self, solver, c: Call) -> None:
        """`toRefs(form)`, Pinia's `storeToRefs(store)`: an object whose property `k` is `toRef(form, 'k')`
        (`on_refs_load`)."""
        if c.args:
            solver.seed(c.result, ("RS", c.cid))

    def on_refs_load(self, solver, ld, key: tuple) -> None:
        """`const { contact } = storeToRefs(store)`: `contact` is the ref of `store.contact`."""
        if ld.prop is None:
            return
        c = solver.p.calls[key[1]]
        rk = (c.cid, ld.prop)
        if rk not in self.prop_refs:
            self._prop_box(solver, rk, c, ld.prop)
        solver.seed(ld.nid, ("RF", rk))

    def _prop_box(self, solver, rk, c: Call, prop: str) -> None:
        """The value of property ref `rk`: a load of `prop` from the call's first argument, made here (read by
        name, as any load: what literals hold under `prop`, what code stores into `.prop`, narrowed to the
        object's own by the field-sensitive pass), kept in the ref's state node."""
        p = solver.p
        ld = Load(p.node("load", prop, c.uid, c.start, c.fid), tuple(c.args[0]), prop)
        p.loads.append(ld)
        p.load_base[ld.nid] = ld.base
        for nk in (("p", prop), ("pl", prop)):
            n = p.named.get(nk)
            if n is not None:
                solver.edge(n, ld.nid)
        for b in ld.base:
            solver.edge(b, ld.nid, "b")
            solver.on(b, ("load", ld))
        solver.edge(ld.nid, self.state_node(solver, rk))
        self.prop_refs[rk] = (ld.base, prop)

    def _prop_ref_writers(self, solver, state: dict, writers) -> dict[int, set[int]]:
        """A property ref changes when its property is set (`form.zip = v` for `toRef(form, 'zip')`); watched
        itself (`watch(contact, …)` of `storeToRefs(store)`), also when what that property holds changes
        (`contact.value.email = v`): those writers are returned, by the ref's object, for the watchers. A
        getter that reads into it (`() => address.value.zip`) reads that property's state directly."""
        p = solver.p
        objs = p.objs
        lp = p.literal_props
        deep: dict[int, set[int]] = {}
        for rk, (base, prop) in self.prop_refs.items():
            o_rf = p.obj_ids.get(("RF", rk))
            if o_rf is None:
                continue
            ws: set[int] = set()
            inner: set[int] = set()
            for o in solver.objects(base):
                s = state.get(o)
                if s is not None:
                    ws |= writers.of(s, prop)
                if objs[o][0] == "O":
                    for n in solver.objects(lp.get((objs[o][1], prop), ())):
                        if n in state:
                            inner |= writers.of(state[n], None)
            for w in sorted(ws):
                writers.add(o_rf, None, w)
            deep[o_rf] = inner
        return deep

    def _reducer(self, solver, c: Call) -> None:
        p = solver.p
        st = p.node("state", "useReducer", c.uid, c.start, HEAP)
        solver.state_calls.add(c.cid)
        solver.state_nodes.add(st)
        solver.edge(st, c.result)
        solver.seed(c.result, ("R", st))
        self.reducers[st] = c.args[0] if c.args else ()
        if len(c.args) > 1:
            solver.edges(c.args[1], st)

    def _reactive(self, solver, c: Call) -> None:
        if c.args:
            solver.edges(c.args[0], c.result)
        self.reactive_calls.append(c)

    def _props(self, solver, c: Call) -> None:
        """`const props = defineProps({modelValue: String})` in a `<script setup>`: the component's props, one
        reactive object per component (watched: `watch(() => props.modelValue, …)`). Its own parent's
        bindings are not followed; what the component emits as `update:x` is what `props.x` becomes
        (`on_emit`: a `v-model` on the component writes it back)."""
        p = solver.p
        o = self.props_objs.get(c.uid)
        if o is None:
            lit = p.node("object", "{}", c.uid, c.start, c.fid)
            p.graph.ensure_below(len(p.kind))
            o = self.props_objs[c.uid] = p.obj(("O", lit))
            exp = p.named.get(("exp", p.units[c.uid].rel, "default"))
            if exp is not None:  # a `<script setup>` exports no object: the component is its file
                solver.add(exp, p.obj(("VC", c.uid)))
        solver.add(c.result, o)
        self.reactive_calls.append(c)

    def _child_props(self, solver, c: Call) -> None:
        self.child_props.append(c)

    def _pass_props(self, solver) -> None:
        """`<ContactFields :customer="customer">` in a parent's template: the child `<script setup>`'s props
        object holds the parent's values under their names, and its reads of them (`props.customer`) are
        those values (its `props.customer.email = v` writes into the parent's reactive object)."""
        p = solver.p
        objs = p.objs
        loads = None
        for c in self.child_props:
            if len(c.args) < 2:
                continue
            for co in sorted(solver.objects(c.args[0])):
                po = self.props_objs.get(objs[co][1]) if objs[co][0] == "VC" else None
                if po is None:
                    continue
                for lo in sorted(solver.objects(c.args[1])):
                    if objs[lo][0] != "O":
                        continue
                    if loads is None:
                        loads = {}
                        for ld in p.loads:
                            if ld.prop:
                                loads.setdefault(ld.prop, []).append(ld)
                    for key, vals in self._props_of(p, objs[lo][1]):
                        self._hold(solver, objs[po][1], key, vals)
                        for ld in loads.get(key, ()):
                            if any(po in solver.pts.get(b, ()) for b in ld.base):
                                solver.edges(vals, ld.nid, "a")
        if self.child_props:
            solver.propagate()

    def _emits(self, solver, c: Call) -> None:
        """`const emit = defineEmits([...])`: a function whose `emit('update:x', v)` calls update the
        component's prop `x` (`on_emit`)."""
        solver.seed(c.result, ("VE", c.uid))

    def on_emit(self, solver, call: Call, key: tuple) -> None:
        name = call.str_args[0] if call.str_args else None
        if name and name.startswith("update:") and len(call.args) > 1:
            call.handled = True
            self._setup_emit(call, name)

    def _setup_emit(self, call: Call, name: str) -> None:
        """A `<script setup>` component's `update:x` emit (once per call): its props' `x` (`_emit_writes`)."""
        if (call.cid, name) not in self.seen_emits:
            self.seen_emits.add((call.cid, name))
            self.emits.append((call, name[len("update:"):]))

    def _instance_emits(self, solver) -> list[tuple]:
        """`this.$emit('update:modelValue', v)` / a template's `$emit('update:x', $event.target.value)`: the
        parent's `v-model` writes `v` back into the component's prop, so the instance's `x` (`this.x`, a
        `watch: {x(v) {…}}` option's entry) is `v` from then on. (call, 'x', v's nodes) of each."""
        if self.instance_emits is not None:
            return self.instance_emits
        p = solver.p
        out = []
        for c in p.calls:
            name = c.str_args[0] if c.str_args else None
            if not name or not name.startswith("update:") or len(c.args) < 2 or "$emit" not in (c.method, c.path):
                continue
            prop = name[len("update:"):]
            out.append((c, prop, c.args[1]))
            if c.method == "$emit" and c.recv:  # the instance's own: what its `this.x` reads
                for o in sorted(solver.objects(c.recv)):
                    if p.objs[o][0] == "O":
                        self._hold(solver, p.objs[o][1], prop, c.args[1])
            elif c.uid in self.props_objs:  # a `<script setup>`'s
                self._setup_emit(c, name)
        self.instance_emits = out
        return out

    def _emit_writes(self, solver) -> list[tuple[int, str, int]]:
        """(props object, prop, writer fid) of each `emit('update:x', v)` of a component with props: `v` is
        what `props.x` reads (by the property, as any store's) and what the object holds."""
        out = []
        for call, prop in self.emits:
            o = self.props_objs.get(call.uid)
            if o is not None:
                self._hold(solver, solver.p.objs[o][1], prop, call.args[1])
                out.append((o, prop, call.fid))
        return out

    @staticmethod
    def _hold(solver, lit: int, prop: str, vals: tuple) -> None:
        """The object of literal node `lit` holds `vals` under `prop`, as if its literal had said so: its
        reads of `prop` see them (the field-sensitive pass, which runs later), other objects' do not, and
        the object read whole does."""
        lp = solver.p.literal_props
        old = lp.get((lit, prop), ())
        lp[(lit, prop)] = tuple(old) + tuple(v for v in vals if v not in old)
        solver.edges(vals, lit, "b")

    def _computed(self, solver, c: Call) -> None:
        solver.seed(c.result, ("RF", c.cid))
        self.computed[c.cid] = c

    def _watch(self, solver, c: Call) -> None:
        self.watch_calls.append(c)

    def _effect(self, solver, c: Call) -> None:
        self.effect_calls.append(c)

    def _do_watch(self, solver, c: Call) -> None:
        """Vue's internal `doWatch(source, cb, options)`, which terser inlines `watch` and `watchEffect` into:
        a watcher when it is given a callback, an effect of `source` when not (`doWatch(fn, null)`); both are
        recorded (a getter re-run as an effect sends nothing, a watcher without a callback runs nothing)."""
        self.watch_calls.append(c)
        self.effect_calls.append(c)

    def _wrap(self, solver, c: Call) -> None:
        if c.args:
            solver.edges(c.args[0], c.result)

    def _app(self, solver, c: Call) -> None:
        if c.args:
            self.app_calls.append(c)  # mounted once its options object is known (`settle`)
            if self.returns_now:  # `const app = createApp({…}); app.component('x', {…})`
                solver.seed(c.result, ("G", self.returns_now))
            p = solver.p
            solver.edges(c.args[0], p.global_node(self.into_now, p.units[c.uid].scope))
            solver.edges(c.args[0], c.result)

    def _component(self, solver, c: Call) -> None:
        """`Vue.component('checkout-form', {…})`: the options object is kept under that name (the binding
        code of its template string names it so, component_templates.py)."""
        if len(c.args) > 1 and c.str_args and c.str_args[0]:
            p = solver.p
            solver.edges(c.args[1], p.global_node(component_global(c.str_args[0]), p.units[c.uid].scope))

    def _mounted(self, solver, c: Call) -> None:
        if c.args:
            solver._watch_callback(c, 0, {"handler_arg": 0})

    def _lazy(self, solver, c: Call) -> None:
        """`React.lazy(() => import('./DeliveryStep.jsx'))`: the factory runs (its import loads the module:
        webpack's `Promise.all([n.e(130), n.e(799)]).then(() => n(799))`), and rendering the lazy component
        renders the module's default export. Which module's is not followed through the promise: the
        result holds the default exports the bundle's export getters define (`t.d(a, {default: () => l})`)."""
        if c.args:
            solver._watch_callback(c, 0, {"handler_arg": 0})
            solver.edge(solver.p.prop_node("default"), c.result)

    def _set(self, solver, c: Call) -> None:
        """`form.email` of an instance set to a field's value: the property `email` holds it, and the
        objects above it (`form`) carry it (as a container), not the whole instance."""
        if len(c.args) > 2 and len(c.str_args) > 1 and c.str_args[1]:
            self.sets.append((c, c.str_args[1]))
            p = solver.p
            segs = c.str_args[1].split(".")
            solver.edges(c.args[2], p.prop_node(segs[-1]))
            p.graph.add_edges(((v, p.prop_node(s)) for s in segs[:-1] for v in c.args[2]), EDGE_KIND["b"])

    def observable_reads(self, solver) -> list[Call]:
        """`self.ccHolder()` (no argument) of a property a template binding sets (`_set`): a Knockout
        observable read, what the binding set, whether or not the observable is in the scan (Magento's
        `this._super().observe(['ccHolder'])` makes it from the component's defaults). Not a call that
        carries its receiver into its result (the view model is not what the observable holds)."""
        p = solver.p
        names = {name.rsplit(".", 1)[-1] for _c, name in self.sets}
        if not names:
            return []
        objs = p.objs
        out = []
        for c in p.calls:
            if c.args or c.is_new or c.method not in names:
                continue
            if any(objs[o][0] == "fn" and p.funcs[objs[o][1]].name == c.method for o in solver.objects(c.callee)):
                continue  # a method of the scan's own (not another function `this` may also hold)
            out.append(c)
        return out

    def _observable_reads(self, solver) -> None:
        p = solver.p
        for c in self.observable_reads(solver):
            solver.edge(p.prop_node(c.method), c.result)

    def _subscribe(self, solver, c: Call) -> None:
        """`wp.data.subscribe(fn)`: fn is a listener of the store, run as the shopper types."""
        if not c.args or not self.event_now:
            return
        p = solver.p
        tn = p.node("target", "store", c.uid, c.start, c.fid)
        g = p.graph
        g.ensure(tn)  # a node made while solving
        solver.seed(tn, ("G", "document"))
        rg = Registration(len(p.regs), c.uid, c.fid, c.start, c.end, [self.event_now], tn, c.args[0],
                          c.path or "subscribe")
        p.regs.append(rg)
        solver._watch_registration(rg)

    def _vanilla_store(self, solver, c: Call) -> None:
        """zustand's `createStore((set, get, api) => ({…}))`: one state per call, what the initializer returns
        and what `set`/`api.setState` are given; the store (and `set`, `get`, `api`) is a setter of it (`R`),
        so `store.getState()` reads it and `store.subscribe(fn)` runs fn with it after each `set`, under the
        triggers of the code that called `set` (the Knockout subscription of `link.passes._effects`)."""
        st = self._new_store(solver, c, "store")
        self.store_nodes.add(st)
        if c.args:
            for v in c.args[0]:
                solver.on(v, ("store_init", c, st))

    def _new_store(self, solver, c: Call, label: str) -> int:
        """The state node of a store made by call `c`; the call's result is its setter object (`R`), whose
        `setters` methods (the API's) write it."""
        p = solver.p
        st = p.node("state", label, c.uid, c.start, HEAP)
        p.graph.ensure(st)
        solver.state_calls.add(c.cid)
        solver.state_nodes.add(st)
        solver.seed(c.result, ("R", st))
        self.store_states[c.cid] = st
        self.state_setters[st] = self.setters_now
        return st

    def _writable(self, solver, c: Call) -> None:
        """Svelte's `writable(value)`: a store whose state is `value` and what its `set(x)` is given (`update(fn)`:
        fn's return, fn given the state, as a React state updater); `store.subscribe(fn)` runs fn with the state
        after each write, under the triggers of the code that wrote it (`link.passes._effects`), and `get(store)`
        (or `$store` in a component, `_store_get`) reads it. The state is a value, read field by field."""
        st = self._new_store(solver, c, "writable")
        if c.args:
            solver.edges(c.args[0], st)

    def _widget(self, solver, c: Call) -> None:
        """jQuery UI's `$.widget(name, [base,] prototype)`: creating the widget on its element (Magento's
        `data-mage-init`, `$(el).name()`) runs the prototype's `runs` methods (`_create`, `_init`) with `this`
        the prototype, once its object is known (`settle`)."""
        if c.args and self.runs_now:
            self.widget_calls.append((c, self.runs_now, self.binds_now))

    def _widgets(self, solver) -> None:
        p = solver.p
        objs = p.objs
        for c, runs, binds in self.widget_calls:
            for o in sorted(solver.objects(c.args[-1])):
                if objs[o][0] != "O":
                    continue
                lit = objs[o][1]
                for m in runs:
                    for f in self._functions(solver, p.literal_props.get((lit, m), ())):
                        solver.call_edges.add((c.fid, f))
                        solver.add(p.funcs[f].this, o)  # (the prototype, not what its literal holds)
                if binds:
                    solver.propagate()  # (what `_create` computes: its `this`, the maps it builds)
                    self._widget_binds(solver, o, lit, binds)
                    solver.propagate()

    def _widget_binds(self, solver, o: int, lit: int, binds: tuple) -> None:
        """`this._on({'keyup input[name=postcode]': '_onKeyup', change: function (e) {…}})` in a widget's
        methods (jQuery UI; `this._on(this.element.find(x), {…})`): each key is an event and a selector
        within the widget's element (which the scan does not know: the page's elements the selector matches;
        no selector: any field of it, or the elements given first), each value a handler or the name of
        one of the widget's methods. A handler runs with `this` the widget. Keys are the map's literal keys
        and those stored into it once folded (`handlers['keyup ' + this.options.zipSelector] = '_onKeyup'`)."""
        p = solver.p
        objs = p.objs
        for b in p.calls:
            if b.method not in binds or b.handled or not b.args or not b.recv or o not in solver.objects(b.recv):
                continue  # (`this._on(el, {blur: '_send'})` written out: registered when extracted)
            for hm in sorted(solver.objects(b.args[-1])):
                if objs[hm][0] != "O":
                    continue
                hl = objs[hm][1]
                entries = [(k, vals, p.literal_strs.get((hl, k))) for k, vals in solver.literal_entries(hl)]
                entries += [(st.prop, st.value, "".join(st.tmpl) if st.tmpl and all(isinstance(x, str) for x in st.tmpl)
                             else None) for st in p.stores if st.prop and hm in solver.objects(st.obj)]
                for key, vals, name in entries:
                    m = _ON_KEY.match(key)
                    if m is None or not m.group(1):
                        continue
                    # a method of the widget, by its name; or the handler itself
                    handlers = list(p.literal_props.get((lit, name), ())) if name else list(vals)
                    if not handlers:
                        continue
                    tn = p.node("target", "", b.uid, b.start, b.fid)
                    p.graph.ensure(tn)
                    sel = m.group(2).strip()
                    if sel:
                        solver.seed(tn, ("E", sel))
                    elif len(b.args) > 1:
                        solver.edges(b.args[0], tn)
                    else:
                        solver.seed(tn, ("E", "*"))
                    rg = Registration(len(p.regs), b.uid, b.fid, b.start, b.end, [m.group(1)], tn, tuple(handlers),
                                      "._on")
                    p.regs.append(rg)
                    solver._watch_registration(rg)
                    for f in self._functions(solver, handlers):
                        solver.add(p.funcs[f].this, o)

    def _store_get(self, solver, c: Call) -> None:
        """`get(store)` of a Svelte store (`$store` in a component: the binding code's call): its state."""
        if c.args:
            for v in c.args[0]:
                solver.on(v, ("store_get", c))

    def on_store_init(self, solver, c: Call, fid: int, st: int) -> None:
        """The initializer runs in the `createStore` call, given `set`, `get` and the store; its return is the
        state."""
        p = solver.p
        f = p.funcs[fid]
        solver.call_edges.add((c.fid, fid))
        for pn in f.params[:3]:
            solver.seed(pn, ("R", st))
        solver.edge(f.ret, st)

    def store_held(self, solver, limit: int = 4096) -> set[int]:
        """The object literals a store's state holds: what its writes are given, and the literals inside
        those, however many (a state's own points-to set stops at `PTS_CAP`)."""
        if not self.store_nodes:
            return set()
        p = solver.p
        objs = p.objs
        out: set[int] = set()
        todo = []
        for st in sorted(self.store_nodes):
            for m in p.graph.pred.get(st, ()):
                todo += sorted(solver.pts.get(m, ()))
        while todo and len(out) < limit:
            o = todo.pop()
            if o in out or objs[o][0] != "O":
                continue
            out.add(o)
            todo += sorted(solver.pts.get(objs[o][1], ()))
            for _k, vals in self._props_of(p, objs[o][1]):
                for v in vals:
                    todo += sorted(solver.pts.get(v, ()))
        return out

    def _store_setters(self, solver) -> None:
        """`store.setState(x)` (the API's `setters`) writes the state as `set(x)` does."""
        p = solver.p
        objs = p.objs
        states = set(self.store_states.values())
        for c in p.calls:
            if c.method not in self.setters or not c.recv or not c.args:
                continue
            for o in sorted(solver.objects(c.recv)):
                if objs[o][0] == "R" and objs[o][1] in states and c.method in self.state_setters.get(objs[o][1], ()):
                    solver._on_call(c, objs[o], o)

    def _returns(self, solver, c: Call) -> None:
        """`useForm()`: its result is the API `returns` names (`const { watch } = useForm()`)."""
        if self.returns_now:
            solver.seed(c.result, ("G", self.returns_now))

    def _form_watch(self, solver, c: Call) -> None:
        """react-hook-form's `watch((values, {name}) => …)`: the callback runs as the shopper types, with the
        form's values, keyed by field (`values.email`: see `FORM_VALUES`). `watch('email')`,
        `watch(['email', 'phone'])`: see `_watched_values`."""
        if not c.args:
            return
        p = solver.p
        if c.str_args and c.str_args[0]:
            self._watched_values(solver, c, [c.str_args[0]])
            return
        elems = p.array_strs.get(c.args[0][0]) if len(c.args[0]) == 1 else None
        if elems and all(e is not None for e in elems):
            self._watched_values(solver, c, list(dict.fromkeys(elems)))
            return
        self._subscribe(solver, c)
        self.form_watches.append(c)

    def _watched_values(self, solver, c: Call, names: list) -> None:
        """`const email = watch('email')` in a component: the value of the field registered as `email`, and
        the component renders again as the shopper types into it (react-hook-form subscribes it): a listener
        on that field that runs the component, so what it computes from the value (an effect on it) runs
        then. `const [qty, note] = watch(['qty', 'note'])`: each name its element (used whole, the array holds
        all of them)."""
        p = solver.p
        fnode = self.fnode_of(p, c.fid)
        srcs = []
        for name in names:
            tn = p.node("target", name, c.uid, c.start, c.fid)
            p.graph.ensure_below(len(p.kind))
            solver.seed(tn, ("E", f'[name="{name}"]'))
            src = p.new_source("value", c.uid, c.fid, c.start, c.end, (tn,), "value", False, f"watch({name!r})")
            p.graph.ensure_below(len(p.kind))
            solver.edge(src, c.result)
            srcs.append(src)
            if fnode is not None and not p.funcs[c.fid].top:
                rg = Registration(len(p.regs), c.uid, c.fid, c.start, c.end, ["input"], tn, (fnode,), "watch")
                p.regs.append(rg)
                solver._watch_registration(rg)
        if len(srcs) > 1:  # `const [qty, note] = watch([...])`: each name its element
            for v in list(p.graph.succ.get(c.result, ())):
                i = p.pattern_elems.get(v)
                if i is not None and i < len(srcs):
                    p.graph.remove_edge(c.result, v)
                    solver.edge(srcs[i], v)

    def fnode_of(self, p, fid: int) -> int | None:
        """The value node of function `fid` (its definition)."""
        if self._fnodes is None:
            self._fnodes = {}
            for n, f in p.fnode_fid.items():
                self._fnodes.setdefault(f, n)
        return self._fnodes.get(fid)

    def _proxy(self, solver, c: Call) -> None:
        if len(c.args) < 2:
            return
        solver.edges(c.args[0], c.result)
        solver.seed(c.result, ("PX", c.cid))

    def _traps(self, solver, cid: int, name: str) -> list[int]:
        p = solver.p
        objs = p.objs
        out = []
        for o in solver.objects(p.calls[cid].args[1]):
            if objs[o][0] == "O":
                out += self._functions(solver, p.literal_props.get((objs[o][1], name), ()))
        return out

    def on_proxy_load(self, solver, ld, key: tuple) -> None:
        """`proxy.anything`: what the `get` trap returns (called with the target and the name)."""
        p = solver.p
        c = p.calls[key[1]]
        for f in self._traps(solver, key[1], "get"):
            fn = p.funcs[f]
            solver.call_edges.add((p.fid[ld.nid], f))
            if fn.params:
                solver.edges(c.args[0], fn.params[0], "a")
            solver.edge(fn.ret, ld.nid, "r")

    def on_proxy_call(self, solver, call: Call, key: tuple) -> None:
        """`proxy(…)`: the `apply` trap runs with the target, `this` and the arguments."""
        p = solver.p
        c = p.calls[key[1]]
        for f in self._traps(solver, key[1], "apply"):
            fn = p.funcs[f]
            solver.call_edges.add((call.fid, f))
            if fn.params:
                solver.edges(c.args[0], fn.params[0], "a")
            if len(fn.params) > 2:
                for a in call.args:
                    solver.edges(a, fn.params[2], "a")
            solver.edge(fn.ret, call.result, "r")

    def _store(self, solver, c: Call) -> None:
        """`defineStore(id, {state, getters, actions})` / `defineStore(id, () => {…})`: the result is a
        function (`useCheckoutStore`) whose calls return the store (see `on_store_call`)."""
        solver.seed(c.result, ("PS", c.cid))

    def on_store_call(self, solver, call: Call, key: tuple) -> None:
        """`const checkout = useCheckoutStore()`: the store is what `state()` returns (a reactive object,
        watched like one), with the `actions` as its methods (`this` is the store) and the `getters` as
        getters of it; a setup store is what its setup function returns."""
        p = solver.p
        objs = p.objs
        if (call.cid, key) not in self.store_seen:
            self.store_seen.add((call.cid, key))
            self.store_calls.append((call, key))  # asked again at `settle`, when the options are all known
        d = p.calls[key[1]]
        opts = d.args[1] if len(d.args) > 1 else d.args[0] if d.args else ()
        found = solver.objects(opts)
        options = any(objs[o][0] == "O" for o in found)  # (the functions an options literal holds show too)
        for o in sorted(found):
            if (call.cid, o) in self.store_linked:
                continue
            self.store_linked.add((call.cid, o))
            if objs[o][0] == "fn" and not options:  # a setup store
                solver.call_edges.add((call.fid, objs[o][1]))
                solver.edge(p.funcs[objs[o][1]].ret, call.result, "r")
                continue
            if objs[o][0] != "O":
                continue
            if not any(c is call for c in self.store_uses):
                self.store_uses.append(call)
            lit = objs[o][1]
            for f in self._functions(solver, p.literal_props.get((lit, "state"), ())):
                solver.call_edges.add((call.fid, f))
                solver.edge(p.funcs[f].ret, call.result, "r")
            for group in ("actions", "getters"):
                for go in solver.objects(p.literal_props.get((lit, group), ())):
                    if objs[go][0] != "O":
                        continue
                    for name, vals in self._props_of(p, objs[go][1]):
                        for f in self._functions(solver, vals):
                            fn = p.funcs[f]
                            solver.edges((call.result,), fn.this, "a")
                            if group == "actions":  # a method of the store
                                n = p.prop_node(name)
                                p.graph.ensure(n)
                                solver.edges(vals, n)
                            else:  # `fullName: (state) => …`: reading `store.fullName` runs it
                                if fn.params:
                                    solver.edges((call.result,), fn.params[0], "a")
                                if f not in p.accessors.setdefault(("get", name), []):
                                    p.accessors[("get", name)].append(f)

    def _props_of(self, p, lit: int) -> list:
        """(name, values) of one object literal, from an index of all of them made once."""
        if self.lit_index is None:
            self.lit_index = {}
            for (l2, name), vals in p.literal_props.items():
                if name:
                    self.lit_index.setdefault(l2, []).append((name, vals))
            for v in self.lit_index.values():
                v.sort(key=lambda nv: nv[0])
        return self.lit_index.get(lit, [])

    def _options(self, solver, c: Call) -> None:
        self.options_calls.append(c)  # read once the options object has arrived (see `settle`)

    def settle(self, solver) -> None:
        """Before accessors are linked: the options objects of components, and the objects spread onto
        elements as props, are known by now."""
        for c in self.options_calls:
            self._read_options(solver, c)
        for call, key in list(self.store_calls):
            self.on_store_call(solver, call, key)
        if self.store_states:
            self._store_setters(solver)
        if self.widget_calls:
            self._widgets(solver)
        link_spreads(solver, solver.r.known_events)
        lazy_models(solver)
        self.mounted = mount_components(solver, self.app_calls)
        link_computed_stores(solver)

    def _bound_listeners(self, solver) -> set:
        """Methods of options objects registered as listeners (`addEventListener('beforeunload',
        this.onLeave)`): their `this` is the instance (Vue binds methods), given here; a method called as
        `this.m()` gets it from the call."""
        if self.listener_methods is None:
            objs = solver.p.objs
            methods = solver._options_methods()
            self.listener_methods = {objs[o][1] for rg in solver.p.regs for o in solver.objects(rg.handler)
                                     if objs[o][0] == "fn" and objs[o][1] in methods}
        return self.listener_methods

    def _read_options(self, solver, c: Call) -> None:
        """`computed: {payload() {…}}`: reading `this.payload` runs the getter, with `this` the instance;
        `watch: {…}` entries watch an instance path."""
        if len(c.args) < 2:
            return
        p = solver.p
        objs = p.objs
        for o in solver.objects(c.args[0]):
            if objs[o][0] != "O":
                continue
            for co in solver.objects(p.literal_props.get((objs[o][1], "computed"), ())):
                if objs[co][0] != "O":
                    continue
                for (lit, key), vals in p.literal_props.items():
                    if lit != objs[co][1]:
                        continue
                    for fo in solver.objects(vals):
                        if objs[fo][0] == "fn":
                            fid = objs[fo][1]
                            if fid not in p.accessors.setdefault(("get", key), []):
                                p.accessors[("get", key)].append(fid)
                            solver.edges(c.args[1], p.funcs[fid].this, "a")
            listeners = self._bound_listeners(solver)
            for mo in solver.objects(p.literal_props.get((objs[o][1], "methods"), ())):
                if objs[mo][0] != "O":
                    continue
                for _key, vals in self._props_of(p, objs[mo][1]):
                    for fo in solver.objects(vals):
                        if objs[fo][0] == "fn" and objs[fo][1] in listeners:  # bound to the instance
                            solver.edges(c.args[1], p.funcs[objs[fo][1]].this, "a")
            for wo in solver.objects(p.literal_props.get((objs[o][1], "watch"), ())):
                if objs[wo][0] != "O":
                    continue
                for (lit, key), vals in p.literal_props.items():
                    if lit != objs[wo][1] or key is None:
                        continue
                    for fid in self._watch_handlers(solver, vals):
                        self.option_watchers.append((key, fid, c.args[1]))

    # ---------------------------------------------------------------------------------- after solving
    def link(self, solver) -> None:
        """Reducers run by their dispatches; watchers and effects called by the writers of what they watch."""
        p = solver.p
        self._pass_props(solver)
        self._observable_reads(solver)
        for c in self.form_watches:  # the callback's first parameter: the form's values
            for f in self._functions(solver, c.args[0]):
                fn = p.funcs[f]
                if fn.params:
                    s = p.new_source("values", c.uid, f, c.start, c.end, (), FORM_VALUES, False, "values")
                    p.graph.ensure_below(len(p.kind))
                    p.graph.add_edges(((s, fn.params[0]),), EDGE_PLAIN)
        for c, st in self.dispatches:
            if st not in self.reducers:
                # `setFields(f => ({...f, [k]: v}))`: the updater gets the state and returns the new one
                for f in self._functions(solver, c.args[0] if c.args else ()):
                    fn = p.funcs[f]
                    solver.call_edges.add((c.fid, f))
                    if fn.params:
                        solver.edge(st, fn.params[0])
                    solver.edge(fn.ret, st)
                continue
            for f in self._functions(solver, self.reducers[st]):
                fn = p.funcs[f]
                solver.call_edges.add((c.fid, f))
                if len(fn.params) > 1 and c.args:
                    solver.edges(c.args[0], fn.params[1], "a")
                if fn.params:
                    solver.edge(st, fn.params[0])
                solver.edge(fn.ret, st)
        solver.propagate()  # the reducer's parameters now hold the actions' objects (read field by field)
        if self.sets:
            self._subscriptions(solver)
        sets = [(c, path, c.args[2]) for c, path in self.sets] + self._instance_emits(solver)
        if sets:
            # `this.$watch('email', fn)` / an Alpine `x-init="$watch('email', fn)"`: a watch entry added by code,
            # on the instance the binding code sets (its receiver's objects, when it has any)
            for w in p.calls:
                if w.method not in self.watch_methods or not w.str_args or not w.str_args[0] or len(w.args) < 2:
                    continue
                wobjs = solver.objects(w.recv) if w.recv else set()
                for fid in sorted(self._functions(solver, w.args[1])):
                    for c, path, _vals in sets:
                        inst = c.args[0] if c.args else ()
                        if wobjs and inst and not (wobjs & solver.objects(inst)):
                            continue
                        if path == w.str_args[0] or path.startswith(w.str_args[0] + "."):
                            entry = (w.str_args[0], fid, tuple(w.recv or ()))
                            if entry not in self.option_watchers:
                                self.option_watchers.append(entry)
        for c, path, vals in sets:
            for key, fid, inst in self.option_watchers:
                if path == key or path.startswith(key + "."):
                    fn = p.funcs[fid]
                    solver.call_edges.add((c.fid, fid))
                    if fn.params:
                        p.graph.add_edges(((v, fn.params[0]) for v in vals), EDGE_KIND["a"])
                    p.graph.add_edges(((v, fn.this) for v in inst), EDGE_KIND["a"])
        if self.store_nodes:
            self._selector_subscriptions(solver)
        if self.mounted:
            self._script_watchers(solver)
        if not (self.watch_calls or self.effect_calls):
            return
        objs = p.objs
        # the state objects: refs, and reactive literals (with the literals nested in them: deep)
        state: dict[int, int] = {}  # object id -> state id (the ref call id or the reactive object id)
        for o, key in enumerate(objs):
            if key[0] == "RF":
                state[o] = o
        for c in self.reactive_calls + self.store_uses:
            for o in solver.objects((c.result,)):
                if objs[o][0] != "O":
                    continue
                state[o] = o
                for (lit, _k), vals in p.literal_props.items():
                    if lit == objs[o][1]:
                        for n in solver.objects(vals):
                            if objs[n][0] == "O":
                                state.setdefault(n, o)
        self._effects_on_variables(solver)
        if not state:
            return
        # who writes which state, by property: a watcher of `() => form.zip` runs when `form.zip` is set,
        # not when `form.addr` is (a store with a computed key may set any of them)
        writers = _Writers()
        for st in p.stores:
            if st.obj == ("<global>",):
                continue
            for o in solver.objects(st.obj):
                s = state.get(o)
                if s is not None:
                    writers.add(s, st.prop, st.fid)
        for o, prop, fid in self._emit_writes(solver):
            s = state.get(o)
            if s is not None:
                writers.add(s, prop, fid)
        for cid, cc in self.computed.items():  # a computed ref changes when what its getter reads changes
            o = p.obj_ids.get(("RF", cid))
            if o is None or not cc.args:
                continue
            for g in self._functions(solver, cc.args[0]):
                p.graph.add_edges(((p.funcs[g].ret, self.state_node(solver, cid)),), EDGE_PLAIN)
                for s, prop in self._read_states(solver, g, state):
                    for w in writers.of(s, prop):
                        writers.add(o, None, w)
        deep = self._prop_ref_writers(solver, state, writers)
        reads_in = {}
        for c in self.watch_calls:
            if len(c.args) < 2:
                continue
            watched = {(state[o], None) for o in solver.objects(c.args[0]) if o in state}
            for g in self._functions(solver, c.args[0]):  # a getter: what it reads, and its value
                watched |= self._read_states(solver, g, state, reads_in)
                # `() => ({ ...customer })`, `() => customer`: its value is (or spreads) the object, every
                # property of which it reads
                watched |= {(state[o], None) for o in solver.objects((p.funcs[g].ret,)) if o in state}
            callers = set().union(*(writers.of(s, prop) for s, prop in watched)) if watched else set()
            for o in solver.objects(c.args[0]) if deep else ():
                callers |= deep.get(o, set())
            for g in self._functions(solver, c.args[0]):
                for w in callers:
                    solver.call_edges.add((w, g))
            for f in self._functions(solver, c.args[1]):
                fn = p.funcs[f]
                for w in callers:
                    solver.call_edges.add((w, f))
                if fn.params:
                    src = list(c.args[0])
                    src += [p.funcs[g].ret for g in self._functions(solver, c.args[0])]
                    src += [self.state_node(solver, objs[o][1]) for o in solver.objects(c.args[0])
                            if objs[o][0] == "RF"]
                    p.graph.add_edges(((v, fn.params[0]) for v in src), EDGE_PLAIN)
        for c in self.effect_calls:
            if not c.args:
                continue
            for f in self._functions(solver, c.args[0]):
                for s, prop in self._read_states(solver, f, state, reads_in):
                    for w in writers.of(s, prop):
                        solver.call_edges.add((w, f))

    def _selector_subscriptions(self, solver) -> None:
        """zustand's `subscribeWithSelector` middleware: `store.subscribe(selector, listener)` runs the selector
        after the writes of the properties it reads (`(s) => s.email`: writes that set `email`; all writes when
        it reads the state otherwise), and the listener then, with what the selector returned."""
        p = solver.p
        objs = p.objs
        funcs = p.funcs
        by_prop: dict[tuple, set] = {}  # (state, top-level property) -> functions that write it
        any_key: dict[int, set] = {}  # state -> functions whose writes may set any property
        for d, st in self.dispatches:
            if st not in self.store_nodes or not d.args:
                continue  # (`get()` reads)
            found = solver.objects(d.args[0])
            lits = [o for o in found if objs[o][0] == "O"]
            if not lits or any(objs[o][0] == "fn" for o in found):
                any_key.setdefault(st, set()).add(d.fid)
            for o in lits:
                for k, _v in self._props_of(p, objs[o][1]):
                    by_prop.setdefault((st, k), set()).add(d.fid)
        for c in p.calls:
            if c.method != "subscribe" or len(c.args) < 2 or not c.recv:
                continue
            states = sorted({objs[o][1] for o in solver.objects(c.recv)
                             if objs[o][0] == "R" and objs[o][1] in self.store_nodes})
            if not states:
                continue
            gs = self._functions(solver, c.args[0])
            writers = set()
            for g in gs:
                props = self._param_props(p, funcs[g])
                for st in states:
                    if props is None:
                        writers |= solver.resolver_callers.get(st, set())
                    else:
                        writers |= any_key.get(st, set())
                        for k in props:
                            writers |= by_prop.get((st, k), set())
            for f in gs + self._functions(solver, c.args[1]):
                for w in sorted(writers):
                    solver.call_edges.add((w, f))
            for h in self._functions(solver, c.args[1]):
                if funcs[h].params:
                    p.graph.add_edges(((funcs[g].ret, funcs[h].params[0]) for g in gs), EDGE_KIND["a"])

    @staticmethod
    def _param_props(p, fn) -> set | None:
        """The properties a function reads of its first parameter (`(s) => s.contact.email`: `contact`), or
        None when it uses the parameter otherwise too (passes it on, reads a computed key)."""
        if not fn.params:
            return None
        pn = fn.params[0]
        props: set[str] = set()
        for ld in p.loads:
            if pn in ld.base:
                if ld.prop is None or ld.prop == "[]":
                    return None
                props.add(ld.prop)
        uses = sum(1 for m in p.graph.succ.get(pn, ()) if p.kind[m] not in ("load", "arguments"))
        return props if props and not uses else None

    def _script_watchers(self, solver) -> None:
        """A component mounted without a template (render functions, models/mount.py): its `watch` entries
        (`'form.email'(v) {…}`, `'form.dob': {handler(v) {…}}`) run after the component's own code sets
        that instance path (`this.form.email = v`, `this.form[key] = v`: any key), under the triggers of the
        code that set it, with the value set. The setting code is the component's: a function inside the
        options object (its methods and render functions, and the functions they create)."""
        p = solver.p
        objs = p.objs
        funcs = p.funcs
        called = None
        added = [c for c in p.calls  # `this.$watch('form.email', fn)`: watch entries added by code
                 if c.method in self.watch_methods and c.str_args and c.str_args[0] and len(c.args) > 1]
        for o in self.mounted:
            lit = objs[o][1]
            watchers = []
            for wo in solver.objects(p.literal_props.get((lit, "watch"), ())):
                if objs[wo][0] != "O":
                    continue
                for key, vals in self._props_of(p, objs[wo][1]):
                    watchers += [(key, fid) for fid in sorted(set(self._watch_handlers(solver, vals)))]
            if not watchers and not added:
                continue
            own = [f for _k, vals in self._props_of(p, lit) for f in self._functions(solver, vals)]
            for _k, vals in self._props_of(p, lit):  # methods: `methods: {field(…) {…}}`
                for mo in solver.objects(vals):
                    if objs[mo][0] == "O" and objs[mo][1] != lit:
                        own += [f for _k2, v2 in self._props_of(p, objs[mo][1]) for f in self._functions(solver, v2)]
            spans = [(funcs[f].uid, funcs[f].start, funcs[f].end) for f in sorted(set(own))]
            if not spans:
                continue
            for c in added:  # (in the component's own code)
                fc = funcs[c.fid] if c.fid >= 0 else None
                if fc is not None and any(u == fc.uid and a <= fc.start and fc.end <= b for u, a, b in spans):
                    watchers += [(c.str_args[0], fid) for fid in self._functions(solver, c.args[1])]
            if not watchers:
                continue
            if called is None:
                # (a function that renders elements is a root of its own: React renders it at load)
                called = {b for _a, b in solver.call_edges} | {r[0] for r in solver.roots if r[0] not in p.components}
            for st in p.stores:
                fn = funcs[st.fid] if st.fid >= 0 else None
                if fn is None or not any(u == fn.uid and a <= fn.start and fn.end <= b for u, a, b in spans):
                    continue
                if not self._live(funcs, st.fid, called):
                    continue  # in a helper every call of which runs a copy of its own (extract/clones.py)
                path = self._instance_path(p, st)
                if path is None:
                    continue
                for key, fid in watchers:
                    hit = path == key or path.startswith(key + ".") or (
                        path.endswith(".[]") and key.startswith(path[:-2]) and "." not in key[len(path) - 2:])
                    if not hit:
                        continue
                    solver.call_edges.add((st.fid, fid))
                    if funcs[fid].params:
                        p.graph.add_edges(((v, funcs[fid].params[0]) for v in st.value), EDGE_KIND["a"])

    @staticmethod
    def _live(funcs, fid: int, called: set) -> bool:
        """No function around `fid` (below its file's top level) is one nothing calls."""
        a = funcs[fid].parent
        while a is not None and not funcs[a].top:
            if a not in called:
                return False
            a = funcs[a].parent
        return True

    @staticmethod
    def _instance_path(p, st) -> str | None:
        """`this.email = v` → `email`, `this.form.email = v` → `form.email`, `this.form[k] = v` → `form.[]`."""
        prop = st.prop if st.prop else "[]"
        for n in st.obj:
            if n == "<global>":
                return None
            if p.kind[n] == "this":
                return prop
            if p.kind[n] == "load" and p.label[n] != "[]" and any(p.kind[b] == "this" for b in p.load_base.get(n, ())):
                return p.label[n] + "." + prop
        return None

    def _subscriptions(self, solver) -> None:
        """`this.email.subscribe(fn)` in a view model's method: fn watches the instance path `email` (a
        template binding's set of it runs fn), whether or not the observable is in the scan."""
        p = solver.p
        for c in p.calls:
            if c.method != "subscribe" or not c.recv or not c.args:
                continue
            for r in c.recv:
                if p.kind[r] != "load" or p.label[r] == "[]":
                    continue
                inst = tuple(b for b in p.load_base.get(r, ()) if p.kind[b] == "this")
                if not inst:
                    continue
                for fid in self._functions(solver, c.args[0]):
                    self.option_watchers.append((p.label[r], fid, inst))

    def _effects_on_variables(self, solver) -> None:
        """An effect also runs again when a plain variable it reads is assigned (Svelte 5's `$effect` over
        `let zip = $state('')`, bound by `bind:value={zip}`): the functions that assign a variable declared
        outside the effect, and read inside it, call it."""
        p = solver.p
        effects = sorted({f for c in self.effect_calls if c.args for f in self._functions(solver, c.args[0])})
        if not effects:
            return
        pred, succ = p.graph.pred, p.graph.succ
        kind, fidof = p.kind, p.fid
        inside: dict[int, set] = {}  # effect fid -> the fids nested in it (itself included)
        for f in effects:
            inside[f] = {f}
        for fn in p.funcs:  # (parents come before children)
            par = fn.parent
            for f in effects:
                if par is not None and par in inside[f]:
                    inside[f].add(fn.fid)
        refs_of: dict[int, list] = {}
        wanted = set().union(*inside.values())
        for n, k in enumerate(kind):
            if k == "var" and fidof[n] in wanted:
                refs_of.setdefault(fidof[n], []).append(n)
        for f in effects:
            nested = inside[f]
            for fid in sorted(nested):
                for r in refs_of.get(fid, ()):
                    for d in pred.get(r, ()):  # the declaration (a classic script's top level: a global)
                        if kind[d] not in ("var", "global") or fidof[d] in nested:
                            continue
                        for w in succ.get(d, ()):  # the variable's references in other functions
                            wf = fidof[w]
                            if kind[w] != "var" or wf in nested or wf == fidof[d] or w == r or wf < 0 \
                                    or p.funcs[wf].top:
                                continue
                            if any(m != d for m in pred.get(w, ())):  # assigned there (not only read)
                                solver.call_edges.add((wf, f))

    def _watch_handlers(self, solver, vals) -> list[int]:
        """The functions of a `watch:` entry: `email(v) {…}` or `{handler(v) {…}, deep: true}`."""
        objs = solver.p.objs
        fns = []
        for x in solver.objects(vals):
            if objs[x][0] == "fn":
                fns.append(objs[x][1])
            elif objs[x][0] == "O":
                fns += self._functions(solver, solver.p.literal_props.get((objs[x][1], "handler"), ()))
        return fns

    @staticmethod
    def _functions(solver, vals) -> list[int]:
        objs = solver.p.objs
        return sorted(objs[o][1] for o in solver.objects(vals) if objs[o][0] == "fn")

    @staticmethod
    def _read_states(solver, fid: int, state: dict, cache: dict | None = None) -> set[tuple]:
        """(state object, property) pairs a function (or a function nested in it) reads."""
        if cache is not None and fid in cache:
            return cache[fid]
        p = solver.p
        funcs = p.funcs
        out: set[tuple] = set()
        f0 = funcs[fid]
        for ld in p.loads:
            n = ld.nid
            if p.unit[n] != f0.uid or not (f0.start <= p.pos[n] < f0.end):
                continue
            for o in solver.objects(ld.base):
                s = state.get(o)
                if s is not None:
                    out.add((s, ld.prop))
        if cache is not None:
            cache[fid] = out
        return out


class _Writers:
    """Functions that store into state objects: by (state, property), with stores of a computed key (any
    property) and all of them per state."""

    def __init__(self):
        self.by_prop: dict[tuple, set[int]] = {}
        self.any_key: dict[int, set[int]] = {}
        self.all: dict[int, set[int]] = {}

    def add(self, s: int, prop, fid: int) -> None:
        self.all.setdefault(s, set()).add(fid)
        if prop is None or prop == "[]":
            self.any_key.setdefault(s, set()).add(fid)
        else:
            self.by_prop.setdefault((s, prop), set()).add(fid)

    def of(self, s: int, prop) -> set[int]:
        """Writers that may change what a read of `prop` (None: of the whole object) sees."""
        if prop is None or prop == "[]":
            return self.all.get(s, set())
        return self.by_prop.get((s, prop), set()) | self.any_key.get(s, set())


HANDLERS = {
    "ref": StateModel._ref,
    "prop_ref": StateModel._prop_ref,
    "prop_refs": StateModel._prop_refs,
    "reducer": StateModel._reducer,
    "reactive": StateModel._reactive,
    "props": StateModel._props,
    "emits": StateModel._emits,
    "child_props": StateModel._child_props,
    "computed": StateModel._computed,
    "watch": StateModel._watch,
    "effect": StateModel._effect,
    "watch_or_effect": StateModel._do_watch,
    "wrap": StateModel._wrap,
    "app": StateModel._app,
    "mounted": StateModel._mounted,
    "lazy": StateModel._lazy,
    "options": StateModel._options,
    "subscribe": StateModel._subscribe,
    "proxy": StateModel._proxy,
    "store": StateModel._store,
    "component": StateModel._component,
    "set": StateModel._set,
    "returns": StateModel._returns,
    "vanilla_store": StateModel._vanilla_store,
    "writable": StateModel._writable,
    "store_get": StateModel._store_get,
    "widget": StateModel._widget,
    "form_watch": StateModel._form_watch,
}
