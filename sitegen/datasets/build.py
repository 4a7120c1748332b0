"""Phase 3: every declared data set -> the browser-ready files of data/<name>/.

Per data set: find its input files and their content hashes, and if the cache has no
build for those inputs and options: read the source, subset, split, shuffle and write
the sprite shards, labels and manifest into the cache. The artifact then points at the
cached files; only the write phase copies them into the site.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Callable


from ..context import BuildContext, DatasetArtifact
from ..errors import DataError
from .built import CLASSES, LABELS, LOADER, MANIFEST, read_manifest, write_built
from .cache import FileHashes, cache_key
from .config import IDX_FILES
from .examples import Examples
from .loader import render_loader
from .progress import progress_task
from .sources import idx, image_folder, npy, sample, url
from .split import check_classes, limit, split

DATA_DIR = "data"
DATASETS_CONFIG = f"{DATA_DIR}/datasets-config.json"


def build_datasets(ctx: BuildContext) -> dict[str, DatasetArtifact]:
    """Build (or take from the cache) every data set of ``ctx.config.datasets``."""
    hashes = FileHashes(ctx.cache_dir / "datasets" / "file-hashes.json")
    try:
        return {name: build_dataset(ctx, name, config, hashes) for name, config in ctx.config.datasets.items()}
    finally:
        hashes.save()


def build_dataset(ctx: BuildContext, name: str, config, hashes: FileHashes) -> DatasetArtifact:
    started = time.perf_counter()
    try:
        inputs, local_files = find_inputs(ctx, config, hashes)
        directory = ctx.cache_dir / "datasets" / f"{name}-{cache_key(config, inputs)[:16]}"
        if (directory / MANIFEST).is_file():
            data_manifest = read_manifest(directory)
            ctx.info(f"data: {name}: up to date ({data_manifest['counts']['total']:,} examples, cached)")
        else:
            ctx.info(f"data: {name}: building from {config.source} source")
            data_manifest = make_dataset(ctx, name, config, local_files(), directory)
            remove_stale_builds(directory)
            ctx.info(f"data: {name}: {data_manifest['counts']['train']:,} training and "
                     f"{data_manifest['counts']['test']:,} test examples in {time.perf_counter() - started:.1f} s")
    except url.Unavailable as e:
        ctx.warn(f"data set '{name}': {e}")
        return DatasetArtifact(name=name, available=False,
                               notice=f"The data set “{config.display_title}” could not be downloaded when this "
                                      f"site was built, so this demo is not available.")
    return make_artifact(name, config, directory, data_manifest)


def find_inputs(ctx: BuildContext, config, hashes: FileHashes) -> tuple[dict[str, str], Callable[[], dict]]:
    """Content hashes of the inputs (for the cache key) and a function giving the local
    files to read (which, for a url source, may download)."""
    if config.source == "url":
        lock = url.LockFile(ctx.config.site_dir / url.LOCK_NAME)
        known = url.expected_hashes(config, lock)
        if None in known:  # first build: the hash of a download is only known once it is here
            fetched = url.fetch_all(ctx, config, ctx.config.file, lock)
            known = url.expected_hashes(config, lock)
            return dict(zip(config.url, known)), lambda: url_files(config, fetched)
        return dict(zip(config.url, known)), lambda: url_files(config, url.fetch_all(ctx, config, ctx.config.file,
                                                                                   lock))
    if config.source == "sample":
        path = sample.sample_path(config.sample)
        return {config.sample: hashes.sha256(path)}, lambda: {"path": path}
    if config.source == "idx":
        paths = {key: getattr(config, key) for key in idx_keys(config)}
        return {key: hashes.sha256(path) for key, path in paths.items()}, lambda: paths
    root: Path = config.path
    if root.is_file():
        return {root.name: hashes.sha256(root)}, lambda: {"path": root}
    suffixes = {".npy"} if config.source == "npy" else image_folder.IMAGE_SUFFIXES
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in suffixes and p.is_file())
    inputs = {p.relative_to(root).as_posix(): hashes.sha256(p) for p in files}
    return inputs, lambda: {"path": root}


def idx_keys(config) -> list[str]:
    return [key for key in IDX_FILES if getattr(config, key, None) is not None]


def url_files(config, fetched: dict[str, Path]) -> dict[str, Path]:
    """Map the options of a url source onto its downloaded files."""
    names = getattr(config, "download_names", {})
    if config.format == "idx":
        return {key: fetched[name] for key, name in names.items() if key != "path"}
    if "path" in names:
        return {"path": fetched[names["path"]]}
    if config.format == "npz":
        return {"path": next(iter(fetched.values()))}
    return {"path": npy_folder(fetched)}


def npy_folder(fetched: dict[str, Path]) -> Path:
    """One folder of ``<class>.npy`` links to downloads that each live in a folder of their own."""
    key = hashlib.sha256("\n".join(sorted(str(p) for p in fetched.values())).encode()).hexdigest()[:16]
    folder = url.downloads_dir() / "sets" / key
    folder.mkdir(parents=True, exist_ok=True)
    for path in fetched.values():
        link = folder / path.name
        if not link.exists():
            link.symlink_to(path)
    return folder


def read_examples(ctx: BuildContext, config, files: dict[str, Path]) -> Examples:
    kind = config.kind
    if kind == "idx":
        with progress_task(ctx, "reading IDX files", None):
            return idx.read_idx(config, files)
    if kind in ("npy", "npz"):
        with progress_task(ctx, f"reading {files['path'].name}", None):
            return npy.read_npy(config, files["path"])
    if kind == "sample":
        with progress_task(ctx, f"reading sample '{config.sample}'", None):
            return sample.read_sample(config, files["path"])
    found = image_folder.list_images(config, files["path"])
    with progress_task(ctx, f"reading {len(found):,} images", len(found)) as advance:
        return image_folder.read_image_folder(config, files["path"], advance)


def make_dataset(ctx: BuildContext, name: str, config, files: dict[str, Path], directory: Path) -> dict:
    """Read, check, split and write one data set into ``directory``; return its manifest."""
    examples = read_examples(ctx, config, files)
    where = files.get("path") or files.get("labels")
    if config.shape is not None and list(examples.shape) != list(config.shape):
        raise DataError(f"images have shape {list(examples.shape)}, the data set declares shape = {config.shape}",
                        where=where)
    check_classes(examples, where)
    if config.invert:
        examples.images = 255 - examples.images
    examples = limit(examples, config.max_per_class, config.max_examples, config.seed)
    check_classes(examples, where)
    train, test, how = split(examples, config.test_fraction, config.seed, where)
    about = {
        "name": name,
        "source": {"kind": config.source, "format": config.kind, "description": examples.description},
        "split": {"description": how, "seed": config.seed, "testFraction": config.test_fraction},
    }
    partial = directory.with_name(f"{directory.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    total = len(train) + len(test)
    try:
        with progress_task(ctx, f"encoding {total:,} examples", total) as advance:
            manifest = write_built(partial, examples.images[train], examples.labels[train], examples.images[test],
                                   examples.labels[test], examples.classes, about, on_shard=advance)
        os.replace(partial, directory)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return manifest


def remove_stale_builds(current: Path) -> None:
    """Drop older cached builds of the same data set (same name, another key)."""
    name = current.name.rsplit("-", 1)[0]
    pattern = re.compile(re.escape(name) + r"-[0-9a-f]{16}")
    for other in current.parent.iterdir():
        if other != current and pattern.fullmatch(other.name):
            shutil.rmtree(other, ignore_errors=True)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "model"


def make_artifact(name: str, config, directory: Path, data_manifest: dict) -> DatasetArtifact:
    """The artifact of a built data set: the cached files plus the descriptive options."""
    model_configs, files = {}, {}
    for title, path in config.model_configs.items():
        relative = f"model-configs/{slug(title)}.json"
        model_configs[title] = {"path": relative}
        files[f"{DATA_DIR}/{name}/{relative}"] = path
    manifest = {**data_manifest, "title": config.display_title, "description": config.description,
                "canvas": config.canvas, "modelConfigs": model_configs}
    prefix = f"{DATA_DIR}/{name}/"
    for shard in manifest["shards"]:
        files[prefix + shard["path"]] = directory / shard["path"]
    files[prefix + LABELS] = directory / LABELS
    files[prefix + CLASSES] = directory / CLASSES
    files[prefix + MANIFEST] = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    files[prefix + LOADER] = render_loader(manifest)
    counts = manifest["counts"]
    return DatasetArtifact(name=name, available=True, classes=list(manifest["classes"]),
                           shape=tuple(manifest["shape"]), num_train=counts["train"], num_test=counts["test"],
                           manifest=manifest, dir=directory, files=files)


def datasets_config_file(config, artifacts: dict[str, DatasetArtifact]) -> bytes:
    """``data/datasets-config.json`` in the deeplearn.js model-builder format, for the data
    sets of ``config`` (the SiteConfig) that could be built.

    Paths are relative to ``data/``. ``path`` of the images entry is the first sprite
    shard (what a one-file reader expects); ``paths`` lists every shard in row order and
    ``manifest`` points at the full description (row ranges, split, sha256s).
    """
    out = {}
    for name in config.datasets:
        artifact = artifacts.get(name)
        if artifact is None or not artifact.available:
            continue
        manifest = artifact.manifest
        shards = [f"{name}/{shard['path']}" for shard in manifest["shards"]]
        title = manifest["title"] if manifest["title"] not in out else f"{manifest['title']} ({name})"
        out[title] = {
            "data": [
                {"name": "images", "path": shards[0], "paths": shards, "dataType": "png",
                 "shape": manifest["shape"]},
                {"name": "labels", "path": f"{name}/{manifest['labels']['path']}", "dataType": "uint8",
                 "shape": [manifest["numClasses"]]},
            ],
            "labelClassNames": manifest["classes"],
            "modelConfigs": {model_title: {"path": f"{name}/{entry['path']}"}
                             for model_title, entry in manifest["modelConfigs"].items()},
            "manifest": f"{name}/{MANIFEST}",
            "counts": manifest["counts"],
        }
    return (json.dumps(out, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
