"""``sitegen serve``: build, serve, watch, rebuild, reload open pages.

The site is served under the path of its base_url ("/tutorials/"), as it will be published:
404.html links its styles from there. Reloads travel as server-sent events on /__sitegen/events. Pages get a small external
module (/__sitegen/reload.js, from sitegen/serve_client/) injected while served: no inline
script, so the dev server sends the same Content-Security-Policy as production. A failed
rebuild keeps the last good site on disk and shows the error over the page.

The watcher is watchfiles (OS file events, not modification times): every change to a file a
build reads counts, even one within the same clock tick as the last, and a burst of saves gives
one rebuild once the files have been quiet for ``SETTLE_SECONDS``. Changes made while a build
runs are kept and give another build after it.

The dev server is for the author's own machine: it serves whatever is built, with no hardening.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console
from rich.text import Text

from .build import build
from .config import load_config
from .errors import SitegenError, print_error
from .paths import theme_dir

#: as netlify.toml: WebAssembly may compile (the tfjs wasm backend, the xz decoder of packed
#: sprites), JavaScript eval may not
CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"
#: what sitegen serve adds to the site: the reload module, and the page served before any build succeeded
CLIENT_DIR = Path(__file__).resolve().parent / "serve_client"
RELOAD_SCRIPT_URL = "/__sitegen/reload.js"
#: longer request targets get 414: far past any path a site has (Apache's and nginx's limits are ~8 KiB)
MAX_URL_LENGTH = 8192
#: a burst of saves is one change once no file has changed for this long
SETTLE_SECONDS = 0.3
#: ... or once it has gone on this long (a large file being copied), and then again after it
MAX_WAIT_SECONDS = 10.0


def client_file(name: str) -> bytes:
    """Read on each request, so that editing one shows on the next reload."""
    return (CLIENT_DIR / name).read_bytes()


class BuildState:
    """The outcome of the latest build, shared by the watcher and the request handlers."""

    def __init__(self, base_path: str = "/"):
        self.generation = 0
        self.error: str | None = None
        #: the path the site is served under: the latest good build's base_url path
        self.base_path = base_path
        self.changed = threading.Condition()

    def publish(self, error: str | None, base_path: str | None = None) -> None:
        with self.changed:
            if error is None:
                self.generation += 1
            if base_path is not None:
                self.base_path = base_path
            self.error = error
            self.changed.notify_all()

    def snapshot(self) -> dict:
        return {"generation": self.generation, "error": self.error}


class StaticSiteHandler(SimpleHTTPRequestHandler):
    """Static files with the headers the site is published with (see netlify.toml)."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json"}

    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class DevServerHandler(StaticSiteHandler):
    """The site plus sitegen serve's endpoints: reload script, build status, events.

    GET and HEAD take the same path through ``respond`` (same status, headers and length; HEAD
    sends no body). A folder is served by its index.html or not at all: no listings."""

    state: BuildState

    def __init__(self, *args, state: BuildState, **kwargs):
        self.state = state
        super().__init__(*args, **kwargs)

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        self.respond(head=False)

    def do_HEAD(self):
        self.respond(head=True)

    def respond(self, head: bool) -> None:
        if len(self.path) > MAX_URL_LENGTH:
            return self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
        url = urlsplit(self.path)
        if url.path == RELOAD_SCRIPT_URL:
            return self.send_bytes(client_file("reload.js"), "text/javascript", head=head)
        if url.path == "/__sitegen/status":
            return self.send_bytes(json.dumps(self.state.snapshot()).encode(), "application/json", head=head)
        if url.path == "/__sitegen/events":
            return self.stream_events(head)
        if url.path.startswith("/__sitegen/"):
            return self.send_error(HTTPStatus.NOT_FOUND)
        prefix = self.state.base_path
        if prefix != "/" and url.path in ("/", prefix[:-1]):
            return self.redirect(url._replace(scheme="", netloc="", path=prefix).geturl())
        if not url.path.startswith(prefix):
            return self.send_not_found(head)
        try:
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                if not url.path.endswith("/"):  # as static hosts do, so that relative links resolve
                    return self.redirect(url._replace(scheme="", netloc="", path=url.path + "/").geturl())
                path = path / "index.html"
            if path.suffix == ".html" and path.is_file():
                return self.send_page(path.read_bytes(), head=head)
            if path.is_file():
                return super().do_HEAD() if head else super().do_GET()
        except (OSError, ValueError):  # a name too long for the file system, a NUL byte: no such file
            pass
        self.send_not_found(head)

    def translate_path(self, path: str) -> str:
        """The file for a URL under the site's base path (``respond`` answers the others)."""
        path = urlsplit(path).path
        prefix = self.state.base_path
        return super().translate_path("/" + path[len(prefix):] if path.startswith(prefix) else path)

    def send_not_found(self, head: bool) -> None:
        missing = Path(self.directory) / "404.html"
        body = missing.read_bytes() if missing.is_file() else client_file("no-build.html")
        self.send_page(body, HTTPStatus.NOT_FOUND, head=head)

    def redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_bytes(self, body: bytes, content_type: str, status=HTTPStatus.OK, head: bool = False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def send_page(self, body: bytes, status=HTTPStatus.OK, head: bool = False):
        tag = f'<script type="module" src="{RELOAD_SCRIPT_URL}"></script>'.encode()
        body = body.replace(b"</head>", tag + b"</head>", 1)
        self.send_bytes(body, "text/html; charset=utf-8", status, head=head)

    def stream_events(self, head: bool = False):
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if head:
            return
        last = None
        try:
            while True:
                with self.state.changed:
                    snapshot = self.state.snapshot()
                    if snapshot == last:
                        self.state.changed.wait(timeout=15)
                        snapshot = self.state.snapshot()
                if snapshot != last:
                    self.wfile.write(f"data: {json.dumps(snapshot)}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
                last = snapshot
        except (BrokenPipeError, ConnectionResetError):
            return


def is_loopback(host: str) -> bool:
    """Whether ``host`` only ever means this machine: a loopback address, or a name that
    resolves only to loopback addresses ("localhost"). "" and 0.0.0.0 mean every interface."""
    name = host.strip("[]")
    if name.lower() == "localhost" or name.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    if not name:
        return False
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


class SiteInputs:
    """What a build of ``site`` reads: sitegen.toml, content, templates, data, models, the theme.
    Read again from sitegen.toml on each change, so that moving a folder there is followed."""

    def __init__(self, site: Path):
        config, _ = load_config(site)
        self.config_file = config.file.resolve()
        self.folders = tuple(folder.resolve() for folder in
                             (config.content_dir, config.templates_dir, config.site_dir / "data",
                              config.site_dir / "models", theme_dir()))

    def contains(self, path: Path) -> bool:
        return path == self.config_file or any(path.is_relative_to(folder) for folder in self.folders)

    def watch_roots(self) -> tuple[Path, ...]:
        """Folders to watch (they must exist): sitegen.toml's folder, which holds most inputs and
        is where missing ones appear, and each existing input folder outside it."""
        site_dir = self.config_file.parent
        outside = {folder for folder in self.folders if folder.is_dir() and not folder.is_relative_to(site_dir)}
        return (site_dir, *sorted(outside))


class Watcher:
    """The files a build reads, watched by watchfiles from the moment this is made (so that
    nothing written during the first build is missed). ``wait`` returns once a burst of changes
    has settled; changes made meanwhile (during a rebuild) are kept for the next ``wait``."""

    def __init__(self, site: Path, stop: threading.Event | None = None):
        self.site, self.stop = site, stop
        self.inputs = SiteInputs(site)
        self.first = self.last = None  # monotonic times of the first and latest change not yet built
        self._open()

    def _open(self) -> None:
        import watchfiles

        self.roots = self.inputs.watch_roots()
        self.batches = watchfiles.watch(*self.roots, watch_filter=watchfiles.DefaultFilter(), step=50,
                                        rust_timeout=int(SETTLE_SECONDS * 1000), yield_on_timeout=True,
                                        stop_event=self.stop, debounce=int(MAX_WAIT_SECONDS * 1000))
        self._take(next(self.batches, set()))  # watching starts here; returns within SETTLE_SECONDS

    def _take(self, changes: set) -> None:
        if not changes:
            return
        try:
            self.inputs = SiteInputs(self.site)
        except SitegenError:
            pass  # sitegen.toml broke: the rebuild shows why; until then its last folders count
        if any(self.inputs.contains(Path(path)) for _, path in changes):
            now = time.monotonic()
            self.first, self.last = self.first or now, now

    def wait(self) -> bool:
        """Block until changes to the inputs have settled (True), or until stopped (False)."""
        if self.inputs.watch_roots() != self.roots:  # an input folder appeared outside the site folder
            self.batches.close()
            self._open()
        while True:
            if self.first is not None:
                now = time.monotonic()
                if now - self.last >= SETTLE_SECONDS - 0.02 or now - self.first >= MAX_WAIT_SECONDS:
                    self.first = self.last = None
                    return True
            try:
                self._take(next(self.batches))
            except StopIteration:
                return False

    def close(self) -> None:
        self.batches.close()


class DevServer:
    """Build, serve, then rebuild on change; ``start`` returns once the server answers."""

    def __init__(self, site: Path, host: str = "127.0.0.1", port: int = 8000, output: Path | None = None,
                 console: Console | None = None, stop: threading.Event | None = None):
        self.site, self.host, self.port, self.output, self.stop = site, host, port, output, stop
        self.console = console or Console(stderr=True)
        self.state = BuildState()
        self.url_root = ""  # http://host:port, once listening
        self.server: ThreadingHTTPServer | None = None
        self.watcher: Watcher | None = None
        self.serving: threading.Thread | None = None

    def start(self) -> str:
        config, _ = load_config(self.site)  # without a readable config there is nothing to serve or watch
        out_dir = Path(self.output).resolve() if self.output else config.output_dir.resolve()
        self.state.base_path = config.base_path
        if not is_loopback(self.host):
            self.console.print(Text.assemble(
                ("warning:", "yellow"), f" --host {self.host or '(every interface)'} is not a loopback address: "
                "the dev server is not for the public (it serves whatever is built, with no hardening); "
                "publish the output of sitegen build on a real host"), soft_wrap=True)
        handler = partial(DevServerHandler, directory=str(out_dir), state=self.state)
        address = self.host.strip("[]")
        server_class = ThreadingHTTPServer
        if ":" in address:
            server_class = type("IPv6HTTPServer", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
        try:  # before the build, so that a port in use is said at once
            self.server = server_class((address, self.port), handler)
        except (OSError, OverflowError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            raise SitegenError(f"cannot listen on {self.host}:{self.port}: {reason}") from None
        self.server.daemon_threads = True
        self.watcher = Watcher(self.site, self.stop)
        self.build()
        out_dir.mkdir(parents=True, exist_ok=True)  # after the build, which may refuse the folder
        self.serving = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.serving.start()
        shown = f"[{address}]" if ":" in address else address
        self.url_root = f"http://{shown}:{self.server.server_address[1]}"
        url = self.url_root + self.state.base_path
        self.console.print(f"Serving {out_dir} at {url} (Ctrl+C stops)", markup=False, soft_wrap=True)
        return url

    def build(self) -> bool:
        try:
            result = build(self.site, self.output, console=self.console)
        except SitegenError as e:
            print_error(self.console, e)
            self.state.publish(str(e))
            return False
        moved = result.base_path != self.state.base_path
        self.state.publish(None, result.base_path)
        if moved and self.url_root:  # base_url changed in sitegen.toml
            self.console.print(f"The site is now at {self.url_root}{result.base_path}", markup=False,
                               soft_wrap=True)
        return True

    def watch(self) -> None:
        while self.watcher.wait():
            self.console.print("Change detected, rebuilding …")
            if self.build():
                self.console.print("[green]Rebuilt[/]; open pages reload")

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.close()
        if self.serving is not None:
            self.server.shutdown()  # waits for serve_forever: only once it has started
        if self.server is not None:
            self.server.server_close()


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000, output: Path | None = None,
          console: Console | None = None) -> None:
    dev = DevServer(site, host, port, output, console)
    try:
        dev.start()
        dev.watch()
    except KeyboardInterrupt:
        pass
    finally:
        dev.close()
