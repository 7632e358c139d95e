import numpy as np
import pytest

from vgutils.data import adding_problem, circles, spirals


def test_adding_problem_shapes_and_types():
    X, y = adding_problem(64, 30, seed=1)
    assert X.shape == (64, 30, 2) and X.dtype == np.float32
    assert y.shape == (64, 1) and y.dtype == np.float32


def test_adding_problem_has_two_markers_one_in_each_half():
    X, _ = adding_problem(500, 21)
    markers = X[..., 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :10].sum(axis=1) == 1)


def test_adding_problem_target_is_the_sum_of_the_marked_values():
    X, y = adding_problem(200, 12, seed=4)
    values, markers = X[..., 0], X[..., 1]
    assert np.all((values >= 0) & (values < 1))
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(axis=1), rtol=1e-6)


def test_adding_problem_baseline_mse_is_one_sixth():
    _, y = adding_problem(50_000, 10)
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.005


def test_adding_problem_repeats_with_a_seed_and_changes_without_it():
    a, _ = adding_problem(8, 10, seed=7)
    b, _ = adding_problem(8, 10, seed=7)
    c, _ = adding_problem(8, 10, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"n": 0, "length": 10}, ValueError, "n must be >= 1"),
        ({"n": 5, "length": 1}, ValueError, "length must be >= 2"),
        ({"n": 2.5, "length": 10}, TypeError, "n must be an int"),
        ({"n": 5, "length": "10"}, TypeError, "length must be an int"),
    ],
)
def test_adding_problem_bad_arguments_are_named(kwargs, error, word):
    with pytest.raises(error, match=word):
        adding_problem(**kwargs)


@pytest.mark.parametrize("make", [spirals, circles])
def test_two_class_sets_are_balanced_and_seeded(make):
    X, y = make(n=400, seed=3)
    assert X.shape == (400, 2) and y.shape == (400, 1)
    assert y.mean() == 0.5
    np.testing.assert_array_equal(X, make(n=400, seed=3)[0])
    assert np.abs(X).max() < 2


def test_spirals_are_not_linearly_separable():
    X, y = spirals(n=2000, noise=0.0)
    A = np.c_[X, np.ones(len(X))]
    w, *_ = np.linalg.lstsq(A, y[:, 0] * 2 - 1, rcond=None)
    accuracy = np.mean((A @ w > 0) == (y[:, 0] == 1))
    assert accuracy < 0.7


def test_spirals_bad_arguments_are_named():
    with pytest.raises(ValueError, match="turns"):
        spirals(turns=0)
    with pytest.raises(ValueError, match="noise"):
        circles(noise=-1)
