import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_ruff_finds_nothing_in_vgutils_tests_tools_and_notebooks():
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(
        [str(ruff), "check", "vgutils", "tests", "tools", "notebooks"], cwd=ROOT,
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]
