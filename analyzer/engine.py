"""The pipeline, top to bottom.

discover files → parse HTML pages (fields, inline scripts) → parse JavaScript units → extract facts →
link (points-to, calls, modules) → trigger contexts → paths from sources to sinks → classify fields,
destinations and severity → findings. Each stage is a module of its own; this file only wires them.
"""
from __future__ import annotations

import gc
import time
from pathlib import Path

from analyzer.classify import Classifier, severity, sort_categories
from analyzer.discover import discover
from analyzer.extract import BudgetExceeded, Extractor
from analyzer.htmlpage import selector_of as _html_selector
from analyzer.htmlpage import decode_text, element_is_submit_control, parse_page
from analyzer.model import Finding, Location, Notification, PathStep, ScanResult, TriggerInfo
from analyzer.parse import Parsers, error_summary
from analyzer.paths import search
from analyzer.program import Program, Registration, Unit
from analyzer.rulebook import RuleBook
from analyzer.solve import Solver
from analyzer.triggers import compute

RULE_NAMES = {
    "FL001": "presubmit-payment-leak",
    "FL002": "presubmit-pii-leak",
    "FL003": "presubmit-catch-all-capture",
    "FL004": "presubmit-low-sensitivity-leak",
}


def scan(roots: list[Path], *, origin: str | None = None, exclude: list[str] | tuple = (),
         budget_seconds: float = 120.0, include_libraries: bool = False) -> ScanResult:
    """Scan files and folders; see the module docstring for the stages.

    `budget_seconds` bounds the extraction of any one file (0: no bound): a file that runs past it is
    reported (`budget`), what was extracted of it is kept, and the scan goes on with the next file."""
    # The analysis allocates millions of small acyclic objects: the cyclic garbage collector would
    # re-scan them again and again (half the run time on a bundle) and never free anything.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _scan(roots, origin, exclude, budget_seconds, include_libraries)
    finally:
        if was_enabled:
            gc.enable()


def _scan(roots, origin, exclude, budget_seconds, include_libraries) -> ScanResult:
    t0 = time.perf_counter()
    roots = [Path(r) for r in roots]
    rules = RuleBook.load()
    classifier = Classifier.from_rules()
    files, notes = discover(roots, exclude)
    prog = Program()
    parsers = Parsers()
    pages = []
    scanned: list[str] = []
    complete = not any(n.level == "error" for n in notes)

    # --- HTML pages and the scripts they include
    module_files: set[str] = set()
    page_of: dict[str, str] = {}
    for f in files:
        if f.kind != "html":
            continue
        try:
            page = parse_page(f.rel, f.data)
        except Exception as e:  # noqa: BLE001 - a broken page must not stop the scan
            notes.append(Notification(f.rel, "error", "html-error", f"cannot parse HTML: {e}"))
            complete = False
            continue
        pages.append(page)
        scanned.append(f.rel)
        if f.origin and not page.origin:
            page.origin = f.origin
        if page.encoding != "utf-8":
            notes.append(Notification(f.rel, "note" if "invalid" not in page.encoding else "warning", "encoding",
                                      f"page is not UTF-8; read as {page.encoding}"))
        if origin is None and page.origin:
            origin = page.origin
        module_files.update(page.module_srcs)
        for s in page.script_srcs + page.module_srcs:
            page_of.setdefault(s, page.rel)
        for i, s in enumerate(page.inline_scripts):
            kind = "module" if s.handler_event == "module" else "script"
            ev = None if s.handler_event in (None, "module") else s.handler_event
            code = s.code
            u = Unit(uid=len(prog.units), rel=f.rel, data=code.encode("utf-8"), line_off=s.line - 1,
                     col_off=s.col - 1, kind=kind, page=f.rel, handler_event=ev,
                     handler_element=("html", f.rel, s.element_index, s.element_selector) if ev else None)
            prog.units.append(u)

    for f in files:
        if f.kind == "html":
            continue
        lib = None if include_libraries else rules.library_of(f.data)
        if lib is not None:
            notes.append(Notification(f.rel, "note", "library",
                                      f"recognised as {lib}: its API is modelled by rules, its code is not analysed "
                                      "(--include-libraries analyses it)"))
            continue
        kind = "module" if f.rel in module_files or f.rel.endswith(".mjs") else "script"
        data = f.data
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            text, enc = decode_text(data, html=False)
            if not enc.startswith("utf-8"):  # a Shift_JIS / EUC-JP script: analyse it as UTF-8 text
                data = text.encode("utf-8")
                notes.append(Notification(f.rel, "note", "encoding", f"script is not UTF-8; read as {enc}"))
        u = Unit(uid=len(prog.units), rel=f.rel, data=data, kind=kind, page=page_of.get(f.rel))
        u.lang = f.kind  # type: ignore[attr-defined]
        prog.units.append(u)

    # --- parse and extract, unit by unit
    for u in prog.units:
        lang = getattr(u, "lang", "js")
        try:
            tree = parsers.parse(lang, u.data)
        except Exception as e:  # noqa: BLE001
            notes.append(Notification(u.rel, "error", "parse-error", f"parser failed: {e}"))
            complete = False
            continue
        if tree is None:
            notes.append(Notification(u.rel, "error", "parse-error", "parser gave up"))
            complete = False
            continue
        n_err, where = error_summary(tree)
        if n_err:
            at = ", ".join(f"{r + u.line_off}:{c}" for r, c in where)
            notes.append(Notification(u.rel, "warning", "syntax-error",
                                      f"{n_err} syntax error(s) (first at {at}); the rest of the file was analysed"))
        if u.kind == "script" and lang != "html":
            u.kind = _module_kind(tree, u.data)
        deadline = time.perf_counter() + budget_seconds if budget_seconds else None
        try:
            Extractor(prog, rules, u, tree, deadline).run()
        except BudgetExceeded:
            notes.append(Notification(u.rel, "error", "budget",
                                      f"analysis of this file ran past its {budget_seconds:g} s budget; "
                                      "the part analysed so far is kept"))
            complete = False
        del tree
        if u.rel not in scanned:
            scanned.append(u.rel)
        if u.data:
            try:
                u.data.decode("utf-8")
            except UnicodeDecodeError:
                notes.append(Notification(u.rel, "warning", "invalid-utf8",
                                          "file is not valid UTF-8; undecodable bytes were replaced"))

    # --- inline on…= handlers: the attribute's code runs on that event with `this` = the element
    solver = Solver(prog, rules)
    handler_regs = []
    for u in prog.units:
        if u.handler_event is None or u.top_fid < 0:
            continue
        _, page_rel, idx, sel = u.handler_element
        tn = prog.node("target", u.handler_event, u.uid, 0, u.top_fid)
        prog.seeds.append((tn, ("E", f"@html:{page_rel}:{idx}")))
        rg = Registration(len(prog.regs), u.uid, u.top_fid, 0, len(u.data), [u.handler_event], tn, (),
                          "on" + u.handler_event + " attribute")
        prog.regs.append(rg)
        prog.edge(tn, prog.funcs[u.top_fid].this)
        prog.seeds.append((prog.global_node("event"), ("EV", rg.rid)))
        handler_regs.append((u.top_fid, rg))
    solver.roots.extend((fid, "event", rg) for fid, rg in handler_regs)
    solver.run()

    # --- triggers
    selector_cache: dict[str, list] = {}

    page_by_rel = {pg.rel: pg for pg in pages}
    page_tags: dict[str, list] = {}

    def html_matches(sel: str) -> list:
        hit = selector_cache.get(sel)
        if hit is None and sel.startswith("@html:"):  # the very element an on…= attribute sits on
            rel, _, i = sel[len("@html:"):].rpartition(":")
            tags = page_tags.get(rel)
            if tags is None and rel in page_by_rel:
                tags = page_tags[rel] = page_by_rel[rel].soup.find_all(True)
            hit = selector_cache[sel] = [tags[int(i)]] if tags and 0 <= int(i) < len(tags) else []
        if hit is None:
            hit = []
            for page in pages:
                try:
                    hit.extend(page.soup.select(_css(sel)))
                except Exception:  # noqa: BLE001 - jQuery-only selector syntax
                    pass
            selector_cache[sel] = hit
        return hit

    resolver = SelectorResolver(prog, solver)

    def is_submit_selector(sel: str) -> bool:
        tags = html_matches(sel)
        if tags:
            return any(element_is_submit_control(t, rules) for t in tags)
        if rules.submit_words.search(sel) and not rules.non_submit_words.search(sel):
            return True
        return "[type=submit]" in sel.replace('"', "").replace("'", "")

    def is_submit_control(target_node: int) -> bool:
        for o in solver.objects((target_node,)):
            key = prog.objs[o]
            if key[0] == "E" and any(is_submit_selector(sel) for sel in resolver.selectors(key)):
                return True
        return False

    roots, pre = compute(prog, rules, solver.roots, solver.call_edges, solver.timer_edges, is_submit_control,
                         is_submit_selector)

    # --- sinks
    sink_list = []  # (kind, record, rule)
    sink_nodes: dict[int, int] = {}
    seen_sinks = set()
    for kind, rec, rule in solver.sink_hits:
        key = (kind, id(rec))
        if key in seen_sinks:
            continue
        seen_sinks.add(key)
        idx = len(sink_list)
        sink_list.append((kind, rec, rule))
        fid = rec.fid
        sk = prog.node("sink", rule.api, rec.uid, rec.start, fid)
        if kind == "call":
            sent = range(len(rec.args)) if rule.sent == "all" else rule.sent
            for i in sent:
                if i < len(rec.args):
                    prog.edges_from(rec.args[i], sk)
        else:
            prog.edges_from(rec.value, sk)
        prog.flush_edges()
        sink_nodes[sk] = idx

    # --- paths
    flows, truncated = search(prog, prog.sources, sink_nodes, pre)
    if truncated:
        notes.append(Notification("", "warning", "search-limit",
                                  f"{truncated} source(s) reached the path-search limit; results may be incomplete"))

    # --- findings
    findings = _findings(prog, rules, classifier, solver, roots, sink_list, flows, html_matches, origin)
    notes.sort(key=lambda n: (n.path, n.reason, n.message))
    stats = {"units": len(prog.units), "nodes": len(prog.kind), "edges": sum(map(len, prog.graph._succ.values())),
             "functions": len(prog.funcs), "calls": len(prog.calls), "sources": len(prog.sources),
             "sinks": len(sink_list), "seconds": round(time.perf_counter() - t0, 3)}
    return ScanResult(roots=[str(r) for r in roots], files_scanned=sorted(set(scanned)), notifications=notes,
                      findings=findings, complete=complete, origin=origin, stats=stats)


def _module_kind(tree, data: bytes) -> str:
    for c in tree.root_node.named_children:
        if c.type in ("import_statement", "export_statement"):
            return "module"
    if b"module.exports" in data or b"exports." in data[:20000] or b"require(" in data[:20000]:
        if b"__webpack_require__" not in data[:5000]:
            return "module"
    return "script"


def _css(sel: str) -> str:
    """jQuery selector extensions soupsieve does not know, translated to CSS."""
    return sel.replace(":input", "input, select, textarea").replace(":text", "[type=text]")


# ----------------------------------------------------------------------------------------------- findings
class SelectorResolver:
    """Turns element descriptors into CSS selectors, including selectors built from a parameter
    (`function val(id) { return document.getElementById(id).value }`): then the call sites say which."""

    def __init__(self, prog, solver):
        self.prog = prog
        self.param_of = {pn: (f.fid, i) for f in prog.funcs for i, pn in enumerate(f.params)}
        self.calls_of: dict[int, list] = {}
        self.call_by_result = {c.result: c for c in prog.calls}
        for cid, fid, mode in solver.linked:
            if mode in ("plain", "call", "apply"):
                self.calls_of.setdefault(fid, []).append((prog.calls[cid], mode))

    def selectors(self, key: tuple, path: list[int] | None = None) -> list[str]:
        if len(key) == 2:
            return [key[1]]
        template, part = key[1], key[2]
        values: list[str] = []
        pi = self.param_of.get(part[1]) if part[0] == "ref" else None
        if pi is None or not self.calls_of.get(pi[0]):
            # a constant, an element of a constant array, or a callback parameter fed from one
            return sorted({template.replace("{0}", v) for v in self.prog.strings_of(part)})
        fid, i = pi
        calls = self.calls_of.get(fid, [])
        if path:
            on_path = [c for c in (self.call_by_result.get(n) for n in path) if c is not None]
            chosen = [(c, m) for c, m in calls if any(c is x for x in on_path)]
            if chosen:
                calls = chosen
        for c, mode in calls:
            j = i + 1 if mode == "call" else i
            if j < len(c.str_args) and c.str_args[j]:
                values.append(c.str_args[j])
        return sorted({template.replace("{0}", v) for v in values})


def _field_info(prog, solver, classifier, src, html_matches, rules, resolver, path
                ) -> tuple[list[str], list[str], bool]:
    """Categories, human field descriptions, whether the field was resolved (for confidence)."""
    if src.catch_all:
        return ["any_field"], [src.how], True
    cats: set[str] = set()
    descs: list[str] = []
    resolved = False
    todo = list(solver.objects(src.base))
    seen = set()
    while todo:
        o = todo.pop()
        if o in seen:
            continue
        seen.add(o)
        key = prog.objs[o]
        if key[0] == "EV":
            todo.extend(solver.objects((prog.regs[key[1]].target,)))
            continue
        sels: list[str] = []
        if key[0] == "G":
            path_ = rules.normalize_path(key[1])
            name = _legacy_form_field(path_)
            if name:  # document.order.elements['o_tel'], document.form1.email
                sels = [f'[name="{name}"]']
            elif path_ in rules.catch_all_globals or path_ == "<global>" or path_.startswith("document."):
                cats.add("any_field")  # the whole page, or a whole form
                descs.append(path_)
                resolved = True
                continue
        elif key[0] == "E":
            sels = resolver.selectors(key, path)
        for sel in sels:
            resolved = True
            if sel == "*" or classifier.is_catch_all_selector(_css(sel)):
                cats.add("any_field")
                descs.append(sel)
                continue
            tags = [t for t in html_matches(sel) if t.name in ("input", "select", "textarea", "form")]
            kinds = set()
            for t in tags:
                if t.name == "form":
                    kinds.add("any_field")
                    continue
                attrs = {k.lower(): (" ".join(v) if isinstance(v, list) else str(v)) for k, v in t.attrs.items()}
                kinds.add(classifier.field_kind(attrs, _label_for(t), t.name))
            if not kinds:  # no page shows the field: every part of the selector says what it is
                kinds.update(classifier.selector_kinds(sel) or ["other"])
            cats |= kinds
            descs.append(_html_selector(tags[0]) if sel.startswith("@html:") and tags else sel)
    if not cats:
        k = classifier.selector_kind(src.text) if src.text else None
        if k:
            resolved = True
        cats.add(k or "other")
        descs.append(src.text or src.how)
    if "any_field" in cats:
        cats = {"any_field"}
    return sort_categories(cats), sorted(set(descs)), resolved


_DOCUMENT_NON_FORMS = frozenset({"body", "documentElement", "head", "location", "activeElement", "cookie",
                                 "defaultView", "scripts", "images", "links", "all"})


def _legacy_form_field(path: str) -> str | None:
    """The field a legacy DOM path names: `document.order.elements.o_tel`, `document.forms.order.o_tel`,
    `document.form1.email` (forms and their fields by name); None for anything else."""
    segs = path.split(".")
    if len(segs) < 3 or segs[0] != "document" or segs[1] in _DOCUMENT_NON_FORMS:
        return None
    if "elements" in segs:
        i = segs.index("elements")
        return segs[i + 1] if i + 1 < len(segs) and segs[i + 1] != "[]" else None
    if segs[1] == "forms":
        return segs[3] if len(segs) > 3 and segs[3] != "[]" else None
    return segs[2] if segs[2] != "[]" else None


def _label_for(tag) -> str:
    soup = tag
    while soup.parent is not None:
        soup = soup.parent
    if tag.get("id"):
        lab = soup.find("label", attrs={"for": tag["id"]})
        if lab is not None:
            return " ".join(lab.get_text(" ", strip=True).split())
    par = tag.find_parent("label")
    if par is not None:
        return " ".join(par.get_text(" ", strip=True).split())
    prev = tag.find_previous(string=True)
    return prev.strip()[:40] if prev is not None else ""


def _resolve_tmpl(prog, parts, depth: int = 0) -> str | None:
    if parts is None:
        return None
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif part[0] == "ref" and depth < 4:
            t = _const_of(prog, part[1])
            sub = _resolve_tmpl(prog, t, depth + 1) if t is not None else None
            out.append(sub if sub is not None else "*")
        else:
            out.append("*")
    s = "".join(out)
    while "**" in s:
        s = s.replace("**", "*")
    return s if s.strip("*") else None


def _const_of(prog, nid: int):
    """The one string template assigned to a variable (following ref↔var links), if there is one."""
    pred = prog.graph._pred
    seen = {nid}
    todo = [nid]
    found = []
    while todo and len(seen) < 20:
        n = todo.pop()
        if n in prog.consts:
            found.extend(prog.consts[n])
            continue
        for m in pred.get(n, ()):
            if m not in seen and prog.kind[m] in ("var", "global"):
                seen.add(m)
                todo.append(m)
    uniq = {repr(f): f for f in found}
    return next(iter(uniq.values())) if len(uniq) == 1 else None


def _loc(prog, uid, start, end) -> Location:
    line, col, eline, ecol = prog.location(uid, start, end)
    return Location(prog.units[uid].rel, line, col, eline, ecol)


STEP_TEXT = {
    "var": "held in `{}`", "global": "stored in global `{}`", "prop": "stored in property `.{}`",
    "load": "read from `.{}`", "call": "passed through `{}(…)`", "return": "returned from `{}`",
    "param": "passed as an argument", "object": "put into an object", "array": "put into an array",
    "storage": "kept in web storage under `{}`", "export": "exported as `{}`", "this": "bound to `this`",
}


def _steps(prog, flow, sink_loc: Location, sink_snip: str, api: str, field_desc: str) -> list[PathStep]:
    steps: list[PathStep] = []
    last_line = None
    path = flow.path
    for i, n in enumerate(path):
        kind = prog.kind[n]
        uid = prog.unit[n]
        if i == 0:
            loc = _loc(prog, uid, prog.pos[n], prog.pos[n] + 1)
            steps.append(PathStep(loc, f"reads {field_desc} ({prog.label[n]})",
                                  prog.snippet(uid, prog.pos[n], prog.pos[n] + 1)))
            last_line = (loc.path, loc.line)
            continue
        if i == len(path) - 1:
            break
        if uid < 0 or prog.pos[n] < 0 or kind in ("merge", "target", "source"):
            continue
        text = STEP_TEXT.get(kind)
        if text is None:
            continue
        loc = _loc(prog, uid, prog.pos[n], prog.pos[n] + 1)
        if (loc.path, loc.line) == last_line and kind not in ("return", "param"):
            continue
        last_line = (loc.path, loc.line)
        steps.append(PathStep(loc, text.format(prog.label[n]), prog.snippet(uid, prog.pos[n], prog.pos[n] + 1)))
    steps.append(PathStep(sink_loc, f"sent by {api}", sink_snip))
    return steps


def _findings(prog, rules, classifier, solver, roots, sink_list, flows, html_matches, origin) -> list[Finding]:
    resolver = SelectorResolver(prog, solver)
    by_sink: dict[int, list] = {}
    for fl in flows:
        by_sink.setdefault(fl.sink_key, []).append(fl)
    out: list[Finding] = []
    for idx, fls in by_sink.items():
        kind, rec, rule = sink_list[idx]
        cats: set[str] = set()
        descs: set[str] = set()
        trig_ids: set[int] = set()
        resolved_all = True
        best = None
        infos = [(fl, *_field_info(prog, solver, classifier, fl.source, html_matches, rules, resolver, fl.path))
                 for fl in fls]
        if any(r for _fl, _c, _d, r in infos):
            # a `.value` read on something unknown and unnamed adds nothing next to fields we know
            infos = [x for x in infos if x[3]]
        for fl, c, d, resolved in infos:
            resolved_all &= resolved
            cats |= set(c)
            descs |= set(d)
            trig_ids |= fl.triggers
            if best is None or (len(fl.path), fl.source.start) < (len(best[0].path), best[0].source.start):
                best = (fl, ", ".join(d))
        if "any_field" in cats:  # a catch-all read already covers the specific fields next to it
            cats = {"any_field"}
        sink_loc = _loc(prog, rec.uid, rec.start, rec.end)
        snip = prog.snippet(rec.uid, rec.start, rec.end)
        if kind == "call":
            if rule.url_arg is not None and rule.url_arg < len(rec.tmpl_args) and rec.tmpl_args[rule.url_arg]:
                dest = _resolve_tmpl(prog, rec.tmpl_args[rule.url_arg])
            else:
                dest = _resolve_tmpl(prog, rec.obj_url)
        else:
            dest = _resolve_tmpl(prog, rec.tmpl) if rule.url_arg is not None else None
        if rule.vendor:
            party, vendor = "third_party", rule.vendor
        else:
            party, vendor = classifier.destination(dest, origin)
        catch_all = "any_field" in cats
        sev, rule_id, rule_name = severity(sorted(cats), party, catch_all)
        triggers = []
        for rid in sorted(trig_ids, key=lambda r: (roots[r].event, roots[r].uid, roots[r].start)):
            rt = roots[rid]
            loc = _loc(prog, rt.uid, rt.start, rt.end) if rt.uid >= 0 else None
            triggers.append(TriggerInfo(rt.event, loc, rt.description))
        fn = prog.funcs[rec.fid]
        fname = "<top>" if fn.top else fn.name
        events = sorted({t.event for t in triggers})
        confidence = "high" if resolved_all and kind == "call" and rec.cid not in solver.fallback_calls else "medium"
        if kind == "store":
            confidence = "high" if resolved_all else "medium"
        fields = sorted(descs)
        where = dest or "an unresolved destination"
        who = f" ({vendor})" if vendor else ""
        msg = (f"{', '.join(sort_categories(cats))} from {', '.join(fields)} is sent via {rule.api} to {where}"
               f" [{party}{who}] on {', '.join(events)}, before the form is submitted")
        out.append(Finding(rule_id=rule_id, rule_name=rule_name, severity=sev, confidence=confidence,
                           categories=sort_categories(cats), fields=fields, triggers=triggers, sink_api=rule.api,
                           sink=sink_loc, sink_snippet=snip, destination=dest, party=party, vendor=vendor,
                           function=fname, steps=_steps(prog, best[0], sink_loc, snip, rule.api, best[1]),
                           message=msg))
    out.sort(key=lambda f: (f.sink.path, f.sink.line, f.sink.col, f.rule_id, f.sink_api))
    return out
