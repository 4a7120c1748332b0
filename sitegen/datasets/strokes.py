"""Quick Draw drawings (lists of strokes) -> grayscale bitmaps, as the data set's own
``numpy_bitmap`` files were rendered.

The published recipe (quickdraw-dataset issue #19): a simplified drawing lives in a
256 x 256 box, aligned to the top-left and scaled so its longest side is 255. It is centred
in that box by half the space its bounding box leaves, padded by 16 on each side plus half
a line, so the 304-unit square (256 + 2 * 16 + 16) maps onto the output, and stroked with
cairo: a line 16 units wide, round caps and joins, anti-aliased, white on black. Strokes are
drawn one after the other, each over what is already there.

Here each pixel's coverage by one stroke is measured on a grid of SUBSAMPLES x SUBSAMPLES
points (a point is covered when it lies within half a line of the stroke's polyline), then
the stroke is composited the way cairo/pixman does it in 8 bits: ``v = m + m'(v)`` with
``m'(v) = v * (255 - m) / 255`` rounded as pixman's MUL_UN8. Only IEEE double arithmetic
in a fixed order and integer arithmetic are used, so sitegen/js/lib/strokes.js, which
repeats every step, gives the same bytes.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

#: the box simplified drawings live in
ORIGINAL_SIDE = 256
#: line width and padding of the published renders, in units of that box
LINE_DIAMETER = 16
PADDING = 16
#: padding on both sides plus one line width: the 304-unit square mapped onto the output
TOTAL_PADDING = 2 * PADDING + LINE_DIAMETER
#: coverage samples per pixel along each axis (16 x 16 = 256: one 8-bit level per sample)
SUBSAMPLES = 16

#: one stroke: ([x0, x1, ...], [y0, y1, ...])
Stroke = Sequence[Sequence[float]]


def _mul_un8(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a * b / 255 rounded, as pixman computes it on 8-bit channels."""
    t = a * b + 128
    return ((t >> 8) + t) >> 8


def sample_step(size: int) -> float:
    """The distance between coverage samples along an axis of ``size`` pixels, in box units."""
    return (ORIGINAL_SIDE + TOTAL_PADDING) / (SUBSAMPLES * size)


def sample_positions(size: int) -> np.ndarray:
    """The centres of the coverage samples along one axis of ``size`` pixels, in box units
    (the 24-unit translation of the padding included)."""
    return (np.arange(size * SUBSAMPLES, dtype=np.float64) + 0.5) * sample_step(size)


def centred(strokes: Sequence[Stroke]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each stroke's points in box units: centred by its bounding box's largest x and y (the
    drawings start at 0) and moved by the padding."""
    xs = [np.asarray(s[0], dtype=np.float64) for s in strokes]
    ys = [np.asarray(s[1], dtype=np.float64) for s in strokes]
    offset_x = (ORIGINAL_SIDE - max(float(x.max()) for x in xs)) / 2
    offset_y = (ORIGINAL_SIDE - max(float(y.max()) for y in ys)) / 2
    shift = TOTAL_PADDING / 2
    return [((x + offset_x) + shift, (y + offset_y) + shift) for x, y in zip(xs, ys)]


def _sample_range(lo: float, hi: float, step: float, count: int) -> tuple[int, int]:
    """Indices [start, stop) of the samples that may lie within [lo, hi] (one spare each side:
    the exact distance test decides)."""
    start = max(0, math.floor(lo / step - 0.5) - 1)
    stop = min(count, math.ceil(hi / step - 0.5) + 2)
    return start, max(start, stop)


def render_strokes(strokes: Sequence[Stroke], height: int = 28, width: int = 28) -> np.ndarray:
    """One drawing -> uint8 [height, width]: ink 255 on 0, anti-aliased."""
    image = np.zeros((height, width), dtype=np.int64)
    strokes = [s for s in strokes if len(s[0])]
    if not strokes:
        return image.astype(np.uint8)
    n = SUBSAMPLES
    px, py = sample_positions(width), sample_positions(height)
    step_x, step_y = sample_step(width), sample_step(height)
    radius = LINE_DIAMETER / 2
    limit = radius * radius
    for x_array, y_array in centred(strokes):
        x, y = x_array.tolist(), y_array.tolist()  # Python floats: the same doubles, faster one by one
        # the pixels the stroke can touch, whole, so its samples sum per pixel
        x0, x1 = _sample_range(min(x) - radius, max(x) + radius, step_x, len(px))
        y0, y1 = _sample_range(min(y) - radius, max(y) + radius, step_y, len(py))
        x0, y0 = x0 // n * n, y0 // n * n
        x1, y1 = -(-x1 // n) * n, -(-y1 // n) * n
        covered = np.zeros((y1 - y0, x1 - x0), dtype=bool)
        # a lone point is a dot: a segment from the point to itself
        ends = [(0, 0)] if len(x) == 1 else [(i, i + 1) for i in range(len(x) - 1)]
        for i, j in ends:
            ax, ay, bx, by = x[i], y[i], x[j], y[j]
            sx0, sx1 = _sample_range(min(ax, bx) - radius, max(ax, bx) + radius, step_x, len(px))
            sy0, sy1 = _sample_range(min(ay, by) - radius, max(ay, by) + radius, step_y, len(py))
            if sx0 >= sx1 or sy0 >= sy1:
                continue
            qx = px[sx0:sx1][np.newaxis, :]
            qy = py[sy0:sy1][:, np.newaxis]
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            if length2 > 0:
                t = ((qx - ax) * dx + (qy - ay) * dy) / length2
                t = np.minimum(np.maximum(t, 0.0), 1.0)
            else:
                t = np.zeros((1, 1))
            ex = qx - (ax + t * dx)
            ey = qy - (ay + t * dy)
            covered[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] |= ex * ex + ey * ey <= limit
        counts = covered.reshape((y1 - y0) // n, n, (x1 - x0) // n, n).sum(axis=(1, 3), dtype=np.int64)
        mask = (counts * 255 + n * n // 2) // (n * n)
        region = image[y0 // n:y1 // n, x0 // n:x1 // n]
        image[y0 // n:y1 // n, x0 // n:x1 // n] = mask + _mul_un8(region, 255 - mask)
    return image.astype(np.uint8)
