"""The coursework through nbgrader, as an instructor runs it (instructor guide, step by step).

For every chapter: `nbgrader generate_assignment` releases it, then `nbgrader autograde`
grades two submissions, the instructor's solved notebook (`source/`) and the untouched
release. The solved one must score every autograded point, the untouched one none, and each
failed test of the untouched one must say in one sentence what is off (no traceback).
"""

import shutil

import nbformat
import pytest
from conftest import ROOT

from tools.coursework import CLAIMS_MARKER, make_course, nbgrader, scores

CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    where = tmp_path_factory.mktemp("course")
    make_course(where, CHAPTERS)
    return where


def _graded_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_is_released_and_autograded_full_marks_solved_and_none_untouched(chapter,
                                                                                  course):
    name = chapter.stem
    nbgrader(course, "generate_assignment", name, "--force")
    released = course / "release" / name / chapter.name
    nb = nbformat.read(released, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "### BEGIN SOLUTION" not in code and "raise NotImplementedError()" in code
    assert "BEGIN HIDDEN TESTS" not in code and CLAIMS_MARKER not in code
    assert len(_graded_cells(nb)) >= 3, "a chapter grades at least three answers"

    for student, notebook in [("solved", course / "source" / name / chapter.name),
                              ("untouched", released)]:
        folder = course / "submitted" / student / name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(notebook, folder / chapter.name)
    nbgrader(course, "autograde", name, "--force")

    marks = scores(course, name)
    assert marks["solved"]["auto_max"] >= 3
    assert marks["solved"]["auto"] == marks["solved"]["auto_max"], (
        f"the solved {name} scores {marks['solved']}")
    assert marks["untouched"]["auto"] == 0, f"the untouched release scores {marks['untouched']}"

    graded = nbformat.read(course / "autograded" / "untouched" / name / chapter.name,
                           as_version=4)
    for cell in _graded_cells(graded):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors, f"a test of the untouched {name} passed: {cell.source[:80]}"
        for error in errors:
            shown = "\n".join(error.traceback)
            assert len(error.traceback) == 1 and shown.startswith("not yet: "), (
                f"{name}: a failed test should read as one sentence, got {shown[:300]}")
