"""Quick Draw's simplified stroke files: a folder of ``<class>.ndjson``, one drawing per line,
each rendered to the data set's shape the way the data set's numpy bitmaps were
(sitegen/datasets/strokes.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import unquote

import numpy as np

from ...errors import DataError
from ..examples import Examples
from ..progress import progress_task
from ..strokes import ORIGINAL_SIDE, render_strokes
from . import Source

#: Prefix of the files that `gsutil cp gs://quickdraw_dataset/full/simplified/*` saves.
QUICKDRAW_PREFIX = "full_simplified_"
DEFAULT_SHAPE = (28, 28, 1)


def class_of_file(path: Path) -> str:
    """The class a file holds: its name without .ndjson (a download's %20 read as a space)."""
    stem = unquote(path.stem)
    return stem[len(QUICKDRAW_PREFIX):] if stem.startswith(QUICKDRAW_PREFIX) else stem


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def parse_drawing(line: bytes | str) -> tuple[list, bool]:
    """One ndjson line -> (strokes, recognized); ValueError says what is wrong."""
    try:
        record = json.loads(line)
    except ValueError as e:
        raise ValueError(f"not JSON ({e})") from None
    if not isinstance(record, dict) or "drawing" not in record:
        raise ValueError("not a drawing (expected an object with a \"drawing\" key)")
    strokes = record["drawing"]
    if not isinstance(strokes, list) or not strokes:
        raise ValueError("\"drawing\" must be a non-empty list of strokes [[x0, x1, ...], [y0, y1, ...]]")
    for number, stroke in enumerate(strokes, 1):
        if (not isinstance(stroke, list) or len(stroke) != 2 or not all(isinstance(a, list) for a in stroke)
                or len(stroke[0]) != len(stroke[1]) or not stroke[0]
                or not all(_is_number(v) for a in stroke for v in a)):
            extra = " (a raw file's [x, y, t]: use the simplified files)" if isinstance(stroke, list) and \
                len(stroke) == 3 else ""
            raise ValueError(f"stroke {number} is not [[x0, x1, ...], [y0, y1, ...]] of equal, non-zero "
                             f"length{extra}")
        if any(v < 0 or v > ORIGINAL_SIDE - 1 for a in stroke for v in a):
            raise ValueError(f"stroke {number} has coordinates outside 0..{ORIGINAL_SIDE - 1} (simplified "
                             f"drawings are scaled to that box)")
    recognized = record.get("recognized", True)
    if not isinstance(recognized, bool):
        raise ValueError("\"recognized\" must be true or false")
    return strokes, recognized


def read_drawings(lines: Iterable[bytes | str], where: Path | str, limit: int | None,
                  recognized_only: bool) -> Iterator[list]:
    """The strokes of the drawings kept, in file order, reading no line past the last one kept.

    ``lines`` may be a file or any iterator of lines (e.g. a streamed download)."""
    if limit is not None and limit <= 0:
        return
    kept = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            strokes, recognized = parse_drawing(line)
        except ValueError as e:
            raise DataError(f"not a Quick Draw drawing: {e}", where=where, line=number) from None
        if recognized_only and not recognized:
            continue
        yield strokes
        kept += 1
        if limit is not None and kept >= limit:
            return


def split_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines (each with its b"\\n", the last one maybe without) of a body that arrives in
    chunks: a download is read only as far as its lines are wanted."""
    rest = b""
    for chunk in chunks:
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        for line in lines:
            yield line + b"\n"
    if rest:
        yield rest


def read_ndjson_folder(options, dataset, folder: Path) -> Examples:
    files = sorted((p for p in folder.iterdir() if p.suffix == ".ndjson" and p.is_file()), key=class_of_file)
    if not files:
        raise DataError("no .ndjson files in this folder (one <class>.ndjson per class)", where=folder)
    h, w, c = dataset.shape or DEFAULT_SHAPE
    images, labels, classes = [], [], []
    for index, path in enumerate(files):
        with path.open("rb") as lines:
            rendered = [render_strokes(strokes, h, w) for strokes in
                        read_drawings(lines, path, dataset.max_per_class, options.recognized_only)]
        if not rendered:
            which = "recognized drawings (recognized_only = true)" if options.recognized_only else "drawings"
            raise DataError(f"class '{class_of_file(path)}' has no {which}", where=path)
        images.append(np.stack(rendered))
        labels.append(np.full(len(rendered), index, dtype=np.int64))
        classes.append(class_of_file(path))
    names = dataset.classes or classes
    if len(names) != len(classes):
        raise DataError(f"{len(classes)} .ndjson files but the classes option names {len(names)} classes",
                        where=folder)
    pixels = np.concatenate(images)[..., np.newaxis]
    if c == 3:
        pixels = np.repeat(pixels, 3, axis=3)
    return Examples(pixels, np.concatenate(labels), list(names), None,
                    f"Quick Draw strokes rendered to {h}x{w}, one file per class, from {folder.name}/")


class NdjsonSource(Source):
    """source = "ndjson": a folder of Quick Draw <class>.ndjson stroke files."""

    suffixes = {".ndjson"}

    def read(self, ctx, files):
        path = files["path"]
        with progress_task(ctx, f"rendering drawings of {path.name}", None):
            return read_ndjson_folder(self.options, self.dataset, path)
