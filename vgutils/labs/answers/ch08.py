"""Answer keys of chapter 8 (residual shortcuts and depth).

The references are computed another way than the chapter computes them: the mean-square
growth of a zero-mean branch by Monte Carlo over many weight draws, the Jacobian products by
central finite differences of the blocks themselves, the width effect by a larger simulation.
"""

from __future__ import annotations

import numpy as np

from vgutils.exercises import Feedback, check_choice, check_value
from vgutils.labs.answers import key


@key("8.1")
def _zero_mean_growth(prediction_1, width: int = 32, blocks: int = 64) -> Feedback:
    alpha = 1 / np.sqrt(blocks)
    rng = np.random.default_rng(8_1)
    draws = 4000
    h = rng.normal(size=width)
    w1 = rng.normal(0, np.sqrt(2 / width), (draws, width, width))
    w2 = rng.normal(0, np.sqrt(1 / width), (draws, width, width))
    branch = np.einsum("dij,dj->di", w2, np.maximum(np.einsum("dij,j->di", w1, h), 0))
    per_block = np.mean(np.sum((h + alpha * branch) ** 2, axis=1)) / np.sum(h**2)
    return check_value(prediction_1, per_block ** (blocks / 2), name="prediction_1", rtol=0.03,
                       hint="by how much does one block multiply the expected mean square of "
                       "h? The cross term has mean 0, because W2 has mean 0; the growth of "
                       "the root mean square over all blocks is the square root of the product")


def _finite_difference_jacobian(W: np.ndarray, h: np.ndarray, alpha: float) -> np.ndarray:
    def block(v):
        return v + alpha * np.maximum(W @ v, 0)

    eps = 1e-6
    columns = [(block(h + eps * e) - block(h - eps * e)) / (2 * eps) for e in np.eye(len(h))]
    return np.stack(columns, axis=1)


@key("8.2")
def _condition(answer_2, Ws=None, h0=None) -> Feedback:
    if Ws is None or h0 is None:
        return Feedback(False, "this check needs the chapter's matrices and start: "
                        "answers.check('8.2', answer_2, Ws=Ws, h0=h0).")
    Ws, h = np.asarray(Ws, np.float64), np.asarray(h0, np.float64)
    alpha = 1 / np.sqrt(len(Ws))
    product = np.eye(len(h))
    for W in Ws:
        product = _finite_difference_jacobian(W, h, alpha) @ product
        h = h + alpha * np.maximum(W @ h, 0)
    s = np.linalg.svd(product, compute_uv=False)
    return check_value(answer_2, np.log10(s[0] / s[-1]), name="answer_2", rtol=1e-4,
                       hint="use residual=True and alpha = 1 / sqrt(L); the ratio is largest "
                       "over smallest singular value, then its base-10 logarithm")


_WIDTH_CHOICES = ["the fall shrinks with width", "the fall does not depend on width",
                  "the fall grows with width"]


def _rms_ratios(width: int, draws: int = 30, blocks: int = 64, points: int = 8) -> np.ndarray:
    """RMS after ``blocks`` plain He-normal ReLU blocks over before, for ``draws`` weight draws."""
    rng = np.random.default_rng(8_3)
    h = rng.normal(size=(draws, points, width))  # all draws at once, one weight draw each
    start = np.sqrt(np.mean(h**2, axis=(1, 2)))
    for _ in range(blocks):
        h = np.maximum(h @ rng.normal(0, np.sqrt(2 / width), (draws, width, width)), 0)
    return np.sqrt(np.mean(h**2, axis=(1, 2))) / start


@key("8.3")
def _finite_width(rms_ratio, answer_3) -> Feedback:
    if rms_ratio is None:
        return Feedback(False, "rms_ratio is not set yet; run the experiment in the cell above.")
    try:
        runs = {int(w): np.asarray(r, np.float64).ravel() for w, r in dict(rms_ratio).items()}
    except (TypeError, ValueError, OverflowError):
        return Feedback(False, "rms_ratio should be a dict {width: one ratio per seed}, e.g. "
                        "{32: [...], 128: [...]}.")
    if not {32, 128} <= set(runs):
        return Feedback(False, f"rms_ratio has the widths {sorted(runs)}; the exercise asks "
                        "for 32 (the chapter's) and 128.")
    if any(r.size < 5 for r in runs.values()):
        return Feedback(False, "repeat each width over at least 5 seeds (vg.seeds(5)): three "
                        "draws of so noisy a ratio can point either way.")
    if not all(np.all(np.isfinite(r) & (r > 0)) for r in runs.values()):
        return Feedback(False, "rms_ratio holds a ratio that is not a positive finite number.")
    medians = {w: float(np.median(runs[w])) for w in (32, 128)}
    for w in (32, 128):  # the student's median must be one that such draws give
        reference = _rms_ratios(w)
        if not reference.min() / 3 <= medians[w] <= reference.max() * 3:
            return Feedback(False, f"at width {w} your median ratio, {medians[w]:.2g}, is not "
                            "what 64 plain He-normal ReLU blocks give; check the blocks and the "
                            "weights' variance.", about_value=True)
    # the verdict is read off the student's own runs: three seeds may point either way
    gap = abs(np.log(medians[128])) - abs(np.log(medians[32]))
    truth = ("the fall shrinks with width" if gap < -0.5 else
             "the fall grows with width" if gap > 0.5 else "the fall does not depend on width")
    return check_choice(answer_3, truth, _WIDTH_CHOICES, name="answer_3",
                        hint="compare your median ratio of each width with 1, on a log scale; "
                        "three seeds vary a lot, so look at the medians")
