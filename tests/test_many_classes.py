"""Thousands of classes: a 13,065-class image folder (the Traditional Chinese handwriting
layout, ``人/人_001.png``, dark ink on white) builds with 2-byte class indices as labels, reads
back exactly, and the model-builder entry says why it cannot be offered there."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from sitegen.datasets import build_datasets, datasets_config_file, read_built
from sitegen.datasets import format as built_module
from sitegen.datasets.png import encode_png
from sitegen.errors import DataError

from test_datasets_helpers import context, write_site

NUM_CLASSES = 13_065
FIRST_CHAR = 0x4E00  # 一: 13,065 code points from here are all CJK unified ideographs


def class_name(k: int) -> str:
    return chr(FIRST_CHAR + k)


def ink(k: int, j: int) -> np.ndarray:
    """Example j of class k, 8x8, dark on light: the first two pixels spell k, the third j
    (as 255 minus the value, so that inverting gives k % 251, k // 251, j back)."""
    image = np.full((8, 8), 255, np.uint8)
    image[0, :3] = 255 - np.array([k % 251, k // 251, j])
    return image


def cjk_folder(root: Path, num_classes: int = NUM_CLASSES, per_class: int = 2, big: dict[int, int] | None = None
               ) -> Path:
    """``<root>/<char>/<char>_001.png``..., one sub-folder per class; classes in ``big`` get
    sources of that side (e.g. 50 or 300 pixels): a dark square in the top-left quarter."""
    big = big or {}
    for k in range(num_classes):
        name = class_name(k)
        folder = root / name
        folder.mkdir(parents=True)
        for j in range(per_class):
            if k in big:
                side = big[k]
                image = np.full((side, side), 255, np.uint8)
                image[:side // 2, :side // 2] = 0
            else:
                image = ink(k, j)
            (folder / f"{name}_{j + 1:03d}.png").write_bytes(encode_png(image, 1))
    return root


TOML = """
[datasets.hanzi]
source = "image-folder"
path = "hanzi"
by = "folder"
channel = "luma"
invert = true
resize = true
shape = [8, 8, 1]
test_fraction = 0.5
"""

BIG = {0: 300, 1: 50, 2: 300}


@pytest.fixture(scope="module")
def hanzi_site(tmp_path_factory):
    root = write_site(tmp_path_factory.mktemp("many"), TOML)
    started = time.perf_counter()
    cjk_folder(root / "hanzi", big=BIG)
    made = time.perf_counter() - started
    ctx = context(root)
    started = time.perf_counter()
    artifacts = build_datasets(ctx)
    return root, ctx, artifacts, made, time.perf_counter() - started


def test_13065_class_folder_builds_with_two_byte_labels(hanzi_site):
    root, ctx, artifacts, _, seconds = hanzi_site
    artifact = artifacts["hanzi"]
    manifest = artifact.manifest
    assert manifest["numClasses"] == NUM_CLASSES and len(manifest["classes"]) == NUM_CLASSES
    assert manifest["classes"][:2] == ["一", "丁"] and manifest["classes"][-1] == class_name(NUM_CLASSES - 1)
    assert manifest["counts"] == {"train": NUM_CLASSES, "test": NUM_CLASSES, "total": 2 * NUM_CLASSES}
    labels = manifest["labels"]
    assert labels["encoding"] == "index uint16le" and labels["bytesPerExample"] == 2
    assert labels["path"] == "labels_index_uint16le"
    data = artifact.files[f"data/hanzi/{labels['path']}"].read_bytes()
    assert len(data) == labels["bytes"] == 2 * manifest["counts"]["total"]  # <= 2 bytes per example
    assert "data/hanzi/labels_uint8" not in artifact.files
    classes = json.loads(artifact.files["data/hanzi/classes.json"].read_text("utf-8"))
    assert classes == manifest["classes"]
    loader = artifact.files["data/hanzi/data.js"].decode("utf-8")
    assert '"index uint16le"' in loader and "\\u4e00" in loader
    assert seconds < 120, f"building 26,130 tiny images took {seconds:.0f} s"


def test_read_built_round_trips_class_indices(hanzi_site):
    _, _, artifacts, _, _ = hanzi_site
    built = read_built(artifacts["hanzi"].dir)
    assert built.num_classes == NUM_CLASSES and built.shape == (8, 8, 1)
    for x, y in ((built.x_train, built.y_train), (built.x_test, built.y_test)):
        assert y.dtype == np.int64 and sorted(y.tolist()) == list(range(NUM_CLASSES))  # one of each per split
        small = ~np.isin(y, list(BIG))
        # Inverted to MNIST polarity: the light background is 0, the pixels spell the class.
        pixels = x[small].astype(int)
        np.testing.assert_array_equal(pixels[:, 0, 0, 0] + 251 * pixels[:, 0, 1, 0], y[small])
        assert (pixels[:, 1:, :, 0] == 0).all()
    # Sources of 300x300 and 50x50 resized to 8x8: the ink (now bright) fills the top-left quarter.
    for k in BIG:
        for x, y in ((built.x_train, built.y_train), (built.x_test, built.y_test)):
            image = x[int(np.flatnonzero(y == k)[0]), :, :, 0].astype(int)
            assert image[:3, :3].min() > 240 and image[5:, 5:].max() < 15 and image[5:, :3].max() < 15


def test_model_builder_entry_says_it_cannot(hanzi_site):
    root, ctx, artifacts, _, _ = hanzi_site
    entry = json.loads(datasets_config_file(ctx.config, artifacts))["hanzi"]
    assert "data" not in entry
    assert "one-hot uint8" in entry["unsupported"] and "13,065 classes" in entry["unsupported"]
    assert entry["manifest"] == "hanzi/manifest.json" and entry["numClasses"] == NUM_CLASSES
    # No model_configs: said at build time as a note, not a warning that fails --strict.
    assert not ctx.warnings


def test_model_builder_refusal_is_a_note_even_with_model_configs(tmp_path):
    files = {"models/a.json": b'[{"layerName": "Flatten"}, {"layerName": "Fully connected", "hiddenUnits": 300}]'}
    root = write_site(tmp_path, TOML.replace("shape = [8, 8, 1]", "shape = [8, 8, 1]\nmodel_configs = "
                                             '{"A" = "models/a.json"}') + "max_examples = 600\n", files)
    cjk_folder(root / "hanzi", num_classes=300)
    ctx = context(root)
    artifacts = build_datasets(ctx)
    assert artifacts["hanzi"].manifest["labels"]["encoding"] == "index uint16le"
    assert "not offered to the deeplearn.js model builder" in ctx.console.file.getvalue()
    assert not [w for w in ctx.warnings if "model builder" in w], ctx.warnings


def test_256_classes_stay_one_hot(tmp_path):
    root = write_site(tmp_path, TOML)
    cjk_folder(root / "hanzi", num_classes=256)
    artifact = build_datasets(context(root))["hanzi"]
    labels = artifact.manifest["labels"]
    assert labels["encoding"] == "one-hot uint8" and labels["path"] == "labels_uint8"
    assert labels["bytes"] == 512 * 256 and labels["bytesPerExample"] == 256
    entry = json.loads(datasets_config_file(context(root).config, {"hanzi": artifact}))["hanzi"]
    assert entry["data"][1] == {"name": "labels", "path": "hanzi/labels_uint8", "dataType": "uint8", "shape": [256]}


@pytest.mark.parametrize("encoding", ["one-hot uint8", "index uint8", "index uint16le"])
def test_every_label_encoding_round_trips(tmp_path, encoding):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (40, 3, 2, 1), dtype=np.uint8)
    y = np.arange(40) % 7
    manifest = built_module.write_built(tmp_path, x[:30], y[:30], x[30:], y[30:], [str(k) for k in range(7)],
                                        {"name": "t"}, label_encoding=encoding)
    per_example = {"one-hot uint8": 7, "index uint8": 1, "index uint16le": 2}[encoding]
    assert manifest["labels"]["bytes"] == 40 * per_example
    built = read_built(tmp_path)
    np.testing.assert_array_equal(built.y_train, y[:30])
    np.testing.assert_array_equal(built.y_test, y[30:])
    np.testing.assert_array_equal(built.x_test, x[30:])


def test_corrupt_or_unknown_labels_are_errors(tmp_path):
    x = np.zeros((4, 2, 2, 1), np.uint8)
    y = np.array([0, 1, 2, 1])
    built_module.write_built(tmp_path, x[:2], y[:2], x[2:], y[2:], ["a", "b", "c"], {}, label_encoding="index uint16le")
    (tmp_path / "labels_index_uint16le").write_bytes(np.array([0, 1, 9, 1], "<u2").tobytes())
    with pytest.raises(DataError, match="class index 9"):
        read_built(tmp_path, verify=False)
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    manifest["labels"]["encoding"] = "index uint32"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(DataError, match="unknown label encoding"):
        read_built(tmp_path, verify=False)


def test_by_filename_warns_when_classes_look_like_numbers(tmp_path):
    # 人_001.png read by the default pattern: the class would be "001".
    files = {f"flat/{c}_{j:03d}.png": encode_png(ink(k, j), 1) for k, c in enumerate("人口山") for j in range(1, 3)}
    root = write_site(tmp_path, '[datasets.d]\nsource = "image-folder"\npath = "flat"\nchannel = "luma"\n', files)
    ctx = context(root)
    artifact = build_datasets(ctx)["d"]
    assert artifact.manifest["classes"] == ["001", "002"]
    assert any("is a number" in w and 'by = "folder"' in w for w in ctx.warnings), ctx.warnings


def test_by_filename_on_class_folders_says_set_by_folder(tmp_path):
    root = write_site(tmp_path, '[datasets.d]\nsource = "image-folder"\npath = "hanzi"\nchannel = "luma"\n')
    cjk_folder(root / "hanzi", num_classes=3)
    with pytest.raises(DataError, match='set by = "folder"'):
        build_datasets(context(root))
