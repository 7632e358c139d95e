"""Model builders: the same few networks, rebuilt with one thing changed at a time.

Every builder takes a ``seed``; the same seed gives the same initial weights, because each
layer's initialiser is given its own seed derived from it.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ._checks import check_bool, check_int, check_seed

__all__ = ["deep_mlp", "residual_mlp", "recurrent_model", "make_initializer", "make_activation"]

Initializer = str | keras.initializers.Initializer
Activation = str | Any


def make_initializer(initializer: Initializer, seed: int, name: str = "initializer"):
    """A fresh Keras initialiser from a name or an object, re-seeded with ``seed``.

    Objects are copied through their config, so the caller's object is never shared between
    layers (an unseeded Keras initialiser reused across layers would repeat its values).
    """
    seed = check_int("seed", seed, minimum=0, maximum=2**31 - 1)  # a per-layer seed: int32
    if isinstance(initializer, type):
        raise TypeError(f"{name} must be a name or an initializer object, got the class "
                        f"{initializer.__name__}; write {initializer.__name__}() with parentheses")
    if isinstance(initializer, str):
        try:
            obj = keras.initializers.get(initializer)
        except ValueError:
            raise ValueError(
                f"{name} {initializer!r} is not a Keras initializer name; try e.g. "
                "'glorot_uniform', 'glorot_normal', 'he_normal', 'he_uniform', 'lecun_normal', "
                "'orthogonal' or a keras.initializers object"
            ) from None
    elif isinstance(initializer, keras.initializers.Initializer):
        obj = initializer
    else:
        raise TypeError(
            f"{name} must be a Keras initializer name or object, got "
            f"{type(initializer).__name__}"
        )
    config = obj.get_config()
    if "seed" in config:
        config["seed"] = seed
    return obj.__class__.from_config(config)


def make_activation(activation: Activation, name: str = "activation"):
    """Check an activation name or callable and return it in a form Keras accepts."""
    if isinstance(activation, type):
        raise TypeError(f"{name} must be a name, a function or a layer object, got the class "
                        f"{activation.__name__}; write {activation.__name__}(...) with "
                        "parentheses")
    if isinstance(activation, str):
        try:
            keras.activations.get(activation)
        except ValueError:
            raise ValueError(
                f"{name} {activation!r} is not a Keras activation name; try e.g. 'sigmoid', "
                "'tanh', 'relu', 'leaky_relu', 'elu', 'selu', 'gelu', 'linear'"
            ) from None
        return activation
    if isinstance(activation, np.ufunc):
        raise TypeError(f"{name} must work on tensors: NumPy's {activation.__name__} does not "
                        f"inside a Keras model; use the name {activation.__name__!r} or "
                        f"keras.ops.{activation.__name__}")
    if callable(activation):
        return activation
    raise TypeError(f"{name} must be a name or a callable, got {type(activation).__name__}")


def _activation_layer(activation: Activation, name: str) -> keras.layers.Layer:
    if isinstance(activation, keras.layers.Layer):
        return activation.__class__.from_config({**activation.get_config(), "name": name})
    return keras.layers.Activation(activation, name=name)


_ACTIVATION_LAYERS = (keras.layers.Activation, keras.layers.LeakyReLU, keras.layers.ELU,
                      keras.layers.ReLU, keras.layers.PReLU, keras.layers.Softmax)


def _check_mlp_args(depth, width, input_dim, output_dim, seed, activation, output_activation,
                    initializer) -> tuple[int, int, int, int, int]:
    """Validate the arguments the MLP builders share, before anything is built."""
    checked = tuple(
        check_int(name, value, minimum=minimum)
        for name, value, minimum in [("depth", depth, 1), ("width", width, 1),
                                     ("input_dim", input_dim, 1), ("output_dim", output_dim, 1)]
    ) + (check_seed("seed", seed),)
    if isinstance(activation, keras.layers.Layer):
        if not isinstance(activation, _ACTIVATION_LAYERS):
            raise TypeError(f"activation must be an activation (a name, a function or a layer "
                            f"such as LeakyReLU(...)), got the layer {type(activation).__name__}")
    else:
        make_activation(activation)
    if output_activation is not None:
        make_activation(output_activation, "output_activation")
    make_initializer(initializer, checked[-1])
    return checked


def deep_mlp(
    depth: int,
    width: int,
    activation: Activation = "sigmoid",
    initializer: Initializer = "glorot_uniform",
    batch_norm: bool = False,
    input_dim: int = 2,
    output_dim: int = 1,
    output_activation: Activation | None = "sigmoid",
    seed: int = 0,
    use_bias: bool | None = None,
) -> keras.Model:
    """A fully connected network of ``depth`` hidden layers of ``width`` units.

    Each hidden block is ``Dense`` (no activation) -> optional ``BatchNormalization`` ->
    ``Activation``, named ``dense_i``, ``bn_i``, ``act_i`` for i = 1..depth; then the ``output``
    Dense layer. Keeping the activation as its own layer lets probes read pre-activations.

    Args:
        depth: number of hidden layers, >= 1.
        width: units per hidden layer, >= 1.
        activation: Keras activation name (``"sigmoid"``, ``"relu"``, ...), a callable, or a
            Keras layer such as ``keras.layers.LeakyReLU(negative_slope=0.1)``.
        initializer: Keras initializer name or object, used for every kernel (output included).
        batch_norm: insert ``BatchNormalization`` between each hidden Dense and its activation.
        input_dim, output_dim: sizes of the input and the output.
        output_activation: activation of the output layer (``None`` or ``"linear"`` for none).
        seed: the same seed gives the same initial weights.
        use_bias: whether hidden Dense layers have a bias; by default they do, except with
            batch norm, whose shift beta makes a bias redundant.

    Returns:
        An uncompiled ``keras.Model``.
    """
    depth, width, input_dim, output_dim, seed = _check_mlp_args(
        depth, width, input_dim, output_dim, seed, activation, output_activation, initializer
    )
    batch_norm = check_bool("batch_norm", batch_norm)
    use_bias = not batch_norm if use_bias is None else check_bool("use_bias", use_bias)

    inputs = keras.Input(shape=(input_dim,), name="input")
    h = inputs
    for i in range(1, depth + 1):
        h = keras.layers.Dense(
            width,
            use_bias=use_bias,
            kernel_initializer=make_initializer(initializer, seed * 1000 + i),
            name=f"dense_{i}",
        )(h)
        if batch_norm:
            h = keras.layers.BatchNormalization(name=f"bn_{i}")(h)
        h = _activation_layer(activation, f"act_{i}")(h)
    outputs = keras.layers.Dense(
        output_dim,
        activation=output_activation,
        kernel_initializer=make_initializer(initializer, seed * 1000 + depth + 1),
        name="output",
    )(h)
    return keras.Model(inputs, outputs, name=f"mlp_{depth}x{width}")


def residual_mlp(
    depth: int,
    width: int,
    activation: Activation = "relu",
    initializer: Initializer = "he_normal",
    residual: bool = True,
    batch_norm: bool = False,
    input_dim: int = 2,
    output_dim: int = 1,
    output_activation: Activation | None = "sigmoid",
    seed: int = 0,
) -> keras.Model:
    """A deep network of ``depth`` hidden blocks, each with an optional identity shortcut.

    An input Dense layer ``stem`` maps the input to ``width`` units; then each block i computes
    ``h <- h + act(Dense(h))`` (or ``h <- act(Dense(h))`` with ``residual=False``), with the
    Dense layer named ``dense_i``; then the ``output`` Dense layer. With the same ``seed`` the
    plain and the residual network start from exactly the same weights, so a comparison changes
    only the shortcut.

    Args:
        depth: number of hidden blocks, >= 1.
        width: units per block, >= 1.
        activation, initializer, batch_norm, input_dim, output_dim, output_activation, seed:
            as in :func:`deep_mlp` (batch norm goes between each Dense and its activation).
        residual: add the identity shortcut around each block.

    Returns:
        An uncompiled ``keras.Model``.
    """
    residual = check_bool("residual", residual)
    batch_norm = check_bool("batch_norm", batch_norm)
    depth, width, input_dim, output_dim, seed = _check_mlp_args(
        depth, width, input_dim, output_dim, seed, activation, output_activation, initializer
    )

    inputs = keras.Input(shape=(input_dim,), name="input")
    h = keras.layers.Dense(
        width, kernel_initializer=make_initializer(initializer, seed * 1000), name="stem"
    )(inputs)
    for i in range(1, depth + 1):
        f = keras.layers.Dense(
            width,
            use_bias=not batch_norm,
            kernel_initializer=make_initializer(initializer, seed * 1000 + i),
            name=f"dense_{i}",
        )(h)
        if batch_norm:
            f = keras.layers.BatchNormalization(name=f"bn_{i}")(f)
        f = _activation_layer(activation, f"act_{i}")(f)
        h = keras.layers.Add(name=f"add_{i}")([h, f]) if residual else f
    outputs = keras.layers.Dense(
        output_dim,
        activation=output_activation,
        kernel_initializer=make_initializer(initializer, seed * 1000 + depth + 1),
        name="output",
    )(h)
    kind = "residual" if residual else "plain"
    return keras.Model(inputs, outputs, name=f"{kind}_{depth}x{width}")


_CELLS = {"simple": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def recurrent_model(
    cell: str,
    units: int,
    length: int,
    input_dim: int = 2,
    output_dim: int = 1,
    output_activation: Activation | None = None,
    recurrent_initializer: Initializer = "orthogonal",
    activation: Activation = "tanh",
    seed: int = 0,
) -> keras.Model:
    """A one-layer recurrent network read out from its last state: ``input -> rnn -> output``.

    Args:
        cell: ``"simple"`` (SimpleRNN), ``"lstm"`` or ``"gru"``.
        units: size of the hidden state, >= 1.
        length: number of time steps of the input, >= 1.
        input_dim, output_dim: sizes of each step's input and of the output.
        output_activation: activation of the output Dense layer (``None`` for regression).
        recurrent_initializer: initializer of the recurrent kernel (Keras's default is
            ``"orthogonal"``); pass e.g. ``keras.initializers.Orthogonal(gain=1.5)`` to scale it.
        activation: the cell's activation (``"tanh"`` is Keras's default).
        seed: the same seed gives the same initial weights.

    Returns:
        An uncompiled ``keras.Model`` whose recurrent layer is named ``rnn``.
    """
    if not isinstance(cell, str) or cell not in _CELLS:
        raise ValueError(f"cell must be one of {sorted(_CELLS)}, got {cell!r}")
    units = check_int("units", units, minimum=1)
    length = check_int("length", length, minimum=1)
    input_dim = check_int("input_dim", input_dim, minimum=1)
    output_dim = check_int("output_dim", output_dim, minimum=1)
    seed = check_seed("seed", seed)
    make_activation(activation)
    if output_activation is not None:
        make_activation(output_activation, "output_activation")
    inputs = keras.Input(shape=(length, input_dim), name="input")
    h = _CELLS[cell](
        units,
        activation=activation,
        kernel_initializer=make_initializer("glorot_uniform", seed * 1000 + 1),
        recurrent_initializer=make_initializer(
            recurrent_initializer, seed * 1000 + 2, "recurrent_initializer"
        ),
        name="rnn",
    )(inputs)
    outputs = keras.layers.Dense(
        output_dim,
        activation=output_activation,
        kernel_initializer=make_initializer("glorot_uniform", seed * 1000 + 3),
        name="output",
    )(h)
    return keras.Model(inputs, outputs, name=f"{cell}_{units}")
