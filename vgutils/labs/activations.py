"""Activation functions and their derivatives in NumPy, for plots and hand calculations.

Each matches the Keras activation of the same name (``keras.activations.<name>``) with
Keras's default parameters; ``tests/test_activations.py`` checks both the values and the
derivatives against TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from math import erf, sqrt

import numpy as np

from .._checks import as_float_array, check_finite

__all__ = ["ACTIVATIONS", "activation", "derivative", "SELU_ALPHA", "SELU_SCALE"]

#: SELU's constants (Klambauer et al. 2017), as used by Keras.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

_erf = np.vectorize(erf, otypes=[float])


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def _phi(z):  # standard normal density
    return np.exp(-0.5 * z**2) / sqrt(2 * np.pi)


def _Phi(z):  # standard normal CDF
    return 0.5 * (1 + _erf(z / sqrt(2)))


ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    # keras.activations.leaky_relu's default slope is 0.2
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.2 * z), lambda z: np.where(z > 0, 1.0, 0.2)),
    "elu": (lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
            lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0)))),
    "selu": (lambda z: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0))),
             lambda z: SELU_SCALE * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0)))),
    # exact GELU, z * Phi(z) (Keras's default, approximate=False)
    "gelu": (lambda z: z * _Phi(z), lambda z: _Phi(z) + z * _phi(z)),
    "swish": (lambda z: z * _sigmoid(z),
              lambda z: _sigmoid(z) + z * _sigmoid(z) * (1 - _sigmoid(z))),
}


def _points(z) -> np.ndarray:
    return check_finite("z", as_float_array("z", z, np.float64))


def _lookup(name: str) -> tuple[Callable, Callable]:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"name must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]


def activation(name: str, z) -> np.ndarray:
    """The activation ``name`` applied to ``z`` (float64)."""
    return np.asarray(_lookup(name)[0](_points(z)), dtype=np.float64)


def derivative(name: str, z) -> np.ndarray:
    """The derivative of the activation ``name`` at ``z`` (float64; ReLU's at 0 is taken as 0)."""
    return np.asarray(_lookup(name)[1](_points(z)), dtype=np.float64)
