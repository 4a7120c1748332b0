"""Data sets (phase 3): raw files -> sprite PNG shards, one-hot labels, manifest and the
MnistData loader (data.js) under data/<name>/ of the site.

Public API:
- `build_datasets(ctx)` -> {name: DatasetArtifact}; the artifacts' ``files`` hold every
  file of ``data/<name>/``.
- `datasets_config_file(config, artifacts)` -> the bytes of ``data/datasets-config.json``
  (the model-builder format, every data set and layer list), to be written at `DATASETS_CONFIG`.
- `model_builder_config_file(config, artifacts)` -> the bytes of
  ``data/model-builder-datasets-config.json``, at `MODEL_BUILDER_CONFIG`: only what the
  deeplearn.js model builder itself can load (model_builder.py); `datasets_config_files` gives both.
- `read_built(directory)` -> `BuiltData`: a built data set (``artifact.dir``) decoded back
  into numpy arrays, exactly the pixels and labels the browser gets.
"""

from .build import (DATASETS_CONFIG, MODEL_BUILDER_CONFIG, build_datasets, datasets_config_file, datasets_config_files,
                    model_builder_config_file)
from .format import BuiltData, read_built

__all__ = ["BuiltData", "DATASETS_CONFIG", "MODEL_BUILDER_CONFIG", "build_datasets", "datasets_config_file",
           "datasets_config_files", "model_builder_config_file", "read_built"]
