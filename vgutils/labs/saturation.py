"""Saturation and backward signals (chapters 2 and 3).

The chapters' step-by-step SGD runs use the toolkit's :func:`vgutils.training.train_steps`
(``watch=True``).

The definition of a saturated unit is the one of :mod:`vgutils.probes`: its derivative is
below ``SATURATION`` (10 %) of the activation's maximal derivative.
"""

from __future__ import annotations

from math import atanh, log, sqrt
from statistics import NormalDist
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from .._checks import as_float_array, check_int, check_number, check_xy
from ..gradients import Loss, _loss_and_grads, get_loss
from ..probes import SATURATION, activation_layers

__all__ = [
    "saturation_threshold",
    "saturated_share",
    "backward_signal_norms",
    "per_layer_factor",
]


def _check_share(share: float) -> float:
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share < 1:
        raise ValueError(f"share must be a number strictly between 0 and 1, got {share!r}")
    return float(share)


def saturation_threshold(name: str, share: float = SATURATION) -> float:
    """The |z| beyond which ``name``'s derivative is below ``share`` of its maximum.

    sigmoid: s(1 - s) = share/4 at s = (1 + sqrt(1 - share))/2, so z* = log(s/(1 - s)).
    tanh: 1 - t^2 = share at t = sqrt(1 - share), so z* = atanh(sqrt(1 - share)).
    Since sigmoid(z) = (1 + tanh(z/2))/2, the sigmoid's threshold is twice the tanh's.

    Args:
        name: ``"sigmoid"`` or ``"tanh"``.
        share: the fraction of the maximal derivative, strictly between 0 and 1.
    """
    share = _check_share(share)
    if name == "sigmoid":
        s = (1 + sqrt(1 - share)) / 2
        return log(s / (1 - s))
    if name == "tanh":
        return atanh(sqrt(1 - share))
    raise ValueError(f"name must be 'sigmoid' or 'tanh', got {name!r}")


def saturated_share(name: str, std: float, share: float = SATURATION) -> float:
    """Probability that z ~ N(0, std^2) lands where ``name`` is saturated: 2(1 - Phi(z*/std)).

    Args:
        name: ``"sigmoid"`` or ``"tanh"``.
        std: standard deviation of the pre-activation, > 0.
        share: the saturation definition (see :func:`saturation_threshold`).
    """
    std = check_number("std", std, above=0)
    z_star = saturation_threshold(name, share)
    return 2 * (1 - NormalDist().cdf(z_star / float(std)))


def backward_signal_norms(model: keras.Model, x: Any, y: Any, loss: Loss) -> np.ndarray:
    """L2 norm of dL/dh_k, the gradient of the mean loss with respect to each hidden output.

    ``h_k`` is the output of the k-th activation layer (``act_k`` of
    :func:`vgutils.models.deep_mlp`), over all examples and units. This is the signal that
    backpropagation carries from layer to layer; a kernel's gradient is built from it and from
    the layer's input (dL/dW_k = h_{k-1}^T dL/dz_k).

    The model must be a plain chain (each layer feeds the next), as ``deep_mlp`` builds; it
    runs in training mode, like :func:`vgutils.gradients.layer_gradient_norms`, through the
    same loss-and-gradient computation (batch norm's moving statistics are left as they were).

    Returns:
        float64 array with one norm per activation layer, ordered from input to output.
    """
    acts = activation_layers(model)
    loss_fn = get_loss(loss)
    x, y = check_xy(model, x, y)
    chain = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError(f"model {model.name!r} has no defined input (a subclassed model?); "
                         "build it with vgutils.models.deep_mlp")
    previous = inputs[0]
    for layer in chain:
        if layer.input is not previous:
            raise ValueError(
                f"model {model.name!r} is not a plain chain (layer {layer.name!r} does not take "
                "the previous layer's output); build it with vgutils.models.deep_mlp"
            )
        previous = layer.output
    def forward(h, tape):  # the chain run layer by layer, watching each hidden output
        outputs = []
        for layer in chain:
            h = layer(h, training=True)
            if layer in acts:
                tape.watch(h)
                outputs.append(h)
        return h, outputs

    _, grads = _loss_and_grads(model, loss_fn, x, y, None, True, forward=forward)
    return np.array([float(tf.norm(tf.cast(g, tf.float64))) for g in grads], dtype=np.float64)


def per_layer_factor(norms: Any, first: int = 1, last: int | None = None) -> float:
    """The factor by which a norm is multiplied per layer on the way from output to input.

    Fits a straight line to log10(norms) against the layer index (input to output) over layers
    ``first``..``last`` (1-based, inclusive) and returns 10**(-slope): below 1 the norms shrink
    towards the input (vanishing), above 1 they grow (exploding).

    Args:
        norms: positive numbers, one per layer, input to output.
        first, last: the layers used for the fit (default: all).
    """
    norms = as_float_array("norms", norms, np.float64)
    if norms.ndim != 1 or len(norms) < 2:
        raise ValueError(f"norms must be a 1-D sequence of at least 2 values, got {norms.shape}")
    last = len(norms) if last is None else check_int("last", last)
    first = check_int("first", first, minimum=1)
    if not 1 <= first < last <= len(norms):
        raise ValueError(f"need 1 <= first < last <= {len(norms)}, got first={first}, last={last}")
    part = norms[first - 1 : last]
    if not np.all(np.isfinite(part) & (part > 0)):
        raise ValueError("norms must be finite and > 0 in the fitted layers")
    slope = np.polyfit(np.arange(first, last + 1), np.log10(part), 1)[0]
    return float(10 ** (-slope))
