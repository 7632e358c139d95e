"""Keras callbacks that watch gradients and updates while a model trains."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ._checks import as_float_array, check_finite, check_int, check_xy
from .gradients import Loss, _loss_and_grads, get_loss, weight_matrices
from .probes import update_ratio

__all__ = ["GradientMonitor", "UpdateRatioMonitor"]


def _check_every(every_n_batches: int | None) -> int | None:
    if every_n_batches is None:
        return None
    return check_int("every_n_batches", every_n_batches, minimum=1)


class _Recorder(keras.callbacks.Callback):
    """Rows of per-matrix numbers recorded during ``fit``, with the step of each row."""

    layer_names: list[str]
    _rows: list[np.ndarray]
    _steps: list[int]

    def _table(self) -> np.ndarray:
        if not self._rows:
            return np.zeros((0, len(self.layer_names)))
        return np.stack(self._rows)

    @property
    def steps(self) -> np.ndarray:
        """The training step (batches seen) at which each row was recorded."""
        return np.array(self._steps, dtype=int)


class GradientMonitor(_Recorder):
    """Record per-layer gradient norms on a fixed batch while a model trains.

    The norms are those of the gradient of the mean loss on ``(x, y)`` with respect to each
    weight matrix, input to output: one per Dense kernel (as
    :func:`vgutils.gradients.layer_gradient_norms`), two per recurrent layer (input kernel and
    recurrent kernel), one per convolution kernel. By default they are recorded at the end of
    every epoch; with ``every_n_batches=N`` after every N-th batch instead. The latest values
    are also written into each epoch's ``logs`` as ``grad_norm/<name>``, so they appear in
    ``History.history`` and in TensorBoard.

    Example::

        monitor = GradientMonitor(x[:256], y[:256], "binary_crossentropy")
        model.fit(x, y, epochs=5, callbacks=[monitor], verbose=0)
        monitor.norms          # shape (5, number of weight matrices)

    Attributes:
        norms: float64 array ``(records, matrices)``; rows are epochs (or every N-th batch).
        steps: the training step (batches seen) of each row.
        layer_names: the name of each column.
    """

    def __init__(self, x: Any, y: Any, loss: Loss, every_n_batches: int | None = None) -> None:
        super().__init__()
        self.x = check_finite("x", as_float_array("x", x))
        self.y = check_finite("y", as_float_array("y", y))
        if self.x.ndim == 0 or len(self.x) != len(self.y):
            raise ValueError(
                "x and y must have the same length, got "
                f"{self.x.shape[:1] or 'a scalar'} and {self.y.shape[:1] or 'a scalar'}"
            )
        get_loss(loss)
        self.loss = loss
        self.every_n_batches = _check_every(every_n_batches)
        self.layer_names: list[str] = []
        self._rows: list[np.ndarray] = []
        self._steps: list[int] = []
        self._step = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        pairs = weight_matrices(self.model)
        self.layer_names = [name for name, _ in pairs]
        self._rows, self._steps, self._step = [], [], 0
        x, y = check_xy(self.model, self.x, self.y)
        x, y = tf.constant(x), tf.constant(y)
        loss_fn, model, variables = get_loss(self.loss), self.model, [v for _, v in pairs]

        @tf.function
        def norms():
            # compiled once per fit: recording costs one forward and backward pass
            _, grads = _loss_and_grads(model, loss_fn, x, y, variables, True)
            return [tf.zeros((), tf.float64) if g is None else tf.norm(tf.cast(g, tf.float64))
                    for g in grads]

        self._norms = norms

    def _record(self) -> None:
        self._rows.append(np.array([float(v) for v in self._norms()], dtype=np.float64))
        self._steps.append(self._step)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._step += 1
        if self.every_n_batches and self._step % self.every_n_batches == 0:
            self._record()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.every_n_batches is None:
            self._record()
        if logs is not None and self._rows:
            for name, value in zip(self.layer_names, self._rows[-1], strict=True):
                logs[f"grad_norm/{name}"] = float(value)

    @property
    def norms(self) -> np.ndarray:
        return self._table()


class UpdateRatioMonitor(_Recorder):
    """Record, per weight matrix, the size of each update relative to the weights.

    After every ``every_n_batches``-th batch the ratio std(W_new - W_old) / std(W_old) is
    stored (see :func:`vgutils.probes.update_ratio`), where W_old is the value before that
    batch's step. A common rule of thumb (Karpathy) is a ratio around 1e-3: far below, the
    layer is barely learning; far above, its updates are too large.

    Attributes:
        ratios: float64 array ``(records, matrices)``.
        steps: the training step of each row.
        layer_names: the name of each column.
    """

    def __init__(self, every_n_batches: int = 1) -> None:
        super().__init__()
        self.every_n_batches = check_int("every_n_batches", every_n_batches, minimum=1)
        self.layer_names: list[str] = []
        self._rows: list[np.ndarray] = []
        self._steps: list[int] = []
        self._before: list[np.ndarray] | None = None
        self._step = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._pairs = weight_matrices(self.model)
        self.layer_names = [name for name, _ in self._pairs]
        self._rows, self._steps, self._step = [], [], 0

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if (self._step + 1) % self.every_n_batches == 0:
            self._before = [np.array(v.numpy(), copy=True) for _, v in self._pairs]

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._step += 1
        if self._before is not None:
            after = [v.numpy() for _, v in self._pairs]
            self._rows.append(
                np.array([update_ratio(b, a) for b, a in zip(self._before, after, strict=True)])
            )
            self._steps.append(self._step)
            self._before = None

    @property
    def ratios(self) -> np.ndarray:
        return self._table()
