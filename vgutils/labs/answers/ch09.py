"""Answer keys of chapter 9 (optimisers on plateaus).

The references come from Keras's own optimisers applied to single weights, from a large
simulation, or from the student's runs read independently of the student's code.
"""

from __future__ import annotations

import numpy as np

from vgutils.exercises import Feedback, check_choice, check_value
from vgutils.labs import optim
from vgutils.labs.answers import key, runs_over_seeds


@key("9.1")
def _rmsprop_first_step(prediction_1, sgd=None, lr=None) -> Feedback:
    if sgd is None or lr is None:
        return Feedback(False, "this check needs the chapter's one-step measurement and rate: "
                        "answers.check('9.1', prediction_1, sgd=sgd, lr=lr).")
    import keras

    try:  # layer 1 and the output layer
        grads = np.asarray(sgd["grad"], np.float64).ravel()[[0, -1]]
        lr = float(lr)
    except (TypeError, ValueError, KeyError, IndexError):
        return Feedback(False, "pass the chapter's one-step measurement of SGD and its rate: "
                        "answers.check('9.1', prediction_1, sgd=sgd, lr=lr).")
    w = keras.Variable(np.zeros(2, dtype=np.float32))
    keras.optimizers.RMSprop(learning_rate=float(lr)).apply_gradients(
        [(grads.astype(np.float32), w)])
    ratio = np.abs(w.numpy().astype(np.float64)) / float(lr)
    return check_value(prediction_1, ratio, name="prediction_1", rtol=0.06,
                       hint="Keras's RMSprop starts from v = 0, keeps eps inside the square "
                       "root and has no bias correction: what is v after one step?")


@key("9.2")
def _random_walk(answer_2) -> Feedback:
    simulated = optim.noise_drift("sgd", 1.0, steps=200, learning_rate=0.01, size=100_000)
    return check_value(answer_2, simulated, name="answer_2", rtol=0.01,
                       hint="the mean of |w|, not its root mean square")


_ESCAPE_CHOICES = ["escapes in every seed", "escapes in some seeds", "escapes in no seed"]


@key("9.3")
def _frozen_lower_layers(frozen_runs, answer_3) -> Feedback:
    runs = runs_over_seeds(frozen_runs, "frozen_runs")
    if isinstance(runs, Feedback):
        return runs
    curves = [run["loss"] for run in runs]
    if any(c.size < 400 for c in curves):
        return Feedback(False, "each run should last at least 400 steps, more than twice the "
                        "steps Adam needed with every layer trainable.")
    escaped = [bool(np.any(c[:400] < 0.6)) for c in curves]
    truth = ("escapes in every seed" if all(escaped) else
             "escapes in some seeds" if any(escaped) else "escapes in no seed")
    return check_choice(answer_3, truth, _ESCAPE_CHOICES, name="answer_3",
                        hint="in each run, does the loss fall below 0.6 within 400 steps?")
