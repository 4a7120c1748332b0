"""The browser sees the same model: TF.js in real Chromium against Keras in Python.

Tiny models are trained and converted with sitegen's own functions, served next to a
built data set whose test split the page loads through the site's data.js; the page
predicts with ``tf.loadLayersModel`` on its default backend (WebGL on SwiftShader here).
float32 must match Keras within 1e-4 on every softmax value and on every argmax;
uint8-quantized weights must agree on at least 99% of the argmaxes.
"""

import json
import shutil

import numpy as np
import pytest

SHAPE = (14, 14, 1)
CLASSES = ["left", "middle", "right", "none"]
LAYERS = [
    {"layerName": "Convolution", "fieldSize": 3, "stride": 1, "zeroPad": 1, "outputDepth": 6},
    {"layerName": "ReLU"},
    {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
    {"layerName": "Convolution", "fieldSize": 3, "stride": 1, "zeroPad": 0, "outputDepth": 8},
    {"layerName": "Tanh"},
    {"layerName": "Flatten"},
    {"layerName": "Dropout", "rate": 0.2},
    {"layerName": "Fully connected", "hiddenUnits": 16, "activation": "relu"},
    {"layerName": "Fully connected", "hiddenUnits": 4},
]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>parity</title>
<script type="module" src="parity.js"></script></head>
<body><p id="status">loading</p></body></html>
"""

# Loaded as a module file: the page runs under script-src 'self', like the site.
SCRIPT = """
import * as tf from './assets/tfjs.js';
import {MnistData} from './data/bars/data.js';

window.runParity = async (names) => {
  await tf.ready();
  const data = new MnistData({tf});
  await data.load();
  const {xs, labels} = data.getTestData();
  const out = {backend: tf.getBackend(), shape: xs.shape, predictions: {}};
  for (const name of names) {
    const model = await tf.loadLayersModel(`models/${name}/model.json`);
    const probabilities = model.predict(xs);
    out.predictions[name] = Array.from(await probabilities.data());
    probabilities.dispose();
    model.dispose();
  }
  xs.dispose();
  labels.dispose();
  out.numTensors = tf.memory().numTensors;
  return out;
};
document.getElementById('status').textContent = 'ready';
"""


def shapes(n, seed):
    """Bars at three positions, or no bar (class 3), with noise: easy enough to learn in seconds."""
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 4, n)
    x = rng.randint(0, 120, (n,) + SHAPE)
    for i, k in enumerate(y):
        if k < 3:  # faint bars, so the softmax outputs are not all saturated at 0 and 1
            x[i, 2:12, 1 + 4 * k:5 + 4 * k, 0] += 45
    return x.clip(0, 255).astype(np.uint8), y


@pytest.fixture(scope="module")
def parity_site(tmp_path_factory, tfjs_dist):
    """A served folder: data/bars (built + data.js), models/<name> and assets/tfjs.js; plus Keras outputs."""
    tfjs = tfjs_dist / "tf.fesm.js"
    from sitegen.datasets.format import read_built, write_built
    from sitegen.datasets.loader import render_loader
    from sitegen.models.conversion import convert_to_tfjs
    from sitegen.models.evaluation import predict_probabilities
    from sitegen.models.keras_models import keras_from_layer_list
    from sitegen.models.layers import parse_layer_list
    from sitegen.models.training import TrainingOptions, seed_everything, train_model

    root = tmp_path_factory.mktemp("parity")
    (x_train, y_train), (x_test, y_test) = shapes(600, 1), shapes(200, 2)
    manifest = write_built(root / "data" / "bars", x_train, y_train, x_test, y_test, CLASSES,
                           {"name": "bars", "canvas": "mnist"})
    (root / "data" / "bars" / "data.js").write_bytes(render_loader(manifest))
    data = read_built(root / "data" / "bars")  # exactly what a build trains on
    (root / "assets").mkdir()
    shutil.copyfile(tfjs, root / "assets" / "tfjs.js")
    (root / "parity.html").write_text(PAGE)
    (root / "parity.js").write_text(SCRIPT)
    (root / "favicon.ico").write_bytes(b"")  # the browser asks for it; a 404 would be a console error

    seed_everything(5)
    model = keras_from_layer_list(parse_layer_list(LAYERS), SHAPE, len(CLASSES), "parity")
    train_model(model, data.x_train, data.y_train, TrainingOptions(epochs=2, batch_size=32, learning_rate=0.005))
    expected = predict_probabilities(model, data.x_test)
    for quantize in ("none", "uint8"):
        convert_to_tfjs(model, root / "models" / f"conv-{quantize}", quantize)
    return root, expected, data.y_test


@pytest.fixture
def predictions(parity_site, browser_page, serve_dir):
    root, expected, labels = parity_site
    base = serve_dir(root)
    browser_page.goto(base + "parity.html")
    browser_page.wait_for_function("document.getElementById('status').textContent === 'ready'")
    result = browser_page.evaluate("names => window.runParity(names)", ["conv-none", "conv-uint8"])
    assert browser_page.console_errors == []
    assert result["shape"] == [200, *SHAPE]
    assert result["numTensors"] == 0  # every tensor the page made was disposed
    got = {name: np.array(values, dtype=np.float64).reshape(200, len(CLASSES))
           for name, values in result["predictions"].items()}
    return got, expected, labels, result["backend"]


def test_float32_model_matches_keras(predictions):
    got, expected, labels, backend = predictions
    browser = got["conv-none"]
    assert (expected.argmax(1) == labels).mean() > 0.8  # a real, trained model
    assert expected.max(1).min() < 0.9  # and not every answer saturated, so the values say something
    difference = np.abs(browser - expected).max()
    print(f"float32 on {backend}: max |difference| {difference:.3g}, accuracy {(expected.argmax(1) == labels).mean():.3f}")
    assert difference <= 1e-4, f"max |softmax difference| {difference:g} on {backend}"
    assert (browser.argmax(1) == expected.argmax(1)).all()


def test_uint8_model_agrees_on_argmax(predictions):
    got, expected, labels, backend = predictions
    agreement = (got["conv-uint8"].argmax(1) == expected.argmax(1)).mean()
    print(f"uint8 on {backend}: argmax agreement {agreement:.3f}, max |difference| "
          f"{np.abs(got['conv-uint8'] - expected).max():.3g}")
    assert agreement >= 0.99, f"uint8 argmax agreement {agreement:.3f} on {backend}"
    # quantization is visible in the values, or the test would not be testing it
    assert np.abs(got["conv-uint8"] - expected).max() > 1e-6


def test_model_json_is_a_layers_model(parity_site):
    root, _, _ = parity_site
    for quantize in ("none", "uint8"):
        model_json = json.loads((root / "models" / f"conv-{quantize}" / "model.json").read_text())
        assert model_json["format"] == "layers-model"
        assert model_json["convertedBy"] == "TensorFlow.js Converter v4.22.0"
