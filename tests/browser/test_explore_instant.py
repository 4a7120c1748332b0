"""The explore widget uses the build's answers: in real Chromium it finds the model's
mistakes without running the model over the split, then checks the example on screen with
the converted model in the browser and says whether both agree.

The widget site of test_widgets ('bars', the 'bars-cnn' model trained at build time) is
built once; a copy of it has a deliberately altered test_predictions.bin (with metadata.json's
size and sha256 updated, as a build whose answers were wrong would write them).
"""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest

from browser.test_widgets import widget, write_widget_site
from sitegen.models.predictions import decode_predictions, encode_predictions

MODEL = "bars-cnn"
# Counts the examples any layers model of the page's tfjs predicts, from now on.
COUNT_PREDICTIONS = """async (url) => {
  const tf = await import(url);
  const predict = tf.LayersModel.prototype.predict;
  window.examplesPredicted = 0;
  tf.LayersModel.prototype.predict = function (x, ...rest) {
    window.examplesPredicted += (Array.isArray(x) ? x[0] : x).shape[0];
    return predict.call(this, x, ...rest);
  };
}"""


def alter_first_answer(output) -> tuple[str, str]:
    """Swap the build's first and second answers for test example 0; return (its new best
    class, the best the model really gives)."""
    folder = output / "models" / MODEL
    metadata = json.loads((folder / "metadata.json").read_text())
    block = metadata["test_predictions"]
    data = (folder / block["path"]).read_bytes()
    classes, probabilities = decode_predictions(data, block, len(metadata["classes"]))
    classes[0, [0, 1]] = classes[0, [1, 0]]
    data, _ = encode_predictions(classes, probabilities, len(metadata["classes"]))
    (folder / block["path"]).write_bytes(data)
    block.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    (folder / "metadata.json").write_text(json.dumps(metadata))
    return metadata["classes"][classes[0, 0]], metadata["classes"][classes[0, 1]]


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """(served folder of the site as built, served folder of the altered copy, site output)."""
    from sitegen.build import build

    root = tmp_path_factory.mktemp("explore-instant")
    site = write_widget_site(root / "site")
    served = root / "served"
    build(site, served / "sub", progress=False)
    (served / "favicon.ico").write_bytes(b"")
    altered = root / "altered"
    shutil.copytree(served, altered)
    return served, altered, served / "sub"


def open_explore(page, base):
    page.goto(f"{base}sub/explore/")
    page.wait_for_selector("html[data-demos-ready='true']", state="attached")
    assert page.get_attribute(".sg-demo", "data-ready") == "true", page.inner_text(".sg-demo")


def parity_text(page) -> str:
    return page.inner_text(".sg-w-explore-parity")


def test_mistakes_before_the_model_arrives_then_the_browser_agrees(sites, browser_page, serve_dir):
    from sitegen.datasets.format import read_built
    from sitegen.models.conversion import load_tfjs_model

    served, _, output = sites
    page = browser_page
    base = serve_dir(served)
    held = []  # the model's weights: not sent until the explorer stands
    page.route(f"**/models/{MODEL}/group1-shard*", lambda route: held.append(route), times=1)
    open_explore(page, base)

    data = read_built(output / "data" / "bars")
    expected = load_tfjs_model(output / "models" / MODEL).predict(data.x_test.astype(np.float32) / 255, verbose=0)
    wrong = [int(i) for i in np.nonzero(expected.argmax(1) != data.y_test)[0]]
    assert len(wrong) > 0 and held, "the weights should still be held back"
    assert widget(page, "el.sgTest.state.answersFrom") == "build"
    assert widget(page, "el.sgTest.state.mistakes") == wrong
    assert f"Only mistakes ({len(wrong)})" in page.inner_text(".sg-w-check")
    assert parity_text(page) == "This browser's answer: loading the model…"
    page.check("text=Only mistakes")
    index = int(page.get_attribute(".sg-demo", "data-index"))
    assert index == wrong[0]
    assert page.inner_text(".sg-w-guess") == data.classes[int(expected[index].argmax())]
    assert page.inner_text(".sg-w-true-label") != page.inner_text(".sg-w-guess")
    assert page.inner_text(".sg-w-confidence") == f"{100 * expected[index].max():.1f}%"

    page.evaluate(COUNT_PREDICTIONS, f"{base}sub/js/tfjs.js")
    for route in held:
        route.continue_()
    page.wait_for_selector(".sg-demo[data-parity='same']", state="attached")
    guess = data.classes[int(expected[index].argmax())]
    confidence = f"{100 * expected[index].max():.1f}%"
    assert parity_text(page) == f"This browser's answer: {guess} ({confidence}) — same as the build's."
    assert page.evaluate("window.examplesPredicted") == 1  # the example on screen, not the split
    tensors = widget(page, "el.sgTest.numTensors()")

    page.get_by_role("button", name="Next →").click()
    page.wait_for_function("() => document.querySelector('.sg-demo').sgTest.state.parity.checked === 2")
    assert int(page.get_attribute(".sg-demo", "data-index")) == wrong[1]
    assert page.get_attribute(".sg-demo", "data-parity") == "same"
    assert page.evaluate("window.examplesPredicted") == 2
    assert widget(page, "el.sgTest.numTensors()") == tensors  # every tensor of a check is disposed
    assert widget(page, "el.sgTest.state.parity.differing") == 0
    assert page.console_errors == []


def test_an_altered_predictions_file_shows_a_mismatch(sites, browser_page, serve_dir):
    _, altered, _ = sites
    built_says, model_says = alter_first_answer(altered / "sub")
    page = browser_page
    open_explore(page, serve_dir(altered))
    assert page.get_attribute(".sg-demo", "data-index") == "0"
    assert page.inner_text(".sg-w-guess") == built_says  # the explorer shows the build's answer
    page.wait_for_selector(".sg-demo[data-parity='differs']", state="attached")
    text = parity_text(page)
    assert text.startswith(f"This browser's answer: {model_says} (") and f"— the build's was {built_says} (" in text
    assert "sg-w-explore-differs" in page.get_attribute(".sg-w-explore-parity", "class")
    last = widget(page, "el.sgTest.state.parity.last")
    assert last["same"] is False and last["index"] == 0
    page.get_by_role("button", name="Next →").click()  # example 1 is as built
    page.wait_for_selector(".sg-demo[data-parity='same']", state="attached")
    assert widget(page, "el.sgTest.state.parity") | {"last": None} == {"checked": 2, "differing": 1, "last": None}
    assert page.console_errors == []


def test_a_model_that_cannot_load_leaves_the_explorer_working(sites, browser_page, serve_dir):
    served, _, _ = sites
    page = browser_page
    page.route(f"**/models/{MODEL}/group1-shard*", lambda route: route.fulfill(status=404, body="gone"))
    open_explore(page, serve_dir(served))
    page.wait_for_selector(".sg-demo[data-parity='error']", state="attached")
    assert parity_text(page).startswith("This browser could not check the guess: ")
    assert "group1-shard1of1.bin could not be loaded (HTTP 404)" in parity_text(page)
    page.check("text=Only mistakes")  # the build's answers still find the mistakes
    index = int(page.get_attribute(".sg-demo", "data-index"))
    assert index == widget(page, "el.sgTest.state.mistakes")[0]
    assert page.get_attribute(".sg-demo", "data-parity") == "error"


@pytest.mark.parametrize("num_classes", [4, 13_065])
def test_the_page_decodes_what_the_build_writes(tmp_path, browser_page, serve_dir, num_classes):
    """explore/test-predictions.js against sitegen/models/predictions.py, byte for byte: one-byte
    class indices, and two-byte ones for 13,065 classes."""
    from pathlib import Path

    from sitegen.models.predictions import top_k

    logits = np.random.RandomState(num_classes).normal(0, 4, (50, num_classes)).astype(np.float32)
    probabilities = np.exp(logits - logits.max(1, keepdims=True))
    probabilities /= probabilities.sum(1, keepdims=True)
    classes, values = top_k(probabilities, 3)
    data, layout = encode_predictions(classes, values, num_classes)
    shutil.copytree(Path(__file__).resolve().parents[2] / "sitegen" / "js", tmp_path / "js")
    (tmp_path / "predictions.bin").write_bytes(data)
    (tmp_path / "index.html").write_text("<!doctype html><title>decode</title>")
    (tmp_path / "favicon.ico").write_bytes(b"")
    page = browser_page
    page.goto(serve_dir(tmp_path))
    got = page.evaluate("""async ([layout, numClasses]) => {
      const {decodeTestPredictions} = await import('./js/widgets/explore/test-predictions.js');
      const bytes = new Uint8Array(await (await fetch('predictions.bin')).arrayBuffer());
      const {k, classes, probabilities} = decodeTestPredictions(bytes, layout, numClasses);
      return {k, classes: Array.from(classes), probabilities: Array.from(probabilities),
              wide: classes.BYTES_PER_ELEMENT};
    }""", [layout, num_classes])
    assert got["k"] == 3 and got["wide"] == (1 if num_classes <= 256 else 2)
    expected_classes, expected_values = decode_predictions(data, layout, num_classes)
    assert got["classes"] == expected_classes.reshape(-1).tolist()
    np.testing.assert_allclose(got["probabilities"], expected_values.reshape(-1), rtol=0, atol=1e-7)
    assert page.console_errors == []
