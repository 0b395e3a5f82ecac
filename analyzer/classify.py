"""Field categories, destinations and severity (SPEC §4).

All knowledge lives in `rules/fields.toml` and `rules/vendors.toml`; this module only applies it.
`Classifier.from_rules()` compiles the rules once (the engine builds one per scan and passes it around);
after construction a `Classifier` is never mutated. `severity()` is a plain function.
"""
from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass

from analyzer.rules import load_toml

CATEGORIES = (
    "email", "phone", "name", "address", "postal_code", "birthdate", "card_number", "card_cvc",
    "card_expiry", "password", "free_text", "other", "any_field",
)

# Most severe first; used to pick one kind for a selector list and to order categories.
CATEGORY_RANK = {c: i for i, c in enumerate((
    "card_number", "card_cvc", "card_expiry", "password", "any_field", "email", "phone", "name", "address",
    "birthdate", "postal_code", "free_text", "other",
))}

NOT_PERSONAL = "not_personal"  # a field that is not personal data (SPEC §4): not a source, never reported

PAYMENT = frozenset({"card_number", "card_cvc", "card_expiry", "password"})
PII = frozenset({"email", "phone", "name", "address", "birthdate"})

RULES = {
    "FL001": "presubmit-payment-leak",
    "FL002": "presubmit-pii-leak",
    "FL003": "presubmit-catch-all-capture",
    "FL004": "presubmit-low-sensitivity-leak",
}

# ------------------------------------------------------------------------------------------ text


_CAMEL1 = re.compile(r"([a-z])([A-Z])")
_CAMEL2 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_LETTER_DIGIT = re.compile(r"([A-Za-z])(\d)|(\d)([A-Za-z])")
_NON_WORD = re.compile(r"[^\w@〒]+")
_UNDERSCORE = re.compile(r"_+")


def normalize(text: str) -> str:
    """NFKC, split camelCase and letter/digit runs, every non-letter/digit (but `@`, `〒`) → space, lower."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text)
    t = _CAMEL2.sub(r"\1 \2", _CAMEL1.sub(r"\1 \2", t))
    t = _LETTER_DIGIT.sub(lambda m: f"{m.group(1)} {m.group(2)}" if m.group(1) else f"{m.group(3)} {m.group(4)}", t)
    t = _LETTER_DIGIT.sub(lambda m: f"{m.group(1)} {m.group(2)}" if m.group(1) else f"{m.group(3)} {m.group(4)}", t)
    t = _UNDERSCORE.sub(" ", _NON_WORD.sub(" ", t))
    return " ".join(t.split()).lower()


# ------------------------------------------------------------------------------------------ selectors

_FIELD_TAGS = frozenset({"input", "select", "textarea", "*", "", "form", "body", "html", "document", "window"})
_BARE_NAME = re.compile(r"^[^\s#.\[\]:>+~*,()'\"=]+(\[[^\]=\s'\"]*\])*$")
_ATTR = re.compile(
    r"""\[\s*([\w:-]+)\s*(?:([~|^$*!]?=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\]\s]+)\s*(?:[iIsS]\s*)?)?\]"""
)
_ID = re.compile(r"#((?:[\w-]|\\.)+)")
_CLASS = re.compile(r"\.((?:[\w-]|\\.)+)")
_TAG = re.compile(r"^([A-Za-z][\w-]*|\*)")
_PSEUDO = re.compile(r"::?[\w-]+")
# attribute names whose value says what the field is, in order of trust
_MODEL_ATTRS = frozenset({"v-model", "bind:value", "x-model", "ng-model", "wire:model", "[(ngmodel)]", "data-bind"})
_CLUE_ATTRS = ("autocomplete", "name", "id", "placeholder", "aria-label", "data-name", "data-field", "for",
               "title", "formcontrolname")  # (Angular's `formControlName`: the control the field is bound to)


def split_top(text: str, seps: str) -> list[str]:
    """Split at `seps` characters outside quotes, brackets and parentheses."""
    parts, buf, depth, quote = [], [], 0, ""
    for ch in text:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in seps:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return parts


def _strip_parens(text: str) -> str:
    """Drop `(...)` groups (contents of `:not(...)`, `:has(...)`), respecting nesting."""
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _unquote(v: str) -> str:
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        v = v[1:-1]
    return v.replace("\\", "")


@dataclass(frozen=True)
class _Compound:
    tag: str
    attrs: tuple[tuple[str, str | None], ...]  # (name, value or None for [attr])
    ids: tuple[str, ...]
    classes: tuple[str, ...]
    pseudos: tuple[str, ...]


def _parse_compound(text: str) -> _Compound:
    text = _strip_parens(text.strip()) if "(" in text else text.strip()
    attrs = []

    def take_attr(m: re.Match) -> str:
        attrs.append((m.group(1).lower(), _unquote(m.group(3)) if m.group(3) is not None else None))
        return " "

    rest = _ATTR.sub(take_attr, text)
    ids = tuple(s.replace("\\", "") for s in _ID.findall(rest))
    rest = _ID.sub(" ", rest)
    classes = tuple(s.replace("\\", "") for s in _CLASS.findall(rest))
    rest = _CLASS.sub(" ", rest)
    pseudos = tuple(p.lstrip(":").lower() for p in _PSEUDO.findall(rest))
    rest = _PSEUDO.sub(" ", rest).strip()
    m = _TAG.match(rest)
    tag = m.group(1).lower() if m else ""
    return _Compound(tag, tuple(attrs), ids, classes, pseudos)


def _compounds(part: str) -> list[str]:
    # combinators: whitespace, >, +, ~ (but not ~= / |= inside brackets: split_top skips brackets)
    spaced = split_top(part, " \t\n>+~")
    return [c for c in spaced if c.strip()]


# ------------------------------------------------------------------------------------------ URLs

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_NET_SCHEMES = frozenset({"http", "https", "ws", "wss"})


def _host_of(url: str) -> str | None:
    """Host of an absolute (`scheme://`) or protocol-relative (`//`) URL; '' when not absolute."""
    rest = url
    m = _SCHEME.match(url)
    if m:
        if m.group(1).lower() not in _NET_SCHEMES or not url[m.end():].startswith("//"):
            return None
        rest = url[m.end():]
    elif not url.startswith("//"):
        return ""
    rest = rest[2:]
    authority = re.split(r"[/?#\\]", rest, maxsplit=1)[0]
    authority = authority.rsplit("@", 1)[-1]
    if authority.startswith("["):  # IPv6 literal
        return authority[1:authority.find("]")].lower() if "]" in authority else None
    host = authority.split(":", 1)[0]
    return host.rstrip(".").lower()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


# ------------------------------------------------------------------------------------------ classifier


class Classifier:
    """Compiled field and vendor rules. Build with `Classifier.from_rules()`; immutable afterwards (the public
    suffix list is read on first use, always the same)."""

    __slots__ = ("_autocomplete", "_type", "_weak_types", "_keywords", "_vendor_by_domain", "_vendor_by_global",
                 "_vendor_kind", "_psl")

    def __init__(self, fields: dict, vendors: dict):
        self._autocomplete: dict[str, str] = {k.lower(): v for k, v in fields.get("autocomplete", {}).items()}
        self._type: dict[str, str] = {k.lower(): v for k, v in fields.get("type", {}).items()}
        self._weak_types = frozenset(t.lower() for t in fields.get("type_options", {}).get("weak", []))
        kws = []
        for entry in fields.get("keyword", []):
            rx = re.compile("|".join(f"(?:{p})" for p in entry["patterns"]), re.IGNORECASE)
            kws.append((entry["category"], rx))
        self._keywords: tuple[tuple[str, re.Pattern], ...] = tuple(kws)
        by_domain, by_global, kinds = {}, {}, {}
        for v in vendors.get("vendor", []):
            kinds[v["name"]] = v.get("kind", "")
            for d in v.get("domains", []):
                by_domain[d.lower().strip(".")] = v["name"]
            for g in v.get("globals", []):
                by_global[g] = v["name"]
        self._vendor_by_domain: dict[str, str] = by_domain
        self._vendor_by_global: dict[str, str] = by_global
        self._vendor_kind: dict[str, str] = kinds
        self._psl = None  # the public suffix list, parsed on first use (0.2 s: a scan with no finding needs none)

    def _suffixes(self):
        if self._psl is None:
            from publicsuffixlist import PublicSuffixList

            self._psl = PublicSuffixList()
        return self._psl

    @classmethod
    def from_rules(cls) -> "Classifier":
        return cls(load_toml("fields"), load_toml("vendors"))

    # -------------------------------------------------------------------------------- fields

    def autocomplete_kind(self, value: str | None) -> str | None:
        """Category of an `autocomplete` attribute: the last token found in the table (prefixes such as
        `section-x shipping` and a trailing `webauthn` are skipped), a specific one before one that is only
        `other` (`email username`); None when no token is known."""
        if not value:
            return None
        weak = None
        for tok in reversed(value.lower().split()):
            cat = self._autocomplete.get(tok)
            if cat == "other":  # `email username` (not valid HTML, but shipped): the email is what it holds
                weak = weak or cat
            elif cat is not None:
                return cat
        return weak

    def type_kind(self, type_: str | None) -> str | None:
        return self._type.get(type_.strip().lower()) if type_ else None

    def keyword_kind(self, text: str | None) -> str | None:
        """Category from free text (a name, id, placeholder, label or class), or None."""
        if not text:
            return None
        norm = normalize(text)
        if not norm:
            return None
        for cat, rx in self._keywords:
            if rx.search(norm):
                return cat
        return None

    def _text_kind(self, attrs: dict[str, str], label: str) -> str | None:
        for key in ("name", "id", "placeholder", "aria-label"):
            k = self.keyword_kind(attrs.get(key))
            if k:
                return k
        for key, val in sorted(attrs.items()):
            # the state a framework binds the field to (`v-model.number="quantity"`, `bind:value={plan}`)
            if key.split(".")[0] in _MODEL_ATTRS:
                k = self.keyword_kind(val.strip("{} "))
                if k:
                    return k
        return self.keyword_kind(label)

    def field_kind(self, attrs: dict[str, str], label: str = "", tag: str = "input") -> str:
        """Category of an HTML field: autocomplete, then type, then name/id/placeholder/aria-label/label
        keywords; a `textarea` with no clue is `free_text`; else `other`."""
        attrs = {k.lower(): v for k, v in (attrs or {}).items() if isinstance(v, str)}
        tag = (tag or "input").lower()
        type_ = attrs.get("type", "").strip().lower() if tag == "input" else ""
        ac = self.autocomplete_kind(attrs.get("autocomplete"))
        if ac == "other" and tag == "input" and type_ not in self._weak_types:
            # `<input type="email" autocomplete="username">` (a login that is an email): the type says more
            tk = self.type_kind(type_)
            if tk and tk != "other":
                return tk
        if ac is not None:
            # `autocomplete="new-password"` is a common trick to stop autofill on non-password fields.
            if ac == "password" and type_ != "password":
                text = self._text_kind(attrs, label)
                if text and text != "other":
                    return text
            return ac
        tk = self.type_kind(type_) if tag == "input" else None
        if tk is not None and type_ not in self._weak_types:
            return tk
        # a radio button's label names its option (`クレジットカード`, "Cash on delivery"), not what the field
        # holds: only the field's own name/id/placeholder words can say that
        text = self._text_kind(attrs, "" if type_ == "radio" else label)
        if tk is not None:  # weak type: a specific keyword wins
            return text if text and text != "other" else tk
        if text:
            return text
        # nothing else names it: its classes or its data attributes' names may say it is no personal data
        # (`class="js-line-qty"`, `data-qty-input`), never what else it is (`form-control` is layout)
        words = attrs.get("class", "").split() + [k[5:] for k in attrs if k.startswith("data-")]
        if any(self.keyword_kind(w) == NOT_PERSONAL for w in words):
            return NOT_PERSONAL
        if tag == "select":
            # a drop-down nothing names (`<select v-model="form.tea">`, `bind:value={grind}`): a choice among
            # the shop's options (variant, plan, option), not something the shopper typed about themselves
            return NOT_PERSONAL
        return "free_text" if tag == "textarea" else "other"

    # -------------------------------------------------------------------------------- selectors

    def _compound_kind(self, c: _Compound) -> str | None:
        vals = dict()
        for name, val in c.attrs:
            if val is not None and name not in vals:
                vals[name] = val
        if "autocomplete" in vals:
            k = self.autocomplete_kind(vals["autocomplete"])
            if k:
                return k
        for key in ("name", "id"):
            k = self.keyword_kind(vals.get(key))
            if k:
                return k
        for i in c.ids:
            k = self.keyword_kind(i)
            if k:
                return k
        for key in _CLUE_ATTRS[3:]:
            k = self.keyword_kind(vals.get(key))
            if k:
                return k
        for name, val in vals.items():
            if name.startswith("data-") or name.startswith("v-model") or name == "ng-model":
                k = self.keyword_kind(val)
                if k:
                    return k
        for cl in c.classes:
            k = self.keyword_kind(cl)
            if k:
                return k
        if "type" in vals:
            return self.type_kind(vals["type"])
        if c.tag == "textarea" and (c.ids or c.classes or vals):
            return "free_text"  # a particular textarea (`textarea.note`), not every field of the page
        return None

    @staticmethod
    def _is_generic(c: _Compound) -> bool:
        """A tag-only / type-only compound (`input`, `input[type=text]`, `:input`, `*`, `select`)."""
        if c.ids or c.classes:
            return False
        if c.tag not in _FIELD_TAGS:
            return False
        for name, val in c.attrs:
            if val is not None and name != "type":
                return False
        if not c.tag and not c.attrs and not ({"input", "text"} & set(c.pseudos)):
            return False  # e.g. a lone pseudo-class such as `:focus`
        return True

    def _part_kind(self, part: str) -> str | None:
        part = part.strip()
        if not part:
            return None
        if _BARE_NAME.match(part):
            if part.lower() in _FIELD_TAGS:
                return "any_field"
            return self.keyword_kind(part)
        comps = [_parse_compound(c) for c in _compounds(part)]
        if not comps:
            return None
        last = comps[-1]
        k = self._compound_kind(last)
        if k is not None:
            return k
        if self._is_generic(last):
            # `#shipping-address input`: the container names the fields; `form input` names nothing.
            for anc in reversed(comps[:-1]):
                if anc.tag in _FIELD_TAGS and not anc.ids and not anc.classes and not anc.attrs:
                    continue
                ka = self._compound_kind(anc)
                if ka is not None and ka != "other":
                    return ka
            return "any_field"
        return None

    def selector_kinds(self, text: str | None) -> list[str]:
        """Kinds of every comma-separated part of a selector (or bare name), most severe first, no duplicates."""
        if not text or not text.strip():
            return []
        kinds = {k for k in (self._part_kind(p) for p in split_top(text.strip(), ",")) if k}
        return sorted(kinds, key=lambda c: CATEGORY_RANK.get(c, 99))

    def selector_kind(self, text: str | None) -> str | None:
        """Kind from a CSS selector or a bare name/id found in code; `any_field` when any part is catch-all;
        the most severe kind when parts differ; None when nothing matches."""
        kinds = self.selector_kinds(text)
        if not kinds:
            return None
        return "any_field" if "any_field" in kinds else kinds[0]

    def is_catch_all_selector(self, text: str | None) -> bool:
        return self.selector_kind(text) == "any_field"

    # -------------------------------------------------------------------------------- destinations

    def registrable_domain(self, host: str) -> str:
        host = host.lower().rstrip(".")
        if not host or _is_ip(host) or "." not in host:
            return host
        return self._suffixes().privatesuffix(host) or host

    def vendor_for_host(self, host: str | None) -> str | None:
        if not host:
            return None
        h = host.lower().rstrip(".")
        if ":" in h and not _is_ip(h):
            h = h.split(":", 1)[0]
        while h:
            v = self._vendor_by_domain.get(h)
            if v is not None:
                return v
            if "." not in h:
                return None
            h = h.split(".", 1)[1]
        return None

    def vendor_kind(self, vendor: str | None) -> str | None:
        return self._vendor_kind.get(vendor) if vendor else None

    def vendor_for_global(self, name: str | None) -> str | None:
        """Vendor of an SDK global or member path (`klaviyo.identify`, `window._learnq`, `google.maps.places`)."""
        if not name:
            return None
        parts = name.strip().split(".")
        while parts and parts[0] in ("window", "self", "globalThis", "top", "parent"):
            parts = parts[1:]
        while parts:
            v = self._vendor_by_global.get(".".join(parts))
            if v is not None:
                return v
            parts = parts[:-1]
        return None

    def _origin_domain(self, origin: str | None) -> str | None:
        if not origin or not origin.strip():
            return None
        o = origin.strip()
        host = _host_of(o)
        if host == "":  # a bare host such as `shop.example.co.jp`
            host = re.split(r"[/?#:]", o, maxsplit=1)[0].lower()
        return self.registrable_domain(host) if host else None

    def destination(self, url: str | None, origin: str | None = None) -> tuple[str, str | None]:
        """(`first_party` | `third_party` | `unknown`, vendor or None) for a sink URL (or URL pattern with `*`)."""
        if url is None:
            return ("unknown", None)
        u = url.strip()
        if not u:
            return ("first_party", None)  # fetch('') requests the page itself
        if u.startswith("*"):
            return ("unknown", None)
        host = _host_of(u)
        if host is None:
            return ("unknown", None)  # mailto:, javascript:, … or a scheme with no authority
        if host == "":
            return ("first_party", None)  # relative: /api/x, api/x, ?a=b, ./x, #x
        own = self._origin_domain(origin)
        if "*" in host:
            tail = host[host.rfind("*") + 1:]
            if not tail.startswith("."):
                tail = tail.split(".", 1)[1] if "." in tail else ""
            tail = tail.lstrip(".")
            if not tail or self._suffixes().privatesuffix(tail) is None and not _is_ip(tail):
                # nothing left but a public suffix (`*.com`) — except a vendor listed at that level
                vendor = self.vendor_for_host(tail) if tail else None
                return ("third_party", vendor) if vendor else ("unknown", None)
            reg = self.registrable_domain(tail)
            if own is not None and reg == own:
                return ("first_party", None)
            vendor = self.vendor_for_host(tail)
            if vendor is not None:
                return ("third_party", vendor)
            return ("unknown", None)
        reg = self.registrable_domain(host)
        if own is not None and reg == own:
            return ("first_party", None)
        return ("third_party", self.vendor_for_host(host))


# ------------------------------------------------------------------------------------------ severity

_SEVERITY_ORDER = {"critical": 0, "high": 1, "low": 2}


def severity(categories: list[str] | tuple[str, ...] | set[str], party: str, catch_all: bool = False
             ) -> tuple[str, str, str]:
    """(severity, rule_id, rule_name) for a finding (SPEC §4, docs/conventions.md rule ids).

    critical: card data or a password, or a catch-all read going to a third party; high: email, phone,
    name, address, birth date, or a catch-all read going first-party/unknown; low: postal code, free text,
    other only. The rule is that of the most severe category: FL001 > FL003 > FL002 > FL004.
    """
    cats = set(categories or ())
    if catch_all:
        cats.add("any_field")
    if cats & PAYMENT:
        return ("critical", "FL001", RULES["FL001"])
    if "any_field" in cats:
        sev = "critical" if party == "third_party" else "high"
        return (sev, "FL003", RULES["FL003"])
    if cats & PII:
        return ("high", "FL002", RULES["FL002"])
    return ("low", "FL004", RULES["FL004"])


def sort_categories(categories) -> list[str]:
    """Categories deduplicated, most severe first (stable order for output)."""
    return sorted(set(categories), key=lambda c: (CATEGORY_RANK.get(c, 99), c))
