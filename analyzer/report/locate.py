"""Where report paths point: `%SRCROOT%` and the file a finding's path names (SPEC §5).

The engine's paths are relative to the scan root they were found under (the folder given, or the folder of
a file given). Reports that link to files need more: SARIF's `%SRCROOT%` is the current directory when every
scan root is inside it (the CI case: the job runs at the repository root and scans `web/`), else the scan
root (the common folder of several), and `base + uri` must name the scanned file. The HTML report links to
the file relative to where the report is written.

With several roots a relative path is looked up under each root's folder (first that has the file, in the
order given); a path inside a HAR capture (`visit.har/host/app.js`) belongs to the root holding the capture.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from analyzer.sanitize import uri_path


def _root_base(root: Path) -> Path:
    return root if root.is_dir() or not root.exists() and not root.suffix else root.parent


def _inside(p: Path, d: Path) -> bool:
    try:
        p.relative_to(d)
        return True
    except ValueError:
        return False


def uri_quote(path: str) -> str:
    """RFC 3986: the name's bytes percent-encoded, `/` only as separator (analyzer/sanitize.py)."""
    return uri_path(path)


class Locator:
    """Maps engine paths to files. `roots` as given to the scan, `cwd` the current directory."""

    def __init__(self, roots: list[str] | list[Path], cwd: Path | None = None) -> None:
        cwd = Path(os.path.abspath(cwd or Path.cwd()))
        self.bases = [Path(os.path.abspath(_root_base(Path(r)))) for r in roots] or [cwd]
        if all(_inside(b, cwd) for b in self.bases):
            self.srcroot = cwd
        elif len(self.bases) == 1:
            self.srcroot = self.bases[0]
        else:
            self.srcroot = Path(os.path.commonpath([str(b) for b in self.bases]))
        self._cache: dict[str, Path] = {}

    def srcroot_uri(self) -> str:
        uri = self.srcroot.as_uri()
        return uri if uri.endswith("/") else uri + "/"

    def file(self, rel: str) -> Path:
        """The absolute path `rel` names."""
        hit = self._cache.get(rel)
        if hit is not None:
            return hit
        hit = self.bases[0] / rel
        if len(self.bases) > 1 and rel:
            parts = PurePosixPath(rel).parts
            found = None
            for b in self.bases:
                if (b / rel).exists():
                    found = b / rel
                    break
            if found is None:  # a file inside a capture: the capture must exist under that base
                for b in self.bases:
                    if any((b / PurePosixPath(*parts[:i])).is_file() for i in range(1, len(parts))):
                        found = b / rel
                        break
            hit = found or hit
        self._cache[rel] = hit
        return hit

    def relative(self, rel: str, start: Path | None = None) -> str:
        """`rel` as a '/'-separated path relative to `start` (default: `%SRCROOT%`)."""
        target = self.file(rel)
        start = Path(os.path.abspath(start)) if start is not None else self.srcroot
        try:
            return target.relative_to(start).as_posix()
        except ValueError:
            return Path(os.path.relpath(target, start)).as_posix()

    def uri(self, rel: str) -> str:
        """The SARIF `artifactLocation.uri` (relative to `%SRCROOT%`, percent-encoded)."""
        return uri_quote(self.relative(rel)) if rel else ""
