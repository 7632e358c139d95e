import numpy as np

from vgutils.exercises import check_choice, check_function, check_true, check_value


def test_a_right_value_is_correct_and_truthy_and_its_message_does_not_repeat_it():
    result = check_value(0.1 + 0.2, 0.3, name="x")
    assert result and repr(result) == "correct: x is right."


def test_a_wrong_value_says_which_way_and_how_far_but_not_the_answer():
    result = check_value(0.6, 0.3, name="x")
    assert not result
    assert repr(result) == ("not yet: x = 0.6 is not the expected value: too large, by a factor "
                            "between 2 and 10.")
    assert "0.3" not in repr(result)
    assert "too small, by less than 10 %" in repr(check_value(0.95, 1.0))
    assert "of the wrong sign" in repr(check_value(-1.0, 1.0))
    assert "by more than a factor 10" in repr(check_value(1e-3, 1.0))


def test_an_unset_answer_says_so():
    assert "not set yet" in repr(check_value(None, 1.0))
    assert "not set yet" in repr(check_value(..., 1.0))


def test_a_wrong_shape_and_a_nan_are_named():
    assert "shape (2,)" in repr(check_value([1, 2], [1, 2, 3], name="v"))
    assert "NaN" in repr(check_value(float("nan"), 1.0))
    assert "number" in repr(check_value("seven", 7.0))


def test_an_array_reports_the_first_wrong_entry():
    result = check_value(np.array([1.0, 2.0, 5.0]), np.array([1.0, 2.0, 3.0]), name="v")
    assert "1 of 3 entries" in repr(result) and "index 2" in repr(result)


def test_a_hint_is_added_only_when_wrong():
    assert "Hint: think" in repr(check_value(1.0, 2.0, hint="think"))
    assert "Hint" not in repr(check_value(2.0, 2.0, hint="think"))


def test_check_function_reports_an_exception_as_a_sentence():
    def broken(x):
        return x / 0

    result = check_function(broken, lambda x: x, [(1.0,)])
    assert not result
    assert "broken(1) raised ZeroDivisionError" in repr(result)


def test_check_function_reports_a_stub():
    def stub(x):
        raise NotImplementedError()

    assert "not written yet" in repr(check_function(stub, lambda x: x, [(1.0,)]))


def test_check_function_passes_a_right_function_and_catches_a_wrong_case():
    assert check_function(np.square, lambda x: x * x, [(2.0,), (-3.0,)])
    result = check_function(np.abs, lambda x: x, [(2.0,), (-3.0,)])
    assert not result and "(-3)" in repr(result)


def test_check_true():
    assert check_true(True, "yes", "no") and repr(check_true(False, "yes", "no")) == "not yet: no"


def test_check_choice_separates_unknown_wrong_and_right():
    options = ["a", "b"]
    assert "not one of the choices" in repr(check_choice("c", "a", options))
    assert "not this one" in repr(check_choice("b", "a", options))
    assert check_choice("a", "a", options)


def test_check_run_names_the_broken_constraint_and_passes_a_good_run():
    from vgutils.data import spirals
    from vgutils.exercises import check_run
    from vgutils.models import deep_mlp
    from vgutils.training import train

    x, y = spirals(256)
    assert "not set yet" in repr(check_run(None, None, x, y, "mse"))
    model = deep_mlp(3, 16, activation="relu", initializer="he_normal")
    history = train(model, x, y, "binary_crossentropy", "adam", 0.01, epochs=2)
    args = (model, history, x, y, "binary_crossentropy")
    assert "3 hidden Dense layers" in repr(check_run(*args, depth=6))
    assert "learning rate of 0.01" in repr(check_run(*args, min_learning_rate=0.1))
    assert "trained for 2 epochs" in repr(check_run(*args, epochs=5))
    assert "lowest epoch loss" in repr(check_run(*args, best_loss_below=0.01))
    assert check_run(*args, depth=3, min_learning_rate=0.01, epochs=2, best_loss_below=1.0)


def test_a_close_miss_says_how_close_instead_of_a_factor_of_one():
    result = check_value(1.002, 1.0, rtol=1e-6)
    assert "close, but 2.0e-03 away" in repr(result) and "factor 1" not in repr(result)


def test_require_raises_a_one_line_not_yet_and_returns_a_correct_feedback():
    import pytest

    from vgutils.exercises import NotYet

    good = check_value(1.0, 1.0, name="a")
    assert good.require() is good
    with pytest.raises(NotYet) as caught:
        check_value(None, 1.0, name="a").require()
    assert caught.value._render_traceback_() == [
        "not yet: a is not set yet; compute it in the cell above."]


def test_a_feedback_in_a_notebook_is_printed_not_returned_as_a_cell_result(capsys):
    # nbgrader reads a test cell's text/plain result as a partial-credit score
    check_value(1.0, 1.0, name="a")._ipython_display_()
    assert capsys.readouterr().out == "correct: a is right.\n"


def test_an_unknown_exercise_is_named_with_the_chapters_known_ones():
    import pytest

    from vgutils.labs import answers

    with pytest.raises(ValueError, match="string like '5.1'"):
        answers.check(5.1, 0.0)
    with pytest.raises(ValueError, match="chapter 99 has no answer key"):
        answers.check("99.1", 0.0)


def test_a_key_that_is_registered_twice_is_refused():
    import pytest

    from vgutils.labs.answers import key

    key("98.1")(lambda: None)
    with pytest.raises(ValueError, match="two answer keys"):
        key("98.1")(lambda: None)


def test_a_failed_claim_reads_as_a_sentence_and_any_other_assert_keeps_its_traceback():
    import nbformat
    from nbclient import NotebookClient

    from vgutils._claims import MARKER

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import vgutils as vg\nvg.setup(seed=3)\nx = 2"),
        nbformat.v4.new_code_cell(f"{MARKER}\nassert x > 0\nassert x < 1, 'x stays below one'"),
        nbformat.v4.new_code_cell(f"{MARKER}\nassert (\n    x < 1\n)"),
        nbformat.v4.new_code_cell("assert x < 1, 'my own check'"),
    ])
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120).execute()
    first, second, third = (c.outputs[0] for c in nb.cells[1:])
    assert first.traceback == [
        "AssertionError: A claim of the text no longer holds: x stays below one. The chapter "
        "states it for its own settings (seed 3); if you changed a setting, this says that "
        "your run differs from the one the text describes, not that your code is wrong."]
    assert second.traceback[0].startswith(
        "AssertionError: A claim of the text no longer holds: the check `x < 1` fails.")
    assert len(third.traceback) > 1 and "my own check" in third.traceback[-1]


def test_the_visible_form_check_says_the_same_for_a_right_and_a_wrong_value():
    import pytest

    from vgutils.exercises import NotYet
    from vgutils.labs.answers import check, check_form, key

    key("97.1")(lambda answer: check_value(answer, 2.0, name="answer_1"))
    right, wrong = check_form("97.1", 2.0), check_form("97.1", 3.0)
    assert repr(right) == repr(wrong) == (
        "answered: exercise 97.1 has an answer of the form asked for; whether it is right is "
        "checked when the work is graded.")
    with pytest.raises(NotYet, match="not set yet"):
        check_form("97.1", None)
    with pytest.raises(NotYet, match="too large"):
        check("97.1", 3.0)
    assert repr(check("97.1", 2.0)) == "correct: answer_1 is right."


def test_an_open_experiments_sweep_and_runs_are_read_over_at_least_three_seeds():
    from vgutils.exercises import Feedback
    from vgutils.labs.answers import medians_over_seeds, runs_over_seeds

    assert medians_over_seeds({1: [1.0, 2.0, 4.0], "2": [3, 3, 3]}, "f", "B") == {1.0: 2.0,
                                                                                 2.0: 3.0}
    short = medians_over_seeds({1: [1.0, 2.0]}, "f", "B")
    assert isinstance(short, Feedback) and "at least 3 seeds" in short.message
    assert "not set yet" in medians_over_seeds(None, "f", "B").message
    assert "positive" in medians_over_seeds({1: [0.0, 1.0, 1.0]}, "f", "B").message
    assert medians_over_seeds({1: [0.0, 1.0, 1.0]}, "f", "B", allow_zero=True) == {1.0: 1.0}
    runs = runs_over_seeds([{"loss": [1, 0.5]}] * 3, "r")
    assert [list(r["loss"]) for r in runs] == [[1.0, 0.5]] * 3
    assert "'loss' and 'learning_rate'" in runs_over_seeds([{"loss": [1]}] * 3, "r",
                                                           ("loss", "learning_rate")).message
    assert "holds 1 runs" in runs_over_seeds([{"loss": [1]}], "r").message
