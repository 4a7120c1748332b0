"""Cache keys of built data sets: a hash of the options that shape the data and of the
content of every input file.

Hashing file content on every build would read all the data again, so content hashes are
remembered per file together with its size and modification time (like git's index): an
unchanged file is only stat()ed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

#: Bumped when the files a build writes change, so old cache entries are not reused.
BUILDER_VERSION = 1

#: Options that only describe the data set (title, canvas, ...) and do not change its files.
DESCRIPTIVE = {"title", "description", "canvas", "model_configs"}


class FileHashes:
    """sha256 of files, remembered by (size, mtime) in ``<cache>/file-hashes.json``."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}
        self.changed = False

    def sha256(self, file: Path) -> str:
        stat = file.stat()
        key = str(file.resolve())
        entry = self.known.get(key)
        if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return entry[2]
        digest = hashlib.sha256()
        with open(file, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        self.known[key] = [stat.st_size, stat.st_mtime_ns, digest.hexdigest()]
        self.changed = True
        return digest.hexdigest()

    def save(self) -> None:
        if self.changed:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.known), encoding="utf-8")
            os.replace(tmp, self.path)
            self.changed = False


def data_options(config) -> dict:
    """The options that decide the built files, as JSON-ready values."""
    out = {}
    for name in sorted(config.options):
        if name in DESCRIPTIVE:
            continue
        value = getattr(config, name)
        # A path's content is in the inputs; its location may differ between machines.
        out[name] = "<file>" if isinstance(value, Path) else value
    return out


def cache_key(config, inputs: dict[str, str]) -> str:
    """Hex digest over the builder version, the data options and ``inputs`` (name -> content hash)."""
    blob = json.dumps({"version": BUILDER_VERSION, "options": data_options(config), "inputs": inputs},
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
