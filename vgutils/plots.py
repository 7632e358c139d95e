"""The book's figures, drawn in one style."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_layer_norms", "plot_histories"]


def plot_layer_norms(
    series: Mapping[str, Sequence[float]],
    ax: plt.Axes | None = None,
    ylabel: str = "gradient norm",
    title: str | None = None,
) -> plt.Axes:
    """One line per entry of ``series`` (label -> values per layer), layer 1 = input side.

    The y axis is logarithmic, so a geometric fall (a vanishing gradient) is a straight line.
    """
    if not series:
        raise ValueError("series must hold at least one label -> values entry")
    if ax is None:
        _, ax = plt.subplots()
    for label, values in series.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = nearest the input)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_histories(
    histories: Mapping[str, Sequence[float]],
    ax: plt.Axes | None = None,
    ylabel: str = "loss",
    title: str | None = None,
    log: bool = False,
) -> plt.Axes:
    """Training curves: one line per entry of ``histories`` (label -> value per epoch)."""
    if not histories:
        raise ValueError("histories must hold at least one label -> values entry")
    if ax is None:
        _, ax = plt.subplots()
    for label, values in histories.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax
