"""Read a model the author already has: Keras 2 HDF5, a Keras SavedModel folder or a TF.js folder."""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelError
from .runtime import import_tensorflow

KERAS3_HINT = ("is a Keras 3 file; the tensorflowjs converter needs Keras 2: re-save it with tf_keras "
               "(import tf_keras; model = tf_keras.models.load_model(...) or rebuild it; model.save('model.h5')) "
               "and point 'load' at the .h5 file")


def saved_model_kind(path: Path) -> str:
    """'h5', 'savedmodel' or 'tfjs' for a path ``load`` may name; a clear ModelError otherwise.

    Needs no TensorFlow, so the build can reject a bad path before importing it.
    """
    path = Path(path)
    if not path.exists():
        raise ModelError("model file not found", where=path)
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".keras":
            raise ModelError(f"{path.name} {KERAS3_HINT}", where=path)
        if suffix in (".h5", ".hdf5"):
            with open(path, "rb") as f:
                if f.read(8) != b"\x89HDF\r\n\x1a\n":
                    raise ModelError("not an HDF5 file (corrupt or not a Keras .h5 model)", where=path)
            return "h5"
        if path.name == "model.json":
            return "tfjs"
        raise ModelError("expected a Keras 2 '.h5' file, a SavedModel folder or a TF.js model folder "
                         "(with model.json)", where=path)
    if (path / "model.json").is_file():
        return "tfjs"
    if (path / "saved_model.pb").is_file():
        return "savedmodel"
    raise ModelError("this folder holds neither model.json (TF.js) nor saved_model.pb (SavedModel)", where=path)


def load_keras_model(path: Path, kind: str):
    """Load an '.h5' file or SavedModel folder as a tf.keras model (no optimizer state needed)."""
    tf = import_tensorflow()
    try:
        model = tf.keras.models.load_model(str(path), compile=False)
    except Exception as e:  # h5py, protobuf and Keras all raise their own types for a bad file
        text = str(e).strip()
        first = text.splitlines()[0] if text else type(e).__name__
        raise ModelError(f"cannot read this {'Keras .h5' if kind == 'h5' else 'SavedModel'} model: "
                         f"{type(e).__name__}: {first}", where=path) from None
    if not isinstance(model, tf.keras.Model):
        raise ModelError("this SavedModel is not a Keras model (save it with model.save() from tf.keras)",
                         where=path)
    return model
