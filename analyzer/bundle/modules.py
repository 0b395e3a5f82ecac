"""Stage 2½: the module graph inside production bundles, and which of its modules are known libraries.

Input: one parsed JavaScript unit (its syntax tree and bytes) and the rules. Output: a frozen `Layout` — the
module wrappers found in it and, for each module that belongs to a library the rules know
(`rules/libraries.toml`: package banner, source path, or signature), that library's name and the global its
API is modelled under. A `BundleIndex` joins the layouts of every file of a site (split chunks call modules
defined in other files) and answers the two questions fact extraction asks:
- is this function (or run of top-level statements) a library's internals? Then it is not walked at all:
  it produces no facts, no findings and costs no analysis time;
- does this call load a library module (`n(692)`, `Ln()`, `e("jquery")`)? Then its result is the
  library's modelled API (`G: jQuery`), so `r.post(…)` in the shop's module is the `jQuery.post` sink.

Recognised wrappers (by shape, never by a minifier's variable names):
- webpack 4/5 module maps — `{692(e,t,n){…}}`, `{692:function(e,t,n){…}}`, `[function(e,t,n){…},…]` —
  in the runtime's own file or pushed by a split chunk (`(self.webpackChunkX=…).push([[ids],{…}])`);
- webpack's and esbuild's lazy CommonJS wrappers: `var X = H((exports, module) => {…})` where `H` is
  `(a,b)=>()=>(…{exports:{}}…)` (esbuild `__commonJS`, webpack's `cw`), non-minified
  `__commonJS({"node_modules/x/y.js"(exports, module) {…}})`;
- Browserify and Parcel module maps — `{id:[function(require,module,exports){…},{"dep":id}]}`;
- scope-hoisted code (Rollup/Vite, esbuild and webpack concatenation): a library that has no wrapper is
  found by the object its API is built on (`X.Axios = …; X.CancelToken = …`, rules `api_marker`); the run
  of top-level statements from its first signature to that marker is its code. Rollup/Vite chunks that
  import other chunks are ES modules and link through the engine's import resolution.
Links between the shop's own modules need nothing here: the engine's field-based properties and its
ESM/CommonJS/webpack-getter linking already connect `n.d(t,{Z:()=>f})` exports to `o.Z` reads.

With a source map, the map's `sources` name wrappers and runs of hoisted top-level statements too, and what
hoisted library statements declare is bound to the name the map gives it (`Kn` is Vue's `ref`).

What is not modelled: a library inlined by scope hoisting without its marker and without a map (its code
is analysed like the shop's, and its sinks are reported at the library's own lines); module ids reused by two separate
webpack builds in one site (the ids are per `webpackChunk…` namespace, or per file without one).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace

from analyzer.bundle.own import _inlines, library_note, own_file_library
from analyzer.extract.util import FUNC_TYPES, _string_value, _text, number_key
from analyzer.extract.fold import fold

_MIN_MODULE = 24  # bytes: smaller functions are never module wrappers worth a look
_MAX_FN_DEPTH = 4  # module maps, wrappers and hoisted code sit in the bundle's runtime, a few functions deep
_MAX_LEVEL = 120  # syntax nesting looked through (a 50,000-deep nest of literals holds no module map)
_MIN_WALK = 64  # nodes shorter than this cannot hold a module map
_SMALL_KEPT = frozenset({"expression_statement", "variable_declaration", "lexical_declaration",
                         "variable_declarator", "pair"})  # short, and still telling: `var H=(a,b)=>()=>…`
_CJS_HELPER = re.compile(rb"exports\s*:\s*\{\s*\}")
# the global a build's chunks share their modules through: webpack's chunk array, Parcel 2's `parcelRequire…`
_WEBPACK_NS = re.compile(rb"webpackChunk[\w$]*|webpackJsonp[\w$]*|parcelRequire[0-9a-f]{4,}")


@dataclass(frozen=True)
class Module:
    """One module wrapper of a bundle: the byte range of its function, its id as the bundle writes it."""

    start: int
    end: int
    kind: str  # 'webpack' | 'cjs' | 'browserify' (also Parcel's map) | 'parcel' (Parcel 2's register) | 'hoisted'
    mid: str  # '692', 'jBmNa', a variable name (lazy CommonJS), a path (non-minified esbuild)
    deps: tuple = ()  # ((specifier, id), …) for Browserify/Parcel
    library: str | None = None
    api_global: str | None = None  # the global the library's API is modelled under ('jQuery', 'axios')
    source: str | None = None  # original path (bundle key, or the source map's `sources` entry)
    api_var: str | None = None  # hoisted code: the variable holding the library's API object
    stmts: tuple = ()  # hoisted code: start bytes of its top-level statements
    exports: tuple = ()  # hoisted code named by a map: (variable, original name) of what it declares
    requires: tuple = ()  # hoisted code: rollup's CommonJS `function a(){return t||(t=1,…),r.exports}` names
    default_key: str | None = None  # webpack: the mangled name of a library module's one export (`o.d(e,{A:()=>mt})`)


@dataclass(frozen=True)
class Layout:
    """What the bundle stage found in one unit."""

    uid: int
    rel: str
    namespace: str  # webpack chunk namespace (`webpackChunkshop`), or the file itself
    modules: tuple = ()

    @property
    def libraries(self) -> tuple:
        return tuple(m for m in self.modules if m.library)


@dataclass(frozen=True)
class LibraryRule:
    name: str
    api_global: str | None
    banner: re.Pattern | None  # over bytes
    paths: re.Pattern | None  # over str
    signature: re.Pattern | None  # over bytes
    api_marker: tuple = ()
    packages: re.Pattern | None = None  # over str: the library's own npm packages (`@sentry/core`)
    default_names: tuple = ()  # its source's names of its default export (rules: `default_names`)

    def names_api(self, orig: str) -> bool:
        """An original name (the map's) that is the library's API itself: its global (`ky`, any case) or a
        name its source gives its default export (js-cookie's `api`)."""
        return bool(self.api_global) and orig.lower() == self.api_global.lower() or orig in self.default_names

    def matches(self, text: bytes, source: str | None) -> bool:
        if source and self.paths is not None and self.paths.search(source):
            return True
        if self.banner is not None and self.banner.search(text, 0, 4096):
            return True
        return self.signature is not None and self.signature.search(text) is not None


@dataclass(frozen=True)
class LibraryRules:
    """All library rules, with their signatures joined into one pattern (one pass over a module's text)."""

    rules: tuple
    any_signature: re.Pattern | None
    any_banner: re.Pattern | None = None

    def __iter__(self):
        return iter(self.rules)

    def by_path(self, source: str | None) -> LibraryRule | None:
        """The library whose files a module's source path (bundle key, map `sources` entry) lies in."""
        if source:
            for r in self.rules:
                if r.paths is not None and r.paths.search(source):
                    return r
        return None

    def match(self, text: bytes, source: str | None) -> LibraryRule | None:
        r = self.by_path(source)
        if r is not None:
            return r
        if self.any_banner is not None:
            m = self.any_banner.search(text, 0, 4096)
            if m is not None:
                return self.rules[int(m.lastgroup[1:])]
        if self.any_signature is not None:
            m = self.any_signature.search(text)
            if m is not None:
                return self.rules[int(m.lastgroup[1:])]
        return None


def _bytes_rx(pattern: str) -> re.Pattern:
    flags = 0
    if pattern.startswith("(?i)"):
        pattern, flags = pattern[4:], re.IGNORECASE
    return re.compile(pattern.encode("utf-8"), flags)


def library_rules(libraries: list[dict]) -> LibraryRules:
    out = []
    sigs: list = []
    banners: list = []
    for i, lib in enumerate(libraries):
        out.append(LibraryRule(
            name=lib["name"], api_global=lib.get("global"),
            banner=_bytes_rx(lib["banner"]) if lib.get("banner") else None,
            paths=re.compile(lib["paths"]) if lib.get("paths") else None,
            signature=_bytes_rx(lib["signature"]) if lib.get("signature") else None,
            api_marker=tuple(lib.get("api_marker", ())),
            packages=re.compile(lib["packages"]) if lib.get("packages") else None,
            default_names=tuple(lib.get("default_names", ()))))
        if lib.get("signature"):
            sigs.append(b"(?P<s%d>%s)" % (i, lib["signature"].encode("utf-8")))
        if lib.get("banner"):
            b = lib["banner"]
            b = "(?i:" + b[4:] + ")" if b.startswith("(?i)") else "(?:" + b + ")"
            banners.append(b"(?P<b%d>%s)" % (i, b.encode("utf-8")))
    return LibraryRules(tuple(out), re.compile(b"|".join(sigs)) if sigs else None,
                        re.compile(b"|".join(banners)) if banners else None)


def _params(fn) -> list:
    ps = fn.child_by_field_name("parameters")
    if ps is None:
        one = fn.child_by_field_name("parameter")
        return [one] if one is not None else []
    return [c for c in ps.named_children if c.type != "comment"]


def _is_fn(n, max_params: int = 4) -> bool:
    return n is not None and n.type in FUNC_TYPES and n.end_byte - n.start_byte >= _MIN_MODULE \
        and len(_params(n)) <= max_params


def _key(k) -> str | None:
    if k is None:
        return None
    if k.type == "number":
        return number_key(_text(k))
    if k.type == "string":
        return _string_value(k)
    if k.type == "property_identifier":
        return _text(k)
    return None


def _members(obj):
    """(key, value node) of an object literal's pairs and methods; the value of a method is the method."""
    for c in obj.named_children:
        if c.type == "pair":
            yield _key(c.child_by_field_name("key")), c.child_by_field_name("value")
        elif c.type == "method_definition":
            yield _key(c.child_by_field_name("name")), c
        elif c.type != "comment":
            yield None, None


class _Finder:
    def __init__(self, tree, data: bytes, uid: int, rel: str, rules, source_at=None, name_at=None,
                 sources_between=None):
        self.uid = uid
        self.root = tree.root_node
        self.data = data
        self.rel = rel
        self.rules = rules
        self.source_at = source_at  # optional (byte offset) -> original source path, from a source map
        self.name_at = name_at  # optional (byte offset) -> original name of the identifier there
        self.sources_between = sources_between  # optional (start, end) -> sources of the segments there
        self.modules: list[Module] = []
        self.cjs_helpers: set[str] = set()
        self.shop_fns: set[int] = set()
        self.shop_mod_fns: list = []  # the shop's webpack module functions (it concatenates libraries into them)
        self._banner_hits = None
        self._sig_hits = None  # node ids of module functions that are the shop's
        self.cjs_calls: list = []  # (helper name, declared name, function node, path key)
        self.parcel_registers: set[str] = set()  # names of Parcel 2's `parcelRequire.register`
        self.parcel_chunk = b"parcelRequire" in data  # (a split chunk calls `(0, e.register)(…)`)
        self.marker_blocks: dict = {}  # marker statement id -> its block
        self.marker_hits: dict = {}  # (block, variable, library) -> [marker properties, last statement]
        self.marker_names = {m: r for r in rules for m in r.api_marker}

    def run(self) -> Layout:
        stack = [(self.root, None, 0, 0)]
        seen_fn: set[int] = set()
        while stack:
            n, par, depth, level = stack.pop()  # (Node.parent costs O(depth): the walk keeps parents itself)
            if level > _MAX_LEVEL:
                continue
            if n.end_byte - n.start_byte < _MIN_WALK and n.type not in _SMALL_KEPT:
                continue
            t = n.type
            if t == "object":
                self._object(n, seen_fn)
            elif t == "array":
                self._array(n, par, seen_fn)
            elif t == "variable_declarator":
                self._declarator(n)
            elif t == "expression_statement":
                self._marker(n, par)
            elif t == "call_expression" and (self.parcel_registers or self.parcel_chunk):
                self._parcel_register(n, seen_fn)
            elif t == "pair" and n.end_byte - n.start_byte < 400:
                v = n.child_by_field_name("value")  # webpack's runtime: {cw: e => {…{exports: {}}…}}
                if v is not None and v.type in FUNC_TYPES and _CJS_HELPER.search(self.data, v.start_byte, v.end_byte):
                    k = _key(n.child_by_field_name("key"))
                    if k:
                        self.cjs_helpers.add(k)
            if t in FUNC_TYPES:
                if n.id in seen_fn:
                    continue  # a library module's inside is not looked at
                if n.id in self.shop_fns:
                    depth = _MAX_FN_DEPTH - 1  # a shop module: its own statements (hoisted code) only
                depth += 1
                if depth > _MAX_FN_DEPTH:
                    continue
            stack.extend([(c, n, depth, level + 1) for c in reversed(n.named_children)])
        for helper, name, fn, path in self.cjs_calls:
            if helper in self.cjs_helpers or path is not None:
                # `__commonJS({"node_modules/…"(…) {…}})` also looked like a one-module map: it is this one
                self.modules = [m for m in self.modules if m.start != fn.start_byte]
                if not self._add(fn, "cjs", name, source=path):
                    self._reexport(fn)
        self._hoisted()
        if self.source_at is not None:
            self._hoisted_by_map()
        ns = _WEBPACK_NS.search(self.data)
        mods = tuple(sorted(self.modules, key=lambda m: (m.start, m.end)))
        return Layout(self.uid, self.rel, ns.group(0).decode() if ns else self.rel, mods)

    # ------------------------------------------------------------------------------------------ shapes
    def _object(self, n, seen_fn) -> None:
        members = list(_members(n))
        if not members or any(k is None for k, _ in members):
            return
        if all(v is not None and v.type == "array" and v.named_child_count == 2 and _is_fn(v.named_children[0])
               and v.named_children[1].type == "object" for _, v in members):
            for k, v in members:  # Browserify / Parcel: {id: [function (require, module, exports) {…}, {deps}]}
                fn, deps = v.named_children
                pairs = []
                for c in deps.named_children:
                    if c.type == "pair":
                        dk, dv = _key(c.child_by_field_name("key")), _key(c.child_by_field_name("value"))
                        if dk and dv:
                            pairs.append((dk, dv))
                if self._add(fn, "browserify", k, deps=tuple(pairs)):
                    seen_fn.add(fn.id)
            return
        numeric = all(k.isdigit() for k, _ in members)
        pathlike = all("/" in k for k, _ in members)
        if not (numeric or pathlike) or not all(_is_fn(v, 3) for _, v in members):
            return
        for k, v in members:  # webpack: {692(e, t, n) {…}} / {"./src/a.js": function (…) {…}}
            if self._add(v, "webpack", k, source=k if pathlike else None):
                seen_fn.add(v.id)

    def _array(self, n, par, seen_fn) -> None:
        kids = n.children
        elems = []
        i = 0
        for c in kids[1:-1]:  # count holes: `[,,function(){}]` keeps webpack 4's ids
            if c.type == ",":
                i += 1
            elif c.is_named and c.type != "comment":
                elems.append((i, c))
        fns = [(i, c) for i, c in elems if c.type in FUNC_TYPES]
        if len(fns) < 2 or len(fns) != len(elems) or not all(_is_fn(c, 3) for _, c in fns):
            return
        if par is None or par.type not in ("arguments", "array"):
            return
        for i, c in fns:
            if self._add(c, "webpack", str(i)):
                seen_fn.add(c.id)

    def _parcel_register(self, call, seen_fn) -> None:
        """Parcel 2 with split chunks: `u("1VFtW", function (t, r) {…})` registers module `1VFtW` for
        `parcelRequire("1VFtW")` (`a("1VFtW")`); its exports come from `e(t.exports, "default", () => …)`."""
        fn = call.child_by_field_name("function")
        while fn is not None and fn.type in ("parenthesized_expression", "sequence_expression") and fn.named_child_count:
            fn = fn.named_children[-1]  # a split chunk's `(0, e.register)("kGhEQ", …)`
        if fn is None or not (fn.type == "identifier" and _text(fn) in self.parcel_registers or (
                fn.type == "member_expression" and _text(fn.child_by_field_name("property") or fn) == "register"
                and self.parcel_chunk)):
            return
        args = call.child_by_field_name("arguments")
        kids = args.named_children if args is not None else []
        if len(kids) != 2 or kids[0].type != "string" or kids[1].type not in FUNC_TYPES:
            return
        mid = _text(kids[0])[1:-1]
        if mid and self._add(kids[1], "parcel", mid):
            seen_fn.add(kids[1].id)

    def _declarator(self, n) -> None:
        name = n.child_by_field_name("name")
        val = n.child_by_field_name("value")
        if name is None or val is None or name.type != "identifier":
            return
        if val.type == "member_expression" and _text(val.child_by_field_name("property") or val) == "register":
            self.parcel_registers.add(_text(name))  # Parcel 2: `var u = parcelRequire.register`
            return
        if val.type == "arrow_function" and val.end_byte - val.start_byte < 400 \
                and _CJS_HELPER.search(self.data, val.start_byte, val.end_byte):
            body = val.child_by_field_name("body")
            if body is not None and body.type == "arrow_function":
                self.cjs_helpers.add(_text(name))  # (cb, mod) => () => (mod || cb((mod = {exports: {}}).exports, mod), …)
            return
        if val.type != "call_expression":
            return
        fn = val.child_by_field_name("function")
        args = val.child_by_field_name("arguments")
        if fn is None or args is None or args.named_child_count != 1:
            return
        a = args.named_children[0]
        while a.type == "parenthesized_expression" and a.named_child_count == 1:
            a = a.named_children[0]  # Rolldown (Vite 8): `var t = e((e => {…}))`
        if fn.type == "member_expression":
            fn = fn.child_by_field_name("property")
        helper = _text(fn) if fn is not None and fn.type in ("identifier", "property_identifier") else ""
        if a.type in FUNC_TYPES and len(_params(a)) <= 2:
            self.cjs_calls.append((helper, _text(name), a, None))
        elif a.type == "object" and a.named_child_count == 1:
            (k, v), = _members(a)
            if k is not None and "/" in k and v is not None and v.type in FUNC_TYPES:
                self.cjs_calls.append((helper, _text(name), v, k))  # __commonJS({"node_modules/…"(exports, module) {…}})

    def _marker(self, n, par) -> None:
        """`X.Axios = …, X.CancelToken = …`: the object a hoisted library builds its API on."""
        if not self.marker_names:
            return
        e = n.named_children[0] if n.named_child_count else None
        parts = e.named_children if e is not None and e.type == "sequence_expression" else [e]
        hits: dict[str, set] = {}
        for a in parts:
            if a is None or a.type != "assignment_expression":
                continue
            left = a.child_by_field_name("left")
            if left is None or left.type != "member_expression":
                continue
            obj = left.child_by_field_name("object")
            prop = left.child_by_field_name("property")
            if obj is None or obj.type != "identifier" or prop is None:
                continue
            rule = self.marker_names.get(_text(prop))
            if rule is not None:
                hits.setdefault((_text(obj), rule.name), set()).add(_text(prop))
        for (var, lib), props in hits.items():  # esbuild writes one statement per property: gather them
            key = (par.id if par is not None else -1, var, lib)
            got = self.marker_hits.get(key)
            if got is None:
                self.marker_hits[key] = [set(props), n]
                self.marker_blocks[n.id] = par
            else:
                got[0] |= props
                got[1] = n
                self.marker_blocks[n.id] = par

    def _hoisted(self) -> None:
        """A hoisted library: the top-level statements from its first signature to its API marker."""
        blocks = self.marker_blocks
        for (_, var, lib), (props, stmt) in self.marker_hits.items():
            rule = next(r for r in self.rules if r.name == lib)
            if len(props) < min(2, len(rule.api_marker)):
                continue
            block = blocks.get(stmt.id)
            if block is None or rule.signature is None:
                continue
            kids = [c for c in block.named_children]
            try:
                end_i = next(i for i, c in enumerate(kids) if c.id == stmt.id)
            except StopIteration:
                continue
            m = rule.signature.search(self.data, kids[0].start_byte, stmt.end_byte)
            if m is None:
                continue
            at = m.start()
            start_i = next(i for i, c in enumerate(kids) if c.end_byte > at)
            if any(mod.start <= kids[start_i].start_byte < mod.end for mod in self.modules):
                continue
            self.modules.append(Module(kids[start_i].start_byte, kids[end_i].end_byte, "hoisted", var,
                                       library=rule.name, api_global=rule.api_global, api_var=var,
                                       stmts=tuple(c.start_byte for c in kids[start_i:end_i + 1])))

    def _hoisted_by_map(self) -> None:
        """Scope-hoisted library code named by the source map: each run of top-level statements (of the
        file, or of the IIFE that wraps the whole bundle) whose first and last mapped segments both come
        from one known library's files (`node_modules/vue/…`, `node_modules/@vue/…`: not necessarily the same
        file) is that library's code. A statement the map does not place, or places in the shop's files,
        ends the run; comments (banners) neither join nor end one."""
        blocks = [(self.root, False)]
        for st in self.root.named_children:
            body = _block_of(_iife_function(st))
            if body is not None:
                blocks.append((body, False))
                # webpack's entry module inlined into its runtime: `n.r=…,n.dn=…,(()=>{"use strict";…})()`
                blocks.extend((b, False) for b in map(_block_of, map(_last_iife, body.named_children)) if b is not None)
        for fn in self.shop_mod_fns:  # webpack's module concatenation: a library's statements in the shop's module
            body = _block_of(fn)
            if body is not None:
                blocks.append((body, True))
        all_taken = [(m.start, m.end) for m in self.modules]
        lib_taken = [(m.start, m.end) for m in self.modules if m.library]
        for block, in_module in blocks:
            taken = lib_taken if in_module else all_taken
            run: list = []
            run_lib = None
            soft = 0  # statements at the run's end that join it only if the run goes on after them
            for c in list(block.named_children) + [None]:
                if c is not None and c.type == "comment":
                    continue  # a package's banner between its statements and the next package's
                lib, joins = None, False
                if c is not None and not any(a <= c.start_byte < b for a, b in taken) \
                        and not _OBFUSCATOR_DECL.match(self.data, c.start_byte, min(c.end_byte, c.start_byte + 160)):
                    first = self.source_at(c.start_byte)
                    if first and in_module and self.sources_between is not None \
                            and not self.sources_between(c.start_byte, c.end_byte):
                        # no segment of its own: the bundler's glue in a module body (`n.d(t,{ce:()=>l})`,
                        # webpack's exports of the shop's module 88), whose source would be read from
                        # the next module's first segment
                        first = None
                    if first:
                        rule = self.rules.by_path(first)
                        last = self.source_at(max(c.start_byte, c.end_byte - 1))
                        if rule is not None and (last == first or (
                                c.type in ("class_declaration", "function_declaration")
                                and self._inside_of(c, rule) or self._library_iife(c, rule))):
                            # (one declaration, one scope: rollup's CommonJS wrapper `function k(){if(g)return
                            # c;g=1;…}` starts in react-dom-client.production.js and ends in react-dom/client.js,
                            # or on a brace no segment maps, where the next statement's source is read; ky's
                            # `class Ve{…}` too. Not a `var` list: terser merges the shop's declarations into
                            # the libraries' ones)
                            lib, joins = rule, True
                        elif rule is not None and (last is None or self.rules.by_path(last) is rule) \
                                and run_lib is rule \
                                and not any(c.start_byte <= a < c.end_byte for a, _ in taken):
                            # terser merges the declarations of neighbouring modules into one statement
                            # (`const Pl="3.5.45",Ml=r,…` of `@vue/runtime-core` and `@vue/runtime-dom`), whose
                            # last segment is another file's or has no source: it is the library's if the
                            # library's statements go on after it
                            lib = rule
                if lib is not None and (run_lib is None or lib is run_lib):
                    run.append(c)
                    run_lib = lib
                    soft = 0 if joins else soft + 1
                    continue
                if lib is None and c is not None and not any(a <= c.start_byte < b for a, b in taken):
                    self._library_parts(c)
                if soft:
                    for dropped in run[-soft:]:  # (the shop's code merged into them: their library parts)
                        self._library_parts(dropped)
                    del run[-soft:]
                if run:
                    self.modules.append(Module(run[0].start_byte, run[-1].end_byte, "hoisted", "",
                                               library=run_lib.name, api_global=run_lib.api_global,
                                               api_var=self._umd_holder(run) if run_lib.api_global else None,
                                               source=self.source_at(run[0].start_byte),
                                               stmts=tuple(x.start_byte for x in run),
                                               exports=self._exports(run, run_lib) if run_lib.api_global else (),
                                               requires=self._requires(run)))
                run, run_lib, soft = ([c], lib, 0) if lib is not None else ([], None, 0)

    def _inside_of(self, node, rule) -> bool:
        """The inside of `node` maps to files of `rule`'s library only: every segment in it when the map
        can say so, else seven points sampled."""
        if self.sources_between is not None:
            return all(s is not None and self.rules.by_path(s) is rule
                       for s in self.sources_between(node.start_byte, node.end_byte))
        size = node.end_byte - node.start_byte
        for k in range(1, 8):
            s = self.source_at(node.start_byte + size * k // 8)
            if s is not None and self.rules.by_path(s) is not rule:
                return False
        return True

    def _library_iife(self, st, rule) -> bool:
        """An IIFE statement every statement of whose function maps to `rule`'s library (a package's UMD
        head as Parcel leaves it: `!function(e,t){…}(window, function(e,t){…jQuery…})`). Not the bundle's own
        wrapper, whose statements are the shop's and the libraries' alike."""
        assigned = _assigned_iife(st)
        body = _block_of(_iife_function(st) or (assigned[1] if assigned else None))
        if body is None or not self._inside_of(st, rule):
            return False
        for s in body.named_children:
            src = self.source_at(s.start_byte)
            if src is not None and self.rules.by_path(src) is not rule:
                return False
        return True

    def _library_parts(self, st) -> None:
        """The library's pieces of a statement terser made of a library's code and the shop's."""
        if st.type in ("variable_declaration", "lexical_declaration"):
            self._library_declarators(st)
        elif st.type == "expression_statement" and st.named_child_count == 1 \
                and st.named_children[0].type == "sequence_expression":
            self._library_sequence(st.named_children[0])

    def _library_sequence(self, seq) -> None:
        """`!function(e,n){…jQuery…}(…),(e(t))(function(){…shop…})`: terser joined a package's UMD head and
        the shop's first statement into one sequence. A library's function run in it is set aside (only
        when the map says which files every segment of it comes from)."""
        if self.sources_between is None:
            return
        parts, todo = [], [seq]
        while todo:
            n = todo.pop()
            if n.type == "sequence_expression":
                todo.extend(reversed(n.named_children))
            else:
                parts.append(n)
        for el in parts:
            # `uR=function(){…js-cookie…}()`: Parcel's CommonJS copy of a UMD package (`var uR={}` before)
            holder, run = _assigned(el) or (None, el)
            fn = _iife_function_expr(run) if run is not None else None
            src = self.source_at(run.start_byte) if fn is not None else None
            rule = self.rules.by_path(src) if src else None
            if rule is None or run.end_byte - run.start_byte < 256 or not self._inside_of(run, rule):
                continue
            if rule.api_global and holder is None:
                holder = self._umd_holder([el])
            self.modules.append(Module(el.start_byte, el.end_byte, "hoisted", "", library=rule.name,
                                       api_global=rule.api_global, source=src,
                                       api_var=holder if rule.api_global else None, stmts=(el.start_byte,)))

    def _library_declarators(self, st) -> None:
        """`var i,o=(n||(n=1,…jQuery…)(),r.exports),a=t(o)`: terser merged the shop's `import $ from
        'jquery'` (`a=t(o)`) into the declaration of rollup's CommonJS copy of jQuery. A declarator that
        begins and ends in one library's files is that library's (set aside, its variable holding the
        library's API); the others are the shop's, analysed."""
        if self.source_at is None:
            return
        before = len(self.modules)
        for d in st.named_children:
            if d.type != "variable_declarator" or d.child_by_field_name("value") is None:
                continue
            first = self.source_at(d.start_byte)
            if first is None and self.sources_between is not None:
                # the declared name is terser's, no segment maps it (`const e=(function(){…jQuery…})()`):
                # the declarator's own segments say whose it is, when they are all one library's
                srcs = sorted({s for s in self.sources_between(d.start_byte, d.end_byte) if s})
                if srcs and len({id(self.rules.by_path(s)) for s in srcs}) == 1:
                    first = srcs[0]
            rule = self.rules.by_path(first) if first else None
            if rule is None:
                self._library_value(d)
                continue
            # one expression: the library's code and the bundler's glue around it (`,r.exports)`, which no
            # segment maps: what is read at its end is the next declarator's)
            name = d.child_by_field_name("name")
            var = _text(name) if name is not None and name.type == "identifier" else ""
            orig = self.name_at(name.start_byte) if var and self.name_at is not None else None
            value = d.child_by_field_name("value")
            if d.end_byte - d.start_byte < 256 and not (value.type in FUNC_TYPES and self._inside_of(d, rule)):
                # a short one is the library's only when the map calls it by the library's name (`Ht=Mt()` is
                # ky's `ky`), or is a function all of whose code is the library's (ky's `createInstance`,
                # `We=e=>{…}`); a shop's `o=n.n(r)` of webpack's interop maps into the library's file too
                if not (orig and rule.api_global and rule.names_api(orig)):
                    continue
            elif not self._inside_of(d, rule):
                continue
            api = None  # the package's API itself: rollup's `jqueryExports` (no name), ky's default `ky`
            exports: tuple = ()
            if var and rule.api_global:
                if orig is None or rule.names_api(orig) or orig.endswith("Exports"):
                    api = var
                elif _IDENT.match(orig):
                    exports = ((var, orig),)  # ky's `createInstance`: `G ky.createInstance`
            self.modules.append(Module(d.start_byte, d.end_byte, "hoisted", "", library=rule.name,
                                       api_global=rule.api_global, source=first, api_var=api,
                                       stmts=(d.start_byte,), exports=exports))
        if len(self.modules) > before and self.name_at is not None:
            self._bare_exports(st, before)

    def _bare_exports(self, st, first_new: int) -> None:
        """esbuild's lazy ES-module init (`var At,ja,Ze,qt=p(()=>{…;ja=At();Ze=ja})`): the library's
        variables are declared bare beside its init function and assigned inside it. A bare one the map
        places in the library's files and names `ky` (the API), `distribution_default` (esbuild's name
        of the default export: the API too) or `createInstance` holds that."""
        m = self.modules[first_new]
        rule = self.rules.by_path(m.source) if m.source else None
        if rule is None or not rule.api_global:
            return
        extra = []
        for d in st.named_children:
            name = d.child_by_field_name("name") if d.type == "variable_declarator" else None
            if name is None or name.type != "identifier" or d.child_by_field_name("value") is not None:
                continue
            src = self.source_at(name.start_byte)
            orig = self.name_at(name.start_byte)
            if not orig or not src or self.rules.by_path(src) is not rule or not _IDENT.match(orig):
                continue
            api = rule.names_api(orig) or orig.endswith("_default")
            extra.append((_text(name), "" if api else orig))
        if extra:
            self.modules[first_new] = replace(m, exports=m.exports + tuple(extra))

    def _library_value(self, d) -> None:
        """`const s={all:i=i||new Map,on:function(e,t){…},…}`: terser inlined a library's factory (mitt's
        `mitt()`) into the shop's declaration of what it returns (`export const emitter = mitt()`). The name is
        the shop's, the value (an object or a function, every segment of it in one library's files) the
        library's: set aside, the variable holding the library's API."""
        value = d.child_by_field_name("value")
        if value.type != "object" and value.type not in FUNC_TYPES or value.end_byte - value.start_byte < 64:
            return
        src = self.source_at(value.start_byte)
        rule = self.rules.by_path(src) if src else None
        if rule is None or not self._inside_of(value, rule):
            return
        name = d.child_by_field_name("name")
        var = _text(name) if name is not None and name.type == "identifier" else None
        self.modules.append(Module(value.start_byte, value.end_byte, "hoisted", "", library=rule.name,
                                   api_global=rule.api_global, source=src,
                                   api_var=var if rule.api_global else None, stmts=(value.start_byte,)))

    def _umd_holder(self, run) -> str | None:
        """(Of the first three nodes of `run`.) Parcel turns a CommonJS package's UMD head into `var n={};!function(e,t){"object"==typeof n?n=
        e.document?t(e,!0):…}(…)`, or into `n=function(){…}()`: `n`, declared before the library's
        statements, holds its API."""
        for st in run[:3]:
            assigned = _assigned_iife(st)
            if assigned is not None:
                return assigned[0]
            m = _UMD_HOLDER.search(self.data, st.start_byte, min(st.end_byte, st.start_byte + 600))
            if m is not None:
                return m.group(1).decode("ascii", "replace")
        return None

    def _requires(self, run) -> tuple:
        """Rollup's CommonJS plugin wraps a package in `function a(){return t||(t=1,…),r.exports}` (or
        `function a(){if(t)return r;t=1;…}`): the shop's `a()` is its `require`, whose result is the API."""
        out = []
        for st in run:
            if st.type == "function_declaration" and _ROLLUP_REQUIRE.match(self.data, st.start_byte):
                name = st.child_by_field_name("name")
                if name is not None:
                    out.append(_text(name))
        return tuple(out)

    def _exports(self, run, rule) -> tuple:
        """What hoisted library statements declare, by the names the map gives their identifiers:
        `function Kn(e){…}` that the map calls `ref` is Vue's `ref`, which the shop calls as `Kn("")`; one the
        map calls by the library's name or its default export's (axios's `axios`, js-cookie's `api`) is the
        API itself ("")."""
        out = []
        for st in run:
            for ident in _declared(st):
                var = _text(ident)
                orig = self.name_at(ident.start_byte) if self.name_at is not None else None
                orig = _unprefixed(orig, self.source_at(ident.start_byte)) if orig else var
                if rule.names_api(orig):  # axios's `An` (the map: `axios`), js-cookie's `api`: the API
                    out.append((var, ""))
                elif _IDENT.match(orig) and _IDENT.match(var):
                    out.append((var, orig))
        return tuple(out)

    def _hits(self):
        """Offsets of every banner and signature match in the file: one search per rule over the whole file,
        then a module is looked up by its range (not one search per module: bundles hold thousands)."""
        if self._banner_hits is None:
            data = self.data
            self._banner_hits = sorted((m.start(), i) for i, r in enumerate(self.rules.rules) if r.banner is not None
                                       for m in r.banner.finditer(data))
            self._sig_hits = sorted((m.start(), i) for i, r in enumerate(self.rules.rules)
                                    if r.signature is not None for m in r.signature.finditer(data))
        return self._banner_hits, self._sig_hits

    def _library(self, start: int, end: int, source: str | None) -> LibraryRule | None:
        rules = self.rules.rules
        by_path = self.rules.by_path(source)
        if by_path is not None:
            return by_path
        banners, sigs = self._hits()
        for hits, stop in ((banners, min(end, start + 4096)), (sigs, end)):
            i = bisect_right(hits, (start, -1))
            if i < len(hits) and hits[i][0] < stop:
                if source is not None and self.source_at is not None and self.source_at(hits[i][0]) != source:
                    # the map puts the module in the shop's file and the library's code elsewhere: webpack
                    # concatenated the library (mitt, inlined by terser) into the shop's module, whose own code
                    # is analysed (the library's statements are told apart by the map, `_hoisted_by_map`)
                    return None
                return rules[hits[i][1]]
        return None

    def _add(self, fn, kind: str, mid: str, deps: tuple = (), source: str | None = None) -> bool:
        """Record a module; True when it is a known library's (its inside is not looked at further)."""
        if source is None and self.source_at is not None:
            source = self.source_at(_probe(fn))
        lib = self._library(fn.start_byte, fn.end_byte, source)
        if lib is not None and self.sources_between is not None and self._shop_inside(fn):
            lib = None  # webpack concatenated the library's modules into the shop's: `_hoisted_by_map` splits it
        key = None
        if lib is not None and kind == "webpack":
            body = fn.child_by_field_name("body")
            m = _ONE_EXPORT.match(self.data, body.start_byte + 1) if body is not None else None
            key = m.group(1).decode("ascii") if m is not None else None
        self.modules.append(Module(fn.start_byte, fn.end_byte, kind, mid, deps, lib.name if lib else None,
                                   lib.api_global if lib else None, source, default_key=key))
        if lib is None:
            self.shop_fns.add(fn.id)
            if kind == "webpack":  # (module concatenation; Parcel's per-module maps are a line off too often)
                self.shop_mod_fns.append(fn)
        return lib is not None

    def _reexport(self, fn) -> None:
        """`(e, t) => { t.exports = r() }` of a package's entry file (`react/index.js`) requiring a library's
        module (`r`, known by its code): that library too, its API the same."""
        body = fn.child_by_field_name("body")
        stmts = [c for c in body.named_children if c.type != "comment"] if body is not None and \
            body.type == "statement_block" else [body] if body is not None else []
        if len(stmts) != 1:
            return
        e = stmts[0].named_children[0] if stmts[0].type == "expression_statement" and stmts[0].named_child_count \
            else stmts[0]
        if e.type != "assignment_expression":
            return
        left, right = e.child_by_field_name("left"), e.child_by_field_name("right")
        if left is None or right is None or left.type != "member_expression" or _text(
                left.child_by_field_name("property") or left) != "exports" or right.type != "call_expression":
            return
        callee, args = right.child_by_field_name("function"), right.child_by_field_name("arguments")
        if callee is None or callee.type != "identifier" or args is None or args.named_child_count:
            return
        name = _text(callee)
        lib = next((m for m in self.modules if m.kind == "cjs" and m.mid == name and m.library), None)
        if lib is None:
            return
        self.modules = [m if m.start != fn.start_byte else replace(m, library=lib.library, api_global=lib.api_global)
                        for m in self.modules]
        self.shop_fns.discard(fn.id)

    def _shop_inside(self, fn) -> bool:
        """Some segment of the module maps to a file of the shop's (no package's, no bundler runtime's)."""
        for src in self.sources_between(fn.start_byte, fn.end_byte):
            if src is not None and not _NOT_SHOP.search(src) and self.rules.by_path(src) is None:
                return True
        return False


# webpack 5's export getters of a module that exports one name, mangled in production: `o.d(e,{A:()=>mt})`
_ONE_EXPORT = re.compile(rb"\s*[\w$]+\.d\(\s*[\w$]+\s*,\s*\{\s*([\w$]+)\s*:\s*\(\)\s*=>\s*[\w$]+\s*\}\s*\)")

# a package's file (Browserify's `browser-pack` prelude, a library no rule knows) or a bundler's runtime
_NOT_SHOP = re.compile(r"(^|/)node_modules/|(^|/)webpack/(runtime|bootstrap)\b|^webpack/|\(webpack\)")


def _unprefixed(name: str, source: str | None) -> str:
    """`runtime_core_esm_bundler_watch` -> `watch`: webpack's module concatenation renames a top-level
    name two concatenated modules share to `<module file>_<name>` (the file's name as an identifier, maybe
    after some of its folders), and the map keeps that name."""
    if not source or "_" not in name:
        return name
    stem = re.sub(r"\W", "_", source.rsplit("/", 1)[-1].rsplit(".", 1)[0]) + "_"
    i = name.rfind(stem)
    if i < 0 or (i > 0 and name[i - 1] != "_"):
        return name
    rest = name[i + len(stem):]
    return rest if _IDENT.match(rest) else name


# a top-level declaration named the way javascript-obfuscator names things (`function _0x4433(){…}`, `var
# _0x1c2f=…`): its string table and decoder, which the obfuscator's map places in whatever source comes first
# (a library's), are the bundle's own code, never a library's hoisted statements
_OBFUSCATOR_DECL = re.compile(rb"(?:function\s*|(?:var|let|const)\s+)_0x[0-9a-fA-F]{3,}\b")


def _probe(fn) -> int:
    """Where to ask a source map whose module a wrapper is: its body's first statement (the wrapper's own
    `function(e,t,n){` is the bundler's code, often unmapped, so the map would answer with the module
    before it)."""
    body = fn.child_by_field_name("body")
    if body is None:
        return fn.start_byte
    if body.type == "statement_block":
        for c in body.named_children:
            if c.type != "comment":
                return c.start_byte
    return body.start_byte


def layout(tree, data: bytes, uid: int, rel: str, rules, source_at=None, name_at=None, sources_between=None
           ) -> Layout:
    """The module wrappers of one unit; `source_at(offset)` names a position's original file (source map),
    `name_at(offset)` the original name of an identifier there, `sources_between(a, b)` every file the
    segments of a range come from."""
    return _Finder(tree, data, uid, rel, rules, source_at, name_at, sources_between).run()


_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")


def _declared(stmt) -> list:
    """Identifiers a top-level statement declares: `function f`, `class C`, `var a = …, b = …`."""
    t = stmt.type
    if t in ("function_declaration", "generator_function_declaration", "class_declaration",
             "abstract_class_declaration"):
        n = stmt.child_by_field_name("name")
        return [n] if n is not None else []
    if t in ("variable_declaration", "lexical_declaration"):
        out = []
        for d in stmt.named_children:
            if d.type == "variable_declarator":
                n = d.child_by_field_name("name")
                if n is not None and n.type == "identifier":
                    out.append(n)
        return out
    if t == "export_statement":
        d = stmt.child_by_field_name("declaration")
        return _declared(d) if d is not None else []
    return []


@dataclass
class BundleIndex:
    """The layouts of every unit of one scan, joined for lookups during fact extraction."""

    layouts: dict = field(default_factory=dict)  # uid -> Layout
    _by_id: dict = field(default_factory=dict)  # (namespace, id) -> Module (libraries only)
    _by_var: dict = field(default_factory=dict)  # (uid, variable) -> Module (lazy CommonJS libraries)
    _starts: dict = field(default_factory=dict)  # uid -> (sorted starts, modules)
    rotations: dict = field(default_factory=dict)  # uid -> {array literal start byte: left rotations}

    def add(self, lay: Layout) -> None:
        if not lay.modules:
            return
        self.layouts[lay.uid] = lay
        for m in lay.modules:
            if m.library is None:
                continue
            if m.kind in ("webpack", "browserify", "parcel"):
                self._by_id.setdefault((lay.namespace, m.mid), m)
                self._by_id.setdefault((lay.uid, m.mid), m)
            elif m.kind == "cjs":
                self._by_var[(lay.uid, m.mid)] = m
            for name in m.requires:  # (hoisted: rollup's CommonJS wrappers)
                self._by_var.setdefault((lay.uid, name), m)
        mods = [m for m in lay.modules if m.kind != "hoisted"]
        self._starts[lay.uid] = ([m.start for m in mods], mods)

    def skipped(self, uid: int) -> dict:
        """start byte -> Module for the library code of a unit: extraction does not walk it."""
        lay = self.layouts.get(uid)
        out: dict = {}
        for m in lay.modules if lay is not None else ():
            if m.library:
                for s in m.stmts or (m.start,):
                    out[s] = m
        return out

    def enclosing(self, uid: int, pos: int) -> Module | None:
        starts, mods = self._starts.get(uid, ((), ()))
        i = bisect_right(starts, pos) - 1
        while i >= 0:
            m = mods[i]
            if m.start <= pos < m.end:
                return m
            i -= 1
        return None

    def required_library(self, uid: int, pos: int, callee: str | None, arg: str | None, nargs: int) -> Module | None:
        """The library module a call loads: `n(692)` (webpack), `Ln()` (lazy CommonJS), `e("jquery")`."""
        if nargs == 0:
            return self._by_var.get((uid, callee)) if callee else None
        if nargs != 1 or arg is None:
            return None
        lay = self.layouts.get(uid)
        if lay is None:
            return None
        mod = self.enclosing(uid, pos)
        if mod is not None and mod.kind == "browserify":
            target = dict(mod.deps).get(arg)
            return self._by_id.get((uid, target)) if target is not None else None
        return self._by_id.get((lay.namespace, arg)) or self._by_id.get((uid, arg))


# ---------------------------------------------------------------------------------------------- the stage
MAP_NAMES_BYTES = 512  # a file this large may hoist a library (mitt inlined: 300 bytes, the fixture rollup-iife-mitt-zustand 1.2 KB; ky and lodash-es: 30 KB): its map names its statements
# `a.push(a.shift())`, `a['push'](a['shift']())`: what a string table rotated at load is rotated by
_ROTATION = re.compile(rb"(?:\.push|\[['\"]push['\"]\])\(\s*[\w$]+(?:\.shift|\[['\"]shift['\"]\])\(\)\s*\)")


def _iife_function(st):
    """The function of `!function(e,t){…}(window, …)` / `(function(){…})()`: one statement that is one
    function run, not a sequence terser made of several statements; else None."""
    if st.type != "expression_statement" or st.named_child_count != 1:
        return None
    return _iife_function_expr(st.named_children[0])


def _assigned(e):
    """(`c`, the value node) of an assignment `c = …` to a plain variable, else None."""
    if e.type != "assignment_expression":
        return None
    left = e.child_by_field_name("left")
    return (_text(left), e.child_by_field_name("right")) if left is not None and left.type == "identifier" else None


def _assigned_iife(st):
    """(`c`, the function) of `c=function(){…}()`: Parcel's CommonJS copy of a UMD package (`var c={}` is
    declared before it), one statement that assigns one function run; else None."""
    if st.type != "expression_statement" or st.named_child_count != 1:
        return None
    a = _assigned(st.named_children[0])
    fn = _iife_function_expr(a[1]) if a is not None and a[1] is not None else None
    return (a[0], fn) if fn is not None else None


def _block_of(fn):
    """The statement block a function's body is (None for an expression body, or no function)."""
    body = fn.child_by_field_name("body") if fn is not None else None
    return body if body is not None and body.type == "statement_block" else None


def _last_iife(st):
    """The function a statement runs at once as its expression or as its sequence's last element."""
    e = st.named_children[-1] if st.type == "expression_statement" and st.named_children else None
    if e is not None and e.type == "sequence_expression" and e.named_children:
        e = e.named_children[-1]
    return _iife_function_expr(e) if e is not None else None


def _iife_function_expr(e):
    """The function an expression runs at once (`!function(){…}()`, `(() => {…})()`), or None."""
    while e.type in ("unary_expression", "parenthesized_expression") and e.named_child_count:
        e = e.named_children[-1]
    if e.type != "call_expression":
        return None
    fn = e.child_by_field_name("function")
    while fn is not None and fn.type == "parenthesized_expression" and fn.named_child_count:
        fn = fn.named_children[0]
    return fn if fn is not None and fn.type in ("function_expression", "function", "arrow_function") else None


_UMD_HOLDER = re.compile(rb"[\"']object[\"']\s*==+\s*typeof\s+([\w$]+)\s*\?\s*\1\s*=[^=]")
_ROLLUP_REQUIRE = re.compile(rb"function\s*[\w$]+\(\)\s*\{\s*(?:if\s*\(\s*[\w$]+\s*\)\s*return\s+[\w$.]+\s*;\s*[\w$]+\s*=\s*1"
                             rb"|return\s+[\w$]+\s*\|\|\s*\(\s*[\w$]+\s*=\s*1)")
def bundle_stage(parsed, rules, include_libraries: bool = False, source_at_of=None):
    """The layouts of all parsed units. Returns (BundleIndex, {uid: library} of files that are a library
    through and through, [Notification]). With `include_libraries`, nothing is set aside.
    `source_at_of(unit)`: None, or (byte offset) -> the original source name its source map gives there:
    module wrappers and runs of scope-hoisted statements are then named by the map
    (`node_modules/react/cjs/react.production.js` is React's, whatever its code looks like)."""
    from analyzer.model import Notification

    index = BundleIndex()
    whole: dict = {}
    notes = []
    lib_rules = rules.bundle_libraries
    for u, lang, tree in parsed:
        if lang == "html" or u.handler_event is not None:
            continue
        if b"shift" in u.data and _ROTATION.search(u.data):  # a string table rotated at load: fold the count
            folded = fold(tree, u.data)
            if folded.rotations:
                index.rotations[u.uid] = dict(folded.rotations)
            for msg in folded.notes:
                notes.append(Notification(u.rel, "note", "obfuscation", msg))
        if include_libraries:
            continue
        lay = layout(tree, u.data, u.uid, u.rel, lib_rules)
        lib = None
        if not lay.modules and u.line_off == 0 and u.col_off == 0:
            # the build of a library that has no banner (a file whose leading comments hold a banner was set
            # aside before parsing, engine.py `leading_library`; a banner further in does not count: esbuild
            # keeps `/*! @vue/shared v3… */` inside the bundle's IIFE, next to the shop's code)
            own = own_file_library(u.data, lib_rules)
            if own is not None and source_at_of is not None and _inlines(source_at_of(u), len(u.data), own,
                                                                          lib_rules):
                own = None  # a shop's bundle whose map names the library's package as one of its sources
            lib = own.name if own is not None else None
        if lib is None and source_at_of is not None and (lay.modules or len(u.data) >= MAP_NAMES_BYTES):
            probe = source_at_of(u)  # small files without wrappers hoist no library: map not read
            if probe is not None:
                lay = layout(tree, u.data, u.uid, u.rel, lib_rules, *probe)
        if lib is not None:  # no modules: the library's own file after all
            whole[u.uid] = lib
            notes.append(library_note(u.rel, lib))
            continue
        if not lay.modules:
            continue
        index.add(lay)
        libs = sorted({m.library for m in lay.libraries})
        if libs:
            n = len(lay.libraries)
            notes.append(Notification(u.rel, "note", "bundled-library",
                                      f"bundle with {len(lay.modules)} module(s); {n} belong to {', '.join(libs)}: "
                                      "modelled by rules, not analysed (--include-libraries analyses them)"))
    return index, whole, notes
