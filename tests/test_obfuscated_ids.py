"""Webpack module ids after javascript-obfuscator rewrote them as hex numbers are the same ids."""
import tree_sitter as ts
import tree_sitter_javascript as tjs

from analyzer.bundle.modules import _key
from analyzer.extract.util import number_key


def test_number_key():
    assert number_key("944") == "944"
    assert number_key("0x3b0") == "944"
    assert number_key("0X3B0") == "944"
    assert number_key("0o17") == "15"
    assert number_key("0xzz") == "0xzz"  # not a number after all: kept as written


def test_module_object_keys_in_hex():
    src = b"var e={0x3b0(e,t){t.a=1},944(e,t){}};"
    tree = ts.Parser(ts.Language(tjs.language())).parse(src)
    obj = tree.root_node.named_children[0].named_children[0].child_by_field_name("value")
    keys = [_key(m.child_by_field_name("name")) for m in obj.named_children]
    assert keys == ["944", "944"]
