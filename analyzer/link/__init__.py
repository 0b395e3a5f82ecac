"""Stage 4: linking. The units' facts merged into one program, then points-to propagation over it.

Input: every unit's `UnitFacts` (`analyzer.extract.facts`), in unit order. Output: the scan's `Program`
with its graph completed by call, return, callback, module and registration edges, the sink hits and the
derived sources and registrations the later stages read (`triggers`, `paths`, `findings`).

- `merge.py`: renumbers a unit's local ids into the program by a declared per-field schema;
- `solve.py`: the worklist propagation (Andersen-style, field-based, flow-insensitive) and the watchers that
  turn arriving objects into edges (calls, jQuery factories, event objects, modules);
- `passes.py`: what runs after the first propagation: framework and idiom passes (registration helpers,
  event buses, state effects, late registrations) and the field-sensitivity passes.

Not modelled: flow-sensitivity (a variable holds everything ever assigned to it); more than one level of
call-site context for heap objects (k = 1, helpers' allocations only); reflection beyond `call`, `apply`,
`bind` and `Reflect.apply`; prototype chains built at run time other than `class … extends` and
`Object.create` of a literal.
"""
