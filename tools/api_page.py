"""Write book/api.md from vgutils.__all__: ``python -m tools.api_page``.

tests/test_layout.py checks that the page lists exactly the names the front door exports.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import vgutils as vg

PAGE = Path(__file__).resolve().parents[1] / "book" / "api.md"

INTRO = """# The toolkit: `vgutils` API

`import vgutils as vg` gives every name below; `vg.<name>` loads its module on first use.
Each entry gives the first paragraph of its docstring; the docstrings (`help(vg.train)`)
give the arguments, what is returned and what is raised. Three kinds of code live in three
places:

- **the toolkit**, this page: data, models, training over seeds, measurements, the diagnosis
  and the plots, for the course's networks and for a reader's own Keras model;
- **`vgutils.labs`**, the machinery of single chapters (listed at the end). It may import
  the toolkit; the toolkit never imports it;
- **`vgutils.exercises`**, the self-checks of the exercises (their answer keys are in
  `vgutils.labs.answers`). Course tooling (executing and timing the chapters, the nbgrader
  course and its release, this page) lives outside the package, in `tools/`.
"""

TITLES = {"data": "Data", "models": "Models", "training": "Training",
          "repeats": "Over seeds", "gradients": "Gradients",
          "probes": "Activations and updates", "callbacks": "During `fit`",
          "diagnosis": "Diagnosis", "plots": "Plots"}

CONSTANTS = {
    "SATURATION": "a unit counts as saturated where its slope is below this share of its "
                  "largest",
    "THRESHOLDS": "the thresholds `diagnose` applies, by name (a dict)",
    "REMEDIES": "the remedy `diagnose` suggests for each problem, with its chapter (a dict)",
}


def summary(obj) -> str:
    """The first paragraph of a docstring, on one line, with Sphinx roles as code."""
    text = (inspect.getdoc(obj) or "").split("\n\n")[0].replace("\n", " ")
    text = re.sub(r":(func|class|mod|meth|data):`~?([^`]+)`", r"`\2`", text)
    return text.replace("``", "`")


def page() -> str:
    import vgutils.labs as labs

    lines = [INTRO, "## Set-up", ""]
    for name in ["setup", "seeds", "current_seed", "tensorflow_was_imported_first"]:
        lines.append(f"- `vg.{name}`: {summary(getattr(vg, name))}")
    lines.append("")
    for module, names in vg.TOOLKIT.items():
        lines += [f"## {TITLES[module]} (`vgutils.{module}`)", ""]
        for name in names:
            obj = getattr(vg, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                lines.append(f"- `vg.{name}`: {summary(obj)}")
            elif isinstance(obj, dict):
                lines.append(f"- `vg.{name}`: {CONSTANTS[name]}")
            else:
                lines.append(f"- `vg.{name}`: {CONSTANTS[name]} (`{obj!r}`)")
        lines.append("")
    lines += ["## The chapters' machinery (`vgutils.labs`)", ""]
    for name in labs.__all__:
        module = __import__(f"vgutils.labs.{name}", fromlist=["_"])
        lines.append(f"- `vgutils.labs.{name}`: {summary(module)}")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    PAGE.write_text(page())
    print(f"wrote {PAGE}")
