import keras
import numpy as np
import pytest

from vgutils.models import deep_mlp, recurrent_model, residual_mlp


def _dense(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def test_deep_mlp_has_depth_hidden_layers_then_the_output():
    model = deep_mlp(5, 7, input_dim=3, output_dim=2)
    names = [layer.name for layer in _dense(model)]
    assert names == [f"dense_{i}" for i in range(1, 6)] + ["output"]
    assert model.input_shape == (None, 3) and model.output_shape == (None, 2)
    assert [layer.units for layer in _dense(model)] == [7] * 5 + [2]


def test_deep_mlp_puts_batch_norm_between_dense_and_activation():
    model = deep_mlp(3, 4, activation="tanh", batch_norm=True)
    kinds = [type(layer).__name__ for layer in model.layers[1:4]]
    assert kinds == ["Dense", "BatchNormalization", "Activation"]
    assert not model.get_layer("dense_1").use_bias


def test_the_same_seed_gives_the_same_weights_and_another_seed_does_not():
    a = deep_mlp(4, 8, initializer="he_normal", seed=3).get_weights()
    b = deep_mlp(4, 8, initializer="he_normal", seed=3).get_weights()
    c = deep_mlp(4, 8, initializer="he_normal", seed=4).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])


def test_an_unseeded_initializer_object_is_reseeded_per_layer():
    init = keras.initializers.RandomNormal(stddev=1.0)
    model = deep_mlp(3, 5, initializer=init)
    k2, k3 = model.get_layer("dense_2").kernel.numpy(), model.get_layer("dense_3").kernel.numpy()
    assert not np.array_equal(k2, k3)
    assert abs(k2.std() - 1.0) < 0.5


def test_an_activation_layer_object_is_accepted():
    model = deep_mlp(2, 4, activation=keras.layers.LeakyReLU(negative_slope=0.1))
    assert isinstance(model.get_layer("act_2"), keras.layers.LeakyReLU)
    assert model.get_layer("act_2").negative_slope == pytest.approx(0.1)


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"depth": 0, "width": 4}, ValueError, "depth must be >= 1"),
        ({"depth": 3, "width": 0}, ValueError, "width must be >= 1"),
        ({"depth": 3.0, "width": 4}, TypeError, "depth must be an int"),
        ({"depth": 3, "width": 4, "activation": "sigmod"}, ValueError, "activation 'sigmod'"),
        ({"depth": 3, "width": 4, "initializer": "xavier"}, ValueError, "initializer 'xavier'"),
        ({"depth": 3, "width": 4, "initializer": 0.1}, TypeError, "initializer must be"),
    ],
)
def test_deep_mlp_bad_arguments_are_named(kwargs, error, word):
    with pytest.raises(error, match=word):
        deep_mlp(**kwargs)


def test_plain_and_residual_nets_start_from_the_same_weights():
    plain = residual_mlp(6, 8, residual=False, seed=2)
    res = residual_mlp(6, 8, residual=True, seed=2)
    for a, b in zip(plain.get_weights(), res.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    x = np.ones((1, 2), np.float32)
    assert not np.allclose(plain(x), res(x))
    assert any(isinstance(layer, keras.layers.Add) for layer in res.layers)


@pytest.mark.parametrize("cell, kind", [("simple", "SimpleRNN"), ("lstm", "LSTM"), ("gru", "GRU")])
def test_recurrent_model_builds_each_cell(cell, kind):
    model = recurrent_model(cell, units=6, length=9)
    assert type(model.get_layer("rnn")).__name__ == kind
    assert model.input_shape == (None, 9, 2) and model.output_shape == (None, 1)


def test_recurrent_model_rejects_an_unknown_cell():
    with pytest.raises(ValueError, match="cell must be one of"):
        recurrent_model("transformer", 4, 5)
