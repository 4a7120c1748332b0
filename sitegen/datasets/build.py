"""Phase 3: every declared data set -> the browser-ready files of data/<name>/.

Per data set: its source (sources/) gives the content hashes of its inputs; with the options
that change the built files they key a cached artifact (sitegen.artifacts). When the cache
has none: read the source, subset, split, shuffle and write the sprite shards, labels and
manifest. The artifact then points at the cached files, with the descriptive options
(title, description, canvas, model configs) added fresh; only the write phase copies them
into the site.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from ..artifacts import ArtifactStore, InputHashes, artifact_key
from ..context import BuildContext, DatasetArtifact
from ..errors import DataError
from .format import CLASSES, LOADER, MANIFEST, ONE_HOT, read_manifest, write_built
from .loader import render_loader
from .progress import progress_task
from .sources import Source, source_for
from .sources.url import Unavailable
from .split import check_classes, limit, split

DATA_DIR = "data"
DATASETS_CONFIG = f"{DATA_DIR}/datasets-config.json"
#: Bumped when the files a build writes change, so old cache entries are not reused.
BUILDER_VERSION = 3


def build_datasets(ctx: BuildContext) -> dict[str, DatasetArtifact]:
    """Build (or take from the cache) every data set of ``ctx.config.datasets``."""
    store = ArtifactStore(ctx.cache_dir / "datasets")
    with InputHashes(ctx.cache_dir / "input-hashes.json") as hashes:
        return {name: build_dataset(ctx, config, store, hashes) for name, config in ctx.config.datasets.items()}


def build_dataset(ctx: BuildContext, config, store: ArtifactStore, hashes: InputHashes) -> DatasetArtifact:
    started = time.perf_counter()
    name = config.name
    source = source_for(config)
    try:
        key = artifact_key(version=BUILDER_VERSION, options=config.key_values(),
                           inputs=source.inputs(ctx, hashes))
        if store.lookup(name, key) is None:
            ctx.info(f"data: {name}: building from {config.source} source")
        directory, built = store.get(name, key, lambda staging: make_dataset(ctx, config, source, staging))
    except Unavailable as e:
        ctx.warn(f"data set '{name}': {e}")
        return DatasetArtifact(name=name, available=False,
                               notice=f"The data set “{config.display_title}” could not be downloaded when this "
                                      f"site was built, so this demo is not available.")
    data_manifest = read_manifest(directory)
    counts = data_manifest["counts"]
    if built:
        ctx.info(f"data: {name}: {counts['train']:,} training and {counts['test']:,} test examples in "
                 f"{time.perf_counter() - started:.1f} s")
    else:
        ctx.info(f"data: {name}: up to date ({counts['total']:,} examples, cached)")
    reason = model_builder_refusal(data_manifest)
    if reason:
        # A warning (which fails --strict) only where the author meant the data set for the model
        # builder; otherwise a note.
        (ctx.warn if config.model_configs else ctx.info)(f"data set '{name}': {reason}")
    return make_artifact(name, config, directory, data_manifest, key)


def make_dataset(ctx: BuildContext, config, source: Source, directory: Path) -> None:
    """Read, check, split and write one data set into ``directory``."""
    files = source.files(ctx)
    examples = source.read(ctx, files)
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
        "name": config.name,
        "source": {"kind": config.source, "format": config.kind, "description": examples.description},
        "split": {"description": how, "seed": config.seed, "testFraction": config.test_fraction},
    }
    total = len(train) + len(test)
    with progress_task(ctx, f"encoding {total:,} examples", total) as advance:
        write_built(directory, examples.images[train], examples.labels[train], examples.images[test],
                    examples.labels[test], examples.classes, about, on_shard=advance)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "model"


def make_artifact(name: str, config, directory: Path, data_manifest: dict, key: str) -> DatasetArtifact:
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
    labels_file = manifest["labels"]["path"]
    files[prefix + labels_file] = directory / labels_file
    files[prefix + CLASSES] = directory / CLASSES
    files[prefix + MANIFEST] = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    files[prefix + LOADER] = render_loader(manifest)
    return DatasetArtifact(name=name, available=True, classes=list(manifest["classes"]),
                           shape=tuple(manifest["shape"]), manifest=manifest, key=key, dir=directory, files=files)


def datasets_config_file(config, artifacts: dict[str, DatasetArtifact]) -> bytes:
    """``data/datasets-config.json`` in the deeplearn.js model-builder format, for the data
    sets of ``config`` (the SiteConfig) that could be built.

    Paths are relative to ``data/``. ``path`` of the images entry is the first sprite
    shard (what a one-file reader expects); ``paths`` lists every shard in row order and
    ``manifest`` points at the full description (row ranges, split, sha256s).

    A data set the format cannot express (`model_builder_refusal`) gets an entry without
    ``data``, whose ``unsupported`` says why, so that nothing reads its labels wrongly.
    """
    out = {}
    for name in config.datasets:
        artifact = artifacts.get(name)
        if artifact is None or not artifact.available:
            continue
        manifest = artifact.manifest
        shards = [f"{name}/{shard['path']}" for shard in manifest["shards"]]
        title = manifest["title"] if manifest["title"] not in out else f"{manifest['title']} ({name})"
        reason = model_builder_refusal(manifest)
        if reason:
            out[title] = {"unsupported": reason, "numClasses": manifest["numClasses"],
                          "manifest": f"{name}/{MANIFEST}", "counts": manifest["counts"]}
            continue
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


def model_builder_refusal(manifest: dict) -> str | None:
    """Why the deeplearn.js model builder cannot read a built data set, or None when it can.

    It reads labels as one-hot uint8 of ``shape[0]`` classes; a data set of many classes
    stores class indices instead (format.LABEL_ENCODINGS).
    """
    encoding = manifest["labels"].get("encoding", ONE_HOT)
    if encoding == ONE_HOT:
        return None
    classes = manifest["numClasses"]
    return (f"not offered to the deeplearn.js model builder: it reads labels as one-hot uint8, one byte per class "
            f"({classes:,} bytes per example here), and this data set of {classes:,} classes stores class indices "
            f"({encoding}, {manifest['labels']['bytesPerExample']} bytes per example); its MnistData loader "
            f"(data.js) one-hots them on the GPU")
