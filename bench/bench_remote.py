"""Benchmark: how much of a remote data set a url source fetches, at real sizes.

A local stand-in server (127.0.0.1, tests/range_server.py, counting every body byte) serves
what the example site reads, made by bench/standin_data.py: ``gzip.zip`` of NIST's EMNIST
layout (~560 MB, the letters members with letters drawn and processed as EMNIST's), and
the example site's ten Quick Draw ``.npy`` files of ~100 MB each.

Cases, one build each in a fresh child process (fresh download and build caches), rounds
interleaved: EMNIST letters by Range, the first 30,000 training rows (as the example site) and
NIST's train and test members whole (max_examples = 30000 as a random subset);
Quick Draw with max_per_class = 3000 by Range; and the same with a server that ignores
Range (the full-download fallback). Reported: bytes fetched / full file sizes, wall time,
peak RSS of the build; medians and every run. The data is generated under bench/out/
(git-ignored) and reused. bench/bench_site.py builds the whole example site from the same
stand-in.

    .venv/bin/python bench/bench_remote.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from standin_data import QUICKDRAW, make_standin  # noqa: E402

OUT = ROOT / "bench" / "out" / "remote"
LETTERS = "gzip/emnist-letters-{}-ubyte.gz"


def site_toml(case: str, base: str) -> str:
    if case.startswith("emnist"):
        # "emnist": as the example site, the training members' first 30,000 rows; "emnist-split":
        # NIST's train and test members, read whole (a random subset needs every row).
        roles = [("images", "train-images-idx3"), ("labels", "train-labels-idx1")]
        if case == "emnist-split":
            roles += [("test_images", "test-images-idx3"), ("test_labels", "test-labels-idx1")]
        members = "\n".join(f'{key} = "{LETTERS.format(part)}"' for key, part in roles)
        split = "" if case == "emnist-split" else "test_fraction = 0.15\n"
        return (f'[datasets.emnist]\nsource = "url"\nformat = "idx"\nurl = "{base}gzip.zip"\n{members}\n'
                'mapping = "gzip/emnist-letters-mapping.txt"\ntranspose = true\nlabel_offset = 1\n'
                f'max_examples = 30000\n{split}')
    urls = ", ".join(f'"{base}quickdraw/{name}.npy"' for name in QUICKDRAW)
    return (f'[datasets.quickdraw]\nsource = "url"\nformat = "npy"\nurl = [{urls}]\nmax_per_class = 3000\n'
            'test_fraction = 0.1\n')


def peak_rss() -> int:
    """This process's peak resident memory: VmHWM, which starts afresh at exec (ru_maxrss on Linux
    can carry the forking parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(case: str, base: str, folder: str) -> None:
    """One build of a scratch site in ``folder``; prints seconds and peak RSS as JSON."""
    import io
    import os

    from rich.console import Console

    from sitegen.config import load_config
    from sitegen.context import BuildContext
    from sitegen.datasets import build_datasets

    root = Path(folder)
    os.environ["SITEGEN_DOWNLOAD_CACHE"] = str(root / "downloads")
    (root / "site").mkdir(parents=True)
    (root / "site" / "sitegen.toml").write_text('title = "Bench"\n' + site_toml(case, base), encoding="utf-8")
    config, _ = load_config(root / "site")
    log = io.StringIO()
    ctx = BuildContext(config=config, cache_dir=root / "site" / ".cache", console=Console(file=log, width=200),
                       progress=False)
    started = time.perf_counter()
    artifact = next(iter(build_datasets(ctx).values()))
    seconds = time.perf_counter() - started
    assert artifact.available, log.getvalue()
    peak = peak_rss()
    print(json.dumps({"seconds": seconds, "peak_rss": peak, "examples": artifact.manifest["counts"]["total"],
                      "log": [line for line in log.getvalue().splitlines() if "fetched" in line or "ignores" in line]}))


CASES = {
    # name: (data set, server honours Range, files whose full size is the denominator)
    "EMNIST letters, first 30,000 rows, Range": ("emnist", True, ["gzip.zip"]),
    "EMNIST letters, train + test members, Range": ("emnist-split", True, ["gzip.zip"]),
    "Quick Draw 10 x 3,000 rows, Range": ("quickdraw", True, [f"quickdraw/{n}.npy" for n in QUICKDRAW]),
    "Quick Draw 10 x 3,000 rows, no Range": ("quickdraw", False, [f"quickdraw/{n}.npy" for n in QUICKDRAW]),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("CASE", "BASE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from range_server import RangeServer

    www = make_standin()
    OUT.mkdir(parents=True, exist_ok=True)
    servers = {True: RangeServer(www, ranges=True), False: RangeServer(www, ranges=False)}
    runs: dict[str, list[dict]] = {name: [] for name in CASES}
    with zipfile.ZipFile(www / "gzip.zip") as z:
        letters = sum(z.getinfo(name).compress_size for name in z.namelist() if "letters" in name)
    try:
        for round_ in range(args.rounds):
            for name, (case, ranges, files) in CASES.items():  # interleaved: every case once a round
                server = servers[ranges]
                server.traffic.reset()
                folder = tempfile.mkdtemp(prefix="bench-remote-", dir=OUT)
                try:
                    out = subprocess.run([sys.executable, __file__, "--child", case, server.base, folder],
                                         capture_output=True, text=True, check=True).stdout
                finally:
                    shutil.rmtree(folder, ignore_errors=True)
                result = json.loads(out.strip().splitlines()[-1])
                full = sum((www / f).stat().st_size for f in files)
                result.update(fetched=server.traffic.total, full=full, ratio=server.traffic.total / full,
                              requests=len(server.traffic.requests))
                runs[name].append(result)
                print(f"round {round_ + 1} {name}: {result['fetched'] / 1e6:,.1f} MB of {full / 1e6:,.1f} MB "
                      f"({result['ratio']:.4f}), {result['seconds']:.1f} s, peak RSS "
                      f"{result['peak_rss'] / 1e6:,.0f} MB", file=sys.stderr)
    finally:
        for server in servers.values():
            server.stop()
    report(runs, letters)


def report(runs: dict[str, list[dict]], letters: int) -> None:
    print(f"{platform.processor() or platform.machine()}, {platform.python_version()}, "
          f"{len(next(iter(runs.values())))} interleaved rounds; medians, then every run\n")
    print("| Case | Fetched | Full files | Fetched / full | Requests | Build time | Peak RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, results in runs.items():
        med = {key: statistics.median(r[key] for r in results) for key in ("fetched", "seconds", "peak_rss")}
        first = results[0]
        print(f"| {name} | {med['fetched'] / 1e6:,.2f} MB | {first['full'] / 1e6:,.1f} MB | "
              f"{med['fetched'] / first['full']:.4f} | {first['requests']} | {med['seconds']:.1f} s | "
              f"{med['peak_rss'] / 1e6:,.0f} MB |")
    print(f"\nEMNIST: the letters members are {letters / 1e6:,.1f} MB of the archive; the rest of what is "
          f"fetched is the 64 KiB tail with the directory.\n")
    for name, results in runs.items():
        cells = ", ".join(f"{r['fetched'] / 1e6:,.2f} MB / {r['seconds']:.1f} s / {r['peak_rss'] / 1e6:,.0f} MB"
                          for r in results)
        print(f"- {name}: {cells}")


if __name__ == "__main__":
    main()
