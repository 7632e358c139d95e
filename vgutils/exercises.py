"""Checks for the exercises: a plain sentence for every outcome, never a traceback.

Every check returns a :class:`Feedback`. Shown as a cell's result it reads
``correct: ...`` or ``not yet: ...`` followed by what is off, and it never states the
expected value (a wrong number is told "too large by less than a factor 2", not what it
should be). It is truthy only when correct. :meth:`Feedback.require` turns a "not yet" into
a :class:`NotYet` error, which IPython, JupyterLab and nbgrader show as that one sentence,
without a traceback: that is how a graded check cell fails.

Exercise cells in the notebooks keep their solution between ``### BEGIN SOLUTION`` and
``### END SOLUTION``; nbgrader's release (``make student``) replaces that part with
``raise NotImplementedError()``. The chapters' answer keys are in
:mod:`vgutils.labs.answers`, so a check cell shows no reference computation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Feedback", "NotYet", "check_value", "check_function", "check_true", "check_choice",
           "check_run"]


@dataclass(frozen=True)
class Feedback:
    """The outcome of a check: ``ok``, a message for the student, and whether a failure is
    about the answer's value (``about_value``) rather than its form (not set, not a number,
    a wrong shape, a function that raises). A release's visible check tells only the form
    (:func:`vgutils.labs.answers.check_form`); the value is graded by a hidden test."""

    ok: bool
    message: str
    about_value: bool = False
    #: what the message starts with, when not ``correct:`` / ``not yet:``
    label: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def require(self) -> Feedback:
        """Return this feedback if it is correct; raise :class:`NotYet` with its message if not."""
        if not self.ok:
            raise NotYet(self.message)
        return self

    def __repr__(self) -> str:
        if self.label:
            return f"{self.label}: {self.message}"
        return ("correct: " if self.ok else "not yet: ") + self.message

    __str__ = __repr__

    def _ipython_display_(self) -> None:
        # shown as printed text, not as a cell's result: nbgrader reads a test cell's
        # text/plain result as a partial-credit score and warns about anything else
        print(repr(self))


class NotYet(Exception):
    """An exercise check that did not pass; shown as one sentence, without a traceback.

    IPython (and so JupyterLab, nbval and nbgrader's autograder) renders an exception through
    its ``_render_traceback_`` method when it has one: here, the single line
    ``not yet: <what is off>``.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return "not yet: " + self.message

    def _render_traceback_(self) -> list[str]:
        return [str(self)]


def _how_far(factor: float) -> str:
    """How far a wrong number is from the right one, in words that do not give it away."""
    size = max(factor, 1 / factor) if factor > 0 else float("inf")
    side = "too large" if factor > 1 else "too small"
    if factor <= 0:
        return "of the wrong sign" if factor < 0 else "zero"
    if size < 1.01:
        return f"{side}, by less than 1 %"
    if size < 1.1:
        return f"{side}, by less than 10 %"
    if size < 2:
        return f"{side}, by less than a factor 2"
    if size < 10:
        return f"{side}, by a factor between 2 and 10"
    return f"{side}, by more than a factor 10"


def _describe(value: Any) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        return f"{float(array):.4g}" if array.dtype.kind in "biuf" else repr(value)
    return f"an array of shape {array.shape}"


def check_value(
    answer: Any,
    expected: Any,
    name: str = "answer",
    rtol: float = 1e-6,
    atol: float = 0.0,
    hint: str = "",
) -> Feedback:
    """Compare a number or an array with the expected one, within ``rtol``/``atol``.

    Args:
        answer: what the student computed.
        expected: the right value.
        name: how the message names the answer (e.g. the variable's name).
        rtol, atol: relative and absolute tolerance, as in ``numpy.isclose``.
        hint: a sentence added to the message when the answer is wrong.
    """
    tail = f" Hint: {hint}" if hint else ""
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"{name} is not set yet; compute it in the cell above.{tail}")
    if isinstance(answer, str | bytes | bool | np.bool_):
        return Feedback(False, f"{name} should be a number or an array of numbers, got "
                        f"{type(answer).__name__} {answer!r}.{tail}")
    try:
        kind = np.asarray(answer).dtype.kind
    except (TypeError, ValueError, OverflowError):
        kind = "O"
    if kind not in "iuf" and kind != "O":
        what = {"b": "True/False values", "c": "complex numbers", "U": "text", "S": "text"}
        return Feedback(False, f"{name} should hold real numbers, got "
                        f"{what.get(kind, np.asarray(answer).dtype.name)}.{tail}")
    try:
        got = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return Feedback(
            False, f"{name} should be a number or an array of numbers, got "
            f"{type(answer).__name__}.{tail}"
        )
    want = np.asarray(expected, dtype=np.float64)
    if got.shape != want.shape:
        return Feedback(
            False, f"{name} has shape {got.shape}, expected shape {want.shape}.{tail}"
        )
    if not np.all(np.isfinite(got)):
        return Feedback(False, f"{name} contains NaN or infinity.{tail}")
    close = np.isclose(got, want, rtol=rtol, atol=atol)
    if np.all(close):
        return Feedback(True, f"{name} is right.")
    if want.ndim == 0:
        if want == 0:
            return Feedback(False, f"{name} = {_describe(got)} is not the expected value.{tail}",
                            about_value=True)
        factor = float(got / want)
        how = (_how_far(factor) if abs(factor - 1) > 0.01
               else f"close, but {abs(factor - 1):.1e} away in relative terms; the check "
                    f"allows {rtol:.0e}")
        return Feedback(
            False, f"{name} = {_describe(got)} is not the expected value: {how}.{tail}",
            about_value=True,
        )
    wrong = int(np.size(close) - np.count_nonzero(close))
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    return Feedback(
        False,
        f"{wrong} of {close.size} entries of {name} are off; the first is at index "
        f"{first if len(first) > 1 else first[0]}: got {got[first]:.6g}.{tail}",
        about_value=True,
    )


def check_function(
    func: Callable[..., Any],
    reference: Callable[..., Any],
    cases: Iterable[tuple],
    name: str | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-12,
) -> Feedback:
    """Call the student's ``func`` and the ``reference`` on each case and compare the results.

    Each case is a tuple of positional arguments. An exception raised by ``func`` becomes a
    message naming the case, not a traceback.
    """
    name = name or getattr(func, "__name__", "your function")
    if not callable(func):
        return Feedback(False, f"{name} should be a function, got {type(func).__name__}.")
    cases = list(cases)
    if not cases:
        return Feedback(False, f"there are no cases to try {name} on, so it cannot be checked.")
    if not all(isinstance(args, tuple) for args in cases):
        return Feedback(False, "this check is set up wrongly: each case must be a tuple of "
                        "arguments, e.g. [(1.0,), (2.0,)]; tell your instructor.")
    for args in cases:
        shown = ", ".join(_describe(a) for a in args)
        try:
            got = func(*copy.deepcopy(args))  # a function that changes its input cannot
        except NotImplementedError:        # change the reference's
            return Feedback(False, f"{name} is not written yet (it raises NotImplementedError).")
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # the student's code (even sys.exit): report it
            return Feedback(
                False, f"{name}({shown}) raised {type(error).__name__}: {error}"
            )
        result = check_value(got, reference(*copy.deepcopy(args)), name=f"{name}({shown})",
                             rtol=rtol, atol=atol)
        if not result:
            return result
    return Feedback(True, f"{name} agrees with the reference on all {len(cases)} cases.")


def check_true(condition: bool, success: str, failure: str, about_value: bool = True
               ) -> Feedback:
    """Feedback from a condition the exercise states in words.

    Only ``True`` passes: anything else (``False``, None, an array, a string) gets the
    ``failure`` message, never an exception. ``about_value=False`` marks a condition on
    the answer's form (set, of the right type), which a release's visible check may tell.
    """
    ok = isinstance(condition, bool | np.bool_) and bool(condition)
    return Feedback(ok, success if ok else failure, about_value=about_value and not ok)


def check_choice(answer: Any, expected: str, options: Iterable[str], name: str = "answer",
                 hint: str = "") -> Feedback:
    """Check an answer picked from a fixed list of words (e.g. a problem's name)."""
    options = list(options)
    tail = f" Hint: {hint}" if hint else ""
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"{name} is not set yet.{tail}")
    try:
        known = isinstance(answer, str | bool | int | float | np.bool_) and answer in options
    except (TypeError, ValueError):
        known = False
    if not known:
        return Feedback(False, f"{name} = {answer!r} is not one of the choices {options}.{tail}")
    if answer != expected:
        return Feedback(False, f"{name} = {answer!r} is a possible answer, but not this one.{tail}",
                        about_value=True)
    return Feedback(True, f"{name} is right.")


def check_run(model: Any, history: Any, x: Any, y: Any, loss: Any, depth: int | None = None,
              min_learning_rate: float | None = None, epochs: int | None = None,
              best_loss_below: float | None = None, problem: str = "none",
              name: str = "model_2") -> Feedback:
    """Check a training run an exercise asked for: its constraints, then its outcome.

    ``model`` is the trained Keras model and ``history`` the dict returned by
    :func:`vgutils.training.train` (or ``History.history``). Checked in turn: the number of
    hidden Dense layers (``depth``), the optimiser's learning rate (at least
    ``min_learning_rate``), the number of epochs, the diagnosis of :func:`vgutils.diagnose`
    (must be ``problem``) and the lowest epoch loss (below ``best_loss_below``).
    """
    import keras

    if model is None or history is None:
        return Feedback(False, f"{name} or its history is not set yet; train it in the cell "
                        "above.")
    if not isinstance(model, keras.Model):
        return Feedback(False, f"{name} should be a Keras model, got {type(model).__name__}.")
    history = getattr(history, "history", history)
    if not isinstance(history, dict) or "loss" not in history:
        return Feedback(False, "the history should be the dict that train() returns, with a "
                        "'loss' entry.")
    try:
        text = isinstance(history["loss"], str | bytes)
        losses = np.array([]) if text else np.asarray(history["loss"], np.float64).ravel()
    except (TypeError, ValueError, OverflowError):
        losses = np.array([])
    if losses.size == 0:
        return Feedback(False, f"the history of {name} holds no epoch losses; train it in the "
                        "cell above and keep what train() returns.")
    from .diagnosis import diagnose
    from .gradients import dense_layers

    try:
        hidden = len(dense_layers(model)) - 1
        report = diagnose(model, x, y, loss)
    except (TypeError, ValueError) as error:
        return Feedback(False, f"{name} cannot be checked on the exercise's data: {error}")
    if depth is not None and hidden != depth:
        return Feedback(False, f"{name} has {hidden} hidden Dense layers; the exercise keeps "
                        f"{depth}.")
    optimizer = getattr(model, "optimizer", None)
    if min_learning_rate is not None:
        if optimizer is None:
            return Feedback(False, f"{name} has not been compiled and trained yet.")
        rate = float(np.asarray(optimizer.learning_rate))
        if rate < min_learning_rate * (1 - 1e-6):
            return Feedback(False, f"{name} was trained with a learning rate of {rate:.3g}; "
                            f"the exercise asks for at least {min_learning_rate:g}.")
    if epochs is not None and losses.size != epochs:
        return Feedback(False, f"{name} was trained for {losses.size} epochs; the "
                        f"exercise asks for {epochs}.")
    if report.problem != problem:
        return Feedback(False, f"the diagnosis of {name} reads {report.problem!r}: "
                        f"{report.findings[0]}.", about_value=True)
    best = float(np.nanmin(losses)) if np.isfinite(losses).any() else float("nan")
    if best_loss_below is not None and not best < best_loss_below:
        return Feedback(False, f"{name}'s lowest epoch loss is {best:.2f}; it should get below "
                        f"{best_loss_below:g}.", about_value=True)
    return Feedback(True, f"{name} meets the constraints, its diagnosis reads {problem!r}"
                    + (f" and its loss got below {best_loss_below:g}." if best_loss_below
                       else "."))
