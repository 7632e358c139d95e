"""The layout: the toolkit behind `import vgutils as vg`, the chapters' machinery in
vgutils.labs (which may import the toolkit, never the reverse), course tooling in tools/."""

import ast
import importlib
import re
from pathlib import Path

import vgutils as vg

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "vgutils"


def _imports(path):
    """The modules a file imports, as absolute names ('vgutils.labs.saturation', 'keras')."""
    tree = ast.parse(path.read_text())
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.append(module)
            found += [f"{module}.{a.name}" for a in node.names]
    return found


def _toolkit_files():
    return [p for p in PACKAGE.glob("*.py")]


def test_the_toolkit_never_imports_the_labs_or_the_course_tooling():
    for path in _toolkit_files():
        text = path.read_text()
        bad = [m for m in _imports(path)
               if m.startswith(("vgutils.labs", "tools", "nbformat", "nbclient"))]
        assert not bad, f"{path.name} imports {bad}: the toolkit must not depend on them"
        # nor by name at run time (importlib, __import__)
        bad_dynamic = re.findall(r"import_module\(\s*['\"](\.labs|vgutils\.labs)", text)
        assert not bad_dynamic, f"{path.name} loads the labs at run time"


def test_the_labs_use_only_the_toolkit_and_each_other():
    # the answer keys alone build on the exercises' checks (check_value, ...)
    for path in (PACKAGE / "labs").rglob("*.py"):
        banned = ("tools", "nbformat", "nbclient")
        if "answers" not in path.parts:
            banned += ("vgutils.exercises",)
        bad = [m for m in _imports(path) if m.startswith(banned)]
        assert not bad, f"labs/{path.name} imports {bad}"


def test_the_package_does_not_ship_the_course_tooling():
    assert not (PACKAGE / "coursework.py").exists()
    assert (ROOT / "tools" / "coursework.py").exists()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "nbformat" not in pyproject.split("[tool.setuptools]")[0].split("dependencies")[1]


def test_the_front_door_holds_every_toolkit_name_and_each_resolves():
    for module, names in vg.TOOLKIT.items():
        mod = importlib.import_module(f"vgutils.{module}")
        assert sorted(names) == sorted(mod.__all__), (
            f"vgutils.TOOLKIT[{module!r}] and vgutils.{module}.__all__ differ")
        for name in names:
            assert getattr(vg, name) is getattr(mod, name)
    assert len(set(vg.__all__)) == len(vg.__all__), "a name is exported twice"
    labs = importlib.import_module("vgutils.labs")
    modules = [p.stem for p in (PACKAGE / "labs").glob("*.py") if p.stem != "__init__"]
    packages = [p.parent.name for p in (PACKAGE / "labs").glob("*/__init__.py")]
    assert sorted(labs.__all__) == sorted(modules + packages)


def test_an_unknown_name_says_where_to_look():
    import pytest

    with pytest.raises(AttributeError, match="vgutils.__all__"):
        vg.no_such_helper  # noqa: B018


def test_the_api_page_lists_exactly_the_front_door_and_the_labs():
    page = (ROOT / "book" / "api.md").read_text()
    listed = set(re.findall(r"^- `vg\.(\w+)", page, re.M))
    public = set(vg.__all__) - {"__version__"}
    assert listed == public, (f"book/api.md misses {sorted(public - listed)} and lists "
                              f"{sorted(listed - public)} that vgutils does not export")
    labs = set(re.findall(r"^- `vgutils\.labs\.(\w+)`", page, re.M))
    assert labs == set(importlib.import_module("vgutils.labs").__all__)
    toc = (ROOT / "_toc.yml").read_text()
    assert "book/api" in toc
