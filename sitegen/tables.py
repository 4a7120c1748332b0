"""Tables the build and the browser must agree on, declared once.

Python reads them from here; the browser gets the same values as JSON (`browser_tables`),
which the bundler serves to the widget code as the module ``sitegen:tables``
(see sitegen/js/build.mjs). A change here changes both sides, and the bundle's cache key.

- OPTIMIZERS: the optimizers a model or demo may name, with their display names.
- ACTIVATIONS / LAYER_KINDS: the deeplearn.js model-builder layer list and its rules
  (shape inference lives in models/layers.py and js/lib/layer-list.js, reading these).
- PREPROCESSING: how a drawing is turned into an example of each canvas kind.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

#: optimizer name (as in sitegen.toml and demo blocks) -> the name shown to readers
OPTIMIZERS: dict[str, str] = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSProp", "adagrad": "Adagrad"}

ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid", "softmax")


@dataclass(frozen=True)
class Field:
    """One field of a layer object: its type, bounds and default (None: required)."""

    kind: str  # "int", "float" or "choice"
    default: Any = None
    min: float | None = None
    below: float | None = None  # exclusive upper bound
    choices: tuple[str, ...] = ()
    #: default taken from another field of the same layer (pools: stride defaults to fieldSize)
    default_from: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None and self.default_from is None

    def describe(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        kind = "an integer" if self.kind == "int" else "a number"
        if self.min is not None and self.below is not None:
            return f"{kind} from {self.min:g} up to (not including) {self.below:g}"
        if self.min is not None:
            return f"{kind} >= {self.min:g}"
        return kind


@dataclass(frozen=True)
class LayerKind:
    """How one ``layerName`` reads its fields and changes the shape."""

    fields: dict[str, Field]
    #: "image" (needs [h, w, d]), "flat" (needs [n]) or "any"
    needs: str
    #: "window" (conv / pool formula), "same", "flatten" or "units"
    rule: str
    #: the field holding the output depth (window) or unit count (units)
    size_field: str | None = None
    #: the activation function of an activation layer (ReLU -> "relu")
    activation: str | None = None
    #: stem of the Keras layer names in model.json ("conv_1", "relu_2", ...)
    stem: str = ""


def _window(stride: Field) -> dict[str, Field]:
    return {"fieldSize": Field("int", min=1), "zeroPad": Field("int", 0, min=0), "stride": stride}


def _pool(stem: str) -> LayerKind:
    return LayerKind(_window(Field("int", min=1, default_from="fieldSize")), "image", "window", stem=stem)


def _activation(name: str) -> LayerKind:
    return LayerKind({}, "any", "same", activation=name, stem=name)


def _units(size_field: str) -> LayerKind:
    return LayerKind({size_field: Field("int", min=1), "activation": Field("choice", "linear", choices=ACTIVATIONS)},
                     "flat", "units", size_field=size_field, stem="dense")


LAYER_KINDS: dict[str, LayerKind] = {
    "Convolution": LayerKind({**_window(Field("int", 1, min=1)), "outputDepth": Field("int", min=1)},
                             "image", "window", size_field="outputDepth", stem="conv"),
    "Max pool": _pool("maxpool"),
    "Avg pool": _pool("avgpool"),
    "ReLU": _activation("relu"),
    "Tanh": _activation("tanh"),
    "Sigmoid": _activation("sigmoid"),
    "Softmax": _activation("softmax"),
    "Dropout": LayerKind({"rate": Field("float", 0.5, min=0, below=1)}, "any", "same", stem="dropout"),
    "Flatten": LayerKind({}, "any", "flatten", stem="flatten"),
    "Fully connected": _units("hiddenUnits"),
    "Dense": _units("units"),
}

#: canvas kind -> how a drawing is prepared to look like that data (see models/metadata.py):
#: which channel holds the ink, whether to invert it, how to place it, the box of a 28x28
#: image that the ink is scaled into (None: the whole image), and the draw widget's default
#: pen width as a share of the canvas side (close to the data's strokes after scaling).
#: Quick Draw's fit renders the reader's strokes as the data set's bitmaps were rendered
#: (js/lib/strokes.js), so its channel and invert are not read; its pen is the data's line
#: (16 of 255 units) on a drawing that spans about 4/5 of the canvas.
PREPROCESSING: dict[str, dict] = {
    "mnist": {"channel": "luminance", "invert": True, "fit": "center-of-mass", "box": 20, "pen": 0.07},
    "quickdraw": {"channel": "luminance", "invert": True, "fit": "quickdraw-strokes", "box": None, "pen": 0.05},
    "glyph": {"channel": "alpha", "invert": False, "fit": "whole-canvas", "box": None, "pen": 0.06},
}
CANVASES = tuple(PREPROCESSING)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _as_json(value: Any) -> Any:
    """Dataclass dicts with camelCase keys and no unset entries, as the browser code reads them."""
    if isinstance(value, dict):
        return {(_camel(k) if isinstance(k, str) and "_" in k else k): _as_json(v)
                for k, v in value.items() if v is not None and v != () and v != ""}
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    return value


def browser_tables() -> dict:
    """Every table above, as the JSON module ``sitegen:tables`` gives it to the browser."""
    return {
        "optimizers": OPTIMIZERS,
        "layerKinds": {name: _as_json(asdict(kind)) for name, kind in LAYER_KINDS.items()},
        "preprocessing": PREPROCESSING,
    }


def browser_tables_json() -> bytes:
    return (json.dumps(browser_tables(), indent=1) + "\n").encode("utf-8")
