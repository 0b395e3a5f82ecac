"""Stage 3 as a pure function: parse and extract ONE unit into facts of its own, a picklable hand-off.

`extract_unit(job, rules, parsers)` parses a unit's bytes and runs the extractor into a fresh `Program`
that holds only that unit's facts, numbered locally (unit id 0, node / function / call / registration ids
from 0). The result is a frozen `UnitFacts`: it can be sent from a worker process, written to the cache
and merged later by `link_facts.merge_unit`, which renumbers the local ids into the scan's `Program`.
Tree-sitter trees cannot be pickled, so parsing and extraction always happen together, in the same process.

No global state: the parsers are passed in (one set per process), the rules too.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from analyzer.budget import Budget, BudgetExceeded
from analyzer.extract.extractor import Extractor
from analyzer.link.merge import pack
from analyzer.model import Notification
from analyzer.parse import ERROR_COUNT_CAP, Parsers, error_summary
from analyzer.program import Program, Unit
from analyzer.rulebook import RuleBook

FACTS_FORMAT = 3  # bump when UnitFacts or the Program fields it carries change shape


@dataclass(frozen=True)
class UnitJob:
    """What a worker needs to extract one unit (its bytes and how to read them); picklable."""

    index: int  # the unit's id in the scan (facts are numbered locally regardless)
    rel: str
    data: bytes
    lang: str  # 'js' | 'ts' | 'tsx' | 'html' (inline scripts)
    kind: str  # 'script' | 'module' as discovery decided (a classic script may turn out to be a module)
    scope: str = ""
    line_off: int = 0
    col_off: int = 0
    budget: float = 0.0  # the file's --budget in seconds (0: none)
    steps: int | None = None  # work steps left in the file's budget when this unit starts (None: no bound)
    bundle: object = None  # analyzer.bundle.modules.BundleIndex of the scan (module wrappers, bundled libraries) or None
    bundle_key: str = ""  # digest of `bundle` (part of the cache key)
    aliases: tuple = ()  # (object literal start byte, global) pairs: `Unit.aliases` (derived from `data`)


@dataclass(frozen=True)
class UnitFacts:
    """The facts of one unit, numbered locally: `facts` is the unit's `Program` packed as plain data
    (`link_facts.pack`: records as tuples), None when the unit yielded no facts (the parse failed, or the
    extraction raised); `notes` are the unit's notifications either way. Extracted in the engine's process,
    `facts` may be the unpacked `Program` (see `extract_unit(packed=False)`); it is packed before pickling."""

    rel: str
    kind: str  # after module detection
    parsed: bool  # the file counts as scanned
    top_fid: int  # local id of the unit's top-level function, -1 without facts
    facts: dict | Program | None
    notes: tuple[Notification, ...] = ()
    cacheable: bool = True  # False when the result depends on time (budget) or on a failure
    seconds: float = 0.0
    steps: int = 0  # work steps the extraction used (charged to the file's budget by the engine)
    parse_seconds: float = 0.0  # of `seconds`, the tree-sitter parse (the `parse` stage of --stats)
    format: int = field(default=FACTS_FORMAT)


def module_kind(tree, data: bytes) -> str:
    for c in tree.root_node.named_children:
        if c.type in ("import_statement", "export_statement"):
            return "module"
    if b"module.exports" in data or b"exports." in data[:20000] or b"require(" in data[:20000]:
        if b"__webpack_require__" not in data[:5000]:
            return "module"
    return "script"


def extract_unit(job: UnitJob, rules: RuleBook, parsers: Parsers, fault=None, given: list | None = None,
                 packed: bool = True) -> UnitFacts:
    """Parse and extract one unit. Never raises for bad input: failures become notifications.
    `packed=False` (extraction in the engine's own process) leaves `facts` the unit's `Program` itself, which
    `link_facts.merge_unit` takes as it is when it is the scan's first unit (no copy), or packs.
    `fault` is a test hook (see `workers.fault_for`): called between parse and extraction. `given`: a
    one-item list holding the unit's syntax tree when the caller parsed `job.data` (as `job.lang`) already,
    in this process; it is emptied here, so that the tree is freed as soon as the extraction is done."""
    t0 = time.perf_counter()
    notes: list[Notification] = []
    rel = job.rel
    try:
        tree = given.pop() if given else None
        if tree is None:
            tree = parsers.parse(job.lang, job.data)
        t_parse = time.perf_counter() - t0
    except Exception as e:  # noqa: BLE001
        notes.append(Notification(rel, "error", "parse-error", f"parser failed: {e}"))
        return UnitFacts(rel, job.kind, False, -1, None, tuple(notes), True, time.perf_counter() - t0,
                         parse_seconds=time.perf_counter() - t0)
    if tree is None:
        notes.append(Notification(rel, "error", "parse-error", "parser gave up"))
        return UnitFacts(rel, job.kind, False, -1, None, tuple(notes), True, time.perf_counter() - t0,
                         parse_seconds=t_parse)
    n_err, where = error_summary(tree)
    if n_err:
        at = ", ".join(f"{r + job.line_off}:{c}" for r, c in where)
        count = f"{n_err}+" if n_err >= ERROR_COUNT_CAP else str(n_err)  # the count stops there
        notes.append(Notification(rel, "warning", "syntax-error",
                                  f"{count} syntax error(s) (first at {at}); the rest of the file was analysed"))
    kind = job.kind
    if kind == "script" and job.lang != "html":
        kind = module_kind(tree, job.data)
    unit = Unit(uid=0, rel=rel, data=job.data, line_off=job.line_off, col_off=job.col_off, kind=kind,
                scope=job.scope, aliases=dict(job.aliases) or None)
    prog = Program()
    cacheable = True
    budget = Budget(job.budget)
    if job.steps is not None and budget.steps_left is not None:
        budget.steps_left = job.steps
    start_steps = budget.steps_left
    try:
        if fault is not None:
            fault(rel)
        Extractor(prog, rules, unit, tree, budget, job.bundle, job.index).run()
    except BudgetExceeded:
        notes.append(Notification(rel, "error", budget.exceeded, budget.message()))
        cacheable = budget.exceeded != "budget-time"  # a cut by steps or nodes is the same every run
    except Exception as e:  # noqa: BLE001 - one file's bug must not stop the scan: its facts are dropped
        text = " ".join(str(e).split())[:160]
        notes.append(Notification(rel, "error", "crashed",
                                  f"the extract stage failed on this file ({type(e).__name__}: {text}); its facts "
                                  "were dropped and the rest was analysed"))
        return UnitFacts(rel, kind, False, -1, None, tuple(notes), False, time.perf_counter() - t0,
                         parse_seconds=t_parse)
    finally:
        del tree
    used = 0 if start_steps is None else start_steps - max(budget.steps_left, 0)
    if job.data:
        try:
            job.data.decode("utf-8")
        except UnicodeDecodeError:
            notes.append(Notification(rel, "warning", "invalid-utf8",
                                      "file is not valid UTF-8; undecodable bytes were replaced"))
    return UnitFacts(rel, kind, True, unit.top_fid, pack(prog) if packed else prog, tuple(notes), cacheable,
                     time.perf_counter() - t0,
                     used, parse_seconds=t_parse)


def packed_facts(facts: UnitFacts) -> UnitFacts:
    """`facts` with its Program packed (`extract_unit(packed=False)` leaves it unpacked): what is pickled."""
    return replace(facts, facts=pack(facts.facts)) if isinstance(facts.facts, Program) else facts


def failed_unit(job: UnitJob, reason: str, message: str) -> UnitFacts:
    """The facts of a unit whose worker died (`crashed`) or was killed (`budget`): none, and why."""
    return UnitFacts(job.rel, job.kind, False, -1, None, (Notification(job.rel, "error", reason, message),),
                     False, 0.0)
