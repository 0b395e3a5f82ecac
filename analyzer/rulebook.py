"""The rules in `rules/*.toml`, compiled once per scan into lookup tables the stages use.

Nothing here knows an API by itself: every name below comes from the TOML files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from analyzer.rules import load_toml

_GLOBAL_PREFIXES = ("window.", "self.", "globalThis.", "global.")


@dataclass
class SinkRule:
    api: str
    match: list[str]
    sent: object  # "all" or list[int]
    url_arg: int | None
    is_new: bool
    assign: str | None
    vendor: str | None
    when_arg0: list[str] | None
    fallback: re.Pattern | None


@dataclass
class RuleBook:
    sinks: list[SinkRule] = field(default_factory=list)
    call_sinks: dict = field(default_factory=dict)  # path -> [SinkRule] (calls)
    new_sinks: dict = field(default_factory=dict)  # path -> [SinkRule] (constructors)
    assign_sinks: dict = field(default_factory=dict)  # prop -> [SinkRule]
    fallback_sinks: list = field(default_factory=list)  # [(method, SinkRule)]
    factories: dict = field(default_factory=dict)  # path -> (type template, is_new)
    source_props: set = field(default_factory=set)
    source_methods: dict = field(default_factory=dict)  # name -> (nargs, catch_all)
    source_ctors: dict = field(default_factory=dict)  # name -> catch_all
    listener_decorators: dict = field(default_factory=dict)  # triggers.toml [[decorator]]: name -> event arg
    forms: dict = field(default_factory=dict)  # sources.toml [forms]: observable form controls (extract/forms.py)
    keyed_sources: set = field(default_factory=set)  # 'getCustomerData()': the field is named by what is read
    element_calls: dict = field(default_factory=dict)  # global path -> selector template
    element_methods: dict = field(default_factory=dict)  # method -> selector template
    catch_all_globals: set = field(default_factory=set)
    builtin_globals: frozenset = frozenset()  # `Object`, `JSON`, `navigator`: globals that are never an element
    flat_namespaces: frozenset = frozenset()  # `JSON`, `Math`: whose members have no members (sources.toml)
    plain_result_methods: frozenset = frozenset()  # `it.next()`: methods whose result is a plain object
    element_definers: frozenset = frozenset()  # `customElements.define(tag, Class)`: Class's `this` is <tag>
    element_callbacks: frozenset = frozenset()  # its `connectedCallback`: run at load
    server_props_exports: frozenset = frozenset()  # `getServerSideProps`: the module's page gets server props
    element_passthrough: set = field(default_factory=set)
    element_properties: set = field(default_factory=set)
    event_value_props: set = field(default_factory=set)
    presubmit: set = field(default_factory=set)
    lifecycle: set = field(default_factory=set)
    page_start: frozenset = frozenset()  # events whose handlers' timers poll (`timer`), as the top level's do
    submit_events: set = field(default_factory=set)
    click_events: set = field(default_factory=set)
    known_events: set = field(default_factory=set)
    submit_words: re.Pattern | None = None
    non_submit_words: re.Pattern | None = None
    strong_submit_words: re.Pattern | None = None
    submit_calls: set = field(default_factory=set)
    register_methods: dict = field(default_factory=dict)
    jquery_shorthand: set = field(default_factory=set)
    timer_names: set = field(default_factory=set)
    timer_paths: set = field(default_factory=set)
    ready_calls: set = field(default_factory=set)
    property_prefix: str = "on"
    bus_emit: set = field(default_factory=set)
    bus_returns: set = field(default_factory=set)
    bus_any: set = field(default_factory=set)  # `mitt.on('*', (type, e) => …)`: every event (triggers.toml)
    sanitizing_properties: set = field(default_factory=set)
    sanitizing_methods: set = field(default_factory=set)
    lookup_methods: frozenset = frozenset()  # `map.get(k)`: the key does not flow into the result
    keyed_store_methods: frozenset = frozenset()  # `map.set(k, v)`: only `v` is held by the receiver
    sanitizing_calls: set = field(default_factory=set)
    predicate_names: re.Pattern | None = None
    store_into_receiver: set = field(default_factory=set)
    store_into_first_arg: set = field(default_factory=set)
    wrappers: set = field(default_factory=set)
    apply_calls: set = field(default_factory=set)
    code_calls: set = field(default_factory=set)
    global_this_code: set = field(default_factory=set)
    later_callbacks: set = field(default_factory=set)
    callback_not_result: frozenset = frozenset()  # `s.replace(re, fn)`: fn is not in the result
    callback_methods: dict = field(default_factory=dict)
    callback_calls: dict = field(default_factory=dict)
    storage_objects: set = field(default_factory=set)
    storage_set: set = field(default_factory=set)
    storage_get: set = field(default_factory=set)
    storage_serialize: frozenset = frozenset()  # `JSON.stringify(o)`: o's text
    storage_parse: frozenset = frozenset()  # `JSON.parse(t)`: the object t is the text of
    modules: dict = field(default_factory=dict)
    path_aliases: tuple = ()  # (prefix, replacement) of import path aliases, longest first (flows.toml)
    module_globals: frozenset = frozenset()  # the globals imported packages map to (`lodash` -> `_`)
    aliases: dict = field(default_factory=dict)
    global_assign_sinks: set = field(default_factory=set)
    libraries: list = field(default_factory=list)  # (name, banner regex)
    element_factories: set = field(default_factory=set)  # compiled JSX / Vue render calls (libraries.toml)
    element_field_tags: set = field(default_factory=set)
    model_props: set = field(default_factory=set)
    lazy_props: set = field(default_factory=set)  # props that make a component's v-model update on `change`
    bundle_libraries: object = None  # analyzer.bundle.modules.LibraryRules: banner, paths, signature, API per library
    library_globals: frozenset = frozenset()  # the globals bundled libraries' APIs are modelled under
    runtime_markers: tuple = ()  # strings of an inlined compiler runtime's function (libraries.toml compiled_runtime)
    spread_markers: tuple = ()  # names in a compiled object-spread helper's function (same section)
    masking_patterns: set = field(default_factory=set)
    amd_calls: set = field(default_factory=set)
    state_hooks: set = field(default_factory=set)
    effect_hooks: set = field(default_factory=set)

    def library_of(self, data: bytes) -> str | None:
        head = data[:2048].decode("utf-8", "replace")
        for name, rx in self.libraries:
            if rx.search(head):
                return name
        return None

    def normalize_path(self, path: str) -> str:
        """`window.$.ajax` -> `jQuery.ajax`: strip global-object prefixes and apply aliases."""
        while path.startswith(_GLOBAL_PREFIXES):
            path = path.split(".", 1)[1]
        head, _, rest = path.partition(".")
        alias = self.aliases.get(head)
        if alias == "<global>" and not rest:
            return "<global>"
        if alias is not None and alias != "<global>":
            head = alias
        return head + ("." + rest if rest else "")

    def is_builtin(self, path: str) -> bool:
        """A path under a built-in global of the language or the browser (`Object.prototype`, `JSON`,
        `%XMLHttpRequest`: rules `builtin_globals`), after `normalize_path`."""
        return self.normalize_path(path).split(".", 1)[0].lstrip("%") in self.builtin_globals

    @classmethod
    def load(cls) -> "RuleBook":
        from analyzer.rules_schema import check_rules

        check_rules()  # every section has the shape its record declares (unknown keys are errors)
        rb = cls()
        sinks = load_toml("sinks")
        for s in sinks.get("sink", []):
            sent = s.get("sent", "all")
            rule = SinkRule(api=s["api"], match=list(s["match"]), sent=sent, url_arg=s.get("url_arg"),
                            is_new=bool(s.get("new", False)), assign=s.get("assign"), vendor=s.get("vendor"),
                            when_arg0=s.get("when_arg0"),
                            fallback=re.compile(s["fallback"]) if s.get("fallback") else None)
            rb.sinks.append(rule)
            if rule.assign:
                rb.assign_sinks.setdefault(rule.assign, []).append(rule)
                if "<global>" in rule.match:
                    rb.global_assign_sinks.add(rule.assign)
            else:
                table = rb.new_sinks if rule.is_new else rb.call_sinks
                for m in rule.match:
                    table.setdefault(m, []).append(rule)
                if rule.fallback is not None:
                    rb.fallback_sinks.append(rule)
        for f in sinks.get("factory", []):
            for m in f["match"]:
                rb.factories[m] = (f["type"], bool(f.get("new", False)))

        src = load_toml("sources")
        rb.source_props = {p["name"] for p in src.get("property", [])}
        rb.source_methods = {m["name"]: (int(m.get("args", 0)), bool(m.get("catch_all", False)))
                             for m in src.get("method", [])}
        rb.keyed_sources = {m["name"] + "()" for m in src.get("method", []) if m.get("keyed")}
        rb.source_ctors = {c["name"]: bool(c.get("catch_all", False)) for c in src.get("constructor", [])}
        for e in src.get("element", []):
            if e.get("method"):
                rb.element_methods[e["match"]] = e["selector"]
            else:
                rb.element_calls[e["match"]] = e["selector"]
        rb.forms = {k: v for k, v in src.get("forms", {}).items() if k not in ("example", "expect")}
        dom = src.get("dom", {})
        rb.catch_all_globals = set(dom.get("catch_all_globals", []))
        rb.builtin_globals = frozenset(dom.get("builtin_globals", []))
        rb.flat_namespaces = frozenset(dom.get("flat_namespaces", []))
        rb.plain_result_methods = frozenset(dom.get("plain_result_methods", []))
        rb.element_definers = frozenset(dom.get("element_definers", []))
        rb.element_callbacks = frozenset(dom.get("element_callbacks", []))
        rb.server_props_exports = frozenset(dom.get("server_props_exports", []))
        rb.element_passthrough = set(dom.get("element_passthrough", []))
        rb.element_properties = set(dom.get("element_properties", []))
        rb.event_value_props = set(dom.get("event_value_props", []))

        trg = load_toml("triggers")
        rb.presubmit = set(trg["presubmit"])
        rb.lifecycle = set(trg["lifecycle"])
        rb.page_start = frozenset(trg["page_start"])
        rb.submit_events = set(trg["submit"])
        rb.click_events = set(trg["click"])
        rb.known_events = rb.presubmit | rb.lifecycle | rb.submit_events | rb.click_events
        rb.submit_words = re.compile(trg["submit_control_words"])
        rb.non_submit_words = re.compile(trg["non_submit_words"])
        rb.strong_submit_words = re.compile(trg["strong_submit_words"])
        rb.submit_calls = set(trg["submit_calls"])
        rb.listener_decorators = {d["name"]: int(d.get("event_arg", 0)) for d in trg.get("decorator", [])}
        for r in trg.get("register", []):
            rb.register_methods[r["method"]] = {"event_arg": r.get("event_arg"), "event": r.get("event", ""),
                                                "handler_arg": r["handler_arg"],
                                                "selector_arg": r.get("selector_arg"),
                                                "map_arg": r.get("map_arg"), "target_arg": r.get("target_arg")}
        reg = trg.get("registration", {})
        rb.jquery_shorthand = set(reg.get("jquery_shorthand", []))
        rb.timer_names = set(reg.get("timers", []))
        rb.timer_paths = {p + t for t in rb.timer_names for p in ("", "window.", "self.", "globalThis.")}
        rb.ready_calls = set(reg.get("ready_calls", []))
        rb.property_prefix = reg.get("property_prefix", "on")
        rb.bus_emit = set(reg.get("bus_emit", []))
        rb.bus_returns = set(reg.get("bus_returns", []))
        rb.bus_any = set(reg.get("bus_any", []))

        fl = load_toml("flows")
        rb.sanitizing_properties = set(fl["sanitizing_properties"])
        rb.sanitizing_methods = set(fl["sanitizing_methods"])
        rb.sanitizing_calls = set(fl["sanitizing_calls"])
        rb.predicate_names = re.compile(fl["predicate_names"])
        rb.store_into_receiver = set(fl["store_into_receiver"])
        rb.lookup_methods = frozenset(fl.get("lookup_methods", []))
        rb.keyed_store_methods = frozenset(fl.get("keyed_store_methods", []))
        rb.masking_patterns = set(fl.get("masking_patterns", []))
        rb.amd_calls = set(fl.get("amd", {}).get("calls", []))
        rb.state_hooks = set(fl.get("react", {}).get("state_hooks", []))
        rb.effect_hooks = set(fl.get("react", {}).get("effect_hooks", []))
        rb.store_into_first_arg = set(fl["store_into_first_arg"])
        rb.wrappers = set(fl["wrappers"])
        rb.apply_calls = set(fl.get("apply_calls", []))
        rb.code_calls = set(fl.get("code_calls", []))
        rb.global_this_code = set(fl.get("global_this_code", []))
        rb.later_callbacks = set(fl.get("later_callbacks", []))
        rb.callback_not_result = frozenset(fl.get("callback_not_result", []))
        for cb in fl.get("callback", []):
            spec = {"handler_arg": cb.get("handler_arg", 0), "receiver_to": cb.get("receiver_to", []),
                    "ret_to_result": cb.get("ret_to_result", False), "this_receiver": cb.get("this_receiver", False),
                    "arg0_to": cb.get("arg0_to", []), "init_arg_to": cb.get("init_arg_to")}
            for m in cb.get("methods", []):
                rb.callback_methods[m] = spec
            for c in cb.get("calls", []):
                rb.callback_calls[c] = spec
        st = fl.get("storage", {})
        rb.storage_objects = set(st.get("objects", []))
        rb.storage_set = set(st.get("set", []))
        rb.storage_get = set(st.get("get", []))
        rb.storage_serialize = frozenset(st.get("serialize", []))
        rb.storage_parse = frozenset(st.get("parse", []))
        rb.modules = dict(fl.get("modules", {}))
        rb.path_aliases = tuple(sorted(fl.get("path_aliases", {}).items(), key=lambda kv: -len(kv[0])))
        rb.module_globals = frozenset(v.split(".", 1)[0] for v in rb.modules.values())
        rb.aliases = dict(fl.get("aliases", {}))
        lt = load_toml("libraries")
        libs = lt.get("library", [])
        ce = lt.get("compiled_elements", {})
        rb.element_factories = set(ce.get("factories", []))
        rb.element_field_tags = set(ce.get("field_tags", []))
        rb.model_props = set(ce.get("model_props", []))
        rb.lazy_props = set(ce.get("lazy_props", []))
        rb.runtime_markers = tuple(m.encode() for m in lt.get("compiled_runtime", {}).get("markers", ()))
        rb.spread_markers = tuple(m.encode() for m in lt.get("compiled_runtime", {}).get("spread_markers", ()))
        rb.libraries = [(lib["name"], re.compile(lib["banner"])) for lib in libs if lib.get("banner")]
        from analyzer.bundle.modules import library_rules

        rb.bundle_libraries = library_rules(libs)
        rb.library_globals = frozenset(lib["global"] for lib in libs if lib.get("global"))
        return rb
