"""Which paths discovery passes over: `--exclude`, the config's `exclude`, `.formleakignore` files and (with
`--respect-gitignore`) `.gitignore` files — all with gitignore semantics (pathspec's `GitIgnoreSpecPattern`).

- A pattern file applies to the folder it is in and everything below; patterns are matched against the path
  relative to that folder. Files in the scan root, in every folder below it, and in the folders above it up
  to the repository root (the nearest folder holding `.git`) are read.
- `--exclude` and the config's `exclude` are relative to the scan root; a leading `./` is dropped
  (`./dist/**` is `dist/**`).
- Precedence, lowest first: ignore files from the outermost folder inwards, then the config's `exclude`, then
  `--exclude`; within one list the last matching pattern wins, and `!pattern` re-includes. As in git, a file
  inside an excluded folder cannot be re-included (the folder is never entered); `dir/**` excludes what is
  in `dir`, not `dir` itself, so `!dir/keep.js` works after it.

Thousands of patterns cost milliseconds: each pattern is indexed by its literal part (first path segment,
file name, or the literal end or start of the file name) and compiled only when a path could match it.
"""
from __future__ import annotations

import os
from pathlib import Path

try:  # pathspec >= 1.0
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern
except ImportError:  # pragma: no cover - pathspec 0.12
    from pathspec.patterns.gitwildmatch import GitWildMatchPattern as GitIgnoreSpecPattern

from analyzer.model import Notification
from analyzer.safeio import MAX_CONFIG_BYTES, ReadError, read_regular

IGNORE_FILE = ".formleakignore"
GITIGNORE = ".gitignore"
_WILD = frozenset("*?[\\")


def _has_wild(s: str) -> bool:
    return any(c in _WILD for c in s)


class PatternList:
    """One list of gitignore-syntax patterns (a file or the exclude options), indexed for fast lookup."""

    def __init__(self, lines: list[str], source: str) -> None:
        self.source = source
        self.lines: list[str] = []
        self._compiled: dict[int, GitIgnoreSpecPattern | None] = {}
        self._first: dict[str, list[int]] = {}  # anchored, literal first segment
        self._name: dict[str, list[int]] = {}  # unanchored, literal file name
        self._tail: dict[int, dict[str, list[int]]] = {}  # unanchored, literal end of the name, by length
        self._head: dict[int, dict[str, list[int]]] = {}  # unanchored, literal start of the name, by length
        self._general: list[int] = []
        for raw in lines:
            line = _normalise(raw)
            if line is None:
                continue
            i = len(self.lines)
            self.lines.append(line)
            self._index(i, line)

    def __len__(self) -> int:
        return len(self.lines)

    def _index(self, i: int, line: str) -> None:
        body = line[1:] if line.startswith("!") else line
        if body.startswith("\\"):  # `\!x`, `\#x`: a literal first character
            self._general.append(i)
            return
        body = body.rstrip("/") or body
        anchored = "/" in body
        if body.startswith("**/") and "/" not in body[3:]:
            body, anchored = body[3:], False
        if anchored:
            seg0 = body.lstrip("/").split("/", 1)[0]
            if seg0 and not _has_wild(seg0):
                self._first.setdefault(seg0, []).append(i)
            else:
                self._general.append(i)
            return
        if not _has_wild(body):
            self._name.setdefault(body, []).append(i)
            return
        if "\\" in body:
            self._general.append(i)
            return
        k = max(body.rfind(c) for c in "*?[]")
        tail = body[k + 1:]
        head_end = min((body.find(c) for c in _WILD if c in body), default=len(body))
        head = body[:head_end]
        if tail:
            self._tail.setdefault(len(tail), {}).setdefault(tail, []).append(i)
        elif head:
            self._head.setdefault(len(head), {}).setdefault(head, []).append(i)
        else:
            self._general.append(i)

    def _pattern(self, i: int) -> GitIgnoreSpecPattern | None:
        if i not in self._compiled:
            try:
                p = GitIgnoreSpecPattern(self.lines[i])
            except Exception:  # noqa: BLE001 - a malformed pattern matches nothing
                p = None
            self._compiled[i] = p if p is not None and p.include is not None else None
        return self._compiled[i]

    def check(self, path: str, is_dir: bool) -> bool | None:
        """True: excluded, False: re-included by a `!` pattern, None: no pattern matches `path` (relative
        to this list's folder, '/'-separated, no trailing slash)."""
        segs = path.split("/")
        name = segs[-1]
        cand = list(self._general)
        cand += self._first.get(segs[0], ())
        cand += self._name.get(name, ())
        for n, d in self._tail.items():
            if len(name) >= n:
                cand += d.get(name[-n:], ())
        for n, d in self._head.items():
            cand += d.get(name[:n], ())
        if not cand:
            return None
        probe = path + "/" if is_dir else path
        for i in sorted(set(cand), reverse=True):
            if is_dir and self.lines[i].endswith("/**"):
                continue  # `dir/**` matches what is inside `dir`; each of those is checked on its own
            p = self._pattern(i)
            if p is not None and p.match_file(probe) is not None:
                return bool(p.include)
        return None


def _normalise(raw: str) -> str | None:
    line = raw.rstrip("\r\n")
    if not line.strip() or line.startswith("#"):
        return None
    # trailing spaces are ignored unless escaped (gitignore)
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        stripped += " "
    line = stripped
    neg = line.startswith("!")
    body = line[1:] if neg else line
    while body.startswith("./"):
        body = body[2:]
    if not body:
        return None
    return ("!" if neg else "") + body


class Ignore:
    """The pattern lists in force in one folder of the walk: `(prefix, PatternList)` pairs, where `prefix`
    is this folder's path relative to the list's own folder (`''` or `'sub/dir/'`)."""

    def __init__(self, lists: tuple = ()) -> None:
        self.lists = lists

    def excluded(self, rel_in_dir: str, is_dir: bool) -> bool:
        """Is the entry `rel_in_dir` (a name in the current folder) excluded?"""
        verdict = None
        for prefix, pl in self.lists:
            v = pl.check(prefix + rel_in_dir, is_dir)
            if v is not None:
                verdict = v
        return bool(verdict)

    def enter(self, name: str) -> "Ignore":
        """The lists in force in sub-folder `name` (before its own pattern files are added)."""
        return Ignore(tuple((prefix + name + "/", pl) for prefix, pl in self.lists))

    def with_files(self, new_lists: list) -> "Ignore":
        """Add a folder's own pattern files: after those of the folders above, before the exclude options
        (which always have the last word)."""
        if not new_lists:
            return self
        files = tuple(x for x in self.lists if not x[1].source.startswith("--"))
        options = tuple(x for x in self.lists if x[1].source.startswith("--"))
        return Ignore(files + tuple(("", pl) for pl in new_lists) + options)


def read_pattern_files(folder: Path, rel_folder: str, respect_gitignore: bool,
                       notes: list[Notification]) -> list[PatternList]:
    """The pattern files in `folder` (`.gitignore` first, then `.formleakignore`, which wins)."""
    out = []
    names = ([GITIGNORE] if respect_gitignore else []) + [IGNORE_FILE]
    for name in names:
        p = folder / name
        try:
            st = os.lstat(p)
        except OSError:
            continue
        rel = rel_folder + name
        try:
            data = read_regular(p, MAX_CONFIG_BYTES, follow_symlinks=False, expect=st)
        except ReadError as e:
            notes.append(Notification(rel, "warning", "ignore-file", f"ignore file not read: {e.message}"))
            continue
        except OSError as e:
            notes.append(Notification(rel, "warning", "ignore-file", f"ignore file not read: {e.strerror or e}"))
            continue
        text = data.decode("utf-8", "replace")
        out.append(PatternList(text.splitlines(), rel))
    return out


def initial(root: Path, exclude: list[str] | tuple, respect_gitignore: bool,
            notes: list[Notification]) -> Ignore:
    """The lists in force in the scan root itself: pattern files of the folders above it up to the
    repository root, then those of the root (read by the walk), then the exclude options."""
    lists = []
    root = Path(os.path.realpath(root))
    ancestors = []
    d = root.parent
    repo = None
    if not (root / ".git").exists():
        while True:
            ancestors.append(d)
            if (d / ".git").exists():
                repo = d
                break
            if d.parent == d:
                break
            d = d.parent
    if repo is not None:
        for a in reversed(ancestors):
            prefix = root.relative_to(a).as_posix() + "/"
            for pl in read_pattern_files(a, "", respect_gitignore, []):
                pl.source = str(a / Path(pl.source))
                lists.append((prefix, pl))
    if exclude:  # the config's `exclude`, then `--exclude` (the last matching pattern wins)
        lists.append(("", PatternList(list(exclude), "--exclude")))
    return Ignore(tuple(lists))
