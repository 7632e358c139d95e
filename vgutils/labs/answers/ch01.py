"""Answer keys of chapter 1 (backpropagation is the chain rule)."""

from __future__ import annotations

from typing import Any

import numpy as np

from vgutils.exercises import Feedback, check_function, check_value
from vgutils.labs.answers import key, medians_over_seeds


def _tape_gradient(f, x: float) -> float:
    """df/dx at x by TensorFlow's automatic differentiation, in float64."""
    import tensorflow as tf

    xt = tf.Variable(float(x), dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = f(xt)
    return float(tape.gradient(y, xt))


@key("1.1")
def _tanh_square(answer_1) -> Feedback:
    import tensorflow as tf

    return check_value(answer_1, _tape_gradient(lambda v: tf.tanh(3 * v + 1) ** 2, -0.2),
                       name="answer_1", rtol=1e-6,
                       hint="three local derivatives: d(t^2)/dt, tanh', and the inner 3")


def _layers(weights: Any, biases: Any) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        w = np.asarray(weights, dtype=np.float64).ravel()
        b = np.asarray(biases, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    return (w, b) if w.size and w.size == b.size else None


@key("1.2")
def _predicted_factor(prediction_2, weights=None) -> Feedback:
    try:
        w = np.abs(np.asarray(weights, dtype=np.float64).ravel())
    except (TypeError, ValueError):
        w = np.array([])
    if weights is None or w.size == 0 or not np.all(np.isfinite(w)):
        return Feedback(False, "this check needs the chapter's `weights`: pass weights=weights.")
    # the bound |sigma'(z) w| <= |w| / 4, layer by layer, and its n-th root
    expected = float(np.prod(w / 4) ** (1 / w.size))
    return check_value(prediction_2, expected, name="prediction_2", rtol=0.01,
                       hint="the estimate bounds each of the 30 factors on its own; the factor "
                            "per layer is the geometric mean of the 30 bounds")


@key("1.3")
def _tanh_chain(tanh_chain_gradient, weights=None, biases=None) -> Feedback:
    layers = _layers(weights, biases)
    if layers is None:
        return Feedback(False, "this check needs the chapter's chain: pass weights=weights, "
                        "biases=biases.")
    w, b = layers

    def reference(x, n):
        import tensorflow as tf

        def chain(h):
            for k in range(n):
                h = tf.tanh(w[k] * h + b[k])
            return h

        return _tape_gradient(chain, x)

    return check_function(tanh_chain_gradient, reference,
                          [(0.5, 1), (0.5, 7), (-1.0, w.size)],
                          name="tanh_chain_gradient", rtol=1e-9, atol=0)


def _reference_factors(bound: float, draws: int = 400, depth: int = 30, x: float = 0.5,
                       ) -> np.ndarray:
    """Per-layer factors |dh_depth/dx|^(1/depth) of `draws` chains with U(-bound, bound)."""
    rng = np.random.default_rng(12345)
    w = rng.uniform(-bound, bound, size=(depth, draws))
    b = rng.uniform(-bound, bound, size=(depth, draws))
    h = np.full(draws, x)
    log_grad = np.zeros(draws)
    for k in range(depth):
        z = w[k] * h + b[k]
        h = 0.5 * (1 + np.tanh(z / 2))                     # the sigmoid, written otherwise
        slope = np.exp(-np.logaddexp(0, z) - np.logaddexp(0, -z))  # sigma'(z), no underflow
        log_grad += np.log(slope) + np.log(np.abs(w[k]))
    return np.exp(log_grad / depth)


@key("1.4")
def _bound_sweep(factors_4, largest_B_4=None) -> Feedback:
    medians = medians_over_seeds(factors_4, "factors_4", "B", allow_zero=True)
    if isinstance(medians, Feedback):
        return medians
    if not all(b > 0 for b in medians):
        return Feedback(False, "every weight bound B in factors_4 should be positive.")
    bounds = sorted(medians)
    if len(bounds) < 4 or bounds[0] > 1 or bounds[-1] < 8:
        return Feedback(False, "try at least four bounds, from B = 1 (or below) to B = 8 (or "
                        f"above), so that the sweep crosses B = 4; factors_4 has {bounds}.")
    if bounds[-1] > 16:
        return Feedback(False, f"keep B at most 16 (factors_4 goes to {bounds[-1]:g}): beyond "
                        "about 20 the float64 sigmoid rounds 1 - h to exactly 0, and a factor "
                        "of 0 measures the rounding, not the chain.")
    for b in bounds:
        reference = _reference_factors(b)
        # the median of three draws falls outside this range in fewer than 1 in 5000 experiments
        low, high = np.quantile(reference, [0.005, 0.995])
        if not low <= medians[b] <= high:
            return Feedback(False, f"at B = {b:g} your median factor per layer, "
                            f"{medians[b]:.3g}, is not what a chain of depth 30 with weights "
                            "and biases from U(-B, B), started at x = 0.5, gives; check how "
                            "you draw the chain and take the 30th root.", about_value=True)
    best = max(bounds, key=medians.__getitem__)
    try:
        chosen = float(largest_B_4)
    except (TypeError, ValueError):
        return Feedback(False, "largest_B_4 should be the B (one of your bounds) whose median "
                        "factor is the largest.")
    if chosen != best:
        return Feedback(False, f"largest_B_4 = {largest_B_4!r} is not the bound with the "
                        "largest median factor in your own sweep.", about_value=True)
    return Feedback(True, f"your sweep of {len(bounds)} bounds over at least 3 seeds each "
                    "is consistent, and largest_B_4 is its largest median factor.")
