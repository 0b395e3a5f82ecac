"""Stage 4 (helpers): a helper every call of which runs a copy of its own is not run itself.

`analyzer/extract/clones.py` extracts a small helper once per call that passes it constants
(`this.field('email', …)`, `bind('phone')`): each call's callee is its copy, at the same source position as
the helper. When nothing calls the helper itself and its copies are called, what it registers (an
`onUpdate:modelValue` handler on `input[id^="reg-"]`, any field its key could name) is never registered by
the program: the roots of those registrations, and the helper's own root as a rendering component, go, and the objects
it writes under keys nobody can name (`this.form[key] = v`) are not opened by it (its copies write
`this.form.email`): `solver.superseded` holds the functions inside such helpers.

Input: the solved program (`solver.call_edges`, `solver.roots`). Output: `solver.roots` without them,
`solver.superseded`.
"""
from __future__ import annotations


def drop_superseded(solver) -> None:
    p = solver.p
    funcs = p.funcs
    groups: dict[tuple, list[int]] = {}
    for f in funcs:
        if not f.top:
            groups.setdefault((f.uid, f.start, f.end), []).append(f.fid)
    copied = [fids for fids in groups.values() if len(fids) > 1]
    if not copied:
        return
    called = {b for _a, b in solver.call_edges}
    gone = set()
    for fids in copied:
        orig, copies = fids[0], fids[1:]  # (the helper is extracted first, its copies after the walk)
        if orig not in called and any(c in called for c in copies):
            gone.add(orig)
    if not gone:
        return

    inside: set[int] = set()
    for f in funcs:  # (a function comes after the one it is declared in)
        if f.fid in gone or (f.parent is not None and f.parent in inside):
            inside.add(f.fid)
    solver.roots = [r for r in solver.roots if not (
        r[0] in gone or (r[1] == "event" and r[2] is not None and r[2].fid in inside))]
    solver.superseded = inside
