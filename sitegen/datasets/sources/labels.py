"""Checks and class names shared by the sources that store labels as integers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import DataError


def check_labels(labels: np.ndarray, label_offset: int, where: Path) -> None:
    if len(labels) and labels.min() < 0:
        raise DataError(f"label {int(labels.min()) + label_offset} is negative after subtracting label_offset "
                        f"= {label_offset}", where=where)


def class_names(declared: list[str] | None, source_names: list[str] | None, labels: np.ndarray, where: Path
                ) -> list[str]:
    """Class names in label order: ``declared`` (the classes option), else the source's names, else
    '0', '1', ..."""
    needed = int(labels.max()) + 1 if len(labels) else 0
    names = declared or source_names
    if names is None:
        return [str(i) for i in range(needed)]
    if len(names) < needed:
        origin = "the classes option" if declared else "the class names of the source"
        raise DataError(f"label {needed - 1} has no name: {origin} lists only {len(names)} classes", where=where)
    return list(names)
