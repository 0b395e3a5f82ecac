"""Project configuration: `.formleak.toml` or `[tool.formleak]` in `pyproject.toml`.

Looked up from the (first) scan root upward, directory by directory; in each directory `.formleak.toml`
wins over `pyproject.toml`, and a `pyproject.toml` without a `[tool.formleak]` table is passed over. The
first file found is used (no merging); the search stops at the filesystem root. `--config FILE` names the
file explicitly (a `pyproject.toml` is read from its `[tool.formleak]` table, any other file as a whole).

Keys (all optional):

    fail-on = "low"                 # low | high | critical
    exclude = ["vendor/**", "*.min.js"]
    baseline = "formleak-baseline.json"   # relative to the config file, and inside its folder
    respect-gitignore = false       # also skip what .gitignore files list
    allow-destinations = ["https://zip.example.jp/", "*.approved-lookup.example"]
    inline-suppressions = true
    [severity]                      # ([tool.formleak.severity] in pyproject.toml)
    FL004 = "high"
"""
from __future__ import annotations

import fnmatch
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from analyzer.safeio import MAX_CONFIG_BYTES, ReadError, read_regular

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SEVERITY_VALUES = ("low", "high", "critical")
KNOWN_KEYS = ("fail-on", "exclude", "baseline", "allow-destinations", "severity", "inline-suppressions",
              "respect-gitignore")
RULE_ID = re.compile(r"^FL\d{3}$")


class ConfigError(Exception):
    """A configuration problem; the CLI prints it and exits with 2."""


@dataclass
class Config:
    path: Path | None = None  # the file it came from (None: defaults)
    fail_on: str | None = None
    exclude: list[str] = field(default_factory=list)
    baseline: Path | None = None  # resolved against the config file's directory
    allow_destinations: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    inline_suppressions: bool = True
    respect_gitignore: bool | None = None


def _read(path: Path) -> bytes:
    """A config file's bytes: a regular file of at most 1 MiB (a FIFO or a device is refused, not read)."""
    return read_regular(path, MAX_CONFIG_BYTES)


def _toml(text: str) -> dict:
    try:
        return tomllib.loads(text)
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise tomllib.TOMLDecodeError("arrays or inline tables nested too deeply") from None


def find_config(start: Path) -> Path | None:
    """The first `.formleak.toml`, or `pyproject.toml` with `[tool.formleak]`, from `start` upward."""
    start = start.resolve()
    d = start if start.is_dir() else start.parent
    while True:
        cand = d / ".formleak.toml"
        if cand.exists():  # a FIFO or folder of that name is reported by load_config, not passed over
            return cand
        cand = d / "pyproject.toml"
        if cand.is_file() and _has_tool_table(cand):
            return cand
        if d.parent == d:
            return None
        d = d.parent


def _has_tool_table(pyproject: Path) -> bool:
    try:
        raw = _read(pyproject)
    except OSError:
        return False
    try:
        data = _toml(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        # A broken pyproject.toml that never mentions formleak is not ours to complain about.
        return b"[tool.formleak" in raw
    return isinstance(data.get("tool"), dict) and "formleak" in data["tool"]


def load_config(path: Path) -> Config:
    """Parse and validate one config file. Raises ConfigError naming the file (and key) on any problem."""
    path = path.resolve()
    try:
        raw = _read(path)
    except ReadError as e:
        raise ConfigError(f"cannot read config file {path}: {e.message}") from None
    except OSError as e:
        raise ConfigError(f"cannot read config file {path}: {e.strerror or e}") from None
    try:
        data = _toml(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    where = str(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("formleak") if isinstance(tool, dict) else None
        if table is None:
            raise ConfigError(f"{path} has no [tool.formleak] table")
        if not isinstance(table, dict):
            raise ConfigError(f"[tool.formleak] in {path} must be a table")
        data = table
        where = f"{path} [tool.formleak]"
    return _validate(data, path, where)


def _validate(data: dict, path: Path, where: str) -> Config:
    cfg = Config(path=path)
    for key in data:
        if key not in KNOWN_KEYS:
            known = ", ".join(KNOWN_KEYS)
            raise ConfigError(f"unknown key '{key}' in {where} (known keys: {known})")

    def bad(key: str, expected: str) -> ConfigError:
        return ConfigError(f"key '{key}' in {where} must be {expected}, not {data[key]!r}")

    if "fail-on" in data:
        if data["fail-on"] not in SEVERITY_VALUES:
            raise bad("fail-on", "one of " + ", ".join(SEVERITY_VALUES))
        cfg.fail_on = data["fail-on"]
    for key, attr in (("exclude", "exclude"), ("allow-destinations", "allow_destinations")):
        if key in data:
            val = data[key]
            if isinstance(val, str):
                val = [val]
            if not isinstance(val, list) or not all(isinstance(v, str) and v for v in val):
                raise bad(key, "a list of non-empty strings")
            setattr(cfg, attr, list(val))
    if "baseline" in data:
        if not isinstance(data["baseline"], str) or not data["baseline"]:
            raise bad("baseline", "a path (string)")
        cfg.baseline = (path.parent / data["baseline"]).resolve()
        home = path.parent.resolve()
        if cfg.baseline != home and home not in cfg.baseline.parents:
            raise ConfigError(f"key 'baseline' in {where} names {data['baseline']!r}, which is outside the "
                              f"config file's folder {home}; a config file may only name a baseline inside "
                              "its project (give --baseline on the command line for any other path)")
    if "inline-suppressions" in data:
        if not isinstance(data["inline-suppressions"], bool):
            raise bad("inline-suppressions", "true or false")
        cfg.inline_suppressions = data["inline-suppressions"]
    if "respect-gitignore" in data:
        if not isinstance(data["respect-gitignore"], bool):
            raise bad("respect-gitignore", "true or false")
        cfg.respect_gitignore = data["respect-gitignore"]
    if "severity" in data:
        table = data["severity"]
        if not isinstance(table, dict):
            raise bad("severity", "a table of rule id = severity")
        for rid, sev in table.items():
            if not RULE_ID.match(rid):
                raise ConfigError(f"unknown rule id '{rid}' under 'severity' in {where} (expected FL001 …)")
            if sev not in SEVERITY_VALUES:
                raise ConfigError(f"severity for '{rid}' in {where} must be one of "
                                  f"{', '.join(SEVERITY_VALUES)}, not {sev!r}")
        cfg.severity = dict(table)
    return cfg


# ------------------------------------------------------------------------------------ allow-destinations


def destination_allowed(destination: str | None, patterns: list[str]) -> bool:
    """Does `destination` (a URL or URL pattern from a finding) match one of the allow patterns?

    A pattern with a scheme (`https://zip.example.jp/api/`) is a URL prefix; a pattern without one is a
    host glob (`zip.example.jp`, `*.example.jp`; `*.example.jp` also matches `example.jp`) optionally
    followed by a path prefix (`zip.example.jp/api/`); a pattern starting with `/` is a path prefix
    (`/api/postcode`) for relative, first-party destinations. An unresolved destination (None) never matches.
    """
    if not destination or not patterns:
        return False
    host, path = _host_and_path(destination)
    for pat in patterns:
        if pat.startswith("/") and not pat.startswith("//"):  # a first-party path prefix
            if destination.startswith(pat):
                return True
            continue
        if "://" in pat:
            if destination.startswith(pat) or (pat.endswith("/") and destination == pat[:-1]):
                return True
            continue
        phost, _, ppath = pat.partition("/")
        phost = phost.lower()
        if not host:
            continue
        host_ok = fnmatch.fnmatchcase(host, phost) or (phost.startswith("*.") and host == phost[2:])
        if host_ok and (not ppath or path.lstrip("/").startswith(ppath)):
            return True
    return False


def _host_and_path(dest: str) -> tuple[str, str]:
    d = dest.strip()
    if d.startswith("//"):
        d = "https:" + d
    if "://" not in d:
        return "", d
    try:
        parts = urlsplit(d)
        return (parts.hostname or "").lower(), parts.path or "/"
    except ValueError:
        return "", d
