"""Bad calls of the kinds people make, across the public API: each ends in one clear error.

Every entry calls a public function wrongly and states the exception type and a word its
message must contain (the argument's name). A Keras, TensorFlow or NumPy exception, an
AttributeError or an IndexError would fail the test, as would a call accepted silently.
"""

import math

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

import vgutils as vg
from vgutils import exercises
from vgutils.labs import activations, clipping, optim, recurrent, saturation, variance, widgets

X, Y = vg.spirals(64, seed=0)
MODEL = vg.deep_mlp(2, 4, seed=0)
RNN = vg.recurrent_model("simple", 4, 5, seed=0)
XS, YS = vg.adding_problem(8, 5, seed=0)
UNBUILT = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(1)])
LAYER = keras.layers.Dense(1)
NAN_X = X.copy()
NAN_X[3, 1] = np.nan
INF_Y = Y.copy()
INF_Y[5] = np.inf


BUILD = lambda s: vg.deep_mlp(2, 4, seed=s)  # noqa: E731


def _used_optimizer_on_a_new_model():
    used = keras.optimizers.SGD(0.1)
    vg.train(vg.deep_mlp(2, 4, seed=1), X, Y, "mse", used, epochs=1)
    return vg.train(vg.deep_mlp(2, 4, seed=2), X, Y, "mse", used, epochs=1)


def _fit(model, x, y, **kw):
    return vg.train(model, x, y, "binary_crossentropy", "sgd", 0.1, epochs=1, **kw)


CASES = {
    # models that are not (yet) models
    "train an unbuilt model": (lambda: _fit(UNBUILT, X, Y), ValueError, "keras.Input"),
    "train a layer": (lambda: _fit(LAYER, X, Y), TypeError, "model"),
    "train a string": (lambda: _fit("mlp", X, Y), TypeError, "model"),
    "gradients of an unbuilt model": (
        lambda: vg.layer_gradient_norms(UNBUILT, X, Y, "mse"), ValueError, "keras.Input"),
    "gradients of a layer": (
        lambda: vg.layer_gradient_norms(LAYER, X, Y, "mse"), TypeError, "model"),
    "loss_and_gradients of an unbuilt model": (
        lambda: vg.loss_and_gradients(UNBUILT, X, Y, "mse"), ValueError, "keras.Input"),
    "weight norms of an unbuilt model": (
        lambda: vg.weight_gradient_norms(UNBUILT, X, Y, "mse"), ValueError, "keras.Input"),
    "activation stats of an unbuilt model": (
        lambda: vg.activation_stats(UNBUILT, X), ValueError, "keras.Input"),
    "activation stats of a layer": (lambda: vg.activation_stats(LAYER, X), TypeError, "model"),
    "diagnose an unbuilt model": (
        lambda: vg.diagnose(UNBUILT, X, Y, "mse"), ValueError, "keras.Input"),
    "diagnose a layer": (lambda: vg.diagnose(LAYER, X, Y, "mse"), TypeError, "model"),
    "kernels of an unbuilt model": (lambda: vg.kernels(UNBUILT), ValueError, "keras.Input"),
    "dense layers of a list": (lambda: vg.dense_layers([MODEL]), TypeError, "model"),
    "train_steps on an unbuilt model": (
        lambda: vg.train_steps(UNBUILT, X, Y, "mse", steps=1), ValueError, "keras.Input"),
    "monitor built on an unbuilt model": (
        lambda: _fit(UNBUILT, X, Y, callbacks=[vg.GradientMonitor(X, Y, "mse")]), ValueError,
        "keras.Input"),
    # data that cannot be right
    "train on NaN inputs": (lambda: _fit(MODEL, NAN_X, Y), ValueError, "x"),
    "train on infinite targets": (lambda: _fit(MODEL, X, INF_Y), ValueError, "y"),
    "diagnose NaN inputs": (lambda: vg.diagnose(MODEL, NAN_X, Y, "mse"), ValueError, "x"),
    "gradients of NaN targets": (
        lambda: vg.layer_gradient_norms(MODEL, X, INF_Y, "mse"), ValueError, "y"),
    "activation stats of NaN inputs": (
        lambda: vg.activation_stats(MODEL, NAN_X), ValueError, "x"),
    "three target columns for one output": (
        lambda: _fit(MODEL, X, np.zeros((64, 3))), ValueError, "y"),
    "targets of another length": (lambda: _fit(MODEL, X, Y[:10]), ValueError, "y"),
    "inputs of the wrong width": (lambda: _fit(MODEL, np.zeros((64, 3)), Y), ValueError, "x"),
    "strings as inputs": (lambda: _fit(MODEL, [["a", "b"]] * 64, Y), TypeError, "x"),
    "no rows": (lambda: _fit(MODEL, np.zeros((0, 2)), np.zeros((0, 1))), ValueError, "x"),
    "a scalar as targets": (lambda: _fit(MODEL, X, 1.0), ValueError, "y"),
    "monitor data with NaN": (lambda: vg.GradientMonitor(NAN_X, Y, "mse"), ValueError, "x"),
    "time steps of 2-D inputs": (
        lambda: vg.time_step_gradient_norms(MODEL, X, Y, "mse"), ValueError, "x"),
    "time steps with targets of another length": (
        lambda: vg.time_step_gradient_norms(RNN, XS, YS[:3], "mse"), ValueError, "y"),
    # learning rates and other numbers
    "negative learning rate": (
        lambda: vg.train(MODEL, X, Y, "mse", "sgd", -0.1, epochs=1), ValueError,
        "learning_rate"),
    "NaN learning rate": (
        lambda: vg.make_optimizer("adam", float("nan")), ValueError, "learning_rate"),
    "zero learning rate": (lambda: vg.make_optimizer("sgd", 0.0), ValueError, "learning_rate"),
    "learning rate as a string": (
        lambda: vg.make_optimizer("sgd", "0.1"), TypeError, "learning_rate"),
    "learning rate as a bool": (
        lambda: vg.make_optimizer("sgd", True), TypeError, "learning_rate"),
    "negative learning rate in train_steps": (
        lambda: vg.train_steps(MODEL, X, Y, "mse", "sgd", 1, -1.0), ValueError,
        "learning_rate"),
    "unknown optimizer": (lambda: vg.make_optimizer("adamw2"), ValueError, "optimizer"),
    "optimizer as a number": (lambda: vg.make_optimizer(3), TypeError, "optimizer"),
    "negative clipnorm": (
        lambda: vg.make_optimizer("sgd", 0.1, clipnorm=-1.0), ValueError, "clipnorm"),
    "epochs as a string": (lambda: _fit(MODEL, X, Y, epochs="2"), TypeError, "epochs"),
    "epochs zero": (
        lambda: vg.train(MODEL, X, Y, "mse", epochs=0), ValueError, "epochs"),
    "batch size as a float": (
        lambda: vg.train(MODEL, X, Y, "mse", batch_size=3.5), TypeError, "batch_size"),
    "unknown loss": (lambda: vg.train(MODEL, X, Y, "msee"), ValueError, "loss"),
    "loss as a number": (lambda: vg.layer_gradient_norms(MODEL, X, Y, 2), TypeError, "loss"),
    "finite difference with a string step": (
        lambda: vg.finite_difference(math.sin, 1.0, eps="1e-5"), TypeError, "eps"),
    "finite difference with a negative step": (
        lambda: vg.finite_difference(math.sin, 1.0, eps=-1e-5), ValueError, "eps"),
    # builders
    "depth as a string": (lambda: vg.deep_mlp("2", 4), TypeError, "depth"),
    "width zero": (lambda: vg.deep_mlp(2, 0), ValueError, "width"),
    "a seed too large for TensorFlow": (lambda: vg.deep_mlp(2, 4, seed=2**62), ValueError,
                                        "seed"),
    "a negative seed": (lambda: vg.residual_mlp(2, 4, seed=-1), ValueError, "seed"),
    "a seed too large for the recurrent builder": (
        lambda: vg.recurrent_model("lstm", 4, 5, seed=2**40), ValueError, "seed"),
    "unknown activation": (lambda: vg.deep_mlp(2, 4, "relux"), ValueError, "activation"),
    "unknown initializer": (lambda: vg.deep_mlp(2, 4, initializer="he"), ValueError,
                            "initializer"),
    "unknown cell": (lambda: vg.recurrent_model("rnn", 4, 5), ValueError, "cell"),
    "batch_norm as a string": (lambda: vg.deep_mlp(2, 4, batch_norm="yes"), TypeError,
                               "batch_norm"),
    # data makers
    "spirals with a string count": (lambda: vg.spirals("100"), TypeError, "n"),
    "spirals with negative noise": (lambda: vg.spirals(100, noise=-0.1), ValueError, "noise"),
    "spirals with turns as a string": (lambda: vg.spirals(100, turns="1"), TypeError, "turns"),
    "circles with NaN noise": (lambda: vg.circles(100, noise=float("nan")), ValueError,
                               "noise"),
    "adding problem too short": (lambda: vg.adding_problem(10, 1), ValueError, "length"),
    "data seed too large": (lambda: vg.spirals(100, seed=2**70), ValueError, "seed"),
    # repeats
    "spread of nothing": (lambda: vg.spread([]), ValueError, "values"),
    "spread of strings": (lambda: vg.spread(["a", "b"]), TypeError, "values"),
    "train_over_seeds with a model, not a function": (
        lambda: list(vg.train_over_seeds(MODEL, [0], X, Y, "mse")), TypeError, "build"),
    "train_over_seeds with a string seed": (
        lambda: list(vg.train_over_seeds(lambda s: vg.deep_mlp(1, 2, seed=s), ["0"], X, Y,
                                         "mse")), TypeError, "seed"),
    "seeds of a string": (lambda: vg.seeds("3"), TypeError, "n"),
    "setup with a float seed": (lambda: vg.setup(1.5), TypeError, "seed"),
    "side by side with one model twice": (
        lambda: vg.train_side_by_side([MODEL, MODEL], X, Y, "mse"), ValueError, "models"),
    "stack_runs of a dict": (lambda: vg.stack_runs({"loss": [1.0]}), TypeError, "runs"),
    # plots
    "plot_histories with a list": (lambda: vg.plot_histories([[1.0, 2.0]]), TypeError,
                                   "histories"),
    "plot_layer_norms with a list": (lambda: vg.plot_layer_norms([1.0, 2.0]), TypeError,
                                     "series"),
    "plot_layer_norms of text": (lambda: vg.plot_layer_norms({"a": ["x", "y"]}), TypeError,
                                 "series"),
    "plot_histories of nothing": (lambda: vg.plot_histories({}), ValueError, "histories"),
    "heatmap of a 1-D array": (lambda: vg.plot_norm_heatmap([1.0, 2.0]), ValueError, "norms"),
    "histograms with a string": (lambda: vg.plot_activation_histograms("abc"), TypeError,
                                 "outputs"),
    "histograms with bins zero": (
        lambda: vg.plot_activation_histograms([np.ones(3)], bins=0), ValueError, "bins"),
    "update ratios of a dict": (lambda: vg.plot_update_ratios({"a": 1}), TypeError, "ratios"),
    # callbacks
    "monitor every 0 batches": (lambda: vg.GradientMonitor(X, Y, "mse", every_n_batches=0),
                                ValueError, "every_n_batches"),
    "update-ratio monitor every '2' batches": (lambda: vg.UpdateRatioMonitor("2"), TypeError,
                                               "every_n_batches"),
    "update_ratio of different shapes": (
        lambda: vg.update_ratio(np.ones(3), np.ones(4)), ValueError, "before"),
    "mean_abs_change of unequal lists": (
        lambda: vg.mean_abs_change([np.ones(2)], []), ValueError, "before"),
    # labs
    "activation of an unknown name": (lambda: activations.activation("relu6", 1.0), ValueError,
                                      "name"),
    "saturation threshold share as a string": (
        lambda: saturation.saturation_threshold("tanh", "0.1"), ValueError, "share"),
    "saturated share with std 0": (lambda: saturation.saturated_share("tanh", 0.0), ValueError,
                                   "std"),
    "per layer factor of one value": (lambda: saturation.per_layer_factor([1.0]), ValueError,
                                      "norms"),
    "init variance of an unknown rule": (lambda: variance.init_variance("xavier2", 4, 4),
                                         ValueError, "rule"),
    "forward variance with a string depth": (
        lambda: variance.forward_variance(1.0, 4, "3", "relu"), TypeError, "depth"),
    "gaussian expectation of a number": (lambda: variance.gaussian_expectation(3.0),
                                         TypeError, "f"),
    "clip by value with a negative threshold": (
        lambda: clipping.clip_by_value([np.ones(2)], -1.0), ValueError, "clip_value"),
    "clip by norm with a string": (lambda: clipping.clip_by_norm([np.ones(2)], "1"),
                                   TypeError, "clip_norm"),
    "global norm of a bare array": (lambda: clipping.global_norm(np.ones(3)), TypeError,
                                    "grads"),
    "steps to reach of nothing": (lambda: optim.steps_to_reach([], 0.5), ValueError,
                                  "losses"),
    "noise drift with sigma as a string": (lambda: optim.noise_drift("sgd", "1"), TypeError,
                                           "sigma"),
    "noise drift with a negative sigma": (lambda: optim.noise_drift("sgd", -1.0), ValueError,
                                          "sigma"),
    "one step sizes with a negative rate": (
        lambda: optim.one_step_sizes(MODEL, X, Y, "mse", "sgd", -0.1), ValueError,
        "learning_rate"),
    "spectral radius of a vector": (lambda: recurrent.spectral_radius(np.ones(3)), ValueError,
                                    "matrix"),
    "matrix with a negative radius": (lambda: recurrent.matrix_with_spectral_radius(4, -1.0),
                                      ValueError, "rho"),
    "gate path factor with string steps": (lambda: recurrent.gate_path_factor(1.0, "10"),
                                           TypeError, "steps"),
    # found by a second probe
    "an activation class, not an object": (
        lambda: vg.deep_mlp(2, 4, activation=keras.layers.LeakyReLU), TypeError, "activation"),
    "NumPy's tanh as activation": (lambda: vg.deep_mlp(2, 4, activation=np.tanh), TypeError,
                                   "activation"),
    "a Dense layer as activation": (
        lambda: vg.deep_mlp(2, 4, activation=keras.layers.Dense(3)), TypeError, "activation"),
    "a cell given as a list": (lambda: vg.recurrent_model(["lstm"], 4, 5), ValueError, "cell"),
    "an initializer seed as text": (lambda: vg.make_initializer("he_normal", "a"), TypeError,
                                    "seed"),
    "a learning rate beyond float32": (lambda: vg.make_optimizer("sgd", 1e39), ValueError,
                                       "learning_rate"),
    "beta_1 above 1": (lambda: vg.make_optimizer("adam", 0.1, beta_1=2.0), ValueError,
                       "beta_1"),
    "nesterov as text": (lambda: vg.make_optimizer("sgd", 0.1, nesterov="yes"), TypeError,
                         "nesterov"),
    "validation targets of another length": (
        lambda: _fit(MODEL, X, Y, validation_data=(X, Y[:5])), ValueError, "validation_data"),
    "callbacks as text": (lambda: _fit(MODEL, X, Y, callbacks="monitor"), TypeError,
                          "callbacks"),
    "metrics as text": (lambda: _fit(MODEL, X, Y, metrics="accuracy"), TypeError, "metrics"),
    "an unknown metric": (lambda: _fit(MODEL, X, Y, metrics=["acc2"]), ValueError, "metrics"),
    "an optimizer used on another model": (
        lambda: _used_optimizer_on_a_new_model(), ValueError, "optimizer"),
    "a loss that returns None": (
        lambda: vg.train_steps(MODEL, X, Y, lambda a, b: None, steps=1), TypeError, "loss"),
    "a loss class, not an object": (
        lambda: vg.layer_gradient_norms(MODEL, X, Y, keras.losses.MeanSquaredError), TypeError,
        "loss"),
    "mean_abs_change of numbers": (lambda: vg.mean_abs_change(5, 5), TypeError, "before"),
    "spread of numbers as text": (lambda: vg.spread(["1", "2"]), TypeError, "values"),
    "stack_runs with a list as key": (lambda: vg.stack_runs([{"loss": [1.0]}], key=["loss"]),
                                      TypeError, "key"),
    "seeds as a count, not a list": (
        lambda: list(vg.train_over_seeds(BUILD, 3, X, Y, "mse", epochs=1)), TypeError, "seeds"),
    "build that takes no seed": (
        lambda: list(vg.train_over_seeds(lambda: vg.deep_mlp(1, 2), [0], X, Y, "mse")),
        TypeError, "build"),
    "watch as text over seeds": (
        lambda: list(vg.train_steps_over_seeds(BUILD, [0], X, Y, "mse", steps=1, watch="no")),
        TypeError, "watch"),
    "training as text": (lambda: vg.loss_and_gradients(MODEL, X, Y, "mse", training="no"),
                         TypeError, "training"),
    "training as None": (lambda: vg.layer_gradient_norms(MODEL, X, Y, "mse", training=None),
                         TypeError, "training"),
    "another model's variables as wrt": (
        lambda: vg.loss_and_gradients(MODEL, X, Y, "mse", wrt=RNN.trainable_variables),
        ValueError, "wrt"),
    "finite difference at text": (lambda: vg.finite_difference(math.sin, "abc"), TypeError,
                                  "x"),
    "finite difference of a vector function": (
        lambda: vg.finite_difference(lambda v: v, [1.0, 2.0]), TypeError, "f"),
    "finite difference at NaN": (lambda: vg.finite_difference(np.sum, [1.0, np.nan]),
                                 ValueError, "x"),
    "layer outputs of no layers": (lambda: vg.layer_outputs(MODEL, X, []), ValueError,
                                   "layers"),
    "layer outputs of another model's layer": (
        lambda: vg.layer_outputs(MODEL, X, [RNN.layers[-1]]), ValueError, "layers"),
    "update ratio of None": (lambda: vg.update_ratio(None, None), TypeError, "before"),
    "update ratio of scalars": (lambda: vg.update_ratio(1.0, 2.0), ValueError, "before"),
    "a figure as ax": (lambda: vg.plot_histories({"a": [1, 2]}, ax=plt.figure()), TypeError,
                       "ax"),
    "an empty history": (lambda: vg.plot_histories({"a": []}), ValueError, "histories"),
    "log as text": (lambda: vg.plot_histories({"a": [1, 2]}, log="no"), TypeError, "log"),
    "negative gradient norms": (lambda: vg.plot_layer_norms({"a": [1.0, -1.0]}), ValueError,
                                "series"),
    "too few histogram names": (
        lambda: vg.plot_activation_histograms([np.ones(3), np.ones(3)], names=["a"]),
        ValueError, "names"),
    "steps of another length": (lambda: vg.plot_update_ratios([[1e-3]], steps=[1, 2, 3]),
                                ValueError, "steps"),
    "an activation named by a list": (lambda: activations.activation(["relu"], 1.0),
                                      ValueError, "name"),
    "an activation of text": (lambda: activations.activation("relu", "abc"), TypeError, "z"),
    "forward variance of an unknown activation": (
        lambda: variance.forward_variance(1.0, 4, 3, "relu6"), ValueError, "activation"),
    "gaussian expectation of a function returning text": (
        lambda: variance.gaussian_expectation(lambda u: "x"), TypeError, "f"),
    "propagate with a 1-D kernel": (
        lambda: variance.propagate([np.ones(2)], "relu", X, np.ones((64, 1))), ValueError,
        "kernels"),
    "saturated share with an infinite std": (
        lambda: saturation.saturated_share("tanh", float("inf")), ValueError, "std"),
    "clip at infinity": (lambda: clipping.clip_by_norm([np.ones(2)], float("inf")), ValueError,
                         "clip_norm"),
    "a None gradient": (lambda: clipping.global_norm([np.ones(2), None]), ValueError, "grads"),
    "steps to reach a text threshold": (lambda: optim.steps_to_reach([1.0, 0.5], "0.6"),
                                        TypeError, "threshold"),
    "noise drift of an optimizer object": (
        lambda: optim.noise_drift(keras.optimizers.SGD(), 1.0), TypeError, "optimizer"),
    "spectral radius with NaN": (lambda: recurrent.spectral_radius([[np.nan]]), ValueError,
                                 "matrix"),
    "gates of a model without 'rnn'": (lambda: recurrent.mean_gate_values(MODEL, XS),
                                       ValueError, "rnn"),
    "explorer deeper than its slider": (lambda: widgets.gradient_explorer(depth=100),
                                        ValueError, "depth"),
    "x without y for a profile": (
        lambda: widgets.gradient_profile(2, "relu", "he_normal", x=X, width=4), ValueError,
        "x and y"),
    "profile settings as one dict": (
        lambda: widgets.profile_figure({"depth": 2, "activation": "relu",
                                        "initializer": "he_normal"}), TypeError, "settings"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_call_gets_one_clear_error_that_names_the_argument(case):
    call, kind, word = CASES[case]
    with pytest.raises(Exception) as caught:
        call()
    error = caught.value
    assert type(error) is kind, (
        f"{case}: expected {kind.__name__}, got {type(error).__name__}: {error}")
    assert word in str(error), f"{case}: the message does not name {word!r}: {error}"
    assert len(str(error).splitlines()) == 1, f"{case}: the message is not one line: {error}"


def test_there_are_at_least_sixty_bad_calls():
    assert len(CASES) >= 60


@pytest.mark.parametrize("answer", [np.array([True, False]), "yes", None, [1, 2], float("nan")])
def test_check_true_answers_any_condition_with_a_verdict(answer):
    feedback = exercises.check_true(answer, "right", "wrong")
    assert isinstance(feedback, exercises.Feedback) and not feedback.ok


@pytest.mark.parametrize("answer", ["1.5", b"1.5", True])
def test_check_value_does_not_take_text_or_a_bool_for_a_number(answer):
    feedback = exercises.check_value(answer, 1.5, name="x")
    assert not feedback.ok and "x" in feedback.message


def test_check_function_with_no_cases_is_not_a_pass():
    feedback = exercises.check_function(np.sin, np.sin, [], name="f")
    assert not feedback.ok


@pytest.mark.parametrize("history", [{}, {"loss": []}, [], {"loss": "0.5"}])
def test_check_run_answers_an_empty_or_odd_history_with_a_verdict(history):
    feedback = exercises.check_run(MODEL, history, X, Y, "binary_crossentropy")
    assert isinstance(feedback, exercises.Feedback) and not feedback.ok


def test_check_run_answers_a_model_that_does_not_fit_the_data_with_a_verdict():
    other = vg.deep_mlp(2, 4, input_dim=3, seed=0)
    feedback = exercises.check_run(other, {"loss": [0.7]}, X, Y, "binary_crossentropy")
    assert isinstance(feedback, exercises.Feedback) and not feedback.ok
    assert "x" in feedback.message or "input" in feedback.message


@pytest.mark.parametrize("answer", [np.array([1 + 5j]), ["1.0", "2.0"], [True, False], 10**400])
def test_check_value_does_not_pass_complex_text_bool_or_overflowing_answers(answer):
    feedback = exercises.check_value(answer, [1.0] if np.ndim(answer) else 1.0, name="x")
    assert isinstance(feedback, exercises.Feedback) and not feedback.ok


def test_check_function_gives_the_reference_its_own_copy_of_the_input():
    def zeroing(z):
        z *= 0
        return z

    feedback = exercises.check_function(zeroing, lambda z: 2 * z, [(np.ones(3),)], name="f")
    assert not feedback.ok


def test_check_function_reports_a_student_function_that_exits():
    import sys

    feedback = exercises.check_function(lambda z: sys.exit(1), np.sin, [(1.0,)], name="f")
    assert not feedback.ok and "SystemExit" in feedback.message


def test_check_choice_does_not_take_an_array_for_a_word():
    feedback = exercises.check_choice(np.array(["vanishing"]), "vanishing",
                                      ["vanishing", "exploding"])
    assert not feedback.ok
