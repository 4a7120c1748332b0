"""Model kinds: one class each for a model made from a layer list, an author's builder
function, or a saved model (the ``layers`` / ``builder`` / ``load`` key of [models.<name>]).

A kind says what it depends on (`ModelKind.inputs`, content hashes for the cache key),
checks what it can without TensorFlow (`precheck`), and makes the Keras model (`make`).
Adding a kind: its schema in sitegen/config/models.py (MODEL_KINDS) and its class here,
registered in `MODEL_KIND_CLASSES`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from .layers import infer_shapes, read_layer_list
from .loading import saved_model_kind

if TYPE_CHECKING:
    from ..artifacts import InputHashes
    from ..config.models import ModelConfig
    from ..context import BuildContext


class ModelKind:
    """Where one model comes from."""

    #: True when the kind trains the model at build time
    trains: ClassVar[bool] = True

    def __init__(self, config: "ModelConfig"):
        self.config = config
        self.options = config.variant

    @property
    def spec(self) -> Path:
        """The file (or folder) the model is made from."""
        raise NotImplementedError

    def inputs(self, hashes: "InputHashes") -> dict:
        return hashes.tree(self.spec)

    def precheck(self, input_shape: tuple[int, ...], num_classes: int) -> None:
        """Fail fast, before TensorFlow is imported, on problems visible without it."""

    def make(self, ctx: "BuildContext", input_shape: tuple[int, ...], num_classes: int):
        """The Keras model to train or convert; None for a TF.js model copied as it is."""
        raise NotImplementedError

    def with_softmax(self, ctx: "BuildContext", model, what: str):
        from .keras_models import with_softmax

        model, added = with_softmax(model)
        if added:
            ctx.warn(f"{what}: the model ends without a softmax; sitegen added one")
        return model


class LayerListModel(ModelKind):
    @property
    def spec(self) -> Path:
        return self.options.layers

    def precheck(self, input_shape, num_classes):
        infer_shapes(read_layer_list(self.spec), input_shape, num_classes, where=self.spec)

    def make(self, ctx, input_shape, num_classes):
        from .keras_models import keras_from_layer_list

        return keras_from_layer_list(read_layer_list(self.spec), input_shape, num_classes, self.config.name,
                                     where=self.spec)


class BuilderModel(ModelKind):
    @property
    def spec(self) -> Path:
        return self.options.builder_path

    def inputs(self, hashes):
        return {**hashes.tree(self.spec), "function": self.options.builder_function}

    def make(self, ctx, input_shape, num_classes):
        from .keras_models import keras_from_builder

        model = keras_from_builder(self.spec, self.options.builder_function, input_shape, num_classes,
                                   where=self.spec)
        return self.with_softmax(ctx, model, self.options.builder)


class SavedModel(ModelKind):
    trains = False

    @property
    def spec(self) -> Path:
        return self.options.load

    @property
    def tfjs_folder(self) -> Path:
        """``load`` may name a TF.js model's folder or its model.json."""
        return self.spec if self.spec.is_dir() else self.spec.parent

    def precheck(self, input_shape, num_classes):
        saved_model_kind(self.spec)

    def make(self, ctx, input_shape, num_classes):
        from .conversion import load_tfjs_model
        from .keras_models import check_model_fits
        from .loading import load_keras_model

        kind = saved_model_kind(self.spec)
        if kind == "tfjs":
            # copied as is, unless a quantization asks for a new conversion
            return load_tfjs_model(self.tfjs_folder) if self.config.quantize != "none" else None
        ctx.info(f"model {self.config.name}: loading {self.spec}")
        model = load_keras_model(self.spec, kind)
        check_model_fits(model, input_shape, num_classes, where=self.spec)
        return self.with_softmax(ctx, model, str(self.spec))


MODEL_KIND_CLASSES: dict[str, type[ModelKind]] = {"layers": LayerListModel, "builder": BuilderModel,
                                                  "load": SavedModel}


def model_kind_for(config: "ModelConfig") -> ModelKind:
    return MODEL_KIND_CLASSES[config.source](config)
