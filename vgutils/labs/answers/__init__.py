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

__all__ = ["check", "check_form", "key", "exercises"]

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
