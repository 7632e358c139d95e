"""Answer keys of chapter 7 (gradient clipping and learning-rate schedules).

Every reference is computed by Keras itself (an optimiser step on fresh variables), not by
the clipping formulas of the chapter, so a key cannot share a student's mistake.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vgutils.exercises import Feedback, check_choice, check_true, check_value
from vgutils.labs.answers import key, runs_over_seeds


def _applied_update(grads: list[np.ndarray], **clip_setting: Any) -> list[np.ndarray]:
    """The update one Keras SGD step (learning rate 1) applies to these gradients."""
    import keras
    import tensorflow as tf

    variables = [keras.Variable(np.zeros_like(g, dtype="float32")) for g in grads]
    optimizer = keras.optimizers.SGD(learning_rate=1.0, **clip_setting)
    optimizer.apply_gradients(zip([tf.constant(g, "float32") for g in grads], variables,
                                  strict=True))
    return [-v.numpy().astype(np.float64) for v in variables]


def _norm(arrays: list[np.ndarray]) -> float:
    return float(np.sqrt(sum(np.sum(a * a) for a in arrays)))


@key("7.1")
def _clipnorm_update(answer_1, g1=None, g2=None) -> Feedback:
    g1 = np.array([3.0, 4.0]) if g1 is None else np.asarray(g1, np.float64)
    g2 = np.array([0.0, 0.5, -1.2]) if g2 is None else np.asarray(g2, np.float64)
    applied = _applied_update([g1, g2], clipnorm=2.0)
    return check_value(answer_1, -0.1 * np.concatenate(applied), name="answer_1", rtol=1e-5,
                       atol=1e-6, hint="which of the two variables has a norm above 2? Only "
                       "that one is rescaled, and the step is minus the learning rate times "
                       "the clipped gradient")


@key("7.2")
def _bounds(prediction_2, model=None, threshold=None) -> Feedback:
    if model is None or threshold is None:
        return Feedback(False, "this check needs the chapter's model and threshold: "
                        "answers.check('7.2', prediction_2, model=model, threshold=threshold).")
    try:
        c = float(threshold)
        # a gradient in which every entry, and so every variable, is far above the threshold
        huge = [np.full(tuple(v.shape), 1e3 * c) for v in model.trainable_variables]
    except (TypeError, ValueError, AttributeError):
        return Feedback(False, "pass the chapter's Keras model and its threshold (a number): "
                        "answers.check('7.2', prediction_2, model=model, threshold=threshold).")
    expected = [_norm(_applied_update(huge, clipnorm=c)), _norm(_applied_update(huge, clipvalue=c))]
    return check_value(prediction_2, expected, name="prediction_2", rtol=0.02,
                       hint="count the arrays (kernels and biases) and the entries of "
                       "model.trainable_variables; each rule caps one of the two")


@key("7.3")
def _cosines(answer_3) -> Feedback:
    g = [np.array([10.0, 1.0])]
    cosines = []
    for setting in ({"clipvalue": 1.0}, {"global_clipnorm": 1.0}):
        h = _applied_update(g, **setting)
        cosines.append(float(np.sum(g[0] * h[0]) / (_norm(g) * _norm(h))))
    return check_value(answer_3, cosines, name="answer_3", rtol=1e-6,
                       hint="clip each entry into [-1, 1], or rescale the whole vector to "
                       "length 1; then cos = g.h / (|g| |h|)")


_WARMUP_CHOICES = ["diverges", "survives but does not settle", "trains"]


@key("7.4")
def _warmup_alone(warmup_runs, answer_4) -> Feedback:
    runs = runs_over_seeds(warmup_runs, "warmup_runs", ("loss", "learning_rate"))
    if isinstance(runs, Feedback):
        return runs
    losses = [run["loss"] for run in runs]
    rates = [run["learning_rate"] for run in runs]
    for rate in rates:  # the rate the text asks for: 0 -> 0.05 over 50 steps, then held
        steps = np.arange(rate.size)
        wanted = 0.05 * np.minimum(steps / 50, 1.0)
        if rate.size == 0 or not np.allclose(rate, wanted, rtol=1e-4, atol=1e-7):
            return Feedback(False, "the runs' learning rate is not a linear warm-up from 0 "
                            "to 0.05 over 50 steps held at 0.05 afterwards; that is the "
                            "schedule that separates the warm-up from the decay.")
    if any(loss.size not in (rate.size, rate.size + 1) for loss, rate in zip(losses, rates,
                                                                             strict=True)):
        return Feedback(False, "warmup_runs should be the runs as runs_from returns them.")
    finite = [loss.size == 300 and bool(np.all(np.isfinite(loss))) for loss in losses]
    if not all(finite):
        truth = "diverges"
    elif all(float(np.mean(loss[-50:])) < 0.01 for loss in losses):
        truth = "trains"
    else:
        truth = "survives but does not settle"
    chosen = check_choice(answer_4, truth, _WARMUP_CHOICES, name="answer_4",
                          hint="read it off your runs: how long did each last, and what "
                          "is the mean loss of its last 50 steps?")
    if not chosen:
        return chosen
    return check_true(True, f"answer_4 is what your {len(runs)} runs show.", "")
