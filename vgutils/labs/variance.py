"""The variance argument behind weight initialisation, measured in NumPy.

A deep fully connected network without biases, ``z_l = h_{l-1} W_l`` and ``h_l = f(z_l)``
(row vectors, ``W_l`` of shape ``(fan_in, fan_out)`` like a Keras kernel), is run forward on
random inputs and backward from a random output gradient, and the spread of the signal is
recorded layer by layer. This is the measurement the initialisation rules of LeCun, Glorot &
Bengio and He et al. are derived for. :func:`sample_kernels` draws the kernels with Keras's
own initialisers and the seeds :func:`vgutils.models.deep_mlp` uses, so the NumPy pass can be
checked against the same network in Keras.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._checks import as_float_array, check_finite, check_int, check_number, check_seed
from ..models import Initializer, make_initializer
from .activations import ACTIVATIONS, derivative
from .activations import activation as apply_activation

__all__ = [
    "RULES",
    "init_variance",
    "gaussian_expectation",
    "gaussian_variance",
    "forward_variance",
    "sample_kernels",
    "propagate",
]

#: Var[W] of each initialisation rule as a function of (fan_in, fan_out).
RULES: dict[str, Callable[[int, int], float]] = {
    "lecun": lambda fan_in, fan_out: 1.0 / fan_in,
    "glorot": lambda fan_in, fan_out: 2.0 / (fan_in + fan_out),
    "he": lambda fan_in, fan_out: 2.0 / fan_in,
}


def init_variance(rule: str, fan_in: int, fan_out: int) -> float:
    """The weight variance Var[W] prescribed by ``rule`` for a layer of the given fans.

    ``"lecun"``: 1/fan_in (LeCun et al. 1998); ``"glorot"``: 2/(fan_in + fan_out) (Glorot &
    Bengio 2010); ``"he"``: 2/fan_in (He et al. 2015).

    Raises:
        ValueError: if ``rule`` is unknown or a fan is < 1.
    """
    if not isinstance(rule, str) or rule not in RULES:
        raise ValueError(f"rule must be one of {sorted(RULES)}, got {rule!r}")
    fan_in = check_int("fan_in", fan_in, minimum=1)
    fan_out = check_int("fan_out", fan_out, minimum=1)
    return RULES[rule](fan_in, fan_out)


def gaussian_expectation(
    f: Callable[[np.ndarray], Any], mean: float = 0.0, std: float = 1.0, points: int = 200_001
) -> float:
    """E[f(Z)] for Z ~ N(mean, std^2), by the trapezoidal rule on mean +- 12 std.

    ``f`` must accept a float64 array. The grid has ``points`` points (odd, so that ``mean``
    is one of them: a kink of ``f`` there, like ReLU's, costs no accuracy). For functions that
    grow at most polynomially the truncation error is below 1e-30 and the error of the rule is
    of order (24 std / points)^2.

    Raises:
        TypeError: if ``f`` is not callable.
        ValueError: if ``std`` <= 0 or ``points`` is not an odd int >= 3.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable, got {type(f).__name__}")
    std = check_number("std", std, above=0)
    mean = check_number("mean", mean)
    points = check_int("points", points, minimum=3)
    if points % 2 == 0:
        raise ValueError(f"points must be odd (so that the mean is a grid point), got {points}")
    u = np.linspace(-12.0, 12.0, points)
    density = np.exp(-0.5 * u**2) / np.sqrt(2 * np.pi)
    try:
        values = np.asarray(f(mean + std * u), dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"f must return numbers for an array of points ({error})") from None
    if values.shape != u.shape:
        raise ValueError(f"f must return one value per point: {u.shape[0]} points gave shape "
                         f"{values.shape}")
    values = values * density
    step = u[1] - u[0]
    return float(step * (values.sum() - 0.5 * (values[0] + values[-1])))


def gaussian_variance(
    f: Callable[[np.ndarray], Any], mean: float = 0.0, std: float = 1.0, points: int = 200_001
) -> float:
    """Var[f(Z)] = E[f(Z)^2] - E[f(Z)]^2 for Z ~ N(mean, std^2), both by quadrature.

    The arguments are those of :func:`gaussian_expectation` (and checked there).
    """
    first = gaussian_expectation(f, mean=mean, std=std, points=points)
    second = gaussian_expectation(lambda u: np.asarray(f(u), dtype=np.float64) ** 2,
                                  mean=mean, std=std, points=points)
    return second - first**2


def _check_activation(activation: Any) -> None:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")


def forward_variance(
    var_w: float, width: int, depth: int, activation: str, input_var: float = 1.0
) -> np.ndarray:
    """Var[z_l] for l = 1..depth predicted by the forward recursion of the variance argument.

    Every layer has fan-in ``width`` and weights of variance ``var_w``, no biases, and inputs
    with E[x^2] = ``input_var``: Var[z_1] = width var_w input_var, then
    Var[z_l] = width var_w E[f(z_{l-1})^2] with z_{l-1} ~ N(0, Var[z_{l-1}]), the expectation
    computed by :func:`gaussian_expectation` (for ReLU it is Var[z_{l-1}] / 2).

    Raises:
        ValueError: if ``var_w`` or ``input_var`` is not > 0, ``width`` or ``depth`` < 1, or
            ``activation`` is unknown to ``vgutils.labs.activations``.
    """
    var_w = check_number("var_w", var_w, above=0)
    input_var = check_number("input_var", input_var, above=0)
    width = check_int("width", width, minimum=1)
    depth = check_int("depth", depth, minimum=1)
    _check_activation(activation)
    out = [width * var_w * input_var]
    if not np.isfinite(out[0]):
        raise ValueError(f"var_w, width and input_var give a first-layer variance of "
                         f"{out[0]:g}: too large for a float")
    for _ in range(depth - 1):
        second = gaussian_expectation(lambda u: apply_activation(activation, u) ** 2,
                                      std=float(np.sqrt(out[-1])))
        out.append(width * var_w * second)
    return np.array(out)


def sample_kernels(
    initializer: Initializer, depth: int, width: int, input_dim: int | None = None, seed: int = 0
) -> list[np.ndarray]:
    """``depth`` kernels drawn by a Keras initialiser, as float64 NumPy arrays.

    Kernel i (1-based) has shape ``(input_dim, width)`` for i = 1 and ``(width, width)`` after,
    and is drawn with the seed ``seed * 1000 + i``: exactly the hidden kernels
    ``dense_1 ... dense_depth`` of ``vgutils.models.deep_mlp(depth, width, ...,
    initializer=initializer, input_dim=input_dim, seed=seed)``.

    Args:
        initializer: a Keras initialiser name (``"he_normal"``) or object
            (``keras.initializers.RandomNormal(stddev=0.01)``).
        depth: number of kernels, >= 1.
        width: units per layer, >= 1.
        input_dim: fan-in of the first kernel (default: ``width``).
        seed: non-negative int.
    """
    depth = check_int("depth", depth, minimum=1)
    width = check_int("width", width, minimum=1)
    input_dim = width if input_dim is None else check_int("input_dim", input_dim, minimum=1)
    seed = check_seed("seed", seed)
    kernels = []
    for i in range(1, depth + 1):
        init = make_initializer(initializer, seed * 1000 + i)
        shape = (input_dim if i == 1 else width, width)
        kernels.append(np.asarray(init(shape, dtype="float32"), dtype=np.float64))
    return kernels


def propagate(
    kernels: Sequence[np.ndarray], activation: str, x: Any, top_grad: Any
) -> dict[str, np.ndarray]:
    """Run the network forward on ``x`` and back-propagate ``top_grad`` from its last layer.

    The network is ``z_l = h_{l-1} W_l``, ``h_l = f(z_l)`` for l = 1..L with ``h_0 = x`` and
    no biases; ``f`` is ``vgutils.labs.activations.activation(activation, .)``. The loss is
    ``J = mean over examples of sum(top_grad * h_L)``, so ``top_grad`` is dJ/dh_L of each
    example, and ``delta_l = dJ/dz_l`` (per example) follows the backward recursion
    ``delta_l = f'(z_l) * (delta_{l+1} W_{l+1}^T)``.

    Args:
        kernels: L arrays; kernel l has shape (width of layer l-1, width of layer l).
        activation: a name known to ``vgutils.labs.activations`` (``"relu"``, ``"tanh"``, ...).
        x: inputs, shape (examples, fan_in of the first kernel).
        top_grad: dJ/dh_L, shape (examples, fan_out of the last kernel).

    Returns:
        float64 arrays with one entry per layer, input to output:
        ``z_std`` and ``h_std``, the standard deviations of pre-activations and activations
        over examples and units; ``delta_std``, that of dJ/dz_l; ``grad_norm``, the L2 norm
        of dJ/dW_l = h_{l-1}^T delta_l / examples (what ``layer_gradient_norms`` reports).

    Raises:
        ValueError: if ``kernels`` is empty or the shapes do not chain.
    """
    if isinstance(kernels, np.ndarray) or not isinstance(kernels, Sequence):
        raise TypeError(f"kernels must be a list of 2-D arrays, one per layer, got "
                        f"{type(kernels).__name__}")
    if len(kernels) == 0:
        raise ValueError("kernels must hold at least one kernel")
    _check_activation(activation)
    ws = [check_finite(f"kernels[{i}]", as_float_array(f"kernels[{i}]", w, np.float64))
          for i, w in enumerate(kernels)]
    for i, w in enumerate(ws):
        if w.ndim != 2:
            raise ValueError(f"kernels[{i}] must be 2-D (fan_in, fan_out), got shape {w.shape}")
    h = check_finite("x", as_float_array("x", x, np.float64))
    g = check_finite("top_grad", as_float_array("top_grad", top_grad, np.float64))
    if h.ndim != 2 or h.shape[1] != ws[0].shape[0]:
        raise ValueError(f"x must have shape (examples, {ws[0].shape[0]}), got {h.shape}")
    if g.shape != (h.shape[0], ws[-1].shape[1]):
        raise ValueError(
            f"top_grad must have shape {(h.shape[0], ws[-1].shape[1])}, got {g.shape}"
        )
    for i in range(1, len(ws)):
        if ws[i].shape[0] != ws[i - 1].shape[1]:
            raise ValueError(
                f"kernel {i + 1} has fan_in {ws[i].shape[0]} but kernel {i} has fan_out "
                f"{ws[i - 1].shape[1]}"
            )
    hs, zs = [h], []
    for w in ws:
        zs.append(hs[-1] @ w)
        hs.append(apply_activation(activation, zs[-1]))
    deltas = [None] * len(ws)
    upstream = g
    for i in range(len(ws) - 1, -1, -1):
        deltas[i] = derivative(activation, zs[i]) * upstream
        upstream = deltas[i] @ ws[i].T
    n = h.shape[0]
    return {
        "z_std": np.array([z.std() for z in zs]),
        "h_std": np.array([a.std() for a in hs[1:]]),
        "delta_std": np.array([d.std() for d in deltas]),
        "grad_norm": np.array([np.linalg.norm(hs[i].T @ deltas[i] / n) for i in range(len(ws))]),
    }
