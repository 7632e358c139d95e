"""vgutils: the toolkit of the course on vanishing and exploding gradients.

``import vgutils as vg`` is the front door. ``vg.setup`` makes a notebook reproducible;
the rest of the toolkit is one name away: data (``vg.spirals``), models (``vg.deep_mlp``),
training (``vg.train``, ``vg.train_steps``, ``vg.train_over_seeds``, ``vg.spread``), measurements
(``vg.loss_and_gradients``, ``vg.layer_gradient_norms``, ``vg.activation_stats``), the
diagnosis (``vg.diagnose``, ``vg.GradientMonitor``) and the book's plots
(``vg.plot_histories``). ``__all__`` lists every name; the book's API page describes each.
Each name loads its module on first use, so ``import vgutils`` itself stays light.

Two other places hold the rest: ``vgutils.labs`` is the machinery of single chapters (it
may use the toolkit; the toolkit never imports it), and ``vgutils.exercises`` the
exercises' self-checks.

Import it before TensorFlow or Keras. Importing it sets, only where the user has not set
them already, the environment variables that keep TensorFlow's C++ start-up lines off
stderr: ``TF_CPP_MIN_LOG_LEVEL=3`` hides the absl/INFO lines and ``TF_ENABLE_ONEDNN_OPTS=0``
hides the oneDNN notice (nothing else does). Neither makes CPU results independent of the
processor: TensorFlow's matrix products still use kernels chosen by its instruction set, so a
trained result is one draw, and the chapters repeat training over :func:`seeds`. Both must be
set before TensorFlow is first imported, which is why this happens at import time and not in
:func:`setup`.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# One BLAS thread for NumPy: the matrices here are small, TensorFlow has its own threads, and
# a fixed thread count keeps NumPy's results the same on machines with more cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import importlib  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

from ._checks import MAX_SEED  # noqa: E402,F401  (the builders' seed limit, defined once)

# The toolkit behind the front door: module -> the names it gives `vg.` (each module's own
# __all__; a test keeps the two in step, and the book's API page lists them all).
TOOLKIT = {
    "data": ["spirals", "circles", "adding_problem"],
    "models": ["deep_mlp", "residual_mlp", "recurrent_model", "make_initializer",
               "make_activation"],
    "training": ["train", "train_steps", "make_optimizer", "kernels", "mean_abs_change"],
    "repeats": ["train_over_seeds", "train_steps_over_seeds", "train_side_by_side",
                "models_over_seeds", "stack_runs", "spread", "Spread", "progress"],
    "gradients": ["loss_and_gradients", "layer_gradient_norms", "weight_gradient_norms",
                  "time_step_gradient_norms", "finite_difference", "dense_layers",
                  "weight_matrices", "get_loss"],
    "probes": ["activation_stats", "layer_outputs", "activation_layers", "update_ratio",
               "SATURATION"],
    "callbacks": ["GradientMonitor", "UpdateRatioMonitor"],
    "diagnosis": ["diagnose", "Diagnosis", "THRESHOLDS", "REMEDIES"],
    "plots": ["plot_histories", "plot_layer_norms", "plot_norm_heatmap",
              "plot_activation_histograms", "plot_update_ratios"],
}
_WHERE = {name: module for module, names in TOOLKIT.items() for name in names}
_SUBMODULES = {*TOOLKIT, "labs", "exercises"}

__all__ = ["setup", "seeds", "current_seed", "tensorflow_was_imported_first", "__version__",
           *_WHERE]
__version__ = "0.1.0"

# Whether TensorFlow was already loaded when vgutils was first imported: then the variables
# above came too late to silence it.
_TF_BEFORE_VGUTILS = "tensorflow" in sys.modules

STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
    "svg.hashsalt": "vgutils",
}


def tensorflow_was_imported_first() -> bool:
    """True if TensorFlow was imported before vgutils (start-up messages were not silenced)."""
    return _TF_BEFORE_VGUTILS


SEED_VARIABLE = "VGUTILS_SEED"
_seed: int | None = None


def _check_seed(seed, where: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"{where} must be an int, got {type(seed).__name__} {seed!r}")
    seed = int(seed)
    if not 0 <= seed < MAX_SEED:
        raise ValueError(f"{where} must be between 0 and {MAX_SEED - 1}, got {seed}")
    return seed


def _seed_from_environment() -> int | None:
    raw = os.environ.get(SEED_VARIABLE, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"the environment variable {SEED_VARIABLE} must be a non-negative "
                         f"integer, got {raw!r}") from None
    return _check_seed(value, f"the environment variable {SEED_VARIABLE}")


def setup(seed: int = 0) -> int:
    """Make a notebook reproducible and quiet; call it once at the top (calling again is safe).

    Seeds Python's ``random``, NumPy's global generator and Keras/TensorFlow
    (``keras.utils.set_random_seed``), turns on TensorFlow's deterministic ops, silences
    TensorFlow's Python-side logger, and sets the book's plotting style. In a notebook it
    also makes a failing claim cell (one that begins with ``# claims of the text above``)
    say in a sentence which claim of the text no longer holds, instead of showing a bare
    ``AssertionError``.

    If the environment variable ``VGUTILS_SEED`` is set (``VGUTILS_SEED=7 jupyter lab``), its
    value replaces ``seed``: any chapter can then be re-run under another seed unchanged,
    and every experiment that uses :func:`seeds` or :func:`current_seed` moves with it.
    ``make robustness`` uses this to check that a chapter's conclusions hold for other seeds.

    Args:
        seed: a non-negative integer; the same seed gives the same weights and results
            (on one machine: see "Will my numbers match?" in the book's how-to page).

    Returns:
        the seed actually used (``seed``, or ``VGUTILS_SEED`` where it is set).

    Raises:
        TypeError: if ``seed`` is not an int.
        ValueError: if ``seed`` or ``VGUTILS_SEED`` is negative or not below 2**20.
    """
    global _seed
    seed = _check_seed(seed, "seed")
    override = _seed_from_environment()
    if override is not None:
        seed = override

    import keras
    import matplotlib as mpl
    import tensorflow as tf

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    tf.get_logger().setLevel("ERROR")
    mpl.rcParams.update(STYLE)
    from ._claims import install

    install()  # in a notebook, a failed claim of the text reads as a sentence
    _seed = seed
    return seed


def current_seed() -> int:
    """The seed the last :func:`setup` call used (0 if setup was never called)."""
    return 0 if _seed is None else _seed


def seeds(n: int) -> list[int]:
    """``n`` seeds for an experiment repeated over seeds: ``current_seed()`` and the next ``n - 1``.

    With ``VGUTILS_SEED=100`` a chapter's five-seed experiment uses seeds 100 to 104 instead
    of 0 to 4, so the whole experiment, not one run of it, is repeated on fresh draws.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"n must be an int, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    base = current_seed()
    if base + n > MAX_SEED:
        raise ValueError(f"n must keep the seeds below {MAX_SEED}: {n} seeds from {base} reach "
                         f"{base + n - 1}")
    return [base + i for i in range(int(n))]


def __getattr__(name: str):
    # vg.<name> loads the toolkit module that defines it on first use (PEP 562), so that
    # `import vgutils` sets TensorFlow's environment variables before TensorFlow loads
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'vgutils' has no attribute {name!r}; the toolkit's names "
                         "are in vgutils.__all__, a chapter's machinery in vgutils.labs")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
