"""What every source reader returns: examples as arrays, before splitting."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Examples:
    """Raw examples of one data set, in the source's order."""

    images: np.ndarray   #: uint8 [n, h, w, c]
    labels: np.ndarray   #: int64 [n], class indices 0..len(classes)-1
    classes: list[str]
    #: True for examples of the source's own test split; None when it has no split.
    is_test: np.ndarray | None = None
    #: One sentence about where the examples came from (for manifest.json).
    description: str = ""

    def __post_init__(self):
        assert self.images.dtype == np.uint8 and self.images.ndim == 4, self.images.shape
        assert len(self.images) == len(self.labels)

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(int(d) for d in self.images.shape[1:])  # type: ignore[return-value]

    def subset(self, index: np.ndarray) -> "Examples":
        return Examples(self.images[index], self.labels[index], self.classes,
                        None if self.is_test is None else self.is_test[index], self.description)
