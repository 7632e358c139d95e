"""Argument checks shared by the vgutils modules: errors that name the argument."""

from __future__ import annotations

from typing import Any

import numpy as np


def check_int(name: str, value: Any, minimum: int | None = None) -> int:
    """Return ``value`` as an int, or raise an error that names ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def as_float_array(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a float32 NumPy array, or raise an error that names ``name``."""
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers ({error})") from None
    return array


def check_xy(model: Any, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check that ``x`` fits ``model``'s input and that ``x`` and ``y`` have as many rows."""
    x = as_float_array("x", x)
    y = as_float_array("y", y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("x and y must have a first (batch) axis; got a scalar")
    inputs = getattr(model, "inputs", None)
    if inputs:
        expected = tuple(inputs[0].shape)[1:]
        got = x.shape[1:]
        ok = len(expected) == len(got) and all(
            e is None or e == g for e, g in zip(expected, got, strict=True)
        )
        if not ok:
            shown = tuple("batch" if e is None else e for e in (None, *expected))
            raise ValueError(
                f"x does not match the model's input: the model expects shape {shown}, "
                f"got x of shape {x.shape}"
            )
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    if len(x) == 0:
        raise ValueError("x must hold at least one example, got 0")
    return x, y
