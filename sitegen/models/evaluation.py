"""Scores of a model on the test split, from its predicted probabilities (plain numpy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


#: above this many classes metadata.json lists the most frequent confusions instead of the
#: whole matrix (13,065 classes would make 170 million numbers)
MAX_MATRIX_CLASSES = 256
#: how many confusions are listed then
TOP_CONFUSIONS = 100


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    #: one value per class; None for a class with no test examples
    per_class_accuracy: list[float | None]
    #: confusion_matrix[true][predicted] = number of test examples (None above MAX_MATRIX_CLASSES)
    confusion_matrix: list[list[int]] | None
    #: [true, predicted, count] of the most frequent mistakes, most frequent first
    top_confusions: list[list[int]]
    num_examples: int

    def as_dict(self) -> dict:
        return {"test_accuracy": self.accuracy, "per_class_accuracy": self.per_class_accuracy,
                "confusion_matrix": self.confusion_matrix, "top_confusions": self.top_confusions,
                "test_examples": self.num_examples}


def evaluate_predictions(probabilities: np.ndarray, labels: np.ndarray, num_classes: int) -> Evaluation:
    """Accuracy, per-class accuracy and confusions of ``probabilities`` [n, k] against integer labels.

    Pairs are counted sparsely (one count per (true, predicted) pair that occurs), so memory
    grows with the test split, not with the square of the number of classes."""
    labels = np.asarray(labels, dtype=np.int64)
    predicted = np.argmax(np.asarray(probabilities), axis=1)
    pairs, counts = np.unique(labels * num_classes + predicted, return_counts=True)
    true_of, predicted_of = np.divmod(pairs, num_classes)
    per_true = np.bincount(labels, minlength=num_classes)
    right = np.bincount(labels[labels == predicted], minlength=num_classes)
    per_class = [round(float(right[k]) / int(per_true[k]), 6) if per_true[k] else None for k in range(num_classes)]
    n = len(labels)
    accuracy = round(float(right.sum()) / n, 6) if n else 0.0
    wrong = np.flatnonzero(true_of != predicted_of)
    ranked = wrong[np.lexsort((predicted_of[wrong], true_of[wrong], -counts[wrong]))][:TOP_CONFUSIONS]
    top = [[int(true_of[i]), int(predicted_of[i]), int(counts[i])] for i in ranked]
    matrix = None
    if num_classes <= MAX_MATRIX_CLASSES:
        dense = np.zeros((num_classes, num_classes), dtype=np.int64)
        dense[true_of, predicted_of] = counts
        matrix = dense.tolist()
    return Evaluation(accuracy, per_class, matrix, top, n)


def predict_probabilities(model, images_uint8: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The model's softmax outputs for uint8 images, scaled exactly as in training."""
    from .training import to_model_input

    return np.asarray(model.predict(to_model_input(images_uint8), batch_size=batch_size, verbose=0))
