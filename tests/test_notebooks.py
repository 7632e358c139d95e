"""The stored notebooks: listed in the book, executed, clean of machine noise, and asserting
their claims. nbval (pytest --nbval, see pyproject.toml) re-runs them and compares outputs."""

import re

import nbformat
import pytest
import yaml
from conftest import ROOT
from ipykernel.kernelspec import get_kernel_dict

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NOISE = [
    (re.compile(r"0x[0-9a-f]{6,}"), "a memory address"),
    (re.compile(r"/(work|home|tmp|root|Users)/"), "a file path"),
    (re.compile(r"\b20\d\d-\d\d-\d\d[ T]\d\d:\d\d"), "a timestamp"),
    (re.compile(r"oneDNN|cpu_feature_guard|absl::|I0000 "), "a TensorFlow start-up line"),
    (re.compile(r"\d+ms/step|ETA:"), "a Keras progress bar"),
]


GUARD = """try:
    import vgutils as vg  # the course's toolkit
except ModuleNotFoundError:  # this kernel's Python lacks the course's packages: say what to do
    raise ModuleNotFoundError(
        "vgutils is not installed in this kernel's Python. Start JupyterLab from the course's "
        "environment (`.venv/bin/jupyter lab notebooks/` after `make book`), or install the course "
        "into this Python: `%cd ..` then `%pip install -r requirements.txt` in a new cell, and "
        "restart the kernel.") from None
"""


def test_without_vgutils_the_opening_cell_says_what_to_install(tmp_path):
    """The guard, run by a Python that cannot import vgutils, raises one sentence."""
    import subprocess
    import sys

    hide = tmp_path / "vgutils"  # a package that fails to import, first on the path
    hide.mkdir()
    (hide / "__init__.py").write_text("raise ModuleNotFoundError('hidden for the test')")
    run = subprocess.run([sys.executable, "-c", GUARD], cwd=tmp_path, capture_output=True,
                         text=True, env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: vgutils is not installed in this kernel's Python")
    assert "%pip install -r requirements.txt" in last and "hidden for the test" not in run.stderr


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = []
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def _read(path):
    return nbformat.read(path, as_version=4)


def test_every_notebook_is_in_the_toc_and_every_toc_entry_exists():
    listed = {f for f in _toc_files() if f.startswith("notebooks/")}
    stored = {f"notebooks/{p.stem}" for p in NOTEBOOKS}
    assert listed == stored
    for f in _toc_files():
        assert (ROOT / f"{f}.ipynb").exists() or (ROOT / f"{f}.md").exists(), f


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_executed_in_order_with_no_errors(path):
    nb = _read(path)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert all(c is not None for c in counts), "some code cells were never executed"
    assert counts == list(range(1, len(counts) + 1)), "cells were not run once, top to bottom"
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"stored error in: {cell.source[:60]}"
            assert not (out.output_type == "stream" and out.name == "stderr"), (
                f"stderr stored in: {cell.source[:60]}: {out.text[:200]}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_outputs_hold_no_machine_noise(path):
    for cell in _read(path).cells:
        for out in cell.get("outputs", []):
            texts = [out.get("text", "")] + [
                v for k, v in out.get("data", {}).items() if k.startswith("text/")
            ]
            for text in texts:
                for pattern, what in NOISE:
                    assert not pattern.search(text), f"{what} in the output of: {cell.source[:60]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_starts_with_vgutils_and_has_the_chapter_shape(path):
    nb = _read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = code[0].source
    assert first.startswith(GUARD), (
        "the opening cell starts with the front door, `import vgutils as vg`, guarded by the "
        "message that says how to install the course (the same words in every chapter)")
    rest = first[len(GUARD):]
    assert rest.startswith("SEED = vg.setup(")
    assert len(rest.splitlines()) <= 8, "after the guard, the opening cell is at most 8 lines"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ["What you will learn", "## Summary", "## Exercises", "## References"]:
        assert heading in text, f"missing {heading!r}"
    # as ipykernel writes it, so JupyterLab does not mark the notebook modified on opening
    assert nb.metadata.kernelspec == {
        k: v for k, v in get_kernel_dict().items() if k in ("display_name", "language")
    } | {"name": "python3"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_asserts_its_claims_in_at_least_three_places(path):
    asserts = sum(
        c.source.count("assert ")
        for c in _read(path).cells
        if c.cell_type == "code" and "remove-cell" in c.metadata.get("tags", [])
    )
    assert asserts >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_seeds_flow_from_setup_so_vgutils_seed_reaches_every_model(path):
    # VGUTILS_SEED replaces setup's seed; a literal seed=0 in a builder would ignore it
    code = [c.source for c in _read(path).cells if c.cell_type == "code"]
    assert re.search(r"^SEED = vg\.setup\(seed=\d+\)", code[0], re.M), (
        "the first cell keeps setup's return value: SEED = vg.setup(seed=0)"
    )
    builders = re.compile(r"(deep_mlp|residual_mlp|recurrent_model)\([^)]*seed=\d")
    for source in code[1:]:
        assert not builders.search(source), f"a model seed is a literal in: {source[:80]}"


_IGNORED = re.compile(r"#\s*NBVAL_IGNORE_OUTPUT")


def test_ignored_outputs_are_rare_and_each_says_why():
    outputs = ignored = 0
    for path in NOTEBOOKS:
        for cell in _read(path).cells:
            if cell.cell_type != "code" or not cell.outputs:
                continue
            outputs += 1
            lines = cell.source.splitlines()
            if any(_IGNORED.search(line) for line in lines):
                ignored += 1
                i = next(i for i, line in enumerate(lines) if _IGNORED.search(line))
                reason = _IGNORED.sub("", lines[i]).strip(" #:-") or (
                    lines[i + 1].lstrip().startswith("#") and lines[i + 1])
                assert reason, f"{path.stem}: an ignored output without its reason: {lines[i]}"
    assert ignored < 0.05 * outputs, f"{ignored} of {outputs} output cells are not compared"


_VERDICT = re.compile(r"^(?!correct:|not yet:).*(^|[\s:=])(True|False)\s*$", re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_printed_lines_show_measurements_not_bare_verdicts(path):
    # "loss below 0.2: True" hides the number; print it, and let an assert carry the claim
    for cell in _read(path).cells:
        if cell.cell_type != "code" or "### BEGIN SOLUTION" in cell.source:
            continue
        for out in cell.outputs:
            text = out.get("text", "") if out.output_type == "stream" else ""
            assert not _VERDICT.search(text), f"a bare True/False printed: {text[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_exercise_solution_is_folded_and_followed_by_a_check(path):
    cells = _read(path).cells
    solutions = [i for i, c in enumerate(cells) if "### BEGIN SOLUTION" in c.source]
    assert len(solutions) >= 3, "a chapter has at least three exercises"
    for i in solutions:
        assert "### END SOLUTION" in cells[i].source
        assert "hide-input" in cells[i].metadata.get("tags", []), "solutions are shown folded"
        after = next(c for c in cells[i + 1 :] if c.cell_type == "code")
        assert "answers.check(" in after.source, "a check cell follows each solution"
        shown = "".join(o.get("text", "") for o in after.outputs if o.output_type == "stream")
        assert "\ncorrect:" in "\n" + shown, f"the stored check says: {shown[:120]}"


_REFERENCE = re.compile(r"check_(value|function|choice|true|run)\(|np\.|\*\*|math\.|variance\.")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_visible_check_cell_computes_its_answer(path):
    # the answer keys live in vgutils.labs.answers: a check cell passes the student's answer
    # and the chapter's objects, never a reference value a student could print
    for cell in _read(path).cells:
        grade = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not grade.get("grade") or grade.get("solution"):
            continue
        hidden = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source,
                            flags=re.S)
        visible = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source,
                         flags=re.S)
        # the release shows the form check; the value is graded by the hidden test
        assert "answers.check_form(" in visible and hidden, (
            f"{path.stem}: a graded cell without its form check and hidden test: {cell.source}")
        def flat(text):
            return " ".join(text.split())

        assert [flat(h.replace("answers.check(", "answers.check_form(")) for h in hidden] == [
            flat(re.search(r"answers\.check_form\(.*", visible, re.S)[0])], (
            f"{path.stem}: the hidden test should repeat the visible call as answers.check")
        assert not _REFERENCE.search(visible + "".join(hidden)), (
            f"{path.stem}: a check cell computes something: {cell.source[:160]}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_written_answer_cell_holds_only_the_model_answer(path):
    # nbgrader's release replaces the whole cell by "YOUR ANSWER HERE": a question inside it
    # would vanish from the student's notebook
    for cell in _read(path).cells:
        grade = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and grade.get("grade"):
            assert grade.get("solution") and cell.source.startswith(":::{dropdown} Answer"), (
                f"{path.stem}: {cell.source[:120]}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_chapter_has_a_prediction_and_an_open_experiment(path):
    text = "\n".join(c.source for c in _read(path).cells if c.cell_type == "markdown")
    exercises = text[text.index("## Exercises"):]
    assert "(predict, then measure)" in exercises, "no 'predict, then measure' exercise"
    assert "(an open experiment)" in exercises, "no exercise that asks for an open experiment"


def test_requirements_are_exact_pins(root):
    for line in (root / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line or line == "-e .":
            continue
        assert re.match(r"^[A-Za-z0-9_.\-\[\]]+==[0-9][^;\s]*(\s*;.*)?$", line), line


def _names_bound_before_stub(source: str) -> set[str]:
    """Top-level names a cell binds before its first top-level `raise` (the stub's)."""
    import ast

    bound: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Raise):
            break
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                bound.add(sub.id)
    return bound


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_in_the_student_edition_each_check_finds_the_names_it_reads(path):
    """A check run before the exercise is done must say 'not yet', not raise NameError."""
    import ast

    from tools.coursework import strip_solutions

    cells = _read(path).cells
    for i, cell in enumerate(cells):
        if "### BEGIN SOLUTION" not in cell.source:
            continue
        full = _names_bound_before_stub(cell.source + "\nraise SystemExit")
        stub = _names_bound_before_stub(strip_solutions(cell.source))
        check = next(c for c in cells[i + 1 :] if c.cell_type == "code")
        tree = ast.parse(check.source)
        own = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
               and not isinstance(n.ctx, ast.Load)}
        own |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments)
                for a in n.args + n.kwonlyargs}
        read = {n.id for n in ast.walk(tree)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - own
        missing = (full - stub) & read
        assert not missing, (
            f"the check after exercise cell {i} reads {sorted(missing)}, which only the solution "
            "defines: set them to None before '### BEGIN SOLUTION'"
        )


_TOOLKIT_IMPORT = re.compile(r"^\s*from vgutils\.(?!labs\b|exercises\b)\w+ import", re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapters_call_the_toolkit_through_the_front_door(path):
    # vg.train, vg.spirals: every name shows where it comes from
    for cell in _read(path).cells:
        if cell.cell_type == "code":
            assert not _TOOLKIT_IMPORT.search(cell.source), (
                f"{path.stem}: import the toolkit as `vg` instead of: {cell.source[:80]}")
