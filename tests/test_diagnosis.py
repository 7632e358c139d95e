"""The one-call report names the four situations chapter 12 shows, and explains bad input."""

import keras
import numpy as np
import pytest

import vgutils
from vgutils.data import spirals
from vgutils.models import deep_mlp
from vgutils.training import train

X, Y = spirals(512)
LOSS = "binary_crossentropy"


def test_a_deep_sigmoid_net_is_named_vanishing():
    report = vgutils.diagnose(deep_mlp(20, 32), X, Y, LOSS)
    assert report.problem == "vanishing"
    assert report.gradient_ratio < 1e-6
    assert "04_relu_family" in " ".join(report.remedies)


def test_a_relu_net_with_large_weights_is_named_exploding():
    big = keras.initializers.RandomNormal(stddev=0.5)
    report = vgutils.diagnose(deep_mlp(20, 32, activation="relu", initializer=big), X, Y, LOSS)
    assert report.problem == "exploding"


def test_a_relu_net_trained_with_a_huge_learning_rate_is_named_dead_units():
    model = deep_mlp(6, 32, activation="relu", initializer="he_normal")
    train(model, X, Y, LOSS, "adam", 0.3, epochs=5, batch_size=64)
    report = vgutils.diagnose(model, X, Y, LOSS)
    assert report.problem == "dead units"
    assert report.dead.max() > 0.9


def test_a_he_initialised_relu_net_is_healthy():
    report = vgutils.diagnose(deep_mlp(8, 32, activation="relu", initializer="he_normal"), X, Y,
                              LOSS)
    assert report.problem == "none" and report.problems == []
    assert "diagnosis: none" in repr(report)


def test_large_weights_in_a_sigmoid_net_are_named_saturation():
    big = keras.initializers.RandomNormal(stddev=4.0)
    report = vgutils.diagnose(deep_mlp(6, 32, initializer=big), X, Y, LOSS)
    assert report.problem == "saturation"
    assert report.saturated.mean() > 0.5


def test_a_nan_loss_is_named_exploding():
    model = deep_mlp(3, 8, activation="relu")
    model.get_layer("dense_1").kernel.assign(np.full((2, 8), np.nan, np.float32))
    report = vgutils.diagnose(model, X, Y, LOSS)
    assert report.problem == "exploding" and "NaN" in report.findings[0]


def test_a_recurrent_model_is_measured_kernel_and_recurrent_kernel():
    from vgutils.data import adding_problem
    from vgutils.models import recurrent_model

    x, y = adding_problem(32, 10)
    report = vgutils.diagnose(recurrent_model("lstm", 8, 10), x, y, "mse")
    assert report.layer_names == ["rnn/kernel", "rnn/recurrent_kernel", "output"]
    assert report.dead is None


@pytest.mark.parametrize(
    "x, y, error, word",
    [
        (X[:, :1], Y, ValueError, "x does not match the model's input"),
        (X[:10], Y[:9], ValueError, "same length"),
    ],
)
def test_bad_data_gets_a_clear_error(x, y, error, word):
    with pytest.raises(error, match=word):
        vgutils.diagnose(deep_mlp(2, 4), x, y, LOSS)


def test_a_model_without_dense_layers_gets_a_clear_error():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Activation("sigmoid")(inputs))
    with pytest.raises(ValueError, match="no Dense, recurrent or convolution layers"):
        vgutils.diagnose(model, X, Y[:, :1].repeat(2, axis=1), LOSS)
