"""The per-file budget: how much work the analysis of one file (a script, or a page with all its inline
scripts and handlers) may do.

`--budget SECONDS` is turned into a number of work steps (syntax nodes visited, HTML elements read) at a fixed
rate, `STEPS_PER_SECOND`, chosen so that this many steps take well under a second per second of budget on
a slow, loaded machine. A file that uses up its steps is cut at the same step every run: the part analysed
so far is kept and the result is the same on every machine (`budget`). A file that also has a graph-node
bound (`MAX_NODES_PER_FILE`, memory) is cut the same way when it reaches it (`fact-limit`).

The wall clock is only a guard for the case where the steps were not enough (a machine far slower than
assumed): a file still running `budget_seconds + GRACE_SECONDS` (one second) of work on it is stopped, and none of
its findings are reported (`budget-time`), because where it stopped depends on timing; the result is
"none", not a partial result that changes from run to run. It is checked every `CHECK_EVERY` steps, a few
milliseconds of work.
"""
from __future__ import annotations

import time

STEPS_PER_SECOND = 30_000
MAX_NODES_PER_FILE = 1_000_000  # graph nodes one file may add (about 1 KB of facts each: ~1 GB at most)
CHECK_EVERY = 1024
GRACE_SECONDS = 1.0


PARSE_BYTES_PER_STEP = 12  # parsing (tree-sitter, html.parser) is charged before it starts: it cannot be cut
UNIT_STEPS = 200  # fixed cost of one script or handler (parser and extractor set-up)


def parse_steps(nbytes: int) -> int:
    """The steps charged for parsing `nbytes` of JavaScript or HTML."""
    return UNIT_STEPS + nbytes // PARSE_BYTES_PER_STEP


class BudgetExceeded(Exception):
    """The file's budget ran out. `reason`: 'budget' (steps), 'fact-limit' (nodes), 'budget-time'."""

    def __init__(self, reason: str = "budget") -> None:
        super().__init__(reason)
        self.reason = reason


class Budget:
    """Work steps, graph nodes and a wall-clock guard for one file; shared by a page and its scripts."""

    __slots__ = ("seconds", "steps_left", "node_limit", "deadline", "exceeded", "_used", "_since")

    def __init__(self, seconds: float, nodes_now: int = 0, *, max_nodes: int | None = None,
                 steps_per_second: int | None = None) -> None:
        max_nodes = MAX_NODES_PER_FILE if max_nodes is None else max_nodes
        steps_per_second = STEPS_PER_SECOND if steps_per_second is None else steps_per_second
        self.seconds = seconds
        self.steps_left = int(seconds * steps_per_second) if seconds else None
        self.node_limit = nodes_now + max_nodes if max_nodes else None
        self.deadline = seconds + GRACE_SECONDS if seconds else None  # seconds of work on this file
        self.exceeded: str | None = None
        self._used = 0.0
        self._since = time.perf_counter()

    def resume(self) -> None:
        """Work on this file starts (again): the clock counts only time spent on it."""
        self._since = time.perf_counter()

    def pause(self) -> None:
        self._used += time.perf_counter() - self._since
        self._since = None

    def spend(self, steps: int, nodes: int = 0) -> None:
        """Charge `steps`; raise BudgetExceeded when the steps, the node bound or the clock ran out.
        Once exceeded, every later call raises again (a page's remaining scripts are not analysed)."""
        if self.exceeded:
            raise BudgetExceeded(self.exceeded)
        if self.steps_left is not None:
            self.steps_left -= steps
            if self.steps_left < 0:
                self.exceeded = "budget"
        if self.node_limit is not None and nodes > self.node_limit:
            self.exceeded = self.exceeded or "fact-limit"
        if self.deadline is not None and self._since is not None and \
                self._used + time.perf_counter() - self._since > self.deadline:
            self.exceeded = "budget-time"
        if self.exceeded:
            raise BudgetExceeded(self.exceeded)

    def message(self) -> str:
        if self.exceeded == "fact-limit":
            return ("analysis of this file reached the bound of graph nodes per file (a memory bound); "
                    "the part analysed so far is kept")
        if self.exceeded == "budget-time":
            return (f"analysis of this file ran past its {self.seconds:g} s budget on the clock; its findings "
                    "are left out (where it stopped depends on timing); raise --budget")
        return (f"analysis of this file used up its {self.seconds:g} s budget of work steps; the part analysed "
                "so far is kept (the same part every run)")
