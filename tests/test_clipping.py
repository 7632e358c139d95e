import keras
import numpy as np
import pytest
import tensorflow as tf

from vgutils.labs.clipping import (
    clip_by_global_norm,
    clip_by_norm,
    clip_by_value,
    cosine_similarity,
    global_norm,
)

G = [np.array([[0.3, 0.0], [0.0, 0.4]]), np.array([8.0, -0.6])]  # norms 0.5 and about 8.02


def _keras_update(grads, **clip):
    """The update one SGD step with learning rate 1 applies, from variables at zero."""
    variables = [keras.Variable(np.zeros_like(g, dtype="float32")) for g in grads]
    optimizer = keras.optimizers.SGD(learning_rate=1.0, **clip)
    tensors = [tf.constant(g, "float32") for g in grads]
    optimizer.apply_gradients(zip(tensors, variables, strict=True))
    return [-v.numpy() for v in variables]


def test_global_norm_is_the_norm_of_all_entries_together():
    assert global_norm(G) == pytest.approx(np.sqrt(0.25 + 64.36))


def test_clip_by_value_caps_each_entry_and_changes_the_direction():
    out = clip_by_value(G, 1.0)
    np.testing.assert_allclose(out[1], [1.0, -0.6])
    np.testing.assert_allclose(out[0], G[0])
    assert cosine_similarity([G[1]], [out[1]]) < 0.9


def test_clip_by_norm_rescales_each_array_separately():
    out = clip_by_norm(G, 1.0)
    np.testing.assert_allclose(out[0], G[0])  # norm 0.5 < 1: untouched
    np.testing.assert_allclose(out[1], G[1] / np.sqrt(64.36))  # norm 8.02 -> 1
    assert cosine_similarity([G[1]], [out[1]]) == pytest.approx(1.0)
    assert cosine_similarity(G, out) < 0.95


def test_clip_by_global_norm_keeps_the_direction_and_caps_the_length():
    out = clip_by_global_norm(G, 1.0)
    assert global_norm(out) == pytest.approx(1.0)
    assert cosine_similarity(G, out) == pytest.approx(1.0)
    small = clip_by_global_norm(G, 100.0)
    for a, b in zip(small, G, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("ours", "setting"),
    [(clip_by_value, "clipvalue"), (clip_by_norm, "clipnorm"),
     (clip_by_global_norm, "global_clipnorm")],
)
def test_each_rule_matches_the_keras_optimizer_setting(ours, setting):
    for threshold in (0.3, 1.0, 20.0):
        got = _keras_update(G, **{setting: threshold})
        for a, b in zip(ours(G, threshold), got, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_arguments_are_checked_by_name():
    with pytest.raises(ValueError, match="clip_norm"):
        clip_by_norm(G, 0.0)
    with pytest.raises(TypeError, match="clip_value"):
        clip_by_value(G, "1")
    with pytest.raises(TypeError, match="grads"):
        global_norm(np.ones(3))
    with pytest.raises(ValueError, match="same shapes"):
        cosine_similarity(G, [np.ones(2)])
    with pytest.raises(ValueError, match="zero"):
        cosine_similarity([np.zeros(2)], [np.ones(2)])


