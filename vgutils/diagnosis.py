"""One call that measures a model and names its likely gradient problem.

    report = vgutils.diagnose(model, x, y, "binary_crossentropy")
    report            # a readable report; report.problem is "vanishing", "exploding", ...

The rules are simple thresholds on quantities the course measures, stated in ``THRESHOLDS``;
they flag the failures the chapters show and are meant as a first look, not a proof.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ._checks import check_xy
from .gradients import Loss, get_loss, weight_gradient_norms, weight_matrices
from .probes import activation_stats

__all__ = ["Diagnosis", "diagnose", "THRESHOLDS", "REMEDIES"]

#: The thresholds behind each finding.
THRESHOLDS = {
    # gradient norm of the first weight matrix / that of the last one
    "vanishing_ratio": 1e-3,
    "exploding_ratio": 1e3,
    # largest ||dJ/dW|| / ||W|| over the weight matrices: above it, one SGD step with a
    # learning rate of 0.01 would move some matrix by more than its own size
    "gradient_to_weight": 1e2,
    # mean over hidden layers of the share of saturated (example, unit) pairs
    "saturated_share": 0.5,
    # share of units that output 0 on every example, in the worst hidden layer
    "dead_share": 0.5,
}

#: Where the course treats each problem.
REMEDIES = {
    "exploding": [
        "lower the learning rate, clip gradients (chapter 7, 07_gradient_clipping)",
        "initialise with the right variance (chapter 5, 05_initialization)",
        "normalise pre-activations (chapter 6, 06_batch_normalization)",
    ],
    "dead units": [
        "use leaky ReLU, ELU or GELU (chapter 4, 04_relu_family)",
        "lower the learning rate or clip gradients (chapter 7, 07_gradient_clipping)",
        "use He initialisation (chapter 5, 05_initialization)",
    ],
    "saturation": [
        "initialise with smaller weights: Glorot/LeCun (chapter 5, 05_initialization)",
        "normalise pre-activations (chapter 6, 06_batch_normalization)",
        "use a non-saturating activation (chapter 4, 04_relu_family)",
    ],
    "vanishing": [
        "use ReLU-family activations (chapter 4, 04_relu_family)",
        "initialise with the right variance (chapter 5, 05_initialization)",
        "add batch normalisation (chapter 6) or residual shortcuts (chapter 8, "
        "08_residual_connections)",
    ],
    "none": ["nothing to repair at these weights; keep the monitor on while training "
             "(chapter 12, 12_diagnosing)"],
}

_ORDER = ["exploding", "dead units", "saturation", "vanishing"]


def _log10(value: float) -> str:
    if not np.isfinite(value):
        return "nan" if np.isnan(value) else "inf"
    if value == 0:
        return "-inf"
    return f"{np.log10(value):+.1f}"


@dataclass(frozen=True)
class Diagnosis:
    """What :func:`diagnose` measured and concluded."""

    problem: str
    problems: list[str]
    loss: float
    layer_names: list[str]
    gradient_norms: np.ndarray
    gradient_ratio: float
    saturated: np.ndarray | None
    dead: np.ndarray | None
    findings: list[str] = field(default_factory=list)

    @property
    def remedies(self) -> list[str]:
        return REMEDIES[self.problem]

    def __repr__(self) -> str:
        lines = [f"diagnosis: {self.problem}"]
        lines += [f"  - {f}" for f in self.findings]
        lines.append("  log10 gradient norm per weight matrix, input to output:")
        lines.append("    " + " ".join(_log10(v) for v in self.gradient_norms))
        lines.append("  what to try:")
        lines += [f"    - {r}" for r in self.remedies]
        return "\n".join(lines)

    __str__ = __repr__


def diagnose(model: keras.Model, x: Any, y: Any, loss: Loss) -> Diagnosis:
    """Measure ``model`` on ``(x, y)`` at its current weights and name the likely problem.

    Measured: the mean loss; the gradient norm of every weight matrix (Dense, recurrent and
    convolution kernels), input to output, and relative to the matrix's own norm; for models
    with hidden activations, the share of saturated sigmoid/tanh units and of dead
    (always-zero) units per layer. Named, in this order of priority: ``"exploding"`` (a
    non-finite loss or gradient, a first/last gradient ratio above 1e3, or a gradient 100
    times larger than its weights), ``"dead units"``, ``"saturation"``, ``"vanishing"``
    (first/last ratio below 1e-3), else ``"none"``. The thresholds are in :data:`THRESHOLDS`.

    Raises:
        TypeError, ValueError: for a non-model, a model with no layer to measure, an unknown
            loss, or data that does not fit the model (the message names the argument).
    """
    names, norms = weight_gradient_norms(model, x, y, loss)
    sizes = np.array([float(tf.norm(tf.cast(v, tf.float64))) for _, v in weight_matrices(model)])
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(sizes > 0, norms / sizes, np.inf)
    x, y = check_xy(model, x, y)
    value = float(tf.reduce_mean(get_loss(loss)(tf.convert_to_tensor(y), model(x, training=True))))
    try:
        stats = activation_stats(model, x)
        saturated, dead = stats["saturated"], stats["dead"]
    except ValueError:  # no hidden activations to look at (e.g. a recurrent model)
        saturated = dead = None

    found: dict[str, str] = {}
    ratio = norms[0] / norms[-1] if norms[-1] > 0 else float("nan")
    if not np.isfinite(value) or not np.all(np.isfinite(norms)):
        found["exploding"] = "the loss or a gradient is NaN or infinite"
    elif ratio > THRESHOLDS["exploding_ratio"]:
        found["exploding"] = (f"the first layer's gradient is 10^{_log10(ratio)} times the last "
                              "layer's: gradients grow towards the input")
    elif relative.max() > THRESHOLDS["gradient_to_weight"]:
        worst = int(np.argmax(relative))
        found["exploding"] = (f"the gradient of {names[worst]} is 10^{_log10(relative[worst])} "
                              "times the size of its weights: a single step would blow them up")
    if dead is not None and dead.max() > THRESHOLDS["dead_share"]:
        found["dead units"] = (f"in the worst hidden layer {dead.max():.0%} of the units output 0 "
                               "on every example (report.dead has the share of every layer)")
    if saturated is not None and saturated.mean() > THRESHOLDS["saturated_share"]:
        found["saturation"] = (f"{saturated.mean():.0%} of the hidden (example, unit) pairs sit "
                               "where the activation's slope is below 10 % of its maximum")
    if ratio == 0:
        found["vanishing"] = "the first layer's gradient is exactly 0: no signal reaches it"
    elif np.isfinite(ratio) and ratio < THRESHOLDS["vanishing_ratio"]:
        found["vanishing"] = (f"the first layer's gradient is 10^{_log10(ratio)} times the last "
                              "layer's: gradients shrink towards the input")
    problems = [p for p in _ORDER if p in found]
    return Diagnosis(
        problem=problems[0] if problems else "none",
        problems=problems,
        loss=value,
        layer_names=names,
        gradient_norms=norms,
        gradient_ratio=float(ratio),
        saturated=saturated,
        dead=dead,
        findings=[found[p] for p in problems] or [
            "first-to-last gradient ratio between 1e-3 and 1e3, no gradient 100 times its "
            "weights, no layer mostly saturated or dead"
        ],
    )
