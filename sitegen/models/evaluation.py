"""Scores of a model on the test split, from its predicted probabilities (plain numpy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    #: one value per class; None for a class with no test examples
    per_class_accuracy: list[float | None]
    #: confusion_matrix[true][predicted] = number of test examples
    confusion_matrix: list[list[int]]
    num_examples: int

    def as_dict(self) -> dict:
        return {"test_accuracy": self.accuracy, "per_class_accuracy": self.per_class_accuracy,
                "confusion_matrix": self.confusion_matrix, "test_examples": self.num_examples}


def evaluate_predictions(probabilities: np.ndarray, labels: np.ndarray, num_classes: int) -> Evaluation:
    """Accuracy, per-class accuracy and confusion matrix of ``probabilities`` [n, k] against integer labels."""
    labels = np.asarray(labels, dtype=np.int64)
    predicted = np.argmax(np.asarray(probabilities), axis=1)
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    per_class: list[float | None] = []
    for k in range(num_classes):
        total = int(matrix[k].sum())
        per_class.append(round(float(matrix[k, k]) / total, 6) if total else None)
    n = len(labels)
    accuracy = round(float(np.trace(matrix)) / n, 6) if n else 0.0
    return Evaluation(accuracy, per_class, matrix.tolist(), n)


def predict_probabilities(model, images_uint8: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The model's softmax outputs for uint8 images, scaled exactly as in training."""
    from .training import to_model_input

    return np.asarray(model.predict(to_model_input(images_uint8), batch_size=batch_size, verbose=0))
