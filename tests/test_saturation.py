import keras
import numpy as np
import pytest

from vgutils.gradients import layer_gradient_norms
from vgutils.labs.activations import derivative
from vgutils.labs.saturation import (
    backward_signal_norms,
    per_layer_factor,
    saturated_share,
    saturation_threshold,
)
from vgutils.models import deep_mlp, residual_mlp
from vgutils.probes import SATURATION


def test_saturation_threshold_is_where_the_derivative_is_ten_percent_of_its_maximum():
    for name, top in [("sigmoid", 0.25), ("tanh", 1.0)]:
        z_star = saturation_threshold(name)
        assert derivative(name, z_star) == pytest.approx(SATURATION * top, rel=1e-9)
        assert derivative(name, z_star + 1e-3) < SATURATION * top < derivative(name, z_star - 1e-3)


def test_sigmoid_threshold_is_twice_the_tanh_threshold():
    for share in [0.01, 0.1, 0.5]:
        assert saturation_threshold("sigmoid", share) == pytest.approx(
            2 * saturation_threshold("tanh", share), rel=1e-12
        )


def test_saturated_share_matches_sampling():
    rng = np.random.default_rng(1)
    sample = rng.normal(0.0, 3.0, size=400_000)
    for name, top in [("sigmoid", 0.25), ("tanh", 1.0)]:
        counted = np.mean(derivative(name, sample) < SATURATION * top)
        assert abs(saturated_share(name, 3.0) - counted) < 0.005


def test_saturated_share_grows_with_the_spread_and_rejects_bad_arguments():
    shares = [saturated_share("sigmoid", s) for s in [0.5, 1, 2, 4, 8]]
    assert np.all(np.diff(shares) > 0) and shares[0] < 1e-9 and shares[-1] > 0.6
    with pytest.raises(ValueError, match="std"):
        saturated_share("sigmoid", 0.0)
    with pytest.raises(ValueError, match="name"):
        saturation_threshold("relu")
    with pytest.raises(ValueError, match="share"):
        saturation_threshold("tanh", 1.5)


def test_per_layer_factor_recovers_a_geometric_sequence():
    norms = 3.0 * 0.25 ** np.arange(10, 0, -1)  # grows by 4 towards the output
    assert per_layer_factor(norms) == pytest.approx(0.25, rel=1e-10)
    assert per_layer_factor(norms[::-1], first=2, last=9) == pytest.approx(4.0, rel=1e-10)
    with pytest.raises(ValueError, match="first"):
        per_layer_factor(norms, first=5, last=5)
    with pytest.raises(ValueError, match="finite"):
        per_layer_factor([1.0, 0.0, 2.0])


def test_backward_signal_of_a_linear_net_grows_by_its_gain_per_layer():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 32)).astype("float32")
    y = rng.normal(size=(128, 1)).astype("float32")
    for gain in [0.8, 1.25]:
        init = keras.initializers.VarianceScaling(gain**2, "fan_in", "untruncated_normal")
        model = deep_mlp(12, 32, "linear", init, input_dim=32, output_activation=None, seed=0)
        factor = per_layer_factor(backward_signal_norms(model, x, y, "mse"))
        assert abs(factor - gain) < 0.1


def test_backward_signal_of_a_deep_sigmoid_net_falls_like_its_kernel_gradients():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = deep_mlp(10, 16, "sigmoid", seed=0)
    delta = backward_signal_norms(model, x, y, "binary_crossentropy")
    grads = layer_gradient_norms(model, x, y, "binary_crossentropy")
    assert delta.shape == (10,) and delta[-1] / delta[0] > 1e4
    assert abs(per_layer_factor(delta, first=2) - per_layer_factor(grads, 2, 10)) < 0.05


def test_backward_signal_norms_refuses_a_model_that_is_not_a_chain():
    model = residual_mlp(2, 4, seed=0)
    with pytest.raises(ValueError, match="plain chain"):
        backward_signal_norms(model, np.zeros((4, 2)), np.zeros((4, 1)), "mse")


def test_backward_signal_norms_leave_batch_norm_state_as_it_was():
    model = deep_mlp(3, 8, "sigmoid", batch_norm=True, seed=0)
    x, y = np.random.default_rng(0).normal(size=(32, 2)), np.ones((32, 1))
    before = [np.array(v.numpy()) for v in model.non_trainable_variables]
    assert len(backward_signal_norms(model, x, y, "binary_crossentropy")) == 3
    for old, new in zip(before, model.non_trainable_variables, strict=True):
        np.testing.assert_array_equal(old, new.numpy())
