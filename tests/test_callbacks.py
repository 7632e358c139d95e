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
