"""Keras callbacks that watch gradients while a model trains."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ._checks import as_float_array
from .gradients import Loss, dense_layers, get_loss, layer_gradient_norms

__all__ = ["GradientMonitor"]


class GradientMonitor(keras.callbacks.Callback):
    """Record the per-layer gradient norms of a fixed batch at the end of every epoch.

    The norms are those of :func:`vgutils.gradients.layer_gradient_norms` on ``(x, y)``: one
    per Dense kernel, input to output. They are also written into the epoch's ``logs`` as
    ``grad_norm/<layer name>``, so they appear in ``History.history`` (and in TensorBoard).

    Example::

        monitor = GradientMonitor(x[:256], y[:256], "binary_crossentropy")
        model.fit(x, y, epochs=5, callbacks=[monitor], verbose=0)
        monitor.norms          # shape (5, number of Dense layers)

    Attributes:
        norms: float64 array of shape ``(epochs, Dense layers)`` (filled during ``fit``).
        layer_names: names of the Dense layers, in the order of the columns of ``norms``.
    """

    def __init__(self, x: Any, y: Any, loss: Loss) -> None:
        super().__init__()
        self.x = as_float_array("x", x)
        self.y = as_float_array("y", y)
        if self.x.ndim == 0 or len(self.x) != len(self.y):
            raise ValueError(
                "x and y must have the same length, got "
                f"{self.x.shape[:1] or 'a scalar'} and {self.y.shape[:1] or 'a scalar'}"
            )
        get_loss(loss)
        self.loss = loss
        self.layer_names: list[str] = []
        self._rows: list[np.ndarray] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.layer_names = [layer.name for layer in dense_layers(self.model)]
        self._rows = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        row = layer_gradient_norms(self.model, self.x, self.y, self.loss)
        self._rows.append(row)
        if logs is not None:
            for name, value in zip(self.layer_names, row, strict=True):
                logs[f"grad_norm/{name}"] = float(value)

    @property
    def norms(self) -> np.ndarray:
        if not self._rows:
            return np.zeros((0, len(self.layer_names)))
        return np.stack(self._rows)
