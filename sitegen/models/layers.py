"""Layer lists in the deeplearn.js model-builder style, and their shapes, in pure Python.

A layer list is a JSON array of objects, each naming its kind in ``layerName``::

    [{"layerName": "Convolution", "fieldSize": 5, "stride": 1, "zeroPad": 2, "outputDepth": 8},
     {"layerName": "ReLU"},
     {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
     {"layerName": "Flatten"},
     {"layerName": "Fully connected", "hiddenUnits": 10}]

The same file feeds the in-browser model builder, so the rules below are kept in one table
(``sitegen.tables.LAYER_KINDS``) that js/lib/layer-list.js reads too. Shapes are ``[height, width, depth]``
("image") or ``[units]`` ("flat"); layers are numbered from 1 in messages.

=================  ===========================================  =====  =====================================
layerName          fields (default)                             input  output
=================  ===========================================  =====  =====================================
Convolution        fieldSize, stride (1), zeroPad (0),          image  [o(h), o(w), outputDepth]
                   outputDepth
Max pool           fieldSize, stride (fieldSize), zeroPad (0)   image  [o(h), o(w), depth]
Avg pool           fieldSize, stride (fieldSize), zeroPad (0)   image  [o(h), o(w), depth]
ReLU, Tanh,        (none)                                       any    same as input
Sigmoid, Softmax
Dropout            rate (0.5), 0 <= rate < 1                    any    same as input
Flatten            (none)                                       any    [h * w * depth] (flat stays flat)
Fully connected    hiddenUnits, activation ("linear")           flat   [hiddenUnits]
Dense              units, activation ("linear")                 flat   [units]
=================  ===========================================  =====  =====================================

``o(n) = floor((n - fieldSize + 2 * zeroPad) / stride) + 1``, the deeplearn.js formula with
explicit zero padding; it must be at least 1 ("input 1x1x16 is too small for fieldSize 2
stride 2"). ``activation`` is one of linear, relu, tanh, sigmoid, softmax. Parameters:
Convolution ``fieldSize^2 * depth * outputDepth + outputDepth``, fully connected
``units_in * units + units``, all others 0. The output of the last layer must be flat with
one unit per class; a softmax is added at the end when the list does not end in one (see
``keras_layers``).

Nothing here imports TensorFlow: the build checks a layer list before deciding to train.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..tables import LAYER_KINDS, Field

@dataclass(frozen=True)
class LayerSpec:
    """One entry of a layer list, with every field filled in."""

    index: int  # from 1
    name: str  # the layerName
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"layer {self.index} ('{self.name}')"


@dataclass(frozen=True)
class LayerShape:
    """What shape inference found for one layer."""

    spec: LayerSpec
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int


def format_shape(shape: tuple[int, ...] | list[int]) -> str:
    return "x".join(str(n) for n in shape)


def read_layer_list(path: Path) -> list[LayerSpec]:
    """Parse a layer-list JSON file; every problem is a ModelError naming the file and layer."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError("layer list not found", where=path) from None
    except UnicodeDecodeError:
        raise ModelError("layer list is not UTF-8 text", where=path) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ModelError(f"not valid JSON: {e.msg}", where=path, line=e.lineno) from None
    return parse_layer_list(raw, where=path)


def parse_layer_list(raw: Any, where: str | Path = "<layers>") -> list[LayerSpec]:
    if not isinstance(raw, list) or not raw:
        raise ModelError("a layer list must be a non-empty JSON array of layer objects", where=where)
    known = ", ".join(LAYER_KINDS)
    specs = []
    for index, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise ModelError(f"layer {index}: expected an object with a 'layerName', got {json.dumps(entry)}",
                             where=where)
        name = entry.get("layerName")
        if name not in LAYER_KINDS:
            shown = "no layerName" if name is None else f"unknown layerName {json.dumps(name)}"
            raise ModelError(f"layer {index}: {shown} (known: {known})", where=where)
        kind = LAYER_KINDS[name]
        label = f"layer {index} ('{name}')"
        for key in entry:
            if key != "layerName" and key not in kind.fields:
                allowed = ", ".join(kind.fields) or "no fields"
                raise ModelError(f"{label}: unknown field '{key}' (allowed: {allowed})", where=where)
        params: dict[str, Any] = {}
        for key, spec in kind.fields.items():
            if key in entry:
                params[key] = _check_field(entry[key], spec, f"{label}: field '{key}'", where)
            elif spec.default_from is not None:
                continue  # filled below, once the field it copies is known
            elif spec.required:
                raise ModelError(f"{label}: field '{key}' is missing ({spec.describe()})", where=where)
            else:
                params[key] = spec.default
        for key, spec in kind.fields.items():
            if key not in params and spec.default_from is not None:
                params[key] = params[spec.default_from]
        specs.append(LayerSpec(index, name, params))
    return specs


def _check_field(value: Any, spec: Field, what: str, where) -> Any:
    ok = True
    if spec.kind == "choice":
        ok = isinstance(value, str) and value in spec.choices
    elif spec.kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and spec.kind != "choice":
        if spec.min is not None and value < spec.min:
            ok = False
        if spec.below is not None and value >= spec.below:
            ok = False
    if not ok:
        raise ModelError(f"{what}: expected {spec.describe()}, got {json.dumps(value)}", where=where)
    return float(value) if spec.kind == "float" else value


def window_output(size: int, field_size: int, stride: int, zero_pad: int) -> int:
    """deeplearn.js' output size for a convolution or pool along one axis (may be < 1)."""
    return math.floor((size - field_size + 2 * zero_pad) / stride) + 1


def infer_shapes(specs: list[LayerSpec], input_shape: tuple[int, ...] | list[int], num_classes: int | None = None,
                 where: str | Path = "<layers>") -> list[LayerShape]:
    """Run the shape rules over the list; fail on the first layer whose shapes do not flow.

    With ``num_classes`` the final output must be flat with that many units.
    """
    shape = tuple(int(n) for n in input_shape)
    out: list[LayerShape] = []
    for spec in specs:
        kind = LAYER_KINDS[spec.name]
        p = spec.params
        if kind.needs == "image" and len(shape) != 3:
            raise ModelError(f"{spec.label} needs an image input (height x width x depth) but gets "
                             f"{format_shape(shape)}: it cannot follow a Flatten or a fully connected layer",
                             where=where)
        if kind.needs == "flat" and len(shape) != 1:
            raise ModelError(f"{spec.label} needs a flat input but gets {format_shape(shape)}: "
                             f"add a Flatten before it", where=where)
        params = 0
        if kind.rule == "window":
            h, w, depth = shape
            oh = window_output(h, p["fieldSize"], p["stride"], p["zeroPad"])
            ow = window_output(w, p["fieldSize"], p["stride"], p["zeroPad"])
            if oh < 1 or ow < 1:
                pad = f" zeroPad {p['zeroPad']}" if p["zeroPad"] else ""
                raise ModelError(f"{spec.label}: input {format_shape(shape)} is too small for fieldSize "
                                 f"{p['fieldSize']} stride {p['stride']}{pad} -- make sure your shapes flow",
                                 where=where)
            out_depth = p[kind.size_field] if kind.size_field else depth
            if kind.size_field:
                params = p["fieldSize"] * p["fieldSize"] * depth * out_depth + out_depth
            new_shape: tuple[int, ...] = (oh, ow, out_depth)
        elif kind.rule == "flatten":
            new_shape = (math.prod(shape),)
        elif kind.rule == "units":
            units = p[kind.size_field]
            params = shape[0] * units + units
            new_shape = (units,)
        else:
            new_shape = shape
        out.append(LayerShape(spec, shape, new_shape, params))
        shape = new_shape
    if num_classes is not None:
        last = specs[-1]
        if len(shape) != 1:
            raise ModelError(f"{last.label}: the model ends with shape {format_shape(shape)}, but it must end "
                             f"flat with {num_classes} units, one per class: add a Flatten and a "
                             f"'Fully connected' layer with hiddenUnits {num_classes}", where=where)
        if shape[0] != num_classes:
            raise ModelError(f"the last layer's output has {shape[0]} units but the data set has {num_classes} "
                             f"classes: set the last 'Fully connected' layer's hiddenUnits to {num_classes}",
                             where=where)
    return out


def count_params(shapes: list[LayerShape]) -> int:
    return sum(s.params for s in shapes)
