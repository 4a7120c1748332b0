"""The one place that imports TensorFlow (and tensorflowjs), lazily.

The tensorflowjs converter only handles Keras 2 models, so ``TF_USE_LEGACY_KERAS=1`` must
be set before TensorFlow is first imported; then ``tf.keras`` is tf_keras. Importing
TensorFlow takes seconds, so a build where every model is cached never calls this.
"""

from __future__ import annotations

import os
from importlib import metadata

from ..errors import ModelError


def import_tensorflow():
    """Return the ``tensorflow`` module, configured for Keras 2 and quiet logs."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # tensorflowjs imports TF Decision Forests, whose welcome message needs IPython when
    # stdout is not a terminal (pytest, CI logs): without this the import fails there
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    try:
        import tensorflow as tf
    except ImportError:
        raise ModelError("training or converting a model needs TensorFlow: install sitegen with its model stack, "
                         "pip install 'sitegen[ml]' (tensorflow 2.19, tf-keras, tensorflowjs 4.22, ydf 0.13)") from None

    tf.get_logger().setLevel("ERROR")  # Python-side notices ("compiled metrics not built") are noise here
    return tf


def import_tensorflowjs():
    """Return the ``tensorflowjs`` package (after TensorFlow is set up)."""
    import_tensorflow()
    import tensorflowjs

    return tensorflowjs


def package_versions() -> dict[str, str]:
    """Installed versions of the model stack, read without importing it (for cache keys and metadata)."""
    versions = {}
    for dist in ("tensorflow", "tf_keras", "tensorflowjs"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "missing"
    return versions
