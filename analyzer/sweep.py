"""Stage 6 (witness sweeps, vectorised): the breadth-first sweeps of `paths._sweep` with numpy arrays.

When many files share one global scope, most sources reach most sinks and every (sink, trigger set) hit
needs a backward sweep over nearly the whole macro graph (millions of edges, hundreds of hits). The sweep
is the same as `paths._sweep`, node for node: it runs level by level, and within a level it keeps the
queue order of the plain breadth-first search — the nodes of the next level in the order of their first
occurrence among the frontier's reversed edges (frontier in queue order, each node's edges in list order),
each with the frontier node it was first reached from. So every next hop, and every witness path, is the
one the plain sweep gives; `tests/test_sweep.py` checks both on random graphs and on the fixtures.

numpy is imported only here, and only for large macro graphs (`paths.VECTOR_MIN_EDGES`).
"""
from __future__ import annotations


def available() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:  # pragma: no cover - numpy is a dependency; without it the plain sweep runs
        return False
    return True


class _NextHop:
    """`nxt[m]` of one sweep as `paths._expand` reads it: the macro node `m` was first reached from."""

    __slots__ = ("arr", "dense", "ids")

    def __init__(self, arr, dense: dict[int, int], ids: list[int]):
        self.arr, self.dense, self.ids = arr, dense, ids

    def __getitem__(self, m: int) -> int:
        v = int(self.arr[self.dense[m]])
        if v == -2:
            raise KeyError(m)
        return -1 if v == -1 else self.ids[v]

    def __contains__(self, m: int) -> bool:
        d = self.dense.get(m)
        return d is not None and int(self.arr[d]) != -2


class VectorSweeps:
    """The reversed macro graph as CSR arrays; one `sweep` per hit. Edges into nodes whose bits do not meet
    a hit's source bits are filtered once per distinct bit set."""

    def __init__(self, rev: dict[int, list[int]], bits: dict[int, int]):
        import numpy as np

        self.np = np
        ids = list(rev)  # rows first: dense ids 0 … len(rev) - 1 are the rows, in order
        dense = {m: i for i, m in enumerate(ids)}
        for ms in rev.values():
            for m in ms:
                if m not in dense:
                    dense[m] = len(ids)
                    ids.append(m)
        for m in bits:
            if m not in dense:
                dense[m] = len(ids)
                ids.append(m)
        self.ids, self.dense = ids, dense
        self.n = n = len(ids)
        lens = np.fromiter((len(ms) for ms in rev.values()), dtype=np.int64, count=len(rev))
        self.cols = np.fromiter((dense[m] for ms in rev.values() for m in ms), dtype=np.int64, count=int(lens.sum()))
        self.rows = np.repeat(np.arange(len(rev), dtype=np.int64), lens)  # each row keeps its list order
        self.bits = bits
        self._by_bits: dict[int, tuple] = {}

    def _csr(self, hb: int):
        """(indptr, indices, eligible mask) of the reversed edges into nodes whose bits meet `hb`."""
        hit = self._by_bits.get(hb)
        if hit is not None:
            return hit
        np = self.np
        bits = self.bits
        ids = self.ids
        elig = np.fromiter((bool(bits.get(m, 0) & hb) for m in ids), dtype=bool, count=self.n)
        keep = elig[self.cols]
        cols = self.cols[keep]
        rows = self.rows[keep]
        counts = np.bincount(rows, minlength=self.n)
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        hit = self._by_bits[hb] = (indptr, cols, elig)
        if len(self._by_bits) > 8:  # a few distinct bit sets are the rule; do not hoard arrays
            self._by_bits.pop(next(iter(self._by_bits)))
        return hit

    def sweep(self, seeds, hb: int, starts: set) -> _NextHop:
        np = self.np
        indptr, indices, elig = self._csr(hb)
        dense = self.dense
        nxt = np.full(self.n, -2, dtype=np.int64)
        sd = np.fromiter((dense.get(m, -1) for m in seeds), dtype=np.int64)
        sd = sd[sd >= 0]
        sd = sd[elig[sd]]
        _u, firsts = np.unique(sd, return_index=True)
        firsts.sort()
        frontier = sd[firsts]  # the seeds, each once, in order
        nxt[frontier] = -1
        need = np.fromiter((dense[m] for m in starts if m in dense), dtype=np.int64)
        visited = nxt != -2
        while frontier.size and not visited[need].all():
            lo = indptr[frontier]
            lens = indptr[frontier + 1] - lo
            total = int(lens.sum())
            if not total:
                break
            ends = np.cumsum(lens)
            at = np.arange(total, dtype=np.int64) + np.repeat(lo - (ends - lens), lens)
            nb = indices[at]
            pos = np.flatnonzero(~visited[nb])  # edges into nodes not reached yet, in queue order
            if not pos.size:
                break
            nb = nb[pos]
            _u, firsts = np.unique(nb, return_index=True)
            firsts.sort()  # first occurrence order = the plain sweep's queue order
            par = frontier[np.searchsorted(ends, pos[firsts], side="right")]  # the frontier node of that edge
            frontier = nb[firsts]
            nxt[frontier] = par
            visited[frontier] = True
        return _NextHop(nxt, dense, self.ids)
