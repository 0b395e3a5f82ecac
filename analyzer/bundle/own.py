"""Stage 2b (own files): a library's own build shipped as a file of the site, recognised before or beside the
bundle stage (analyzer/bundle/modules.py): by the licence banner its leading comments hold (`leading_library`, before
parsing), or, without one, by its signature plus the way library builds export themselves
(`own_file_library`); a shop bundle whose map names the library's package among its sources is none
(`_inlines`). Such a file is not analysed; `library_note` says so.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analyzer.bundle.modules import LibraryRule, LibraryRules

# comments, blank space and a leading "use strict" directive (zone.js's UMD build starts with one)
_LEADING = re.compile(rb"\A(?:\s+|/\*.*?\*/|//[^\n]*\n|;|(?:'use strict'|\"use strict\")\s*;)*", re.DOTALL)


def library_note(rel: str, lib: str):
    """The note on a file that is a library's own: not analysed."""
    from analyzer.model import Notification

    return Notification(rel, "note", "library", f"recognised as {lib}: its API is modelled by rules, its code is "
                        "not analysed (--include-libraries analyses it)")


def leading_library(data: bytes, rules) -> str | None:
    """A library file shipped as its own file: its banner is in the comments the file starts with. A banner
    further in (a bundle that starts with its runtime) is the bundle stage's to judge, module by module."""
    head = data[:4096]
    end = _LEADING.match(head).end()
    return rules.library_of(head[:end]) if end else None


_UMD_COMMONJS = re.compile(rb"typeof\s+exports\b|typeof\s+module\b")
_UMD_AMD = re.compile(rb"define\.amd\b|typeof\s+define\b")
_UMD_HEAD = 1024


def own_file_library(data: bytes, lib_rules: LibraryRules) -> LibraryRule | None:
    """A library's own build shipped as a file, recognised without a banner (axios's `dist/axios.min.js`
    keeps its licence at the end; htmx, rrweb and tracker SDK builds have none): the library's `signature`
    is in the file, and the file hands its code to the library's `global` the way library builds do —
    a UMD wrapper (its first kilobyte tests both `typeof exports` and `define.amd` and names the global:
    `(e=globalThis||self).axios=t()`, `g["rrweb"]=f()`), a first statement that declares the global
    (`var htmx=function(){…}()`), or a file that is one IIFE assigning it (`h.posthog=i`, `V.mixpanel=c`: a
    tracker SDK replacing its loader snippet's stub). Shops ship applications, not
    builds of a library: a shop bundle that inlines a library is not taken for it unless it also exports
    itself under the library's name."""
    head = data[:_UMD_HEAD]
    lead = _LEADING.match(head).end()
    umd = _UMD_COMMONJS.search(head) is not None and _UMD_AMD.search(head) is not None
    iife = _IIFE_START.match(head, lead) is not None
    specs = None
    for r in lib_rules.rules:
        if r.packages is not None and r.signature is not None:
            # an ES module of a package: it imports from the library's own packages and from nothing else
            # (a shop's module imports its own files, or nothing once bundled)
            if specs is None:
                specs = [m.group(1).decode("utf-8", "replace") for m in _ESM_FROM.finditer(data)]
            if specs and all(r.packages.search(x) for x in specs) and r.signature.search(data) is not None:
                return r
        if not r.api_global or r.signature is None:
            continue
        if r.signature.search(data) is None:  # (the signature first: it is one selective search)
            continue
        g = re.escape(r.api_global.encode())
        shaped = (umd and re.search(rb"[.\[\"']" + g + rb"\b", head) is not None) or \
            re.compile(rb"(?:var|let|const)\s+" + g + rb"\s*=").match(head, lead) is not None or \
            (iife and (_member_assigned(data, g) or _assigned_by_name(data, g)))
        if shaped:
            return r
    return None


def _member_assigned(data: bytes, g: bytes) -> bool:
    """`h.posthog=i`, `(0,x).axios=t` (not `this.posthog=`): the global assigned as a member of an object.
    The `.name=` is searched, then the character before it looked at (a pattern that starts with a character
    class tries every position of the file)."""
    for m in re.finditer(rb"\." + g + rb"\s*=[^=]", data):
        i = m.start()
        if not i or _MEMBER_END.match(data, i - 1) is None:
            continue
        if data[max(0, i - 4):i] == b"this" and (i < 5 or _WORD_CHAR.match(data, i - 5) is None):
            continue  # `this.posthog=`: a property of the library's own object
        return True
    return False


_MEMBER_END = re.compile(rb"[\w$)\]]")
_WORD_CHAR = re.compile(rb"[\w$]")
_NAME_EQ_END = re.compile(rb"(?<![\w$])([\w$]+)\s*=\s*\Z")  # `Le=` right before `"mixpanel"`
_NAME_END = re.compile(rb"(?<![\w$])([\w$]+)\Z")  # `E` right before `[Le]=`


def _assigned_by_name(data: bytes, g: bytes) -> bool:
    """`Le="mixpanel"` … `E[Le]=Se` with `E=window`: the global assigned through a constant holding its name
    (on the window itself: a library's own object keyed by its name is no export)."""
    for q in re.finditer(rb"[\"']" + g + rb"[\"']", data):  # the literal first: a search that starts at
        m = _NAME_EQ_END.search(data, max(0, q.start() - 256), q.start())  # every word is quadratic-ish
        if m is None:
            continue
        name = re.escape(m.group(1))
        if len(re.findall(rb"(?<![\w$.])" + name + rb"\s*=[^=]", data)) != 1:
            continue  # a minifier's name reused in many scopes says nothing
        for b in re.finditer(rb"\[" + name + rb"\]\s*=[^=]", data):
            a = _NAME_END.search(data, max(0, b.start() - 256), b.start())
            if a is not None and re.search(rb"(?<![\w$.])" + re.escape(a.group(1)) + rb"\s*=\s*window\b",
                                           data) is not None:
                return True
    return False


_IIFE_START = re.compile(rb"[!;+~]?\s*\(?\s*(?:function\b|\(\s*\)\s*=>)")
# `import {…} from '@sentry/core'`, `export * from '…'`, `import '…'` at the start of a statement
_ESM_FROM = re.compile(rb"""(?:^|[;\n}])\s*(?:import|export)\b[^;'"`]{0,2000}?(?:\bfrom\s*)?['"]([^'"\n]+)['"]""")


def _inlines(probe, size: int, lib: LibraryRule, lib_rules: LibraryRules, samples: int = 256) -> bool:
    """The file's map says that the library is one of the packages bundled into it (`node_modules/jquery/…`
    at some of its positions): a build of the shop with jQuery inside, which assigns `window.jQuery` as
    jQuery's own build does. (A library's own build maps to its own sources, `../src/…`, never to its
    package under `node_modules/`.)"""
    if probe is None:
        return False
    source_at = probe[0]
    for k in range(samples):
        if lib_rules.by_path(source_at(size * k // samples)) is lib:
            return True
    return False
