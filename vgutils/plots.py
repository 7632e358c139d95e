"""The book's figures, drawn in one style."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ._checks import (
    as_float_array,
    check_axes,
    check_bool,
    check_int,
    check_mapping,
    check_names,
)

__all__ = [
    "plot_layer_norms",
    "plot_histories",
    "plot_norm_heatmap",
    "plot_activation_histograms",
    "plot_update_ratios",
]


def _line_or_band(ax: plt.Axes, values: Any, label: str, arg: str, log: bool = False,
                  **style: Any) -> None:
    """One value per point: a line. One row per seed (2-D): the median and a min-max band."""
    where = f"{arg}[{label!r}]"
    values = as_float_array(where, values, np.float64)
    if values.size == 0:
        raise ValueError(f"{where} holds no values")
    if log and (values < 0).any():
        raise ValueError(f"{where} holds negative values, which a log axis cannot show")
    if values.ndim == 1:
        ax.plot(np.arange(1, len(values) + 1), values, label=label, **style)
        return
    if values.ndim != 2 or values.shape[0] == 0 or values.shape[1] == 0:
        raise ValueError(f"{where} must be 1-D (one run) or 2-D (seeds, points), got shape "
                         f"{values.shape}")
    steps = np.arange(1, values.shape[1] + 1)
    with warnings.catch_warnings():  # a step where every seed's run had stopped: a gap
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(values, axis=0)
        low, high = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
    (line,) = ax.plot(steps, median, label=f"{label} (median of {values.shape[0]})", **style)
    ax.fill_between(steps, low, high, color=line.get_color(), alpha=0.2, lw=0)


def plot_layer_norms(
    series: Mapping[str, Sequence[float]],
    ax: plt.Axes | None = None,
    ylabel: str = "gradient norm",
    title: str | None = None,
) -> plt.Axes:
    """One line per entry of ``series`` (label -> values per layer), layer 1 = input side.

    The y axis is logarithmic, so a geometric fall (a vanishing gradient) is a straight line.
    A 2-D entry (one row per seed) is drawn as its median with a band from min to max.
    """
    check_mapping("series", series)
    if check_axes(ax) is None:
        _, ax = plt.subplots()
    for label, values in series.items():
        _line_or_band(ax, values, label, "series", log=True, marker="o", ms=3)
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
    xlabel: str = "epoch",
) -> plt.Axes:
    """Training curves: one line per entry of ``histories`` (label -> value per epoch).

    A 2-D entry (one row per seed, e.g. ``[h["loss"] for h in runs]``) is drawn as its median
    with a band from the smallest to the largest seed's value at each epoch.
    """
    check_mapping("histories", histories)
    log = check_bool("log", log)
    if check_axes(ax) is None:
        _, ax = plt.subplots()
    for label, values in histories.items():
        _line_or_band(ax, values, label, "histories", log=log)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_norm_heatmap(
    norms: Any,
    layer_names: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
    xlabel: str = "epoch",
    title: str | None = None,
) -> plt.Axes:
    """Layers x time heatmap of log10 gradient norms (``norms`` shaped (records, layers)).

    Rows are layers, input at the top; columns are records (epochs, or every N batches, as a
    :class:`vgutils.callbacks.GradientMonitor` stores them).
    """
    norms = as_float_array("norms", norms, np.float64)
    if norms.ndim != 2 or norms.size == 0:
        raise ValueError(f"norms must be a non-empty 2-D array (records, layers), got shape "
                         f"{norms.shape}")
    if (norms < 0).any():
        raise ValueError("norms must be >= 0 (gradient norms), got negative values")
    layer_names = check_names("layer_names", layer_names, norms.shape[1])
    if check_axes(ax) is None:
        _, ax = plt.subplots()
    with np.errstate(divide="ignore"):
        shown = np.log10(norms.T)
    image = ax.imshow(shown, aspect="auto", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="log10 gradient norm")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("layer (input at the top)")
    if layer_names is not None:
        ax.set_yticks(range(len(layer_names)), layer_names, fontsize=7)
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def plot_activation_histograms(
    outputs: Sequence[Any],
    names: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
    bins: int = 50,
    title: str | None = None,
) -> plt.Axes:
    """Overlaid histograms (as outlines) of each layer's activations, one colour per layer.

    ``outputs`` is a list of arrays, e.g. from :func:`vgutils.probes.layer_outputs`.
    """
    if isinstance(outputs, str | bytes | Mapping) or not isinstance(outputs, Sequence):
        raise TypeError("outputs must be a list of arrays, one per layer (as layer_outputs "
                        f"returns them), got {type(outputs).__name__}")
    if len(outputs) == 0:
        raise ValueError("outputs must hold at least one layer's activations")
    bins = check_int("bins", bins, minimum=1)
    outputs = [as_float_array(f"outputs[{i}]", v, np.float64) for i, v in enumerate(outputs)]
    names = check_names("names", names, len(outputs))
    if check_axes(ax) is None:
        _, ax = plt.subplots()
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(outputs)))
    for i, (values, colour) in enumerate(zip(outputs, colours, strict=True)):
        label = names[i] if names is not None else f"layer {i + 1}"
        ax.hist(np.ravel(values), bins=bins, histtype="step", color=colour, label=label,
                density=True)
    ax.set_xlabel("activation")
    ax.set_ylabel("density")
    if len(outputs) <= 10:
        ax.legend(ncol=2)
    if title:
        ax.set_title(title)
    return ax


def plot_update_ratios(
    ratios: Any,
    layer_names: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
    steps: Sequence[int] | None = None,
    title: str | None = None,
) -> plt.Axes:
    """log10 of the update:weight ratio per layer over training, with the 1e-3 reference.

    ``ratios`` is shaped (records, layers), as :class:`vgutils.callbacks.UpdateRatioMonitor`
    stores it.
    """
    if isinstance(ratios, dict):
        raise TypeError("ratios must be a 2-D array (records, layers), as "
                        "UpdateRatioMonitor.ratios holds it, got dict")
    ratios = as_float_array("ratios", ratios, np.float64)
    if ratios.ndim != 2 or ratios.size == 0:
        raise ValueError(f"ratios must be a non-empty 2-D array (records, layers), got shape "
                         f"{ratios.shape}")
    if (ratios < 0).any():
        raise ValueError("ratios must be >= 0 (update sizes over weight sizes), got negative "
                         "values")
    layer_names = check_names("layer_names", layer_names, ratios.shape[1])
    if steps is not None:
        steps = as_float_array("steps", steps, np.float64)
        if steps.shape != (len(ratios),):
            raise ValueError(f"steps must hold one step per record ({len(ratios)}), got shape "
                             f"{steps.shape}")
    if check_axes(ax) is None:
        _, ax = plt.subplots()
    x = np.arange(1, len(ratios) + 1) if steps is None else steps
    colours = plt.cm.viridis(np.linspace(0, 0.9, ratios.shape[1]))
    with np.errstate(divide="ignore"):
        for j in range(ratios.shape[1]):
            label = layer_names[j] if layer_names is not None else f"layer {j + 1}"
            ax.plot(x, np.log10(ratios[:, j]), color=colours[j], label=label, lw=1.2)
    ax.axhline(-3, color="k", ls="--", lw=1, label="1e-3 (rule of thumb)")
    ax.set_xlabel("training step")
    ax.set_ylabel("log10 update / weight")
    if ratios.shape[1] <= 10:
        ax.legend(ncol=2)
    if title:
        ax.set_title(title)
    return ax
