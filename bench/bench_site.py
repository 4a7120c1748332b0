"""Benchmark: the whole example site built with its real data sets, from a local stand-in for
NIST's and Google's servers at real size (bench/standin_data.py), training included.

Each round builds two copies of ``content/`` in fresh child processes, each with empty data
set, model and download caches (the npm packages and JS bundles stay cached, as on a
developer's machine after the first build), in alternating order:

- **with data**: the url data sets point at the stand-in server (Range honoured): EMNIST
  letters members from a 560 MB ``gzip.zip``, ten ~100 MB Quick Draw ``.npy`` files with
  3,000 rows kept of each, the full MNIST ``.npz``; every model trains, six of them;
- **offline** (the baseline): the same urls on a port where nothing listens, so those data
  sets are skipped with a notice and four models train, as in an offline ``make build``.

Reported per build: wall time, the build's own per-phase lines, peak RSS of the build
process, and per remote file the bytes the server sent against the file's full size.

    .venv/bin/python bench/bench_site.py [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

OUT = ROOT / "bench" / "out" / "site"
#: the example site's real addresses -> where the stand-in serves the same files
REAL_URLS = {
    "https://storage.googleapis.com/quickdraw_dataset/full/numpy_bitmap/": "quickdraw/",
    "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip": "gzip.zip",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz": "mnist.npz",
}
#: the published file's pin, which the stand-in's bytes cannot match
MNIST_PIN = re.compile(r'^sha256 = "731c5ac6[0-9a-f]+"\n', re.M)


def site_copy(folder: Path, base: str) -> Path:
    """content/ without its caches, its url data sets pointed at ``base``."""
    site = folder / "site"
    shutil.copytree(ROOT / "content", site, ignore=shutil.ignore_patterns(".sitegen-cache", "sitegen.lock"))
    toml = (site / "sitegen.toml").read_text(encoding="utf-8")
    for real, local in REAL_URLS.items():
        if real not in toml:
            raise SystemExit(f"content/sitegen.toml no longer reads {real}: update bench/bench_site.py")
        toml = toml.replace(real, base + local)
    toml, pins = MNIST_PIN.subn("", toml)
    if pins != 1:
        raise SystemExit("content/sitegen.toml: the mnist-full sha256 pin moved: update bench/bench_site.py")
    (site / "sitegen.toml").write_text(toml, encoding="utf-8")
    return site


def child(site: str, output: str) -> None:
    """One build of ``site`` in this process; prints its log lines and peak RSS as JSON."""
    import io

    from rich.console import Console

    from bench_remote import peak_rss
    from sitegen.build import build as run_build
    from sitegen.errors import SitegenError

    log = io.StringIO()
    started = time.perf_counter()
    try:
        run_build(Path(site), Path(output), console=Console(file=log, width=200), progress=False)
        code = 0
    except SitegenError as e:
        log.write(f"error: {e}\n")
        code = 1
    seconds = time.perf_counter() - started
    print(json.dumps({"code": code, "seconds": seconds, "peak_rss": peak_rss(), "log": log.getvalue().splitlines()}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(case: str, base: str) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-site-{case}-", dir=OUT))
    try:
        site = site_copy(folder, base)
        env = {**os.environ, "SITEGEN_DOWNLOAD_CACHE": str(folder / "downloads")}
        done = subprocess.run([sys.executable, __file__, "--child", str(site), str(folder / "out")],
                              capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise SystemExit(f"{case} build crashed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if result["code"] != 0:
            raise SystemExit(f"{case} build failed:\n" + "\n".join(result["log"][-30:]))
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


#: build log lines worth keeping in the report: data sets, fetches, models, the total
PHASE_LINE = re.compile(r"(data: \S+: \d[\d,]* training|fetched|model \S+: (built|training)|built \d+ page|"
                        r"could not be downloaded|skipped)", re.I)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--child", nargs=2, metavar=("SITE", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from range_server import RangeServer
    from standin_data import make_standin

    www = make_standin()
    OUT.mkdir(parents=True, exist_ok=True)
    server = RangeServer(www, ranges=True)
    offline_base = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    runs: dict[str, list[dict]] = {"with data": [], "offline": []}
    try:
        for round_ in range(args.rounds):
            order = ["with data", "offline"] if round_ % 2 == 0 else ["offline", "with data"]
            for case in order:
                server.traffic.reset()
                result = build(case, server.base if case == "with data" else offline_base)
                result["sent"] = dict(server.traffic.sent)
                runs[case].append(result)
                print(f"round {round_ + 1} {case}: {result['seconds']:.0f} s, peak RSS "
                      f"{result['peak_rss'] / 1e6:,.0f} MB, {sum(result['sent'].values()) / 1e6:,.1f} MB fetched",
                      file=sys.stderr)
    finally:
        server.stop()
    report(runs, www)


def report(runs: dict[str, list[dict]], www: Path) -> None:
    print(f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"{len(runs['offline'])} round(s); medians, then every run\n")
    print("| Build | Wall time | Peak RSS | Fetched |")
    print("| --- | --- | --- | --- |")
    for case, results in runs.items():
        fetched = statistics.median(sum(r["sent"].values()) for r in results)
        print(f"| {case} | {statistics.median(r['seconds'] for r in results):,.0f} s | "
              f"{statistics.median(r['peak_rss'] for r in results) / 1e6:,.0f} MB | {fetched / 1e6:,.1f} MB |")
    print("\nEvery run: " + "; ".join(f"{case}: " + ", ".join(f"{r['seconds']:.0f} s" for r in results)
                                     for case, results in runs.items()))
    first = runs["with data"][0]
    groups = {"EMNIST (gzip.zip)": ["gzip.zip"], "Quick Draw (10 .npy files)": None, "MNIST (mnist.npz)": ["mnist.npz"]}
    groups["Quick Draw (10 .npy files)"] = sorted(p.relative_to(www).as_posix() for p in (www / "quickdraw").glob("*.npy"))
    print("\n| Remote data set | Fetched | Full files | Fetched / full |")
    print("| --- | --- | --- | --- |")
    all_fetched = all_full = 0
    for name, files in groups.items():
        fetched = sum(first["sent"].get(f, 0) for f in files)
        full = sum((www / f).stat().st_size for f in files)
        all_fetched += fetched
        all_full += full
        print(f"| {name} | {fetched / 1e6:,.2f} MB | {full / 1e6:,.1f} MB | {fetched / full:.4f} |")
    print(f"| all | {all_fetched / 1e6:,.2f} MB | {all_full / 1e6:,.1f} MB | {all_fetched / all_full:.4f} |")
    for case, results in runs.items():
        print(f"\nBuild log, {case} (first run):\n")
        for line in results[0]["log"]:
            if PHASE_LINE.search(line):
                print(f"    {line.strip()}")


if __name__ == "__main__":
    main()
