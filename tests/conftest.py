"""Make the repository root importable (tests run with the repo as cwd)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory):
    """The CLI caches facts and whole results under $XDG_CACHE_HOME by default: never the user's own cache
    in a test, and one of its own for each test (a result cached by another test, before its monkeypatches,
    would hide what this one changes)."""
    import os

    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old
