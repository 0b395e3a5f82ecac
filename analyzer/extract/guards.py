"""Stage 3 (field guards): which field a read of a catch-all listener's event object is limited to.

`if (t.name === 'email') send(t.value)`, `case 'email':` of `switch (t.name)`, and an early return
`if (t.name !== 'phone' || …) return;` before the read in the same block: the read is that field's
(a selector `[name="email"]`), not any field's. Pure functions of the syntax tree.
"""
from __future__ import annotations

from analyzer.extract.util import FUNC_TYPES, _string_value, _text


def _unparen(n):
    """`(x)` / `((x))`: `x`."""
    while n is not None and n.type == "parenthesized_expression" and n.named_child_count == 1:
        n = n.named_children[0]
    return n


def _attr_selector(expr, base: str, value: str) -> str | None:
    """`t.name` / `(t.id)` of the object `base`, compared with `value`: a selector for that field."""
    expr = _unparen(expr)
    if expr is None or expr.type != "member_expression":
        return None
    obj, prop = expr.child_by_field_name("object"), expr.child_by_field_name("property")
    if obj is None or prop is None or _text(obj) != base or not value:
        return None
    if _text(prop) == "name":
        return f'[name="{value}"]'
    if _text(prop) == "id":
        return f'[id="{value}"]'
    return None


def _excluded(cond, base: str, depth: int = 0) -> str | None:
    """The field left after `if (cond) return;`: `base.name !== 'x'`, `!base.matches(sel)`, either side
    of `a || b` (`t.name !== 'phone' || t.value.length < 6`)."""
    cond = _unparen(cond)
    if cond is None or depth > 6:
        return None
    if cond.type == "unary_expression" and cond.child_by_field_name("operator") is not None \
            and cond.child_by_field_name("operator").type == "!":
        return _compared(cond.child_by_field_name("argument"), base, depth + 1)
    if cond.type != "binary_expression":
        return None
    op = cond.child_by_field_name("operator")
    left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
    if op is not None and op.type == "||":
        return _excluded(left, base, depth + 1) or _excluded(right, base, depth + 1)
    if op is not None and op.type in ("===", "==", "<") and _is_minus_one(right, op.type):
        return _index_of(left, base)  # `LIST.indexOf(t.name) === -1`, `$.inArray(t.name, LIST) < 0`
    if op is None or op.type not in ("!==", "!="):
        return None
    return _compared_string(left, right, base)


def _is_minus_one(n, op: str) -> bool:
    """`-1` (`=== -1`), or `0` for `< 0`."""
    n = _unparen(n)
    if n is None:
        return False
    t = _text(n).replace(" ", "")
    return t == "0" if op == "<" else t == "-1"


def _index_of(call, base: str) -> str | None:
    """`LIST.indexOf(base.name)` / `$.inArray(base.name, LIST)` (jQuery): the names of the constant list."""
    call = _unparen(call)
    if call is None or call.type != "call_expression":
        return None
    fn, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if fn is None or args is None or fn.type != "member_expression":
        return None
    items = [a for a in args.named_children if a.type != "comment"]
    meth = fn.child_by_field_name("property")
    if meth is None:
        return None
    if _text(meth) == "indexOf" and len(items) == 1:
        return _listed(fn.child_by_field_name("object"), items[0], base)
    if _text(meth) == "inArray" and len(items) == 2 and _text(fn.child_by_field_name("object")) in ("$", "jQuery"):
        return _listed(items[1], items[0], base)
    return None


def _listed(lst, key, base: str) -> str | None:
    """`key` is `base.name` / `base.id` and `lst` a constant list of strings (an array literal, `new Set([…])`,
    or a name declared as one in an enclosing block or the file): a selector list of those fields."""
    key = _unparen(key)
    names = _constant_strings(_unparen(lst))
    if not names or key is None or key.type != "member_expression":
        return None
    sels = [_attr_selector(key, base, v) for v in names]
    return ", ".join(sels) if all(sels) else None


def _constant_strings(n, depth: int = 0) -> list | None:
    if n is None or depth > 2:
        return None
    if n.type == "array":
        items = [c for c in n.named_children if c.type != "comment"]
        if items and all(c.type == "string" for c in items) and len(items) <= 40:
            return [_string_value(c) for c in items]
        return None
    if n.type == "new_expression":
        ctor, args = n.child_by_field_name("constructor"), n.child_by_field_name("arguments")
        if ctor is not None and _text(ctor) == "Set" and args is not None and args.named_child_count == 1:
            return _constant_strings(_unparen(args.named_children[0]), depth + 1)
        return None
    if n.type == "identifier":
        name = _text(n)
        scope = n.parent
        while scope is not None:
            if scope.type in ("program", "statement_block"):
                for st in scope.named_children:
                    if st.type == "export_statement":
                        st = st.child_by_field_name("declaration") or st
                    if st.type not in ("lexical_declaration", "variable_declaration"):
                        continue
                    for d in st.named_children:
                        nm = d.child_by_field_name("name") if d.type == "variable_declarator" else None
                        if nm is not None and nm.type == "identifier" and _text(nm) == name:
                            return _constant_strings(_unparen(d.child_by_field_name("value")), depth + 1)
            scope = scope.parent
    return None


def _returns_only(stmt) -> bool:
    """`return;` / `{ return; }` / `return false;`: a statement that only leaves the function."""
    if stmt is not None and stmt.type == "statement_block" and stmt.named_child_count == 1:
        stmt = stmt.named_children[0]
    return stmt is not None and stmt.type == "return_statement"


def _compared(cond, base: str, depth: int = 0) -> str | None:
    """The fields a condition limits `base` to: `base.name === 'x'`, `base.id == 'x'`, `base.matches(sel)`,
    `a || b` (either), `a && b` (the one that says)."""
    cond = _unparen(cond)
    if cond is None or depth > 6:
        return None
    if cond.type == "call_expression":
        fn, args = cond.child_by_field_name("function"), cond.child_by_field_name("arguments")
        if fn is not None and fn.type == "member_expression" and args is not None and args.named_child_count == 1:
            obj, prop = fn.child_by_field_name("object"), fn.child_by_field_name("property")
            a0 = args.named_children[0]
            if obj is not None and _text(obj) == base and prop is not None and _text(prop) in ("matches", "is") \
                    and a0.type == "string":
                return _string_value(a0) or None
            if obj is not None and prop is not None and _text(prop) in ("has", "includes"):
                return _listed(obj, a0, base)  # `TRACKED.has(t.name)`: one of the names of a constant list
        return None
    if cond.type != "binary_expression":
        return None
    op = cond.child_by_field_name("operator")
    left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
    if op is not None and op.type == "||":
        a, b = _compared(left, base, depth + 1), _compared(right, base, depth + 1)
        return f"{a}, {b}" if a and b else None
    if op is not None and op.type == "&&":
        return _compared(left, base, depth + 1) or _compared(right, base, depth + 1)
    if op is None or op.type not in ("===", "=="):
        return None
    return _compared_string(left, right, base)


def _compared_string(left, right, base: str) -> str | None:
    """`t.name` / `t.id` of `base` on one side of a comparison, a string on the other: that field."""
    for a, b in ((left, right), (right, left)):
        if b is not None and b.type == "string":
            sel = _attr_selector(a, base, _string_value(b))
            if sel:
                return sel
    return None


def field_guard(node) -> str | None:
    """A read inside `if (t.name === 'checkout[email]')` / `case 'email':` of `switch (t.name)` (with
    `t` the object read from): the field it is limited to, as a selector."""
    obj = node.child_by_field_name("object")
    if obj is None or obj.end_byte - obj.start_byte > 80:
        return None
    base = _text(obj)
    child, n = node, node.parent
    for _ in range(8):
        if n is None or n.type in FUNC_TYPES:
            return None
        if n.type == "if_statement" and child == n.child_by_field_name("consequence"):
            sel = _compared(n.child_by_field_name("condition"), base)
            if sel:
                return sel
        elif n.type == "statement_block":
            # after `if (t.name !== 'billing_phone') return;` in the same block: that field only
            for prev in n.named_children:
                if prev.start_byte >= child.start_byte:
                    break
                if prev.type == "if_statement" and prev.child_by_field_name("alternative") is None \
                        and _returns_only(prev.child_by_field_name("consequence")):
                    sel = _excluded(prev.child_by_field_name("condition"), base)
                    if sel:
                        return sel
        elif n.type == "switch_case":
            sw = n.parent.parent if n.parent is not None else None
            val = n.child_by_field_name("value")
            if sw is not None and sw.type == "switch_statement" and val is not None and val.type == "string":
                sel = _attr_selector(sw.child_by_field_name("value"), base, _string_value(val))
                if sel:
                    return sel
        child, n = n, n.parent
    return None
