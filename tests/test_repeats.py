import numpy as np
import pytest

import vgutils
from vgutils.data import spirals
from vgutils.models import deep_mlp
from vgutils.repeats import spread, train_over_seeds
from vgutils.training import train

X, Y = spirals(200)


def build(seed):
    return deep_mlp(3, 8, "relu", "he_normal", seed=seed)


def test_a_later_seed_in_the_loop_trains_exactly_as_a_fresh_model_would():
    vgutils.setup(0)  # the batch order depends on the run's seed and on the notebook's
    runs = {s: h for s, _, h in train_over_seeds(build, [0, 1], X, Y, "binary_crossentropy",
                                                  "adam", 0.01, epochs=3, batch_size=50)}
    alone = train(build(1), X, Y, "binary_crossentropy", "adam", 0.01, epochs=3, batch_size=50,
                  shuffle_seed=1)
    np.testing.assert_allclose(runs[1]["loss"], alone["loss"], rtol=1e-5)
    assert runs[0]["loss"] != runs[1]["loss"]


def test_the_training_step_is_traced_once_for_all_seeds():
    functions = set()
    for _, model, _ in train_over_seeds(build, [0, 1, 2], X, Y, "mse", "sgd", 0.1, epochs=1):
        functions.add(id(model.train_function))
    assert len(functions) == 1


def test_the_optimiser_restarts_for_every_seed():
    steps = [int(m.optimizer.iterations.numpy())
             for _, m, _ in train_over_seeds(build, [0, 1], X, Y, "mse", "adam", 0.01,
                                             epochs=2, batch_size=100)]
    assert steps == [4, 4]


def test_build_must_keep_the_architecture():
    def changing(seed):
        return deep_mlp(3 + seed, 8, seed=seed)

    with pytest.raises(ValueError, match="build must change only the seed"):
        list(train_over_seeds(changing, [0, 1], X, Y, "mse", epochs=1))


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="build must be a function"):
        list(train_over_seeds(deep_mlp(2, 4), [0], X, Y, "mse"))
    with pytest.raises(ValueError, match="at least one seed"):
        list(train_over_seeds(build, [], X, Y, "mse"))
    with pytest.raises(TypeError, match="callbacks must be a function"):
        list(train_over_seeds(build, [0], X, Y, "mse", callbacks=[]))


def test_spread_is_median_and_range_and_formats_all_three():
    s = spread([0.3, 0.1, 0.2, 0.5, 0.4])
    assert (s.median, s.low, s.high, s.n) == (0.3, 0.1, 0.5, 5)
    assert f"{s:.2f}" == "0.30 (0.10 to 0.50, 5 seeds)"
    with pytest.raises(ValueError, match="NaN"):
        spread([0.1, float("nan")])
    with pytest.raises(ValueError, match="at least one"):
        spread([])


def test_seeds_feed_train_over_seeds():
    vgutils.setup(0)
    got = [s for s, _, _ in train_over_seeds(build, vgutils.seeds(2), X, Y, "mse", epochs=1)]
    assert got == [0, 1]


def test_models_side_by_side_train_as_each_would_alone():
    from vgutils.repeats import train_side_by_side

    models = [build(0), build(1)]
    names = [m.name for m in models]
    together = train_side_by_side(models, X, Y, "binary_crossentropy", "adam", 0.01, epochs=3,
                                  batch_size=50, shuffle_seed=5, metrics=["accuracy"])
    alone = train(build(1), X, Y, "binary_crossentropy", "adam", 0.01, epochs=3, batch_size=50,
                  shuffle_seed=5, metrics=["accuracy"])
    assert sorted(together[1]) == ["accuracy", "loss"]
    np.testing.assert_allclose(together[1]["loss"], alone["loss"], rtol=1e-5)
    assert together[0]["loss"] != together[1]["loss"]
    assert [m.name for m in models] == names  # names restored
    trained = models[1].get_weights()
    assert not np.allclose(trained[0], build(1).get_weights()[0])  # trained in place


def test_side_by_side_refuses_what_would_couple_or_confuse_the_models():
    from vgutils.repeats import train_side_by_side

    model = build(0)
    with pytest.raises(ValueError, match="share the weight"):
        train_side_by_side([model, model], X, Y, "mse")
    with pytest.raises(ValueError, match="global_clipnorm"):
        train_side_by_side([build(0), build(1)], X, Y, "mse", global_clipnorm=1.0)
    with pytest.raises(TypeError, match=r"models\[1\]"):
        train_side_by_side([build(0), "net"], X, Y, "mse")
    with pytest.raises(TypeError, match="non-empty list"):
        train_side_by_side([], X, Y, "mse")


def _terminal(text: str) -> str:
    """What a terminal, JupyterLab and nbval show of text with carriage returns."""
    from nbval.plugin import carriagereturn_pat

    return carriagereturn_pat.sub("", text)


def test_progress_counts_on_one_line_and_leaves_only_what_follows(capsys):
    from vgutils.repeats import progress

    x, y = spirals(64, seed=0)
    runs = train_over_seeds(lambda s: deep_mlp(2, 4, seed=s), vgutils.seeds(3), x, y,
                            "binary_crossentropy", epochs=1, progress="training")
    seen = []
    for _ in runs:
        seen.append(capsys.readouterr().out.rsplit("\r", 1)[-1].strip())
    print("measured")
    out = capsys.readouterr().out
    assert seen == ["training: 0 of 3 done", "training: 1 of 3 done", "training: 2 of 3 done"]
    assert "\n" not in out[:-1] and _terminal(out) == "measured\n"
    for _ in progress(iter(range(5)), "no length"):
        break  # stopping early blanks the line too
    print("next")
    out = capsys.readouterr().out
    assert "no length: 0 done" in out and _terminal(out) == "next\n"
    with pytest.raises(TypeError, match="label must be a non-empty text"):
        list(progress([1], ""))


def test_stored_streams_apply_carriage_returns_as_nbval_does():
    import nbformat
    from nbval.plugin import coalesce_streams

    from tools.coursework import merge_streams

    def stream(text, name="stdout"):
        return nbformat.v4.new_output("stream", name=name, text=text)

    figure = nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"})
    outputs = [stream("\rrun: 0 of 2"), stream("\rrun: 2 of 2"), stream("\r          \r"),
               stream("loss 0.1\n"), figure, stream("a\n"), stream("b\n", "stderr")]
    stored = merge_streams([nbformat.from_dict(o) for o in outputs])
    assert [o.get("text") for o in stored] == ["loss 0.1\n", None, "a\n", "b\n"]
    fresh = coalesce_streams([nbformat.from_dict(o) for o in outputs])
    assert coalesce_streams(stored) == fresh  # what nbval compares is unchanged
