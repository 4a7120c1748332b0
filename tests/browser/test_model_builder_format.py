"""The output read the way the deeplearn.js model builder reads it, in Chromium (issue 11, item 7).

A page served from data/ (the builder fetches everything relative to its page) fetches
model-builder-datasets-config.json, and for every data set does what src/data/xhr-dataset.ts
does: loads data[0].path as one image, requires its width to be shape[0] * shape[1], draws it
1000 rows at a time onto a canvas and keeps the red byte (depth 1) or RGB of each pixel, reads
data[1].path as uint8 one-hot labels of shape[0] bytes, and pairs them by position. It also
loads every layer list the way demos/model-builder does (every field shown in a form, shapes
through conv_util's whole-number rule, the last output equal to the label shape). Python
checks the pixels and labels equal read_built's arrays, and that the builder's file offers
exactly the layer lists this second implementation of its rules accepts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image
from rich.console import Console

from sitegen.datasets import build_datasets, datasets_config_files, read_built
from sitegen.datasets import format as built_module
from sitegen.datasets import model_builder

from test_datasets_helpers import context, idx_images, idx_labels, numbered_images, write_site

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>model builder loader</title>
<script type="module" src="model-builder-test.js"></script></head><body></body></html>
"""

TEST_JS = r"""
const PARSING_IMAGE_CANVAS_HEIGHT_PX = 1000;
// demos/model-builder/layer_builder.ts: the six layer names and the fields each shows.
const PARAMS = {
  'Fully connected': ['hiddenUnits'], 'ReLU': [], 'Convolution': ['fieldSize', 'stride', 'zeroPad', 'outputDepth'],
  'Max pool': ['fieldSize', 'stride', 'zeroPad'], 'Reshape': ['outputShape'], 'Flatten': [],
};
const size = (shape) => shape.reduce((a, b) => a * b, 1);

function outputShape3D(shape, fieldSize, depth, stride, zeroPad) {
  const rows = (shape[0] - fieldSize + 2 * zeroPad) / stride + 1;
  const cols = (shape[1] - fieldSize + 2 * zeroPad) / stride + 1;
  if (!Number.isInteger(rows) || !Number.isInteger(cols)) throw new Error(`output ${rows}x${cols} is not whole`);
  if (rows < 1 || cols < 1) throw new Error(`output ${rows}x${cols} is empty`);
  return [rows, cols, depth];
}

// One layer as the builder loads it: getLayerBuilder copies the JSON's fields, buildParamsUI
// calls getValue().toString() on every field, setInputShape validates and infers the shape.
function loadLayer(layer, input) {
  const name = layer.layerName;
  if (!(name in PARAMS)) throw new Error(`Layer builder for ${name} not found.`);
  for (const key of PARAMS[name]) {
    const value = key === 'outputShape' ? layer[key].join(', ') : layer[key];
    value.toString();  // undefined.toString() is where a missing field stops the builder
    if (key !== 'outputShape' && !Number.isInteger(value)) throw new Error(`${key} ${value} is not an integer`);
  }
  for (const key of Object.keys(layer)) {
    if (key !== 'layerName' && !PARAMS[name].includes(key) && !(key === 'activation' && layer[key] === 'linear')) {
      throw new Error(`the builder ignores ${key}`);
    }
  }
  switch (name) {
    case 'Fully connected':
      if (input.length !== 1) throw new Error('Input shape must be a Array1D.');
      return [layer.hiddenUnits];
    case 'Convolution':
    case 'Max pool':
      if (input.length !== 3) throw new Error('Input shape must be a Array3D.');
      return outputShape3D(input, layer.fieldSize, name === 'Convolution' ? layer.outputDepth : input[2],
                           layer.stride, layer.zeroPad);
    case 'Reshape':
      if (size(input) !== size(layer.outputShape)) throw new Error('Input size must match output size.');
      return layer.outputShape;
    case 'Flatten':
      return [size(input)];
    default:
      return input;
  }
}

function loadModel(layers, inputShape, labelShape) {
  if (!Array.isArray(layers) || layers.length === 0) return 'no layers';
  let shape = inputShape;
  try {
    for (const layer of layers) shape = loadLayer(layer, shape);
  } catch (e) {
    return String(e.message || e);
  }
  return JSON.stringify(shape) === JSON.stringify(labelShape) ? null : `ends with ${shape}`;
}

function loadImage(path) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`cannot load ${path}`));
    img.src = path;
  });
}

// src/data/xhr-dataset.ts parseImage: the sprite drawn 1000 rows at a time.
function parseImage(img, shape) {
  if (img.width !== shape[0] * shape[1]) throw new Error(`Image width (${img.width}) must be rows*columns`);
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  const n = img.height, inputSize = size(shape), depth = shape[2];
  const result = new Uint8Array(n * inputSize);
  canvas.width = img.width;
  canvas.height = PARSING_IMAGE_CANVAS_HEIGHT_PX;
  let offset = 0, passes = 0;
  for (let pass = 0; pass < Math.ceil(n / PARSING_IMAGE_CANVAS_HEIGHT_PX); ++pass) {
    const sy = pass * PARSING_IMAGE_CANVAS_HEIGHT_PX;
    if (pass === Math.ceil(n / PARSING_IMAGE_CANVAS_HEIGHT_PX) - 1 && n % PARSING_IMAGE_CANVAS_HEIGHT_PX > 0) {
      canvas.height = n % PARSING_IMAGE_CANVAS_HEIGHT_PX;
    }
    ctx.drawImage(img, 0, sy, canvas.width, canvas.height, 0, 0, canvas.width, canvas.height);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let idx = offset;
    for (let i = 0; i < data.length; i += 4) {
      result[idx++] = data[i];
      if (depth !== 1) { result[idx++] = data[i + 1]; result[idx++] = data[i + 2]; }
    }
    offset += canvas.height * inputSize;
    passes += 1;
  }
  return {pixels: result, passes};
}

async function loadEntry(entry) {
  // The builder's constructor maps over entry.data: an entry without it stops everything.
  const [images, labels] = entry.data;
  if (images.name !== 'images' || labels.name !== 'labels' || images.dataType !== 'png'
      || labels.dataType !== 'uint8') {
    throw new Error('data[0] must be the png images and data[1] the uint8 labels');
  }
  const img = await loadImage(images.path);
  const {pixels, passes} = parseImage(img, images.shape);
  const labelBytes = new Uint8Array(await (await fetch(labels.path)).arrayBuffer());
  const k = labels.shape[0];
  const classes = [];
  let oneHot = true;
  for (let i = 0; i < labelBytes.length / k; i++) {
    const row = labelBytes.subarray(i * k, (i + 1) * k);
    oneHot = oneHot && row.reduce((a, b) => a + b, 0) === 1;
    classes.push(row.indexOf(1));
  }
  const models = {};
  for (const [title, {path}] of Object.entries(entry.modelConfigs)) {
    models[title] = loadModel(await (await fetch(path)).json(), images.shape, labels.shape);
  }
  return {rows: img.height, width: img.width, passes, pixels: Array.from(pixels), classes, oneHot,
          numLabels: labelBytes.length / k, trainCount: Math.floor(5 / 6 * img.height), models,
          classNames: entry.labelClassNames};
}

async function main() {
  const config = await (await fetch('model-builder-datasets-config.json')).json();
  const out = {};
  for (const [title, entry] of Object.entries(config)) out[title] = await loadEntry(entry);
  // The same rules over every layer list sitegen's own widgets get.
  const ours = await (await fetch('datasets-config.json')).json();
  const verdicts = {};
  for (const [title, entry] of Object.entries(ours)) {
    if (!entry.data) continue;
    verdicts[title] = {};
    for (const [model, {path}] of Object.entries(entry.modelConfigs)) {
      verdicts[title][model] = loadModel(await (await fetch(path)).json(), entry.data[0].shape,
                                         [entry.data[1].shape[0]]);
    }
  }
  return {datasets: out, verdicts};
}

window.builderResult = main().catch((e) => ({error: String(e && e.stack || e)}));
"""

FLAT, RELU = {"layerName": "Flatten"}, {"layerName": "ReLU"}
FC3 = {"layerName": "Fully connected", "hiddenUnits": 3}
GRAY_CONFIGS = {
    "Dense": [FLAT, FC3],
    "Conv": [{"layerName": "Convolution", "fieldSize": 3, "stride": 1, "zeroPad": 1, "outputDepth": 2}, RELU,
             {"layerName": "Max pool", "fieldSize": 1, "stride": 1, "zeroPad": 0}, FLAT, FC3],
    "Dropout": [FLAT, {"layerName": "Dropout", "rate": 0.25}, FC3],
    "Pool without stride": [{"layerName": "Max pool", "fieldSize": 1, "zeroPad": 0}, FLAT, FC3],
    "Half rows": [{"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0}, FLAT, FC3],
    "ReLU inside": [FLAT, {"layerName": "Fully connected", "hiddenUnits": 8, "activation": "relu"}, FC3],
}
COLOR_CONFIGS = {
    "Conv": [{"layerName": "Convolution", "fieldSize": 3, "stride": 1, "zeroPad": 1, "outputDepth": 2},
             {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0}, FLAT, FC3],
}


def rgb_png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "PNG")
    return buffer.getvalue()


def builder_site(root: Path) -> Path:
    """gray: 37 grayscale 5x7 examples in four shards; color: 21 RGB 4x4 in one; tall: 1,200
    2x3 examples (more rows than the builder's 1000-row canvas); wide: too many pixels for one PNG."""
    rng = np.random.default_rng(5)
    files = {"gray/i": idx_images(numbered_images(37, 5, 7)), "gray/l": idx_labels(np.arange(37) % 3),
             "tall/i": idx_images(rng.integers(0, 256, (1200, 2, 3), dtype=np.uint8)),
             "tall/l": idx_labels(np.arange(1200) % 4),
             "wide/i": idx_images(numbered_images(100, 9, 9)), "wide/l": idx_labels(np.arange(100) % 2)}
    for name in ["红", "ᚠ", "ß"]:
        for i in range(7):
            files[f"color/{name}/{i}.png"] = rgb_png(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8))
    toml = ""
    for dataset, configs in (("gray", GRAY_CONFIGS), ("color", COLOR_CONFIGS)):
        for title, layers in configs.items():
            files[f"models/{dataset}-{title}.json"] = json.dumps(layers).encode()
    toml += '[datasets.gray]\nsource = "idx"\nimages = "gray/i"\nlabels = "gray/l"\ntest_fraction = 0.2\n'
    toml += "".join(f'model_configs."{t}" = "models/gray-{t}.json"\n' for t in GRAY_CONFIGS)
    toml += ('[datasets.color]\nsource = "image-folder"\npath = "color"\nby = "folder"\nchannel = "rgb"\n'
             'test_fraction = 0.3\nmodel_configs."Conv" = "models/color-Conv.json"\n')
    toml += '[datasets.tall]\nsource = "idx"\nimages = "tall/i"\nlabels = "tall/l"\n'
    toml += '[datasets.wide]\nsource = "idx"\nimages = "wide/i"\nlabels = "wide/l"\n'
    return write_site(root, toml, files)


def small_limits(monkeypatch):
    # Shards of at most 400 pixels: gray 11 rows a shard (4 shards), color 25 (its 21 rows in one),
    # tall 66 (19 shards).
    monkeypatch.setattr(built_module, "MAX_SHARD_PIXELS", 400)
    monkeypatch.setattr(model_builder, "MAX_SPRITE_PIXELS", 8000)  # wide: 100 x 81 pixels is more


def add_test_page(out: Path) -> None:
    (out / "favicon.ico").write_bytes(b"")
    (out / "data" / "model-builder-test.html").write_text(PAGE)
    (out / "data" / "model-builder-test.js").write_text(TEST_JS)


def test_model_builder_loads_what_we_write(tmp_path, monkeypatch, browser_page, serve_dir):
    small_limits(monkeypatch)
    root = builder_site(tmp_path / "site")
    ctx = context(root)
    artifacts = build_datasets(ctx)
    out = tmp_path / "_site"
    files = {rel: source for artifact in artifacts.values() for rel, source in artifact.files.items()}
    files.update(datasets_config_files(ctx.config, artifacts))
    for rel, source in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source if isinstance(source, bytes) else source.read_bytes())
    add_test_page(out)
    check(browser_page, serve_dir(out), {name: a.dir for name, a in artifacts.items()}, out)


def test_model_builder_loads_a_full_site_build(tmp_path, monkeypatch, browser_page, serve_dir):
    from sitegen.build import build

    small_limits(monkeypatch)
    root = builder_site(tmp_path / "site")
    toml = root / "sitegen.toml"
    toml.write_text('title = "Builder"\ncontent_dir = "content"\ncache_dir = ".sitegen-cache"\n'
                    + toml.read_text("utf-8").split("\n", 1)[1], encoding="utf-8")
    (root / "content").mkdir()
    (root / "content" / "index.md").write_text("---\ntitle: Data\n---\n# Data\n")
    out = build(root, tmp_path / "_site", console=Console(file=io.StringIO()), progress=False).output_dir
    assert (out / "data" / "model-builder-datasets-config.json").is_file()
    add_test_page(out)
    dirs = {name: next((root / ".sitegen-cache" / "datasets").glob(f"{name}-*"))
            for name in ("gray", "color", "tall", "wide")}
    check(browser_page, serve_dir(out), dirs, out)


def check(page, base_url: str, built_dirs: dict[str, Path], out: Path) -> None:
    page.goto(base_url + "data/model-builder-test.html")
    result = page.evaluate("window.builderResult")
    assert "error" not in result, result.get("error")
    assert page.console_errors == []
    got = result["datasets"]
    # wide is too large for one PNG: left out of the builder's file (an entry without data
    # would stop it), kept with its reason in ours.
    assert list(got) == ["gray", "color", "tall"]
    ours = json.loads((out / "data" / "datasets-config.json").read_text("utf-8"))
    assert "more than browsers decode" in ours["wide"]["unsupported"]
    assert got["tall"]["passes"] == 2 and got["gray"]["passes"] == 1
    theirs = json.loads((out / "data" / "model-builder-datasets-config.json").read_text("utf-8"))
    assert theirs["gray"]["data"][0]["path"] == "gray/model-builder-images.png"  # 4 shards: one sprite of its own
    assert theirs["color"]["data"][0]["path"] == "color/images-0.png"  # 1 shard: the shard itself

    for name, entry in got.items():
        want = read_built(built_dirs[name])
        h, w, c = want.shape
        n = len(want.x_train) + len(want.x_test)
        assert (entry["rows"], entry["width"], entry["numLabels"]) == (n, h * w, n)
        # Every pixel and every label, by position, as the builder pairs them.
        np.testing.assert_array_equal(np.array(entry["pixels"], np.uint8),
                                      np.concatenate([want.x_train, want.x_test]).ravel())
        assert entry["oneHot"]
        np.testing.assert_array_equal(entry["classes"], np.concatenate([want.y_train, want.y_test]))
        assert entry["classNames"] == want.classes

    # The builder's file offers exactly the layer lists its rules (here, in JavaScript) load.
    for name, entry in got.items():
        assert all(problem is None for problem in entry["models"].values()), entry["models"]
        verdicts = result["verdicts"][name]
        assert sorted(entry["models"]) == sorted(t for t, problem in verdicts.items() if problem is None)
        assert sorted(theirs[name].get("modelConfigsLeftOut", {})) == sorted(
            t for t, problem in verdicts.items() if problem is not None)
    assert sorted(got["gray"]["models"]) == ["Conv", "Dense"]
    assert list(got["color"]["models"]) == ["Conv"]
    assert "not found" in result["verdicts"]["gray"]["Dropout"]
    assert "toString" in result["verdicts"]["gray"]["Pool without stride"]
    assert "not whole" in result["verdicts"]["gray"]["Half rows"]
