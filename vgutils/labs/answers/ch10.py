"""Answer keys of chapter 10 (backpropagation through time).

The keys measure what they compare with themselves: Jacobian products from the chapter's
NumPy recurrence, largest singular values from an SVD, and gradients with respect to the
input steps of a Keras SimpleRNN with their own ``tf.GradientTape`` (not through
``time_step_gradient_norms``, which a solution calls).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vgutils.exercises import Feedback, check_choice, check_true, check_value
from vgutils.labs import recurrent
from vgutils.labs.answers import key, step_norms_by_tape


def _largest_singular_value(matrix: np.ndarray) -> float:
    return float(np.linalg.svd(matrix, compute_uv=False).max())


def _log_step_ratio(model: Any, X: Any, y: Any) -> float:
    """log10 ||dL/dx_1|| / ||dL/dx_T|| of the mean squared error, with a tape of its own."""
    per_step = step_norms_by_tape(model, X, y)
    return float(np.log10(per_step[0] / per_step[-1]))


def _simple_rnn(X: Any, seed: int, **options: Any) -> Any:
    from vgutils.models import recurrent_model

    X = np.asarray(X)
    return recurrent_model("simple", 32, X.shape[1], input_dim=X.shape[2], seed=seed, **options)


@key("10.1")
def _lag_below(answer_1: Any) -> Feedback:
    norms = recurrent.jacobian_product_norms(
        recurrent.matrix_with_spectral_radius(16, 0.9, seed=5), 200)
    return check_value(answer_1, int(np.argmax(norms < 1e-6)), name="answer_1",
                       hint="solve 0.9^k < 1e-6 for the smallest integer k")


_SIGMOID_GAMMA = 0.25  # the largest slope of the sigmoid, at 0


def _sigmoid_factor() -> float:
    """gamma * lambda_1 of a sigmoid recurrence with W_h = 3Q."""
    return _SIGMOID_GAMMA * _largest_singular_value(
        recurrent.matrix_with_spectral_radius(8, 3.0, seed=3))


@key("10.2a")
def _sigmoid_guarantee(answer_2: Any) -> Feedback:
    return check_choice(answer_2, "yes" if _sigmoid_factor() < 1 else "no", ["yes", "no"],
                        name="answer_2",
                        hint="compute gamma * lambda_1 for the sigmoid and W_h = 3Q")


@key("10.2b")
def _sigmoid_bound(prediction_2: Any) -> Feedback:
    # 99 or 100 factors, and a rounded 3/4, are both fair readings: 0.2 decades
    return check_value(prediction_2, 100 * np.log10(_sigmoid_factor()), name="prediction_2",
                       rtol=0, atol=0.2,
                       hint="the bound on the norm at lag k is (gamma lambda_1)^k; the check "
                       "wants its log10 at k = 100")


@key("10.3")
def _gain_125(answer_3: Any, X: Any = None, y: Any = None, SEED: int = 0) -> Feedback:
    import keras

    try:
        model = _simple_rnn(X, SEED, recurrent_initializer=keras.initializers.Orthogonal(1.25))
        expected = _log_step_ratio(model, X, y)
    except (TypeError, ValueError, IndexError) as error:
        return Feedback(False, f"answer_3 cannot be checked on these data: {error}")
    return check_value(answer_3, expected, name="answer_3", rtol=0, atol=0.06,
                       hint="build the model with keras.initializers.Orthogonal(gain=1.25) and "
                       "round log10 of the ratio to one decimal")


def _three_numbers(value: Any, name: str) -> Feedback:
    return check_value(value, np.zeros(3), name=name, rtol=0, atol=1e300,
                       hint="one log10 ratio per seed of vg.seeds(3)")


@key("10.4")
def _irnn(irnn_ratios: Any, tanh_ratios: Any, X: Any = None, y: Any = None,
          SEED: int = 0) -> Feedback:
    import keras

    for value, name in [(irnn_ratios, "irnn_ratios"), (tanh_ratios, "tanh_ratios")]:
        shape = _three_numbers(value, name)
        if not shape:
            return shape
    irnn_ratios = np.asarray(irnn_ratios, np.float64)
    tanh_ratios = np.asarray(tanh_ratios, np.float64)
    try:
        irnn = _simple_rnn(X, SEED, activation="relu",
                           recurrent_initializer=keras.initializers.Identity())
        first_irnn = _log_step_ratio(irnn, X, y)
        first_tanh = _log_step_ratio(_simple_rnn(X, SEED), X, y)
    except (TypeError, ValueError, IndexError) as error:
        return Feedback(False, f"the measurement cannot be checked on these data: {error}")
    for got, want, name, what in [
            (irnn_ratios[0], first_irnn, "irnn_ratios", "a ReLU SimpleRNN(32) with W_h = I"),
            (tanh_ratios[0], first_tanh, "tanh_ratios", "the default tanh SimpleRNN(32)")]:
        if not abs(got - want) < 0.1:
            return Feedback(False, f"{name}[0] is not the log10 ratio ||dL/dx_1|| / "
                            f"||dL/dx_100|| of {what} built with the first seed of vg.seeds(3) "
                            "and measured on the chapter's X, y.", about_value=True)
    kept = check_true(bool(np.all(np.abs(irnn_ratios) < 0.5)), "",
                      "in some seed the IRNN's ratio is more than half a decade away from 1: "
                      "check that every model has ReLU units and an identity W_h.")
    if not kept:
        return kept
    return check_true(bool(np.all(irnn_ratios > tanh_ratios + 1)),
                      "the IRNN keeps ||dL/dx_1|| within half a decade of ||dL/dx_100|| in "
                      "every seed, at least a decade above the tanh network.",
                      "in some seed the IRNN is not a decade above the tanh network: compare "
                      "the two of the same seed.")
