"""The files of a built data set, written and read back.

A built data set is a folder (in the build cache, copied to ``data/<name>/`` in the
site) holding:

- ``images-<k>.png``: sprite shards; 8-bit grayscale when c = 1, RGB when c = 3. Read in
  raster order, a shard's pixels are its examples one after another, each h*w pixels in
  row-major order. The manifest's ``sprite.layout`` says how they lie in the PNG
  (`SPRITE_LAYOUTS`): one example per PNG row (h*w pixels wide, the codelab's sprite), or
  one image row per PNG row (w pixels wide, h PNG rows per example), where PNG's Up and
  Paeth filters see the same image's previous row. Training examples come first, then test
  examples, each split in its own seeded shuffle order; shard k holds examples
  ``start .. start+count-1``.
- ``images-<k>.xz`` (when the manifest's ``sprite.packed`` is ``"xz"``): the same pixels as
  shard k, raw (the examples one after another) in an xz file, which is what sitegen's own
  loader (data.js) downloads. xz models each byte in the context of the one before, which
  deflate cannot: MNIST-like digits pack to about 0.84x their gzipped IDX size, where the
  best deflate of a PNG reaches 0.93x. The build writes them only when xz saves enough over
  the PNGs (`choose_packing`: photos and small data sets stay PNG); the PNG shards are always
  written, for the model builder, datasets-config.json and anyone who reads a sprite.
- labels, same row order, in one of the encodings of `LABEL_ENCODINGS` (the manifest's
  ``labels.encoding`` says which, ``labels.path`` names the file): ``labels_uint8``, one-hot,
  ``num_classes`` bytes per example (what the codelab and the deeplearn.js model builder
  read), for up to 256 classes; beyond that class indices, ``labels_index_uint16le``, 2 bytes
  per example (one-hot would take 13 kB per example for 13,065 classes; the browser's
  loader one-hots batches on the GPU).
- ``classes.json``: class names in label order.
- ``manifest.json``: everything a reader needs to use the above (see `write_built`).

`read_built` decodes these back to numpy arrays, so a model trained in Python sees
exactly the pixels the browser sees.
"""

from __future__ import annotations

import hashlib
import io
import json
import lzma
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import DataError
from .png import DEFAULT_LEVEL, FILTER_ADAPTIVE, FILTER_NONE, encode_png

#: 2: sprite layouts (``sprite.layout``, shard ``width`` and ``height``); a manifest without
#: them (version 1) has one example per PNG row. 3: packed shards (``sprite.packed``, each
#: shard's ``packed``).
FORMAT_VERSION = 3
MANIFEST = "manifest.json"
LABELS = "labels_uint8"
ONE_HOT = "one-hot uint8"
INDEX_UINT8 = "index uint8"
INDEX_UINT16 = "index uint16le"
#: encoding -> (file name, bytes per example or None for num_classes, numpy dtype of an index)
LABEL_ENCODINGS = {
    ONE_HOT: (LABELS, None, np.uint8),
    INDEX_UINT8: ("labels_index_uint8", 1, np.dtype("u1")),
    INDEX_UINT16: ("labels_index_uint16le", 2, np.dtype("<u2")),
}
#: Up to this many classes labels stay one-hot (the codelab's and the model builder's format).
ONE_HOT_MAX_CLASSES = 256
MAX_CLASSES = 1 << 16
CLASSES = "classes.json"
LOADER = "data.js"

#: Every browser decodes a PNG up to 32767 rows and Safari limits a canvas to about
#: 16.7 million pixels; shards stay far below both so decoding is quick and memory low.
#: MAX_SHARD_ROWS counts examples; a shard of image rows also stays within MAX_PNG_ROWS.
MAX_SHARD_ROWS = 10_000
MAX_SHARD_PIXELS = 8_000_000
MAX_PNG_ROWS = 32_767
#: The sprite row is h*w pixels wide; browsers refuse images wider than this.
MAX_ROW_PIXELS = 32_767

#: How examples lie in a shard's PNG -> (PNG rows per example, the row filter). The decoded
#: bytes are the same in both. No filter suits MNIST-like data (zero background, strokes):
#: filters turn the edges of strokes into noise. Photos compress about a quarter smaller
#: as image rows with a filter chosen per row (bench/bench_sprite.py measures both).
EXAMPLE_ROWS = "example-rows"
IMAGE_ROWS = "image-rows"
SPRITE_LAYOUTS = {EXAMPLE_ROWS: FILTER_NONE, IMAGE_ROWS: FILTER_ADAPTIVE}
#: The layout is picked by compressing this many examples both ways (zlib-like level 6, quick).
LAYOUT_SAMPLE = 256
LAYOUT_SAMPLE_LEVEL = 6

#: The codec of packed shards (``sprite.packed``) and its settings: LZMA2 at preset 6 (an
#: 8 MiB dictionary, as large as a grayscale shard), literals coded in the context of the
#: previous pixel's top 4 bits (lc=4), no position bits (lp=pb=0: pixels are single bytes),
#: CRC32 checks (what every xz decoder verifies). Measured in bench/bench_sprite.py.
PACKED_XZ = "xz"
XZ_FILTERS = ({"id": lzma.FILTER_LZMA2, "preset": 6, "lc": 4, "lp": 0, "pb": 0},)
#: Packing is judged on the first examples up to this many bytes: xz gains with more data to
#: refer back to, so a sample as small as the layout's can pick PNG for digits xz packs smaller.
PACKING_SAMPLE_BYTES = 1 << 20
#: Packed shards must save at least this much over the PNGs, estimated for the whole data set
#: from the sample: a reader's first packed data set also downloads the decoder (js/xz.js,
#: about 10 kB gzipped), and small data sets are not worth a second copy.
PACKING_MIN_SAVING = 32_000


@dataclass
class BuiltData:
    """A built data set as numpy arrays (what the browser's MnistData holds)."""

    x_train: np.ndarray  #: uint8 [n_train, h, w, c]
    y_train: np.ndarray  #: int64 [n_train] class indices
    x_test: np.ndarray   #: uint8 [n_test, h, w, c]
    y_test: np.ndarray   #: int64 [n_test]
    classes: list[str]
    manifest: dict

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.manifest["shape"])  # type: ignore[return-value]

    @property
    def num_classes(self) -> int:
        return len(self.classes)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def shard_rows(shape: tuple[int, int, int], layout: str = EXAMPLE_ROWS) -> int:
    """How many examples go in one sprite shard for images of ``shape`` laid out as ``layout``."""
    h, w, _ = shape
    examples = min(MAX_SHARD_ROWS, MAX_SHARD_PIXELS // (h * w))
    if layout == IMAGE_ROWS:
        examples = min(examples, MAX_PNG_ROWS // h)
    return max(1, examples)


def png_rows(examples: np.ndarray, shape: tuple[int, int, int], layout: str) -> np.ndarray:
    """The rows of a shard's PNG (uint8 [rows, width*c]) for ``examples`` (uint8 [n, h*w*c])."""
    h, w, c = shape
    return examples.reshape(-1, w * c if layout == IMAGE_ROWS else h * w * c)


def encode_shard(examples: np.ndarray, shape: tuple[int, int, int], layout: str, level: int = DEFAULT_LEVEL) -> bytes:
    """The PNG of a shard of ``examples`` (uint8 [n, h*w*c]) in ``layout``."""
    return encode_png(png_rows(examples, shape, layout), shape[2], level=level, filter_type=SPRITE_LAYOUTS[layout])


def choose_layout(images: np.ndarray, shape: tuple[int, int, int]) -> str:
    """The sprite layout that compresses ``images`` (uint8 [n, h*w*c]) smaller, judged on the
    first `LAYOUT_SAMPLE` of them; images one pixel high have only one layout."""
    sample = images[:LAYOUT_SAMPLE]
    if shape[0] == 1 or not len(sample):
        return EXAMPLE_ROWS
    sizes = {layout: len(encode_shard(sample, shape, layout, LAYOUT_SAMPLE_LEVEL)) for layout in SPRITE_LAYOUTS}
    return min(SPRITE_LAYOUTS, key=lambda layout: sizes[layout])  # a tie keeps the codelab's layout


def encode_packed(examples: np.ndarray) -> bytes:
    """The packed (xz) shard of ``examples`` (uint8 [n, h*w*c]): their pixels one after another."""
    return lzma.compress(np.ascontiguousarray(examples).tobytes(), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32,
                         filters=list(XZ_FILTERS))


def decode_packed(data: bytes, where: Path) -> bytes:
    try:
        return lzma.decompress(data, format=lzma.FORMAT_XZ)
    except lzma.LZMAError as e:
        raise DataError(f"packed sprite shard is not a valid xz file ({e})", where=where) from None


def choose_packing(images: np.ndarray, shape: tuple[int, int, int], layout: str) -> str | None:
    """`PACKED_XZ` when ``images`` (uint8 [n, h*w*c]) pack smaller with xz than as PNGs in
    ``layout`` (both as the build writes them) by at least `PACKING_MIN_SAVING`, judged on the
    first `PACKING_SAMPLE_BYTES` of them; else None."""
    sample = images[:max(1, PACKING_SAMPLE_BYTES // max(1, images.shape[1]))]
    if not len(sample):
        return None
    saving = len(encode_shard(sample, shape, layout)) - len(encode_packed(sample))
    return PACKED_XZ if saving * len(images) / len(sample) >= PACKING_MIN_SAVING else None


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    out = np.zeros((len(labels), num_classes), dtype=np.uint8)
    out[np.arange(len(labels)), labels] = 1
    return out


def label_encoding_for(num_classes: int) -> str:
    """One-hot uint8 up to `ONE_HOT_MAX_CLASSES` classes, 2-byte class indices beyond."""
    return ONE_HOT if num_classes <= ONE_HOT_MAX_CLASSES else INDEX_UINT16


def encode_labels(labels: np.ndarray, num_classes: int, encoding: str) -> bytes:
    """The bytes of the labels file: class indices ``labels`` in ``encoding``."""
    if encoding == ONE_HOT:
        return one_hot(labels, num_classes).tobytes()
    dtype = LABEL_ENCODINGS[encoding][2]
    if num_classes > np.iinfo(dtype).max + 1:
        raise ValueError(f"{num_classes} classes do not fit the label encoding {encoding!r}")
    return labels.astype(dtype).tobytes()


def decode_labels(data: bytes, total: int, num_classes: int, encoding: str, where: Path) -> np.ndarray:
    """Class indices (int64 [total]) from the bytes of a labels file in ``encoding``."""
    if encoding not in LABEL_ENCODINGS:
        raise DataError(f"unknown label encoding {encoding!r} in manifest.json (expected one of "
                        f"{', '.join(map(repr, LABEL_ENCODINGS))}; a newer sitegen wrote it?)", where=where)
    per_example = LABEL_ENCODINGS[encoding][1] or num_classes
    if len(data) != total * per_example:
        raise DataError(f"{len(data)} bytes of labels, expected {total * per_example} ({total} examples, "
                        f"{encoding})", where=where)
    if encoding == ONE_HOT:
        one_hot_labels = np.frombuffer(data, dtype=np.uint8).reshape(total, num_classes)
        if total and not (one_hot_labels.sum(axis=1) == 1).all():
            raise DataError("one-hot labels with a row that is not one-hot", where=where)
        return one_hot_labels.argmax(axis=1).astype(np.int64)
    labels = np.frombuffer(data, dtype=LABEL_ENCODINGS[encoding][2]).astype(np.int64)
    if total and labels.max() >= num_classes:
        raise DataError(f"class index {int(labels.max())} in the labels, but there are {num_classes} classes",
                        where=where)
    return labels


def write_built(directory: Path, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                y_test: np.ndarray, classes: list[str], about: dict,
                on_shard: Callable[[int], None] | None = None, label_encoding: str | None = None,
                layout: str | None = None, packed: str | None | bool = True) -> dict:
    """Write sprite shards, labels, classes and manifest into ``directory``; return the manifest.

    ``about`` adds descriptive manifest keys (name, title, source, split, canvas, ...).
    ``label_encoding`` (one of `LABEL_ENCODINGS`) defaults to `label_encoding_for` the class count;
    ``layout`` (one of `SPRITE_LAYOUTS`) to the one `choose_layout` finds smaller;
    ``packed``: True lets `choose_packing` decide, `PACKED_XZ` or None (False) force it.
    ``on_shard(rows)`` is called as each shard is encoded (for a progress bar).
    """
    directory.mkdir(parents=True, exist_ok=True)
    if len(classes) > MAX_CLASSES:
        raise DataError(f"{len(classes):,} classes; sitegen stores at most {MAX_CLASSES:,} (2-byte class indices)",
                        where=directory)
    encoding = label_encoding or label_encoding_for(len(classes))
    labels_file, per_example, _ = LABEL_ENCODINGS[encoding]
    h, w, c = x_train.shape[1:] if len(x_train) else x_test.shape[1:]
    if h * w > MAX_ROW_PIXELS:
        raise DataError(f"images of {h}x{w} pixels make sprite rows {h * w} pixels wide; browsers decode at most "
                        f"{MAX_ROW_PIXELS} (use a smaller shape with resize = true)", where=directory)
    images = np.concatenate([x_train, x_test]).reshape(-1, h * w * c)
    labels = np.concatenate([y_train, y_test]).astype(np.int64)
    shape = (int(h), int(w), int(c))
    layout = layout or choose_layout(images, shape)
    if layout not in SPRITE_LAYOUTS:
        raise ValueError(f"unknown sprite layout {layout!r} (expected one of {', '.join(SPRITE_LAYOUTS)})")
    if packed is True:
        packed = choose_packing(images, shape, layout)
    packed = packed or None
    if packed not in (None, PACKED_XZ):
        raise ValueError(f"unknown packing {packed!r} (expected {PACKED_XZ!r} or None)")
    per_shard = shard_rows(shape, layout)
    starts = list(range(0, len(images), per_shard)) or [0]
    rows_per_example = h if layout == IMAGE_ROWS else 1

    def encode(k: int) -> dict:
        start = starts[k]
        examples = images[start:start + per_shard]
        data = encode_shard(examples, shape, layout)
        path = f"images-{k}.png"
        (directory / path).write_bytes(data)
        shard = {"path": path, "start": start, "count": len(examples), "width": h * w // rows_per_example,
                 "height": len(examples) * rows_per_example, "bytes": len(data), "sha256": sha256_hex(data)}
        if packed:
            packed_data = encode_packed(examples)
            packed_path = f"images-{k}.{packed}"
            (directory / packed_path).write_bytes(packed_data)
            shard["packed"] = {"path": packed_path, "bytes": len(packed_data), "sha256": sha256_hex(packed_data)}
        if on_shard:
            on_shard(len(examples))
        return shard

    # Filtering (numpy) and xz release the GIL; libdeflate's wrapper holds it while it compresses.
    with ThreadPoolExecutor() as pool:
        shards = list(pool.map(encode, range(len(starts))))

    label_bytes = encode_labels(labels, len(classes), encoding)
    (directory / labels_file).write_bytes(label_bytes)
    (directory / CLASSES).write_text(json.dumps(classes, ensure_ascii=False), encoding="utf-8")
    n_train, n_test = len(x_train), len(x_test)
    manifest = {
        "version": FORMAT_VERSION,
        **about,
        "shape": [int(h), int(w), int(c)],
        "numClasses": len(classes),
        "classes": classes,
        "counts": {"train": n_train, "test": n_test, "total": n_train + n_test},
        "classCounts": {
            "train": np.bincount(y_train, minlength=len(classes)).tolist(),
            "test": np.bincount(y_test, minlength=len(classes)).tolist(),
        },
        "rows": {"train": {"start": 0, "count": n_train}, "test": {"start": n_train, "count": n_test}},
        # rowsPerShard: examples per shard (PNG rows in the example-rows layout, where it began).
        "sprite": {"layout": layout, "width": int(h * w // rows_per_example), "rowsPerExample": int(rows_per_example),
                   "channels": int(c), "mode": "L" if c == 1 else "RGB", "rowsPerShard": per_shard,
                   "packed": packed},
        "shards": shards,
        "labels": {"path": labels_file, "encoding": encoding, "bytesPerExample": per_example or len(classes),
                   "bytes": len(label_bytes), "sha256": sha256_hex(label_bytes)},
        "classesFile": CLASSES,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("not a built data set (no manifest.json)", where=directory) from None
    except (ValueError, UnicodeDecodeError) as e:
        raise DataError(f"manifest.json is not valid JSON ({e})", where=path) from None


def read_built(directory: Path, verify: bool = True) -> BuiltData:
    """Decode a built data set (a folder with manifest.json) back into numpy arrays.

    Pixels come from the files the browser's loader reads, exactly as stored: the packed
    shards when there are, else the PNG shards; labels from the labels file in its encoding
    (one-hot or class indices, `LABEL_ENCODINGS`); with ``verify`` the sha256 of every file
    read is checked against the manifest first.
    """
    from PIL import Image  # only readers of built data need Pillow

    directory = Path(directory)
    manifest = read_manifest(directory)
    h, w, c = manifest["shape"]
    num_classes = manifest["numClasses"]
    total = manifest["counts"]["total"]
    images = np.empty((total, h * w * c), dtype=np.uint8)
    for shard in manifest["shards"]:
        file = shard.get("packed") or shard
        path = directory / file["path"]
        data = _read_checked(path, file["sha256"] if verify else None)
        if "packed" in shard:
            pixels = np.frombuffer(decode_packed(data, path), dtype=np.uint8)
        else:
            with Image.open(io.BytesIO(data)) as im:
                pixels = np.asarray(im)
        # Whatever the layout, the pixels in raster order are the examples one after another.
        if pixels.size != shard["count"] * h * w * c:
            raise DataError(f"{pixels.size:,} values in the sprite shard, expected {shard['count']:,} examples of "
                            f"{h}x{w}x{c}", where=path)
        images[shard["start"]:shard["start"] + shard["count"]] = pixels.reshape(shard["count"], h * w * c)
    labels_path = directory / manifest["labels"]["path"]
    label_bytes = _read_checked(labels_path, manifest["labels"]["sha256"] if verify else None)
    # Manifests written before label encodings existed are one-hot.
    labels = decode_labels(label_bytes, total, num_classes, manifest["labels"].get("encoding", ONE_HOT), labels_path)
    images = images.reshape(total, h, w, c)
    n_train = manifest["counts"]["train"]
    return BuiltData(x_train=images[:n_train], y_train=labels[:n_train], x_test=images[n_train:],
                     y_test=labels[n_train:], classes=list(manifest["classes"]), manifest=manifest)


def _read_checked(path: Path, sha256: str | None) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError("missing file of a built data set", where=path) from None
    if sha256 is not None and sha256_hex(data) != sha256:
        raise DataError("file does not match the sha256 in manifest.json (rebuild the data set)", where=path)
    return data
