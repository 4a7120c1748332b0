"""The demo widgets in real Chromium, on a tiny site built by sitegen itself.

The site (data set 'bars': four stroke classes drawn like MNIST digits; a small CNN trained
for it at build time) is written once per module, built with ``sitegen.build.build`` into a
sub-folder (pages served from a subpath, under the production CSP) and shared by the tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_datasets_helpers import write_npy_per_class

CLASSES = ["horizontal", "vertical", "diagonal", "ring"]
TINY_CONV = [
    {"layerName": "Convolution", "fieldSize": 5, "stride": 1, "zeroPad": 2, "outputDepth": 4},
    {"layerName": "ReLU"},
    {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
    {"layerName": "Flatten"},
    {"layerName": "Fully connected", "hiddenUnits": len(CLASSES)},
]
DENSE = [
    {"layerName": "Flatten"},
    {"layerName": "Fully connected", "hiddenUnits": 16, "activation": "relu"},
    {"layerName": "Fully connected", "hiddenUnits": len(CLASSES)},
]
THREE_CLASSES = [{"layerName": "Flatten"}, {"layerName": "Fully connected", "hiddenUnits": 3}]


def stroke_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """White strokes on black, MNIST-like: the class decides the shape, position and width vary."""
    from PIL import Image, ImageDraw

    rng = np.random.RandomState(seed)
    labels = rng.randint(0, len(CLASSES), n)
    images = np.zeros((n, 28, 28), np.uint8)
    for i, label in enumerate(labels):
        big = Image.new("L", (112, 112), 0)  # drawn 4x larger, then scaled down: anti-aliased
        draw = ImageDraw.Draw(big)
        cx, cy = 56 + rng.randint(-8, 9), 56 + rng.randint(-8, 9)
        r = rng.randint(24, 36)
        width = int(rng.randint(7, 13))
        if label == 0:
            draw.line([(cx - r, cy), (cx + r, cy)], fill=255, width=width)
        elif label == 1:
            draw.line([(cx, cy - r), (cx, cy + r)], fill=255, width=width)
        elif label == 2:
            draw.line([(cx - r, cy - r), (cx + r, cy + r)], fill=255, width=width)
        else:
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=255, width=width)
        images[i] = np.asarray(big.resize((28, 28), Image.BILINEAR))
    # A few wrong labels, so a trained model has mistakes for the explorer to find.
    flipped = rng.rand(n) < 0.04
    labels[flipped] = (labels[flipped] + 1) % len(CLASSES)
    return images, labels


def write_widget_site(root: Path, n: int = 800) -> Path:
    """sitegen.toml, two .npy-per-class data sets ('bars', and 'bars3': 3 of its classes, for the
    model builder's data set switch), three layer lists and one page per widget kind."""
    images, labels = stroke_images(n, seed=3)
    write_npy_per_class(root / "data" / "bars", images, labels, CLASSES)
    write_npy_per_class(root / "data" / "bars3", images, labels, CLASSES[:3], limit=60)
    (root / "models").mkdir(exist_ok=True)
    (root / "models" / "tiny-conv.json").write_text(json.dumps(TINY_CONV))
    (root / "models" / "dense.json").write_text(json.dumps(DENSE))
    (root / "models" / "three-classes.json").write_text(json.dumps(THREE_CLASSES))
    (root / "sitegen.toml").write_text(
        'title = "Widgets"\n'
        '[datasets.bars]\nsource = "npy"\npath = "data/bars"\ncanvas = "mnist"\ntest_fraction = 0.25\n'
        'model_configs = {"Tiny conv" = "models/tiny-conv.json", "Dense" = "models/dense.json"}\n'
        '[datasets.bars3]\nsource = "npy"\npath = "data/bars3"\ncanvas = "mnist"\ntest_fraction = 0.25\n'
        'model_configs = {"Three classes" = "models/three-classes.json"}\n'
        '[models.bars-cnn]\ndataset = "bars"\nlayers = "models/tiny-conv.json"\nepochs = 4\nbatch_size = 32\n'
        'learning_rate = 0.005\n')
    pages = {
        "train": "kind: train\ndataset: bars\nepochs: 1\nbatch_size: 32\ntrain_size: 300\ntest_size: 100\n"
                 "examples: 8\nlearning_rate: 0.005",
        "draw": "kind: draw\nmodel: bars-cnn\ntop_k: 3",
        "explore": "kind: explore\ndataset: bars\nmodel: bars-cnn",
        "builder": "kind: model-builder\ndataset: bars\nbatch_size: 32\ngallery: 6\nlearning_rate: 0.005",
    }
    (root / "content").mkdir(exist_ok=True)
    (root / "content" / "index.md").write_text("---\ntitle: Home\n---\n# Widgets\n")
    for name, options in pages.items():
        (root / "content" / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n# {name}\n\n```demo\n{options}\n```\n")
    return root


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def widget_site(tmp_path_factory):
    """(folder served, site output) — the output sits in <served>/sub/, so pages run from a subpath."""
    from sitegen.build import build

    root = tmp_path_factory.mktemp("widgets")
    site = write_widget_site(root / "site")
    served = root / "served"
    output = served / "sub"
    build(site, output, progress=False)
    (served / "favicon.ico").write_bytes(b"")
    return served, output


@pytest.fixture
def open_demo(widget_site, browser_page, serve_dir):
    """open_demo('draw') -> the page with its widget mounted (data-ready='true')."""
    served, _ = widget_site
    base = serve_dir(served) + "sub/"

    def open_page(name: str, page=browser_page):
        page.goto(f"{base}{name}/")
        page.wait_for_selector("html[data-demos-ready='true']", state="attached")
        assert page.get_attribute(".sg-demo", "data-ready") == "true", page.inner_text(".sg-demo")
        return page

    return open_page


def widget(page, expression: str):
    """Evaluate `expression` with `el` bound to the page's demo element."""
    return page.evaluate(f"(() => {{ const el = document.querySelector('.sg-demo'); return {expression}; }})()")


def draw_stroke(page, points):
    """Drag the mouse through points given in 0..1 of the drawing canvas."""
    box = page.locator(".sg-w-draw-canvas").bounding_box()
    at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=3)
    page.mouse.up()


def python_model(output: Path):
    from sitegen.models.conversion import load_tfjs_model

    return load_tfjs_model(output / "models" / "bars-cnn")


# ---------------------------------------------------------------- train

def test_train_one_epoch_shows_charts_per_class_accuracy_and_confusion(open_demo, widget_site):
    _, output = widget_site
    page = open_demo("train")
    classes = json.loads((output / "data" / "bars" / "classes.json").read_text())
    assert page.locator(".sg-w-example").count() == 8  # the example panel
    assert "conv2d" in page.inner_text(".sg-w-summary")  # the model summary
    runs = []
    for run in (1, 2):
        page.get_by_role("button", name="Train", exact=True).click()
        page.wait_for_selector(".sg-demo[data-trained='true']", state="attached", timeout=120_000)
        runs.append(widget(page, "({eps: el.sgTest.state.examplesPerSecond, after: el.sgTest.state.tensorsAfterTraining, "
                                 "matrix: el.sgTest.state.evaluation.matrix, runs: el.sgTest.state.runs})"))
        assert runs[-1]["runs"] == run
    # live charts were drawn into the widget (lib/svg-charts.js: one SVG per measure, loss and accuracy)
    assert page.locator(".sg-w-batch-chart svg").count() == 2
    assert page.locator(".sg-w-epoch-chart svg").count() == 2
    # per-class accuracy with class names, and the confusion matrix over the 100 test examples
    table = page.inner_text(".sg-w-per-class")
    for name in classes:
        assert name in table
    matrix = np.array(runs[-1]["matrix"])
    assert matrix.shape == (4, 4) and matrix.sum() == 100
    assert np.trace(matrix) / 100 > 0.5  # one epoch on 300 examples learns these strokes
    assert page.locator(".sg-w-confusion svg").count() == 1
    # each cell writes its count; the class names label both axes
    counts = page.eval_on_selector_all(".sg-w-confusion .sg-w-svg-count", "ts => ts.map((t) => Number(t.textContent))")
    assert counts == matrix.flatten().tolist()
    labels = page.eval_on_selector_all(".sg-w-confusion .role-axis-label text", "ts => ts.map((t) => t.textContent)")
    assert labels == classes + classes
    assert runs[0]["eps"] > 0
    assert "examples/s on webgl" in page.inner_text(".sg-w-status")
    # no tensor leaks: a second run ends with exactly as many tensors as the first
    assert runs[0]["after"] == runs[1]["after"]
    assert page.console_errors == []


def test_train_download_saves_the_trained_model(open_demo):
    page = open_demo("train")
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_selector(".sg-demo[data-trained='true']", state="attached", timeout=120_000)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download model").click()
    assert download.value.suggested_filename.endswith(".json")
    model_json = json.loads(Path(download.value.path()).read_text())
    assert model_json["modelTopology"]["config"]["layers"]


# ---------------------------------------------------------------- draw

def test_draw_prediction_matches_python_on_the_same_image(open_demo, widget_site):
    _, output = widget_site
    page = open_demo("draw")
    assert widget(page, "el.sgTest.state.where") == "worker"  # predictions run off the main thread
    assert "background thread" in page.inner_text(".sg-w-draw-runs-on")
    baseline = widget(page, "el.sgTest.numTensors()")
    assert baseline > 0  # the worker reports its count: the model's weights
    draw_stroke(page, [(0.5, 0.15 + 0.035 * i) for i in range(21)])  # a vertical line
    page.wait_for_selector(".sg-demo[data-predictions='1']", state="attached")
    seen = widget(page, "({input: el.sgTest.state.lastInput, probabilities: el.sgTest.state.lastProbabilities})")
    image = np.array(seen["input"], np.float32).reshape(28, 28)
    # MNIST style: ink bright on black, inside a 20x20 box, centre of mass at the centre
    assert image.max() > 0.9 and image[0].max() == 0 and image[:, 0].max() == 0
    rows, cols = np.nonzero(image > 0.02)
    assert rows.max() - rows.min() + 1 <= 20 and cols.max() - cols.min() + 1 <= 20
    ys, xs = np.mgrid[0:28, 0:28] + 0.5
    centre = ((image * ys).sum() / image.sum(), (image * xs).sum() / image.sum())
    assert abs(centre[0] - 14) <= 0.5 and abs(centre[1] - 14) <= 0.5
    # Python's prediction of the converted model on the very same 28x28 image
    model = python_model(output)
    expected = model.predict(image.reshape(1, 28, 28, 1), verbose=0)[0]
    got = np.array(seen["probabilities"])
    classes = json.loads((output / "data" / "bars" / "classes.json").read_text())
    assert got.argmax() == expected.argmax()
    assert classes[int(got.argmax())] == "vertical"
    assert np.abs(got - expected).max() < 1e-3
    assert page.inner_text(".sg-w-bar-top .sg-w-bar-name") == "vertical"
    assert page.locator(".sg-w-bar").count() == 3  # top_k
    # more strokes, undo and clear: the tensor count comes back to its baseline each time
    draw_stroke(page, [(0.2, 0.5), (0.8, 0.5)])
    page.wait_for_selector(".sg-demo[data-predictions='2']", state="attached")
    page.get_by_role("button", name="Undo").click()
    page.wait_for_selector(".sg-demo[data-predictions='3']", state="attached")
    assert widget(page, "el.sgTest.numTensors()") == baseline
    page.get_by_role("button", name="Clear").click()
    page.wait_for_selector(".sg-w-status:has-text('Draw something')")
    assert widget(page, "el.sgTest.numTensors()") == baseline
    assert page.console_errors == []


def test_draw_by_keyboard_on_a_phone_width_screen(open_demo, chromium):
    context = chromium.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, has_touch=True)
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.set_default_timeout(60_000)
    try:
        open_demo("draw", page)
        # HiDPI: the canvas' backing store is twice its CSS size
        css, backing = widget(page, "[el.querySelector('canvas').clientWidth, el.querySelector('canvas').width]")
        assert backing == 2 * css
        assert widget(page, "document.documentElement.scrollWidth") <= 360  # nothing sticks out sideways
        page.focus(".sg-w-draw-canvas")
        page.keyboard.press("Enter")  # the pen goes down where it starts, in the centre
        for _ in range(6):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")  # and up: the stroke ends
        page.wait_for_selector(".sg-demo[data-predictions='1']", state="attached")
        assert page.inner_text(".sg-w-bar-top .sg-w-bar-name") == "horizontal"
        assert page.console_errors == []
    finally:
        context.close()


def test_draw_falls_back_to_cpu_with_a_notice_when_webgl_is_missing(open_demo, chromium):
    # A browser without WebGL whose wasm binaries cannot load -> cpu, and the reader is told.
    from conftest import CHROMIUM, CHROMIUM_ARGS

    browser = chromium.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                           args=[*CHROMIUM_ARGS, "--disable-webgl", "--disable-3d-apis"])
    try:
        page = browser.new_page()
        page.set_default_timeout(60_000)
        # --disable-webgl leaves WebGL on OffscreenCanvas (which tfjs prefers): take that away
        # too, on the page and in the prediction worker (whose script gets the same lines).
        no_offscreen_webgl = """{
          const original = OffscreenCanvas.prototype.getContext;
          OffscreenCanvas.prototype.getContext = function (kind, ...rest) {
            return String(kind).startsWith('webgl') ? null : original.call(this, kind, ...rest);
          };
        }"""
        page.add_init_script(no_offscreen_webgl)

        def patched_worker(route):
            original = route.fetch()
            route.fulfill(response=original, body=original.text() + "\n" + no_offscreen_webgl)

        page.route("**/workers/predict-*.js", patched_worker)
        page.route("**/*.wasm", lambda route: route.fulfill(status=404, body="gone"))
        open_demo("draw", page)
        assert page.get_attribute(".sg-demo", "data-backend") == "cpu"
        notice = page.inner_text(".sg-w-backend-notice")
        assert "WebGL is not available" in notice and "cpu" in notice
        draw_stroke(page, [(0.2, 0.2), (0.8, 0.8)])
        page.wait_for_selector(".sg-demo[data-predictions='1']", state="attached")
        assert page.inner_text(".sg-w-bar-top .sg-w-bar-name") == "diagonal"
    finally:
        browser.close()


def test_draw_predicts_on_the_page_when_the_worker_cannot_start(open_demo, browser_page):
    browser_page.route("**/workers/predict-*.js", lambda route: route.fulfill(status=404, body="gone"))
    page = open_demo("draw")
    assert widget(page, "el.sgTest.state.where") == "page"
    baseline = widget(page, "el.sgTest.numTensors()")
    draw_stroke(page, [(0.2, 0.5), (0.8, 0.5)])
    page.wait_for_selector(".sg-demo[data-predictions='1']", state="attached")
    assert page.inner_text(".sg-w-bar-top .sg-w-bar-name") == "horizontal"
    assert widget(page, "el.sgTest.numTensors()") == baseline
    assert page.get_attribute(".sg-demo", "data-backend") == "webgl"


def test_draw_shows_what_to_do_when_the_model_cannot_load(open_demo, browser_page):
    browser_page.route("**/models/bars-cnn/model.json", lambda route: route.fulfill(status=404, body="gone"))
    browser_page.goto(browser_page.url or "about:blank")
    page = browser_page
    with pytest.raises(AssertionError):
        open_demo("draw")
    assert page.get_attribute(".sg-demo", "data-ready") == "error"
    sentence, detail, hint = error_parts(page)
    assert sentence == "The model bars-cnn could not be loaded."
    assert detail == "model.json could not be loaded (HTTP 404)"
    assert "reload" in hint.lower()


@pytest.mark.parametrize("answer, reason", [
    ({"status": 404, "body": "gone"}, "HTTP 404"),
    ({"status": 200, "body": "<!doctype html><p>Page not found</p>", "content_type": "text/html"}, "web page"),
])
def test_a_missing_weight_file_is_named(open_demo, browser_page, answer, reason):
    browser_page.route("**/models/bars-cnn/*.bin", lambda route: route.fulfill(**answer))
    with pytest.raises(AssertionError):
        open_demo("draw")
    error = browser_page.inner_text(".sg-demo .sg-error")
    assert error_parts(browser_page)[0] == "The model bars-cnn could not be loaded."
    assert "group1-shard1of1.bin could not be loaded" in error and reason in error, error
    assert "tensor should have" not in error


def error_parts(page) -> tuple[str, str, str]:
    """The demo's error: its sentence for the reader, the detail for the author, the hint."""
    return page.evaluate("""() => {
      const box = document.querySelector('.sg-demo .sg-error');
      const text = (selector) => box.querySelector(selector)?.textContent ?? '';
      return [box.firstChild.textContent, text('.sg-error-detail'), text('.sg-error-hint')];
    }""")


@pytest.mark.parametrize("file, detail", [
    ("data.js", r"http://127\.0\.0\.1:\d+/sub/data/bars/data\.js answered HTTP 404\."),
    ("labels_uint8", r".*labels_uint8.*404.*"),  # the loader's words, which name the file
])
def test_a_data_set_that_cannot_load_is_one_sentence_then_the_detail(open_demo, browser_page, file, detail):
    import re

    browser_page.route(f"**/data/bars/{file}", lambda route: route.fulfill(status=404, body="gone"))
    with pytest.raises(AssertionError):
        open_demo("explore")
    assert browser_page.get_attribute(".sg-demo", "data-ready") == "error"
    sentence, shown_detail, hint = error_parts(browser_page)
    assert sentence == "The data set bars could not be loaded."
    assert re.fullmatch(detail, shown_detail), shown_detail
    assert hint.startswith("Check your connection and reload the page.")


# ---------------------------------------------------------------- explore

def test_explore_shows_the_true_label_of_an_index(open_demo, widget_site):
    from sitegen.datasets.format import read_built

    _, output = widget_site
    data = read_built(output / "data" / "bars")
    page = open_demo("explore")
    page.fill(".sg-w-index", "7")
    page.press(".sg-w-index", "Enter")
    page.wait_for_selector(".sg-demo[data-index='7']", state="attached")
    assert page.inner_text(".sg-w-true-label") == data.classes[int(data.y_test[7])]
    page.get_by_role("button", name="Next →").click()
    assert page.get_attribute(".sg-demo", "data-index") == "8"
    assert page.inner_text(".sg-w-true-label") == data.classes[int(data.y_test[8])]
    page.keyboard.press("ArrowLeft")  # focus is in the widget after the click
    assert page.get_attribute(".sg-demo", "data-index") == "7"
    # the guesses agree with Python's model; "only mistakes" visits exactly the wrong ones
    expected = python_model(output).predict(data.x_test.astype(np.float32) / 255, verbose=0).argmax(1)
    wrong = [int(i) for i in np.nonzero(expected != data.y_test)[0]]
    mistakes = widget(page, "el.sgTest.state.mistakes")
    assert mistakes == wrong and len(wrong) > 0
    page.check("text=Only mistakes")
    index = int(page.get_attribute(".sg-demo", "data-index"))
    assert index in wrong
    assert page.inner_text(".sg-w-guess") == data.classes[int(expected[index])]
    assert page.inner_text(".sg-w-true-label") != page.inner_text(".sg-w-guess")
    assert page.console_errors == []


# ---------------------------------------------------------------- model builder

def test_model_builder_rejects_a_list_that_does_not_flow_and_trains_a_valid_one(open_demo):
    page = open_demo("builder")
    assert page.get_attribute(".sg-demo", "data-valid") == "true"
    baseline = widget(page, "el.sgTest.state.baselineTensors")
    # Put a Convolution after the Flatten: shapes no longer flow.
    page.select_option("select[name=new-layer]", "Convolution")
    page.get_by_role("button", name="Add layer").click()
    assert page.get_attribute(".sg-demo", "data-valid") == "false"
    message = page.inner_text(".sg-w-shape-message")
    assert "layer 6 ('Convolution') needs an image input" in message
    assert page.locator(".sg-w-layer-bad").count() == 1
    assert page.get_by_role("button", name="Train", exact=True).is_disabled()
    page.get_by_role("button", name="Remove layer 6").click()
    # Too many units at the end: the message says what to set.
    page.fill(".sg-w-layer[data-index='5'] input[name=hiddenUnits]", "7")
    assert "set the last 'Fully connected' layer's hiddenUnits to 4" in page.inner_text(".sg-w-shape-message")
    page.fill(".sg-w-layer[data-index='5'] input[name=hiddenUnits]", "4")
    assert page.get_attribute(".sg-demo", "data-valid") == "true"
    assert page.inner_text(".sg-w-layer[data-index='3'] [data-role=shape]") == "→ 14x14x4"
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_selector(".sg-demo[data-trained='true']", state="attached", timeout=120_000)
    state = widget(page, "({after: el.sgTest.state.tensorsAfterTraining, refreshes: el.sgTest.state.galleryRefreshes})")
    assert state["refreshes"] >= 2  # before and after training at least
    assert page.locator(".sg-w-gallery-item").count() == 6
    assert page.locator(".sg-w-gallery-item .sg-w-bar").count() == 18
    assert page.locator(".sg-w-cost-chart svg").count() == 3  # loss, accuracy, examples/s
    assert state["after"] == baseline  # the model, its optimizer and the data are all disposed
    assert page.console_errors == []


def test_model_builder_switches_data_sets_and_back_without_leaks(open_demo):
    page = open_demo("builder")
    baseline = widget(page, "el.sgTest.state.baselineTensors")
    assert widget(page, "el.sgTest.state.dataset") == "bars"
    # the shader warm-up (a throwaway model) holds tensors until it ends
    page.wait_for_selector(".sg-demo[data-warmed-up]", state="attached")

    def switch_to(name: str, classes: int) -> None:
        page.select_option("select[name=dataset]", name)
        page.wait_for_selector(f".sg-demo[data-dataset='{name}']", state="attached")
        assert page.inner_text(".sg-w-layer-shape >> nth=0") == f"Input: 28x28x1, {classes} classes"
        assert page.get_attribute(".sg-demo", "data-valid") == "true"

    def train(run: int) -> None:
        page.get_by_role("button", name="Train", exact=True).click()
        page.wait_for_selector(".sg-demo[data-trained='true']", state="attached", timeout=120_000)
        assert widget(page, "el.sgTest.state.runs") == run
        assert widget(page, "el.sgTest.numTensors()") == baseline  # model, optimizer, data: all disposed

    switch_to("bars3", 3)
    assert widget(page, "el.sgTest.numTensors()") == baseline  # the old gallery's tensor went with it
    assert page.locator(".sg-w-gallery-item").count() == 6
    train(1)
    assert page.locator(".sg-w-gallery-item .sg-w-bar").count() == 18  # top 3 of 3 classes
    switch_to("bars", 4)
    train(2)
    assert page.get_attribute(".sg-demo", "data-failed") is None
    assert page.console_errors == []
