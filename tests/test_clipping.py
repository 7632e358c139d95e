import keras
import numpy as np
import pytest
import tensorflow as tf

from vgutils.labs.clipping import (
    clip_by_global_norm,
    clip_by_norm,
    clip_by_value,
    cosine_similarity,
    descend,
    descend_from,
    global_norm,
    stack_runs,
)
from vgutils.models import deep_mlp

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


def _regression(n=64):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (n, 2)).astype("float32")
    return x, np.sin(3 * x[:, :1]).astype("float32")


def test_descend_records_one_entry_per_step_and_lowers_the_loss():
    x, y = _regression()
    model = deep_mlp(2, 8, "tanh", output_activation=None, seed=0)
    out = descend(model, x, y, "mse", keras.optimizers.SGD(0.1), steps=50)
    assert {k: len(v) for k, v in out.items()} == {"loss": 50, "grad_norm": 50,
                                                   "learning_rate": 50}
    assert out["loss"][-1] < 0.5 * out["loss"][0]
    np.testing.assert_allclose(out["learning_rate"], 0.1, rtol=1e-6)


def test_descend_records_the_unclipped_norm_and_follows_a_schedule():
    x, y = _regression()
    model = deep_mlp(2, 8, "tanh", output_activation=None, seed=0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.mean_squared_error(y, model(x, training=True)))
    first = float(tf.linalg.global_norm(tape.gradient(loss, model.trainable_variables)))
    schedule = keras.optimizers.schedules.PolynomialDecay(0.1, 4, end_learning_rate=0.02)
    out = descend(model, x, y, "mse", keras.optimizers.SGD(schedule, global_clipnorm=1e-3), 5)
    assert out["grad_norm"][0] == pytest.approx(first, rel=1e-5)
    np.testing.assert_allclose(out["learning_rate"], [0.1, 0.08, 0.06, 0.04, 0.02], rtol=1e-5)


def test_descend_stops_at_the_first_non_finite_loss():
    x, y = _regression()
    model = deep_mlp(6, 16, "relu", keras.initializers.RandomNormal(stddev=1.0),
                     output_activation=None, seed=0)
    out = descend(model, x, y, "mse", keras.optimizers.SGD(10.0), steps=100)
    assert len(out["loss"]) < 100
    assert not np.isfinite(out["loss"][-1]) or not np.isfinite(out["grad_norm"][-1])
    assert np.all(np.isfinite(out["loss"][:-1]))


def test_descend_checks_its_arguments():
    x, y = _regression()
    model = deep_mlp(2, 4, output_activation=None)
    with pytest.raises(ValueError, match="steps"):
        descend(model, x, y, "mse", keras.optimizers.SGD(0.1), steps=0)
    with pytest.raises(TypeError, match="optimizer"):
        descend(model, x, y, "mse", "sgd", steps=1)


def test_descend_from_gives_each_start_the_run_descend_gives_it():
    x, y = _regression()
    builds = [deep_mlp(2, 8, "tanh", output_activation=None, seed=s) for s in (0, 1)]
    starts = [m.get_weights() for m in builds]
    schedule = keras.optimizers.schedules.PolynomialDecay(0.1, 9, end_learning_rate=0.01)
    driver = deep_mlp(2, 8, "tanh", output_activation=None, seed=5)  # weights replaced
    runs = descend_from(driver, starts, x, y, "mse", keras.optimizers.SGD(schedule), 10)
    for model, run in zip(builds, runs, strict=True):
        alone = descend(model, x, y, "mse", keras.optimizers.SGD(schedule), 10)
        for key in ("loss", "grad_norm", "learning_rate"):
            np.testing.assert_allclose(run[key], alone[key], rtol=1e-5)
    # the second run starts from its own weights and the schedule starts again at step 0
    assert runs[0]["loss"][0] != pytest.approx(runs[1]["loss"][0], rel=1e-3)
    np.testing.assert_allclose(runs[1]["learning_rate"][[0, -1]], [0.1, 0.01], rtol=1e-5)


def test_descend_from_checks_the_starts():
    x, y = _regression()
    model = deep_mlp(2, 4, output_activation=None)
    with pytest.raises(TypeError, match="starts"):
        descend_from(model, [], x, y, "mse", keras.optimizers.SGD(0.1), 1)
    with pytest.raises(ValueError, match="starts\\[0\\]"):
        descend_from(model, [[np.zeros(3)]], x, y, "mse", keras.optimizers.SGD(0.1), 1)


def test_stack_runs_pads_a_run_that_stopped_early_with_nan():
    runs = [{"loss": np.array([1.0, 2.0, 3.0])}, {"loss": np.array([4.0, np.nan])}]
    out = stack_runs(runs)
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(out[1], [4.0, np.inf, np.nan])  # the run's NaN: overflow
    with pytest.raises(KeyError, match="grad_norm"):
        stack_runs(runs, "grad_norm")
