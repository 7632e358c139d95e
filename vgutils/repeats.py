"""Experiments repeated over seeds: one compiled model retrained per seed, and the spread.

A claim about training is a claim over seeds. Training is chaotic: two CPUs with different
instruction sets round differently, and the difference grows during training, so one run is
one draw. :func:`train_over_seeds` trains the same architecture once per seed while tracing
its training step only once (building and tracing a fresh model costs seconds, a few more
epochs a fraction of that), and :func:`spread` summarises the per-seed results as a median
with its range.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from ._checks import as_float_array, check_int, check_model, check_seed, check_xy
from .gradients import Loss, get_loss
from .training import (
    _check_batch_size,
    _check_callbacks,
    _check_metrics,
    _StepLoop,
    _validation,
    batches,
    make_optimizer,
)

__all__ = ["Spread", "spread", "models_over_seeds", "train_over_seeds", "train_steps_over_seeds",
           "stack_runs", "train_side_by_side", "progress"]


def progress(items: Iterable[Any], label: str, total: int | None = None) -> Iterator[Any]:
    """Yield from ``items`` while one line of the cell's output counts how many are done.

    For a cell that runs for more than a few seconds: the line reads ``label: 2 of 5 done``
    and is rewritten in place (a carriage return) after each item; when the loop ends, or
    stops early, it is blanked out. Jupyter, nbval and the book's build all apply carriage
    returns, so once the cell prints what it measured, its stored output holds only that:
    the comparison of outputs is unchanged. This is the toolkit's one function that writes
    to the output, and only because the notebook asks for it.

    Args:
        items: what the loop runs over (seeds, settings or a generator of runs).
        label: what is being done, e.g. ``"training, 5 seeds"``.
        total: how many items there are; by default ``len(items)`` where it has one.
    """
    if not isinstance(label, str) or not label.strip():
        raise TypeError(f"label must be a non-empty text saying what is being done, got "
                        f"{label!r}")
    if total is None and hasattr(items, "__len__"):
        total = len(items)
    if total is not None:
        total = check_int("total", total, minimum=0)
    of = f" of {total}" if total is not None else ""
    width = 0

    def show(text: str) -> None:
        nonlocal width
        width = max(width, len(text))
        sys.stdout.write("\r" + text.ljust(width))
        sys.stdout.flush()

    show(f"{label}: 0{of} done")
    try:
        for done, item in enumerate(items, 1):
            yield item
            show(f"{label}: {done}{of} done")
    finally:
        sys.stdout.write("\r" + " " * width + "\r")
        sys.stdout.flush()


@dataclass(frozen=True)
class Spread:
    """The median of per-seed values with their smallest and largest, and how many there were.

    Formatting applies a number format to all three: ``f"{s:.2f}"`` gives
    ``"0.12 (0.08 to 0.20, 5 seeds)"``.
    """

    median: float
    low: float
    high: float
    n: int

    def __format__(self, spec: str) -> str:
        spec = spec or ".3g"
        return (f"{self.median:{spec}} ({self.low:{spec}} to {self.high:{spec}}, "
                f"{self.n} seeds)")

    def __str__(self) -> str:
        return format(self)


def spread(values: Iterable[float]) -> Spread:
    """Median, minimum and maximum of one value per seed.

    Raises:
        ValueError: if ``values`` is empty or holds NaN.
    """
    if isinstance(values, str | bytes | dict) or not hasattr(values, "__iter__"):
        raise TypeError(f"values must be a list of numbers (one per seed), got "
                        f"{type(values).__name__}")
    values = list(values)
    if any(isinstance(v, str | bytes) for v in values):
        raise TypeError(f"values must be numbers (one per seed), not text: {values[:3]!r}")
    try:
        array = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError("values must be a list of numbers (one per seed), got "
                        f"{list(values)[:3]!r}...") from None
    if array.size == 0:
        raise ValueError("values must hold at least one number (one per seed), got none")
    if np.isnan(array).any():
        raise ValueError(f"values must not hold NaN (a diverged run?), got {array.tolist()}")
    return Spread(float(np.median(array)), float(array.min()), float(array.max()), array.size)


def models_over_seeds(build: Callable[[int], keras.Model], seeds: Iterable[int]
                      ) -> Iterator[tuple[int, keras.Model]]:
    """Yield ``(seed, model)``: ``build(first seed)`` itself, then, for each later seed, the
    same model object with ``build(seed)``'s initial weights copied in.

    The loop behind every repeat-over-seeds helper: the caller compiles or traces the model
    once, at the first seed, and resets its own optimiser state at the later ones.

    Raises:
        TypeError: if ``build`` is not a function or returns no model.
        ValueError: if ``seeds`` is empty, or ``build`` changes the architecture.
    """
    if not callable(build) or isinstance(build, keras.layers.Layer):
        raise TypeError(f"build must be a function from a seed to a new model (e.g. "
                        f"lambda seed: deep_mlp(..., seed=seed)), got {type(build).__name__}")
    if isinstance(seeds, str | bytes) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a list of seeds such as vg.seeds(3), got "
                        f"{type(seeds).__name__} {seeds!r}")
    seeds = [check_seed("seed", s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got none")
    model = None
    for seed in seeds:
        try:
            fresh = build(seed)
        except TypeError as error:
            if "positional argument" not in str(error):
                raise
            raise TypeError(f"build must take the seed as its one argument (e.g. lambda seed: "
                            f"deep_mlp(..., seed=seed)): {error}") from None
        check_model(fresh, f"build({seed})")
        if model is None:
            model = fresh
        else:
            ours = [tuple(w.shape) for w in model.weights]
            theirs = [tuple(w.shape) for w in fresh.weights]
            if ours != theirs:
                raise ValueError(f"build({seed}) made a model with other weights than build's "
                                 f"first model ({len(theirs)} weights against {len(ours)}): "
                                 "build must change only the seed")
            model.set_weights(fresh.get_weights())
        del fresh
        yield seed, model


def _counted(runs: Iterator[Any], label: str | None, seeds: Iterable[int]) -> Iterator[Any]:
    """``runs`` as they are, or counted on one output line (:func:`progress`) with a label."""
    if label is None:
        return runs
    return progress(runs, label, total=len(seeds) if hasattr(seeds, "__len__") else None)


def train_over_seeds(
    build: Callable[[int], keras.Model],
    seeds: Iterable[int],
    x: Any,
    y: Any,
    loss: Loss,
    optimizer: str = "sgd",
    learning_rate: float | None = None,
    epochs: int = 10,
    batch_size: int = 32,
    callbacks: Callable[[int], list] | None = None,
    metrics: list | None = None,
    validation_data: tuple | None = None,
    progress: str | None = None,
    **optimizer_settings: Any,
) -> Iterator[tuple[int, keras.Model, dict[str, list[float]]]]:
    """Train ``build(seed)`` for each seed; yield ``(seed, trained model, history)``.

    The first seed's model is compiled once; for each further seed ``build(seed)`` makes
    fresh initial weights (building is cheap, tracing is not), which are copied into the
    compiled model, and the optimiser's state (step count, moments) is reset to where it
    started, so every seed's run is a fresh run that reuses one traced training step. The
    batches are shuffled with the seed (as ``train(..., shuffle_seed=seed)``); a layer with
    randomness of its own (dropout) continues its stream from run to run. The same model
    object is yielded every time: measure it inside the loop.

    Args:
        build: a function from a seed to a new, uncompiled model; it must change only the
            initial weights (the same layers and shapes for every seed).
        seeds: the seeds, e.g. ``vgutils.seeds(5)``.
        x, y, loss, optimizer, learning_rate, epochs, batch_size, metrics, validation_data,
            optimizer_settings: as for :func:`vgutils.training.train`; ``optimizer`` is a name.
        callbacks: a function from the seed to a list of fresh Keras callbacks, or None.
        progress: a label; with it, one line of the cell's output counts the seeds done
            (see :func:`progress`). None: nothing is shown.

    Raises:
        TypeError: if ``build`` or ``callbacks`` is not callable, or ``build`` returns no model.
        ValueError: if ``seeds`` is empty, or ``build`` changes the architecture.
    """
    if not callable(build) or isinstance(build, keras.layers.Layer):
        raise TypeError(f"build must be a function from a seed to a new model (e.g. "
                        f"lambda seed: deep_mlp(..., seed=seed)), got {type(build).__name__}")
    if callbacks is not None and not callable(callbacks):
        raise TypeError("callbacks must be a function from the seed to a list of callbacks "
                        "(fresh ones for every run), or None")
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be a name such as 'adam' (a fresh optimiser is made "
                        f"from it), got {type(optimizer).__name__}")
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    get_loss(loss)
    start = None
    for seed, model in _counted(models_over_seeds(build, seeds), progress, seeds):
        if start is None:
            x, y = check_xy(model, x, y)
            opt = make_optimizer(optimizer, learning_rate, **optimizer_settings)
            opt.build(model.trainable_variables)  # one trace of the training step, not two
            model.compile(optimizer=opt, loss=loss, metrics=_check_metrics(metrics))
            start = [np.array(v.numpy(), copy=True) for v in opt.variables]
            validation = _validation(model, validation_data, batch_size)
        else:
            for variable, value in zip(model.optimizer.variables, start, strict=True):
                variable.assign(value)
        # no keras.utils.set_random_seed(seed) here: resetting TensorFlow's global seed makes
        # tf.function retrace the training step (about a second a run); the batch order is
        # seeded below, and build(seed) gives the initial weights
        history = model.fit(batches(x, y, batch_size, seed=seed), epochs=epochs,
                            callbacks=_check_callbacks(callbacks(seed)) if callbacks else [],
                            validation_data=validation, shuffle=False, verbose=0)
        yield seed, model, {k: [float(v) for v in vals] for k, vals in history.history.items()}


def train_steps_over_seeds(
    build: Callable[[int], keras.Model],
    seeds: Iterable[int],
    x: Any,
    y: Any,
    loss: Loss,
    optimizer: str | keras.optimizers.Optimizer = "sgd",
    steps: int = 100,
    learning_rate: float | None = None,
    batch_size: int | None = None,
    watch: bool = False,
    progress: str | None = None,
    **optimizer_settings: Any,
) -> Iterator[tuple[int, keras.Model, dict[str, Any]]]:
    """:func:`vgutils.training.train_steps` on ``build(seed)`` for each seed, traced once.

    The first seed's model is trained by one traced loop; for each further seed
    ``build(seed)`` makes fresh initial weights, which are copied into that same model, and
    the optimiser's state (step count, moments) is reset to where it started, so every
    seed's run is a fresh run with the same settings. Mini-batches are drawn from each
    run's own seed. The same model object is yielded every time: measure it inside the loop.

    Args:
        build: a function from a seed to a new model, e.g. ``lambda s: deep_mlp(6, 32,
            seed=s)``; it may change the weights it made (e.g. scale some kernels) but must
            make the same layers and shapes for every seed.
        seeds: the seeds, e.g. ``vgutils.seeds(5)``.
        x, y, loss, optimizer, steps, learning_rate, batch_size, watch, optimizer_settings:
            as for :func:`vgutils.training.train_steps`; an optimiser object must be fresh
            (one per call).
        progress: a label; with it, one line of the cell's output counts the seeds done
            (see :func:`progress`). None: nothing is shown.

    Yields:
        ``(seed, trained model, record)``; the record is as ``train_steps`` returns it.

    Raises:
        TypeError: if ``build`` is not callable or returns no model.
        ValueError: if ``seeds`` is empty or ``build`` changes the architecture.
    """
    steps = check_int("steps", steps, minimum=1)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    loop = start = None
    for seed, model in _counted(models_over_seeds(build, seeds), progress, seeds):
        if loop is None:
            x, y = check_xy(model, x, y)
            batch_size = _check_batch_size(batch_size, len(x))
            opt = make_optimizer(optimizer, learning_rate, **optimizer_settings)
            loop = _StepLoop(model, loss, opt, x, y, batch_size, watch)
            start = [np.array(v.numpy(), copy=True) for v in opt.variables]
        else:
            for variable, value in zip(loop.optimizer.variables, start, strict=True):
                variable.assign(value)
        yield seed, model, loop.run(steps, seed)


def stack_runs(runs: Sequence[dict[str, Any]], key: str = "loss") -> np.ndarray:
    """One row per run of ``run[key]``, padded with NaN after a run that stopped early, for
    plotting runs over seeds as a band (:func:`vgutils.plots.plot_histories`).

    A NaN recorded by the run itself (an overflow, such as inf - inf) becomes +inf, so that
    NaN means only "no such step" and the overflow still shows as off the scale.

    Args:
        runs: records from :func:`train_steps_over_seeds` or ``train_steps``.
        key: the recorded quantity, e.g. ``"loss"`` or ``"grad_norm"``.
    """
    if isinstance(runs, dict) or not isinstance(runs, Sequence) or not runs:
        raise TypeError("runs must be a non-empty list of records from train_steps or "
                        "train_steps_over_seeds")
    if any(not isinstance(run, dict) for run in runs):
        raise TypeError("runs must hold records (dicts) from train_steps, got "
                        f"{sorted({type(run).__name__ for run in runs})}")
    if not isinstance(key, str):
        raise TypeError(f"key must be the name of a recorded quantity such as 'loss', got "
                        f"{type(key).__name__}")
    if any(key not in run for run in runs):
        raise KeyError(f"key must be one of {sorted(runs[0])}, got {key!r}")
    rows = [np.nan_to_num(as_float_array(f"runs[{i}][{key!r}]", run[key], np.float64),
                          nan=np.inf, posinf=np.inf, neginf=-np.inf)
            for i, run in enumerate(runs)]
    if any(row.size == 0 for row in rows):
        raise ValueError(f"runs hold a record with no {key!r} values (a run of no steps?)")
    if any(row.ndim != 1 for row in rows):
        raise ValueError(f"key must name a per-step record (one number per step), got {key!r}")
    out = np.full((len(rows), max(len(r) for r in rows)), np.nan)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def train_side_by_side(
    models: list[keras.Model],
    x: Any,
    y: Any,
    loss: Loss,
    optimizer: str = "sgd",
    learning_rate: float | None = None,
    epochs: int = 10,
    batch_size: int = 32,
    shuffle_seed: int | None = None,
    metrics: list | None = None,
    **optimizer_settings: Any,
) -> list[dict[str, list[float]]]:
    """Train independent models at once, as the outputs of one Keras model; one history each.

    On a CPU a small network's training step is bound by the number of operations, not by
    their size, and a recurrent network's step is a chain of small operations that leaves a
    core idle. Joined as the outputs of one Keras model, the models' steps run side by side
    (on 2 cores, 3 recurrent networks train in about 0.45 of the time they take one after
    another). Nothing couples them: the loss is the sum of their losses, so the gradient with
    respect to one model's weights is that model's own gradient, and an optimiser that updates
    each weight from its own gradient (SGD, momentum, Adam, RMSprop, with ``clipnorm`` or
    ``clipvalue`` but not ``global_clipnorm``) moves each model as training it alone would.
    Every model sees the same batches in the same order (shuffled from ``shuffle_seed``), so
    models built from different seeds differ only in their initial weights.

    The models are trained in place (measure them afterwards); they are compiled only as
    parts of the joint model.

    Args:
        models: two or more built models that each take ``x`` and share no weights.
        x, y, loss, optimizer, learning_rate, epochs, batch_size, optimizer_settings: as for
            :func:`vgutils.training.train`; ``optimizer`` is a name, and every model's target
            is ``y``.
        shuffle_seed: the seed of the batch order; None draws one from Keras's seeded stream.
        metrics: Keras metrics computed for every model, e.g. ``["accuracy"]``.

    Returns:
        one history per model, in order: ``{"loss": [...], "accuracy": [...], ...}``.

    Raises:
        TypeError: if ``models`` is not a list of Keras models, or ``optimizer`` not a name.
        ValueError: if a model is given twice or shares weights with another, or
            ``global_clipnorm`` is set (it would couple the models).
    """
    if not isinstance(models, list | tuple) or not models:
        raise TypeError("models must be a non-empty list of Keras models, got "
                        f"{type(models).__name__}")
    for i, model in enumerate(models):
        if not isinstance(model, keras.Model):
            raise TypeError(f"models[{i}] must be a keras.Model, got {type(model).__name__}")
        if not getattr(model, "inputs", None):
            raise ValueError(f"models[{i}] has no inputs yet: build it with keras.Input first")
    owners: dict[int, int] = {}
    for i, model in enumerate(models):
        for weight in model.weights:
            j = owners.setdefault(id(weight), i)
            if j != i:
                raise ValueError(f"models[{i}] and models[{j}] share the weight {weight.path!r}: "
                                 "models trained side by side must be independent")
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be a name such as 'adam' (a fresh optimiser is made "
                        f"from it), got {type(optimizer).__name__}")
    if optimizer_settings.get("global_clipnorm") is not None:
        raise ValueError("global_clipnorm clips all the models' gradients together, which "
                         "couples them; use clipnorm (per weight) or train the models one by one")
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if shuffle_seed is not None:
        shuffle_seed = check_int("shuffle_seed", shuffle_seed, minimum=0)
    get_loss(loss)
    checked = [check_xy(model, x, y) for model in models]
    x, y = checked[0]
    names = [model.name for model in models]
    try:
        for i, model in enumerate(models):
            model.name = f"{names[i]}__{i}"  # the joint model needs distinct names
        inputs = keras.Input(shape=x.shape[1:], name="side_by_side_input")
        outputs = [keras.layers.Identity(name=f"model_{i}")(model(inputs))
                   for i, model in enumerate(models)]
        joint = keras.Model(inputs, outputs, name="side_by_side")
        opt = make_optimizer(optimizer, learning_rate, **optimizer_settings)
        opt.build(joint.trainable_variables)
        n = len(models)
        metrics = _check_metrics(metrics)
        joint.compile(optimizer=opt, loss=[loss] * n,
                      metrics=[list(metrics) for _ in range(n)] if metrics else None)
        data = batches(x, y, batch_size, seed=shuffle_seed).map(
            lambda xb, yb: (xb, tuple([yb] * n)))
        history = joint.fit(data, epochs=epochs, shuffle=False, verbose=0).history
    finally:
        for model, name in zip(models, names, strict=True):
            model.name = name
    out = []
    for i in range(n):
        prefix = f"model_{i}_"
        out.append({k[len(prefix):]: [float(v) for v in vals]
                    for k, vals in history.items() if k.startswith(prefix)})
    return out
