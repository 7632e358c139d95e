"""vg.train_steps and vg.train_steps_over_seeds: the step-by-step training loop of the course."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from vgutils.models import deep_mlp
from vgutils.repeats import stack_runs, train_steps_over_seeds
from vgutils.training import kernels, mean_abs_change, train_steps


def _classes(n=64):
    x = np.random.default_rng(0).normal(size=(n, 2)).astype("float32")
    return x, (x[:, :1] * x[:, 1:] > 0).astype("float32")


def _regression(n=64):
    x = np.random.default_rng(0).uniform(-1, 1, (n, 2)).astype("float32")
    return x, np.sin(3 * x[:, :1]).astype("float32")


def test_full_batch_steps_lower_the_loss_record_every_step_and_repeat_exactly():
    x, y = _regression()
    a = train_steps(deep_mlp(2, 8, "tanh", output_activation=None, seed=0), x, y, "mse", "sgd",
                    50, 0.1)
    b = train_steps(deep_mlp(2, 8, "tanh", output_activation=None, seed=0), x, y, "mse", "sgd",
                    50, 0.1)
    assert {k: len(a[k]) for k in ("loss", "grad_norm", "learning_rate")} == {
        "loss": 50, "grad_norm": 50, "learning_rate": 50}
    assert a["nonfinite_step"] is None and "update" not in a
    assert a["loss"][-1] < 0.5 * a["loss"][0] and np.array_equal(a["loss"], b["loss"])
    np.testing.assert_allclose(a["learning_rate"], 0.1, rtol=1e-6)


def test_the_recorded_norm_is_the_unclipped_one_and_a_schedule_is_followed():
    x, y = _regression()
    model = deep_mlp(2, 8, "tanh", output_activation=None, seed=0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.mean_squared_error(y, model(x, training=True)))
    first = float(tf.linalg.global_norm(tape.gradient(loss, model.trainable_variables)))
    schedule = keras.optimizers.schedules.PolynomialDecay(0.1, 4, end_learning_rate=0.02)
    out = train_steps(model, x, y, "mse", keras.optimizers.SGD(schedule, global_clipnorm=1e-3),
                      5)
    assert out["grad_norm"][0] == pytest.approx(first, rel=1e-5)
    assert out["loss"][0] == pytest.approx(float(loss), rel=1e-6)
    np.testing.assert_allclose(out["learning_rate"], [0.1, 0.08, 0.06, 0.04, 0.02], rtol=1e-5)


def test_watched_sgd_changes_each_kernel_by_the_summed_update_it_asked_for():
    x, y = _classes()
    model = deep_mlp(3, 8, "tanh", seed=0)
    before = kernels(model)
    run = train_steps(model, x, y, "binary_crossentropy", "sgd", 5, 0.1, batch_size=16,
                      watch=True)
    after = kernels(model)
    assert run["nonfinite_step"] is None and len(run["loss"]) == 5
    assert run["update_ratio"].shape == (5, 4) and np.all(run["update_ratio"] > 0)
    assert run["max_weight"].shape == (5,)
    for b, a, u in zip(before, after, run["update"], strict=True):
        assert np.allclose(a - b, u, rtol=1e-4, atol=1e-7)
    summed = np.array([np.mean(np.abs(u)) for u in run["update"]])
    assert np.allclose(mean_abs_change(before, after), summed, rtol=1e-3)


def test_mini_batches_are_slices_of_a_seeded_permutation():
    x, y = _classes(64)
    runs = {s: train_steps(deep_mlp(2, 8, seed=0), x, y, "binary_crossentropy", "sgd", 6, 0.1,
                           batch_size=16, shuffle_seed=s)["loss"] for s in (1, 1, 2)}
    again = train_steps(deep_mlp(2, 8, seed=0), x, y, "binary_crossentropy", "sgd", 6, 0.1,
                        batch_size=16, shuffle_seed=1)["loss"]
    assert np.array_equal(runs[1], again) and not np.allclose(runs[1], runs[2])
    # batch 1 of the run is the first 16 rows of the seed's permutation of the 64 rows
    model = deep_mlp(2, 8, seed=0)
    rows = np.random.default_rng(1).permutation(64)[:16]
    expected = keras.losses.binary_crossentropy(y[rows], model(x[rows], training=True))
    assert runs[1][0] == pytest.approx(float(np.mean(expected)), rel=1e-6)


def test_a_diverging_run_stops_at_its_first_non_finite_step_without_applying_it():
    x, y = np.random.default_rng(0).normal(size=(64, 4)).astype("float32"), None
    y = np.random.default_rng(1).normal(size=(64, 1)).astype("float32")
    init = keras.initializers.VarianceScaling(4.0**2, "fan_in", "untruncated_normal")
    model = deep_mlp(12, 16, "relu", init, input_dim=4, output_activation=None, seed=0)
    run = train_steps(model, x, y, "mse", "sgd", 50, 0.01, watch=True)
    step = run["nonfinite_step"]
    assert step is not None and step < 50
    assert len(run["loss"]) == len(run["grad_norm"]) == step
    assert not (np.isfinite(run["loss"][-1]) and np.isfinite(run["grad_norm"][-1]))
    assert np.all(np.isfinite(run["loss"][:-1])) and len(run["update_ratio"]) == step - 1
    assert all(np.isfinite(w.numpy()).all() for w in model.weights)  # the bad step not applied


def test_bad_arguments_are_named():
    x, y = _regression(8)
    model = deep_mlp(1, 2, output_activation=None, seed=0)
    for kwargs, kind, name in [
        (dict(steps=0), ValueError, "steps"),
        (dict(steps=1.5), TypeError, "steps"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(batch_size=9), ValueError, "batch_size"),
        (dict(shuffle_seed=-1), ValueError, "shuffle_seed"),
        (dict(watch="yes"), TypeError, "watch"),
        (dict(optimizer="adam", watch=True), ValueError, "watch"),
        (dict(momentum=0.9, watch=True), ValueError, "watch"),
        (dict(optimizer="nosuch"), ValueError, "optimizer"),
    ]:
        args = dict(steps=1, learning_rate=0.1) | kwargs
        with pytest.raises(kind, match=name):
            train_steps(model, x, y, "mse", **args)


def test_over_seeds_each_seed_gets_the_run_a_fresh_model_gets_from_one_traced_loop():
    x, y = _classes()
    build = lambda s: deep_mlp(3, 8, "tanh", seed=s)  # noqa: E731
    runs = list(train_steps_over_seeds(build, [3, 4], x, y, "binary_crossentropy", "adam", 6,
                                       0.01, batch_size=16))
    assert [seed for seed, *_ in runs] == [3, 4] and runs[0][1] is runs[1][1]
    for seed, _, record in runs:
        alone = train_steps(build(seed), x, y, "binary_crossentropy", "adam", 6, 0.01,
                            batch_size=16, shuffle_seed=seed)
        np.testing.assert_allclose(record["loss"], alone["loss"], rtol=1e-6)
    assert not np.allclose(runs[0][2]["loss"], runs[1][2]["loss"])
    watched = list(train_steps_over_seeds(build, [3, 4], x, y, "binary_crossentropy", "sgd", 6,
                                          0.1, batch_size=16, watch=True))
    alone = train_steps(build(4), x, y, "binary_crossentropy", "sgd", 6, 0.1, batch_size=16,
                        shuffle_seed=4, watch=True)
    for u, v in zip(watched[1][2]["update"], alone["update"], strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-9)  # the summed update restarts


def test_over_seeds_a_schedule_restarts_for_every_seed_and_the_architecture_must_stay():
    x, y = _regression()
    schedule = keras.optimizers.schedules.PolynomialDecay(0.1, 9, end_learning_rate=0.01)
    runs = [r for _, _, r in train_steps_over_seeds(
        lambda s: deep_mlp(2, 8, "tanh", output_activation=None, seed=s), [0, 1], x, y, "mse",
        keras.optimizers.SGD(schedule), 10)]
    for run in runs:
        np.testing.assert_allclose(run["learning_rate"][[0, -1]], [0.1, 0.01], rtol=1e-5)
    with pytest.raises(ValueError, match="seeds"):
        list(train_steps_over_seeds(lambda s: deep_mlp(2, 8, seed=s), [], x, y, "mse"))
    with pytest.raises(ValueError, match="other weights"):
        list(train_steps_over_seeds(lambda s: deep_mlp(2, 8 + s, seed=s), [0, 1], x, y, "mse",
                                    "sgd", 2, 0.1))


def test_stack_runs_pads_a_run_that_stopped_early_with_nan():
    runs = [{"loss": np.array([1.0, 2.0, 3.0])}, {"loss": np.array([4.0, np.nan])}]
    out = stack_runs(runs)
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(out[1], [4.0, np.inf, np.nan])  # the run's NaN: overflow
    with pytest.raises(KeyError, match="grad_norm"):
        stack_runs(runs, "grad_norm")
    with pytest.raises(TypeError, match="runs"):
        stack_runs({"loss": [1.0]})
