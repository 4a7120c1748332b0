"""sitegen's one HTTP client (`requests`), for every download of a url source: whole files,
``.npy`` rows and zip members (remotezip, through `RangeFetcher`).

Every request has a connect and a read timeout, and every download an overall deadline
(`Deadline`, the url source's ``download_timeout``): a server that sends one byte every few
seconds never trips a read timeout, so the body is read with ``read1`` (whatever has
arrived, at most `CHUNK`), the deadline is checked between reads, and a watchdog shuts the
socket when it passes. A body shorter than its Content-Length is an error, never a file.

What a failure means decides how the build takes it: `Unavailable` (no network, a timeout,
a connection cut short, a server error: a warning and a notice for readers) or `DataError`
(404/410 and other client errors: the url is wrong, the build fails).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

import requests
import urllib3

from ... import __version__
from ...errors import DataError

USER_AGENT = f"sitegen/{__version__} (static site generator; python-requests/{requests.__version__})"
CONNECT_TIMEOUT_S = 10
#: longest silence between two packets of an answer
READ_TIMEOUT_S = 30
#: bytes read at a time: the progress bar moves this often
CHUNK = 64 * 1024
#: statuses that say "try again later" rather than "wrong url"
TRANSIENT = {408, 425, 429}


class Unavailable(Exception):
    """The data cannot be had right now (offline, slow, cut short, server trouble, and not
    cached); not the author's mistake: the build warns and the demos show a notice."""


@dataclass
class Transfer:
    """Bytes received over the network, and the full size of the files they came from."""

    fetched: int = 0
    full: int = 0
    ranged: bool = False  #: some bytes came by Range requests

    def add(self, other: "Transfer") -> None:
        self.fetched += other.fetched
        self.full += other.full
        self.ranged |= other.ranged


@dataclass
class Deadline:
    """The time one download (a file, an archive's members, an .npy's rows) may take in all."""

    url: str
    seconds: float
    started: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def expired(self) -> Unavailable:
        return Unavailable(f"could not download {self.url} (not complete after {self.seconds:g} s, the url "
                           f"source's download_timeout)")

    def check(self) -> None:
        if self.left() <= 0:
            raise self.expired()


def reason(error: BaseException) -> str:
    """A short reason for a failed request ("Connection refused"), not requests' long repr."""
    if isinstance(error, requests.ConnectTimeout):
        return f"no connection within {CONNECT_TIMEOUT_S} s"
    if isinstance(error, (requests.ReadTimeout, urllib3.exceptions.ReadTimeoutError, TimeoutError)):
        return f"no data for {READ_TIMEOUT_S} s"
    text = str(error)
    match = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if match:
        return match[1].strip()
    if "resolve" in text.lower():
        return "the host name could not be resolved"
    return text or type(error).__name__


def unavailable(url: str, why) -> Unavailable:
    return Unavailable(f"could not download {url} ({why})")


class RangeIgnored(Exception):
    """The server sent the whole file to a Range request (status 200): ``response`` holds it."""

    def __init__(self, response: "Response"):
        super().__init__("the server ignores Range requests")
        self.response = response

    @property
    def total(self) -> int | None:
        return self.response.length

    def chunks(self) -> Iterator[bytes]:
        return self.response.chunks()

    def close(self) -> None:
        self.response.close()


def range_header(start: int, end: int | None) -> str:
    """``bytes=start-end`` (inclusive); a negative start without end: the last -start bytes."""
    if start < 0:
        return f"bytes={start}"
    return f"bytes={start}-{'' if end is None else end}"


class Client:
    """One session (connection reuse, a User-Agent) for the downloads of one url source."""

    def __init__(self, timeout_s: float, transfer: Transfer | None = None):
        self.timeout_s = timeout_s
        self.transfer = transfer if transfer is not None else Transfer()
        self.session = requests.Session()
        # Bodies as stored: Content-Length and byte ranges then count the file's own bytes.
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})

    def deadline(self, url: str) -> Deadline:
        return Deadline(url, self.timeout_s)

    def get(self, url: str, deadline: Deadline, byte_range: tuple[int, int | None] | None = None) -> "Response":
        """GET ``url`` (bytes start..end inclusive with ``byte_range``). Raises `Unavailable`,
        `DataError` (a wrong url) or, when a Range request is answered with the whole file,
        `RangeIgnored`. The body's bytes are added to the transfer as they are read."""
        deadline.check()
        headers = {"Range": range_header(*byte_range)} if byte_range else {}
        try:
            answer = self.session.get(url, headers=headers, stream=True,
                                      timeout=(min(CONNECT_TIMEOUT_S, max(deadline.left(), 0.1)),
                                               min(READ_TIMEOUT_S, max(deadline.left(), 0.1))))
        except requests.RequestException as e:
            if deadline.left() <= 0:
                raise deadline.expired() from None
            raise unavailable(url, reason(e)) from None
        status = answer.status_code
        if status >= 400:
            answer.close()
            said = f"the server answers {status} {answer.reason or ''}".rstrip()
            if status >= 500 or status in TRANSIENT:
                raise unavailable(url, said)
            if status in (404, 410):
                raise DataError(f"{said}: no file at this url (check the url in sitegen.toml)", where=url)
            if status == 416:
                raise DataError(f"{said} to the Range request {headers['Range']}", where=url)
            raise DataError(said, where=url)
        response = Response(url, answer, deadline, self.transfer)
        if byte_range is not None:
            if status != 206:
                raise RangeIgnored(response)
            if response.total is None:
                response.close()
                raise DataError("the server answers Range requests without a valid Content-Range", where=url)
        return response

    def read_range(self, url: str, start: int, end: int, deadline: Deadline) -> bytes:
        """Bytes start..end (inclusive) of ``url``, all of them."""
        with self.get(url, deadline, (start, end)) as response:
            data = response.read()
        if len(data) != end - start + 1:
            raise DataError(f"asked for bytes {start}-{end}, the server sent {len(data):,} bytes", where=url)
        return data

    def close(self) -> None:
        self.session.close()


class Response:
    """An answer's body, read within the download's deadline, counted, checked for length."""

    def __init__(self, url: str, answer: requests.Response, deadline: Deadline, transfer: Transfer):
        self.url = url
        self.answer = answer
        self.raw = answer.raw
        self.deadline = deadline
        self.transfer = transfer
        self.received = 0
        self.timed_out = False
        length = answer.headers.get("Content-Length", "")
        #: the body's length, when the server says
        self.length = int(length) if length.isdigit() else None
        content_range = answer.headers.get("Content-Range", "")
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", content_range.strip())
        #: the full file's size (a 206's Content-Range), or the body's for a 200
        self.total = (int(match[3]) if match[3] != "*" else None) if match else \
            (self.length if answer.status_code == 200 else None)
        self.content_type = answer.headers.get("Content-Type", "")
        # A server silent for less than the read timeout would still overrun the deadline.
        self.watchdog = threading.Timer(max(deadline.left(), 0), self._expire)
        self.watchdog.daemon = True
        self.watchdog.start()

    def _expire(self) -> None:
        self.timed_out = True
        try:
            self.raw.shutdown()  # wakes a blocked read
        except Exception:  # noqa: BLE001 - already finished or closed
            pass

    def read1(self, size: int = CHUNK) -> bytes:
        """Whatever has arrived (at least one byte), at most ``size``; b"" at the end."""
        if self.timed_out:
            raise self.deadline.expired()
        self.deadline.check()
        try:
            chunk = self.raw.read1(size)
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as e:
            if self.timed_out or self.deadline.left() <= 0:
                raise self.deadline.expired() from None
            if self.length is not None and self.received < self.length:
                raise self.cut_short() from None
            raise unavailable(self.url, reason(e)) from None
        if self.timed_out:
            raise self.deadline.expired()
        if not chunk and self.length is not None and self.received < self.length:
            raise self.cut_short()
        self.received += len(chunk)
        self.transfer.fetched += len(chunk)
        return chunk

    def cut_short(self) -> Unavailable:
        return unavailable(self.url, f"the connection closed after {self.received:,} of {self.length:,} bytes")

    def chunks(self) -> Iterator[bytes]:
        """The body in chunks of at most `CHUNK` bytes; closed at the end, or on any error."""
        try:
            while chunk := self.read1(CHUNK):
                yield chunk
        finally:
            self.close()

    def read(self, size: int | None = None) -> bytes:
        """``size`` bytes (all that is left with None), fewer only at the end of the body."""
        parts, want = [], size if size is not None and size >= 0 else None
        while want is None or want > 0:
            chunk = self.read1(CHUNK if want is None else min(want, CHUNK))
            if not chunk:
                break
            parts.append(chunk)
            if want is not None:
                want -= len(chunk)
        return b"".join(parts)

    # remotezip reads its buffers through these
    def tell(self) -> int:
        return self.received

    @property
    def closed(self) -> bool:
        return self.raw.closed

    def close(self) -> None:
        self.watchdog.cancel()
        self.answer.close()

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def range_fetcher(client: Client, deadline: Deadline):
    """A remotezip fetcher class whose requests go through ``client`` within ``deadline``,
    counting the bytes received (a member read only up to the rows kept is fetched no further)."""
    from remotezip import RemoteFetcher

    class RangeFetcher(RemoteFetcher):
        def _request(self, kwargs):
            start, end = self.parse_range_header(kwargs["headers"]["Range"])
            response = client.get(self._url, deadline, (start, end))
            client.transfer.ranged = True
            return response, response.answer.headers["Content-Range"]

    return RangeFetcher
