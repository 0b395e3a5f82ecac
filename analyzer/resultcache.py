"""The warm cache of whole scans: the `ScanResult` of an unchanged tree, keyed by everything it depends on.

The per-file facts cache (`extract/factcache.py`) saves extraction, but linking, triggers, paths and findings run
on the whole scan every time. When nothing the result depends on changed, this cache returns the result
of the last scan instead. Its key is a SHA-256 over:

- formleak's version, the source of every module of the `analyzer` package (any change to any stage is
  a new key), the tree-sitter packages' versions and the rules files (`result_salt`);
- the scan's options that shape the result (roots as given, origin, budget, include-libraries) and the
  fault-injection test hook;
- what discovery found: each file's relative path, kind, served origin (HAR) and content hash, in order,
  and discovery's notifications (so excludes, ignore files and skipped files are in the key through
  what they did).

A result that depends on time or on a failure (a file stopped by the wall clock, `budget-time`; a crashed
worker or stage, `crashed`) is not stored. Entries are written atomically (a temporary file, then
`os.replace`); one that cannot be read back (truncated, corrupt, another format, a class a result never
holds) is ignored and replaced by the next scan's. Reading uses a restricted unpickler that only builds
formleak's report records and builtin values. The same directory as the facts cache (`--cache-dir`);
`--no-cache` disables both.
"""
from __future__ import annotations

import hashlib
import io
import pickle
from dataclasses import replace
from pathlib import Path

from analyzer import __version__
from analyzer.safeio import write_atomic
from analyzer.extract.factcache import _package_version

RESULT_FORMAT = 1  # bump when ScanResult or the records it holds change shape
MAGIC = b"formleak-result\n"
NOT_CACHED = frozenset({"budget-time", "crashed"})  # a result with such a note depends on time or a failure
_ALLOWED = {
    ("analyzer.model", "ScanResult"), ("analyzer.model", "Finding"), ("analyzer.model", "Location"),
    ("analyzer.model", "PathStep"), ("analyzer.model", "TriggerInfo"), ("analyzer.model", "Notification"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "dict"), ("builtins", "list"),
    ("builtins", "tuple"), ("builtins", "str"), ("builtins", "int"), ("builtins", "float"),
    ("builtins", "bool"), ("copyreg", "_reconstructor"), ("builtins", "object"),
}


def result_salt(rules_dir: Path) -> bytes:
    """What every result of this install depends on: version, all analyzer code, parser versions, rules."""
    h = hashlib.sha256()
    h.update(f"{__version__}\0{RESULT_FORMAT}\0".encode())
    here = Path(__file__).resolve().parent
    for p in sorted(here.rglob("*.py")):
        h.update(p.relative_to(here).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    for pkg in ("tree-sitter", "tree-sitter-javascript", "tree-sitter-typescript", "beautifulsoup4", "soupsieve",
                "publicsuffixlist"):
        h.update(f"{pkg}={_package_version(pkg)}\0".encode())
    for p in sorted(Path(rules_dir).glob("*.toml")):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.digest()


def cacheable(result) -> bool:
    return not any(n.reason in NOT_CACHED for n in result.notifications)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a report record")
        return super().find_class(module, name)


class ResultCache:
    """Whole-scan results by key under `root`; `hit` says whether the last `get` found one."""

    def __init__(self, root: Path, salt: bytes) -> None:
        self.root = Path(root) / f"results-v{RESULT_FORMAT}"
        self.salt = salt
        self.hit = False

    def key(self, roots, files, notes, options: dict) -> str:
        h = hashlib.sha256(self.salt)

        def put(*parts) -> None:
            for x in parts:
                h.update(repr(x).encode("utf-8", "surrogatepass") + b"\0")

        put("roots", [str(r) for r in roots], "options", sorted(options.items()))
        for f in files:
            put("file", f.rel, f.kind, f.origin, hashlib.sha256(f.data).hexdigest())
        for n in notes:
            put("note", n.path, n.level, n.reason, n.message)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / (key + ".result")

    def get(self, key: str):
        from analyzer.model import ScanResult

        self.hit = False
        try:
            with open(self._path(key), "rb") as fh:
                raw = fh.read()
        except OSError:
            return None
        head = MAGIC + key.encode() + b"\n"
        if not raw.startswith(head):
            return None
        try:
            result = _Unpickler(io.BytesIO(raw[len(head):])).load()
        except Exception:  # noqa: BLE001 - a corrupt entry is a miss; the next scan replaces it
            return None
        if not isinstance(result, ScanResult):
            return None
        self.hit = True
        return result

    def put(self, key: str, result) -> None:
        """Store a result (without wall-clock timings); any OS error only means no entry."""
        stats = {k: v for k, v in result.stats.items() if k != "timings"}
        data = pickle.dumps(replace(result, stats=stats), protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(self._path(key), MAGIC + key.encode() + b"\n", data, ".result")
