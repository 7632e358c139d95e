"""Optimisers compared: full-batch descent curves, steps to escape, one step's size per layer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from .._checks import check_int, check_xy
from ..gradients import Loss, _loss_and_grads, dense_layers, get_loss
from ..repeats import models_over_seeds
from ..training import make_optimizer

__all__ = ["descent_losses", "descent_over_seeds", "steps_to_reach", "one_step_sizes",
           "noise_drift"]


def _loss_value(loss_fn, y, model, x):
    return tf.reduce_mean(loss_fn(y, model(x, training=True)))


def descent_losses(
    model: keras.Model,
    x: Any,
    y: Any,
    loss: Loss,
    optimizer: str | keras.optimizers.Optimizer = "sgd",
    steps: int = 100,
    learning_rate: float | None = None,
    **settings: Any,
) -> np.ndarray:
    """Train ``model`` in place for ``steps`` full-batch steps; return the loss curve.

    Every step uses the gradient of the mean loss over all of ``(x, y)``, so there is no
    sampling noise and a run repeats exactly. The loop is one compiled ``tf.function``, much
    cheaper per step than ``fit`` with one epoch per step.

    Args:
        model: a Keras model.
        x, y: inputs and targets.
        loss: a Keras loss name or a callable ``loss(y_true, y_pred)``.
        optimizer: a name (``"sgd"``, ``"adam"``, ...) or a Keras optimiser object.
        steps: number of update steps, >= 1.
        learning_rate, settings: passed to :func:`vgutils.training.make_optimizer`
            (e.g. ``momentum=0.9``).

    Returns:
        float64 array of length ``steps + 1``: entry t is the loss after t steps.
    """
    steps = check_int("steps", steps, minimum=1)
    x, y = check_xy(model, x, y)
    run, _ = _compiled_descent(model, x, y, loss, optimizer, steps, learning_rate, settings)
    return run().numpy().astype(np.float64)


def _compiled_descent(model, x, y, loss, optimizer, steps, learning_rate, settings):
    """A tf.function running ``steps`` full-batch steps on ``model``, and its optimiser."""
    loss_fn = get_loss(loss)
    opt = make_optimizer(optimizer, learning_rate, **settings)
    variables = model.trainable_variables
    opt.build(variables)
    xt, yt = tf.constant(x), tf.constant(y)

    @tf.function
    def run():
        values = tf.TensorArray(tf.float32, size=steps + 1)
        for t in tf.range(steps):
            with tf.GradientTape() as tape:
                value = _loss_value(loss_fn, yt, model, xt)
            opt.apply_gradients(list(zip(tape.gradient(value, variables), variables, strict=True)))
            values = values.write(t, value)
        return values.write(steps, _loss_value(loss_fn, yt, model, xt)).stack()

    return run, opt


def descent_over_seeds(
    build: Callable[[int], keras.Model],
    seeds: Iterable[int],
    x: Any,
    y: Any,
    loss: Loss,
    optimizer: str = "sgd",
    steps: int = 100,
    learning_rate: float | None = None,
    **settings: Any,
) -> Iterator[tuple[int, keras.Model, np.ndarray]]:
    """:func:`descent_losses` for ``build(seed)``, seed by seed, with one compiled loop.

    The first seed's model is trained by a compiled loop; for each further seed, ``build(seed)``
    makes fresh initial weights, which are copied into that same model, and the optimiser's
    state (step count, moments) is reset to where it started, so every seed's run is a fresh
    run that reuses the traced loop (tracing a new loop per model costs seconds). The same
    model object is yielded every time: measure it inside the loop.

    Args:
        build: a function from a seed to a new model, e.g.
            ``lambda s: deep_mlp(6, 32, seed=s)``; it may change the weights it made (e.g.
            scale some kernels) but must make the same layers and shapes for every seed.
        seeds: the seeds, e.g. ``vgutils.seeds(5)``.
        x, y, loss, optimizer, steps, learning_rate, settings: as for :func:`descent_losses`;
            ``optimizer`` is a name (a fresh optimiser is made from it).

    Yields:
        ``(seed, trained model, loss curve)``; the curve is as :func:`descent_losses` returns.

    Raises:
        TypeError: if ``build`` is not callable, returns no model, or ``optimizer`` is no name.
        ValueError: if ``seeds`` is empty or ``build`` changes the architecture.
    """
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be a name such as 'adam' (a fresh optimiser is made "
                        f"from it), got {type(optimizer).__name__}")
    steps = check_int("steps", steps, minimum=1)
    run = opt = start = None
    for seed, model in models_over_seeds(build, seeds):
        if run is None:
            x, y = check_xy(model, x, y)
            run, opt = _compiled_descent(model, x, y, loss, optimizer, steps, learning_rate,
                                         settings)
            start = [np.array(v.numpy(), copy=True) for v in opt.variables]
        else:
            for variable, value in zip(opt.variables, start, strict=True):
                variable.assign(value)
        yield seed, model, run().numpy().astype(np.float64)


def steps_to_reach(losses: Any, threshold: float) -> int | None:
    """The first step t at which ``losses[t] < threshold``, or None if it never happens."""
    losses = np.asarray(losses, dtype=np.float64)
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
    steps = check_int("steps", steps, minimum=1)
    size = check_int("size", size, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma!r}")
    rng = np.random.default_rng(seed)
    w = keras.Variable(np.zeros(size, dtype=np.float32), name="w")
    opt = make_optimizer(optimizer, learning_rate, **settings)
    opt.build([w])
    for _ in range(steps):
        g = tf.constant(rng.normal(0.0, sigma, size=size).astype(np.float32))
        opt.apply_gradients([(g, w)])
    return float(np.mean(np.abs(w.numpy().astype(np.float64))))
