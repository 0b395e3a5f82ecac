"""Loading the knowledge in `rules/` (TOML data, never code).

`rules_dir()` finds the folder both in a source checkout / editable install (the top-level `rules/` beside
the package) and in a regular install (the `formleak_rules` package the wheel maps it to).
"""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def rules_dir() -> Path:
    here = Path(__file__).resolve().parent.parent / "rules"
    if (here / "sinks.toml").is_file():
        return here
    import formleak_rules  # type: ignore[import-not-found]

    return Path(formleak_rules.__file__).resolve().parent


@lru_cache(maxsize=None)
def load_toml(name: str) -> dict:
    """Parse one rules file (`name` without extension); cached because rule files never change at run time."""
    with open(rules_dir() / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)
