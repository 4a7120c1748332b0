"""The tfjs wasm backend under the production CSP: WebAssembly compiles while JavaScript eval
stays refused; pages without WebGL fall back to wasm (its binaries fetched from the site's own
assets/), and the draw widget's worker keeps the fastest of its backends, trying wasm only
where WebGL is missing or cpu and WebGL are both too slow for a frame.

The widget site is tests/browser/test_widgets.py's (its fixtures are reused here).
"""

from __future__ import annotations

import pytest
from browser.test_widgets import draw_stroke, open_demo, widget, widget_site  # noqa: F401 (fixtures)
from conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

WASM_WORTH_IT_MS = 8  # sitegen/js/workers/predict.js: below this, wasm would not show
# The smallest valid WebAssembly module: the magic number and version 1.
EMPTY_WASM_MODULE = "[0, 97, 115, 109, 1, 0, 0, 0]"
# What the page may run, checked by a script of the site itself (page.evaluate would run as
# DevTools, not as the page).
CSP_PROBE = f"""
const outcome = async (run) => {{
  try {{
    await run();
    return 'ran';
  }} catch (err) {{
    return err.name;
  }}
}};
export const probe = async () => ({{
  eval: await outcome(() => eval('1 + 1')),
  newFunction: await outcome(() => new Function('return 1')()),
  wasm: await outcome(() => WebAssembly.compile(new Uint8Array({EMPTY_WASM_MODULE}))),
}});
"""
PROBE_PAGE = """<!doctype html><meta charset="utf-8"><title>CSP probe</title>
<script type="module" src="page.js"></script>"""
PROBE_ON_PAGE = """import {probe} from './probe.js';
probe().then((result) => { document.documentElement.dataset.probe = JSON.stringify(result); });
new Worker('worker.js', {type: 'module'}).onmessage = ({data}) => {
  document.documentElement.dataset.workerProbe = JSON.stringify(data);
};"""
PROBE_IN_WORKER = "import {probe} from './probe.js';\nprobe().then((result) => postMessage(result));\n"

# No WebGL at all, not even on an OffscreenCanvas (which --disable-webgl alone leaves, and which
# tfjs prefers): no GPU process and no software GL to fall back to.
NO_WEBGL_ARGS = [*(a for a in CHROMIUM_ARGS if "swiftshader" not in a and a != "--ignore-gpu-blocklist"),
                 "--disable-webgl", "--disable-gpu", "--disable-software-rasterizer"]


@pytest.fixture(scope="module")
def no_webgl_browser(chromium):
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, headless=True, args=NO_WEBGL_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def no_webgl_page(no_webgl_browser):
    """A page of the WebGL-less browser that records console errors and every request."""
    context = no_webgl_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.responses = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.on("response", lambda r: page.responses.append(r))
    page.set_default_timeout(60_000)
    yield page
    context.close()


def site_base(page, kind: str) -> str:
    """The site's URL, from the page of `kind` that open_demo opened (at <site>/<kind>/)."""
    return page.url.removesuffix(f"{kind}/")


def wasm_responses(page) -> list:
    return [r for r in page.responses if r.url.endswith(".wasm")]


def test_eval_is_refused_while_wasm_compiles(tmp_path, serve_dir, browser_page):
    files = {"index.html": PROBE_PAGE, "page.js": PROBE_ON_PAGE, "worker.js": PROBE_IN_WORKER, "probe.js": CSP_PROBE}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    browser_page.goto(serve_dir(tmp_path))
    browser_page.wait_for_selector("html[data-probe][data-worker-probe]", state="attached")
    refused = {"eval": "EvalError", "newFunction": "EvalError", "wasm": "ran"}
    assert browser_page.evaluate("JSON.parse(document.documentElement.dataset.probe)") == refused
    assert browser_page.evaluate("JSON.parse(document.documentElement.dataset.workerProbe)") == refused


@pytest.mark.parametrize("kind", ["train", "explore"])
def test_page_without_webgl_runs_on_wasm_from_the_sites_assets(kind, no_webgl_page, open_demo):
    page = open_demo(kind, no_webgl_page)
    base = site_base(page, kind)
    assert page.get_attribute(".sg-demo", "data-backend") == "wasm"
    assert widget(page, "el.sgTest.backend()") == "wasm"  # what tfjs itself runs on
    # One sentence that fits every widget: what is missing and what runs instead, nothing
    # about what this widget does with it.
    notice = page.inner_text(".sg-w-backend-notice")
    assert "WebGL is not available" in notice and "WebAssembly" in notice
    assert notice.count(". ") == 0 and notice.endswith(".") and "train" not in notice.lower()
    # The one binary tfjs picked, fingerprinted in the site's assets/ (no CDN, nothing else).
    (binary,) = wasm_responses(page)
    assert binary.url.startswith(base + "assets/tfjs-backend-wasm") and binary.status == 200
    assert binary.headers["content-type"] == "application/wasm"
    assert all(r.url.startswith(base) or r.url.endswith("/favicon.ico") for r in page.responses)
    assert page.console_errors == []


def test_draw_worker_without_webgl_predicts_on_wasm(no_webgl_page, open_demo):
    page = open_demo("draw", no_webgl_page)
    base = site_base(page, "draw")
    timings = widget(page, "el.sgTest.state.timings")
    assert timings["webgl"] is None and timings["cpu"] is not None and timings["wasm"] is not None
    backend = "wasm" if timings["wasm"] < timings["cpu"] else "cpu"
    assert page.get_attribute(".sg-demo", "data-backend") == backend
    assert page.locator(".sg-w-backend-notice").count() == 0  # a processor backend is the fast path here
    assert all(r.url.startswith(base + "assets/") for r in wasm_responses(page)) and wasm_responses(page)
    baseline = widget(page, "el.sgTest.numTensors()")
    draw_stroke(page, [(0.2, 0.2), (0.8, 0.8)])
    page.wait_for_selector(".sg-demo[data-predictions='1']", state="attached")
    assert page.inner_text(".sg-w-bar-top .sg-w-bar-name") == "diagonal"
    assert widget(page, "el.sgTest.numTensors()") == baseline
    assert page.console_errors == []


def test_draw_worker_tries_wasm_only_when_cpu_and_webgl_are_too_slow(open_demo, browser_page):
    fetched = []
    browser_page.on("request", lambda r: fetched.append(r.url))
    page = open_demo("draw")
    timings = widget(page, "el.sgTest.state.timings")
    assert timings["cpu"] is not None and timings["webgl"] is not None, timings
    # WebGL's load-time timing counts double (the GPU is busy drawing the stroke when asked).
    cost = {"cpu": timings["cpu"], "webgl": 2 * timings["webgl"]}
    wasm_fetched = [u for u in fetched if u.endswith(".wasm") or "/wasm-backend-" in u]
    if min(cost.values()) <= WASM_WORTH_IT_MS:  # the tiny CNN: a fraction of a millisecond on cpu
        assert "wasm" not in timings and wasm_fetched == []
    else:
        assert timings["wasm"] is not None and wasm_fetched, timings
        cost["wasm"] = timings["wasm"]
    assert page.get_attribute(".sg-demo", "data-backend") == min(cost, key=cost.get)
    assert page.locator(".sg-w-backend-notice").count() == 0


def test_pages_with_webgl_fetch_no_wasm(open_demo, browser_page):
    fetched = []
    browser_page.on("request", lambda r: r.url.endswith(".wasm") and fetched.append(r.url))
    page = open_demo("train")
    assert page.get_attribute(".sg-demo", "data-backend") == "webgl"
    assert fetched == []
