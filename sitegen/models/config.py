"""The ``[models.<name>]`` tables of sitegen.toml: what a model is made from and how it is trained."""

from __future__ import annotations

from pathlib import Path

from ..options import Choice, FilePath, Float, Int, Schema, Str

#: Where a model comes from; exactly one of these keys is set.
SOURCES = ("layers", "builder", "load")

OPTIMIZERS = ("adam", "sgd", "rmsprop", "adagrad")
QUANTIZATIONS = ("none", "float16", "uint8")


class ModelConfig(Schema):
    """One model: a layer list, a Python builder or a saved model, trained on one data set."""

    dataset = Str(doc="Name of the data set (a [datasets.<name>] table) the model is trained and "
                      "evaluated on.", non_empty=True)
    title = Str("", doc="Human name of the model, shown on pages (defaults to the table name).")
    description = Str("", doc="One sentence about the model, shown on pages.")
    layers = FilePath(None, doc="A layer list in the deeplearn.js model-builder JSON style, e.g. "
                                "'models/mnist-conv.json'.", exists=True, kind="file")
    builder = Str(None, doc="'file.py:function': a Python function that gets (input_shape, num_classes) "
                            "and returns a tf.keras model.", pattern=r"[^:]+\.py:[A-Za-z_][A-Za-z0-9_]*")
    epochs = Int(5, doc="Passes over the training split.", minimum=1, maximum=1000)
    batch_size = Int(64, doc="Examples per training step.", minimum=1, maximum=65536)
    optimizer = Choice(OPTIMIZERS, "adam", doc="The optimizer used for training.")
    learning_rate = Float(0.001, doc="The optimizer's learning rate.", minimum=0, maximum=10,
                          exclusive_minimum=True)
    validation_split = Float(0.1, doc="Fraction of the training split held out to report val_acc "
                                      "(0 to train on all of it).", minimum=0, maximum=0.5)
    seed = Int(1, doc="Random seed: the same inputs and seed give the same weights.", minimum=0,
               maximum=2**31 - 1)
    quantize = Choice(QUANTIZATIONS, "none", doc="Weight quantization for the TF.js files: 'float16' "
                                                 "halves them, 'uint8' quarters them.")

    def post_validate(self, ctx, prefix):
        given = [key for key in SOURCES if getattr(self, key) is not None]
        if len(given) != 1:
            if not given:
                found = "none of them"
            elif len(given) == 2:
                found = "both " + " and ".join(repr(k) for k in given)
            else:
                found = "all three"
            raise ctx.error(prefix.rstrip("."), "exactly one of 'layers', 'builder' or 'load'", found=found)
        #: folder of sitegen.toml; relative builder paths start here
        self.base_dir = Path(ctx.base_dir)
        self.config_file = Path(ctx.file)
        self.builder_path: Path | None = None
        self.builder_function: str | None = None
        if self.builder is not None:
            file_part, _, function = self.builder.rpartition(":")
            path = Path(file_part)
            path = path if path.is_absolute() else self.base_dir / path
            if not path.is_file():
                raise ctx.error(f"{prefix}builder", "'file.py:function' naming an existing file",
                                found=f"'{self.builder}', but {path} does not exist")
            self.builder_path = path
            self.builder_function = function

    #: set per instance by Schema.load from the 'load' key (see below)
    load: Path | None

    @property
    def source(self) -> str:
        """'layers', 'builder' or 'load'."""
        return next(key for key in SOURCES if getattr(self, key) is not None)


# The key is 'load', but a class attribute of that name would hide the classmethod
# Schema.load that reads the table; registered here, it becomes an instance attribute only.
ModelConfig.options = {**ModelConfig.options, "load": FilePath(
    None, doc="A saved model to convert instead of training: a Keras 2 '.h5' file, a Keras SavedModel "
              "folder or a TF.js layers-model folder (with model.json).", exists=True)}
