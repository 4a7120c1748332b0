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

import numpy as np

from ..artifacts import ArtifactStore, InputHashes, artifact_key
from ..context import BuildContext, DatasetArtifact
from ..demos import unavailable_notice
from ..errors import DataError
from ..models.layers import infer_shapes, read_layer_list
from .format import CLASSES, LOADER, MANIFEST, read_manifest, write_built
from .loader import render_loader
from .model_builder import (BUILDER_SPRITE, MODEL_BUILDER_CONFIG_NAME, builder_sprite, model_builder_refusal,
                            model_config_refusals, needs_builder_sprite, write_builder_sprite)
from .progress import progress_task
from .sources import Source, source_for
from .sources.url import Unavailable
from .split import check_classes, limit, split

DATA_DIR = "data"
DATASETS_CONFIG = f"{DATA_DIR}/datasets-config.json"
#: What the deeplearn.js model builder itself fetches (see model_builder.py).
MODEL_BUILDER_CONFIG = f"{DATA_DIR}/{MODEL_BUILDER_CONFIG_NAME}"
#: Bumped when the files a build writes change, so old cache entries are not reused.
BUILDER_VERSION = 6


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
                               notice=unavailable_notice("data set", config.title,
                                                         "could not be downloaded when this site was built"))
    data_manifest = read_manifest(directory)
    counts = data_manifest["counts"]
    if built:
        ctx.info(f"data: {name}: {counts['train']:,} training and {counts['test']:,} test examples in "
                 f"{time.perf_counter() - started:.1f} s")
    else:
        ctx.info(f"data: {name}: up to date ({counts['total']:,} examples, cached)")
    # What the deeplearn.js model builder cannot take is a note, not a warning (which would fail
    # --strict): sitegen's own train and model-builder demos still use the data set and its lists.
    reason = model_builder_refusal(data_manifest)
    if reason:
        ctx.info(f"data set '{name}': {reason}")
    else:
        for title, why in model_config_refusals(config.model_configs, data_manifest).items():
            ctx.info(f"data set '{name}': model config '{title}' ({shown_path(ctx, config.model_configs[title])}) "
                     f"is left out of {MODEL_BUILDER_CONFIG} (sitegen's own demos still offer it): {why}")
    return make_artifact(name, config, directory, data_manifest, key)


def shown_path(ctx: BuildContext, path) -> str:
    try:
        return Path(path).relative_to(ctx.config.site_dir).as_posix()
    except ValueError:
        return str(path)


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
    x_train, x_test = examples.images[train], examples.images[test]
    with progress_task(ctx, f"encoding {total:,} examples", total) as advance:
        manifest = write_built(directory, x_train, examples.labels[train], x_test, examples.labels[test],
                               examples.classes, about, on_shard=advance)
    if needs_builder_sprite(manifest):
        # The model builder reads one sprite (data[0].path), never a list of shards.
        write_builder_sprite(directory, np.concatenate([x_train, x_test]), manifest["shape"][2])


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "model"


def make_artifact(name: str, config, directory: Path, data_manifest: dict, key: str) -> DatasetArtifact:
    """The artifact of a built data set: the cached files plus the descriptive options."""
    model_configs, files = {}, {}
    for title, path in config.model_configs.items():
        # a layer list the widgets offer must fit this data: checked here, not in the reader's browser
        infer_shapes(read_layer_list(path), data_manifest["shape"], len(data_manifest["classes"]), where=path)
        relative = f"model-configs/{slug(title)}.json"
        model_configs[title] = {"path": relative}
        files[f"{DATA_DIR}/{name}/{relative}"] = path
    manifest = {**data_manifest, "title": config.display_title, "description": config.description,
                "canvas": config.canvas, "modelConfigs": model_configs}
    prefix = f"{DATA_DIR}/{name}/"
    for shard in manifest["shards"]:
        for file in (shard, shard.get("packed")):
            if file:
                files[prefix + file["path"]] = directory / file["path"]
    if needs_builder_sprite(manifest):
        files[prefix + BUILDER_SPRITE] = directory / BUILDER_SPRITE
    labels_file = manifest["labels"]["path"]
    files[prefix + labels_file] = directory / labels_file
    files[prefix + CLASSES] = directory / CLASSES
    files[prefix + MANIFEST] = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    files[prefix + LOADER] = render_loader(manifest)
    return DatasetArtifact(name=name, available=True, classes=list(manifest["classes"]),
                           shape=tuple(manifest["shape"]), manifest=manifest, key=key, dir=directory, files=files)


def datasets_config_file(config, artifacts: dict[str, DatasetArtifact]) -> bytes:
    """``data/datasets-config.json`` in the deeplearn.js model-builder format, for the data
    sets of ``config`` (the SiteConfig) that could be built; sitegen's own model-builder demo
    reads it, with every model config.

    Paths are relative to ``data/``. ``path`` of the images entry is the one sprite the model
    builder reads (`model_builder.builder_sprite`: the only shard, or ``model-builder-images.png``
    for a sharded data set); ``paths`` lists every shard in row order and ``manifest`` points
    at the full description (row ranges, split, sha256s).

    A data set the format cannot express (`model_builder_refusal`: too many classes for one-hot
    labels, too many examples for one PNG) gets an entry without ``data``, whose
    ``unsupported`` says why, so that nothing reads its labels wrongly.
    """
    out = {}
    for title, name, manifest, reason in _config_entries(config, artifacts):
        if reason:
            out[title] = {"unsupported": reason, "numClasses": manifest["numClasses"],
                          "manifest": f"{name}/{MANIFEST}", "counts": manifest["counts"]}
            continue
        out[title] = _builder_entry(name, manifest, manifest["modelConfigs"], with_shards=True)
    return _json_bytes(out)


def model_builder_config_file(config, artifacts: dict[str, DatasetArtifact]) -> bytes:
    """``data/model-builder-datasets-config.json``: what the deeplearn.js model builder loads.

    Only the data sets and layer lists it can load (model_builder.py has its rules): it makes
    a data set of every key, so a data set it cannot read is left out (datasets-config.json
    keeps its ``unsupported`` reason), and a layer list it cannot load is left out of
    ``modelConfigs`` and named, with the reason, in ``modelConfigsLeftOut`` (a key it ignores).
    Paths are relative to ``data/``, and the builder fetches them relative to its page: serve
    its page from ``data/``.
    """
    out = {}
    for title, name, manifest, reason in _config_entries(config, artifacts):
        if reason:
            continue
        refused = model_config_refusals(config.datasets[name].model_configs, manifest)
        offered = {t: entry for t, entry in manifest["modelConfigs"].items() if t not in refused}
        out[title] = _builder_entry(name, manifest, offered)
        if refused:
            out[title]["modelConfigsLeftOut"] = refused
    return _json_bytes(out)


def datasets_config_files(config, artifacts: dict[str, DatasetArtifact]) -> dict[str, bytes]:
    """Both catalogues of ``data/``: `DATASETS_CONFIG` and `MODEL_BUILDER_CONFIG`."""
    return {DATASETS_CONFIG: datasets_config_file(config, artifacts),
            MODEL_BUILDER_CONFIG: model_builder_config_file(config, artifacts)}


def _config_entries(config, artifacts: dict[str, DatasetArtifact]):
    """(title, name, manifest, refusal) of every built data set, in sitegen.toml's order."""
    titles: set[str] = set()
    for name in config.datasets:
        artifact = artifacts.get(name)
        if artifact is None or not artifact.available:
            continue
        manifest = artifact.manifest
        title = manifest["title"] if manifest["title"] not in titles else f"{manifest['title']} ({name})"
        titles.add(title)
        yield title, name, manifest, model_builder_refusal(manifest)


def _builder_entry(name: str, manifest: dict, model_configs: dict, with_shards: bool = False) -> dict:
    shards = {"paths": [f"{name}/{shard['path']}" for shard in manifest["shards"]]} if with_shards else {}
    return {
        "data": [
            {"name": "images", "path": f"{name}/{builder_sprite(manifest)}", **shards, "dataType": "png",
             "shape": manifest["shape"]},
            {"name": "labels", "path": f"{name}/{manifest['labels']['path']}", "dataType": "uint8",
             "shape": [manifest["numClasses"]]},
        ],
        "labelClassNames": manifest["classes"],
        "modelConfigs": {model_title: {"path": f"{name}/{entry['path']}"}
                         for model_title, entry in model_configs.items()},
        "manifest": f"{name}/{MANIFEST}",
        "counts": manifest["counts"],
    }


def _json_bytes(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
