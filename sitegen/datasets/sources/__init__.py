"""Source kinds: one class each, reading a data set's raw files into `Examples`.

A source is made from the data set's config (`DatasetConfig`) and its kind's options
(``config.source_options``, a schema of sitegen/config/datasets.py). It says what it
depends on (`Source.inputs`, content hashes for the cache key), which local files it reads
(`Source.files`; a url source downloads them) and reads them (`Source.read`).

Adding a source kind: its options schema in sitegen/config/datasets.py (registered in
SOURCE_OPTIONS) and one module here with its class, registered in `source_classes` below.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from ...artifacts import InputHashes
    from ...config.datasets import DatasetConfig, SourceOptions
    from ...context import BuildContext
    from ..examples import Examples


class Source:
    """How one kind of raw data becomes examples."""

    #: suffixes of the files read from a folder (None: every file)
    suffixes: ClassVar[set[str] | None] = None

    def __init__(self, dataset: "DatasetConfig", options: "SourceOptions"):
        self.dataset = dataset
        self.options = options

    def inputs(self, ctx: "BuildContext", hashes: "InputHashes") -> dict:
        """Content hashes of everything the source reads (part of the data set's cache key)."""
        return {key: hashes.tree(path, self.suffixes) for key, path in self.files(ctx).items()}

    def files(self, ctx: "BuildContext") -> dict[str, Path]:
        """The local files (or folders) to read, by the option that names them."""
        return dict(self.options.file_options())

    def read(self, ctx: "BuildContext", files: dict[str, Path]) -> "Examples":
        raise NotImplementedError


def source_for(dataset: "DatasetConfig", options: "SourceOptions | None" = None) -> Source:
    """The source that reads ``options`` (by default the data set's own source options)."""
    options = options or dataset.source_options
    return source_classes()[type(options)](dataset, options)


def source_classes() -> dict[type, type[Source]]:
    """Options schema -> source class; the reader modules are imported here, on demand."""
    from ...config import datasets as schemas
    from .idx import IdxSource
    from .image_folder import ImageFolderSource
    from .ndjson import NdjsonSource
    from .npy import NpySource
    from .sample import SampleSource
    from .url import UrlSource

    return {schemas.IdxOptions: IdxSource, schemas.NpyOptions: NpySource,
            schemas.ImageFolderOptions: ImageFolderSource, schemas.UrlOptions: UrlSource,
            schemas.SampleOptions: SampleSource, schemas.NdjsonOptions: NdjsonSource}
