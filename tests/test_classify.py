"""Field categories, destinations and severity (analyzer/classify.py, rules/fields.toml, rules/vendors.toml)."""
from __future__ import annotations

import re

import pytest

from analyzer.classify import CATEGORIES, NOT_PERSONAL, Classifier, normalize, severity, sort_categories
from analyzer.rules import load_toml

FIELDS = load_toml("fields")
VENDORS = load_toml("vendors")


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.from_rules()


# ------------------------------------------------------------------------------------------ rule files


def test_fields_toml_shape():
    cats = (set(CATEGORIES) - {"any_field"}) | {NOT_PERSONAL}
    assert set(FIELDS["autocomplete"].values()) <= cats
    assert set(FIELDS["type"].values()) <= cats
    assert len(FIELDS["keyword"]) >= 12
    for entry in FIELDS["keyword"]:
        assert entry["category"] in cats
        assert entry["patterns"] and entry["example"]
        for p in entry["patterns"]:
            re.compile(p)


@pytest.mark.parametrize("entry", FIELDS["keyword"], ids=lambda e: f"{e['category']}:{e['example']}")
def test_every_keyword_example(clf, entry):
    assert clf.keyword_kind(entry["example"]) == entry["category"]
    assert clf.field_kind({"name": entry["example"]}, "", "input") == entry["category"]


def test_vendors_toml_shape():
    vendors = VENDORS["vendor"]
    assert len(vendors) >= 45
    names = [v["name"] for v in vendors]
    assert len(names) == len(set(names))
    domains = [d for v in vendors for d in v["domains"]]
    assert len(domains) == len(set(domains)), "a domain belongs to one vendor"
    globals_ = [g for v in vendors for g in v["globals"]]
    assert len(globals_) == len(set(globals_)), "a global belongs to one vendor"
    for v in vendors:
        assert v["kind"] and v["domains"] and v["example"].startswith("https://")


@pytest.mark.parametrize("vendor", VENDORS["vendor"], ids=lambda v: v["name"])
def test_every_vendor_example(clf, vendor):
    assert clf.destination(vendor["example"], "https://shop.example.co.jp") == ("third_party", vendor["name"])
    assert clf.destination(vendor["example"], None) == ("third_party", vendor["name"])
    for g in vendor["globals"]:
        assert clf.vendor_for_global(g) == vendor["name"]
    for d in vendor["domains"]:
        assert clf.vendor_for_host(d) == vendor["name"]


def test_required_vendors_present(clf):
    expect = {
        "https://www.google-analytics.com/collect": "Google Analytics",
        "https://www.googletagmanager.com/gtag/js": "Google Tag Manager",
        "https://stats.g.doubleclick.net/x": "Google Ads",
        "https://www.googleadservices.com/pagead/conversion/1/": "Google Ads",
        "https://connect.facebook.net/en_US/fbevents.js": "Meta Pixel",
        "https://static.klaviyo.com/onsite/js/klaviyo.js": "Klaviyo",
        "https://sc.omtrdc.net/b/ss": "Adobe Analytics",
        "https://dpm.demdex.net/id": "Adobe Analytics",
        "https://b90.yahoo.co.jp/c": "Yahoo! JAPAN",
        "https://d.line-scdn.net/n/line_tag/public/release/v1/lt.js": "LINE Tag",
        "https://zipcloud.ibsnet.co.jp/api/search?zipcode=1000001": "zipcloud",
        "https://maps.googleapis.com/maps/api/js?libraries=places": "Google Maps",
        "https://bat.bing.com/bat.js": "Microsoft Advertising (Bing UET)",
        "https://www.clarity.ms/tag/x": "Microsoft Clarity",
    }
    for url, vendor in expect.items():
        assert clf.destination(url, "https://shop.example.com") == ("third_party", vendor), url


# ------------------------------------------------------------------------------------------ normalise


@pytest.mark.parametrize("raw,norm", [
    ("billing_email", "billing email"),
    ("customer[email]", "customer email"),
    ("billingEmail", "billing email"),
    ("CCNumber", "cc number"),
    ("tel01", "tel 01"),
    ("e-mail", "e mail"),
    ("ＴＥＬ", "tel"),
    ("ﾒｰﾙ", "メール"),
    ("mm/yy", "mm yy"),
])
def test_normalize(raw, norm):
    assert normalize(raw) == norm


# ------------------------------------------------------------------------------------------ fields


@pytest.mark.parametrize("ac,kind", [
    ("email", "email"),
    ("shipping tel", "phone"),
    ("section-blue shipping tel-national", "phone"),
    ("section-x billing street-address", "address"),
    ("billing address-level1", "address"),
    ("shipping postal-code", "postal_code"),
    ("billing cc-number", "card_number"),
    ("cc-csc", "card_cvc"),
    ("cc-exp-month", "card_expiry"),
    ("cc-name", "name"),
    ("section-login username", "other"),
    ("current-password webauthn", "password"),
    ("username webauthn", "other"),
    ("bday-year", "birthdate"),
    ("country-name", "other"),
    ("one-time-code", "other"),
    ("organization", "other"),
    ("home email", "email"),
    ("given-name", "name"),
])
def test_autocomplete_tokens(clf, ac, kind):
    # autocomplete beats a contradicting name (a password token only on a password input: see below)
    attrs = {"autocomplete": ac, "name": "comment"}
    if kind == "password":
        attrs["type"] = "password"
    assert clf.field_kind(attrs, "", "input") == kind
    assert clf.field_kind({"autocomplete": ac}, "", "input") == kind


def test_autocomplete_off_falls_through(clf):
    assert clf.field_kind({"autocomplete": "off", "name": "zip01"}, "", "input") == "postal_code"
    assert clf.field_kind({"autocomplete": "nope", "name": "tel"}, "", "input") == "phone"


def test_new_password_on_non_password_field_is_an_autofill_trick(clf):
    assert clf.field_kind({"autocomplete": "new-password", "name": "address1"}, "", "input") == "address"
    assert clf.field_kind({"autocomplete": "new-password", "type": "password", "name": "address1"}, "",
                          "input") == "password"
    assert clf.field_kind({"autocomplete": "new-password", "name": "x"}, "", "input") == "password"


def test_type(clf):
    assert clf.field_kind({"type": "email", "name": "field1"}, "", "input") == "email"
    assert clf.field_kind({"type": "email", "name": "zip"}, "", "input") == "email"
    assert clf.field_kind({"type": "tel", "name": "field1"}, "", "input") == "phone"
    assert clf.field_kind({"type": "password"}, "", "input") == "password"
    assert clf.field_kind({"type": "checkbox", "name": "email_optin"}, "", "input") == NOT_PERSONAL  # consent state
    # weak types: Japanese shops use type=tel for numeric keyboards
    assert clf.field_kind({"type": "tel", "name": "zip01"}, "", "input") == "postal_code"
    assert clf.field_kind({"type": "tel", "name": "card_number"}, "", "input") == "card_number"
    assert clf.field_kind({"type": "password", "name": "cvc"}, "", "input") == "card_cvc"
    # date is a birth date only through names
    assert clf.field_kind({"type": "date", "name": "delivery_date"}, "", "input") == NOT_PERSONAL
    assert clf.field_kind({"type": "date", "name": "dob"}, "", "input") == "birthdate"


def test_attribute_order(clf):
    # name before id before placeholder before label
    assert clf.field_kind({"name": "tel", "id": "email", "placeholder": "〒"}, "お名前", "input") == "phone"
    assert clf.field_kind({"name": "f1", "id": "email", "placeholder": "〒"}, "お名前", "input") == "email"
    assert clf.field_kind({"name": "f1", "id": "f1", "placeholder": "〒"}, "お名前", "input") == "postal_code"
    assert clf.field_kind({"name": "f1", "id": "f1"}, "お名前", "input") == "name"
    assert clf.field_kind({"name": "f1", "placeholder": "taro@example.com"}, "", "input") == "email"
    assert clf.field_kind({"name": "f1", "placeholder": "MM / YY"}, "", "input") == "card_expiry"
    assert clf.field_kind({"name": "f1", "placeholder": "1234 1234 1234 1234"}, "", "input") == "card_number"
    assert clf.field_kind({"name": "f1", "placeholder": "090-1234-5678"}, "", "input") == "phone"
    assert clf.field_kind({"name": "f1", "placeholder": "123-4567"}, "", "input") == "postal_code"


def test_model_binding_and_other_languages(clf):
    """The state a framework binds a field to names it when nothing else does; German, French and Spanish
    field words (`Telefon`, `PLZ`, `Straße`, `Anzahl`) are read like the English and Japanese ones."""
    assert clf.field_kind({"type": "number", "v-model.number": "quantity"}, "", "input") == "not_personal"
    assert clf.field_kind({"v-model": "form.email"}, "", "input") == "email"
    assert clf.field_kind({"name": "telefon"}, "", "input") == "phone"
    assert clf.field_kind({"name": "plz"}, "", "input") == "postal_code"
    assert clf.field_kind({}, "Straße und Hausnummer", "input") == "address"
    assert clf.field_kind({}, "Anzahl Sträuße", "input") == "not_personal"
    assert clf.field_kind({"name": "menge"}, "", "input") == "not_personal"
    assert clf.field_kind({"name": "vorname"}, "", "input") == "name"
    assert clf.field_kind({"name": "geburtsdatum"}, "", "input") == "birthdate"
    assert clf.field_kind({"name": "port"}, "", "input") == "other"  # (`\bort\b` is a whole word)


def test_textarea_select_defaults(clf):
    assert clf.field_kind({"name": "f1"}, "", "textarea") == "free_text"
    assert clf.field_kind({"name": "email"}, "", "textarea") == "email"
    assert clf.field_kind({"name": "f1"}, "", "select") == "not_personal"  # a choice among the shop's options
    assert clf.field_kind({"name": "pref"}, "", "select") == "address"
    assert clf.field_kind({"name": "country"}, "", "select") == "other"
    assert clf.field_kind({"name": "exp_month"}, "", "select") == "card_expiry"
    assert clf.field_kind({"name": "birth_month"}, "", "select") == "birthdate"
    assert clf.field_kind({}, "", "input") == "other"


@pytest.mark.parametrize("name,kind", [
    # email
    ("billing_email", "email"), ("customer[email]", "email"), ("shopping_order[email]", "email"), ("mail", "email"),
    ("e-mail", "email"), ("email_confirm", "email"), ("confirm_email", "email"), ("useremail", "email"),
    ("mailAddress", "email"), ("ｅメール", "email"),
    # phone
    ("phone", "phone"), ("tel", "phone"), ("tel01", "phone"), ("mobile", "phone"), ("billingPhone", "phone"),
    ("telno", "phone"), ("ＴＥＬ", "phone"), ("fax", "phone"),
    # name
    ("first_name", "name"), ("last_name", "name"), ("lastname", "name"), ("fullname", "name"), ("name01", "name"),
    ("kana", "name"), ("name_kana", "name"), ("phonetic_last_name", "name"), ("BillingFirstName", "name"),
    ("card_holder_name", "name"), ("cc-name", "name"), ("nameOnCard", "name"), ("nickname", "name"),
    # address
    ("address", "address"), ("addr01", "address"), ("street", "address"), ("city", "address"),
    ("pref", "address"), ("ShippingAddress1", "address"), ("street_name", "address"), ("city_name", "address"),
    ("mailing_address", "address"), ("state", "address"),
    # postal code
    ("zip", "postal_code"), ("zip01", "postal_code"), ("postcode", "postal_code"), ("postal", "postal_code"),
    ("zipcode", "postal_code"), ("billing_address_postcode", "postal_code"), ("address_zip", "postal_code"),
    # birth date
    ("birth", "birthdate"), ("dob", "birthdate"), ("birthday", "birthdate"), ("birth_year", "birthdate"),
    ("date_of_birth", "birthdate"),
    # card
    ("cardnumber", "card_number"), ("card_number", "card_number"), ("cc_number", "card_number"),
    ("ccnum", "card_number"), ("pan", "card_number"), ("CCNumber", "card_number"), ("credit_card", "card_number"),
    ("cvc", "card_cvc"), ("cvv", "card_cvc"), ("cvv2", "card_cvc"), ("csc", "card_cvc"),
    ("security_code", "card_cvc"), ("card_code", "card_cvc"),
    ("exp", "card_expiry"), ("expiry", "card_expiry"), ("cc-exp", "card_expiry"), ("mm/yy", "card_expiry"),
    ("expMonth", "card_expiry"), ("ccExpYear", "card_expiry"), ("expiration_date", "card_expiry"),
    # password
    ("password", "password"), ("password_confirmation", "password"), ("pwd", "password"),
    # free text
    ("comment", "free_text"), ("message", "free_text"), ("note", "free_text"), ("order_notes", "free_text"),
    ("gift_message", "free_text"), ("inquiry", "free_text"),
    # other
    ("country", "other"), ("region", "other"), ("billing_country", "other"), ("username", "other"),
    ("user_name", "other"), ("login_id", "other"), ("company_name", "other"), ("companyName", "other"),
    ("organization", "other"), ("coupon_code", NOT_PERSONAL), ("gift_card_number", NOT_PERSONAL), ("quantity", NOT_PERSONAL),
    ("mail_magazine", NOT_PERSONAL), ("hostname", "other"),
    # no clue at all
    ("hotel", "other"), ("telegram", "other"), ("experience", "other"), ("kanagawa", "other"), ("field_3", "other"),
])
def test_names(clf, name, kind):
    assert clf.field_kind({"name": name}, "", "input") == kind


@pytest.mark.parametrize("label,kind", [
    ("メール", "email"), ("メールアドレス", "email"), ("携帯メールアドレス", "email"), ("ﾒｰﾙｱﾄﾞﾚｽ", "email"),
    ("電話", "phone"), ("電話番号", "phone"), ("携帯", "phone"), ("携帯電話番号", "phone"), ("お届け先電話番号", "phone"),
    ("お名前", "name"), ("氏名", "name"), ("姓", "name"), ("名", "name"), ("フリガナ", "name"), ("セイ", "name"),
    ("メイ", "name"), ("お名前（フリガナ）", "name"), ("お届け先氏名", "name"), ("カード名義", "name"),
    ("住所", "address"), ("ご住所", "address"), ("都道府県", "address"), ("市区町村", "address"), ("番地", "address"),
    ("建物名・部屋番号", "address"),
    ("郵便番号", "postal_code"), ("〒", "postal_code"),
    ("生年月日", "birthdate"), ("誕生日", "birthdate"),
    ("カード番号", "card_number"), ("クレジットカード番号", "card_number"),
    ("セキュリティコード", "card_cvc"), ("有効期限", "card_expiry"), ("有効期限（月）", "card_expiry"),
    ("パスワード", "password"), ("パスワード（確認用）", "password"),
    ("備考", "free_text"), ("お問い合わせ", "free_text"), ("お問い合わせ内容", "free_text"), ("件名", "free_text"),
    ("国", "other"), ("国・地域", "other"), ("会社名", "other"), ("ログインID", "other"), ("クーポンコード", NOT_PERSONAL),
    ("メイン", "other"), ("ポイントカード番号", "other"),
    ("Email address", "email"), ("Phone number", "phone"), ("Name on card", "name"), ("Security code", "card_cvc"),
])
def test_labels(clf, label, kind):
    assert clf.field_kind({"name": "f1", "id": "f1"}, label, "input") == kind


# ------------------------------------------------------------------------------------------ selectors


@pytest.mark.parametrize("sel,kind", [
    ("#billing_email", "email"),
    ('input[name="tel"]', "phone"),
    ("[name='shopping_order[email]']", "email"),
    ('input[name="customer[email]"]', "email"),
    ("zip01", "postal_code"),
    ("customer[email]", "email"),
    ("input[name*=mail]", "email"),
    ('input[name$="[tel01]"]', "phone"),
    ("#card-number", "card_number"),
    ("input[autocomplete='shipping postal-code']", "postal_code"),
    ("input[type=email]", "email"),
    ("input[type='password']", "password"),
    ('input[type=tel][name="zip01"]', "postal_code"),
    ("form#checkout input[name=email]", "email"),
    ("#checkout > .field-phone", "phone"),
    (".js-email-input", "email"),
    ("#email, #tel", "email"),
    ("#tel, #cc-number", "card_number"),
    ("username", "other"),
    ("input[type=checkbox]", NOT_PERSONAL),
    ("#shipping-address input", "address"),
    ("hotel", None),
    ("button", None),
    ("#submit-btn", None),
    ("input.form-control", None),
    ("", None),
])
def test_selector_kind(clf, sel, kind):
    assert clf.selector_kind(sel) == kind


@pytest.mark.parametrize("sel", [
    "input", "input[type=text]", 'input[type="text"]', "select", "textarea", ":input", "*", "form input",
    "input, select, textarea", "form :input", "input:not([type=hidden])", "#checkout input", "form > input",
    "input:text", "input, #email", "form",
])
def test_catch_all_selectors(clf, sel):
    assert clf.selector_kind(sel) == "any_field"
    assert clf.is_catch_all_selector(sel) is True


@pytest.mark.parametrize("sel", ["#email", "input[name=email]", "input[type=email]", "zip01", "button", "hotel"])
def test_not_catch_all(clf, sel):
    assert clf.is_catch_all_selector(sel) is False


# ------------------------------------------------------------------------------------------ destinations

SHOP = "https://shop.example.co.jp"


@pytest.mark.parametrize("url,origin,expect", [
    ("/api/x", SHOP, ("first_party", None)),
    ("api/x", SHOP, ("first_party", None)),
    ("?a=b", SHOP, ("first_party", None)),
    ("./x", SHOP, ("first_party", None)),
    ("../cart/update.js", None, ("first_party", None)),
    ("/api/x", None, ("first_party", None)),
    ("https://api.example.co.jp/x", SHOP, ("first_party", None)),  # co.jp is a public suffix
    ("https://example.co.jp/x", SHOP, ("first_party", None)),
    ("//cdn.example.co.jp/x", SHOP, ("first_party", None)),
    ("https://other.co.jp/x", SHOP, ("third_party", None)),
    ("https://api.example.co.jp/x", "shop.example.co.jp", ("first_party", None)),
    ("https://api.example.co.jp/x", None, ("third_party", None)),
    ("http://collector.evil.example/c?d=1", SHOP, ("third_party", None)),
    ("//static.klaviyo.com/x", SHOP, ("third_party", "Klaviyo")),
    ("https://a.klaviyo.com/api/identify", None, ("third_party", "Klaviyo")),
    ("https://notklaviyo.com/x", SHOP, ("third_party", None)),
    ("https://A.Klaviyo.COM:443/x", SHOP, ("third_party", "Klaviyo")),
    ("https://*.klaviyo.com/x", SHOP, ("third_party", "Klaviyo")),
    ("https://*.example.co.jp/x", SHOP, ("first_party", None)),
    ("https://*/x", SHOP, ("unknown", None)),
    ("https://*.com/x", SHOP, ("unknown", None)),
    ("*/cart/capture", SHOP, ("unknown", None)),
    ("*", SHOP, ("unknown", None)),
    (None, SHOP, ("unknown", None)),
    ("wss://chat.example.co.jp/ws", SHOP, ("first_party", None)),
    ("https://klaviyo.com/x", "https://www.klaviyo.com", ("first_party", None)),
    ("https://foo.myshopify.com/x", "https://bar.myshopify.com", ("third_party", "Shopify")),
    ("https://bar.myshopify.com/cart", "https://bar.myshopify.com", ("first_party", None)),
    ("https://zipcloud.ibsnet.co.jp/api/search?zipcode=*", SHOP, ("third_party", "zipcloud")),
    ("https://www.ibsnet.co.jp/", SHOP, ("third_party", None)),
    ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080", ("first_party", None)),
    ("http://10.0.0.2/x", "http://127.0.0.1", ("third_party", None)),
])
def test_destination(clf, url, origin, expect):
    assert clf.destination(url, origin) == expect


def test_vendor_for_global(clf):
    assert clf.vendor_for_global("_learnq") == "Klaviyo"
    assert clf.vendor_for_global("klaviyo.identify") == "Klaviyo"
    assert clf.vendor_for_global("window.fbq") == "Meta Pixel"
    assert clf.vendor_for_global("ttq.identify") == "TikTok Pixel"
    assert clf.vendor_for_global("analytics.identify") == "Segment"
    assert clf.vendor_for_global("google.maps.places.Autocomplete") == "Google Maps"
    assert clf.vendor_for_global("google") is None
    assert clf.vendor_for_global("myTracker") is None
    assert clf.vendor_for_host("cdn.segment.com") == "Segment"
    assert clf.vendor_for_host("example.com") is None
    assert clf.vendor_for_host(None) is None


# ------------------------------------------------------------------------------------------ severity


@pytest.mark.parametrize("cats,party,catch_all,expect", [
    (["card_number"], "first_party", False, ("critical", "FL001", "presubmit-payment-leak")),
    (["card_cvc"], "unknown", False, ("critical", "FL001", "presubmit-payment-leak")),
    (["card_expiry", "email"], "third_party", False, ("critical", "FL001", "presubmit-payment-leak")),
    (["password"], "first_party", False, ("critical", "FL001", "presubmit-payment-leak")),
    (["any_field"], "third_party", False, ("critical", "FL003", "presubmit-catch-all-capture")),
    (["any_field"], "first_party", False, ("high", "FL003", "presubmit-catch-all-capture")),
    (["any_field"], "unknown", False, ("high", "FL003", "presubmit-catch-all-capture")),
    (["email"], "third_party", True, ("critical", "FL003", "presubmit-catch-all-capture")),
    (["email", "any_field"], "first_party", False, ("high", "FL003", "presubmit-catch-all-capture")),
    (["any_field", "password"], "third_party", False, ("critical", "FL001", "presubmit-payment-leak")),
    (["email"], "third_party", False, ("high", "FL002", "presubmit-pii-leak")),
    (["phone", "postal_code"], "first_party", False, ("high", "FL002", "presubmit-pii-leak")),
    (["name"], "unknown", False, ("high", "FL002", "presubmit-pii-leak")),
    (["address"], "first_party", False, ("high", "FL002", "presubmit-pii-leak")),
    (["birthdate"], "first_party", False, ("high", "FL002", "presubmit-pii-leak")),
    (["postal_code"], "third_party", False, ("low", "FL004", "presubmit-low-sensitivity-leak")),
    (["other"], "first_party", False, ("low", "FL004", "presubmit-low-sensitivity-leak")),
    (["free_text", "other"], "third_party", False, ("low", "FL004", "presubmit-low-sensitivity-leak")),
    ([], "first_party", False, ("low", "FL004", "presubmit-low-sensitivity-leak")),
])
def test_severity(cats, party, catch_all, expect):
    assert severity(cats, party, catch_all) == expect


def test_sort_categories():
    assert sort_categories(["other", "email", "card_cvc", "email", "postal_code"]) == [
        "card_cvc", "email", "postal_code", "other"]


@pytest.mark.parametrize("name, kind", [
    ("quantity", NOT_PERSONAL), ("cart[qty]", NOT_PERSONAL), ("variant_id", NOT_PERSONAL),
    ("shipping_method", NOT_PERSONAL), ("delivery_date", NOT_PERSONAL), ("delivery_time_slot", NOT_PERSONAL),
    ("payment_method", NOT_PERSONAL), ("coupon_code", NOT_PERSONAL), ("gift_card_code", NOT_PERSONAL),
    ("newsletter", NOT_PERSONAL), ("accept_terms", NOT_PERSONAL), ("search", NOT_PERSONAL),
    ("sort_by", NOT_PERSONAL), ("配送方法", NOT_PERSONAL), ("お届け希望日", NOT_PERSONAL),
    # contact words win over the consent words they sit next to
    ("newsletter_email", "email"), ("subscribe_phone", "phone"), ("order_notes", "free_text"),
    ("delivery_address", "address"), ("point_card_number", "other"),
])
def test_not_personal_fields(clf, name, kind):
    assert clf.field_kind({"name": name}, "", "input") == kind
