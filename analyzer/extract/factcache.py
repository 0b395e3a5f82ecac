"""The warm cache: one unit's facts (`facts.UnitFacts`, pickled) per file under the user's cache directory.

An entry's key is a SHA-256 over everything its facts depend on: the unit's bytes, how they are read (file,
language, script/module, site scope, line/column offset of an inline script), formleak's version and the
source of the modules that extract facts, the tree-sitter packages' versions, and the rules files. A change
to any of them is a different key, so entries are never stale, only unused (delete the directory to reclaim
the space). Facts that depend on time (a file past its budget) or on a failure are not cached.

Entries are written atomically (a temporary file in the same directory, then `os.replace`); an entry that
cannot be read back (truncated, corrupt, another format, a class the facts never hold) is ignored and
rebuilt. Reading uses a restricted unpickler that only builds formleak's fact records and builtin values.
"""
from __future__ import annotations

import hashlib
import io
import os
import pickle
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from analyzer import __version__
from analyzer.extract.facts import FACTS_FORMAT, UnitFacts, UnitJob
from analyzer.safeio import write_atomic

MAGIC = b"formleak-facts\n"
# What a unit's facts depend on, relative to the package folder: whole stage folders and single modules.
_FACT_MODULES = ("extract/*.py", "bundle/*.py", "models/spreads.py", "program.py", "parse.py", "budget.py",
                 "link/merge.py", "model.py", "rules.py", "rules_schema.py", "rulebook.py")
_ALLOWED = {
    ("analyzer.extract.facts", "UnitFacts"), ("analyzer.model", "Notification"), ("analyzer.program", "Program"),
    ("analyzer.program", "Func"), ("analyzer.program", "Call"), ("analyzer.program", "Load"),
    ("analyzer.program", "Store"), ("analyzer.program", "Source"), ("analyzer.program", "Registration"),
    ("analyzer.program", "Unit"), ("analyzer.rulebook", "SinkRule"), ("analyzer.program", "FlowGraph"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "dict"), ("builtins", "list"),
    ("builtins", "tuple"), ("builtins", "bytes"), ("builtins", "str"), ("builtins", "int"),
    ("builtins", "getattr"), ("re", "_compile"), ("copyreg", "_reconstructor"), ("builtins", "object"),
    ("collections", "OrderedDict"), ("functools", "partial"), ("networkx.classes.coreviews", "AtlasView"),
}


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/formleak`, or `~/.cache/formleak`."""
    base = os.environ.get("XDG_CACHE_HOME")
    return Path(base if base and os.path.isabs(base) else Path.home() / ".cache") / "formleak"


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def cache_salt(rules_dir: Path) -> bytes:
    """What every key of this formleak install depends on: version, fact code, parser versions, rules."""
    h = hashlib.sha256()
    h.update(f"{__version__}\0{FACTS_FORMAT}\0".encode())
    here = Path(__file__).resolve().parent.parent
    for pattern in _FACT_MODULES:
        for path in sorted(here.glob(pattern)):
            h.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for pkg in ("tree-sitter", "tree-sitter-javascript", "tree-sitter-typescript"):
        h.update(f"{pkg}={_package_version(pkg)}\0".encode())
    for p in sorted(Path(rules_dir).glob("*.toml")):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.digest()


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a fact record")
        return super().find_class(module, name)


def loads(data: bytes) -> UnitFacts:
    """Unpickle facts from the cache (restricted to fact records)."""
    return _Unpickler(io.BytesIO(data)).load()


class FactCache:
    """Facts by key under `root`; `hits`/`misses`/`writes` count what one scan did."""

    def __init__(self, root: Path, salt: bytes) -> None:
        self.root = Path(root) / f"facts-v{FACTS_FORMAT}"
        self.salt = salt
        self.hits = 0
        self.misses = 0
        self.writes = 0

    def key(self, job: UnitJob) -> str:
        h = hashlib.sha256(self.salt)
        meta = "\0".join((job.rel, job.lang, job.kind, job.scope, str(job.line_off), str(job.col_off),
                          job.bundle_key, repr(job.aliases)))
        h.update(meta.encode("utf-8", "surrogatepass") + b"\0")
        h.update(hashlib.sha256(job.data).digest())
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / (key + ".facts")

    def get(self, key: str) -> UnitFacts | None:
        try:
            with open(self._path(key), "rb") as fh:
                raw = fh.read()
        except OSError:
            self.misses += 1
            return None
        head = MAGIC + key.encode() + b"\n"
        facts = None
        if raw.startswith(head):
            try:
                facts = loads(raw[len(head):])
            except Exception:  # noqa: BLE001 - a corrupt entry is a miss; it is rebuilt
                facts = None
        if not isinstance(facts, UnitFacts) or facts.format != FACTS_FORMAT:
            self.misses += 1
            return None
        self.hits += 1
        return replace(facts, seconds=0.0, parse_seconds=0.0)  # a hit costs (next to) nothing now

    def put(self, key: str, pickled: bytes) -> None:
        """Store pickled facts; any OS error (read-only or full disk) only means no cache entry."""
        if not write_atomic(self._path(key), MAGIC + key.encode() + b"\n", pickled, ".facts"):
            return
        self.writes += 1


def dumps(facts: UnitFacts) -> bytes:
    return pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)
