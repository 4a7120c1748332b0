"""Phase 4, one model at a time: check, find in the cache, or build (train/load, convert, evaluate).

A cache folder ``<cache>/models/<name>-<key>/`` holds model.json, its shards,
class_names.txt and metadata.json. It is filled under a ``.partial`` name and renamed
when complete, so a failed or interrupted build never leaves a half model that a later
build would take for a cache hit.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from ..context import BuildContext, DatasetArtifact, ModelArtifact
from .cache import cache_folder, model_cache_key, remove_stale
from .config import ModelConfig
from .layers import infer_shapes, read_layer_list
from .loading import saved_model_kind

METADATA = "metadata.json"
CLASS_NAMES = "class_names.txt"


def build_model(ctx: BuildContext, config: ModelConfig, dataset: DatasetArtifact) -> ModelArtifact:
    name = config.name
    if not dataset.available:
        reason = f" ({dataset.notice})" if dataset.notice else ""
        return ModelArtifact(name=name, dataset=config.dataset, available=False,
                             notice=f"The model '{name}' is not available because its data set "
                                    f"'{config.dataset}' is not{reason}.")
    input_shape = tuple(int(n) for n in (dataset.manifest.get("shape") or dataset.shape))
    num_classes = len(dataset.classes or dataset.manifest.get("classes", []))
    precheck_spec(config, input_shape, num_classes)

    key = model_cache_key(config, dataset.manifest)
    folder = cache_folder(ctx.cache_dir, name, key)
    if (folder / METADATA).is_file() and not ctx.retrain:
        ctx.info(f"model {name}: up to date (cached)")
    else:
        started = time.monotonic()
        build_into_cache(ctx, config, dataset, folder)
        remove_stale(ctx.cache_dir, name, keep=folder)
        ctx.info(f"model {name}: built in {time.monotonic() - started:.1f}s")
    return artifact_from_cache(config, folder)


def precheck_spec(config: ModelConfig, input_shape, num_classes: int) -> None:
    """Fail fast, before TensorFlow is imported, on problems visible without it."""
    if config.source == "layers":
        infer_shapes(read_layer_list(config.layers), input_shape, num_classes, where=config.layers)
    elif config.source == "load":
        saved_model_kind(config.load)


def build_into_cache(ctx: BuildContext, config: ModelConfig, dataset: DatasetArtifact, folder: Path) -> None:
    from ..datasets.built import read_built
    from .conversion import convert_to_tfjs, copy_tfjs_model, load_tfjs_model, tfjs_files, wire_bytes
    from .evaluation import evaluate_predictions, predict_probabilities
    from .keras_models import check_model_fits
    from .metadata import keras_summary, preprocessing_for
    from .runtime import package_versions

    data = read_built(dataset.dir)
    input_shape = tuple(int(n) for n in data.shape)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        model, history = make_model(ctx, config, data, input_shape)
        where = config.load or config.builder_path or config.layers
        if model is None:  # a TF.js folder copied as is
            copy_tfjs_model(tfjs_folder(config.load), partial)
        else:
            convert_to_tfjs(model, partial, config.quantize)
        served = load_tfjs_model(partial)  # what the browser will get, dequantized
        check_model_fits(served, input_shape, data.num_classes, where=where)
        evaluation = evaluate_predictions(predict_probabilities(served, data.x_test), data.y_test, data.num_classes)
        keras_accuracy = evaluation.accuracy
        if model is not None and config.quantize != "none":
            keras_accuracy = evaluate_predictions(predict_probabilities(model, data.x_test), data.y_test,
                                                  data.num_classes).accuracy
        files = tfjs_files(partial)
        (partial / CLASS_NAMES).write_text("".join(c + "\n" for c in data.classes), encoding="utf-8")
        metadata = {
            "name": config.name,
            "dataset": config.dataset,
            "source": config.source,
            "classes": data.classes,
            "input_shape": list(input_shape),
            "preprocessing": preprocessing_for(data.manifest, list(input_shape)),
            **evaluation.as_dict(),
            "keras_test_accuracy": keras_accuracy,
            "history": history,
            "training": None if history is None else {
                "epochs": config.epochs, "batch_size": config.batch_size, "optimizer": config.optimizer,
                "learning_rate": config.learning_rate, "validation_split": config.validation_split,
                "seed": config.seed},
            "params": int(served.count_params()),
            "summary": keras_summary(served),
            "quantize": config.quantize if model is not None else "as loaded",
            "files": [f.name for f in files],
            "bytes": wire_bytes(files),
            "versions": package_versions(),
        }
        (partial / METADATA).write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


def make_model(ctx: BuildContext, config: ModelConfig, data, input_shape):
    """(model, history): a trained model, a loaded one (history None), or (None, None) for a TF.js folder."""
    from .keras_models import check_model_fits, keras_from_builder, keras_from_layer_list, with_softmax
    from .loading import load_keras_model
    from .training import seed_everything, train_model

    if config.source == "load":
        kind = saved_model_kind(config.load)
        if kind == "tfjs":
            if config.quantize != "none":
                # re-convert so the requested quantization applies
                from .conversion import load_tfjs_model
                return load_tfjs_model(tfjs_folder(config.load)), None
            return None, None
        ctx.info(f"model {config.name}: loading {config.load}")
        model = load_keras_model(config.load, kind)
        check_model_fits(model, input_shape, data.num_classes, where=config.load)
        model, added = with_softmax(model)
        if added:
            ctx.warn(f"{config.load}: the model ends without a softmax; sitegen added one")
        return model, None

    seed_everything(config.seed)
    if config.source == "layers":
        model = keras_from_layer_list(read_layer_list(config.layers), input_shape, data.num_classes,
                                      config.name, where=config.layers)
    else:
        model = keras_from_builder(config.builder_path, config.builder_function, input_shape, data.num_classes,
                                   where=config.builder_path)
        model, added = with_softmax(model)
        if added:
            ctx.warn(f"{config.builder}: the model ends without a softmax; sitegen added one")
    ctx.info(f"model {config.name}: training {model.count_params():,} parameters on {len(data.x_train):,} "
             f"examples ({config.epochs} epochs)")
    history = train_model(model, data.x_train, data.y_train, _options(config), console=ctx.console,
                          progress=ctx.progress, label=config.name)
    return model, history


def tfjs_folder(load: Path) -> Path:
    """``load`` may name a TF.js model's folder or its model.json."""
    return load if load.is_dir() else load.parent


def _options(config: ModelConfig):
    from .training import TrainingOptions

    return TrainingOptions.from_config(config)


def artifact_from_cache(config: ModelConfig, folder: Path) -> ModelArtifact:
    """The artifact for a complete cache folder; title and description come fresh from the config."""
    from .conversion import tfjs_files

    metadata = json.loads((folder / METADATA).read_text(encoding="utf-8"))
    metadata["title"] = config.title or config.name
    metadata["description"] = config.description
    prefix = f"models/{config.name}/"
    files: dict = {prefix + path.relative_to(folder).as_posix(): path for path in tfjs_files(folder)}
    files[prefix + CLASS_NAMES] = folder / CLASS_NAMES
    files[prefix + METADATA] = json.dumps(metadata, ensure_ascii=False, indent=1).encode("utf-8")
    return ModelArtifact(name=config.name, dataset=config.dataset, available=True, metadata=metadata,
                         dir=folder, files=files)

