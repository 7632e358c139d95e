import keras
import numpy as np
import pytest
import tensorflow as tf

from vgutils.data import adding_problem, spirals
from vgutils.gradients import (
    finite_difference,
    layer_gradient_norms,
    time_step_gradient_norms,
)
from vgutils.models import deep_mlp, recurrent_model

X, Y = spirals(256, seed=0)


def test_norms_match_a_hand_written_gradient_tape():
    model = deep_mlp(3, 5, activation="tanh")
    norms = layer_gradient_norms(model, X, Y, "binary_crossentropy")
    kernels = [layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.binary_crossentropy(Y, model(X, training=True)))
    expected = [float(tf.norm(g)) for g in tape.gradient(loss, kernels)]
    assert norms.shape == (4,)
    np.testing.assert_allclose(norms, expected, rtol=1e-5)


def test_a_20_layer_sigmoid_net_loses_more_than_1e4_from_output_to_input():
    norms = layer_gradient_norms(deep_mlp(20, 16), X, Y, "binary_crossentropy")
    assert norms[-1] / norms[0] > 1e4


def test_a_20_layer_relu_net_with_he_init_keeps_its_gradient_within_100x():
    model = deep_mlp(20, 16, activation="relu", initializer="he_normal")
    norms = layer_gradient_norms(model, X, Y, "binary_crossentropy")
    assert norms.max() / norms.min() < 100


def test_a_callable_loss_gives_the_same_norms_as_its_name():
    model = deep_mlp(2, 4)
    by_name = layer_gradient_norms(model, X, Y, "mse")
    by_callable = layer_gradient_norms(model, X, Y, keras.losses.mean_squared_error)
    np.testing.assert_allclose(by_name, by_callable, rtol=1e-6)


@pytest.mark.parametrize(
    "x, y, error, word",
    [
        (X[:10], Y[:9], ValueError, "same length"),
        (X[:, :1], Y, ValueError, "x does not match the model's input"),
        (X[0], Y[0], ValueError, "x does not match"),
        ("abc", Y, TypeError, "x must be an array of numbers"),
    ],
)
def test_bad_data_is_named(x, y, error, word):
    with pytest.raises(error, match=word):
        layer_gradient_norms(deep_mlp(2, 4), x, y, "mse")


def test_a_model_without_dense_layers_gets_a_clear_error():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Activation("relu")(inputs))
    with pytest.raises(ValueError, match="no Dense layers"):
        layer_gradient_norms(model, X, Y, "mse")


def test_a_non_model_and_an_unknown_loss_are_named():
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        layer_gradient_norms("model", X, Y, "mse")
    with pytest.raises(ValueError, match="loss 'msee'"):
        layer_gradient_norms(deep_mlp(2, 4), X, Y, "msee")


def test_finite_difference_of_a_quadratic_is_exact_and_of_sin_is_cos():
    a = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(finite_difference(lambda v: (v**2).sum(), a), 2 * a, rtol=1e-9)
    assert abs(float(finite_difference(np.sin, 0.3)) - np.cos(0.3)) < 1e-9


def test_finite_difference_keeps_the_shape_of_x():
    x = np.ones((2, 3))
    assert finite_difference(lambda v: v.sum(), x).shape == (2, 3)


def test_finite_difference_rejects_bad_arguments():
    with pytest.raises(ValueError, match="eps"):
        finite_difference(np.sin, 0.0, eps=0)
    with pytest.raises(TypeError, match="f must be a callable"):
        finite_difference(3, 0.0)


def test_a_contracting_simple_rnn_forgets_early_steps_geometrically():
    x, y = adding_problem(64, 40)
    shrink = keras.initializers.Orthogonal(gain=0.5)  # every singular value 0.5
    model = recurrent_model("simple", 16, 40, recurrent_initializer=shrink)
    g = time_step_gradient_norms(model, x, y, "mse")
    assert g.shape == (40,)
    # each step back multiplies by at most 0.5 (tanh' <= 1): 39 steps, at most 0.5**39
    assert g[0] / g[-1] < 0.5**39


def test_measuring_leaves_batch_norm_statistics_untouched():
    model = deep_mlp(3, 8, batch_norm=True)
    before = [v.numpy().copy() for v in model.non_trainable_variables]
    layer_gradient_norms(model, X * 10 + 3, Y, "binary_crossentropy")
    after = [v.numpy() for v in model.non_trainable_variables]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_loss_and_gradients_is_the_one_path_behind_the_per_layer_norms():
    import vgutils as vg

    model = vg.deep_mlp(3, 8, "relu", "he_normal", batch_norm=True, seed=0)
    x, y = vg.spirals(64)
    moving = [np.array(v.numpy()) for v in model.non_trainable_variables]
    loss, grads = vg.loss_and_gradients(model, x, y, "binary_crossentropy")
    assert isinstance(loss, float) and len(grads) == len(model.trainable_variables)
    kernels = [layer.kernel for layer in vg.dense_layers(model)]
    _, kernel_grads = vg.loss_and_gradients(model, x, y, "binary_crossentropy", wrt=kernels)
    np.testing.assert_allclose([np.linalg.norm(g) for g in kernel_grads],
                               vg.layer_gradient_norms(model, x, y, "binary_crossentropy"),
                               rtol=1e-6)
    for before, after in zip(moving, model.non_trainable_variables, strict=True):
        np.testing.assert_array_equal(before, after.numpy())  # batch norm's state kept


def test_loss_and_gradients_with_respect_to_the_inputs_and_bad_wrt():
    import vgutils as vg

    model = vg.recurrent_model("simple", 4, 5, seed=0)
    x, y = vg.adding_problem(16, 5, seed=0)
    _, g = vg.loss_and_gradients(model, x, y, "mse", wrt="inputs", training=False)
    assert g.shape == x.shape
    np.testing.assert_allclose(np.sqrt((g**2).sum(axis=(0, 2))),
                               vg.time_step_gradient_norms(model, x, y, "mse"), rtol=1e-6)
    with pytest.raises(ValueError, match="wrt"):
        vg.loss_and_gradients(model, x, y, "mse", wrt="weights")
    with pytest.raises(TypeError, match="wrt"):
        vg.loss_and_gradients(model, x, y, "mse", wrt=3)
