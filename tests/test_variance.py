import keras
import numpy as np
import pytest
import tensorflow as tf

from vgutils.gradients import dense_layers, layer_gradient_norms
from vgutils.labs.activations import SELU_ALPHA, SELU_SCALE, activation
from vgutils.labs.variance import (
    forward_variance,
    gaussian_expectation,
    gaussian_variance,
    init_variance,
    propagate,
    sample_kernels,
)
from vgutils.models import deep_mlp


def test_init_variance_gives_the_three_rules():
    assert init_variance("lecun", 100, 50) == pytest.approx(1 / 100)
    assert init_variance("glorot", 100, 50) == pytest.approx(2 / 150)
    assert init_variance("he", 100, 50) == pytest.approx(2 / 100)


def test_init_variance_names_a_bad_rule_and_a_bad_fan():
    with pytest.raises(ValueError, match="rule must be one of"):
        init_variance("xavier", 10, 10)
    with pytest.raises(ValueError, match="fan_in"):
        init_variance("he", 0, 10)


def test_gaussian_expectation_gives_the_known_moments():
    assert gaussian_expectation(lambda z: z**2, std=3.0) == pytest.approx(9.0, rel=1e-9)
    assert gaussian_expectation(lambda z: z, mean=0.7) == pytest.approx(0.7, abs=1e-9)
    # E[relu(z)] = std / sqrt(2 pi), E[relu(z)^2] = std^2 / 2: the kink at 0 costs nothing
    assert gaussian_expectation(lambda z: np.maximum(z, 0), std=2.0) == pytest.approx(
        2 / np.sqrt(2 * np.pi), rel=1e-7)
    assert gaussian_expectation(lambda z: np.maximum(z, 0) ** 2) == pytest.approx(0.5, rel=1e-7)


def test_gaussian_variance_subtracts_the_squared_mean():
    # Var[relu(z)] = std^2 (1/2 - 1/(2 pi)), not the second moment std^2 / 2
    assert gaussian_variance(lambda z: np.maximum(z, 0), std=2.0) == pytest.approx(
        4 * (0.5 - 1 / (2 * np.pi)), rel=1e-7)
    assert gaussian_variance(lambda z: 3 * z + 1, mean=5.0, std=0.5) == pytest.approx(2.25)
    with pytest.raises(ValueError, match="std"):
        gaussian_variance(np.square, std=-1.0)


def test_forward_variance_halves_relu_layers_after_the_first():
    v = forward_variance(1e-4, 128, 30, "relu")
    assert v[0] == pytest.approx(128e-4)
    np.testing.assert_allclose(v[1:] / v[:-1], 64e-4, rtol=1e-7)
    # a linear network keeps the variance exactly when n Var[W] = 1
    np.testing.assert_allclose(forward_variance(1 / 50, 50, 5, "linear", input_var=3.0), 3.0)


def test_forward_variance_names_bad_arguments():
    with pytest.raises(ValueError, match="var_w"):
        forward_variance(0.0, 10, 3, "relu")
    with pytest.raises(ValueError, match="depth"):
        forward_variance(0.1, 10, 0, "relu")
    with pytest.raises(ValueError):
        forward_variance(0.1, 10, 3, "no_such_activation")


def test_selu_with_keras_constants_has_zero_mean_and_unit_second_moment():
    assert abs(gaussian_expectation(lambda z: activation("selu", z))) < 1e-9
    assert gaussian_expectation(lambda z: activation("selu", z) ** 2) == pytest.approx(1, 1e-9)
    assert SELU_ALPHA > 1.67 and SELU_SCALE > 1.05


def test_gaussian_expectation_rejects_bad_arguments():
    with pytest.raises(ValueError, match="std"):
        gaussian_expectation(np.square, std=0.0)
    with pytest.raises(ValueError, match="points must be odd"):
        gaussian_expectation(np.square, points=1000)
    with pytest.raises(TypeError, match="f must be a callable"):
        gaussian_expectation(3.0)


def test_sample_kernels_are_deep_mlps_kernels():
    model = deep_mlp(3, 8, "relu", "he_normal", input_dim=5, seed=4)
    sampled = sample_kernels("he_normal", 3, 8, input_dim=5, seed=4)
    assert [k.shape for k in sampled] == [(5, 8), (8, 8), (8, 8)]
    for i, kernel in enumerate(sampled, start=1):
        np.testing.assert_array_equal(kernel, model.get_layer(f"dense_{i}").kernel.numpy())


def test_sampled_variance_follows_the_rule():
    kernels = sample_kernels("he_normal", 2, 400, seed=0)
    assert np.var(np.concatenate([k.ravel() for k in kernels])) == pytest.approx(2 / 400, rel=0.02)


def test_linear_network_with_lecun_init_keeps_the_variance_and_small_init_shrinks_it():
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((200, 100)), rng.standard_normal((200, 100))
    kept = propagate(sample_kernels("lecun_normal", 10, 100), "linear", x, g)
    assert 0.5 < kept["z_std"][-1] < 2 and 0.5 < kept["delta_std"][0] < 2
    small = keras.initializers.RandomNormal(stddev=0.01)
    shrunk = propagate(sample_kernels(small, 10, 100), "linear", x, g)
    # each layer multiplies the std by sqrt(100) * 0.01 = 0.1
    assert 1e-11 < shrunk["z_std"][-1] < 1e-9 and 1e-10 < shrunk["delta_std"][0] < 1e-8


def test_propagate_weight_gradients_match_gradient_tape():
    model = deep_mlp(4, 16, "tanh", "glorot_uniform", input_dim=16, output_dim=16,
                     output_activation="tanh", seed=1)
    kernels = [layer.kernel.numpy() for layer in dense_layers(model)]
    rng = np.random.default_rng(1)
    x, g = rng.standard_normal((64, 16)), rng.standard_normal((64, 16))
    ours = propagate(kernels, "tanh", x, g)["grad_norm"]
    keras_norms = layer_gradient_norms(model, x, g, lambda t, p: tf.reduce_sum(t * p, axis=-1))
    np.testing.assert_allclose(ours, keras_norms, rtol=1e-4)


def test_propagate_names_mismatched_shapes():
    kernels = [np.ones((3, 4)), np.ones((5, 4))]
    with pytest.raises(ValueError, match="kernel 2 has fan_in 5"):
        propagate(kernels, "relu", np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="x must have shape"):
        propagate(kernels[:1], "relu", np.ones((2, 7)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="top_grad must have shape"):
        propagate(kernels[:1], "relu", np.ones((2, 3)), np.ones((2, 5)))
    with pytest.raises(ValueError, match="at least one kernel"):
        propagate([], "relu", np.ones((2, 3)), np.ones((2, 4)))
