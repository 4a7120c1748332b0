"""What the deeplearn.js model builder loads (issue 11, item 7): one sprite per data set, its
labels by position, its file name, and only the layer lists its rules accept. The loader itself
runs in Chromium in tests/browser/test_model_builder_format.py."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sitegen.datasets import (DATASETS_CONFIG, MODEL_BUILDER_CONFIG, build_datasets, datasets_config_file,
                              datasets_config_files, model_builder_config_file, read_built)
from sitegen.datasets import format as built_module
from sitegen.datasets import model_builder
from sitegen.datasets.model_builder import BUILDER_SPRITE, layer_list_problem

from test_datasets_helpers import context, idx_images, idx_labels, numbered_images, write_site

SITE = Path(__file__).resolve().parents[1] / "content"

FLAT = {"layerName": "Flatten"}
RELU = {"layerName": "ReLU"}


def fc(units, **more):
    return {"layerName": "Fully connected", "hiddenUnits": units, **more}


def conv(f=3, s=1, p=1, depth=4):
    return {"layerName": "Convolution", "fieldSize": f, "stride": s, "zeroPad": p, "outputDepth": depth}


def pool(f=2, s=2, p=0):
    return {"layerName": "Max pool", "fieldSize": f, "stride": s, "zeroPad": p}


@pytest.mark.parametrize("config, data", [("mnist-conv", (28, 10)), ("mnist-fully-connected", (28, 10)),
                                          ("runes-conv", (32, 24)), ("runes-fully-connected", (32, 24))])
def test_example_site_layer_lists_load_in_the_model_builder(config, data):
    side, classes = data
    raw = json.loads((SITE / "models" / f"{config}.json").read_text("utf-8"))
    assert layer_list_problem(raw, [side, side, 1], classes) is None


GOOD = [
    [FLAT, fc(3)],
    [conv(), RELU, pool(), FLAT, fc(8), RELU, fc(3)],  # 8x8 -> 8x8 -> 4x4
    [{"layerName": "Reshape", "outputShape": [64]}, fc(3)],
    [FLAT, fc(3, activation="linear")],  # sitegen's default activation: the same network there
]
BAD = [
    ([FLAT, {"layerName": "Dropout", "rate": 0.5}, fc(3)], "layer 2 is \"Dropout\"; the model builder knows only"),
    ([{"layerName": "Max pool", "fieldSize": 2, "zeroPad": 0}, FLAT, fc(3)], "layer 1 ('Max pool') has no 'stride'"),
    ([{"layerName": "Convolution", "fieldSize": 3, "stride": 1, "outputDepth": 2}, FLAT, fc(3)],
     "has no 'zeroPad'"),
    ([pool(3, 2, 0), FLAT, fc(3)], "output rows (8 - fieldSize 3 + 2 * zeroPad 0) / stride 2 + 1 = 3.5"),
    ([fc(3)], "layer 1 ('Fully connected') needs a flat input but gets [8, 8, 1]"),
    ([FLAT, pool()], "layer 2 ('Max pool') needs an image input"),
    ([FLAT, fc(4)], "the last layer's output is [4]"),
    ([FLAT, fc(8, activation="relu"), fc(3)], "ignores 'activation'"),
    ([FLAT, fc(3), {"layerName": "Softmax"}], "layer 3 is \"Softmax\""),
    ([{"layerName": "Reshape", "outputShape": [63]}, fc(3)], "input size 64 ([8, 8, 1]) differs from output size 63"),
    ([{"layerName": "Reshape", "outputShape": 64}, fc(3)], "'outputShape' is 64"),
    ([conv(3, 1.0, 1), FLAT, fc(3)], "'stride' is 1.0"),
    ([conv(3, 1, -1), FLAT, fc(3)], "'zeroPad' is -1"),
    ([pool(9, 1, 0), FLAT, fc(3)], "= 0; the model builder needs a whole number >= 1"),
    ([], "non-empty JSON array"),
    ({"layers": []}, "non-empty JSON array"),
    ([FLAT, {"hiddenUnits": 3}], "layer 2 has no layerName"),
]


@pytest.mark.parametrize("raw", GOOD)
def test_layer_lists_the_builder_accepts(raw):
    assert layer_list_problem(raw, [8, 8, 1], 3) is None


@pytest.mark.parametrize("raw, problem", BAD)
def test_layer_lists_the_builder_refuses(raw, problem):
    assert problem in (layer_list_problem(raw, [8, 8, 1], 3) or "")


def idx_site(tmp_path, n=37, h=5, w=7, classes=3, toml_more="", files=None):
    images, labels = numbered_images(n, h, w), np.arange(n) % classes
    return write_site(tmp_path, '[datasets.d]\nsource = "idx"\nimages = "i"\nlabels = "l"\ntitle = "D"\n' + toml_more,
                      {"i": idx_images(images), "l": idx_labels(labels), **(files or {})})


def decode(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im)


def test_sharded_data_set_gets_one_sprite_for_the_builder(tmp_path, monkeypatch):
    monkeypatch.setattr(built_module, "MAX_SHARD_ROWS", 8)
    root = idx_site(tmp_path)
    artifact = build_datasets(context(root))["d"]
    assert len(artifact.manifest["shards"]) == 5
    sprite = artifact.files[f"data/d/{BUILDER_SPRITE}"]
    built = read_built(artifact.dir)
    pixels = decode(sprite)
    assert pixels.shape == (37, 5 * 7)  # one example per row, shape[0] * shape[1] wide, grayscale
    np.testing.assert_array_equal(pixels, np.concatenate([built.x_train, built.x_test]).reshape(37, 35))
    ours = json.loads(datasets_config_file(context(root).config, {"d": artifact}))["D"]
    theirs = json.loads(model_builder_config_file(context(root).config, {"d": artifact}))["D"]
    assert ours["data"][0]["path"] == theirs["data"][0]["path"] == f"d/{BUILDER_SPRITE}"
    assert ours["data"][0]["paths"] == [f"d/images-{k}.png" for k in range(5)]
    assert "paths" not in theirs["data"][0]
    # Labels, by position in the same row order: one-hot, one byte per class.
    labels = np.frombuffer((artifact.dir / "labels_uint8").read_bytes(), np.uint8).reshape(37, 3)
    np.testing.assert_array_equal(labels.argmax(1), np.concatenate([built.y_train, built.y_test]))
    assert theirs["data"][1] == {"name": "labels", "path": "d/labels_uint8", "dataType": "uint8", "shape": [3]}


def test_one_shard_is_its_own_sprite(tmp_path):
    root = idx_site(tmp_path)
    artifact = build_datasets(context(root))["d"]
    assert not any(BUILDER_SPRITE in rel for rel in artifact.files)
    assert not (artifact.dir / BUILDER_SPRITE).exists()
    files = datasets_config_files(context(root).config, {"d": artifact})
    assert set(files) == {DATASETS_CONFIG, MODEL_BUILDER_CONFIG}
    assert MODEL_BUILDER_CONFIG == "data/model-builder-datasets-config.json"
    assert json.loads(files[MODEL_BUILDER_CONFIG])["D"]["data"][0]["path"] == "d/images-0.png"


@pytest.mark.parametrize("with_configs", [False, True])
def test_too_large_for_one_png_is_said_plainly(tmp_path, monkeypatch, with_configs):
    monkeypatch.setattr(built_module, "MAX_SHARD_ROWS", 8)
    monkeypatch.setattr(model_builder, "MAX_SPRITE_PIXELS", 1000)  # 37 x 35 pixels is more
    more = 'model_configs = {"Dense" = "m.json"}\n' if with_configs else ""
    root = idx_site(tmp_path, toml_more=more, files={"m.json": json.dumps([FLAT, fc(3)]).encode()})
    ctx = context(root)
    artifact = build_datasets(ctx)["d"]
    assert not (artifact.dir / BUILDER_SPRITE).exists()
    ours = json.loads(datasets_config_file(ctx.config, {"d": artifact}))["D"]
    assert "data" not in ours and "more than browsers decode" in ours["unsupported"]
    assert "1,295 pixels" in ours["unsupported"] and "max_examples" in ours["unsupported"]
    assert json.loads(model_builder_config_file(ctx.config, {"d": artifact})) == {}
    log = ctx.console.file.getvalue()
    assert "not offered to the deeplearn.js model builder" in log
    # A note, never a warning that fails --strict: sitegen's own demos still use the data set.
    assert ctx.warnings == []


def test_layer_lists_the_builder_cannot_load_are_left_out_of_its_file_only(tmp_path):
    files = {"models/good.json": json.dumps([FLAT, fc(3)]).encode(),
             "models/dropout.json": json.dumps([FLAT, {"layerName": "Dropout", "rate": 0.3}, fc(3)]).encode(),
             "models/pool.json": json.dumps([{"layerName": "Max pool", "fieldSize": 1}, FLAT, fc(3)]).encode()}
    root = idx_site(tmp_path, toml_more='[datasets.d.model_configs]\n"Good" = "models/good.json"\n'
                                        '"Dropout" = "models/dropout.json"\n"Pool" = "models/pool.json"\n', files=files)
    ctx = context(root)
    ctx.strict = True
    artifacts = build_datasets(ctx)
    ours = json.loads(datasets_config_file(ctx.config, artifacts))["D"]
    theirs = json.loads(model_builder_config_file(ctx.config, artifacts))["D"]
    assert list(ours["modelConfigs"]) == ["Good", "Dropout", "Pool"]  # sitegen's widgets offer all three
    assert theirs["modelConfigs"] == {"Good": {"path": "d/model-configs/good.json"}}
    assert set(theirs["modelConfigsLeftOut"]) == {"Dropout", "Pool"}
    assert "Dropout" in theirs["modelConfigsLeftOut"]["Dropout"]
    assert "has no 'stride'" in theirs["modelConfigsLeftOut"]["Pool"]
    # Said at build time, naming the file and the rule; a note, so --strict still builds.
    log = ctx.console.file.getvalue()
    assert ("model config 'Pool' (models/pool.json) is left out of data/model-builder-datasets-config.json "
            "(sitegen's own demos still offer it): layer 1 ('Max pool') has no 'stride'") in log
    assert "model config 'Dropout' (models/dropout.json)" in log and "'Good'" not in log
    assert ctx.warnings == []


def test_many_classes_stay_out_of_the_builders_file(tmp_path):
    rng = np.random.default_rng(0)
    files = {}
    for k in range(257):
        for i in range(2):
            buffer = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (2, 2), dtype=np.uint8), "L").save(buffer, "PNG")
            files[f"f/c{k}/{i}.png"] = buffer.getvalue()
    root = write_site(tmp_path, '[datasets.many]\nsource = "image-folder"\npath = "f"\nby = "folder"\n'
                                'channel = "luma"\ntest_fraction = 0.5\n'
                                '[datasets.d]\nsource = "idx"\nimages = "i"\nlabels = "l"\n',
                      {**files, "i": idx_images(numbered_images(12, 3, 3)), "l": idx_labels(np.arange(12) % 2)})
    ctx = context(root)
    artifacts = build_datasets(ctx)
    ours = json.loads(datasets_config_file(ctx.config, artifacts))
    theirs = json.loads(model_builder_config_file(ctx.config, artifacts))
    assert "one-hot uint8" in ours["many"]["unsupported"] and "data" not in ours["many"]
    # The builder makes a data set of every key: an entry without data would stop it at start-up.
    assert list(theirs) == ["d"] and all("data" in entry for entry in theirs.values())
