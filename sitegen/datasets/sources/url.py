"""``source = "url"``: files of another source kind, downloaded, cached per user by sha256,
pinned in sitegen.lock; of an archive only the members used, of an ``.npy`` only the rows kept,
of an ``.ndjson`` only the lines up to the last drawing kept.

What a url source reads comes in `Part`s: a whole download, a member of an archive (the
file options name it by its path inside the archive), the first rows of an ``.npy`` file
(with ``max_per_class`` / ``max_examples``) or of an IDX file or member (``max_examples``,
when the data set has no test files), or the lines of an ``.ndjson`` file that hold its
first ``max_per_class`` (recognized) drawings, read as they arrive and the download stopped
there. All HTTP goes through sources/http.py. Each part lives in the download cache as
``<user cache>/sitegen/downloads/<sha256>/<file name>``; its hash comes from sitegen.toml
(``sha256``, which pins a whole file) or from ``sitegen.lock`` (next to sitegen.toml),
where the first fetch records it once the format's reader has accepted the files (a page of
HTML or a file cut short is never cached nor locked); any later fetch that differs fails.

When the server supports Range requests, a zip member costs the archive's directory plus
the member (of a gzipped IDX member, only its start up to the rows kept), and ``.npy`` rows
cost the header plus the rows (sources/remote.py). When it
does not, the whole file is downloaded once into the cache, the build log says so, and the
parts are cut from it there.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

from ... import paths
from ...artifacts import file_chunks, file_sha256
from ...config.datasets import download_name, is_archive
from ...errors import DataError
from ..progress import progress_task
from . import Source
from .idx import idx_first_rows
from .http import Client, RangeIgnored, Response, Transfer, Unavailable
from .remote import (CHUNK, fetch_npy_header, npy_first_rows_header, npy_header_length, npy_layout,
                     open_local_archive, open_remote_zip, reading_errors, stream_range)

__all__ = ["Unavailable", "UrlSource", "LockFile", "Part", "downloads_dir"]

LOCK_NAME = "sitegen.lock"
#: unfinished downloads in the cache; one older than a day was left by a build that died
PART_SUFFIX = ".part"
STALE_PART_S = 24 * 3600
#: bytes of a download looked at to check that it is the kind of file it should be
SNIFF_BYTES = 512
#: idx file options, whose files start with IDX magic (when not gzipped)
IDX_ROLES = ("images", "labels", "test_images", "test_labels")


def downloads_dir() -> Path:
    """Where downloads are kept, shared by every site: SITEGEN_DOWNLOAD_CACHE, else the user cache."""
    explicit = os.environ.get("SITEGEN_DOWNLOAD_CACHE")
    return Path(explicit) if explicit else paths.user_cache_dir() / "downloads"


@dataclass(frozen=True)
class Part:
    """One file a url source reads: a whole download, an archive ``member``, the first ``rows``
    rows of an .npy or IDX file (or IDX member), or the lines of an .ndjson file up to its last drawing kept
    (``drawings``: how many, and whether only recognized ones count)."""

    url: str
    member: str | None = None
    rows: int | None = None
    drawings: tuple[int, bool] | None = None

    @property
    def key(self) -> str:
        """Its name in the data set's cache key (a whole download: its url, as before parts)."""
        if self.drawings:
            return f"{self.url}#drawings={self.drawings_label}"
        return self.url + (f"#{self.member}" if self.member else "") + (f"#rows={self.rows}" if self.rows else "")

    @property
    def drawings_label(self) -> str:
        """"100" or "100 recognized": the lock's name for a prefix of drawings."""
        count, recognized_only = self.drawings or (0, False)
        return f"{count} recognized" if recognized_only else str(count)

    @property
    def sliced(self) -> bool:
        """Rows or drawings: a part cut from the file, not the file's own bytes."""
        return bool(self.rows or self.drawings)

    @property
    def name(self) -> str:
        """The file name it is saved under (rows cut from a gzipped IDX file are stored raw)."""
        name = PurePosixPath(self.member).name if self.member else download_name(self.url)
        return name[:-3] if self.rows and name.lower().endswith(".gz") else name

    @property
    def whole(self) -> "Part":
        return Part(self.url)

    def __str__(self) -> str:
        if self.member:
            return (f"the first {self.rows:,} rows of " if self.rows else "") + f"{self.member} of {self.url}"
        if self.drawings:
            return f"the first {self.drawings[0]:,} {'recognized ' if self.drawings[1] else ''}drawings of {self.url}"
        return f"the first {self.rows:,} rows of {self.url}" if self.rows else self.url


class LockFile:
    """``sitegen.lock``: {"downloads": {url: {"sha256", "bytes", "members": {path: {"sha256", "bytes",
    "rows": {...}}}, "rows": {"<count>": {"sha256", "bytes"}}, "drawings": {"<count>[ recognized]": {...}}}}}:
    a whole file's hash, its members', its (or a member's) first rows', the lines up to its last
    drawing kept."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except ValueError as e:
            raise DataError(f"not valid JSON ({e}); delete it to record the download hashes again", where=path) \
                from None
        self.data.setdefault("downloads", {})

    def _entry(self, part: Part, create: bool = False) -> dict | None:
        entry = self.data["downloads"].get(part.url)
        if entry is None:
            if not create:
                return None
            entry = self.data["downloads"][part.url] = {}
        levels = [("members", part.member)] if part.member else []
        if part.sliced:
            levels.append(("rows", str(part.rows)) if part.rows else ("drawings", part.drawings_label))
        for group, name in levels:
            entry = entry.setdefault(group, {}).setdefault(name, {}) if create else entry.get(group, {}).get(name)
            if entry is None:
                return None
        return entry

    def sha256(self, part: Part) -> str | None:
        entry = self._entry(part)
        return entry.get("sha256") if entry else None

    def record(self, part: Part, sha256: str, size: int) -> None:
        self._entry(part, create=True).update({"sha256": sha256, "bytes": size})
        self.path.write_text(json.dumps(self.data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def cached(part: Part, sha256: str | None, verify: bool = True) -> Path | None:
    """The part in the download cache, when it is there (and, with ``verify``, undamaged)."""
    if not sha256:
        return None
    path = downloads_dir() / sha256 / part.name
    if not path.is_file():
        return None
    if verify and file_sha256(path) != sha256:
        return None  # damaged in the cache: fetch again
    return path


def remove_stale_parts(cache: Path) -> None:
    """Remove unfinished downloads older than a day (a younger one may be another build's)."""
    limit = time.time() - STALE_PART_S
    for path in cache.glob("*" + PART_SUFFIX):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass  # removed by another build meanwhile


def file_roles(options) -> dict[str, str]:
    """Download or member name -> what the format's file options use it as ("images", ...)."""
    return {str(name): key for key, name in options.variant.file_options().items()}


def looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<?xml")) or \
        b"<html" in start[:SNIFF_BYTES]


def check_format(part: Part, role: str | None, head: bytes) -> None:
    """Refuse a download that is not the kind of file it should be, by its first bytes: most
    often an HTML error page sent with status 200. Checked before the file is cached."""
    name = part.name.lower()
    where = part.url
    what = (f"{part.member} of this archive" if part.member else "the file")
    if name.endswith(".zip"):
        if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise DataError("not a readable zip archive (File is not a zip file)", where=where)
        return
    found = ("the server sent an HTML page, not the file (is the url right?)" if looks_like_html(head)
             else f"{what} starts with {head[:8]!r}")
    kinds = ((".npz", (b"PK\x03\x04", b"PK\x05\x06"), "an .npz file (a zip archive)"),
             (".npy", (b"\x93NUMPY",), "a .npy file"),
             (".gz", (b"\x1f\x8b",), "a gzip file"), (".tgz", (b"\x1f\x8b",), "a gzip file"),
             (".bz2", (b"BZh",), "a bzip2 file"), (".xz", (b"\xfd7zXZ\x00",), "an xz file"))
    for suffix, magic, kind in kinds:
        if name.endswith(suffix):
            if not head.startswith(magic):
                raise DataError(f"not {kind}: {found}", where=where)
            return
    if name.endswith(".tar"):
        if head[257:262] != b"ustar":
            raise DataError(f"not a tar archive: {found}", where=where)
    elif name.endswith(".ndjson"):
        if looks_like_html(head) or not head.lstrip().startswith(b"{"):
            raise DataError(f"not an ndjson file of drawings (one JSON object per line): {found}", where=where)
    elif role in IDX_ROLES:
        if not (len(head) >= 4 and head[:2] == b"\0\0" and head[2] in (8, 9, 11, 12, 13, 14) and 1 <= head[3] <= 4):
            raise DataError(f"not an IDX file (MNIST's format, raw or .gz): {found}", where=where)
    elif looks_like_html(head):
        raise DataError(found, where=where)


class Fetcher:
    """Brings a url source's parts into the download cache, checking hashes. The hash of a part
    that is neither declared nor locked is held back (`recorded`) until the format's reader has
    accepted the files: `commit` writes it to sitegen.lock, `discard` forgets the downloads."""

    def __init__(self, ctx, options, lock: LockFile):
        self.ctx = ctx
        self.options = options
        self.lock = lock
        self.transfer = Transfer()
        self.client = Client(options.download_timeout, self.transfer)
        self.declared = options.declared_sha256
        self.local: dict[Part, Path] = {}
        #: parts fetched whose hash was not known: part -> (sha256, bytes), not locked yet
        self.recorded: dict[Part, tuple[str, int]] = {}
        self.pending: list[Part] = []
        self.roles = file_roles(options)

    def expected(self, part: Part) -> str | None:
        """The sha256 the part must have: declared (whole files), locked, fetched by this build
        (not locked yet), or None: not known yet."""
        known = (self.declared.get(part.url) if part == part.whole else None) or self.lock.sha256(part)
        if not known and part in self.recorded:
            known = self.recorded[part][0]
        return known.lower() if known else None

    def get(self, part: Part) -> Path:
        """The part's file, from the cache or fetched."""
        if part not in self.local:
            path = cached(part, self.expected(part))
            if path is None:
                if part.member:
                    self.fetch_members(part.url, [p for p in self.pending if p.url == part.url and p.member])
                    path = self.local[part]
                elif part.rows and part.name.lower().endswith(".npy"):
                    path = self.fetch_rows(part)
                elif part.rows:
                    path = self.fetch_idx_rows(part)
                elif part.drawings:
                    path = self.fetch_drawings(part)
                else:
                    path = self.download(part)
            self.local[part] = path
        return self.local[part]

    def get_all(self, parts: list[Part]) -> dict[Part, Path]:
        self.pending = parts
        try:
            return {part: self.get(part) for part in parts}
        except BaseException:
            self.discard()
            raise
        finally:
            self.client.close()

    def commit(self) -> None:
        """Lock the hashes of the parts fetched: the format's reader has accepted them."""
        for part, (sha256, size) in self.recorded.items():
            self.lock.record(part, sha256, size)
            which = (f" (first {part.rows:,} rows)" if part.rows else
                     f" (first {part.drawings_label} drawings)" if part.drawings else "")
            self.ctx.info(f"  recorded sha256 of {part.member or part.name}{which} in {self.lock.path.name}")
        self.recorded.clear()

    def discard(self) -> None:
        """Forget the parts fetched whose hash is not locked: they are removed from the cache."""
        for part, (sha256, _) in self.recorded.items():
            path = downloads_dir() / sha256 / part.name
            path.unlink(missing_ok=True)
            try:
                path.parent.rmdir()
            except OSError:
                pass  # other files of the same bytes, or already gone
            self.local.pop(part, None)
        self.recorded.clear()

    # --- storing -------------------------------------------------------------------------

    def store(self, part: Part, chunks: Iterable[bytes], total: int | None, what: str) -> Path:
        """Write ``chunks`` into the cache as ``part``: check its format and the hash it must
        have. Nothing is left behind when anything fails (or the build is interrupted)."""
        cache = downloads_dir()
        cache.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(cache)
        digest = hashlib.sha256()
        size = 0
        head = b""
        role = None if part.rows else self.roles.get(part.member or part.name)
        fd, temporary = tempfile.mkstemp(dir=cache, prefix="download-", suffix=PART_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as out, progress_task(self.ctx, what, total, in_bytes=True) as advance:
                for chunk in chunks:
                    if len(head) < SNIFF_BYTES and not part.sliced:
                        head += chunk[:SNIFF_BYTES - len(head)]
                        if len(head) >= SNIFF_BYTES:
                            check_format(part, role, head)
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    advance(len(chunk))
            if len(head) < SNIFF_BYTES and not part.sliced:
                check_format(part, role, head)
            sha256 = digest.hexdigest()
            expected = self.expected(part)
            if expected and sha256 != expected:
                raise self.mismatch(part, sha256, expected)
            target = cache / sha256 / part.name
            target.parent.mkdir(exist_ok=True)
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        if not expected:
            self.recorded[part] = (sha256, size)
        self.local[part] = target
        return target

    def mismatch(self, part: Part, sha256: str, expected: str) -> DataError:
        if part == part.whole and self.declared.get(part.url):
            return DataError(f"download of {part} has sha256 {sha256}, expected {expected}",
                             where=self.ctx.config.file)
        name = self.lock.path.name
        return DataError(f"download of {part} has sha256 {sha256} (the file downloaded now), expected {expected} "
                         f"(recorded in {name} by an earlier download); if the file changed on the server on "
                         f"purpose, delete its entry from {name} and build again", where=self.lock.path)

    # --- whole files ---------------------------------------------------------------------

    def download(self, part: Part) -> Path:
        """Fetch a whole file (no Range)."""
        response = self.client.get(part.url, self.client.deadline(part.url))
        return self.save_whole(part, response)

    def save_whole(self, part: Part, response: Response) -> Path:
        try:
            path = self.store(part.whole, response.chunks(), response.length, f"downloading {part.url}")
        finally:
            response.close()
        self.transfer.full += path.stat().st_size
        return path

    def whole_on_disk(self, url: str) -> Path | None:
        return self.local.get(Part(url)) or cached(Part(url), self.expected(Part(url)))

    def ignored_range(self, url: str, ignored: RangeIgnored) -> Path:
        """The server sent the whole file to a Range request: keep it (said in the log)."""
        size = f" ({human_bytes(ignored.total)})" if ignored.total else ""
        self.ctx.info(f"  {url}: the server ignores Range requests, so the whole file{size} is downloaded once "
                      f"into the download cache")
        return self.save_whole(Part(url), ignored.response)

    # --- archive members -----------------------------------------------------------------

    def fetch_members(self, url: str, parts: list[Part]) -> None:
        """Bring every named member (or its first rows) of the archive at ``url`` into the
        cache: by Range requests for a zip whose server allows them, else from the whole
        archive, downloaded once."""
        parts = [p for p in dict.fromkeys(parts) if cached(p, self.expected(p)) is None]
        with self.archive(url) as archive:
            archive.check([part.member for part in parts])
            for part in parts:
                chunks = archive.read_member(part.member)
                if part.rows:
                    self.store(part, idx_first_rows(chunks, part.rows, str(part)), None, f"reading {part}")
                else:
                    self.store(part, chunks, None, f"reading {part.member} from {download_name(url)}")

    @contextlib.contextmanager
    def archive(self, url: str):
        """The archive at ``url``: read remotely (a zip, by Range requests), else downloaded
        whole into the cache once (or found there) and read from disk."""
        local = self.whole_on_disk(url)
        if local is None and download_name(url).lower().endswith(".zip") and not self.declared.get(url):
            try:
                remote = open_remote_zip(self.client, url, self.client.deadline(url))
            except RangeIgnored as ignored:
                local = self.ignored_range(url, ignored)
            else:
                try:
                    yield remote
                except reading_errors() as e:
                    raise Unavailable(f"could not download {url} ({e})") from None
                finally:
                    remote.close()
                return
        if local is None:
            local = self.download(Part(url))
        archive = open_local_archive(local, url)
        try:
            yield archive
        finally:
            archive.close()

    # --- IDX rows ------------------------------------------------------------------------

    def fetch_idx_rows(self, part: Part) -> Path:
        """The first rows of an IDX file (raw or gzipped): its start, read as it arrives (or from
        the whole file, when it is on disk), the download stopped after the rows kept."""
        return self.store(part, idx_first_rows(self.whole_chunks(part.url), part.rows, part.url), None,
                          f"fetching {part}")

    # --- .npy rows -----------------------------------------------------------------------

    def fetch_rows(self, part: Part) -> Path:
        """The first ``part.rows`` rows of an .npy: its header and those rows by Range requests,
        else cut from the whole file (downloaded once when the server ignores Range)."""
        local = self.whole_on_disk(part.url)
        if local is None:
            deadline = self.client.deadline(part.url)
            try:
                layout, head, total = fetch_npy_header(self.client, part.url, deadline)
            except RangeIgnored as ignored:
                local = self.ignored_range(part.url, ignored)
            else:
                header = layout and layout.rows > part.rows and npy_first_rows_header(layout, part.rows)
                if not header:  # all rows are kept, or they cannot be cut by bytes: the whole file
                    return self.alias_whole(part, self.download(part.whole))
                self.transfer.full += total or 0
                end = layout.offset + part.rows * layout.row_bytes  # exclusive
                first = head[layout.offset:end]  # rows that came with the header
                rest = stream_range(self.client, part.url, len(head), end - 1, deadline) if end > len(head) else ()
                return self.store(part, itertools.chain([header, first], rest), end, f"fetching {part}")
        return self.cut_rows(part, local)

    # --- .ndjson drawings ---------------------------------------------------------------

    def fetch_drawings(self, part: Part) -> Path:
        """The lines of an .ndjson file up to its last drawing kept: read as they arrive (or
        from the whole file, when it is on disk), the download stopped there."""
        from .ndjson import read_drawings, split_lines

        count, recognized_only = part.drawings
        kept: list[bytes] = []
        with progress_task(self.ctx, f"fetching {part}", None, in_bytes=True) as advance:
            chunks = self.whole_chunks(part.url)

            def recorded():
                for line in split_lines(chunks):
                    kept.append(line)
                    advance(len(line))
                    yield line
            try:
                for _ in read_drawings(recorded(), part.url, count, recognized_only):
                    pass
            finally:
                chunks.close()
        return self.store(part, kept, sum(map(len, kept)), f"keeping {part}")

    def whole_chunks(self, url: str) -> Iterator[bytes]:
        """A whole file's bytes in chunks, as they arrive (or from the cache, when it is on
        disk): closing the iterator early stops the download there."""
        local = self.whole_on_disk(url)
        if local is not None:
            return file_chunks(local, CHUNK)
        response = self.client.get(url, self.client.deadline(url))
        self.transfer.full += response.length or 0
        return response.chunks()

    def cut_rows(self, part: Part, whole: Path) -> Path:
        """The first rows of a local .npy, byte for byte what Range requests give."""
        with open(whole, "rb") as f:
            head = f.read(4096)
            length = npy_header_length(head, str(whole))
            f.seek(0)
            layout = npy_layout(f.read(length), str(whole))
            header = layout and layout.rows > part.rows and npy_first_rows_header(layout, part.rows)
            if not header:
                return self.alias_whole(part, whole)
            f.seek(layout.offset)
            remaining = part.rows * layout.row_bytes

            def chunks():
                nonlocal remaining
                yield header
                while remaining:
                    chunk = f.read(min(CHUNK, remaining))
                    if not chunk:
                        raise DataError(f"truncated .npy file (fewer than {part.rows:,} rows)", where=whole)
                    remaining -= len(chunk)
                    yield chunk
            return self.store(part, chunks(), None, f"cutting {part}")

    def alias_whole(self, part: Part, whole: Path) -> Path:
        """When the rows kept are all the rows: the part is the whole file."""
        return self.store(part, file_chunks(whole, CHUNK), whole.stat().st_size, f"reading {whole.name}")


def npy_folder(files: list[Path]) -> Path:
    """One folder of ``<class>.npy`` links to downloads that each live in a folder of their own."""
    key = hashlib.sha256("\n".join(sorted(str(p) for p in files)).encode()).hexdigest()[:16]
    folder = downloads_dir() / "sets" / key
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        link = folder / path.name
        if not link.exists():
            link.symlink_to(path)
    return folder


def human_bytes(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size} bytes"


class UrlSource(Source):
    """Fetches the parts its format's source kind reads, then lets that kind read them."""

    def __init__(self, dataset, options):
        super().__init__(dataset, options)
        from . import source_for

        #: the source kind of the downloads; its file options name downloaded files or archive members
        self.format_source = source_for(dataset, options.variant)
        self.fetched: dict[Part, Path] | None = None
        #: what the format's reader made of a first download (read before its hashes are locked)
        self.examples = None

    def lock(self, ctx) -> LockFile:
        return LockFile(ctx.config.site_dir / LOCK_NAME)

    def rows_kept(self) -> int | None:
        """How many rows of each .npy file are read: the first ``max_per_class``, or with only
        ``max_examples`` an equal share of it per file (then subsampled as usual). Of IDX files
        without test files, the first ``max_examples`` (with test files, or by class, the rows
        kept depend on every label: the files are read whole)."""
        if self.options.format == "idx":
            whole = self.options.variant.test_images is not None or self.dataset.max_per_class is not None
            return None if whole else self.dataset.max_examples
        if self.options.format != "npy":
            return None
        limits = [self.dataset.max_per_class]
        if self.dataset.max_examples is not None:
            limits.append(math.ceil(self.dataset.max_examples / len(self.options.url)))
        limits = [n for n in limits if n is not None]
        return min(limits) if limits else None

    def parts(self) -> list[Part]:
        members = self.options.members
        rows = self.rows_kept()
        drawings = ((self.dataset.max_per_class, self.options.variant.recognized_only)
                    if self.options.format == "ndjson" and self.dataset.max_per_class else None)
        declared = self.options.declared_sha256
        roles = file_roles(self.options)
        parts = []
        for url in self.options.url:
            name = download_name(url)
            if is_archive(name) and members:
                parts += [Part(url, member, rows=rows if roles.get(member) in IDX_ROLES else None)
                          for member in members]
            elif rows and self.options.format == "idx" and roles.get(name) in IDX_ROLES and not declared[url]:
                parts.append(Part(url, rows=rows))
            elif rows and name.lower().endswith(".npy") and not declared[url]:
                parts.append(Part(url, rows=rows))
            elif drawings and name.lower().endswith(".ndjson") and not declared[url]:
                parts.append(Part(url, drawings=drawings))
            else:
                parts.append(Part(url))
        return parts

    def fetch(self, ctx) -> dict[Part, Path]:
        fetcher = self.fetcher = Fetcher(ctx, self.options, self.lock(ctx))
        try:
            fetched = fetcher.get_all(self.parts())
        except Unavailable as e:
            raise Unavailable(f"{e} and it is not in the download cache ({downloads_dir()})") from None
        moved = fetcher.transfer
        if moved.fetched:
            how = "with Range requests" if moved.ranged else "in whole files"
            share = f" of {human_bytes(moved.full)} ({moved.fetched / moved.full:.1%})" if moved.full else ""
            ctx.info(f"  {self.dataset.name}: fetched {human_bytes(moved.fetched)}{share} {how}")
        self.transfer = moved
        return fetched

    def inputs(self, ctx, hashes):
        """The sha256 of every part: declared or locked; on a first build, known once fetched."""
        lock = self.lock(ctx)
        parts = self.parts()
        probe = Fetcher(ctx, self.options, lock)
        if any(probe.expected(part) is None for part in parts):
            self.fetched = self.fetch(ctx)
            probe = self.fetcher
            if probe.recorded:
                # Lock nothing that the format's reader rejects (a page of HTML, a file cut short).
                try:
                    self.examples = self.format_source.read(ctx, self.files(ctx))
                except BaseException:
                    probe.discard()
                    self.fetched = None
                    raise
                hashes = {part.key: probe.expected(part) for part in parts}
                probe.commit()
                return hashes
        return {part.key: probe.expected(part) for part in parts}

    def files(self, ctx):
        """Fetch what the cache lacks, then map the format's file options onto the parts."""
        fetched = self.fetched or self.fetch(ctx)
        by_name = {part.member or download_name(part.url): path for part, path in fetched.items()}
        named = self.format_source.options.file_options()
        if named:
            return {key: by_name[str(name)] for key, name in named.items()}
        if self.options.format == "npz":
            return {"path": next(iter(fetched.values()))}
        return {"path": npy_folder(list(fetched.values()))}

    def read(self, ctx, files):
        if self.examples is not None:
            examples, self.examples = self.examples, None
            return examples
        return self.format_source.read(ctx, files)
