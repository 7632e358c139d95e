"""Running the chapters and making the student edition.

Command line (the Makefile calls these)::

    python -m vgutils.coursework execute notebooks/01_chain_rule.ipynb ...
    python -m vgutils.coursework student notebooks _student
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

__all__ = ["strip_solutions", "student_notebook", "make_student", "execute_notebook"]

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
    """A copy of ``nb`` with solutions stubbed out and every output cleared."""
    nb = nbformat.from_dict(nb)
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
    if out_dir.resolve() == src_dir.resolve():
        raise ValueError("out_dir must not be src_dir: the student edition never overwrites")
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

    Cell timing metadata is not recorded, so the stored file holds no timestamps.
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
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vgutils.coursework")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("execute", help="execute notebooks in place")
    run.add_argument("notebooks", nargs="+")
    student = sub.add_parser("student", help="write the student edition")
    student.add_argument("src_dir")
    student.add_argument("out_dir")
    args = parser.parse_args(argv)
    if args.command == "execute":
        for name in args.notebooks:
            print(f"executing {name}", flush=True)
            execute_notebook(name)
    else:
        for path in make_student(args.src_dir, args.out_dir):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
