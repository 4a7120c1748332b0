"""`sitegen serve` over real HTTP, without a browser: odd requests get a clean answer, HEAD agrees
with GET, a public --host is warned about, and the watcher rebuilds once per burst of saves and
always from the files as they finally are. (tests/browser/test_serve.py drives the reload and the
error overlay in Chromium.)

Each server is `sitegen serve --port 0` in a subprocess on 127.0.0.1, stopped at the end of its
test; every wait is bounded."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import write_files

PAGE = "---\ntitle: Before\norder: 1\n---\nText before.\n"
SITE = {"sitegen.toml": 'title = "Live"\n',
        "content/index.md": "---\ntitle: Live\n---\nHome.\n",
        "content/page.md": PAGE}


class Serve:
    """One `sitegen serve` process; its stderr lines are collected as they come."""

    def __init__(self, root: Path, *args: str):
        self.root = root
        self.lines: list[str] = []
        env = {**os.environ, "COLUMNS": "300"}
        self.proc = subprocess.Popen([sys.executable, "-m", "sitegen.cli", "serve", str(root), "--port", "0", *args],
                                     stderr=subprocess.PIPE, text=True, env=env)
        threading.Thread(target=self._read, daemon=True).start()
        line = self.wait_for(lambda: next((l for l in self.lines if " at http://" in l), None), timeout=120)
        self.port = int(re.search(r"at http://\S+:(\d+)/", line).group(1))
        self.url = f"http://127.0.0.1:{self.port}/"

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, predicate, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            assert self.proc.poll() is None, "sitegen serve exited:\n" + "\n".join(self.lines)
            time.sleep(0.05)
        raise AssertionError("timed out; sitegen serve said:\n" + "\n".join(self.lines))

    def request(self, method: str, path: str) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get(self, path: str) -> bytes:
        return self.request("GET", path)[2]

    def status(self) -> dict:
        return json.loads(self.get("/__sitegen/status"))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def serve(tmp_path):
    servers = []

    def start(*args: str, files: dict | None = None) -> Serve:
        root = write_files(tmp_path / f"site{len(servers)}", {**SITE, **(files or {})})
        servers.append(Serve(root, *args))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def site_server(tmp_path_factory):
    """One server for the tests that only read: nothing changes its site."""
    server = Serve(write_files(tmp_path_factory.mktemp("read-only"), SITE))
    folder = server.root / "_site" / "folder"  # a folder without index.html
    folder.mkdir()
    (folder / "note.txt").write_text("not a page\n")
    yield server
    server.stop()


# --- requests ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/" + "a" * 30_000,                 # one name longer than any file system allows, past any sane URL
    "/" + "ab/" * 20_000,               # 60,000 characters of short names
    "/page/" + "%41" * 12_000,          # escapes that decode to 12,000 characters
    "/" + "b" * 1_000 + "/",            # a name too long for the file system, in a short URL
    "/page%00/",                        # a NUL byte
], ids=["30k-name", "60k-path", "12k-escapes", "1k-name", "nul"])
def test_odd_paths_get_a_clean_answer(site_server, path):
    for method in ("GET", "HEAD"):
        status, headers, body = site_server.request(method, path)
        assert status in (404, 414), (method, status)
        assert int(headers["content-length"]) == (len(body) if method == "GET" else int(headers["content-length"]))
    assert site_server.request("GET", "/page/")[0] == 200  # and the server goes on serving
    assert not any("Traceback" in line for line in site_server.lines), site_server.lines


def test_a_very_long_path_is_uri_too_long(site_server):
    assert site_server.request("GET", "/" + "a" * 30_000)[0] == 414


@pytest.mark.parametrize("path", ["/", "/page/", "/page", "/index.html", "/page/index.html?x=1", "/missing/",
                                  "/missing.css", "/folder/", "/folder", "/folder/note.txt",
                                  "/__sitegen/reload.js", "/__sitegen/status", "/__sitegen/nothing",
                                  "/__sitegen/reload.js?v=2"])
def test_head_agrees_with_get(site_server, path):
    get_status, get_headers, get_body = site_server.request("GET", path)
    head_status, head_headers, head_body = site_server.request("HEAD", path)
    assert head_status == get_status
    assert head_body == b""
    for name in ("content-length", "content-type", "location", "content-security-policy"):
        assert head_headers.get(name) == get_headers.get(name), name
    if get_status == 200:
        assert int(get_headers["content-length"]) == len(get_body)


def test_a_folder_without_index_html_is_not_found(site_server):
    for method in ("GET", "HEAD"):
        assert site_server.request(method, "/folder/")[0] == 404
    assert site_server.get("/folder/note.txt") == b"not a page\n"


def test_a_page_folder_without_its_slash_redirects(site_server):
    status, headers, _ = site_server.request("GET", "/page?x=1")
    assert (status, headers["location"]) == (301, "/page/?x=1")  # relative links resolve as on the host


def test_events_answer_head_without_streaming(site_server):
    status, headers, body = site_server.request("HEAD", "/__sitegen/events")
    assert (status, headers["content-type"], body) == (200, "text/event-stream", b"")


# --- base_url with a path -----------------------------------------------------------------------

SUBPATH = {"sitegen.toml": 'title = "Live"\nbase_url = "https://example.org/tutorials/"\n'}


def test_a_site_with_a_base_path_is_served_under_it(serve):
    server = serve(files=SUBPATH)
    assert any(re.search(rf"at http://127\.0\.0\.1:{server.port}/tutorials/ ", line) for line in server.lines)
    assert server.request("GET", "/tutorials/page/")[0] == 200
    assert b"Home." in server.get("/tutorials/")
    for path, location in [("/", "/tutorials/"), ("/tutorials", "/tutorials/"), ("/tutorials?x=1", "/tutorials/?x=1"),
                           ("/tutorials/page", "/tutorials/page/")]:
        status, headers, _ = server.request("GET", path)
        assert (status, headers["location"]) == (301, location), path
    status, headers, body = server.request("GET", "/tutorials/missing/")
    assert status == 404 and b"Page not found" in body
    stylesheets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', body)
    assert stylesheets and all(url.startswith(b"/tutorials/assets/") for url in stylesheets), stylesheets
    for url in stylesheets:
        status, headers, css = server.request("GET", url.decode())
        assert (status, headers["content-type"].split(";")[0]) == (200, "text/css") and css, url
    for outside in ("/page/", "/index.html", "/assets/", "/tutorialsx/"):  # outside the prefix: the 404 page
        status, _, body = server.request("GET", outside)
        assert status == 404 and b"Page not found" in body, outside
    assert server.status()["error"] is None  # sitegen serve's own endpoints stay at the root
    assert server.request("GET", "/__sitegen/reload.js")[0] == 200


# --- --host -------------------------------------------------------------------------------------

def test_a_public_host_is_warned_about(serve):
    server = serve("--host", "0.0.0.0")
    warnings = [line for line in server.lines if line.startswith("warning:")]
    assert len(warnings) == 1 and "0.0.0.0" in warnings[0] and "not for the public" in warnings[0], server.lines
    assert server.request("GET", "/page/")[0] == 200


def test_loopback_is_not_warned_about(serve):
    server = serve("--host", "localhost")
    assert not any("warning" in line for line in server.lines), server.lines


def test_a_port_in_use_is_one_line_not_a_traceback(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        root = write_files(tmp_path / "site", SITE)
        done = subprocess.run([sys.executable, "-m", "sitegen.cli", "serve", str(root), "--port",
                               str(taken.getsockname()[1])], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert re.search(r"^error: cannot listen on 127\.0\.0\.1:\d+", done.stderr, re.M), done.stderr


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("app.localhost", True), ("0.0.0.0", False), ("", False), ("::", False), ("192.168.1.5", False),
])
def test_which_hosts_are_loopback(host, loopback):
    from sitegen.serve import is_loopback

    assert is_loopback(host) is loopback


# --- watching -----------------------------------------------------------------------------------

def write_keeping_mtime(path: Path, text: str, mtime_ns: int) -> None:
    """The rest of a file written within the same tick of the file system's clock as its first
    part (coarse timestamps, or a second write in the same jiffy): same modification time."""
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.mark.parametrize("half, half_builds", [
    ("---\ntitle: Half\norder: 1\n---\nFirst half", True),
    ("---\ntitle: [Hal", False),  # front matter cut in the middle: the rebuild fails
], ids=["half-builds", "half-fails"])
def test_a_half_written_file_is_rebuilt_once_complete(serve, half, half_builds):
    server = serve()
    page = server.root / "content/page.md"
    page.write_text(half)
    mtime = page.stat().st_mtime_ns
    if half_builds:
        server.wait_for(lambda: b"First half" in server.get("/page/"))
    else:
        error = server.wait_for(lambda: server.status()["error"])
        assert "page.md" in error
        assert b"Text before." in server.get("/page/")  # the last good site is still served
        assert b"Build failed" not in server.get("/page/")  # the error is the reload script's overlay

    write_keeping_mtime(page, "---\ntitle: Whole\norder: 1\n---\nFirst half, then the second half.\n", mtime)
    server.wait_for(lambda: b"then the second half" in server.get("/page/"))
    # the new site is swapped in before the build's status is published: wait for both
    assert server.wait_for(lambda: server.status()["error"] is None)


def test_a_burst_of_saves_gives_one_rebuild(serve):
    server = serve()
    page = server.root / "content/page.md"
    for attempt in range(3):
        before = server.status()["generation"]
        rebuilding = sum("rebuilding" in line for line in server.lines)
        times = []
        for i in range(30):  # 1.5 s of saves, 50 ms apart
            page.write_text(f"---\ntitle: Save\norder: 1\n---\nSave {attempt} number {i}.\n")
            times.append(time.monotonic())
            time.sleep(0.05)
        server.wait_for(lambda: f"Save {attempt} number 29.".encode() in server.get("/page/"))
        time.sleep(1.0)  # room for a late extra rebuild to show
        if max(b - a for a, b in zip(times, times[1:])) < 0.2:
            break  # else this process stalled mid-burst (a busy machine): the files did settle; again
    assert server.status()["generation"] == before + 1
    assert sum("rebuilding" in line for line in server.lines) == rebuilding + 1, server.lines


def test_files_outside_what_a_build_reads_do_not_rebuild(serve):
    server = serve()
    before = server.status()["generation"]
    (server.root / "notes.txt").write_text("an unrelated file next to sitegen.toml\n")
    (server.root / "content/page.md.swp").write_text("an editor's swap file\n")
    time.sleep(1.5)
    assert server.status()["generation"] == before

