"""Shared fixtures: scratch sites in tmp_path, a local HTTP server with the production CSP,
and real headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from sitegen.serve import StaticSiteHandler

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    # Software WebGL: the machines that run these tests have no GPU.
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
    # The test machines have no network: keep Chromium from trying.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def skip_unless_ci(reason: str) -> None:
    """Skip for a missing optional tool on a developer's machine; in CI (which installs
    everything: .ci/run) the same gap fails the test, so a skip never hides it there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run this test")
    pytest.skip(reason)


def lib_module_for_page(name: str, tfjs_url: str) -> str:
    """sitegen/js/lib/<name> with its one bare import ('@tensorflow/tfjs') pointed at tfjs_url,
    so a test or benchmark page can import that module without bundling it."""
    import re

    source = (Path(__file__).resolve().parents[1] / "sitegen" / "js" / "lib" / name).read_text("utf-8")
    source = source.replace("from '@tensorflow/tfjs'", f"from '{tfjs_url}'")
    bare = re.findall(r"""^import .*?from ['"]([^./'"][^'"]*)['"]""", source, re.M)
    if bare:
        raise AssertionError(f"lib/{name} imports {bare}: only '@tensorflow/tfjs' can be pointed elsewhere")
    return source


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path):
    """Write a scratch site from a {path: text} map and return its folder."""

    def make(files: dict[str, str | bytes], name: str = "site") -> Path:
        return write_files(tmp_path / name, files)

    return make


# The production headers, as `sitegen serve` sends them (the CSP of netlify.toml).
CSPHandler = StaticSiteHandler


@pytest.fixture
def serve_dir():
    """serve_dir(folder) -> 'http://127.0.0.1:PORT/': a static server sending the site's CSP."""
    servers = []

    def start(folder: Path) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(CSPHandler, directory=str(folder)))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh page; ``page.console_errors`` collects console errors, page errors and CSP reports."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def npm_available():
    if shutil.which("npm") is None:
        pytest.skip("npm is missing")


@pytest.fixture(scope="session")
def tfjs_dist(npm_available) -> Path:
    """dist/ of the pinned @tensorflow/tfjs, installed by sitegen into its npm cache (as a build does)."""
    import io

    from rich.console import Console

    from sitegen.assets import ensure_node_modules
    from sitegen.context import BuildContext

    ctx = BuildContext(config=None, cache_dir=Path("."), console=Console(file=io.StringIO()), progress=False)
    return ensure_node_modules(ctx) / "@tensorflow" / "tfjs" / "dist"


@pytest.fixture(scope="session")
def xz_module(tfjs_dist, tmp_path_factory) -> Path:
    """sitegen/js/xz.js (the decoder of packed sprite shards) bundled by the pinned esbuild, for
    pages that stand in for a site's js/ folder."""
    import subprocess

    node_modules = tfjs_dist.parents[2]
    out = tmp_path_factory.mktemp("xz") / "xz.js"
    source = Path(__file__).resolve().parents[1] / "sitegen" / "js" / "xz.js"
    subprocess.run([str(node_modules / ".bin" / "esbuild"), str(source), "--bundle", "--format=esm",
                    f"--outfile={out}", "--log-level=warning"], check=True, env={**os.environ, "NODE_PATH": str(node_modules)})
    return out
