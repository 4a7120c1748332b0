"""Benchmark: how much of a remote data set a url source fetches, at real sizes.

A local stand-in server (127.0.0.1, tests/range_server.py, counting every body byte)
serves what the example site reads:

- ``gzip.zip`` of NIST's EMNIST layout (30 members, ~536 MB): the letters members at real
  size (124,800 + 20,800 images, random pixels, gzip level 1, so ~115 MB), the other
  splits as stored filler of the sizes NIST publishes;
- three Quick Draw-shaped ``.npy`` files of ~100 MB each (127,000 x 784 uint8), one named
  ``smiley%20face.npy``.

Cases, one build each in a fresh child process (fresh download and build caches), rounds
interleaved: EMNIST letters members by Range (max_examples = 30000, as the example site);
Quick Draw with max_per_class = 3000 by Range; and the same with a server that ignores
Range (the full-download fallback). Reported: bytes fetched / full file sizes, wall time,
peak RSS of the build; medians and every run. The data is generated under bench/out/
(git-ignored) and reused.

    .venv/bin/python bench/bench_remote.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

OUT = ROOT / "bench" / "out" / "remote"
LETTERS = "gzip/emnist-letters-{}-ubyte.gz"
SPLITS = ("balanced", "byclass", "bymerge", "digits", "letters", "mnist")
#: approximate member sizes of NIST's gzip.zip (MB), for the filler of the splits not read
FILLER_MB = {"balanced": 50, "byclass": 200, "bymerge": 200, "digits": 60, "mnist": 20}
QUICKDRAW = ("cat", "smiley face", "the Eiffel Tower")
QD_ROWS = 127_000


def idx3(images: np.ndarray) -> bytes:
    n, h, w = images.shape
    return struct.pack(">BBBBIII", 0, 0, 8, 3, n, h, w) + images.tobytes()


def idx1(labels: np.ndarray) -> bytes:
    return struct.pack(">BBBBI", 0, 0, 8, 1, len(labels)) + labels.astype(np.uint8).tobytes()


def make_data() -> None:
    """gzip.zip and the .npy files under bench/out/remote/www (kept between runs)."""
    www = OUT / "www"
    www.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    if not (www / "gzip.zip").is_file():
        print("generating gzip.zip (EMNIST layout) ...", file=sys.stderr)
        part = www / "gzip.zip.part"
        with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED) as z:
            for split in SPLITS:
                if split == "letters":
                    for kind, n in (("train", 124_800), ("test", 20_800)):
                        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
                        labels = 1 + rng.integers(0, 26, n)
                        z.writestr(LETTERS.format(f"{kind}-images-idx3"), gzip.compress(idx3(images), 1, mtime=0))
                        z.writestr(LETTERS.format(f"{kind}-labels-idx1"), gzip.compress(idx1(labels), 1, mtime=0))
                    z.writestr("gzip/emnist-letters-mapping.txt",
                               "".join(f"{k} {64 + k} {96 + k}\n" for k in range(1, 27)))
                    continue
                size = FILLER_MB[split] * 1_000_000
                for member, share in (("train-images-idx3", 0.84), ("train-labels-idx1", 0.01),
                                      ("test-images-idx3", 0.14), ("test-labels-idx1", 0.01)):
                    with z.open(f"gzip/emnist-{split}-{member}-ubyte.gz", "w", force_zip64=True) as f:
                        left = int(size * share)
                        block = bytes(1 << 20)
                        while left:
                            f.write(block[:min(left, len(block))])
                            left -= min(left, len(block))
                z.writestr(f"gzip/emnist-{split}-mapping.txt", "0 48\n")
        part.rename(www / "gzip.zip")
    for i, name in enumerate(QUICKDRAW):
        path = www / f"{name}.npy"
        if not path.is_file():
            print(f"generating {path.name} ...", file=sys.stderr)
            np.save(www / f"{name}.part.npy", np.random.default_rng(i).integers(0, 256, (QD_ROWS, 784), np.uint8))
            (www / f"{name}.part.npy").rename(path)


def site_toml(case: str, base: str) -> str:
    if case == "emnist":
        members = "\n".join(f'{key} = "{LETTERS.format(part)}"' for key, part in (
            ("images", "train-images-idx3"), ("labels", "train-labels-idx1"), ("test_images", "test-images-idx3"),
            ("test_labels", "test-labels-idx1")))
        return (f'[datasets.emnist]\nsource = "url"\nformat = "idx"\nurl = "{base}gzip.zip"\n{members}\n'
                'mapping = "gzip/emnist-letters-mapping.txt"\ntranspose = true\nlabel_offset = 1\n'
                'max_examples = 30000\n')
    urls = ", ".join(f'"{base}{name.replace(" ", "%20")}.npy"' for name in QUICKDRAW)
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
    "EMNIST letters, Range": ("emnist", True, ["gzip.zip"]),
    "Quick Draw 3 x 3,000 rows, Range": ("quickdraw", True, [f"{n}.npy" for n in QUICKDRAW]),
    "Quick Draw 3 x 3,000 rows, no Range": ("quickdraw", False, [f"{n}.npy" for n in QUICKDRAW]),
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

    make_data()
    www = OUT / "www"
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
