"""A Markdown findings table from a `--format json` report, for the GitHub Action's job summary
(`$GITHUB_STEP_SUMMARY`), so that the findings are visible on the run page even when nothing is uploaded
to code scanning (private repositories without it, pull requests from forks).

    python -m analyzer.report.summary formleak.json >> "$GITHUB_STEP_SUMMARY"

Every value from the scanned site is put inside a code span with backticks and pipes neutralised, so a
field or URL cannot break the table or inject Markdown.
"""
from __future__ import annotations

import json
import sys

SEVERITY_ORDER = {"critical": 0, "high": 1, "low": 2}
MAX_ROWS = 200


def _code(text) -> str:
    s = " ".join(str(text or "").split())[:160]
    return "`" + s.replace("`", "'").replace("|", "\\|") + "`" if s else "-"


def markdown_summary(doc: dict) -> str:
    live = [f for f in doc.get("findings", []) if not f.get("suppression")]
    live.sort(key=lambda f: (SEVERITY_ORDER.get(f.get("severity"), 9), f["sink"]["location"]["path"],
                             f["sink"]["location"]["line"], f["rule_id"]))
    s = doc.get("summary", {})
    by = s.get("by_severity", {})
    n = len(live)
    out = ["## formleak", ""]
    counts = ", ".join(f"{by.get(k, 0)} {k}" for k in ("critical", "high", "low"))
    sup = s.get("suppressed", {})
    out.append(f"**{n} finding{'s' if n != 1 else ''}** ({counts}); suppressed: {sup.get('in_source', 0)} inline, "
               f"{sup.get('external', 0)} by baseline; files: {s.get('files_scanned', 0)} scanned, "
               f"{s.get('files_failed', 0)} failed" + ("" if doc.get("complete", True) else "; **scan incomplete**"))
    out.append("")
    if not live:
        out.append("No findings: nothing typed into a form field is sent before submit.")
        return "\n".join(out) + "\n"
    out.append("| severity | rule | where | fields | trigger | API | destination |")
    out.append("| --- | --- | --- | --- | --- | --- | --- |")
    for f in live[:MAX_ROWS]:
        loc = f["sink"]["location"]
        dest = f["destination"]
        where = dest.get("url") or "(unresolved)"
        party = dest.get("vendor") or (dest.get("party") or "").replace("_", " ")
        out.append(f"| {f['severity']} | {f['rule_id']} | {_code(loc['path'] + ':' + str(loc['line']))} | "
                   f"{_code(', '.join(f.get('categories', [])))} | {_code(', '.join(f.get('trigger', [])))} | "
                   f"{_code(f['sink']['api'])} | {_code(where)} {party} |")
    if len(live) > MAX_ROWS:
        out.append(f"\n… and {len(live) - MAX_ROWS} more (see the SARIF/JSON report).")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m analyzer.report.summary REPORT.json", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as e:
        print(f"formleak summary: cannot read {args[0]}: {e}", file=sys.stderr)
        return 2
    sys.stdout.write(markdown_summary(doc))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
