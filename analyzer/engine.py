"""The pipeline, top to bottom.

discover files → parse HTML pages (fields, inline scripts) → parse JavaScript units → extract facts →
link (points-to, calls, modules) → trigger contexts → paths from sources to sinks → classify fields,
destinations and severity → findings. Each stage is a module of its own; this file only wires them.
"""
from __future__ import annotations

import gc
import time
from pathlib import Path

from analyzer.bundle import bundle_stage, leading_library
from analyzer.classify import Classifier
from analyzer.discover import discover
from analyzer.extract import BudgetExceeded, Extractor
from analyzer.fold import unresolved_names
from analyzer.findings import SelectorResolver, jquery_css, build_findings
from analyzer.htmlpage import decode_text, element_is_submit_control, parse_page
from analyzer.model import Notification, ScanResult
from analyzer.parse import Parsers, error_summary
from analyzer.paths import search
from analyzer.program import Program, Registration, Unit
from analyzer.rulebook import RuleBook
from analyzer.solve import Solver
from analyzer.triggers import compute, live_registrations

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
        lib = None if include_libraries else leading_library(f.data, rules)
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

    # --- a folder of several sites (each sub-folder with its own pages): one global scope per site
    site_dirs = {f.rel.split("/", 1)[0] for f in files if f.kind == "html" and "/" in f.rel}
    if len(site_dirs) >= 2:
        for u in prog.units:
            top = u.rel.split("/", 1)[0] if "/" in u.rel else ""
            u.scope = top if top in site_dirs else ""

    # --- parse every unit, find the modules and bundled libraries of bundles, then extract unit by unit
    parsed = []
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
        parsed.append((u, lang, tree))
    bundles, library_files, bundle_notes = bundle_stage(parsed, rules, include_libraries)
    notes.extend(bundle_notes)
    for i, (u, lang, tree) in enumerate(parsed):
        parsed[i] = None  # each tree is dropped once its unit is extracted
        if u.uid in library_files:
            continue
        deadline = time.perf_counter() + budget_seconds if budget_seconds else None
        try:
            Extractor(prog, rules, u, tree, deadline, bundles).run()
        except BudgetExceeded:
            notes.append(Notification(u.rel, "error", "budget",
                                      f"analysis of this file ran past its {budget_seconds:g} s budget; "
                                      "the part analysed so far is kept"))
            complete = False
        if u.rel not in scanned:
            scanned.append(u.rel)
        if u.data:
            try:
                u.data.decode("utf-8")
            except UnicodeDecodeError:
                notes.append(Notification(u.rel, "warning", "invalid-utf8",
                                          "file is not valid UTF-8; undecodable bytes were replaced"))

    del parsed
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
        prog.seeds.append((prog.global_node("event", u.scope), ("EV", rg.rid)))
        handler_regs.append((u.top_fid, rg))
    solver.roots.extend((fid, "event", rg) for fid, rg in handler_regs)
    solver.run()
    notes.extend(unresolved_names(prog))

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
                    hit.extend(page.soup.select(jquery_css(sel)))
                except Exception:  # noqa: BLE001 - jQuery-only selector syntax
                    pass
            selector_cache[sel] = hit
        return hit

    resolver = SelectorResolver(prog, solver)

    def is_submit_selector(sel: str) -> bool:
        tags = html_matches(sel)
        if tags:
            return any(element_is_submit_control(t, rules) for t in tags)
        if rules.strong_submit_words.search(sel):
            return True
        if rules.submit_words.search(sel) and not rules.non_submit_words.search(sel):
            return True
        return "[type=submit]" in sel.replace('"', "").replace("'", "")

    def is_submit_control(target_node: int) -> bool:
        for o in solver.objects((target_node,)):
            key = prog.objs[o]
            if key[0] == "E" and any(is_submit_selector(sel) for sel in resolver.selectors(key, None, (target_node,))):
                return True
        return False

    live = live_registrations(prog, solver.roots, solver.call_edges, solver.escaping())
    roots, pre = compute(prog, rules, live, solver.call_edges, solver.timer_edges, is_submit_control,
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
    findings = build_findings(prog, rules, classifier, solver, roots, sink_list, flows, html_matches, origin)
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
