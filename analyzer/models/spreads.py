"""Stage 4 (frameworks): props spread onto an element from an object built elsewhere.

`<input id="email" {...bind('email')} />` with `const bind = (key) => ({ value: form[key], onChange: (e) =>
…})` puts the `on…` props of whatever `bind(…)` returns on that input, as if they were written there.
Extraction cannot know those props (the object comes from a call), so it registers the spread as a
listener with no events yet (`SPREAD_API`, on the element's target node) and this pass, run once the
solver knows which object literals the spread can be, registers each `on…` function prop of those
literals as a handler of that element, for its event — the way `analyzer/extract/decl.py` registers a
written `onChange={…}`. Compiled spreads (`jsx("input", {...bind("email"), id: "email"})`) are registered
the same way by the compiled-element model (`extract/decl.py` `x_element_call`).

A spread of a component's own props (`<input {...props}/>` in `function Input(props)`, `{ label, ...props }`)
adds nothing: the props objects its elements pass (`PROPS_LABEL`), and the objects spread into those, have
their `on…` handlers registered on those elements already (`<Input name="email" onBlur={fn}/>` is the field
it wraps, with its static props).
"""
from __future__ import annotations

from analyzer.program import Registration

SPREAD_API = "{...props} spread"
PROPS_LABEL = "<props>"  # the node label of the props object of a rendered element (extract/decl.py)


def link_spreads(solver, known_events) -> None:
    p = solver.p
    spreads = [rg for rg in p.regs if rg.api == SPREAD_API and not rg.events]
    if not spreads:
        return
    objs = p.objs
    props_of: dict[int, list] | None = None
    own = {b for bs in solver.props_params.values() for b in bs}  # a rendered component's props parameter
    for rg in spreads:
        if any(v in own for v in rg.handler):
            continue  # `<input {...props}/>`, `{ label, ...rest }`: what its elements pass (registered there)
        for o in sorted(solver.objects(rg.handler)):
            if objs[o][0] != "O" or p.label[objs[o][1]] == PROPS_LABEL:
                continue
            if props_of is None:  # the literals' keys, indexed once
                props_of = {}
                for (lit, key), vals in p.literal_props.items():
                    if key and len(key) > 2 and key.startswith("on") and key[2].isupper():
                        props_of.setdefault(lit, []).append((key, vals))
            for key, vals in sorted(props_of.get(objs[o][1], ()), key=lambda kv: kv[0]):
                ev = key[2:].lower().removesuffix("capture")
                ev = "dblclick" if ev == "doubleclick" else ev
                if ev not in known_events:
                    continue
                new = Registration(len(p.regs), rg.uid, rg.fid, rg.start, rg.end, [ev], rg.target, tuple(vals),
                                   key + " prop (spread)")
                p.regs.append(new)
                solver._watch_registration(new)


def lazy_models(solver) -> None:
    """`h(TextField, {…, 'onUpdate:modelValue': fn, ...extra})` with `lazy: true` in the props or in an object
    spread into (or nested in) them (rules/libraries.toml `lazy_props`): the field component updates its
    model on `change`, not `input` (as `v-model.lazy`, `modelModifiers: {lazy: true}`)."""
    p = solver.p
    lazy = solver.r.lazy_props
    models = [rg for rg in p.regs if rg.api == "v-model" and rg.events == ["input"]]
    if not lazy or not models:
        return
    calls = {(c.uid, c.fid, c.start): c for c in p.calls if len(c.args) > 1}  # (a helper's copies share positions)
    objs = p.objs
    for rg in models:
        c = calls.get((rg.uid, rg.fid, rg.start))
        if c is None:
            continue
        found = solver.objects(c.args[1])
        if any(objs[o][0] == "O" and p.literal_strs.get((objs[o][1], k)) == "true" for o in sorted(found)
               for k in sorted(lazy)):
            rg.events = ["change"]
