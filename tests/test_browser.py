"""Every chapter page opened in headless Chromium, served from 127.0.0.1, with the network cut.

Chromium is started with a proxy on 127.0.0.1 that refuses and records every request that
is not for the loopback server, so an off-machine request (a CDN script, a web font) is
caught, not merely blocked. Each page must render its maths (MathJax elements in the DOM),
load every image from the book, and show no traceback or stderr. A screenshot of one chapter
is saved to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import threading
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from conftest import ROOT, in_ci

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and not in_ci():
    pytest.skip(
        "Chromium is not installed (Debian: apt-get install chromium); under CI this test "
        "must run, and .ci/run installs it",
        allow_module_level=True,
    )

CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
ARTIFACTS = ROOT / "tests" / "artifacts"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    log: list[tuple[str, int]]

    def log_message(self, *args):  # keep the test output clean
        pass

    def send_response(self, code, message=None):
        self.log.append((unquote(urlparse(self.path).path), code))
        super().send_response(code, message)


class _Refuse(http.server.BaseHTTPRequestHandler):
    """A proxy that answers 403 to everything and remembers what was asked."""

    seen: list[str]

    def log_message(self, *args):
        pass

    def _refuse(self):
        self.seen.append(f"{self.command} {self.path}")
        self.send_response(403)
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_CONNECT = do_OPTIONS = _refuse


def _serve(handler) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def site(book_html, tmp_path_factory):
    if CHROMIUM is None:
        pytest.fail("CI is set but Chromium is missing: .ci/run should have installed it")
    log: list[tuple[str, int]] = []
    seen: list[str] = []
    book = type("Book", (_Quiet,), {"log": log})
    proxy = type("Proxy", (_Refuse,), {"seen": seen})
    book_server, book_addr = _serve(partial(book, directory=str(book_html)))
    proxy_server, proxy_addr = _serve(proxy)
    yield {"base": f"http://{book_addr}/", "log": log, "seen": seen,
           "proxy": proxy_addr, "profiles": tmp_path_factory}
    book_server.shutdown()
    proxy_server.shutdown()


def _chromium(site, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--disable-default-apps", "--hide-scrollbars",
        # a fresh profile for every page: nothing comes from the cache, so every image and
        # script the page needs is requested (and logged) again
        f"--user-data-dir={site['profiles'].mktemp('profile')}",
        f"--proxy-server=http://{site['proxy']}",
        "--run-all-compositor-stages-before-draw", "--virtual-time-budget=30000",
        "--no-pings", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
        # the browser's own background traffic off: safe browsing lists, field trials, crash
        # reports, metrics, model and certificate-list downloads
        "--safebrowsing-disable-auto-update", "--disable-field-trial-config",
        "--disable-breakpad", "--metrics-recording-only", "--no-service-autorun",
        "--disable-features=Translate,OptimizationHints,OptimizationGuideModelDownloading,"
        "MediaRouter,NetworkTimeServiceQuerying,AutofillServerCommunication,"
        "CertificateTransparencyComponentUpdater,SafeBrowsingEnhancedProtection",
    ]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_renders_offline(site, chapter):
    url = urljoin(site["base"], f"notebooks/{chapter}.html")
    start = len(site["log"])
    done = _chromium(site, "--window-size=1280,20000", "--dump-dom", url)
    dom = done.stdout
    assert "</html>" in dom, f"Chromium did not return the page: {done.stderr[-2000:]}"

    assert "<mjx-container" in dom, "MathJax did not render the maths"
    assert "<mjx-merror" not in dom, "MathJax reported an error in a formula"

    requested = {path: code for path, code in site["log"][start:]}
    images = re.findall(r'<img[^>]+src="([^"]+)"', dom)
    assert images, "the chapter shows no figure"
    for src in images:
        if src.startswith("data:"):
            continue
        path = unquote(urlparse(urljoin(url, src)).path)
        assert requested.get(path) == 200, f"image not loaded: {src}"
    assert requested.get("/_static/mathjax/tex-chtml.js") == 200
    # the browser asks for /favicon.ico by itself; every other request must succeed
    failed = [p for p, c in requested.items() if c >= 400 and p != "/favicon.ico"]
    assert failed == [], f"requests that failed: {failed}"

    text = re.sub(r"<[^>]+>", " ", dom)
    assert "Traceback (most recent call last)" not in text
    assert 'class="output stderr"' not in dom and 'class="output traceback"' not in dom


# Chromium itself (not the page) may still call home for its clock, sign-in, safe-browsing
# lists and component updates, whatever the flags: exactly these service hosts are the
# browser's own. Nothing in the book is served from them, and a page's own Google-hosted
# resources (fonts.googleapis.com, ajax.googleapis.com, www.gstatic.com) are not among them.
_BROWSER_OWN = re.compile(
    r"^((GET|POST|HEAD) http://|CONNECT )("
    r"([a-z0-9-]+\.)*google\.com|([a-z0-9-]+\.)*gvt1\.com|"
    r"(update|safebrowsing|optimizationguide-pa|content-autofill)\.googleapis\.com"
    r")[:/]"
)


def _off_machine(requests: list[str]) -> list[str]:
    """The requests a page made for something off the machine (the browser's own left out)."""
    return [r for r in requests if not _BROWSER_OWN.match(r)]


def test_no_page_asked_for_anything_off_the_machine(site):
    # runs after the chapter pages (same module, declared later)
    off = _off_machine(site["seen"])
    assert off == [], f"off-machine requests: {off[:10]}"


_LEAKY_PAGE = """<!DOCTYPE html><html><head>
<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>
<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">
</head><body><p>a page that loads from off the machine</p>
<img src="http://images.example.org/figure.png" alt="figure"></body></html>
"""


def test_the_check_catches_a_page_that_loads_an_external_script_image_or_font(site, book_html):
    page = book_html / "_leaky_probe.html"
    page.write_text(_LEAKY_PAGE)
    start = len(site["seen"])
    try:
        _chromium(site, "--dump-dom", urljoin(site["base"], page.name))
    finally:
        page.unlink()
    caught = " ".join(_off_machine(site["seen"][start:]))
    del site["seen"][start:]  # the probe's requests are not the book's
    for host in ["cdn.jsdelivr.net", "fonts.googleapis.com", "images.example.org"]:
        assert host in caught, f"a request for {host} was not caught: {caught!r}"


def test_a_screenshot_of_chapter_one_for_a_person_to_look_at(site):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "01_chain_rule.png"
    shot.unlink(missing_ok=True)
    url = urljoin(site["base"], "notebooks/01_chain_rule.html")
    _chromium(site, "--window-size=1280,2400", f"--screenshot={shot}", url)
    assert shot.exists() and shot.stat().st_size > 50_000
    assert Path(shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
