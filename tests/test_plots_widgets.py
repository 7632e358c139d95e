import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vgutils.labs.widgets import gradient_explorer, gradient_profile, profile_figure  # noqa: E402
from vgutils.plots import (  # noqa: E402
    plot_activation_histograms,
    plot_histories,
    plot_layer_norms,
    plot_norm_heatmap,
    plot_update_ratios,
)


def test_layer_norm_plot_uses_a_log_axis_and_one_line_per_series():
    ax = plot_layer_norms({"a": [1e-6, 1e-3, 1.0], "b": [1, 1, 1]})
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 2
    plt.close("all")


def test_heatmap_has_layers_as_rows():
    ax = plot_norm_heatmap(np.ones((5, 3)), ["a", "b", "c"])
    assert ax.images[0].get_array().shape == (3, 5)
    with pytest.raises(ValueError, match="layer_names must hold 3 names"):
        plot_norm_heatmap(np.ones((5, 3)), ["a", "b"])
    plt.close("all")


def test_update_ratio_plot_draws_the_reference_line():
    ax = plot_update_ratios(np.full((4, 2), 1e-3))
    ys = [line.get_ydata()[0] for line in ax.get_lines()]
    assert ys.count(-3) == 3  # two layers at 1e-3 and the reference
    plt.close("all")


def test_empty_inputs_are_refused_with_the_argument_named():
    with pytest.raises(ValueError, match="series"):
        plot_layer_norms({})
    with pytest.raises(ValueError, match="histories"):
        plot_histories({})
    with pytest.raises(ValueError, match="outputs"):
        plot_activation_histograms([])
    with pytest.raises(ValueError, match="ratios"):
        plot_update_ratios(np.ones(3))


def test_gradient_profile_clipping_scales_every_layer_alike():
    free = gradient_profile(6, "relu", "he_normal")
    clipped = gradient_profile(6, "relu", "he_normal", clip=1e-3)
    assert np.sqrt(np.sum(clipped**2)) == pytest.approx(1e-3)
    np.testing.assert_allclose(clipped / free, clipped[0] / free[0])


def test_profile_figure_draws_each_setting():
    ax = profile_figure([{"depth": 4, "activation": "sigmoid", "initializer": "glorot_uniform"},
                         {"depth": 4, "activation": "relu", "initializer": "he_normal"}])
    assert len(ax.get_lines()) == 2
    plt.close("all")


def test_the_explorer_redraws_when_a_control_moves():
    box = gradient_explorer(depth=3, clipping=True)
    controls = [c for row in box.children[:2] for c in row.children]
    out = box.children[2]
    assert [c.description for c in controls] == ["depth", "activation", "initializer", "clip at"]
    controls[0].value = 5
    controls[1].value = "tanh"
    assert controls[0].value == 5 and out is box.children[2]


def test_the_explorer_rejects_unknown_choices():
    with pytest.raises(ValueError, match="activation must be one of"):
        gradient_explorer(activation="sigmod")
    with pytest.raises(ValueError, match="initializer must be one of"):
        gradient_explorer(initializer="xavier")


def test_in_a_real_kernel_moving_a_control_redraws_the_figure(tmp_path):
    """The explorer in an IPython kernel (as JupyterLab runs it): a control change redraws."""
    import nbformat
    from nbclient import NotebookClient

    code = [
        "import vgutils\nvgutils.setup(0)\nfrom vgutils.labs.widgets import gradient_explorer\n"
        "box = gradient_explorer(depth=3)\nbox",
        "out = box.children[2]\nfirst = out.outputs[-1]['data']['image/png']\n"
        "box.children[0].children[0].value = 6",
        # the redrawn output reaches the kernel's copy of the widget once the cell is done
        "second = out.outputs[-1]['data']['image/png']\nprint(len(out.outputs), first != second)",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in code])
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    views = [o for o in nb.cells[0].outputs if "application/vnd.jupyter.widget-view+json" in
             o.get("data", {})]
    assert len(views) == 1
    assert nb.cells[2].outputs[0]["text"].strip() == "1 True"


def test_a_history_per_seed_is_drawn_as_median_and_band():
    import matplotlib.pyplot as plt

    from vgutils.plots import plot_histories

    runs = [[1.0, 0.5, 0.2], [1.2, 0.7, 0.4], [0.8, 0.3, 0.1]]
    ax = plot_histories({"relu": runs})
    (line,) = ax.get_lines()
    assert list(line.get_ydata()) == [1.0, 0.5, 0.2] and "median of 3" in line.get_label()
    assert len(ax.collections) == 1  # the min-max band
    plt.close(ax.figure)


def test_layers_whose_gradient_underflows_to_zero_are_marked_not_dropped():
    """normal(std=0.01) at depth 30: every relu layer's gradient is exactly 0 in float32 and
    sigmoid's first layers are; the figure says so, with no warning from the log axis."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for activation, zeros in [("relu", 31), ("sigmoid", 12)]:
            ax = profile_figure([dict(depth=30, activation=activation,
                                      initializer="normal(std=0.01)")])
            label = ax.get_lines()[0].get_label()
            assert f"({zeros} layers exactly 0" in label, label
            marks = ax.get_lines()[1]
            assert marks.get_marker() == "v" and len(marks.get_xdata()) == zeros
            assert any("underflow" in t.get_text() for t in ax.texts)
            plt.close("all")


def test_with_unclipped_the_clipped_profile_is_drawn_beside_the_free_one():
    setting = dict(depth=6, activation="relu", initializer="normal(std=1.0)")
    ax = profile_figure([{**setting, "clip": 1.0}], unclipped=True)
    free, clipped = (line.get_ydata() for line in ax.get_lines())
    np.testing.assert_allclose(free, gradient_profile(**setting), rtol=1e-6)
    assert np.sqrt(np.sum(clipped**2)) == pytest.approx(1.0)
    plt.close("all")


def test_the_explorer_displays_a_static_figure_beside_the_widget_view():
    """Untrusted (opened, not run), JupyterLab renders no widget view: the PNG shows instead."""
    bundle = gradient_explorer(depth=3)._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"} <= set(bundle)
    assert bundle["image/png"].startswith("iVBORw0KGgo")  # a base64 PNG
