"""Stage 2½: production bundles. What is inside a bundle, which of it is a known library, and its source map.

Input: the parsed scripts of the scan and the rules (`rules/libraries.toml`). Output: frozen layouts (module
wrappers, library modules and their modelled globals) that fact extraction reads, and the source maps that
the locate stage (`analyzer.locate`) uses to report at original positions.

- `modules.py`: webpack, esbuild, Browserify, Parcel and Rollup/Vite module wrappers and library modules;
- `own.py`: a library's own build shipped as a file of the site (banner, signature, build head);
- `mapfind.py`: where a script's source map is (comment, `data:` URL, `<file>.map`), read inside the scan
  root only, and the names of its sources;
- `sourcemap.py`: our Source Map v3 decoder (maps are untrusted input; PyPI's decoders are unmaintained).

Not modelled: see `modules.py` (a library inlined by scope hoisting with neither marker nor map; module ids
shared by two separate webpack builds of one site).
"""
