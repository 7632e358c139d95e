"""The book builds from the stored outputs with warnings as errors, and shows what it should."""

import re

from conftest import ROOT


def test_every_chapter_renders_with_figures_and_maths(book_html):
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = (book_html / "notebooks" / f"{nb.stem}.html").read_text()
        assert page.count("<img") >= 1, nb.stem
        assert "math notranslate" in page, nb.stem
        for img in re.findall(r'<img[^>]+src="([^"]+)"', page):
            if not img.startswith("data:"):
                assert (book_html / "notebooks" / img).resolve().exists(), img


def test_solutions_are_folded_and_removed_cells_stay_out(book_html):
    page = (book_html / "notebooks" / "01_chain_rule.html").read_text()
    assert "tag_hide-input" in page
    assert "BEGIN SOLUTION" in page  # the solution is there, behind the toggle
    assert "assert " not in re.sub(r"<[^>]+>", "", page), "a remove-cell assertion leaked"


def test_citations_resolve_to_the_bibliography(book_html):
    page = (book_html / "book" / "bibliography.html").read_text()
    assert "Glorot" in page or "Rumelhart" in page
    chapter = (book_html / "notebooks" / "01_chain_rule.html").read_text()
    assert "bibliography.html#" in chapter
