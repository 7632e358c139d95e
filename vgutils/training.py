"""Training runs kept short and quiet, and the weight changes they cause.

Two entry points, one record format (``{quantity: values}``, one value per epoch or step):
:func:`train` is Keras's own ``compile``/``fit`` over epochs of mini-batches, returning the
history per epoch; :func:`train_steps` takes optimiser steps one at a time inside one traced
loop and records, at every step, the loss, the global gradient norm and the learning rate
(and, for plain SGD, how large each step was next to the weights), for the chapters that
watch training step by step. :func:`vgutils.repeats.train_over_seeds` and
:func:`vgutils.repeats.train_steps_over_seeds` repeat them over seeds.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ._checks import (
    as_float_array,
    check_bool,
    check_finite,
    check_int,
    check_learning_rate,
    check_model,
    check_number,
    check_xy,
)
from .gradients import Loss, _check_loss_output, dense_layers, get_loss

STEP_RECORD = ("loss", "grad_norm", "learning_rate")

__all__ = ["make_optimizer", "train", "train_steps", "kernels", "mean_abs_change"]


def batches(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True,
            seed: int | None = None):
    """``x`` and ``y`` as a ``tf.data`` pipeline of batches, reshuffled every epoch.

    ``model.fit`` on NumPy arrays rebuilds its input pipeline every epoch, which costs about
    60 ms an epoch on 2 cores (more than ten steps of a 20-layer MLP) and a slower first trace.
    A pipeline built once does neither. The shuffle is seeded by ``seed`` (or, when it is
    None, by a draw from Keras's global random stream) together with TensorFlow's global
    seed, which :func:`vgutils.setup` sets: after the same ``setup`` a run repeats exactly.
    """
    import tensorflow as tf

    floatx = keras.config.floatx()
    x = x.astype(floatx) if np.issubdtype(x.dtype, np.floating) else x
    y = y.astype(floatx) if np.issubdtype(y.dtype, np.floating) else y
    data = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        if seed is None:
            seed = int(keras.random.randint((), 0, 2**31 - 1))
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size)


def make_optimizer(optimizer: str | keras.optimizers.Optimizer = "sgd",
                   learning_rate: float | None = None, **kwargs: Any):
    """A fresh Keras optimiser from a name (``"sgd"``, ``"adam"``, ...) and its settings.

    ``kwargs`` go to the optimiser (e.g. ``momentum=0.9``, ``clipnorm=1.0``). An optimiser
    object is returned as it is (then ``learning_rate`` and ``kwargs`` must be empty).
    """
    if isinstance(optimizer, keras.optimizers.Optimizer):
        if learning_rate is not None or kwargs:
            raise ValueError("pass learning_rate and settings either in the optimizer object or "
                             "as arguments, not both")
        return optimizer
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be a name or a keras optimizer, got "
                        f"{type(optimizer).__name__}")
    learning_rate = check_learning_rate(learning_rate)
    for key, value in kwargs.items():
        if value is None:
            continue
        if key in ("clipnorm", "clipvalue", "global_clipnorm", "epsilon"):
            check_number(key, value, above=0)
        elif key in ("momentum", "beta_1", "beta_2", "rho", "ema_momentum"):
            check_number(key, value, minimum=0, maximum=1)
        elif key in ("weight_decay", "initial_accumulator_value"):
            check_number(key, value, minimum=0)
        elif key in ("nesterov", "amsgrad", "centered", "use_ema"):
            check_bool(key, value)
    config = dict(kwargs)
    if learning_rate is not None:
        config["learning_rate"] = learning_rate
    try:
        return keras.optimizers.get({"class_name": optimizer, "config": config})
    except (ValueError, TypeError) as error:
        raise ValueError(f"optimizer {optimizer!r} with settings {config} is not valid: "
                         f"{error}") from None


def _check_optimizer_fits(optimizer: keras.optimizers.Optimizer, model: keras.Model) -> None:
    """An optimiser already built for other weights would fail inside Keras: say so first."""
    if not optimizer.built:
        return
    try:
        for variable in model.trainable_variables:
            optimizer._get_variable_index(variable)
    except (KeyError, AttributeError):
        raise ValueError("optimizer has already been used on other weights (it was built for "
                         "another model); pass a fresh optimizer, or its name") from None


def _check_callbacks(callbacks: Any) -> list:
    if callbacks is None:
        return []
    if not isinstance(callbacks, list | tuple) or not all(
            isinstance(c, keras.callbacks.Callback) for c in callbacks):
        raise TypeError("callbacks must be a list of Keras callbacks (e.g. "
                        f"[vg.GradientMonitor(x, y, loss)]), got {type(callbacks).__name__}")
    return list(callbacks)


def _check_metrics(metrics: Any) -> list:
    if metrics is None:
        return []
    if not isinstance(metrics, list | tuple):
        raise TypeError(f"metrics must be a list such as ['accuracy'], got "
                        f"{type(metrics).__name__} {metrics!r}")
    for metric in metrics:
        if isinstance(metric, str) and metric not in ("accuracy", "acc", "crossentropy", "ce"):
            try:
                keras.metrics.get(metric)
            except ValueError:
                raise ValueError(f"metrics: {metric!r} is not a Keras metric name; try e.g. "
                                 "'accuracy' or 'mse'") from None
    return list(metrics)


def train(
    model: keras.Model,
    x: Any,
    y: Any,
    loss: Loss,
    optimizer: str | keras.optimizers.Optimizer = "sgd",
    learning_rate: float | None = None,
    epochs: int = 10,
    batch_size: int = 32,
    callbacks: list | None = None,
    metrics: list | None = None,
    validation_data: tuple | None = None,
    shuffle: bool = True,
    shuffle_seed: int | None = None,
    **optimizer_settings: Any,
) -> dict[str, list[float]]:
    """Compile ``model`` and fit it silently; return the history as ``{name: [per epoch]}``.

    ``optimizer_settings`` go to :func:`make_optimizer` (e.g. ``momentum=0.9``,
    ``global_clipnorm=1.0``). The batches come from :func:`batches`, reshuffled every epoch
    from ``shuffle_seed`` or, when it is None, from Keras's seeded stream, so after
    :func:`vgutils.setup` a run repeats exactly.
    """
    x, y = check_xy(model, x, y)
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    shuffle = check_bool("shuffle", shuffle)
    get_loss(loss)
    callbacks, metrics = _check_callbacks(callbacks), _check_metrics(metrics)
    opt = make_optimizer(optimizer, learning_rate, **optimizer_settings)
    _check_optimizer_fits(opt, model)
    if not opt.built:
        # building the optimiser's slots now spares fit a second trace of its training step
        # (it would otherwise build them inside the first trace and trace again)
        opt.build(model.trainable_variables)
    model.compile(optimizer=opt, loss=loss, metrics=metrics or [])
    if shuffle_seed is not None:
        shuffle_seed = check_int("shuffle_seed", shuffle_seed, minimum=0)
    history = model.fit(batches(x, y, batch_size, shuffle, shuffle_seed), epochs=epochs,
                        callbacks=callbacks or [],
                        validation_data=_validation(model, validation_data, batch_size),
                        shuffle=False, verbose=0)
    return {k: [float(v) for v in values] for k, values in history.history.items()}


def _validation(model: keras.Model, data: tuple | None, batch_size: int):
    """``validation_data`` as a pipeline built once (see :func:`batches`), or None."""
    if data is None:
        return None
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise TypeError("validation_data must be a pair (x_val, y_val), got "
                        f"{type(data).__name__}")
    try:
        x_val, y_val = check_xy(model, *data)
    except (TypeError, ValueError) as error:
        raise type(error)(f"validation_data: {error}") from None
    return batches(x_val, y_val, batch_size, shuffle=False)


def _step_plan(n: int, steps: int, batch_size: int | None, seed: int) -> np.ndarray | None:
    """The rows of each step's batch: consecutive slices of a permutation of the ``n`` rows,
    drawn afresh from ``seed`` whenever the next slice would run past the end (the rest of
    an epoch too short for a whole batch is dropped). None for full-batch steps."""
    if batch_size is None:
        return None
    rng = np.random.default_rng(seed)
    order, start, rows = np.arange(n), n, []
    for _ in range(steps):
        if start + batch_size > n:
            order, start = rng.permutation(n), 0
        rows.append(order[start : start + batch_size])
        start += batch_size
    return np.array(rows, dtype=np.int32)


def _check_batch_size(batch_size: int | None, rows: int) -> int | None:
    """None (full batch) or an int from 1 to the number of rows."""
    if batch_size is None:
        return None
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if batch_size > rows:
        raise ValueError(f"batch_size must be at most the number of rows ({rows}), got "
                         f"{batch_size}; batch_size=None means full batch")
    return batch_size


def _is_plain_sgd(optimizer: keras.optimizers.Optimizer) -> bool:
    return (type(optimizer) is keras.optimizers.SGD and not optimizer.momentum
            and optimizer.clipnorm is None and optimizer.clipvalue is None
            and optimizer.global_clipnorm is None)


class _StepLoop:
    """One model, one optimiser, one data set: ``steps`` optimiser steps in one traced loop.

    Traced once, run as often as wanted (from other starting weights, with another batch
    order); the caller resets the weights and the optimiser's state between runs.
    """

    def __init__(self, model: keras.Model, loss: Loss, optimizer: keras.optimizers.Optimizer,
                 x: np.ndarray, y: np.ndarray, batch_size: int | None, watch: bool):
        import tensorflow as tf

        loss_fn = get_loss(loss)
        watch = check_bool("watch", watch)
        variables = model.trainable_variables
        if not variables:
            raise ValueError(f"model {model.name!r} has no trainable weights to train")
        _check_optimizer_fits(optimizer, model)
        _check_loss_output(loss_fn, model, x, y)
        optimizer.build(variables)
        if watch and not _is_plain_sgd(optimizer):
            raise ValueError("watch=True records the step plain SGD asks for (learning rate "
                             "times gradient); use optimizer='sgd' without momentum or clipping, "
                             f"got {type(optimizer).__name__}")
        kernel_ids = {id(layer.kernel) for layer in dense_layers(model)} if watch else set()
        watched = [i for i, v in enumerate(variables) if id(v) in kernel_ids]
        self.sums = [tf.Variable(tf.zeros(variables[i].shape, tf.float64), trainable=False)
                     for i in watched]
        self.model, self.optimizer, self.batch_size = model, optimizer, batch_size
        self.n = len(x)
        xt, yt = tf.constant(x), tf.constant(y)
        full = batch_size is None
        sums = self.sums

        @tf.function(input_signature=[tf.TensorSpec([], tf.int32),
                                      tf.TensorSpec([None, None], tf.int32)])
        def run(steps, plan):
            def record(dtype, shape=()):  # grows step by step: a run may stop early
                return tf.TensorArray(dtype, size=0, dynamic_size=True, element_shape=shape)

            losses, norms, rates = record(tf.float32), record(tf.float64), record(tf.float32)
            biggest, ratios = record(tf.float32), record(tf.float64, (len(watched),))
            taken = steps
            for i in tf.range(steps):
                xb = xt if full else tf.gather(xt, plan[i])
                yb = yt if full else tf.gather(yt, plan[i])
                rate = tf.cast(optimizer.learning_rate, tf.float32)  # this step's (schedules)
                with tf.GradientTape() as tape:
                    value = tf.reduce_mean(loss_fn(yb, model(xb, training=True)))
                grads = tape.gradient(value, variables)
                norm = tf.linalg.global_norm([tf.cast(g, tf.float64) for g in grads])
                losses = losses.write(i, value)
                norms = norms.write(i, norm)
                rates = rates.write(i, rate)
                if not (tf.math.is_finite(value) and tf.math.is_finite(norm)):
                    taken = i + 1
                    break
                if watched:
                    step_ratios = []
                    for j, k in enumerate(watched):
                        asked = tf.cast(rate * grads[k], tf.float64)
                        step_ratios.append(tf.norm(asked)
                                           / tf.norm(tf.cast(variables[k], tf.float64)))
                        sums[j].assign_sub(asked)
                    ratios = ratios.write(i, tf.stack(step_ratios))
                optimizer.apply_gradients(zip(grads, variables, strict=True))
                if watched:
                    biggest = biggest.write(i, tf.reduce_max(
                        tf.stack([tf.reduce_max(tf.abs(v)) for v in variables])))
            out = [losses.stack(), norms.stack(), rates.stack(), taken]
            if watched:
                out += [biggest.stack(), ratios.stack()]
            return out

        self._run = run

    def run(self, steps: int, seed: int) -> dict[str, Any]:
        import tensorflow as tf

        for s in self.sums:
            s.assign(tf.zeros_like(s))
        plan = _step_plan(self.n, steps, self.batch_size, seed)
        plan = np.zeros((steps, 0), np.int32) if plan is None else plan
        loss, norm, rate, taken, *watched = self._run(tf.constant(steps), tf.constant(plan))
        taken = int(taken)
        record: dict[str, Any] = {k: np.asarray(v, dtype=np.float64)[:taken]
                                  for k, v in zip(STEP_RECORD, (loss, norm, rate), strict=True)}
        bad = not (np.isfinite(record["loss"][-1]) and np.isfinite(record["grad_norm"][-1]))
        record["nonfinite_step"] = taken if bad else None
        if watched:
            applied = taken - 1 if bad else taken
            record["max_weight"] = np.asarray(watched[0], dtype=np.float64)[:applied]
            record["update_ratio"] = np.asarray(watched[1], dtype=np.float64)[:applied]
            record["update"] = [s.numpy() for s in self.sums]
        return record


def train_steps(
    model: keras.Model,
    x: Any,
    y: Any,
    loss: Loss,
    optimizer: str | keras.optimizers.Optimizer = "sgd",
    steps: int = 100,
    learning_rate: float | None = None,
    batch_size: int | None = None,
    shuffle_seed: int = 0,
    watch: bool = False,
    **optimizer_settings: Any,
) -> dict[str, Any]:
    """Train ``model`` in place for ``steps`` optimiser steps; record every step.

    Each step computes the mean loss on its batch and its gradient with respect to every
    trainable weight, and hands the gradient to the optimiser, which applies its own
    clipping (``clipnorm``, ``global_clipnorm``, ...) and learning rate (a constant or a
    schedule). All steps run in one traced loop, far cheaper per step than ``fit``.
    ``batch_size=None`` (the default) uses all of ``(x, y)`` at every step: full-batch
    gradient descent, with no sampling noise. Otherwise the batches are consecutive slices
    of a permutation of the rows drawn from ``shuffle_seed``, drawn afresh when an epoch runs
    out (its last, short slice is dropped).

    The run stops at the first step whose loss or gradient is not finite (it diverged): that
    step is recorded, and not applied.

    Args:
        model: a built Keras model (made with ``keras.Input``).
        x, y: inputs and targets with the same number of rows.
        loss: a Keras loss name or a callable ``loss(y_true, y_pred)``.
        optimizer: a name (``"sgd"``, ``"adam"``, ...) or a fresh Keras optimiser object
            (its step counter drives any schedule).
        steps: number of optimiser steps, >= 1.
        learning_rate, optimizer_settings: as for :func:`make_optimizer` (a name only).
        batch_size: rows per step, or None for full batch.
        shuffle_seed: the seed of the batch order (ignored for full batch).
        watch: also record, per Dense kernel, the step plain SGD asks for (``optimizer``
            must be plain SGD: no momentum, no clipping).

    Returns:
        ``{"loss", "grad_norm", "learning_rate"}``: float64 arrays with one entry per step
        taken, each measured *before* that step's update, so ``loss[t]`` is the (batch) loss
        after ``t`` steps and ``grad_norm`` is the global L2 norm of the unclipped gradient
        (computed in float64); ``"nonfinite_step"``: the 1-based step whose loss or gradient
        was not finite, or None. With ``watch=True`` also ``"update_ratio"`` (steps applied
        x Dense kernels: ``||learning_rate * dL/dW|| / ||W||``, input to output),
        ``"max_weight"`` (the largest |weight| after each step) and ``"update"`` (per Dense
        kernel, the float64 sum of ``-learning_rate * dL/dW``: the change the float32
        gradients ask for, before it is rounded into the float32 weights).

    Raises:
        TypeError: if an argument has the wrong type (the message names it).
        ValueError: if ``steps`` or ``batch_size`` is below 1, ``x`` does not fit the model,
            or ``watch`` is asked of an optimiser other than plain SGD.
    """
    steps = check_int("steps", steps, minimum=1)
    x, y = check_xy(model, x, y)
    batch_size = _check_batch_size(batch_size, len(x))
    shuffle_seed = check_int("shuffle_seed", shuffle_seed, minimum=0)
    watch = check_bool("watch", watch)
    opt = make_optimizer(optimizer, learning_rate, **optimizer_settings)
    return _StepLoop(model, loss, opt, x, y, batch_size, watch).run(steps, shuffle_seed)


def kernels(model: keras.Model) -> list[np.ndarray]:
    """Copies of the Dense kernels of ``model``, input to output (a snapshot to compare later)."""
    check_model(model)
    return [np.array(layer.kernel.numpy(), copy=True) for layer in dense_layers(model)]


def mean_abs_change(before: list[np.ndarray], after: list[np.ndarray]) -> np.ndarray:
    """Per layer, the mean absolute change of each weight between two snapshots.

    The same entries are compared (weight (i, j) before with weight (i, j) after).
    """
    for name, value in (("before", before), ("after", after)):
        if not isinstance(value, list | tuple):
            raise TypeError(f"{name} must be a list of weight arrays (as kernels() returns), got "
                            f"{type(value).__name__}")
    if len(before) != len(after):
        raise ValueError(f"before and after must hold as many layers, got {len(before)} and "
                         f"{len(after)}")
    out = []
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        b = check_finite(f"before[{i}]", as_float_array(f"before[{i}]", b, np.float64))
        a = check_finite(f"after[{i}]", as_float_array(f"after[{i}]", a, np.float64))
        if b.shape != a.shape:
            raise ValueError(f"before[{i}] has shape {b.shape}, after[{i}] {a.shape}")
        out.append(float(np.mean(np.abs(a - b))))
    return np.array(out)
