import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from vgutils.labs.recurrent import (  # noqa: E402
    draw_unrolled,
    gate_path_factor,
    jacobian_product_norms,
    log_slope,
    matrix_with_spectral_radius,
    mean_gate_values,
    simple_rnn_log_ratio,
    spectral_radius,
)


@pytest.mark.parametrize("kind", ["orthogonal", "gaussian"])
@pytest.mark.parametrize("rho", [0.5, 1.0, 1.7])
def test_matrix_has_the_spectral_radius_asked_for(kind, rho):
    W = matrix_with_spectral_radius(16, rho, kind, seed=3)
    assert W.shape == (16, 16)
    assert abs(spectral_radius(W) - rho) < 1e-9


def test_scaled_orthogonal_matrix_has_every_singular_value_equal_to_rho():
    s = np.linalg.svd(matrix_with_spectral_radius(20, 1.3, "orthogonal", seed=1), compute_uv=False)
    np.testing.assert_allclose(s, 1.3, rtol=1e-12)


def test_gaussian_matrix_is_not_normal_its_norm_exceeds_its_spectral_radius_by_half():
    W = matrix_with_spectral_radius(32, 1.0, "gaussian", seed=0)
    assert np.linalg.norm(W, 2) > 1.5


def test_different_seeds_give_different_matrices_and_the_same_seed_the_same():
    a = matrix_with_spectral_radius(8, 1.0, seed=0)
    assert np.array_equal(a, matrix_with_spectral_radius(8, 1.0, seed=0))
    assert not np.allclose(a, matrix_with_spectral_radius(8, 1.0, seed=1))


def test_linear_norms_are_powers_of_rho_for_a_scaled_orthogonal_matrix():
    W = matrix_with_spectral_radius(10, 0.8, "orthogonal", seed=2)
    norms = jacobian_product_norms(W, 30)
    np.testing.assert_allclose(norms, 0.8 ** np.arange(31), rtol=1e-9)


def test_linear_norms_are_the_norms_of_matrix_powers_for_a_generic_matrix():
    W = matrix_with_spectral_radius(6, 1.1, "gaussian", seed=4)
    norms = jacobian_product_norms(W, 12, input_scale=5.0)
    expected = [np.linalg.norm(np.linalg.matrix_power(W, k), 2) for k in range(13)]
    np.testing.assert_allclose(norms, expected, rtol=1e-9)


def test_tanh_norms_match_the_jacobian_computed_by_gradient_tape():
    n, steps, scale, seed = 5, 7, 0.7, 3
    W = matrix_with_spectral_radius(n, 1.2, "gaussian", seed=1)
    norms = jacobian_product_norms(W, steps, "tanh", input_scale=scale, seed=seed)
    inputs = np.random.default_rng(seed).normal(0.0, scale, size=(steps, n))
    Wt = tf.constant(W)
    h = tf.zeros(n, tf.float64)
    states = []
    with tf.GradientTape(persistent=True) as tape:
        for t in range(steps):
            tape.watch(h)
            states.append(h)
            h = tf.tanh(tf.linalg.matvec(Wt, h) + inputs[t])
    for k in range(1, steps + 1):
        jac = tape.jacobian(h, states[steps - k]).numpy()  # dh_T / dh_{T-k}
        assert abs(np.linalg.norm(jac, 2) - norms[k]) < 1e-10 * max(1.0, norms[k])


def test_tanh_norms_never_exceed_the_bound_largest_singular_value_to_the_lag():
    W = matrix_with_spectral_radius(16, 1.5, "gaussian", seed=0)
    lam1 = np.linalg.norm(W, 2)
    norms = jacobian_product_norms(W, 40, "tanh", input_scale=0.3)
    assert np.all(norms <= lam1 ** np.arange(41) * (1 + 1e-9))


def test_burn_in_measures_the_jacobians_of_the_last_steps_of_a_longer_run():
    n, burn, steps, scale, seed = 5, 4, 6, 0.8, 2
    W = matrix_with_spectral_radius(n, 1.3, "gaussian", seed=1)
    norms = jacobian_product_norms(W, steps, "tanh", input_scale=scale, seed=seed, burn_in=burn)
    inputs = np.random.default_rng(seed).normal(0.0, scale, size=(burn + steps, n))
    h, slopes = np.zeros(n), []
    for x in inputs:
        h = np.tanh(W @ h + x)
        slopes.append(1 - h**2)
    product = np.eye(n)
    for k in range(1, steps + 1):
        product = product @ (slopes[-k][:, None] * W)
        assert abs(np.linalg.norm(product, 2) - norms[k]) < 1e-12 * max(1.0, norms[k])
    assert not np.allclose(norms, jacobian_product_norms(W, steps, "tanh", input_scale=scale,
                                                         seed=seed))


def test_log_slope_of_a_geometric_sequence_is_log_of_its_ratio():
    assert abs(log_slope(3.0 * 0.7 ** np.arange(20)) - np.log(0.7)) < 1e-12
    assert abs(log_slope(2.0 ** np.arange(20), start=5, stop=15) - np.log(2.0)) < 1e-12


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda: matrix_with_spectral_radius(4, -1.0), ValueError, "rho"),
        (lambda: matrix_with_spectral_radius(4, 1.0, kind="diag"), ValueError, "kind"),
        (lambda: matrix_with_spectral_radius(0, 1.0), ValueError, "n must be"),
        (lambda: jacobian_product_norms(np.ones((2, 3)), 5), ValueError, "W must be"),
        (lambda: jacobian_product_norms(np.eye(2), 5, "relu"), ValueError, "activation"),
        (lambda: jacobian_product_norms(np.eye(2), 0), ValueError, "steps"),
        (lambda: jacobian_product_norms(np.eye(2), 3, input_scale=-1), ValueError, "input_scale"),
        (lambda: log_slope(np.array([1.0, 0.0, 2.0])), ValueError, "> 0"),
        (lambda: log_slope(np.ones(5), start=4), ValueError, "at least two"),
        (lambda: jacobian_product_norms(np.eye(2), 3, burn_in=-1), ValueError, "burn_in"),
        (lambda: gate_path_factor("1", 3), TypeError, "bias"),
        (lambda: gate_path_factor(1.0, -1), ValueError, "steps"),
        (lambda: simple_rnn_log_ratio(0.0, np.zeros((2, 3, 2)), np.zeros((2, 1))), ValueError,
         "gain"),
        (lambda: simple_rnn_log_ratio(1.0, np.zeros((2, 3)), np.zeros((2, 1))), ValueError,
         "X must"),
    ],
)
def test_bad_arguments_are_named(call, error, word):
    with pytest.raises(error, match=word):
        call()


def test_draw_unrolled_draws_one_state_per_step_and_a_loss_per_chunk():
    ax = draw_unrolled(6, truncate=2)
    texts = [t.get_text() for t in ax.texts]
    assert sum(t.startswith("$h_{") for t in texts) == 6
    assert sum(t.startswith("$L_{") for t in texts) == 3
    assert texts.count("x") == 2  # two cut chunk boundaries
    plt.close(ax.figure)


def test_gate_path_factor_is_the_sigmoid_of_the_bias_to_the_number_of_steps():
    assert gate_path_factor(0.0, 10) == 0.5**10
    assert abs(gate_path_factor(1.0, 30) - (1 / (1 + np.exp(-1.0))) ** 30) < 1e-18
    assert gate_path_factor(2.0, 0) == 1.0


def _final_state_by_numpy_matches_keras(cell):
    """mean_gate_values re-runs the cell; check its recurrence through the final state."""
    import keras

    from vgutils.models import recurrent_model

    model = recurrent_model(cell, 4, 6, seed=1)
    rng = np.random.default_rng(0)
    layer = model.get_layer("rnn")
    layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.get_weights()])
    X = rng.normal(size=(3, 6, 2))
    keras_h = keras.Model(model.input, layer.output)(X.astype("float32")).numpy()
    return model, X, keras_h


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_mean_gate_values_follow_the_keras_recurrence(cell, monkeypatch):
    import vgutils.labs.recurrent as rec

    model, X, keras_h = _final_state_by_numpy_matches_keras(cell)
    seen = []
    real = rec._sigmoid
    monkeypatch.setattr(rec, "_sigmoid", lambda a: seen.append(real(a)) or seen[-1])
    gates = mean_gate_values(model, X)
    assert gates.shape == (4,) and np.all((gates > 0) & (gates < 1))
    # the gate of each step is the second sigmoid computed in it (f after i; z before r)
    per_step = 3 if cell == "lstm" else 2
    index = 1 if cell == "lstm" else 0
    gate_steps = [seen[per_step * t + index] for t in range(6)]
    np.testing.assert_allclose(gates, np.mean(gate_steps, axis=(0, 1)), rtol=1e-12)
    # and the recurrence is Keras's: rebuild the final state from the same weights
    kernel, recurrent, bias = (w.astype(np.float64) for w in model.get_layer("rnn").get_weights())
    u, h = 4, np.zeros((3, 4))
    c = np.zeros((3, 4))
    for t in range(6):
        if cell == "lstm":
            a = X[:, t] @ kernel + h @ recurrent + bias
            i, f, o = real(a[:, :u]), real(a[:, u:2 * u]), real(a[:, 3 * u:])
            c = f * c + i * np.tanh(a[:, 2 * u:3 * u])
            h = o * np.tanh(c)
        else:
            ax, ah = X[:, t] @ kernel + bias[0], h @ recurrent + bias[1]
            z, r = real(ax[:, :u] + ah[:, :u]), real(ax[:, u:2 * u] + ah[:, u:2 * u])
            h = z * h + (1 - z) * np.tanh(ax[:, 2 * u:] + r * ah[:, 2 * u:])
    np.testing.assert_allclose(h, keras_h, atol=1e-5)


def test_mean_gate_values_of_a_fresh_lstm_sit_near_sigmoid_of_the_forget_bias():
    from vgutils.models import recurrent_model

    X = np.random.default_rng(0).normal(0, 0.1, size=(20, 10, 2))
    assert abs(mean_gate_values(recurrent_model("lstm", 8, 10, seed=0), X).mean() - 0.731) < 0.02
    assert abs(mean_gate_values(recurrent_model("gru", 8, 10, seed=0), X).mean() - 0.5) < 0.02


def test_mean_gate_values_rejects_a_simple_rnn():
    from vgutils.models import recurrent_model

    with pytest.raises(ValueError, match="LSTM or a GRU"):
        mean_gate_values(recurrent_model("simple", 4, 3, seed=0), np.zeros((1, 3, 2)))


def test_simple_rnn_log_ratio_grows_with_the_gain():
    from vgutils.data import adding_problem

    X, y = adding_problem(16, 20, seed=0)
    small, large = simple_rnn_log_ratio(0.5, X, y), simple_rnn_log_ratio(2.0, X, y)
    assert small < -3 and large > 1


def test_a_sigmoid_recurrence_stays_below_the_bound_gamma_lambda_to_the_lag():
    # phi' <= 1/4: for W = 3Q the bound (3/4)^k holds at every lag, and the real product,
    # with sigmoid slopes below 1/4 away from 0, falls faster than it
    w = matrix_with_spectral_radius(16, 3.0, "orthogonal", seed=1)
    norms = jacobian_product_norms(w, 60, activation="sigmoid", seed=2)
    lags = np.arange(61)
    assert norms[0] == 1.0
    assert np.all(norms <= 0.75**lags * (1 + 1e-9))
    assert norms[60] < 0.75**60 / 10
