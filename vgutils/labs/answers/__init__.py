"""The exercises' answer keys, one module per chapter (``ch01`` ... ``ch12``), behind one call.

A chapter's test cell reads::

    answers.check_form("5.1", answer_1)
    ### BEGIN HIDDEN TESTS
    answers.check("5.1", answer_1)
    ### END HIDDEN TESTS

It passes the student's
answer (and, where the key needs them, the chapter's objects by name, e.g. ``X=X``), never
a reference value, so the visible cell neither shows nor computes the answer. The key
computes the expected value here, independently of the student's code, and the check

- returns a ``correct: ...`` :class:`~vgutils.exercises.Feedback` when the answer is right;
- raises :class:`~vgutils.exercises.NotYet` otherwise, which JupyterLab and nbgrader show
  as the one sentence ``not yet: <what is off>``, without a traceback and without the
  expected value. That is what makes the cell an autograded nbgrader test.

In the book's notebooks both calls run, so a reader working alone learns whether the answer
is right. nbgrader's release strips the hidden test: there the visible ``check_form`` says
only whether the answer has the form asked for (set, a number, the right shape, a function
that runs), the same for a right and a wrong value, so the check cannot be used to search
for the answer; the value is graded by the hidden test when the work is autograded.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

from vgutils.exercises import Feedback

__all__ = ["check", "check_form", "key", "exercises", "medians_over_seeds", "runs_over_seeds",
           "step_norms_by_tape"]

_KEYS: dict[str, Callable[..., Feedback]] = {}
_ID = re.compile(r"(\d{1,2})\.\d+[a-z]?")


def key(exercise: str) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Register the decorated function as the answer key of ``exercise`` (e.g. ``"5.1"``)."""
    def register(function: Callable[..., Feedback]) -> Callable[..., Feedback]:
        if exercise in _KEYS:
            raise ValueError(f"exercise {exercise!r} has two answer keys")
        _KEYS[exercise] = function
        return function

    return register


def _load(exercise: Any) -> Callable[..., Feedback]:
    match = _ID.fullmatch(exercise) if isinstance(exercise, str) else None
    if match is None:
        raise ValueError(f"exercise must be a string like '5.1', got {exercise!r}")
    chapter = int(match[1])
    if exercise in _KEYS:
        return _KEYS[exercise]
    try:
        importlib.import_module(f"{__name__}.ch{chapter:02d}")
    except ModuleNotFoundError:
        raise ValueError(f"exercise {exercise!r}: chapter {chapter} has no answer key") from None
    if exercise not in _KEYS:
        known = sorted(e for e in _KEYS if e.split(".")[0] == str(chapter))
        raise ValueError(f"exercise {exercise!r} has no answer key; chapter {chapter} has "
                         f"{known}")
    return _KEYS[exercise]


def exercises(chapter: int) -> list[str]:
    """The ids of the exercises of ``chapter`` that have an answer key, in order."""
    if isinstance(chapter, bool) or not isinstance(chapter, int):
        raise TypeError(f"chapter must be an int, got {type(chapter).__name__}")
    try:
        importlib.import_module(f"{__name__}.ch{chapter:02d}")
    except ModuleNotFoundError:
        return []
    ids = [e for e in _KEYS if int(e.split(".")[0]) == chapter]
    return sorted(ids, key=lambda e: [int(p) if p.isdigit() else p
                                       for p in re.split(r"(\d+)", e) if p and p != "."])


def check(exercise: str, *answers: Any, **context: Any) -> Feedback:
    """Check the answer(s) to ``exercise``; raise :class:`~vgutils.exercises.NotYet` if wrong.

    Args:
        exercise: the exercise's number, e.g. ``"5.1"`` or ``"11.3b"``.
        answers: what the student computed (numbers, arrays, functions, text), in the order
            the exercise names them.
        context: the chapter's objects the key needs to compute the expected value (data,
            weights), by name.

    Returns:
        the ``correct: ...`` feedback.

    Raises:
        NotYet: the answer is not right yet; its message says what is off.
        ValueError: ``exercise`` has no answer key.
    """
    return _load(exercise)(*answers, **context).require()


def check_form(exercise: str, *answers: Any, **context: Any) -> Feedback:
    """Check only the form of the answer(s) to ``exercise``: set, of the right type and shape.

    The same message for a right and for a wrong value (whether it is right is the hidden
    test's :func:`check`, when the work is graded); raises
    :class:`~vgutils.exercises.NotYet` when the form is wrong.
    """
    found = _load(exercise)(*answers, **context)
    if not found.ok and not found.about_value:
        found.require()
    return Feedback(True, f"exercise {exercise} has an answer of the form asked for; whether "
                    "it is right is checked when the work is graded.", label="answered")


# Shared by the keys of the open experiments: the form of a sweep or of runs over seeds.

def medians_over_seeds(sweep: Any, name: str, setting: str, allow_zero: bool = False
                       ) -> dict[float, float] | Feedback:
    """The median over seeds of each setting of ``sweep`` (``{setting: [one value per
    seed]}``), or the :class:`~vgutils.exercises.Feedback` that says what is off in its form
    (not set, not a dict, fewer than 3 seeds, values that are not finite positive numbers)."""
    from collections.abc import Mapping

    import numpy as np

    if sweep is None:
        return Feedback(False, f"{name} is not set yet; run your experiment in the cell above.")
    if not isinstance(sweep, Mapping) or not sweep:
        return Feedback(False, f"{name} should be a dict {{{setting}: [one value per seed]}}, "
                        f"got {type(sweep).__name__}.")
    medians: dict[float, float] = {}
    for where, values in sweep.items():
        try:
            at = float(where)
            v = np.asarray(values, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            return Feedback(False, f"the entry {where!r} of {name} should map a {setting} to a "
                            "list of numbers (one per seed).")
        if v.size < 3:
            return Feedback(False, f"{setting} {at:g} has {v.size} run(s); repeat every "
                            f"{setting} over at least 3 seeds (vg.seeds(3)).")
        if not np.all(np.isfinite(v)) or np.any(v < 0) or (not allow_zero and np.any(v == 0)):
            return Feedback(False, f"the values for {setting} {at:g} should be finite "
                            + ("numbers, not negative." if allow_zero else "positive numbers."))
        medians[at] = float(np.median(v))
    return medians


def runs_over_seeds(runs: Any, name: str, fields: tuple[str, ...] = ("loss",)
                    ) -> list[dict[str, Any]] | Feedback:
    """The ``fields`` of each run in ``runs`` (a list of dicts, one per seed, as
    ``vg.train_steps_over_seeds`` gives them) as float arrays, or the
    :class:`~vgutils.exercises.Feedback` that says what is off in its form."""
    import numpy as np

    if runs is None:
        return Feedback(False, f"{name} is not set yet; run the experiment in the cell above "
                        "and keep its runs (one dict per seed).")
    try:
        found = [{f: np.asarray(run[f], np.float64).ravel() for f in fields} for run in runs]
    except (TypeError, KeyError, ValueError, IndexError):
        wanted = " and ".join(repr(f) for f in fields)
        return Feedback(False, f"{name} should be a list of runs, one dict with {wanted} per "
                        "seed, as vg.train_steps_over_seeds gives them.")
    if len(found) < 3:
        return Feedback(False, f"{name} holds {len(found)} runs; repeat the experiment over at "
                        "least 3 seeds (vg.seeds(3)).")
    return found


def step_norms_by_tape(model: Any, X: Any, y: Any) -> Any:
    """``||dL/dx_t||`` for every time step ``t`` of the mean squared error, from a tape of the
    keys' own (independent of ``vg.time_step_gradient_norms``, which a solution may call)."""
    import numpy as np
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(X, np.float32))
    target = tf.convert_to_tensor(np.asarray(y, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_mean(tf.square(model(x, training=False) - target))
    grad = tape.gradient(loss, x).numpy().astype(np.float64)
    return np.sqrt(np.sum(grad**2, axis=(0, 2)))
