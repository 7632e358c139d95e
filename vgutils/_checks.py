"""Argument checks shared by the vgutils modules: errors that name the argument.

Types are checked before values (``'2' > 0`` would otherwise raise Python's own TypeError),
and each error is one sentence that names the argument, what it got and what is accepted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

MAX_SEED = 2**20  # model builders derive per-layer seeds as seed * 1000 + i: keep them in int32


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)


def check_int(name: str, value: Any, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """Return ``value`` as an int, or raise an error that names ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_seed(name: str, value: Any) -> int:
    """A seed: an int from 0 to 2**20 - 1 (the builders derive per-layer seeds from it)."""
    return check_int(name, value, minimum=0, maximum=MAX_SEED - 1)


FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_number(name: str, value: Any, minimum: float | None = None,
                 above: float | None = None, maximum: float | None = None) -> float:
    """``value`` as a finite float (``>= minimum``, ``> above``), or an error naming ``name``."""
    if not _is_number(value):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {value:g}")
    if above is not None and not value > above:
        raise ValueError(f"{name} must be > {above:g}, got {value:g}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum:g}, got {value:g}")
    return value


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is True or False, or raise naming ``name``."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_names(name: str, value: Any, count: int) -> list[str] | None:
    """None, or a list of ``count`` labels (one per layer or line)."""
    if value is None:
        return None
    if isinstance(value, str | bytes) or not hasattr(value, "__len__"):
        raise TypeError(f"{name} must be a list of {count} names, got {type(value).__name__}")
    if len(value) != count:
        raise ValueError(f"{name} must hold {count} names (one per layer), got {len(value)}")
    return [str(v) for v in value]


def check_axes(ax: Any, name: str = "ax") -> Any:
    """None or a matplotlib Axes (a Figure or a number gets one sentence)."""
    import matplotlib.axes

    if ax is not None and not isinstance(ax, matplotlib.axes.Axes):
        raise TypeError(f"{name} must be a matplotlib Axes (e.g. from plt.subplots()) or None, "
                        f"got {type(ax).__name__}")
    return ax


def check_learning_rate(value: Any, name: str = "learning_rate") -> Any:
    """None (the optimiser's default), a Keras schedule, or a finite number > 0."""
    import keras

    if value is None or isinstance(value, keras.optimizers.schedules.LearningRateSchedule):
        return value
    if not _is_number(value):
        raise TypeError(f"{name} must be a number > 0 or a keras learning-rate schedule, got "
                        f"{type(value).__name__} {value!r}")
    return check_number(name, value, above=0, maximum=FLOAT32_MAX)


def check_mapping(name: str, value: Any, what: str = "label -> values") -> Mapping:
    """A non-empty dict (``{label: values}``), or an error naming ``name``."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict of {what} (e.g. {{'relu': [...]}}), got "
                        f"{type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must hold at least one {what} entry, got an empty dict")
    return value


def check_model(model: Any, name: str = "model") -> Any:
    """A built Keras model: a Layer, a string or an unbuilt model gets one sentence."""
    import keras

    if not isinstance(model, keras.Model):
        if isinstance(model, keras.layers.Layer):
            raise TypeError(f"{name} must be a keras.Model, got the layer {model.name!r} "
                            f"({type(model).__name__}); wrap it, e.g. "
                            "keras.Sequential([keras.Input(shape=...), layer])")
        raise TypeError(f"{name} must be a keras.Model, got {type(model).__name__}")
    if not model.built:
        raise ValueError(f"{name} {model.name!r} is not built yet (it has no weights): start it "
                         "with keras.Input(shape=...) or call it once on a batch")
    return model


def as_float_array(name: str, value: Any, dtype: Any = np.float32) -> np.ndarray:
    """Return ``value`` as a float NumPy array, or raise an error that names ``name``."""
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must be an array of numbers, got text {value[:20]!r}")
    if value is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    try:
        array = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise TypeError(f"{name} must be an array of numbers ({reason})") from None
    return array


def check_finite(name: str, array: np.ndarray) -> np.ndarray:
    """Reject NaN and infinite entries, saying how many and where the first is."""
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} holds {int(bad.sum())} NaN or infinite values (the first at "
                         f"index {first[0] if len(first) == 1 else first}); clean the data first")
    return array


def _shape(dims: tuple) -> tuple:
    return tuple("batch" if d is None else d for d in (None, *dims))


def check_x(model: Any, x: Any) -> np.ndarray:
    """Check that ``model`` is a built model and ``x`` finite data that fits its input."""
    model = check_model(model)
    x = as_float_array("x", x)
    if x.ndim == 0:
        raise ValueError("x must have a first (batch) axis; got a scalar")
    if len(x) == 0:
        raise ValueError("x must hold at least one example, got 0")
    check_finite("x", x)
    inputs = getattr(model, "inputs", None)
    if inputs:
        expected = tuple(inputs[0].shape)[1:]
        got = x.shape[1:]
        ok = len(expected) == len(got) and all(
            e is None or e == g for e, g in zip(expected, got, strict=True)
        )
        if not ok:
            raise ValueError(f"x does not match the model's input: the model expects shape "
                             f"{_shape(expected)}, got x of shape {x.shape}")
    return x


def check_xy(model: Any, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check the model, ``x`` against its input and ``y`` against ``x`` and its output.

    ``y`` may match the output's shape, or hold one class index per output row (for the
    sparse losses): ``(n,)`` or ``(n, 1)`` for an output ``(n, k)``.
    """
    x = check_x(model, x)
    y = as_float_array("y", y)
    if y.ndim == 0:
        raise ValueError("y must have a first (batch) axis; got a scalar")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    check_finite("y", y)
    outputs = getattr(model, "outputs", None)
    if outputs and len(outputs) == 1:
        out = tuple(outputs[0].shape)[1:]

        def fits(dims):
            return len(dims) == len(y.shape[1:]) and all(
                d is None or d == g for d, g in zip(dims, y.shape[1:], strict=True))

        if not (fits(out) or fits(out[:-1]) or fits((*out[:-1], 1))):
            raise ValueError(f"y does not match the model's output: the model gives shape "
                             f"{_shape(out)}, got y of shape {y.shape}")
    return x, y
