"""Interactive explorers (ipywidgets) and the static figures that stand beside them.

An explorer needs a running kernel; the rendered book shows :func:`profile_figure` for a
few fixed settings instead, drawn by the same code that the explorer calls.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Sequence
from typing import Any

import keras
import matplotlib.pyplot as plt
import numpy as np

from .._checks import check_axes, check_bool, check_int, check_number
from ..data import spirals
from ..gradients import layer_gradient_norms
from ..models import deep_mlp

__all__ = ["INITIALIZERS", "gradient_profile", "profile_figure", "gradient_explorer"]

#: The initialisers an explorer offers, by label.
INITIALIZERS: dict[str, Any] = {
    "glorot_uniform": "glorot_uniform",
    "he_normal": "he_normal",
    "lecun_normal": "lecun_normal",
    "normal(std=0.01)": keras.initializers.RandomNormal(stddev=0.01),
    "normal(std=1.0)": keras.initializers.RandomNormal(stddev=1.0),
}
ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu"]


def _initializer(label: str):
    if not isinstance(label, str) or label not in INITIALIZERS:
        raise ValueError(f"initializer must be one of {list(INITIALIZERS)}, got {label!r}")
    return INITIALIZERS[label]


def gradient_profile(
    depth: int,
    activation: str,
    initializer: str,
    x: Any | None = None,
    y: Any | None = None,
    width: int = 32,
    clip: float | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Per-layer gradient norms of a fresh ``deep_mlp`` at initialisation (input to output).

    With ``clip``, the norms are those after clipping the kernels' gradients to a global norm
    of at most ``clip``: every layer is scaled by the same factor min(1, clip / global norm),
    so the profile's shape is unchanged. (Keras's ``global_clipnorm`` does the same over all
    trainable variables, biases included.)

    ``x, y`` default to 512 points of :func:`vgutils.data.spirals`.
    """
    if (x is None) != (y is None):
        raise ValueError("x and y go together: give both, or neither for the default spirals")
    if x is None:
        x, y = spirals(512, seed=seed)
    clip = None if clip is None else check_number("clip", clip, above=0)
    model = deep_mlp(depth, width, activation=activation, initializer=_initializer(initializer),
                     seed=seed)
    return _clipped(layer_gradient_norms(model, x, y, "binary_crossentropy"), clip)


def _clipped(norms: np.ndarray, clip: float | None) -> np.ndarray:
    """The per-layer norms after clipping their global norm to at most ``clip``."""
    if clip is None:
        return norms
    total = float(np.sqrt(np.sum(norms**2)))
    return norms * min(1.0, clip / total) if total > 0 else norms


def _draw_profile(ax: plt.Axes, norms: np.ndarray, label: str, **style) -> int:
    """One profile on a log axis; layers whose norm is exactly 0 are drawn as triangles on
    the bottom edge (a log axis has no 0). Returns how many layers were at 0."""
    layers = np.arange(1, len(norms) + 1)
    zero = ~(norms > 0)
    n_zero = int(zero.sum())
    if n_zero:
        label += f" ({n_zero} layer{'s' * (n_zero > 1)} exactly 0: \u25bc)"
    line = ax.plot(layers[~zero], norms[~zero], marker="o", ms=3, label=label, **style)[0]
    if n_zero:
        ax.plot(layers[zero], np.full(n_zero, 0.02), marker="v", ms=6, ls="none",
                color=line.get_color(), transform=ax.get_xaxis_transform(), clip_on=False)
    return n_zero


def profile_figure(
    settings: Sequence[dict[str, Any]],
    x: Any | None = None,
    y: Any | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    unclipped: bool = False,
) -> plt.Axes:
    """Draw :func:`gradient_profile` for each dict of settings on one log axis.

    Each dict holds the arguments of :func:`gradient_profile` (``depth``, ``activation``,
    ``initializer``, optionally ``clip``, ``width``, ``seed``). With ``unclipped``, a setting
    with a ``clip`` is drawn twice: without clipping (grey, dashed) and clipped. Layers whose
    norm underflows to exactly 0 are marked on the bottom edge instead of vanishing from the
    log axis.
    """
    if isinstance(settings, dict) or not isinstance(settings, list | tuple) or not all(
            isinstance(s, dict) for s in settings):
        raise TypeError("settings must be a list of dicts, one per curve (e.g. [{'depth': 10, "
                        "'activation': 'relu', 'initializer': 'he_normal'}])")
    if not settings:
        raise ValueError("settings must hold at least one dict of explorer settings")
    unclipped = check_bool("unclipped", unclipped)
    if check_axes(ax) is None:
        _, ax = plt.subplots()
    any_zero, any_positive = False, False
    for s in settings:
        clip = s.get("clip")
        norms = gradient_profile(x=x, y=y, **{**s, "clip": None})
        label = f"{s['activation']}, {s['initializer']}, depth {s['depth']}"
        if clip is not None and unclipped:
            _draw_profile(ax, norms, "without clipping", color="0.6", ls="--")
            any_positive |= bool(np.any(norms > 0))
        if clip is not None:
            label += f", clip {clip:g}"
            norms = _clipped(norms, check_number("clip", clip, above=0))
        any_zero |= _draw_profile(ax, norms, label) > 0
        any_positive |= bool(np.any(norms > 0))
    ax.set_yscale("log")
    if not any_positive:  # every norm is 0: no data to scale the axis to
        ax.set_ylim(1e-45, 1.0)
    ax.set_xlabel("layer (1 = nearest the input; last = output)")
    ax.set_ylabel("gradient norm at initialisation")
    if any_zero:
        ax.text(0.99, 0.06, "\u25bc = gradient exactly 0 in float32 (underflow)",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=8)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def gradient_explorer(
    x: Any | None = None,
    y: Any | None = None,
    depth: int = 10,
    activation: str = "sigmoid",
    initializer: str = "glorot_uniform",
    clipping: bool = False,
):
    """An ipywidgets explorer: depth, activation, initialiser (and a clipping threshold).

    Moving a control rebuilds the network and redraws its per-layer gradient norms. Returns
    the widget (display it as a cell's last expression). Needs a running kernel; next to it a
    notebook should show a static :func:`profile_figure`.
    """
    depth = check_int("depth", depth, minimum=2, maximum=40)
    clipping = check_bool("clipping", clipping)
    import ipywidgets as w

    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    _initializer(initializer)
    controls = {
        "depth": w.IntSlider(value=depth, min=2, max=40, description="depth"),
        "activation": w.Dropdown(options=ACTIVATIONS, value=activation, description="activation"),
        "initializer": w.Dropdown(options=list(INITIALIZERS), value=initializer,
                                  description="initializer"),
    }
    if clipping:  # from far below to far above a typical unclipped global norm
        controls["clip"] = w.FloatLogSlider(value=1.0, base=10, min=-3, max=9, step=0.25,
                                            description="clip at")
    out = w.Output()
    last = {}

    def redraw(**settings):
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.4, 3.4))
            profile_figure([settings], x=x, y=y, ax=ax, unclipped=True)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", bbox_inches="tight")
            last["png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
            plt.show()

    w.interactive_output(redraw, controls)
    rows = [w.HBox(list(controls.values())[:2]), w.HBox(list(controls.values())[2:]), out]
    return _explorer_box()(rows, last)


@functools.cache
def _explorer_box():
    import ipywidgets as w

    class ExplorerBox(w.VBox):
        """An explorer's box. Its display carries a PNG of the current figure beside the widget
        view: JupyterLab shows the widget once the cell has run, and the PNG where it cannot
        (a notebook opened, not yet run), instead of the widget's text repr."""

        def __init__(self, children, figure: dict):
            super().__init__(children)
            self._figure = figure

        def _repr_mimebundle_(self, **kwargs):
            data = super()._repr_mimebundle_(**kwargs)
            if "png" in self._figure:
                data["image/png"] = self._figure["png"]
            return data

    return ExplorerBox
