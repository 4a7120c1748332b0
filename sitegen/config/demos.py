"""The options of each kind of ```demo block, checked at build time (see sitegen/demos.py)."""

from __future__ import annotations

from ..tables import OPTIMIZERS
from .options import Choice, Float, Int, Schema, Str


class DemoOptions(Schema):
    kind = Choice(("train", "draw", "explore", "model-builder"), doc="Which widget this block becomes.")
    title = Str("", doc="Heading shown above the widget.")

    #: what a reader without JavaScript is told
    noscript = "This interactive demo needs JavaScript."
    #: whether the widget needs its data set's model configs: True (train), False (it can
    #: start from none: model-builder), None (it uses none)
    needs_model_configs: bool | None = None

    def references(self) -> list[tuple[str, str]]:
        """(kind, name) pairs this demo needs: ("dataset", "mnist"), ("model", "cnn")."""
        return []

    def problem(self, site) -> str | None:
        """What in ``site`` (the SiteConfig) keeps this demo from working, checked once its
        references exist: a model config the data set does not have, or none at all."""
        if self.needs_model_configs is None:
            return None
        configs = site.datasets[self.dataset].model_configs
        if self.model and self.model not in configs:
            known = ", ".join(configs) or "none"
            return f"the data set '{self.dataset}' has no model config '{self.model}' (it has: {known})"
        if not configs and self.needs_model_configs:
            return (f"the data set '{self.dataset}' has no model_configs to train: add them to "
                    f"[datasets.{self.dataset}] in sitegen.toml")
        return None


class TrainDemo(DemoOptions):
    dataset = Str(doc="Data set to train on (a [datasets] name).")
    model = Str("", doc="Model config of the data set to start with (its model_configs key); "
                        "default: the first.")
    epochs = Int(3, doc="Epochs, changeable by the reader.", minimum=1, maximum=100)
    # Small batches at a higher rate than Adam's 0.001 learn more per example (and examples,
    # not examples per second, are what a reader waits for): on MNIST-like data the codelab's
    # CNN passes the accuracy of the codelab's 10 epochs at batch 512 within its first epoch
    # (bench/bench_time_to_accuracy.py).
    batch_size = Int(32, doc="Batch size.", minimum=1, maximum=4096)
    train_size = Int(5500, doc="Training examples used (capped by the data set).", minimum=1)
    test_size = Int(1000, doc="Validation examples used (capped by the data set).", minimum=1)
    learning_rate = Float(0.003, doc="Learning rate.", minimum=0, exclusive_minimum=True, maximum=10)
    optimizer = Choice(tuple(OPTIMIZERS), "adam", doc="Optimizer.")
    examples = Int(20, doc="Example images shown before training.", minimum=0, maximum=200)

    noscript = "This demo trains a neural network in your browser; it needs JavaScript."
    needs_model_configs = True

    def references(self):
        return [("dataset", self.dataset)]


class DrawDemo(DemoOptions):
    model = Str(doc="Converted model that recognises the drawing (a [models] name).")
    top_k = Int(3, doc="How many guesses to show.", minimum=1, maximum=20)
    stroke = Float(0, doc="Pen width in canvas pixels; 0 picks one from the model's data set.", minimum=0,
                   maximum=100)

    noscript = "Draw here and a neural network guesses what it is; this needs JavaScript."

    def references(self):
        return [("model", self.model)]


class ExploreDemo(DemoOptions):
    dataset = Str(doc="Data set to browse (a [datasets] name).")
    model = Str("", doc="Model whose guesses are shown next to the truth (a [models] name); optional.")
    split = Choice(("test", "train"), "test", doc="Which split to browse.")
    start = Int(0, doc="Index shown first.", minimum=0)

    noscript = "This viewer of the data set needs JavaScript."

    def references(self):
        refs = [("dataset", self.dataset)]
        if self.model:
            refs.append(("model", self.model))
        return refs


class ModelBuilderDemo(DemoOptions):
    dataset = Str(doc="Data set to start with (a [datasets] name).")
    model = Str("", doc="Model config to start with; default: the data set's first.")
    batch_size = Int(64, doc="Batch size.", minimum=1, maximum=4096)
    learning_rate = Float(0.01, doc="Learning rate.", minimum=0, exclusive_minimum=True, maximum=10)
    optimizer = Choice(tuple(OPTIMIZERS), "adam", doc="Optimizer.")
    gallery = Int(12, doc="Test examples shown with their predicted classes.", minimum=0, maximum=100)

    noscript = "The model builder trains networks you design in your browser; it needs JavaScript."
    needs_model_configs = False  # the reader can start from an empty list

    def references(self):
        return [("dataset", self.dataset)]


DEMO_KINDS: dict[str, type[DemoOptions]] = {
    "train": TrainDemo,
    "draw": DrawDemo,
    "explore": ExploreDemo,
    "model-builder": ModelBuilderDemo,
}
