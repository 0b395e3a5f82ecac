"""Exclude patterns and ignore files with gitignore semantics (issue 10): `--exclude`, the config's
`exclude`, `.formleakignore` (scan root, sub-folders, folders above up to the repository root) and
`.gitignore` with `--respect-gitignore` (off by default)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.discover import discover
from analyzer.ignore import PatternList

LEAK = ("document.getElementById('email').addEventListener('blur', function (e) "
        "{ fetch('/c?e=' + e.target.value); });\n")


def tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def names(root: Path, **kw) -> list[str]:
    files, _ = discover([root], **kw)
    return [f.rel for f in files]


LAYOUT = {"src/app.js": LEAK, "dist/app.min.js": LEAK, "dist/keep.js": LEAK, "dist/sub/deep.js": LEAK,
          "vendor/lib.min.js": LEAK, "vendor.min.js": LEAK, "a.min.js": LEAK}


def test_exclude_with_leading_dot_slash(tmp_path):
    tree(tmp_path, LAYOUT)
    assert names(tmp_path, exclude=["./dist/**"]) == ["a.min.js", "src/app.js", "vendor.min.js",
                                                       "vendor/lib.min.js"]


def test_exclude_negation_reincludes(tmp_path):
    tree(tmp_path, LAYOUT)
    assert names(tmp_path, exclude=["dist/**", "!dist/keep.js", "*.min.js", "!vendor.min.js"]) == [
        "dist/keep.js", "src/app.js", "vendor.min.js"]


def test_a_file_in_an_excluded_folder_cannot_be_reincluded(tmp_path):
    tree(tmp_path, LAYOUT)
    assert "dist/keep.js" not in names(tmp_path, exclude=["dist/", "!dist/keep.js"])


def test_formleakignore_in_root_and_subfolder(tmp_path):
    tree(tmp_path, {**LAYOUT, ".formleakignore": "# built\ndist/\n*.min.js\n!vendor.min.js\n",
                    "src/.formleakignore": "/app.js\n", "src/other.js": LEAK})
    assert names(tmp_path) == ["src/other.js", "vendor.min.js"]


def test_exclude_option_has_the_last_word_over_ignore_files(tmp_path):
    tree(tmp_path, {**LAYOUT, ".formleakignore": "!src/app.js\nsrc/\n"})
    assert "vendor.min.js" not in names(tmp_path, exclude=["vendor.min.js"])
    assert "src/app.js" not in names(tmp_path)
    assert "src/app.js" in names(tmp_path, exclude=["!src/"])


def test_formleakignore_above_the_scan_root_up_to_the_repository_root(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    tree(repo, {".formleakignore": "web/dist/\n", "web/dist/b.js": LEAK, "web/js/a.js": LEAK})
    assert names(repo / "web") == ["js/a.js"]
    # no repository: folders above the scan root are not read
    tree(tmp_path / "norepo", {".formleakignore": "web/dist/\n", "web/dist/b.js": LEAK, "web/js/a.js": LEAK})
    assert names(tmp_path / "norepo" / "web") == ["dist/b.js", "js/a.js"]


def test_gitignore_only_with_respect_gitignore(tmp_path):
    tree(tmp_path, {".gitignore": "dist/\n", "dist/app.min.js": LEAK, "src/app.js": LEAK})
    assert names(tmp_path) == ["dist/app.min.js", "src/app.js"]
    assert names(tmp_path, respect_gitignore=True) == ["src/app.js"]


def test_cli_respect_gitignore_and_config_key(tmp_path, capsys):
    tree(tmp_path, {".gitignore": "dist/\n", "dist/app.min.js": LEAK})
    assert main(["scan", str(tmp_path), "--no-progress"]) == 1
    assert main(["scan", str(tmp_path), "--no-progress", "--respect-gitignore"]) == 0
    (tmp_path / ".formleak.toml").write_text("respect-gitignore = true\n")
    assert main(["scan", str(tmp_path), "--no-progress"]) == 0
    (tmp_path / ".formleak.toml").write_text("respect-gitignore = 'yes'\n")
    assert main(["scan", str(tmp_path), "--no-progress"]) == 2
    assert "respect-gitignore" in capsys.readouterr().err


def test_cli_exclude_dot_slash_and_negation(tmp_path):
    tree(tmp_path, {"dist/app.min.js": LEAK, "dist/keep.js": "var a = 1;\n"})
    assert main(["scan", str(tmp_path), "--no-progress", "--exclude", "./dist/**"]) == 0
    assert main(["scan", str(tmp_path), "--no-progress", "--exclude", "./dist/**",
                 "--exclude", "!dist/app.min.js"]) == 1


def test_thirty_three_thousand_patterns_cost_milliseconds(tmp_path):
    tree(tmp_path, {f"d{i % 3}/f{i}.js": "var a = 1;\n" for i in range(21)})
    pats = [f"gen{i}/**/*.x{i}" for i in range(33_000)] + [f"*.y{i}" for i in range(3000)] + ["d2/"]
    t0 = time.perf_counter()
    got = names(tmp_path, exclude=pats)
    took = time.perf_counter() - t0
    assert len(got) == 14 and not any(n.startswith("d2/") for n in got)
    assert took < 2.0, f"{took:.2f} s"  # about 0.1 s; 108 s with fnmatch per file per glob


@pytest.mark.parametrize("pattern,path,is_dir,verdict", [
    ("*.min.js", "a/b/c.min.js", False, True),
    ("/top.js", "sub/top.js", False, None),
    ("/top.js", "top.js", False, True),
    ("dist/", "dist", False, None),  # a trailing slash matches folders only
    ("dist/", "dist", True, True),
    ("a/**/b.js", "a/x/y/b.js", False, True),
    ("*.[jt]s", "x.ts", False, True),
    ("!x.js", "x.js", False, False),
    ("\\#hash.js", "#hash.js", False, True),
    ("# comment", "# comment", False, None),
])
def test_gitignore_semantics(pattern, path, is_dir, verdict):
    assert PatternList([pattern], "--exclude").check(path, is_dir) is verdict
