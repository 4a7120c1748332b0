"""`sitegen serve`: serves with the CSP, rebuilds on change, reloads open pages, and shows a
build error in the page instead of crashing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urljoin

import pytest

pytestmark = pytest.mark.browser


PAGE = "---\ntitle: Before\norder: 1\n---\nText.\n"


def start_serve(make_site, page: str, toml: str = 'title = "Live"\n'):
    root = make_site({"sitegen.toml": toml,
                      "content/index.md": "---\ntitle: Live\n---\nHome.\n",
                      "content/page.md": page})
    env = {**os.environ, "COLUMNS": "300"}
    proc = subprocess.Popen([sys.executable, "-m", "sitegen.cli", "serve", str(root), "--port", "0"],
                            stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 120
    url = None
    while time.time() < deadline and url is None:
        line = proc.stderr.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+/\S*)", line)
        url = match.group(1) if match else None
        assert proc.poll() is None, "sitegen serve exited"
    assert url, "sitegen serve did not start"
    return proc, root, url


@pytest.fixture
def serve_site(make_site):
    procs = []

    def start(page: str = PAGE, **kwargs):
        proc, root, url = start_serve(make_site, page, **kwargs)
        procs.append(proc)
        return root, url

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def status(url: str) -> dict:
    with urllib.request.urlopen(urljoin(url, "/__sitegen/status")) as response:
        return json.loads(response.read())


def wait_for(predicate, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_serve_rebuilds_reloads_and_reports_errors(serve_site, browser_page):
    root, url = serve_site()
    with urllib.request.urlopen(url + "page/") as response:
        assert response.headers["Content-Security-Policy"] == "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"
        assert b'<script type="module" src="/__sitegen/reload.js"></script></head>' in response.read()

    browser_page.goto(url + "page/")
    assert browser_page.locator("h1").inner_text() == "Before"
    browser_page.wait_for_load_state("networkidle")
    first = status(url)["generation"]

    (root / "content/page.md").write_text("---\ntitle: After\norder: 1\n---\nText.\n")
    browser_page.wait_for_selector("h1:text('After')", timeout=60_000)  # the open page reloaded itself
    assert status(url)["generation"] > first

    (root / "sitegen.toml").write_text("title = 3\n")
    error = wait_for(lambda: status(url)["error"])
    assert "Config value 'title': expected a string, got 3 (an integer)" in error
    overlay = browser_page.locator("#sitegen-build-error")
    overlay.wait_for(state="visible", timeout=30_000)
    assert "Build failed" in overlay.inner_text() and "Config value 'title'" in overlay.inner_text()
    assert browser_page.locator("h1").inner_text() == "After"  # the last good build is still served

    (root / "sitegen.toml").write_text('title = "Live again"\n')
    wait_for(lambda: status(url)["error"] is None)
    browser_page.wait_for_selector(".site-title:text('Live again')", timeout=60_000)
    assert browser_page.console_errors == []


def test_serve_starts_even_when_the_first_build_fails(serve_site, browser_page):
    root, url = serve_site("---\ntitle: [broken\n---\n")
    assert "front matter is not valid YAML" in status(url)["error"]
    browser_page.goto(url + "page/")
    overlay = browser_page.locator("#sitegen-build-error")
    overlay.wait_for(state="visible", timeout=30_000)
    assert "page.md:3: front matter is not valid YAML" in overlay.inner_text()

    (root / "content/page.md").write_text(PAGE)
    browser_page.wait_for_selector("h1:text('Before')", timeout=60_000)


def test_the_404_page_is_styled_under_a_base_path(serve_site, browser_page):
    root, url = serve_site(toml='title = "Live"\nbase_url = "https://example.org/tutorials/"\n')
    assert url.endswith("/tutorials/")  # the address printed is the site's
    response = browser_page.goto(url + "missing/")
    assert response.status == 404
    assert browser_page.locator("h1").inner_text() == "Page not found"
    # the theme's font (17px) and colours, not the browser's default 16px serif on white
    assert browser_page.evaluate("getComputedStyle(document.body).fontSize") == "17px"
    assert browser_page.evaluate("getComputedStyle(document.body).margin") == "0px"
    browser_page.locator(".site-title").click()
    browser_page.wait_for_url(url)
    assert browser_page.locator(".site-title").inner_text() == "Live"
