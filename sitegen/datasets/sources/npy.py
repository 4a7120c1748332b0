"""Quick Draw numpy bitmaps: a folder of ``<class>.npy`` (N x 784 uint8), or one ``.npz``."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np

from ...errors import DataError
from ..examples import Examples
from ..progress import progress_task
from . import Source
from .labels import check_labels, class_names

#: Prefix of the files that `gsutil cp gs://quickdraw_dataset/full/numpy_bitmap/*` saves.
QUICKDRAW_PREFIX = "full_numpy_bitmap_"


def _load(path: Path, mmap: bool):
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise DataError(f"not a readable numpy file ({e})", where=path) from None


def _as_images(array: np.ndarray, shape: list[int] | None, path: Path, what: str = "array") -> np.ndarray:
    """N x (h*w*c), N x h x w or N x h x w x c uint8 -> uint8 [N, h, w, c]."""
    if array.dtype != np.uint8:
        raise DataError(f"{what} has dtype {array.dtype}, expected uint8 (Quick Draw bitmaps are N x 784 uint8)",
                        where=path)
    if array.ndim == 2:
        size = array.shape[1]
        if shape is not None:
            h, w, c = shape
            if h * w * c != size:
                raise DataError(f"{what} rows hold {size} values, the declared shape {shape} needs {h * w * c}",
                                where=path)
        else:
            side = math.isqrt(size)
            if side * side != size:
                raise DataError(f"{what} rows hold {size} values, not a square image; declare shape = [h, w, c]",
                                where=path)
            h, w, c = side, side, 1
        return array.reshape(-1, h, w, c)
    if array.ndim in (3, 4):
        images = array if array.ndim == 4 else array[..., np.newaxis]
        if shape is not None and list(images.shape[1:]) != list(shape):
            raise DataError(f"{what} holds images of shape {list(images.shape[1:])}, expected {shape}", where=path)
        if images.shape[3] not in (1, 3):
            raise DataError(f"{what} images have {images.shape[3]} channels, expected 1 or 3", where=path)
        return images
    raise DataError(f"{what} has shape {array.shape}, expected N x 784 (one bitmap per row)", where=path)


def class_of_file(path: Path) -> str:
    stem = path.stem
    return stem[len(QUICKDRAW_PREFIX):] if stem.startswith(QUICKDRAW_PREFIX) else stem


def read_npy_folder(dataset, folder: Path) -> Examples:
    files = sorted((p for p in folder.iterdir() if p.suffix == ".npy" and p.is_file()), key=class_of_file)
    if not files:
        raise DataError("no .npy files in this folder (one <class>.npy per class)", where=folder)
    images, labels, classes = [], [], []
    for index, path in enumerate(files):
        array = _load(path, mmap=True)
        if not isinstance(array, np.ndarray):
            raise DataError("not a .npy array", where=path)
        if dataset.max_per_class is not None:
            array = array[:dataset.max_per_class]
        if len(array) == 0:
            raise DataError(f"class '{class_of_file(path)}' has no examples (empty array)", where=path)
        images.append(_as_images(np.asarray(array), dataset.shape, path))
        if images[-1].shape[1:] != images[0].shape[1:]:
            raise DataError(f"images of shape {list(images[-1].shape[1:])}, but {files[0].name} has "
                            f"{list(images[0].shape[1:])}", where=path)
        labels.append(np.full(len(array), index, dtype=np.int64))
        classes.append(class_of_file(path))
    names = dataset.classes or classes
    if len(names) != len(classes):
        raise DataError(f"{len(classes)} .npy files but the classes option names {len(names)} classes", where=folder)
    return Examples(np.concatenate(images), np.concatenate(labels), list(names), None,
                    f"numpy bitmaps, one file per class, from {folder.name}/")


def read_npz(options, dataset, path: Path) -> Examples:
    with _load(path, mmap=False) as archive:
        keys = set(archive.files)
        if {"x_train", "y_train"} <= keys:
            splits = [("x_train", "y_train")] + ([("x_test", "y_test")] if {"x_test", "y_test"} <= keys else [])
        elif {"x", "y"} <= keys:
            splits = [("x", "y")]
        else:
            raise DataError(f"arrays {sorted(keys)}; expected x and y (or x_train, y_train, x_test, y_test)",
                            where=path)
        image_sets, label_sets = [], []
        for x_key, y_key in splits:
            images = _as_images(archive[x_key], dataset.shape, path, f"array '{x_key}'")
            labels = archive[y_key]
            if labels.ndim != 1 or labels.dtype.kind not in "iu":
                raise DataError(f"array '{y_key}' must be a 1-D integer array, got {labels.dtype} {labels.shape}",
                                where=path)
            if len(labels) != len(images):
                raise DataError(f"{len(images):,} images in '{x_key}' but {len(labels):,} labels in '{y_key}'",
                                where=path)
            image_sets.append(images)
            label_sets.append(labels.astype(np.int64) - options.label_offset)
    if len(image_sets) == 2 and image_sets[0].shape[1:] != image_sets[1].shape[1:]:
        raise DataError("x_train and x_test hold images of different shapes", where=path)
    labels = np.concatenate(label_sets)
    check_labels(labels, options.label_offset, path)
    is_test = None
    if len(image_sets) == 2:
        is_test = np.repeat([False, True], [len(image_sets[0]), len(image_sets[1])])
    images = np.concatenate(image_sets)
    if dataset.max_per_class is not None:
        keep = np.concatenate([np.flatnonzero(labels == k)[:dataset.max_per_class] for k in np.unique(labels)])
        keep.sort()
        images, labels = images[keep], labels[keep]
        is_test = None if is_test is None else is_test[keep]
    return Examples(images, labels, class_names(dataset.classes, None, labels, path), is_test, f"numpy archive {path.name}")


def read_npy(options, dataset, path: Path) -> Examples:
    return read_npy_folder(dataset, path) if path.is_dir() else read_npz(options, dataset, path)


class NpySource(Source):
    """source = "npy": a folder of <class>.npy bitmaps, or one .npz."""

    suffixes = {".npy"}

    def read(self, ctx, files):
        path = files["path"]
        with progress_task(ctx, f"reading {path.name}", None):
            return read_npy(self.options, self.dataset, path)
