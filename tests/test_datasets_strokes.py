"""Quick Draw strokes: the renderer (pixels, the published cairo recipe, the browser twin, and the
draw widget's strokes made into drawings by lib/preprocess.js) and the ndjson source (streaming,
recognized_only, max_per_class, url downloads, bad input)."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from conftest import skip_unless_ci

from sitegen.config import load_config
from sitegen.datasets import build_datasets, read_built
from sitegen.datasets.strokes import render_strokes
from sitegen.errors import ConfigError, DataError
from sitegen.paths import JS_DIR

from test_datasets_helpers import context, write_site

HORIZONTAL = [[[0, 255], [0, 0]]]
SQUARE = [[[0, 255, 255, 0, 0], [0, 0, 255, 255, 0]]]
DOT = [[[0], [0]]]


def normalized(strokes) -> list:
    """Strokes moved to the top-left and scaled so the longest side is 255, as in the simplified files."""
    xs = np.concatenate([np.asarray(s[0], float) for s in strokes])
    ys = np.concatenate([np.asarray(s[1], float) for s in strokes])
    span = max(xs.max() - xs.min(), ys.max() - ys.min(), 1)
    return [[[int(round((x - xs.min()) * 255 / span)) for x in s[0]],
             [int(round((y - ys.min()) * 255 / span)) for y in s[1]]] for s in strokes]


def doodles(count: int, seed: int = 0) -> list[list]:
    """Drawings like Quick Draw's: a few strokes each, arcs and wandering lines, 50-odd points."""
    rng = np.random.default_rng(seed)
    drawings = []
    for _ in range(count):
        strokes = []
        for _ in range(rng.integers(1, 8)):
            n = int(rng.integers(1, 20))
            cx, cy, r = *rng.uniform(0, 200, 2), rng.uniform(10, 90)
            if rng.random() < 0.5:
                angle = np.linspace(0, rng.uniform(1, 6.3), n)
                strokes.append([cx + r * np.cos(angle), cy + r * np.sin(angle)])
            else:
                points = np.cumsum(rng.normal(0, 25, (n, 2)), axis=0) + [cx, cy]
                strokes.append([points[:, 0], points[:, 1]])
        drawings.append(normalized(strokes))
    return drawings


CONSTRUCTED = [HORIZONTAL, SQUARE, DOT, [[[0, 0], [0, 255]]], [[[0, 255], [0, 255]], [[0, 255], [255, 0]]],
               [[[0, 100], [0, 0]], [[0, 100], [40, 40]]], *doodles(40)]


def simplified(xs: list[float], ys: list[float], epsilon: float = 2) -> tuple[list[float], list[float]]:
    """Ramer-Douglas-Peucker to within epsilon of the segments kept, as lib/preprocess.js does it
    (the same double arithmetic and order, the first farthest point on a tie)."""
    keep = {0, len(xs) - 1}
    spans = [(0, len(xs) - 1)]
    while spans:
        a, b = spans.pop()
        dx, dy = xs[b] - xs[a], ys[b] - ys[a]
        length2 = dx * dx + dy * dy
        farthest, far = epsilon * epsilon, -1
        for i in range(a + 1, b):
            t = min(max(((xs[i] - xs[a]) * dx + (ys[i] - ys[a]) * dy) / length2, 0), 1) if length2 > 0 else 0
            ex, ey = xs[i] - (xs[a] + t * dx), ys[i] - (ys[a] + t * dy)
            if ex * ex + ey * ey > farthest:
                farthest, far = ex * ex + ey * ey, i
        if far >= 0:
            keep.add(far)
            spans += [(a, far), (far, b)]
    return [xs[i] for i in sorted(keep)], [ys[i] for i in sorted(keep)]


def reader_drawing(strokes) -> list:
    """The draw widget's strokes (lists of [x, y] in 0..1 of its canvas) as the Quick Draw drawing
    lib/preprocess.js's quickDrawStrokes makes of them, with the same double arithmetic: moved to
    the top-left, divided by the longest side and times 255 (a lone dot stays at 0, 0), simplified."""
    xs = [x for stroke in strokes for x, _ in stroke]
    ys = [y for stroke in strokes for _, y in stroke]
    min_x, min_y = min(xs), min(ys)
    span = max(max(xs) - min_x, max(ys) - min_y)

    def unit(v: float, low: float) -> float:
        return (v - low) / span * 255 if span > 0 else 0

    return [list(simplified([unit(x, min_x) for x, _ in stroke], [unit(y, min_y) for _, y in stroke]))
            for stroke in strokes]


def canvas_strokes(count: int, seed: int = 0) -> list[list]:
    """Drawings as the draw widget records them: points in 0..1 of the canvas, dense and a little
    shaky like pointer moves, some repeated, any size and place, clicks (one-point strokes) among them."""
    rng = np.random.default_rng(seed)
    drawings = []
    for _ in range(count):
        strokes = []
        for _ in range(rng.integers(1, 5)):
            n = int(rng.choice([1, 2, 40, 150]))
            angle = rng.uniform(0, 6.3) + np.linspace(0, rng.uniform(0.5, 6.3), n)
            arc = rng.uniform(0.3, 0.7, 2) + rng.uniform(0.02, 0.3) * np.stack([np.cos(angle), np.sin(angle)], 1)
            points = np.clip(arc + rng.normal(0, 0.002, (n, 2)), 0, 1)
            strokes.append(np.repeat(points, rng.integers(1, 3, n), axis=0).tolist())
        drawings.append(strokes)
    return drawings


#: the draw widget's strokes: random drawings, a click, a vertical line (no width), two dots
READER_DRAWINGS = [*canvas_strokes(12), [[[0.5, 0.5]]], [[[0.3, 0.1], [0.3, 0.35], [0.3, 0.9]]],
                   [[[0.1, 0.2]], [[0.7, 0.6]]]]


# --- the renderer -----------------------------------------------------------------------------

def test_horizontal_stroke_lands_on_the_middle_rows():
    image = render_strokes(HORIZONTAL)
    assert image.shape == (28, 28) and image.dtype == np.uint8
    # y = 0 is centred at 128 + 24 = 152 of 304 units: the line (1.47 px wide) covers rows 13 and 14
    inked = np.flatnonzero(image.max(axis=1))
    assert list(inked) == [13, 14]
    assert (image[13, 4:24] == 191).all() and (image[14, 4:24] == 191).all()
    # x from 0 to 255 is 24.5 to 279.5 units: pixels 2.3 to 25.7, plus the round caps
    assert list(np.flatnonzero(image[13])) == list(range(1, 27))
    np.testing.assert_array_equal(image, image[:, ::-1])


def test_symmetric_drawings_render_symmetric():
    square = render_strokes(SQUARE)
    np.testing.assert_array_equal(square, square[:, ::-1])
    np.testing.assert_array_equal(square, square[::-1, :])
    np.testing.assert_array_equal(square, square.T)
    assert square[14, 14] == 0 and square[14, 2] > 100 and square[2, 14] > 100
    cross = render_strokes([[[0, 255], [0, 255]], [[0, 255], [255, 0]]])
    np.testing.assert_array_equal(cross, cross[:, ::-1])
    np.testing.assert_array_equal(cross, cross.T)


def test_a_lone_point_is_a_centred_dot_and_overlaps_do_not_saturate_past_255():
    dot = render_strokes(DOT)
    assert dot.sum() > 0 and set(np.flatnonzero(dot.max(axis=0))) <= {13, 14}
    np.testing.assert_array_equal(dot, dot[::-1, ::-1])
    twice = render_strokes(SQUARE + SQUARE)
    assert twice.max() == 255 and (twice >= render_strokes(SQUARE)).all()


def test_other_sizes_scale_the_same_recipe():
    big = render_strokes(SQUARE, 56, 56)
    assert big.shape == (56, 56)
    np.testing.assert_array_equal(big, big.T)
    wide = render_strokes(HORIZONTAL, 20, 40)
    assert wide.shape == (20, 40) and list(np.flatnonzero(wide.max(axis=1))) == [9, 10]


def cairo_render(strokes, side=28) -> np.ndarray:
    """The published numpy_bitmap recipe (quickdraw-dataset issue #19) with cairo itself."""
    try:
        import cairocffi as cairo
    except ImportError:  # the test extra installs it
        skip_unless_ci("cairocffi is not installed")
    surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, side, side)
    ctx = cairo.Context(surface)
    ctx.set_antialias(cairo.ANTIALIAS_BEST)
    ctx.set_line_cap(cairo.LINE_CAP_ROUND)
    ctx.set_line_join(cairo.LINE_JOIN_ROUND)
    ctx.set_line_width(16)
    ctx.scale(side / (256 + 48), side / (256 + 48))
    ctx.translate(24, 24)
    ctx.set_source_rgb(0, 0, 0)
    ctx.paint()
    offset_x = (256 - max(max(s[0]) for s in strokes)) / 2
    offset_y = (256 - max(max(s[1]) for s in strokes)) / 2
    ctx.set_source_rgb(1, 1, 1)
    for xs, ys in strokes:
        ctx.move_to(xs[0] + offset_x, ys[0] + offset_y)
        for x, y in zip(xs, ys):
            ctx.line_to(x + offset_x, y + offset_y)
        ctx.stroke()
    surface.flush()
    return np.frombuffer(bytes(surface.get_data()), np.uint8).reshape(side, side * 4)[:, 0::4]


def test_renders_match_the_published_cairo_recipe():
    """Mean absolute difference per pixel against cairo, on a 0..255 scale (measured: ~0.33;
    cairo samples 15 rows per pixel and draws round caps as hexagons at this size)."""
    try:
        cairo_render(DOT)
    except OSError as e:  # cairocffi installed, libcairo missing (Debian's chromium brings it)
        skip_unless_ci(f"no cairo library: {e}")
    errors = [np.abs(render_strokes(d).astype(int) - cairo_render(d)).mean() for d in CONSTRUCTED]
    assert np.mean(errors) < 0.5 and max(errors) < 1.2, errors
    assert np.abs(render_strokes(HORIZONTAL).astype(int) - cairo_render(HORIZONTAL)).max() <= 4


RUN_IN_NODE = """
import {renderStrokes} from %s;
import {prepareStrokes, quickDrawStrokes} from %s;
import {readFileSync} from 'node:fs';
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
// A Quick Draw drawing is rendered as is; the draw widget's strokes go through its preprocessing,
// whose [0, 1] floats are read back as bytes, and the drawing it made of them comes back too.
const run = ({strokes, canvas, height, width}) => (strokes
  ? {pixels: Array.from(renderStrokes(strokes, height, width))}
  : {pixels: Array.from(prepareStrokes(canvas, {input_shape: [height, width, 1], fit: 'quickdraw-strokes'}),
                        (v) => Math.round(v * 255)),
     drawing: quickDrawStrokes(canvas)});
console.log(JSON.stringify(cases.map(run)));
"""

#: the same shape drawn small in a corner and large in the middle of the canvas
SMALL_SEVEN = [[[0.1, 0.1], [0.2, 0.1], [0.12, 0.25]]]
LARGE_SEVEN = [[[0.3, 0.2], [0.7, 0.2], [0.38, 0.8]]]


def test_the_browser_renderer_gives_the_same_bytes(tmp_path):
    """js/lib/strokes.js repeats every floating-point step in the same order, and the draw widget's
    strokes become drawings with the same arithmetic in lib/preprocess.js: exact equality."""
    node = shutil.which("node")
    if node is None:
        skip_unless_ci("node is not installed")
    sizes = [(28, 28), (32, 32), (20, 40), (7, 5)]
    cases = [{"strokes": d, "height": h, "width": w} for i, d in enumerate(CONSTRUCTED)
             for h, w in ([sizes[i % len(sizes)], (28, 28)] if i % len(sizes) else [(28, 28)])]
    cases.append({"strokes": [[[12.5, 200.25], [3.75, 90.5]]], "height": 28, "width": 28})  # not integers
    cases += [{"canvas": d, "height": h, "width": w} for i, d in enumerate(READER_DRAWINGS) for h, w in [sizes[i % 3]]]
    cases += [{"canvas": d, "height": 28, "width": 28} for d in (SMALL_SEVEN, LARGE_SEVEN)]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    runner = tmp_path / "run.mjs"
    runner.write_text(RUN_IN_NODE % (json.dumps((JS_DIR / "lib" / "strokes.js").as_uri()),
                                     json.dumps((JS_DIR / "lib" / "preprocess.js").as_uri())))
    out = subprocess.run([node, str(runner), str(tmp_path / "cases.json")], capture_output=True, text=True,
                         check=True)
    results = json.loads(out.stdout)
    recorded = kept = 0
    for case, result in zip(cases, results, strict=True):
        strokes = case.get("strokes") or reader_drawing(case["canvas"])
        python = render_strokes(strokes, case["height"], case["width"])
        assert python.any()
        np.testing.assert_array_equal(np.array(result["pixels"], np.uint8).reshape(python.shape), python)
        if "canvas" in case:
            assert result["drawing"] == strokes
            xs = [x for x_list, _ in strokes for x in x_list]
            ys = [y for _, y_list in strokes for y in y_list]
            # as in the simplified files: at the top-left, the longest side 255, but for the points
            # that simplifying dropped, at most 2 units from the lines kept (a dot stays at 0, 0)
            assert 0 <= min(xs) <= 2 and 0 <= min(ys) <= 2
            assert 253 <= max(max(xs), max(ys)) <= 255 or max(max(xs), max(ys)) == 0
            recorded += sum(map(len, case["canvas"]))
            kept += len(xs)
    assert kept < recorded / 3  # the simplified strokes are cheaper to render, as the data's were
    # where and how large the reader drew a shape does not change what the model sees
    assert results[-2]["pixels"] == results[-1]["pixels"]


def test_browser_constants_are_pythons():
    from sitegen.datasets import strokes

    source = (JS_DIR / "lib" / "strokes.js").read_text(encoding="utf-8")
    for name in ("ORIGINAL_SIDE", "LINE_DIAMETER", "PADDING", "SUBSAMPLES"):
        assert f"export const {name} = {getattr(strokes, name)};" in source, name


# --- the ndjson source ------------------------------------------------------------------------

def line(strokes, recognized=True, word="cat") -> str:
    return json.dumps({"word": word, "countrycode": "US", "timestamp": "2017-03-01 20:00:00.00000 UTC",
                       "recognized": recognized, "key_id": "5152802093400064", "drawing": strokes})


def ndjson(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


CATS = doodles(5, seed=1)
FACES = doodles(4, seed=2)


def strokes_site(tmp_path, options="", files=None) -> Path:
    files = files if files is not None else {
        "strokes/cat.ndjson": ndjson(line(CATS[0]), line(CATS[1], recognized=False), *map(line, CATS[2:])),
        "strokes/smiley face.ndjson": ndjson(*[line(d, word="smiley face") for d in FACES]),
    }
    return write_site(tmp_path, f"""
[datasets.d]
source = "ndjson"
path = "strokes"
test_fraction = 0.25
{options}
""", files)


def examples_by_class(data) -> dict[str, np.ndarray]:
    x = np.concatenate([data.x_train, data.x_test])
    y = np.concatenate([data.y_train, data.y_test])
    return {name: x[y == k] for k, name in enumerate(data.classes)}


def same_images(actual: np.ndarray, expected: list[np.ndarray]) -> bool:
    """The same images in any order (the split shuffles)."""
    key = lambda a: a.tobytes()  # noqa: E731
    return sorted(map(key, actual[..., 0])) == sorted(map(key, expected))


def test_a_folder_of_ndjson_files_builds_recognized_drawings(tmp_path):
    artifact = build_datasets(context(strokes_site(tmp_path)))["d"]
    assert artifact.available and artifact.shape == (28, 28, 1)
    data = read_built(artifact.dir)
    assert data.classes == ["cat", "smiley face"]
    by_class = examples_by_class(data)
    recognized_cats = [CATS[0], *CATS[2:]]
    assert same_images(by_class["cat"], [render_strokes(d) for d in recognized_cats])
    assert same_images(by_class["smiley face"], [render_strokes(d) for d in FACES])
    assert artifact.manifest["counts"]["total"] == 8


def test_max_per_class_reads_no_line_past_the_last_kept(tmp_path):
    files = {"strokes/cat.ndjson": ndjson(line(CATS[0]), line(CATS[1], recognized=False), line(CATS[2]),
                                          "this line is never read"),
             "strokes/dog.ndjson": ndjson(line(FACES[0]), line(FACES[1]), line(FACES[2]))}
    root = strokes_site(tmp_path, "max_per_class = 2", files)
    data = read_built(build_datasets(context(root))["d"].dir)
    by_class = examples_by_class(data)
    assert same_images(by_class["cat"], [render_strokes(CATS[0]), render_strokes(CATS[2])])
    assert same_images(by_class["dog"], [render_strokes(FACES[0]), render_strokes(FACES[1])])


def test_recognized_only_false_keeps_every_drawing_and_shape_sets_the_size(tmp_path):
    root = strokes_site(tmp_path, "recognized_only = false\nshape = [32, 32, 3]")
    artifact = build_datasets(context(root))["d"]
    assert artifact.shape == (32, 32, 3)
    data = read_built(artifact.dir)
    by_class = examples_by_class(data)
    assert len(by_class["cat"]) == 5
    assert same_images(by_class["cat"][..., :1], [render_strokes(d, 32, 32) for d in CATS])
    np.testing.assert_array_equal(by_class["cat"][..., 0], by_class["cat"][..., 2])


@pytest.mark.parametrize("bad, message", [
    ("{not json", "not JSON"),
    ('{"word": "cat"}', 'expected an object with a "drawing" key'),
    ('[1, 2]', 'expected an object with a "drawing" key'),
    ('{"drawing": []}', "non-empty list of strokes"),
    ('{"drawing": [[[0, 1], [0]]]}', "stroke 1 is not"),
    ('{"drawing": [[[0, 1], [0, 1]], [[0, 1], [0, 1], [0, 10]]]}', "stroke 2 is not"),
    ('{"drawing": [[[0, 300], [0, 1]]]}', "outside 0..255"),
    ('{"drawing": [[[0, 1], [0, 1]]], "recognized": "yes"}', '"recognized" must be true or false'),
])
def test_a_line_that_is_not_a_drawing_names_file_and_line(tmp_path, bad, message):
    files = {"strokes/cat.ndjson": ndjson(line(CATS[0]), "", bad, line(CATS[1])),
             "strokes/dog.ndjson": ndjson(line(FACES[0]))}
    with pytest.raises(DataError) as caught:
        build_datasets(context(strokes_site(tmp_path, "", files)))
    error = caught.value
    assert (Path(error.where).name, error.line) == ("cat.ndjson", 3)
    assert str(error).startswith(f"{error.where}:3: not a Quick Draw drawing") and message in str(error)
    assert "\n" not in str(error)


def test_a_class_without_recognized_drawings_is_an_error(tmp_path):
    files = {"strokes/cat.ndjson": ndjson(line(CATS[0], recognized=False)),
             "strokes/dog.ndjson": ndjson(line(FACES[0]))}
    with pytest.raises(DataError, match=r"cat\.ndjson: class 'cat' has no recognized drawings"):
        build_datasets(context(strokes_site(tmp_path, "", files)))
    files["strokes/cat.ndjson"] = b"\n"
    with pytest.raises(DataError, match=r"class 'cat' has no recognized drawings"):
        build_datasets(context(strokes_site(tmp_path / "empty", "", files)))


def test_a_folder_without_ndjson_files_and_a_missing_path_are_errors(tmp_path):
    root = strokes_site(tmp_path, "", {"strokes/cat.npy": b""})
    with pytest.raises(DataError, match=r"strokes: no \.ndjson files"):
        build_datasets(context(root))
    root = write_site(tmp_path / "nopath", '[datasets.d]\nsource = "ndjson"\n')
    with pytest.raises(ConfigError, match="a folder of <class>.ndjson files"):
        load_config(root)
    root = write_site(tmp_path / "gone", '[datasets.d]\nsource = "ndjson"\npath = "nowhere"\n')
    with pytest.raises(ConfigError, match="an existing folder"):
        load_config(root)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def test_ndjson_files_downloaded_by_a_url_source(tmp_path, monkeypatch):
    monkeypatch.setenv("SITEGEN_DOWNLOAD_CACHE", str(tmp_path / "downloads"))
    www = tmp_path / "www"
    www.mkdir()
    (www / "cat.ndjson").write_bytes(ndjson(*map(line, CATS)))
    (www / "smiley face.ndjson").write_bytes(ndjson(*map(line, FACES)))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(www)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    try:
        root = write_site(tmp_path / "site", f"""
[datasets.d]
source = "url"
format = "ndjson"
url = ["{base}cat.ndjson", "{base}smiley%20face.ndjson"]
max_per_class = 3
""")
        artifact = build_datasets(context(root))["d"]
    finally:
        httpd.shutdown()
        httpd.server_close()
    data = read_built(artifact.dir)
    assert data.classes == ["cat", "smiley face"]
    by_class = examples_by_class(data)
    assert same_images(by_class["smiley face"], [render_strokes(d) for d in FACES[:3]])
    assert artifact.manifest["counts"]["total"] == 6
