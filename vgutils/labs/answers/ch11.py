"""Answer keys of chapter 11 (LSTM and GRU).

The keys compute their references on their own: the cell-path factor from ``math``, the
error of the recent-value model from a fresh sample of the adding problem, and gradients
with respect to the input steps of the LSTM with a ``tf.GradientTape`` of their own (not
through ``time_step_gradient_norms``, which a solution calls). A key that has to set
weights on the chapter's LSTM puts the weights it found back afterwards.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from vgutils.exercises import Feedback, check_true, check_value
from vgutils.labs.answers import key, step_norms_by_tape


def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


@key("11.1")
def _forget_bias_decades(prediction_1: Any) -> Feedback:
    # x_1 reaches c_100 through 99 forget gates; 100 is a fair reading too (0.16 more)
    decades = 99 * (math.log10(_sigmoid(1.0)) - math.log10(_sigmoid(0.0)))
    return check_value(prediction_1, decades, name="prediction_1", rtol=0, atol=0.5,
                       hint="along the cell path alone the ratio is a product of sigmoid(b_f), "
                       "one factor per step between x_1 and x_100; count the decades between "
                       "the two products")


@key("11.2")
def _recent_value_error(answer_2: Any) -> Feedback:
    from vgutils.data import adding_problem

    X, y = adding_problem(20000, 30, seed=12345)
    second = X[np.arange(len(X)), [np.flatnonzero(m)[1] for m in X[:, :, 1]], 0]
    offsets = np.linspace(0.3, 0.7, 401)  # the best constant, found on a grid
    errors = [np.mean((y[:, 0] - second - c) ** 2) for c in offsets]
    return check_value(answer_2, min(errors), name="answer_2", rtol=0.05,
                       hint="what is left of X1 + X2 once X2 is known? Its variance is the error")


@key("11.3")
def _memory_of_100_steps(bias_3: Any, answer_3: Any, model: Any = None, weights: Any = None,
                         X: Any = None, y: Any = None, default_norms: Any = None) -> Feedback:
    try:
        default = np.asarray(weights[2], np.float64)
    except (TypeError, IndexError, ValueError):
        return Feedback(False, "the check needs the LSTM's initial weights (lstm_init).")
    shape = check_value(bias_3, np.zeros_like(default), name="bias_3", rtol=0, atol=1e300,
                        hint="all 128 biases, in Keras's order [b_i, b_f, b_c, b_o]")
    if not shape:
        return shape
    given = check_value(answer_3, 0.0, name="answer_3", rtol=0, atol=1e300,
                        hint="log10 of ||dL/dx_1|| / ||dL/dx_100||, one number")
    if not given:
        return given
    current = None
    try:
        current = model.get_weights()
        model.set_weights([*weights[:2], np.asarray(bias_3, np.float32), *weights[3:]])
        norms = step_norms_by_tape(model, X, y)
    except (TypeError, ValueError, AttributeError) as error:
        return Feedback(False, f"bias_3 cannot be measured on the chapter's LSTM: {error}")
    finally:
        if current is not None:
            model.set_weights(current)
    measured = float(np.log10(norms[0] / norms[-1]))
    if not abs(float(answer_3) - measured) < 0.15:
        return Feedback(False, "answer_3 is not the log10 ratio ||dL/dx_1|| / ||dL/dx_100|| of "
                        "the length-100 LSTM at lstm_init with the biases bias_3, on X100, "
                        "y100.", about_value=True)
    before = float(np.log10(default_norms[0] / default_norms[-1]))
    return check_true(bool(measured > before + 4),
                      "with your biases the LSTM keeps the gradient through 100 steps at "
                      "initialisation: more than four orders of magnitude above the default.",
                      "your biases raise the ratio by less than four orders of magnitude over "
                      "the default's; how close to 1 does sigmoid(b_f) have to be for 100 steps?")
