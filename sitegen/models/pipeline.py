"""Phase 4, one model at a time: check, find in the cache, or build (train/load, convert, evaluate).

A model is a cached artifact (sitegen.artifacts) holding model.json, its shards,
class_names.txt, metadata.json and the shipped model's answers on the test split
(test_predictions.bin, see predictions.py). Its key is the data set's key (the built data,
not its title), the model kind's inputs, the options that change the files, and the
versions of the model stack; title, description and the drawing preprocessing (from the data set's
canvas) are added when the artifact is used, so changing them retrains nothing.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..artifacts import ArtifactStore, InputHashes, artifact_key
from ..config.models import ModelConfig
from ..context import BuildContext, DatasetArtifact, ModelArtifact
from ..demos import unavailable_notice
from .kinds import ModelKind, model_kind_for
from .metadata import preprocessing_for
from .runtime import package_versions

METADATA = "metadata.json"
CLASS_NAMES = "class_names.txt"
#: bump when the files sitegen writes for a model change shape (3: test_predictions.bin)
MODEL_FORMAT_VERSION = 3


def build_model(ctx: BuildContext, config: ModelConfig, dataset: DatasetArtifact, store: ArtifactStore,
                hashes: InputHashes) -> ModelArtifact:
    name = config.name
    if not dataset.available:
        # For a reader: the data set's own sentence says why (it could not be downloaded).
        return ModelArtifact(name=name, dataset=config.dataset, available=False,
                             notice=dataset.notice or unavailable_notice("model", config.title,
                                                                                "could not be built for this site"))
    input_shape = tuple(int(n) for n in dataset.shape)
    kind = model_kind_for(config)
    kind.precheck(input_shape, len(dataset.classes))
    key = artifact_key(version=MODEL_FORMAT_VERSION, name=name, options=config.key_values(), data=dataset.key,
                       inputs=kind.inputs(hashes), versions=package_versions())
    started = time.monotonic()
    folder, built = store.get(name, key, lambda staging: build_into(ctx, kind, dataset, staging),
                              rebuild=ctx.retrain)
    ctx.info(f"model {name}: built in {time.monotonic() - started:.1f}s" if built else
             f"model {name}: up to date (cached)")
    return artifact_from_cache(config, folder, dataset)


def build_into(ctx: BuildContext, kind: ModelKind, dataset: DatasetArtifact, folder: Path) -> None:
    """Make, train (if the kind trains), convert and evaluate the model into ``folder``."""
    from ..datasets.format import read_built
    from .conversion import convert_to_tfjs, copy_tfjs_model, load_tfjs_model, tfjs_files, wire_bytes
    from .evaluation import evaluate_predictions, predict_probabilities
    from .keras_models import check_model_fits
    from .metadata import keras_summary
    from .predictions import write_test_predictions
    from .training import TrainingOptions, seed_everything, train_model

    config = kind.config
    data = read_built(dataset.dir)
    input_shape = tuple(int(n) for n in data.shape)
    history = None
    if kind.trains:
        seed_everything(config.seed)
    model = kind.make(ctx, input_shape, data.num_classes)
    if kind.trains:
        ctx.info(f"model {config.name}: training {model.count_params():,} parameters on {len(data.x_train):,} "
                 f"examples ({config.epochs} epoch{'s' if config.epochs != 1 else ''})")
        history = train_model(model, data.x_train, data.y_train, TrainingOptions.from_config(config),
                              console=ctx.console, progress=ctx.progress, label=config.name)
    if model is None:  # a TF.js folder copied as is
        copy_tfjs_model(kind.tfjs_folder, folder)
    else:
        convert_to_tfjs(model, folder, config.quantize)
    served = load_tfjs_model(folder)  # what the browser will get, dequantized
    check_model_fits(served, input_shape, data.num_classes, where=kind.spec)
    # Scores and the shipped answers come from the served model: with quantized weights that
    # is what readers run. The Keras model is asked too, so that a difference shows.
    probabilities = predict_probabilities(served, data.x_test)
    evaluation = evaluate_predictions(probabilities, data.y_test, data.num_classes)
    keras_probabilities = None if model is None else predict_probabilities(model, data.x_test)
    keras_accuracy = evaluation.accuracy if keras_probabilities is None else \
        evaluate_predictions(keras_probabilities, data.y_test, data.num_classes).accuracy
    test_predictions = write_test_predictions(folder, probabilities, data.manifest, keras_probabilities)
    files = tfjs_files(folder)
    (folder / CLASS_NAMES).write_text("".join(c + "\n" for c in data.classes), encoding="utf-8")
    metadata = {
        "name": config.name,
        "dataset": config.dataset,
        "source": config.source,
        "classes": data.classes,
        "input_shape": list(input_shape),
        **evaluation.as_dict(),
        "keras_test_accuracy": keras_accuracy,
        "test_predictions": test_predictions,
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
    (folder / METADATA).write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")


def artifact_from_cache(config: ModelConfig, folder: Path, dataset: DatasetArtifact) -> ModelArtifact:
    """The artifact for a complete cache folder, with the descriptive parts of metadata.json
    (title, description, how to prepare a drawing) fresh from the config."""
    from .conversion import tfjs_files

    metadata = json.loads((folder / METADATA).read_text(encoding="utf-8"))
    metadata["title"] = config.title or config.name
    metadata["description"] = config.description
    metadata["preprocessing"] = preprocessing_for(dataset.manifest, metadata["input_shape"])
    prefix = f"models/{config.name}/"
    files: dict = {prefix + path.relative_to(folder).as_posix(): path for path in tfjs_files(folder)}
    files[prefix + CLASS_NAMES] = folder / CLASS_NAMES
    files[prefix + metadata["test_predictions"]["path"]] = folder / metadata["test_predictions"]["path"]
    files[prefix + METADATA] = json.dumps(metadata, ensure_ascii=False, indent=1).encode("utf-8")
    return ModelArtifact(name=config.name, dataset=config.dataset, available=True, metadata=metadata,
                         dir=folder, files=files)
