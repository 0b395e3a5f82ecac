"""Stage 2a (frameworks): templates written as strings inside a script's component objects.

A Vue component need not live in a `.vue` file: shops built without a compiler (Vue's full build from a
CDN or `vue/dist/vue.esm-bundler.js`) write `export const CheckoutForm = { template: `<form>…</form>`,
setup() {…} }`, `defineComponent({ template, data, methods })` or `createApp({ template, … })` in plain
`.js`/`.ts` files. The option that holds such a template is data (`template_keys` of a [[template]] entry
in `rules/frameworks.toml`); this module finds those string literals, reads them as the component's
template (a page of their own, for the fields), and writes out their bindings with the generator of
`analyzer/models/templates.py`, in the instance scope of that very object: every free name of a template
expression is a property of the instance built from the object's `props`, `data`, `methods`, `computed`
and what `setup()` returns.

The object must be reachable from the file's top level, for the binding code appended to the file to
name it: `const X = {…}` / `export const X = {…}` (also through a wrapping call such as
`defineComponent({…})`), `export default {…}`, `X.y = {…}`, the argument of an app call (`createApp({…})`,
`new Vue({…})`: the global the app kind keeps its instance in), a globally registered component
(`Vue.component('name', {…})`: a global of that name, kind "component"), and objects nested in those under keys
(`components: { Field: {…} }`). A template built at run time (a template literal with substitutions, a
`#id` reference to a `<script type="text/x-template">`) is not read.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from analyzer.htmlpage import _line_starts, parse_page
from analyzer.models.state import component_global, load_apis
from analyzer.models.templates import BoundTemplate, Segment, _Generator, _line_text, _offset, _point, start_tag

_WRAPPERS = (
    "parenthesized_expression", "as_expression", "satisfies_expression", "type_assertion", "non_null_expression",
)


@dataclass(frozen=True)
class _Component:
    start: int  # character range of the template's text in the file
    end: int
    parts: tuple  # the character ranges of its string pieces (`'<div>' + '<input …>'`)
    root: str  # the expression naming the component object in the binding code
    imports_self: bool  # `root` is the file's default export, imported under that name
    alias_at: int = -1  # byte offset of an object top-level code cannot name: kept in global `root`


@dataclass(frozen=True)
class _Imported:
    """A component whose template is imported from another module (`import template from './t.js'`,
    `{ template, data() {…} }`): that module's binding function (see `_Exported`) is called with the
    component object."""

    source: str  # the module specifier
    name: str  # what the module exports it as ('default' or a name)
    root: str
    imports_self: bool
    alias_at: int
    at: int  # character offset of the `template` key (where the call is reported)


@dataclass(frozen=True)
class _Exported:
    """A template string a module exports (`export default `<form …>``, `export const tpl = '…'`): its
    bindings are written as a function of the component object, `__fl_template_<name>(o)`, for the
    modules that import it to call."""

    start: int
    end: int
    parts: tuple
    name: str


def template_function(name: str) -> str:
    return f"__fl_template_{name}"


class ComponentTemplates:
    """Template strings of component objects in scripts; one per scan (reuses the template specs)."""

    def __init__(self, templates):
        self.templates = templates
        self.specs = [s for s in templates.specs if s.template_keys]
        apis = load_apis()
        self.app_into = {p.rsplit(".", 1)[-1]: (a.into or "") for a in apis if a.kind == "app" for p in a.path}
        self.wraps = {p.rsplit(".", 1)[-1] for a in apis if a.kind == "wrap" for p in a.path}
        self.registers = {p.rsplit(".", 1)[-1] for a in apis if a.kind == "component" for p in a.path}
        self.markers = tuple(sorted({m.encode("utf-8") for s in self.specs
                                     for m in (*s.model_attrs, *s.event_prefixes) if m}))
        # `template: `<…`, `"template": '<…'`: where such an option may start (only there is the tree looked at)
        self.key_re = {s.framework: re.compile(
            rb"""(?<![\w$])["']?(?:""" + b"|".join(re.escape(k.encode("utf-8")) for k in s.template_keys)
            + rb""")["']?\s*:\s*[`'"](?:\s|\\[nrt])*<""") for s in self.specs}
        # `template: tpl,` / `{ template, data() {…} }`: a template held by a variable (declared in the
        # file, or imported)
        self.ident_re = {s.framework: re.compile(
            rb"""(?<![\w$.])["']?(?:""" + b"|".join(re.escape(k.encode("utf-8")) for k in s.template_keys)
            + rb""")["']?\s*(?:[,}]|:\s*[A-Za-z_$][\w$]*\s*[,}])""") for s in self.specs}
        self.export_re = re.compile(
            rb"""(?<![\w$])export\s+(?:default\s+|(?:const|let|var)\s+[A-Za-z_$][\w$]*\s*=\s*)[`'"](?:\s|\\[nrt])*<""")

    def bind(self, rel: str, data: bytes, lang: str):
        """(page or None, BoundTemplate, aliases) for a script whose component objects carry template strings
        (or name one that is imported), or that exports a template string; else None."""
        if not self.specs:
            return None
        marked = any(m in data for m in self.markers)
        inline = marked and any(self.key_re[s.framework].search(data) for s in self.specs)
        named = any(self.ident_re[s.framework].search(data) for s in self.specs)
        exported = marked and self.export_re.search(data) is not None
        if not (inline or named or exported):
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        tree = self.templates.parsers.parse(lang if lang in ("ts", "tsx") else "js", data)
        out_code, segs = "", []
        page = None
        aliases: dict[int, str] = {}
        starts = _line_starts(text)
        for spec in self.specs:
            comps, imported = self._components(tree, data, text, spec, rel)
            exports = self._exported(tree, data) if exported else []
            if not (comps or imported or exports):
                continue
            if comps or exports:
                pseudo = _blank_outside(text, [r for c in (*comps, *exports) for r in c.parts])
                page = parse_page(rel, pseudo.encode("utf-8"))
            tags = list(page.soup.find_all(True)) if page is not None else []
            for comp in (*comps, *exports):
                gen = _Generator(self.templates.parsers, spec, "instance", set(), rel)
                for idx, tag in enumerate(tags):
                    if tag.name in ("script", "style"):
                        continue
                    off = _offset(tag, starts)
                    if not (comp.start <= off < comp.end) or text[off] != "<":
                        continue
                    attrs, _end = start_tag(text, off)
                    gen.element(idx, tag, attrs, text, starts)
                if not gen.parts:
                    continue
                if isinstance(comp, _Exported):
                    head = f"\nexport function {template_function(comp.name)}(__fl_inst) {{" + \
                        gen.prelude(True, rel, instance="__fl_inst")
                    tail = "\n}\n"
                else:
                    if comp.alias_at >= 0:
                        aliases[comp.alias_at] = comp.root
                    head = "\n;(function () {" + gen.prelude(True, rel, instance=comp.root)
                    tail = "\n})();\n"
                    if comp.imports_self:
                        head = _self_import(rel, comp.root) + head
                first = gen.parts[0]
                segs.append(Segment(len(out_code.encode("utf-8")), first[1], first[2], first[3]))
                code = out_code + head
                for seg_code, line, col, snip in gen.parts:
                    segs.append(Segment(len(code.encode("utf-8")), line, col, snip))
                    code += seg_code
                out_code = code + tail
            for k, imp in enumerate(imported):
                if imp.alias_at >= 0:
                    aliases[imp.alias_at] = imp.root
                line, col = _point(text, starts, imp.at)
                snip = _line_text(text, starts, imp.at)
                segs.append(Segment(len(out_code.encode("utf-8")), line, col, snip))
                local = f"__fl_tpl{k}"
                out_code += (_self_import(rel, imp.root) if imp.imports_self else "") + \
                    f"\nimport {{ {template_function(imp.name)} as {local} }} from {json.dumps(imp.source)};" \
                    f"\n{local}({imp.root});\n"
            break  # one framework's template option per file
        if not out_code:
            return None
        return page, BoundTemplate("component-template", None, out_code, tuple(segs), ()), aliases

    # ------------------------------------------------------------------------------ finding them
    def _components(self, tree, data: bytes, text: str, spec, rel: str) -> tuple[list, list]:
        """The component objects of the file with a template: read here (`_Component`: an inline string, or
        a variable of the file holding one), or imported from another module (`_Imported`)."""
        keys = set(spec.template_keys)
        found: list[_Component] = []
        imported: list[_Imported] = []
        char_of = _CharOffsets(data)
        n_default = 0
        seen: set[int] = set()
        starts = sorted({m.start() for rx in (self.key_re[spec.framework], self.ident_re[spec.framework])
                         for m in rx.finditer(data)})
        for at in starts:
            n = tree.root_node.named_descendant_for_byte_range(at, at)
            while n is not None and n.type not in ("pair", "shorthand_property_identifier") \
                    and n.start_byte >= at - 1:
                n = n.parent
            if n is None or n.start_byte in seen or n.parent is None or n.parent.type != "object":
                continue
            seen.add(n.start_byte)
            if n.type == "pair":
                k = n.child_by_field_name("key")
                v = n.child_by_field_name("value")
                if k is None or v is None or _key(k) not in keys:
                    continue
            elif n.type == "shorthand_property_identifier" and n.text.decode("utf-8") in keys:
                v = n
            else:
                continue
            pieces = _pieces(v)
            source = None
            if pieces is None and v.type in ("identifier", "shorthand_property_identifier"):
                name = v.text.decode("utf-8")
                pieces = _declared_pieces(n.parent, name)
                if pieces is None:
                    source = _import_of(tree.root_node, name)
            if not pieces and source is None:
                continue
            root, self_import = self._root(n.parent, n_default)
            alias_at = -1
            if root is None:
                # `var ig = {template: …}` inside a bundle's IIFE, `nu({template: …}).mount('#app')` (terser
                # inlined the component into a minified `createApp`): extraction also keeps the object in a
                # global of its own (Unit.aliases), which the binding code names
                alias_at = n.parent.start_byte
                root = f"__fl_component_{alias_at}"
            if root is None:
                continue
            n_default += self_import
            if source is not None:
                imported.append(_Imported(source[0], source[1], root, self_import, alias_at, char_of(n.start_byte)))
                continue
            parts = tuple((char_of(a), char_of(b)) for a, b in pieces)
            found.append(_Component(parts[0][0], parts[-1][1], parts, root, self_import, alias_at))
        return found, imported

    def _exported(self, tree, data: bytes) -> list[_Exported]:
        """`export default `<form…>`` / `export const tpl = '<form…>'` at the top of a module."""
        char_of = _CharOffsets(data)
        out: list[_Exported] = []
        for st in tree.root_node.named_children:
            if st.type != "export_statement":
                continue
            items = []
            v = st.child_by_field_name("value")
            if v is not None and b"default" in data[st.start_byte:v.start_byte]:
                items.append(("default", v))
            decl = st.child_by_field_name("declaration")
            if decl is not None and decl.type in ("lexical_declaration", "variable_declaration"):
                for d in decl.named_children:
                    nm, dv = d.child_by_field_name("name"), d.child_by_field_name("value")
                    if d.type == "variable_declarator" and nm is not None and nm.type == "identifier" and dv is not None:
                        items.append((nm.text.decode("utf-8"), dv))
            for name, v in items:
                pieces = _pieces(v)
                if not pieces or not data[pieces[0][0]:pieces[-1][1]].lstrip(b" \t\r\n").startswith(b"<"):
                    continue
                parts = tuple((char_of(a), char_of(b)) for a, b in pieces)
                out.append(_Exported(parts[0][0], parts[-1][1], parts, name))
        return out

    def _root(self, obj, n_default: int) -> tuple[str | None, bool]:
        """How top-level code names this object: an expression, and whether it is the file's default
        export (imported back under a name of its own)."""
        path: list[str] = []
        n = obj
        for _ in range(64):
            par = n.parent
            if par is None:
                return None, False
            t = par.type
            if t in _WRAPPERS:
                n = par
            elif t == "pair" and par.parent is not None and par.parent.type == "object":
                k = par.child_by_field_name("key")
                name = _key(k) if k is not None else None
                if name is None or par.child_by_field_name("value") != n:
                    return None, False
                path.insert(0, name)
                n = par.parent
            elif t == "arguments":
                call = par.parent
                callee = call.child_by_field_name("function") or call.child_by_field_name("constructor")
                last = _last_name(callee)
                args = par.named_children
                if last in self.registers and len(args) > 1 and args[1] == n and args[0].type == "string":
                    # `Vue.component('checkout-form', {…})`: kept in a global of that name (state.py)
                    return _member(component_global(args[0].text.decode("utf-8")[1:-1]), path), False
                if args[:1] != [n] or last is None:
                    return None, False
                if last in self.app_into:  # `createApp({…})`: the app keeps its options in a global
                    into = self.app_into[last]
                    return (_member(into, path), False) if into else (None, False)
                if last not in self.wraps:
                    return None, False
                n = call
            elif t == "variable_declarator":
                decl = par.parent
                name = par.child_by_field_name("name")
                if name is None or name.type != "identifier" or decl is None:
                    return None, False
                holder = decl.parent
                if holder is not None and holder.type == "export_statement":
                    holder = holder.parent
                if holder is None or holder.type != "program":
                    return None, False
                return _member(name.text.decode("utf-8"), path), False
            elif t == "export_statement":
                if par.parent is None or par.parent.type != "program" or b"default" not in par.text[:40]:
                    return None, False
                return _member(f"__fl_default{n_default}", path), True
            elif t == "assignment_expression" and par.child_by_field_name("right") == n:
                left = par.child_by_field_name("left")
                chain = _static_chain(left)
                stmt = par.parent
                if chain is None or stmt is None or stmt.type != "expression_statement" or \
                        stmt.parent is None or stmt.parent.type != "program":
                    return None, False
                return _member(chain, path), False
            else:
                return None, False
        return None, False


def _self_import(rel: str, root: str) -> str:
    return f"\nimport {root} from {json.dumps('./' + rel.rsplit('/', 1)[-1])};"


def _declared_pieces(obj, name: str):
    """The constant template a variable `name` holds, declared in a scope around `obj` (`const tpl =
    `<form…>``; esbuild's `var ip = `…`` beside the component in the bundle's function), else None."""
    n = obj
    for _ in range(256):
        n = n.parent
        if n is None:
            return None
        if n.type not in ("program", "statement_block"):
            continue
        for st in n.named_children:
            if st.type == "export_statement":
                st = st.child_by_field_name("declaration")
                if st is None:
                    continue
            if st.type not in ("lexical_declaration", "variable_declaration"):
                continue
            for d in st.named_children:
                nm = d.child_by_field_name("name") if d.type == "variable_declarator" else None
                if nm is not None and nm.type == "identifier" and nm.text.decode("utf-8") == name:
                    v = d.child_by_field_name("value")
                    return _pieces(v) if v is not None else None
    return None


def _import_of(program, name: str) -> tuple[str, str] | None:
    """(module specifier, exported name) of a binding `name` a top-level `import` statement makes."""
    for st in program.named_children:
        if st.type != "import_statement":
            continue
        src = st.child_by_field_name("source")
        clause = next((c for c in st.named_children if c.type == "import_clause"), None)
        if src is None or clause is None or src.type != "string":
            continue
        spec = src.text.decode("utf-8")[1:-1]
        for c in clause.named_children:
            if c.type == "identifier" and c.text.decode("utf-8") == name:
                return spec, "default"
            if c.type == "named_imports":
                for sp in c.named_children:
                    orig, alias = sp.child_by_field_name("name"), sp.child_by_field_name("alias")
                    local = alias or orig
                    if sp.type == "import_specifier" and local is not None and local.text.decode("utf-8") == name:
                        return spec, orig.text.decode("utf-8").strip("'\"")
    return None


class _CharOffsets:
    """Character offsets of byte offsets in UTF-8 data (asked in any order; counted once)."""

    def __init__(self, data: bytes):
        self.data = data
        self.ascii = data.isascii()

    def __call__(self, b: int) -> int:
        return b if self.ascii else len(self.data[:b].decode("utf-8", "replace"))


def _blank_outside(text: str, ranges: list[tuple[int, int]]) -> str:
    """The text with every character outside `ranges` a space (line breaks kept): the templates stay at
    their positions in the file, so the page's lines and columns are the file's."""
    out = []
    pos = 0
    for a, b in sorted(ranges):
        if a < pos:
            continue
        out.append("".join("\n" if ch == "\n" else " " for ch in text[pos:a]))
        out.append(text[a:b])
        pos = b
    out.append("".join("\n" if ch == "\n" else " " for ch in text[pos:]))
    return "".join(out)


def _pieces(v, limit: int = 200) -> list[tuple[int, int]] | None:
    """Byte ranges of the text of a constant template: a string, a template literal without
    substitutions, or a `+` concatenation of them; None for anything else."""
    out: list[tuple[int, int]] = []
    stack = [v]
    while stack and len(out) <= limit:
        n = stack.pop()
        while n.type == "parenthesized_expression" and n.named_child_count == 1:
            n = n.named_children[0]
        if n.type == "string" or (n.type == "template_string"
                                  and not any(c.type == "template_substitution" for c in n.named_children)):
            out.append((n.start_byte + 1, n.end_byte - 1))
        elif n.type == "binary_expression" and n.child_by_field_name("operator") is not None \
                and n.child_by_field_name("operator").type == "+":
            stack.append(n.child_by_field_name("right"))
            stack.append(n.child_by_field_name("left"))
        else:
            return None
    return sorted(out) if out and len(out) <= limit else None


def _key(k) -> str | None:
    if k.type in ("property_identifier", "identifier"):
        return k.text.decode("utf-8")
    if k.type == "string":
        return k.text.decode("utf-8")[1:-1]
    return None


def _last_name(fn) -> str | None:
    if fn is None:
        return None
    if fn.type == "identifier":
        return fn.text.decode("utf-8")
    if fn.type == "member_expression":
        p = fn.child_by_field_name("property")
        return p.text.decode("utf-8") if p is not None else None
    return None


def _static_chain(n) -> str | None:
    """`window.Shop.forms.contact`: a dotted name, else None."""
    parts: list[str] = []
    while n is not None and n.type == "member_expression":
        prop = n.child_by_field_name("property")
        if prop is None or prop.type != "property_identifier":
            return None
        parts.append(prop.text.decode("utf-8"))
        n = n.child_by_field_name("object")
    if n is None or n.type != "identifier":
        return None
    return ".".join([n.text.decode("utf-8"), *reversed(parts)])


def _member(root: str, path: list[str]) -> str:
    return root + "".join(f"[{json.dumps(k)}]" for k in path)
