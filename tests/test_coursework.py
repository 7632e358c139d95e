import nbformat
import pytest

from tools.coursework import CLAIMS_MARKER, assignment_notebook, make_course, strip_solutions

SOURCE = """def f(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

answer = f(3)
"""


def test_strip_solutions_keeps_indentation_and_the_rest():
    out = strip_solutions(SOURCE)
    assert "return 2 * x" not in out
    assert "    # YOUR CODE HERE\n    raise NotImplementedError()\n" in out
    assert out.startswith("def f(x):\n") and out.endswith("answer = f(3)\n")


def test_strip_solutions_rejects_an_unclosed_block():
    with pytest.raises(ValueError, match="no matching"):
        strip_solutions("### BEGIN SOLUTION\nx = 1\n")


def _solution_cell(source):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": False, "grade_id": "ex", "locked": False, "schema_version": 3,
        "solution": True, "task": False}})


def test_an_assignment_keeps_the_exercises_and_drops_the_books_claims_and_discussions():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text="1\n")]),
        nbformat.v4.new_code_cell(f"{CLAIMS_MARKER}\nassert x == 1, 'x is one'",
                                  metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_code_cell("helper = 2", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_markdown_cell("Exercise: what is 2 + 2?"),
        _solution_cell(SOURCE),
        nbformat.v4.new_markdown_cell("*Answer:* 4", metadata={"tags": ["solution"]}),
    ])
    out = assignment_notebook(nb)
    assert [c.source for c in out.cells] == ["x = 1", "helper = 2",
                                             "Exercise: what is 2 + 2?", SOURCE]
    assert all(not c.outputs for c in out.cells if c.cell_type == "code")


def test_a_solution_region_without_nbgrader_metadata_is_refused_before_nbgrader_does():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOURCE)])
    with pytest.raises(ValueError, match="no nbgrader solution metadata"):
        assignment_notebook(nb)


def test_the_course_never_writes_into_the_chapters_folder(tmp_path):
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "01_x.ipynb")
    with pytest.raises(ValueError, match="must not be the chapters' folder"):
        make_course(tmp_path, [tmp_path / "01_x.ipynb"])


def test_every_chapter_becomes_one_assignment_without_claim_cells(root, tmp_path):
    sources = sorted((root / "notebooks").glob("*.ipynb"))
    before = {p: p.read_bytes() for p in sources}
    written = make_course(tmp_path / "course", sources)
    assert [p.relative_to(tmp_path / "course").as_posix() for p in written] == [
        f"source/{p.stem}/{p.name}" for p in sources]
    assert "course_id" in (tmp_path / "course" / "nbgrader_config.py").read_text()
    for path in written:
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "### BEGIN SOLUTION" in code, f"{path.name} has no exercise"
        assert CLAIMS_MARKER not in code
    assert {p: p.read_bytes() for p in sources} == before


@pytest.mark.parametrize("argv, words", [
    (["execute", "missing.ipynb"], "does not exist"),
    (["course", "out", "."], "is a folder"),
    (["bench", "README.md"], "not a notebook"),
    (["execute", "broken.ipynb"], "cannot be read as a notebook"),
    (["course", "afile.txt", "ok.ipynb"], "course_dir"),
    (["release", ".", "ok.ipynb"], "chapters' folder"),
])
def test_the_command_line_prints_one_line_and_exits_non_zero(argv, words, tmp_path, capsys,
                                                             monkeypatch):
    from tools.coursework import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("# not a notebook\n")
    (tmp_path / "broken.ipynb").write_text("{ not json")
    (tmp_path / "afile.txt").write_text("x")
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "ok.ipynb")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_failing_cell_is_one_line_too(tmp_path, capsys):
    from tools.coursework import main

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    nbformat.write(nb, tmp_path / "fails.ipynb")
    assert main(["execute", str(tmp_path / "fails.ipynb")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "ZeroDivisionError" in err
