"""A built page in real Chromium under the production CSP: no console error, WebGL, and a
tiny model trained for one epoch through the train bundle with tfjs-vis drawing its charts."""

from __future__ import annotations

import pytest

from sitegen.build import build

pytestmark = pytest.mark.browser

TOML = 'title = "Browser check"\n'
HOME = "---\ntitle: Browser check\n---\nHello from a **built** page.\n"
PAGE = "---\ntitle: A tutorial\norder: 1\n---\n## Section\n\nText.\n"

TRAIN_ONE_EPOCH = """async () => {
  const tfModule = await import('./js/tfjs.js');
  const tfvis = await import('./js/tfjs-vis.js');
  const tf = globalThis.tf;
  await tf.setBackend('webgl');
  await tf.ready();
  const model = tf.sequential({layers: [
    tf.layers.dense({units: 8, inputShape: [4], activation: 'relu'}),
    tf.layers.dense({units: 3, activation: 'softmax'}),
  ]});
  model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const xs = tf.randomNormal([96, 4], 0, 1, 'float32', 1);
  const ys = tf.oneHot(tf.tensor1d([...Array(96).keys()].map((i) => i % 3), 'int32'), 3);
  const charts = document.createElement('div');
  charts.id = 'charts';
  document.querySelector('main').append(charts);
  const callbacks = tfvis.show.fitCallbacks(charts, ['loss', 'acc'], {callbacks: ['onEpochEnd', 'onBatchEnd']});
  const history = await model.fit(xs, ys, {epochs: 1, batchSize: 32, callbacks});
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    backend: tf.getBackend(),
    sameInstance: [tfModule.engine === tf.engine, globalThis.tfvis.show === tfvis.show, tfModule.engine().registryFactory === tf.engine().registryFactory],
    epochs: history.history.loss.length,
    loss: history.history.loss[0],
    charts: charts.querySelectorAll('svg, canvas').length,
  };
}"""


@pytest.fixture
def built_site(make_site):
    root = make_site({"sitegen.toml": TOML, "content/index.md": HOME, "content/tutorial.md": PAGE})
    build(root, progress=False)
    return root / "_site"


def test_page_loads_without_console_errors(built_site, serve_dir, browser_page):
    base = serve_dir(built_site)
    response = browser_page.goto(base + "tutorial/")
    assert response.status == 200
    assert response.headers["content-security-policy"] == "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"
    browser_page.wait_for_load_state("networkidle")
    assert browser_page.locator("h1").inner_text() == "A tutorial"
    # page.js ran (the theme switch is shown only by script) and the stylesheet applied
    assert browser_page.locator(".theme-toggle").is_visible()
    assert browser_page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert browser_page.console_errors == []


def test_train_bundle_trains_one_epoch_with_webgl_and_charts(built_site, serve_dir, browser_page):
    browser_page.goto(serve_dir(built_site))
    result = browser_page.evaluate(TRAIN_ONE_EPOCH)
    assert result["backend"] == "webgl"
    assert result["sameInstance"] == [True, True, True], result
    assert result["epochs"] == 1 and result["loss"] > 0
    assert result["charts"] >= 2  # loss and accuracy, drawn by vega without eval
    assert browser_page.console_errors == []
