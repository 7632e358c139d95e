"""Course tooling, kept out of the vgutils package: run and time the chapters, and set up
the coursework for nbgrader.

Command line (the Makefile calls these)::

    python -m tools.coursework execute notebooks/01_chain_rule.ipynb ...
    python -m tools.coursework course _course notebooks/*.ipynb   # an nbgrader course
    python -m tools.coursework release _course notebooks/*.ipynb  # ... and its release
    python -m tools.coursework bench notebooks/*.ipynb

Grading is nbgrader's own: ``course`` writes an nbgrader course folder whose ``source/``
holds one assignment per chapter (the chapter without the book's claim cells and answer
discussions); ``nbgrader generate_assignment`` releases it and ``nbgrader autograde``
grades the submissions (the instructor guide walks through it).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

__all__ = [
    "strip_solutions",
    "assignment_notebook",
    "make_course",
    "release",
    "nbgrader",
    "scores",
    "NBGRADER_CONFIG",
    "execute_notebook",
    "measure_notebook",
    "bench",
]

_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)",
    re.MULTILINE | re.DOTALL,
)


def strip_solutions(source: str) -> str:
    """Replace each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block by a stub.

    The stub keeps the block's indentation: ``# YOUR CODE HERE`` and
    ``raise NotImplementedError()`` (nbgrader's convention).

    Raises:
        ValueError: if a BEGIN marker has no matching END marker.
    """
    out = _BLOCK.sub(
        lambda m: f"{m['indent']}# YOUR CODE HERE\n{m['indent']}raise NotImplementedError()\n",
        source,
    )
    if "### BEGIN SOLUTION" in out or "### END SOLUTION" in out:
        raise ValueError("a '### BEGIN SOLUTION' marker has no matching '### END SOLUTION'")
    return out.rstrip("\n") if not source.endswith("\n") else out


#: The first line of a cell that asserts the prose's claims (vgutils._claims.MARKER): such
#: cells are the book's, not the student's, and stay out of the release.
CLAIMS_MARKER = "# claims of the text above"

NBGRADER_CONFIG = """\
# nbgrader configuration of the course (written by `python -m tools.coursework course`)
c = get_config()  # noqa: F821 (nbgrader's config loader defines it)
c.CourseDirectory.course_id = "vanishing-gradients"
# a chapter trains small networks: some cells take tens of seconds on a slow CPU
c.Execute.timeout = 600
# the stub an unfinished exercise raises (nbgrader's default, stated here once)
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
"""


def _book_only(cell: nbformat.NotebookNode) -> bool:
    """A cell that belongs to the book, not to the coursework: claim asserts and the
    markdown that discusses an exercise's answer (tag ``solution``)."""
    tags = cell.metadata.get("tags", [])
    if "solution" in tags and "nbgrader" not in cell.metadata:
        return True
    return cell.cell_type == "code" and cell.source.startswith(CLAIMS_MARKER)


def assignment_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A chapter as an nbgrader source notebook: solutions kept (nbgrader clears them on
    release), the book's claim cells and answer discussions dropped, outputs cleared.

    Raises:
        ValueError: if a ``### BEGIN SOLUTION`` marker has no END, or if a cell with markers
            carries no nbgrader solution metadata (nbgrader would refuse it).
    """
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if not _book_only(c)]
    for index, cell in enumerate(nb.cells):
        if "### BEGIN SOLUTION" in cell.source:
            strip_solutions(cell.source)  # only to refuse an unclosed block
            if not cell.metadata.get("nbgrader", {}).get("solution"):
                raise ValueError(f"cell {index} has a solution region but no nbgrader "
                                 "solution metadata")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return nb


def make_course(course_dir: str | Path, notebooks: list[str | Path]) -> list[Path]:
    """Write an nbgrader course: ``nbgrader_config.py`` and one assignment per chapter.

    Each chapter ``NN_topic.ipynb`` becomes ``source/NN_topic/NN_topic.ipynb`` (see
    :func:`assignment_notebook`). Run nbgrader inside ``course_dir`` afterwards. The course
    folder must not be the folder of the chapters: the sources are never overwritten.
    """
    course_dir = Path(course_dir)
    if course_dir.exists() and not course_dir.is_dir():
        raise ValueError(f"course_dir {str(course_dir)!r} is a file, not a folder")
    paths = [Path(p) for p in notebooks]
    if not paths:
        raise ValueError("give at least one chapter notebook")
    if any(course_dir.resolve() == p.resolve().parent for p in paths):
        raise ValueError("course_dir must not be the chapters' folder: it would mix the "
                         "course's sources with nbgrader's")
    course_dir.mkdir(parents=True, exist_ok=True)
    (course_dir / "nbgrader_config.py").write_text(NBGRADER_CONFIG)
    written = []
    for path in paths:
        nb = assignment_notebook(nbformat.read(path, as_version=4))
        target = course_dir / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    return written


def nbgrader(course_dir: str | Path, *args: str, timeout: float = 3600) -> str:
    """Run one nbgrader command inside ``course_dir``; return what it printed.

    Raises:
        RuntimeError: nbgrader failed; the message holds its last lines of output.
    """
    import os
    import subprocess

    # nbgrader runs `alembic` (its database migrations) from PATH: put this Python's
    # scripts first, so that it works from an environment that was never activated
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, env=env,
                          capture_output=True, text=True, timeout=timeout)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{tail}")
    return output


def release(course_dir: str | Path, notebooks: list[str | Path]) -> list[Path]:
    """Write the course (:func:`make_course`) and release every chapter with nbgrader's
    ``generate_assignment``; return the released notebooks (``release/NN_topic/...``)."""
    course_dir = Path(course_dir)
    released = []
    for source in make_course(course_dir, notebooks):
        name = source.parent.name
        nbgrader(course_dir, "generate_assignment", name, "--force")
        released.append(course_dir / "release" / name / source.name)
    return released


def scores(course_dir: str | Path, assignment: str) -> dict[str, dict[str, float]]:
    """Each student's marks for ``assignment`` from nbgrader's gradebook, after autograde.

    Returns ``{student: {"auto": points of the autograded tests, "auto_max": their maximum,
    "manual_max": the points of the answers an instructor grades by hand}}``.
    """
    from nbgrader.api import Gradebook

    url = f"sqlite:///{(Path(course_dir) / 'gradebook.db').resolve()}"
    marks: dict[str, dict[str, float]] = {}
    with Gradebook(url) as gradebook:
        for submission in gradebook.find_assignment(assignment).submissions:
            mark = {"auto": 0.0, "auto_max": 0.0, "manual_max": 0.0}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.cell.cell_type == "code":
                        mark["auto"] += float(grade.auto_score or 0.0)
                        mark["auto_max"] += float(grade.max_score)
                    else:
                        mark["manual_max"] += float(grade.max_score)
            marks[submission.student.id] = mark
    return marks


def execute_notebook(path: str | Path, timeout: int = 600) -> None:
    """Run a notebook top to bottom in a fresh kernel and store its outputs in place.

    Cell timing metadata is not recorded, so the stored file holds no timestamps; widget
    state is not stored either.
    """
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    client.execute()
    # stored widget state would make the book load the widget manager from a CDN; the book
    # shows a static figure beside every explorer instead
    nb.metadata.pop("widgets", None)
    # the kernelspec as ipykernel writes it: JupyterLab then leaves the opened file unmodified
    nb.metadata.kernelspec = {"display_name": "Python 3 (ipykernel)", "language": "python",
                              "name": "python3"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    nbformat.write(nb, path)


_CARRIAGE_RETURN = re.compile(r"^.*\r(?=[^\n])", re.MULTILINE)  # nbval's own pattern


def merge_streams(outputs: list) -> list:
    """Consecutive stream outputs of one name merged, with carriage returns applied as a
    terminal (and nbval, and JupyterLab) applies them.

    A progress line (``vg.progress``) is a run of small writes, each starting with a carriage
    return; merged, only what the cell printed after it remains. Stored that way, the book
    (whose own merging would print every rewrite on a line of its own) shows the same text
    as JupyterLab, and nbval, which applies the same patterns, compares the same text.
    """
    merged: list = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (out.output_type == "stream" and last is not None
                and last.output_type == "stream" and last.name == out.name):
            last.text += out.text
        else:
            merged.append(out)
    for out in merged:
        if out.output_type == "stream":
            out.text = _CARRIAGE_RETURN.sub("", out.text)
    return merged


BASELINE = "import vgutils as vg\n\nvg.setup(seed=0)\n\nimport keras\nimport tensorflow as tf"


def _peak_rss_mb(pid: int) -> float:
    """The high-water mark of a process's resident memory (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM line for process {pid}")


def measure_notebook(nb: nbformat.NotebookNode, cwd: str | Path, timeout: int = 600
                     ) -> tuple[float, float]:
    """Run a notebook (not saved) in a fresh kernel; return (wall seconds, kernel peak MB).

    The time runs from the first cell to the last (kernel start-up excluded); the memory is
    the kernel process's peak resident set, read from /proc before the kernel stops.
    """
    import time

    from nbclient import NotebookClient

    nb = nbformat.from_dict(nb)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    with client.setup_kernel():
        pid = client.km.provisioner.process.pid
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        wall = time.perf_counter() - start
        peak = _peak_rss_mb(pid)
    return wall, peak


def bench(paths: list[str | Path], max_seconds: float = 60, max_mb: float = 1024,
          max_total: float = 360) -> tuple[str, bool]:
    """Execute each notebook and tabulate wall time and kernel peak memory against budgets.

    A notebook that only imports vgutils, Keras and TensorFlow is run first, in the same call,
    as the baseline of both columns. Returns the table and whether every budget holds.
    """
    base_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(BASELINE)])
    base_t, base_mb = measure_notebook(base_nb, ".")
    rows = [f"{'notebook':<34} {'wall s':>7} {'x base':>7} {'peak MB':>8} {'x base':>7}  budget",
            f"{'(imports only: baseline)':<34} {base_t:7.1f} {1:7.1f} {base_mb:8.0f} {1:7.1f}"]
    ok, total = True, 0.0
    for path in paths:
        path = Path(path)
        wall, mb = measure_notebook(nbformat.read(path, as_version=4), path.parent)
        total += wall
        within = wall <= max_seconds and mb <= max_mb
        ok &= within
        rows.append(f"{path.stem:<34} {wall:7.1f} {wall / base_t:7.1f} {mb:8.0f} "
                    f"{mb / base_mb:7.1f}  {'ok' if within else 'OVER'}")
    ok &= total <= max_total
    rows.append(f"{'total':<34} {total:7.1f}{'':>25}  {'ok' if total <= max_total else 'OVER'}"
                f" (budget {max_total:.0f} s)")
    return "\n".join(rows), ok


def _notebook(path: str | Path) -> Path:
    """A path that names an existing .ipynb file, or a one-sentence error."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{str(path)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"{str(path)!r} is a folder; give the .ipynb files in it")
    if path.suffix != ".ipynb":
        raise ValueError(f"{str(path)!r} is not a notebook (.ipynb)")
    try:
        nbformat.read(path, as_version=4)
    except Exception as error:  # not JSON, not a notebook: one line, not a traceback
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{str(path)!r} cannot be read as a notebook: {first}") from None
    return path


def main(argv: list[str] | None = None) -> int:
    """The command line: one line of error and a non-zero exit status, never a traceback."""
    try:
        return _main(argv)
    except (ValueError, TypeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a notebook cell that failed while executing
        lines = [line for line in str(error).splitlines() if line.strip()]
        print(f"error: {type(error).__name__}: {lines[-1] if lines else ''}", file=sys.stderr)
        return 1


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.coursework")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("execute", help="execute notebooks in place")
    run.add_argument("notebooks", nargs="+")
    timing = sub.add_parser("bench", help="time notebooks and measure their peak memory")
    timing.add_argument("notebooks", nargs="+")
    course = sub.add_parser("course", help="write an nbgrader course with one assignment per "
                            "chapter")
    course.add_argument("course_dir")
    course.add_argument("notebooks", nargs="+")
    out = sub.add_parser("release", help="write the nbgrader course and release every chapter "
                         "(the student edition)")
    out.add_argument("course_dir")
    out.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)
    args.notebooks = [_notebook(name) for name in args.notebooks]
    if args.command == "execute":
        for name in args.notebooks:
            print(f"executing {name}", flush=True)
            execute_notebook(name)
    elif args.command == "bench":
        table, ok = bench(args.notebooks)
        print(table)
        return 0 if ok else 1
    elif args.command == "course":
        for path in make_course(args.course_dir, args.notebooks):
            print(f"wrote {path}")
    else:
        for path in release(args.course_dir, args.notebooks):
            print(f"released {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
