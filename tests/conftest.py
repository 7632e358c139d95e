import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import vgutils  # first: silences TensorFlow before anything imports it

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same seeds."""
    vgutils.setup(0)
    yield


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def book_html(tmp_path_factory) -> Path:
    """The book built once per session from a copy of the sources, warnings as errors."""
    out = tmp_path_factory.mktemp("book")
    src = out / "src"
    shutil.copytree(
        ROOT, src,
        ignore=shutil.ignore_patterns(".venv", "_build", "_course", ".git", "tests", "*.egg-info",
                                     ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints"),
    )
    jb = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run(
        [str(jb), "build", str(src), "--warningiserror", "--keep-going"],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return src / "_build" / "html"
