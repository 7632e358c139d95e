"""The book builds from the stored outputs with warnings as errors, and shows what it should."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    src = out / "src"
    shutil.copytree(
        ROOT, src, ignore=shutil.ignore_patterns(".venv", "_build", "_student", ".git", "tests")
    )
    jb = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run(
        [str(jb), "build", str(src), "--warningiserror", "--keep-going"],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return src / "_build" / "html"


def test_every_chapter_renders_with_figures_and_maths(html):
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = (html / "notebooks" / f"{nb.stem}.html").read_text()
        assert page.count("<img") >= 1, nb.stem
        assert "math notranslate" in page, nb.stem
        for img in re.findall(r'<img[^>]+src="([^"]+)"', page):
            if not img.startswith("data:"):
                assert (html / "notebooks" / img).resolve().exists(), img


def test_solutions_are_folded_and_removed_cells_stay_out(html):
    page = (html / "notebooks" / "01_chain_rule.html").read_text()
    assert "tag_hide-input" in page
    assert "BEGIN SOLUTION" in page  # the solution is there, behind the toggle
    assert "assert " not in re.sub(r"<[^>]+>", "", page), "a remove-cell assertion leaked"


def test_citations_resolve_to_the_bibliography(html):
    page = (html / "book" / "bibliography.html").read_text()
    assert "Glorot" in page or "Rumelhart" in page
    chapter = (html / "notebooks" / "01_chain_rule.html").read_text()
    assert "bibliography.html#" in chapter
