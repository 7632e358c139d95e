"""Answer keys of chapter 3 (exploding gradients)."""

from __future__ import annotations

import math

import numpy as np

from vgutils.exercises import Feedback, check_value
from vgutils.labs.answers import key, medians_over_seeds


def _leaky_gain(slope: float) -> float:
    """1 / rms(phi'(z)) for z ~ N(0, 1), phi' taken from Keras's LeakyReLU by GradientTape."""
    import keras
    import tensorflow as tf

    z = tf.constant(np.linspace(-4, 4, 4000), dtype=tf.float64)  # symmetric, 0 excluded
    with tf.GradientTape() as tape:
        tape.watch(z)
        h = keras.layers.LeakyReLU(negative_slope=slope)(z)
    d = tape.gradient(h, z).numpy()
    return 1 / math.sqrt(float(np.mean(d * d)))


@key("3.1")
def _gain(answer_1) -> Feedback:
    return check_value(answer_1, _leaky_gain(0.5), name="answer_1", rtol=1e-3,
                       hint="the factor per layer is g times the rms of phi'(z), and phi'(z) "
                            "is 1 on half of the units and a on the other half.")


@key("3.2")
def _growth(prediction_2) -> Feedback:
    # mean-field growth of E|delta|^2 per layer is g^2 / 2: the norm grows by its root
    per_layer = math.exp(0.5 * (2 * math.log(1.6) - math.log(2)))
    return check_value(prediction_2, per_layer ** 19, name="prediction_2", rtol=0.01,
                       hint="the derivation gives a factor per layer for ReLU; count the "
                            "layers between the last hidden one and the first.")


@key("3.3")
def _gain_sweep(factors_3) -> Feedback:
    star = _leaky_gain(0.5)
    medians = medians_over_seeds(factors_3, "factors_3", "gain")
    if isinstance(medians, Feedback):
        return medians
    gains = sorted(medians)
    if len(gains) < 3 or not gains[0] < star * 0.95 or not gains[-1] > star * 1.05:
        return Feedback(False, "sweep at least three gains, including one clearly below and one "
                        "clearly above the gain you derived, and the derived gain itself.")
    if not any(abs(g / star - 1) < 0.01 for g in gains):
        return Feedback(False, "include the derived gain itself in the sweep.",
                        about_value=True)
    for g in gains:
        if not 0.9 < medians[g] / (g / star) < 1.1:
            return Feedback(False, f"at gain {g:.3g} your median factor per layer, "
                            f"{medians[g]:.2f}, is not what the 30-layer LeakyReLU(0.5) network "
                            "of width 64 gives on Xr; check the network and the fit.",
                            about_value=True)
    return Feedback(True, f"your sweep over {len(gains)} gains, each over at least 3 seeds, "
                    "brackets the gain at which the factor per layer is 1.")
