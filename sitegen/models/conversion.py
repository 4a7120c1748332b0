"""Keras -> TF.js layers model with the real tensorflowjs converter, and back for checking."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

from ..errors import ModelError
from .runtime import import_tensorflowjs

#: sitegen's ``quantize`` option -> the converter's quantization_dtype_map (True = every weight)
QUANTIZATION_MAPS = {"none": None, "float16": {"float16": True}, "uint8": {"uint8": True}}


def convert_to_tfjs(model, out_dir: Path, quantize: str = "none") -> list[Path]:
    """Write model.json and weight shards for ``model`` into ``out_dir``; return the files written."""
    tfjs = import_tensorflowjs()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # the converter goes through a temporary .h5 file, which Keras calls legacy
        warnings.filterwarnings("ignore", message=".*HDF5 file.*")
        tfjs.converters.save_keras_model(model, str(out_dir), quantization_dtype_map=QUANTIZATION_MAPS[quantize])
    return tfjs_files(out_dir)


def tfjs_files(folder: Path) -> list[Path]:
    """model.json plus the shards its weights manifest names, in manifest order."""
    model_json = Path(folder) / "model.json"
    try:
        manifest = json.loads(model_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError("no model.json in this folder", where=folder) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelError(f"model.json is not valid JSON: {e}", where=model_json) from None
    if not isinstance(manifest, dict) or "modelTopology" not in manifest:
        raise ModelError("not a TF.js model.json (no modelTopology)", where=model_json)
    if manifest.get("format") == "graph-model":
        raise ModelError("this is a TF.js graph model; sitegen needs a layers model (convert the Keras model with "
                         "tensorflowjs_converter --input_format keras)", where=model_json)
    files = [model_json]
    for group in manifest.get("weightsManifest", []):
        for name in group.get("paths", []):
            shard = Path(folder) / name
            if not shard.resolve().is_relative_to(Path(folder).resolve()):
                raise ModelError(f"model.json names the weight file '{name}', which is outside the model's folder "
                                 f"(weights must sit beside model.json)", where=model_json)
            if not shard.is_file():
                raise ModelError(f"model.json names the weight file '{name}', which is missing", where=model_json)
            files.append(shard)
    return files


def copy_tfjs_model(src: Path, out_dir: Path) -> list[Path]:
    """Copy an existing TF.js layers model (model.json + shards) as is."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    copied = []
    for path in tfjs_files(src):
        target = out_dir / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        copied.append(target)
    return copied


def load_tfjs_model(folder: Path):
    """Read a TF.js layers model back into tf.keras (weights dequantized), as the browser would see it."""
    tfjs = import_tensorflowjs()
    model_json = Path(folder) / "model.json"
    try:
        # use_unique_name_scope would break weight matching: eager variables ignore name scopes
        return tfjs.converters.load_keras_model(str(model_json))
    except Exception as e:  # corrupt shards or topology surface as many error types
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(f"cannot load this TF.js model: {type(e).__name__}: {message}", where=model_json) from None


def wire_bytes(files: list[Path]) -> int:
    """What a browser downloads to load the model: model.json plus its shards."""
    return sum(Path(f).stat().st_size for f in files)
