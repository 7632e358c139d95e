"""Gradients through time of a plain recurrence, in NumPy: the maths of chapters 10 and 11.

A recurrent network with state ``h_t`` computes ``h_t = phi(W h_{t-1} + x_t)``. Its Jacobian
from one step to the next is ``J_t = dh_t/dh_{t-1} = diag(phi'(a_t)) W`` (``a_t`` the
pre-activation), and the gradient of a late state with respect to an earlier one is the
product ``dh_T/dh_t = J_T J_{T-1} ... J_{t+1}``. The functions here build recurrent matrices
of a chosen spectral radius, compute the norms of those products for every lag ``T - t``,
fit the slope of their logarithm, and draw the unrolled network.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._checks import check_int

__all__ = [
    "spectral_radius",
    "matrix_with_spectral_radius",
    "jacobian_product_norms",
    "log_slope",
    "draw_unrolled",
]

_KINDS = ("orthogonal", "gaussian")
_ACTIVATIONS = ("linear", "tanh")


def _check_square(name: str, matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
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
    if not (isinstance(rho, int | float | np.floating) and rho > 0):
        raise ValueError(f"rho must be a number > 0, got {rho!r}")
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
) -> np.ndarray:
    """Spectral norms of ``dh_T/dh_t`` for every lag ``T - t = 0 .. steps``.

    Runs ``h_t = phi(W h_{t-1} + x_t)`` for ``steps`` steps from ``h_0 = 0`` with inputs
    ``x_t ~ N(0, input_scale^2)``, then multiplies the Jacobians ``J_t = diag(phi'(a_t)) W``
    backwards from the last step: entry ``k`` is ``||J_T J_{T-1} ... J_{T-k+1}||_2`` (entry 0
    is the identity, norm 1). For ``activation="linear"`` every ``J_t`` is ``W`` and entry
    ``k`` is ``||W^k||_2``; the inputs then do not matter.

    Args:
        W: the square recurrent matrix.
        steps: number of steps ``T``, >= 1.
        activation: ``"linear"`` or ``"tanh"``.
        input_scale: standard deviation of the inputs, >= 0.
        seed: seed of the inputs.

    Returns:
        float64 array of length ``steps + 1``.
    """
    W = _check_square("W", W)
    steps = check_int("steps", steps, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {activation!r}")
    if not (isinstance(input_scale, int | float | np.floating) and input_scale >= 0):
        raise ValueError(f"input_scale must be a number >= 0, got {input_scale!r}")
    n = W.shape[0]
    rng = np.random.default_rng(seed)
    inputs = rng.normal(0.0, float(input_scale), size=(steps, n))
    slopes = np.ones((steps, n))  # phi'(a_t), one row per step t = 1 .. T
    h = np.zeros(n)
    for t in range(steps):
        a = W @ h + inputs[t]
        if activation == "tanh":
            h = np.tanh(a)
            slopes[t] = 1.0 - h**2
        else:
            h = a
    norms = np.ones(steps + 1)
    product = np.eye(n)
    for k in range(1, steps + 1):
        product = product @ (slopes[steps - k][:, None] * W)  # J_T ... J_{T-k+1}
        norms[k] = np.linalg.norm(product, ord=2)
    return norms


def log_slope(norms: np.ndarray, start: int = 0, stop: int | None = None) -> float:
    """Least-squares slope of ``ln(norms[k])`` against ``k`` over ``start <= k < stop``.

    A geometric sequence ``c * r^k`` has slope ``ln r`` exactly.

    Raises:
        ValueError: if fewer than two entries are in range or any of them is not positive.
    """
    norms = np.asarray(norms, dtype=np.float64)
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

    Inputs ``x_t`` (bottom) feed states ``h_t`` (middle) that share one matrix ``W`` along the
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
    if ax is None:
        _, ax = plt.subplots(figsize=(1.5 * steps + 1.5, 2.8))
    box = {"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.2"}
    arrow = {"arrowstyle": "->", "color": "0.2", "lw": 1.2}
    back = {"arrowstyle": "->", "color": "tab:red", "lw": 1.2, "ls": "--"}
    for t in range(1, steps + 1):
        x = 1.5 * t
        ax.text(x, 0, f"$x_{{{t}}}$", ha="center", va="center", bbox=box)
        ax.text(x, 1, f"$h_{{{t}}}$", ha="center", va="center", bbox={**box, "fc": "#dbe9f6"})
        ax.annotate("", (x, 0.8), (x, 0.2), arrowprops=arrow)
        ax.text(x + 0.08, 0.5, "$U$", fontsize=8, va="center")
        left = 1.5 * (t - 1)
        if t == 1:
            ax.text(left, 1, "$h_0$", ha="center", va="center", bbox={**box, "fc": "#eeeeee"})
        cut = truncate is not None and (t - 1) % truncate == 0 and t > 1
        ax.annotate("", (x - 0.3, 1.05), (left + 0.3, 1.05), arrowprops=arrow)
        ax.text((x + left) / 2, 1.14, "$W$", ha="center", fontsize=9)
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
