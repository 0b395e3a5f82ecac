"""Stage 3 (calls): what fact extraction records for calls — the call site itself, and the rules that can
be decided from the syntax alone: element finders, sources read by method (`.val()`), registrations
(`addEventListener`, jQuery `.on`/`.blur(fn)`, bare `addEventListener`), timers (also named in a string),
callbacks, containers written by `push`/`append`, web storage, bundler export getters, obfuscator string
tables and `atob`'d constants, masks. A mixin of `extractor.Extractor`: it uses the extractor's value helpers.
"""
from __future__ import annotations

import re

from analyzer.extract.guards import field_guard
from analyzer.extract.util import FUNC_TYPES, GUARD_METHODS, _string_value, _text, number_key
from analyzer.program import OBF_B64_ALPHABET, Call, Func, Registration, member_name_part


def storage_edges(p, c: Call, key: str, is_get: bool, edge=None) -> None:
    """`getItem(key)` reads what `setItem(key, v)` stored (and an unknown key anything stored). `edge`: how
    an edge is added (the program's, else the solver's while it propagates)."""
    edge = p.edge if edge is None else edge
    if is_get:
        edge(p.storage_node(key), c.result)
        if key != "*":
            edge(p.storage_node("*"), c.result)
    elif len(c.args) > 1:
        node = p.storage_node(key)
        for v in c.args[1]:
            edge(v, node)


# `for (; --i;) t[f(0x1a7)](t[f(0x1aa)]())`: an array rotated by methods whose names are looked up
_OBF_ROTATE = re.compile(r"(?:while\s*\(|for\s*\(\s*;)\s*--[\w$]+\s*[;)].{0,80}?([\w$]+)\[[^\]]{1,40}\]\(\s*\1\[[^\]]{1,40}\]\(\)\s*\)",
                         re.S)



def _bool_args(argn) -> tuple:
    """`send(data, true)`, minified `send(d, !0)`: (index, the boolean) of each boolean literal argument."""
    if argn is None or argn.type != "arguments":
        return ()
    out = []
    i = 0
    for a in argn.named_children:
        if a.type == "comment":
            continue
        if a.type in ("true", "false"):
            out.append((i, a.type == "true"))
        elif a.type == "unary_expression" and a.named_child_count == 1 and a.named_children[0].type == "number" \
                and _text(a) in ("!0", "!1"):
            out.append((i, _text(a) == "!0"))
        i += 1
    return tuple(out)


def _namespaced_events(t) -> list[str]:
    """The events an event argument built by concatenation names whole in its constant parts: `'blur.' + ns`
    and `'blur.' + ns + ' change.' + ns` (jQuery namespaces after each name). A word that the unknown part
    may continue (`'bl' + x`, or `x + 'ur'`) names none."""
    out: list[str] = []
    if not t or not any(isinstance(x, str) for x in t):
        return out
    last = len(t) - 1
    for i, part in enumerate(t):
        if not isinstance(part, str):
            continue
        words = part.split()
        if not words:
            continue
        if i > 0 and not part[:1].isspace():
            words = words[1:]  # the end of the unknown part's word
        if words and i < last and not part[-1:].isspace() and "." not in words[-1]:
            words = words[:-1]  # a name the unknown part may go on with
        out.extend(w.split(".")[0] for w in words if w.split(".")[0])
    return out

class CallFacts:
    # ------------------------------------------------------------------------------------------- calls
    def _callee_path(self, fn) -> str | None:
        parts = []
        n = fn
        for _ in range(8):
            t = n.type
            if t == "member_expression":
                prop = n.child_by_field_name("property")
                parts.append(_text(prop) if prop is not None else "?")
                n = n.child_by_field_name("object")
            elif t == "subscript_expression":
                idx = n.child_by_field_name("index")
                parts.append(_string_value(idx) if idx is not None and idx.type == "string" else "[]")
                n = n.child_by_field_name("object")
            elif t == "identifier":
                parts.append(_text(n))
                return ".".join(reversed(parts))
            elif t == "this":
                parts.append("this")
                return ".".join(reversed(parts))
            elif t == "parenthesized_expression" and n.named_child_count == 1:
                n = n.named_children[0]
            else:
                return None
            if n is None:
                return None
        return None

    def x_call(self, node) -> None:
        p = self.p
        r = self.r
        is_new = node.type == "new_expression"
        fn = node.child_by_field_name("constructor" if is_new else "function")
        argn = node.child_by_field_name("arguments")
        if fn is None:
            return
        ft = fn.type
        callee = self.ev(fn)
        recv = None
        method = None
        if ft in ("member_expression", "subscript_expression"):
            recv = self.recv.pop(fn.id, ())
            if ft == "member_expression":
                prop = fn.child_by_field_name("property")
                method = _text(prop) if prop is not None else None
            else:
                idx = fn.child_by_field_name("index")
                method = _string_value(idx) if idx is not None and idx.type == "string" else None
                if method is None and len(callee) == 1 and self.p.kind[callee[0]] == "load" \
                        and self.p.label[callee[0]] != "[]":
                    method = self.p.label[callee[0]]  # a key folded from constants (String.fromCharCode(…))
        path = self._callee_path(fn) if ft in ("identifier", "member_expression", "subscript_expression") else None
        if path is not None:
            head, _, rest = path.partition(".")
            if rest in ("", "apply", "call"):
                self.param_calls.append((self.f.fid, head))
        args: list[tuple] = []
        str_args: list = []
        tmpl_args: list = []
        fn_args: list[int] = []
        obj_url = None
        getters = None
        regex0 = None
        codes: list[int] | None = [] if path in ("String.fromCharCode", "window.String.fromCharCode") else None
        str_pos: list[int] = []  # start of each string literal argument's content
        if argn is not None and argn.type == "arguments":
            for i, a in enumerate(argn.named_children):
                at = a.type
                if at == "comment":
                    continue
                if codes is not None:
                    try:
                        codes.append(int(_text(a), 0) if at == "number" else -1)
                    except ValueError:
                        codes.append(-1)
                if at == "object" and a.id in self.getters:
                    getters = (len(args), self.getters.pop(a.id))
                if at == "object" and a.id in self.descriptors and path == "Object.defineProperty" \
                        and len(str_args) == 2 and str_args[1]:
                    # Object.defineProperty(window, 'lead', {set(v) {…}}): assignments to `.lead` call it
                    for kind, fid in self.descriptors.pop(a.id):
                        self.p.accessors.setdefault((kind, str_args[1]), []).append(fid)
                if at == "regex" and not args:
                    pat = a.child_by_field_name("pattern")
                    regex0 = _text(pat) if pat is not None else ""
                if at == "string":
                    str_args.append(_string_value(a))
                    str_pos.append(a.start_byte + 1)
                else:
                    str_args.append(None)
                    str_pos.append(-1)
                if len(tmpl_args) < 3:
                    tmpl_args.append(self.tmpl_of(a) if at in ("identifier", "string") or a.id in self.tmpl else None)
                if at == "object" and obj_url is None and a.id in self.objurl:
                    obj_url = self.objurl.pop(a.id)
                if at in FUNC_TYPES:
                    fn_args.append(len(args))
                args.append(self.ev(a))
        elif argn is not None:  # tagged template
            args.append(self.ev(argn))
            str_args.append(None)
        if method == "concat" and ft == "member_expression" and not is_new:
            head = fn.child_by_field_name("object")
            t0 = self.tmpl.pop(head.id, None) if head is not None and head.type == "call_expression" else None
            if head is not None and (head.type == "string" or t0 is not None):
                # `"#order_birth_".concat(p)`: a template literal as Babel compiles it for old browsers (its
                # parts chained: `"".concat(API, "/x?d=").concat(v)`)
                parts = [_string_value(head)] if t0 is None else list(t0)
                for i in range(len(args)):
                    t = tmpl_args[i] if i < len(tmpl_args) else None
                    parts.extend(t if t is not None else [("any",)])
                self.tmpl[node.id] = parts
        f = self.f
        res = p.node("call", method or path or "?", self.uid, node.start_byte, f.fid)
        c = Call(len(p.calls), self.uid, f.fid, node.start_byte, node.end_byte, callee, recv, args, res, is_new,
                 method, path, str_args, tmpl_args, obj_url, fn_args=fn_args,
                 args_start=argn.start_byte if argn is not None and argn.type == "arguments" else -1)
        p.calls.append(c)
        if method in _ELEMENT_CALLBACKS and recv and len(recv) == 1 and recv[0] in p.array_strs and 0 in fn_args:
            # `[4, 5, 6].forEach(function (i) {…})`: the callback's first parameter is each constant element
            fid = self.fnode_fid.get(args[0][0]) if len(args[0]) == 1 else None
            if fid is not None and p.funcs[fid].params:
                for e in p.array_strs[recv[0]]:
                    if e is not None:
                        p.consts.setdefault(p.funcs[fid].params[0], []).append([e])
                if method in _COPIED_CALLBACKS and not self.copying:
                    self._note_element_callback(c, argn, fid, p.array_strs[recv[0]])
        if method == "subscribe":
            self._form_subscription(c, node)  # `control.valueChanges.pipe(…).subscribe(fn)` (extract_forms.py)
        flags = _bool_args(argn) if ft in ("identifier", "member_expression") else ()
        if ft == "identifier" and (any(s is not None for s in str_args) or flags):
            self.literal_calls.append((_text(fn), c.cid, tuple(str_args), f.fid, flags))
        elif ft == "member_expression" and method and (any(s is not None for s in str_args) or flags) \
                and fn.child_by_field_name("object") is not None and fn.child_by_field_name("object").type == "this":
            self.literal_calls.append(("this." + method, c.cid, tuple(str_args), f.fid, flags))
        self.vals[node.id] = (res,)
        if is_new and path == "Promise" and fn_args == [0] and len(args[0]) == 1:
            self._async_wrapper(c)
        if fn_args and fn_args[0] == 0 and not is_new:
            fid0 = self.fnode_fid.get(args[0][0]) if len(args[0]) == 1 else None
            if fid0 is not None and fid0 in self.gen_fns and len(args) == 1:
                p.edges_from(args[0], res)  # regenerator's `mark(fn)`: the generator function itself
                c.modelled = c.handled = True
            elif len(args) >= 2:
                self._generator_body(c, argn.named_children[0], fid0)
        elif method in _COMPLETIONS and len(args) == 2 and ft == "member_expression":
            obj = fn.child_by_field_name("object")
            if obj is not None and obj.type == "identifier":  # `ctx.a(2, v)` / `ctx.abrupt('return', v)`
                self.gen_completions.setdefault((f.fid, _text(obj)), []).append(args[1])
        self._code_string(c, str_pos)
        if p.global_fns and any(v in p.global_fns for v in callee):
            p.seeds.append((res, ("G", "window")))
        if method in self.r.plain_result_methods and not is_new:
            p.seeds.append((res, ("IT", res)))  # `it.next()`: an iterator step `{value, done}`, no element
        if self.bundle is not None and len(args) <= 1:
            self._bundled_require(c, fn, argn)
        elif len(args) >= 2 and str_args and not is_new:
            self.x_element_call(c, node)
        if getters is not None or (method in ("d", "export") and len(args) == 3):
            self._export_getters(c, getters)
        elif ft == "identifier" and len(args) == 3 and _text(fn) in self.export_helpers:
            self._export_getters(c, None, helper=True)
        if codes and all(0 <= n < 0x110000 for n in codes):
            self.tmpl[node.id] = ["".join(chr(n) for n in codes)]  # String.fromCharCode(98, 108, 117, 114)
        if ft == "identifier" and 1 <= len(args) <= 2 and argn is not None:
            first = argn.named_children[0] if argn.named_child_count else None
            if first is not None and first.type in ("string", "number"):
                lit = _string_value(first) if first.type == "string" else _text(first)
                if path == "atob":
                    self.tmpl[node.id] = [("atob", lit)]
                else:
                    self.tmpl[node.id] = [("lookup", callee[0] if callee else self.ref(path), lit)]
            elif path != "atob" and len(args) == 1 and callee and first is not None and first.type == "identifier":
                # `_s(i)` with `i` from `[4, 5, 6].forEach(function (i) {…})`: a key looked up by a variable
                self.tmpl[node.id] = [("lookup", callee[0], ("ref", self.ref(_text(first))))]
            elif path != "atob" and len(args) == 1 and callee and tmpl_args and tmpl_args[0] \
                    and len(tmpl_args[0]) == 1 and isinstance(tmpl_args[0][0], tuple) and tmpl_args[0][0][0] == "lookup":
                self.tmpl[node.id] = [("lookup", callee[0], tmpl_args[0][0])]  # f(g(0x1a0)): a key looked up
            elif path == "atob" and tmpl_args and tmpl_args[0] and len(tmpl_args[0]) == 1 \
                    and isinstance(tmpl_args[0][0], tuple):
                self.tmpl[node.id] = [("atob", tmpl_args[0][0])]
        elif ft == "identifier" and not args and callee:
            self.tmpl[node.id] = [("ret", callee[0])]  # `sel()` returning a constant selector
            p.call_hints[res] = callee[0]
        elif method == "join" and recv and len(recv) == 1 and len(args) <= 1:
            sep = str_args[0] if str_args and str_args[0] is not None else ","
            if not args or str_args[0] is not None:
                self.tmpl[node.id] = [("join", recv[0], sep)]  # ['#a', '#b'].join(', ')
        if ft in ("function_expression", "function", "parenthesized_expression", "arrow_function") and \
                len(args) == 2 and argn is not None:
            a0, a1 = argn.named_children[0], argn.named_children[1]
            if a0.type == "identifier" and a1.type == "number":
                body = _text(fn)
                if len(body) < 600 and (("push" in body and "shift" in body) or _OBF_ROTATE.search(body)):
                    # string-table rotation at load (`push`/`shift` themselves looked up in a table)
                    try:
                        self.p.rotations[self.ref(_text(a0))] = int(_text(a1), 0)
                    except ValueError:
                        pass
        if regex0 is not None and method in ("replace", "replaceAll") and len(str_args) > 1 and \
                str_args[1] is not None and "$" not in str_args[1] and regex0 in r.masking_patterns:
            c.handled = True  # v.replace(/./g, '*'): a mask with no character of the value
            return
        if method is not None:
            self._method_rules(c, method, recv or (), node)
        elif path is not None and not is_new:
            self._function_rules(c, path, node)

    def _generator_body(self, c: Call, g, gfid: int | None) -> None:
        """`runtime.wrap(function (ctx) { while (1) switch (ctx.n) { case 0: ctx.n = 1; return f(x); case 1:
        y = ctx.v; … return ctx.a(2, y) } }, outer, this)`: an async function (or generator) compiled to ES5
        by Babel's regenerator, minified or not (known by this shape, never by the runtime's names). The
        runtime calls the body, with `this` the call's third argument; the value the body returns at a step
        (the awaited one) is what its context's `v` (older runtimes: `sent`) reads at the next step; what
        it completes with (`ctx.a(2, v)`, `ctx.abrupt('return', v)`) is the result of the async function.
        The function making the call is the generator function (`mark(fn)` returns it)."""
        if gfid is None or g.type not in ("function_expression", "function"):
            return
        f = self.p.funcs[gfid]
        params = g.child_by_field_name("parameters")
        body = g.child_by_field_name("body")
        plist = [x for x in params.named_children if x.type != "comment"] if params is not None else []
        if len(plist) != 1 or plist[0].type != "identifier" or body is None or not _switch_loop(body, _text(plist[0])):
            return
        p = self.p
        name = _text(plist[0])
        ctx = p.node("object", "{}", self.uid, g.start_byte, gfid)
        p.seeds.append((ctx, ("O", ctx)))
        p.edge(ctx, f.params[0])
        for key in ("v", "sent"):
            p.literal_props[(ctx, key)] = (f.ret,)
        if len(c.args) > 2:
            p.edges_from(c.args[2], f.this)
        c.callbacks.append((0, _GENERATOR_BODY))
        c.modelled = c.handled = True  # (the runtime's own code is not followed)
        for vals in self.gen_completions.pop((gfid, name), ()):
            p.edges_from(vals, c.result)
        self.gen_fns.add(self.f.fid)

    def _async_wrapper(self, c: Call) -> None:
        """`new Promise(function (resolve, reject) { var gen = fn.apply(self, args); … })`: the wrapper that
        runs a compiled async function (Babel's `_asyncToGenerator`, inlined by a minifier into each
        async function it wraps). The promise settles with what the generator completes with: the result
        of the executor's own `fn.apply(…)` calls (the runtime steps between are not followed)."""
        fid = self.fnode_fid.get(c.args[0][0])
        if fid is None:
            return
        start = self.p.funcs[fid].start
        calls = self.p.calls
        for i in range(len(calls) - 2, -1, -1):
            inner = calls[i]
            if inner.uid != c.uid or inner.start < start:
                break
            if inner.fid == fid and inner.method == "apply":
                self.p.edge(inner.result, c.result)

    def _bundled_require(self, c: Call, fn, argn) -> None:
        """`n(692)`, `Ln()`, `e("jquery")` loading a bundled library's module: the call yields the library's
        modelled API (its internals were not analysed, see analyzer/bundle/modules.py)."""
        lit = None
        if c.args and argn is not None and argn.named_child_count == 1:
            a = argn.named_children[0]
            lit = number_key(_text(a)) if a.type == "number" else _string_value(a) if a.type == "string" else None
            if lit is None:
                # ESM interop around a library's require (esbuild `__toESM(require_jquery())`, webpack `n.n(m)`):
                # the wrapper's result stands for the same API (`.default` of it too, see solve._on_load)
                lib = next((self.lib_results[v] for v in c.args[0] if v in self.lib_results), None)
                if lib is not None and fn.type == "identifier":
                    self.p.seeds.append((c.result, ("G", lib)))
                    self.lib_results[c.result] = lib
                return
        callee = _text(fn) if fn.type == "identifier" else None
        mod = self.bundle.required_library(self.bundle_uid, c.start, callee, lit, len(c.args))
        if mod is not None and mod.api_global:
            self.p.seeds.append((c.result, ("G", mod.api_global)))
            self.lib_results[c.result] = mod.api_global
            if mod.default_key is not None:  # `s.A.patch(…)` of webpack's mangled default export: `axios.patch`
                self.p.default_keys.add(mod.api_global + "\x00" + mod.default_key)
            c.handled = True

    def _method_rules(self, c: Call, m: str, recv: tuple, node) -> None:
        p = self.p
        r = self.r
        nargs = len(c.args)
        if self.declared_method(node):
            return  # `this.send(x)`, `this.serialize()`: the class's own method, not the DOM's or jQuery's
        if m in r.source_methods:
            need, catch_all = r.source_methods[m]
            if nargs == need:
                text = (c.path or "")[:80]
                p.edge(p.new_source(m + "()", self.uid, c.fid, node.start_byte, node.end_byte, recv, m + "()",
                                    catch_all, text.rsplit(".", 1)[0] if text else ""), c.result)
                c.handled = True
                return
        if m in r.submit_calls and nargs == 0:
            self.f.calls_submit = True
        if m in GUARD_METHODS and c.str_args and c.str_args[0]:
            self.f.guards.append(("." + c.str_args[0]) if m == "hasClass" else c.str_args[0])
        if m in r.register_methods and (nargs >= 2 or (nargs == 1 and r.register_methods[m].get("event"))):
            self._registration(c, r.register_methods[m], node)
        elif m in r.jquery_shorthand and nargs >= 1 and c.str_args and c.str_args[0] is None and (
                m != "load" or nargs == 1):
            ev = "DOMContentLoaded" if m == "ready" else m
            tn = p.node("target", m, self.uid, node.start_byte, c.fid)
            p.edges_from(recv, tn)
            p.regs.append(Registration(len(p.regs), self.uid, c.fid, c.start, c.end, [ev], tn, c.args[-1],
                                       "." + m))
            c.handled = True
        if m in r.timer_names and c.path in r.timer_paths:
            p.timers.append((c.fid, self._timer_handler(c), c.path, self.uid, c.start, c.end, c.cid))
            c.handled = True
        cb = r.callback_methods.get(m)
        if cb is not None and nargs > cb["handler_arg"]:
            c.callbacks.append((cb["handler_arg"], cb))
        is_get = m in r.storage_get
        storage = (is_get or m in r.storage_set) and c.path and \
            c.path.rsplit(".", 1)[0].split(".")[-1] in r.storage_objects
        if m in r.store_into_receiver and not c.resolved and not (c.path or "").startswith("Promise.") \
                and not storage:  # (`Cookies.set(k, v)`: keyed web storage below, not the object's contents)
            # (`d.resolve(v)` fills a jQuery Deferred for its .done/.then; `Promise.resolve(x)` is a factory)
            held = c.args[1:] if m in r.keyed_store_methods and nargs >= 2 else c.args
            for a in held:
                self.write_into(a, recv)
        if m in r.element_methods and (m != "filter" or (c.str_args and c.str_args[0])):
            if c.str_args and c.str_args[0] and ((c.path and c.path.startswith("this.") and c.path.count(".") == 1)
                                                 or (m == "find" and recv)):
                # `this.querySelector('input')` in a component, `$part.find(':input')`: inside the element
                # the receiver is (link/solve.py)
                p.scoped_finds.append(c.cid)
            else:
                self._element_seed(c, r.element_methods[m])
            c.handled = True
        if storage:
            key = c.str_args[0] if c.str_args and c.str_args[0] else "*"
            t = c.tmpl_args[0] if c.tmpl_args else None
            if key == "*" and t and len(t) == 1 and isinstance(t[0], tuple):
                # `localStorage.getItem(KEY)`: the key is known once the constants are
                p.deferred_storage.append((c, t[0], is_get))
            else:
                storage_edges(p, c, key, is_get)
            c.handled = True

    def _export_getters(self, c: Call, getters, helper: bool = False) -> None:
        """Bundler export getters: webpack's `n.d(t, {Z: () => o})` / `n.d(t, "a", function () { return o })`,
        Parcel's `o.export(n, "beacon", () => u)` and its `$parcel$export` helper `e(t.exports, "beacon", () => u)`,
        and `Object.defineProperty(t, "k", {get: () => o})` make `t.Z` / `t.a` / `t.k` read `o`."""
        p = self.p
        funcs = p.funcs
        if getters is not None:
            idx, pairs = getters
            if c.method == "d" or (c.path or "").endswith(".d"):
                for key, fid in pairs:
                    p.edge(funcs[fid].ret, p.prop_node(key))
            elif c.path == "Object.defineProperty" and len(c.str_args) > 1 and c.str_args[1]:
                for key, fid in pairs:
                    if key == "get":
                        p.edge(funcs[fid].ret, p.prop_node(c.str_args[1]))
        elif (helper or c.method in ("d", "export")) and len(c.str_args) > 1 and c.str_args[1] and len(c.args[2]) == 1:
            fid = self.fnode_fid.get(c.args[2][0])
            if fid is not None:
                p.edge(funcs[fid].ret, p.prop_node(c.str_args[1]))

    def _element_seed(self, c: Call, template: str) -> None:
        """The element a finder call finds: a selector from a literal, or from a parameter's call sites."""
        if c.str_args and c.str_args[0]:
            self.p.seeds.append((c.result, ("E", template.replace("{0}", c.str_args[0]))))
            return
        key = selector_template(c.tmpl_args[0] if c.tmpl_args else None, template)
        if key is not None:
            self.p.seeds.append((c.result, key))

    def _code_string(self, c: Call, str_pos: list[int]) -> None:
        """A constant string handed to `eval`, `Function` or a timer is code: recorded to be parsed and
        analysed as a script of its own, run by this call (`setTimeout("send(el.value)", 10)`)."""
        r = self.r
        name = (c.path or "").rsplit(".", 1)[-1]
        timer = name in r.timer_names and c.path in r.timer_paths
        if not (timer or self.r.normalize_path(c.path or "") in r.code_calls) or not c.str_args:
            return
        i = len(c.str_args) - 1 if name == "Function" else 0
        code = c.str_args[i] if i >= 0 else None
        if not code or not code.strip() or str_pos[i] < 0:
            return
        if name == "Function" and code.strip().rstrip(";") in r.global_this_code:
            self.p.global_fns.add(c.result)  # `Function("return this")()` is the global object
            return
        if timer and re.fullmatch(r"\s*[A-Za-z_$][\w$]*\s*\(\s*\)\s*;?\s*", code):
            return  # `setTimeout('sendMail()', 300)`: the timer rule names the global function itself
        self.p.code_strings.append((self.uid, c.fid, code, str_pos[i], c.cid, timer))

    def _timer_handler(self, c: Call) -> tuple:
        """The function a timer runs; `setTimeout('sendMail()', 300)` names a global function in a string."""
        if c.str_args and c.str_args[0]:
            m = re.match(r"\s*([A-Za-z_$][\w$]*)\s*\(", c.str_args[0])
            return (self.p.global_node(m.group(1), self.u.scope),) if m else ()
        return c.args[0] if c.args else ()

    def _function_rules(self, c: Call, path: str, node) -> None:
        r = self.r
        name = path.rsplit(".", 1)[-1]
        if name in r.timer_names and path in r.timer_paths:
            self.p.timers.append((c.fid, self._timer_handler(c), path, self.uid, c.start, c.end, c.cid))
            c.handled = True
        if path in r.register_methods and len(c.args) >= 2 and ("." in path or path in _BARE_REGISTRATIONS):
            # (a bare `on(el, 'change', fn)` is some helper of the scan's, not jQuery's `.on`)
            self._registration(c, r.register_methods[path], node)
        if path == "require" and c.str_args and c.str_args[0]:
            self.p.imports.append((self.uid, c.str_args[0], "*module", c.result))
            c.handled = True

    def _map_registration(self, c: Call, spec: dict, node) -> bool:
        """`this._on(el, {blur: '_sendOtp', 'change select': fn})` (jQuery UI widgets), `$(el).on({blur: fn})`:
        an object of event names (a delegated selector after the name) and handlers — functions, or the
        names of methods of the object the call is made on."""
        ma = spec.get("map_arg")
        argn = node.child_by_field_name("arguments")
        if ma is None or argn is None:
            return False
        items = [a for a in argn.named_children if a.type != "comment"]
        if ma >= len(items) or items[ma].type != "object" or len(c.args[ma]) != 1:
            return False
        p = self.p
        o = c.args[ma][0]
        ta = spec.get("target_arg")
        target = c.args[ta] if ta is not None and ta < len(c.args) and ta != ma else (c.recv or ())
        for pair in items[ma].named_children:
            if pair.type != "pair":
                continue
            key = self._key_name(pair.child_by_field_name("key"))
            val = pair.child_by_field_name("value")
            if not key or val is None:
                continue
            words = key.split()
            events = [w.split(".")[0] for w in words[:1] if w.split(".")[0]]
            if val.type == "string":  # a method name: `this[name]` when the event comes
                name = _string_value(val)
                handler = (p.literal_prop_node(name), p.prop_node(name))
            else:
                handler = p.literal_props.get((o, key), ())
            if not events or not handler:
                continue
            tn = p.node("target", c.method or "", self.uid, c.start, c.fid)
            delegated = " ".join(words[1:]) or None
            if delegated:
                p.seeds.append((tn, ("E", delegated)))
            else:
                p.edges_from(target, tn)
            p.regs.append(Registration(len(p.regs), self.uid, c.fid, c.start, c.end, events, tn, handler,
                                       c.method or c.path or "", delegated))
        c.handled = True
        return True

    def _registration(self, c: Call, spec: dict, node) -> None:
        p = self.p
        if spec.get("map_arg") is not None:
            self._map_registration(c, spec, node)
            return
        ea = spec["event_arg"]
        ev_part = None
        if spec.get("event"):  # `$w('#email').onChange(fn)`: the method says which event
            events = [spec["event"]]
        else:
            if ea is None or ea >= len(c.str_args):
                return
            if not c.str_args[ea]:
                t = c.tmpl_args[ea] if ea < len(c.tmpl_args) else None
                known = _namespaced_events(t)
                if known:  # `'blur.' + pluginName`: a jQuery namespace no constant names; the event is known
                    c.str_args[ea] = " ".join(known)
                    t = None
            if not c.str_args[ea]:
                if not (t and len(t) == 1 and isinstance(t[0], tuple)):
                    t = [member_name_part(p, c, ea)]  # `bus.on(EV.ADDRESS, fn)`: a constants object's
                    if t[0] is None:
                        return
                ev_part = t[0]  # `var ev = 'keyup'; el.on(ev, fn)`: the name is known once constants are
            events = [] if ev_part else [e.split(".")[0] for e in c.str_args[ea].split() if e.split(".")[0]]
        ha = spec["handler_arg"]
        handler = c.args[ha] if -len(c.args) <= ha < len(c.args) else ()
        tn = p.node("target", c.method or "", self.uid, c.start, c.fid)
        delegated = None
        sa = spec.get("selector_arg")
        part = None
        templated = None  # `cfg.scope + ' [name="telephone"]'`
        if sa is not None and sa < len(c.tmpl_args) and c.tmpl_args[sa] and len(c.args) > 2:
            t = c.tmpl_args[sa]
            if len(t) == 1 and isinstance(t[0], tuple):
                part = t[0]
            templated = selector_template(t)
        if sa is not None and sa < len(c.str_args) and c.str_args[sa] and len(c.args) > 2:
            delegated = c.str_args[sa]
            p.seeds.append((tn, ("E", delegated)))
        elif part is not None and part[0] in ("ref", "idx"):
            delegated = "{0}"
            p.seeds.append((tn, ("E", "{0}", part)))
        elif templated is not None:
            # `$(document).on('blur', cfg.scope + ' [name="telephone"]', fn)`: the selector, its unknown part
            # resolved later (or left out: see findings.SelectorResolver)
            delegated = templated[1]
            p.seeds.append((tn, templated))
        elif c.recv is None:  # a bare `addEventListener(…)` is the window's
            p.seeds.append((tn, ("G", "window")))
        else:
            p.edges_from(c.recv or (), tn)
        fn = node.child_by_field_name("function")
        guard = field_guard(fn) if fn is not None and fn.type == "member_expression" and not delegated else None
        rg = Registration(len(p.regs), self.uid, c.fid, c.start, c.end, events, tn, handler, c.method or c.path or "",
                          delegated, guard)
        p.regs.append(rg)
        if ev_part is not None:
            p.deferred_events.append((rg, ev_part))
        c.handled = True


    def _callee_last_name(self, fn) -> str | None:
        """The last name of a callee spelled directly or by constant pieces: `atob`, `window.atob`,
        `_w['at' + 'ob']` (obfuscated skimmers) all give `atob`."""
        if fn is None:
            return None
        if fn.type == "identifier":
            return _text(fn)
        if fn.type == "member_expression":
            prop = fn.child_by_field_name("property")
            return _text(prop) if prop is not None else None
        if fn.type == "subscript_expression":
            idx = fn.child_by_field_name("index")
            if idx is not None and idx.type == "string":
                return _string_value(idx)
            return self._folded_name(idx)
        return None

    def _late_callee_part(self, fn):
        """`W[_0x3b(0x15b)]` / `W[k]`: the part that names the method once constants are known, else None."""
        if fn is None or fn.type != "subscript_expression":
            return None
        idx = fn.child_by_field_name("index")
        return self._key_part(idx) if idx is not None else None

    def _string_table_lookup(self, node, f: Func) -> None:
        """Recognise an obfuscator's string-table accessor by its shape:
        `function (i, k) { i = i - OFF; var v = TABLE[i]; return v; }` or `{ return TABLE[i - OFF]; }`."""
        if len(f.params) not in (1, 2):
            return
        body = node.child_by_field_name("body")
        # javascript-obfuscator's base64-encoded table: its accessor decodes (and caches) what it reads
        obf = self.u.data.find(OBF_B64_ALPHABET, node.start_byte, node.end_byte) >= 0
        if body is None or (body.type == "statement_block" and body.named_child_count > (8 if obf else 4)):
            return
        # `(i) => TABLE[i]`: an arrow's expression body is what it returns
        stmts = body.named_children if body.type == "statement_block" else [body] \
            if node.type == "arrow_function" and body.type == "subscript_expression" else []
        param = self.p.label[f.params[0]]
        off = 0
        table = None
        decode = False
        late = None
        for st in stmts:
            t = "expression_body" if st is body else st.type
            if t == "expression_statement" and st.named_child_count == 1:
                e = st.named_children[0]
                if e.type == "assignment_expression":
                    r = e.child_by_field_name("right")
                    if r is not None and r.type == "binary_expression" and _text(r.child_by_field_name("left")) == param:
                        op = r.child_by_field_name("operator")
                        num = r.child_by_field_name("right")
                        if op is not None and op.type == "-" and num is not None and num.type == "number":
                            try:
                                off = int(_text(num), 0)
                            except ValueError:
                                return
            sub = None
            if t in ("variable_declaration", "lexical_declaration"):
                d = st.named_children[0] if st.named_child_count else None
                sub = d.child_by_field_name("value") if d is not None else None
            elif t == "expression_body":
                sub = st
            elif t == "return_statement" and st.named_child_count:
                sub = st.named_children[0]
                if sub.type == "call_expression":
                    fn = sub.child_by_field_name("function")
                    name = self._callee_last_name(fn)
                    # `W[_0x3b(0x15b)](T[i])`: a callee named only once the obfuscator's table is read
                    late = self._late_callee_part(fn) if name is None else None
                    a = sub.child_by_field_name("arguments")
                    inner = a.named_children[0] if a is not None and a.named_child_count == 1 else None
                    if (name == "atob" or late is not None) and inner is not None and inner.type == "subscript_expression":
                        sub = inner
                        decode = name == "atob"
            if sub is not None and sub.type == "subscript_expression":
                o = sub.child_by_field_name("object")
                i = sub.child_by_field_name("index")
                if o is not None and o.type == "identifier" and i is not None:
                    if i.type == "binary_expression" and _text(i.child_by_field_name("left")) == param:
                        num = i.child_by_field_name("right")
                        if num is not None and num.type == "number":
                            off = int(_text(num), 0) if _text(num)[:2] != "0x" else int(_text(num), 16)
                        table = self.ref(_text(o), f.fid)
                    elif _text(i) == param:
                        table = self.ref(_text(o), f.fid)
                    elif i.type == "augmented_assignment_expression" and _text(i.child_by_field_name("left")) == param:
                        num = i.child_by_field_name("right")  # `T[e -= 0]`
                        op = i.child_by_field_name("operator")
                        if num is not None and num.type == "number" and op is not None and op.type == "-=":
                            off = int(_text(num), 0)
                            table = self.ref(_text(o), f.fid)
        if table is not None:
            self.p.lookup_funcs[f.fid] = (table, off, "obf64" if obf else decode)
            if late is not None:
                self.p.lookup_decoders[f.fid] = late  # decodes if that name turns out to be `atob`


# the methods of a regenerator context that complete the generator with their second argument
_COMPLETIONS = frozenset({"a", "abrupt"})
_GENERATOR_BODY: dict = {}  # (a callback with no data of the call's: the runtime calls it, see _generator_body)


def _switch_loop(body, ctx: str) -> bool:
    """`{ while (1) switch (ctx.n) {…} }`, `{ for (;;) switch (ctx.prev = ctx.next) {…} }`: a regenerator body."""
    sts = [x for x in body.named_children if x.type != "comment"]
    if len(sts) != 1 or sts[0].type not in ("while_statement", "for_statement"):
        return False
    loop = sts[0]
    if loop.type == "while_statement":
        cond = loop.child_by_field_name("condition")
        inner = cond.named_children[0] if cond is not None and cond.named_child_count == 1 else None
        if inner is None or _text(inner) not in ("1", "true", "!0"):
            return False
    elif loop.child_by_field_name("condition") is not None and _text(loop.child_by_field_name("condition")) != ";":
        return False
    st = loop.child_by_field_name("body")
    if st is not None and st.type == "statement_block":
        inner = [x for x in st.named_children if x.type != "comment"]
        st = inner[0] if len(inner) == 1 else None
    if st is None or st.type != "switch_statement":
        return False
    value = st.child_by_field_name("value")
    return value is not None and (_text(value).startswith("(" + ctx + ".") or
                                  _text(value).startswith("(" + ctx + " ."))


_ELEMENT_CALLBACKS = frozenset({"forEach", "map", "filter", "some", "every", "find", "flatMap"})
_COPIED_CALLBACKS = frozenset({"forEach", "map"})  # run once per constant element (clones.py)


# registration functions called bare: the window's own
_BARE_REGISTRATIONS = frozenset({"addEventListener", "attachEvent"})


def selector_template(t, template: str = "{0}") -> tuple | None:
    """The element a selector template finds: `'#' + id`, `scope + ' [name="telephone"]'` (one part not
    constant, between literals) as `("E", "#{0}", part)`; None for anything else."""
    if not t or len(t) > 3:
        return None
    refs = [x for x in t if isinstance(x, tuple) and x[0] in ("ref", "idx", "lookup", "ret", "atob", "elems", "join")]
    if len(refs) != 1 or len(refs) + sum(isinstance(x, str) for x in t) != len(t):
        return None
    lit = [x for x in t if isinstance(x, str)]
    pre = lit[0] if lit and t[0] == lit[0] else ""
    post = lit[-1] if lit and t[-1] == lit[-1] and t[-1] is not t[0] else ""
    return ("E", template.replace("{0}", pre + "{0}" + post), refs[0])

