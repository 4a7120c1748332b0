"""Deterministic subsetting, train/test split and shuffle of `Examples`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from .examples import Examples

DEFAULT_TEST_FRACTION = 0.15


def check_classes(examples: Examples, where: Path | str | None) -> None:
    """At least two classes, each named once and each with examples."""
    first_label: dict[str, int] = {}
    for label, name in enumerate(examples.classes):
        if name in first_label:
            raise DataError(f"class name '{name}' is used twice (labels {first_label[name]} and {label}): each "
                            f"class needs a name of its own", where=where)
        first_label[name] = label
    if len(examples.classes) < 2:
        found = f"only '{examples.classes[0]}'" if examples.classes else "none"
        raise DataError(f"a data set needs at least two classes to learn from; found {found}", where=where)
    counts = np.bincount(examples.labels, minlength=len(examples.classes))
    empty = np.flatnonzero(counts == 0)
    if len(empty):
        raise DataError(f"class '{examples.classes[empty[0]]}' has no examples", where=where)


def limit(examples: Examples, max_per_class: int | None, max_examples: int | None, seed: int) -> Examples:
    """Apply max_per_class (the first examples of each class) and max_examples (a seeded subset)."""
    if max_per_class is not None:
        keep = np.concatenate([np.flatnonzero(examples.labels == k)[:max_per_class]
                               for k in range(len(examples.classes))])
        examples = examples.subset(np.sort(keep))
    if max_examples is not None and len(examples.labels) > max_examples:
        rng = np.random.default_rng([seed, 1])
        examples = examples.subset(np.sort(rng.permutation(len(examples.labels))[:max_examples]))
    return examples


def split(examples: Examples, test_fraction: float | None, seed: int, where: Path | str | None
          ) -> tuple[np.ndarray, np.ndarray, str]:
    """Indices of the training and test examples, each in its own seeded shuffle order,
    and a sentence describing the split.

    The source's own split is kept unless ``test_fraction`` is set; otherwise every class
    gives round(count * test_fraction) examples (at least one) to the test split.
    """
    rng = np.random.default_rng([seed, 2])
    if test_fraction is None and examples.is_test is not None:
        train = np.flatnonzero(~examples.is_test)
        test = np.flatnonzero(examples.is_test)
        how = "the source's own train/test split"
    else:
        fraction = DEFAULT_TEST_FRACTION if test_fraction is None else test_fraction
        train_parts, test_parts = [], []
        for k, name in enumerate(examples.classes):
            members = np.flatnonzero(examples.labels == k)
            if fraction > 0 and len(members) < 2:
                raise DataError(f"class '{name}' has only {len(members)} example; a stratified split with "
                                f"test_fraction = {fraction} needs at least 2 per class", where=where)
            members = rng.permutation(members)
            n_test = min(len(members) - 1, max(1, round(len(members) * fraction))) if fraction > 0 else 0
            test_parts.append(members[:n_test])
            train_parts.append(members[n_test:])
        train, test = np.concatenate(train_parts), np.concatenate(test_parts)
        how = f"stratified: {fraction:g} of each class for testing"
    return rng.permutation(train), rng.permutation(test), f"{how}; shuffled with seed {seed}"
