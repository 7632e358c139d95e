"""Gradient clipping by hand (NumPy), to compare with Keras's ``clipvalue``, ``clipnorm`` and
``global_clipnorm``. The chapter's training runs, which record the unclipped gradient norm at
every step, use the toolkit's :func:`vgutils.training.train_steps`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import as_float_array, check_finite, check_number

__all__ = [
    "global_norm",
    "clip_by_value",
    "clip_by_norm",
    "clip_by_global_norm",
    "cosine_similarity",
]

Grads = Sequence[Any]


def _as_arrays(name: str, grads: Grads) -> list[np.ndarray]:
    if isinstance(grads, np.ndarray) or not isinstance(grads, Sequence) or len(grads) == 0:
        raise TypeError(f"{name} must be a non-empty list of arrays (one per variable)")
    if any(g is None for g in grads):
        raise ValueError(f"{name} holds None (a variable the loss does not depend on, as "
                         "tape.gradient returns it); drop it or use zeros")
    return [check_finite(f"{name}[{i}]", as_float_array(f"{name}[{i}]", g, np.float64))
            for i, g in enumerate(grads)]


def _check_threshold(name: str, value: Any) -> float:
    return check_number(name, value, above=0)


def global_norm(grads: Grads) -> float:
    """The L2 norm of all entries of all arrays together: sqrt(sum_i ||g_i||^2)."""
    arrays = _as_arrays("grads", grads)
    return float(np.sqrt(sum(np.sum(g * g) for g in arrays)))


def clip_by_value(grads: Grads, clip_value: float) -> list[np.ndarray]:
    """Clip every entry into [-clip_value, clip_value] (Keras ``clipvalue``).

    Entries are clipped independently, so the direction of the gradient changes whenever
    some entries are clipped and others are not.
    """
    c = _check_threshold("clip_value", clip_value)
    return [np.clip(g, -c, c) for g in _as_arrays("grads", grads)]


def clip_by_norm(grads: Grads, clip_norm: float) -> list[np.ndarray]:
    """Rescale each array separately to an L2 norm of at most ``clip_norm`` (``clipnorm`` of
    Keras 3 and tf.keras 2; standalone Keras up to 2.3 used the global norm for ``clipnorm``):
    ``g_i * clip_norm / max(||g_i||, clip_norm)``.

    Each array keeps its direction, but arrays are shrunk by different factors, so the
    direction of the whole gradient changes when some arrays are clipped and others not.
    """
    c = _check_threshold("clip_norm", clip_norm)
    return [g * c / max(float(np.sqrt(np.sum(g * g))), c) for g in _as_arrays("grads", grads)]


def clip_by_global_norm(grads: Grads, clip_norm: float) -> list[np.ndarray]:
    """Rescale all arrays by one factor so that their global norm is at most ``clip_norm``
    (Keras ``global_clipnorm``): ``g_i * clip_norm / max(global_norm, clip_norm)``.

    The direction of the whole gradient is kept exactly; only its length is capped.
    """
    c = _check_threshold("clip_norm", clip_norm)
    arrays = _as_arrays("grads", grads)
    scale = c / max(global_norm(arrays), c)
    return [g * scale for g in arrays]


def cosine_similarity(a: Grads, b: Grads) -> float:
    """Cosine of the angle between two gradients given as lists of arrays of equal shapes
    (all entries flattened into one vector): 1 means the same direction."""
    xs, ys = _as_arrays("a", a), _as_arrays("b", b)
    if [x.shape for x in xs] != [y.shape for y in ys]:
        raise ValueError("a and b must hold arrays of the same shapes, got "
                         f"{[x.shape for x in xs]} and {[y.shape for y in ys]}")
    x = np.concatenate([v.ravel() for v in xs])
    y = np.concatenate([v.ravel() for v in ys])
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    if nx == 0 or ny == 0:
        raise ValueError(f"{'a' if nx == 0 else 'b'} is a zero gradient: its cosine with "
                         "another is undefined")
    return float(x @ y / (nx * ny))
