"""Answer keys of chapter 12 (diagnosing your own model).

The keys take their references from the toolkit's report (``diagnose``, which the exercise
asks the student not to call) or from a ``tf.GradientTape`` of their own, written here with
Keras's loss objects and the layers found by type (not through the ``vgutils.gradients``
helpers a solution calls).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vgutils.exercises import Feedback, check_choice, check_run, check_true, check_value
from vgutils.labs.answers import key

_PROBLEMS = ["vanishing", "exploding", "saturation", "dead units", "none"]


@key("12.1")
def _mystery(answer_1: Any, mystery: Any = None, X: Any = None, Y: Any = None,
             LOSS: Any = None) -> Feedback:
    from vgutils.diagnosis import diagnose

    try:
        expected = diagnose(mystery, X, Y, LOSS).problem
    except (TypeError, ValueError, AttributeError) as error:
        return Feedback(False, f"the mystery model cannot be diagnosed here: {error}")
    return check_choice(answer_1, expected, _PROBLEMS, name="answer_1",
                        hint="what share of the tanh units sit where the slope is below 10 % "
                        "of its maximum?")


@key("12.2")
def _repair_c(model_2: Any, history_2: Any, X: Any = None, Y: Any = None,
              LOSS: Any = None) -> Feedback:
    return check_run(model_2, history_2, X, Y, LOSS, depth=6, min_learning_rate=0.1, epochs=5,
                     best_loss_below=0.55)


def _first_kernel_and_gradient(model: Any, X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    """The first Dense kernel of ``model`` and the full-batch gradient of the mean BCE on it."""
    import keras
    import tensorflow as tf

    kernel = next(layer for layer in model.layers
                  if isinstance(layer, keras.layers.Dense)).kernel
    with tf.GradientTape() as tape:
        loss = keras.losses.BinaryCrossentropy()(Y, model(X, training=True))
    grad = tape.gradient(loss, kernel)
    return kernel.numpy().astype(np.float64), grad.numpy().astype(np.float64)


def _kernel_or_feedback(model_3: Any, X: Any, Y: Any):
    try:
        return _first_kernel_and_gradient(model_3, X, Y)
    except (TypeError, ValueError, AttributeError, StopIteration) as error:
        return Feedback(False, f"model_3 cannot be measured on the chapter's data: {error}")


@key("12.3")
def _sgd_ratio(answer_3: Any, model_3: Any = None, X: Any = None, Y: Any = None) -> Feedback:
    found = _kernel_or_feedback(model_3, X, Y)
    if isinstance(found, Feedback):
        return found
    kernel, grad = found
    return check_value(answer_3, np.std(0.1 * grad) / np.std(kernel), name="answer_3",
                       rtol=1e-3, hint="the ratio of the standard deviations of 0.1 * gradient "
                       "and of the weights, for the first weight matrix")


@key("12.4")
def _adam_ratio(prediction_4: Any, model_3: Any = None, X: Any = None,
                Y: Any = None) -> Feedback:
    found = _kernel_or_feedback(model_3, X, Y)
    if isinstance(found, Feedback):
        return found
    kernel, grad = found
    step = 0.01 * grad / (np.abs(grad) + 1e-7)  # Adam's first step, moments bias-corrected
    # eta / std(W) (every |step| = eta) is a fair reading: within 5 % here
    return check_value(prediction_4, np.std(step) / np.std(kernel), name="prediction_4",
                       rtol=0.05, hint="on its first step Adam's corrected moments are m = g "
                       "and v = g^2: what is then the size of each weight's step?")


def _rnn_log_ratios(model: Any, X: Any, y: Any) -> tuple[float, float]:
    """log10 of first/last weight-matrix gradient and of ||dL/dx_1|| / ||dL/dx_T||, MSE."""
    import keras
    import tensorflow as tf

    rnn = next(layer for layer in model.layers if isinstance(layer, keras.layers.SimpleRNN))
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)][-1]
    x = tf.convert_to_tensor(np.asarray(X, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.MeanSquaredError()(np.asarray(y, np.float32), model(x))
    g_x, g_in, g_out = tape.gradient(loss, [x, rnn.cell.kernel, dense.kernel])
    per_step = np.sqrt(np.sum(g_x.numpy().astype(np.float64) ** 2, axis=(0, 2)))
    first, last = (float(np.linalg.norm(g.numpy().astype(np.float64))) for g in (g_in, g_out))
    return float(np.log10(first / last)), float(np.log10(per_step[0] / per_step[-1]))


@key("12.5")
def _blind_spot(rnn_5: Any, weight_ratio_5: Any, step_ratio_5: Any, X: Any = None,
                y: Any = None) -> Feedback:
    import keras

    if not isinstance(rnn_5, keras.Model):
        return Feedback(False, f"rnn_5 should be the Keras model you measured, got "
                        f"{type(rnn_5).__name__}.")
    cells = [layer for layer in rnn_5.layers if isinstance(layer, keras.layers.SimpleRNN)]
    if len(cells) != 1:
        return Feedback(False, "rnn_5 should have one SimpleRNN layer, as recurrent_model "
                        "builds it.")
    singular = np.linalg.svd(cells[0].cell.recurrent_kernel.numpy(), compute_uv=False)
    if not np.allclose(singular, 0.5, atol=1e-3):
        return Feedback(False, "rnn_5's recurrent kernel is not orthogonal with gain 0.5.")
    for value, name in [(weight_ratio_5, "weight_ratio_5"), (step_ratio_5, "step_ratio_5")]:
        form = check_value(value, 0.0, name=name, rtol=0, atol=1e300,
                           hint="a log10 ratio, one number")
        if not form:
            return form
    try:
        weights, steps = _rnn_log_ratios(rnn_5, X, y)
    except (TypeError, ValueError, StopIteration) as error:
        return Feedback(False, f"rnn_5 cannot be measured on X_seq, y_seq: {error}")
    for got, want, name in [(weight_ratio_5, weights, "weight_ratio_5"),
                            (step_ratio_5, steps, "step_ratio_5")]:
        if not abs(float(got) - want) < 0.2:
            return Feedback(False, f"{name} is not the log10 ratio the exercise asks for, "
                            "measured on X_seq, y_seq.", about_value=True)
    return check_true(bool(abs(weights) < 3 and steps < -10),
                      "the weight matrices' gradients stay within the rule's band while the "
                      "gradient through time vanishes.",
                      "the two ratios do not show the blind spot: check the gain.")
