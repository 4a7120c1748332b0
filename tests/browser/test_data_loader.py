"""data.js in real Chromium: every pixel and label that MnistData decodes equals the
Python arrays exactly, for a grayscale 5x7 and an RGB 4x4 data set, several shards, in both
sprite layouts and from packed (xz) shards, under the site's CSP (no inline scripts). Once with data.js next to a stand-in js/tfjs.js, once
in the output of a full `sitegen build` (the site's own tfjs bundle)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

from sitegen.datasets import build_datasets, read_built
from sitegen.datasets import format as built_module

from conftest import lib_module_for_page
from test_datasets_helpers import context, idx_images, idx_labels, numbered_images, write_site


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>loader test</title>
<script type="module" src="test.js"></script></head><body></body></html>
"""

# Loads each data set with the page's tf lookup (no global tf: data.js imports
# assets/tfjs.js itself) and hands everything back as plain arrays.
TEST_JS = """
import {MnistData as Gray} from '../data/gray/data.js';
import {MnistData as Color} from '../data/color/data.js';
import {splitTensors, uploadBytes} from './trainer.js';

async function dump(MnistData) {
  const data = new MnistData();
  const progress = [];
  await data.load({onProgress: (p) => progress.push(p.fraction), verify: true});
  const tf = data.tf;
  const before = tf.memory().numTensors;
  const train = data.getTrainData();
  const test = data.getTestData(3);
  const batch = data.nextTrainBatch(5);
  const testBatch = data.nextTestBatch(2);
  const result = {
    classNames: data.classNames, shape: data.shape, numTrain: data.numTrain, numTest: data.numTest,
    trainImages: Array.from(data.trainImages), testImages: Array.from(data.testImages),
    trainLabels: Array.from(data.trainLabels), testLabels: Array.from(data.testLabels),
    trainXsShape: train.xs.shape, trainLabelsShape: train.labels.shape, testXsShape: test.xs.shape,
    trainXs: Array.from(train.xs.dataSync()), batchXsShape: batch.xs.shape, batchLabelsShape: batch.labels.shape,
    batchXs: Array.from(batch.xs.dataSync()), batchLabels: Array.from(batch.labels.dataSync()),
    testBatchXs: Array.from(testBatch.xs.dataSync()),
    progressLast: progress[progress.length - 1], progressCount: progress.length,
  };
  // What the train widget trains on: the split uploaded as bytes, normalised on the GPU.
  const split = splitTensors(data, 'train', data.numTrain);
  result.splitXsShape = split.xs.shape;
  result.splitXs = Array.from(split.xs.dataSync());
  result.splitYs = Array.from(split.ys.dataSync());
  // The widgets' accessors: example i of a split, and the one uint8 -> [0, 1] mapping.
  const bytes = Uint8Array.from({length: 256}, (_, v) => v);
  result.accessors = {
    count: [data.count('train'), data.count('test')],
    testImage1: Array.from(data.image('test', 1)), testLabel1: data.label('test', 1),
    trainLabel2: data.label('train', 2), trainImages2to4: Array.from(data.images('train', 2, 4)),
    unit: Array.from(data.toUnit(bytes)),
    unitOnBackend: tf.tidy(() => Array.from(data.toUnit(tf.tensor1d(bytes, 'int32')).dataSync())),
    badSplit: (() => { try { data.image('validation', 0); return null; } catch (e) { return e.message; } })(),
    outside: (() => { try { data.image('test', data.numTest); return null; } catch (e) { return e.message; } })(),
  };
  tf.dispose([train, test, batch, testBatch, split.xs, split.ys]);
  result.leaked = tf.memory().numTensors - before;
  return result;
}

// Bytes over several textures of one row each, the last row padded.
function uploadInChunks(tf) {
  const bytes = Uint8Array.from({length: 10001}, (_, i) => (i * 37 + 11) % 256);
  const before = tf.memory().numTensors;
  const tensor = uploadBytes(bytes, 1);
  const values = Array.from(tensor.dataSync());
  tensor.dispose();
  return {bytes: Array.from(bytes), values, leaked: tf.memory().numTensors - before};
}

window.loaderResult = Promise.all([dump(Gray), dump(Color)])
  .then(async ([gray, color]) => ({gray, color, chunks: uploadInChunks((await import('../js/tfjs.js')))}),
        (e) => ({error: String(e && e.stack || e)}));
"""


def rgb_png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "PNG")
    return buffer.getvalue()


def write_site_output(root: Path, artifacts, tfjs_dist: Path, xz_module: Path) -> Path:
    """What the write phase does with data set artifacts, plus stand-ins of js/tfjs.js and js/xz.js."""
    out = root / "_site"
    for artifact in artifacts.values():
        for rel, source in artifact.files.items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(source if isinstance(source, bytes) else source.read_bytes())
    (out / "js").mkdir()
    shutil.copy(tfjs_dist / "tf.fesm.min.js", out / "js" / "tf.fesm.min.js")
    (out / "js" / "tfjs.js").write_text("export * from './tf.fesm.min.js';\n")
    shutil.copy(xz_module, out / "js" / "xz.js")
    add_test_page(out)
    return out


def add_test_page(out: Path) -> None:
    (out / "favicon.ico").write_bytes(b"")  # Chromium asks for it; a 404 would be a console error
    (out / "loader-test").mkdir()
    (out / "loader-test" / "index.html").write_text(PAGE)
    (out / "loader-test" / "test.js").write_text(TEST_JS)
    (out / "loader-test" / "trainer.js").write_text(lib_module_for_page("trainer.js", "../js/tfjs.js"))


def small_site(root: Path) -> Path:
    """Two small data sets of odd shapes: 37 grayscale 5x7 examples, 21 RGB 4x4 ones."""
    rng = np.random.default_rng(11)
    files = {"gray/images.idx": idx_images(numbered_images(37, 5, 7)),
             "gray/labels.idx": idx_labels(np.arange(37) % 3)}
    for k, name in enumerate(["红", "ᚠ", "ß"]):
        for i in range(7):
            files[f"color/{name}/{i}.png"] = rgb_png(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8))
    write_site(root, """
[datasets.gray]
source = "idx"
images = "gray/images.idx"
labels = "gray/labels.idx"
test_fraction = 0.2
[datasets.color]
source = "image-folder"
path = "color"
by = "folder"
channel = "rgb"
test_fraction = 0.3
""", files)
    return root


@pytest.mark.parametrize("layout, packed", [(built_module.EXAMPLE_ROWS, None), (built_module.IMAGE_ROWS, None),
                                            (built_module.EXAMPLE_ROWS, built_module.PACKED_XZ)])
def test_loader_decodes_every_pixel_and_label_exactly(tmp_path, monkeypatch, browser_page, serve_dir, tfjs_dist,
                                                      xz_module, layout, packed):
    """Both sprite layouts (one example per PNG row, one image row per PNG row), and packed
    shards, which the loader reads instead of the PNGs: they are removed here."""
    monkeypatch.setattr(built_module, "MAX_SHARD_ROWS", 16)  # 37 examples: three shards
    monkeypatch.setattr(built_module, "choose_layout", lambda images, shape: layout)
    monkeypatch.setattr(built_module, "choose_packing", lambda images, shape, layout: packed)
    root = small_site(tmp_path / "site")
    artifacts = build_datasets(context(root))
    assert len(artifacts["gray"].manifest["shards"]) == 3
    for artifact in artifacts.values():
        h, w, _ = artifact.manifest["shape"]
        rows_per_example = h if layout == built_module.IMAGE_ROWS else 1
        assert artifact.manifest["sprite"]["layout"] == layout
        assert artifact.manifest["sprite"]["packed"] == packed
        assert all(("packed" in shard) == bool(packed) for shard in artifact.manifest["shards"])
        for shard in artifact.manifest["shards"]:
            with Image.open(artifact.dir / shard["path"]) as im:
                assert im.size == (h * w // rows_per_example, shard["count"] * rows_per_example)
    out = write_site_output(root, artifacts, tfjs_dist, xz_module)
    if packed:
        for png in (out / "data").glob("*/images-*.png"):
            png.unlink()
    check_loader(browser_page, serve_dir(out), {name: a.dir for name, a in artifacts.items()}, out)


def test_loader_in_a_full_site_build(tmp_path, monkeypatch, browser_page, serve_dir):
    from sitegen.build import build

    monkeypatch.setattr(built_module, "MAX_SHARD_ROWS", 16)
    # packed shards, so that the site's own js/xz.js decodes them
    monkeypatch.setattr(built_module, "choose_packing", lambda images, shape, layout: built_module.PACKED_XZ)
    root = small_site(tmp_path / "site")
    # Folders named explicitly: the build reads them from the config.
    toml = root / "sitegen.toml"
    toml.write_text('title = "Loader"\ncontent_dir = "content"\noutput_dir = "_site"\ncache_dir = ".sitegen-cache"\n'
                    'templates_dir = "templates"\n' + toml.read_text("utf-8").split("\n", 1)[1], encoding="utf-8")
    (root / "content").mkdir()
    (root / "content" / "index.md").write_text("---\ntitle: Data\n---\n# Data\n")
    result = build(root, root / "_site", console=Console(file=io.StringIO()), progress=False)
    out = result.output_dir
    assert (out / "js" / "tfjs.js").is_file() and (out / "data" / "gray" / "images-0.xz").is_file()
    add_test_page(out)
    dirs = {name: next((root / ".sitegen-cache" / "datasets").glob(f"{name}-*")) for name in ("gray", "color")}
    check_loader(browser_page, serve_dir(out), dirs, out)


def check_loader(page, base_url: str, built_dirs: dict[str, Path], out: Path) -> None:
    page.goto(base_url + "loader-test/index.html")
    result = page.evaluate("window.loaderResult")
    assert "error" not in result, result.get("error")
    assert page.console_errors == []

    for name in ("gray", "color"):
        got, want = result[name], read_built(built_dirs[name])
        h, w, c = want.shape
        n_train, n_test, k = len(want.x_train), len(want.x_test), want.num_classes
        assert got["classNames"] == want.classes and got["shape"] == [h, w, c]
        assert (got["numTrain"], got["numTest"]) == (n_train, n_test)
        # Every pixel and every label, exactly.
        np.testing.assert_array_equal(np.array(got["trainImages"], np.uint8), want.x_train.ravel())
        np.testing.assert_array_equal(np.array(got["testImages"], np.uint8), want.x_test.ravel())
        np.testing.assert_array_equal(np.array(got["trainLabels"]).reshape(n_train, k).argmax(1), want.y_train)
        np.testing.assert_array_equal(np.array(got["testLabels"]).reshape(n_test, k).argmax(1), want.y_test)
        assert np.array(got["trainLabels"]).reshape(n_train, k).sum(1).tolist() == [1] * n_train
        # Tensors: shapes, and values scaled to [0, 1] as numpy does it in float32.
        assert got["trainXsShape"] == [n_train, h, w, c] and got["trainLabelsShape"] == [n_train, k]
        assert got["testXsShape"] == [3, h, w, c]
        assert got["batchXsShape"] == [5, h * w * c] and got["batchLabelsShape"] == [5, k]
        np.testing.assert_array_equal(np.array(got["trainXs"], np.float32),
                                      want.x_train.ravel().astype(np.float32) / np.float32(255))
        # A random batch holds real training examples with their own labels.
        rows = (np.array(got["batchXs"], np.float32).reshape(5, -1) * 255).round().astype(np.uint8)
        flat = want.x_train.reshape(n_train, -1)
        for row, label in zip(rows, np.array(got["batchLabels"]).reshape(5, k).argmax(1)):
            index = int(np.flatnonzero((flat == row).all(1))[0])
            assert want.y_train[index] == label
        # Test batches run in order (the codelab's nextTestBatch), starting after example 0.
        first_two = (np.array(got["testBatchXs"], np.float32).reshape(2, -1) * 255).round().astype(np.uint8)
        np.testing.assert_array_equal(first_two, want.x_test.reshape(n_test, -1)[1:3])
        assert got["progressLast"] == 1 and got["progressCount"] >= 2
        # splitTensors (lib/trainer.js): the same pixels, byte-uploaded and scaled on the GPU.
        assert got["splitXsShape"] == [n_train, h, w, c]
        split_xs = np.array(got["splitXs"], np.float32)
        np.testing.assert_array_equal((split_xs * 255).round().astype(np.uint8), want.x_train.ravel())
        np.testing.assert_allclose(split_xs, want.x_train.ravel() / 255, atol=1e-7)
        np.testing.assert_array_equal(np.array(got["splitYs"]).reshape(n_train, k).argmax(1), want.y_train)
        # image(split, i) / label(split, i) / toUnit: what the widgets read examples with
        acc = got["accessors"]
        assert acc["count"] == [n_train, n_test]
        np.testing.assert_array_equal(np.array(acc["testImage1"], np.uint8), want.x_test[1].ravel())
        np.testing.assert_array_equal(np.array(acc["trainImages2to4"], np.uint8), want.x_train[2:4].ravel())
        assert (acc["testLabel1"], acc["trainLabel2"]) == (want.y_test[1], want.y_train[2])
        unit = np.arange(256, dtype=np.float32) / np.float32(255)
        np.testing.assert_array_equal(np.array(acc["unit"], np.float32), unit)
        np.testing.assert_allclose(np.array(acc["unitOnBackend"], np.float32), unit, atol=1e-7)
        assert "unknown split" in acc["badSplit"] and "outside the test split" in acc["outside"]
        assert got["leaked"] == 0
    assert result["chunks"]["values"] == result["chunks"]["bytes"] and result["chunks"]["leaked"] == 0
    assert json.loads((out / "data" / "color" / "classes.json").read_text("utf-8")) == ["ß", "ᚠ", "红"]


CHECK_JS = """
import {MnistData} from '../data/gray/data.js';
window.loadError = new MnistData().load().then(() => null, (e) => e.message);
"""


def test_loader_refuses_labels_shifted_by_one_example(tmp_path, browser_page, serve_dir, tfjs_dist, xz_module):
    """Same length, wrong content: only the manifest's sha256 can tell, and the loader checks it."""
    root = small_site(tmp_path / "site")
    artifacts = build_datasets(context(root))
    out = write_site_output(root, artifacts, tfjs_dist, xz_module)
    labels = out / "data" / "gray" / "labels_uint8"
    data = labels.read_bytes()
    labels.write_bytes(data[3:] + data[:3])  # every label one example later (3 classes, one-hot)
    (out / "loader-test" / "check.js").write_text(CHECK_JS)
    (out / "loader-test" / "check.html").write_text(PAGE.replace("test.js", "check.js"))
    browser_page.goto(serve_dir(out) + "loader-test/check.html")
    assert browser_page.evaluate("window.loadError") == "labels_uint8: sha256 differs from manifest.json (stale cache?)"


def test_loader_names_a_broken_packed_shard(tmp_path, monkeypatch, browser_page, serve_dir, tfjs_dist, xz_module):
    """A damaged xz file: the sha256 check names it, and without the check xz's own CRC does."""
    monkeypatch.setattr(built_module, "choose_packing", lambda images, shape, layout: built_module.PACKED_XZ)
    root = small_site(tmp_path / "site")
    artifacts = build_datasets(context(root))
    out = write_site_output(root, artifacts, tfjs_dist, xz_module)
    packed = out / "data" / "gray" / "images-0.xz"
    data = bytearray(packed.read_bytes())
    data[len(data) // 2] ^= 0x55
    packed.write_bytes(bytes(data))
    (out / "loader-test" / "check.js").write_text(CHECK_JS)
    (out / "loader-test" / "check.html").write_text(PAGE.replace("test.js", "check.js"))
    browser_page.goto(serve_dir(out) + "loader-test/check.html")
    assert browser_page.evaluate("window.loadError") == "images-0.xz: sha256 differs from manifest.json (stale cache?)"
    # new names: a reload could take check.js from the browser's cache
    (out / "loader-test" / "unchecked.js").write_text(CHECK_JS.replace(".load()", ".load({verify: false})"))
    (out / "loader-test" / "unchecked.html").write_text(PAGE.replace("test.js", "unchecked.js"))
    browser_page.goto(serve_dir(out) + "loader-test/unchecked.html")
    error = browser_page.evaluate("window.loadError")
    assert error and error.startswith("images-0.xz: could not be decoded ("), error
