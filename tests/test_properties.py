"""Property tests (Hypothesis) on generated hostile input: JavaScript, HTML, HAR captures, config files,
baselines and file names. Properties: no exception escapes, the output is deterministic (two scans give
byte-identical reports), SARIF is schema-valid, and no path outside the scan root appears in the report.

Derandomized (the same examples every run, so CI is reproducible) and few examples per property: the
hostile corpus (tests/test_hostile.py) covers the known classes; these look for the unknown ones.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.cli import main
from analyzer.engine import scan
from analyzer.report import render

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "shared/schemas/sarif-schema-2.1.0.json"
VALIDATOR = jsonschema.Draft4Validator(json.loads(SCHEMA_PATH.read_text())) if SCHEMA_PATH.exists() else None
LEAK = ("document.getElementById('email').addEventListener('blur', function (e) "
        "{ fetch('/c?e=' + e.target.value); });\n")

SETTINGS = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

JS_TOKENS = ["fetch(", "navigator.sendBeacon(", "'", '"', "`", "${", "}", "{", "(", ")", "[", "]", "/*", "*/",
             "//", "\n", "\r", "\r\n", "\u2028", "\u2029", "\ufeff", "\u202e", "+", ";", ",", "=", "=>",
             "function", "a", "e.target.value", "addEventListener('blur',", "document.querySelector('#email')",
             ".value", "x", " ", "\\", "\x00", "formleak-disable-next-line FL002 -- ok", "<script>", "try{}catch{(,e",
             "import(", "export default", "async", "await", "new Image().src=", "location.href=", "é", "日本"]
HTML_TOKENS = ["<input type=email id=email>", "<form>", "</form>", "<script>", "</script>", "<div>", "</div>",
               ' onblur="fetch(\'/x?\'+this.value)"', "<a href=\"javascript:send()\">", "<!--", "-->", "<",
               ">", "&amp;", "<link rel=canonical href='https://u:p@shop.example/'>", "\r", "\n", "\x00",
               '<script src="../../../../etc/passwd"></script>', "<input name=tel onchange=", "'", '"']

js = st.one_of(st.lists(st.sampled_from(JS_TOKENS), max_size=60).map("".join).map(lambda s: s.encode("utf-8", "surrogatepass")),
               st.binary(max_size=300))
html = st.one_of(st.lists(st.sampled_from(HTML_TOKENS + JS_TOKENS), max_size=60).map("".join)
                 .map(lambda s: s.encode("utf-8", "surrogatepass")), st.binary(max_size=300))
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                           max_leaves=20)
har_entry = st.fixed_dictionaries({
    "request": st.one_of(st.fixed_dictionaries({"url": st.sampled_from([
        "https://shop.example/app.js", "https://u:p@shop.example/", "https://shop.example/../../../etc/passwd",
        "https://shop.example/a%2F..%2Fb.js", "http://[::1]:80/x.js", "not a url", "https://shop.example:bad/x"])}),
        json_values),
    "response": st.fixed_dictionaries({"content": st.one_of(st.fixed_dictionaries({
        "mimeType": st.sampled_from(["text/html", "application/javascript", "image/png", "", "text/html; q"]),
        "text": st.one_of(st.sampled_from([LEAK, "@@@@", "<input id=email onblur=\"fetch('/'+this.value)\">"]),
                          st.text(max_size=40)),
        "encoding": st.sampled_from(["base64", "", "gzip"])}), json_values)}),
})
har = st.one_of(st.builds(lambda es: json.dumps({"log": {"entries": es}}).encode(), st.lists(har_entry, max_size=4)),
                json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=200))
names = st.one_of(st.sampled_from(["a.js", "b.html", "x.har", "back\\slash.js", "new\nline.js", "bidi\u202e.js",
                                   "sp ace.js", "%41.js", "c:colon.js", "#hash.js", "?q.js", "dir/x.js"]),
                  st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\x00" not in b
                                                          and b not in (b".", b".."))
                  .map(lambda b: os.fsdecode(b + b".js")))


def _write(root: Path, name: str, data: bytes) -> None:
    p = root / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)


def _reports(root: Path) -> tuple[str, str, str]:
    r = scan([root], budget_seconds=10)
    out = []
    for fmt in ("sarif", "json", "text"):
        text = render(r, fmt)
        text.encode("utf-8", "backslashreplace")  # writable
        out.append(text)
    return tuple(out)


def _check(root: Path) -> None:
    first = _reports(root)
    assert _reports(root) == first, "two scans of the same input differ"
    sarif = json.loads(first[0])
    if VALIDATOR is not None:
        VALIDATOR.validate(sarif)
    run = sarif["runs"][0]
    uris = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for n in run["invocations"][0]["toolExecutionNotifications"] if n.get("locations")]
    for res in run["results"]:
        uris.append(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        uris += [x["location"]["physicalLocation"]["artifactLocation"]["uri"]
                 for x in res["codeFlows"][0]["threadFlows"][0]["locations"]]
    for uri in uris:
        assert not uri.startswith("/") and "://" not in uri and ".." not in uri.split("/"), uri
    assert "root:x:0" not in "".join(first)


@pytest.fixture()
def site():
    d = Path(tempfile.mkdtemp(prefix="formleak-prop-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _fresh(site: Path) -> Path:
    for p in site.iterdir():
        shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    (site / "leak.js").write_text(LEAK)
    return site


@SETTINGS
@given(data=js, name=names)
def test_generated_javascript(site, data, name):
    root = _fresh(site)
    _write(root, name if not name.endswith((".html", ".har")) else name + ".js", data)
    _check(root)


@SETTINGS
@given(data=html)
def test_generated_html(site, data):
    root = _fresh(site)
    _write(root, "page.html", data)
    _check(root)


@SETTINGS
@given(data=har)
def test_generated_har(site, data):
    root = _fresh(site)
    _write(root, "capture.har", data)
    _check(root)


@SETTINGS
@given(text=st.one_of(st.text(max_size=200), st.sampled_from([
    'baseline = "../../etc/passwd"', "exclude = [[[[1]]]]", 'fail-on = "high"', "exclude = ['!a.js', './b/**']",
    "[severity]\nFL002 = 'low'", "inline-suppressions = 1", "= =", "exclude = " + "[" * 600 + "]" * 600])))
def test_generated_config(site, text, capsys):
    root = _fresh(site)
    (root / ".formleak.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
    code = main(["scan", str(root), "--no-progress", "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), code
    assert "Traceback" not in err and "scan failed" not in err, err
    if code != 2:
        json.loads(out)
    else:
        assert err.startswith("formleak: error:"), err


@SETTINGS
@given(data=st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=100),
                      st.builds(lambda fps: json.dumps({"version": 1, "fingerprints": fps}).encode(),
                                st.lists(json_values, max_size=4))))
def test_generated_baseline(site, data, capsys):
    root = _fresh(site)
    base = root / "base.json"
    base.write_bytes(data)
    code = main(["scan", str(root), "--no-progress", "--baseline", str(base)])
    _, err = capsys.readouterr()
    assert code in (1, 2), (code, err)
    assert "Traceback" not in err and "scan failed" not in err, err
