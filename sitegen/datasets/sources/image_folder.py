"""A folder of PNG/JPEG images, labelled by file name (a regex) or by sub-folder."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np

from ...errors import DataError
from ..examples import Examples
from ..progress import progress_task
from . import Source

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def list_images(options, folder: Path) -> list[tuple[Path, str]]:
    """(file, class name) for every image, in a stable order; names NFC-normalised so that a
    macOS-made (NFD) file name and a typed one give the same class."""
    found: list[tuple[Path, str]] = []
    if options.by == "folder":
        for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            files = sorted(p for p in sub.iterdir() if _is_image(p))
            if not files:
                raise DataError(f"class '{sub.name}' has no examples (no PNG or JPEG files)", where=sub)
            found += [(p, unicodedata.normalize("NFC", sub.name)) for p in files]
    else:
        pattern = re.compile(options.pattern)
        for path in sorted(p for p in folder.iterdir() if _is_image(p)):
            match = pattern.search(path.name)
            if not match or not match.group(1):
                raise DataError(f"file name does not match the pattern {options.pattern!r} (the first group "
                                f"is the class)", where=path)
            found.append((path, unicodedata.normalize("NFC", match.group(1))))
    if not found:
        hint = ""
        if options.by == "folder":
            hint = " (by = 'folder' expects one sub-folder per class)"
        elif any(p.is_dir() and not p.name.startswith(".") for p in folder.iterdir()):
            hint = " (it has sub-folders: set by = \"folder\" to label images by the sub-folder they are in)"
        raise DataError("no PNG or JPEG images in this folder" + hint, where=folder)
    return found


def labelling_doubts(options, found: list[tuple[Path, str]]) -> list[str]:
    """Signs that file names were read as classes by mistake (by = "filename" only), e.g. the
    pattern taking ``001`` from ``人_001.png`` as the class: every class a number, or one
    example per class."""
    if options.by != "filename" or len(found) < 2:
        return []
    counts: dict[str, int] = {}
    for _, label in found:
        counts[label] = counts.get(label, 0) + 1
    doubts = []
    if all(label.isdigit() for label in counts):
        doubts.append(f"every one of the {len(counts):,} classes read from file names by the pattern "
                      f"{options.pattern!r} is a number (e.g. '{found[0][1]}' from {found[0][0].name})")
    if len(counts) == len(found):
        doubts.append(f"each of the {len(found):,} images is a class of its own (one example per class)")
    return doubts


def load_image(options, path: Path, size: tuple[int, int] | None) -> np.ndarray:
    """One image as uint8 [h, w, c] from the configured channel, resized if allowed."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.load()
            if options.channel == "alpha":
                if im.mode == "P" and "transparency" in im.info:
                    im = im.convert("RGBA")
                if "A" not in im.getbands():
                    raise DataError(f"image has no alpha channel (mode {im.mode}); set channel = \"luma\" "
                                    f"for dark ink on a light background", where=path)
                band = im.getchannel("A")
            elif options.channel == "luma":
                band = im.convert("L")
            else:
                band = im.convert("RGB")
    except (UnidentifiedImageError, OSError) as e:
        raise DataError(f"not a readable image ({e})", where=path) from None
    if size is not None and band.size != (size[1], size[0]):
        if not options.resize:
            raise DataError(f"image is {band.size[0]}x{band.size[1]} pixels, the data set's shape is "
                            f"{size[1]}x{size[0]} (set resize = true to scale images)", where=path)
        band = band.resize((size[1], size[0]), Image.Resampling.LANCZOS)
    array = np.asarray(band, dtype=np.uint8)
    return array[..., np.newaxis] if array.ndim == 2 else array


def read_image_folder(options, dataset, folder: Path, advance=lambda n=1: None,
                      found: list[tuple[Path, str]] | None = None) -> Examples:
    found = found if found is not None else list_images(options, folder)
    size = tuple(dataset.shape[:2]) if dataset.shape else None
    images = []
    for path, _ in found:
        images.append(load_image(options, path, size))
        if size is None:
            size = images[0].shape[:2]
        advance(1)
    names = sorted(set(label for _, label in found))
    if dataset.classes:
        unknown = sorted(set(names) - set(dataset.classes))
        if unknown:
            raise DataError(f"class '{unknown[0]}' is not in the classes option", where=folder)
        names = list(dataset.classes)
    index = {name: i for i, name in enumerate(names)}
    labels = np.array([index[label] for _, label in found], dtype=np.int64)
    how = "file names" if options.by == "filename" else "sub-folders"
    return Examples(np.stack(images), labels, names, None,
                    f"{len(found):,} images from {folder.name}/, labelled by {how}, {options.channel} channel")


class ImageFolderSource(Source):
    """source = "image-folder": one image file per example."""

    suffixes = IMAGE_SUFFIXES

    def read(self, ctx, files):
        folder = files["path"]
        found = list_images(self.options, folder)
        for doubt in labelling_doubts(self.options, found):
            ctx.warn(f"data set '{self.dataset.name}': {doubt}; if the class is in the folder name, set "
                     f"by = \"folder\", else check the pattern (its first group is the class)")
        with progress_task(ctx, f"reading {len(found):,} images", len(found)) as advance:
            return read_image_folder(self.options, self.dataset, folder, advance, found)
