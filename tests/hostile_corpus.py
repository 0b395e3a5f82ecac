"""The hostile-input corpus (issue 7), generated at test time: nothing big is committed.

Each row is a folder holding one hostile thing beside `leak.js`, a small file with a real pre-submit leak,
and the command line to scan it with. `run_rows` runs `formleak scan` (analyzer.cli.main, in this process)
on each row and records exit code, stdout, stderr, the SARIF report and the seconds taken; it is run in a
child process by tests/test_hostile.py, so that a hang or a crash fails the test instead of killing pytest:

    python tests/hostile_corpus.py OUT_DIR            # build the corpus and run every row
    python tests/hostile_corpus.py OUT_DIR ROW ...    # only these rows

The child also refuses to open any network socket for the whole run (`socket.socket` raises).
"""
from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import socket
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

LEAK = ("document.getElementById('email').addEventListener('blur', function (e) "
        "{ fetch('/c?e=' + e.target.value); });\n")
LEAK_HTML = ('<!doctype html><form action="/order"><input type="email" id="email" name="email">'
             '<button type="submit">Order</button></form>\n')


@dataclass
class Row:
    name: str
    files: dict = field(default_factory=dict)  # rel path (str or bytes) -> str | bytes | callable(path)
    args: list = field(default_factory=list)  # extra arguments; '{root}' is replaced by the row's folder
    exit: int = 1  # expected exit code
    notes: list = field(default_factory=list)  # (uri, reason) expected in toolExecutionNotifications
    neighbour: bool = True  # leak.js's finding must be in the report
    text: bool = True  # also run with the text report
    stderr: str = ""  # text the error message must contain (exit 2 rows)
    absent: list = field(default_factory=list)  # strings that must not appear in any output
    seconds: float = 0  # the row (one run) must finish within this (0: no bound beyond the child's timeout)


def _fifo(p: Path) -> None:
    os.mkfifo(p)


def _symlink(target: str):
    def make(p: Path) -> None:
        os.symlink(target, p)
    return make


def _socket(p: Path) -> None:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind(str(p))
    finally:
        s.close()


def _har(entries) -> str:
    return json.dumps({"log": {"version": "1.2", "entries": entries}})


def _har_entry(url: str, text: str, mime: str = "application/javascript", encoding: str | None = None) -> dict:
    content = {"mimeType": mime, "text": text}
    if encoding:
        content["encoding"] = encoding
    return {"request": {"url": url, "headers": [{"name": "Cookie", "value": "session=SECRET-COOKIE-4711"}]},
            "response": {"content": content}}


def _leak_js_fn(p: Path) -> None:
    p.write_text(LEAK)


def rows() -> list[Row]:
    deep_har = '{"log": {"entries": [' + "[" * 1000 + "]" * 1000 + "]}}"
    plus_chain = "x = " + "a + " * 300_000 + "b;\n"
    divs = "<div>" * 100_000 + "".join(f'<input name="f{i}">' for i in range(500)) + "</div>" * 100_000
    onclicks = "".join(f'<b onclick="f({i})">x</b>' for i in range(100_000))
    many_errors = "".join(f"var a{i} = ;\n" for i in range(3000))
    return [
        # ---- hang
        Row("fifo-js", {"x.js": _fifo}, notes=[("x.js", "special-file")]),
        Row("fifo-html", {"x.html": _fifo}, notes=[("x.html", "special-file")]),
        Row("fifo-baseline", {"base.json": _fifo}, args=["--baseline", "{root}/base.json"], exit=2,
            neighbour=False, text=False, stderr="FIFO"),
        Row("fifo-config", {".formleak.toml": _fifo}, exit=2, neighbour=False, text=False, stderr="FIFO"),
        Row("socket-js", {"s.js": _socket}, notes=[("s.js", "special-file")]),
        # ---- memory / outside the root
        Row("symlink-dev-zero", {"z.js": _symlink("/dev/zero")}, notes=[("z.js", "outside-root")]),
        Row("symlink-dev-urandom", {"u.js": _symlink("/dev/urandom")}, notes=[("u.js", "outside-root")]),
        Row("symlink-etc-passwd", {"evil.js": _symlink("/etc/passwd")}, notes=[("evil.js", "outside-root")],
            absent=["root:x:0", "/bin/bash", "nologin"]),
        Row("symlink-etc-shadow", {"shadow.html": _symlink("/etc/shadow")},
            notes=[("shadow.html", "outside-root")], absent=["root:"]),
        Row("symlink-dir-out", {"etc": _symlink("/etc")}, notes=[("etc", "outside-root")],
            absent=["root:x:0", "etc/passwd"]),
        Row("symlink-dotdot", {"up.js": _symlink("../../../../../../etc/passwd")},
            notes=[("up.js", "outside-root")], absent=["root:x:0"]),
        Row("config-baseline-outside", {".formleak.toml": 'baseline = "../../../../etc/passwd"\n'}, exit=2,
            neighbour=False, text=False, stderr="outside the config file's folder", absent=["root:x:0"]),
        # ---- crash: file names
        Row("name-not-utf8", {b"bad\xff.js": LEAK}, absent=["bad/ff"]),
        Row("name-backslash", {"back\\slash.js": LEAK}),
        Row("name-newline-bidi", {"new\nline\u202e.js": LEAK}),
        # ---- crash: deep JSON / TOML
        Row("har-deep", {"deep.har": deep_har}, notes=[("deep.har", "har-error")]),
        Row("config-deep", {".formleak.toml": "exclude = " + "[" * 5000 + "]" * 5000 + "\n"}, exit=2,
            neighbour=False, text=False, stderr="nested too deeply"),
        Row("baseline-deep", {"base.json": "[" * 5000 + "]" * 5000}, args=["--baseline", "{root}/base.json"],
            exit=2, neighbour=False, text=False, stderr="nested more than"),
        # ---- budget
        Row("plus-chain", {"chain.js": plus_chain}, args=["--budget", "5"], text=False, seconds=20),
        Row("html-nested-divs", {"divs.html": divs}, args=["--budget", "5"], text=False, seconds=25),
        Row("html-onclick-line", {"clicks.html": onclicks}, args=["--budget", "5"], text=False, seconds=25),
        Row("exclude-33000", {".formleak.toml": "exclude = [" + ", ".join(
            f'"gen{i}/**/*.x{i}"' for i in range(33_000)) + "]\n",
            **{f"f{i}.js": "var a = 1;\n" for i in range(20)}}, text=False, seconds=15),
        # ---- silent
        Row("symlink-alias", {"zalias.js": _symlink("leak.js"), "sub/hard.js": lambda p: os.link(p.parents[1] / "leak.js", p)},
            notes=[("zalias.js", "duplicate"), ("sub/hard.js", "duplicate")]),
        Row("har-entries-object", {"obj.har": json.dumps({"log": {"entries": {"a": 1}}})},
            notes=[("obj.har", "har-error")]),
        Row("har-bad-base64", {"b64.har": _har([_har_entry("https://shop.example/app.js", "@@@@", encoding="base64")])},
            notes=[("b64.har/shop.example/app.js", "har-error")], absent=["SECRET-COOKIE"]),
        Row("har-malformed-entry", {"mixed.har": _har(["not an entry", {"request": 5},
                                                      _har_entry("https://shop.example/l.js", LEAK)])},
            notes=[("mixed.har", "har-entry")], absent=["SECRET-COOKIE"]),
        # ---- leak
        Row("har-userinfo", {"ui.har": _har([
            _har_entry("https://alice:hunter2@shop.example/index.html", LEAK_HTML + "<script>" + LEAK + "</script>",
                       mime="text/html")])}, absent=["hunter2", "alice:"]),
        Row("origin-userinfo", {}, args=["--origin", "https://bob:pw123@shop.example"], absent=["pw123"]),
        # ---- wrong
        Row("lone-cr-u2028", {"lines.js": "var a = 1;\rvar b = 2;\u2028var c = 3;\r\n" + LEAK}),
        Row("syntax-errors-capped", {"errs.js": many_errors}, notes=[("errs.js", "syntax-error")]),
        Row("skip-count", {"bin.js": b"\x00\x01\x02binary", "p.js": _fifo},
            notes=[("bin.js", "binary"), ("p.js", "special-file")]),
        # ---- nondeterminism: a file past its budget (checked by running the row three times)
        Row("budget-deterministic", {"big.js": lambda p: p.write_text(_bundle(0.6))}, args=["--budget", "2"],
            text=False, notes=[("big.js", "budget")]),
        # ---- what held
        Row("deep-nesting-100k", {"deep.js": "var a=" + "[" * 100_000 + "1" + "]" * 100_000 + ";\n"},
            text=False, seconds=60),
        Row("nested-templates-50k", {"tpl.js": "var a = " + "`${" * 50_000 + "1" + "}`" * 50_000 + ";\n"},
            text=False, seconds=60),
        Row("many-files", {f"d{i // 500}/f{i}.js": "var a = 1;\n" for i in range(2_000)}, text=False),
        Row("huge-string", {"str.js": "var s = '" + "x" * 5_000_000 + "';\n"}, text=False),
        Row("invalid-and-mixed-encodings", {"latin.js": "var s = '\xe9';\n".encode("latin-1"),
                                             "sjis.html": "<p>日本語</p>".encode("cp932"),
                                             "half.js": b"var s = '\xe3\x81';\n"}),
        Row("bom", {"bom.js": "\ufeffvar a = 1;\n"}),
        Row("binary", {"img.js": bytes(range(256)) * 10}, notes=[("img.js", "binary")]),
        Row("tree-sitter-3393", {"ts1.js": "{ try { } catch { (, e", "ts2.js": "{ try { } catch { (, e" * 200,
                                 "ts3.ts": "{ try { } catch { (, e"}, text=False, seconds=60),
        Row("unterminated", {"u1.js": "/* never closed", "u2.js": "var s = 'abc", "u3.js": "var t = `${",
                             "u4.html": "<script>var a = 1", "u5.js": "var r = /abc"}),
        Row("symlink-loop", {"loop": _symlink(".")}, notes=[("loop", "symlink-loop")]),
        Row("source-map-not-opened", {"app.js": "var a=1;\n//# sourceMappingURL=/etc/passwd\n",
                                      "app2.js": "var b=1;\n//# sourceMappingURL=m.map\n", "m.map": _fifo},
            notes=[("m.map", "special-file")], absent=["root:x:0"]),
        Row("nothing-executed", {"exec.js": "require('fs').writeFileSync('EXECUTED', '1');\n"
                                            "require('child_process').execSync('touch EXECUTED2');\n"}),
        Row("har-secrets", {"s.har": _har([_har_entry("https://shop.example/x.js", "var a = ;",),
                                          _har_entry("https://shop.example/y.js", "@@", encoding="base64")])},
            absent=["SECRET-COOKIE"]),
        Row("dev-null-root", {}, args=["/dev/null"], exit=2, neighbour=False, text=False,
            stderr="not a file or folder"),
    ]


def _bundle(mb: float) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.bench import generate

    return generate(mb, seed=3)


def build(row: Row, base: Path) -> Path:
    root = base / row.name
    root.mkdir(parents=True)
    (root / "leak.js").write_text(LEAK)
    (root / "page.html").write_text(LEAK_HTML + '<script src="leak.js"></script>\n')
    for rel, content in row.files.items():
        p = Path(os.fsdecode(rel)) if isinstance(rel, bytes) else Path(rel)
        p = root / p
        p.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(p)
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return root


def _no_network(*a, **k):
    raise OSError("formleak must not open a network socket")


def run_one(row: Row, root: Path, fmt: str, out: Path) -> dict:
    from analyzer.cli import main

    args = [a.replace("{root}", str(root)) for a in row.args]
    paths = [a for a in args if a == "/dev/null"]
    args = [a for a in args if a != "/dev/null"]
    argv = ["scan", *(paths or [str(root)]), "--no-progress", "--format", fmt, *args]
    if fmt == "sarif":
        argv += ["--output", str(out)]
    so, se = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    tb = ""
    code = None
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se):
            code = main(argv)
    except BaseException:  # noqa: BLE001 - recorded, the test fails on it
        tb = traceback.format_exc()
    finally:
        os.chdir(cwd)
    return {"exit": code, "stdout": so.getvalue(), "stderr": se.getvalue(), "traceback": tb,
            "seconds": round(time.perf_counter() - t0, 2),
            "sarif": out.read_text(encoding="utf-8") if fmt == "sarif" and out.exists() else None}


def run_rows(base: Path, names: list[str] | None = None) -> None:
    results = {}
    wanted = [r for r in rows() if not names or r.name in names]
    corpus = base / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    (base / "progress.txt").write_text("")
    built = [(row, build(row, corpus)) for row in wanted]
    socket.socket = _no_network  # type: ignore[misc,assignment]
    socket.create_connection = _no_network  # type: ignore[assignment]
    for row, root in built:
        res = {}
        formats = ["sarif", "text"] if row.text else ["sarif"]
        runs = 3 if row.name == "budget-deterministic" else 1
        for fmt in formats:
            for i in range(runs):
                with open(base / "progress.txt", "a") as fh:
                    fh.write(f"{row.name} {fmt} {i}\n")
                res[f"{fmt}{i or ''}"] = run_one(row, root, fmt, base / f"{row.name}.{i}.sarif")
        res["root"] = str(root)
        res["executed"] = (root / "EXECUTED").exists() or (root / "EXECUTED2").exists()
        results[row.name] = res
    (base / "results.json").write_text(json.dumps(results, ensure_ascii=True))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    run_rows(Path(sys.argv[1]), sys.argv[2:] or None)
