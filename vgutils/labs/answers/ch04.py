"""Answer keys of chapter 4 (ReLU and its family).

The Gaussian expectations here are computed by Gauss-Legendre quadrature on each side of 0
(NumPy's ``leggauss``; the activations' kinks are at 0), not by the chapter's trapezoidal
``gaussian_expectation``, and the
activations from ``math.erf`` and ``math.expm1``: the keys share no code with a solution.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from vgutils.exercises import Feedback, check_choice, check_true, check_value
from vgutils.labs.answers import key

_LEG_NODES, _LEG_WEIGHTS = np.polynomial.legendre.leggauss(200)
# u in [-12, 0] and [0, 12]; E[f(u)] = sum(w f(node)) for u ~ N(0, 1)
_NODES = np.concatenate([6 * (_LEG_NODES - 1), 6 * (_LEG_NODES + 1)])
_WEIGHTS = np.concatenate([6 * _LEG_WEIGHTS] * 2) * np.exp(-0.5 * _NODES**2) / math.sqrt(
    2 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _gelu(z: np.ndarray) -> np.ndarray:
    return np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in np.ravel(z)])


def _selu(z: np.ndarray) -> np.ndarray:
    return np.array([_SELU_SCALE * (v if v > 0 else _SELU_ALPHA * math.expm1(v))
                     for v in np.ravel(z)])


def _expect(f, std: float) -> float:
    """E[f(z)] for z ~ N(0, std^2), by Gauss-Legendre quadrature on each side of 0."""
    return float(np.sum(_WEIGHTS * f(std * _NODES)))


@key("4.1")
def _gelu_gain(gain_1: Any, gain_small: Any) -> Feedback:
    first = check_value(gain_1, 1 / _expect(lambda u: _gelu(u) ** 2, 1.0), name="gain_1",
                        rtol=1e-4, hint="the gain is the n Var[W] for which Var[z] comes out "
                        "of the next layer unchanged: Var[z] = n Var[W] E[gelu(z)^2]")
    if not first:
        return first
    std = 1e-3
    small = std**2 / _expect(lambda u: _gelu(u) ** 2, std)
    second = check_value(gain_small, small, name="gain_small", rtol=5e-3,
                         hint="take Var[z] far below 0.01, or expand gelu(z) = z Phi(z) near 0")
    return Feedback(True, "gain_1 and gain_small are right.") if second else second


def _selu_variance(nu: float) -> float:
    std = math.sqrt(nu)
    mean = _expect(_selu, std)
    return _expect(lambda u: _selu(u) ** 2, std) - mean**2


@key("4.2")
def _selu_2(nu_out_2: Any) -> Feedback:
    return check_value(nu_out_2, _selu_variance(2.0), name="nu_out_2", rtol=1e-5,
                       hint="Var = E[selu(z)^2] - E[selu(z)]^2, with z of standard deviation "
                       "sqrt(2)")


@key("4.2b")
def _selu_05(nu_out_05: Any) -> Feedback:
    return check_value(nu_out_05, _selu_variance(0.5), name="nu_out_05", rtol=1e-5,
                       hint="Var = E[selu(z)^2] - E[selu(z)]^2, with z of standard deviation "
                       "sqrt(0.5)")


@key("4.2c")
def _selu_closer(both_closer: Any) -> Feedback:
    closer = all(abs(_selu_variance(nu) - 1) < abs(nu - 1) for nu in (2.0, 0.5))
    return check_choice(both_closer, closer, [True, False], name="both_closer",
                        hint="compare |output variance - 1| with |input variance - 1| for each "
                        "nu")


@key("4.3")
def _gelu_mean_field(prediction_3: Any, X: Any = None) -> Feedback:
    x = np.asarray(X, dtype=np.float64)
    q = [2.0 * float(np.mean(x**2))]  # n Var[W] = 2 (He) times E[x^2] per input coordinate
    for _ in range(19):
        q.append(2.0 * _expect(lambda u: _gelu(u) ** 2, math.sqrt(q[-1])))
    predicted = 0.5 * math.log10(q[-1] / q[0])
    return check_value(prediction_3, predicted, name="prediction_3", rtol=0, atol=0.05,
                       hint="iterate Var[z_l] = n Var[W] E[gelu(z_{l-1})^2] from Var[z_1] = "
                       "n Var[W] E[x^2], with the spirals' own E[x^2], and take half the log10 "
                       "of the ratio (a standard deviation)")


def _negative_shares(model: Any, weights: Any, X: Any) -> np.ndarray:
    import keras

    copy = keras.models.clone_model(model)  # the chapter's model keeps its weights
    dense = [layer for layer in copy.layers if layer.name.startswith("dense_")]
    probe = keras.Model(copy.input, [layer.output for layer in dense])
    shares = []
    for w in weights:
        copy.set_weights(w)
        outs = probe(np.asarray(X, dtype="float32"), training=False)
        shares.append([float(np.mean(np.all(np.asarray(z) <= 0, axis=0))) for z in outs])
    return np.array(shares)


@key("4.4")
def _leaky_negative(negative_share: Any, model: Any = None, trained_weights: Any = None,
                    X: Any = None, dead: Any = None) -> Feedback:
    try:
        reference = _negative_shares(model, trained_weights["leaky relu (He)"], X)
    except Exception as error:  # the chapter's runs were changed or deleted: say so
        return Feedback(False, "negative_share cannot be checked: the check needs the leaky "
                        "network and its five trained weights from the dying-ReLU cell "
                        f"({type(error).__name__}: {error}); re-run that cell.")
    measured = check_value(negative_share, reference, name="negative_share", rtol=0,
                           atol=1e-9, hint="for each trained network and each layer dense_k, "
                           "the share of its 32 units whose output is <= 0 on all 1000 points")
    if not measured:
        return measured
    leaky, relu = reference.mean(axis=1), np.asarray(dead["relu (He)"]).mean(axis=1)
    shown = check_true(bool((leaky > 0.05).all()),
                       "", "the trained leaky networks were expected to have more than 5 % of "
                       "their units negative on every input in each seed; check that you "
                       "measured the five leaky networks of the dying-ReLU cell")
    if not shown:
        return shown
    return check_true(bool((leaky < relu).all()),
                      "negative_share is right: in every seed more than 5 % of the leaky "
                      "units sit on the negative side for every input, though fewer than the "
                      "ReLU units that died from the same weights.",
                      "in some seed the leaky networks have as many all-negative units as "
                      "ReLU has dead ones; the exercise's conclusion does not hold for these "
                      "runs")
