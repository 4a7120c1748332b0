"""Make tf.keras models: from a layer list, from an author's builder function, and check them.

Every function here needs TensorFlow; callers import this module only when a model must
actually be built.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from ..errors import ModelError
from ..tables import LAYER_KINDS
from .layers import LayerSpec, format_shape, infer_shapes
from .runtime import import_tensorflow


def keras_layers(spec: LayerSpec, is_last: bool) -> list:
    """The tf.keras layers for one layer-list entry (explicit zero padding becomes ZeroPadding2D).

    A pool after ZeroPadding2D sees zeros where deeplearn.js would see the border; after a
    ReLU the two agree. The last fully connected layer with no activation gets the softmax.
    """
    tf = import_tensorflow()
    L = tf.keras.layers
    p = spec.params
    kind = LAYER_KINDS[spec.name]
    stem = f"{kind.stem}_{spec.index}"
    out = []
    if kind.rule == "window" and p["zeroPad"] > 0:
        out.append(L.ZeroPadding2D(p["zeroPad"], name=f"pad_{spec.index}"))
    if spec.name == "Convolution":
        out.append(L.Conv2D(p["outputDepth"], p["fieldSize"], strides=p["stride"], padding="valid", name=stem))
    elif spec.name == "Max pool":
        out.append(L.MaxPooling2D(p["fieldSize"], strides=p["stride"], padding="valid", name=stem))
    elif spec.name == "Avg pool":
        out.append(L.AveragePooling2D(p["fieldSize"], strides=p["stride"], padding="valid", name=stem))
    elif kind.activation:
        out.append(L.Activation(kind.activation, name=stem))
    elif spec.name == "Dropout":
        out.append(L.Dropout(p["rate"], name=stem))
    elif spec.name == "Flatten":
        out.append(L.Flatten(name=stem))
    else:  # Fully connected / Dense
        units = p.get("hiddenUnits", p.get("units"))
        activation = p["activation"]
        if is_last and activation == "linear":
            activation = "softmax"
        out.append(L.Dense(units, activation=activation, name=stem))
    return out


def keras_from_layer_list(specs: list[LayerSpec], input_shape, num_classes: int, name: str,
                          where: str | Path = "<layers>"):
    """A tf.keras Sequential model for a layer list whose shapes were checked first."""
    infer_shapes(specs, input_shape, num_classes, where=where)
    tf = import_tensorflow()
    model = tf.keras.Sequential(name=_keras_name(name))
    model.add(tf.keras.Input(shape=tuple(input_shape), name="image"))
    for i, spec in enumerate(specs):
        for layer in keras_layers(spec, is_last=i == len(specs) - 1):
            model.add(layer)
    if not ends_in_softmax(model):
        model.add(tf.keras.layers.Activation("softmax", name="probabilities"))
    return model


def _keras_name(name: str) -> str:
    # Keras names are used as TF name scopes: keep to characters they accept.
    return "".join(c if c.isalnum() or c in "_." else "_" for c in name) or "model"


def ends_in_softmax(model) -> bool:
    tf = import_tensorflow()
    last = model.layers[-1]
    if isinstance(last, tf.keras.layers.Softmax):
        return True
    activation = getattr(last, "activation", None)
    return getattr(activation, "__name__", None) == "softmax"


def keras_from_builder(path: Path, function: str, input_shape, num_classes: int, where: str | Path):
    """Call an author's ``build(input_shape, num_classes)`` and check what comes back."""
    tf = import_tensorflow()
    module_name = f"sitegen_builder_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ModelError("cannot import this file as Python", where=path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except FileNotFoundError:
        raise ModelError("builder file not found", where=path) from None
    except SyntaxError as e:
        raise ModelError(f"syntax error in the builder: {e.msg}", where=path, line=e.lineno) from None
    except Exception as e:  # an author's module can fail in any way; say where and how
        raise ModelError(f"importing the builder failed: {type(e).__name__}: {_first_line(e)}", where=path) from None
    except SystemExit as e:  # exit() in an author's module must not end the build without a word
        raise ModelError(f"importing the builder called sys.exit({e.code!r})", where=path) from None
    finally:
        sys.modules.pop(module_name, None)
    build = getattr(module, function, None)
    if not callable(build):
        found = ", ".join(n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
                          and getattr(v, "__module__", None) == module_name)
        raise ModelError(f"no function '{function}' in the builder (functions found: {found or 'none'})",
                         where=path)
    try:
        model = build(tuple(input_shape), num_classes)
    except Exception as e:
        raise ModelError(f"{function}({tuple(input_shape)}, {num_classes}) failed: {type(e).__name__}: "
                         f"{_first_line(e)}", where=path) from None
    except SystemExit as e:
        raise ModelError(f"{function}({tuple(input_shape)}, {num_classes}) called sys.exit({e.code!r})",
                         where=path) from None
    if not isinstance(model, tf.keras.Model):
        kind = type(model)
        if kind.__module__.startswith("keras"):
            raise ModelError(f"{function}() returned a Keras 3 model ({kind.__module__}.{kind.__name__}); the "
                             f"tensorflowjs converter needs Keras 2: build it with tf.keras "
                             f"(sitegen sets TF_USE_LEGACY_KERAS=1) or tf_keras", where=path)
        raise ModelError(f"{function}() must return a tf.keras model, got {kind.__name__}", where=path)
    check_model_fits(model, input_shape, num_classes, where=f"{path}:{function}")
    return model


def check_model_fits(model, input_shape, num_classes: int, where) -> None:
    """The model must take one data-set example and give one score per class."""
    try:
        model_in = model.input_shape
        model_out = model.output_shape
    except (AttributeError, RuntimeError):
        raise ModelError("the model has no defined input shape: give its first layer an input_shape "
                         "(or start it with tf.keras.Input)", where=where) from None
    if isinstance(model_in, list) or isinstance(model_out, list):
        raise ModelError("the model must have exactly one input and one output", where=where)
    expected = tuple(input_shape)
    got = tuple(model_in[1:])
    if len(got) != len(expected) or any(g is not None and g != e for g, e in zip(got, expected)):
        raise ModelError(f"the model's input shape is {format_shape(['?' if g is None else g for g in got])} "
                         f"but the data set's examples are {format_shape(expected)}", where=where)
    if len(model_out) != 2 or model_out[-1] != num_classes:
        raise ModelError(f"the model's output shape is {format_shape(['?' if g is None else g for g in model_out[1:]])} "
                         f"but the data set has {num_classes} classes: the last layer needs {num_classes} units",
                         where=where)


def with_softmax(model):
    """Return a model whose outputs are probabilities (adds a Softmax when the model ends in logits)."""
    if ends_in_softmax(model):
        return model, False
    tf = import_tensorflow()
    # Extend the graph rather than nesting the model: TF.js loads flat models most reliably.
    outputs = tf.keras.layers.Softmax(name="probabilities")(model.outputs[0])
    return tf.keras.Model(model.inputs, outputs, name=model.name), True


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "(no message)"
