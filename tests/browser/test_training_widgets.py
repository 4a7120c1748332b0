"""The widgets that train (`train`, `model-builder`) in real Chromium: what a reader sees before,
during and after a run, at phone and desktop widths, light and dark.

The site: 'digits', ten classes of printed digits (drawn here with Pillow's font, so no
model is trained at build time), small enough that a run of one epoch takes seconds in
software WebGL; one page per widget.
"""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest

from test_datasets_helpers import write_npy_per_class
from tests.browser.test_widgets import widget

CLASSES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
CONV = [
    {"layerName": "Convolution", "fieldSize": 3, "stride": 1, "zeroPad": 1, "outputDepth": 4},
    {"layerName": "ReLU"},
    {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
    {"layerName": "Flatten"},
    {"layerName": "Fully connected", "hiddenUnits": len(CLASSES)},
]
TRAIN = "kind: train\ndataset: digits\nepochs: 1\nbatch_size: 16\ntrain_size: 48\ntest_size: 40\nexamples: 4\n" \
        "learning_rate: 0.01"
BUILDER = "kind: model-builder\ndataset: digits\nbatch_size: 32\ngallery: 4\nlearning_rate: 0.01"


def digit_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """White printed digits on black, 28x28, at random places and sizes."""
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.RandomState(seed)
    labels = np.arange(n) % len(CLASSES)
    images = np.zeros((n, 28, 28), np.uint8)
    for i, label in enumerate(labels):
        image = Image.new("L", (28, 28), 0)
        font = ImageFont.load_default(size=int(rng.randint(16, 23)))
        ImageDraw.Draw(image).text((int(rng.randint(5, 11)), int(rng.randint(1, 5))), str(label), fill=255, font=font)
        images[i] = np.asarray(image)
    return images, labels


@pytest.fixture(scope="module")
def training_site(tmp_path_factory):
    """The built site's folder, served from <served>/sub/ (a subpath, as in production)."""
    from sitegen.build import build

    root = tmp_path_factory.mktemp("training")
    site = root / "site"
    images, labels = digit_images(240, seed=5)
    write_npy_per_class(site / "data" / "digits", images, labels, CLASSES)
    (site / "models").mkdir()
    (site / "models" / "conv.json").write_text(json.dumps(CONV))
    (site / "sitegen.toml").write_text(
        'title = "Training"\n[datasets.digits]\nsource = "npy"\npath = "data/digits"\ncanvas = "mnist"\n'
        'test_fraction = 0.25\nmodel_configs = {"Conv" = "models/conv.json"}\n')
    (site / "content").mkdir()
    (site / "content" / "index.md").write_text("---\ntitle: Home\n---\n# Training\n")
    for name, options in {"train": TRAIN, "builder": BUILDER}.items():
        (site / "content" / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n# {name}\n\n```demo\n{options}\n```\n")
    served = root / "served"
    build(site, served / "sub", progress=False)
    (served / "favicon.ico").write_bytes(b"")
    return served


@pytest.fixture
def open_widget(training_site, chromium, serve_dir):
    """open_widget('train', width=390, dark=True) -> a page of that size and theme, its widget mounted."""
    base = serve_dir(training_site) + "sub/"
    contexts = []

    def open_page(name: str, width: int = 1280, dark: bool = False):
        context = chromium.new_context(viewport={"width": width, "height": 900},
                                       color_scheme="dark" if dark else "light")
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        page.set_default_timeout(120_000)
        page.goto(f"{base}{name}/")
        page.wait_for_selector("html[data-demos-ready='true']", state="attached")
        assert page.get_attribute(".sg-demo", "data-ready") == "true", page.inner_text(".sg-demo")
        return page

    yield open_page
    for context in contexts:
        context.close()


def train(page, *, by_keyboard: bool = False) -> None:
    button = page.get_by_role("button", name="Train", exact=True)
    if by_keyboard:
        button.focus()
        page.keyboard.press("Enter")
    else:
        button.click()
    page.wait_for_selector(".sg-demo[data-trained='true']", state="attached")


def no_sideways_scroll(page) -> bool:
    return widget(page, "document.documentElement.scrollWidth <= innerWidth")


def pixel(page, selector: str, x: float, y: float) -> tuple[int, int, int]:
    """The colour at (x, y), fractions of the element's box, as the screen shows it."""
    from PIL import Image

    shot = Image.open(io.BytesIO(page.locator(selector).first.screenshot())).convert("RGB")
    return shot.getpixel((min(shot.width - 1, int(x * shot.width)), min(shot.height - 1, int(y * shot.height))))


def luminance(rgb) -> float:
    return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255


def css_colour(page, selector: str, prop: str) -> tuple[int, int, int]:
    value = page.evaluate(f"getComputedStyle(document.querySelector({json.dumps(selector)})).{prop}")
    return tuple(int(v) for v in re.findall(r"\d+", value)[:3])


def axis_labels(page, selector: str, title: str | None = None) -> list[str]:
    """The tick labels of the charts under `selector` (lib/svg-charts.js, vega's class names), of the axes titled `title` or all."""
    return page.evaluate("""([selector, title]) => [...document.querySelectorAll(selector + ' .role-axis')]
      .filter((axis) => title == null || axis.querySelector('.role-axis-title text')?.textContent === title)
      .flatMap((axis) => [...axis.querySelectorAll('.role-axis-label text')].map((t) => t.textContent))""",
                         [selector, title])


# ---------------------------------------------------------------- train

def test_train_shows_no_chart_headings_before_a_run(open_widget):
    page = open_widget("train")
    assert not page.get_by_text("Loss and accuracy per batch").is_visible()
    assert not page.get_by_text("Confusion matrix").is_visible()
    assert page.get_by_role("heading", name="Model", exact=True).is_visible()  # the summary has content from the start
    builder = open_widget("builder")
    assert not builder.get_by_text("Accuracy per epoch").is_visible()


@pytest.mark.parametrize("width", [390, 1280])
def test_train_reports_every_example_keeps_focus_and_fits_the_screen(open_widget, width):
    page = open_widget("train", width=width)
    assert no_sideways_scroll(page)
    train(page, by_keyboard=True)
    # the charts and the confusion matrix (ten classes) fit: no page scrolls sideways, nothing is clipped
    assert page.locator(".sg-w-confusion svg, .sg-w-confusion canvas").count() == 1
    assert no_sideways_scroll(page)
    assert widget(page, "(() => { const m = el.querySelector('.sg-w-confusion'); "
                        "return m.scrollWidth <= m.clientWidth; })()")
    # focus stays on the control the reader used, not on <body>
    assert widget(page, "document.activeElement.textContent") == "Train"
    status = page.inner_text(".sg-w-status")
    # 48 examples in batches of 16: all three batches count, the one that compiled the shaders too
    assert status.startswith("Done: 48 examples in"), status
    assert re.search(r"test accuracy \d+\.\d% \(40 examples\)", status), status
    # axes read as numbers a person would write: whole epochs and batches, short values
    labels = axis_labels(page, ".sg-w-epoch-chart") + axis_labels(page, ".sg-w-batch-chart")
    assert labels and all(re.fullmatch(r"\d+(\.\d{1,3})?%?", t) for t in labels), labels
    for measure in ("loss", "acc"):  # one epoch: one whole-number tick, not 0.5 steps
        assert axis_labels(page, f".sg-w-epoch-chart [data-measure={measure}]", "Epoch") == ["1"]
    batches = axis_labels(page, ".sg-w-batch-chart [data-measure=loss]", "Batch")
    assert batches and all(t.isdigit() for t in batches), batches
    loss = axis_labels(page, ".sg-w-epoch-chart [data-measure=loss]", "Loss")
    assert len(loss) >= 2 and loss[0] == "0", loss  # a scale from zero, even for one point
    assert page.console_errors == []


def test_stop_before_an_epoch_ends_claims_no_accuracy(open_widget):
    page = open_widget("train")
    page.get_by_label("Batch size").fill("4")
    page.get_by_label("Training examples").fill("180")  # 45 batches: Stop lands long before the end
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("button", name="Stop").click()
    page.wait_for_selector(".sg-demo[data-trained='true']", state="attached")
    status = page.inner_text(".sg-w-status")
    assert status.startswith("Stopped before"), status
    assert not re.search(r"\d%", status), status  # no accuracy claimed for an untrained model
    assert not page.get_by_text("Confusion matrix").is_visible()
    assert page.get_by_role("button", name="Download model").is_disabled()
    assert widget(page, "el.sgTest.state.evaluation") is None


def test_train_warms_up_the_shaders_before_the_first_press(open_widget):
    page = open_widget("train")
    page.wait_for_selector(".sg-demo[data-warmed-up='true']", state="attached")
    after_warm_up = widget(page, "el.sgTest.numTensors()")
    train(page)
    # the run that follows leaves what a warm-up-free run leaves: the kept model only
    assert widget(page, "el.sgTest.state.tensorsAfterTraining") == after_warm_up
    assert page.console_errors == []


# ---------------------------------------------------------------- model builder

def test_builder_reports_test_accuracy_per_epoch_and_marks_its_guesses(open_widget, training_site):
    from sitegen.datasets.format import read_built

    data = read_built(training_site / "sub" / "data" / "digits")
    page = open_widget("builder")
    page.get_by_label("Epochs").fill("2")
    train(page)
    state = widget(page, "el.sgTest.state")
    n_test = len(data.y_test)
    assert len(state["epochTestAccuracy"]) == 2
    assert state["testAccuracy"] == state["epochTestAccuracy"][-1]
    correct = state["testAccuracy"] * n_test
    assert abs(correct - round(correct)) < 1e-4  # a share of the whole test split, not of a batch
    status = page.inner_text(".sg-w-status")
    assert f"test accuracy {100 * state['testAccuracy']:.1f}% ({n_test} test examples)" in status, status
    # the examples/s chart has its line (its values are not squeezed into an accuracy's 0..1)
    rate = page.locator(".sg-w-cost-chart [data-measure=examples_per_second]")
    assert rate.locator("path.mark-line, .mark-line path").count() >= 1
    assert max(float(t.replace(",", "")) for t in axis_labels(page, ".sg-w-cost-chart [data-measure=examples_per_second]")
               if re.fullmatch(r"[\d,]+", t)) > 1
    # the gallery: each test example with its true class, its guesses, and right or wrong
    items = page.locator(".sg-w-gallery-item")
    assert items.count() == 4
    for i in range(4):
        item = items.nth(i)
        truth = data.classes[int(data.y_test[i])]
        assert item.locator(".sg-w-gallery-truth").inner_text() == f"is {truth}"
        top = item.locator(".sg-w-bar-top .sg-w-bar-name").inner_text().lstrip("✓ ")
        right = top == truth
        assert item.locator(".sg-w-verdict").inner_text() == ("✓ right" if right else "✗ wrong")
        assert ("sg-w-gallery-right" if right else "sg-w-gallery-wrong") in item.get_attribute("class")
    marked = page.locator(".sg-w-bar-right .sg-w-bar-name").first
    plain = page.locator(".sg-w-bar:not(.sg-w-bar-right) .sg-w-bar-name").first
    assert marked.evaluate("e => getComputedStyle(e).color") != plain.evaluate("e => getComputedStyle(e).color")
    assert no_sideways_scroll(page)
    assert page.console_errors == []


def test_builder_fits_a_phone_screen_after_training(open_widget):
    page = open_widget("builder", width=390)
    page.get_by_label("Epochs").fill("1")
    train(page)
    assert no_sideways_scroll(page)
    assert widget(page, "el.sgTest.state.testAccuracy") is not None


# ---------------------------------------------------------------- dark mode

def test_dark_mode_themes_charts_tables_and_progress(open_widget):
    page = open_widget("train", dark=True)
    # before a run: the progress bar's track and the model summary's header are dark
    assert luminance(pixel(page, ".sg-w-progress progress", 0.5, 0.5)) < 0.25
    header_bg = css_colour(page, ".sg-w-summary th", "backgroundColor")
    header_fg = css_colour(page, ".sg-w-summary th", "color")
    assert luminance(header_bg) < 0.25 and luminance(header_fg) > 0.6, (header_bg, header_fg)
    train(page)
    chart = ".sg-w-batch-chart .sg-w-chart-plot"
    assert luminance(pixel(page, chart, 0.995, 0.01)) < 0.25  # the chart's background, top right
    assert luminance(pixel(page, ".sg-w-confusion svg", 0.995, 0.01)) < 0.25
    axis_text = css_colour(page, f"{chart} .role-axis-label text", "fill")  # widgets.css, the theme's variables
    assert luminance(axis_text) > 0.5, axis_text
    count = css_colour(page, ".sg-w-confusion text.sg-w-svg-count:not(.sg-w-svg-count-strong)", "fill")
    assert luminance(count) > 0.5, count  # a count on a dark (few examples) cell is light too
    # the theme toggle redraws the charts in the light colours
    page.locator(".theme-toggle").click()
    assert page.get_attribute("html", "data-theme") == "light"
    for _ in range(50):  # the redraw is asynchronous: poll the pixel
        if luminance(pixel(page, chart, 0.995, 0.01)) > 0.75:
            break
        page.wait_for_timeout(100)
    assert luminance(pixel(page, chart, 0.995, 0.01)) > 0.75
    assert luminance(css_colour(page, f"{chart} .role-axis-label text", "fill")) < 0.5
    assert page.console_errors == []
