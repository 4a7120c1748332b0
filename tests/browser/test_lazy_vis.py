"""vega (with vega-lite and vega-embed: 400 kB gzipped) never reaches a training page's
readers: the widgets draw their charts as small SVG of their own (lib/svg-charts.js), before
and after a reader presses Train. Authors who import js/tfjs-vis.js still get tfjs-vis, which
brings vega. Real Chromium, the built site of test_training_widgets (served under the
production CSP from a subpath)."""

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


def vega_modules(assets: Path) -> set[Path]:
    """The modules that hold vega: what js/tfjs-vis.js imports (statically or not) and the
    train widget does not, with vega's source in it."""
    [train_widget] = (assets / "widgets").glob("train-*.js")
    [tfjs_vis] = assets.glob("tfjs-vis-*.js")
    chunks = set(static_closure(tfjs_vis))
    for chunk in (assets / "chunks").glob("*.js"):  # tfjs-vis's own lazy chunks, if any
        chunks |= static_closure(chunk)
    return {module for module in chunks - static_closure(train_widget) if VEGA in module.read_bytes()}


VEGA = b"vega-lite"  # a name vega-embed's bundle holds (its version check)


def test_the_widgets_never_fetch_vega_before_or_after_training(open_widget, training_site):  # noqa: F811
    site = training_site / "sub"
    assets = site / "assets"
    vega = vega_modules(assets)
    assert vega  # the built site has vega (for tfjs-vis), so fetching it would show
    vega_paths = {"/sub/" + module.relative_to(site).as_posix() for module in vega}
    tfjs_vis = {"/sub/assets/" + p.name for p in assets.glob("tfjs-vis-*.js")}

    def no_vega_fetched(paths: set[str]) -> bool:
        scripts = [site / p.removeprefix("/sub/") for p in paths if p.startswith("/sub/") and p.endswith(".js")]
        return not vega_paths & paths and not any(VEGA in script.read_bytes() for script in scripts if script.is_file())

    page = open_widget("train")
    page.wait_for_selector(".sg-demo[data-warmed-up]", state="attached")  # all the page does unasked
    before = fetched(page)
    assert any("/widgets/train-" in path for path in before)
    assert no_vega_fetched(before)
    # the model summary is there without it
    summary = page.inner_text(".sg-w-summary")
    assert "Output Shape" in summary and "conv2d" in summary

    train(page)
    after = fetched(page)
    assert no_vega_fetched(after)
    assert not tfjs_vis & after  # the widget never needs tfjs-vis itself
    # the charts are drawn all the same: two measures per batch and per epoch, and the matrix
    assert page.locator(".sg-w-batch-chart svg").count() == 2
    assert page.locator(".sg-w-epoch-chart svg").count() == 2
    assert page.locator(".sg-w-batch-chart path.mark-line").count() == 2
    assert page.locator(".sg-w-confusion svg").count() == 1
    assert page.locator(".sg-w-confusion rect.mark-rect").count() == 100  # ten classes
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
