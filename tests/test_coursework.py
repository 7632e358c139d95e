import nbformat
import pytest

from tools.coursework import make_student, strip_solutions

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


def test_make_student_never_writes_over_the_sources(tmp_path):
    with pytest.raises(ValueError, match="out_dir must not be src_dir"):
        make_student(tmp_path, tmp_path)


def test_student_edition_of_every_chapter_has_stubs_and_no_outputs(root, tmp_path):
    sources = sorted((root / "notebooks").glob("*.ipynb"))
    before = {p: p.read_bytes() for p in sources}
    written = make_student(root / "notebooks", tmp_path)
    assert [p.name for p in written] == [p.name for p in sources]
    for path in written:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        text = "\n".join(c.source for c in code)
        assert "### BEGIN SOLUTION" not in text
        assert "raise NotImplementedError()" in text, f"{path.name} has no exercise"
        assert all(not c.outputs for c in code)
    assert {p: p.read_bytes() for p in sources} == before


def test_grading_reads_every_check_of_a_solved_and_of_an_unsolved_chapter(root, tmp_path):
    from tools.coursework import grade

    solved = grade(root / "notebooks" / "01_chain_rule.ipynb")
    assert [ok for _, ok, _ in solved] == [True, True, True]
    student = make_student(root / "notebooks", tmp_path)
    unsolved = grade(next(p for p in student if p.name == "01_chain_rule.ipynb"))
    assert len(unsolved) == 3 and not any(ok for _, ok, _ in unsolved)
    assert all("could not run" in m or m.startswith("not yet") for _, _, m in unsolved)


def test_cells_tagged_solution_are_dropped_from_the_student_edition():
    from tools.coursework import student_notebook

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Exercise: what is 2 + 2?"),
        nbformat.v4.new_markdown_cell("*Answer:* 4", metadata={"tags": ["solution"]}),
    ])
    assert [c.source for c in student_notebook(nb).cells] == ["Exercise: what is 2 + 2?"]


@pytest.mark.parametrize("argv, words", [
    (["execute", "missing.ipynb"], "does not exist"),
    (["grade", "."], "is a folder"),
    (["bench", "README.md"], "not a notebook"),
    (["execute", "broken.ipynb"], "cannot be read as a notebook"),
    (["student", "no_such_folder", "out"], "src_dir"),
    (["student", ".", "afile.txt"], "out_dir"),
    (["student", "empty", "out"], "holds no notebooks"),
])
def test_the_command_line_prints_one_line_and_exits_non_zero(argv, words, tmp_path, capsys,
                                                             monkeypatch):
    from tools.coursework import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("# not a notebook\n")
    (tmp_path / "broken.ipynb").write_text("{ not json")
    (tmp_path / "afile.txt").write_text("x")
    (tmp_path / "empty").mkdir()
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
