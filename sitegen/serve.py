"""``sitegen serve``: build, serve, watch, rebuild, reload open pages.

Reloads travel as server-sent events on /__sitegen/events. Pages get a small external
module (/__sitegen/reload.js, from sitegen/serve_client/) injected while served: no inline
script, so the dev server sends the same Content-Security-Policy as production. A failed
rebuild keeps the last good site on disk and shows the error over the page.
"""

from __future__ import annotations

import json
import threading
import time
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rich.console import Console

from .build import build
from .config import load_config
from .errors import SitegenError, print_error
from .paths import theme_dir

CSP = "default-src 'self'; script-src 'self'"
#: what sitegen serve adds to the site: the reload module, and the page served before any build succeeded
CLIENT_DIR = Path(__file__).resolve().parent / "serve_client"
RELOAD_SCRIPT_URL = "/__sitegen/reload.js"


def client_file(name: str) -> bytes:
    """Read on each request, so that editing one shows on the next reload."""
    return (CLIENT_DIR / name).read_bytes()


class BuildState:
    """The outcome of the latest build, shared by the watcher and the request handlers."""

    def __init__(self):
        self.generation = 0
        self.error: str | None = None
        self.changed = threading.Condition()

    def publish(self, error: str | None) -> None:
        with self.changed:
            if error is None:
                self.generation += 1
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
    """The site plus sitegen serve's endpoints: reload script, build status, events."""

    state: BuildState

    def __init__(self, *args, state: BuildState, **kwargs):
        self.state = state
        super().__init__(*args, **kwargs)

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        if self.path == RELOAD_SCRIPT_URL:
            return self.send_bytes(client_file("reload.js"), "text/javascript")
        if self.path == "/__sitegen/status":
            return self.send_bytes(json.dumps(self.state.snapshot()).encode(), "application/json")
        if self.path == "/__sitegen/events":
            return self.stream_events()
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            return self.send_page(path.read_bytes())
        if not path.exists() and not self.path.startswith("/__sitegen/"):
            missing = Path(self.directory) / "404.html"
            body = missing.read_bytes() if missing.is_file() else client_file("no-build.html")
            return self.send_page(body, HTTPStatus.NOT_FOUND)
        return super().do_GET()

    def send_bytes(self, body: bytes, content_type: str, status=HTTPStatus.OK):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_page(self, body: bytes, status=HTTPStatus.OK):
        tag = f'<script type="module" src="{RELOAD_SCRIPT_URL}"></script>'.encode()
        body = body.replace(b"</head>", tag + b"</head>", 1)
        self.send_bytes(body, "text/html; charset=utf-8", status)

    def stream_events(self):
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
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


def watched_files(site: Path) -> dict[Path, float]:
    """Modification times of everything a build reads: config, content, templates, data, models."""
    config, _ = load_config(site)
    folders = [config.content_dir, config.templates_dir, config.site_dir / "data", config.site_dir / "models",
               theme_dir()]
    stamps: dict[Path, float] = {config.file: config.file.stat().st_mtime}
    for folder in folders:
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file():
                    stamps[path] = path.stat().st_mtime
    return stamps


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000, output: Path | None = None,
          console: Console | None = None, poll_seconds: float = 0.5) -> None:
    console = console or Console(stderr=True)
    state = BuildState()
    config, _ = load_config(site)  # without a readable config there is nothing to serve or watch
    out_dir = Path(output).resolve() if output else config.output_dir.resolve()
    try:
        build(site, output, console=console)
        state.publish(None)
    except SitegenError as e:
        print_error(console, e)
        state.publish(str(e))
    out_dir.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer((host, port), partial(DevServerHandler, directory=str(out_dir), state=state))
    server.daemon_threads = True
    console.print(f"Serving {out_dir} at http://{host}:{server.server_address[1]}/ (Ctrl+C stops)", markup=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        stamps = watched_files(site)
        while True:
            time.sleep(poll_seconds)
            try:
                now = watched_files(site)
            except SitegenError:
                now = {}  # sitegen.toml broke: the build below fails with the same error and shows it
            if now == stamps:
                continue
            stamps = now
            console.print("Change detected, rebuilding …")
            try:
                build(site, output, console=console)
                state.publish(None)
                console.print("[green]Rebuilt[/]; open pages reload")
            except SitegenError as e:
                print_error(console, e)
                state.publish(str(e))
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
