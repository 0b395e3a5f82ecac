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


def parse_page(rel: str, data: bytes) -> Page:
    from bs4 import BeautifulSoup

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

    def point(off: int) -> tuple[int, int]:
        import bisect

        row = bisect.bisect_right(starts, off) - 1
        col = len(text[starts[row]:off].encode("utf-16-le")) // 2
        return row + 1, col + 1

    labels: dict[str, str] = {}
    for lab in soup.find_all("label"):
        t = " ".join(lab.get_text(" ", strip=True).split())
        if lab.get("for"):
            labels[lab["for"]] = t
    forms = soup.find_all("form")
    form_index = {id(f): str(i) for i, f in enumerate(forms)}
    for tag in soup.find_all(FIELD_TAGS):
        attrs = {k.lower(): (" ".join(v) if isinstance(v, list) else str(v)) for k, v in tag.attrs.items()}
        if tag.name == "input" and attrs.get("type", "text").lower() in NON_FIELD_TYPES:
            continue
        label = labels.get(attrs.get("id", ""), "")
        if not label:
            parent_label = tag.find_parent("label")
            if parent_label is not None:
                label = " ".join(parent_label.get_text(" ", strip=True).split())
        if not label:  # a label-like text right before the field (table layouts: <th>電話番号</th><td><input>)
            prev = tag.find_previous(string=True)
            if prev is not None:
                label = prev.strip()[:40]
        form = tag.find_parent("form")
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
    for tag in soup.find_all("script"):
        typ = (tag.get("type") or "").lower().strip()
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
    for idx, tag in enumerate(soup.find_all(True)):
        handlers = [(k, v) for k, v in tag.attrs.items() if k.lower().startswith("on") and isinstance(v, str) and v.strip()]
        href = tag.get("href") if tag.name == "a" else None
        if isinstance(href, str) and href.strip().lower().startswith("javascript:") and "onclick" not in tag.attrs:
            handlers.append(("onclick", href.strip()[len("javascript:"):]))  # <a href="javascript:send()">
        if not handlers:
            continue
        off = offset(tag)
        for k, v in handlers:
            m = re.compile(re.escape(k) + r"\s*=\s*([\"']?)", re.I).search(text, off if off >= 0 else 0)
            line, col = point(m.end()) if m else (getattr(tag, "sourceline", 1) or 1, 1)
            page.inline_scripts.append(InlineScript(page=rel, code=v, line=line, col=col,
                                                    handler_event=k.lower()[2:], element_selector=selector_of(tag),
                                                    element_index=idx))
    return page


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
