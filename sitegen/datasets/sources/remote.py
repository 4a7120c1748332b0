"""Reading parts of remote files over HTTP: an archive's members, an ``.npy`` file's first rows.

Every request goes through sitegen's one HTTP client (sources/http.py: timeouts, a deadline,
byte counts). A zip archive is opened with `remotezip`, whose fetcher uses that client: one Range request for its
tail (the central directory, within the last 64 KiB), then one per member read. An ``.npy``
file takes two: its header, then exactly the rows kept. When a server answers a Range
request with the whole file (status 200), `RangeIgnored` hands that response on, so the
caller saves it as a full download instead of asking again.

Everything that goes over the network is counted in a `Transfer`, for the build log and the
benchmark. Whole archives already on disk are read with `LocalArchive` (zip or tar).
"""

from __future__ import annotations

import ast
import difflib
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Iterator

import numpy as np

from ...errors import DataError
from .http import CHUNK, Client, Deadline, RangeIgnored, Transfer, Unavailable, range_fetcher

__all__ = ["CHUNK", "RangeIgnored", "Transfer", "Unavailable", "open_remote_zip", "fetch_npy_header",
           "stream_range"]

#: bytes asked for first from an .npy file: its header (Quick Draw's is 128 bytes)
NPY_HEAD = 4096
#: file name endings that mark a url as an archive whose members the file options name
ARCHIVE_SUFFIXES = {".zip": "zip", ".tar": "tar", ".tar.gz": "tar", ".tgz": "tar", ".tar.bz2": "tar",
                    ".tar.xz": "tar"}


def archive_kind(name: str) -> str | None:
    """'zip' or 'tar' when a download's file name marks it as an archive, else None."""
    lower = name.lower()
    return next((kind for suffix, kind in ARCHIVE_SUFFIXES.items() if lower.endswith(suffix)), None)


@dataclass
class NpyLayout:
    """Where an .npy file's rows are: ``offset`` bytes of header, then ``rows`` rows of ``row_bytes``."""

    header: bytes
    shape: tuple[int, ...]
    row_bytes: int

    @property
    def offset(self) -> int:
        return len(self.header)

    @property
    def rows(self) -> int:
        return self.shape[0]


def npy_header_length(head: bytes, where: str) -> int:
    """The byte length of an .npy header (magic, version, length field, the dict)."""
    if head[:6] != b"\x93NUMPY" or len(head) < 12:
        raise DataError(f"not a .npy file (it starts with {head[:8]!r})", where=where)
    if head[6] == 1:
        return 10 + struct.unpack("<H", head[8:10])[0]
    return 12 + struct.unpack("<I", head[8:12])[0]


def npy_layout(header: bytes, where: str) -> NpyLayout | None:
    """The layout of a C-ordered .npy of plain rows; None when its rows cannot be cut by bytes
    (Fortran order, objects, a scalar)."""
    try:
        fields = ast.literal_eval(header[_dict_start(header):].decode("latin1"))
        dtype = np.dtype(fields["descr"])
        shape = tuple(fields["shape"])
    except (ValueError, SyntaxError, KeyError, TypeError) as e:
        raise DataError(f"not a readable .npy header ({e})", where=where) from None
    if fields.get("fortran_order") or dtype.hasobject or not shape:
        return None
    return NpyLayout(header, shape, int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize)


def _dict_start(header: bytes) -> int:
    return 10 if header[6] == 1 else 12


def npy_first_rows_header(layout: NpyLayout, rows: int) -> bytes | None:
    """The header of an .npy holding the first ``rows`` rows: the original with its shape
    changed and padded to the same length, so the same source bytes always give the same
    file. None when the shape cannot be found in the header text."""
    start = _dict_start(layout.header)
    text = layout.header[start:].decode("latin1")
    old, new = repr(layout.shape), repr((rows, *layout.shape[1:]))
    if text.count(old) != 1 or len(new) > len(old):
        return None
    body = text.replace(old, new).rstrip("\n").rstrip(" ")
    return layout.header[:start] + (body.ljust(len(text) - 1) + "\n").encode("latin1")


def fetch_npy_header(client: Client, url: str, deadline: Deadline) -> tuple[NpyLayout | None, bytes, int | None]:
    """An .npy file's header by Range request(s), the bytes received (the header and maybe the
    first rows), and the file's full size. Raises `RangeIgnored` when the server sends it all."""
    with client.get(url, deadline, (0, NPY_HEAD - 1)) as response:
        head = response.read()
        total = response.total
    client.transfer.ranged = True
    length = npy_header_length(head, url)
    if length > len(head):
        head = client.read_range(url, 0, length - 1, deadline)
    return npy_layout(head[:length], url), head, total


def stream_range(client: Client, url: str, start: int, end: int, deadline: Deadline) -> Iterator[bytes]:
    """The body of bytes start..end (inclusive) of ``url``, in chunks, checked for length."""
    response = client.get(url, deadline, (start, end))
    received = 0
    for chunk in response.chunks():
        received += len(chunk)
        yield chunk
    if received != end - start + 1:
        raise DataError(f"asked for bytes {start}-{end}, the server sent {received:,} bytes", where=url)


# --- archives -------------------------------------------------------------------------------

class Archive:
    """The members of one archive, remote or local: ``names`` and ``open(member)``."""

    def __init__(self, url: str):
        self.url = url

    names: list[str]

    def open(self, member: str) -> IO[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def check(self, members: list[str]) -> None:
        """Every member must exist; the error names some that do (the closest first)."""
        have = set(self.names)
        for member in members:
            if member not in have:
                close = difflib.get_close_matches(member, self.names, n=3, cutoff=0.6)
                rest = [name for name in sorted(self.names) if name not in close]
                shown = close + rest[:max(0, 5 - len(close))]
                more = f", ... ({len(self.names)} in all)" if len(self.names) > len(shown) else ""
                raise DataError(f"no member '{member}' in this archive; it has {', '.join(shown) or 'no files'}"
                                f"{more}", where=self.url)

    def read_member(self, member: str) -> Iterator[bytes]:
        """One member's bytes, in chunks, checked as they are read (zip: its CRC)."""
        try:
            with self.open(member) as f:
                while chunk := f.read(CHUNK):
                    yield chunk
        except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, ValueError) as e:
            raise DataError(f"member '{member}' is corrupt ({e})", where=self.url) from None


class ZipArchive(Archive):
    def __init__(self, url: str, zip_file: zipfile.ZipFile):
        super().__init__(url)
        self.zip = zip_file
        self.names = [info.filename for info in zip_file.infolist() if not info.is_dir()]

    def open(self, member):
        return self.zip.open(member)

    def close(self):
        self.zip.close()


class TarArchive(Archive):
    def __init__(self, url: str, tar: tarfile.TarFile):
        super().__init__(url)
        self.tar = tar
        self.names = [info.name for info in tar.getmembers() if info.isfile()]

    def open(self, member):
        f = self.tar.extractfile(member)
        if f is None:
            raise DataError(f"member '{member}' is not a regular file", where=self.url)
        return f

    def close(self):
        self.tar.close()


def open_local_archive(path: Path, url: str) -> Archive:
    """A downloaded archive, by the kind its url names."""
    kind = archive_kind(PurePosixPath(url).name) or "zip"
    try:
        if kind == "zip":
            return ZipArchive(url, zipfile.ZipFile(path))
        return TarArchive(url, tarfile.open(path, "r:*"))
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise DataError(f"not a readable {kind} archive ({e})", where=url) from None


def open_remote_zip(client: Client, url: str, deadline: Deadline) -> Archive:
    """A zip archive on a server, read by Range requests (`remotezip`, its requests made by
    ``client``): the directory now, each member when it is opened. Raises `RangeIgnored`,
    `Unavailable` or `DataError`."""
    from remotezip import RemoteZip, RemoteZipError

    try:
        remote = RemoteZip(url, fetcher=range_fetcher(client, deadline))
    except (zipfile.BadZipFile, RemoteZipError, EOFError, OSError) as e:
        raise DataError(f"not a readable zip archive ({e})", where=url) from None
    client.transfer.full += remote.size()
    return ZipArchive(url, remote)


def reading_errors():
    """Exceptions that reading a remote member may raise besides `Unavailable`: remotezip's."""
    from remotezip import RemoteIOError

    return (RemoteIOError,)
