"""The fixture corpus: every sink in fixtures/cases/* and fixtures/demo-shop is annotated.

`// expect: CATEGORIES TRIGGERS API` (or `<!-- expect: ... -->` in HTML) on the line where a sink call
starts means exactly one finding there with those categories, triggers and sink API; `// ok: REASON` means
a sink that must not be reported; `// todo-expect: CATEGORIES TRIGGERS API` is a known miss: a finding
the engine should give and does not yet (reported as a `KnownMiss` warning; the test fails as soon as
the finding appears, so that the annotation is promoted to `expect:`); `// todo-ok: REASON` is a known false
positive: a sink reported that should not be (the test fails once it is no longer reported: promote to
`ok:`). The set of findings of `analyzer.engine.scan([case_dir])` must equal the
set of `expect` annotations: a missing finding and an extra one both fail. See docs/conventions.md.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CASES_DIR = REPO / "fixtures" / "cases"
DEMO_SHOP = REPO / "fixtures" / "demo-shop"
CONVENTIONS = REPO / "docs" / "conventions.md"

SCANNED_SUFFIXES = {".vue", ".svelte", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".html", ".htm", ".phtml", ".liquid", ".php", ".twig"}

# docs/conventions.md, "Categories"
CATEGORIES = frozenset({
    "email", "phone", "name", "address", "postal_code", "birthdate", "card_number", "card_cvc",
    "card_expiry", "password", "free_text", "other", "any_field",
})
# docs/conventions.md, "Trigger names" (pre-submit triggers only: submit is never reported)
TRIGGERS = frozenset({
    "input", "change", "blur", "focusout", "focus", "focusin", "keyup", "keydown", "keypress", "paste",
    "cut", "click", "visibilitychange", "pagehide", "pageshow", "beforeunload", "unload", "load", "DOMContentLoaded",
    "timer", "mouseleave", "mouseout", "scroll",
})
# sink API names: exactly the `api` names the rules define
from analyzer.rules import load_toml  # noqa: E402

SINK_APIS = {s["api"] for s in load_toml("sinks")["sink"]}

# `// expect: …`, `// ok: …`, `// todo-expect: …`, `<!-- expect: … -->`, `<!-- ok: … -->`, `{/* expect: … */}`
ANNOTATION_RE = re.compile(
    r"(?://|<!--|/\*)\s*(expect|ok|todo-expect|todo-ok)\s*:\s*(.*?)\s*(?:-->\s*|\*/\s*\}?\s*)?$")
# anything that looks like an attempt at an annotation (catches `// expect ` without colon, `//ok -`, …)
LOOSE_RE = re.compile(r"(?://|<!--|/\*)\s*(expect|ok|todo-expect|todo-ok)\b", re.IGNORECASE)


class KnownMiss(UserWarning):
    """A `todo-expect:` annotation: a finding the engine does not give yet."""


class AnnotationError(ValueError):
    pass


@dataclass(frozen=True)
class Annotation:
    kind: str  # 'expect' | 'ok' | 'todo' (known miss) | 'todo-ok' (known false positive)
    path: str
    line: int
    categories: frozenset = frozenset()
    triggers: frozenset = frozenset()
    api: str = ""
    reason: str = ""

    def key(self) -> tuple:
        return (self.path, self.line, self.categories, self.triggers, self.api)


def parse_annotation(text: str, path: str = "<string>", line: int = 1) -> Annotation | None:
    """Parse one source line; None when it carries no annotation. Malformed annotations raise."""
    m = ANNOTATION_RE.search(text)
    if not m:
        if LOOSE_RE.search(text):
            raise AnnotationError(f"{path}:{line}: malformed annotation: {text.strip()!r}")
        return None
    kind, body = m.group(1), m.group(2).strip()
    if kind in ("ok", "todo-ok"):
        if not body:
            raise AnnotationError(f"{path}:{line}: `{kind}:` needs a reason")
        return Annotation(kind, path, line, reason=body)
    parts = body.split()
    if len(parts) != 3:
        raise AnnotationError(
            f"{path}:{line}: `expect:` needs exactly CATEGORIES TRIGGERS API, got {body!r}")
    cats = frozenset(c for c in parts[0].split(",") if c)
    trigs = frozenset(t for t in parts[1].split(",") if t)
    api = parts[2]
    bad_c = sorted(cats - CATEGORIES)
    bad_t = sorted(trigs - TRIGGERS)
    if not cats or bad_c:
        raise AnnotationError(f"{path}:{line}: unknown categor(y/ies) {bad_c} in {body!r}")
    if "any_field" in cats and len(cats) > 1:
        raise AnnotationError(f"{path}:{line}: `any_field` is used alone ({body!r})")
    if not trigs or bad_t:
        raise AnnotationError(f"{path}:{line}: unknown trigger(s) {bad_t} in {body!r}")
    if api not in SINK_APIS:
        raise AnnotationError(f"{path}:{line}: bad sink API {api!r}")
    return Annotation("todo" if kind == "todo-expect" else "expect", path, line, cats, trigs, api)


SIDECAR = "formleak-expected.txt"


def parse_sidecar(case_dir: Path) -> list[Annotation]:
    """`FILE:LINE  expect: … | ok: …  @ CODE` lines of a case's sidecar file (the demo shop keeps its
    expectations out of its code). CODE must occur on that line of FILE."""
    side = case_dir / SIDECAR
    if not side.is_file():
        return []
    out = []
    for n, raw in enumerate(side.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        where, _, rest = raw.strip().partition("  ")
        body, sep, anchor = rest.partition("  @ ")
        path, _, line = where.rpartition(":")
        if not path or not line.isdigit() or not sep or not anchor.strip():
            raise AnnotationError(f"{side.name}:{n}: expected 'FILE:LINE  expect: …  @ CODE', got {raw!r}")
        lines = (case_dir / path).read_text(encoding="utf-8").splitlines()
        if not (0 < int(line) <= len(lines)) or anchor.strip() not in lines[int(line) - 1]:
            raise AnnotationError(f"{side.name}:{n}: {path}:{line} does not contain {anchor.strip()!r}")
        a = parse_annotation("// " + body.strip(), path, int(line))
        if a is None:
            raise AnnotationError(f"{side.name}:{n}: no annotation in {raw!r}")
        out.append(a)
    return out


def parse_case(case_dir: Path) -> list[Annotation]:
    out: list[Annotation] = parse_sidecar(case_dir)
    for f in sorted(case_dir.rglob("*")):
        if not f.is_file() or f.suffix not in SCANNED_SUFFIXES:
            continue
        rel = f.relative_to(case_dir).as_posix()
        for i, text in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1):
            a = parse_annotation(text, rel, i)
            if a is not None:
                out.append(a)
    return out


def case_dirs() -> list[Path]:
    dirs = sorted(p for p in CASES_DIR.iterdir() if p.is_dir()) if CASES_DIR.is_dir() else []
    if DEMO_SHOP.is_dir():
        dirs.append(DEMO_SHOP)
    return dirs


def _case_id(p: Path) -> str:
    return p.name


def _fmt(key: tuple) -> str:
    path, line, cats, trigs, api = key
    return f"{path}:{line}  {','.join(sorted(cats))} {','.join(sorted(trigs))} {api}"


# ------------------------------------------------------------------------------------------ the corpus


@pytest.mark.parametrize("case_dir", case_dirs(), ids=_case_id)
def test_fixture_case(case_dir: Path):
    from helpers import scan_case

    annotations = parse_case(case_dir)
    assert annotations, f"{case_dir.name}: no `expect:` or `ok:` annotation in the case"
    expected = {a.key() for a in annotations if a.kind == "expect"}
    assert len(expected) == sum(a.kind == "expect" for a in annotations)
    ok_lines = {(a.path, a.line): a.reason for a in annotations if a.kind == "ok"}
    todo = {a.key() for a in annotations if a.kind == "todo"}

    result = scan_case(case_dir)
    actual = {
        (f.sink.path, f.sink.line, frozenset(f.categories), frozenset(f.trigger_names), f.sink_api)
        for f in result.findings
    }
    promoted = sorted(todo & actual, key=lambda k: (k[0], k[1]))
    if promoted:
        pytest.fail(f"{case_dir.name}: known misses are found now; promote `todo-expect:` to `expect:`: "
                    + "; ".join(_fmt(k) for k in promoted), pytrace=False)
    for k in sorted(todo, key=lambda k: (k[0], k[1])):
        warnings.warn(KnownMiss(f"{case_dir.name}: known miss {_fmt(k)}"))
    known_fp = {(a.path, a.line): a.reason for a in annotations if a.kind == "todo-ok"}
    fixed = sorted(pl for pl in known_fp if not any((k[0], k[1]) == pl for k in actual))
    if fixed:
        pytest.fail(f"{case_dir.name}: known false positives are gone; promote `todo-ok:` to `ok:`: "
                    + "; ".join(f"{p}:{ln}" for p, ln in fixed), pytrace=False)
    for pl, why in sorted(known_fp.items()):
        warnings.warn(KnownMiss(f"{case_dir.name}: known false positive {pl[0]}:{pl[1]} ({why})"))
    todo_lines = {(k[0], k[1]) for k in todo} | set(known_fp)
    # what the engine reports in place of a known miss (a partial finding) is not held against it
    actual = {k for k in actual if (k[0], k[1]) not in todo_lines or k in expected}
    if actual == expected:
        return

    missing = sorted(expected - actual, key=lambda k: (k[0], k[1]))
    unexpected = sorted(actual - expected, key=lambda k: (k[0], k[1]))
    by_line = {}
    for k in unexpected:
        by_line.setdefault((k[0], k[1]), []).append(k)
    lines = [f"{case_dir.name}: findings differ from annotations"]
    if missing:
        lines.append(f"  missing ({len(missing)}):")
        for k in missing:
            near = by_line.get((k[0], k[1]))
            hint = f"    <- reported instead: {'; '.join(_fmt(n) for n in near)}" if near else ""
            lines.append(f"    - {_fmt(k)}{hint}")
    if unexpected:
        lines.append(f"  unexpected ({len(unexpected)}):")
        for k in unexpected:
            why = ok_lines.get((k[0], k[1]))
            note = f"    (annotated ok: {why})" if why is not None else ""
            lines.append(f"    + {_fmt(k)}{note}")
    if result.notifications:
        lines.append("  notifications: " + "; ".join(f"{n.path}: {n.reason}" for n in result.notifications))
    pytest.fail("\n".join(lines), pytrace=False)


def test_corpus_size_and_negatives():
    dirs = [d for d in case_dirs() if d.parent == CASES_DIR]
    assert len(dirs) >= 40, f"only {len(dirs)} fixture cases"
    oks = sum(1 for d in dirs for a in parse_case(d) if a.kind == "ok")
    assert oks * 10 >= len(dirs), f"{oks} `ok:` annotations for {len(dirs)} cases (need >= 1 per ten)"


def test_every_case_has_an_annotation_and_only_known_files():
    for d in case_dirs():
        files = [f for f in d.rglob("*") if f.is_file()]
        assert files, f"{d.name}: empty case"
        if d.parent == CASES_DIR:
            assert re.match(r"^\d{2,3}-[a-z0-9-]+$", d.name), f"case folder name {d.name!r}"
            assert all(f.suffix in SCANNED_SUFFIXES for f in files), f"{d.name}: unexpected file type"
        assert parse_case(d), f"{d.name}: no annotation"


def test_demo_shop_code_carries_no_test_annotations():
    """A newcomer's first scan is of the demo shop: its code shows no `// expect:` lines; they are in the
    sidecar file, which names every sink the scan reports."""
    for f in sorted(DEMO_SHOP.rglob("*")):
        if f.is_file() and f.suffix in SCANNED_SUFFIXES:
            text = f.read_text(encoding="utf-8")
            assert not LOOSE_RE.search(text), f"{f.relative_to(DEMO_SHOP)} carries a test annotation"
    side = parse_sidecar(DEMO_SHOP)
    assert sum(a.kind == "expect" for a in side) == 5 and sum(a.kind == "ok" for a in side) == 2


def test_sidecar_line_must_hold_its_code(tmp_path):
    (tmp_path / "a.js").write_text("var x = 1;\nfetch('/x?e=' + v);\n", encoding="utf-8")
    (tmp_path / SIDECAR).write_text("a.js:2  expect: email blur fetch  @ fetch('/x\n", encoding="utf-8")
    assert [a.key() for a in parse_sidecar(tmp_path)] == [("a.js", 2, frozenset({"email"}), frozenset({"blur"}),
                                                           "fetch")]
    (tmp_path / SIDECAR).write_text("a.js:1  expect: email blur fetch  @ fetch('/x\n", encoding="utf-8")
    with pytest.raises(AnnotationError, match="does not contain"):
        parse_sidecar(tmp_path)


def test_readme_lists_every_case():
    readme = (REPO / "fixtures" / "README.md").read_text(encoding="utf-8")
    for d in case_dirs():
        if d.parent == CASES_DIR:
            assert f"`{d.name}`" in readme, f"fixtures/README.md does not describe {d.name}"


# ------------------------------------------------------------------------------------------ the parser


def test_vocabulary_matches_conventions():
    doc = CONVENTIONS.read_text(encoding="utf-8")
    ticked = set(re.findall(r"`([^`\s]+)`", doc))
    assert CATEGORIES <= ticked, sorted(CATEGORIES - ticked)
    assert TRIGGERS <= ticked, sorted(TRIGGERS - ticked)


@pytest.mark.parametrize("text, cats, trigs, api", [
    ("fetch(u, {body: b}); // expect: email,phone blur fetch", {"email", "phone"}, {"blur"}, "fetch"),
    ("x.send(b); // expect: card_number paste,input XMLHttpRequest.send",
     {"card_number"}, {"input", "paste"}, "XMLHttpRequest.send"),
    ('<input onblur="fetch(\'/x?e=\'+this.value)"> <!-- expect: email blur fetch -->',
     {"email"}, {"blur"}, "fetch"),
    ("mixpanel.people.set({$phone: t}); //expect: phone DOMContentLoaded mixpanel.people.set",
     {"phone"}, {"DOMContentLoaded"}, "mixpanel.people.set"),
    ("fetch(u); // todo-expect: email blur fetch", {"email"}, {"blur"}, "fetch"),
], ids=["js", "multi-trigger", "html", "no-space", "todo"])
def test_parser_accepts(text, cats, trigs, api):
    a = parse_annotation(text)
    assert a is not None and a.kind == ("todo" if "todo-expect" in text else "expect")
    assert (a.categories, a.triggers, a.api) == (frozenset(cats), frozenset(trigs), api)


def test_parser_reads_fields():
    a = parse_annotation("fetch(u); // expect: phone,email blur,input fetch", "a.js", 7)
    assert a.key() == ("a.js", 7, frozenset({"email", "phone"}), frozenset({"blur", "input"}), "fetch")
    ok = parse_annotation("<!-- ok: submit only -->", "i.html", 3)
    assert ok.kind == "ok" and ok.reason == "submit only"
    assert parse_annotation("var url = 'https://example.com/x'; // a comment") is None


@pytest.mark.parametrize("text", [
    "fetch(u); // expect: emial blur fetch",             # unknown category
    "fetch(u); // expect: email blurr fetch",            # unknown trigger
    "fetch(u); // expect: email submit fetch",           # submit is never reported
    "fetch(u); // expect: email blur",                   # missing API
    "fetch(u); // expect: email blur fetch extra",       # too many words
    "fetch(u); // expect: email,any_field blur fetch",   # any_field is used alone
    "fetch(u); // expect email blur fetch",              # no colon
    "fetch(u); // expect: email blur fetch(",            # bad API name
    "fetch(u); // ok:",                                  # ok without a reason
    "fetch(u); // todo-expect: email blur",              # a known miss is written like an expect
    "<!-- expect: Email blur fetch -->",                 # categories are lower case
])
def test_parser_rejects_malformed(text):
    with pytest.raises(AnnotationError):
        parse_annotation(text, "bad.js", 1)


def test_every_known_limit_has_a_todo_fixture():
    """README "Known limits": each bullet names a fixture (file or case) that carries a `todo-expect:` or
    `todo-ok:` annotation, so a limit that is lifted shows up as a failing known miss."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Known limits", 1)[1].split("\n### ", 1)[0]
    bullets = [b for b in section.split("\n- ")[1:]]
    assert bullets, "no known limits listed"
    for b in bullets:
        refs = re.findall(r"`(?:fixtures/cases/)?(\d{2,3}-[a-z0-9-]+)(/[^`]*)?`", b)
        assert refs, f"known limit without a fixture: {b[:80]!r}"
        for case, sub in refs:
            target = CASES_DIR / (case + (sub or ""))
            assert target.exists(), f"{target} (named in the README's known limits) does not exist"
            kinds = {a.kind for a in parse_case(CASES_DIR / case)
                     if not sub or a.path == sub.lstrip("/")}
            assert kinds & {"todo", "todo-ok"}, f"{case}{sub or ''} has no todo-expect/todo-ok annotation"
