"""Which reports one run writes, where, and whether text is coloured.

One run can write several reports: the primary one (`--format`, to `--output` or stdout) and any of
`--sarif-output FILE`, `--json-output FILE`, `--html-output FILE`. Each is rendered from the same
ScanResult, so they agree. Colour (text only): `--color` / `--no-color` win; else a non-empty `NO_COLOR`
turns it off; else a `FORCE_COLOR` other than empty or `0` turns it on; else colour only on a terminal.
"""
from __future__ import annotations

import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from analyzer.model import ScanResult


@dataclass(frozen=True)
class Output:
    fmt: str  # 'text' | 'json' | 'sarif' | 'html'
    path: Path | None  # None: stdout


def plan_outputs(fmt: str, output: str | None, sarif: str | None, json_: str | None, html: str | None
                 ) -> list[Output]:
    outs = [Output(fmt, Path(output) if output else None)]
    for f, p in (("sarif", sarif), ("json", json_), ("html", html)):
        if p:
            outs.append(Output(f, Path(p)))
    return outs


def use_color(flag: bool | None, stream_is_tty: bool, env: dict | None = None) -> bool:
    """`flag`: True for --color, False for --no-color, None for neither."""
    env = os.environ if env is None else env
    if flag is not None:
        return flag
    if env.get("NO_COLOR"):
        return False
    force = env.get("FORCE_COLOR")
    if force is not None and force not in ("", "0"):
        return True
    return stream_is_tty


def write_outputs(result: ScanResult, outputs: list[Output], *, color_flag: bool | None, quiet: bool,
                  severity_overrides: dict[str, str], category: str | None) -> list[str]:
    """Render and write every output. Returns error messages (a file that could not be written)."""
    from analyzer.report import render

    errors = []
    for out in outputs:
        if out.path is None:
            if quiet and out.fmt == "text":
                continue
            color = out.fmt == "text" and use_color(color_flag, sys.stdout.isatty())
            text = render(result, out.fmt, color=color, severity_overrides=severity_overrides,
                          category=category, link_base=Path.cwd())
            sys.stdout.write(text.encode("utf-8", "backslashreplace").decode("utf-8"))
            sys.stdout.flush()
            continue
        color = out.fmt == "text" and bool(color_flag)
        text = render(result, out.fmt, color=color, severity_overrides=severity_overrides, category=category,
                      link_base=out.path.parent)
        try:
            out.path.parent.mkdir(parents=True, exist_ok=True)
            # backslashreplace: a file name that is not UTF-8 becomes `\udcff` (valid JSON), never a crash
            with open(out.path, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as fh:
                fh.write(text)
        except OSError as e:
            errors.append(f"cannot write {out.path}: {e.strerror or e}")
    return errors


# ------------------------------------------------------------------------------------------ rule docs


def rules_listing() -> str:
    """`formleak rules`: one line per rule."""
    from analyzer.report import RULES

    lines = [f"{'ID':<6} {'SEVERITY':<9} {'NAME':<32} DESCRIPTION"]
    for r in RULES.values():
        lines.append(f"{r.id:<6} {r.severity:<9} {r.name:<32} {r.short}")
    lines.append("")
    lines.append("formleak scan --explain FL00x   what a rule means, why it matters and how to fix it")
    return "\n".join(lines) + "\n"


def explain(rule_id: str) -> str | None:
    """`formleak scan --explain FL00x`: the rule's help (the same text as SARIF `help.text`)."""
    from analyzer.report import RULES

    r = RULES.get(rule_id.strip().upper())
    if r is None:
        return None
    help_text = "\n\n".join(textwrap.fill(p, 100, break_on_hyphens=False, break_long_words=False) for p in r.help_text.split("\n\n"))
    parts = [f"{r.id} {r.name} (default severity: {r.severity})", "", r.short, "", help_text]
    if r.advice:
        parts += ["", textwrap.fill("In short: " + r.advice, 100, break_on_hyphens=False)]
    if r.example:
        parts += ["", "Example (reported as " + r.id + "):", "    " + r.example]
    parts += ["", "Suppress an approved flow (the reason is required):",
              f"    // formleak-disable-next-line {r.id} -- <reason>",
              "or allow its destination under allow-destinations in .formleak.toml."]
    return "\n".join(parts) + "\n"
