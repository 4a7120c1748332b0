"""Downloads for ``source = "url"``: cached per user by sha256, pinned in sitegen.lock.

A download lives in ``<user cache>/sitegen/downloads/<sha256>/<file name>``. Its hash comes
from sitegen.toml (``sha256``) or, when none is declared, is recorded in ``sitegen.lock``
(next to sitegen.toml) on the first download; any later download that differs fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from ... import paths
from ...errors import DataError
from ..progress import progress_task

LOCK_NAME = "sitegen.lock"
TIMEOUT_S = 30


class Unavailable(Exception):
    """The data cannot be had right now (offline and not cached); not the author's mistake."""


def downloads_dir() -> Path:
    """Where downloads are kept, shared by every site: SITEGEN_DOWNLOAD_CACHE, else the user cache."""
    explicit = os.environ.get("SITEGEN_DOWNLOAD_CACHE")
    return Path(explicit) if explicit else paths.user_cache_dir() / "downloads"


def file_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


class LockFile:
    """``sitegen.lock``: {"downloads": {url: {"sha256": ..., "bytes": ...}}}."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except ValueError as e:
            raise DataError(f"not valid JSON ({e}); delete it to record the download hashes again", where=path) \
                from None
        self.data.setdefault("downloads", {})

    def sha256(self, url: str) -> str | None:
        entry = self.data["downloads"].get(url)
        return entry["sha256"] if entry else None

    def record(self, url: str, sha256: str, size: int) -> None:
        self.data["downloads"][url] = {"sha256": sha256, "bytes": size}
        self.path.write_text(json.dumps(self.data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def expected_hashes(config, lock: LockFile) -> list[str | None]:
    """The sha256 each url must have, from sitegen.toml or sitegen.lock (None: not yet known)."""
    declared = config.sha256 or [None] * len(config.url)
    hashes = []
    for url, sha256 in zip(config.url, declared):
        known = sha256 or lock.sha256(url)
        hashes.append(known.lower() if known else None)
    return hashes


def cached_download(url: str, sha256: str) -> Path | None:
    path = downloads_dir() / sha256 / file_name(url)
    return path if path.is_file() else None


def download(ctx, url: str, config_file: Path, lock: LockFile, declared: str | None) -> Path:
    """Fetch ``url`` into the user cache, check or record its hash, return the file."""
    cache = downloads_dir()
    cache.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=cache, delete=False, suffix=".part") as part:
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "sitegen"})
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                total = int(response.headers.get("Content-Length") or 0) or None
                with progress_task(ctx, f"downloading {url}", total, in_bytes=True) as advance:
                    while chunk := response.read(1 << 20):
                        part.write(chunk)
                        digest.update(chunk)
                        advance(len(chunk))
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            part.close()
            os.unlink(part.name)
            reason = getattr(e, "reason", e)
            raise Unavailable(f"could not download {url} ({reason}) and it is not in the download cache "
                              f"({cache})") from None
    sha256 = digest.hexdigest()
    locked = lock.sha256(url)
    if (declared or locked) and sha256 != (declared or locked).lower():
        os.unlink(part.name)
        origin = config_file if declared else lock.path
        raise DataError(f"download of {url} has sha256 {sha256}, expected {(declared or locked).lower()}",
                        where=origin)
    target = cache / sha256 / file_name(url)
    target.parent.mkdir(exist_ok=True)
    shutil.move(part.name, target)
    if not declared and not locked:
        lock.record(url, sha256, target.stat().st_size)
        ctx.info(f"  recorded sha256 of {file_name(url)} in {lock.path.name}")
    return target


def fetch_all(ctx, config, config_file: Path, lock: LockFile) -> dict[str, Path]:
    """Local files for every url, downloading what the cache lacks: {file name: path}."""
    declared = config.sha256 or [None] * len(config.url)
    files = {}
    for url, want, known in zip(config.url, declared, expected_hashes(config, lock)):
        path = cached_download(url, known) if known else None
        if path is not None and hashlib.sha256(path.read_bytes()).hexdigest() != known:
            path = None  # damaged in the cache: fetch again
        files[file_name(url)] = path or download(ctx, url, config_file, lock, want)
    return files
