import os
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
