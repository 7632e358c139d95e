"""The course as a reader runs it: JupyterLab from the course's environment, in headless Chromium.

JupyterLab is started on 127.0.0.1 over a copy of the notebooks, with its settings, workspaces
and runtime files in a temporary folder (nothing of the user's is read or written). Chromium,
the system's own, is driven through Playwright (no browser is downloaded). Each chapter is
opened as a reader opens it and run with Run > Run All Cells from the menu bar; the test
asserts what a reader would see:

- the notebook opens unmodified, its MyST renders (no raw ``{cite}``, ``{doc}`` or ``:::``;
  each ``dropdown`` folded) and an explorer shows a figure before the cell has run;
- every code cell runs, and no output is an error or stderr (read from the saved file);
- each explorer redraws its figure when a dropdown or a slider moves, across the range:
  chapter 5's explorer at ``normal(std=0.01)`` (gradients exactly 0) still draws, with no
  warning, and chapter 7's "clip at" slider changes the picture.
"""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest
from conftest import ROOT, in_ci

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # requirements-dev.txt installs it
    sync_playwright = None
if (CHROMIUM is None or sync_playwright is None) and not in_ci():
    pytest.skip("Chromium or Playwright is missing (Debian: apt-get install chromium; "
                "pip install -r requirements-dev.txt); under CI this test must run",
                allow_module_level=True)

CHAPTERS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
ARTIFACTS = ROOT / "tests" / "artifacts"
RUN_ALL_TIMEOUT = 300  # seconds for one chapter's Run All (the budget is 60 s on 2 cores)
EXPLORER = "application/vnd.jupyter.widget-view+json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if CHROMIUM is None or sync_playwright is None:
        pytest.fail("CI is set but Chromium or Playwright is missing: .ci/run installs "
                    "Chromium, requirements-dev.txt Playwright")
    home = tmp_path_factory.mktemp("lab")
    notebooks = home / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks, ignore=shutil.ignore_patterns("*.toml"))
    settings = home / "settings" / "@jupyterlab"
    # render every cell (JupyterLab 4 draws only the cells in view by default) and keep the
    # news toast off the page; the rest is JupyterLab as installed
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}))
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "IPYTHONDIR": str(home / "ipython")}
    env.pop("VGUTILS_SEED", None)
    log = open(home / "server.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={notebooks}",
         f"--LabServerApp.user_settings_dir={home / 'settings'}",
         f"--LabServerApp.workspaces_dir={home / 'workspaces'}"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    api = _Api(base, token)
    for _ in range(120):
        try:
            api.get("/api/status")
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start: " + (home / "server.log").read_text()[-2000:])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--no-first-run", "--disable-component-update",
            "--disable-background-networking"])
        yield {"base": base, "token": token, "api": api, "browser": browser,
               "notebooks": notebooks}
        browser.close()
    server.terminate()
    server.wait(timeout=30)
    log.close()


class _Api:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def _call(self, method: str, path: str):
        request = urllib.request.Request(self.base + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def get(self, path: str):
        return self._call("GET", path)

    def stop_every_kernel(self):
        for session in self.get("/api/sessions"):
            self._call("DELETE", f"/api/sessions/{session['id']}")


def _source(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / name, as_version=4)


def _prompts(page) -> list[str]:
    return page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()


def _wait_idle(page, timeout: float, quiet: float = 2.0) -> None:
    """Until the kernel has been idle, with no cell waiting to run, for ``quiet`` seconds."""
    end, since = time.time() + timeout, None
    while time.time() < end:
        idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").count() > 0
        busy = any("*" in p for p in _prompts(page))
        if idle and not busy:
            since = since or time.time()
            if time.time() - since >= quiet:
                return
        else:
            since = None
        time.sleep(0.2)
    raise AssertionError(f"the kernel was still busy after {timeout:.0f} s")


def _figure(locator) -> str:
    """The source of the last image in an explorer's output (a data URL of a PNG)."""
    images = locator.locator(".widget-output img")
    return images.last.get_attribute("src") if images.count() else ""


def _wait_for_new_figure(explorer, before: str, what: str, timeout: float = 30.0) -> str:
    end = time.time() + timeout
    while time.time() < end:
        now = _figure(explorer)
        if now and now != before:
            return now
        time.sleep(0.2)
    raise AssertionError(f"the explorer's figure did not change when {what}")


def _open(lab, name: str):
    lab["api"].stop_every_kernel()  # a fresh kernel, as for a reader who opens the chapter
    page = lab["browser"].new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{lab['base']}/lab/tree/{name}?reset&token={lab['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    _wait_idle(page, timeout=120)
    return page


@pytest.mark.parametrize("name", CHAPTERS, ids=lambda n: n.split("_")[0])
def test_a_chapter_in_jupyterlab(lab, name):
    source = _source(name)
    page = _open(lab, name)
    try:
        _check_as_opened(page, source)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
        _wait_idle(page, timeout=RUN_ALL_TIMEOUT)
        assert page.locator(".jp-OutputArea-output[data-mime-type="
                            "'application/vnd.jupyter.stderr']").count() == 0, (
            "an error or stderr output is on the page")
        page.keyboard.press("Control+s")
        _check_saved_run(lab, name, source)
        explorers = page.locator(".jp-OutputArea-output", has=page.locator(".widget-output"))
        for k in range(explorers.count()):
            _move_every_control(page, explorers.nth(k), name)
        if name.startswith("05"):
            page.screenshot(path=str(ARTIFACTS / "lab_05_explorer.png"))
    finally:
        page.close()
        lab["api"].stop_every_kernel()


def _check_as_opened(page, source) -> None:
    text = page.locator(".jp-Notebook").inner_text()
    for raw in ["{cite", "{doc}", ":::{", "{dropdown}"]:
        assert raw not in text, f"MyST shown as raw text: {raw!r}"
    dropdowns = sum(c.source.count(":::{dropdown}") for c in source.cells
                    if c.cell_type == "markdown")
    for _ in range(100):  # MyST renders each cell asynchronously
        folded = page.locator(".jp-MarkdownCell details:not([open])").count()
        if folded >= dropdowns:
            break
        time.sleep(0.2)
    assert folded >= dropdowns, f"{dropdowns} dropdowns in the source, {folded} folded"
    stored = source.metadata.get("language_info", {}).get("version")
    if stored == platform.python_version():  # else JupyterLab rightly updates language_info
        assert page.locator(".jp-mod-dirty").count() == 0, "the notebook opens as modified"
    for k, cell in enumerate(c for c in source.cells if c.cell_type == "code"):
        if any(EXPLORER in o.get("data", {}) for o in cell.get("outputs", [])):
            outputs = page.locator(".jp-CodeCell").nth(k).locator(".jp-OutputArea-output")
            assert outputs.locator("img").count() == 1, "an explorer shows no figure unrun"
            assert "VBox(" not in outputs.inner_text(), "an explorer shows its text repr"


def _check_saved_run(lab, name, source) -> None:
    for _ in range(50):  # the save is asynchronous
        saved = lab["api"].get(f"/api/contents/{name}?content=1")["content"]
        if saved["metadata"].get("kernelspec") and saved["cells"][-1] is not None:
            counts = [c["execution_count"] for c in saved["cells"] if c["cell_type"] == "code"]
            if all(isinstance(n, int) for n in counts) and counts == sorted(counts):
                break
        time.sleep(0.2)
    code = [c for c in saved["cells"] if c["cell_type"] == "code"]
    assert len(code) == sum(c.cell_type == "code" for c in source.cells)
    not_run = [k for k, c in enumerate(code) if not isinstance(c["execution_count"], int)]
    assert not not_run, f"code cells {not_run} did not run"
    for k, cell in enumerate(code):
        for out in cell["outputs"]:
            assert out["output_type"] != "error", (
                f"code cell {k} raised {out.get('ename')}: {out.get('evalue')}")
            assert out.get("name") != "stderr", f"code cell {k} wrote to stderr: {out['text']!r}"


def _move_every_control(page, explorer, name) -> None:
    """Dropdowns, then sliders; at normal(std=0.01) the deep relu gradients are exactly 0
    (what the figure then shows is tested in tests/test_plots_widgets.py)."""
    figure = _figure(explorer)
    assert figure.startswith("data:image/png"), "an explorer drew no figure after running"
    selects = explorer.locator(".widget-dropdown select")
    activation, initializer = selects.nth(0), selects.nth(1)
    for value in ["tanh", "relu"]:
        if activation.input_value() != value:
            activation.select_option(value)
            figure = _wait_for_new_figure(explorer, figure, f"the activation became {value}")
    initializer.select_option("normal(std=0.01)")
    figure = _wait_for_new_figure(explorer, figure, "the initialiser became normal(std=0.01)")
    assert explorer.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0, (
        "the explorer warned (stderr) at normal(std=0.01)")
    handles = explorer.locator(".noUi-handle")
    for k in range(handles.count()):  # depth, then "clip at" where there is one
        handles.nth(k).focus()
        for _ in range(4):
            page.keyboard.press("ArrowLeft" if k == 0 else "ArrowRight")
        figure = _wait_for_new_figure(explorer, figure, f"slider {k + 1} moved")
    assert explorer.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
