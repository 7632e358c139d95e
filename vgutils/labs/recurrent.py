"""Gradients through time of a plain recurrence, in NumPy: the maths of chapters 10 and 11.

A recurrent network with state ``h_t`` computes ``h_t = phi(W_h h_{t-1} + W_x x_t + b)``
(``W_h`` the recurrent matrix, ``W_x`` the input matrix; the NumPy functions here take
``W_x = I``, ``b = 0`` and call the recurrent matrix ``W``). Its Jacobian from one step to the
next is ``J_t = dh_t/dh_{t-1} = diag(phi'(a_t)) W_h`` (``a_t`` the pre-activation), and
the gradient of a late state with respect to an earlier one is the
product ``dh_T/dh_t = J_T J_{T-1} ... J_{t+1}``. The functions here build recurrent matrices
of a chosen spectral radius, compute the norms of those products for every lag ``T - t``,
fit the slope of their logarithm, draw the unrolled network, and measure two things in Keras
models: the ratio of the first to the last time step's gradient of a SimpleRNN, and the mean
gate values of an LSTM or GRU.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._checks import (
    as_float_array,
    check_axes,
    check_finite,
    check_int,
    check_model,
    check_number,
)

__all__ = [
    "spectral_radius",
    "matrix_with_spectral_radius",
    "jacobian_product_norms",
    "log_slope",
    "draw_unrolled",
    "simple_rnn_log_ratio",
    "mean_gate_values",
    "gate_path_factor",
]

_KINDS = ("orthogonal", "gaussian")
_ACTIVATIONS = ("linear", "tanh", "sigmoid")


def _check_square(name: str, matrix: np.ndarray) -> np.ndarray:
    matrix = check_finite(name, as_float_array(name, matrix, np.float64))
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {matrix.shape}")
    return matrix


def spectral_radius(matrix: np.ndarray) -> float:
    """The largest absolute value of the eigenvalues of a square matrix."""
    matrix = _check_square("matrix", matrix)
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def matrix_with_spectral_radius(
    n: int, rho: float, kind: str = "orthogonal", seed: int = 0
) -> np.ndarray:
    """An ``n x n`` random matrix whose spectral radius is exactly ``rho``.

    Args:
        n: size, >= 1.
        rho: the spectral radius wanted, > 0.
        kind: ``"orthogonal"`` gives ``rho * Q`` with ``Q`` a random orthogonal matrix: a
            normal matrix whose eigenvalues *and* singular values all have size ``rho``, so
            ``||W^k|| = rho^k`` exactly. ``"gaussian"`` gives a matrix of independent normal
            entries rescaled to spectral radius ``rho``: not normal, its largest singular value
            exceeds ``rho`` (about ``2 rho`` for large ``n``), and ``||W^k||^(1/k)`` reaches
            ``rho`` only as ``k`` grows (Gelfand's formula).
        seed: seed of the NumPy generator.

    Returns:
        float64 array of shape ``(n, n)``.
    """
    n = check_int("n", n, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    rho = check_number("rho", rho, above=0)
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n))
    if kind == "orthogonal":
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))  # the sign fix makes Q uniformly (Haar) distributed
        return float(rho) * q
    return float(rho) * a / spectral_radius(a)


def jacobian_product_norms(
    W: np.ndarray,
    steps: int,
    activation: str = "linear",
    input_scale: float = 1.0,
    seed: int = 0,
    burn_in: int = 0,
) -> np.ndarray:
    """Spectral norms of ``dh_T/dh_t`` for every lag ``T - t = 0 .. steps``.

    Runs ``h_t = phi(W h_{t-1} + x_t)`` for ``burn_in + steps`` steps from ``h_0 = 0`` with
    inputs ``x_t ~ N(0, input_scale^2)``, then multiplies the Jacobians ``J_t = diag(phi'(a_t)) W``
    backwards from the last step: entry ``k`` is ``||J_T J_{T-1} ... J_{T-k+1}||_2`` (entry 0
    is the identity, norm 1). For ``activation="linear"`` every ``J_t`` is ``W`` and entry
    ``k`` is ``||W^k||_2``; the inputs then do not matter.

    Args:
        W: the square recurrent matrix.
        steps: number of steps ``T``, >= 1.
        activation: ``"linear"``, ``"tanh"`` or ``"sigmoid"`` (``phi' <= 1/4``).
        input_scale: standard deviation of the inputs, >= 0.
        seed: seed of the inputs.
        burn_in: steps run first and left out of the product, >= 0: the Jacobians are those
            of the last ``steps`` steps, so the start-up transient after ``h_0 = 0`` (where
            ``tanh'`` is near 1) is not measured.

    Returns:
        float64 array of length ``steps + 1``.
    """
    W = _check_square("W", W)
    steps = check_int("steps", steps, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    burn_in = check_int("burn_in", burn_in, minimum=0)
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {activation!r}")
    input_scale = check_number("input_scale", input_scale, minimum=0)
    n = W.shape[0]
    rng = np.random.default_rng(seed)
    total = burn_in + steps
    inputs = rng.normal(0.0, float(input_scale), size=(total, n))
    slopes = np.ones((total, n))  # phi'(a_t), one row per step t = 1 .. T
    h = np.zeros(n)
    for t in range(total):
        a = W @ h + inputs[t]
        if activation == "tanh":
            h = np.tanh(a)
            slopes[t] = 1.0 - h**2
        elif activation == "sigmoid":
            h = _sigmoid(a)
            slopes[t] = h * (1.0 - h)
        else:
            h = a
    norms = np.ones(steps + 1)
    product = np.eye(n)
    for k in range(1, steps + 1):
        product = product @ (slopes[total - k][:, None] * W)  # J_T ... J_{T-k+1}
        norms[k] = np.linalg.norm(product, ord=2)
    return norms


def log_slope(norms: np.ndarray, start: int = 0, stop: int | None = None) -> float:
    """Least-squares slope of ``ln(norms[k])`` against ``k`` over ``start <= k < stop``.

    A geometric sequence ``c * r^k`` has slope ``ln r`` exactly.

    Raises:
        ValueError: if fewer than two entries are in range or any of them is not positive.
    """
    norms = as_float_array("norms", norms, np.float64)
    if norms.ndim != 1:
        raise ValueError(f"norms must be one-dimensional, got shape {norms.shape}")
    start = check_int("start", start, minimum=0)
    stop = len(norms) if stop is None else check_int("stop", stop, minimum=0)
    ks = np.arange(start, min(stop, len(norms)))
    if len(ks) < 2:
        raise ValueError(f"need at least two norms between start={start} and stop={stop}")
    values = norms[ks]
    if not np.all(np.isfinite(values) & (values > 0)):
        raise ValueError("norms must be finite and > 0 to take their logarithm")
    return float(np.polyfit(ks, np.log(values), 1)[0])


def draw_unrolled(steps: int = 5, truncate: int | None = None, ax: plt.Axes | None = None):
    """Draw a recurrent network unrolled over ``steps`` time steps.

    Inputs ``x_t`` (bottom, through ``W_x``) feed states ``h_t`` (middle) that share one
    recurrent matrix ``W_h`` along the
    chain; the loss ``L`` reads the last state. With ``truncate=k`` the steps are grouped in
    chunks of ``k``, each with its own loss ``L_j`` at its end: the state is carried forward
    across a chunk boundary, but the gradient is not sent back across it (truncated BPTT); the
    cut backward arrows are drawn crossed out.

    Returns:
        The matplotlib Axes.
    """
    steps = check_int("steps", steps, minimum=1)
    if truncate is not None:
        truncate = check_int("truncate", truncate, minimum=1)
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(1.5 * steps + 1.5, 2.8))
    box = {"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.2"}
    arrow = {"arrowstyle": "->", "color": "0.2", "lw": 1.2}
    back = {"arrowstyle": "->", "color": "tab:red", "lw": 1.2, "ls": "--"}
    for t in range(1, steps + 1):
        x = 1.5 * t
        ax.text(x, 0, f"$x_{{{t}}}$", ha="center", va="center", bbox=box)
        ax.text(x, 1, f"$h_{{{t}}}$", ha="center", va="center", bbox={**box, "fc": "#dbe9f6"})
        ax.annotate("", (x, 0.8), (x, 0.2), arrowprops=arrow)
        ax.text(x + 0.08, 0.5, "$W_x$", fontsize=8, va="center")
        left = 1.5 * (t - 1)
        if t == 1:
            ax.text(left, 1, "$h_0$", ha="center", va="center", bbox={**box, "fc": "#eeeeee"})
        cut = truncate is not None and (t - 1) % truncate == 0 and t > 1
        ax.annotate("", (x - 0.3, 1.05), (left + 0.3, 1.05), arrowprops=arrow)
        ax.text((x + left) / 2, 1.14, "$W_h$", ha="center", fontsize=9)
        ax.annotate("", (left + 0.3, 0.9), (x - 0.3, 0.9), arrowprops=back)
        if cut:
            ax.text((x + left) / 2, 0.9, "x", color="tab:red", ha="center", va="center",
                    fontsize=16, fontweight="bold")
            ax.axvline((x + left) / 2, ymin=0.05, ymax=0.95, color="0.5", lw=0.8, ls=":")
    last = 1.5 * steps
    ends = [steps] if truncate is None else sorted({*range(truncate, steps + 1, truncate), steps})
    for j, t in enumerate(ends, start=1):
        label = "$L$" if truncate is None else f"$L_{{{j}}}$"
        ax.text(1.5 * t, 2, label, ha="center", va="center", bbox={**box, "fc": "#f6dbdb"})
        ax.annotate("", (1.5 * t, 1.8), (1.5 * t, 1.2), arrowprops=arrow)
    ax.text(-0.4, -0.45, "forward: black    backward (gradient): red, dashed", fontsize=8,
            color="0.3")
    ax.set_xlim(-0.6, last + 0.6)
    ax.set_ylim(-0.6, 2.3)
    ax.axis("off")
    return ax


def simple_rnn_log_ratio(gain: float, X: np.ndarray, y: np.ndarray, units: int = 32,
                         seed: int = 0) -> float:
    """``log10(||dL/dx_1|| / ||dL/dx_T||)`` of a fresh SimpleRNN with recurrent gain ``gain``.

    Builds ``recurrent_model("simple", units, T, recurrent_initializer=Orthogonal(gain),
    seed=seed)`` for inputs ``X`` of shape ``(n, T, d)`` and measures the gradient norms of the
    mean squared error with respect to each input step (``time_step_gradient_norms``).

    Args:
        gain: the gain of the orthogonal recurrent initialiser, > 0.
        X, y: inputs ``(n, T, d)`` and targets ``(n, 1)``.
        units: size of the hidden state, >= 1.
        seed: seed of the model's initial weights.
    """
    import keras

    from ..gradients import time_step_gradient_norms
    from ..models import recurrent_model

    gain = check_number("gain", gain, above=0, maximum=1e6)
    X = check_finite("X", as_float_array("X", X))
    if X.ndim != 3:
        raise ValueError(f"X must have shape (n, T, d), got shape {X.shape}")
    units = check_int("units", units, minimum=1)
    model = recurrent_model("simple", units, X.shape[1], input_dim=X.shape[2], seed=seed,
                            recurrent_initializer=keras.initializers.Orthogonal(gain=gain))
    norms = time_step_gradient_norms(model, X, y, "mse")
    return float(np.log10(norms[0] / norms[-1]))


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def mean_gate_values(model, X: np.ndarray) -> np.ndarray:
    """Per-unit mean of the gate that carries the state: ``f_t`` (LSTM) or ``z_t`` (GRU).

    Re-runs the recurrent layer named ``rnn`` of ``model`` (as built by
    ``vgutils.models.recurrent_model``) in NumPy float64 on the sequences ``X`` and averages
    the forget gate ``f_t`` of an LSTM, or the update gate ``z_t`` of a GRU (Keras's
    ``reset_after=True`` form, ``h_t = z_t h_{t-1} + (1 - z_t) h~_t``), over sequences and
    time steps. These are the factors per step of the additive path.

    Args:
        model: a Keras model with an ``LSTM`` or ``GRU`` layer named ``rnn`` (sigmoid gates,
            tanh activation).
        X: inputs of shape ``(n, T, d)``.

    Returns:
        float64 array of shape ``(units,)``, one mean gate value per unit.
    """
    import keras

    check_model(model)
    names = [layer.name for layer in model.layers]
    if "rnn" not in names:
        raise ValueError(f"model must have a recurrent layer named 'rnn' (as recurrent_model "
                         f"builds it); model {model.name!r} has {names}")
    layer = model.get_layer("rnn")
    X = check_finite("X", as_float_array("X", X, np.float64))
    if X.ndim != 3 or len(X) == 0:
        raise ValueError(f"X must have shape (n, T, d) with n >= 1, got shape {X.shape}")
    if X.shape[2] != layer.cell.kernel.shape[0]:
        raise ValueError(f"X has {X.shape[2]} features per step, the layer 'rnn' takes "
                         f"{layer.cell.kernel.shape[0]}")
    if not isinstance(layer, keras.layers.LSTM | keras.layers.GRU):
        raise ValueError(f"model's layer 'rnn' must be an LSTM or a GRU, got "
                         f"{type(layer).__name__}")
    config = layer.get_config()
    if config.get("recurrent_activation") != "sigmoid" or config.get("activation") != "tanh":
        raise ValueError("model's layer 'rnn' must use sigmoid gates and tanh")
    kernel, recurrent, bias = (w.astype(np.float64) for w in layer.get_weights())
    u = recurrent.shape[0]
    n, steps, _ = X.shape
    h = np.zeros((n, u))
    total = np.zeros(u)
    if isinstance(layer, keras.layers.LSTM):
        c = np.zeros((n, u))
        for t in range(steps):
            a = X[:, t] @ kernel + h @ recurrent + bias
            i, f = _sigmoid(a[:, :u]), _sigmoid(a[:, u:2 * u])
            g, o = np.tanh(a[:, 2 * u:3 * u]), _sigmoid(a[:, 3 * u:])
            c = f * c + i * g
            h = o * np.tanh(c)
            total += f.sum(axis=0)
    else:
        if not config.get("reset_after", False):
            raise ValueError("model's GRU layer 'rnn' must use reset_after=True")
        for t in range(steps):
            ax = X[:, t] @ kernel + bias[0]
            ah = h @ recurrent + bias[1]
            z = _sigmoid(ax[:, :u] + ah[:, :u])
            r = _sigmoid(ax[:, u:2 * u] + ah[:, u:2 * u])
            candidate = np.tanh(ax[:, 2 * u:] + r * ah[:, 2 * u:])
            h = z * h + (1 - z) * candidate
            total += z.sum(axis=0)
    return total / (n * steps)


def gate_path_factor(bias: float, steps: int) -> float:
    """``sigmoid(bias) ** steps`` in float64: the factor of an additive gated path over ``steps``.

    If a gate (an LSTM's forget gate, a GRU's update gate) stays at ``sigmoid(bias)`` because
    its other inputs add nothing, the gradient along the path it carries is multiplied by that
    value once per step.

    Args:
        bias: the gate's pre-activation (a number).
        steps: number of steps, >= 0.
    """
    bias = check_number("bias", bias)
    steps = check_int("steps", steps, minimum=0)
    return float(_sigmoid(np.float64(bias)) ** steps)
