"""Cached artifacts (sitegen.artifacts): hits, misses, failures, concurrency, and what keys hold.

The last tests build a scratch site with a data set and a model end to end: retitling
rebuilds and retrains nothing, and two cold builds of one site at once both succeed,
building each artifact once.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sitegen.artifacts import ArtifactStore, InputHashes, artifact_key, staged_folder

ROOT = Path(__file__).resolve().parent.parent


def write(folder: Path, text: str) -> None:
    (folder / "out.txt").write_text(text)


def test_miss_builds_then_hit_reuses(tmp_path):
    store = ArtifactStore(tmp_path / "store")
    calls = []
    folder, built = store.get("data", "ab" * 32, lambda f: calls.append(f) or write(f, "one"))
    assert built and folder == tmp_path / "store" / f"data-{'ab' * 8}" and (folder / "out.txt").read_text() == "one"
    again, built_again = store.get("data", "ab" * 32, lambda f: calls.append(f))
    assert again == folder and not built_again and len(calls) == 1
    assert oct(folder.stat().st_mode & 0o777) == "0o755"


def test_new_key_prunes_the_old_one_but_not_other_names(tmp_path):
    store = ArtifactStore(tmp_path)
    old, _ = store.get("mnist", "1" * 64, lambda f: write(f, "old"))
    other, _ = store.get("mnist-conv", "2" * 64, lambda f: write(f, "other"))  # a name that extends "mnist"
    leftover = tmp_path / f".mnist-{'3' * 16}.new-abc"  # staging of a build that was killed
    leftover.mkdir()
    new, _ = store.get("mnist", "3" * 64, lambda f: write(f, "new"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([new.name, other.name])


@pytest.mark.parametrize("failure", [ValueError("bad data"), KeyboardInterrupt()])
def test_failed_or_interrupted_build_leaves_nothing(tmp_path, failure):
    store = ArtifactStore(tmp_path)
    kept, _ = store.get("d", "1" * 64, lambda f: write(f, "kept"))

    def fail(folder):
        write(folder, "half")
        raise failure

    with pytest.raises(type(failure)):
        store.get("d", "2" * 64, fail)
    assert [p.name for p in tmp_path.iterdir()] == [kept.name] and (kept / "out.txt").read_text() == "kept"
    with pytest.raises(type(failure)):
        store.get("d", "1" * 64, fail, rebuild=True)
    assert (kept / "out.txt").read_text() == "kept"


def test_rebuild_replaces_in_place(tmp_path):
    store = ArtifactStore(tmp_path)
    first, _ = store.get("d", "1" * 64, lambda f: write(f, "first"))
    second, built = store.get("d", "1" * 64, lambda f: write(f, "second"), rebuild=True)
    assert built and second == first and (second / "out.txt").read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == [first.name]


def _slow_build(root: str, log: str) -> str:
    def build(folder: Path) -> None:
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")
        time.sleep(0.5)
        write(folder, "done")

    folder, _ = ArtifactStore(Path(root)).get("d", "4" * 64, build)
    return (folder / "out.txt").read_text()


def test_two_processes_build_one_artifact_once(tmp_path):
    log = tmp_path / "builds.log"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.starmap(_slow_build, [(str(tmp_path / "store"), str(log))] * 2)
    assert results == ["done", "done"]
    assert len(log.read_text().splitlines()) == 1


def test_staged_folder_swaps_whole_folders(tmp_path):
    target = tmp_path / "site"
    target.mkdir()
    (target / "old.html").write_text("old")
    with staged_folder(target) as staging:
        (staging / "new.html").write_text("new")
        assert (target / "old.html").exists()  # untouched until the block ends
    assert [p.name for p in target.iterdir()] == ["new.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_input_hashes_stat_first(tmp_path):
    data = tmp_path / "a.bin"
    data.write_bytes(b"one")
    with InputHashes(tmp_path / "hashes.json") as hashes:
        first = hashes.file(data)
    stat = data.stat()
    data.write_bytes(b"two")  # same size; put the old mtime back: only stat() is consulted
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert InputHashes(tmp_path / "hashes.json").file(data) == first
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert InputHashes(tmp_path / "hashes.json").file(data) != first
    folder = tmp_path / "imgs"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "x.png").write_bytes(b"png")
    (folder / "notes.txt").write_text("ignored")
    assert list(InputHashes(tmp_path / "h2.json").tree(folder, {".png"})) == ["sub/x.png"]


def test_artifact_key_depends_on_every_part():
    base = artifact_key(version=1, options={"a": 1}, inputs={"f": "00"})
    assert base == artifact_key(inputs={"f": "00"}, options={"a": 1}, version=1)
    assert len({base, artifact_key(version=2, options={"a": 1}, inputs={"f": "00"}),
                artifact_key(version=1, options={"a": 2}, inputs={"f": "00"}),
                artifact_key(version=1, options={"a": 1}, inputs={"f": "01"})}) == 4


# --- whole builds --------------------------------------------------------------------------

TINY_LAYERS = [{"layerName": "Flatten"}, {"layerName": "Fully connected", "hiddenUnits": 3}]


def scratch_site(folder: Path, data_title="Bars", model_title="Tiny", description="Bars of three widths.") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(0)
    (folder / "data").mkdir(exist_ok=True)
    for k, name in enumerate(["thin", "mid", "wide"]):
        images = rng.randint(0, 40, (40, 28, 28), dtype=np.uint8)
        images[:, :, 4:4 + 6 * (k + 1)] = 220
        np.save(folder / "data" / f"{name}.npy", images.reshape(40, 784))
    (folder / "tiny.json").write_text(json.dumps(TINY_LAYERS))
    (folder / "content").mkdir(exist_ok=True)
    (folder / "content" / "index.md").write_text("---\ntitle: Home\n---\nBars.\n")
    (folder / "sitegen.toml").write_text(f'''title = "Scratch"

[datasets.bars]
source = "npy"
path = "data"
title = "{data_title}"
description = "{description}"

[models.tiny]
dataset = "bars"
layers = "tiny.json"
epochs = 1
title = "{model_title}"
description = "{description}"
''')
    return folder


def run_build(site: Path, **popen) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sitegen.cli", "build", str(site)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, **popen)


@pytest.mark.slow
def test_retitling_rebuilds_and_retrains_nothing(tmp_path, npm_available):
    site = scratch_site(tmp_path / "site")
    first = run_build(site)
    first_log = first.stdout.read()
    assert first.wait() == 0, first_log
    # a build prints only sitegen's lines: no TensorFlow log spam
    assert "model tiny: training" in first_log and not re.search(r"tensorflow/|NodeDef|absl|cuDNN|oneDNN", first_log)
    model_dirs = sorted(p.name for p in (site / ".sitegen-cache" / "models").iterdir())
    scratch_site(site, data_title="Bars of three widths", model_title="A tiny net", description="Retold.")
    second = run_build(site)
    log = second.stdout.read()
    assert second.wait() == 0, log
    assert "data: bars: up to date" in log and "model tiny: up to date (cached)" in log, log
    assert sorted(p.name for p in (site / ".sitegen-cache" / "models").iterdir()) == model_dirs
    metadata = json.loads((site / "_site" / "models" / "tiny" / "metadata.json").read_text())
    manifest = json.loads((site / "_site" / "data" / "bars" / "manifest.json").read_text())
    assert (metadata["title"], metadata["description"]) == ("A tiny net", "Retold.")
    assert (manifest["title"], manifest["description"]) == ("Bars of three widths", "Retold.")


@pytest.mark.slow
def test_two_cold_builds_of_one_site_at_once_both_succeed(tmp_path, npm_available):
    site = scratch_site(tmp_path / "site")
    builds = [run_build(site), run_build(site)]
    logs = [b.stdout.read() for b in builds]
    assert [b.wait() for b in builds] == [0, 0], logs
    both = "\n".join(logs)
    assert len(re.findall(r"data: bars: [\d,]+ training and", both)) == 1, both
    assert both.count("model tiny: built in") == 1 and both.count("model tiny: up to date (cached)") == 1, both
    assert (site / "_site" / "models" / "tiny" / "model.json").is_file()
    assert sorted(p.name for p in site.iterdir()) == [".sitegen-cache", "_site", "content", "data", "sitegen.toml",
                                                      "tiny.json"]


@pytest.mark.slow
def test_explore_demo_with_a_model_of_other_data_fails_at_build_time(tmp_path, npm_available):
    from sitegen.build import build
    from sitegen.errors import ConfigError

    site = scratch_site(tmp_path / "site")
    (site / "pair").mkdir()
    for name in ("thin", "wide"):
        (site / "pair" / f"{name}.npy").write_bytes((site / "data" / f"{name}.npy").read_bytes())
    with open(site / "sitegen.toml", "a") as toml:
        toml.write('\n[datasets.pair]\nsource = "npy"\npath = "pair"\n')
    page = site / "content" / "index.md"
    page.write_text("---\ntitle: Home\n---\nBars.\n\n```demo\nkind: explore\ndataset: pair\nmodel: tiny\n```\n")
    with pytest.raises(ConfigError) as err:
        build(site, progress=False, console=__import__("rich.console").console.Console(file=open(os.devnull, "w")))
    assert str(err.value) == (f"{page}:6: demo block: the model 'tiny' was trained on 28x28x1 images of 3 classes, "
                              f"but the data set 'pair' holds 28x28x1 images of 2 classes")
