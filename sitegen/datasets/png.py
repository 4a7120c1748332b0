"""A small, deterministic PNG encoder for sprite shards.

Why not Pillow: the sprite is the one file a reader downloads, so its size matters, and
Pillow picks PNG row filters and its deflate itself. Here the row filters and the deflate
are chosen (and benchmarked in bench/bench_sprite.py), the bytes are the same on every
machine, and the files carry no colour chunks (gAMA, iCCP, sRGB) that could make a browser
convert colours.

Deflate is libdeflate's (the pinned ``deflate`` package): from level 10 on it parses
near-optimally, 5 % smaller than zlib's best on MNIST digits, and it decodes as fast.
"""

from __future__ import annotations

import struct
import zlib

import deflate
import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: PNG colour types by number of channels: grayscale and truecolour, never alpha (a
#: browser may premultiply alpha, which would change pixel values).
COLOR_TYPES = {1: 0, 3: 2}

#: PNG's five row filters (the filter byte that starts each scanline).
FILTER_NONE, FILTER_SUB, FILTER_UP, FILTER_AVERAGE, FILTER_PAETH = range(5)
#: Not a PNG filter type: every row gets the filter whose output has the smallest sum of
#: absolute values (bytes read as signed), the heuristic the PNG specification suggests.
FILTER_ADAPTIVE = -1

#: Chosen with bench/bench_sprite.py. On MNIST digits no filter compresses best whatever the
#: layout (Sub, Up, Paeth and per-row choices are 2-30 % larger: they turn the zero background
#: next to strokes into noise); photos compress about 25 % better with adaptive filters on
#: image rows (sitegen.datasets.format picks the layout per data set).
DEFAULT_FILTER = FILTER_NONE
#: libdeflate level 10: the first near-optimal level. 11 and 12 save under 0.2 % more on
#: MNIST and take 2-4 times as long; 9 is zlib-like (5 % larger).
DEFAULT_LEVEL = 10


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _filtered(pixels: np.ndarray, channels: int, filter_type: int) -> np.ndarray:
    """One PNG filter applied to every row of ``pixels`` (uint8 [rows, bytes]), without the filter byte."""
    if filter_type == FILTER_NONE:
        return pixels
    x = pixels.astype(np.int16)
    # Neighbours as the PNG specification defines them: a left, b above, c above-left; 0 outside.
    a = np.zeros_like(x)
    a[:, channels:] = x[:, :-channels]
    b = np.zeros_like(x)
    b[1:] = x[:-1]
    if filter_type == FILTER_SUB:
        predicted = a
    elif filter_type == FILTER_UP:
        predicted = b
    elif filter_type == FILTER_AVERAGE:
        predicted = (a + b) >> 1
    elif filter_type == FILTER_PAETH:
        c = np.zeros_like(x)
        c[1:, channels:] = x[:-1, :-channels]
        pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
        predicted = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
    else:
        raise ValueError(f"unsupported PNG filter {filter_type}")
    return ((x - predicted) & 0xFF).astype(np.uint8)


def filter_rows(pixels: np.ndarray, channels: int, filter_type: int = DEFAULT_FILTER) -> bytes:
    """PNG scanlines: each row of ``pixels`` (uint8 [rows, width*channels]) with its filter byte."""
    rows, row_bytes = pixels.shape
    out = np.empty((rows, row_bytes + 1), dtype=np.uint8)
    if filter_type == FILTER_ADAPTIVE:
        candidates = np.stack([_filtered(pixels, channels, f) for f in range(5)])
        cost = np.abs(candidates.view(np.int8).astype(np.int32)).sum(axis=2)  # [filter, row]
        best = cost.argmin(axis=0)  # ties go to the lower filter type, so the bytes are deterministic
        out[:, 0] = best
        out[:, 1:] = candidates[best, np.arange(rows)]
    else:
        out[:, 0] = filter_type
        out[:, 1:] = _filtered(pixels, channels, filter_type)
    return out.tobytes()


def encode_png(pixels: np.ndarray, channels: int, level: int = DEFAULT_LEVEL,
               filter_type: int = DEFAULT_FILTER) -> bytes:
    """Encode uint8 ``pixels`` [rows, width*channels] as an 8-bit grayscale (1) or RGB (3) PNG,
    compressed with libdeflate at ``level`` (0-12)."""
    if pixels.dtype != np.uint8 or pixels.ndim != 2:
        raise ValueError("pixels must be a 2-D uint8 array")
    if channels not in COLOR_TYPES:
        raise ValueError(f"a sprite has 1 or 3 channels, not {channels}")
    rows, row_bytes = pixels.shape
    if row_bytes % channels:
        raise ValueError("row length is not a multiple of the channel count")
    width = row_bytes // channels
    header = struct.pack(">IIBBBBB", width, rows, 8, COLOR_TYPES[channels], 0, 0, 0)
    data = bytes(deflate.zlib_compress(filter_rows(pixels, channels, filter_type), level))
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")
