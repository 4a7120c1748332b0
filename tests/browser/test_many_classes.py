"""data.js of a 13,065-class data set in real Chromium, under the site's CSP: labels arrive as
2-byte class indices and MnistData makes one-hot batches of the right width with the hot
index in the right place (tf.oneHot, on the GPU); lib/trainer.js keeps a whole split as
class indices and trains with the sparse loss; a class table of 13,065 names is searchable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from sitegen.datasets import read_built
from sitegen.datasets import format as built_module
from sitegen.datasets.loader import render_loader

from conftest import lib_module_for_page

NUM_CLASSES = 13_065
LIB = Path(__file__).resolve().parents[2] / "sitegen" / "js" / "lib"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>many classes</title>
<script type="module" src="test.js"></script></head><body><div id="table"></div></body></html>
"""

TEST_JS = """
import {MnistData} from '../data/hanzi/data.js';
import {splitTensors, fitModel, lossFor} from './trainer.js';
import {renderClassTable} from './class-list.js';

// The class stored in an example's first two pixels (see many_class_data).
const spelled = (xs, i, size) => Math.round(xs[i * size] * 255) + 251 * Math.round(xs[i * size + 1] * 255);

async function run() {
  const data = new MnistData();
  await data.load({verify: true});
  const tf = data.tf;
  const k = data.numClasses;
  const size = data.exampleSize;
  const before = tf.memory().numTensors;
  const out = {numClasses: k, encoding: data.labelEncoding};
  out.trainLabelsError = (() => { try { data.trainLabels; return null; } catch (e) { return e.message; } })();
  out.trainIndices = Array.from(data.classIndices('train'));
  out.testIndices = Array.from(data.classIndices('test'));
  out.labels = [data.label('train', 0), data.label('test', 7)];

  // A random training batch: one-hot rows of width k whose hot index is the example's class.
  const batch = data.nextTrainBatch(64);
  const [bx, by] = [batch.xs.dataSync(), batch.labels.dataSync()];
  out.batchShape = [batch.xs.shape, batch.labels.shape];
  out.batchRows = Array.from({length: 64}, (_, i) => {
    const row = by.subarray(i * k, (i + 1) * k);
    return {hot: row.indexOf(1), sum: row.reduce((a, b) => a + b, 0), spelled: spelled(bx, i, size)};
  });
  // Test batches in order; the codelab's getTestData.
  const testBatch = data.nextTestBatch(5);
  out.testBatchHot = tf.tidy(() => Array.from(testBatch.labels.argMax(-1).dataSync()));
  const test = data.getTestData(10);
  out.testDataShape = test.labels.shape;
  out.testDataHot = tf.tidy(() => Array.from(test.labels.argMax(-1).dataSync()));
  out.testDataSum = tf.tidy(() => test.labels.sum().dataSync()[0]);
  // oneHotLabels of a range: made for the range, numClasses bytes each.
  const range = data.oneHotLabels('train', 3, 6);
  out.rangeLength = range.length;
  out.rangeHot = [0, 1, 2].map((i) => range.subarray(i * k, (i + 1) * k).indexOf(1));
  out.rangeSum = range.reduce((a, b) => a + b, 0);
  tf.dispose([batch, testBatch, test]);

  // The train widget's path: the whole split as class indices, sparse loss, one-hot per batch.
  const bytesBefore = tf.memory().numBytes;
  const n = data.numTrain;
  out.loss = lossFor(data, n);
  const split = splitTensors(data, 'train', n);
  out.splitShapes = [split.xs.shape, split.ys.shape, split.loss];
  out.splitBytes = tf.memory().numBytes - bytesBefore;
  out.splitYsHead = tf.tidy(() => Array.from(split.ys.slice(0, 20).dataSync()));
  tf.dispose(split);
  out.leakedBeforeFit = tf.memory().numTensors - before;
  const small = splitTensors(data, 'train', 512, 'sparseCategoricalCrossentropy');
  const model = tf.sequential({layers: [
    tf.layers.flatten({inputShape: data.shape}),
    tf.layers.dense({units: k, activation: 'softmax'})]});
  const optimizer = tf.train.adam(0.01);
  model.compile({optimizer, loss: small.loss, metrics: ['accuracy']});
  const fit = await fitModel(model, small, null, {epochs: 2, batchSize: 128});
  out.fitLoss = fit.history.loss;
  out.backend = [tf.getBackend(), tf.backend().floatPrecision?.(), tf.backend().epsilon()];
  out.fitAcc = fit.history.acc;
  tf.dispose(small);
  optimizer.dispose();
  model.dispose();
  out.leaked = tf.memory().numTensors - before;

  // A class table of 13,065 names: a search field, at most 200 rows at once.
  const table = renderClassTable(document.getElementById('table'), {caption: 'Classes', head: ['Class'],
    count: k, name: (i) => data.classNames[i], row: (i) => {
      const tr = document.createElement('tr');
      tr.textContent = data.classNames[i];
      return tr;
    }});
  out.rowsShown = document.querySelectorAll('#table tbody tr').length;
  out.hasSearch = document.querySelectorAll('#table input[type=search]').length;
  table.search(data.classNames[4242]);
  out.found = Array.from(document.querySelectorAll('#table tbody tr'), (tr) => tr.textContent);
  out.note = document.querySelector('#table .sg-w-hint').textContent;
  return out;
}

window.result = run().catch((e) => ({error: String(e && e.stack || e)}));
"""


def many_class_data(directory: Path, num_classes: int = NUM_CLASSES, per_class: int = 2, side: int = 8,
                    seed: int = 0) -> dict:
    """A built data set (format.write_built) of ``num_classes`` CJK-named classes whose
    examples spell their class in their first two pixels; half of each class for testing."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(num_classes), per_class)
    x = rng.integers(0, 256, (len(y), side, side, 1), dtype=np.uint8)
    x[:, 0, 0, 0], x[:, 0, 1, 0] = y % 251, y // 251
    test = np.arange(len(y)) % per_class == 0
    train_order, test_order = rng.permutation(np.flatnonzero(~test)), rng.permutation(np.flatnonzero(test))
    classes = [chr(0x4E00 + k) for k in range(num_classes)]
    return built_module.write_built(directory, x[train_order], y[train_order], x[test_order], y[test_order],
                                    classes, {"name": "hanzi"})


def serve_folder(root: Path, tfjs_dist: Path, **data_options) -> Path:
    """A site folder: data/hanzi/ (built files + data.js), js/tfjs.js and the test page."""
    out = root / "_site"
    manifest = many_class_data(out / "data" / "hanzi", **data_options)
    (out / "data" / "hanzi" / "data.js").write_bytes(render_loader(manifest))
    (out / "js").mkdir()
    shutil.copy(tfjs_dist / "tf.fesm.min.js", out / "js" / "tf.fesm.min.js")
    (out / "js" / "tfjs.js").write_text("export * from './tf.fesm.min.js';\n")
    (out / "favicon.ico").write_bytes(b"")
    page = out / "test"
    page.mkdir()
    (page / "index.html").write_text(PAGE)
    (page / "test.js").write_text(TEST_JS)
    (page / "trainer.js").write_text(lib_module_for_page("trainer.js", "../js/tfjs.js"))
    for name in ("class-list.js", "ui.js"):
        shutil.copy(LIB / name, page / name)
    return out


def test_loader_one_hots_13065_classes_on_the_gpu(tmp_path, browser_page, serve_dir, tfjs_dist):
    out = serve_folder(tmp_path, tfjs_dist)
    want = read_built(out / "data" / "hanzi")
    manifest = json.loads((out / "data" / "hanzi" / "manifest.json").read_text("utf-8"))
    assert manifest["labels"]["bytes"] == 2 * manifest["counts"]["total"]
    browser_page.goto(serve_dir(out) + "test/index.html")
    got = browser_page.evaluate("window.result")
    assert "error" not in got, got.get("error")
    assert browser_page.console_errors == []
    k = NUM_CLASSES
    assert got["numClasses"] == k and got["encoding"] == "index uint16le"
    assert "class indices" in got["trainLabelsError"]
    assert got["trainIndices"] == want.y_train.tolist() and got["testIndices"] == want.y_test.tolist()
    assert got["labels"] == [want.y_train[0], want.y_test[7]]
    # Batches: width k, exactly one 1 per row, at the example's own class.
    assert got["batchShape"] == [[64, 64], [64, k]]
    for row in got["batchRows"]:
        assert row["sum"] == 1 and row["hot"] == row["spelled"]
    assert got["testBatchHot"] == want.y_test[1:6].tolist()
    assert got["testDataShape"] == [10, k] and got["testDataHot"] == want.y_test[:10].tolist()
    assert got["testDataSum"] == 10
    assert got["rangeLength"] == 3 * k and got["rangeSum"] == 3
    assert got["rangeHot"] == want.y_train[3:6].tolist()
    # The whole split: class indices [n, 1], not [n, k] -- a few bytes per example on the GPU.
    n = len(want.y_train)
    assert got["loss"] == "sparseCategoricalCrossentropy"
    assert got["splitShapes"] == [[n, 8, 8, 1], [n, 1], "sparseCategoricalCrossentropy"]
    assert got["splitBytes"] <= n * (64 * 4 + 4) * 1.1, got["splitBytes"]  # one-hot would add n * k * 4
    assert got["splitYsHead"] == want.y_train[:20].tolist()
    assert all(np.isfinite(got["fitLoss"]))
    # Float16 WebGL (SwiftShader here, some phones) clips probabilities at 1e-4: a uniform
    # softmax over 13,065 classes (7.7e-5) sits below the clip and gets no gradient at first.
    _, _, epsilon = got["backend"]
    if epsilon * k < 1:
        assert got["fitLoss"][1] < got["fitLoss"][0]
    assert got["leakedBeforeFit"] == 0, got["leakedBeforeFit"]
    assert got["leaked"] == 0
    # The class table: 200 rows of 13,065, and search finds a CJK name.
    assert got["hasSearch"] == 1 and got["rowsShown"] == 200
    assert got["found"] == [chr(0x4E00 + 4242)] and "1 class match" in got["note"]
