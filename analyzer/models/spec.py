"""Typed records for rule sections: each TOML table is read into a frozen dataclass, and a key the record
does not declare is an error (a misspelt key would otherwise be ignored silently)."""
from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import TypeVar

T = TypeVar("T")


class RulesError(ValueError):
    """A rules file does not have the shape its records declare."""


def record(cls: type[T], table: dict, where: str) -> T:
    """`cls(**table)` with unknown keys rejected and lists made tuples (records are frozen)."""
    if not isinstance(table, dict):
        raise RulesError(f"{where}: expected a table, got {type(table).__name__}")
    declared = {f.name: f for f in fields(cls)}
    unknown = sorted(set(table) - set(declared))
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {unknown} (known: {sorted(declared)})")
    missing = sorted(n for n, f in declared.items()
                     if n not in table and f.default is MISSING and f.default_factory is MISSING)
    if missing:
        raise RulesError(f"{where}: missing key(s) {missing}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
    return cls(**values)


def records(cls: type[T], tables, where: str) -> tuple[T, ...]:
    return tuple(record(cls, t, f"{where}[{i}]") for i, t in enumerate(tables or ()))


@dataclass(frozen=True)
class CoreTemplate:
    """A platform component's own template, which the shop's code extends without shipping it (Magento's
    checkout e-mail step binds `textInput: email` in `Magento_Checkout/web/template/form/element/email.html`):
    bound, as an in-DOM template of `framework`, in a scan whose scripts name `module`."""

    module: str
    framework: str
    html: str
    example: str
    expect: str


@dataclass(frozen=True)
class ComponentInit:
    """rules/frameworks.toml [[component_init]]: a page's declaration of the script components to start when
    it loads (Magento 2's `<script type="text/x-magento-init">` JSON `{selector: {component: config}}`, an
    element's `data-mage-init` `{component: config}`). Each is read as `require([component], c =>
    c(config, element))` at the declaration's place: the function an AMD module of the scan returns runs at
    load with the page's config and element."""

    platform: str
    script_type: str
    attribute: str
    example_page: str
    example_script: str
    expect: str


@dataclass(frozen=True)
class TemplateSpec:
    """rules/frameworks.toml [[template]]: how one framework writes bindings into its templates."""

    framework: str
    files: tuple = ()
    in_dom: bool = False
    model_attrs: tuple = ()
    model_event: str = "input"
    lazy_event: str = "change"
    event_prefixes: tuple = ()
    event_attrs: bool = False
    modifier_sep: str = "."
    scope: str = "script"
    lifecycle: tuple = ()
    ref_calls: tuple = ()
    refs_calls: tuple = ()  # a setup script's `const { a, b } = toRefs(x)`: each name a ref
    ref_attr: str = ""  # `<input ref="emailInput">` (Vue), `bind:this={el}` (Svelte): the name holds the element
    binding_attr: str = ""
    lazy_attrs: tuple = ()
    event_key: str = ""
    event_bindings: tuple = ()
    update_key: str = ""
    instance_global: str = ""
    instance_attr: str = ""  # Alpine's `x-data="{…}"`: the element's component object (its subtree's instance)
    init_attr: str = ""  # Alpine's `x-init="…"`: code run at load with the component as `this`
    options_instance: bool = False
    write: str = "assign"
    template_keys: tuple = ()
    watch_methods: tuple = ()
    reactive_label: str = ""  # Svelte 4's `$: stmt`: a statement run again when what it reads changes
    store_prefix: str = ""  # Svelte's `$contact`: the value of the store `contact` the script declares
    store_get: str = ""  # the API the binding code reads such a store's value with
    # `<ContactFields :customer="customer">`: attribute prefixes that pass a prop to a child component, and
    # the API the binding code hands the component and its props to (`__formleak_vue_props__(C, {…})`)
    prop_prefixes: tuple = ()
    props_call: str = ""
    # htmx: attributes whose value is a request's URL, by verb (`hx-post` -> POST); `trigger_attr` names its
    # events (`hx-trigger="keyup changed delay:500ms"`), `include_attr` more elements it sends; the binding
    # code calls `request_call(verb, url, {values})` (a sink) on those events
    request_attrs: tuple = ()  # (the verb is the name's last part: `hx-post` -> POST)
    trigger_attr: str = ""
    include_attr: str = ""
    request_call: str = ""
    example: str = ""
    expect: str = ""


@dataclass(frozen=True)
class ApiSpec:
    """rules/frameworks.toml [[api]]: a framework call and the kind of handler that models it."""

    path: tuple
    kind: str
    prop: str = "value"  # kind "ref": the property that holds the state (`current` for React's useRef)
    event: str = ""  # kind "subscribe": the trigger its callback runs under
    into: str = ""  # kind "app": the global the instance is kept in (the template's binding code reads it)
    returns: str = ""  # kind "app": the API its result also is (`Vue.app`: `app.component(…)`, `app.mount(…)`)
    setters: tuple = ()  # kinds "vanilla_store", "writable": the store's methods that write its state (`setState`)
    runs: tuple = ()  # kind "widget": the prototype's methods that run when the widget is created (`_create`)
    # kind "widget": the prototype's methods that register handlers from a map `{'event selector': handler or
    # the name of a method}` (jQuery UI's `this._on([element,] handlers)`)
    binds: tuple = ()
    example: str = ""
    expect: str = ""
