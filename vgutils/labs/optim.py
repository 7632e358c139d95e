"""Optimisers compared: steps to escape a plateau, one step's size per layer, drift under noise.

The descent curves themselves come from the toolkit's :func:`vgutils.training.train_steps`
and :func:`vgutils.repeats.train_steps_over_seeds`.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from .._checks import as_float_array, check_int, check_number, check_xy
from ..gradients import Loss, _loss_and_grads, dense_layers, get_loss
from ..training import _check_optimizer_fits, make_optimizer

__all__ = ["steps_to_reach", "one_step_sizes", "noise_drift"]


def steps_to_reach(losses: Any, threshold: float) -> int | None:
    """The first step t at which ``losses[t] < threshold``, or None if it never happens."""
    losses = as_float_array("losses", losses, np.float64)
    threshold = check_number("threshold", threshold)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(f"losses must be a non-empty 1-D sequence, got shape {losses.shape}")
    below = np.flatnonzero(losses < threshold)
    return int(below[0]) if below.size else None


def one_step_sizes(
    model: keras.Model,
    x: Any,
    y: Any,
    loss: Loss,
    optimizer: str | keras.optimizers.Optimizer = "sgd",
    learning_rate: float | None = None,
    **settings: Any,
) -> dict[str, np.ndarray]:
    """Per Dense layer, the gradient and the weight change of one full-batch optimiser step.

    The model's weights are restored afterwards, so the model is left as it was.

    Returns:
        ``grad``: mean |dL/dw| over each Dense kernel, input to output;
        ``step``: mean |w_after - w_before| over each Dense kernel;
        ``gain``: first-order loss decrease caused by each layer's step alone,
        ``-sum(dL/dw * (w_after - w_before))`` over the kernel.
    """
    x, y = check_xy(model, x, y)
    loss_fn = get_loss(loss)
    opt = make_optimizer(optimizer, learning_rate, **settings)
    _check_optimizer_fits(opt, model)
    kernels = [layer.kernel for layer in dense_layers(model)]
    saved = [np.array(v.numpy(), copy=True) for v in model.trainable_variables]
    variables = model.trainable_variables
    _, grads = _loss_and_grads(model, loss_fn, x, y, variables, True)
    by_ref = {id(v): g for v, g in zip(variables, grads, strict=True)}
    kernel_grads = [np.asarray(by_ref[id(k)], dtype=np.float64) for k in kernels]
    before = [np.array(k.numpy(), dtype=np.float64) for k in kernels]
    opt.apply_gradients(list(zip(grads, variables, strict=True)))
    deltas = [np.asarray(k.numpy(), dtype=np.float64) - b for k, b in zip(kernels, before,
                                                                            strict=True)]
    for v, s in zip(variables, saved, strict=True):
        v.assign(s)
    return {
        "grad": np.array([np.mean(np.abs(g)) for g in kernel_grads]),
        "step": np.array([np.mean(np.abs(d)) for d in deltas]),
        "gain": np.array([-np.sum(g * d) for g, d in zip(kernel_grads, deltas, strict=True)]),
    }


def noise_drift(
    optimizer: str,
    sigma: float,
    steps: int = 200,
    learning_rate: float = 0.01,
    size: int = 1000,
    seed: int = 0,
    **settings: Any,
) -> float:
    """How far an optimiser moves weights whose gradient is pure noise.

    ``size`` weights start at 0 and receive, at each of ``steps`` steps, a gradient drawn
    independently from N(0, sigma^2): it carries no information about any direction. Returns
    the mean |w| after the last step (plain SGD's drift is proportional to ``sigma``; a
    per-parameter scaled optimiser's is not).
    """
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be a name such as 'adam' (a fresh optimiser is made "
                        f"from it), got {type(optimizer).__name__}")
    steps = check_int("steps", steps, minimum=1)
    size = check_int("size", size, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    sigma = check_number("sigma", sigma, above=0, maximum=1e30)
    rng = np.random.default_rng(seed)
    w = keras.Variable(np.zeros(size, dtype=np.float32), name="w")
    opt = make_optimizer(optimizer, learning_rate, **settings)
    opt.build([w])
    for _ in range(steps):
        g = tf.constant(rng.normal(0.0, sigma, size=size).astype(np.float32))
        opt.apply_gradients([(g, w)])
    return float(np.mean(np.abs(w.numpy().astype(np.float64))))
