"""Synthetic data sets made on the spot from a seed: nothing is ever downloaded."""

from __future__ import annotations

import numpy as np

from ._checks import check_int, check_number, check_seed

__all__ = ["adding_problem", "spirals", "circles"]


def adding_problem(n: int, length: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem (Hochreiter & Schmidhuber 1997; in the form of Le, Jaitly & Hinton 2015).

    Each example is a sequence of ``length`` steps with two channels. Channel 0 holds values
    drawn from U(0, 1); channel 1 is 0 everywhere except at exactly two steps, where it is 1.0:
    one marker in the first half of the sequence and one in the second half. The target is the
    sum of the two marked values, so a model must carry a value across up to ``length - 1``
    steps. Always predicting 1 (the mean of the target) has an expected squared error of
    Var(X1 + X2) = 2/12 = 1/6.

    Args:
        n: number of sequences, >= 1.
        length: steps per sequence, >= 2.
        seed: seed of the NumPy generator.

    Returns:
        ``(X, y)``: ``X`` float32 of shape ``(n, length, 2)``, ``y`` float32 of shape ``(n, 1)``.
    """
    n = check_int("n", n, minimum=1)
    length = check_int("length", length, minimum=2)
    seed = check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n, length))
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)[:, None]
    return X, y


def spirals(
    n: int = 1000, turns: float = 1.5, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals in the plane: a small two-class task no linear model solves.

    Args:
        n: number of points, >= 2 (half in each class; the classes alternate, so the first
            ``k`` points are balanced for every even ``k``).
        turns: how many times each arm winds around the origin, > 0.
        noise: standard deviation of the Gaussian jitter added to each coordinate, >= 0.
        seed: seed of the NumPy generator.

    Returns:
        ``(X, y)``: ``X`` float32 ``(n, 2)`` with coordinates roughly in [-1, 1],
        ``y`` float32 ``(n, 1)`` of 0s and 1s.
    """
    n = check_int("n", n, minimum=2)
    seed = check_seed("seed", seed)
    turns = check_number("turns", turns, above=0, maximum=1e3)
    noise = check_number("noise", noise, minimum=0, maximum=1e3)
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    radius = np.sqrt(rng.uniform(0.0, 1.0, size=n)) * 0.9 + 0.1
    angle = radius * turns * 2 * np.pi + np.pi * labels
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    X = X + rng.normal(0.0, noise, size=X.shape) * radius[:, None]
    return X.astype(np.float32), labels.astype(np.float32)[:, None]


def circles(n: int = 1000, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A disc (class 1) inside a ring (class 0): an easy non-linear two-class task.

    Args:
        n: number of points, >= 2 (the classes alternate, as in :func:`spirals`).
        noise: standard deviation of the Gaussian jitter of the radius, >= 0.
        seed: seed of the NumPy generator.

    Returns:
        ``(X, y)``: ``X`` float32 ``(n, 2)``, ``y`` float32 ``(n, 1)`` of 0s and 1s.
    """
    n = check_int("n", n, minimum=2)
    seed = check_seed("seed", seed)
    noise = check_number("noise", noise, minimum=0, maximum=1e3)
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) + 1) % 2
    radius = np.where(labels == 1, 0.5, 1.0) + rng.normal(0.0, noise, size=n)
    angle = rng.uniform(0.0, 2 * np.pi, size=n)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return X.astype(np.float32), labels.astype(np.float32)[:, None]
