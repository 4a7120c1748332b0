"""A local stand-in for a data server (127.0.0.1): serves a folder, answers Range requests
(``bytes=a-b``, ``a-``, ``-n``) or ignores them, and counts every body byte it sends.

It also misbehaves on request, per file (``server.faults[name] = ...``): "slow" sends the body
one byte every ``slow_interval`` seconds (at most ``slow_bytes`` of them, then hangs up),
"truncated" announces the whole Content-Length and hangs up halfway, "html" answers 200 with
an HTML error page, and a number answers that status (404, 410, 503).

Used by tests/test_datasets_remote.py and bench/bench_remote.py.
"""

from __future__ import annotations

import os
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHUNK = 1 << 20
HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Page not found</title></head>\n"
             b"<body><h1>Sorry, this page has moved.</h1></body></html>\n")


@dataclass
class Traffic:
    """What the server sent: body bytes per path, and every request as (path, Range header)."""

    sent: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    user_agents: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    def reset(self) -> None:
        with self.lock:
            self.sent.clear()
            self.requests.clear()
            self.user_agents.clear()


class RangeHandler(BaseHTTPRequestHandler):
    """GET/HEAD of files under ``server.root``; honours Range unless ``server.ranges`` is False."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_HEAD(self):
        self.answer(body=False)

    def do_GET(self):
        self.answer(body=True)

    def answer(self, body: bool) -> None:
        server = self.server
        name = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/")
        path = (server.root / name).resolve()
        header = self.headers.get("Range")
        self.name = name
        with server.traffic.lock:
            server.traffic.requests.append((name, header))
            server.traffic.user_agents.add(self.headers.get("User-Agent", ""))
        fault = server.faults.get(name)
        if isinstance(fault, int):
            self.send_error(fault)
            return
        if fault == "html":
            page = HTML_PAGE
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            if body:
                self.wfile.write(page)
            return
        if not path.is_file() or server.root.resolve() not in path.parents:
            self.send_error(404)
            return
        size = path.stat().st_size
        start, end = 0, size - 1
        status = 200
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", header or "") if server.ranges else None
        if match and (match[1] or match[2]):
            if match[1]:
                start = int(match[1])
                end = min(int(match[2]), size - 1) if match[2] else size - 1
            else:
                start = max(0, size - int(match[2]))
            if start >= size or start > end:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        if server.ranges:
            self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if not body:
            return
        with open(path, "rb") as f:
            f.seek(start)
            left = end - start + 1
            if fault == "truncated":
                left //= 2
                self.close_connection = True
            try:
                if fault == "slow":
                    self.trickle(f, left)
                    return
                while left:
                    chunk = f.read(min(CHUNK, left))
                    self.wfile.write(chunk)
                    left -= len(chunk)
                    with server.traffic.lock:
                        server.traffic.sent[name] = server.traffic.sent.get(name, 0) + len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def trickle(self, f, left: int) -> None:
        """One byte every ``slow_interval`` seconds, at most ``slow_bytes``, then hang up."""
        server = self.server
        self.close_connection = True
        for _ in range(min(left, server.slow_bytes)):
            if server.stopping.wait(server.slow_interval):
                return
            try:
                self.wfile.write(f.read(1))
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                return
            with server.traffic.lock:
                server.traffic.sent[self.name] = server.traffic.sent.get(self.name, 0) + 1


class RangeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, ranges: bool = True):
        super().__init__(("127.0.0.1", 0), RangeHandler)
        self.root = Path(root)
        self.ranges = ranges
        self.traffic = Traffic()
        #: file name -> "slow", "truncated", "html" or an HTTP status to answer instead
        self.faults: dict[str, str | int] = {}
        self.slow_interval = 1.0
        self.slow_bytes = 20
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        self.stopped = False

    def handle_error(self, request, client_address):
        """A client that hangs up early (sitegen refusing a body it has seen enough of) is no error."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def stop(self) -> None:
        if not self.stopped:
            self.stopping.set()
            self.shutdown()
            self.server_close()
            self.stopped = True


def file_size(path: Path) -> int:
    return os.stat(path).st_size
