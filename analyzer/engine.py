"""The pipeline, top to bottom.

discover files → parse HTML pages (fields, inline scripts) → parse JavaScript units → extract facts →
link (points-to, calls, modules) → trigger contexts → paths from sources to sinks → classify fields,
destinations and severity → findings. Each stage is a module of its own; this file only wires them.
"""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
import time
from pathlib import Path

from analyzer.bundle.modules import bundle_stage
from analyzer.bundle.own import leading_library, library_note
from analyzer.classify import Classifier
from analyzer.discover import discover
from analyzer.budget import Budget, BudgetExceeded, parse_steps
from analyzer.extract.factcache import FactCache, cache_salt
from analyzer.extract.extractor import Extractor
from analyzer.extract.facts import UnitJob
from analyzer.extract.fold import unresolved_names
from analyzer.findings import SelectorResolver, jquery_css, build_findings
from analyzer.htmlpage import decode_text, element_is_submit_control, parse_page
from analyzer.locate import locate
from analyzer.bundle.mapfind import MapReader, load_maps
from analyzer.model import Notification, ScanResult
from analyzer.models.component_templates import ComponentTemplates
from analyzer.models.templates import TemplateModels
from analyzer.link.merge import merge_unit
from analyzer.parse import Parsers
from analyzer.resultcache import ResultCache, cacheable, result_salt
from analyzer.paths import search
from analyzer.program import Program, Registration, Unit
from analyzer.rulebook import RuleBook
from analyzer.rules import rules_dir
from analyzer.sanitize import strip_userinfo
from analyzer.link.solve import Solver
from analyzer.stats import StageClock
from analyzer.triggers import compute, live_registrations
from analyzer.memory import parse_prefix, prefix_note, release_freed_memory
from analyzer.extract.workers import FAULT_ENV, ExtractionPool, extract_units, pool_jobs

MAX_DROPS = 8  # files dropped after a fault in a whole-scan stage before the scan gives up


class StageFault(Exception):
    """An exception in a stage that works on the whole scan (link, triggers, paths, findings), with the
    file whose facts were being worked on when it happened (None when no file can be named)."""

    def __init__(self, stage: str, rel: str | None, cause: BaseException):
        super().__init__(f"{stage}: {type(cause).__name__}: {cause}")
        self.stage, self.rel, self.cause = stage, rel, cause


def scan(roots: list[Path], *, origin: str | None = None, exclude: list[str] | tuple = (),
         budget_seconds: float = 120.0, include_libraries: bool = False, stats: bool = False,
         respect_gitignore: bool = False, jobs: int = 1, cache_dir: Path | None = None,
         pool: ExtractionPool | None = None, result_cache: bool = True) -> ScanResult:
    """Scan files and folders; see the module docstring for the stages.

    `budget_seconds` bounds the analysis of any one file, a page with all its inline scripts included (0: no
    bound; see analyzer/budget.py): a file that runs past it is reported (`budget`), what was extracted of it
    is kept, and the scan goes on with the next file.
    `jobs` > 1 parses and extracts in that many worker processes (or in `pool`, reusable across scans);
    `cache_dir` keeps each file's facts there for the next scan (None: no cache). See extract/workers.py. With
    `result_cache` it also keeps the whole result: a re-scan of an unchanged tree returns it (resultcache.py).

    Isolation: an exception while extracting one file drops that file with a `crashed` notification; an
    exception in a whole-scan stage (link, triggers, paths, findings) that can be traced to a file drops
    that file's facts and runs the analysis again without it (at most MAX_DROPS times). `stats` adds
    per-stage timings to `ScanResult.stats["timings"]` (wall-clock: not deterministic)."""
    # The analysis allocates millions of small acyclic objects: the cyclic garbage collector would
    # re-scan them again and again (half the run time on a bundle) and never free anything.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        dropped: dict[str, Notification] = {}
        rcache = key = discovered = clock = None
        if cache_dir is not None and result_cache:
            clock = StageClock()
            t0 = time.perf_counter()
            with clock.stage("discover"):
                discovered = discover([Path(r) for r in roots], exclude, respect_gitignore=respect_gitignore)
            rcache = ResultCache(cache_dir, result_salt(rules_dir()))
            key = rcache.key(roots, discovered[0], discovered[1], {
                "origin": origin, "budget": float(budget_seconds), "include_libraries": bool(include_libraries),
                "fault": os.environ.get(FAULT_ENV, "")})
            hit = rcache.get(key)
            if hit is not None:
                hit.stats.update(seconds=round(time.perf_counter() - t0, 3), extract_seconds=0.0, result_cached=True)
                if stats:
                    hit.stats["timings"] = clock.summary()
                return hit
        while True:
            clock = clock if clock is not None and not dropped else StageClock()  # (discovery's time kept)
            try:
                result = _scan(roots, origin, exclude, budget_seconds, include_libraries, clock, dropped,
                               respect_gitignore, jobs, cache_dir, pool, discovered)
            except StageFault as fault:
                if fault.rel is None or fault.rel in dropped or len(dropped) >= MAX_DROPS:
                    raise
                dropped[fault.rel] = Notification(
                    fault.rel, "error", "crashed",
                    f"the {fault.stage} stage failed on this file ({type(fault.cause).__name__}: "
                    f"{_short(fault.cause)}); its facts were dropped and the rest was analysed")
                continue
            if rcache is not None and cacheable(result):
                rcache.put(key, result)
            if stats:
                result.stats["timings"] = clock.summary()
            return result
    finally:
        if was_enabled:
            gc.enable()


def _short(e: BaseException, limit: int = 160) -> str:
    text = " ".join(str(e).split())
    return text if len(text) <= limit else text[:limit] + "…"


def _blame(prog: Program, stage: str, e: Exception, nid: int | None = None, uid: int | None = None) -> StageFault:
    """The StageFault for exception `e`, naming the file of node `nid` or unit `uid` when known."""
    rel = None
    try:
        if uid is None and nid is not None and 0 <= nid < len(prog.unit):
            uid = prog.unit[nid]
        if uid is not None and 0 <= uid < len(prog.units):
            rel = prog.units[uid].rel
    except Exception:  # noqa: BLE001 - naming the file must never raise itself
        rel = None
    return StageFault(stage, rel, e)


def _scan(roots, origin, exclude, budget_seconds, include_libraries, clock: StageClock,
          dropped: dict[str, Notification], respect_gitignore: bool = False, jobs: int = 1,
          cache_dir: Path | None = None, pool: ExtractionPool | None = None, discovered=None) -> ScanResult:
    t0 = time.perf_counter()
    roots = [Path(r) for r in roots]
    rules = RuleBook.load()
    classifier = Classifier.from_rules()
    if discovered is not None:  # done by scan() for the result cache's key (same arguments)
        files, notes = list(discovered[0]), list(discovered[1])
    else:
        with clock.stage("discover"):
            files, notes = discover(roots, exclude, respect_gitignore=respect_gitignore)
    notes.extend(dropped.values())
    files = [f for f in files if f.rel not in dropped]
    origin = strip_userinfo(origin)
    budgets: dict[str, Budget] = {}  # per file (a page and its inline scripts share one)
    timed_out: set[str] = set()  # files stopped by the wall clock: none of their findings are reported

    def over_budget(rel: str, b: Budget) -> None:
        notes.append(Notification(rel, "error", b.exceeded, b.message()))
        if b.exceeded == "budget-time":
            timed_out.add(rel)
    prog = Program()
    parsers = Parsers()
    cache = FactCache(cache_dir, cache_salt(rules_dir())) if cache_dir is not None else None
    pages = []
    scanned: list[str] = []
    complete = not any(n.level == "error" for n in notes)

    # --- HTML pages and the scripts they include
    module_files: set[str] = set()
    page_of: dict[str, str] = {}
    templates = TemplateModels(parsers)
    component_templates = ComponentTemplates(templates)
    for f in files:
        if f.kind != "html":
            continue
        b = budgets[f.rel] = Budget(budget_seconds, len(prog.kind))
        try:
            with clock.stage("pages", f.rel):
                page = parse_page(f.rel, templates.prepare(f.rel, f.data), b, templates.inits)  # (same length: positions stay)
                bound = templates.bind(page, decode_text(f.data, html=True)[0])
        except BudgetExceeded:
            over_budget(f.rel, b)
            complete = False
            continue
        except Exception as e:  # noqa: BLE001 - a broken page must not stop the scan
            notes.append(Notification(f.rel, "error", "html-error", f"cannot parse HTML: {e}"))
            complete = False
            continue
        finally:
            b.pause()  # the clock of a file counts only work on it
        pages.append(page)
        scanned.append(f.rel)
        page.origin = strip_userinfo(page.origin)
        if f.origin and not page.origin:
            page.origin = strip_userinfo(f.origin)
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
            if bound is not None and bound.script_index == i:  # the template's bindings, in the script's scope
                _attach(u, bound)
            if bound is not None and i in dict(bound.script_langs):
                u.lang = dict(bound.script_langs)[i]  # type: ignore[attr-defined]
            prog.units.append(u)
        if bound is not None and bound.script_index is None:  # an in-DOM template: a script of its own
            u = Unit(uid=len(prog.units), rel=f.rel, data=b"", kind="script", page=f.rel)
            _attach(u, bound)
            prog.units.append(u)

    for f in files:
        if f.kind == "html":
            continue
        lib = None if include_libraries else leading_library(f.data, rules)
        if lib is not None:
            notes.append(library_note(f.rel, lib))
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
        cut = parse_prefix(data)
        if cut is not None:  # a memory bound: the rest of the file is not parsed
            notes.append(prefix_note(f.rel, len(data), cut))
            complete = False
            data = data[:cut]
        u = Unit(uid=len(prog.units), rel=f.rel, data=data, kind=kind, page=page_of.get(f.rel))
        u.lang = f.kind  # type: ignore[attr-defined]
        bound = component_templates.bind(f.rel, data, f.kind)  # `{ template: `<input v-model=…>` }`
        if bound is not None:
            if bound[0] is not None:  # (a component whose template is imported has no page here)
                pages.append(bound[0])
            _attach(u, bound[1])
            u.aliases = bound[2] or None
        prog.units.append(u)
        # a platform component the script extends (a Magento mixin of the checkout's e-mail step): its own
        # template's bindings, a script of their own (rules [[core_template]])
        platform = templates.bind_core(f.rel, data, lambda rel, html: parse_page(rel, html, Budget(budget_seconds, 0)),
                                       pages)
        for page, core in platform:
            pages.append(page)
            cu = Unit(uid=len(prog.units), rel=f.rel, data=b"", kind="script", page=page_of.get(f.rel))
            _attach(cu, core)
            prog.units.append(cu)

    # --- a folder of several sites (each sub-folder with its own pages): one global scope per site
    site_dirs = {f.rel.split("/", 1)[0] for f in files if f.kind == "html" and "/" in f.rel}
    if len(site_dirs) >= 2:
        for u in prog.units:
            top = u.rel.split("/", 1)[0] if "/" in u.rel else ""
            u.scope = top if top in site_dirs else ""

    # --- parse and extract, unit by unit
    # --- bundles: module wrappers, split chunks and bundled libraries, found on the syntax trees of the scan's
    # scripts (parsed here for that; extraction parses each again, in its worker). Library modules are set
    # aside (their API is modelled), files that are a library through and through are not extracted at all.
    map_reader = MapReader(files)
    # Extraction in this process takes these trees instead of parsing each file again (a worker cannot:
    # trees do not pickle); each is let go once its unit is extracted.
    in_process = pool is None and pool_jobs(jobs, [len(u.data) for u in prog.units]) == 1
    trees: dict[int, object] = {}
    bundle_parse = 0.0
    with clock.stage("bundle"):
        parsed = []
        for u in prog.units:
            lang = getattr(u, "lang", "js")
            if lang == "html" or u.handler_event is not None or u.started_by is not None:
                continue
            t_parse = time.perf_counter()
            try:
                tree = parsers.parse(lang, u.data)
            except Exception:  # noqa: BLE001 - the extraction stage reports a file that does not parse
                tree = None
            bundle_parse += time.perf_counter() - t_parse
            if tree is not None:
                parsed.append((u, lang, tree))
                if in_process:
                    trees[u.uid] = tree
        try:
            bundles, library_files, bundle_notes = bundle_stage(parsed, rules, include_libraries,
                                                                map_reader.source_at_of)
        except Exception as e:  # noqa: BLE001
            raise _blame(prog, "bundle", e, uid=parsed[0][0].uid if len(parsed) == 1 else None) from e
        del parsed
        tree = None  # (the loop's last tree: only `trees` may keep one alive, and only until it is extracted)
    clock.move("bundle", "parse", bundle_parse)
    notes.extend(bundle_notes)
    if not (bundles.layouts or bundles.rotations):
        bundles = None
    bundle_key = hashlib.sha256(pickle.dumps(bundles, protocol=4)).hexdigest() if bundles is not None else ""

    # Parsing is charged to the file's budget before any work (a page's scripts share the page's budget):
    # a unit that no longer fits is not analysed. Its extraction steps are charged when its facts come back,
    # in unit order, so the cut is the same for any --jobs.
    unit_jobs = []
    for u in prog.units:
        if u.uid in library_files:
            continue
        b = budgets.get(u.rel)
        if b is None:
            b = budgets[u.rel] = Budget(budget_seconds)
        if b.exceeded:
            continue  # the page's budget is spent: its other scripts are not analysed (noted once)
        b.resume()
        try:
            b.spend(parse_steps(len(u.data)))
        except BudgetExceeded:
            over_budget(u.rel, b)
            complete = False
            continue
        finally:
            b.pause()  # the clock of a file counts only work on it (the workers keep their own)
        unit_jobs.append(UnitJob(u.uid, u.rel, u.data, getattr(u, "lang", "js"), u.kind, u.scope, u.line_off,
                                 u.col_off, budget_seconds, b.steps_left, bundles, bundle_key,
                                 tuple(sorted((u.aliases or {}).items()))))
    extracted = from_cache = 0
    t_extract = time.perf_counter()
    parse_seconds = 0.0  # spent parsing inside the extraction (in the workers with --jobs): its own stage
    with clock.stage("extract"):
        for job, facts in extract_units(unit_jobs, rules, jobs=jobs, cache=cache, pool=pool, parsers=parsers,
                                        trees=trees):
            u = prog.units[job.index]
            clock.files[u.rel] = clock.files.get(u.rel, 0.0) + facts.seconds
            parse_seconds += facts.parse_seconds
            b = budgets[u.rel]
            if b.exceeded:
                continue  # an earlier unit of this page used up the budget
            notes.extend(facts.notes)
            if any(n.level == "error" for n in facts.notes):
                complete = False
            if any(n.reason == "budget-time" for n in facts.notes):
                timed_out.add(u.rel)
            cut = next((n.reason for n in facts.notes if n.reason in ("budget", "fact-limit", "budget-time")), None)
            if cut:  # cut inside the worker (its note is among the unit's): the rest of the file is not analysed
                b.exceeded = cut
            else:
                try:
                    b.spend(facts.steps)
                except BudgetExceeded:  # the file's steps ran out with this unit: it is dropped whole
                    over_budget(u.rel, b)
                    complete = False
                    continue
            u.kind = facts.kind
            if facts.facts is not None:
                try:
                    u.top_fid = facts.top_fid + merge_unit(prog, u.uid, facts.facts)
                except Exception as e:  # noqa: BLE001 - facts the schema cannot link: drop this unit's, go on
                    notes.append(Notification(u.rel, "error", "crashed", f"the link stage failed on this file "
                                              f"({type(e).__name__}: {_short(e)}); its facts were dropped and "
                                              "the rest was analysed"))
                    complete = False
                    continue
            if facts.parsed and u.rel not in scanned:
                scanned.append(u.rel)
        job = facts = None  # the last unit's packed facts: not kept alive through linking
        trees.clear()  # (units that were not extracted: libraries, spent budgets)
        release_freed_memory()  # the syntax trees' memory: not resident through linking
    t_extract = time.perf_counter() - t_extract
    clock.move("extract", "parse", parse_seconds)
    if cache is not None:
        extracted, from_cache = cache.misses, cache.hits
    else:
        extracted = len(unit_jobs)

    # --- constant strings run as code (eval, Function, timers): scripts of their own, started by that call
    done = 0
    while done < len(prog.code_strings) and done < 500:
        c_uid, c_fid, code, at, cid, timer = prog.code_strings[done]
        done += 1
        caller = prog.units[c_uid]
        line, col, _el, _ec = prog.location(c_uid, at, at)
        u = Unit(uid=len(prog.units), rel=caller.rel, data=code.encode("utf-8"), line_off=line - 1,
                 col_off=col - 1, kind="script", page=caller.page, scope=caller.scope,
                 started_by=(c_fid, cid, timer))
        prog.units.append(u)
        tree = parsers.parse("js", u.data)
        if tree is not None and not tree.root_node.has_error:
            try:
                Extractor(prog, rules, u, tree, None).run()
            except Exception as e:  # noqa: BLE001
                raise _blame(prog, "extract", e, uid=c_uid) from e

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
    with clock.stage("link"):
        try:
            solver.run()
        except Exception as e:  # noqa: BLE001
            raise _blame(prog, "link", e, nid=solver.cursor) from e
    for name, e in solver.faults:  # a pass's own bug: the scan goes on without what the pass adds
        complete = False
        notes.append(Notification("", "error", "crashed",
                                  f"the link stage's {name} pass failed ({type(e).__name__}: {_short(e)}); "
                                  "what it adds to the analysis is missing from this report"))
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

    with clock.stage("triggers"):
        try:
            live = live_registrations(prog, solver.roots, solver.call_edges, solver.escaping())
            trigger_roots, pre = compute(prog, rules, live, solver.call_edges, solver.timer_edges,
                                         is_submit_control, is_submit_selector)
        except Exception as e:  # noqa: BLE001
            raise _blame(prog, "triggers", e) from e

    # --- sinks
    with clock.stage("sinks"):
        sink_list, sink_nodes = _sink_nodes(prog, solver.sink_hits)

    # --- paths
    with clock.stage("paths"):
        try:
            found = search(prog, prog.sources, sink_nodes, pre)
        except Exception as e:  # noqa: BLE001
            raise _blame(prog, "paths", e) from e
    flows = list(found.flows)
    if found.truncated:
        notes.append(Notification("", "warning", "search-limit",
                                  f"the path search stopped at its limit of {found.states:,} states; "
                                  "results may be incomplete"))
        complete = False

    # --- findings
    with clock.stage("findings"):
        findings = build_findings(prog, rules, classifier, solver, trigger_roots, sink_list, flows, html_matches,
                                  origin, lambda e, uid: _blame(prog, "findings", e, uid=uid))
    if timed_out:
        findings = [f for f in findings if f.sink.path not in timed_out]
    # --- locate: findings in source-mapped bundles move to the original source
    with clock.stage("locate"):
        maps, map_notes = load_maps(files, {loc.path for f in findings for loc in _locations(f)},
                                    map_reader.loaded)
        notes.extend(map_notes)
        findings = locate(findings, maps, {f.rel: f.data for f in files})
    notes.sort(key=lambda n: (n.path, n.reason, n.message))
    stats = {"units": len(prog.units), "nodes": len(prog.kind), "edges": prog.graph.number_of_edges(),
             "functions": len(prog.funcs), "calls": len(prog.calls), "sources": len(prog.sources),
             "sinks": len(sink_list), "path_states": found.states, "path_contexts": found.contexts,
             "facts_extracted": extracted, "facts_cached": from_cache,
             "extract_seconds": round(t_extract, 3), "seconds": round(time.perf_counter() - t0, 3)}
    return ScanResult(roots=[str(r) for r in roots], files_scanned=sorted(set(scanned)), notifications=notes,
                      findings=findings, complete=complete, origin=origin, stats=stats)


def _attach(u: Unit, bound) -> None:
    """Append a template's binding code to a unit; its segments map the generated part's positions."""
    data = bytearray(u.data)
    for a, b in bound.blank:  # (read as generated code instead: newlines stay, positions too)
        data[a:b] = bytes(c if c in (10, 13) else 32 for c in data[a:b])
    u.data = bytes(data)
    base = len(u.data)
    u.data = u.data + bound.code.encode("utf-8")
    u.segments = [(base + s.offset, s.line, s.col, s.snippet) for s in bound.segments]


def _sink_nodes(prog: Program, sink_hits) -> tuple[list, dict[int, int]]:
    """One graph node per sink hit, fed by the arguments the sink sends; returns (sink list, node -> index)."""
    sink_list = []  # (kind, record, rule)
    sink_nodes: dict[int, int] = {}
    seen_sinks = set()
    for kind, rec, rule in sink_hits:
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
    return sink_list, sink_nodes


def _locations(f):
    yield f.sink
    yield from (s.location for s in f.steps)
    yield from (t.location for t in f.triggers if t.location is not None)

