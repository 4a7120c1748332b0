"""The one place that imports TensorFlow (and tensorflowjs), lazily.

The tensorflowjs converter only handles Keras 2 models, so ``TF_USE_LEGACY_KERAS=1`` must
be set before TensorFlow is first imported; then ``tf.keras`` is tf_keras. Importing
TensorFlow takes seconds, so a build where every model is cached never calls this.
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from importlib import metadata

from ..errors import ModelError


def import_tensorflow():
    """Return the ``tensorflow`` module, configured for Keras 2 and quiet logs."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    # 3: not even TensorFlow's C++ "errors" (e.g. "NodeDef mentions attribute ..." on every
    # fit): real failures reach sitegen as Python exceptions, and a build prints only its lines
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # tensorflowjs imports TF Decision Forests, whose welcome message needs IPython when
    # stdout is not a terminal (pytest, CI logs): without this the import fails there
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    try:
        with native_stderr_silenced():
            import tensorflow as tf

            # the first look at the devices logs too ("failed call to cuInit" without a GPU)
            tf.config.list_physical_devices()
    except ImportError:
        raise ModelError("training or converting a model needs TensorFlow: install sitegen with its model stack, "
                         "pip install 'sitegen[ml]' (tensorflow 2.19, tf-keras, tensorflowjs 4.22, ydf 0.13)") from None

    tf.get_logger().setLevel("ERROR")  # Python-side notices ("compiled metrics not built") are noise here
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    return tf


def import_tensorflowjs():
    """Return the ``tensorflowjs`` package (after TensorFlow is set up)."""
    import_tensorflow()
    with native_stderr_silenced():
        import tensorflowjs

    return tensorflowjs


@contextmanager
def native_stderr_silenced():
    """Send the process's own stderr (file descriptor 2) to a scratch file while TensorFlow's
    C++ libraries load: they log there before any log level applies ("Unable to register
    cuDNN factory", "computation placer already registered"). If the import fails, what they
    said is passed on."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as scratch:
        os.dup2(scratch.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            scratch.seek(0)
            sys.stderr.write(scratch.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def package_versions() -> dict[str, str]:
    """Installed versions of the model stack, read without importing it (for cache keys and metadata)."""
    versions = {}
    for dist in ("tensorflow", "tf_keras", "tensorflowjs"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "missing"
    return versions
