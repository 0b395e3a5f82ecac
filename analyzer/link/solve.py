"""Stage 4: linking. Which abstract objects reach which node, and what that makes of every call.

A worklist propagation (Andersen-style, field-based, flow-insensitive) of abstract objects over the
dataflow graph: functions, global access paths (`G`, e.g. `navigator.sendBeacon`, `%XMLHttpRequest` for a
factory type), element descriptors (`E`, a CSS selector), event objects (`EV`, per registration) and
promise resolvers (`R`), object literals and `new` instances (`O`), iterator steps and descriptors
(`IT`, results of rules `plain_result_methods`: never an element), values built-in globals' functions make
(`B`, `Math.max(…)`, `JSON.parse(…)`: no element, no object of the scan's). Watchers on loads, calls, callbacks and registrations turn new objects into new
objects or new edges: a function reaching a callee links arguments to parameters and the return to the
call result; `G: jQuery` reaching a callee makes the call a jQuery factory; an event object's `.target`
is the registration's element (`E *` on a catch-all global). Module imports are linked first, calls the scan cannot resolve get the
default propagation (arguments and receiver flow into the result) at the end.
"""
from __future__ import annotations

import dataclasses
import posixpath
from collections import deque

from analyzer.extract.util import GUARD_METHODS
from analyzer.extract.calls import selector_template
from analyzer.program import EDGE_KIND, EDGE_PLAIN, HEAP, Call, Load, Program, Registration, Store, within
from analyzer.models.param_pairs import pair_param_calls
from analyzer.models.superseded import drop_superseded
from analyzer.models.state import StateModel
from analyzer.models.spreads import SPREAD_API
from analyzer.rulebook import RuleBook
from analyzer.link.passes import PTS_CAP, LinkPasses

_NO_EDGES: dict = {}
FN_CAP = 6  # functions per node: past this a node is hopelessly imprecise and collects no more functions
MAX_PATH_DEPTH = 5
EVENT_TARGET_PROPS = frozenset({"target", "currentTarget", "srcElement", "delegateTarget", "relatedTarget"})
EVENT_PASS_PROPS = frozenset({"originalEvent", "clipboardData", "nativeEvent"})
_RESOLVE_EXTS = ("", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", "/index.js", "/index.mjs", "/index.ts")


# keys that make an object literal a component options object (its `methods` are bound to the instance)
_OPTION_KEYS = frozenset({"data", "computed", "watch", "props", "template", "created", "mounted", "render"})

class Solver(LinkPasses):
    def __init__(self, prog: Program, rules: RuleBook):
        self.p = prog
        self.r = rules
        self.cursor: int | None = None  # the node being propagated (names the file when linking fails)
        self.pts: dict[int, set] = {}
        self.fn_count: dict[int, int] = {}
        self.fn_objs: set[int] = set()
        self.method_class: dict[int, int] = {}  # fid of a class's constructor or method -> the class node
        self._instance_fids: dict[int, frozenset | None] = {}  # `new C()` result -> fids of C's and its bases' methods
        self._new_by_result: dict | None = None  # `new` call results -> their calls (solve_passes._new_calls)
        self._param_regs: set | None = None  # solve_passes._param_event_regs
        self._calls_by_fid: dict | None = None  # fid -> the calls in it (solve_passes._calls_in)
        self._key_of_load: dict | None = None  # load node -> its computed key part (`_keyed_loads`)
        self._methods_of_options: frozenset | None = None  # functions of component options' `methods`
        self._global_keyed: bool | None = None  # a computed-key store into the global object (solve_passes)
        self._source_of: dict | None = None  # source node -> its Source record (passes `_no_field`)
        self.work: deque = deque()  # nodes whose new objects are still to be propagated…
        self.delta: dict[int, list] = {}  # …and those objects, in the order they came
        self.watch: dict[int, list] = {}
        self.call_edges: set[tuple[int, int]] = set()
        self.timer_edges: dict[tuple[int, int], tuple] = {}  # (starter fid, callback fid) -> timer record
        self.timer_calls: set[int] = set()
        self.roots: list[tuple[int, str, object]] = []  # (fid, kind, registration|timer tuple|None)
        self.linked: set[tuple[int, int, str]] = set()
        self.recv_wait: dict[tuple[int, int], Call] = {}  # (call, class method) waiting for a receiver
        self.recv_ok: set[tuple[int, int]] = set()  # (call, class method) linked
        self.sink_hits: list[tuple[str, object, object]] = []  # ('call', Call, rule) | ('store', Store, rule)
        self.fallback_calls: set[int] = set()
        self._recv_rechecks: set[int] = set()  # calls skipped for a browser receiver, watched for a later object
        self.sink_keys: set[tuple[int, str]] = set()
        self.source_ctor_calls: set[int] = set()
        self.state_calls: set[int] = set()
        self.event_sources: set[int] = set()
        self._global_names: set[str] | None = None
        self._user: set[str] = set()
        self._user_size: tuple[int, int] | None = None
        self.state_nodes: set[int] = set()
        self.effects: list[Call] = []
        self.resolver_callers: dict[int, set[int]] = {}  # resolver target node -> fids that call it
        self._loads_on: dict[int, list] | None = None  # base node -> named loads on it (component props)
        self.props_params: dict[int, list] = {}  # a component's props parameter -> the nodes it is read through
        self.props_done: set[tuple] = set()  # (props parameter, object literal) linked key by key
        self.models = StateModel()  # framework state (refs, reactive objects, watchers)
        self.superseded: set[int] = set()  # fids inside helpers every call of which runs a copy (models/superseded.py)
        self.bound_calls: set[int] = set()
        self._bind_calls: dict | None = None  # result of `fn.bind(ctx, a, …)` -> number of bound arguments  # `api.call(this, …)` calls already read as `api(…)`
        self._stored_props: frozenset | None = None  # property names some store writes (solve._expando)
        self.scoped_done: set = set()  # (cid, 'page'): a scoped find whose `this` is no element
        self._amd_factories: dict | None = None  # file -> factories of its AMD `define` calls
        self._lit_entries: dict | None = None  # object literal -> [(key, values)] (literal_entries)
        self.faults: list[tuple[str, Exception]] = []  # linking passes that raised (see `_isolated`)
        self._bound_this: set | None = None  # results of `fn.bind(x, …)` calls (_this_bound)
        self._by_tail: dict | None = None  # path tail (no extension) -> files of the scan (_bare_module)
        self._calls_by_callee: dict | None = None  # callee node -> method calls not named yet (late methods)

    # ------------------------------------------------------------------------------------------- basics
    def add(self, nid: int, o: int) -> None:
        s = self.pts.get(nid)
        if s is None:
            s = self.pts[nid] = set()
        elif o in s or len(s) >= PTS_CAP:
            return
        if o in self.fn_objs:
            n = self.fn_count.get(nid, 0)
            if n >= FN_CAP:
                return
            self.fn_count[nid] = n + 1
        s.add(o)
        d = self.delta.get(nid)
        if d is None:
            self.delta[nid] = [o]
            self.work.append(nid)
        else:
            d.append(o)

    def seed(self, nid: int, key: tuple) -> None:
        self.add(nid, self.p.obj(key))

    def edge(self, a: int, b: int, k: str | None = None) -> None:
        g = self.p.graph
        gs = g.succ
        sa = gs.get(a)
        if sa is not None and b in sa:
            return
        attr = EDGE_PLAIN if k is None else EDGE_KIND[k]
        if sa is None:  # (FlowGraph.add_edges for one edge, inline: the solver adds edges one by one)
            sa = gs[a] = {}
            g.pred[a] = {}
        if b not in gs:
            gs[b] = {}
            g.pred[b] = {}
        sa[b] = attr
        g.pred[b][a] = attr
        if k != "b":
            pa = self.pts.get(a)
            if pa:
                for o in tuple(pa):
                    self.add(b, o)

    def edges(self, vals, b: int, k: str | None = None) -> None:
        for a in vals:
            self.edge(a, b, k)

    def on(self, nid: int, item: tuple) -> None:
        self.watch.setdefault(nid, []).append(item)
        for o in tuple(self.pts.get(nid, ())):
            self.fire(item, o)

    def objects(self, vals) -> set:
        out = set()
        for v in vals:
            out |= self.pts.get(v, set())
        return out

    # ------------------------------------------------------------------------------------------- driver
    def run(self) -> None:
        p = self.p
        p.flush_edges()
        g = p.graph
        g.ensure_below(len(p.kind))
        self._link_modules()
        # reads of a property also see what object literals hold under that name
        named = p.named
        lit_edges = []
        self.method_class = {fid: cls for cls, fids in p.class_methods.items() for fid in fids}
        class_this = {p.funcs[fid].this for fid in self.method_class}
        this_class = {p.funcs[fid].this: cls for fid, cls in self.method_class.items()}
        proto_methods: dict[tuple, list] = {}  # (ES5 constructor's node, method name) -> its function nodes
        for cls, fids in p.class_methods.items():
            if p.kind[cls] != "function":
                continue  # (a class declaration's `this.m` reads its own methods: extractor `_settle_class_loads`)
            for f in fids:
                n = self.models.fnode_of(p, f)
                if n is not None and p.funcs[f].name and n != cls:
                    proto_methods.setdefault((cls, p.funcs[f].name), []).append(n)
        event_params = self._event_params()
        props = self._component_props()
        prop_vals = self._prop_values(props) if props else set()
        for ld in p.loads:
            if ld.prop is not None:
                if props and any(b in props for b in ld.base):
                    continue  # a component's props: what its elements pass, key by key (`_props_by_key`)
                if prop_vals and ld.base and all(b in prop_vals for b in ld.base):
                    continue  # `customer.email` of a prop `{ customer }`: of what was passed, as its objects say
                if ld.prop in EVENT_TARGET_PROPS and ld.base and all(b in event_params for b in ld.base):
                    # `e.target` of a listener's event: the element (see `_event_target`), not what some
                    # literal holds under `target` (`mount(App, {target: el})`) or code stored into `.target`
                    pn = named.get(("p", ld.prop))
                    if pn is not None:
                        p.graph.remove_edge(pn, ld.nid)
                    continue
                pl = named.get(("pl", ld.prop))
                own = ld.base and all(b in class_this for b in ld.base)
                if pl is not None and not own:
                    # (`this.phone` in a class's method is its instance's, not what literals hold)
                    lit_edges.append((pl, ld.nid))
                if own and proto_methods:
                    # `this.send(v)` in a method of an ES5 constructor's prototype (`C.prototype = {send: …}`,
                    # `C.prototype.send = …`): that prototype's own `send`
                    for b in ld.base:
                        for fnode in proto_methods.get((this_class[b], ld.prop), ()):
                            lit_edges.append((fnode, ld.nid))
        p.graph.add_edges(lit_edges, EDGE_PLAIN)
        self._isolated(self._deferred_keys)
        for nid, key in p.seeds:
            if key[0] == "fn":
                self.fn_objs.add(p.obj(key))
        for nid, key in p.seeds:
            self.seed(nid, key)
        # a global no script of the scan declares is the browser's (or a library's): name it
        for key, nid in list(p.named.items()):
            if key[0] == "g" and key[2] not in p.declared_globals:
                self.seed(nid, ("G", key[2]))
        for ld in p.loads:
            for b in ld.base:
                self.on(b, ("load", ld))
        for c in p.calls:
            for v in c.callee:
                self.on(v, ("call", c))
            if c.recv and c.method in self.r.element_methods:
                for v in c.recv:  # `$form.find('.x')` of a jQuery object is one too (its `.load(url)`)
                    self.on(v, ("jq_chain", c))
            for idx, spec in c.callbacks:
                self._watch_callback(c, idx, spec)
        for st in p.stores:
            for b in st.obj:
                if b != "<global>":
                    self.on(b, ("store", st))
        for cid in p.scoped_finds:
            c = p.calls[cid]
            for v in c.recv or ():
                self.on(v, ("scoped", c))
        for rg in p.regs:
            self._watch_registration(rg)
        for t in p.timers:
            self.timer_calls.add(t[6])
            for v in t[1]:
                self.on(v, ("timer", t))
        for u in p.units:
            if u.started_by is not None:  # code from a string: run by the call that was handed it
                fid, cid, timer = u.started_by
                if u.top_fid >= 0:
                    self.call_edges.add((fid, u.top_fid))
                    t = next((t for t in p.timers if t[6] == cid), None) if timer else None
                    if t is not None:
                        self.timer_edges.setdefault((fid, u.top_fid), t)
            elif u.handler_event is None and u.top_fid >= 0:  # (a unit without facts has no top function)
                self.roots.append((u.top_fid, "load", None))
        for fid in sorted(p.components):  # React renders components when the page loads
            self.roots.append((fid, "load", None))
        self.propagate()
        self._isolated(self._unreceived_methods)
        self._isolated(self._element_classes)
        self._isolated(self._registration_wrappers)
        self._isolated(self._requirejs_mixins)
        self.propagate()
        # Calls nothing in the scan resolves: try the callee's own spelling as a global path.
        for c in p.calls:
            if c.path and not self.objects(c.callee):
                norm = self.r.normalize_path(c.path)
                if not norm.startswith("this."):
                    self.fire(("call", c), p.obj(("G", norm)))
                    self.fallback_calls.add(c.cid)
        self.propagate()
        self._isolated(self._scoped_fallback)
        self._isolated(self._default_propagation)
        self.propagate()
        self._isolated(self._event_bus)
        self._isolated(self.models.settle, self)
        self._isolated(self._accessors)
        self.propagate()
        self._isolated(self.models.link, self)
        self._isolated(pair_param_calls, self)  # `listener(selector(s))` in a helper: per call site
        self._isolated(drop_superseded, self)  # a helper whose every call runs a copy registers nothing itself
        self._isolated(self._effects)
        self._isolated(self._field_sensitive_literals)
        self._isolated(self._assignment_sinks)
        self._isolated(self._fallback_sinks)

    def _isolated(self, fn, *args) -> None:
        """Run one linking pass; a pass that raises (a bug, not a file's fault: no node is being propagated)
        is recorded in `faults` and linking goes on without the rest of that pass. A fault inside
        propagation names its file (`cursor`) and is raised, for the engine to drop that file."""
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001
            if self.cursor is not None:
                raise
            self.faults.append((getattr(fn, "__name__", "pass").lstrip("_"), e))
            self.work.clear()
            self.delta.clear()

    def propagate(self) -> None:
        """Difference propagation: a node is queued once for the objects it gained since it was last taken
        (`delta`), which go along its edges together, then to its watchers."""
        succ = self.p.graph.succ
        work = self.work
        delta = self.delta
        watch = self.watch
        add = self.add
        pts = self.pts
        base = EDGE_KIND["b"]  # edge attribute dicts are shared per kind (FlowGraph): compared by identity
        nid = None
        try:
            while work:
                nid = work.popleft()
                objs = delta.pop(nid)
                for b, at in succ.get(nid, _NO_EDGES).items():  # a node made while linking may have none
                    if at is not base:
                        s = pts.get(b)
                        if s is None:
                            for o in objs:
                                add(b, o)
                        elif len(s) < PTS_CAP:
                            for o in objs:
                                if o not in s:  # (add's own test, saving the call)
                                    add(b, o)
                ws = watch.get(nid)
                if ws:
                    for o in objs:
                        for item in ws:
                            self.fire(item, o)
        except Exception:
            self.cursor = nid  # names the file for the engine's isolation
            raise

    # ------------------------------------------------------------------------------------------- watchers
    def fire(self, item: tuple, o: int) -> None:
        kind = item[0]
        key = self.p.objs[o]
        if kind == "load":
            self._on_load(item[1], key, o)
        elif kind == "call":
            self._on_call(item[1], key, o)
        elif kind == "jq_chain":
            if key == ("G", "%jQuery"):
                self.add(item[1].result, o)
        elif kind == "recv_late":
            if key[0] != "G" or key[1].startswith("%"):
                c = item[1]
                for fo in sorted(self.objects(c.callee)):
                    if self.p.objs[fo][0] == "fn":
                        self._on_call(c, self.p.objs[fo], fo)
        elif kind == "cb":
            if key[0] == "fn":
                self._link_callback(item[1], key[1], item[2])
        elif kind == "reg":
            if key[0] == "fn":
                self._link_handler(item[1], key[1])
        elif kind == "timer":
            if key[0] == "fn":
                self.call_edges.add((item[1][0], key[1]))
                self.timer_edges.setdefault((item[1][0], key[1]), item[1])
        elif kind == "evtarget":
            self._event_target(item[1], key, o)
        elif kind == "this":
            self._bind_this(item[1], key, o)
        elif kind == "store":
            st = item[1]
            if key[0] == "G" and self.r.normalize_path(key[1]) == "<global>" and st.prop:
                self.edges(st.value, self.p.global_node(st.prop, self.p.units[st.uid].scope))
            elif key[0] == "RF":
                self.models.on_ref_store(self, st, key)
            elif key[0] == "O":
                if not st.prop:
                    self.edges(st.value, self._keyed(o))
                if st.whole and st.prop not in self.r.source_props:
                    # `holder.d.email = v`, `store.contact.email = v`, `target[last] = v`: the object written
                    # into holds the value, whatever path reached it, so a read of the whole object
                    # (`JSON.stringify(data)`, `{...data}`) through any other name sees it (container taint; a
                    # base edge: no objects move)
                    self.edges(st.value, key[1], "b")
        elif kind == "scoped":  # `this.querySelector(sel)`: within the element `this` is, else the page's
            c = item[1]
            sel = c.str_args[0]
            if key[0] == "E" and len(key) == 2 and key[1] != "*" and "," not in key[1]:
                self.seed(c.result, ("E", within(key[1], sel)))
            elif key[0] == "G" and key[1].startswith("%"):
                pass  # the type of a factory's result (`%jQuery` beside the elements it holds)
            elif (c.cid, "page") not in self.scoped_done:
                self.scoped_done.add((c.cid, "page"))
                self.seed(c.result, ("E", sel))
        elif kind == "amd":
            if key[0] == "fn":
                c, deps = item[1], item[2]
                f = self.p.funcs[key[1]]
                self.call_edges.add((c.fid, f.fid))
                for i, dep in enumerate(deps):
                    if not dep or i >= len(f.params):
                        continue
                    mods = self._amd_module(self.p.units[c.uid].rel, dep)
                    for mf in mods:  # a module of the scan: its factory's return value
                        self.edge(self.p.funcs[mf].ret, f.params[i])
                    if not dep.startswith("."):  # and, by its name, what the rules know of it
                        self.seed(f.params[i], ("G", self.r.modules.get(dep, dep)))
        elif kind == "props":
            if key[0] == "O" and self.p.kind[key[1]] == "object":
                self._props_by_key(item[1], key[1])
        elif kind == "reflect":  # Reflect.apply(fn, thisArg, args): fn.apply(thisArg, args)
            if key[0] == "fn":
                c = item[1]
                self._link_call(dataclasses.replace(c, args=c.args[1:]), key[1], "apply")
        elif kind == "method_recv":  # a receiver of `x.m()` arrived: `m` of a class runs for its instances
            c, fid = item[1], item[2]
            if (c.cid, fid) not in self.recv_ok and self._may_be_instance(fid, key):
                self.recv_ok.add((c.cid, fid))
                self._link_call(c, fid, "plain")
        elif kind == "store_get":  # Svelte's `get(store)`: its state (models/state.py)
            if key[0] == "R" and key[1] in self.state_nodes:
                self.edge(key[1], item[1].result)
        elif kind == "store_init":  # zustand `createStore(init)`: models/state.py
            if key[0] == "fn":
                self.models.on_store_init(self, item[1], key[1], item[2])
        elif kind == "promise":
            if key[0] == "fn":
                c = item[1]
                f = self.p.funcs[key[1]]
                self.call_edges.add((c.fid, f.fid))
                if f.params:
                    self.seed(f.params[0], ("R", c.result))

    def _event_target(self, nid: int, key: tuple, o: int) -> None:
        """`e.target` of an event on `o`. On a catch-all global (`document`, `window`, `document.body`) the
        event comes from one of the page's elements, any of them: the object `E *`, not the global itself
        (so a `.value` read of `document` or `window` that arrives by other flows is no field read)."""
        if key[0] == "G":
            path = self.r.normalize_path(key[1])
            if path == "<global>" or key[1] in self.r.catch_all_globals or path in self.r.catch_all_globals:
                self.seed(nid, ("E", "*"))
                return
            segs = path.split(".")
            if len(segs) == 2 and segs[0] == "document":  # `document.checkout`: a form by its name
                self.seed(nid, ("E", f'form[name="{segs[1]}"] *'))
                return
        self.add(nid, o)

    def _expando(self, sel: str, prop: str) -> bool:
        """`this.input` of a component element whose code stored `this.input = …`: a property the code gave
        it, not a form's named field (`form.email`). Only a form (or what may be one) has named fields."""
        if self._stored_props is None:
            self._stored_props = frozenset(st.prop for st in self.p.stores if st.prop)
        if prop not in self._stored_props:
            return False
        head = sel.split(" ", 1)[0].split("#", 1)[0].split("[", 1)[0].split(".", 1)[0]
        return head != "form" and head != ""

    def _on_load(self, ld, key: tuple, o: int) -> None:
        p = self.p
        k0 = key[0]
        prop = ld.prop
        if k0 == "G":
            path = key[1]
            if prop is None:
                if path.startswith("document.") or path.startswith("%"):
                    self.add(ld.nid, o)  # document.forms[0], document.form1.elements[i]: same form
                return
            if (prop == "default" or path + "\x00" + prop in p.default_keys) and path in self.r.library_globals:
                # (also a library that is one function of another's namespace: `import_debounce.default` of
                # `lodash/debounce`, `_.debounce`)
                self.add(ld.nid, o)  # `lib.default` of a bundled library's module object (webpack: `lib.A`): the API
                return
            if path == "<global>" or self.r.normalize_path(path) == "<global>":
                self.edge(p.global_node(prop, p.units[p.unit[ld.nid]].scope), ld.nid)
                self.seed(ld.nid, ("G", prop))
                return
            if prop == "contentWindow" and path in ("%iframe", "%frame"):
                self.seed(ld.nid, ("G", "%contentWindow"))  # an iframe the page makes: its window
                return
            if path.startswith("document.forms") and path.count(".") >= 2 and prop not in self.r.element_properties \
                    and prop not in self.r.element_passthrough:
                self.seed(ld.nid, ("E", f'[name="{prop}"]'))
                return
            if path.startswith("document.forms") and prop not in self.r.element_properties:
                self.seed(ld.nid, ("G", path + "." + prop))
                return
            if path.count(".") < MAX_PATH_DEPTH and not ("." in path and path.split(".", 1)[0] in self.r.flat_namespaces):
                self.seed(ld.nid, ("G", path + "." + prop))
            if path in self.r.catch_all_globals and prop in ("forms",):
                return
        elif k0 == "E":
            if prop == "elements" and len(key) == 2 and not key[1].endswith(" *"):
                self.seed(ld.nid, ("E", key[1] + " *"))  # all the fields of that form
            elif prop is None and len(key) == 2 and key[1].endswith(" *") and ld.nid in self._keyed_loads():
                # `form.elements[name]` with `name` a variable or a helper's parameter: the field of that form
                # the name is, resolved where the element is read (findings: each call's constant, or any
                # field of the form when none is known)
                self.seed(ld.nid, ("E", key[1][:-2] + ' [name="{0}"]', self._keyed_loads()[ld.nid]))
            elif prop is None or prop in self.r.element_passthrough:
                self.add(ld.nid, o)
            elif prop not in self.r.element_properties and not self._expando(key[1], prop) and prop[:1] != "$":
                # (`this.$el`, `this.$row`: a jQuery wrapper some code keeps, never a field named `$el`)
                self.seed(ld.nid, ("E", f'[name="{prop}"]'))
            elif prop == "contentWindow":
                self.seed(ld.nid, ("G", "%contentWindow"))
        elif k0 == "EV":
            if prop in EVENT_TARGET_PROPS:  # the element the event came from: see _event_target
                self.on(p.regs[key[1]].target, ("evtarget", ld.nid))
            elif prop in EVENT_PASS_PROPS:
                self.add(ld.nid, o)
            elif prop in self.r.event_value_props and ld.nid not in self.event_sources:
                # `e.key` in a key handler: what was typed, key by key (keyloggers)
                self.event_sources.add(ld.nid)
                self.edge(p.new_source(prop, p.unit[ld.nid], p.fid[ld.nid], p.pos[ld.nid], p.pos[ld.nid] + 1,
                                       ld.base, "event." + prop), ld.nid)
        elif k0 == "fn":
            if prop in ("call", "apply", "bind"):
                self.add(ld.nid, o)
        elif k0 == "O" and prop is None:
            kv = self._keyed(o)
            self.edge(kv, ld.nid)
            # a handler map (`changeHandlers[target.name]`, `actions[type]`): its methods, whichever the key
            # names; its data values stay apart (a key no constant names does not read every value)
            objs = p.objs
            for _key, vals in self.literal_entries(key[1]):
                for v in vals:
                    if any(objs[f][0] == "fn" for f in self.pts.get(v, ())):
                        self.edge(v, ld.nid)
            for vals in p.keyed_pushes.get(ld.nid, ()):  # what is pushed into `handlers[t]` is kept there
                self.edges(vals, kv)
        elif k0 == "R" and prop in (None, "0", "1") and key[1] in self.state_nodes:
            # `n = useState(''), v = n[0], setV = n[1]` (array destructuring compiled to ES5): the state and
            # its setter, as `[v, setV] = useState('')` reads them (an index the walk left unnamed: either)
            if prop != "1":
                self.edge(key[1], ld.nid)
            if prop != "0":
                self.add(ld.nid, o)
        elif k0 == "RF":
            self.models.on_ref_load(self, ld, key)
        elif k0 == "RS":
            self.models.on_refs_load(self, ld, key)
        elif k0 == "PX":
            self.models.on_proxy_load(self, ld, key)

    def _event_params(self) -> set:
        """The event parameter of each function registered as a listener by name or written inline
        (`addEventListener('input', function (e) {…})`)."""
        p = self.p
        out = set()
        handlers = set()
        pred = p.graph.pred

        kind = p.kind

        def declared(v) -> list[int]:
            """The functions a value is: written there, or named by a declaration (through the variables and
            globals that hold it, a few steps back)."""
            fids, seen, todo = [], {v}, [v]
            for _ in range(4):
                nxt = []
                for n in todo:
                    fid = p.fnode_fid.get(n)
                    if fid is not None:
                        fids.append(fid)
                        continue
                    for m in pred.get(n, ()):
                        if m not in seen and (kind[m] in ("var", "global") or m in p.fnode_fid) and len(seen) < 32:
                            seen.add(m)
                            nxt.append(m)
                todo = nxt
            return fids + [p.fnode_fid[n] for n in todo if n in p.fnode_fid]

        for rg in p.regs:
            for v in rg.handler:
                for fid in declared(v):
                    if p.funcs[fid].params:
                        out.add(p.funcs[fid].params[0])
                        handlers.add(fid)
        # and of a function a handler hands its event to by name (`function ($event) { onQtyChange($event) }`,
        # the template models' listeners)
        for c in p.calls:
            if c.fid not in handlers or c.method is not None:
                continue
            ev = p.funcs[c.fid].params[0]
            idx = [i for i, a in enumerate(c.args) if a == (ev,)]
            if not idx:
                continue
            for v in c.callee:
                for fid in declared(v):
                    if idx[0] < len(p.funcs[fid].params):
                        out.add(p.funcs[fid].params[idx[0]])
        return out

    def _keyed(self, o: int) -> int:
        """What an object literal holds under keys no constant names: `handlers[topic] = h` (or `= []`, then
        pushed into) is read back by `handlers[t]`, whatever `topic` and `t` are. Per object, not per key."""
        return self.p.named_node(("kv", o), "prop", "[]")

    def _on_call(self, c: Call, key: tuple, o: int) -> None:
        k0 = key[0]
        if c.modelled:
            return
        if k0 == "fn":
            m = c.method
            if c.recv and self._browser_receiver(c.recv, c.path):
                # `mixpanel.people.set(x)` is the SDK's, not some `{set(v){…}}` of the shop; unless an object
                # of the scan's reaches the receiver later (an AMD module's `store.read()`: its name first,
                # the factory's object after linking), when the call is looked at again
                if c.cid not in self._recv_rechecks:
                    self._recv_rechecks.add(c.cid)
                    for v in c.recv:
                        self.on(v, ("recv_late", c))
                return
            if m in self.r.source_methods and c.recv and self._element_receiver(c.recv):
                return  # `$(this).val()` reads the field, not a helper of the shop's named `val`
            # `f.bind(x)` / `f.call(x, …)` / `f.apply(x, args)` on the function itself, not a method of
            # the shop's own named `bind` (`HNY.bind(el, 'keyup', fn)`)
            on_fn = m in ("bind", "call", "apply") and c.recv is not None and o in self.objects(c.recv)
            if on_fn and m == "bind":
                self.add(c.result, o)
                return
            self._link_call(c, key[1], m if on_fn else "plain")
        elif k0 == "G":
            path = self.r.normalize_path(key[1])
            base, _, last = path.rpartition(".")
            forwarding = last == "apply" and len(c.args) > 1 and c.args[1] == (self.p.funcs[c.fid].args,)
            if base and last in ("call", "apply") and c.args and not forwarding:
                # (`orig.apply(this, arguments)` in a wrapper of fetch forwards the page's own call: that call
                # site is the sink)
                # `fetch.call(window, url)`, `navigator.sendBeacon.apply(navigator, [u, d])`: the API itself,
                # called with the arguments after `this` (apply: the array stands for each of them)
                rest = c.args[1:] if last == "call" else [c.args[1]] * 3 if len(c.args) > 1 else []
                shadow = Call(c.cid, c.uid, c.fid, c.start, c.end, c.callee, None, rest, c.result, c.is_new, None,
                              base, c.str_args[1:] if last == "call" else [], c.tmpl_args[1:] if last == "call" else [])
                self._path_rules(shadow, base)
                c.handled = c.handled or shadow.handled
            self._path_rules(c, path)
            if not c.args and not c.is_new and path in self.r.library_globals:
                # webpack's interop getter of a CommonJS library, `i=n.n(r)`, called as `(0,i().lazy)(…)`:
                # what it returns is the library's API itself
                self.add(c.result, o)
        elif k0 == "PX":
            self.models.on_proxy_call(self, c, key)
        elif k0 == "VE":  # `emit('update:modelValue', v)` of a component's `defineEmits()`
            self.models.on_emit(self, c, key)
        elif k0 == "PS":  # `useCheckoutStore()` of a Pinia store definition
            self.models.on_store_call(self, c, key)
        elif k0 == "R":
            c.handled = True  # a state setter or (Knockout) getter: modelled, no default propagation
            self.models.on_dispatch(self, c, key[1])
            for a in c.args[:1]:
                self.edges(a, key[1])
            if not c.args and key[1] in self.models.store_nodes:  # zustand's `get()`: the state, read by
                self.add(c.result, o)  # property (models/state.py `_vanilla_store`)
            elif not c.args and key[1] in self.state_nodes:  # ko: `email()` reads the observable
                self.edge(key[1], c.result)
            if c.args:  # a write (`setEmail(v)`, `obs(v)`); `obs()` only reads
                self.resolver_callers.setdefault(key[1], set()).add(c.fid)

    def _storage_call(self, c: Call, is_get: bool) -> None:
        """Keyed web storage reached through a value (`t.set('ship_zip', v)` / `t.get('vid')` of a bundle's
        js-cookie, spelled `Cookies.set` in sources, where extraction links it by its path): what is set
        goes under its key (extract_calls.storage_edges), not into the object, which extraction wrote it
        into as into any container (that edge goes), and a read is what its key holds."""
        from analyzer.extract.calls import storage_edges

        c.handled = True  # (no default propagation of the receiver into the result)
        p = self.p
        if not is_get and len(c.args) > 1:
            for v in c.args[1]:
                for t in c.recv or ():
                    p.graph.remove_edge(v, t)
        storage_edges(p, c, c.str_args[0] if c.str_args and c.str_args[0] else "*", is_get, self.edge)

    def _browser_receiver(self, recv: tuple, path: str | None = None) -> bool:
        """Only global API objects the scan does not define (navigator, mixpanel.people, …) reach it."""
        objs = self.p.objs
        found = self.objects(recv)
        user = self._user_globals()
        if not found:
            # objects may not have arrived yet: go by the spelling, `sdk.x.m()` on an undeclared global
            root = path.split(".")[0] if path and path.count(".") >= 2 else None
            if self._global_names is None:
                self._global_names = {k[2] for k in self.p.named if k[0] == "g"}
            return bool(root) and root in self._global_names and root not in user and root not in (
                "this", "window", "self", "globalThis", "$", "jQuery")
        for o in found:
            key = objs[o]
            if key[0] != "G" or key[1].startswith("%"):
                return False
            path = self.r.normalize_path(key[1])
            if path == "<global>" or path.split(".")[0] in user or key[1].split(".")[0] in user:
                return False
        return True

    def _user_globals(self) -> set[str]:
        """Globals the scan's own code declares or assigns (both only grow: the union is kept until they do)."""
        p = self.p
        size = (len(p.declared_globals), len(p.assigned_globals))
        if self._user_size != size:
            self._user = p.declared_globals | p.assigned_globals
            self._user_size = size
        return self._user

    def _path_rules(self, c: Call, path: str) -> None:
        r = self.r
        p = self.p
        self.models.on_call(self, c, path)
        store, _, meth = path.rpartition(".")
        if store in r.storage_objects and (meth in r.storage_get or meth in r.storage_set) and not c.handled:
            self._storage_call(c, meth in r.storage_get)
        head, _, last_seg = path.rpartition(".")
        if c.method is None and head and last_seg in r.register_methods and not c.handled:
            self._imported_registration(c, r.register_methods[last_seg])
        if head and last_seg in ("call", "apply", "bind") and (r.call_sinks.get(head) or r.factories.get(head)):
            if last_seg == "bind":  # `var beacon = navigator.sendBeacon.bind(navigator)`: the same API
                self.seed(c.result, ("G", head))
            elif last_seg == "apply" and len(c.args) > 1 and any(p.kind[v] == "arguments" for v in c.args[1]):
                pass  # `orig.apply(this, arguments)`: a wrapper passing its own call on (reported there)
            elif c.cid not in self.bound_calls:  # `fetch.call(window, url, opts)`: fetch(url, opts)
                self.bound_calls.add(c.cid)
                n = len(c.args) - 1
                shifted = dataclasses.replace(
                    c, args=c.args[1:] if last_seg == "call" else [c.args[1] if n > 0 else ()] * 3,
                    str_args=c.str_args[1:] if last_seg == "call" else [None] * 3,
                    tmpl_args=c.tmpl_args[1:] if last_seg == "call" else [None] * 3)
                self._path_rules(shifted, head)
                c.handled = True
            return
        table = r.new_sinks if c.is_new else r.call_sinks
        for rule in table.get(path, ()):
            if rule.when_arg0 and (not c.str_args or c.str_args[0] not in rule.when_arg0):
                continue
            key = (c.cid, rule.api)
            if key not in self.sink_keys:
                self.sink_keys.add(key)
                self.sink_hits.append(("call", c, rule))
            c.handled = True
        fac = r.factories.get(path)
        if fac is not None and fac[1] == c.is_new:
            typ = fac[0]
            if typ == "{arg0}":
                typ = (c.str_args[0] or "").lower() if c.str_args and c.str_args[0] else ""
                t = c.tmpl_args[0] if not typ and c.tmpl_args else None
                if t and len(t) == 1 and isinstance(t[0], tuple) and t[0][0] in ("ref", "idx"):
                    vals = p.strings_of(t[0])
                    typ = vals[0].lower() if len(vals) == 1 else ""
            if typ:
                self.seed(c.result, ("G", "%" + typ))
        last = path.rsplit(".", 1)[-1]
        if c.method is None and last in r.element_methods and "." in path:
            # document[k]('#cc') with k resolved to querySelector: the method rule, found late
            self._element_from_args(c, r.element_methods[last])
        if path in r.element_calls:
            if c.str_args and c.str_args[0]:
                sel = r.element_calls[path].replace("{0}", c.str_args[0])
                if path == "jQuery" and sel.lstrip().startswith("<"):  # $('<img>') makes an element
                    tag = sel.lstrip()[1:].split(">")[0].split()[0].rstrip("/").lower()
                    if tag:
                        self.seed(c.result, ("G", "%" + tag))
                else:
                    self.seed(c.result, ("E", sel))
            elif c.args:
                t = c.tmpl_args[0] if c.tmpl_args else None
                key = selector_template(t, r.element_calls[path])  # `$(sel)`, `$('#' + id)`
                if key is not None:
                    self.seed(c.result, key)
                self.edges(c.args[0], c.result)
            c.handled = True
        if path in r.ready_calls and c.args and not (c.str_args and c.str_args[0]) and c.fn_args:
            self._ready(c)
        if c.is_new and path in r.source_ctors and c.args:
            if c.cid not in self.source_ctor_calls:  # once per call, however many paths name it
                self.source_ctor_calls.add(c.cid)
                self.edge(p.new_source(path, c.uid, c.fid, c.start, c.end, c.args[0], "new " + path,
                                       r.source_ctors[path]), c.result)
            c.handled = True
        if path in r.apply_calls and c.args:
            for v in c.args[0]:
                self.on(v, ("reflect", c))
            c.handled = True
        if c.is_new and path == "Promise" and c.args:
            for v in c.args[0]:
                self.on(v, ("promise", c))
            c.handled = True
        if path in r.sanitizing_calls:
            c.handled = True
        if path in r.store_into_first_arg and len(c.args) > 1:
            self._assign_into_first(c)
        if path in r.wrappers and c.args:
            self.edges(c.args[0], c.result)
            c.handled = True
            for v in c.args[0]:
                self.on(v, ("cb", c, {"handler_arg": 0, "receiver_to": [], "ret_to_result": False,
                                      "this_receiver": False, "arg0_to": [], "init_arg_to": None, "wrap": True}))
        if path in r.timer_names and c.cid not in self.timer_calls and c.args:
            self.timer_calls.add(c.cid)
            c.handled = True
            t = (c.fid, c.args[0], path, c.uid, c.start, c.end, c.cid)
            p.timers.append(t)
            for v in c.args[0]:
                self.on(v, ("timer", t))
        if last in r.state_hooks and c.cid not in self.state_calls:
            # the state node: what the setter is called with, and what the state variable reads
            self.state_calls.add(c.cid)
            st = p.node("state", last, c.uid, c.start, HEAP)  # the state lives in React, outside any call
            self.edge(st, c.result)
            self.seed(c.result, ("R", st))
            self.state_nodes.add(st)
            c.handled = True
        if last in r.effect_hooks and c.args:
            self.effects.append(c)
            c.handled = True
        if path in r.amd_calls and len(c.args) >= 2 and c.fn_args:
            deps = next((p.array_strs.get(v) for v in c.args[0] if v in p.array_strs), None)
            if deps is None and any(p.kind[v] == "array" for v in c.args[0]):
                deps = []  # `define([], function () { return {…}; })`: a module with no dependencies
            if deps is not None:
                for v in c.args[c.fn_args[-1]]:
                    self.on(v, ("amd", c, deps))
                c.handled = True
        cb = r.callback_calls.get(path)
        if cb is not None and len(c.args) > cb["handler_arg"]:
            self._watch_callback(c, cb["handler_arg"], cb)
        if path.endswith(".resolve") and path.split(".")[0] == "Promise" and c.args:
            self.edges(c.args[0], c.result)

    def _scoped_fallback(self) -> None:
        """`this.querySelector(sel)` where nothing says which element `this` is: the page's `sel`."""
        for cid in self.p.scoped_finds:
            c = self.p.calls[cid]
            if not self.objects((c.result,)) and (cid, "page") not in self.scoped_done:
                self.scoped_done.add((cid, "page"))
                self.seed(c.result, ("E", c.str_args[0]))
        self.propagate()

    def _unnamed_calls(self, callee: int) -> list:
        if self._calls_by_callee is None:
            self._calls_by_callee = {}
            for c in self.p.calls:
                if c.method is None and len(c.callee) == 1:
                    self._calls_by_callee.setdefault(c.callee[0], []).append(c)
        return self._calls_by_callee.get(callee, [])

    def _late_source_method(self, callee: int, prop: str, recv: tuple) -> None:
        """`$(this)[k]()` with `k` folded to `val`: a read of the field, as `.val()` is."""
        p = self.p
        need, catch_all = self.r.source_methods[prop]
        for c in self._unnamed_calls(callee):
            if c.method is not None or len(c.args) != need:
                continue
            c.method = prop
            c.handled = True
            self.edge(p.new_source(prop + "()", c.uid, c.fid, c.start, c.end, recv, prop + "()", catch_all), c.result)

    def _late_guard(self, callee: int, prop: str) -> None:
        """`e.target[k](sel)` with `k` folded to `matches`: the handler is limited to `sel`, as the spelled
        `e.target.matches(sel)` is (a delegated click handler of the place-order button is a submit handler)."""
        p = self.p
        for c in self._unnamed_calls(callee):
            if c.method is not None or not c.args:
                continue
            for sel in p.arg_strings(c, 0)[:4]:
                p.funcs[c.fid].guards.append(("." + sel) if prop == "hasClass" else sel)

    def _late_element_method(self, callee: int, prop: str) -> None:
        """`form[k](sel)` with `k` folded to `querySelector` (an obfuscator's string table): the finder rule
        of that method, with the selector of its first argument (a literal or a part folded later)."""
        template = self.r.element_methods[prop]
        for c in self._unnamed_calls(callee):
            if c.method is not None or not c.args:
                continue
            c.method = prop
            c.handled = True  # what it finds, not the element it is called on
            self._element_from_args(c, template)

    def literal_entries(self, lit: int) -> list:
        """(key, values) of an object literal, by key (an index of `literal_props` built on first use: the
        literals do not change while linking)."""
        if self._lit_entries is None:
            idx: dict = {}
            for (at, key), vals in self.p.literal_props.items():
                if key:
                    idx.setdefault(at, []).append((key, vals))
            for v in idx.values():
                v.sort(key=lambda kv: kv[0])
            self._lit_entries = idx
        return self._lit_entries.get(lit, [])

    def _requirejs_mixins(self) -> None:
        """RequireJS mixins (Magento 2's `requirejs-config.js`: `config: {mixins: {'Magento_Checkout/js/view/
        shipping': {'Vendor_Module/js/shipping-mixin': true}}}`): the function a mixin module returns is called
        with the module it extends (`return function (Component) { return Component.extend({…}); }`)."""
        p = self.p
        pairs = []
        for (lit, key), vals in p.literal_props.items():
            if key != "mixins":
                continue
            for o in sorted(self.objects(vals)):
                if p.objs[o][0] != "O":
                    continue
                for target, tvals in self.literal_entries(p.objs[o][1]):
                    for t in sorted(self.objects(tvals)):
                        if p.objs[t][0] == "O":
                            pairs += [(target, mixin) for mixin, _v in self.literal_entries(p.objs[t][1])]
        for target, mixin in sorted(set(pairs)):
            for fac in self._amd_module("", mixin):
                for o in sorted(self.pts.get(p.funcs[fac].ret, ())):
                    if p.objs[o][0] != "fn":
                        continue
                    fn = p.funcs[p.objs[o][1]]
                    self.call_edges.add((fac, fn.fid))
                    if fn.params:
                        self.seed(fn.params[0], ("G", self.r.modules.get(target, target)))

    def _amd_module(self, rel: str, dep: str) -> list[int]:
        """Factories of the AMD module `dep` names, when its file is in the scan: `./x` and `../x` from the
        requiring file, `js/x` under any folder, and Magento's `Vendor_Module/js/x` (the module's
        `view/<area>/web/js/x.js`)."""
        if self._amd_factories is None:
            self._amd_factories = {}
            for c in self.p.calls:
                if c.path == "define" and c.fn_args:
                    for v in c.args[c.fn_args[-1]]:
                        fid = self.p.fnode_fid.get(v)
                        if fid is not None:
                            self._amd_factories.setdefault(self.p.units[c.uid].rel, []).append(fid)
        if not self._amd_factories or "://" in dep:
            return []
        name = dep[:-3] if dep.endswith(".js") else dep
        if name.startswith("."):
            want = posixpath.normpath(posixpath.join(posixpath.dirname(rel), name)) + ".js"
            return self._amd_factories.get(want, [])
        head, _, rest = name.partition("/")
        suffixes = ["/" + name + ".js"] + (["/web/" + rest + ".js"] if "_" in head and rest else [])
        found = sorted(r for r in self._amd_factories if r == name + ".js" or any(r.endswith(s) for s in suffixes))
        return self._amd_factories[found[0]] if len(found) == 1 else []

    def _element_from_args(self, c: Call, template: str) -> None:
        if c.str_args and c.str_args[0]:
            self.seed(c.result, ("E", template.replace("{0}", c.str_args[0])))
        elif c.tmpl_args and c.tmpl_args[0] and len(c.tmpl_args[0]) == 1 and isinstance(c.tmpl_args[0][0], tuple):
            self.seed(c.result, ("E", template, c.tmpl_args[0][0]))
        c.handled = True

    def _ready(self, c: Call) -> None:
        p = self.p
        tn = p.node("target", "ready", c.uid, c.start, c.fid)
        self.seed(tn, ("G", "document"))
        rg = Registration(len(p.regs), c.uid, c.fid, c.start, c.end, ["DOMContentLoaded"], tn, c.args[0], "jQuery")
        p.regs.append(rg)
        self._watch_registration(rg)
        c.handled = True

    # ------------------------------------------------------------------------------------------- linking
    def _link_call(self, c: Call, fid: int, mode: str) -> None:
        key = (c.cid, fid, mode)
        if key in self.linked:
            return
        if mode == "plain" and c.method and not c.is_new and c.recv and fid in self.method_class \
                and (c.cid, fid) not in self.recv_ok:
            # `x.m()` finds every `.m` by name: a class's method `m` runs only for a receiver that can be one
            # of its instances (`_may_be_instance`), not for `xhr.send(…)` beside a class's `send()`; a call
            # whose receiver never gets an object is linked late (`_unreceived_methods`)
            if (c.cid, fid) not in self.recv_wait:
                self.recv_wait[(c.cid, fid)] = c
                for v in c.recv:
                    self.on(v, ("method_recv", c, fid))
            return
        self.linked.add(key)
        c.resolved = True
        f = self.p.funcs[fid]
        if fid in self.p.spread_helpers and mode == "plain" and c.args:
            # `_objectSpread2(target, …sources)` (a compiler's helper for `{...a, b}`): Object.assign, per call
            self._assign_into_first(c)
            self.edges(c.args[0], c.result)
            return
        wi = self.p.wrapper_factories.get(fid)
        if wi is not None and mode == "plain" and wi < len(c.args) and any(
                self.p.objs[o][0] == "fn" for o in self.objects(c.args[wi])):
            # A wrapper factory called with a function: what it returns behaves as that function (called
            # later, with the wrapper's arguments). Linking it as-is would hand every wrapped function to
            # every wrapper (one `debounce` for all callers); this keeps each call site's own.
            self.edges(c.args[wi], c.result)
            return
        self.call_edges.add((c.fid, fid))
        args = c.args
        this_vals = c.recv if (c.recv and not c.is_new) else ()
        if mode == "call":
            this_vals = args[0] if args else ()
            args = args[1:]
        elif mode == "apply":
            this_vals = args[0] if args else ()
            spread = args[1] if len(args) > 1 else ()
            args = [spread] * max(len(f.params), 1)  # (also a function that reads only `arguments`)
        ac = self.p.arg_edge_calls
        for i, pn in enumerate(f.params):
            for a in (args[i:] if i == f.rest else args[i:i + 1]):
                self.edges(a, pn, "a")
                for v in a:
                    ac.setdefault((v, pn), set()).add(c.result)
        for a in args:
            self.edges(a, f.args, "a")
            for v in a:
                ac.setdefault((v, f.args), set()).add(c.result)
        pcs = self.p.param_contents
        for i, pn in enumerate(f.params):
            pc = pcs.get(pn)
            if pc is not None and i < len(args):
                for v in args[i]:
                    self.edge(pc, v, "r")
                    self.p.contents_ret.setdefault((pc, v), set()).add(c.result)
        if this_vals and not f.is_arrow:
            if mode == "plain" and c.method and fid in self.method_class:
                for v in this_vals:  # the receivers that are instances of its class (see `_bind_this`)
                    self.on(v, ("this", fid))
            else:
                self.edges(this_vals, f.this, "a")
        self.edge(f.ret, c.result, "r")
        if c.is_new:
            self.edge(f.this, c.result, "r")
            self.seed(c.result, ("O", c.result))  # an object of its own: read field by field
        if f.params and c.args and (c.renders or f.params[0] in self.props_params):
            pn = f.params[0]
            if pn not in self.props_params:  # (a component under no name: `forwardRef((props, ref) => …)`)
                self.props_params[pn] = [pn] + sorted(m for m in self.p.graph.succ.get(pn, ())
                                                      if self.p.kind[m] == "var")
            for v in c.args[0]:  # the objects it is called with, as they arrive: `_props_by_key`
                self.on(v, ("props", pn))

    def _component_props(self) -> set:
        """The props parameter of each React function component (a function named with a capital that renders
        JSX: JSX asks that of a component; not in a build, whose minifier names functions at random), and the
        variables it is read through; `props_params` maps the parameter to them."""
        p = self.p
        succ = p.graph.succ
        comps = {fid for fid in p.jsx_components if p.funcs[fid].name[:1].isupper()}
        comps.update(self._rendered_functions())
        for fid in sorted(comps):
            f = p.funcs[fid]
            if not f.params:
                continue
            pn = f.params[0]
            self.props_params[pn] = [pn] + sorted(m for m in succ.get(pn, ()) if p.kind[m] == "var")
        return {b for bs in self.props_params.values() for b in bs}

    def _prop_values(self, props: set) -> set:
        """The variables a server-rendered page's destructured props are read into (`function Info({ customer
        })` in a module exporting `getServerSideProps`: rules [dom] server_props_exports), and their
        references: a property of one (`customer.email`) is the server's, never what every literal of the
        scan holds under that name. (A component rendered where the scan cannot see keeps that field-based
        read: `React.lazy` steps get their props from a parent.)"""
        p = self.p
        served = {rel for rel, name in p.exports if name in self.r.server_props_exports}
        if not served:
            return set()
        succ, pred, kind = p.graph.succ, p.graph.pred, p.kind
        out = set()
        for ld in p.loads:
            if ld.prop is not None and any(b in props and p.units[p.unit[b]].rel in served for b in ld.base):
                out.update(m for m in succ.get(ld.nid, ()) if kind[m] == "var")
        out = {v for v in out if all(kind[m] in ("load", "var") for m in pred.get(v, ()))}
        out.update(r for v in list(out) for r in succ.get(v, ()) if kind[r] == "var" and len(pred.get(r, ())) == 1)
        return out

    def _rendered_functions(self) -> set:
        """The functions a rendering call names (`jsx(x, {…})`, `h(x, {…})` of a build, whose minifier named
        the component `x`): its variable, or the one declaring it, holds `function x(…)` (one step each way,
        before any points-to: the calls through other values are found as they arrive, `_link_call`)."""
        p = self.p
        succ, pred = p.graph.succ, p.graph.pred
        fnode_fid = p.fnode_fid
        out: set = set()
        for c in p.calls:
            if not c.renders:
                continue
            for v in c.callee:
                for n in (v, *succ.get(v, ())):
                    if n != v and p.kind[n] != "var":
                        continue
                    out.update(fnode_fid[m] for m in pred.get(n, ()) if m in fnode_fid)
        return out

    def _props_by_key(self, pn: int, lit: int) -> None:
        """A component's props, key by key: `function Field({ onBlur })` / `props.onBlur` reads what the object
        literal it is called with holds as `onBlur` (`<Field onBlur={validate}/>`, `jsx(Field, {…})`,
        `Field({…})`), not what every literal in the program holds under that name (the field-based read
        another literal's `onBlur` would have: its handler registered on this component's input)."""
        if (pn, lit) in self.props_done:
            return
        self.props_done.add((pn, lit))
        p = self.p
        if self._loads_on is None:
            self._loads_on = {}
            for ld in p.loads:
                if ld.prop:
                    for b in ld.base:
                        self._loads_on.setdefault(b, []).append(ld)
        for b in self.props_params[pn]:
            for ld in self._loads_on.get(b, ()):
                vals = p.literal_props.get((lit, ld.prop))
                if vals:
                    self.edges(vals, ld.nid, "a")

    def _watch_callback(self, c: Call, idx: int, spec: dict) -> None:
        if idx >= len(c.args):
            return
        for v in c.args[idx]:
            self.on(v, ("cb", c, spec))

    def _link_callback(self, c: Call, fid: int, spec: dict) -> None:
        key = (c.cid, fid, "cb")
        if key in self.linked:
            return
        self.linked.add(key)
        f = self.p.funcs[fid]
        if not spec.get("wrap"):  # a wrapper (debounce, proxy) returns the function, it does not call it
            self.call_edges.add((c.fid, fid))
        recv = c.recv or ()
        for i in spec.get("receiver_to", ()):
            if i < len(f.params) and not (i == 0 and fid in self.p.element_copies):
                self.edges(recv, f.params[i], "a")
        for i in spec.get("arg0_to", ()):
            if i < len(f.params) and c.args:
                self.edges(c.args[0], f.params[i], "a")
        ia = spec.get("init_arg_to")
        if ia is not None and ia < len(f.params) and len(c.args) > 1:
            self.edges(c.args[1], f.params[ia], "a")
        if spec.get("this_receiver") and not f.is_arrow:
            self.edges(recv, f.this, "a")
        if spec.get("ret_to_result"):
            self.edge(f.ret, c.result, "r")

    def _imported_registration(self, c: Call, spec: dict) -> None:
        """`addAction('x', 'ns', fn)` imported from `@wordpress/hooks` (a library's registration function, called
        bare): a registration, as `wp.hooks.addAction(…)` spelled out is."""
        p = self.p
        events = self._registration_events(c, spec) if len(c.args) >= 2 else []
        if not events:
            return
        ha = spec["handler_arg"]
        c.handled = True
        tn = p.node("target", "", c.uid, c.start, c.fid)
        p.graph.ensure(tn)
        self.seed(tn, ("G", "document"))
        rg = Registration(len(p.regs), c.uid, c.fid, c.start, c.end, events, tn, c.args[ha], c.path or "on")
        p.regs.append(rg)
        self._watch_registration(rg)

    def _watch_registration(self, rg: Registration) -> None:
        if rg.api == SPREAD_API and not rg.events:
            return  # `<input {...props}/>`: the objects spread, not handlers (models/spreads.py registers theirs)
        for v in rg.handler:
            self.on(v, ("reg", rg))

    def _link_handler(self, rg: Registration, fid: int) -> None:
        key = (rg.rid, fid, "reg")
        if key in self.linked:
            return
        self.linked.add(key)
        f = self.p.funcs[fid]
        self.roots.append((fid, "event", rg))
        if not rg.events and rg.rid in self._param_event_regs():
            return  # `t.addEventListener(type, fn)` in a helper: each call of it registers (_registration_wrappers)
        if rg.api in ("jQuery", ".ready"):  # jQuery(function ($) {…}) hands jQuery to its callback
            if f.params:
                self.seed(f.params[0], ("G", "jQuery"))
        else:
            # the event object; a handler that reads it through `arguments` gets it there. A handler made
            # by `fn.bind(ctx, 'mail')` gets the event after its bound arguments
            k = self._bound_args(rg.handler)
            self.seed(f.params[k] if k < len(f.params) else f.args, ("EV", rg.rid))
        # `this` is the element listened on; not for a decorated method (its component) or a handler made
        # by `fn.bind(ctx)` (`ctx`: `this._onBlur.bind(this)` in a plugin class)
        if not f.is_arrow and rg.api not in self.r.listener_decorators and not self._this_bound(rg.handler) \
                and f.fid not in self._options_methods():
            self.edge(rg.target, f.this, "a")

    def _may_be_instance(self, fid: int, key: tuple) -> bool:
        """Whether an object can be an instance of the class method `fid` belongs to: no global API object or
        browser value, no object or array literal (a tracker queue `t` holding the literals pushed into it is
        no instance: `this.analytics.identify(e, {email})` is not the class's own `identify`), no instance of
        a class that neither declares nor inherits it (`_bind_this`)."""
        if key[0] in ("G", "B"):
            return False
        if key[0] != "O":
            return True
        return self.p.kind[key[1]] not in ("object", "array") and self._instance_of(fid, key[1])

    def _unreceived_methods(self) -> None:
        """Calls of class methods whose receiver got no object at all (a value from code the scan does not
        see): linked as found by name, as before receivers were checked."""
        while True:  # (a method linked so may call others on its own `this`, which has no object either)
            todo = [(k, c) for k, c in sorted(self.recv_wait.items(), key=lambda kv: kv[0])
                    if k not in self.recv_ok and not self.objects(c.recv)]
            if not todo:
                return
            for (cid, fid), c in todo:
                self.recv_ok.add((cid, fid))
                self._link_call(c, fid, "plain")
            self.propagate()

    def _keyed_loads(self) -> dict:
        """Loads by a computed key that is a variable or parameter (`o[name]`): load node -> the key part."""
        if self._key_of_load is None:
            self._key_of_load = {d[0].nid: d[1] for d in self.p.deferred_keys
                                 if isinstance(d[0], Load) and d[1][0] == "ref"}
        return self._key_of_load

    def _options_methods(self) -> frozenset:
        """The functions of a component options object's `methods` (`{data() {…}, methods: {onLeave() {…}}}`):
        Vue binds them to the instance, so one registered as a listener (`addEventListener('beforeunload',
        this.onLeave)`) keeps the instance as `this` (models/state.py `_read_options` binds it), never the
        element or window it listens on."""
        if self._methods_of_options is None:
            p = self.p
            keys: dict[int, set] = {}
            for (lit, key) in p.literal_props:
                keys.setdefault(lit, set()).add(key)
            out = set()
            for (lit, key), vals in p.literal_props.items():
                if key != "methods" or not (keys[lit] & _OPTION_KEYS):
                    continue
                for v in vals:
                    for k in keys.get(v, ()):
                        for fv in p.literal_props.get((v, k), ()):
                            fid = p.fnode_fid.get(fv)
                            if fid is not None:
                                out.add(fid)
            self._methods_of_options = frozenset(out)
        return self._methods_of_options

    def _this_bound(self, handler: tuple) -> bool:
        """The handler (or what a variable or parameter holding it was given) is the result of a `.bind(x)`
        with its `this` argument."""
        if self._bound_this is None:
            self._bound_this = {c.result for c in self.p.calls if c.method == "bind" and c.args and c.args[0]}
        return any(v in self._bound_this for v in self._handler_values(handler))

    def _handler_values(self, handler: tuple) -> list:
        """The handler itself, or what a helper's parameter holding it was passed (`on(el, 'blur',
        onField.bind(state, 'mail'))` with `on` copied per call: its `fn` parameter)."""
        pred = self.p.graph.pred
        kind = self.p.kind
        return list(handler) + [m for v in handler if kind[v] in ("var", "param") for m in pred.get(v, ())]

    def _bound_args(self, handler: tuple) -> int:
        if self._bind_calls is None:
            self._bind_calls = {c.result: len(c.args) - 1 for c in self.p.calls
                                if c.method == "bind" and len(c.args) > 1}
        return max((self._bind_calls.get(v, 0) for v in self._handler_values(handler)), default=0)

    def _deferred_keys(self) -> None:
        """`el[k]` / `el[k[0]]` with a constant `k`: the load reads that property after all."""
        p = self.p
        r = self.r
        memo: dict = {}  # (the graph does not change in this loop: its edges are pending until the end)
        for ld, part, uid, fid, start, end, text in p.deferred_keys:
            vals = p.strings_of(part, memo=memo)
            if len(vals) != 1:
                if isinstance(ld, Store):
                    p.open_bases.extend(ld.obj)  # `ctx[key] = v` with a key nobody can name
                continue
            prop = vals[0]
            if isinstance(ld, Store):
                ld.prop = prop
                if prop not in r.source_props:
                    p.edges_from(ld.value, p.prop_node(prop))
                for o in ld.obj:  # `{[Field.Email](v) {…}}`: the literal's own member, once its name is known
                    if o != "<global>" and p.kind[o] == "object":
                        p.literal_props.setdefault((o, prop), tuple(ld.value))
                continue
            if prop in r.sanitizing_properties:
                continue
            ld.prop = prop
            if prop in r.source_props:
                p.edge(p.new_source(prop, uid, fid, start, end, ld.base, prop, False, text), ld.nid)
            else:
                p.edge(p.prop_node(prop), ld.nid)
                pl = p.named.get(("pl", prop))
                if pl is not None:
                    p.edge(pl, ld.nid)
            if prop in r.register_methods:
                self._late_registrations(ld.nid, r.register_methods[prop])
                memo.clear()
            if prop in GUARD_METHODS:
                self._late_guard(ld.nid, prop)
            if prop in r.element_methods:
                self._late_element_method(ld.nid, prop)
            elif prop in r.source_methods:
                self._late_source_method(ld.nid, prop, ld.base)
                memo.clear()  # (a source node feeds the call's result)
        from analyzer.extract.calls import storage_edges

        helpers = None
        for c, part, is_get in p.deferred_storage:
            names = p.strings_of(part)
            if not names and part[0] == "ref":
                if helpers is None:
                    helpers = self._helper_calls()
                names = self._param_strings(part[1], *helpers)
            storage_edges(p, c, names[0] if len(names) == 1 else "*", is_get)
        for rg, part in p.deferred_events:
            names = p.strings_of(part)
            rg.events = sorted({e.split(".")[0] for v in names for e in v.split() if e.split(".")[0]})
        p.flush_edges()

    def _helper_calls(self) -> tuple[dict, dict]:
        """Parameter node -> (name of its function, index) for the scan's named functions, and bare callee
        name -> the calls by that name."""
        params = {}
        for f in self.p.funcs:
            if f.name and f.name.isidentifier():
                for i, pn in enumerate(f.params[:3]):
                    params[pn] = (f.name, i)
        calls: dict[str, list[Call]] = {}
        for c in self.p.calls:
            if c.method is None and c.path and "." not in c.path:
                calls.setdefault(c.path, []).append(c)
        return params, calls

    def _param_strings(self, nid: int, params: dict, calls: dict) -> list[str]:
        """`remember(GIFT_KEY, v)` everywhere `remember = (key, v) => localStorage.setItem(key, v)` is called
        by its name: the one constant every call passes for `key` (none when a call passes another or no
        constant). Before propagation, so calls are matched by the helper's name."""
        hit = params.get(nid)
        if hit is None:
            return []
        name, i = hit
        found: set[str] = set()
        for c in calls.get(name, ()):
            part = c.tmpl_args[i] if i < len(c.tmpl_args) else None
            vals = self.p.strings_of(part[0]) if part and len(part) == 1 and isinstance(part[0], tuple) else \
                ([c.str_args[i]] if i < len(c.str_args) and c.str_args[i] else [])
            if len(vals) != 1:
                return []
            found.add(vals[0])
        return sorted(found) if len(found) == 1 else []

    # ------------------------------------------------------------------------------------------- modules
    def _link_modules(self) -> None:
        p = self.p
        files = {u.rel for u in p.units}
        for uid, spec, name, local in p.imports:
            rel = p.units[uid].rel
            target = self._resolve_module(rel, spec, files)
            if target is None and not spec.startswith((".", "/")) and spec not in self.r.modules:
                target = self._bare_module(spec, files)
            if target is not None:
                if name in ("*", "*module", "default"):
                    p.edge(p.export_node(target, "*module"), local)
                    p.edge(p.export_node(target, "default"), local)
                else:
                    p.edge(p.export_node(target, name), local)
                    p.edge(p.prop_node(name), local)
            elif not spec.startswith((".", "/")):
                glob = self.r.modules.get(spec, spec)
                key = glob if name in ("*", "*module", "default") else f"{glob}.{name}"
                p.seeds.append((local, ("G", key)))
        p.flush_edges()

    def _bare_module(self, spec: str, files: set) -> str | None:
        """A bare specifier that names a file of the scan by its path from some source root (an alias:
        Wix Velo's `public/leadClient`, `@/components/Form`, a bundler's `src/…`): the one file whose path
        ends with it (none when several do, or when it names a package's module outside the scan)."""
        base = next((to + spec[len(pre):] for pre, to in self.r.path_aliases if spec.startswith(pre)), spec)
        if not base or base.startswith("@") or ".." in base.split("/"):
            return None
        if self._by_tail is None:
            self._by_tail = {}
            for f in sorted(files):
                # `@/components/Form.vue` (with its extension), `public/leads` (a script's without),
                # `components/Form` (a folder's index script)
                names = [f.split("/")]
                stem, dot, ext = f.rpartition(".")
                if dot and ("." + ext) in _RESOLVE_EXTS:
                    names.append(stem.split("/"))
                    if names[-1][-1] == "index" and len(names[-1]) > 1:
                        names.append(names[-1][:-1])
                for parts in names:
                    for i in range(len(parts)):
                        self._by_tail.setdefault("/".join(parts[i:]), []).append(f)
        hits = sorted(set(self._by_tail.get(base, [])))
        return hits[0] if len(hits) == 1 and "/" in base else None

    @staticmethod
    def _resolve_module(rel: str, spec: str, files: set) -> str | None:
        if spec.startswith("/"):
            base = spec.lstrip("/")
        elif spec.startswith("."):
            base = posixpath.normpath(posixpath.join(posixpath.dirname(rel), spec))
        else:
            return None
        for ext in _RESOLVE_EXTS:
            if base + ext in files:
                return base + ext
        return None

    # ------------------------------------------------------------------------------------------- leftovers
    def _callback_args(self, c: Call) -> set:
        """The arguments of `arr.filter(fn)` & co. that are functions: written there, or functions the
        argument can only be (`filter(Boolean)`, `map(String)`, `filter(isValid)`); not part of the result."""
        out = set(c.fn_args)
        objs = self.p.objs
        norm = self.r.normalize_path
        for i, a in enumerate(c.args):
            found = self.objects(a)
            if found and all(objs[o][0] == "fn" or (objs[o][0] == "G" and self.r.is_builtin(norm(objs[o][1])))
                             for o in found):
                out.add(i)
        return out

    def _literal_keys(self, c: Call, index: dict) -> None:
        """`Object.keys(FIELD_MAP)` of object literals whose keys are all constants: an array of those keys,
        the constants a callback run over it gets (`Object.keys(MAP).forEach((name) =>
        form.elements.namedItem(name))` names those fields)."""
        p = self.p
        found = self.objects(c.args[0])
        if not found or any(p.objs[o][0] != "O" for o in found):
            return
        keys: set = set()
        for o in found:
            ks = index.get(p.objs[o][1])
            if not ks or None in ks:  # (`{[k]: v}`: a key no constant names)
                return
            keys |= ks
        p.array_strs[c.result] = sorted(keys)

    def _literal_key_index(self) -> dict:
        """Object literal node -> its keys (None for a computed one)."""
        out: dict = {}
        for lit, k in self.p.literal_props:
            out.setdefault(lit, set()).add(k)
        return out

    def _default_propagation(self) -> None:
        """Calls the scan cannot see into carry their arguments and receiver into their result."""
        r = self.r
        handler_vals = set()
        for rg in self.p.regs:
            handler_vals.update(rg.handler)
        observable_reads = {c.cid for c in self.models.observable_reads(self)}
        keys_index = None
        for c in self.p.calls:
            if c.path == "Object.keys" and len(c.args) == 1 and not c.resolved:
                if keys_index is None:
                    keys_index = self._literal_key_index()
                self._literal_keys(c, keys_index)
            if c.resolved or c.handled:
                continue
            m = c.method
            if m is not None and (m in r.sanitizing_methods or r.predicate_names.match(m)):
                continue
            name = (c.path or "").rsplit(".", 1)[-1]
            if name and r.predicate_names.match(name):
                continue
            not_result = self._callback_args(c) if m is not None and m in r.callback_not_result else ()
            if m is not None and m in r.lookup_methods and c.recv and len(c.args) == 1 and not self._library_call(c):
                not_result = (0,)  # `cache.get(bin)`: what the map holds, not the key it is asked for
            for i, a in enumerate(c.args):
                if i not in not_result:
                    self.edges(a, c.result)
            if c.recv and self._builtin_receiver(c.recv):
                # `Math.max(0, n)`, `JSON.parse(text)`: a function of a built-in global returns a value the
                # browser makes (no element, no object of the scan's), not the global itself
                self.seed(c.result, ("B", c.result))
            elif c.recv and c.cid not in observable_reads:  # (`this.email()`: what the binding set)
                self.edges(c.recv, c.result)
            elif not c.recv and not c.args and self._library_value(c.callee):
                # `customerData.get('customer')()`: a library's function called with nothing of the scan's
                # gives the library's value (a Magento customer-data section the server sent), not what
                # the scan's literals hold under the names read from it
                self.seed(c.result, ("B", c.result))
            # a function handed to code outside the scan runs later, under the caller's trigger
            wrapped = c.result in handler_vals  # `on('submit', Utils.wrap(fn))`: fn runs as the handler
            if m in r.later_callbacks:
                continue  # `obs.subscribe(fn)`: fn runs when something changes later, not during the call
            if m in r.store_into_receiver and c.recv and self._own_container(c):
                continue  # `listeners.add(fn)` into a `new Set()` of the scan's: stored, called by whoever reads it
            for i in c.fn_args:
                others = [a for j, a in enumerate(c.args) if j != i]
                for v in c.args[i]:
                    self.on(v, ("cb", c, {"receiver_to": [0] if c.recv else [], "arg0_to": [0, 1] if others else [],
                                          "ret_to_result": True, "this_receiver": False, "init_arg_to": None,
                                          "wrap": wrapped}))

    def _assign_into_first(self, c: Call) -> None:
        """`Object.assign(target, …sources)`: what each source holds goes into the target."""
        for a in c.args[1:]:
            for t in c.args[0]:
                self.edges(a, t)

    def _builtin_receiver(self, recv) -> bool:
        """The receiver is only built-in globals of the language or the browser (rules `builtin_globals`)."""
        objs = self.objects(recv)
        if not objs:
            return False
        return all(self.p.objs[o][0] == "G" and self.r.is_builtin(self.p.objs[o][1]) for o in objs)

    def _element_receiver(self, recv) -> bool:
        """The receiver holds elements (`$(this)`, `document.getElementById(…)`) and otherwise only library or
        browser objects."""
        p = self.p
        if all(p.kind[r] == "call" and self.r.normalize_path(p.label[r]) == "jQuery" for r in recv):
            return True  # `$(…)` spelled so (its objects may not have arrived yet)
        objs = self.objects(recv)
        kinds = {p.objs[o][0] for o in objs}
        user = self._user_globals()
        return "E" in kinds and kinds <= {"E", "G"} and not any(
            p.objs[o][0] == "G" and p.objs[o][1].split(".", 1)[0] in user for o in objs)

    def _library_value(self, callee) -> bool:
        """The callee is only objects of libraries or the browser (globals the scan neither declares nor
        assigns)."""
        objs = self.objects(callee)
        if not objs:
            return False
        mine = self._user_globals()
        for o in objs:
            key = self.p.objs[o]
            if key[0] != "G" or key[1].split(".", 1)[0] in mine:
                return False
        return True

    def _own_container(self, c: Call) -> bool:
        """The receiver holds no global or library object, only containers the scan makes (`new Set()`,
        `[]`, `{}`) and what is stored into them (a function pushed onto `dataLayer` or `_paq` is run by the
        tag manager)."""
        objs = self.objects(c.recv)
        if not objs:
            return True
        own = set(self.objects([v for i in c.fn_args for v in c.args[i]]))
        return all(o in own or self.p.objs[o][0] in ("O", "IT") for o in objs)

    def _library_call(self, c) -> bool:
        """`_.get(o, 'a')`, `R.prop(…)`: a call on a global library object (by its spelling)."""
        root = self.r.normalize_path(c.path or "").split(".", 1)[0]
        return root in self.r.library_globals or root in self.r.module_globals

    def _assignment_sinks(self) -> None:
        r = self.r
        p = self.p
        for st in p.stores:
            rules = r.assign_sinks.get(st.prop) if st.prop else None
            if not rules:
                continue
            if st.obj == ("<global>",):
                names = {"<global>"}
            else:
                names = set()
                for o in self.objects(st.obj):
                    key = p.objs[o]
                    if key[0] == "G":
                        names.add(self.r.normalize_path(key[1]))
                    elif key[0] == "E":
                        names.add("%element")
            for rule in rules:  # specific rules come first in sinks.toml; `*` catches the rest
                if "*" in rule.match or any(n in rule.match for n in names):
                    self.sink_hits.append(("store", st, rule))
                    break

    def _drop_stub_forwarders(self, stub_calls: set) -> None:
        """The leak of `gtag('set', 'user_data', d)` is reported at that call: the stub it runs
        (`function gtag(){dataLayer.push(arguments)}`) forwards every call's arguments, and its own sink is not
        a second finding of the same data."""
        p = self.p
        stubs = {fid for cid, fid, _mode in self.linked if cid in stub_calls}
        if not stubs:
            return
        keep = []
        for h in self.sink_hits:
            c = h[1]
            if h[0] == "call" and c.fid in stubs and any(p.funcs[c.fid].args in a for a in c.args) \
                    and c.cid not in stub_calls:
                self.sink_keys.discard((c.cid, h[2].api))
                continue
            keep.append(h)
        self.sink_hits[:] = keep

    def _fallback_sinks(self) -> None:
        """Receivers the scan cannot resolve: recognise the sink by how the callee is spelled."""
        r = self.r
        hit_calls = {id(h[1]) for h in self.sink_hits if h[0] == "call"}
        # a tracker's call already recognised (`window.gtag(…)` by its global) that also runs the shop's own
        # stub (`window.gtag = function gtag(){dataLayer.push(arguments)}`): the stub forwards it
        stub_calls = {h[1].cid for h in self.sink_hits if h[0] == "call" and h[2].vendor and h[1].resolved}
        for c in self.p.calls:
            # a tracker's own queue stub (`function gtag(){dataLayer.push(arguments)}`) is still the tracker
            if c.resolved and c.path and id(c) not in hit_calls:
                for rule in r.call_sinks.get(r.normalize_path(c.path), ()):
                    if rule.vendor:
                        self.sink_keys.add((c.cid, rule.api))
                        self.sink_hits.append(("call", c, rule))
                        hit_calls.add(id(c))
                        stub_calls.add(c.cid)
                        break
        if stub_calls:
            # (the forwarding call inside a stub, `dataLayer.push(arguments)`, is what is dropped: not a stub's call)
            stubs = {fid for cid, fid, _mode in self.linked if cid in stub_calls}
            self._drop_stub_forwarders({cid for cid in stub_calls if self.p.calls[cid].fid not in stubs})
        for c in self.p.calls:
            if id(c) in hit_calls or c.resolved or not c.path or c.method is None:
                continue
            objs = self.objects(c.recv or ())
            if any(self.p.objs[o][0] == "G" for o in objs):
                continue  # the receiver is known and did not match a rule
            for rule in r.fallback_sinks:
                if rule.fallback.search(c.path):
                    if rule.when_arg0 and (not c.str_args or c.str_args[0] not in rule.when_arg0):
                        continue
                    self.sink_hits.append(("call", c, rule))
                    break
