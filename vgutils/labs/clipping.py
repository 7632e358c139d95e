"""Gradient clipping by hand (NumPy) and a small full-batch training loop that records, at
every step, the global gradient norm before clipping, the loss and the learning rate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from .._checks import check_int, check_xy
from ..gradients import Loss, get_loss

__all__ = [
    "global_norm",
    "clip_by_value",
    "clip_by_norm",
    "clip_by_global_norm",
    "cosine_similarity",
    "descend",
    "descend_from",
    "stack_runs",
]

Grads = Sequence[Any]


def _as_arrays(name: str, grads: Grads) -> list[np.ndarray]:
    if isinstance(grads, np.ndarray) or not isinstance(grads, Sequence) or len(grads) == 0:
        raise TypeError(f"{name} must be a non-empty list of arrays (one per variable)")
    try:
        return [np.asarray(g, dtype=np.float64) for g in grads]
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must hold arrays of numbers ({error})") from None


def _check_threshold(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return float(value)


def global_norm(grads: Grads) -> float:
    """The L2 norm of all entries of all arrays together: sqrt(sum_i ||g_i||^2)."""
    arrays = _as_arrays("grads", grads)
    return float(np.sqrt(sum(np.sum(g * g) for g in arrays)))


def clip_by_value(grads: Grads, clip_value: float) -> list[np.ndarray]:
    """Clip every entry into [-clip_value, clip_value] (Keras ``clipvalue``).

    Entries are clipped independently, so the direction of the gradient changes whenever
    some entries are clipped and others are not.
    """
    c = _check_threshold("clip_value", clip_value)
    return [np.clip(g, -c, c) for g in _as_arrays("grads", grads)]


def clip_by_norm(grads: Grads, clip_norm: float) -> list[np.ndarray]:
    """Rescale each array separately to an L2 norm of at most ``clip_norm`` (``clipnorm`` of
    Keras 3 and tf.keras 2; standalone Keras up to 2.3 used the global norm for ``clipnorm``):
    ``g_i * clip_norm / max(||g_i||, clip_norm)``.

    Each array keeps its direction, but arrays are shrunk by different factors, so the
    direction of the whole gradient changes when some arrays are clipped and others not.
    """
    c = _check_threshold("clip_norm", clip_norm)
    return [g * c / max(float(np.sqrt(np.sum(g * g))), c) for g in _as_arrays("grads", grads)]


def clip_by_global_norm(grads: Grads, clip_norm: float) -> list[np.ndarray]:
    """Rescale all arrays by one factor so that their global norm is at most ``clip_norm``
    (Keras ``global_clipnorm``): ``g_i * clip_norm / max(global_norm, clip_norm)``.

    The direction of the whole gradient is kept exactly; only its length is capped.
    """
    c = _check_threshold("clip_norm", clip_norm)
    arrays = _as_arrays("grads", grads)
    scale = c / max(global_norm(arrays), c)
    return [g * scale for g in arrays]


def cosine_similarity(a: Grads, b: Grads) -> float:
    """Cosine of the angle between two gradients given as lists of arrays of equal shapes
    (all entries flattened into one vector): 1 means the same direction."""
    xs, ys = _as_arrays("a", a), _as_arrays("b", b)
    if [x.shape for x in xs] != [y.shape for y in ys]:
        raise ValueError("a and b must hold arrays of the same shapes, got "
                         f"{[x.shape for x in xs]} and {[y.shape for y in ys]}")
    x = np.concatenate([v.ravel() for v in xs])
    y = np.concatenate([v.ravel() for v in ys])
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    if nx == 0 or ny == 0:
        raise ValueError("the cosine of a zero gradient is undefined")
    return float(x @ y / (nx * ny))


def _check_optimizer(optimizer: Any) -> keras.optimizers.Optimizer:
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer must be a keras optimizer, got {type(optimizer).__name__}")
    return optimizer


def _descent_loop(model: keras.Model, xt: tf.Tensor, yt: tf.Tensor, loss_fn: Any,
                  optimizer: keras.optimizers.Optimizer):
    """A traced function ``run(steps)`` that takes ``steps`` full-batch updates in one graph
    and returns the per-step loss, unclipped global gradient norm and learning rate."""
    variables = model.trainable_variables
    optimizer.build(variables)

    @tf.function
    def run(steps):
        losses = tf.TensorArray(tf.float32, size=steps)
        norms = tf.TensorArray(tf.float32, size=steps)
        rates = tf.TensorArray(tf.float32, size=steps)
        for i in tf.range(steps):
            lr = tf.cast(optimizer.learning_rate, tf.float32)
            with tf.GradientTape() as tape:
                value = tf.reduce_mean(loss_fn(yt, model(xt, training=True)))
            grads = tape.gradient(value, variables)
            norm = tf.linalg.global_norm(grads)
            if tf.math.is_finite(value) and tf.math.is_finite(norm):
                optimizer.apply_gradients(zip(grads, variables, strict=True))
            losses = losses.write(i, value)
            norms = norms.write(i, norm)
            rates = rates.write(i, lr)
        return losses.stack(), norms.stack(), rates.stack()

    return run


def _record(run: Any, steps: int) -> dict[str, np.ndarray]:
    loss, norm, lr = (np.asarray(v, dtype=np.float64) for v in run(tf.constant(steps)))
    bad = ~(np.isfinite(loss) & np.isfinite(norm))
    taken = int(np.argmax(bad)) + 1 if bad.any() else steps  # stop after the first bad step
    return {"loss": loss[:taken], "grad_norm": norm[:taken], "learning_rate": lr[:taken]}


def descend(
    model: keras.Model,
    x: Any,
    y: Any,
    loss: Loss,
    optimizer: keras.optimizers.Optimizer,
    steps: int,
) -> dict[str, np.ndarray]:
    """Full-batch gradient descent: ``steps`` updates of ``model`` on all of ``(x, y)``.

    Each step computes the gradient of the mean loss with respect to all trainable
    variables and hands it to ``optimizer.apply_gradients``, which applies the optimiser's
    own clipping (``clipvalue``, ``clipnorm`` or ``global_clipnorm``) and learning rate (a
    constant or a schedule). Using every example at every step makes the run deterministic
    and the recorded norms comparable from step to step.

    The record ends, after recording it, at the first step whose loss or gradient is not
    finite (the run diverged); from there on no update is applied.

    Args:
        model: a built Keras model.
        x, y: inputs and targets with the same number of rows.
        loss: a Keras loss name or a callable ``loss(y_true, y_pred)``.
        optimizer: a fresh Keras optimiser (its step counter drives any schedule).
        steps: number of updates, >= 1.

    Returns:
        ``{"loss", "grad_norm", "learning_rate"}``: float64 arrays with one entry per step
        taken, each measured *before* that step's update; ``grad_norm`` is the global L2
        norm of the unclipped gradient.
    """
    return descend_from(model, [model.get_weights()], x, y, loss, optimizer, steps)[0]


def descend_from(
    model: keras.Model,
    starts: Sequence[Sequence[Any]],
    x: Any,
    y: Any,
    loss: Loss,
    optimizer: keras.optimizers.Optimizer,
    steps: int,
) -> list[dict[str, np.ndarray]]:
    """One run of :func:`descend` from each set of initial weights in ``starts``.

    All runs share one traced training loop (tracing costs far more than 300 small steps):
    before each run the weights of ``model`` are set to the start, and the optimiser's
    state (step counter, any moments) is reset to where it began, so each run is a fresh
    run with the same optimiser settings. Typical use, one run per seed::

        starts = [build(seed).get_weights() for seed in vgutils.seeds(5)]
        runs = descend_from(build(0), starts, x, y, "mse", keras.optimizers.SGD(0.1), 300)

    Args:
        model: a built Keras model; it is left holding the weights of the last run.
        starts: one list of weight arrays per run, each as ``model.get_weights()`` returns.
        x, y, loss, optimizer, steps: as for :func:`descend`.

    Returns:
        one record per start, in order, as :func:`descend` returns it.
    """
    steps = check_int("steps", steps, minimum=1)
    optimizer = _check_optimizer(optimizer)
    if isinstance(starts, np.ndarray) or not isinstance(starts, Sequence) or not starts:
        raise TypeError("starts must be a non-empty list of weight lists "
                        "(one model.get_weights() per run)")
    x, y = check_xy(model, x, y)
    shapes = [tuple(w.shape) for w in model.weights]
    for k, start in enumerate(starts):
        got = [tuple(np.shape(w)) for w in start]
        if got != shapes:
            raise ValueError(f"starts[{k}] does not fit the model: weight shapes {got}, "
                             f"the model has {shapes}")
    run = _descent_loop(model, tf.convert_to_tensor(x), tf.convert_to_tensor(y),
                        get_loss(loss), optimizer)
    begin = [np.array(v.numpy(), copy=True) for v in optimizer.variables]
    out = []
    for start in starts:
        model.set_weights(start)
        for variable, value in zip(optimizer.variables, begin, strict=True):
            variable.assign(value)
        out.append(_record(run, steps))
    return out


def stack_runs(runs: Sequence[dict[str, np.ndarray]], key: str = "loss") -> np.ndarray:
    """One row per run of ``run[key]``, padded with NaN after a run that stopped early, for
    plotting runs over seeds as a band (:func:`vgutils.plots.plot_histories`).

    A NaN recorded by the run itself (an overflow, such as inf - inf) becomes +inf, so that
    NaN means only "no such step" and the overflow still shows as off the scale."""
    if isinstance(runs, dict) or not isinstance(runs, Sequence) or not runs:
        raise TypeError("runs must be a non-empty list of records from descend or descend_from")
    if any(key not in run for run in runs):
        raise KeyError(f"key must be one of {sorted(runs[0])}, got {key!r}")
    rows = [np.nan_to_num(np.asarray(run[key], dtype=np.float64), nan=np.inf,
                          posinf=np.inf, neginf=-np.inf) for run in runs]
    out = np.full((len(rows), max(len(r) for r in rows)), np.nan)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out
