"""Failed claims read as sentences: the book's hidden asserts, seen by a reader who experiments.

A chapter checks each claim of its prose in a cell that the book hides (tag ``remove-cell``)
and that begins with :data:`MARKER`. When a reader changes a setting and such an assert
fails, :func:`install` (called by :func:`vgutils.setup` inside IPython) makes the error read
as one sentence naming the claim, instead of a bare ``AssertionError`` with a traceback. An
assert anywhere else keeps IPython's usual traceback.
"""

from __future__ import annotations

import ast
import linecache

MARKER = "# claims of the text above"

__all__ = ["MARKER", "install", "sentence"]


def _assert_condition(lines: list[str], lineno: int) -> str:
    """The source of the failing assert's condition at ``lineno`` of a cell, on one line."""
    source = "".join(lines)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.lineno <= lineno <= (node.end_lineno or lineno):
            return " ".join((ast.get_source_segment(source, node.test) or "").split())
    return ""


def sentence(message: str, condition: str, seed: int) -> str:
    """The one sentence a failed claim reads as."""
    what = message.strip().rstrip(".") if message.strip() else f"the check `{condition}` fails"
    return (f"A claim of the text no longer holds: {what}. The chapter states it for its own "
            f"settings (seed {seed}); if you changed a setting, this says that your run differs "
            "from the one the text describes, not that your code is wrong.")


def _claim_frame(tb):
    """The traceback entry of a claim cell's own code, or None (IPython's frames come first)."""
    while tb is not None:
        lines = linecache.getlines(tb.tb_frame.f_code.co_filename)
        if lines and lines[0].startswith(MARKER):
            return tb, lines
        tb = tb.tb_next
    return None


def _handler(shell, etype, value, tb, tb_offset=None):
    # IPython leaves the display to a custom handler: show either the sentence or, for an
    # assert that is not a claim, the usual traceback
    try:
        found = _claim_frame(tb)
        if found is None:
            stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
        else:
            entry, lines = found
            condition = _assert_condition(lines, entry.tb_lineno)
            from . import current_seed

            stb = [f"{etype.__name__}: {sentence(str(value), condition, current_seed())}"]
    except Exception:  # never let the handler itself fail: IPython would drop it
        stb = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, stb)
    return stb


def install() -> bool:
    """Register the handler with the running IPython shell; False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((AssertionError,), _handler)
    return True
