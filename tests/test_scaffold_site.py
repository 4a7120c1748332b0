"""The site `sitegen new` starts an author with: it builds without a warning, each page shows
its title once, and its train demo trains in Chromium (the site served from a subpath under
the production CSP)."""

from __future__ import annotations

import pytest

from sitegen.build import build
from sitegen.scaffold import create_site

pytestmark = pytest.mark.browser

TITLE = "Ann's notes"


@pytest.fixture(scope="module")
def scaffold_site(tmp_path_factory):
    """(folder served, build result): the new site's output sits in <served>/sub/."""
    root = tmp_path_factory.mktemp("scaffold")
    create_site(root / "site", TITLE)
    served = root / "served"
    result = build(root / "site", served / "sub", strict=True, progress=False)
    (served / "sub" / "favicon.ico").write_bytes(b"")  # Chromium asks for it; a 404 would be a console error
    return served, result


def test_new_site_builds_without_warnings(scaffold_site):
    _, result = scaffold_site
    assert result.warnings == []
    assert result.pages == 2
    assert (result.output_dir / "data" / "shapes" / "manifest.json").is_file()


@pytest.mark.parametrize("path, title", [("", TITLE), ("getting-started/", "Getting started")])
def test_each_page_shows_its_title_once(scaffold_site, serve_dir, browser_page, path, title):
    served, _ = scaffold_site
    browser_page.goto(serve_dir(served) + "sub/" + path)
    browser_page.wait_for_selector("html[data-demos-ready='true']", state="attached")
    assert browser_page.locator("h1").all_inner_texts() == [title]
    headings = browser_page.locator("main :is(h1, h2, h3)").all_inner_texts()
    assert [h.strip(" #") for h in headings].count(title) == 1, headings
    assert browser_page.console_errors == []


def test_getting_started_train_demo_trains_in_the_browser(scaffold_site, serve_dir, browser_page):
    served, result = scaffold_site
    page = browser_page
    page.goto(serve_dir(served) + "sub/getting-started/")
    page.wait_for_selector("html[data-demos-ready='true']", state="attached")
    demo = page.locator(".sg-demo[data-kind='train']")
    assert demo.get_attribute("data-ready") == "true", demo.inner_text()
    assert demo.locator(".sg-w-example").count() == 12
    demo.get_by_label("Epochs").fill("1")
    demo.get_by_role("button", name="Train", exact=True).click()
    demo.locator("xpath=self::*[@data-trained='true']").wait_for(state="attached", timeout=120_000)
    matrix = demo.evaluate("el => el.sgTest.state.evaluation.matrix")
    # every test example of the three shapes was classified once
    assert len(matrix) == 3 and sum(map(sum, matrix)) == 24
    table = demo.locator(".sg-w-per-class").inner_text()
    assert all(name in table for name in ("circle", "square", "triangle"))
    assert page.console_errors == []
