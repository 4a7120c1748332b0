"""``source = "url"``: files of another source kind, downloaded, cached per user by sha256,
pinned in sitegen.lock.

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
from ...config.datasets import download_name
from ...errors import DataError
from ..progress import progress_task
from . import Source

LOCK_NAME = "sitegen.lock"
TIMEOUT_S = 30


class Unavailable(Exception):
    """The data cannot be had right now (offline and not cached); not the author's mistake."""


def downloads_dir() -> Path:
    """Where downloads are kept, shared by every site: SITEGEN_DOWNLOAD_CACHE, else the user cache."""
    explicit = os.environ.get("SITEGEN_DOWNLOAD_CACHE")
    return Path(explicit) if explicit else paths.user_cache_dir() / "downloads"


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


def expected_hashes(options, lock: LockFile) -> list[str | None]:
    """The sha256 each url must have, from sitegen.toml or sitegen.lock (None: not yet known)."""
    declared = options.sha256 or [None] * len(options.url)
    hashes = []
    for url, sha256 in zip(options.url, declared):
        known = sha256 or lock.sha256(url)
        hashes.append(known.lower() if known else None)
    return hashes


def cached_download(url: str, sha256: str) -> Path | None:
    path = downloads_dir() / sha256 / download_name(url)
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
    target = cache / sha256 / download_name(url)
    target.parent.mkdir(exist_ok=True)
    shutil.move(part.name, target)
    if not declared and not locked:
        lock.record(url, sha256, target.stat().st_size)
        ctx.info(f"  recorded sha256 of {download_name(url)} in {lock.path.name}")
    return target


def fetch_all(ctx, options, config_file: Path, lock: LockFile) -> dict[str, Path]:
    """Local files for every url, downloading what the cache lacks: {file name: path}."""
    declared = options.sha256 or [None] * len(options.url)
    files = {}
    for url, want, known in zip(options.url, declared, expected_hashes(options, lock)):
        path = cached_download(url, known) if known else None
        if path is not None and hashlib.sha256(path.read_bytes()).hexdigest() != known:
            path = None  # damaged in the cache: fetch again
        files[download_name(url)] = path or download(ctx, url, config_file, lock, want)
    return files


def npy_folder(fetched: dict[str, Path]) -> Path:
    """One folder of ``<class>.npy`` links to downloads that each live in a folder of their own."""
    key = hashlib.sha256("\n".join(sorted(str(p) for p in fetched.values())).encode()).hexdigest()[:16]
    folder = downloads_dir() / "sets" / key
    folder.mkdir(parents=True, exist_ok=True)
    for path in fetched.values():
        link = folder / path.name
        if not link.exists():
            link.symlink_to(path)
    return folder


class UrlSource(Source):
    """Downloads the files of its format's source kind, then lets that kind read them."""

    def __init__(self, dataset, options):
        super().__init__(dataset, options)
        from . import source_for

        #: the source kind of the downloads; its file options name downloaded files
        self.format_source = source_for(dataset, options.variant)
        self.fetched: dict[str, Path] | None = None

    def lock(self, ctx) -> LockFile:
        return LockFile(ctx.config.site_dir / LOCK_NAME)

    def inputs(self, ctx, hashes):
        """The sha256 of every url: declared or locked; on a first build, known once downloaded."""
        lock = self.lock(ctx)
        if None in expected_hashes(self.options, lock):
            self.fetched = fetch_all(ctx, self.options, ctx.config.file, lock)
        return dict(zip(self.options.url, expected_hashes(self.options, lock)))

    def files(self, ctx):
        """Download what the cache lacks, then map the format's file options onto the downloads."""
        fetched = self.fetched or fetch_all(ctx, self.options, ctx.config.file, self.lock(ctx))
        named = self.format_source.options.file_options()
        if named:
            return {key: fetched[name] for key, name in named.items()}
        if self.options.format == "npz":
            return {"path": next(iter(fetched.values()))}
        return {"path": npy_folder(fetched)}

    def read(self, ctx, files):
        return self.format_source.read(ctx, files)
