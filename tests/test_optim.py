import numpy as np
import pytest

from vgutils.data import spirals
from vgutils.labs.optim import (
    noise_drift,
    one_step_sizes,
    steps_to_reach,
)
from vgutils.models import deep_mlp
from vgutils.training import kernels

X, Y = spirals(128)


def test_steps_to_reach_finds_the_first_step_below_the_threshold():
    assert steps_to_reach([0.7, 0.69, 0.5, 0.4, 0.7], 0.6) == 2
    assert steps_to_reach([0.7, 0.69], 0.6) is None
    with pytest.raises(ValueError, match="losses"):
        steps_to_reach([], 0.6)


def test_one_sgd_step_moves_each_layer_by_lr_times_its_gradient_and_restores_weights():
    model = deep_mlp(3, 8)
    before = kernels(model)
    s = one_step_sizes(model, X, Y, "binary_crossentropy", "sgd", 0.1)
    assert np.allclose(s["step"], 0.1 * s["grad"], rtol=1e-3)
    assert np.all(s["gain"] > 0)
    assert all(np.array_equal(a, b) for a, b in zip(before, kernels(model), strict=True))


def test_first_adam_step_is_near_lr_where_the_gradient_dwarfs_epsilon():
    s = one_step_sizes(deep_mlp(3, 8), X, Y, "binary_crossentropy", "adam", 0.001)
    big = s["grad"] > 1e-4
    assert big.any() and np.allclose(s["step"][big], 0.001, rtol=0.1)


def test_sgd_drift_under_noise_scales_with_sigma_and_adam_drift_does_not():
    sgd = [noise_drift("sgd", s, steps=50) for s in (1e-6, 1.0)]
    adam = [noise_drift("adam", s, steps=50) for s in (1e-6, 1.0)]
    assert sgd[1] / sgd[0] > 1e5
    assert 0.5 < adam[1] / adam[0] < 2
    with pytest.raises(ValueError, match="sigma"):
        noise_drift("sgd", 0.0)


def test_keras_adagrad_on_tiny_gradients_is_sgd_with_a_learning_rate_3_16_times_larger():
    # the accumulator starts at 0.1, so for sum(g^2) << 0.1 the step is lr * g / sqrt(0.1)
    sgd = noise_drift("sgd", 1e-4, steps=50)
    adagrad = noise_drift("adagrad", 1e-4, steps=50)
    assert abs(adagrad / sgd - 1 / np.sqrt(0.1)) < 0.01


def test_keras_rmsprop_does_not_rescale_gradients_far_below_the_square_root_of_epsilon():
    # epsilon = 1e-7 sits inside the square root: the step is about lr * g / sqrt(1e-7)
    sgd = noise_drift("sgd", 1e-6, steps=50)
    rmsprop = noise_drift("rmsprop", 1e-6, steps=50)
    assert abs(rmsprop / sgd - 1 / np.sqrt(1e-7)) / (1 / np.sqrt(1e-7)) < 0.02
