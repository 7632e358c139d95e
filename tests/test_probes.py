import keras
import numpy as np
import pytest

from vgutils.data import spirals
from vgutils.models import deep_mlp
from vgutils.probes import activation_stats

X, _ = spirals(256)


def test_large_weights_saturate_a_sigmoid_net():
    big = keras.initializers.RandomNormal(stddev=4.0)
    stats = activation_stats(deep_mlp(5, 32, initializer=big), X)
    assert stats["saturated"][1:].min() > 0.5
    small = activation_stats(deep_mlp(5, 32), X)
    assert small["saturated"].max() < 0.05


def test_a_relu_net_with_zero_weights_is_entirely_dead():
    stats = activation_stats(deep_mlp(3, 8, activation="relu", initializer="zeros"), X)
    np.testing.assert_array_equal(stats["dead"], [1.0, 1.0, 1.0])


def test_stats_are_ordered_from_input_to_output():
    stats = activation_stats(deep_mlp(4, 8, activation="tanh"), X)
    assert list(stats["name"]) == ["act_1", "act_2", "act_3", "act_4"]
    assert np.all(stats["std"] > 0)


def test_a_model_without_hidden_activations_gets_a_clear_error():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="relu")(inputs))
    with pytest.raises(ValueError, match="no hidden activations"):
        activation_stats(model, X)


def test_inline_dense_activations_of_a_sequential_model_are_probed():
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(8, activation="tanh", name="h1"),
        keras.layers.Dense(8, activation="relu", name="h2",
                           bias_initializer=keras.initializers.Constant(-50.0)),
        keras.layers.Dense(1, activation="sigmoid", name="out"),
    ])
    stats = activation_stats(model, X)
    assert list(stats["name"]) == ["h1", "h2"]
    assert stats["dead"][1] == 1.0 and stats["dead"][0] == 0.0


def test_update_ratio_is_the_relative_spread_of_the_change():
    from vgutils.probes import update_ratio

    w = np.array([[1.0, -1.0], [1.0, -1.0]])
    assert update_ratio(w, w * 1.001) == pytest.approx(1e-3)
    assert update_ratio(w, w) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        update_ratio(w, w[0])


def test_training_mode_shows_what_batch_norm_does_during_fit():
    big = keras.initializers.RandomNormal(stddev=4.0)
    model = deep_mlp(4, 32, initializer=big, batch_norm=True)
    # inference on a fresh net: running statistics are still (0, 1), so no normalisation
    assert activation_stats(model, X)["saturated"].mean() > 0.3
    assert activation_stats(model, X, training=True)["saturated"].max() < 0.01
