"""Training runs kept short and quiet, and the weight changes they cause."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ._checks import check_int, check_xy
from .gradients import Loss, dense_layers, get_loss

__all__ = ["make_optimizer", "train", "kernels", "mean_abs_change"]


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
    config = dict(kwargs)
    if learning_rate is not None:
        config["learning_rate"] = learning_rate
    try:
        return keras.optimizers.get({"class_name": optimizer, "config": config})
    except (ValueError, TypeError) as error:
        raise ValueError(f"optimizer {optimizer!r} with settings {config} is not valid: "
                         f"{error}") from None


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
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    x, y = check_xy(model, x, y)
    get_loss(loss)
    opt = make_optimizer(optimizer, learning_rate, **optimizer_settings)
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
    x_val, y_val = check_xy(model, *data)
    return batches(x_val, y_val, batch_size, shuffle=False)


def kernels(model: keras.Model) -> list[np.ndarray]:
    """Copies of the Dense kernels of ``model``, input to output (a snapshot to compare later)."""
    return [np.array(layer.kernel.numpy(), copy=True) for layer in dense_layers(model)]


def mean_abs_change(before: list[np.ndarray], after: list[np.ndarray]) -> np.ndarray:
    """Per layer, the mean absolute change of each weight between two snapshots.

    The same entries are compared (weight (i, j) before with weight (i, j) after).
    """
    if len(before) != len(after):
        raise ValueError(f"before and after must hold as many layers, got {len(before)} and "
                         f"{len(after)}")
    out = []
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        if np.shape(b) != np.shape(a):
            raise ValueError(f"layer {i}: before has shape {np.shape(b)}, after {np.shape(a)}")
        out.append(float(np.mean(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))))
    return np.array(out)
