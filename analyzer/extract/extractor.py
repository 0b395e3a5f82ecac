"""Stage 3: fact extraction. One iterative post-order pass over a unit's syntax tree.

The pass gives every expression a *value*: a tuple of graph nodes whose data the expression may carry.
Composite expressions get no node of their own (`a + b` is the union of `a` and `b`); nodes are made only
where data is stored or transformed: variables (one per function and name), properties (field-based),
call results, property loads, parameters, returns, object and array literals. Sanitising operations
(comparisons, `!`, `.length`, predicate methods) yield the empty tuple. Everything that needs resolution
(which function a call reaches, which element a selector finds, which API a global path names) is
recorded as a fact for `analyzer/link/solve.py`.

No recursion: minified bundles nest thousands of levels deep, so the walk keeps its own stack.
"""
from __future__ import annotations

import re

from analyzer.bundle.modules import Module
from analyzer.extract.calls import CallFacts
from analyzer.extract.clones import COPY_PRUNED, HELPER_MAX_BYTES, HelperCopies, subst_test
from analyzer.extract.decl import DeclarationFacts, is_export_helper
from analyzer.extract.forms import FormsFacts
from analyzer.extract.guards import _unparen, field_guard
from analyzer.extract.util import (
    _MAX_TMPL, _MAX_VALS, COMPARE_OPS, CONST_IDENTS, FALSY_UNARY, FUNC_TYPES, LEAF_TYPES, PASS_FIRST, BudgetExceeded,
    _string_value, _text,
)
from analyzer.program import HEAP, Call, Func, Load, Program, Registration, Store, Unit
from analyzer.rulebook import RuleBook

DOM_OWNED = frozenset({"dataset", "style", "classList", "attributes", "relList"})  # `x.dataset.src` is the page's
# roots of a store path that name an instance, never a message sent whole: `this.data[k] = v` does not make
# `this` carry `v` (the template models write `this` as `__fl_vm`)
_INSTANCE_ROOTS = frozenset({"this", "__fl_vm"})


_SPREAD_HELPER_MAX = 1200  # bytes of a compiled object-spread helper (Babel's is about 500 minified)
# index expressions whose constant value the walk leaves as a template (`_folded_name`)
_FOLDED_KEY_TYPES = frozenset({"call_expression", "binary_expression", "template_string", "parenthesized_expression"})
# a feature flag by the constant convention (`LEGACY_PWNED_CHECK`, `USE_OLD_ANALYTICS`, `DEBUG`)
_FLAG_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")
_FIELD_DEFS = ("field_definition", "public_field_definition")
_GLOBAL_OBJECTS = frozenset({"window", "self", "globalThis", "document"})
# `extends HTMLElement`, `extends HTMLInputElement`: a base whose properties are the browser's, not the scan's
_BROWSER_BASE = re.compile(r"^\s*extends\s+(?:(?:window|globalThis)\.)?(?:HTML\w*Element|Element|EventTarget|Object)\s*$")


_ELEMENT_OWN = frozenset({"addEventListener", "removeEventListener", "dispatchEvent", "submit",
                          "requestSubmit", "attachShadow"})


class Extractor(CallFacts, DeclarationFacts, HelperCopies, FormsFacts):
    """Builds the facts of one unit into the shared `Program`."""

    def __init__(self, prog: Program, rules: RuleBook, unit: Unit, tree, budget=None, bundle=None,
                 bundle_uid: int | None = None):
        self.budget = budget  # analyzer.budget.Budget of the file (shared by a page's scripts), or None
        self.bundle = bundle  # analyzer.bundle.modules.BundleIndex of the scan, or None
        # the unit's id in the scan's BundleIndex (a worker extracts into local ids)
        self.bundle_uid = unit.uid if bundle_uid is None else bundle_uid
        self.skip = bundle.skipped(self.bundle_uid) if bundle is not None else {}  # library code: not walked
        self.lib_results: dict[int, str] = {}  # call result node -> the bundled library API global it yields
        self.p = prog
        self.r = rules
        self.u = unit
        self.uid = unit.uid
        self.tree = tree
        self.vals: dict[int, tuple] = {}
        self.recv: dict[int, tuple] = {}
        self.tmpl: dict[int, list] = {}
        self.objurl: dict[int, list] = {}
        self.fstack: list[Func] = []
        self.f: Func | None = None
        self.decls: dict[int, set] = {}
        self.refs: list[tuple[int, int, str]] = []
        self.assigned_refs: set[int] = set()  # reference nodes that are assignment targets (`x = v`)
        self.ref_cache: dict[tuple[int, str], int] = {}
        self.global_assigns: list[tuple[int, int, Store]] = []
        self.parents: dict[int, object] = {}  # parent of each `arguments` node (function names)
        self.param_nids: set[int] = set()
        # `this.x` in a class's methods (and arrows in them): the class's own property (see `_class_prop`)
        self.this_class: dict[int, tuple] = {}  # fid -> (class key, extends a class of the scan's)
        self.class_stores: set[tuple] = set()  # (class key, prop) stored through `this` in that class
        self.class_loads: list[tuple] = []  # (load node, (class key, user heritage), prop), settled at the end
        self.class_load_of: dict[int, tuple] = {}  # such a load node -> its class
        self.class_method_names: dict[tuple, frozenset] = {}  # class key -> the methods it declares (not its constructor)
        self.export_helpers: set[str] = set()  # Parcel's `$parcel$export` (`function e(e,t,r){Object.defineProperty(e,t,{get:r})}`)
        self.prop_writes: dict[str, list] = {}  # prop -> [(values, base edge?)] written into `.prop` not by `this`
        self.fnode_fid: dict[int, int] = {}
        self._fn_value: dict[int, int] = {}  # function node id -> its function-value graph node
        self.getters: dict[int, list] = {}  # object literal node id -> [(key, fid)] of zero-parameter functions
        self.descriptors: dict[int, list] = {}  # object literal node id -> [('get'|'set', fid)]
        # object literal node id -> (key, [(kind, vals)]) of a compiled class member `{key: "k", value: fn}`
        self.member_descs: dict[int, tuple] = {}
        # compiled async functions (regenerator, extract_calls._generator_body): the functions that hand a
        # generator body to its runtime, and the values the bodies complete with (`ctx.a(2, v)`), by
        # (fid, name of the body's context parameter)
        self.gen_fns: set[int] = set()
        self.gen_completions: dict[tuple[int, str], list[tuple]] = {}
        self.obj_spreads: dict[int, list] = {}  # object literal node id -> values of its `...x` spreads
        self.param_calls: list[tuple[int, str]] = []  # (fid, name) of calls `name(…)`/`name.apply(…)`
        self.fn_vars: set[int] = set()  # variables initialised with a function expression
        self.ctor_of: dict[int, int] = {}  # a variable declared as one function -> its function node
        # `let`/`const` in a nested block: name -> [(fid, the block's start, end, the name it is kept under)]
        # (a minifier reuses short names block by block: `(e)=>{…if(…){const e=r;…n(o,e)}}`)
        self.block_names: dict[str, dict[int, list[tuple[int, int, str]]]] = {}  # name -> fid -> blocks
        # a compiled-element factory under another name: `import {h as _i} from 'vue'`, a hoisted bundle's
        # `_i` that the map calls Vue's `h` (name -> (the factory's name, the function declaring it))
        self.factory_aliases: dict[str, tuple[str, int]] = {}
        self.returns_fn: set[int] = set()  # functions that return a function
        # helpers extracted once per call site (analyzer/extract/clones.py)
        self.helpers: dict[str, list] = {}  # name -> [(function node, its parent, enclosing fid, fid, parameter names, plain)]
        self.literal_calls: list[tuple] = []  # (callee name, cid, string args, fid, boolean args) of `f("x", …)`
        self.element_calls: list[tuple] = []  # (cid, callback node, its parent, parameter name, constants)
        self._fn_parent: dict[int, object] = {}  # small function's node id -> its parent node
        self.subst: dict[str, str] = {}  # inside a copy: parameter name -> the constant its call passed
        self.flags: dict[str, bool] = {}  # inside a copy: parameter name -> the boolean its call passed
        self.copying = False
        self._copy_root: int | None = None
        self._skip_types = LEAF_TYPES
        # `var LEGACY_CHECK = false;` … `if (LEGACY_CHECK) {…}`: flags declared false (name -> still
        # constant? None until the unit's text was checked for other assignments)
        self.false_flags: dict[str, bool | None] = {}
        self.h = {
            "member_expression": self.x_member,
            "subscript_expression": self.x_subscript,
            "call_expression": self.x_call,
            "new_expression": self.x_call,
            "assignment_expression": self.x_assign,
            "augmented_assignment_expression": self.x_assign,
            "variable_declarator": self.x_declarator,
            "formal_parameters": self.x_parameters,
            "return_statement": self.x_return,
            "yield_expression": self.x_return,
            "object": self.x_object,
            "array": self.x_array,
            "binary_expression": self.x_binary,
            "unary_expression": self.x_unary,
            "ternary_expression": self.x_ternary,
            "sequence_expression": self.x_sequence,
            "template_string": self.x_template,
            "string": self.x_string,
            "class_declaration": self.x_class,
            "class": self.x_class,
            "abstract_class_declaration": self.x_class,  # TypeScript `abstract class Widget {…}`
            "export_statement": self.x_export,
            "import_statement": self.x_import,
            "for_in_statement": self.x_for_in,
            "catch_clause": self.x_catch,
            "jsx_self_closing_element": self.x_jsx_element,
            "jsx_opening_element": self.x_jsx_element,
            "pair": None,
        }
        for t in PASS_FIRST:
            self.h[t] = self.x_pass
        for t in FUNC_TYPES:
            self.h[t] = self.x_function_exit
        del self.h["pair"]

    # ------------------------------------------------------------------------------------------- driver
    def run(self) -> None:
        root = self.tree.root_node
        top = self._new_func(root, "<top>", None, top=True)
        self.u.top_fid = top.fid
        self.f = top
        self._compiler_runtime(root)
        # tree-sitter's Node.parent walks down from the root (O(depth)); the walk keeps parents itself
        try:
            self._walk(root, self.h, self.parents, LEAF_TYPES)
            self._copy_helpers()
            self._copy_element_callbacks()
            self._settle_class_loads()
        finally:
            self._resolve_refs()
            # The scan runs with the cyclic collector off: break the extractor's self-references (bound
            # methods in `h`) and drop the syntax tree, or both would live until the end of the scan.
            self.h = None
            self.tree = None
            self.vals.clear()
            self.recv.clear()
            self.tmpl.clear()
            self.parents.clear()

    def _compiler_runtime(self, root) -> None:
        """An inlined compiler runtime (rules/libraries.toml `compiled_runtime`: Babel's regenerator): the
        smallest function around the first marker string that holds all of them is library code, not
        walked (a declaration's name is kept: calls of it are modelled where they are made)."""
        markers = self.r.runtime_markers
        data = self.u.data
        at = data.find(markers[0]) if markers else -1
        if at < 0 or any(data.find(m) < 0 for m in markers[1:]):
            return
        node = root.descendant_for_byte_range(at, at)
        while node is not None:
            if node.type in FUNC_TYPES and all(data.find(m, node.start_byte, node.end_byte) >= 0 for m in markers):
                break
            node = node.parent
        if node is None or node.start_byte in self.skip:
            return
        name = node.child_by_field_name("name") if node.type == "function_declaration" else None
        self.skip = dict(self.skip)
        self.skip[node.start_byte] = Module(node.start_byte, node.end_byte, "runtime", "compiled-runtime",
                                            library="compiled runtime", api_global="regeneratorRuntime",
                                            api_var=_text(name) if name is not None else None)

    def _library_code(self, node) -> bool:
        """A bundled library's module (or its hoisted statements): not walked; a hoisted library's API
        variable is declared here and holds the library's modelled API."""
        m = self.skip.get(node.start_byte)
        if m is None or node.end_byte > m.end:
            return False
        if m.api_var and m.api_global and m.start == node.start_byte:
            self.p.seeds.append((self.declare(m.api_var), ("G", m.api_global)))
        if m.exports and m.start == node.start_byte:  # `Kn` is Vue's `ref`: `G Vue.ref`
            for var, orig in m.exports:  # (orig "": the API itself, esbuild's `distribution_default`)
                self.p.seeds.append((self.declare(var), ("G", m.api_global + "." + orig if orig else m.api_global)))
                if orig in self.r.element_factories and var != orig:
                    self.factory_aliases[var] = (orig, self.f.fid)
        return True

    def _walk(self, root, h, parents, skip, parent=None) -> None:
        """Pre-order over the named nodes with a tree cursor (no child lists are built), each handler of
        `h` run when its node is left. The same visits, in the same order, and the same step count as an
        explicit stack of (node, exit) pairs: a step per named node reached (leaves, strings and library code
        are reached but not entered) and one per handler run, so a budget cut falls on the same node."""
        budget = self.budget
        kinds = self.p.kind
        lib = self.skip
        funcs = FUNC_TYPES
        steps = 0
        cur = root.walk()
        goto_first_child = cur.goto_first_child
        goto_next_sibling = cur.goto_next_sibling
        goto_parent = cur.goto_parent
        path: list = []  # (node, its handler or None, ids of its children that are library code or None)
        node = root
        while True:
            # `node`: a named node reached (the cursor is on it), not yet visited
            steps += 1
            if budget is not None and not steps & 0x3FF:
                budget.spend(0x400, len(kinds))
            t = node.type
            entered = False
            if t in skip:
                pass  # identifiers and literals are read by their parent (`ev`), nothing to walk
            elif t == "string":
                self.x_string(node)
            else:
                if t in funcs:
                    self._enter_function(node, parent)
                elif t == "arguments":
                    parents[node.id] = parent
                ex = h.get(t)
                libs = None
                if lib:
                    libs = {c.id for c in node.named_children if c.start_byte in lib and self._library_code(c)}
                if t == "if_statement":
                    # `if (false)` / `if (FLAG)` with FLAG a constant false: its branch never runs; in a
                    # helper's copy, `if (field === 'qty')` with `field` the copy's 'email': neither
                    dead = self._dead_branch(node)
                    if dead is not None:
                        libs = (libs or set()) | {dead.id}
                elif t in COPY_PRUNED and (self.subst or self.flags):
                    dead_in_copy = self._dead_in_copy(node)
                    if dead_in_copy:
                        libs = (libs or set()) | dead_in_copy
                if goto_first_child():
                    path.append((node, ex, libs))
                    entered = True
                elif ex is not None:
                    steps += 1
                    if budget is not None and not steps & 0x3FF:
                        budget.spend(0x400, len(kinds))
                    ex(node)
            # the next named node: the first child, else the next sibling of this node or of an ancestor
            # (each ancestor left on the way runs its handler)
            while True:
                if not entered:
                    while not goto_next_sibling():
                        if not path:
                            if budget is not None:
                                budget.spend(steps & 0x3FF, len(kinds))
                            return
                        goto_parent()
                        pn, ex, _ = path.pop()
                        if ex is not None:
                            steps += 1
                            if budget is not None and not steps & 0x3FF:
                                budget.spend(0x400, len(kinds))
                            ex(pn)
                entered = False
                node = cur.node
                if not node.is_named:
                    continue
                top = path[-1]
                if top[2] and node.id in top[2]:
                    continue
                parent = top[0]
                break

    # ------------------------------------------------------------------------------------------- values
    def ev(self, n) -> tuple:
        if n is None:
            return ()
        t = n.type
        if t == "identifier":
            name = _text(n)
            if name in CONST_IDENTS:
                return ()
            if name == "arguments":
                return (self.f.args,)
            return (self.ref(name, None, n.start_byte),)
        if t == "this":
            return (self.f.this,)
        return self.vals.pop(n.id, ())

    def set(self, n, vals) -> None:
        if vals:
            if len(vals) > _MAX_VALS:
                m = self.p.node("merge", "", self.uid, n.start_byte, self.f.fid)
                self.p.edges_from(set(vals), m)
                vals = (m,)
            self.vals[n.id] = vals

    def ref(self, name: str, fid: int | None = None, pos: int = -1) -> int:
        if fid is None and pos >= 0 and name in self.block_names:
            name = self._block_name(name, pos)
        fid = self.f.fid if fid is None else fid
        key = (fid, name)
        n = self.ref_cache.get(key)
        if n is None:
            n = self.p.node("var", name.partition("\x00")[0], self.uid, pos, fid)  # (a block's `e\x00<start>`: `e`)
            self.ref_cache[key] = n
            self.refs.append((n, fid, name))
        return n

    def _block_name(self, name: str, pos: int) -> str:
        """The name a reference at `pos` in the current function reads: a `let`/`const` of a block around it
        (in this function or an enclosing one, unless a function in between declares the name itself)."""
        by_fid = self.block_names[name]
        f = self.f
        while f is not None:
            fid = f.fid
            best = None
            for start, end, kept in by_fid.get(fid, ()):
                if start <= pos < end and (best is None or start > best[0]):
                    best = (start, kept)
            if best is not None:
                return best[1]
            if name in self.decls.get(fid, ()):
                return name
            f = self.p.funcs[f.parent] if f.parent is not None else None
        return name

    @staticmethod
    def _lexical_block(declarator):
        """The block a `let`/`const` declarator's variables belong to, when it is a block nested in a function
        (not the function's body, nor the file's top level: those are the function's scope), else None."""
        decl = declarator.parent
        block = decl.parent if decl is not None and decl.type == "lexical_declaration" else None
        if block is None or block.type != "statement_block" or block.parent is None \
                or block.parent.type in FUNC_TYPES or block.parent.type in ("class_static_block", "method_definition"):
            return None
        return block

    def _declare_in(self, name: str, pos: int, block) -> int:
        if block is None:
            return self.declare(name, None, pos)
        kept = f"{name}\x00{block.start_byte}"
        self.block_names.setdefault(name, {}).setdefault(self.f.fid, []).append((block.start_byte, block.end_byte, kept))
        return self.declare(kept, None, pos)

    def declare(self, name: str, fid: int | None = None, pos: int = -1) -> int:
        fid = self.f.fid if fid is None else fid
        self.decls.setdefault(fid, set()).add(name)
        n = self.ref(name, fid, pos)
        if pos >= 0 and self.p.pos[n] < 0:
            self.p.pos[n] = pos
        return n

    def _branch_constants(self, value) -> list:
        """The constant strings a conditional's branches give (`a ? 'change' : 'input'`, nested too): each
        is one of the values the variable it is assigned to holds."""
        out = []
        todo = [value]
        while todo and len(out) < 16:
            n = _unparen(todo.pop())
            if n is None:
                continue
            if n.type == "ternary_expression":
                todo.extend((n.child_by_field_name("alternative"), n.child_by_field_name("consequence")))
            elif n is not value and n.type == "string":
                out.append([_string_value(n)])
        return out

    def tmpl_of(self, n) -> list | None:
        if n is None:
            return None
        t = n.type
        if t == "identifier":
            return [("ref", self.ref(_text(n), None, n.start_byte))]
        if t == "string":
            return [_string_value(n)]
        return self.tmpl.pop(n.id, None)

    # ------------------------------------------------------------------------------------------- functions
    def _new_func(self, node, name: str, parent: int | None, top: bool = False, arrow: bool = False) -> Func:
        p = self.p
        fid = len(p.funcs)
        f = Func(fid=fid, uid=self.uid, name=name, start=node.start_byte, end=node.end_byte, parent=parent,
                 top=top, is_arrow=arrow)
        p.funcs.append(f)
        if arrow and self.f is not None:
            f.this = self.f.this
            f.args = self.f.args
        else:
            # the object `this` names lives on the heap: data written into it from a handler is read by
            # methods under the handler's triggers, not the constructor's
            f.this = p.node("this", "this", self.uid, node.start_byte, HEAP)
            f.args = p.node("arguments", "arguments", self.uid, node.start_byte, fid)
        f.ret = p.node("return", name, self.uid, node.start_byte, fid)
        self.decls[fid] = set()
        return f

    def _class_info(self, cls) -> tuple | None:
        """(key, extends a class of the scan's) of a class node: `this.input` stored and read in the methods
        of `class PostcodeLookup extends HTMLElement` is that class's own, not every class's `input`."""
        if cls is None:
            return None
        u = self.u
        heritage = next((c for c in cls.named_children if c.type == "class_heritage"), None)
        inherits = heritage is not None and not _BROWSER_BASE.match(_text(heritage))
        key = ("cp", u.rel, u.line_off, u.col_off, cls.start_byte)
        if key not in self.class_method_names:  # (all of them, a call may come before the method it calls)
            body = cls.child_by_field_name("body")
            names = (self._key_name(c.child_by_field_name("name")) for c in (body.named_children if body else ())
                     if c.type == "method_definition")
            self.class_method_names[key] = frozenset(n for n in names if n is not None and n != "constructor")
        return (key, inherits)

    def declared_method(self, node) -> bool:
        """`this.serialize()` in a class that declares `serialize()`: the class's own method (not jQuery's
        `.serialize()` of a form, whatever the source rules say of the name)."""
        fn = node.child_by_field_name("function")
        obj = fn.child_by_field_name("object") if fn is not None and fn.type == "member_expression" else None
        if obj is None or obj.type != "this":
            return False
        cls = self.this_class.get(self.f.fid)
        prop = fn.child_by_field_name("property")
        if cls is None or prop is None:
            return False
        name = _text(prop)
        if name in self.class_method_names.get(cls[0], ()):
            return True
        # a class that extends one of the scan's: `this.on('customer[zip]', 'blur', this.onZip)` is what
        # the base class declares (maybe in another file), not jQuery's `.on`; an element's own methods
        # (`this.addEventListener`, `this.querySelector` of a custom element's base) stay the DOM's
        return cls[1] and name not in _ELEMENT_OWN and name not in self.r.element_methods

    def _own_member(self, cls, prop: str, vals: tuple) -> None:
        """A field a class declares is its own property (`_class_prop`). A method is not (`class_method_names`):
        `this.onBlur()` in a base class calls what a subclass (maybe in another file) overrides it with."""
        self._class_store(self._class_info(cls)[0], prop, vals)

    def _class_prop(self, key: tuple, prop: str) -> int:
        return self.p.named_node(key + (prop,), "prop", prop)

    def _class_store(self, key: tuple, prop: str, vals: tuple) -> None:
        """`this.x = v` in a method of class `key` (or its field `x = v`, its parameter property `x`)."""
        self.p.edges_from(vals, self._class_prop(key, prop))
        self.class_stores.add((key, prop))

    def _settle_class_loads(self) -> None:
        """A class's `this.x` reads its own `this.x = …` stores only, when it makes them, `x` is none of its
        methods and it extends no class of the scan's (a subclass reads what its base stored; any other read,
        the field-based `.x`). `this.m` of a method `m` the class declares reads its own `m` and those of
        classes that extend one of the scan's (an override), not every class's `m` (two custom elements'
        `this.onChange.bind(this)` are each its own)."""
        p = self.p
        u = self.u
        plain: dict[str, int] = {}  # prop -> one node for what the file writes into `.prop` not through `this`
        for key, prop in sorted(self.class_stores):  # (`self.x = v`, `el.x = v`: read by the class's `this.x`)
            writes = self.prop_writes.get(prop)
            if not writes:
                continue
            pw = plain.get(prop)
            if pw is None:
                pw = plain[prop] = p.named_node(("pw", u.rel, u.line_off, u.col_off, prop), "prop", prop)
                for vals, base in writes:
                    (p.base_edges_from if base else p.edges_from)(vals, pw)
            p.edge(pw, self._class_prop(key, prop))
        self.prop_writes.clear()
        for ln, info, prop in self.class_loads:
            methods = self.class_method_names.get(info[0], ())
            if not info[1] and prop in methods:
                p.edge(self._class_prop(info[0], prop), ln)
                p.edge(p.named_node(("pm", prop), "prop", prop), ln)
            elif not info[1] and (info[0], prop) in self.class_stores:
                p.edge(self._class_prop(info[0], prop), ln)
            else:
                p.edge(p.prop_node(prop), ln)
        self.class_loads.clear()

    def _enter_function(self, node, parent) -> None:
        t = node.type
        name = self._function_name(node, parent)
        f = self._new_func(node, name, self.f.fid, arrow=(t == "arrow_function"))
        if t == "method_definition" and parent is not None and parent.type == "class_body":
            self.this_class[f.fid] = self._class_info(parent.parent)
        elif t == "arrow_function" and self.f.fid in self.this_class:
            self.this_class[f.fid] = self.this_class[self.f.fid]
        elif t == "arrow_function" and parent is not None and parent.type in _FIELD_DEFS:
            cb = parent.parent  # `private onFocusOut = (e) => { this.snap.email = … }`: `this` is the instance
            if cb is not None and cb.type == "class_body":
                self.this_class[f.fid] = self._class_info(cb.parent)
        self.fstack.append(self.f)
        self.f = f
        if node.end_byte - node.start_byte <= HELPER_MAX_BYTES:
            self._fn_parent[node.id] = parent
        fnode = self.p.node("function", name, self.uid, node.start_byte, f.fid)
        self.p.seeds.append((fnode, ("fn", f.fid)))
        self.fnode_fid[fnode] = f.fid
        self.p.fnode_fid[fnode] = f.fid
        f_value = fnode
        params = node.child_by_field_name("parameters")
        if params is None:
            single = node.child_by_field_name("parameter")
            plist = [single] if single is not None else []
        else:
            plist = [c for c in params.named_children if c.type != "comment"]
        for i, prm in enumerate(plist):
            if prm.type == "identifier":
                pn = self.declare(_text(prm), None, prm.start_byte)
            elif prm.type == "required_parameter" or prm.type == "optional_parameter":  # TypeScript
                pat = prm.child_by_field_name("pattern")
                if pat is not None and pat.type == "identifier":
                    pn = self.declare(_text(pat), None, pat.start_byte)
                    dv = prm.child_by_field_name("value")
                    if dv is not None and dv.type == "identifier":
                        self.p.edge(self.ref(_text(dv)), pn)
                    if any(ch.type in ("accessibility_modifier", "override_modifier") or ch.type == "readonly"
                           for ch in prm.children):
                        # `constructor(private readonly send: Fn)`: a parameter property, `this.send`
                        self.p.edge(pn, self.p.prop_node(_text(pat)))
                        cls = self.this_class.get(f.fid)
                        if cls is not None:
                            self._class_store(cls[0], _text(pat), (pn,))
                    if name == "constructor":
                        self._injected(prm, pn, f)
                else:
                    pn = self.p.node("param", str(i), self.uid, prm.start_byte, f.fid)
                    if pat is not None:
                        self.bind_pattern(pat, (pn,), declare=True)
            else:
                pn = self.p.node("param", str(i), self.uid, prm.start_byte, f.fid)
                self.bind_pattern(prm, (pn,), declare=True)
                if prm.type == "rest_pattern":
                    f.rest = i  # `...parts`: every argument from here on
            f.params.append(pn)
            self.param_nids.add(pn)
            self.p.edge(pn, f.args)
        self._fn_value[node.id] = f_value

    def _injected(self, prm, pn: int, f) -> None:
        """`constructor(private http: HttpClient, private leads: LeadCaptureService)`: dependency injection
        (Angular, NestJS-style) hands the constructor an instance of each parameter's type: the parameter
        holds what `new HttpClient()` / `new LeadCaptureService()` would give."""
        ta = prm.child_by_field_name("type")
        t = ta.named_children[0] if ta is not None and ta.named_child_count == 1 else None
        if t is None or t.type != "type_identifier":
            return
        p = self.p
        name = _text(t)
        c = Call(len(p.calls), self.uid, f.fid, prm.start_byte, prm.end_byte, (self.ref(name, f.fid),), None, [],
                 pn, True, None, name, [], [])
        p.calls.append(c)

    def _function_name(self, node, par) -> str:
        nm = node.child_by_field_name("name")
        if nm is not None:
            return _text(nm)
        if par is None:
            return "<anonymous>"
        pt = par.type
        if pt == "variable_declarator":
            n = par.child_by_field_name("name")
            return _text(n)[:60] if n is not None else "<anonymous>"
        if pt == "pair":
            k = par.child_by_field_name("key")
            return _text(k)[:60] if k is not None else "<anonymous>"
        if pt in ("assignment_expression", "field_definition", "public_field_definition"):
            k = par.child_by_field_name("left") or par.child_by_field_name("property")
            return _text(k)[-60:] if k is not None else "<anonymous>"
        if pt == "arguments":
            call = self.parents.get(par.id)
            if call is not None and call.type == "call_expression":
                fn = call.child_by_field_name("function")
                # the method name only (`on`, `addEventListener`): the receiver's spelling changes when a
                # bundle is rebuilt, and this name goes into finding fingerprints
                callee = _text(fn).rsplit(".", 1)[-1][-40:] if fn is not None else "?"
                first = par.named_children[0] if par.named_child_count else None
                arg = _string_value(first)[:30] if first is not None and first.type == "string" else ""
                return f"{callee}({arg})" if arg else f"{callee}(…)"
        return "<anonymous>"

    def x_function_exit(self, node) -> None:
        f = self.f
        self._string_table_lookup(node, f)
        if node.type == "arrow_function":
            body = node.child_by_field_name("body")
            if body is not None and body.type != "statement_block":
                vals = self.ev(body)
                self.p.edges_from(vals, f.ret)
                if any(v in self.fnode_fid or v in self.fn_vars for v in vals):
                    self.returns_fn.add(f.fid)
        self.f = self.fstack.pop()
        fnode = self._fn_value.pop(node.id)
        self._note_helper(node, f, self._fn_parent.pop(node.id, None))
        sm = self.r.spread_markers
        if sm and node.end_byte - node.start_byte <= _SPREAD_HELPER_MAX:
            data = self.u.data
            if all(data.find(m, node.start_byte, node.end_byte) >= 0 for m in sm):
                self.p.spread_helpers.add(f.fid)  # Babel's `_objectSpread2` (rules: compiled_runtime)
        if node.type in ("function_declaration", "generator_function_declaration") and not (
                self.copying and node.start_byte == self._copy_root):
            nm = node.child_by_field_name("name")
            if nm is not None:
                var = self.declare(_text(nm))
                self.p.edge(fnode, var)
                self.ctor_of[var] = fnode
                if is_export_helper(node):
                    self.export_helpers.add(_text(nm))
        else:
            if node.type in ("function_expression", "function", "generator_function"):
                nm = node.child_by_field_name("name")
                if nm is not None:  # a named function expression can call itself by its name
                    self.p.edge(fnode, self.declare(_text(nm), f.fid))
            self.vals[node.id] = (fnode,)

    def x_parameters(self, node) -> None:
        """Default values of parameters (`constructor(key, storage = window.localStorage)`,
        `({ base = location.origin } = {})`): the parameters were declared when the function was entered,
        before its defaults were evaluated (a post-order walk), so what a default evaluates to is bound here,
        as what the parameter holds when the caller passes nothing. (A name default was bound on entry.)"""
        todo = [c for c in node.named_children if c.type != "comment"]
        while todo:
            prm = todo.pop()
            t = prm.type
            if t in ("required_parameter", "optional_parameter"):  # TypeScript: `storage: Storage = …`
                pat, dv = prm.child_by_field_name("pattern"), prm.child_by_field_name("value")
                if pat is not None and dv is not None and dv.type != "identifier":
                    self.bind_pattern(pat, self.ev(dv), declare=False)
                elif pat is not None and pat.type in ("object_pattern", "array_pattern"):
                    todo.append(pat)
            elif t in ("assignment_pattern", "object_assignment_pattern"):
                left, right = prm.child_by_field_name("left"), prm.child_by_field_name("right")
                if left is not None and right is not None and right.type != "identifier":
                    self.bind_pattern(left, self.ev(right), declare=False)
                elif left is not None:
                    todo.append(left)
            elif t in ("object_pattern", "array_pattern"):
                for c in prm.named_children:
                    if c.type == "pair_pattern":
                        c = c.child_by_field_name("value")
                    if c is not None and c.type in ("assignment_pattern", "object_assignment_pattern",
                                                    "object_pattern", "array_pattern"):
                        todo.append(c)

    def x_return(self, node) -> None:
        for c in node.named_children:
            t = self.tmpl_of(c) if c.type in ("string", "template_string", "binary_expression") else None
            if t is not None and all(isinstance(x, str) for x in t):
                self.p.consts.setdefault(self.f.ret, []).append(t)
            vals = self.ev(c)
            self.p.edges_from(vals, self.f.ret)
            if any(v in self.fnode_fid or v in self.fn_vars for v in vals):
                self.returns_fn.add(self.f.fid)

    # ------------------------------------------------------------------------------------------- patterns
    def bind_pattern(self, pat, src: tuple, declare: bool, block=None) -> None:
        """`block`: the block a `let`/`const` pattern declares its names in (see `_lexical_block`)."""
        stack = [(pat, src)]
        p = self.p
        while stack:
            pt, vals = stack.pop()
            t = pt.type
            if t == "identifier" or t == "shorthand_property_identifier_pattern":
                name = _text(pt)
                target = (self._declare_in(name, pt.start_byte, block) if block is not None else self.declare(name)) \
                    if declare else self.ref(name, None, pt.start_byte)
                p.edges_from(vals, target)
            elif t == "object_pattern":
                for c in pt.named_children:
                    ct = c.type
                    if ct == "shorthand_property_identifier_pattern":
                        stack.append((c, self.make_load(vals, _text(c), c, "")))
                    elif ct == "pair_pattern":
                        k = c.child_by_field_name("key")
                        v = c.child_by_field_name("value")
                        key = self._key_name(k)
                        stack.append((v, self.make_load(vals, key, c, "")))
                    elif ct == "object_assignment_pattern":
                        left = c.child_by_field_name("left")
                        right = c.child_by_field_name("right")
                        lv = self.make_load(vals, _text(left), c, "") if left.type.startswith("shorthand") else vals
                        stack.append((left, lv + self.ev(right)))
                    elif ct == "rest_pattern":
                        for cc in c.named_children:
                            stack.append((cc, vals))
            elif t == "array_pattern":
                i = 0  # the element's index: commas counted (`[, phone]` skips one)
                for c in pt.children:
                    if c.type == ",":
                        i += 1
                    elif not c.is_named or c.type == "comment":
                        continue
                    else:
                        if c.type == "identifier" and declare:
                            name = _text(c)
                            target = self._declare_in(name, c.start_byte, block) if block is not None \
                                else self.declare(name)
                            p.pattern_elems[target] = i
                        stack.append((c, vals))
            elif t == "assignment_pattern":
                left = pt.child_by_field_name("left")
                right = pt.child_by_field_name("right")
                stack.append((left, vals + self.ev(right)))
            elif t == "rest_pattern":
                for cc in pt.named_children:
                    stack.append((cc, vals))
            elif t == "member_expression":
                self._store_member(pt, vals, None, pt)

    def _key_name(self, k) -> str | None:
        if k is None:
            return None
        t = k.type
        if t in ("property_identifier", "identifier", "shorthand_property_identifier", "private_property_identifier"):
            return _text(k)
        if t == "string":
            return _string_value(k)
        if t == "number":
            return _text(k)
        return None

    def write_into(self, vals: tuple, targets: tuple, objects: bool = True, depth_limit: int = 3) -> None:
        """Data put into a container (`q.push(x)`, `params.append(k, x)`): a container read as a property
        (`RUM.q`) is written through to that property."""
        p = self.p
        todo = list(targets)
        depth = 0
        while todo and depth < depth_limit:
            nxt = []
            for t in todo:
                if p.label[t] in _GLOBAL_OBJECTS and p.kind[t] in ("var", "global"):
                    continue  # `window._learnq.push(x)`: the page's global object is no message sent whole
                if depth == 0 and objects:
                    p.edges_from(vals, t)  # callbacks and elements kept in an array stay callable/findable
                    if p.kind[t] == "load" and p.label[t] == "[]":
                        p.keyed_pushes.setdefault(t, []).append(tuple(vals))  # `handlers[t].push(h)`
                else:
                    p.base_edges_from(vals, t)
                self._into_param(vals, t)
                if p.kind[t] == "load":
                    lab = p.label[t]
                    if lab != "[]" and lab not in self.r.source_props:
                        p.base_edges_from(vals, p.prop_node(lab))
                        cls = self.class_load_of.get(t)
                        if cls is not None:  # `this.buffer[k] = v` in a class: its own `buffer`
                            p.base_edges_from(vals, self._class_prop(cls[0], lab))
                        else:
                            self.prop_writes.setdefault(lab, []).append((vals, True))
                    nxt.extend(p.load_base.get(t, ()))  # `url.searchParams.set(k, v)` taints `url`
            todo = nxt
            depth += 1

    def _into_param(self, vals: tuple, t: int) -> None:
        """What a function writes into an object it was given reaches the caller's object too
        (`md5cycle(state, block)` fills `state`)."""
        if t in self.param_nids:
            pc = self.p.param_contents.get(t)
            if pc is None:
                pc = self.p.node("var", "contents of " + self.p.label[t], self.uid, -1, self.p.fid[t])
                self.p.param_contents[t] = pc
            self.p.base_edges_from(vals, pc)

    # ------------------------------------------------------------------------------------------- loads
    def make_load(self, base: tuple, prop: str | None, node, text: str, this_class: tuple | None = None) -> tuple:
        r = self.r
        if prop is not None and prop in r.sanitizing_properties:
            return ()
        p = self.p
        fid = self.f.fid
        ln = p.node("load", prop or "[]", self.uid, node.start_byte, fid)
        # `this.value('customer[zip]')` in a class that declares or inherits `value()`: its method, no field
        # read (the parent is asked only of a source property's read: loads are the hot path)
        own = prop is not None and prop in r.source_props and node.parent is not None \
            and node.parent.type == "call_expression" and self.declared_method(node.parent)
        if prop is not None and (own or prop not in r.source_props) and not any(
                p.kind[b] == "load" and p.label[b] in DOM_OWNED for b in base):
            # field-based: every `x.prop` reads what any `y.prop = …` stored. Not for `.value` & co.: those
            # are reads of fields, and one `{value: card}` literal must not feed every `.value` in the program
            if this_class is not None:
                self.class_loads.append((ln, this_class, prop))  # `this.x` in a class: `_settle_class_loads`
                self.class_load_of[ln] = this_class
            else:
                p.edge(p.prop_node(prop), ln)
        p.base_edges_from(base, ln)
        p.loads.append(Load(ln, base, prop))
        p.load_base[ln] = base
        if prop is not None and prop in r.source_props and not own:
            p.edge(p.new_source(prop, self.uid, fid, node.start_byte, node.end_byte, base, prop, False, text,
                                field_guard(node)), ln)
        return (ln,)

    def x_member(self, node) -> None:
        obj = node.child_by_field_name("object")
        prop = node.child_by_field_name("property")
        base = self.ev(obj)
        self.recv[node.id] = base
        name = _text(prop) if prop is not None else None
        text = _text(obj)[-80:] if obj is not None and obj.end_byte - obj.start_byte < 400 else ""
        if name == "done":
            self._iterator_step(obj)
        cls = self.this_class.get(self.f.fid) if obj is not None and obj.type == "this" else None
        vals = self.make_load(base, name, node, text, cls)
        if vals:
            self.tmpl[node.id] = [("ref", vals[0])]
        self.set(node, vals)

    def _iterator_step(self, obj) -> None:
        """`r.done` / `!(P = it()).done`: what `r` / `P` holds is an iterator step `{value, done}` (a
        transpiled `for…of`: Babel's loose helper returns steps from a plain function call, not `.next()`), so
        its `.value` is no field read. No element has a `done` property."""
        obj = _unparen(obj)
        if obj is not None and obj.type in ("assignment_expression", "augmented_assignment_expression"):
            obj = obj.child_by_field_name("left")
        if obj is None or obj.type != "identifier":
            return
        v = self.ref(_text(obj))
        self.p.seeds.append((v, ("IT", v)))

    def _key_part(self, idx):
        """A computed key that may be a constant: `o[k]` or `o[k[0]]` (obfuscated code keeps its
        property names in variables and string arrays)."""
        idx = _unparen(idx)  # `w[(_0x2747(0x1a4))]`
        if idx.type == "identifier":
            return ("ref", self.ref(_text(idx)))
        if idx.type == "call_expression":
            t = self.tmpl.get(idx.id)
            if t and len(t) == 1 and isinstance(t[0], tuple) and t[0][0] in ("lookup", "atob"):
                return t[0]
        if idx.type in ("binary_expression", "template_string"):
            t = self.tmpl.get(idx.id)  # `h['keyup ' + this.options.zipSelector]`: a key folded once known
            if t and any(isinstance(x, tuple) for x in t) and not any(isinstance(x, tuple) and x[0] == "any"
                                                                     for x in t):
                return ("tmpl", tuple(t))
            return None
        if idx.type == "subscript_expression":
            o = idx.child_by_field_name("object")
            i = idx.child_by_field_name("index")
            if o is not None and i is not None and o.type == "identifier" and i.type == "number":
                try:
                    return ("idx", self.ref(_text(o)), int(_text(i), 0))
                except ValueError:
                    return None
        if idx.type == "member_expression" and idx.child_by_field_name("object") is not None \
                and idx.child_by_field_name("object").type == "identifier":
            vals = self.vals.get(idx.id) or self.ev(idx)  # `[Field.Email]`: a constant of an enum-like object
            if len(vals) == 1:
                return ("ref", vals[0])
        return None

    def _folded_name(self, idx) -> str | None:
        """A computed property name folded from constants (`p['sr' + 'c']`, `w[String.fromCharCode(…)]`,
        `_w['at' + 'ob']`), from the template its expression left; None when it is not all constants."""
        if idx is None or idx.type not in _FOLDED_KEY_TYPES:
            return None
        lit = self.tmpl.get(idx.id)
        return "".join(lit) if lit and all(isinstance(x, str) for x in lit) else None

    def x_subscript(self, node) -> None:
        obj = node.child_by_field_name("object")
        idx = node.child_by_field_name("index")
        base = self.ev(obj)
        self.recv[node.id] = base
        name = None
        part = None
        if idx is not None:
            folded = self._folded_name(idx)
            if idx.type == "string":
                name = _string_value(idx)
            elif self.subst and self._subst_key(idx) is not None:
                name = self._subst_key(idx)  # `form[key]` in a helper's copy
                self.ev(idx)
            elif folded is not None:
                name = folded  # window[String.fromCharCode(102, 101, 116, 99, 104)]
                self.ev(idx)
            else:
                part = self._key_part(idx)
                self.ev(idx)
                if idx.type == "number" and obj is not None and obj.type == "identifier":
                    try:  # `k[1]`: element 1 of whatever array `k` holds (a constant, maybe)
                        self.tmpl[node.id] = [("idx", self.ref(_text(obj)), int(_text(idx), 0))]
                    except ValueError:
                        pass
                elif obj is not None and obj.type == "identifier":
                    # `L[i]`, `t[k]` in a loop: any element of the constant array or object `L`
                    self.tmpl[node.id] = [("elems", self.ref(_text(obj)))]
        text = _text(obj)[-80:] if obj is not None and obj.end_byte - obj.start_byte < 400 else ""
        vals = self.make_load(base, name, node, text)
        if part is not None and vals:
            self.p.deferred_keys.append((self.p.loads[-1], part, self.uid, self.f.fid, node.start_byte,
                                         node.end_byte, text))
        self.set(node, vals)

    # ------------------------------------------------------------------------------------------- stores
    def _store_member(self, left, vals: tuple, tmpl, node) -> None:
        p = self.p
        base = self.recv.pop(left.id, None)
        if base is None:
            base = ()
        if left.type == "member_expression":
            pn = left.child_by_field_name("property")
            prop = _text(pn) if pn is not None else None
        else:
            idx = left.child_by_field_name("index")
            prop = _string_value(idx) if idx is not None and idx.type == "string" else self._subst_key(idx)
            if prop is None:
                prop = self._folded_name(idx)  # `p['sr' + 'c'] = url`
            if prop is None and idx is not None:
                part = self._key_part(idx)
                # a store under a key no constant names yet: kept under "some key" of the object it is stored
                # into (`handlers[topic] = h`, read back by `handlers[t]`: Solver `_keyed`) until, if ever, the
                # key folds (`i[k[3]] = url`: which property is decided once constants are known)
                st = Store(self.uid, self.f.fid, node.start_byte, node.end_byte, base, "", vals, tmpl)
                p.stores.append(st)
                if part is None:
                    p.open_bases.extend(base)  # `ctx[key] = v`: this object gets keys nobody can name
                else:
                    p.deferred_keys.append((st, part, self.uid, self.f.fid, node.start_byte, node.end_byte, ""))
        obj = left.child_by_field_name("object")
        objtext = _text(obj) if obj is not None and obj.end_byte - obj.start_byte < 200 else ""
        cls = self.this_class.get(self.f.fid) if obj is not None and obj.type == "this" and prop is not None \
            and prop not in self.r.source_props else None
        if prop is not None and prop not in self.r.source_props:
            p.edges_from(vals, p.prop_node(prop))
            if cls is not None:
                self._class_store(cls[0], prop, vals)
            else:
                self.prop_writes.setdefault(prop, []).append((vals, False))
        # the object written into holds the value (container taint), and so do the objects it was read
        # from: `o.data.v = x` then `JSON.stringify(o.data)` or `JSON.stringify(o)`. Not through `this`:
        # an instance (or a framework's merged `this`, `__fl_vm` in the template models' code) is no
        # message that is sent whole.
        root = objtext.split(".", 1)[0].split("[", 1)[0]
        whole = bool(objtext) and root not in _INSTANCE_ROOTS
        if not (objtext == "this" and cls is not None):  # a class's `this.x = v`: its own property (above),
            self.write_into(vals, base, objects=False, depth_limit=3 if whole else 1)  # not the whole instance
        if prop is not None and (prop == "prototype" or objtext.endswith(".prototype")):
            self._prototype_methods(objtext, prop, vals, node.child_by_field_name("right"))
        if prop is not None:
            # storage written as a property: localStorage.lead = v
            if objtext in self.r.storage_objects or objtext.split(".")[-1] in self.r.storage_objects:
                p.edges_from(vals, p.storage_node(prop))
            # `window.SEL = '#cc_number'`: a constant global
            if objtext in ("window", "self", "globalThis"):
                p.assigned_globals.add(prop)
                if tmpl is not None and all(isinstance(x, str) for x in tmpl):
                    p.consts.setdefault(p.global_node(prop, self.u.scope), []).append(tmpl)
            # CommonJS exports
            if objtext == "module.exports" or objtext == "exports":
                p.edges_from(vals, p.export_node(self.u.rel, prop))
            elif objtext == "module" and prop == "exports":
                p.edges_from(vals, p.export_node(self.u.rel, "*module"))
            # on<event> = handler
            pre = self.r.property_prefix
            if prop.startswith(pre) and prop[len(pre):] in self.r.known_events:
                tn = p.node("target", prop, self.uid, node.start_byte, self.f.fid)
                p.edges_from(base, tn)
                p.regs.append(Registration(len(p.regs), self.uid, self.f.fid, node.start_byte, node.end_byte,
                                           [prop[len(pre):]], tn, vals, prop))
            pn = left.child_by_field_name("property") or left.child_by_field_name("index")
            p.stores.append(Store(self.uid, self.f.fid, node.start_byte, node.end_byte, base, prop, vals, tmpl,
                                  prop_start=pn.start_byte if pn is not None else -1, whole=whole))

    def _prototype_methods(self, objtext: str, prop: str, vals: tuple, right) -> None:
        """`C.prototype.init = function () {…}`, `C.prototype = {init: function () {…}}` of a constructor
        function `C` declared before: the functions are C's methods (`class_methods`, keyed by C's function
        node), so `this` in them is only what `new C(…)` makes, not an instance of another constructor
        whose prototype has an `init` too (link/passes.py `_bind_this`)."""
        name = objtext[:-len(".prototype")] if prop != "prototype" else objtext
        if not name or not (name[0].isalpha() or name[0] in "_$") or not all(ch.isalnum() or ch in "_$" for ch in name):
            return
        p = self.p
        fnode = self.ctor_of.get(self.ref(name))
        if fnode is None:
            return
        if prop == "prototype":  # a literal of methods: its members' values, by their keys
            if right is None or right.type != "object":
                return
            keys = [self._key_name(c.child_by_field_name("key" if c.type == "pair" else "name"))
                    for c in right.named_children if c.type in ("pair", "method_definition")]
            fvals = [v for o in vals if p.kind[o] == "object" for k in keys if k is not None
                     for v in p.literal_props.get((o, k), ())]
        else:
            fvals = list(vals)
        fids = [self.fnode_fid[v] for v in fvals if v in self.fnode_fid]
        if not fids:
            return
        known = p.class_methods.setdefault(fnode, [])
        for fid in [self.fnode_fid[fnode]] + fids:
            if fid not in known:
                known.append(fid)

    def x_assign(self, node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        vals = self.ev(right)
        tmpl = self.tmpl_of(right)
        lt = left.type
        p = self.p
        if lt == "identifier":
            name = _text(left)
            target = self.ref(name, None, left.start_byte)
            p.edges_from(vals, target)
            self.assigned_refs.add(target)
            if tmpl is not None:
                p.consts.setdefault(target, []).append(tmpl)
            if name in self.r.global_assign_sinks:
                st = Store(self.uid, self.f.fid, node.start_byte, node.end_byte, (), name, vals, tmpl,
                           global_ident=target)
                self.global_assigns.append((target, self.f.fid, st))
        elif lt in ("member_expression", "subscript_expression"):
            self._store_member(left, vals, tmpl, node)
        elif lt in ("object_pattern", "array_pattern"):
            self.bind_pattern(left, vals, declare=False)
        if node.type == "assignment_expression":
            self.set(node, vals)
        else:
            self.set(node, vals + self.ev(left) if lt == "identifier" else vals)

    def _dead_branch(self, node):
        """The branch of an `if` that never runs (its node), or None."""
        cond = node.child_by_field_name("condition")
        cond = _unparen(cond)
        if cond is None:
            return None
        if self.subst or self.flags:
            known = subst_test(cond, self.subst, self.flags)
            if known is not None:
                return node.child_by_field_name("alternative" if known else "consequence")
        if cond.type == "false":
            return node.child_by_field_name("consequence")
        if cond.type != "identifier" or not self.false_flags:
            return None
        name = _text(cond)
        if name not in self.false_flags:
            return None
        ok = self.false_flags[name]
        if ok is None:  # constant only when nothing else in the unit assigns it
            ok = len(re.findall(rb"\b" + re.escape(name.encode()) + rb"\s*(?:[-+*/|&]?=(?!=)|\+\+|--)",
                                self.u.data)) == 1
            self.false_flags[name] = ok
        return node.child_by_field_name("consequence") if ok else None

    def x_declarator(self, node) -> None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is not None and value is not None and name.type == "identifier" and value.type == "false" \
                and _FLAG_NAME.match(_text(name)):
            self.false_flags.setdefault(_text(name), None)
        vals = self.ev(value)
        tmpl = self.tmpl_of(value)
        if name is None:
            return
        block = self._lexical_block(node)
        if name.type == "identifier":
            target = self._declare_in(_text(name), name.start_byte, block)
            self.p.edges_from(vals, target)
            if any(v in self.fnode_fid for v in vals):
                self.fn_vars.add(target)
                if len(vals) == 1:
                    self.ctor_of[target] = vals[0]  # `var Box = function (form) {…}`
            if tmpl is not None:
                self.p.consts.setdefault(target, []).append(tmpl)
            for t in self._branch_constants(value):  # `const evt = isSelect ? 'change' : 'input'`
                self.p.consts.setdefault(target, []).append(t)
        else:
            self.bind_pattern(name, vals, declare=True, block=block)

    def x_for_in(self, node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        vals = self.ev(right)
        if left is None:
            return
        if left.type == "identifier":
            self.p.edges_from(vals, self.declare(_text(left)))
        elif left.type in ("object_pattern", "array_pattern"):
            self.bind_pattern(left, vals, declare=True)
            self._entry_pair(left, right)
        else:  # `for (const x of y)` — the declarator is inside a lexical_declaration in some grammars
            for c in left.named_children:
                if c.type == "identifier":
                    self.p.edges_from(vals, self.declare(_text(c)))

    def _entry_pair(self, pat, right) -> None:
        """`for (const [tag, ctor] of Object.entries(registry))`: tag and ctor go together (Program.entry_pairs)."""
        names = [c for c in pat.named_children]
        if pat.type != "array_pattern" or len(names) != 2 or any(c.type != "identifier" for c in names) \
                or right is None or right.type != "call_expression":
            return
        fn = right.child_by_field_name("function")
        args = right.child_by_field_name("arguments")
        if fn is None or _text(fn) != "Object.entries" or args is None or args.named_child_count != 1:
            return
        arg = args.named_children[0]
        obj = self.ev(arg) if arg.type == "identifier" else self.vals.get(arg.id)  # (a literal: evaluated)
        if obj:
            self.p.entry_pairs.append((self.ref(_text(names[0])), self.ref(_text(names[1])), tuple(obj)))

    def x_catch(self, node) -> None:
        prm = node.child_by_field_name("parameter")
        if prm is not None and prm.type == "identifier":
            self.declare(_text(prm))

    # ------------------------------------------------------------------------------------------- literals
    def x_object(self, node) -> None:
        p = self.p
        o = p.node("object", "{}", self.uid, node.start_byte, self.f.fid)
        p.seeds.append((o, ("O", o)))
        strs: list = []
        iife_value = None
        for c in node.named_children:
            ct = c.type
            if ct == "pair":
                k = c.child_by_field_name("key")
                v = c.child_by_field_name("value")
                key = self._key_name(k)
                if k is not None and k.type == "computed_property_name":
                    key = self._subst_key(k)  # `[key]: v` in a helper's copy for `bind('email')`
                    for kc in k.named_children:
                        self.ev(kc)
                vals = self.ev(v)
                if key is None and k is not None and k.type == "computed_property_name":
                    self._computed_member(k, o, vals, c)  # `{[_0x1f(0x2a)]: v}`: folded later
                if key in ("get", "set") and len(vals) == 1 and vals[0] in self.fnode_fid:
                    self.descriptors.setdefault(node.id, []).append((key, self.fnode_fid[vals[0]]))
                if key is not None and v is not None and v.type in ("arrow_function", "function_expression",
                                                                    "function") and len(vals) == 1:
                    fid = self.fnode_fid.get(vals[0])
                    if fid is not None and not self.p.funcs[fid].params:
                        self.getters.setdefault(node.id, []).append((key, fid))
                if key == "value" and len(vals) == 1 and _is_iife(v):
                    iife_value = vals[0]  # `value: function () { …; return capture; }()`: Babel's async method
                if v is not None and v.type == "string" and key is not None:
                    p.consts.setdefault(p.literal_prop_node(key), []).append([_string_value(v)])
                    p.literal_strs[(o, key)] = _string_value(v)
                    strs.append(_string_value(v))
                elif v is not None and v.type in ("true", "false") and key is not None:
                    p.literal_strs[(o, key)] = v.type  # a constant too (`lazy: true`: libraries.toml lazy_props)
                if key in ("url", "href", "src", "action"):
                    t = self.tmpl_of(v)
                    if t is not None:
                        self.objurl[node.id] = t
                if key is not None:
                    p.literal_props[(o, key)] = vals
                if vals:
                    p.edges_from(vals, o)
                    if key is not None and key not in self.r.source_props:
                        p.edges_from(vals, p.literal_prop_node(key))
            elif ct == "shorthand_property_identifier":
                name = _text(c)
                r = self.ref(name, None, c.start_byte)
                p.literal_props[(o, name)] = (r,)
                p.edge(r, o)
                p.edge(r, p.literal_prop_node(name))
                if name in ("url", "href"):
                    self.objurl[node.id] = [("ref", r)]
            elif ct == "method_definition":
                k = c.child_by_field_name("name")
                vals = self.ev(c)
                key = self._key_name(k)
                self._accessor(c, key, vals)
                if key is None and k is not None and k.type == "computed_property_name":
                    self._computed_member(k, o, vals, c)  # `[Field.Email](value) {…}`: folded later
                if key in ("get", "set") and vals and vals[0] in self.fnode_fid:
                    self.descriptors.setdefault(node.id, []).append((key, self.fnode_fid[vals[0]]))
                if key is not None:
                    p.literal_props[(o, key)] = vals
                    p.edges_from(vals, p.literal_prop_node(key))
                p.edges_from(vals, o)
            elif ct == "spread_element":
                sv = self.ev(c)
                p.edges_from(sv, o)
                if sv:
                    self.obj_spreads.setdefault(node.id, []).append(sv)
        if strs:
            p.array_strs[o] = strs  # `$.each(map, (k, sel) => $(sel))`: the values are the candidates
        member = p.literal_strs.get((o, "key"))
        if member and member not in ("true", "false"):
            parts = [(kind, vals[0]) for kind in ("value", "get", "set")
                     for vals in (p.literal_props.get((o, kind)),)
                     if vals and (vals[0] in self.fnode_fid or (kind == "value" and vals[0] == iife_value))]
            if parts:
                self.member_descs[node.id] = (member, parts)
        if self.u.aliases and node.start_byte in self.u.aliases:
            # a component object nested in a bundle's IIFE: its template's binding code names it so
            alias = self.u.aliases[node.start_byte]
            p.edges_from((o,), p.global_node(alias, self.u.scope))
            p.declared_globals.add(alias)  # the scan's own: not seeded as a browser global
        self.vals[node.id] = (o,)

    def _compiled_members(self, node) -> None:
        """`[{key: "bind", value: function bind() {…}}, {key: "total", get: function () {…}}]`: the members of
        a class compiled to ES5 by Babel, handed to its `_createClass`/`_defineProperties` helpers (maybe
        inlined by a minifier: `(o = [{key: …}]) && e(t.prototype, o)`), known by this shape, never by the
        helpers' names. A method is stored under its property as a class's method is (`x.bind()` calls
        it); a getter or setter runs on reads of / stores into the property. An array of `{key, value}` whose
        values are not all functions is data (`[{key: 'email', value: v}]`), no class."""
        members = []
        for o in node.named_children:
            if o.type == "comment":
                continue
            d = self.member_descs.get(o.id) if o.type == "object" else None
            if d is None:
                return
            members.append(d)
        p = self.p
        for key, parts in members:
            for kind, fnode in parts:
                if kind == "value":
                    p.edge(fnode, p.prop_node(key))
                else:
                    p.accessors.setdefault((kind, key), []).append(self.fnode_fid[fnode])

    def _accessor(self, m, key, vals) -> None:
        """`set email(v) {…}` / `get mail() {…}`: assignments to / reads of that property call it."""
        if key is None or not vals:
            return
        kind = m.children[0].type if m.child_count else ""
        if kind in ("set", "get"):
            fid = self.fnode_fid.get(vals[0])
            if fid is not None:
                self.p.accessors.setdefault((kind, key), []).append(fid)

    def x_array(self, node) -> None:
        p = self.p
        if self.member_descs and node.named_child_count:
            self._compiled_members(node)
        a = p.node("array", "[]", self.uid, node.start_byte, self.f.fid)
        strs: list = []
        short = node.named_child_count <= 16  # `[4, 5, 6].forEach(i => sel(_s(i)))`: string-table indexes
        for i, c in enumerate(node.named_children):
            strs.append(_string_value(c) if c.type == "string" else _text(c) if short and c.type == "number" else None)
            if c.type == "call_expression":  # `[_0x1e37(0x1b5), …]`: an element looked up in a string table
                t = self.tmpl.get(c.id)
                if t and len(t) == 1 and isinstance(t[0], tuple) and t[0][0] == "lookup":
                    p.array_parts[(a, i)] = t[0]
            vals = self.ev(c)
            if vals:
                p.edges_from(vals, a)
        if any(x is not None for x in strs) or any((a, i) in p.array_parts for i in range(len(strs))):
            p.array_strs[a] = strs
        rot = self.bundle.rotations.get(self.bundle_uid) if self.bundle is not None else None
        if rot and node.start_byte in rot:
            p.rotations[a] = rot[node.start_byte]  # folded from the code that rotates it (analyzer/extract/fold.py)
        self.vals[node.id] = (a,)

    def x_string(self, node) -> None:
        self.tmpl[node.id] = [_string_value(node)]

    def x_template(self, node) -> None:
        parts: list = []
        vals: tuple = ()
        raw = node.text
        base = node.start_byte
        cursor = node.start_byte + 1
        for c in node.named_children:
            if c.type == "template_substitution":
                if c.start_byte > cursor:
                    parts.append(raw[cursor - base:c.start_byte - base].decode("utf-8", "replace"))
                inner = c.named_children[0] if c.named_child_count else None
                v = self.ev(c)
                vals = vals + v
                t = self.tmpl_of(inner) if inner is not None and inner.type in ("identifier", "string") else None
                parts.extend(t if t is not None else [("any",)])
                cursor = c.end_byte
        end = node.end_byte - 1
        if end > cursor:
            parts.append(raw[cursor - base:end - base].decode("utf-8", "replace"))
        self.tmpl[node.id] = parts
        self.set(node, vals)

    # ------------------------------------------------------------------------------------------- operators
    def x_binary(self, node) -> None:
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        lt = self.tmpl_of(left) if op is not None and op.type == "+" else None
        rt = self.tmpl_of(right) if op is not None and op.type == "+" else None
        lv = self.ev(left)
        rv = self.ev(right)
        if op is not None and op.type in COMPARE_OPS:
            return
        if op is not None and op.type == "+" and (lt is not None or rt is not None):
            lt = lt if lt is not None else [("any",)]
            if len(lt) >= _MAX_TMPL:  # `a + a + … + a`: the left template is already cut; copying it is quadratic
                self.tmpl[node.id] = lt if lt[-1] == ("any",) else lt + [("any",)]
            else:
                t = lt + (rt if rt is not None else [("any",)])
                self.tmpl[node.id] = t if len(t) <= _MAX_TMPL else t[:_MAX_TMPL] + [("any",)]
        self.set(node, lv + rv)

    def x_unary(self, node) -> None:
        op = node.child_by_field_name("operator")
        v = self.ev(node.child_by_field_name("argument"))
        if op is not None and op.type in FALSY_UNARY:
            return
        self.set(node, v)

    def x_ternary(self, node) -> None:
        cond = node.child_by_field_name("condition")
        self.ev(cond)
        c = node.child_by_field_name("consequence")
        a = node.child_by_field_name("alternative")
        if _always_truthy(cond):
            # `(o=(set,get)=>({…}))?e(o):e`: terser's inlined `createStore(init)` (zustand's `createState ?
            # createStoreImpl(createState) : createStoreImpl`): a function or an object is never falsy
            self.ev(a)
            self.tmpl[node.id] = self.tmpl_of(c) or [("any",)]
            self.set(node, self.ev(c))
            return
        ct, at = self.tmpl_of(c), self.tmpl_of(a)
        if ct is not None and at is not None:
            self.tmpl[node.id] = ct if ct == at else [("any",)]
        self.set(node, self.ev(c) + self.ev(a))

    def x_sequence(self, node) -> None:
        kids = node.named_children
        for c in kids[:-1]:
            self.ev(c)
        if kids:
            self.set(node, self.ev(kids[-1]))

    def x_pass(self, node) -> None:
        kids = node.named_children
        if kids:
            first = kids[0]
            t = self.tmpl_of(first) if first.type in ("identifier", "string", "template_string", "binary_expression",
                                                      "parenthesized_expression") else None
            if t is not None:
                self.tmpl[node.id] = t
            self.set(node, self.ev(first))

    # ------------------------------------------------------------------------------------------- scopes
    def _resolve_refs(self) -> None:
        p = self.p
        funcs = p.funcs
        decls = self.decls
        classic = self.u.kind == "script"
        top = self.u.top_fid
        memo: dict[tuple[int, str], int | None] = {}

        def scope_of(fid: int, name: str) -> int | None:
            """The function that declares `name` as seen from `fid` (memoised along the chain, so a
            50,000-deep nest of functions costs one walk per name, not one per reference)."""
            chain = []
            s = fid
            found = None
            while s is not None:
                hit = memo.get((s, name), -2)
                if hit != -2:
                    found = hit
                    break
                if name in decls.get(s, ()):
                    found = s
                    break
                chain.append(s)
                s = funcs[s].parent
            for c in chain:
                memo[(c, name)] = found
            return found

        for n, fid, name in self.refs:
            s = scope_of(fid, name)
            if s is None or (classic and s == top):
                if s is not None:
                    p.declared_globals.add(name)
                g = p.global_node(name, self.u.scope)
                p.edge(n, g)
                p.edge(g, n)
            elif s != fid:
                v = self.ref_cache[(s, name)]
                p.edge(n, v)
                p.edge(v, n)
                if n in self.assigned_refs:
                    p.closure_vars.add(v)  # (assigned by a nested function)
        # debounce-like factories: `function d(fn) { return function () { … fn.apply(this, a) … } }`
        for fid, name in self.param_calls:
            s = scope_of(fid, name)
            if s is None or s == fid or s not in self.returns_fn:
                continue
            f = funcs[s]
            for i, pn in enumerate(f.params):
                if p.label[pn] == name and p.kind[pn] == "var":
                    p.wrapper_factories.setdefault(s, i)
        # `location = …` is a sink only when `location` is the global one
        for target, fid, st in self.global_assigns:
            if scope_of(fid, st.prop) is None:
                p.stores.append(Store(st.uid, st.fid, st.start, st.end, ("<global>",), st.prop, st.value, st.tmpl,
                                      global_ident=target))


def _is_iife(n) -> bool:
    """`function () {…}()` / `(() => {…})()`: a function called where it is written."""
    if n is None or n.type != "call_expression":
        return False
    fn = _unparen(n.child_by_field_name("function"))
    return fn is not None and fn.type in FUNC_TYPES


def _always_truthy(n) -> bool:
    """A condition that is a function, an object or an array literal (or assigns one: `(o = () => …)`)."""
    for _ in range(8):
        if n is None:
            return False
        t = n.type
        if t == "parenthesized_expression" and n.named_child_count == 1:
            n = n.named_children[0]
        elif t == "assignment_expression":
            n = n.child_by_field_name("right")
        else:
            return t in FUNC_TYPES or t in ("object", "array")
    return False
