import os
import random

import numpy as np
import pytest

import vgutils


def test_import_sets_the_variables_that_silence_tensorflow():
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"
    assert not vgutils.tensorflow_was_imported_first()


def test_setup_twice_gives_the_same_random_streams():
    vgutils.setup(3)
    first = (random.random(), np.random.rand())
    vgutils.setup(3)
    assert (random.random(), np.random.rand()) == first


def test_setup_seeds_keras_so_weights_repeat():
    import keras

    vgutils.setup(5)
    a = keras.random.normal((4,)).numpy()
    vgutils.setup(5)
    b = keras.random.normal((4,)).numpy()
    np.testing.assert_array_equal(a, b)


def test_setup_enables_deterministic_ops_and_the_plot_style():
    import matplotlib as mpl
    from tensorflow.python.framework import config

    vgutils.setup(0)
    assert config.is_op_determinism_enabled()
    assert mpl.rcParams["axes.grid"] is True


@pytest.mark.parametrize("seed", ["0", 1.5, True, None])
def test_setup_rejects_a_seed_that_is_not_an_int(seed):
    with pytest.raises(TypeError, match="seed must be an int"):
        vgutils.setup(seed)


def test_setup_rejects_a_negative_seed():
    with pytest.raises(ValueError, match="seed"):
        vgutils.setup(-1)


def test_importing_tensorflow_after_vgutils_prints_nothing_on_stderr(tmp_path):
    import subprocess
    import sys

    code = (
        "import vgutils; vgutils.setup(0); import keras, numpy as np\n"
        "m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])\n"
        "m.compile('sgd', 'mse'); m.fit(np.ones((4, 2)), np.ones((4, 3)), verbose=0)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_vgutils_seed_replaces_the_notebooks_seed(monkeypatch):
    import keras

    monkeypatch.setenv("VGUTILS_SEED", "7")
    assert vgutils.setup(0) == 7 and vgutils.current_seed() == 7
    a = keras.random.normal((4,)).numpy()
    monkeypatch.delenv("VGUTILS_SEED")
    assert vgutils.setup(7) == 7
    np.testing.assert_array_equal(a, keras.random.normal((4,)).numpy())
    assert vgutils.setup(0) == 0


def test_seeds_start_at_the_current_seed_and_move_with_the_override(monkeypatch):
    vgutils.setup(0)
    assert vgutils.seeds(3) == [0, 1, 2]
    monkeypatch.setenv("VGUTILS_SEED", "100")
    vgutils.setup(0)
    assert vgutils.seeds(5) == [100, 101, 102, 103, 104]


@pytest.mark.parametrize("raw", ["seven", "-1", "1.5", str(2**20)])
def test_a_bad_vgutils_seed_is_named(monkeypatch, raw):
    monkeypatch.setenv("VGUTILS_SEED", raw)
    with pytest.raises(ValueError, match="VGUTILS_SEED"):
        vgutils.setup(0)


def test_seeds_rejects_a_count_below_one():
    with pytest.raises(ValueError, match="n must be >= 1"):
        vgutils.seeds(0)
    with pytest.raises(TypeError, match="n must be an int"):
        vgutils.seeds("3")
