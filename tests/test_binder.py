"""Binder builds from runtime.txt + requirements.txt: checked with Binder's own builder.

`jupyter-repo2docker --no-build --debug .` prints the Dockerfile it would build, without
Docker and without the network.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def dockerfile() -> str:
    r2d = Path(sys.executable).with_name("jupyter-repo2docker")
    done = subprocess.run(
        [str(r2d), "--no-build", "--debug", str(ROOT)], capture_output=True, text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def test_binder_uses_python_3_11_from_runtime_txt(dockerfile):
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"
    assert "Building conda environment for python=3.11" in dockerfile


def test_binder_copies_the_repository_before_installing_requirements(dockerfile):
    # requirements.txt ends with `-e .` (vgutils), which needs the whole repository in place
    copy = dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    install = dockerfile.index('pip install --no-cache-dir -r "requirements.txt"')
    assert copy < install
    assert re.search(r"^-e \.$", (ROOT / "requirements.txt").read_text(), re.M)


def test_no_binder_folder_hides_the_root_files():
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
