"""Parsing: template literals without substitutions read as the quoted strings they equal."""
from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.engine import scan
from analyzer.parse import Parsers, plain_templates


@pytest.mark.parametrize("src,want", [
    (b"a(`x`)", b"a('x')"),
    (b"c(`it's`)", b"c(\"it's\")"),  # a quote it does not contain
    (b"f(`a\\`b`)", b"f('a\\`b')"),  # an escaped backtick stays an escape
    (b"b(`y${z}`)", None),  # a substitution: a template
    (b"css`q`", None),  # a tagged template
    (b"e(`l1\nl2`)", None),  # a line break: no quoted string can hold it
    (b"d(`say \"hi\" it's`)", None),  # both quotes inside
    (b"// `x` in a comment\nvar s = '`y`';", None),  # backticks outside any template literal
])
def test_plain_templates(src, want):
    tree = Parsers().get("js").parse(src)
    assert plain_templates(tree, src) == want


def test_parse_keeps_positions_and_the_units_bytes():
    data = b"el.addEventListener(`blur`, f);"
    tree = Parsers().parse("js", data)
    call = tree.root_node.named_children[0].named_children[0]
    arg = call.child_by_field_name("arguments").named_children[0]
    assert arg.type == "string" and (arg.start_byte, arg.end_byte) == (20, 26)


def test_compiled_element_tag_in_backticks_is_read(tmp_path: Path):
    """oxc (Vite 8) writes every string with backticks: a renamed compiled-element factory's tag still names
    the element (`Z(`input`, {…})` of a map-less build is read as `Z('input', {…})`)."""
    (tmp_path / "app.js").write_text(
        "function F(){return _createElementVNode(`input`,{id:`email`,type:`email`,"
        "\"onUpdate:modelValue\":(v)=>fetch(`/d?e=`+v)})}\n", encoding="utf-8")
    got = [(f.categories, f.trigger_names, f.sink_api) for f in scan([tmp_path]).findings]
    assert got == [(["email"], ["input"], "fetch")]
