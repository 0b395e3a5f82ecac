"""Engine behaviour that the fixture corpus does not pin on its own."""
from __future__ import annotations

from pathlib import Path

from analyzer.engine import scan

LEAK = "document.getElementById('email').addEventListener('blur', function (e) { fetch('/c?e=' + e.target.value); });\n"


def _keys(result):
    return [(f.sink.path, f.sink.line, f.categories, f.trigger_names, f.sink_api) for f in result.findings]


def test_a_file_past_its_budget_is_reported_and_the_scan_goes_on(tmp_path: Path):
    big = "var x = [" + ",".join(f"function(a){{return a+{i}}}" for i in range(60000)) + "];\n"
    (tmp_path / "a_big.js").write_text(big)
    (tmp_path / "b_leak.js").write_text(LEAK)
    r = scan([tmp_path], budget_seconds=0.05)
    assert [(n.path, n.reason) for n in r.notifications] == [("a_big.js", "budget")]
    assert r.complete is False
    assert _keys(r) == [("b_leak.js", 1, ["email"], ["blur"], "fetch")]


def test_no_budget_means_complete(tmp_path: Path):
    (tmp_path / "b_leak.js").write_text(LEAK)
    r = scan([tmp_path], budget_seconds=0)
    assert r.complete is True and r.notifications == []


def test_value_captured_at_submit_and_sent_by_a_timer_is_not_a_leak(tmp_path: Path):
    (tmp_path / "a.js").write_text(
        "var captured = '';\n"
        "document.querySelector('form').addEventListener('submit', function () {\n"
        "  captured = document.getElementById('email').value;\n"
        "});\n"
        "setInterval(function () { navigator.sendBeacon('/b', captured); }, 1000);\n")
    assert _keys(scan([tmp_path])) == []


def test_value_captured_on_blur_and_sent_by_a_timer_is_a_timer_leak(tmp_path: Path):
    (tmp_path / "a.js").write_text(
        "var captured = '';\n"
        "document.getElementById('tel').addEventListener('blur', function () {\n"
        "  captured = this.value;\n"
        "});\n"
        "setInterval(function () { navigator.sendBeacon('/b', captured); }, 1000);\n")
    assert _keys(scan([tmp_path])) == [("a.js", 5, ["phone"], ["timer"], "navigator.sendBeacon")]


def test_shared_helper_reports_only_the_presubmit_caller(tmp_path: Path):
    (tmp_path / "a.js").write_text(
        "function send(d) { fetch('/api', {method: 'POST', body: JSON.stringify(d)}); }\n"
        "document.getElementById('email').addEventListener('change', function (e) { send({e: e.target.value}); });\n"
        "document.querySelector('form').addEventListener('submit', function () {\n"
        "  send({card: document.getElementById('cc-number').value});\n"
        "});\n")
    assert _keys(scan([tmp_path])) == [("a.js", 1, ["email"], ["change"], "fetch")]


def test_one_finding_per_sink_merges_fields_and_triggers(tmp_path: Path):
    (tmp_path / "a.js").write_text(
        "function save(v) { navigator.sendBeacon('/lead', v); }\n"
        "document.getElementById('email').addEventListener('blur', function () { save(this.value); });\n"
        "document.getElementById('phone').addEventListener('input', function () { save(this.value); });\n")
    assert _keys(scan([tmp_path])) == [("a.js", 1, ["email", "phone"], ["blur", "input"], "navigator.sendBeacon")]


def test_destination_and_party(tmp_path: Path):
    (tmp_path / "index.html").write_text(
        '<link rel="canonical" href="https://shop.example.co.jp/checkout">'
        '<input id="email" type="email"><script src="a.js"></script>')
    (tmp_path / "a.js").write_text(
        "var base = 'https://api.example.co.jp';\n"
        "var el = document.getElementById('email');\n"
        "el.addEventListener('blur', function () { fetch(base + '/lead?e=' + el.value); });\n"
        "el.addEventListener('blur', function () { new Image().src = 'https://t.tracker.example/p?e=' + el.value; });\n")
    r = scan([tmp_path])
    got = [(f.sink.line, f.destination, f.party) for f in r.findings]
    assert got == [(3, "https://api.example.co.jp/lead?e=*", "first_party"),
                   (4, "https://t.tracker.example/p?e=*", "third_party")]
    assert r.origin == "https://shop.example.co.jp/checkout"


def test_har_capture_is_scanned_with_its_origin(tmp_path: Path):
    import base64
    import json

    page = ('<html><body><form><input id="email" type="email"><button type="submit">Order</button></form>'
            '<script src="/assets/app.js"></script></body></html>')
    js = ("document.getElementById('email').addEventListener('blur', function (e) {\n"
          "  navigator.sendBeacon('https://collect.tracker.example/c', e.target.value);\n});\n")
    entries = [
        {"request": {"url": "https://shop.example.com/checkout/"},
         "response": {"content": {"mimeType": "text/html; charset=utf-8", "text": page}}},
        {"request": {"url": "https://shop.example.com/assets/app.js"},
         "response": {"content": {"mimeType": "application/javascript", "encoding": "base64",
                                  "text": base64.b64encode(js.encode()).decode()}}},
        {"request": {"url": "https://shop.example.com/logo.png"},
         "response": {"content": {"mimeType": "image/png", "encoding": "base64", "text": "iVBOR"}}},
    ]
    (tmp_path / "visit.har").write_text(json.dumps({"log": {"entries": entries}}))
    (tmp_path / "broken.har").write_text("{not json")
    r = scan([tmp_path])
    assert _keys(r) == [("visit.har/shop.example.com/assets/app.js", 2, ["email"], ["blur"], "navigator.sendBeacon")]
    assert r.findings[0].party == "third_party"
    assert r.origin == "https://shop.example.com"
    assert [(n.path, n.reason) for n in r.notifications] == [("broken.har", "har-error")]
    assert r.files_scanned == ["visit.har/shop.example.com/assets/app.js",
                               "visit.har/shop.example.com/checkout/index.html"]


def test_fingerprints_survive_a_rebuild_that_renames_minified_names(tmp_path: Path):
    from analyzer.fingerprint import assign_fingerprints

    build1 = ("!function(e,t){function n(r){navigator.sendBeacon('/c',r)}"
              "t.getElementById('email').addEventListener('blur',function(o){n(o.target.value)})}(window,document);\n")
    build2 = ("/* v2 */\n!function(a,b){function q(z){navigator.sendBeacon('/c',z)}"
              "b.getElementById('email').addEventListener('blur',function(y){q(y.target.value)})}(window,document);\n")
    prints = []
    for i, code in enumerate((build1, build2)):
        d = tmp_path / f"b{i}"
        d.mkdir()
        (d / "app.min.js").write_text(code)
        r = scan([d])
        assert [(f.categories, f.trigger_names, f.sink_api) for f in r.findings] == [(["email"], ["blur"],
                                                                                     "navigator.sendBeacon")]
        assign_fingerprints(r.findings)
        prints.append(r.findings[0].fingerprint)
    assert prints[0] == prints[1]


def test_a_folder_of_sites_keeps_one_global_scope_per_site(tmp_path: Path):
    a = tmp_path / "shop-a"
    b = tmp_path / "shop-b"
    for d in (a, b):
        d.mkdir()
    (a / "index.html").write_text('<input id="email"><script src="a.js"></script>')
    (a / "a.js").write_text("var lead = '';\n"
                            "document.getElementById('email').addEventListener('blur', function () { lead = this.value; });\n")
    (b / "index.html").write_text('<input id="coupon"><script src="b.js"></script>')
    (b / "b.js").write_text("var lead = 'none';\n"
                            "setInterval(function () { navigator.sendBeacon('/b', lead); }, 1000);\n")
    assert _keys(scan([tmp_path])) == []  # shop-b's `lead` is not shop-a's
    (a / "c.js").write_text("setInterval(function () { navigator.sendBeacon('/a', lead); }, 1000);\n")
    assert _keys(scan([tmp_path])) == [("shop-a/c.js", 1, ["email"], ["timer"], "navigator.sendBeacon")]
