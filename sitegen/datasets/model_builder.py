"""What the deeplearn.js model builder (PAIR-code/deeplearnjs, demos/model-builder, March 2018)
can load, and the files it needs.

How its loader reads a data set (src/data/xhr-dataset.ts, demos/model-builder/*.ts):

- It fetches ``model-builder-datasets-config.json`` by that name, relative to its page, and
  makes a data set of *every* key of it (an entry without ``data`` stops it at start-up).
- ``data[0]`` is the images, ``data[1]`` the labels; every ``path`` is fetched relative to its
  page. It reads exactly one sprite, ``data[0].path`` (``paths``, our shard list, means
  nothing to it), whose width must be ``shape[0] * shape[1]``; every row is an example, and
  with depth 1 it keeps the red byte of each pixel. Labels are one-hot uint8 of ``shape[0]``
  bytes per example. Images and labels are paired by position, and the first 5/6 of them
  train, the rest test.
- A layer list (``modelConfigs``) is a JSON array of layer objects. It knows six
  ``layerName``\\ s, `BUILDER_LAYERS`, and shows every field of a layer in a form, so a missing
  field stops it (``undefined.toString()``); fields it does not know are ignored. A fully
  connected layer is always linear. Convolution and max-pool outputs
  ``(n - fieldSize + 2 * zeroPad) / stride + 1`` must be whole numbers, and the last layer's
  output must be ``[numClasses]``, or the model is invalid and cannot train.

This module says whether a built data set and its layer lists pass those rules, and names the
one sprite the model builder reads: the data set's only shard when it has one example per
row, or else `BUILDER_SPRITE`, written for it alone when it is small enough to be one PNG.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from .format import EXAMPLE_ROWS, ONE_HOT
from .png import encode_png

#: Written next to datasets-config.json; the model builder fetches it by this name.
MODEL_BUILDER_CONFIG_NAME = "model-builder-datasets-config.json"
#: The one sprite of a sharded data set, written only for the model builder.
BUILDER_SPRITE = "model-builder-images.png"
#: One PNG must decode in every browser: at most 32,767 rows, and at most 4096 x 4096 =
#: 16.7 million pixels (Safari's limit); the builder's loader decodes the whole image at once.
MAX_SPRITE_ROWS = 32_767
MAX_SPRITE_PIXELS = 4096 * 4096

#: The model builder's layer names -> the fields each must have (an integer >= the minimum).
#: Reshape's ``outputShape`` is a list of integers.
BUILDER_LAYERS: dict[str, dict[str, int]] = {
    "Fully connected": {"hiddenUnits": 1},
    "ReLU": {},
    "Convolution": {"fieldSize": 1, "stride": 1, "zeroPad": 0, "outputDepth": 1},
    "Max pool": {"fieldSize": 1, "stride": 1, "zeroPad": 0},
    "Reshape": {"outputShape": 1},
    "Flatten": {},
}
#: Fields sitegen's own layer lists may give that the builder would silently ignore while
#: sitegen's widgets honour them, with the value that means the same to both.
IGNORED_BUT_HARMLESS = {"activation": "linear"}


def builder_sprite(manifest: dict) -> str:
    """The file (in the data set's folder) the model builder reads as ``data[0].path``: the only
    shard when it has one example per row (manifests before layouts always do)."""
    shards = manifest["shards"]
    one_example_per_row = manifest.get("sprite", {}).get("layout", EXAMPLE_ROWS) == EXAMPLE_ROWS
    return shards[0]["path"] if len(shards) == 1 and one_example_per_row else BUILDER_SPRITE


def model_builder_refusal(manifest: dict) -> str | None:
    """Why the deeplearn.js model builder cannot read a built data set, or None when it can."""
    encoding = manifest["labels"].get("encoding", ONE_HOT)
    classes = manifest["numClasses"]
    if encoding != ONE_HOT:
        return (f"not offered to the deeplearn.js model builder: it reads labels as one-hot uint8, one byte per "
                f"class ({classes:,} bytes per example here), and this data set of {classes:,} classes stores "
                f"class indices ({encoding}, {manifest['labels']['bytesPerExample']} bytes per example); its "
                f"MnistData loader (data.js) one-hots them on the GPU")
    h, w, _ = manifest["shape"]
    rows = manifest["counts"]["total"]
    if rows > MAX_SPRITE_ROWS or rows * h * w > MAX_SPRITE_PIXELS:
        return (f"not offered to the deeplearn.js model builder: it reads one sprite of every example, and "
                f"{rows:,} examples of {h}x{w} make a PNG of {rows:,} rows and {rows * h * w:,} pixels, more than "
                f"browsers decode ({MAX_SPRITE_ROWS:,} rows, {MAX_SPRITE_PIXELS:,} pixels); sitegen's own "
                f"demos read its {len(manifest['shards'])} shards (set max_examples to offer it)")
    return None


def needs_builder_sprite(manifest: dict) -> bool:
    """True when the builder's sprite is a file of its own (`BUILDER_SPRITE`)."""
    return model_builder_refusal(manifest) is None and builder_sprite(manifest) == BUILDER_SPRITE


def write_builder_sprite(directory: Path, images: np.ndarray, channels: int) -> None:
    """Write `BUILDER_SPRITE`: ``images`` (uint8 [n, ...], in the shards' row order) as one PNG."""
    rows = np.ascontiguousarray(images.reshape(len(images), -1))
    (Path(directory) / BUILDER_SPRITE).write_bytes(encode_png(rows, channels))


def layer_list_problem(raw: Any, input_shape: list[int], num_classes: int) -> str | None:
    """The first rule of the model builder that the layer list ``raw`` (parsed JSON) breaks,
    or None when it loads there and can train on ``input_shape`` -> ``num_classes``.

    Mirrors demos/model-builder: layer_builder.ts (names, fields, shapes), model-layer.ts
    (every field shown in a form), conv_util.computeOutputShape3D (whole-number outputs)
    and model-builder.ts validateModel (the last output is the label shape).
    """
    if not isinstance(raw, list) or not raw:
        return "the model builder reads a layer list as a non-empty JSON array of layer objects"
    shape = [int(n) for n in input_shape]
    known = ", ".join(f"'{name}'" for name in BUILDER_LAYERS)
    for index, layer in enumerate(raw, start=1):
        if not isinstance(layer, dict):
            return f"layer {index} is not an object"
        name = layer.get("layerName")
        if name not in BUILDER_LAYERS:
            shown = "has no layerName" if name is None else f"is {json.dumps(name, ensure_ascii=False)}"
            return f"layer {index} {shown}; the model builder knows only {known}"
        label = f"layer {index} ('{name}')"
        fields = BUILDER_LAYERS[name]
        for key, minimum in fields.items():
            if key not in layer:
                return f"{label} has no '{key}': the model builder needs every field ({', '.join(fields)})"
            value = layer[key]
            if key == "outputShape":
                ok = isinstance(value, list) and bool(value) and all(_is_int(v) and v >= minimum for v in value)
            else:
                ok = _is_int(value) and value >= minimum
            if not ok:
                want = "a non-empty list of integers >= 1" if key == "outputShape" else f"an integer >= {minimum}"
                return f"{label}: '{key}' is {json.dumps(value)}; the model builder needs {want}"
        for key, value in layer.items():
            if key != "layerName" and key not in fields and IGNORED_BUT_HARMLESS.get(key, object()) != value:
                return (f"{label}: the model builder ignores '{key}' ({json.dumps(value)}), so it would train "
                        f"another network" + (" (its fully connected layers are linear: add a 'ReLU' layer)"
                                              if key == "activation" else ""))
        problem, shape = _next_shape(label, name, layer, shape)
        if problem:
            return problem
    if shape != [num_classes]:
        return (f"the last layer's output is {_show(shape)}, and the model builder trains only a network whose "
                f"output is [{num_classes}], one unit per class")
    return None


def _next_shape(label: str, name: str, layer: dict, shape: list[int]) -> tuple[str | None, list[int]]:
    if name == "Fully connected":
        if len(shape) != 1:
            return f"{label} needs a flat input but gets {_show(shape)}: add a Flatten before it", shape
        return None, [layer["hiddenUnits"]]
    if name in ("Convolution", "Max pool"):
        if len(shape) != 3:
            return f"{label} needs an image input (height x width x depth) but gets {_show(shape)}", shape
        f, s, p = layer["fieldSize"], layer["stride"], layer["zeroPad"]
        out = []
        for axis, n in zip(("rows", "columns"), shape[:2]):
            size = (n - f + 2 * p) / s + 1
            if size != int(size) or size < 1:
                return (f"{label}: output {axis} ({n} - fieldSize {f} + 2 * zeroPad {p}) / stride {s} + 1 = "
                        f"{size:g}; the model builder needs a whole number >= 1"), shape
            out.append(int(size))
        return None, [*out, layer["outputDepth"] if name == "Convolution" else shape[2]]
    if name == "Reshape":
        target = list(layer["outputShape"])
        if math.prod(target) != math.prod(shape):
            return (f"{label}: input size {math.prod(shape)} ({_show(shape)}) differs from output size "
                    f"{math.prod(target)} ({_show(target)})"), shape
        return None, target
    if name == "Flatten":
        return None, [math.prod(shape)]
    return None, shape  # ReLU


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(shape: list[int]) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def model_config_refusals(model_configs: dict[str, Path], manifest: dict) -> dict[str, str]:
    """title -> why the model builder cannot use that layer list (files named in ``model_configs``)."""
    refusals = {}
    for title, path in model_configs.items():
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            refusals[title] = f"the file cannot be read as JSON ({e})"
            continue
        problem = layer_list_problem(raw, manifest["shape"], manifest["numClasses"])
        if problem:
            refusals[title] = problem
    return refusals
