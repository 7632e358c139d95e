import keras
import numpy as np
import pytest
import tensorflow as tf

from vgutils.labs.activations import ACTIVATIONS, SELU_ALPHA, SELU_SCALE, activation, derivative

Z = np.linspace(-6, 6, 241)
Z = Z[np.abs(Z) > 1e-9]  # the kink of ReLU at 0 has no derivative


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_values_and_derivatives_match_keras(name):
    z = tf.constant(Z, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(z)
        a = keras.activations.get(name)(z)
    np.testing.assert_allclose(activation(name, Z), a.numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(derivative(name, Z), tape.gradient(a, z).numpy(),
                               rtol=1e-5, atol=1e-9)


def test_the_maxima_of_the_sigmoid_and_tanh_derivatives():
    assert derivative("sigmoid", 0.0) == 0.25 and derivative("tanh", 0.0) == 1.0
    assert derivative("sigmoid", Z).max() < 0.25


def test_selu_constants_are_keras_constants():
    assert activation("selu", -50.0) == pytest.approx(-SELU_SCALE * SELU_ALPHA)


def test_an_unknown_name_is_named():
    with pytest.raises(ValueError, match="name must be one of"):
        activation("softplusplus", 1.0)
