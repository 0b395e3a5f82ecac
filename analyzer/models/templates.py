"""Stage 2a (frameworks): component templates turned into binding code.

A Vue single-file component, a Svelte component, or an HTML page carrying Vue directives (an in-DOM
template) declares in its template which element feeds which state (`v-model`, `bind:value`) and which
handler runs on which event (`@blur`, `v-on:change`, `on:blur={send}`). Those bindings are written out as
the plain JavaScript the framework's runtime amounts to — a listener on that very element (`@html:` page
selector) that stores the field's value into the state, or calls the handler with `$event` — and that
code is appended to the component's script, so the one dataflow analysis reads both. Each generated
statement carries the template position it stands for (`Segment`), so findings point into the template.

What a framework writes is data (`rules/frameworks.toml` [[template]]); this module only reads it.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass

from analyzer.htmlpage import _line_starts
from analyzer.models.spec import ComponentInit, CoreTemplate, TemplateSpec, records
from analyzer.rules import load_toml

# names a template expression may use that are not component state
_GLOBALS = frozenset({
    "$event", "window", "document", "console", "JSON", "Math", "Date", "Number", "String", "Object", "Array",
    "Boolean", "parseInt", "parseFloat", "encodeURIComponent", "decodeURIComponent", "encodeURI", "navigator",
    "location", "undefined", "null", "true", "false", "this", "arguments", "alert", "setTimeout", "Promise",
    "fetch", "localStorage", "sessionStorage", "Intl", "RegExp", "isNaN", "NaN", "Infinity",
})
_JS_TYPES = {"", "text/javascript", "application/javascript", "module", "text/ecmascript", "application/x-javascript"}
_SKIP_BLOCKS = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_TAG_START = re.compile(r"<[A-Za-z]")
_BREAKS_HTML = str.maketrans({c: "_" for c in "<>\"'= \t\r"})


@dataclass(frozen=True)
class Segment:
    """Generated code from `offset` on stands for this template position (1-based line and column)."""

    offset: int
    line: int
    col: int
    snippet: str


@dataclass(frozen=True)
class BoundTemplate:
    framework: str
    script_index: int | None  # inline script the code is appended to; None: a script of its own
    code: str
    segments: tuple
    script_langs: tuple  # (inline script index, 'ts') for `<script lang="ts">`
    blank: tuple = ()  # (start, end) byte ranges of that script read as generated code instead (`$: stmt`)


def load_specs() -> tuple[TemplateSpec, ...]:
    return records(TemplateSpec, load_toml("frameworks").get("template", []), "frameworks.toml template")


class TemplateModels:
    """The template specs of the rules, and the generator; one per scan."""

    def __init__(self, parsers):
        self.parsers = parsers
        self.core = records(CoreTemplate, load_toml("frameworks").get("core_template", []),
                            "frameworks.toml core_template")  # platform templates (bind_core)
        self.core_done: set[str] = set()  # modules whose template is bound already (once per scan)
        self.inits = records(ComponentInit, load_toml("frameworks").get("component_init", []),
                             "frameworks.toml component_init")  # pages' component starts (parse_page)
        self.specs = load_specs()
        self.by_suffix = {sfx: s for s in self.specs for sfx in s.files}

    def spec_for(self, rel: str) -> TemplateSpec | None:
        dot = rel.rfind(".")
        return self.by_suffix.get(rel[dot:].lower()) if dot >= 0 else None

    def prepare(self, rel: str, data: bytes) -> bytes:
        """Svelte's `{expr}` attribute values are not HTML: blank the characters an HTML parser would
        take for the end of the tag (the length and line breaks stay, so positions do not move)."""
        spec = self.spec_for(rel)
        if spec is None or not spec.event_attrs:
            return data
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        out = list(text)
        for a, b in _code_free_ranges(text):
            for m in _TAG_START.finditer(text, a, b):
                attrs, _end = start_tag(text, m.start())
                for name, value, voff, braced in attrs:
                    if braced and value:
                        for k, ch in enumerate(value.translate(_BREAKS_HTML)):
                            out[voff + k] = ch
                        if name.lower().startswith("on"):  # `on:blur={f}` / `onblur={f}`: not an HTML handler
                            at = text.rfind(name, m.start(), voff)
                            if at >= 0:
                                out[at] = "_"
        return "".join(out).encode("utf-8")

    def bind(self, page, text: str) -> BoundTemplate | None:
        """The binding code of a page's template, or None when it has no framework bindings. An ordinary
        page is read as the in-DOM template of every framework that has them (each in a scope of its own)."""
        spec = self.spec_for(page.rel)
        if spec is not None:
            return self._bind(page, text, spec, False)
        codes, segs, langs = "", [], ()
        for sp in self.specs:
            if not sp.in_dom:
                continue
            b = self._bind(page, text, sp, True)
            if b is None:
                continue
            base = len(codes.encode("utf-8")) + len("\n;(function () {")
            segs += [Segment(base + s.offset, s.line, s.col, s.snippet) for s in b.segments]
            codes += "\n;(function () {" + b.code + "\n})();\n"
            langs = b.script_langs
        if not codes:
            return None
        return BoundTemplate("in-DOM", None, codes, tuple(segs), langs)

    def bind_core(self, rel: str, data: bytes, parse_page, pages=()) -> list[tuple]:
        """The platform templates (rules `[[core_template]]`) a script names by module (`'Magento_Checkout/js/
        view/form/element/email'` in a RequireJS mixin config or a `define` dependency), bound as in-DOM
        templates of their framework; each generated statement stands for the place the script names the
        module (the template itself is the platform's, not in the scan). (page, BoundTemplate) pairs: the
        page holds the template's elements, for the selectors its bindings read. A scanned page (`pages`)
        that binds the same field itself (a plugin's own copy of the template, `value: email`) is that
        template: the platform's is not bound then."""
        out = []
        for ct in self.core:
            if ct.module in self.core_done:
                continue
            at = -1
            for q in (b"'", b'"'):
                i = data.find(q + ct.module.encode("utf-8") + q)
                if i >= 0 and (at < 0 or i < at):
                    at = i
            if at < 0:
                continue
            spec = next((sp for sp in self.specs if sp.framework == ct.framework and sp.in_dom), None)
            if spec is None:
                continue
            self.core_done.add(ct.module)
            page = parse_page(rel + "#" + ct.module, ct.html.encode("utf-8"))
            attr = spec.binding_attr
            own = [f'[id="{t["id"]}"][{attr}]' for t in page.soup.find_all(attrs={attr: True}) if t.get("id")]
            if any(pg.soup.select(sel) for sel in own for pg in pages):
                continue
            b = self._bind(page, ct.html, spec, True)
            if b is None:
                continue
            line = data.count(b"\n", 0, at) + 1
            col = at - (data.rfind(b"\n", 0, at) + 1) + 1
            snip = f"{ct.module} (its template: {ct.html.strip()[:60]})"
            segs = tuple(Segment(sg.offset, line, col, snip) for sg in b.segments)
            out.append((page, BoundTemplate(b.framework, None, b.code, segs, ())))
        return out

    def _bind(self, page, text: str, spec: TemplateSpec, in_dom: bool) -> BoundTemplate | None:
        soup = page.soup
        starts = _line_starts(text)
        scripts = [t for t in soup.find_all("script") if not t.get("src")
                   and (t.get("type") or "").lower().strip() in _JS_TYPES and (t.string or "").strip()]
        langs = tuple((i, "ts") for i, t in enumerate(scripts) if (t.get("lang") or "").lower() in ("ts", "tsx"))
        setup_i = next((i for i, t in enumerate(scripts) if t.has_attr("setup")), None)
        if in_dom:
            scope, target = "instance", None
        elif spec.scope == "setup" and setup_i is None:
            scope, target = "instance", (len(scripts) - 1 if scripts else None)
        else:
            scope = spec.scope
            target = setup_i if setup_i is not None else (len(scripts) - 1 if scripts else None)
        refs: set[str] = set()
        if scope == "setup" and target is not None:
            refs = self._refs(scripts[target].string or "", spec, dict(langs).get(target, "js"))
        gen = _Generator(self.parsers, spec, scope, refs, page.rel)
        if spec.store_prefix and target is not None and not in_dom:
            gen.declared, gen.stores = self._store_names(scripts[target].string or "", spec.store_prefix,
                                                         dict(langs).get(target, "js"))
        # an element inside another framework's component (`<div x-data>` of Alpine) is that framework's
        claimed: set[int] = set()  # (each element once, however deep the components nest)
        for a in [s.instance_attr for s in self.specs if s.instance_attr and s is not spec] if in_dom else []:
            for root in soup.find_all(attrs={a: True}):
                if id(root) not in claimed:
                    claimed.add(id(root))
                    claimed.update(id(d) for d in root.descendants)
        for idx, tag in enumerate(soup.find_all(True)):
            if tag.name in ("script", "style"):
                continue
            if claimed and id(tag) in claimed:
                continue
            off = _offset(tag, starts)
            if off < 0 or off >= len(text) or text[off] != "<":
                continue
            attrs, _end = start_tag(text, off)
            gen.element(idx, tag, attrs, text, starts)
        blank: tuple = ()
        if spec.reactive_label and target is not None and not in_dom:
            blank = self._reactive_statements(gen, scripts[target], text, starts, spec.reactive_label,
                                              dict(langs).get(target, "js"))
        if not gen.parts:
            return None
        if not in_dom and target is None:
            return None
        head = gen.prelude(in_dom, page.rel)
        code = head
        first = gen.parts[0]
        segs = [Segment(0, first[1], first[2], first[3])]
        for seg_code, line, col, snip in gen.parts:
            segs.append(Segment(len(code.encode("utf-8")), line, col, snip))
            code += seg_code
        return BoundTemplate(spec.framework, None if in_dom else target, code, tuple(segs), langs, blank)

    def _reactive_statements(self, gen, tag, text: str, starts: list[int], label: str, lang: str) -> tuple:
        """Svelte 4's top-level `$: stmt` runs again whenever a variable it reads changes: read as
        `$effect(() => { stmt })` (an effect, modelled), appended to the script's generated code at the
        statement's place; the statement itself is blanked out of the script (byte ranges returned)."""
        code = tag.string or ""
        off = _offset(tag, starts)
        start = text.find(">", off) + 1 if off >= 0 else -1
        base = text.find(code, start) if start > 0 else -1
        if base < 0:
            return ()
        data = code.encode("utf-8")
        root = self.parsers.parse(lang, data).root_node
        ranges = []
        for st in root.named_children:
            if st.type != "labeled_statement":
                continue
            lab = st.child_by_field_name("label")
            body = st.child_by_field_name("body")
            if lab is None or body is None or lab.text.decode("utf-8", "replace") != label:
                continue
            at = base + len(data[:body.start_byte].decode("utf-8", "replace"))
            line, col = _point(text, starts, at)
            lines = body.text.decode("utf-8", "replace").split("\n")
            for i, ln in enumerate(lines):  # one part per line: each step points at its own line
                piece = ("$effect(() => { " if i == 0 else "") + ln + "\n" + ("});\n" if i == len(lines) - 1 else "")
                lcol = col if i == 0 else len(ln) - len(ln.lstrip()) + 1
                gen.parts.append((piece, line + i, lcol, _line_text(text, starts, starts[line + i - 1])))
            ranges.append((st.start_byte, st.end_byte))
        return tuple(ranges)

    def _store_names(self, code: str, prefix: str, lang: str) -> tuple[frozenset, set]:
        """The script's top-level names (imports and declarations), and those of them its code reads as a
        store's value (`$contact` of `import { contact } from './stores.js'`)."""
        root = self.parsers.parse(lang, code.encode("utf-8")).root_node
        declared: set[str] = set()
        for st in root.named_children:
            if st.type == "export_statement":
                st = st.child_by_field_name("declaration") or st
            if st.type == "import_statement":
                stack = list(st.named_children)
                while stack:
                    n = stack.pop()
                    if n.type == "import_specifier":
                        n = n.child_by_field_name("alias") or n.child_by_field_name("name")
                    if n is not None and n.type == "identifier":
                        declared.add(n.text.decode("utf-8", "replace"))
                    elif n is not None and n.type in ("import_clause", "named_imports", "namespace_import"):
                        stack.extend(n.named_children)
            elif st.type in ("lexical_declaration", "variable_declaration"):
                for d in st.named_children:
                    name = d.child_by_field_name("name") if d.type == "variable_declarator" else None
                    if name is not None and name.type == "identifier":
                        declared.add(name.text.decode("utf-8", "replace"))
            elif st.type in ("function_declaration", "class_declaration"):
                name = st.child_by_field_name("name")
                if name is not None:
                    declared.add(name.text.decode("utf-8", "replace"))
        used: set[str] = set()
        stack = [root]
        while stack:
            n = stack.pop()
            if n.type == "identifier":
                t = n.text.decode("utf-8", "replace")
                if t.startswith(prefix) and t[len(prefix):] in declared:
                    used.add(t[len(prefix):])
            stack.extend(n.named_children)
        return frozenset(declared), used

    def _refs(self, code: str, spec: TemplateSpec, lang: str) -> set[str]:
        """Top-level names of a setup script bound to a ref (`const email = ref('')`, `const { contact } =
        storeToRefs(store)`)."""
        tree = self.parsers.parse(lang, code.encode("utf-8"))
        out: set[str] = set()
        calls = set(spec.ref_calls)
        many = set(spec.refs_calls)
        for st in tree.root_node.named_children:
            if st.type == "export_statement":
                st = st.child_by_field_name("declaration") or st
            if st.type not in ("lexical_declaration", "variable_declaration"):
                continue
            for d in st.named_children:
                if d.type != "variable_declarator":
                    continue
                name, value = d.child_by_field_name("name"), d.child_by_field_name("value")
                if name is None or value is None or value.type != "call_expression":
                    continue
                fn = value.child_by_field_name("function")
                callee = fn.text.decode("utf-8", "replace").rsplit(".", 1)[-1] if fn is not None else ""
                if callee in calls and name.type == "identifier":
                    out.add(name.text.decode("utf-8", "replace"))
                elif callee in many and name.type == "object_pattern":
                    for q in name.named_children:
                        n = q.child_by_field_name("value") if q.type == "pair_pattern" else q
                        if n is not None and n.type in ("shorthand_property_identifier_pattern", "identifier"):
                            out.add(n.text.decode("utf-8", "replace"))
        return out


class _Generator:
    def __init__(self, parsers, spec: TemplateSpec, scope: str, refs: set, rel: str):
        self.parsers = parsers
        self.spec = spec
        self.scope = scope
        self.refs = refs
        self.rel = rel
        self.parts: list[tuple[str, int, int, str]] = []
        self.declared: frozenset = frozenset()  # the script's top-level names (Svelte: stores by `$name`)
        self.stores: set[str] = set()  # of them, the stores read by `$name`

    def prelude(self, in_dom: bool, rel: str, instance: str | None = None) -> str:
        """`instance`: an expression naming the component object (a template string of a script's
        component, `analyzer/models/component_templates.py`)."""
        if self.scope != "instance":
            pre, get = self.spec.store_prefix, self.spec.store_get
            return "\n;" + "".join(f" var {pre}{n} = {get}({n});" for n in sorted(self.stores)) + "\n"
        lines = ["\n;"]
        if instance is not None:
            lines.append(f"var __fl_o = {instance};")
        elif self.spec.instance_attr or self.spec.request_attrs:
            if self.spec.instance_attr:  # Alpine: each `x-data` element names its own (`_instance_element`)
                lines.append("var __fl_vm = {};")
            return " ".join(lines) + "\n"  # (htmx has no instance)
        elif in_dom:
            lines.append(f"var __fl_o = {self.spec.instance_global};")
        else:
            base = rel.rsplit("/", 1)[-1]
            lines.append(f"import __fl_o from {json.dumps('./' + base)};")
        if self.spec.options_instance:  # Vue: the instance holds the options' data, methods, computed
            lines.append("var __fl_vm = {};")
            lines.append("Object.assign(__fl_vm, __fl_o.props, __fl_o.methods, __fl_o.computed, __fl_o.data, "
                         "__fl_o.data.call(__fl_vm), __fl_o.setup());")
            lines.append("__formleak_vue_options__(__fl_o, __fl_vm);")
        else:  # Knockout: the view model is the instance
            lines.append("var __fl_vm = __fl_o;")
        for hook in self.spec.lifecycle:
            lines.append(f"__fl_o.{hook}.call(__fl_vm);")
        return " ".join(lines) + "\n"

    # ------------------------------------------------------------------------------ elements
    def element(self, idx: int, tag, attrs, text: str, starts: list[int]) -> None:
        spec = self.spec
        raw_name = _raw_tag_name(text, _offset(tag, starts))
        html_el = raw_name == tag.name and "-" not in raw_name  # not a component (`<TextField>`, `<my-input>`)
        native = tag.name in ("input", "select", "textarea") and html_el
        sel = f"@html:{self.rel}:{idx}" if html_el else None
        typ = (tag.get("type") or "").lower()
        if spec.binding_attr:
            for name, value, voff, _braced in attrs:
                if name.lower() == spec.binding_attr and value:
                    self._bindings(sel or self._component_selector(tag, ""), tag, typ, native, value, voff,
                                   text, starts)
            return
        if not html_el and spec.props_call:
            self._child_props(raw_name, attrs, text, starts)
        if spec.instance_attr:
            self._instance_element(attrs, text, starts)
        if spec.request_attrs:
            self._request_element(idx, tag, attrs, text, starts)
            return
        for name, value, voff, _braced in attrs:
            if value is None:
                continue
            line, col = _point(text, starts, voff)
            snip = _line_text(text, starts, voff)
            if spec.ref_attr and name == spec.ref_attr and html_el:
                self._element_ref(sel, value.strip(), line, col, snip)
                continue
            base, mods = _split_mods(name, spec.modifier_sep)
            # `v-model:email="form.email"` on a component (`defineModel('email')` / `emit('update:email')` in
            # it): the field it wraps updates that state, as a plain `v-model` does
            if base in spec.model_attrs or (not html_el and any(base.startswith(m + ":") for m in spec.model_attrs)):
                if native and (typ in ("checkbox", "radio")):
                    continue  # the checked state, not what was typed
                ev = spec.lazy_event if ("lazy" in mods or tag.name == "select") else spec.model_event
                s = sel or self._component_selector(tag, value)
                self._model(s, ev, value.strip(), line, col, snip)
                continue
            ev = None
            for pre in spec.event_prefixes:
                if base.startswith(pre) and len(base) > len(pre):
                    ev = base[len(pre):]
                    break
            if ev is None and spec.event_attrs and _braced and base.lower().startswith("on") and len(base) > 2:
                ev = base[2:].lower()
            if ev is None or not ev.replace("-", "").replace(":", "").isalnum() or ":" in ev:
                continue
            s = sel or self._component_selector(tag, "")
            self._handler(s, ev.lower(), value.strip(), line, col, snip)

    def _request_element(self, idx: int, tag, attrs, text: str, starts: list[int]) -> None:
        """`<input name="email" hx-post="/lead" hx-trigger="keyup changed delay:500ms">`: on those events (or the
        element's default one) the element sends its own value, the elements `hx-include` names, and for a
        request other than GET the fields of its form."""
        spec = self.spec
        byname = {name.lower(): (value, voff) for name, value, voff, _b in attrs if value is not None}
        req = next(((a, byname[a]) for a in spec.request_attrs if a in byname), None)
        if req is None or not req[1][0].strip():
            return
        verb = req[0].rsplit("-", 1)[-1].upper()
        url, voff = req[1]
        line, col = _point(text, starts, voff)
        snip = _line_text(text, starts, voff)
        sel = f"@html:{self.rel}:{idx}"
        field = tag.name in ("input", "select", "textarea")
        values = []
        if field and tag.get("name"):
            values.append(f"{json.dumps(tag.get('name'))}: document.querySelector({json.dumps(sel)}).value")
        inc = byname.get(spec.include_attr, ("", 0))[0].strip() if spec.include_attr else ""
        forms = []
        if inc and not inc.startswith(("this", "closest ", "find ", "next", "previous")):
            root = tag
            while root.parent is not None:
                root = root.parent
            try:
                shown = root.select(inc, limit=8)
            except Exception:  # noqa: BLE001 - a selector soupsieve does not take: read as a form
                shown = []
            if shown and all(t.name in ("input", "select", "textarea") for t in shown):
                values.append(f"__included: document.querySelector({json.dumps(inc)}).value")  # a field's value
            else:
                forms.append(f"document.querySelector({json.dumps(inc)})")
        params = byname.get("hx-params", ("*", 0))[0].strip()
        if (verb != "GET" and params in ("*", "")) or inc.startswith("closest form"):
            # (htmx adds the fields of the element's form to a request other than GET, unless `hx-params`
            # picks some)
            form = tag if tag.name == "form" else tag.find_parent("form")
            if form is not None:
                fsel = f"#{form.get('id')}" if form.get("id") else "form"
                forms.append(f"document.querySelector({json.dumps(fsel)})")
        payload = "{values: {" + ", ".join(values) + "}" + "".join(f", form{i}: new FormData({f})" for i, f in
                                                             enumerate(forms)) + "}"
        call = f"{spec.request_call}({json.dumps(verb)}, {json.dumps(url.strip())}, {payload});"
        default = "submit" if tag.name == "form" else "change" if field else "click"
        trig = byname.get(spec.trigger_attr, (default, 0))[0] if spec.trigger_attr else default
        for part in trig.split(","):
            words = part.split()
            if not words:
                continue
            ev = words[0].split("[", 1)[0]
            src = next((w[5:] for w in words[1:] if w.startswith("from:")), None)
            target = json.dumps(src) if src and src not in ("document", "window", "body") else json.dumps(sel)
            if ev == "every":
                self.parts.append((f"setInterval(function () {{ {call} }}, 1000);\n", line, col, snip))
            elif ev in ("load", "revealed", "intersect"):
                self.parts.append((f"{call}\n", line, col, snip))
            elif re.fullmatch(r"[a-z][a-z:-]*", ev):
                self.parts.append((f"document.querySelector({target}).addEventListener({json.dumps(ev)}, "
                                   f"function ($event) {{ {call} }});\n", line, col, snip))

    def _instance_element(self, attrs, text: str, starts: list[int]) -> None:
        """`<div x-data="{ email: '', init() {…} }" x-init="…">`: the component object the element and its
        subtree bind to (one variable for the page's components: what each holds stays apart by property),
        its lifecycle methods and its init code run at load, the component as `this`."""
        # (a value written `{…}` comes without its braces: they are the object's)
        byname = {name: ("{" + value + "}" if braced else value, voff) for name, value, voff, braced in attrs
                  if value is not None}
        data = byname.get(self.spec.instance_attr)
        if data is None or not data[0].strip():
            return
        line, col = _point(text, starts, data[1])
        snip = _line_text(text, starts, data[1])
        code = f"__fl_vm = ({data[0].strip()});"
        for hook in self.spec.lifecycle:
            code += f" if (__fl_vm.{hook}) __fl_vm.{hook}();"
        init = byname.get(self.spec.init_attr) if self.spec.init_attr else None
        if init is not None and init[0].strip():
            new = self.rewrite(init[0].strip())
            if new is not None:
                code += f" (function () {{ {new[0]}; }}).call(__fl_vm);"
        self.parts.append((code + "\n", line, col, snip))

    def _child_props(self, raw_name: str, attrs, text: str, starts: list[int]) -> None:
        """`<ContactFields :customer="customer" :saving="saving">` (or `<contact-fields …>`): the component the
        script names `ContactFields` is handed those props (`props_call`), as Vue passes them."""
        comp = raw_name if "-" not in raw_name else "".join(w[:1].upper() + w[1:] for w in raw_name.split("-"))
        if not re.fullmatch(r"[A-Z][\w$]*", comp):
            return
        pairs = []
        first = None
        for name, value, voff, _braced in attrs:
            if value is None or not value.strip():
                continue
            key = next((name[len(pre):] for pre in self.spec.prop_prefixes if name.startswith(pre)), None)
            if not key:
                continue
            key = re.sub(r"-(\w)", lambda m: m.group(1).upper(), key.split(self.spec.modifier_sep, 1)[0])
            new = self.rewrite(value.strip()) if re.fullmatch(r"[A-Za-z_$][\w$]*", key) else None
            if new is None:
                continue
            pairs.append(f"{key}: ({new[0]})")
            first = first if first is not None else voff
        if pairs:
            line, col = _point(text, starts, first)
            self.parts.append((f"{self.spec.props_call}({comp}, {{{', '.join(pairs)}}});\n", line, col,
                               _line_text(text, starts, first)))

    def _bindings(self, sel: str, tag, typ: str, native: bool, value: str, voff: int, text: str,
                  starts: list[int]) -> None:
        """`data-bind="textInput: email, event: { blur: onBlur }"`: the binding pairs of one element."""
        spec = self.spec
        src = "({" + value + "})"
        tree = self.parsers.parse("js", src.encode("utf-8"))
        if tree.root_node.has_error:
            return
        line, col = _point(text, starts, voff)
        snip = _line_text(text, starts, voff)
        obj = tree.root_node
        while obj is not None and obj.type != "object":
            obj = obj.named_children[0] if obj.named_child_count else None
        if obj is None:
            return
        pairs = {}
        for pr in obj.named_children:
            if pr.type == "pair":
                k, v = pr.child_by_field_name("key"), pr.child_by_field_name("value")
                if k is not None and v is not None:
                    pairs[k.text.decode("utf-8").strip("'\"")] = v
        upd = pairs.get(spec.update_key)
        upd_ev = upd.text.decode("utf-8").strip("'\"") if upd is not None and upd.type == "string" else None
        for key, v in pairs.items():
            expr = v.text.decode("utf-8")
            if key in spec.model_attrs:
                if native and typ in ("checkbox", "radio"):
                    continue
                ev = spec.lazy_event if key in spec.lazy_attrs or tag.name == "select" else spec.model_event
                self._model(sel, ev, expr.strip(), line, col, snip)
                if upd_ev and key in spec.lazy_attrs:  # `valueUpdate: 'keyup'`: that event updates it too
                    self._model(sel, "keydown" if upd_ev == "afterkeydown" else upd_ev, expr.strip(), line, col,
                                snip)
            elif key == spec.event_key and v.type == "object":
                for pr in v.named_children:
                    if pr.type == "pair":
                        k2, v2 = pr.child_by_field_name("key"), pr.child_by_field_name("value")
                        if k2 is not None and v2 is not None:
                            self._handler(sel, k2.text.decode("utf-8").strip("'\"").lower(),
                                          v2.text.decode("utf-8"), line, col, snip)
            elif key in spec.event_bindings:
                self._handler(sel, key, expr, line, col, snip)

    def _component_selector(self, tag, model: str) -> str:
        """A component bound to a field (`<TextField v-model="form.email" label="Email">`): the field it
        wraps, described by the component's static attributes, else by the state it is bound to."""
        sel = "input"
        for k in ("id", "name", "type", "autocomplete", "placeholder", "label", "aria-label"):
            v = tag.get(k)
            if isinstance(v, str) and v and re.fullmatch(r"[\w .@-]+", v):
                sel += f'[{"placeholder" if k == "label" else k}="{v}"]'
        if sel == "input" and model:
            last = re.split(r"[.\[\]'\"]+", model.strip())
            last = [x for x in last if x]
            if last and re.fullmatch(r"[\w$-]+", last[-1]):
                sel += f'[name="{last[-1]}"]'
        return sel

    def _model(self, sel: str, ev: str, expr: str, line: int, col: int, snip: str) -> None:
        target = self.rewrite(expr, assign=True)
        if target is None:
            return
        path_expr = re.fullmatch(r"[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*", expr) is not None
        if self.spec.write == "call":  # an observable: `email(v)` stores
            body = ["var __fl_v = $event.target.value;"] + [f"{t}(__fl_v);" for t in target]
            if self.scope == "instance" and path_expr:
                # (and the view model's `email.subscribe(fn)` runs: also when the observable is the base
                # component's, outside the scan, as for a Magento mixin's `this.email.subscribe`)
                body.append(f"__formleak_ko_set__(__fl_vm, {json.dumps(expr)}, __fl_v);")
        elif self.scope == "instance" and path_expr:
            # `form.email` of the instance: set by the model (that property only, and the option watchers
            # of this path or of a path it lies under run now); a path into state that `setup()` returned
            # is a store into that reactive object or ref (its Composition API watchers run)
            body = ["var __fl_v = $event.target.value;",
                    f"__formleak_vue_set__(__fl_vm, {json.dumps(expr)}, __fl_v);"]
            if self.spec.options_instance:
                body.append(f"__fl_vm.{expr}{'' if '.' in expr else '.value'} = __fl_v;")
        else:
            body = ["var __fl_v = $event.target.value;"] + [f"{t} = __fl_v;" for t in target]
            store = self._store_of(expr)
            if store:  # `$contact.email = v` is `contact.set($contact)` once the value is written
                body.append(f"{store}.set({self.spec.store_prefix}{store});")
        self._listen(sel, ev, " ".join(body), line, col, snip)

    def _store_of(self, expr: str) -> str:
        """The store a binding's target is the value of (`$contact.email`: `contact`), or ''."""
        pre = self.spec.store_prefix
        if not pre or not expr.startswith(pre):
            return ""
        m = re.match(r"[A-Za-z_][\w$]*", expr[len(pre):])
        name = m.group(0) if m else ""
        if name in self.declared:
            self.stores.add(name)
            return name
        return ""

    def _handler(self, sel: str, ev: str, expr: str, line: int, col: int, snip: str) -> None:
        tree = self.parsers.parse("js", expr.encode("utf-8"))
        root = tree.root_node
        kids = [c for c in root.named_children if c.type != "comment"]
        if root.has_error or not kids:
            return
        only = kids[0].named_children[0] if len(kids) == 1 and kids[0].type == "expression_statement" \
            and kids[0].named_child_count else None
        new = self.rewrite(expr)
        if new is None:
            return
        code = new[0]
        if only is not None and only.type in ("identifier", "member_expression") and self.spec.binding_attr:
            body = f"{code}.call(__fl_vm, __fl_vm, $event);"  # Knockout: this and the first argument are the data
        elif only is not None and only.type in ("identifier", "member_expression"):
            body = f"{code}($event);"  # a method: called on the instance
        elif only is not None and only.type in ("arrow_function", "function_expression", "function",
                                                "parenthesized_expression"):
            body = f"({code})($event);"
        else:
            body = code if code.rstrip().endswith((";", "}")) else code + ";"
        self._listen(sel, ev, body, line, col, snip)

    def _element_ref(self, sel: str, name: str, line: int, col: int, snip: str) -> None:
        """`<input ref="emailInput">`: the setup script's ref `emailInput` (an options component's
        `this.$refs.emailInput`; Svelte's `bind:this={el}`: the variable) holds that element once mounted."""
        if not re.fullmatch(r"[A-Za-z_$][\w$]*", name):
            return
        targets = [f"__fl_vm.$refs.{name}"] if self.scope == "instance" else self.rewrite(name, assign=True)
        if not targets:
            return
        code = "".join(f"{t} = document.querySelector({json.dumps(sel)}); " for t in targets)
        self.parts.append((code + "\n", line, col, snip))

    def _listen(self, sel: str, ev: str, body: str, line: int, col: int, snip: str) -> None:
        self.parts.append((f"document.querySelector({json.dumps(sel)}).addEventListener({json.dumps(ev)}, "
                           f"function ($event) {{ {body} }});\n", line, col, snip))

    # ------------------------------------------------------------------------------ expressions
    def rewrite(self, expr: str, assign: bool = False) -> list[str] | None:
        """The expression with the component's names spelled as the script sees them: `email` is
        `__fl_vm.email` in the instance scope and `email.value` for a ref of a setup script. For an
        assignment target that may be a ref or a plain variable, both spellings."""
        data = expr.encode("utf-8")
        tree = self.parsers.parse("js", data)
        if tree.root_node.has_error:
            return None
        bound: set[str] = set()
        idents = []
        stack = [tree.root_node]
        while stack:
            n = stack.pop()
            t = n.type
            if t in ("arrow_function", "function_expression", "function"):
                ps = n.child_by_field_name("parameters") or n.child_by_field_name("parameter")
                if ps is not None:
                    sub = [ps]
                    while sub:
                        q = sub.pop()
                        if q.type == "identifier":
                            bound.add(q.text.decode("utf-8"))
                        sub.extend(q.named_children)
            if t in ("identifier", "shorthand_property_identifier"):
                idents.append(n)
            stack.extend(n.named_children)
        edits = []
        for n in idents:
            name = n.text.decode("utf-8")
            if name in bound or name in _GLOBALS:
                continue
            self._store_of(name)  # (`$consent` in a handler expression: that store's value)
            if self.scope == "instance":
                rep = f"__fl_vm.{name}"
            elif self.scope == "setup" and name in self.refs:
                rep = f"{name}.value"
            else:
                continue
            if n.type == "shorthand_property_identifier":
                rep = f"{name}: {rep}"
            edits.append((n.start_byte, n.end_byte, rep))
        out = data
        for a, b, rep in sorted(edits, reverse=True):
            out = out[:a] + rep.encode("utf-8") + out[b:]
        code = out.decode("utf-8")
        if assign and self.scope == "setup" and re.fullmatch(r"[A-Za-z_$][\w$]*", expr) and expr not in self.refs:
            return [expr, f"{expr}.value"]  # a name from a composable: a ref or a plain value
        return [code]


# ---------------------------------------------------------------------------------- start tags
def start_tag(text: str, i: int) -> tuple[list[tuple[str, str | None, int, bool]], int]:
    """Attributes of the start tag at `text[i] == '<'`: (name, value, value offset, braced), and the
    offset after the tag. Values may be quoted or `{…}` expressions with nested braces and strings."""
    n = len(text)
    j = i + 1
    while j < n and not text[j].isspace() and text[j] not in "/>":
        j += 1
    attrs: list[tuple[str, str | None, int, bool]] = []
    while j < n:
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            break
        ch = text[j]
        if ch == ">":
            return attrs, j + 1
        if ch == "/":
            j += 1
            continue
        if ch == "{":
            k = _brace_end(text, j)
            attrs.append(("{}", text[j + 1:k - 1], j + 1, True))
            j = k
            continue
        k = j
        while k < n and not text[k].isspace() and text[k] not in "=>" and not (text[k] == "/" and k + 1 < n
                                                                                 and text[k + 1] == ">"):
            k += 1
        name = text[j:k]
        j = k
        while j < n and text[j].isspace():
            j += 1
        if j < n and text[j] == "=":
            j += 1
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] in "\"'":
                q = text.find(text[j], j + 1)
                q = n if q < 0 else q
                val, voff = text[j + 1:q], j + 1
                braced = val.startswith("{") and val.endswith("}")
                if braced:
                    val, voff = val[1:-1], voff + 1
                attrs.append((name, val, voff, braced))
                j = q + 1
            elif j < n and text[j] == "{":
                k = _brace_end(text, j)
                attrs.append((name, text[j + 1:k - 1], j + 1, True))
                j = k
            else:
                k = j
                while k < n and not text[k].isspace() and text[k] != ">":
                    k += 1
                attrs.append((name, text[j:k], j, False))
                j = k
        elif name:
            attrs.append((name, None, j, False))
        else:
            j += 1
    return attrs, n


def _brace_end(text: str, i: int) -> int:
    depth = 0
    n = len(text)
    j = i
    while j < n:
        ch = text[j]
        if ch in "\"'`":
            q = j + 1
            while q < n and text[q] != ch:
                q += 2 if text[q] == "\\" else 1
            j = q + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return n


def _code_free_ranges(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in _SKIP_BLOCKS.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return out


def _split_mods(name: str, sep: str) -> tuple[str, set]:
    parts = name.split(sep)
    return parts[0], set(parts[1:])


def _raw_tag_name(text: str, off: int) -> str:
    m = re.match(r"<([A-Za-z][\w.-]*)", text[off:off + 80])
    return m.group(1) if m else ""


def _offset(tag, starts: list[int]) -> int:
    line = getattr(tag, "sourceline", None)
    if line is None:
        return -1
    return starts[min(line - 1, len(starts) - 1)] + (getattr(tag, "sourcepos", 0) or 0)


def _point(text: str, starts: list[int], off: int) -> tuple[int, int]:
    row = bisect.bisect_right(starts, off) - 1
    return row + 1, len(text[starts[row]:off].encode("utf-16-le")) // 2 + 1


def _line_text(text: str, starts: list[int], off: int) -> str:
    row = bisect.bisect_right(starts, off) - 1
    end = text.find("\n", starts[row])
    return text[starts[row]:end if end >= 0 else len(text)].strip()[:160]
