"""Answer keys of chapter 5 (weight initialisation).

The predictions are checked against the variance recursion evaluated layer by layer with
Gaussian quadrature (``gaussian_expectation``), not against a closed form a solution would
type in.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from vgutils.exercises import Feedback, check_true, check_value
from vgutils.labs import variance
from vgutils.labs.activations import activation, derivative
from vgutils.labs.answers import key

TAPER = [512, 256, 128, 64, 32, 16]


def _taper_prediction(rule: str) -> tuple[float, float]:
    """log10 std(z_L) for inputs of variance 1, and log10 std(delta_1) / std(delta_L)."""
    relu_2 = lambda u: activation("relu", u) ** 2  # noqa: E731
    relu_d2 = lambda u: derivative("relu", u) ** 2  # noqa: E731
    fans = list(zip(TAPER[:-1], TAPER[1:], strict=True))
    q = fans[0][0] * variance.init_variance(rule, *fans[0]) * 1.0
    for fan_in, fan_out in fans[1:]:
        q = fan_in * variance.init_variance(rule, fan_in, fan_out) * \
            variance.gaussian_expectation(relu_2, std=math.sqrt(q))
    backward = 1.0
    for fan_in, fan_out in fans[1:]:  # from layer L down to layer 1: through kernels 2..L
        backward *= fan_out * variance.init_variance(rule, fan_in, fan_out) * \
            variance.gaussian_expectation(relu_d2)
    return 0.5 * math.log10(q), 0.5 * math.log10(backward)


@key("5.1")
def _taper(prediction_1: Any) -> Feedback:
    return check_value(prediction_1, _taper_prediction("glorot"), name="prediction_1", rtol=0,
                       atol=0.02, hint="two numbers (forward, backward); with Glorot's "
                       "variance and fan_in != fan_out, the forward factor of a layer uses its "
                       "fan-in and the backward factor its fan-out, and the first layer sees "
                       "the raw input")


@key("5.2")
def _too_small(answer_2: Any) -> Feedback:
    predicted = 0.5 * math.log10(variance.forward_variance(0.01**2, 128, 30, "relu")[-1])
    return check_value(answer_2, predicted, name="answer_2", rtol=0, atol=0.01,
                       hint="log10 std = 1/2 log10(n Var[W]) for layer 1, 1/2 log10(n Var[W] / 2) "
                       "after")


@key("5.3")
def _symmetry(unit_spread: Any, symmetry_losses: Any) -> Feedback:
    hint = ("for each seed and hidden layer, the largest difference between two units' "
            "incoming weights, relative to the largest weight")
    if unit_spread is None or isinstance(unit_spread, str | bytes):
        return check_value(unit_spread, 0.0, name="unit_spread", hint=hint)
    try:
        spread = check_value(unit_spread, np.zeros(np.shape(unit_spread)), name="unit_spread",
                             rtol=0, atol=1e-6, hint=hint)
    except (TypeError, ValueError):
        return Feedback(False, "unit_spread should be an array of numbers, one row per seed.")
    if np.ndim(unit_spread) != 2 or np.shape(unit_spread)[0] < 3:
        return Feedback(False, "unit_spread should have one row per seed (at least 3, "
                        "vg.seeds(3)) and one column per hidden layer.")
    try:
        losses = np.asarray(symmetry_losses, dtype=np.float64)
    except (TypeError, ValueError):
        losses = np.zeros(0)
    if losses.ndim != 2 or losses.shape[0] != np.shape(unit_spread)[0] or losses.shape[1] < 2:
        return Feedback(False, "symmetry_losses should hold each seed's loss per epoch, one row "
                        "per seed as in unit_spread, at least two epochs.")
    trained = check_true(bool(np.isfinite(losses).all() and (losses[:, 0] != losses[:, -1]).all()),
                         "", "some run's loss did not change: train each network for a few "
                         "epochs before measuring its units")
    if not trained:
        return trained
    if not spread:
        return Feedback(False, "the units of some layer have come apart. Did every kernel "
                        "start from the same constant, with zero biases? " + spread.message)
    return Feedback(True, "unit_spread and symmetry_losses are right: after training, in every "
                    "seed and every hidden layer, the units are still identical.")
