"""Constant folding of obfuscators' string tables, before fact extraction (read-only over the syntax tree).

Input: a unit's syntax tree. Output: a frozen `Folded` — for each string-array literal (by its start byte)
the number of left rotations (`arr.push(arr.shift())`) the code applies to it at load, and notes for what
could not be folded. The extractor records those rotations, and the string-table lookups (`_0x5533(0x1b6)`,
see extract_calls) then read the right element.

Shapes folded, by structure, never by executing anything:
- javascript-obfuscator's checksum loop: `(function (getArr, target) { var f = lookup, a = getArr();
  while (!![]) { try { var s = -parseInt(f(0x1a5)) / 1 * … ; if (s === target) break; else
  a.push(a.shift()); } catch (e) { a.push(a.shift()); } } })(getArr, 0x4ad20)` — the expression is
  evaluated for each rotation of the array until it equals the target (`parseInt` with JavaScript's rules);
- counted rotation loops: `for (var i = [...], c = 2, a = ++c; --a;) i.push(i.shift())` and `while (--n)`.
(The IIFE form `(function (t, n) { … while (--i) t.push(t.shift()) … })(arr, 2)` is read by extract_calls.)
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from analyzer.extract.util import FUNC_TYPES, _string_value, _text
from analyzer.program import OBF_B64_ALPHABET, obf_b64

_MAX_TABLE = 20000
_MAX_LEVEL = 120  # syntax nesting looked through
_MAX_FN_DEPTH = 5  # string tables and their rotation run at load: in the file's first functions  # strings in one table
_PARSE_INT = re.compile(r"\s*([+-]?\d+)")


@dataclass(frozen=True)
class Folded:
    rotations: tuple = ()  # ((array literal start byte, left rotations), …)
    notes: tuple = ()  # messages for what was recognised but could not be folded


def _num(n) -> float | None:
    try:
        t = _text(n).replace("_", "")
        return float(int(t, 0)) if t[:2].lower() in ("0x", "0o", "0b") else float(t)
    except ValueError:
        return None


def _parse_int(s: str) -> float:
    m = _PARSE_INT.match(s)
    return float(int(m.group(1))) if m else math.nan


def _strip(n):
    while n is not None and n.type == "parenthesized_expression" and n.named_child_count == 1:
        n = n.named_children[0]
    return n


class _Fold:
    def __init__(self, tree, data: bytes):
        self.root = tree.root_node
        self.data = data
        self.funcs: dict[str, object] = {}  # top-level function declarations by name
        self.rot: dict[int, int] = {}
        self.notes: list[str] = []

    def run(self) -> Folded:
        stack = [(self.root, 0, 0)]
        checks = []
        while stack:
            n, depth, level = stack.pop()
            if level > _MAX_LEVEL or n.end_byte - n.start_byte < 24:
                continue  # nothing this short holds a string table or its rotation
            t = n.type
            if t in FUNC_TYPES:
                depth += 1
                if depth > _MAX_FN_DEPTH:
                    continue
            if t == "function_declaration":
                nm = n.child_by_field_name("name")
                if nm is not None:
                    self.funcs[_text(nm)] = n
            elif t == "call_expression":
                fn = _strip(n.child_by_field_name("function"))
                end = min(n.end_byte, n.start_byte + 4000)  # (Node.text copies the whole node: not in a walk)
                if fn is not None and fn.type in ("function_expression", "function") \
                        and self.data.find(b"parseInt", n.start_byte, end) >= 0 \
                        and self.data.find(b"shift", n.start_byte, end) >= 0:
                    checks.append((n, fn))
            elif t == "for_statement":
                self._for_loop(n)
            stack.extend([(c, depth, level + 1) for c in n.named_children])
        for call, fn in checks:
            self._checksum(call, fn)
        return Folded(tuple(sorted(self.rot.items())), tuple(self.notes))

    # ------------------------------------------------------------------------------------------ checksum
    def _checksum(self, call, fn) -> None:
        args = call.child_by_field_name("arguments")
        if args is None or args.named_child_count != 2:
            return
        a0, a1 = args.named_children
        target = _num(a1) if a1.type == "number" else None
        if a0.type != "identifier" or target is None:
            return
        table_fn = self.funcs.get(_text(a0))
        arr = self._returned_array(table_fn) if table_fn is not None else None
        expr, lookup_name = self._checksum_expr(fn)
        lookup = self.funcs.get(lookup_name) if lookup_name else None
        off = self._offset(lookup) if lookup is not None else None
        if arr is None or expr is None or off is None:
            self.notes.append("obfuscator string table with a checksum loop not folded: its shape is not the known one")
            return
        node, strs = arr
        if self.data.find(OBF_B64_ALPHABET, lookup.start_byte, lookup.end_byte) >= 0:
            # a base64-encoded table (`stringArrayEncoding`): the checksum is of the decoded strings
            dec = obf_b64(strs)
            if len(dec) != len(strs):
                self.notes.append("obfuscator string table with a checksum loop not folded: not all its strings decode")
                return
            strs = dec
        n = len(strs)
        for r in range(n):
            rotated = strs[r:] + strs[:r]

            def get(i: float, rotated=rotated) -> str | None:
                j = int(i) - off
                return rotated[j] if 0 <= j < n else None

            v = self._eval(expr, get)
            if v is not None and v == target:
                self.rot[node.start_byte] = r
                return
        self.notes.append("obfuscator string table with a checksum loop not folded: no rotation gives its checksum")

    def _returned_array(self, fn):
        """`function t() { var a = ['…', …]; t = function () { return a; }; return t(); }` → (array node, strings)"""
        body = fn.child_by_field_name("body")
        for st in body.named_children if body is not None else ():
            if st.type in ("variable_declaration", "lexical_declaration"):
                for d in st.named_children:
                    v = d.child_by_field_name("value") if d.type == "variable_declarator" else None
                    if v is not None and v.type == "array" and 0 < v.named_child_count <= _MAX_TABLE \
                            and all(c.type == "string" for c in v.named_children):
                        return v, [_string_value(c) for c in v.named_children]
        return None

    def _checksum_expr(self, fn):
        """The `var s = …parseInt(f(0x1a5))…` expression of the loop and the lookup function's name."""
        body = fn.child_by_field_name("body")
        alias = {}
        expr = None
        stack = [body] if body is not None else []
        while stack:
            n = stack.pop()
            if n.type == "variable_declarator":
                nm, v = n.child_by_field_name("name"), n.child_by_field_name("value")
                if nm is not None and v is not None:
                    if v.type == "identifier":
                        alias[_text(nm)] = _text(v)
                    elif b"parseInt" in v.text:
                        expr = v
            if n.type not in FUNC_TYPES:
                stack.extend(n.named_children)
        if expr is None:
            return None, None
        names = {_text(c.child_by_field_name("function")) for c in _calls(expr)} - {"parseInt"}
        names = {alias.get(x, x) for x in names}
        return (expr, names.pop()) if len(names) == 1 else (None, None)

    @staticmethod
    def _offset(fn) -> int | None:
        """`function f(a, b) { a = a - 0x196; … }` → 0x196 (0 when there is no shift)."""
        body = fn.child_by_field_name("body")
        ps = fn.child_by_field_name("parameters")
        if body is None or ps is None or not ps.named_child_count:
            return None
        p0 = _text(ps.named_children[0])
        m = re.search(re.escape(p0).encode() + rb"\s*=\s*" + re.escape(p0).encode() + rb"\s*-\s*(0x[0-9a-fA-F]+|\d+)",
                      body.text[:400])
        if m is None:
            m2 = re.search(re.escape(p0).encode() + rb"\s*-=\s*(0x[0-9a-fA-F]+|\d+)", body.text[:400])
            return int(m2.group(1), 0) if m2 else 0
        return int(m.group(1), 0)

    def _eval(self, n, get) -> float | None:
        """Numbers, + - * / %, unary -, parentheses and parseInt(lookup(number)): JavaScript number rules."""
        stack = [(n, False)]
        out: list = []
        while stack:
            node, done = stack.pop()
            t = node.type
            if t == "parenthesized_expression":
                stack.append((node.named_children[0], False))
                continue
            if t == "number":
                v = _num(node)
                if v is None:
                    return None
                out.append(v)
                continue
            if t == "call_expression":
                fn = node.child_by_field_name("function")
                args = node.child_by_field_name("arguments")
                if fn is None or _text(fn) != "parseInt" or args is None or args.named_child_count < 1:
                    return None
                inner = args.named_children[0]
                ia = inner.child_by_field_name("arguments") if inner.type == "call_expression" else None
                if ia is None or ia.named_child_count < 1 or ia.named_children[0].type != "number":
                    return None
                s = get(_num(ia.named_children[0]))
                out.append(math.nan if s is None else _parse_int(s))
                continue
            if t == "unary_expression":
                op = node.child_by_field_name("operator")
                if not done:
                    stack.append((node, True))
                    stack.append((node.child_by_field_name("argument"), False))
                    continue
                v = out.pop()
                out.append(-v if op is not None and op.type == "-" else v)
                continue
            if t == "binary_expression":
                if not done:
                    stack.append((node, True))
                    stack.append((node.child_by_field_name("right"), False))
                    stack.append((node.child_by_field_name("left"), False))
                    continue
                b, a = out.pop(), out.pop()
                op = node.child_by_field_name("operator").type
                if op == "+":
                    out.append(a + b)
                elif op == "-":
                    out.append(a - b)
                elif op == "*":
                    out.append(a * b)
                elif op == "/":
                    out.append(a / b if b else (math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)))
                elif op == "%":
                    out.append(math.fmod(a, b) if b else math.nan)
                else:
                    return None
                continue
            return None
        return out[0] if len(out) == 1 else None

    # ------------------------------------------------------------------------------------------ loops
    def _for_loop(self, n) -> None:
        """`for (var i = [...], c = 2, a = ++c; --a;) i.push(i.shift())`"""
        body = n.child_by_field_name("body")
        cond = n.child_by_field_name("condition")
        init = n.child_by_field_name("initializer")
        if body is None or cond is None or init is None or body.end_byte - body.start_byte > 200 \
                or self.data.find(b"shift", body.start_byte, body.end_byte) < 0:
            return
        arr_name = _rotated_name(body)
        if arr_name is None:
            return
        env: dict[str, float] = {}
        arrays: dict[str, object] = {}
        for d in init.named_children:
            if d.type != "variable_declarator":
                continue
            nm, v = d.child_by_field_name("name"), d.child_by_field_name("value")
            if nm is None or v is None:
                continue
            if v.type == "array":
                arrays[_text(nm)] = v
            elif v.type == "number":
                env[_text(nm)] = _num(v)
            elif v.type == "update_expression":
                arg = v.child_by_field_name("argument")
                op = _text(v.child_by_field_name("operator"))
                if arg is not None and _text(arg) in env:
                    old = env[_text(arg)]
                    env[_text(arg)] = old + (1 if op == "++" else -1)
                    pre = _text(v).startswith(op)
                    env[_text(nm)] = env[_text(arg)] if pre else old
        c = cond.named_children[0] if cond.type == "expression_statement" and cond.named_child_count else cond
        if c.type != "update_expression" or arr_name not in arrays:
            return
        var = _text(c.child_by_field_name("argument"))
        if var not in env or _text(c.child_by_field_name("operator")) != "--":
            return
        k = int(env[var])
        count = k - 1 if _text(c).startswith("--") else k
        if count > 0:
            self.rot[arrays[arr_name].start_byte] = count


def _rotated_name(body) -> str | None:
    m = re.search(rb"([\w$]+)(?:\.push|\[['\"]push['\"]\])\(\s*\1(?:\.shift|\[['\"]shift['\"]\])\(\)\s*\)", body.text)
    return m.group(1).decode() if m else None


def _calls(n):
    stack = [n]
    while stack:
        x = stack.pop()
        if x.type == "call_expression":
            yield x
        stack.extend(x.named_children)


def fold(tree, data: bytes) -> Folded:
    return _Fold(tree, data).run()


_GLOBAL_BASES = frozenset({"window", "self", "globalThis", "document", "navigator", "top", "parent"})


def unresolved_names(prog) -> list:
    """Notes, one per file, for computed names that constant folding could not resolve where they matter:
    a member of a browser global (`window[k]`, `navigator[x]`) or a string-table lookup (`_0x5533(0x1b6)`).
    Call after linking (string tables built by calls are resolved then)."""
    from analyzer.model import Notification

    per_unit: dict[int, list] = {}
    for ld, part, uid, _fid, start, _end, text in prog.deferred_keys:
        if text not in _GLOBAL_BASES and part[0] not in ("lookup", "atob"):
            continue
        if len(prog.strings_of(part)) != 1:
            per_unit.setdefault(uid, []).append((start, text))
    notes = []
    for uid, hits in sorted(per_unit.items()):
        u = prog.units[uid]
        start, text = min(hits)
        line = prog.location(uid, start, start)[0]
        notes.append(Notification(u.rel, "note", "unresolved-name",
                                  f"{len(hits)} computed name(s) could not be folded to a constant (first: "
                                  f"`{text}[…]` at line {line}); calls through them are not recognised as sinks"))
    return notes
