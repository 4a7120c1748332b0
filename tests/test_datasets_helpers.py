"""Helpers for the data set tests: raw files written by the tests, and builds of scratch sites."""

from __future__ import annotations

import gzip
import io
import struct
from pathlib import Path

import numpy as np
from rich.console import Console

from sitegen.config import load_config
from sitegen.context import BuildContext


def idx_images(images: np.ndarray) -> bytes:
    n, h, w = images.shape
    return struct.pack(">BBBBIII", 0, 0, 8, 3, n, h, w) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">BBBBI", 0, 0, 8, 1, len(labels)) + np.asarray(labels, dtype=np.uint8).tobytes()


def numbered_images(n: int, h: int, w: int, seed: int = 0) -> np.ndarray:
    """Random images whose first pixel is the example's number, so each can be found again."""
    images = np.random.default_rng(seed).integers(0, 256, (n, h, w), dtype=np.uint8)
    images[:, 0, 0] = np.arange(n)
    return images


def write_npy_per_class(folder: Path, images: np.ndarray, labels: np.ndarray, classes: list[str],
                        limit: int | None = None) -> None:
    """What an npy source reads: ``<class>.npy`` in ``folder`` for each of ``classes``, its
    images (up to ``limit`` of them) flattened to one row each."""
    folder.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(classes):
        np.save(folder / f"{name}.npy", images[labels == k][:limit].reshape(-1, images[0].size))


def write_site(root: Path, toml: str, files: dict[str, bytes] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "sitegen.toml").write_text('title = "Test"\n' + toml, encoding="utf-8")
    for rel, data in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def context(root: Path) -> BuildContext:
    config, warnings = load_config(root)
    assert not warnings, warnings
    return BuildContext(config=config, cache_dir=root / ".cache", console=Console(file=io.StringIO()),
                        progress=False)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)
