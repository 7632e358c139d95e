"""Looking inside a network: activation statistics per layer."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ._checks import as_float_array, check_bool, check_finite, check_model, check_x

__all__ = [
    "activation_layers",
    "layer_outputs",
    "activation_stats",
    "update_ratio",
    "SATURATION",
]

#: A unit is saturated on an example when its activation's derivative there is below this
#: share of the derivative's maximum (sigmoid: s(1-s) < 0.025; tanh: 1 - t^2 < 0.1).
SATURATION = 0.1


def _activation_name(layer: keras.layers.Layer) -> str:
    act = getattr(layer, "activation", None)
    return getattr(act, "__name__", "") if act is not None else ""


def activation_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers whose outputs are a hidden layer's activations, input to output.

    These are the separate activation layers (``Activation``, ``LeakyReLU``, ``ELU``, ``ReLU``)
    if the model has any (as :func:`vgutils.models.deep_mlp` builds it); otherwise the hidden
    Dense layers with a non-linear activation of their own (``Dense(64, activation="relu")``),
    the last Dense layer (the output) excepted.
    """
    check_model(model)
    kinds = (keras.layers.Activation, keras.layers.LeakyReLU, keras.layers.ELU, keras.layers.ReLU)
    layers = [layer for layer in model.layers if isinstance(layer, kinds)]
    if not layers:
        dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        layers = [d for d in dense[:-1] if _activation_name(d) not in ("", "linear")]
    if not layers:
        raise ValueError(
            f"model {model.name!r} has no hidden activations to probe: no activation layers and "
            "no hidden Dense layer with a non-linear activation"
        )
    return layers


def layer_outputs(
    model: keras.Model, x: Any, layers: list[keras.layers.Layer], training: bool = False
) -> list[np.ndarray]:
    """The outputs of the given layers of ``model`` on ``x``, as NumPy arrays."""
    x = check_x(model, x)
    if not isinstance(layers, list | tuple) or not all(
            isinstance(layer, keras.layers.Layer) for layer in layers):
        raise TypeError("layers must be a list of the model's layers, got "
                        f"{type(layers).__name__}")
    if not layers:
        raise ValueError("layers must hold at least one of the model's layers, got none")
    own = {id(layer) for layer in model.layers}
    for layer in layers:
        if id(layer) not in own:
            raise ValueError(f"layers must be the model's own layers; {layer.name!r} is not "
                             f"one of model {model.name!r}'s")
    training = check_bool("training", training)
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError(f"model {model.name!r} has no defined input (a subclassed model?); "
                         "build it as a functional or Sequential model starting with "
                         "keras.Input")
    probe = keras.Model(inputs[0] if len(inputs) == 1 else inputs,
                        [layer.output for layer in layers])
    outs = probe(x, training=training)
    if not isinstance(outs, list | tuple):
        outs = [outs]
    return [np.asarray(o, dtype=np.float64) for o in outs]


def _saturated(name: str, a: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return a * (1 - a) < SATURATION * 0.25
    if name == "tanh":
        return 1 - a**2 < SATURATION
    return np.zeros_like(a, dtype=bool)


def activation_stats(model: keras.Model, x: Any, training: bool = False
                     ) -> dict[str, np.ndarray]:
    """Statistics of each activation layer's output on ``x``.

    By default in inference mode; ``training=True`` runs the model as ``fit`` does (batch
    normalisation then uses the statistics of ``x`` itself, not its running averages).

    Returns a dict of arrays with one entry per activation layer, input to output:
        ``name``: layer names;
        ``mean``, ``std``: mean and standard deviation over examples and units;
        ``saturated``: share of (example, unit) pairs where a sigmoid or tanh unit is saturated
        (its derivative below ``SATURATION`` = 10 % of the maximum); 0 for other activations;
        ``dead``: share of units whose output is exactly 0 on every example (a dead ReLU).
    """
    layers = activation_layers(model)
    outs = layer_outputs(model, x, layers, training=training)
    names, mean, std, sat, dead = [], [], [], [], []
    for layer, a in zip(layers, outs, strict=True):
        act_name = _activation_name(layer)
        names.append(layer.name)
        mean.append(a.mean())
        std.append(a.std())
        sat.append(_saturated(act_name, a).mean())
        dead.append(np.all(a.reshape(len(a), -1) == 0, axis=0).mean())
    return {
        "name": np.array(names),
        "mean": np.array(mean),
        "std": np.array(std),
        "saturated": np.array(sat),
        "dead": np.array(dead),
    }


def update_ratio(before: Any, after: Any) -> float:
    """How big an update was relative to the weights: std(after - before) / std(before).

    Karpathy's rule of thumb for a healthy learning rate is a ratio of about 1e-3 per step.
    Returns ``inf`` for weights with zero spread (e.g. zero-initialised) that moved, 0 if
    nothing moved.
    """
    before = check_finite("before", as_float_array("before", before, np.float64))
    after = check_finite("after", as_float_array("after", after, np.float64))
    if before.ndim == 0 or before.size == 0:
        raise ValueError(f"before must be a non-empty array of weights, got shape "
                         f"{before.shape}")
    if before.shape != after.shape:
        raise ValueError(f"before and after must have the same shape, got {before.shape} and "
                         f"{after.shape}")
    change = float(np.std(after - before))
    scale = float(np.std(before))
    if scale == 0:
        return 0.0 if change == 0 else float("inf")
    return change / scale
