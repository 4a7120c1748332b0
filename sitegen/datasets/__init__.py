"""Data sets (phase 3): raw files -> sprite PNG shards, one-hot labels, manifest and the
MnistData loader (data.js) under data/<name>/ of the site.

Public API:
- `build_datasets(ctx)` -> {name: DatasetArtifact}; the artifacts' ``files`` hold every
  file of ``data/<name>/``.
- `datasets_config_file(config, artifacts)` -> the bytes of ``data/datasets-config.json``
  (the model-builder format), to be written at `DATASETS_CONFIG`.
- `read_built(directory)` -> `BuiltData`: a built data set (``artifact.dir``) decoded back
  into numpy arrays, exactly the pixels and labels the browser gets.
"""

from .build import DATASETS_CONFIG, build_datasets, datasets_config_file
from .format import BuiltData, read_built

__all__ = ["BuiltData", "DATASETS_CONFIG", "build_datasets", "datasets_config_file", "read_built"]
