"""Template strings of component objects in scripts (analyzer/models/component_templates.py): which objects
are found, how the binding code names them, and that the bindings reach the dataflow."""
from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.engine import scan
from analyzer.models.component_templates import ComponentTemplates
from analyzer.models.templates import TemplateModels
from analyzer.parse import Parsers

TPL = '`<input id="email" type="email" v-model="email" @blur="save">`'


@pytest.fixture(scope="module")
def models():
    return ComponentTemplates(TemplateModels(Parsers()))


def _roots(models, code: str, rel: str = "src/Form.js") -> list[str]:
    bound = models.bind(rel, code.encode("utf-8"), "js")
    if bound is None:
        return []
    code = bound[1].code
    return [line.split("=", 1)[1].strip().rstrip(";") for line in code.split("var __fl_o =")[1:]
            for line in [("=" + line.split(";", 1)[0])]]


@pytest.mark.parametrize("code, root", [
    (f"export const Contact = {{ template: {TPL}, data() {{ return {{ email: '' }} }} }};", "Contact"),
    (f"const Contact = defineComponent({{ template: {TPL} }});", "Contact"),
    (f"export default {{ template: {TPL} }};", "__fl_default0"),
    (f"createApp({{ template: {TPL} }}).mount('#app');", "__formleak_vue_app__"),
    (f"createApp({{ components: {{ Box: {{ template: {TPL} }} }} }});", '__formleak_vue_app__["components"]["Box"]'),
    (f"window.Shop.Contact = {{ template: {TPL} }};", "window.Shop.Contact"),
    (f"Vue.component('contact-form', {{ template: {TPL} }});", "__formleak_vue_component_contact_form"),
    ("const C = { template: '<div>' + \n '<input v-model=\"email\">' + '</div>' };", "C"),
])
def test_component_objects_are_named(models, code, root):
    assert _roots(models, code) == [root]


def test_nested_component_object_is_kept_in_a_global_of_its_own(models):
    """`var ig = {template: …}` inside a function (a bundle's IIFE, a factory): top-level code cannot name
    it, so extraction keeps it in `__fl_component_<offset>` (Unit.aliases) and the binding code names that."""
    code = f"(() => {{ const C = {{ template: {TPL} }}; createApp(C).mount('#app'); }})();"
    at = code.index("{ template")
    assert _roots(models, code) == [f"__fl_component_{at}"]
    assert models.bind("src/Form.js", code.encode(), "js")[2] == {at: f"__fl_component_{at}"}


def test_objects_in_any_expression_are_named_by_an_alias(models):
    """Returned by a factory, or inlined by terser into a minified `createApp` (`nu({template: …})`): the
    object is kept in `__fl_component_<offset>` too."""
    for code in (f"function make() {{ return {{ template: {TPL} }}; }}", f"nu({{ template: {TPL} }}).mount('#app');"):
        at = code.index("{ template")
        assert _roots(models, code) == [f"__fl_component_{at}"], code


def test_template_held_by_a_variable_or_imported(models):
    local = f"const tpl = {TPL};\nexport const C = {{ template: tpl, data() {{ return {{ email: '' }} }} }};"
    assert _roots(models, local) == ["C"]
    page, bound, _ = models.bind("src/C.js", local.encode(), "js")
    assert page.soup.find("input").get("id") == "email"
    imported = "import template from './tpl.js';\nexport default { template, data() { return { email: '' } } };"
    page, bound, _ = models.bind("src/C.js", imported.encode(), "js")
    assert page is None  # the fields are the template module's
    assert 'import { __fl_template_default as __fl_tpl0 } from "./tpl.js";' in bound.code
    assert "__fl_tpl0(__fl_default0);" in bound.code
    exported = f"export default {TPL};\nexport const other = '<p>no bindings</p>';".encode()
    page, bound, _ = models.bind("src/tpl.js", exported, "js")
    assert page.soup.find("input").get("id") == "email"
    assert "export function __fl_template_default(__fl_inst) {" in bound.code
    assert "__fl_template_other" not in bound.code
    assert models.bind("src/t.js", b"export default '<p>{{ msg }}</p>';", "js") is None


@pytest.mark.parametrize("code", [
    "const C = { template: `<input v-model=\"${name}\">` };",  # built at run time
    "const C = { template: '#contact-template' };",  # a reference to a <script type=text/x-template>
    "const C = { template: `<p>{{ msg }}</p>` };",  # no bindings
    f"const C = {{ tmpl: {TPL} }};",  # not the template option
])
def test_what_is_not_a_component_template(models, code):
    assert _roots(models, code) == []


def test_default_export_imports_itself(models):
    bound = models.bind("src/Form.js", f"export default {{ template: {TPL} }};".encode(), "js")
    assert bound is not None
    assert 'import __fl_default0 from "./Form.js";' in bound[1].code


def test_page_keeps_the_files_positions(models):
    code = "// header\nexport const C = {\n  template: `\n    <input id=\"tel\" type=\"tel\" v-model=\"tel\">`,\n};\n"
    page, bound, _aliases = models.bind("src/C.js", code.encode(), "js")
    tag = page.soup.find("input")
    assert (tag.sourceline, tag.get("id")) == (4, "tel")
    assert bound.segments and all(s.line == 4 for s in bound.segments[1:])


def test_bindings_reach_the_sink(tmp_path: Path):
    (tmp_path / "Form.js").write_text(
        "export const Form = {\n"
        "  template: `<form><input id=\"email\" type=\"email\" v-model=\"email\" @blur=\"save\">"
        "<input id=\"coupon\" name=\"coupon_code\" v-model=\"coupon\" @blur=\"check\"></form>`,\n"
        "  data() { return { email: '', coupon: '' }; },\n"
        "  methods: {\n"
        "    save() { fetch('/lead?e=' + encodeURIComponent(this.email)); },\n"
        "    check() { fetch('/coupon?c=' + this.coupon); },\n"
        "  },\n"
        "};\n", encoding="utf-8")
    got = [(f.sink.line, sorted(f.categories), f.trigger_names, f.sink_api) for f in scan([tmp_path]).findings]
    assert got == [(5, ["email"], ["blur"], "fetch")]
