"""Stage 2a: HTML pages. Fields, forms, submit controls, inline scripts and handlers, script references.

BeautifulSoup with the standard library's `html.parser` backend: lenient with broken markup, and it gives
each tag's source line and column, which the inline scripts need so that findings point into the page.
CSS selectors found in code are matched against the parsed page with soupsieve (`soup.select`).
"""
from __future__ import annotations

import posixpath
import re
import warnings

from analyzer.model import HtmlField, InlineScript, Page

FIELD_TAGS = ("input", "select", "textarea")
NON_FIELD_TYPES = {"submit", "button", "image", "reset"}
JS_TYPES = {"", "text/javascript", "application/javascript", "module", "text/ecmascript", "application/x-javascript"}


def _line_starts(text: str) -> list[int]:
    out = [0]
    i = text.find("\n")
    while i != -1:
        out.append(i + 1)
        i = text.find("\n", i + 1)
    return out


def decode_text(data: bytes, html: bool) -> tuple[str, str]:
    """Text and the encoding used: UTF-8 when it is valid, else the page's declared charset (Shift_JIS
    pages of Japanese shops), else the legacy Japanese encodings when they decode cleanly, else UTF-8
    with replacement characters."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    if html:
        from bs4.dammit import EncodingDetector

        declared = EncodingDetector.find_declared_encoding(data, is_html=True)
        if declared:
            candidates.append(declared)
    candidates += ["cp932", "euc_jp"]
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", "replace"), "utf-8 (invalid bytes replaced)"


class _Points:
    """(line, column) of character offsets, columns in UTF-16 code units. Offsets asked for in increasing
    order on one line are counted on from the previous one, so 100,000 handlers on one line stay linear."""

    def __init__(self, text: str, starts: list[int]) -> None:
        self.text = text
        self.starts = starts
        self._last = (-1, 0, 0)  # row, offset, column units

    def __call__(self, off: int) -> tuple[int, int]:
        import bisect

        row = bisect.bisect_right(self.starts, off) - 1
        lrow, loff, lcol = self._last
        if lrow == row and loff <= off:
            col = lcol + len(self.text[loff:off].encode("utf-16-le")) // 2
        else:
            col = len(self.text[self.starts[row]:off].encode("utf-16-le")) // 2
        self._last = (row, off, col)
        return row + 1, col + 1


def _nearest(tag, name: str, cache: dict):
    """The nearest ancestor of `tag` named `name` (or None); `cache` makes all queries together linear in
    the size of the document (100,000 nested <div>s with fields at the bottom)."""
    path = []
    p = tag.parent
    res = None
    while p is not None:
        key = id(p)
        if key in cache:
            res = cache[key]
            break
        if p.name == name:
            res = p
            cache[key] = p
            break
        path.append(key)
        p = p.parent
    for k in path:
        cache[k] = res
    return res


def _previous_text(tag, limit: int = 64):
    """The text just before `tag` (bs4's `find_previous(string=True)`), looking back `limit` nodes at most."""
    from bs4 import NavigableString

    for i, el in enumerate(tag.previous_elements):
        if i >= limit:
            return None
        if isinstance(el, NavigableString) and type(el).__name__ == "NavigableString":
            return el
    return None


def parse_page(rel: str, data: bytes, budget=None, inits=()) -> Page:
    """Parse one page. `budget` (analyzer.budget.Budget) is charged for the parse and each element read;
    it raises BudgetExceeded when spent. `inits`: the rules' [[component_init]] records (the page's
    declarations of components to start are read as scripts that start them)."""
    from bs4 import BeautifulSoup

    from analyzer.budget import parse_steps

    def spend(n: int) -> None:
        if budget is not None:
            budget.spend(n)

    # html.parser and bs4 cost about 70 µs per tag on a loaded machine: charged before the parse, which cannot
    # be cut (a page too big for its budget is not parsed at all: the same result every run)
    spend(parse_steps(len(data)) + 4 * data.count(b"<"))
    text, page_encoding = decode_text(data, html=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(text, "html.parser")
    page = Page(rel=rel, soup=soup)
    page.encoding = page_encoding
    starts = _line_starts(text)

    def offset(tag) -> int:
        line = getattr(tag, "sourceline", None)
        col = getattr(tag, "sourcepos", None)
        if line is None:
            return -1
        return starts[min(line - 1, len(starts) - 1)] + (col or 0)

    point = _Points(text, starts)
    label_of: dict = {}
    form_of: dict = {}

    labels: dict[str, str] = {}
    for lab in soup.find_all("label"):
        t = " ".join(lab.get_text(" ", strip=True).split())
        if lab.get("for"):
            labels[lab["for"]] = t
    forms = soup.find_all("form")
    form_index = {id(f): str(i) for i, f in enumerate(forms)}
    for i, tag in enumerate(soup.find_all(FIELD_TAGS)):
        if not i & 63:
            spend(64 * 4)
        attrs = {k.lower(): (" ".join(v) if isinstance(v, list) else str(v)) for k, v in tag.attrs.items()}
        if tag.name == "input" and attrs.get("type", "text").lower() in NON_FIELD_TYPES:
            continue
        label = labels.get(attrs.get("id", ""), "")
        if not label:
            parent_label = _nearest(tag, "label", label_of)
            if parent_label is not None:
                label = " ".join(parent_label.get_text(" ", strip=True).split())
        if not label:  # a label-like text right before the field (table layouts: <th>電話番号</th><td><input>)
            prev = _previous_text(tag)
            if prev is not None:
                label = prev.strip()[:40]
        form = _nearest(tag, "form", form_of)
        page.fields.append(HtmlField(page=rel, tag=tag.name, attrs=attrs, label=label,
                                     form_id=form_index.get(id(form)) if form is not None else None,
                                     line=getattr(tag, "sourceline", 0) or 0))
    for link in soup.find_all("link"):
        rels = link.get("rel") or []
        if "canonical" in [r.lower() for r in rels] and link.get("href", "").startswith("http"):
            page.origin = page.origin or link["href"]
    for meta in soup.find_all("meta"):
        if meta.get("property") == "og:url" and meta.get("content", "").startswith("http"):
            page.origin = page.origin or meta["content"]

    page_dir = posixpath.dirname(rel)
    init_types = {ci.script_type for ci in inits}
    for tag in soup.find_all("script"):
        typ = (tag.get("type") or "").lower().strip()
        if typ in init_types and tag.string:
            off = offset(tag)
            line, col = point(text.find(">", off) + 1) if off >= 0 else (getattr(tag, "sourceline", 1) or 1, 1)
            code = _init_code(tag.string, None)
            if code:
                page.inline_scripts.append(InlineScript(page=rel, code=code, line=line, col=col))
            continue
        if typ not in JS_TYPES:
            continue
        src = tag.get("src")
        if src:
            if re.match(r"^[a-z][a-z0-9+.-]*:|^//", src, re.I):
                continue  # remote script: not part of the scan
            path = src.split("?")[0].split("#")[0]
            resolved = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(page_dir, path))
            (page.module_srcs if typ == "module" else page.script_srcs).append(resolved)
            continue
        code = tag.string or ""
        if not code.strip():
            continue
        off = offset(tag)
        start = text.find(">", off) + 1 if off >= 0 else -1
        pos = text.find(code, start) if start > 0 else -1
        line, col = point(pos) if pos >= 0 else (getattr(tag, "sourceline", 1) or 1, 1)
        page.inline_scripts.append(InlineScript(page=rel, code=code, line=line, col=col,
                                                handler_event="module" if typ == "module" else None))
    init_attrs = sorted({ci.attribute for ci in inits})
    for idx, tag in enumerate(soup.find_all(True)):
        if not idx & 255:
            spend(256)
        for attr in init_attrs:
            decl = tag.get(attr)
            if isinstance(decl, str) and decl.strip():
                code = _init_code(decl, selector_of(tag))
                if code:
                    off = offset(tag)
                    line, col = point(off) if off >= 0 else (getattr(tag, "sourceline", 1) or 1, 1)
                    page.inline_scripts.append(InlineScript(page=rel, code=code, line=line, col=col))
        handlers = [(k, v) for k, v in tag.attrs.items() if k.lower().startswith("on") and isinstance(v, str) and v.strip()]
        href = tag.get("href") if tag.name == "a" else None
        if isinstance(href, str) and href.strip().lower().startswith("javascript:") and "onclick" not in tag.attrs:
            handlers.append(("onclick", href.strip()[len("javascript:"):]))  # <a href="javascript:send()">
        if not handlers:
            continue
        off = offset(tag)
        spend(len(handlers))
        window = 1024 + 2 * sum(len(str(k)) + len(str(v)) + 4 for k, v in tag.attrs.items())
        for k, v in handlers:
            start = off if off >= 0 else 0
            m = re.compile(re.escape(k) + r"\s*=\s*([\"']?)", re.I).search(text, start, start + window)
            line, col = point(m.end()) if m else (getattr(tag, "sourceline", 1) or 1, 1)
            page.inline_scripts.append(InlineScript(page=rel, code=v, line=line, col=col,
                                                    handler_event=k.lower()[2:], element_selector=selector_of(tag),
                                                    element_index=idx))
    return page


_MAX_INITS = 256  # components started by one declaration
_SERVER_VALUE = re.compile(r"(:\s*)<\?.*?\?>", re.S)  # `"x": <?= json_encode($config) ?>` in a .phtml


def _init_code(decl: str, element: str | None) -> str:
    """A page's declaration of components to start (rules [[component_init]]) as one line of script:
    `require(["Vendor_Module/js/x"], function (c) { c(config, element); });` per component. `element`: the
    selector of the element whose attribute declares `{component: config}`; None for a script block's
    `{selector: {component: config}}` ("*": no element). Empty when the declaration is not JSON."""
    import json

    from analyzer.safeio import loads_bounded

    try:
        tree = loads_bounded(_SERVER_VALUE.sub(r"\1null", decl.strip()))
    except ValueError:
        return ""
    if not isinstance(tree, dict):
        return ""
    pairs = []
    if element is not None:
        pairs = [(element, tree)]
    else:
        pairs = [(sel, comps) for sel, comps in tree.items() if isinstance(comps, dict)]
    out = []
    for sel, comps in pairs:
        for name, config in comps.items():
            if len(out) >= _MAX_INITS or not isinstance(name, str) or not name:
                break
            el = "undefined" if sel == "*" else f"document.querySelector({json.dumps(sel)})"
            out.append(f"require([{json.dumps(name)}], function (__fl_component) {{ "
                       f"__fl_component({json.dumps(config)}, {el}); }});")
    return " ".join(out)


def selector_of(tag) -> str:
    if tag.get("id"):
        return "#" + tag["id"]
    if tag.get("name"):
        return f'{tag.name}[name="{tag["name"]}"]'
    return tag.name


def element_is_submit_control(tag, rules) -> bool:
    """Is this element the form's submit control (SPEC §2)?"""
    name = tag.name
    typ = (tag.get("type") or "").lower()
    if name == "input" and typ in ("submit", "image"):
        return True
    if name == "button" and typ == "submit":
        return True
    if name == "form":
        return False
    words = " ".join(str(x) for x in (tag.get("id", ""), " ".join(tag.get("class", []) or []), tag.get("name", ""),
                                      tag.get("value", ""), tag.get_text(" ", strip=True)))
    if rules.strong_submit_words.search(words):
        return True
    if rules.non_submit_words.search(words):
        return False
    if name == "button" and not typ and tag.find_parent("form") is not None:
        return True
    return bool(rules.submit_words.search(words))
