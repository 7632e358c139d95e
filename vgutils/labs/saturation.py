"""Saturation, backward signals and plain SGD steps watched one by one (chapters 2 and 3).

The definition of a saturated unit is the one of :mod:`vgutils.probes`: its derivative is
below ``SATURATION`` (10 %) of the activation's maximal derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from math import atanh, log, sqrt
from statistics import NormalDist
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from .._checks import check_int, check_xy
from ..gradients import Loss, _loss_and_grads, dense_layers, get_loss
from ..probes import SATURATION, activation_layers
from ..repeats import models_over_seeds

__all__ = [
    "saturation_threshold",
    "saturated_share",
    "backward_signal_norms",
    "per_layer_factor",
    "sgd",
    "sgd_over_seeds",
]


def _check_share(share: float) -> float:
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share < 1:
        raise ValueError(f"share must be a number strictly between 0 and 1, got {share!r}")
    return float(share)


def saturation_threshold(name: str, share: float = SATURATION) -> float:
    """The |z| beyond which ``name``'s derivative is below ``share`` of its maximum.

    sigmoid: s(1 - s) = share/4 at s = (1 + sqrt(1 - share))/2, so z* = log(s/(1 - s)).
    tanh: 1 - t^2 = share at t = sqrt(1 - share), so z* = atanh(sqrt(1 - share)).
    Since sigmoid(z) = (1 + tanh(z/2))/2, the sigmoid's threshold is twice the tanh's.

    Args:
        name: ``"sigmoid"`` or ``"tanh"``.
        share: the fraction of the maximal derivative, strictly between 0 and 1.
    """
    share = _check_share(share)
    if name == "sigmoid":
        s = (1 + sqrt(1 - share)) / 2
        return log(s / (1 - s))
    if name == "tanh":
        return atanh(sqrt(1 - share))
    raise ValueError(f"name must be 'sigmoid' or 'tanh', got {name!r}")


def saturated_share(name: str, std: float, share: float = SATURATION) -> float:
    """Probability that z ~ N(0, std^2) lands where ``name`` is saturated: 2(1 - Phi(z*/std)).

    Args:
        name: ``"sigmoid"`` or ``"tanh"``.
        std: standard deviation of the pre-activation, > 0.
        share: the saturation definition (see :func:`saturation_threshold`).
    """
    if isinstance(std, bool) or not isinstance(std, int | float | np.floating) or not std > 0:
        raise ValueError(f"std must be a number > 0, got {std!r}")
    z_star = saturation_threshold(name, share)
    return 2 * (1 - NormalDist().cdf(z_star / float(std)))


def backward_signal_norms(model: keras.Model, x: Any, y: Any, loss: Loss) -> np.ndarray:
    """L2 norm of dL/dh_k, the gradient of the mean loss with respect to each hidden output.

    ``h_k`` is the output of the k-th activation layer (``act_k`` of
    :func:`vgutils.models.deep_mlp`), over all examples and units. This is the signal that
    backpropagation carries from layer to layer; a kernel's gradient is built from it and from
    the layer's input (dL/dW_k = h_{k-1}^T dL/dz_k).

    The model must be a plain chain (each layer feeds the next), as ``deep_mlp`` builds; it
    runs in training mode, like :func:`vgutils.gradients.layer_gradient_norms`, through the
    same loss-and-gradient computation (batch norm's moving statistics are left as they were).

    Returns:
        float64 array with one norm per activation layer, ordered from input to output.
    """
    acts = activation_layers(model)
    loss_fn = get_loss(loss)
    x, y = check_xy(model, x, y)
    chain = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    previous = model.inputs[0]
    for layer in chain:
        if layer.input is not previous:
            raise ValueError(
                f"model {model.name!r} is not a plain chain (layer {layer.name!r} does not take "
                "the previous layer's output); build it with vgutils.models.deep_mlp"
            )
        previous = layer.output
    def forward(h, tape):  # the chain run layer by layer, watching each hidden output
        outputs = []
        for layer in chain:
            h = layer(h, training=True)
            if layer in acts:
                tape.watch(h)
                outputs.append(h)
        return h, outputs

    _, grads = _loss_and_grads(model, loss_fn, x, y, None, True, forward=forward)
    return np.array([float(tf.norm(tf.cast(g, tf.float64))) for g in grads], dtype=np.float64)


def per_layer_factor(norms: Any, first: int = 1, last: int | None = None) -> float:
    """The factor by which a norm is multiplied per layer on the way from output to input.

    Fits a straight line to log10(norms) against the layer index (input to output) over layers
    ``first``..``last`` (1-based, inclusive) and returns 10**(-slope): below 1 the norms shrink
    towards the input (vanishing), above 1 they grow (exploding).

    Args:
        norms: positive numbers, one per layer, input to output.
        first, last: the layers used for the fit (default: all).
    """
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 1 or len(norms) < 2:
        raise ValueError(f"norms must be a 1-D sequence of at least 2 values, got {norms.shape}")
    last = len(norms) if last is None else check_int("last", last)
    first = check_int("first", first, minimum=1)
    if not 1 <= first < last <= len(norms):
        raise ValueError(f"need 1 <= first < last <= {len(norms)}, got first={first}, last={last}")
    part = norms[first - 1 : last]
    if not np.all(np.isfinite(part) & (part > 0)):
        raise ValueError("norms must be finite and > 0 in the fitted layers")
    slope = np.polyfit(np.arange(first, last + 1), np.log10(part), 1)[0]
    return float(10 ** (-slope))


def _check_rate(learning_rate: Any) -> float:
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, int | float) or not (
        learning_rate > 0
    ):
        raise ValueError(f"learning_rate must be a number > 0, got {learning_rate!r}")
    return float(learning_rate)


class _Stepper:
    """The traced gradient and update steps of plain SGD on one model (traced once, reused)."""

    def __init__(self, model: keras.Model, loss: Loss, learning_rate: float):
        loss_fn = get_loss(loss)
        weights = model.trainable_variables
        kernel_ids = {id(layer.kernel) for layer in dense_layers(model)}
        is_kernel = [id(v) in kernel_ids for v in weights]
        sums = [tf.Variable(tf.zeros(v.shape, tf.float64), trainable=False)
                for v, k in zip(weights, is_kernel, strict=True) if k]
        rate = tf.constant(learning_rate, tf.float32)
        self.sums = sums

        @tf.function
        def gradient(xb, yb):
            with tf.GradientTape() as tape:
                value = tf.reduce_mean(loss_fn(yb, model(xb, training=True)))
            grads = tape.gradient(value, weights)
            norm = tf.linalg.global_norm([tf.cast(g, tf.float64) for g in grads])
            return value, norm, grads

        @tf.function
        def apply(grads):
            j, ratios = 0, []
            for v, g, k in zip(weights, grads, is_kernel, strict=True):
                if k:
                    step = tf.cast(rate * g, tf.float64)
                    ratios.append(tf.norm(step) / tf.norm(tf.cast(v, tf.float64)))
                    sums[j].assign_sub(step)
                    j += 1
                v.assign_sub(rate * g)
            biggest = tf.reduce_max(tf.stack([tf.reduce_max(tf.abs(v)) for v in weights]))
            return biggest, tf.stack(ratios)

        self.gradient, self.apply = gradient, apply

    def run(self, x: np.ndarray, y: np.ndarray, steps: int, batch_size: int, seed: int
            ) -> dict[str, Any]:
        for s in self.sums:
            s.assign(tf.zeros_like(s))
        n = len(x)
        rng = np.random.default_rng(seed)
        order = np.arange(n)
        record: dict[str, list] = {"loss": [], "grad_norm": [], "max_weight": [],
                                   "update_ratio": []}
        nonfinite = None
        start = n
        for step in range(1, steps + 1):
            if start + batch_size > n:
                order, start = rng.permutation(n), 0
            idx = order[start : start + batch_size]
            start += batch_size
            value, norm, grads = self.gradient(tf.constant(x[idx]), tf.constant(y[idx]))
            record["loss"].append(float(value))
            record["grad_norm"].append(float(norm))
            if not (np.isfinite(record["loss"][-1]) and np.isfinite(record["grad_norm"][-1])):
                nonfinite = step
                break
            biggest, ratios = self.apply(grads)
            record["max_weight"].append(float(biggest))
            record["update_ratio"].append(ratios.numpy().astype(np.float64))
        out: dict[str, Any] = {k: np.array(v, dtype=np.float64) for k, v in record.items()}
        if not record["update_ratio"]:
            out["update_ratio"] = np.zeros((0, len(self.sums)))
        out["update"] = [s.numpy() for s in self.sums]
        out["nonfinite_step"] = nonfinite
        return out


def sgd(
    model: keras.Model,
    x: Any,
    y: Any,
    loss: Loss,
    learning_rate: float,
    steps: int,
    batch_size: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Plain SGD, ``W <- W - learning_rate * dL/dW`` on every weight, watched step by step.

    Batches are taken in a shuffled order (a fresh permutation from ``seed`` each epoch);
    ``batch_size=None`` means full-batch gradient descent. The run stops early at the first
    step whose loss or gradient is not finite (NaN or inf); that step is not applied.

    Returns a dict:
        ``loss``: the batch loss before each step taken (and the non-finite one, if any);
        ``grad_norm``: the global L2 norm of the gradient at each of those steps;
        ``max_weight``: the largest |weight| of the model after each step;
        ``update_ratio``: array (steps taken, Dense kernels): the size of each kernel's step
        relative to the kernel, ``||learning_rate * dL/dW|| / ||W||`` (input to output);
        ``update``: per Dense kernel (input to output), the float64 sum of
        ``-learning_rate * dL/dW`` over the steps taken, i.e. the change the float32
        gradients ask for before it is rounded into the float32 weights (compare with the
        actual change, from :func:`vgutils.training.kernels` snapshots);
        ``nonfinite_step``: the 1-based step whose loss or gradient was NaN/inf, else None.
    """
    steps = check_int("steps", steps, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    learning_rate = _check_rate(learning_rate)
    x, y = check_xy(model, x, y)
    batch_size = len(x) if batch_size is None else check_int("batch_size", batch_size, minimum=1)
    return _Stepper(model, loss, learning_rate).run(x, y, steps, batch_size, seed)


def sgd_over_seeds(
    build: Callable[[int], keras.Model],
    seeds: Iterable[int],
    x: Any,
    y: Any,
    loss: Loss,
    learning_rate: float,
    steps: int,
    batch_size: int | None = None,
) -> Iterator[tuple[int, keras.Model, dict[str, Any], list[np.ndarray]]]:
    """:func:`sgd` on ``build(seed)`` for each seed, with the SGD step traced only once.

    The first seed's model is kept; for each further seed ``build(seed)`` makes fresh initial
    weights, which are copied into it (building is cheap, tracing is not). Each run shuffles
    its batches with its own seed. The same model object is yielded every time, trained:
    measure it inside the loop.

    Yields:
        ``(seed, model, result, start)``: ``result`` as returned by :func:`sgd`, ``start``
        the Dense kernels before training (:func:`vgutils.training.kernels`).

    Raises:
        ValueError: if ``seeds`` is empty or ``build`` changes the architecture.
    """
    steps = check_int("steps", steps, minimum=1)
    learning_rate = _check_rate(learning_rate)
    stepper = None
    for seed, model in models_over_seeds(build, seeds):
        if stepper is None:
            x, y = check_xy(model, x, y)
            size = len(x) if batch_size is None else check_int("batch_size", batch_size,
                                                                minimum=1)
            stepper = _Stepper(model, loss, learning_rate)
        start = [np.array(layer.kernel.numpy(), copy=True) for layer in dense_layers(model)]
        yield seed, model, stepper.run(x, y, steps, size, seed), start
