import numpy as np

from vgutils.exercises import check_choice, check_function, check_true, check_value


def test_a_right_value_is_correct_and_truthy():
    result = check_value(0.1 + 0.2, 0.3, name="x")
    assert result and repr(result).startswith("correct: x = 0.3")


def test_a_wrong_value_says_by_what_factor():
    result = check_value(0.6, 0.3, name="x")
    assert not result
    assert "not yet" in repr(result) and "factor 2" in repr(result)


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
