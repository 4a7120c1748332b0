"""Screenshot every page of a built site at desktop and phone widths, for checking layout by eye.

    .venv/bin/python scripts/screenshots.py _site shots/            # 1280 and 390 px wide
    .venv/bin/python scripts/screenshots.py _site shots/ --width 768

The site is served from a local HTTP server with the production Content-Security-Policy
(as netlify.toml sets it), so a page that only works without the policy shows up broken
here too. Each page is captured whole, after its demos have finished loading (or failed:
a widget's error message is what should be checked then), as
``<output>/<page>-<width>.png`` where ``<page>`` is ``home`` or the page's path with
``/`` turned into ``_``; a page taller than Chromium captures in one go is captured in pieces
and stitched (Pillow). Uses Debian's Chromium headless with software WebGL (SwiftShader).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import threading
import time
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

from sitegen.serve import StaticSiteHandler

CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--ignore-gpu-blocklist", "--disable-background-networking", "--disable-component-update"]
DEFAULT_WIDTHS = (1280, 390)
#: Height of the window; the screenshot itself covers the whole page.
VIEWPORT_HEIGHT = 900
#: How long a page's demos get to replace their "Loading demo…" line.
DEMO_TIMEOUT_S = 30
#: The tallest picture Chromium captures in one go, in device pixels: in one capture of a taller
#: page, the page's top repeats below this line, so such a page is captured in pieces.
CAPTURE_LIMIT_PX = 8192


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(StaticSiteHandler, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def site_pages(site: Path) -> list[str]:
    """Output paths of the pages ('' for the home page), skipping the asset folders."""
    pages = []
    for index in sorted(site.rglob("index.html")):
        rel = index.parent.relative_to(site).as_posix()
        rel = "" if rel == "." else rel
        if rel.split("/")[0] in ("assets", "data", "models", "js"):
            continue
        pages.append(rel)
    return pages


def shot_name(page: str, width: int) -> str:
    return f"{page.replace('/', '_') or 'home'}-{width}.png"


def wait_for_demos(page, timeout_s: float) -> int:
    """Wait until no demo still says 'Loading demo…'; return how many still do."""
    deadline = time.monotonic() + timeout_s
    while True:
        loading = page.locator(".sg-demo-loading").count()
        if loading == 0 or time.monotonic() > deadline:
            return loading
        page.wait_for_timeout(250)


def capture_whole_page(page, target: Path) -> None:
    """Save a picture of the whole page (not only the window) as the PNG ``target``."""
    width, height, scale = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight, devicePixelRatio]")
    piece = int(CAPTURE_LIMIT_PX // scale)
    if height <= piece:
        page.screenshot(path=str(target), full_page=True)
        return
    from PIL import Image

    # A clip beyond the window (full_page=True) is drawn from the page's layout at that offset.
    pieces = [Image.open(io.BytesIO(page.screenshot(
        full_page=True, clip={"x": 0, "y": top, "width": width, "height": min(piece, height - top)})))
        for top in range(0, height, piece)]
    whole = Image.new(pieces[0].mode, (pieces[0].width, sum(p.height for p in pieces)))
    top = 0
    for image in pieces:
        whole.paste(image, (0, top))
        top += image.height
    whole.save(target)


def take_screenshots(site: Path, output: Path, widths: tuple[int, ...], demo_timeout_s: float) -> list[str]:
    """Write the screenshots; return one line of problems per page (console errors, stuck demos)."""
    from playwright.sync_api import sync_playwright

    output.mkdir(parents=True, exist_ok=True)
    server, base = serve(site)
    problems: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for width in widths:
                context = browser.new_context(viewport={"width": width, "height": VIEWPORT_HEIGHT},
                                              device_scale_factor=1)
                for rel in site_pages(site):
                    page = context.new_page()
                    errors: list[str] = []
                    page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                    page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                    page.goto(base + (rel + "/" if rel else ""), wait_until="load")
                    stuck = wait_for_demos(page, demo_timeout_s)
                    page.wait_for_timeout(500)  # let charts and fonts settle
                    target = output / shot_name(rel, width)
                    capture_whole_page(page, target)
                    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                    notes = []
                    if stuck:
                        notes.append(f"{stuck} demo(s) still loading after {demo_timeout_s:g} s")
                    if overflow > 0:
                        notes.append(f"page is {overflow}px wider than the window")
                    if errors:
                        notes.append("console: " + " | ".join(e.splitlines()[0] for e in errors[:3]))
                    print(f"{target}" + (f"  ({'; '.join(notes)})" if notes else ""), flush=True)
                    if notes:
                        problems.append(f"{rel or 'home'} @ {width}px: {'; '.join(notes)}")
                    page.close()
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site folder (sitegen build's output)")
    parser.add_argument("output", type=Path, help="folder for the PNG files")
    parser.add_argument("--width", type=int, action="append", dest="widths",
                        help=f"window width in CSS pixels (repeatable; default {', '.join(map(str, DEFAULT_WIDTHS))})")
    parser.add_argument("--demo-timeout", type=float, default=DEMO_TIMEOUT_S,
                        help="seconds a page's demos get to load (default %(default)s)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"{args.site} has no index.html: build the site first")
    problems = take_screenshots(args.site.resolve(), args.output, tuple(args.widths or DEFAULT_WIDTHS),
                                args.demo_timeout)
    if problems:
        print("\nTo check:", *problems, sep="\n  ", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
