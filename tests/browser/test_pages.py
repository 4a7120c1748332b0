"""Pages as a reader sees them in Chromium, on a small site built by sitegen and served from a
subpath: nothing scrolls sideways on a phone, reference tables keep their keys whole, the
"page not found" page is styled at any depth, and scripts/screenshots.py pictures a page
taller than Chromium captures in one go.

The site holds the example site's real authoring guide and home page (with stand-ins for the
pages they link to) and a page with a train demo on the `sitegen new` starter data set.
"""

from __future__ import annotations

import io
import shutil
import sys
import threading
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from conftest import CSPHandler

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
GUIDE_LINKS = ["mnist-cnn", "keras-to-web", "emnist", "runes"]
TOML = """title = "Pages"
base_url = "https://example.org/sub/"

[datasets.shapes]
source = "image-folder"
path = "data/shapes"
by = "folder"
channel = "luma"
test_fraction = 0.25
model_configs = {"Small CNN" = "models/shapes-conv.json"}
"""
TRAIN_PAGE = "---\ntitle: Train\norder: 1\n---\n\n```demo\nkind: train\ndataset: shapes\nbatch_size: 16\n```\n"
PHONE, DESKTOP = 390, 1280


class SiteWith404(CSPHandler):
    """Serves the site's 404.html, with status 404, for any missing address under /sub/, as
    a static host does for a site published there."""

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "sub" / "404.html"
        if code != 404 or not self.path.startswith("/sub/") or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def pages_site(tmp_path_factory):
    """'http://127.0.0.1:PORT/sub/': the built site, served with its 404 page."""
    from sitegen.build import build

    root = tmp_path_factory.mktemp("pages")
    site = root / "site"
    (site / "content").mkdir(parents=True)
    (site / "sitegen.toml").write_text(TOML)
    shutil.copytree(REPO / "sitegen" / "scaffold" / "data", site / "data")
    shutil.copytree(REPO / "sitegen" / "scaffold" / "models", site / "models")
    for name in ("index.md", "authoring.md"):
        shutil.copy(REPO / "content" / "pages" / name, site / "content" / name)
    for name in GUIDE_LINKS:
        (site / "content" / f"{name}.md").write_text(f"---\ntitle: {name}\n---\nA stand-in.\n")
    (site / "content" / "train.md").write_text(TRAIN_PAGE)
    output = root / "served" / "sub"
    build(site, output, progress=False)
    (output / "favicon.ico").write_bytes(b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SiteWith404, directory=str(root / "served")))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sub/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def open_page(chromium):
    """open_page(url, width, color_scheme) -> a page with its demos mounted; closed after the test."""
    contexts = []

    def open_(url: str, width: int, color_scheme: str = "light"):
        context = chromium.new_context(viewport={"width": width, "height": 900}, color_scheme=color_scheme)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        page.goto(url)
        page.wait_for_selector("html[data-demos-ready='true']", state="attached")
        return page

    yield open_
    for context in contexts:
        context.close()


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - innerWidth")


# Whether the text of each element is on one line: all its line boxes share one band of height.
KEYS_ON_ONE_LINE = """(cells) => cells.map((cell) => {
  const rects = [];
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    rects.push(...[...range.getClientRects()].filter((r) => r.width > 0));
  }
  const top = Math.max(...rects.map((r) => r.top)), bottom = Math.min(...rects.map((r) => r.bottom));
  return [cell.textContent, top < bottom];
})"""


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_no_page_scrolls_sideways(pages_site, open_page, width):
    for path in ["", "authoring/", "train/", *(f"{name}/" for name in GUIDE_LINKS), "no/such/page"]:
        page = open_page(pages_site + path, width)
        assert overflow(page) <= 0, f"{path or 'home'} at {width} px is {overflow(page)} px too wide"
        page.context.close()


@pytest.mark.parametrize("width, scheme", [(PHONE, "light"), (PHONE, "dark"), (DESKTOP, "light")])
def test_reference_table_keys_are_never_broken(pages_site, open_page, width, scheme):
    page = open_page(pages_site + "authoring/", width, scheme)
    tables = page.locator(".prose table")
    assert tables.count() >= 8
    keys = page.eval_on_selector_all(".prose table td:first-child", KEYS_ON_ONE_LINE)
    assert len(keys) > 60
    assert [text for text, one_line in keys if not one_line] == []
    # a table wider than the column scrolls inside its own box, so the page never does
    assert overflow(page) <= 0
    for i in range(tables.count()):
        box = tables.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width


def served_styles(page) -> dict:
    return page.evaluate("""({
      margin: getComputedStyle(document.body).margin,
      header: getComputedStyle(document.querySelector('.site-header')).backgroundColor,
      toggle: !document.querySelector('.theme-toggle').hidden,
    })""")


@pytest.mark.parametrize("missing", ["typo/", "a/b/c/gone.html"])
def test_page_not_found_is_styled_at_any_depth_under_the_subpath(pages_site, open_page, missing):
    page = open_page(pages_site + missing, DESKTOP)
    assert page.locator("h1").inner_text() == "Page not found"
    # the theme's stylesheet applied and page.js ran (it shows the theme switch)
    assert served_styles(page) == {"margin": "0px", "header": "rgb(245, 246, 248)", "toggle": True}
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
    # its links lead to the site's pages, from any depth
    page.locator(".site-nav a", has_text="Write your own tutorial").click()
    page.wait_for_url(pages_site + "authoring/")
    assert page.locator("h1").inner_text() == "Write your own tutorial"
    page.go_back()
    page.locator(".site-title").click()
    page.wait_for_url(pages_site)


def test_screenshot_of_a_page_taller_than_one_capture_shows_the_whole_page(pages_site, open_page, tmp_path):
    from PIL import Image

    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import screenshots
    finally:
        sys.path.remove(str(REPO / "scripts"))
    page = open_page(pages_site + "authoring/", PHONE)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > 2 * screenshots.CAPTURE_LIMIT_PX
    screenshots.capture_whole_page(page, tmp_path / "whole.png")
    whole = np.asarray(Image.open(tmp_path / "whole.png").convert("RGB"), dtype=int)
    assert whole.shape == (height, PHONE, 3)
    # each stretch of the picture is what the window shows when scrolled there
    for top in (0, screenshots.CAPTURE_LIMIT_PX + 500, height - 900):
        page.evaluate(f"window.scrollTo(0, {top})")
        page.wait_for_function(f"scrollY === {top}")
        window = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"), dtype=int)
        assert np.abs(whole[top:top + 900] - window).mean() < 1, f"rows {top}-{top + 900} differ"
