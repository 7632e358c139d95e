"""vgutils: the helper package of the course on vanishing and exploding gradients.

Import it before TensorFlow or Keras. Importing it sets, only where the user has not set
them already, the environment variables that keep TensorFlow's C++ start-up lines off
stderr: ``TF_CPP_MIN_LOG_LEVEL=3`` hides the absl/INFO lines and ``TF_ENABLE_ONEDNN_OPTS=0``
hides the oneDNN notice (nothing else does) and makes CPU results independent of oneDNN's
instruction-set-specific kernels. Both must be set before TensorFlow is first imported,
which is why this happens at import time and not in :func:`setup`.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# One BLAS thread for NumPy: the matrices here are small, TensorFlow has its own threads, and
# a fixed thread count keeps NumPy's results the same on machines with more cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import random  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

__all__ = ["setup", "diagnose", "tensorflow_was_imported_first", "__version__"]
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


def setup(seed: int = 0) -> None:
    """Make a notebook reproducible and quiet; call it once at the top (calling again is safe).

    Seeds Python's ``random``, NumPy's global generator and Keras/TensorFlow
    (``keras.utils.set_random_seed``), turns on TensorFlow's deterministic ops, silences
    TensorFlow's Python-side logger, and sets the book's plotting style.

    Args:
        seed: a non-negative integer; the same seed gives the same weights and results.

    Raises:
        TypeError: if ``seed`` is not an int.
        ValueError: if ``seed`` is negative or does not fit in 32 bits.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be between 0 and 2**32 - 1, got {seed}")

    import keras
    import matplotlib as mpl
    import tensorflow as tf

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    tf.get_logger().setLevel("ERROR")
    mpl.rcParams.update(STYLE)


def __getattr__(name: str):
    # vgutils.diagnose without importing TensorFlow at `import vgutils` time
    if name == "diagnose":
        from .diagnosis import diagnose

        return diagnose
    raise AttributeError(f"module 'vgutils' has no attribute {name!r}")
