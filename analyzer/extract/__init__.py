"""Stage 3: fact extraction, one unit (a script, a module of a bundle, an HTML page's inline code) at a time.

Input: a parsed unit (`analyzer.parse`), the bundle stage's `Layout` for it (which functions are a known
library's internals: not walked) and the rule book. Output: `facts.UnitFacts`, the unit's facts numbered
locally and packed as plain, picklable data (graph nodes and edges, functions, calls, loads, stores,
sources, registrations, timers), merged into the scan's program by `analyzer.link.merge`.

- `extractor.py`: the walk (iterative, post-order, a `TreeCursor`) and the handlers looked up by node type;
- `calls.py`: call sites, and the rules decidable from the syntax alone (element lookups, timers);
- `decl.py`: classes, `import`/`export`, JSX and compiled `jsx()`/`h()` elements;
- `clones.py`: small closure-building helpers extracted once per call that passes them constants;
- `forms.py`: Angular reactive forms; `fold.py`: obfuscators' string tables, folded before the walk;
- `util.py`: node-type sets and literal decoding;
- `facts.py`: parse + extract of one unit as a pure function; `workers.py`: that function in this process or
  in worker processes (crash and budget isolation); `factcache.py`: its results cached per file.

Not modelled here (each is a value with no node, so no flow): `eval` of non-constant strings, `with`,
getters/setters defined through `Object.defineProperty` with computed descriptors, generators' `yield`
as a channel between caller and generator, and array elements by index (arrays are one field `[]`).
"""
