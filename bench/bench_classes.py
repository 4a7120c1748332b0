"""Benchmark: a data set of 13,065 classes (the Traditional Chinese handwriting set's count)
x 5 rendered 32x32 examples: encode time, bytes per example (sprite, labels), and what
MnistData costs in Chromium (load time, JS heap, GPU bytes of a batch and of a whole split).

Examples: per class a seeded random 2-4 stroke "character", drawn 5 times with jitter of
position and stroke width (anti-aliased, bright ink on black as after `invert = true`).
Rounds interleave encode and browser load; medians, then every run.

    .venv/bin/python bench/bench_classes.py [--rounds 3] [--classes 13065]
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sitegen.datasets.format import write_built  # noqa: E402
from sitegen.datasets.loader import render_loader  # noqa: E402

from conftest import CHROMIUM, CHROMIUM_ARGS, CSPHandler, lib_module_for_page  # noqa: E402

PER_CLASS, SIDE = 5, 32

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>classes bench</title>
<script type="module" src="bench.js"></script></head><body></body></html>"""

BENCH_JS = """
import {MnistData} from '../data/hanzi/data.js';
import {splitTensors} from './trainer.js';
const heap = () => performance.memory ? performance.memory.usedJSHeapSize : 0;
async function run() {
  await import('../js/tfjs.js');  // the heap counts the data set, not tfjs itself
  const heap0 = heap();
  const data = new MnistData();
  const t0 = performance.now();
  await data.load();
  const loadMs = performance.now() - t0;
  const tf = data.tf;
  const gpu0 = tf.memory().numBytes;
  const t1 = performance.now();
  const batch = data.nextTrainBatch(128);
  await batch.labels.data();
  const batchMs = performance.now() - t1;
  const batchBytes = tf.memory().numBytes - gpu0;
  tf.dispose(batch);
  const split = splitTensors(data, 'train', data.numTrain);
  await split.ys.data();
  const splitBytes = tf.memory().numBytes - gpu0;
  tf.dispose(split);
  return {loadMs, batchMs, heapBytes: heap() - heap0, batchBytes, splitBytes, numTrain: data.numTrain,
          numClasses: data.numClasses, leaked: tf.memory().numBytes - gpu0};
}
window.result = run().catch((e) => ({error: String(e && e.stack || e)}));
"""


def render(num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(0)
    scale = 4
    images = np.empty((num_classes * PER_CLASS, SIDE, SIDE, 1), np.uint8)
    for k in range(num_classes):
        strokes = [rng.uniform(0.15, 0.85, (int(rng.integers(2, 4)), 2)) for _ in range(int(rng.integers(2, 5)))]
        for j in range(PER_CLASS):
            im = Image.new("L", (SIDE * scale, SIDE * scale))
            draw = ImageDraw.Draw(im)
            shift = rng.normal(0, 0.03, 2)
            width = int(rng.integers(5, 9))
            for stroke in strokes:
                points = [tuple(((p + shift) * SIDE * scale).tolist()) for p in stroke]
                draw.line(points, fill=255, width=width)
            images[k * PER_CLASS + j, :, :, 0] = np.asarray(im.resize((SIDE, SIDE), Image.Resampling.BOX))
    return images, np.repeat(np.arange(num_classes), PER_CLASS)


def split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    test = np.arange(len(labels)) % PER_CLASS == 0  # one of five per class
    return rng.permutation(np.flatnonzero(~test)), rng.permutation(np.flatnonzero(test))


def encode(images, labels, classes, out: Path) -> tuple[float, dict]:
    train, test = split(labels)
    started = time.perf_counter()
    manifest = write_built(out, images[train], labels[train], images[test], labels[test], classes, {"name": "hanzi"})
    return time.perf_counter() - started, manifest


def site(root: Path, manifest: dict, data_dir: Path, tfjs_dist: Path) -> Path:
    out = root / "site"
    shutil.copytree(data_dir, out / "data" / "hanzi")
    (out / "data" / "hanzi" / "data.js").write_bytes(render_loader(manifest))
    (out / "js").mkdir()
    shutil.copy(tfjs_dist / "tf.fesm.min.js", out / "js" / "tf.fesm.min.js")
    (out / "js" / "tfjs.js").write_text("export * from './tf.fesm.min.js';\n")
    (out / "favicon.ico").write_bytes(b"")
    (out / "bench").mkdir()
    (out / "bench" / "index.html").write_text(PAGE)
    (out / "bench" / "bench.js").write_text(BENCH_JS)
    (out / "bench" / "trainer.js").write_text(lib_module_for_page("trainer.js", "../js/tfjs.js"))
    return out


def browser_run(chromium, url: str) -> dict:
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(300_000)
    page.goto(url)
    result = page.evaluate("window.result")
    context.close()
    if "error" in result:
        raise RuntimeError(result["error"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--classes", type=int, default=13_065)
    args = parser.parse_args()
    import io

    from playwright.sync_api import sync_playwright
    from rich.console import Console

    from sitegen.assets import ensure_node_modules
    from sitegen.context import BuildContext

    tfjs_dist = ensure_node_modules(BuildContext(config=None, cache_dir=Path("."), console=Console(file=io.StringIO()),
                                                 progress=False)) / "@tensorflow" / "tfjs" / "dist"
    started = time.perf_counter()
    images, labels = render(args.classes)
    render_s = time.perf_counter() - started
    classes = [chr(0x4E00 + k) for k in range(args.classes)]
    runs: dict[str, list] = {"encode": [], "browser": []}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=CHROMIUM_ARGS + ["--enable-precise-memory-info"])
        for r in range(args.rounds):
            data_dir = Path(tmp) / f"data-{r}"
            seconds, manifest = encode(images, labels, classes, data_dir)
            runs["encode"].append(seconds)
            out = site(Path(tmp) / f"site-{r}", manifest, data_dir, tfjs_dist)
            server = ThreadingHTTPServer(("127.0.0.1", 0), partial(CSPHandler, directory=str(out)))
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                runs["browser"].append(browser_run(browser, f"http://127.0.0.1:{server.server_address[1]}/bench/index.html"))
            finally:
                server.shutdown()
                server.server_close()
        browser.close()
        total = manifest["counts"]["total"]
        sprite = sum(s["bytes"] for s in manifest["shards"])
        label_bytes = (data_dir / manifest["labels"]["path"]).read_bytes()
        data_js = (out / "data" / "hanzi" / "data.js").stat().st_size
        classes_json = (data_dir / "classes.json").stat().st_size
        manifest_bytes = (data_dir / "manifest.json").stat().st_size
    label_gz = len(gzip.compress(label_bytes, 6))
    b = runs["browser"]
    med = lambda key: statistics.median(r[key] for r in b)  # noqa: E731
    mb = lambda v: f"{v / 1e6:.1f} MB"  # noqa: E731
    n_train, k = b[0]["numTrain"], b[0]["numClasses"]
    print(f"{platform.machine()}, Python {platform.python_version()}, {args.rounds} interleaved rounds "
          f"(encode, then a fresh Chromium context loads the data set); medians, then every run. "
          f"Rendering the {total:,} examples took {render_s:.0f} s (not counted).\n")
    print("| Measure | Median | Every run |\n| --- | --- | --- |")
    print(f"| encode (sprite shards + labels + manifest) | {statistics.median(runs['encode']):.2f} s | "
          + ", ".join(f"{s:.2f} s" for s in runs["encode"]) + " |")
    print(f"| MnistData.load() in Chromium | {med('loadMs') / 1000:.2f} s | "
          + ", ".join(f"{r['loadMs'] / 1000:.2f} s" for r in b) + " |")
    print(f"| JS heap after load (tfjs imported before) | {mb(med('heapBytes'))} | " + ", ".join(mb(r["heapBytes"]) for r in b) + " |")
    print(f"| nextTrainBatch(128): time / GPU bytes | {med('batchMs'):.0f} ms / {mb(med('batchBytes'))} | "
          + ", ".join(f"{r['batchMs']:.0f} ms / {mb(r['batchBytes'])}" for r in b) + " |")
    print(f"| splitTensors(all {n_train:,} training examples), GPU bytes | {mb(med('splitBytes'))} | "
          + ", ".join(mb(r["splitBytes"]) for r in b) + " |")
    print(f"\nBytes: {total:,} examples of {k:,} classes; sprite {mb(sprite)} ({sprite / total:.0f} B/example); "
          f"labels ({manifest['labels']['encoding']}) {len(label_bytes):,} B = {len(label_bytes) / total:.0f} "
          f"B/example ({label_gz / total:.2f} B/example gzipped); one-hot uint8 would be {mb(total * k)} "
          f"({k:,} B/example). A one-hot float32 split on the GPU would be {mb(n_train * k * 4)}. "
          f"manifest.json {manifest_bytes / 1e3:.0f} kB, classes.json {classes_json / 1e3:.0f} kB, "
          f"data.js {data_js / 1e3:.0f} kB. GPU bytes left after disposing: {[r['leaked'] for r in b]}.")
    print("\n" + json.dumps({"encode": runs["encode"], "browser": b}))


if __name__ == "__main__":
    main()
