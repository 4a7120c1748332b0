"""Render the example rune data set: content/data/runes/<font>-<i>_<rune>.png.

The 24 runes of the Elder Futhark (U+16A0..U+16DF of the Runic Unicode block), drawn
from every installed font that covers them all (Debian: fonts-noto-core's Noto Sans
Runic, fonts-freefont-ttf's FreeMono), each example with seeded random jitter:
rotation, scale, shear, shift and stroke width. Images are 32x32 with the glyph in the
ALPHA channel on a transparent background, as in the deeplearn.js rune tutorial, and
the file names follow its convention, so sitegen's default pattern labels them:

    [datasets.runes]
    source = "image-folder"
    path = "data/runes"

Regenerate (same seed, same fonts and Pillow -> the same images):

    apt-get install fonts-noto-core fonts-freefont-ttf
    .venv/bin/python scripts/make_runes.py            # --per-class 48 --seed 2024
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ELDER_FUTHARK = "ᚠᚢᚦᚨᚱᚲᚷᚹᚺᚾᛁᛃᛇᛈᛉᛊᛏᛒᛖᛗᛚᛜᛞᛟ"
FONT_DIRS = [Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/opentype"), Path("/usr/local/share/fonts")]
SIZE = 32          # output images are SIZE x SIZE
SCALE = 4          # drawn at 4x, so jitter and strokes are smooth after downsampling
BOX = 0.72         # the glyph's larger side fills this share of the image before jitter
OUT = Path(__file__).resolve().parents[1] / "content" / "data" / "runes"


def covering_fonts() -> list[Path]:
    """Every installed TrueType/OpenType font whose character map has all the runes."""
    from fontTools.ttLib import TTFont

    found = []
    for folder in FONT_DIRS:
        for path in sorted(folder.rglob("*.[ot]tf")) if folder.is_dir() else []:
            try:
                cmap = TTFont(path, lazy=True).getBestCmap() or {}
            except Exception:  # noqa: BLE001 - an unreadable font is simply not used
                continue
            if all(ord(rune) in cmap for rune in ELDER_FUTHARK):
                found.append(path)
    return found


def font_label(path: Path) -> str:
    return path.stem.split("-")[0].lower()


def render(font: ImageFont.FreeTypeFont, rune: str, rng: np.random.Generator) -> Image.Image:
    """One jittered example: an RGBA image, black ink whose opacity is the glyph."""
    big = SIZE * SCALE
    canvas = Image.new("L", (big * 2, big * 2))
    ImageDraw.Draw(canvas).text((big // 2, big // 2), rune, fill=255, font=font)
    glyph = canvas.crop(canvas.getbbox())

    # Stroke width: thin or thicken the strokes at high resolution.
    stroke = int(rng.integers(-1, 3))
    for _ in range(abs(stroke)):
        glyph = glyph.filter(ImageFilter.MaxFilter(5) if stroke > 0 else ImageFilter.MinFilter(3))

    # Fit the glyph into the box, then jitter: rotation, scale, shear and shift.
    fit = BOX * big / max(glyph.size)
    angle = math.radians(rng.uniform(-12, 12))
    scale = fit * rng.uniform(0.82, 1.08)
    shear = rng.uniform(-0.22, 0.22)
    shift = rng.uniform(-2, 2, size=2) * SCALE
    forward = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]) \
        @ np.array([[1, shear], [0, 1]]) * scale
    inverse = np.linalg.inv(forward)
    # Output pixel (x, y) -> glyph pixel: centre to centre, through the inverse transform.
    centre_out = np.array([big / 2, big / 2]) + shift
    centre_in = np.array(glyph.size) / 2
    offset = centre_in - inverse @ centre_out
    coefficients = (inverse[0, 0], inverse[0, 1], offset[0], inverse[1, 0], inverse[1, 1], offset[1])
    ink = glyph.transform((big, big), Image.Transform.AFFINE, coefficients, Image.Resampling.BICUBIC)
    alpha = ink.resize((SIZE, SIZE), Image.Resampling.BOX)
    out = Image.new("RGBA", (SIZE, SIZE))
    out.putalpha(alpha)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, default=48, help="examples of each rune (default 48)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    fonts = covering_fonts()
    if not fonts:
        sys.exit("no installed font covers the Elder Futhark runes (apt-get install fonts-noto-core)")
    print("fonts:", ", ".join(p.name for p in fonts))
    faces = [ImageFont.truetype(str(p), SIZE * SCALE) for p in fonts]
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    rng = np.random.default_rng(args.seed)
    total = 0
    for rune in ELDER_FUTHARK:
        for i in range(args.per_class):
            k = i % len(fonts)
            image = render(faces[k], rune, rng)
            image.save(args.out / f"{font_label(fonts[k])}-{i:02d}_{rune}.png", optimize=True)
            total += 1
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"{total} images, {len(ELDER_FUTHARK)} classes, {size / 1e6:.2f} MB in {args.out}")


if __name__ == "__main__":
    main()
