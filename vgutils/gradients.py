"""Gradients measured: per layer, per time step, and by finite differences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ._checks import as_float_array, check_bool, check_finite, check_model, check_number, check_xy

__all__ = [
    "loss_and_gradients",
    "dense_layers",
    "weight_matrices",
    "weight_gradient_norms",
    "get_loss",
    "layer_gradient_norms",
    "time_step_gradient_norms",
    "finite_difference",
]

Loss = str | Callable[[Any, Any], Any]


def dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    """The model's Dense layers, ordered from input to output.

    Raises:
        TypeError: if ``model`` is not a Keras model.
        ValueError: if the model has no Dense layer.
    """
    check_model(model)
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not layers:
        raise ValueError(f"model {model.name!r} has no Dense layers to measure")
    return layers


_RECURRENT = (keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU)


def weight_matrices(model: keras.Model) -> list[tuple[str, Any]]:
    """The weight matrices a gradient monitor watches, input to output, with their names.

    Dense layers give their ``kernel`` (named after the layer); recurrent layers (SimpleRNN,
    LSTM, GRU) give ``<layer>/kernel`` and ``<layer>/recurrent_kernel``; convolution layers
    give their ``kernel``. Works for Sequential and functional models.

    Raises:
        TypeError: if ``model`` is not a Keras model.
        ValueError: if the model has none of these layers.
    """
    check_model(model)
    found: list[tuple[str, Any]] = []
    for layer in model.layers:
        if isinstance(layer, _RECURRENT):
            found.append((f"{layer.name}/kernel", layer.cell.kernel))
            found.append((f"{layer.name}/recurrent_kernel", layer.cell.recurrent_kernel))
        elif isinstance(layer, keras.layers.Dense) or (
            hasattr(layer, "kernel") and "Conv" in type(layer).__name__
        ):
            found.append((layer.name, layer.kernel))
    if not found:
        raise ValueError(
            f"model {model.name!r} has no Dense, recurrent or convolution layers whose "
            "gradients could be measured"
        )
    return found


def weight_gradient_norms(
    model: keras.Model, x: Any, y: Any, loss: Loss, training: bool = True
) -> tuple[list[str], np.ndarray]:
    """Names and gradient norms of every matrix of :func:`weight_matrices`, input to output.

    Like :func:`layer_gradient_norms`, but recurrent layers contribute their input and their
    recurrent kernel. Returns ``(names, norms)``.
    """
    training = check_bool("training", training)
    pairs = weight_matrices(model)
    loss_fn = get_loss(loss)
    x, y = check_xy(model, x, y)
    _, grads = _loss_and_grads(model, loss_fn, x, y, [v for _, v in pairs], training)
    norms = [0.0 if g is None else float(tf.norm(tf.cast(g, tf.float64))) for g in grads]
    return [name for name, _ in pairs], np.array(norms, dtype=np.float64)


def get_loss(loss: Loss) -> Callable[[Any, Any], Any]:
    """A Keras loss from a name (``"mse"``, ``"binary_crossentropy"``, ...) or a callable."""
    if isinstance(loss, str):
        try:
            return keras.losses.get(loss)
        except ValueError:
            raise ValueError(
                f"loss {loss!r} is not a Keras loss name; try e.g. 'mse', "
                "'binary_crossentropy' or a callable loss(y_true, y_pred)"
            ) from None
    if isinstance(loss, type):
        raise TypeError(f"loss must be a name, a function or a loss object, got the class "
                        f"{loss.__name__}; write {loss.__name__}() with parentheses")
    if callable(loss):
        return loss
    raise TypeError(f"loss must be a name or a callable, got {type(loss).__name__}")


def _loss_values(loss_fn, y, y_pred):
    """``loss_fn(y, y_pred)`` as a float tensor, or an error naming ``loss``."""
    out = loss_fn(tf.convert_to_tensor(y), y_pred)
    if out is None:
        raise TypeError("loss must return the loss of each example (a number or a tensor), "
                        "got None")
    try:
        out = tf.convert_to_tensor(out)
    except (TypeError, ValueError):
        raise TypeError(f"loss must return numbers, got {type(out).__name__}") from None
    if not out.dtype.is_floating:
        raise TypeError(f"loss must return floating-point numbers, got {out.dtype.name}")
    return out


def _mean_loss(loss_fn, y, y_pred):
    return tf.reduce_mean(_loss_values(loss_fn, y, y_pred))


def _check_loss_output(loss_fn, model, x, y) -> None:
    """Call the loss once, eagerly, on two examples: a bad loss fails here in one sentence
    rather than deep inside a traced training step."""
    _loss_values(loss_fn, y[:2], model(x[:2], training=False))


def _loss_and_grads(model, loss_fn, x, y, variables, training, forward=None):
    """Mean loss and its gradients with respect to ``variables`` (or to the input ``x`` when
    ``variables`` is None), leaving the model's state as it was.

    The one place the toolkit computes a loss and its gradients: every measurement calls it
    (eagerly, or inside a compiled function as GradientMonitor does). A forward pass in
    training mode updates non-trainable state (batch norm's moving statistics, dropout's
    seed); measuring must not change the model, so that state is restored.

    ``forward``, when given, runs the model instead of ``model(x)``: ``forward(x, tape)``
    returns ``(y_pred, tensors)``, having watched ``tensors`` (hidden outputs, say), and the
    gradients are taken with respect to them.
    """
    state = list(model.non_trainable_variables)
    saved = [tf.identity(v) for v in state]
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        if forward is not None:
            y_pred, targets = forward(x, tape)
        else:
            if variables is None:
                tape.watch(x)
            y_pred = model(x, training=training)
            targets = x if variables is None else variables
        value = _mean_loss(loss_fn, y, y_pred)
    grads = tape.gradient(value, targets)
    for v, old in zip(state, saved, strict=True):
        v.assign(old)
    return value, grads


def loss_and_gradients(
    model: keras.Model, x: Any, y: Any, loss: Loss, wrt: Any = None, training: bool = True
) -> tuple[float, list[np.ndarray | None] | np.ndarray]:
    """The mean loss on ``(x, y)`` and its gradients, without changing the model.

    Every gradient the toolkit reports (per layer, per weight matrix, per time step, in
    :func:`vgutils.diagnose` and :class:`vgutils.GradientMonitor`) comes from this one
    computation. Batch norm's moving statistics and any other non-trainable state are
    restored afterwards, so measuring in training mode leaves the model as it was.

    Args:
        model: a built Keras model.
        x, y: inputs and targets, with the same number of rows; ``x`` must fit the model.
        loss: a Keras loss name or a callable ``loss(y_true, y_pred)``.
        wrt: what to differentiate with respect to: None for all trainable variables, a
            list of the model's variables, or ``"inputs"`` for the input ``x``.
        training: run the model in training mode (batch norm uses batch statistics, as in
            ``fit``).

    Returns:
        ``(loss, gradients)``: the loss as a float; the gradients as float64 arrays, one per
        variable (None where the loss does not depend on it), or one array of ``x``'s shape
        for ``wrt="inputs"``.

    Raises:
        TypeError: if ``model`` is not a Keras model or ``wrt`` is neither None, "inputs"
            nor a list of variables.
    """
    training = check_bool("training", training)
    check_model(model)
    loss_fn = get_loss(loss)
    x, y = check_xy(model, x, y)
    if isinstance(wrt, str):
        if wrt != "inputs":
            raise ValueError(f"wrt must be None, 'inputs' or a list of variables, got {wrt!r}")
        value, grad = _loss_and_grads(model, loss_fn, x, y, None, training)
        return float(value), np.asarray(grad, dtype=np.float64)
    variables = list(model.trainable_variables) if wrt is None else wrt
    if not isinstance(variables, list | tuple) or not all(
            isinstance(v, keras.Variable | tf.Variable) for v in variables):
        raise TypeError("wrt must be None, 'inputs' or a list of the model's variables, got "
                        f"{type(wrt).__name__}")
    own = {id(v) for v in model.variables}
    if not all(id(v) in own for v in variables):
        raise ValueError("wrt must hold the model's own variables (model.trainable_variables); "
                         "some belong to another model")
    value, grads = _loss_and_grads(model, loss_fn, x, y, list(variables), training)
    return float(value), [None if g is None else np.asarray(g, dtype=np.float64) for g in grads]


def layer_gradient_norms(
    model: keras.Model, x: Any, y: Any, loss: Loss, training: bool = True
) -> np.ndarray:
    """L2 norm of the gradient of the mean loss with respect to each Dense layer's kernel.

    Args:
        model: a Keras model with at least one Dense layer.
        x, y: inputs and targets, with the same number of rows; ``x`` must fit the model.
        loss: a Keras loss name or a callable ``loss(y_true, y_pred)``.
        training: run the model in training mode (batch norm uses batch statistics, as in
            ``fit``).

    Returns:
        float64 array with one norm per Dense layer, ordered from input to output.
    """
    training = check_bool("training", training)
    layers = dense_layers(model)
    loss_fn = get_loss(loss)
    x, y = check_xy(model, x, y)
    kernels = [layer.kernel for layer in layers]
    _, grads = _loss_and_grads(model, loss_fn, x, y, kernels, training)
    return np.array(
        [0.0 if g is None else float(tf.norm(tf.cast(g, tf.float64))) for g in grads],
        dtype=np.float64,
    )


def time_step_gradient_norms(
    model: keras.Model, x: Any, y: Any, loss: Loss, training: bool = False
) -> np.ndarray:
    """How much the loss depends on each time step of a sequence input.

    For inputs of shape ``(n, T, d)`` returns an array of length ``T``: entry t is the L2
    norm of dL/dx[:, t, :] over examples and features, L being the mean loss. In a network
    with vanishing gradients through time the entries fall towards t = 0.
    """
    training = check_bool("training", training)
    x, y = check_xy(model, x, y)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (n, steps, features), got {x.shape}")
    _, g = _loss_and_grads(model, get_loss(loss), x, y, None, training)
    g = tf.cast(g, tf.float64)
    return np.sqrt(tf.reduce_sum(g * g, axis=[0, 2]).numpy())


def _scalar(f: Callable[[np.ndarray], Any], x: np.ndarray) -> float:
    value = f(x if x.ndim else float(x))
    if value is None or isinstance(value, str | bytes):
        raise TypeError(f"f must return one number, got {type(value).__name__}")
    try:
        return float(np.asarray(value, dtype=np.float64).item())
    except (TypeError, ValueError):
        raise TypeError(f"f must return one number, got {type(value).__name__} "
                        f"{np.shape(value) if hasattr(value, 'shape') else ''}".rstrip()) from None


def finite_difference(f: Callable[[np.ndarray], Any], x: Any, eps: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of a scalar function: (f(x + eps e_i) - f(x - eps e_i)) / 2eps.

    Works in float64; the error of each entry is O(eps^2) for a smooth ``f``.

    Args:
        f: function of an array (or a float) returning a scalar.
        x: point at which to differentiate (a number or an array).
        eps: step, > 0.

    Returns:
        float64 array of the shape of ``x``.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable, got {type(f).__name__}")
    eps = check_number("eps", eps, above=0)
    x = np.array(check_finite("x", as_float_array("x", x, np.float64)), dtype=np.float64)
    grad = np.zeros_like(x)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + eps
        up = _scalar(f, x)
        flat_x[i] = old - eps
        down = _scalar(f, x)
        flat_x[i] = old
        flat_g[i] = (up - down) / (2 * eps)
    return grad
