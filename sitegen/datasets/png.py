"""A small, deterministic PNG encoder for sprite shards.

Why not Pillow: the sprite is the one file a reader downloads, so its size matters, and
Pillow picks PNG row filters itself. Here the filter and zlib level are chosen (and
benchmarked in bench/bench_sprite.py), the bytes are the same on every machine, and the
files carry no colour chunks (gAMA, iCCP, sRGB) that could make a browser convert colours.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: PNG colour types by number of channels: grayscale and truecolour, never alpha (a
#: browser may premultiply alpha, which would change pixel values).
COLOR_TYPES = {1: 0, 3: 2}

FILTER_NONE = 0
FILTER_SUB = 1

#: Chosen with bench/bench_sprite.py on MNIST digits. A sprite row is a whole example,
#: so "Up" compares unrelated examples, and "Sub" turns the zero background next to strokes
#: into noise: no filter compresses best (about 20% better than "Sub"). Level 7 already
#: beats gzip's default level on the same pixels as IDX; level 9 saves another 0.7% but
#: takes 8 times as long (over 10 s for 70,000 examples).
DEFAULT_FILTER = FILTER_NONE
DEFAULT_LEVEL = 7


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def filter_rows(pixels: np.ndarray, channels: int, filter_type: int = DEFAULT_FILTER) -> bytes:
    """PNG scanlines: each row of ``pixels`` (uint8 [rows, width*channels]) with its filter byte."""
    rows, row_bytes = pixels.shape
    out = np.empty((rows, row_bytes + 1), dtype=np.uint8)
    out[:, 0] = filter_type
    if filter_type == FILTER_NONE:
        out[:, 1:] = pixels
    elif filter_type == FILTER_SUB:
        # Sub: each byte minus the byte one pixel to its left (mod 256).
        out[:, 1:channels + 1] = pixels[:, :channels]
        np.subtract(pixels[:, channels:], pixels[:, :-channels], out=out[:, channels + 1:], dtype=np.uint8,
                    casting="unsafe")
    else:
        raise ValueError(f"unsupported PNG filter {filter_type}")
    return out.tobytes()


def encode_png(pixels: np.ndarray, channels: int, level: int = DEFAULT_LEVEL,
               filter_type: int = DEFAULT_FILTER) -> bytes:
    """Encode uint8 ``pixels`` [rows, width*channels] as an 8-bit grayscale (1) or RGB (3) PNG."""
    if pixels.dtype != np.uint8 or pixels.ndim != 2:
        raise ValueError("pixels must be a 2-D uint8 array")
    if channels not in COLOR_TYPES:
        raise ValueError(f"a sprite has 1 or 3 channels, not {channels}")
    rows, row_bytes = pixels.shape
    if row_bytes % channels:
        raise ValueError("row length is not a multiple of the channel count")
    width = row_bytes // channels
    header = struct.pack(">IIBBBBB", width, rows, 8, COLOR_TYPES[channels], 0, 0, 0)
    data = zlib.compress(filter_rows(pixels, channels, filter_type), level)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")
