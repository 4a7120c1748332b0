"""The prediction worker's own bundle (sitegen/js/build.mjs, js/predict-kernels.mjs): only the
kernels of sitegen's layer kinds registered, so the draw page carries a third of tfjs; a model
that needs another kernel is caught when it loads and gets the worker bundled with all of tfjs.

A tiny site of its own: the 'bars' strokes of tests/browser/test_widgets.py, a layer list with
every layer kind and activation sitegen supports, and a builder model with a LeakyReLU layer
(a kernel the small bundle leaves out); one draw page for each.
"""

from __future__ import annotations

import gzip
import json
import re
from urllib.parse import urlparse

import numpy as np
import pytest
from browser.test_widgets import CLASSES, draw_stroke, stroke_images, widget
from test_datasets_helpers import write_npy_per_class

from sitegen.tables import ACTIVATIONS, LAYER_KINDS

pytestmark = pytest.mark.browser

# Every layer kind, and every activation of the activation field, once; shapes 28x28x1 -> 4.
EVERY_KIND = [
    {"layerName": "Convolution", "fieldSize": 5, "stride": 1, "zeroPad": 2, "outputDepth": 4},
    {"layerName": "Sigmoid"},
    {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
    {"layerName": "Convolution", "fieldSize": 3, "stride": 1, "zeroPad": 0, "outputDepth": 4},
    {"layerName": "Tanh"},
    {"layerName": "Avg pool", "fieldSize": 2, "stride": 2, "zeroPad": 1},
    {"layerName": "ReLU"},
    {"layerName": "Dropout", "rate": 0.25},
    {"layerName": "Flatten"},
    {"layerName": "Fully connected", "hiddenUnits": 16, "activation": "tanh"},
    {"layerName": "Dense", "units": 12, "activation": "sigmoid"},
    {"layerName": "Fully connected", "hiddenUnits": 10, "activation": "relu"},
    {"layerName": "Dense", "units": 8, "activation": "softmax"},
    {"layerName": "Softmax"},
    {"layerName": "Fully connected", "hiddenUnits": len(CLASSES)},  # linear: the build adds the softmax
]
# A layer of its own, so its kernel is not fused into the matrix product (ELU, as an
# activation of Dense, would run inside _FusedMatMul).
LEAKY_RELU_BUILDER = '''import tensorflow as tf


def build(input_shape, num_classes):
    layers = tf.keras.layers
    return tf.keras.Sequential([tf.keras.Input(shape=input_shape), layers.Flatten(), layers.Dense(8),
                                layers.LeakyReLU(), layers.Dense(num_classes, activation="softmax")])
'''
DRAW_PAGE_GOAL_BYTES = 250_000  # BENCHMARKS.md, "Bytes on the wire per page kind": the draw page
SMALL, ALL_KERNELS = "workers/predict.js", "workers/predict-all-kernels.js"

# In the page: both bundles of the worker load `model` and predict one (not blank) image.
BOTH_WORKERS = """async (model) => {
  const root = new URL(document.querySelector('meta[name="sg-root"]').content, document.baseURI);
  const assets = JSON.parse(document.getElementById('sg-assets').textContent);
  const input = Float32Array.from({length: 28 * 28}, (_, i) => ((i * 7919) % 256) / 255);
  const ask = (worker, message) => new Promise((resolve, reject) => {
    worker.onmessage = ({data}) => (data.ok ? resolve(data) : reject(new Error(data.message)));
    worker.postMessage(message);
  });
  const run = async (key) => {
    const worker = new Worker(new URL(assets[key], root), {type: 'module'});
    try {
      const modelUrl = new URL(`models/${model}/model.json`, root).href;
      const loaded = await ask(worker, {id: 1, type: 'load', modelUrl, inputShape: [28, 28, 1]});
      const answer = await ask(worker, {id: 2, type: 'predict', input: Float32Array.from(input)});
      return {backend: loaded.backend, probabilities: Array.from(answer.probabilities)};
    } finally {
      worker.terminate();
    }
  };
  return {small: await run('workers/predict.js'), full: await run('workers/predict-all-kernels.js')};
}"""


@pytest.fixture(scope="module")
def bundle_site(tmp_path_factory):
    """(folder served, asset map of the built site)."""
    from sitegen.build import build

    root = tmp_path_factory.mktemp("predict-bundle")
    site = root / "site"
    images, labels = stroke_images(400, seed=5)
    write_npy_per_class(site / "data" / "bars", images, labels, CLASSES)
    (site / "models").mkdir()
    (site / "models" / "every-kind.json").write_text(json.dumps(EVERY_KIND))
    (site / "models" / "leaky.py").write_text(LEAKY_RELU_BUILDER)
    (site / "sitegen.toml").write_text(
        'title = "Predict bundle"\n'
        '[datasets.bars]\nsource = "npy"\npath = "data/bars"\ncanvas = "mnist"\ntest_fraction = 0.25\n'
        '[models.every-kind]\ndataset = "bars"\nlayers = "models/every-kind.json"\nepochs = 1\nbatch_size = 32\n'
        '[models.leaky-dense]\ndataset = "bars"\nbuilder = "models/leaky.py:build"\nepochs = 1\nbatch_size = 32\n')
    (site / "content").mkdir()
    (site / "content" / "index.md").write_text("---\ntitle: Home\n---\n# Home\n")
    for page, model in {"every-kind": "every-kind", "leaky": "leaky-dense"}.items():
        (site / "content" / f"{page}.md").write_text(
            f"---\ntitle: {page}\n---\n# {page}\n\n```demo\nkind: draw\nmodel: {model}\ntop_k: 3\n```\n")
    served = root / "served"
    build(site, served, progress=False)
    html = (served / "every-kind" / "index.html").read_text()
    assets = json.loads(html.split('id="sg-assets">', 1)[1].split("</script>", 1)[0])
    return served, assets


@pytest.fixture
def open_draw(bundle_site, browser_page, serve_dir):
    """open_draw('leaky') -> (page with its draw demo mounted, every response it had)."""
    served, _ = bundle_site
    base = serve_dir(served)

    def open_page(name: str):
        page = browser_page
        page.responses = []
        page.warnings = []
        page.on("response", lambda r: page.responses.append(r))
        page.on("console", lambda m: m.type == "warning" and page.warnings.append(m.text))
        page.goto(f"{base}{name}/")
        page.wait_for_selector("html[data-demos-ready='true']", state="attached")
        assert page.get_attribute(".sg-demo", "data-ready") == "true", page.inner_text(".sg-demo")
        return page

    return open_page


def fetched_paths(page) -> list[str]:
    return [urlparse(r.url).path.lstrip("/") for r in page.responses]


def test_the_model_has_every_layer_kind_and_activation():
    """What the comparison below covers: adding a layer kind to sitegen/tables.py fails here
    until its kernels are in js/predict-kernels.mjs and its layer in EVERY_KIND."""
    assert {layer["layerName"] for layer in EVERY_KIND} == set(LAYER_KINDS)
    activations = {layer.get("activation", "linear") for layer in EVERY_KIND if "activation" in
                    LAYER_KINDS[layer["layerName"]].fields} | {"linear"}
    assert activations == set(ACTIVATIONS)


def test_small_bundle_predicts_like_full_tfjs(open_draw):
    page = open_draw("every-kind")
    answers = page.evaluate(BOTH_WORKERS, "every-kind")
    small, full = (np.array(answers[k]["probabilities"]) for k in ("small", "full"))
    assert small.shape == (len(CLASSES),) and abs(small.sum() - 1) < 1e-5
    # Backends may differ (each bundle keeps its fastest), so float rounding may too.
    np.testing.assert_allclose(small, full, atol=1e-5)
    assert page.console_errors == []


def test_draw_page_fetches_only_the_small_bundle(open_draw, bundle_site):
    _, assets = bundle_site
    page = open_draw("every-kind")
    paths = fetched_paths(page)
    assert assets[SMALL] in paths and assets[ALL_KERNELS] not in paths
    # the page itself imports no tfjs while its worker runs
    assert not [p for p in paths if re.fullmatch(r"(js/tfjs|assets/tfjs-[A-Z0-9]+)\.js", p)]
    timings = widget(page, "el.sgTest.state.timings")
    if "wasm" not in timings:  # cpu or WebGL were fast enough (workers/predict.js)
        assert not [p for p in paths if p.endswith(".wasm") or "/wasm-backend-" in p]
    total = sum(len(gzip.compress(r.body(), 6)) for r in page.responses if r.status == 200)
    wasm = sum(len(gzip.compress(r.body(), 6)) for r in page.responses
               if r.status == 200 and (r.url.endswith(".wasm") or "/wasm-backend-" in r.url))
    assert total - wasm <= DRAW_PAGE_GOAL_BYTES, (total, wasm)


def test_model_needing_another_kernel_gets_the_full_bundle(open_draw, bundle_site):
    _, assets = bundle_site
    page = open_draw("leaky")
    paths = fetched_paths(page)
    assert assets[SMALL] in paths and assets[ALL_KERNELS] in paths, (paths, page.warnings)  # tried, then replaced
    assert any("'LeakyRelu'" in w and "all of TF.js" in w for w in page.warnings), page.warnings
    baseline = widget(page, "el.sgTest.numTensors()")
    draw_stroke(page, [(0.2, 0.5), (0.8, 0.5)])
    page.wait_for_selector(".sg-demo[data-predictions='1']", state="attached")
    assert page.inner_text(".sg-w-bar-top .sg-w-bar-name") in CLASSES
    assert widget(page, "el.sgTest.numTensors()") == baseline
    assert page.console_errors == []
