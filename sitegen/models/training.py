"""Train a tf.keras model on a data set's uint8 examples, seeded and deterministic, with progress."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .runtime import import_tensorflow


@dataclass(frozen=True)
class TrainingOptions:
    epochs: int = 5
    batch_size: int = 64
    optimizer: str = "adam"
    learning_rate: float = 0.001
    validation_split: float = 0.1
    seed: int = 1

    @classmethod
    def from_config(cls, config) -> "TrainingOptions":
        return cls(config.epochs, config.batch_size, config.optimizer, config.learning_rate,
                   config.validation_split, config.seed)


def seed_everything(seed: int) -> None:
    """Make weight initialisation, shuffling and dropout repeat exactly (call before building the model)."""
    tf = import_tensorflow()
    tf.keras.backend.clear_session()  # also resets automatic layer names, which land in model.json
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def to_model_input(images_uint8: np.ndarray) -> np.ndarray:
    """uint8 pixels [n, h, w, c] -> float32 in [0, 1]: what the site's data.js hands the browser."""
    return images_uint8.astype(np.float32) / np.float32(255)


def split_validation(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices for training and validation: a seeded shuffle, so a class-sorted split still validates fairly."""
    order = np.random.RandomState(seed).permutation(n)
    n_val = int(round(n * fraction))
    if fraction > 0 and n_val == 0 and n > 1:
        n_val = 1
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def make_optimizer(name: str, learning_rate: float):
    tf = import_tensorflow()
    classes = {"adam": tf.keras.optimizers.Adam, "sgd": tf.keras.optimizers.SGD,
               "rmsprop": tf.keras.optimizers.RMSprop, "adagrad": tf.keras.optimizers.Adagrad}
    return classes[name](learning_rate=learning_rate)


def train_model(model, x_train: np.ndarray, y_train: np.ndarray, options: TrainingOptions,
                console: Console | None = None, progress: bool = False, label: str = "model") -> dict[str, list[float]]:
    """Fit ``model`` (softmax outputs) on uint8 images and integer labels; return the history.

    The history uses the codelab's names: loss, acc, val_loss, val_acc (one value per epoch).
    """
    tf = import_tensorflow()
    train_idx, val_idx = split_validation(len(x_train), options.validation_split, options.seed)
    x = to_model_input(x_train)
    y = np.asarray(y_train, dtype=np.int64)
    validation = (x[val_idx], y[val_idx]) if len(val_idx) else None
    model.compile(optimizer=make_optimizer(options.optimizer, options.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    steps = -(-len(train_idx) // options.batch_size)
    reporter = _EpochReporter(tf, console or Console(), progress, label, options.epochs, steps)
    fit = model.fit(x[train_idx], y[train_idx], batch_size=options.batch_size, epochs=options.epochs,
                    validation_data=validation, shuffle=True, verbose=0, callbacks=[reporter])
    names = {"loss": "loss", "accuracy": "acc", "val_loss": "val_loss", "val_accuracy": "val_acc"}
    return {names[k]: [float(v) for v in values] for k, values in fit.history.items() if k in names}


def _EpochReporter(tf, console: Console, progress: bool, label: str, epochs: int, steps: int):
    """A Keras callback: a rich bar per epoch when ``progress``, else one line per epoch."""

    class EpochReporter(tf.keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.bar = None
            if progress:
                self.bar = Progress(TextColumn("  {task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                                    TextColumn("{task.fields[metrics]}"), TimeElapsedColumn(),
                                    console=console, transient=True)
                self.bar.start()

        def on_epoch_begin(self, epoch, logs=None):
            if self.bar is not None:
                self.task = self.bar.add_task(f"{label} epoch {epoch + 1}/{epochs}", total=steps, metrics="")

        def on_train_batch_end(self, batch, logs=None):
            if self.bar is not None:
                logs = logs or {}
                self.bar.update(self.task, completed=batch + 1,
                                metrics=f"loss {logs.get('loss', 0):.4f} acc {logs.get('accuracy', 0):.4f}")

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            line = f"  {label} epoch {epoch + 1}/{epochs}: loss {logs.get('loss', 0):.4f} acc {logs.get('accuracy', 0):.4f}"
            if "val_accuracy" in logs:
                line += f" val_acc {logs['val_accuracy']:.4f}"
            if self.bar is not None:
                self.bar.remove_task(self.task)
            console.print(line, highlight=False, markup=False, soft_wrap=True)

        def on_train_end(self, logs=None):
            if self.bar is not None:
                self.bar.stop()

    return EpochReporter()
