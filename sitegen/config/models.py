"""The ``[models.<name>]`` tables of sitegen.toml: what a model is made from and how it is trained.

`ModelConfig` holds the training options every model has; the one key among ``layers``,
``builder`` and ``load`` that the table sets picks the model kind (`MODEL_KINDS`), whose
schema reads it. sitegen/models/kinds.py has the code of each kind.
"""

from __future__ import annotations

from pathlib import Path

from ..tables import OPTIMIZERS
from .options import Choice, FilePath, Float, Int, Schema, Str

QUANTIZATIONS = ("none", "float16", "uint8")


class LayersOptions(Schema):
    """layers = "file.json": a layer list, trained at build time."""

    layers = FilePath(None, doc="A layer list in the deeplearn.js model-builder JSON style, e.g. "
                          "'models/mnist-conv.json'.", exists=True, kind="file")


class BuilderOptions(Schema):
    """builder = "file.py:function": an author's Python function, trained at build time."""

    builder = Str(None, doc="'file.py:function': a Python function that gets (input_shape, num_classes) "
                      "and returns a tf.keras model.", pattern=r"[^:]+\.py:[A-Za-z_][A-Za-z0-9_]*")

    def post_validate(self, ctx, prefix):
        file_part, _, function = self.builder.rpartition(":")
        path = Path(file_part)
        path = path if path.is_absolute() else Path(ctx.base_dir) / path
        if not path.is_file():
            raise ctx.error(f"{prefix}builder", "'file.py:function' naming an existing file",
                            found=f"'{self.builder}', but {path} does not exist")
        self.builder_path: Path = path
        self.builder_function: str = function


class LoadOptions(Schema):
    """load = "model.h5": a saved model, converted as it is."""

    #: set per instance from the 'load' key (registered below)
    load: Path


# The key is 'load', but a class attribute of that name would hide the classmethod
# Schema.load that reads the table; registered here, it becomes an instance attribute only.
LoadOptions.options = {"load": FilePath(
    None, doc="A saved model to convert instead of training: a Keras 2 '.h5' file, a Keras SavedModel "
        "folder or a TF.js layers-model folder (with model.json).", exists=True)}

#: the key that names a model's origin -> the schema of that model kind
MODEL_KINDS: dict[str, type[Schema]] = {"layers": LayersOptions, "builder": BuilderOptions, "load": LoadOptions}


class ModelConfig(Schema):
    """One model: a layer list, a Python builder or a saved model, trained on one data set."""

    variants = ("source", MODEL_KINDS)

    dataset = Str(doc="Name of the data set (a [datasets.<name>] table) the model is trained and "
                      "evaluated on.", non_empty=True)
    title = Str("", doc="Human name of the model, shown on pages (defaults to the table name).")
    description = Str("", doc="One sentence about the model, shown on pages.")
    epochs = Int(5, doc="Passes over the training split.", minimum=1, maximum=1000)
    batch_size = Int(64, doc="Examples per training step.", minimum=1, maximum=65536)
    optimizer = Choice(tuple(OPTIMIZERS), "adam", doc="The optimizer used for training.")
    learning_rate = Float(0.001, doc="The optimizer's learning rate.", minimum=0, maximum=10,
                          exclusive_minimum=True)
    validation_split = Float(0.1, doc="Fraction of the training split held out to report val_acc "
                                      "(0 to train on all of it).", minimum=0, maximum=0.5)
    seed = Int(1, doc="Random seed: the same inputs and seed give the same weights.", minimum=0,
               maximum=2**31 - 1)
    quantize = Choice(QUANTIZATIONS, "none", doc="Weight quantization for the TF.js files: 'float16' "
                                                 "halves them, 'uint8' quarters them.")

    #: options that only describe the model: they change no built file (nor any cache key)
    DESCRIPTIVE = frozenset({"title", "description"})

    def variant_schema(self, ctx, prefix):
        given = [key for key in MODEL_KINDS if key in self.raw]
        if len(given) != 1:
            found = ("none of them" if not given else "both " + " and ".join(repr(k) for k in given)
                     if len(given) == 2 else "all three")
            raise ctx.error(prefix.rstrip("."), "exactly one of 'layers', 'builder' or 'load'", found=found)
        #: the model kind: 'layers', 'builder' or 'load'
        self.source = given[0]
        return MODEL_KINDS[self.source]

    def post_validate(self, ctx, prefix):
        # An instance attribute: the class attribute 'load' is Schema.load (see __getattr__).
        self.load = vars(self.variant).get("load")

    def __getattr__(self, name: str):
        """The kind's options read as the model's own: ``config.layers``, ``config.builder_path``
        (None for a kind key of another kind)."""
        if name.startswith("__") or "variant" not in self.__dict__:
            raise AttributeError(name)
        if name in MODEL_KINDS:
            return getattr(self.variant, name, None)
        return getattr(self.variant, name)

    @property
    def display_title(self) -> str:
        return self.title or self.name
