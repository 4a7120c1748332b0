"""vega (the charts' library, most of a training page's JavaScript) reaches the page when a
reader presses Train, not with the page: lib/charts.js imports lib/vega-embed-csp.js
dynamically, and esbuild gives that import chunks of its own. Real Chromium, the built site
of test_training_widgets (served under the production CSP from a subpath)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.test_training_widgets import open_widget, train, training_site  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

IMPORTS = re.compile(rb'(?:from|import)\s*"(\.{1,2}/[^"]+\.js)"')


def static_closure(start: Path) -> set[Path]:
    """`start` and every module it imports statically, transitively (esbuild's output)."""
    seen: set[Path] = set()
    todo = [start.resolve()]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += [(module.parent / name.decode()).resolve() for name in IMPORTS.findall(module.read_bytes())]
    return seen


def fetched(page) -> set[str]:
    """Paths of every resource the page has fetched so far."""
    return set(page.evaluate("performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)"))


def test_vega_is_fetched_when_train_is_pressed_and_not_before(open_widget, training_site):  # noqa: F811
    assets = training_site / "sub" / "assets"
    [train_widget] = (assets / "widgets").glob("train-*.js")
    [lazy_entry] = (assets / "chunks").glob("vega-embed-csp-*.js")
    lazy = static_closure(lazy_entry) - static_closure(train_widget)
    assert any(b"vega" in module.read_bytes() for module in lazy)  # the library itself is in the lazy part
    lazy_paths = {"/sub/" + module.relative_to(training_site / "sub").as_posix() for module in lazy}
    tfjs_vis = {"/sub/assets/" + p.name for p in assets.glob("tfjs-vis-*.js")}

    page = open_widget("train")
    page.wait_for_selector(".sg-demo[data-warmed-up]", state="attached")  # all the page does unasked
    before = fetched(page)
    assert any("/widgets/train-" in path for path in before)
    assert not lazy_paths & before
    # the model summary is there without it
    summary = page.inner_text(".sg-w-summary")
    assert "Output Shape" in summary and "conv2d" in summary

    train(page)
    after = fetched(page)
    assert lazy_paths <= after
    assert not tfjs_vis & after  # the widget never needs tfjs-vis itself
    assert page.locator(".sg-w-batch-chart svg").count() > 0
    assert page.locator(".sg-w-confusion svg").count() == 1
    assert page.console_errors == []


def test_authors_get_window_tfvis_by_importing_the_stable_module(open_widget):  # noqa: F811
    page = open_widget("train")
    drawn = page.evaluate("""async () => {
      const root = new URL(document.querySelector('meta[name="sg-root"]').content, document.baseURI);
      const module = await import(new URL('js/tfjs-vis.js', root).href);
      const surface = document.createElement('div');
      document.querySelector('main').append(surface);
      await window.tfvis.render.barchart(surface, [{index: 0, value: 1}, {index: 1, value: 2}]);
      return {same: window.tfvis.show === module.show, bars: surface.querySelectorAll('svg, canvas').length};
    }""")
    assert drawn["same"] and drawn["bars"] > 0
    assert page.console_errors == []
