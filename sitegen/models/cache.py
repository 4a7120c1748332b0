"""Cache keys for built models: a hash of everything that changes the converted files.

Computed from bytes and versions only (no TensorFlow import), so a build where nothing
changed finds its models without starting TensorFlow.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

from .runtime import package_versions

#: bump when the files sitegen writes for a model change shape
MODEL_FORMAT_VERSION = 1
#: the part of the key in a cache folder's name
KEY_LENGTH = 16


def _hash_path(digest, path: Path) -> None:
    """Feed a file, or every file under a folder (with relative names), into ``digest``."""
    path = Path(path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update(str(file.relative_to(path) if file != path else file.name).encode())
        digest.update(b"\0")
        with open(file, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")


def model_cache_key(config, manifest: dict) -> str:
    """Hex sha256 of data set manifest (with its shard sha256s) + spec file(s) + training options."""
    digest = hashlib.sha256()
    options = {
        "format": MODEL_FORMAT_VERSION,
        "name": config.name,
        "source": config.source,
        "builder_function": config.builder_function,
        "epochs": config.epochs, "batch_size": config.batch_size, "optimizer": config.optimizer,
        "learning_rate": config.learning_rate, "validation_split": config.validation_split, "seed": config.seed,
        "quantize": config.quantize,
        "versions": package_versions(),
    }
    digest.update(json.dumps(options, sort_keys=True).encode())
    digest.update(json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode())
    spec = {"layers": config.layers, "builder": config.builder_path, "load": config.load}[config.source]
    _hash_path(digest, spec)
    return digest.hexdigest()


def cache_folder(cache_dir: Path, name: str, key: str) -> Path:
    return Path(cache_dir) / "models" / f"{name}-{key[:KEY_LENGTH]}"


def remove_stale(cache_dir: Path, name: str, keep: Path) -> None:
    """Drop this model's older cache folders: only the current one can be used again."""
    root = Path(cache_dir) / "models"
    for old in root.glob(f"{name}-*"):
        suffix = old.name[len(name) + 1:]
        # "mnist-*" also matches model "mnist-conv": only a bare key suffix is ours
        if old != keep and old.is_dir() and re.fullmatch(r"[0-9a-f]{%d}(\.partial)?" % KEY_LENGTH, suffix):
            shutil.rmtree(old, ignore_errors=True)
