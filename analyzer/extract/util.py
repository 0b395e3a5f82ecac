"""Small shared pieces of fact extraction: node-type sets and literal decoding."""
from __future__ import annotations

import re

# methods that limit a handler to the elements a selector matches (`e.target.matches('#place_order')`)
GUARD_METHODS = frozenset({"closest", "matches", "is", "hasClass"})
FUNC_TYPES = frozenset({
    "function_declaration", "function_expression", "function", "arrow_function", "generator_function",
    "generator_function_declaration", "method_definition",
})
COMPARE_OPS = frozenset({"==", "===", "!=", "!==", "<", ">", "<=", ">=", "instanceof", "in"})
FALSY_UNARY = frozenset({"!", "typeof", "void", "delete"})
PASS_FIRST = frozenset({
    "parenthesized_expression", "await_expression", "spread_element", "non_null_expression", "as_expression",
    "satisfies_expression", "type_assertion", "template_substitution", "jsx_expression",
})
JSX_ATTRS_FOR_SELECTOR = ("id", "name", "type", "autoComplete", "autocomplete", "placeholder", "aria-label")
CONST_IDENTS = frozenset({"undefined", "NaN", "Infinity"})
# Nodes with nothing inside to walk: read directly by their parent when it needs them.
LEAF_TYPES = frozenset({
    "identifier", "property_identifier", "shorthand_property_identifier", "private_property_identifier",
    "number", "this", "true", "false", "null", "undefined", "regex", "comment", "statement_identifier",
    "hash_bang_line", "string_fragment", "escape_sequence", "super", "empty_statement", "debugger_statement",
})
_MAX_VALS = 12  # a value wider than this is merged into one node (keeps `a+b+c+…` chains linear)
_MAX_TMPL = 64  # parts of a string template kept; a longer concatenation ends in ('any',) (stays linear)


from analyzer.budget import BudgetExceeded  # noqa: E402,F401 - re-exported for the extractors


def _text(n) -> str:
    return n.text.decode("utf-8", "replace")


_ESC = re.compile(r"\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|.)", re.S)
_SIMPLE_ESC = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _unescape_js(s: str) -> str:
    def one(m: re.Match) -> str:
        e = m.group(1)
        if e[0] == "x":
            return chr(int(e[1:], 16))
        if e[0] == "u" and len(e) > 1:
            try:
                return chr(int(e[1:].strip("{}"), 16))
            except (ValueError, OverflowError):
                return e
        return _SIMPLE_ESC.get(e, e)

    return _ESC.sub(one, s)


def _string_value(n) -> str:
    t = n.text
    if len(t) >= 2 and t[:1] in (b"'", b'"', b"`"):
        t = t[1:-1]
    s = t.decode("utf-8", "replace")
    return _unescape_js(s) if "\\" in s else s


def number_key(text: str) -> str:
    """A numeric module id as webpack wrote it (`944`), also once javascript-obfuscator rewrote it (`0x3b0`)."""
    if text[:2] in ("0x", "0X", "0o", "0O", "0b", "0B"):
        try:
            return str(int(text, 0))
        except ValueError:
            return text
    return text
