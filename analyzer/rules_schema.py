"""The shape of every rules file: each TOML section is read into a typed record that rejects unknown keys.

`check_rules()` runs when the rule book is loaded (once per scan): a misspelt key (`url_args`, `vendr`)
stops the scan with a `RulesError` naming the file, the section and the key, instead of being ignored.
Tables that are mappings by nature (`[autocomplete]`, `[modules]`, `[aliases]`) are checked for their
value types. tests/test_rules.py checks that every declared key is read by the engine.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from analyzer.models.spec import ApiSpec, ComponentInit, CoreTemplate, RulesError, TemplateSpec, record, records
from analyzer.rules import load_toml


# ------------------------------------------------------------------------------------------ sinks.toml
@dataclass(frozen=True)
class Sink:
    api: str
    match: tuple
    example: str
    expect: str
    sent: object = "all"
    url_arg: int | None = None
    new: bool = False
    assign: str | None = None
    vendor: str | None = None
    when_arg0: tuple | None = None
    fallback: str | None = None


@dataclass(frozen=True)
class Factory:
    match: tuple
    type: str
    new: bool = False
    example: str = ""
    expect: str = ""


# ------------------------------------------------------------------------------------------ sources.toml
@dataclass(frozen=True)
class SourceProperty:
    name: str
    example: str = ""
    expect: str = ""


@dataclass(frozen=True)
class SourceMethod:
    name: str
    args: int = 0
    catch_all: bool = False
    keyed: bool = False
    example: str = ""
    expect: str = ""


@dataclass(frozen=True)
class SourceConstructor:
    name: str
    catch_all: bool = False
    example: str = ""
    expect: str = ""


@dataclass(frozen=True)
class Forms:
    observable: str
    subscribe: str
    pass_through: str
    control_attr: str
    event: str
    example: str = ""
    expect: str = ""


@dataclass(frozen=True)
class ElementFinder:
    match: str
    selector: str
    method: bool = False
    example: str = ""
    expect: str = ""


@dataclass(frozen=True)
class Dom:
    catch_all_globals: tuple
    builtin_globals: tuple
    plain_result_methods: tuple
    element_passthrough: tuple
    element_properties: tuple
    event_value_props: tuple
    element_definers: tuple
    element_callbacks: tuple = ()
    server_props_exports: tuple = ()
    flat_namespaces: tuple = ()


# ------------------------------------------------------------------------------------------ triggers.toml
@dataclass(frozen=True)
class Triggers:
    presubmit: tuple
    lifecycle: tuple
    page_start: tuple
    submit: tuple
    click: tuple
    submit_control_words: str
    strong_submit_words: str
    non_submit_words: str
    submit_calls: tuple
    register: tuple = ()
    registration: dict | None = None
    decorator: tuple = ()


@dataclass(frozen=True)
class Decorator:
    name: str
    event_arg: int = 0
    example: str = ""
    expect: str = ""


@dataclass(frozen=True)
class Register:
    method: str
    handler_arg: int
    event_arg: int | None = None  # the argument naming the event, or
    event: str = ""  # the event the method always registers (`$w('#email').onChange(fn)`)
    selector_arg: int | None = None
    map_arg: int | None = None
    target_arg: int | None = None
    example: str = ""
    expect: str = ""


@dataclass(frozen=True)
class Registration:
    jquery_shorthand: tuple
    timers: tuple
    ready_calls: tuple
    property_prefix: str = "on"
    bus_emit: tuple = ()
    bus_returns: tuple = ()
    bus_any: tuple = ()


# ------------------------------------------------------------------------------------------ flows.toml
@dataclass(frozen=True)
class Flows:
    sanitizing_properties: tuple
    sanitizing_methods: tuple
    sanitizing_calls: tuple
    predicate_names: str
    store_into_receiver: tuple
    store_into_first_arg: tuple
    wrappers: tuple
    masking_patterns: tuple = ()
    apply_calls: tuple = ()
    code_calls: tuple = ()
    global_this_code: tuple = ()
    later_callbacks: tuple = ()
    callback_not_result: tuple = ()
    lookup_methods: tuple = ()
    keyed_store_methods: tuple = ()
    callback: tuple = ()
    storage: dict | None = None
    react: dict | None = None
    amd: dict | None = None
    modules: dict | None = None
    aliases: dict | None = None
    path_aliases: dict | None = None
    example: tuple = ()


@dataclass(frozen=True)
class Callback:
    handler_arg: int = 0
    methods: tuple = ()
    calls: tuple = ()
    receiver_to: tuple = ()
    arg0_to: tuple = ()
    init_arg_to: int | None = None
    ret_to_result: bool = False
    this_receiver: bool = False
    example: str = ""
    expect: str = ""


@dataclass(frozen=True)
class Storage:
    objects: tuple
    set: tuple
    get: tuple
    serialize: tuple = ()
    parse: tuple = ()
    example: str = ""
    expect: str = ""


@dataclass(frozen=True)
class React:
    state_hooks: tuple = ()
    effect_hooks: tuple = ()


@dataclass(frozen=True)
class Amd:
    calls: tuple = ()


@dataclass(frozen=True)
class FlowExample:
    about: str
    example: str
    expect: str


# ------------------------------------------------------------------------------------------ fields / vendors
@dataclass(frozen=True)
class Fields:
    autocomplete: dict
    type: dict
    keyword: tuple
    type_options: dict | None = None


@dataclass(frozen=True)
class TypeOptions:
    weak: tuple = ()


@dataclass(frozen=True)
class Keyword:
    category: str
    example: str
    patterns: tuple


@dataclass(frozen=True)
class Vendor:
    name: str
    kind: str
    example: str
    domains: tuple = ()
    globals: tuple = ()


@dataclass(frozen=True)
class Library:
    name: str
    banner: str | None = None  # its licence banner (a rule without one has a build_example)
    example: str | None = None
    global_: str | None = None  # TOML key `global`: the global its modelled API lives under
    paths: str | None = None  # module paths in a bundle (module keys or source-map sources)
    signature: str | None = None  # strings its minified code keeps
    signature_example: str | None = None
    api_marker: tuple = ()  # properties a scope-hoisted copy puts on its API object
    marker_example: str | None = None
    build_example: str | None = None  # the head of its own build, recognised by bundle.own.own_file_library
    packages: str | None = None  # its npm scope: an ES module importing only from these is its own file
    default_names: tuple = ()  # what its source calls its default export (`var api = …; export { api as
    #                           default }`): a hoisted declaration the map names so holds the API itself


@dataclass(frozen=True)
class CompiledRuntime:
    markers: tuple  # string literals all found in the runtime's function (the first anchors the search)
    spread_markers: tuple  # names all found in a compiled object-spread helper (`_objectSpread2`)
    example: str
    expect: str


@dataclass(frozen=True)
class CompiledElements:
    factories: tuple
    field_tags: tuple
    model_props: tuple
    example: str
    expect: str
    lazy_props: tuple = ()


@dataclass(frozen=True)
class Frameworks:
    template: tuple = ()
    api: tuple = ()
    core_template: tuple = ()
    component_init: tuple = ()


def _mapping(table, where: str, value_type=str) -> dict:
    if not isinstance(table, dict):
        raise RulesError(f"{where}: expected a table")
    bad = sorted(k for k, v in table.items() if not isinstance(v, value_type))
    if bad:
        raise RulesError(f"{where}: values of {bad} are not {value_type.__name__}")
    return table


@lru_cache(maxsize=None)
def check_rules() -> None:
    """Read every section of every rules file into its record; raise RulesError on an unknown key."""
    s = load_toml("sinks")
    records(Sink, s.get("sink"), "sinks.toml sink")
    records(Factory, s.get("factory"), "sinks.toml factory")
    extra = sorted(set(s) - {"sink", "factory"})
    if extra:
        raise RulesError(f"sinks.toml: unknown section(s) {extra}")

    src = load_toml("sources")
    extra = sorted(set(src) - {"property", "method", "constructor", "element", "dom", "forms"})
    if extra:
        raise RulesError(f"sources.toml: unknown section(s) {extra}")
    records(SourceProperty, src.get("property"), "sources.toml property")
    records(SourceMethod, src.get("method"), "sources.toml method")
    records(SourceConstructor, src.get("constructor"), "sources.toml constructor")
    records(ElementFinder, src.get("element"), "sources.toml element")
    record(Dom, src.get("dom", {}), "sources.toml dom")
    if "forms" in src:
        record(Forms, src["forms"], "sources.toml forms")

    trg = record(Triggers, load_toml("triggers"), "triggers.toml")
    records(Register, trg.register, "triggers.toml register")
    records(Decorator, trg.decorator, "triggers.toml decorator")
    record(Registration, trg.registration or {}, "triggers.toml registration")

    fl = record(Flows, load_toml("flows"), "flows.toml")
    records(Callback, fl.callback, "flows.toml callback")
    records(FlowExample, fl.example, "flows.toml example")
    record(Storage, fl.storage or {"objects": [], "set": [], "get": []}, "flows.toml storage")
    record(React, fl.react or {}, "flows.toml react")
    record(Amd, fl.amd or {}, "flows.toml amd")
    _mapping(fl.modules or {}, "flows.toml modules")
    _mapping(fl.aliases or {}, "flows.toml aliases")
    _mapping(fl.path_aliases or {}, "flows.toml path_aliases")

    fields = record(Fields, load_toml("fields"), "fields.toml")
    _mapping(fields.autocomplete, "fields.toml autocomplete")
    _mapping(fields.type, "fields.toml type")
    record(TypeOptions, fields.type_options or {}, "fields.toml type_options")
    records(Keyword, fields.keyword, "fields.toml keyword")

    v = load_toml("vendors")
    extra = sorted(set(v) - {"vendor"})
    if extra:
        raise RulesError(f"vendors.toml: unknown section(s) {extra}")
    vendors = records(Vendor, v.get("vendor"), "vendors.toml vendor")
    lib = load_toml("libraries")
    lib_sections = {"library", "compiled_elements", "compiled_runtime"}
    if sorted(set(lib) - lib_sections):
        raise RulesError(f"libraries.toml: unknown section(s) {sorted(set(lib) - lib_sections)}")
    records(Library, [{("global_" if k == "global" else k): v for k, v in t.items()} for t in lib.get("library", ())],
            "libraries.toml library")
    record(CompiledElements, lib.get("compiled_elements", {}), "libraries.toml compiled_elements")
    record(CompiledRuntime, lib.get("compiled_runtime", {}), "libraries.toml compiled_runtime")

    fw = record(Frameworks, load_toml("frameworks"), "frameworks.toml")
    records(TemplateSpec, fw.template, "frameworks.toml template")
    records(ApiSpec, fw.api, "frameworks.toml api")
    records(CoreTemplate, fw.core_template, "frameworks.toml core_template")
    records(ComponentInit, fw.component_init, "frameworks.toml component_init")

    # a sink's vendor is one vendors.toml names (the same name a request to its host gets)
    names = {x.name for x in vendors}
    for sink in records(Sink, s.get("sink"), "sinks.toml sink"):
        if sink.vendor is not None and sink.vendor not in names:
            raise RulesError(f"sinks.toml sink {sink.api}: vendor {sink.vendor!r} is not in vendors.toml")
