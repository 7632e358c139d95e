"""Course tooling, kept out of the vgutils package: run, time and grade the chapters.

Command line (the Makefile calls these)::

    python -m tools.coursework execute notebooks/01_chain_rule.ipynb ...
    python -m tools.coursework student notebooks _student
    python -m tools.coursework grade submissions/*.ipynb
    python -m tools.coursework bench notebooks/*.ipynb
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

__all__ = [
    "strip_solutions",
    "student_notebook",
    "make_student",
    "execute_notebook",
    "measure_notebook",
    "bench",
    "grade",
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


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with solutions stubbed out and every output cleared.

    Cells tagged ``solution`` (typically markdown that discusses an exercise's answer) are
    dropped altogether.
    """
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if "solution" not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return nb


def make_student(src_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Write the student edition of every notebook in ``src_dir`` into ``out_dir``.

    ``out_dir`` must differ from ``src_dir``: the sources are never overwritten.
    """
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    if not src_dir.is_dir():
        raise ValueError(f"src_dir {str(src_dir)!r} is not a folder")
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"out_dir {str(out_dir)!r} is a file, not a folder")
    if out_dir.resolve() == src_dir.resolve():
        raise ValueError("out_dir must not be src_dir: the student edition never overwrites")
    if not any(src_dir.glob("*.ipynb")):
        raise ValueError(f"src_dir {str(src_dir)!r} holds no notebooks (.ipynb)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(src_dir.glob("*.ipynb")):
        nb = student_notebook(nbformat.read(path, as_version=4))
        target = out_dir / path.name
        nbformat.write(nb, target)
        written.append(target)
    return written


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


_CHECKS = ("check_value(", "check_function(", "check_true(", "check_choice(")


def grade(path: str | Path, timeout: int = 600) -> list[tuple[int, bool, str]]:
    """Run a (student's) notebook top to bottom and read each exercise check's verdict.

    Cells may raise (an unfinished exercise raises ``NotImplementedError``); execution goes on.
    Returns ``(check number, passed, message)`` for each check cell after the first exercise
    (a solution region or its stub), in order; an exercise may have several checks.
    """
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    results, started = [], False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "### BEGIN SOLUTION" in cell.source or "# YOUR CODE HERE" in cell.source:
            started = True
        elif started and any(c in cell.source for c in _CHECKS):
            text, error = "", None
            for out in cell.outputs:
                if out.output_type == "error":
                    error = f"{out.ename}: {out.evalue}"
                text += out.get("data", {}).get("text/plain", "") + out.get("text", "")
            if error:
                message = f"the check could not run ({error}); is the exercise finished?"
            else:
                message = text.strip() or "the check printed nothing"
            results.append((len(results) + 1, text.startswith("correct:"), message))
    return results


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
    marking = sub.add_parser("grade", help="run students' notebooks and report each check")
    marking.add_argument("notebooks", nargs="+")
    timing = sub.add_parser("bench", help="time notebooks and measure their peak memory")
    timing.add_argument("notebooks", nargs="+")
    student = sub.add_parser("student", help="write the student edition")
    student.add_argument("src_dir")
    student.add_argument("out_dir")
    args = parser.parse_args(argv)
    if args.command != "student":
        args.notebooks = [_notebook(name) for name in args.notebooks]
    if args.command == "execute":
        for name in args.notebooks:
            print(f"executing {name}", flush=True)
            execute_notebook(name)
    elif args.command == "grade":
        for name in args.notebooks:
            results = grade(name)
            passed = sum(ok for _, ok, _ in results)
            print(f"{name}: {passed} of {len(results)} exercise checks correct")
            for number, _, message in results:
                print(f"  check {number}: {message}")
    elif args.command == "bench":
        table, ok = bench(args.notebooks)
        print(table)
        return 0 if ok else 1
    else:
        for path in make_student(args.src_dir, args.out_dir):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
