"""IDX files (MNIST, EMNIST): raw or gzipped, header and sizes checked."""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path
from typing import Iterator

import numpy as np

from ...errors import DataError
from ..examples import Examples
from ..progress import progress_task
from . import Source
from .labels import class_names, check_labels

IDX_UINT8 = 0x08


def read_idx_file(path: Path, ndim: int) -> np.ndarray:
    """Read one IDX file of unsigned bytes with ``ndim`` dimensions (3 images, 1 labels)."""
    what = "IDX image file (3 dimensions)" if ndim == 3 else "IDX label file (1 dimension)"
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(f"corrupt gzip data ({e})", where=path) from None
    if len(data) < 4 or data[:2] != b"\0\0":
        raise DataError(f"not an IDX file (wrong magic number {data[:4].hex() or 'empty'}); expected an {what}",
                        where=path)
    dtype, dims = data[2], data[3]
    if dtype != IDX_UINT8:
        raise DataError(f"IDX data type 0x{dtype:02x} is not supported (only unsigned bytes, 0x08)", where=path)
    if dims != ndim:
        raise DataError(f"IDX file has {dims} dimension(s); expected an {what}", where=path)
    header = 4 + 4 * dims
    if len(data) < header:
        raise DataError("truncated IDX file (the header is cut off)", where=path)
    shape = struct.unpack(f">{dims}I", data[4:header])
    expected = int(np.prod(shape, dtype=np.int64))
    found = len(data) - header
    size = "x".join(str(d) for d in shape)
    if found < expected:
        raise DataError(f"truncated IDX file: the header promises {size} bytes of data ({expected:,}), "
                        f"the file holds {found:,}", where=path)
    if found > expected:
        raise DataError(f"corrupt IDX file: {found - expected:,} bytes after the {size} data the header "
                        f"declares", where=path)
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def idx_first_rows(chunks: Iterator[bytes], rows: int, where: str) -> Iterator[bytes]:
    """The first ``rows`` rows (images or labels) of an IDX file, raw or gzipped, as a raw IDX
    file whose header counts them. ``chunks`` is read no further than those rows, then closed:
    of a download or an archive member, only its start is fetched."""
    gunzip = None
    pending = b""
    header = None
    left = 0
    try:
        for chunk in chunks:
            if gunzip is None and not header and not pending and chunk[:2] == b"\x1f\x8b":
                gunzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                pending += gunzip.decompress(chunk) if gunzip else chunk
            except zlib.error as e:
                raise DataError(f"corrupt gzip data ({e})", where=where) from None
            if header is None:
                if len(pending) < 4 or len(pending) < 4 + 4 * pending[3]:
                    continue
                if pending[:2] != b"\0\0" or pending[2] != IDX_UINT8 or not 1 <= pending[3] <= 4:
                    raise DataError(f"not an IDX file of unsigned bytes (it starts with {pending[:4].hex()})",
                                    where=where)
                dims = pending[3]
                shape = struct.unpack(f">{dims}I", pending[4:4 + 4 * dims])
                kept = min(rows, shape[0])
                header = struct.pack(f">4B{dims}I", 0, 0, IDX_UINT8, dims, kept, *shape[1:])
                left = kept * int(np.prod(shape[1:], dtype=np.int64))
                pending = pending[4 + 4 * dims:]
                yield header
            if pending:
                piece, pending = pending[:left], b""
                left -= len(piece)
                yield piece
            if not left:
                return
        raise DataError("truncated IDX file (it ends before the rows kept)", where=where)
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()


def read_mapping(path: Path) -> dict[int, str]:
    """An EMNIST mapping file: 'label codepoint [codepoint...]' per line -> {label: name}."""
    names: dict[int, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            label, *codes = (int(part) for part in line.split())
            if not codes:
                raise ValueError
            names[label] = "/".join(chr(code) for code in codes)
        except ValueError:
            raise DataError(f"line {number}: expected 'label codepoint', got {line.strip()!r}", where=path) from None
    if not names:
        raise DataError("empty mapping file", where=path)
    return names


def read_idx(options, classes: list[str] | None, paths: dict[str, Path]) -> Examples:
    """``paths`` holds images, labels and optionally test_images, test_labels, mapping; ``options``
    are the `IdxOptions`, ``classes`` the data set's classes option."""
    parts = [("images", "labels")]
    if paths.get("test_images"):
        parts.append(("test_images", "test_labels"))
    image_sets, label_sets = [], []
    for image_key, label_key in parts:
        images = read_idx_file(paths[image_key], 3)
        labels = read_idx_file(paths[label_key], 1)
        if len(images) != len(labels):
            raise DataError(f"{len(images):,} images but {len(labels):,} labels in {paths[label_key]}",
                            where=paths[image_key])
        image_sets.append(images)
        label_sets.append(labels)
    if len(image_sets) == 2 and image_sets[0].shape[1:] != image_sets[1].shape[1:]:
        raise DataError(f"test images are {image_sets[1].shape[1]}x{image_sets[1].shape[2]}, training images "
                        f"{image_sets[0].shape[1]}x{image_sets[0].shape[2]}", where=paths["test_images"])
    images = np.concatenate(image_sets)
    if options.transpose:
        images = images.transpose(0, 2, 1)
    images = np.ascontiguousarray(images)[..., np.newaxis]
    labels = np.concatenate(label_sets).astype(np.int64) - options.label_offset
    is_test = None
    if len(image_sets) == 2:
        is_test = np.zeros(len(images), dtype=bool)
        is_test[len(image_sets[0]):] = True

    mapping = read_mapping(paths["mapping"]) if paths.get("mapping") else None
    if mapping is not None:
        # Class i is the mapping's label i + label_offset.
        first = options.label_offset
        count = max(mapping) - first + 1
        missing = [label for label in range(first, first + count) if label not in mapping]
        if min(mapping) < first or missing:
            raise DataError(f"mapping labels must run from {first} (label_offset) without gaps; "
                            f"missing {missing[:5]}" if missing else
                            f"mapping has label {min(mapping)} below label_offset {first}", where=paths["mapping"])
        names = [mapping[first + i] for i in range(count)]
    else:
        names = None
    where = paths["labels"]
    check_labels(labels, options.label_offset, where)
    classes = class_names(classes, names, labels, where)
    description = f"IDX files {paths['images'].name}" + (f" + {paths['test_images'].name}" if is_test is not None
                                                          else "")
    return Examples(images, labels, classes, is_test, description)


class IdxSource(Source):
    """source = "idx": images and labels (and a test pair, and an EMNIST mapping) as IDX files."""

    def read(self, ctx, files):
        with progress_task(ctx, "reading IDX files", None):
            return read_idx(self.options, self.dataset.classes, files)
