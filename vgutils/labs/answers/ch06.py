"""Answer keys of chapter 6 (batch normalisation).

The keys run Keras's own ``BatchNormalization`` (a fresh layer, or a clone of the chapter's
trained network), never the formulas a solution would write.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vgutils.exercises import Feedback, check_true, check_value
from vgutils.labs.answers import key


@key("6.1")
def _scale_invariance(prediction_1: Any) -> Feedback:
    # the normalised output z_hat = (z - mu_B) / sigma_B does not change when the kernel is
    # multiplied by c, so by the chain rule dJ/dW is divided by c (epsilon neglected)
    c = 10.0
    return check_value(prediction_1, 1 / c, name="prediction_1", rtol=0.01,
                       hint="what does multiplying the kernel by c do to z, to mu_B and "
                       "sigma_B, and so to the layer's output? Then apply the chain rule to "
                       "dJ/dW through z = x W")


@key("6.2")
def _running_mean(answer_2: Any) -> Feedback:
    import keras

    layer = keras.layers.BatchNormalization()
    batch = np.array([[1.0], [3.0]], "float32")  # mean 2.0
    for _ in range(3):
        layer(batch, training=True)
    return check_value(answer_2, float(layer.moving_mean.numpy()[0]), name="answer_2",
                       rtol=1e-5, hint="unroll the update of the running mean step by step, "
                       "from 0")


def _first_half(trained: Any, bn_weights: Any, X: Any, Y: Any, half: int = 10) -> np.ndarray:
    """Inference accuracy after re-estimating the statistics of the first ``half`` BN layers."""
    import keras

    copy = keras.models.clone_model(trained)  # the chapter's network keeps its state
    norms = [layer for layer in copy.layers if isinstance(layer, keras.layers.BatchNormalization)]
    x = np.asarray(X, "float32")
    accuracy = []
    for weights in bn_weights:
        copy.set_weights(weights)
        for i, layer in enumerate(norms):
            layer.momentum = 0.0 if i < half else 1.0  # 1.0: the statistics stay as they are
        copy(x, training=True)
        p = np.asarray(copy(x, training=False))
        accuracy.append(float(np.mean((p > 0.5) == np.asarray(Y))))
    return np.array(accuracy)


@key("6.3")
def _first_half_check(acc_first_half: Any, trained: Any = None, bn_weights: Any = None,
                      X: Any = None, Y: Any = None, acc_infer: Any = None) -> Feedback:
    try:
        reference = _first_half(trained, bn_weights, X, Y)
    except Exception as error:  # the chapter's network was changed or deleted: say so
        return Feedback(False, "acc_first_half cannot be checked: the check needs the trained "
                        "network and bn_weights of the training section "
                        f"({type(error).__name__}: {error}); re-run the chapter from the top.")
    measured = check_value(acc_first_half, reference, name="acc_first_half", rtol=0,
                           atol=0.0025, hint="for each of the five trained networks, the "
                           "inference-mode accuracy on X after re-estimating the running "
                           "statistics of bn_1 to bn_10 only")
    if not measured:
        return measured
    gain = reference - np.asarray(acc_infer, dtype=np.float64)
    return check_true(bool(np.sum(gain > 0.05) >= 3),
                      "acc_first_half is right: re-estimating only the first ten layers raises "
                      "the inference-mode accuracy by more than 0.05 in at least 3 of the 5 "
                      "seeds.",
                      "in fewer than 3 of the 5 seeds does re-estimating the first ten layers "
                      "raise the inference-mode accuracy by more than 0.05; the exercise's "
                      "conclusion does not hold for these runs")
