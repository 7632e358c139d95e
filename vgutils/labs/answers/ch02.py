"""Answer keys of chapter 2 (sigmoid and tanh saturation)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from vgutils.exercises import Feedback, check_value
from vgutils.labs.answers import key


def _sigmoid_slope(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return e / (1 + e) ** 2


def _threshold(fraction: float) -> float:
    """The |z| beyond which sigma'(z) < fraction / 4, by bisection on the slope itself."""
    lo, hi = 0.0, 50.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _sigmoid_slope(np.float64(mid)) >= fraction / 4 else (lo, mid)
    return hi


@key("2.1")
def _half_saturated(answer_1) -> Feedback:
    z_star = _threshold(0.01)

    def share(s: float) -> float:  # P(|z| > z*) for z ~ N(0, s^2)
        return math.erfc(z_star / (s * math.sqrt(2)))

    lo, hi = 1e-3, 1e3  # share(s) rises with s: bisect for share = 1/2
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if share(mid) < 0.5 else (lo, mid)
    return check_value(answer_1, hi, name="answer_1", rtol=1e-3,
                       hint="first find the new threshold z*, then the spread s at which "
                            "P(|z| > z*) is one half; sampling 10^6 values of z checks it")


@key("2.2")
def _predicted_factor(prediction_2, pre=None) -> Feedback:
    try:
        spread = float(np.mean([np.std(np.asarray(z, dtype=np.float64)) for z in pre]))
    except (TypeError, ValueError):
        spread = float("nan")
    if not np.isfinite(spread) or spread <= 0:
        return Feedback(False, "this check needs the pre-activations measured above: pass "
                        "pre=pre.")
    # sqrt(nv) = 2 times rms sigma'(z) for z ~ N(0, (2 spread)^2), by Gauss-Hermite quadrature
    nodes, weights = np.polynomial.hermite_e.hermegauss(101)
    rms = math.sqrt(float(np.sum(weights * _sigmoid_slope(2 * spread * nodes) ** 2)
                          / np.sum(weights)))
    return check_value(prediction_2, 2 * rms, name="prediction_2", rtol=0.02,
                       hint="the estimate has two parts: the new weight scale sqrt(nv), and "
                            "the rms of sigma' over pre-activations spread twice as wide as "
                            "measured above")


@key("2.3")
def _float32_step(answer_3) -> Feedback:
    def moves(g: float) -> bool:
        w = np.float32(0.5)
        return bool(w - np.float32(0.1) * np.float32(g) != w)

    lo, hi = 0.0, 1e-3  # bisection for the smallest positive g that moves the weight
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if moves(mid) else (mid, hi)
    return check_value(answer_3, hi, name="answer_3", rtol=0.005,
                       hint="update np.float32(0.5) with gradients just above and just below "
                            "your answer; the first should move the weight, the second not.")


def _ratio(before: list, after: list) -> float:
    """Median over the hidden layers of mean |W_after - W_before| / mean |W_before|."""
    return float(np.median([np.mean(np.abs(np.asarray(a, np.float64) - b)) / np.mean(np.abs(b))
                            for b, a in zip(before[:-1], after[:-1], strict=True)]))


@key("2.4")
def _control(ratio_4, runs=None) -> Feedback:
    if ratio_4 is None:
        return Feedback(False, "ratio_4 is not set yet; run your experiment in the cell above.")
    if not isinstance(ratio_4, Mapping) or set(ratio_4) != {"glorot_uniform", "he_normal"}:
        return Feedback(False, "ratio_4 should be a dict with the two keys 'glorot_uniform' "
                        "and 'he_normal', each a list of ratios (one per seed).")
    got = {}
    for name, values in ratio_4.items():
        try:
            v = np.asarray(values, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            return Feedback(False, f"ratio_4[{name!r}] should be a list of numbers.")
        if v.size < 3:
            return Feedback(False, f"ratio_4[{name!r}] has {v.size} seed(s); use at least 3.")
        if not np.all(np.isfinite(v) & (v > 0)):
            return Feedback(False, f"the ratios in ratio_4[{name!r}] should be positive numbers.")
        got[name] = v
    try:
        reference = np.array([_ratio(r[0], r[1]) for r in runs["relu"]])
    except (TypeError, KeyError, IndexError, ValueError):
        return Feedback(False, "this check needs the one-epoch runs of the chapter: pass "
                        "runs=runs.")
    glorot = got["glorot_uniform"]
    if glorot.size > reference.size or not np.allclose(glorot, reference[:glorot.size],
                                                       rtol=1e-3):
        return Feedback(False, "the Glorot ratios are not those of the ReLU runs above (seed by "
                        "seed: the median over the 15 hidden layers of mean |W_after - "
                        "W_before| / mean |W_before|).", about_value=True)
    he = got["he_normal"]
    if not np.all((he > 1e-4) & (he < 1)):
        return Feedback(False, "some he_normal ratio lies outside any plausible range for one "
                        "epoch of 16 SGD steps at learning rate 0.1; check how you trained it.",
                        about_value=True)
    if not np.min(he) > 10 * np.max(glorot):
        return Feedback(False, "in your runs He's weights do not move at least ten times more, "
                        "relative to their size, than Glorot's in every seed; check the "
                        "experiment.", about_value=True)
    return Feedback(True, "your ratios separate the two initialisations in every seed, by more "
                    "than a factor 10.")
