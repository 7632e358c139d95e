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
    sgd,
    sgd_over_seeds,
)
from vgutils.models import deep_mlp, residual_mlp
from vgutils.probes import SATURATION
from vgutils.training import kernels, mean_abs_change


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


def test_sgd_changes_each_kernel_by_exactly_the_summed_update():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype("float32")
    y = (x[:, :1] * x[:, 1:] > 0).astype("float32")
    model = deep_mlp(3, 8, "tanh", seed=0)
    before = kernels(model)
    run = sgd(model, x, y, "binary_crossentropy", learning_rate=0.1, steps=5, batch_size=16)
    after = kernels(model)
    assert run["nonfinite_step"] is None and len(run["loss"]) == 5
    assert run["update_ratio"].shape == (5, 4) and np.all(run["update_ratio"] > 0)
    for b, a, u in zip(before, after, run["update"], strict=True):
        assert np.allclose(a - b, u, rtol=1e-4, atol=1e-7)
    summed = np.array([np.mean(np.abs(u)) for u in run["update"]])
    assert np.allclose(mean_abs_change(before, after), summed, rtol=1e-3)


def test_sgd_stops_at_the_first_nonfinite_loss():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = rng.normal(size=(64, 1)).astype("float32")
    init = keras.initializers.VarianceScaling(4.0**2, "fan_in", "untruncated_normal")
    model = deep_mlp(12, 16, "relu", init, input_dim=4, output_activation=None, seed=0)
    run = sgd(model, x, y, "mse", learning_rate=0.01, steps=50)
    step = run["nonfinite_step"]
    assert step is not None and step < 50
    assert len(run["loss"]) == step and not np.isfinite(run["loss"][-1])
    assert np.all(np.isfinite(run["loss"][:-1])) and len(run["update_ratio"]) == step - 1


def test_sgd_rejects_a_bad_learning_rate():
    model = deep_mlp(1, 2, seed=0)
    with pytest.raises(ValueError, match="learning_rate"):
        sgd(model, np.zeros((4, 2)), np.zeros((4, 1)), "mse", learning_rate=0.0, steps=1)


def test_backward_signal_norms_refuses_a_model_that_is_not_a_chain():
    model = residual_mlp(2, 4, seed=0)
    with pytest.raises(ValueError, match="plain chain"):
        backward_signal_norms(model, np.zeros((4, 2)), np.zeros((4, 1)), "mse")


def test_sgd_over_seeds_gives_each_seed_the_run_sgd_gives_a_fresh_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype("float32")
    y = (x[:, :1] * x[:, 1:] > 0).astype("float32")
    runs = list(sgd_over_seeds(lambda s: deep_mlp(3, 8, "tanh", seed=s), [3, 4], x, y,
                               "binary_crossentropy", learning_rate=0.1, steps=6, batch_size=16))
    assert [seed for seed, *_ in runs] == [3, 4] and runs[0][1] is runs[1][1]
    for seed, _, result, start in runs:
        fresh = deep_mlp(3, 8, "tanh", seed=seed)
        assert all(np.array_equal(a, b) for a, b in zip(start, kernels(fresh), strict=True))
        alone = sgd(fresh, x, y, "binary_crossentropy", learning_rate=0.1, steps=6,
                    batch_size=16, seed=seed)
        assert np.allclose(result["loss"], alone["loss"], rtol=1e-6)
        for u, v in zip(result["update"], alone["update"], strict=True):
            assert np.allclose(u, v, rtol=1e-5, atol=1e-9)  # the summed update restarts at 0
    assert not np.allclose(runs[0][2]["loss"], runs[1][2]["loss"])


def test_sgd_over_seeds_refuses_a_build_that_changes_the_architecture():
    x, y = np.zeros((8, 2)), np.zeros((8, 1))
    runs = sgd_over_seeds(lambda s: deep_mlp(1 + s, 4, seed=s), [0, 1], x, y, "mse",
                          learning_rate=0.1, steps=1)
    next(runs)
    with pytest.raises(ValueError, match="other weights"):
        next(runs)


def test_backward_signal_norms_leave_batch_norm_state_as_it_was():
    model = deep_mlp(3, 8, "sigmoid", batch_norm=True, seed=0)
    x, y = np.random.default_rng(0).normal(size=(32, 2)), np.ones((32, 1))
    before = [np.array(v.numpy()) for v in model.non_trainable_variables]
    assert len(backward_signal_norms(model, x, y, "binary_crossentropy")) == 3
    for old, new in zip(before, model.non_trainable_variables, strict=True):
        np.testing.assert_array_equal(old, new.numpy())
