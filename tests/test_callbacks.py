import numpy as np
import pytest

from vgutils.callbacks import GradientMonitor
from vgutils.data import spirals
from vgutils.gradients import layer_gradient_norms
from vgutils.models import deep_mlp

X, Y = spirals(256)


def test_monitor_records_one_row_per_epoch_and_one_column_per_dense_layer():
    model = deep_mlp(4, 8)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    monitor = GradientMonitor(X[:64], Y[:64], "binary_crossentropy")
    history = model.fit(X, Y, epochs=3, batch_size=64, verbose=0, callbacks=[monitor])
    assert monitor.norms.shape == (3, 5)
    assert monitor.layer_names == ["dense_1", "dense_2", "dense_3", "dense_4", "output"]
    np.testing.assert_allclose(
        monitor.norms[-1], layer_gradient_norms(model, X[:64], Y[:64], "binary_crossentropy"),
        rtol=1e-6,
    )
    assert history.history["grad_norm/dense_1"] == pytest.approx(list(monitor.norms[:, 0]))


def test_monitor_starts_empty_and_resets_on_a_new_fit():
    model = deep_mlp(2, 4)
    model.compile(optimizer="sgd", loss="mse")
    monitor = GradientMonitor(X, Y, "mse")
    assert monitor.norms.shape[0] == 0
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[monitor])
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[monitor])
    assert monitor.norms.shape == (1, 3)


def test_monitor_rejects_mismatched_data_and_unknown_loss():
    with pytest.raises(ValueError, match="same length"):
        GradientMonitor(X[:5], Y[:4], "mse")
    with pytest.raises(ValueError, match="loss"):
        GradientMonitor(X, Y, "not-a-loss")


def test_monitor_every_n_batches_records_at_those_steps():
    model = deep_mlp(3, 8)
    model.compile(optimizer="sgd", loss="mse")
    monitor = GradientMonitor(X[:64], Y[:64], "mse", every_n_batches=2)
    model.fit(X, Y, epochs=2, batch_size=64, verbose=0, callbacks=[monitor])  # 4 batches/epoch
    assert monitor.steps.tolist() == [2, 4, 6, 8]
    assert monitor.norms.shape == (4, 4)


def test_monitor_watches_both_kernels_of_a_recurrent_layer_in_a_sequential_model():
    import keras

    from vgutils.data import adding_problem

    x, y = adding_problem(64, 12)
    model = keras.Sequential([keras.Input((12, 2)), keras.layers.GRU(8, name="gru"),
                              keras.layers.Dense(1, name="out")])
    model.compile(optimizer="adam", loss="mse")
    monitor = GradientMonitor(x, y, "mse")
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[monitor])
    assert monitor.layer_names == ["gru/kernel", "gru/recurrent_kernel", "out"]
    assert monitor.norms.shape == (2, 3) and np.all(monitor.norms > 0)
    assert "grad_norm/gru/recurrent_kernel" in history.history


def test_monitor_rejects_a_bad_every_n_batches():
    with pytest.raises(ValueError, match="every_n_batches must be >= 1"):
        GradientMonitor(X, Y, "mse", every_n_batches=0)


def test_update_ratio_monitor_sees_sgd_steps_scale_with_the_learning_rate():
    from vgutils.callbacks import UpdateRatioMonitor

    ratios = []
    for lr in (0.01, 0.1):
        model = deep_mlp(3, 8, activation="tanh")
        model.compile(optimizer=__import__("keras").optimizers.SGD(lr), loss="mse")
        monitor = UpdateRatioMonitor()
        model.fit(X, Y, epochs=1, batch_size=len(X), shuffle=False, verbose=0,
                  callbacks=[monitor])
        assert monitor.ratios.shape == (1, 4)
        ratios.append(monitor.ratios[0])
    np.testing.assert_allclose(ratios[1] / ratios[0], 10.0, rtol=1e-3)


def test_monitoring_does_not_change_the_training_run():
    import vgutils

    runs = []
    for monitored in (False, True):
        vgutils.setup(0)
        model = deep_mlp(3, 8, batch_norm=True)
        model.compile(optimizer="sgd", loss="mse")
        callbacks = [GradientMonitor(X[:32], Y[:32], "mse", every_n_batches=3)] if monitored else []
        model.fit(X, Y, epochs=2, batch_size=32, verbose=0, callbacks=callbacks)
        runs.append(model.get_weights())
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)
