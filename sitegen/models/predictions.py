"""The model's answers for every test example, computed at build time and shipped beside
model.json, so that a page can browse them (and find the mistakes) without running the
model over the whole split.

``test_predictions.bin`` holds, for the test examples in the order data.js serves them, the
``k`` most probable classes of each, most probable first, then their probabilities:

- ``n * k`` class indices, in the data set's index encodings (`LABEL_ENCODINGS`): one byte
  each up to 256 classes, two (little-endian) beyond, so 13,065 classes still take 2 bytes;
- ``n * k`` probabilities as uint16 little-endian, ``round(p * 65535)``: steps of 0.0015%,
  far below the 0.1% a page shows, and half of float32's size.

metadata.json's ``test_predictions`` describes the file (size, sha256, offsets, encodings)
and names the data it belongs to: the data set, its split and the sha256 of every file of
the built data (sprite shards, labels), which the page compares with the manifest of the
data.js it loaded. The answers are those of the model as shipped: model.json and its weight
files read back (dequantized exactly as the browser does), not the Keras model before
conversion; how often the two agree is recorded beside them (``keras_agreement``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ..datasets.format import INDEX_UINT8, INDEX_UINT16, decode_labels, encode_labels
from ..errors import ModelError

PREDICTIONS = "test_predictions.bin"
#: how many classes are kept per example (fewer when the model has fewer)
TOP_K = 3
PROBABILITY_ENCODING = "uint16le"
PROBABILITY_SCALE = 65535


def top_k(probabilities: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(classes int64 [n, k], probabilities float32 [n, k]) of the ``k`` largest values of each
    row, largest first; equal values in the order of their classes, so the first is argmax's.
    (argpartition, not a full sort: 13,065 classes per example.)"""
    probabilities = np.asarray(probabilities, dtype=np.float32)
    n, num_classes = probabilities.shape
    k = min(k, num_classes)
    candidates = np.argpartition(-probabilities, k - 1, axis=1)[:, :k] if k < num_classes else \
        np.broadcast_to(np.arange(num_classes), (n, num_classes))
    values = np.take_along_axis(probabilities, candidates, axis=1)
    order = np.lexsort((candidates, -values), axis=1)
    return np.take_along_axis(candidates, order, axis=1).astype(np.int64), np.take_along_axis(values, order, axis=1)


def class_encoding(num_classes: int) -> str:
    return INDEX_UINT8 if num_classes <= 256 else INDEX_UINT16


def encode_predictions(classes: np.ndarray, probabilities: np.ndarray, num_classes: int) -> tuple[bytes, dict]:
    """The file's bytes and its layout (for metadata.json) for top-k ``classes`` and ``probabilities`` [n, k]."""
    n, k = classes.shape
    index_bytes = encode_labels(classes.reshape(-1), num_classes, class_encoding(num_classes))
    quantised = np.rint(np.clip(probabilities, 0, 1) * PROBABILITY_SCALE).astype("<u2")
    layout = {"examples": int(n), "k": int(k),
              "classes": {"encoding": class_encoding(num_classes), "offset": 0},
              "probabilities": {"encoding": PROBABILITY_ENCODING, "scale": PROBABILITY_SCALE,
                                "offset": len(index_bytes)}}
    return index_bytes + quantised.tobytes(), layout


def decode_predictions(data: bytes, description: dict, num_classes: int, where: Path | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(classes int64 [n, k], probabilities float32 [n, k]) from the file's bytes and its
    ``test_predictions`` block of metadata.json."""
    n, k = description["examples"], description["k"]
    start = description["probabilities"]["offset"]
    if len(data) != start + 2 * n * k:
        raise ModelError(f"{len(data)} bytes of test predictions, expected {start + 2 * n * k} "
                         f"({n} examples, top {k})", where=where)
    classes = decode_labels(data[:start], n * k, num_classes, description["classes"]["encoding"], where)
    quantised = np.frombuffer(data, dtype="<u2", offset=start, count=n * k)
    probabilities = quantised.astype(np.float32) / np.float32(description["probabilities"]["scale"])
    return classes.reshape(n, k), probabilities.reshape(n, k)


def write_test_predictions(folder: Path, probabilities: np.ndarray, manifest: dict,
                           keras_probabilities: np.ndarray | None) -> dict:
    """Write ``folder/test_predictions.bin`` from the shipped model's ``probabilities`` [n, classes]
    on the test split of the built data set with ``manifest``; return metadata.json's block.
    ``keras_probabilities``: the Keras model's before conversion (None when there was none:
    a TF.js model copied as is), to count how often its top answer is the shipped model's."""
    num_classes = probabilities.shape[1]
    classes, top = top_k(probabilities, TOP_K)
    data, layout = encode_predictions(classes, top, num_classes)
    (Path(folder) / PREDICTIONS).write_bytes(data)
    agreement = None
    if keras_probabilities is not None:
        same = int((np.argmax(keras_probabilities, axis=1) == classes[:, 0]).sum())
        agreement = {"same_top_class": same, "examples": int(len(classes))}
    return {"path": PREDICTIONS, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), **layout,
            "data": {"dataset": manifest.get("name"), "split": "test",
                     "sha256": [shard["sha256"] for shard in manifest["shards"]] + [manifest["labels"]["sha256"]]},
            "keras_agreement": agreement}
