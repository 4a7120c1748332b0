"""The draw widget on a Quick Draw model, in real Chromium: the reader's strokes are rendered
like the data set's doodles (lib/strokes.js, the twin of sitegen/datasets/strokes.py), and the
keyboard pen moves before it goes down, so a 7 can be drawn with the arrow keys.

The site: an ndjson data set of three stroke classes (bars, poles and sevens, made here), a
small dense model trained on it at build time, and one draw page, served from a subpath under
the production CSP.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from browser.test_widgets import draw_stroke, widget
from test_datasets_strokes import line, ndjson, normalized, reader_drawing

from sitegen.datasets.strokes import render_strokes

CLASSES = ["bar", "pole", "seven"]
DENSE = [
    {"layerName": "Flatten"},
    {"layerName": "Fully connected", "hiddenUnits": 16, "activation": "relu"},
    {"layerName": "Fully connected", "hiddenUnits": len(CLASSES)},
]
KEY_STEP = 0.04  # view.js: one arrow press moves the pen this share of the canvas side


def doodle(kind: str, rng: np.random.Generator) -> list:
    """One Quick Draw style drawing of a class: a few points, a little tilt and wobble."""
    a, b, c = rng.uniform(-0.15, 0.15, 3)
    if kind == "bar":
        points = [(0, a), (0.5, b), (1, c)]
    elif kind == "pole":
        points = [(a, 0), (b, 0.5), (c, 1)]
    else:  # a 7: the top bar left to right, then down to the left
        points = [(0, a), (1, b), (0.3 + c, 1)]
    xs, ys = zip(*points)
    return normalized([[list(xs), list(ys)]])


def write_strokes_site(root):
    rng = np.random.default_rng(7)
    files = {f"strokes/{kind}.ndjson": ndjson(*(line(doodle(kind, rng), word=kind) for _ in range(40)))
             for kind in CLASSES}
    files["models/dense.json"] = json.dumps(DENSE)
    files["sitegen.toml"] = (
        'title = "Strokes"\n'
        '[datasets.doodles]\nsource = "ndjson"\npath = "strokes"\ntest_fraction = 0.25\n'
        '[models.doodles-dense]\ndataset = "doodles"\nlayers = "models/dense.json"\nepochs = 20\n'
        'batch_size = 16\nlearning_rate = 0.01\n')
    files["content/index.md"] = "---\ntitle: Home\n---\n# Strokes\n"
    files["content/draw.md"] = ("---\ntitle: draw\n---\n# draw\n\n"
                                "```demo\nkind: draw\nmodel: doodles-dense\ntop_k: 3\n```\n")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return root


@pytest.fixture(scope="module")
def strokes_site(tmp_path_factory):
    """The folder served; the site itself is in its sub/ folder."""
    from sitegen.build import build

    root = tmp_path_factory.mktemp("strokes")
    served = root / "served"
    build(write_strokes_site(root / "site"), served / "sub", progress=False)
    (served / "favicon.ico").write_bytes(b"")
    return served


@pytest.fixture
def draw_page(strokes_site, browser_page, serve_dir):
    page = browser_page
    page.goto(serve_dir(strokes_site) + "sub/draw/")
    page.wait_for_selector("html[data-demos-ready='true']", state="attached")
    assert page.get_attribute(".sg-demo", "data-ready") == "true", page.inner_text(".sg-demo")
    return page


def model_input(page) -> np.ndarray:
    """The last 28x28 input the widget gave the model, as the bytes it was made from."""
    return np.rint(np.array(widget(page, "el.sgTest.state.lastInput")) * 255).astype(np.uint8).reshape(28, 28)


def python_render(page) -> np.ndarray:
    """Python's rendering of the strokes the widget recorded, as the data set's doodles were made."""
    return render_strokes(reader_drawing(widget(page, "el.sgTest.state.strokes")))


def canvas_ink(page, x: float, y: float) -> int:
    """How dark the drawing canvas is at (x, y) in 0..1 of its side: 0 paper .. 255 ink."""
    return widget(page, f"""(() => {{
      const canvas = el.querySelector('.sg-w-draw-canvas');
      const [r, g, b, a] = canvas.getContext('2d').getImageData(
        Math.floor({x} * canvas.width), Math.floor({y} * canvas.height), 1, 1).data;
      return Math.round(a * (255 - (r + g + b) / 3) / 255);
    }})()""")


def test_mouse_strokes_reach_the_model_rendered_like_the_data_sets_doodles(draw_page):
    page = draw_page
    assert widget(page, "el.sgTest.state.where") in ("worker", "page")
    # a 7 in two strokes, small and off centre: the data's normalisation fills the box anyway
    draw_stroke(page, [(0.15, 0.2), (0.3, 0.21), (0.45, 0.2)])
    page.wait_for_selector(".sg-demo[data-predictions='1']", state="attached")
    np.testing.assert_array_equal(model_input(page), python_render(page))
    draw_stroke(page, [(0.45, 0.2), (0.35, 0.4), (0.25, 0.6)])
    page.wait_for_selector(".sg-demo[data-predictions='2']", state="attached")
    strokes = widget(page, "el.sgTest.state.strokes")
    assert len(strokes) == 2 and all(len(stroke) > 3 for stroke in strokes)  # every mouse move is a point
    seen = model_input(page)
    np.testing.assert_array_equal(seen, python_render(page))
    # the data set's line: 16 of 304 units, about 1.5 px at 28x28, full ink in its middle
    assert seen.max() == 255 and (seen[:, 0] == 0).all() and (seen[0] == 0).all()
    assert page.inner_text(".sg-w-bar-top .sg-w-bar-name") == "seven"
    assert page.console_errors == []


def test_draw_a_seven_by_keyboard_pen_up_move_pen_down(draw_page):
    page = draw_page
    page.focus(".sg-w-draw-canvas")
    canvas = page.locator(".sg-w-draw-canvas").bounding_box()
    pen = page.locator(".sg-w-draw-pen")

    def pen_at() -> tuple[float, float]:
        box = pen.bounding_box()
        return ((box["x"] + box["width"] / 2 - canvas["x"]) / canvas["width"],
                (box["y"] + box["height"] / 2 - canvas["y"]) / canvas["height"])

    # the pen starts up, in the centre, and shows where it is
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert pen.is_visible() and "sg-w-draw-pen-down" not in pen.get_attribute("class")
    assert np.allclose(pen_at(), (0.5, 0.5), atol=0.02)
    assert "pen is up" in page.inner_text(".sg-w-draw-keys")
    # pen up: moving to the top-left draws nothing
    for _ in range(6):
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowUp")
    assert widget(page, "el.sgTest.state.strokes") == []
    assert np.allclose(pen_at(), (0.26, 0.26), atol=0.02)
    # pen down, right along the top, then down to the left; pen up ends the stroke
    page.keyboard.press("Space")
    assert "sg-w-draw-pen-down" in pen.get_attribute("class")
    assert "pen is down" in page.inner_text(".sg-w-draw-keys")
    for _ in range(12):
        page.keyboard.press("ArrowRight")
    for _ in range(10):
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowLeft")
    assert widget(page, "el.sgTest.state.predictions") == 0  # nothing is asked while the pen is down
    page.keyboard.press("Enter")
    page.wait_for_selector(".sg-demo[data-predictions='1']", state="attached")
    assert "sg-w-draw-pen-down" not in pen.get_attribute("class")

    [stroke] = widget(page, "el.sgTest.state.strokes")
    assert len(stroke) == 1 + 12 + 20
    np.testing.assert_allclose(stroke[0], (0.5 - 6 * KEY_STEP, 0.5 - 6 * KEY_STEP), atol=1e-9)
    np.testing.assert_allclose(stroke[12], (0.5 + 6 * KEY_STEP, 0.5 - 6 * KEY_STEP), atol=1e-9)
    np.testing.assert_allclose(stroke[-1], (0.5 - 4 * KEY_STEP, 0.5 + 4 * KEY_STEP), atol=1e-9)
    # on the canvas: ink along the top bar and at the 7's foot, none between the centre and the start
    assert canvas_ink(page, 0.26, 0.26) > 200 and canvas_ink(page, 0.5, 0.26) > 200
    assert canvas_ink(page, 0.35, 0.65) > 200
    assert canvas_ink(page, 0.38, 0.38) == 0 and canvas_ink(page, 0.7, 0.7) == 0
    # what the model sees: the data set's rendering of that stroke, a 7
    seen = model_input(page)
    np.testing.assert_array_equal(seen, python_render(page))
    rows = np.flatnonzero(seen.max(axis=1) > 128)
    top = seen[rows[0]:rows[0] + 2].max(axis=0)
    assert (top > 128).sum() >= 18  # a long bar across the top
    assert seen[20:, 20:].max() == 0 and seen[20:, :14].max() > 128  # the foot is at the lower left
    assert page.inner_text(".sg-w-bar-top .sg-w-bar-name") == "seven"

    # leaving the canvas lifts a pen that is down, and that stroke is asked about too
    page.keyboard.press(" ")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.wait_for_selector(".sg-demo[data-predictions='2']", state="attached")
    assert widget(page, "el.sgTest.state.pen.stroke") is None
    assert len(widget(page, "el.sgTest.state.strokes")) == 2
    assert page.console_errors == []
