import numpy as np
import pytest

from vgutils.data import spirals
from vgutils.models import deep_mlp
from vgutils.training import kernels, make_optimizer, mean_abs_change, train

X, Y = spirals(256)


def test_train_returns_floats_per_epoch_and_repeats_with_the_seed():
    import vgutils

    vgutils.setup(1)
    a = train(deep_mlp(2, 8, seed=1), X, Y, "binary_crossentropy", "adam", 0.01, epochs=3)
    vgutils.setup(1)
    b = train(deep_mlp(2, 8, seed=1), X, Y, "binary_crossentropy", "adam", 0.01, epochs=3)
    assert len(a["loss"]) == 3 and a == b
    assert a["loss"][-1] < a["loss"][0]


def test_plain_sgd_changes_each_weight_by_lr_times_its_gradient():
    model = deep_mlp(2, 4)
    before = kernels(model)
    train(model, X, Y, "mse", "sgd", 0.1, epochs=1, batch_size=len(X), shuffle=False)
    change = mean_abs_change(before, kernels(model))
    assert change.shape == (3,) and np.all(change > 0)


def test_bad_optimizer_settings_are_named():
    with pytest.raises(ValueError, match="optimizer 'sgdd'"):
        make_optimizer("sgdd")
    with pytest.raises(ValueError, match="as many layers"):
        mean_abs_change([np.zeros(2)], [])


def test_batches_cover_every_example_once_per_epoch_in_a_seeded_order():
    from vgutils.training import batches

    x = np.arange(10, dtype=np.float64).reshape(10, 1)
    data = batches(x, x.copy(), 4, seed=3)
    first = np.concatenate([b[0].numpy().ravel() for b in data])
    second = np.concatenate([b[0].numpy().ravel() for b in data])
    again = np.concatenate([b[0].numpy().ravel() for b in batches(x, x.copy(), 4, seed=3)])
    assert sorted(first) == list(range(10)) and sorted(second) == list(range(10))
    assert not np.array_equal(first, second)  # reshuffled every epoch
    np.testing.assert_array_equal(first, again)  # the same seed, the same order
    assert [len(b[0]) for b in data] == [4, 4, 2]
    assert next(iter(data))[0].dtype.name == "float32"

