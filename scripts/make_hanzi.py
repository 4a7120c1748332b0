"""Render the example Chinese-character data set and the web font that shows its class names.

Seed 002's Traditional Chinese Handwriting data set has 13,065 characters, about 50
handwritten samples of each, one folder per character (人/人_001.png, dark ink on white).
This script makes a small stand-in with the same layout from fonts: the 300 characters of
`CHARACTERS` (common Traditional Chinese characters, most frequent first, plus the digits
and the characters of one of the seed's assignment sentences, 認真問現在買電車好嗎), each
drawn `--per-class` times by the CJK fonts of `FACES` in turn, every time with seeded random
jitter (rotation, scale, shear, shift, stroke width):

    content/data/hanzi/人/人_001.png ... 人_016.png      32x32 grayscale, black ink on white

which the site declares as

    [datasets.hanzi]
    source = "image-folder"
    path = "data/hanzi"
    by = "folder"        # the class is the folder; the default pattern would read "001"
    channel = "luma"
    invert = true        # white ink on black, as MNIST

It also writes content/fonts/NotoSansCJKtc-Regular-subset.otf: Noto Sans CJK TC (SIL OFL
1.1, licence in content/fonts/NotoSansCJK-OFL.txt) cut down with fontTools to the glyphs of
`CHARACTERS` and of the CJK text of content/pages/hanzi.md, so that the repository carries
60 kB instead of 19 MB. The build subsets it again to what the pages use (sitegen/fonts.py).
Rerun with --font-only after editing the page's Chinese text.

The fonts come from Debian packages, unpacked into a folder rather than installed (the
browser tests expect Chromium to find no CJK system font):

    mkdir -p /tmp/cjk-fonts && cd /tmp/cjk-fonts
    apt-get download fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming \\
        fonts-wqy-microhei fonts-wqy-zenhei
    for deb in *.deb; do dpkg-deb -x "$deb" root; done
    cd - && .venv/bin/python scripts/make_hanzi.py --fonts /tmp/cjk-fonts/root

Same seed, same font packages (Debian 12: fonts-noto-cjk 20220127, arphic 0.2.20080216,
wqy-microhei 0.2.0-beta, wqy-zenhei 0.9.45) and same Pillow -> the same images.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import unicodedata
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

#: 300 classes, so the built labels are 2-byte class indices (more than 256 classes), as
#: the full data set's would be. The first 296 are the most frequent characters of modern
#: written Chinese, in Traditional forms; then 七 (the digits 一..十 are all here) and the
#: three still missing from the assignment sentence 認真問現在買電車好嗎.
CHARACTERS = (
    "的一是不了在人有我他這個們中來上大為和國地到以說時要就出會可也你對生能而子那得於著下自之"
    "年過發後作裡用道行所然家種事成方多經麼去法學如都同現當沒動面起看定天分還進好小部其些主樣"
    "理心她本前開但因只從想實日軍者意無力它與長把機十民第公此已工使情明性知全三又關點正業外將"
    "兩高間由問很最重並物手應戰向頭文體政美相見被利什二等產或新己制身果加西斯月話合回特代內信"
    "表化老給世位次度門任常先海通教兒原東聲提立及比員解水名真論處走義各入幾口認條平系氣題活爾"
    "更別打女變四神總何電數安少報才結反受目太量再感建務做接必場件計管期市直德資命山金指克許統"
    "區保至隊形社便空決治展馬科司五基眼書非則聽白卻界達光放強即像難且"
    "七買車嗎"
)

#: (file under the fonts root, face index in the collection, short name): the Traditional
#: Chinese faces of each package. Kai (brush) and Ming (serif) faces look least like print.
FACES = [
    ("usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 3, "notosans"),
    ("usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 3, "notosansbold"),
    ("usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 3, "notoserif"),
    ("usr/share/fonts/truetype/arphic/ukai.ttc", 2, "ukai"),
    ("usr/share/fonts/truetype/arphic/uming.ttc", 2, "uming"),
    ("usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "wqymicrohei"),
    ("usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "wqyzenhei"),
]
#: the web font's source: Noto Sans CJK TC Regular (OFL), face 3 of the collection
WEB_FONT = FACES[0]

SIZE = 32          # output images are SIZE x SIZE
SCALE = 4          # drawn at 4x, so jitter and strokes are smooth after downsampling
BOX = 0.72         # the glyph's larger side fills this share of the image before jitter
                   # (the "mnist" canvas scales a drawing into 20/28 of the image, the same)
ROOT = Path(__file__).resolve().parents[1] / "content"
OUT = ROOT / "data" / "hanzi"
FONT_OUT = ROOT / "fonts" / "NotoSansCJKtc-Regular-subset.otf"
LICENCE_OUT = ROOT / "fonts" / "NotoSansCJK-OFL.txt"
PAGE = ROOT / "pages" / "hanzi.md"
#: the OFL text that ships with Noto Sans Runic: the same licence, version 1.1
OFL = ROOT / "fonts" / "OFL.txt"


def render(font: ImageFont.FreeTypeFont, char: str, rng: np.random.Generator) -> Image.Image:
    """One jittered example: a grayscale image, black ink on white."""
    big = SIZE * SCALE
    canvas = Image.new("L", (big * 2, big * 2))
    ImageDraw.Draw(canvas).text((big // 2, big // 2), char, fill=255, font=font)
    glyph = canvas.crop(canvas.getbbox())

    # Stroke width: thin (-1) or thicken (+1) the strokes at high resolution.
    stroke = int(rng.integers(-1, 2))
    for _ in range(abs(stroke)):
        glyph = glyph.filter(ImageFilter.MaxFilter(3) if stroke > 0 else ImageFilter.MinFilter(3))

    # Fit the glyph into the box, then jitter: rotation, scale, shear and shift.
    fit = BOX * big / max(glyph.size)
    angle = math.radians(rng.uniform(-8, 8))
    scale = fit * rng.uniform(0.85, 1.08)
    shear = rng.uniform(-0.15, 0.15)
    squash = rng.uniform(0.9, 1.1)  # handwriting is rarely square: stretch one axis a little
    shift = rng.uniform(-1.5, 1.5, size=2) * SCALE
    forward = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]) \
        @ np.array([[1, shear], [0, 1]]) @ np.diag([squash, 1 / squash]) * scale
    inverse = np.linalg.inv(forward)
    # Output pixel (x, y) -> glyph pixel: centre to centre, through the inverse transform.
    centre_out = np.array([big / 2, big / 2]) + shift
    centre_in = np.array(glyph.size) / 2
    offset = centre_in - inverse @ centre_out
    coefficients = (inverse[0, 0], inverse[0, 1], offset[0], inverse[1, 0], inverse[1, 1], offset[1])
    ink = glyph.transform((big, big), Image.Transform.AFFINE, coefficients, Image.Resampling.BICUBIC)
    small = ink.resize((SIZE, SIZE), Image.Resampling.BOX)
    return Image.eval(small, lambda v: 255 - v)  # dark ink on white, as the seed's scans


def load_faces(root: Path) -> list[ImageFont.FreeTypeFont]:
    from fontTools.ttLib import TTFont

    faces = []
    for relative, index, name in FACES:
        path = root / relative
        if not path.is_file():
            sys.exit(f"{path} is missing: unpack the font packages there (see the top of {Path(__file__).name})")
        with TTFont(path, fontNumber=index, lazy=True) as font:
            cmap = font.getBestCmap() or {}
        missing = [c for c in CHARACTERS if ord(c) not in cmap]
        if missing:
            sys.exit(f"{name} ({path.name}) has no glyph for {''.join(missing)}")
        faces.append(ImageFont.truetype(str(path), SIZE * SCALE, index=index))
    return faces


def page_characters() -> str:
    """The characters of the tutorial's text that no system font of the theme covers (CJK)."""
    if not PAGE.is_file():
        return ""
    text = PAGE.read_text(encoding="utf-8")
    return "".join(c for c in text if ord(c) >= 0x2E80 and unicodedata.category(c)[0] not in "CZ")


def write_web_font(root: Path) -> None:
    """The class names' font: Noto Sans CJK TC with only the characters the site shows."""
    from fontTools import subset

    relative, index, _ = WEB_FONT
    chars = sorted(set(CHARACTERS + page_characters()))
    options = subset.Options()
    options.font_number = index
    # The TC face's default glyphs are the Traditional forms: no layout features (their
    # Japanese and Korean alternates would double the file) and no hinting.
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]        # keep the copyright and licence names
    options.notdef_outline = True
    font = subset.load_font(str(root / relative), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    subset.save_font(font, str(FONT_OUT), options)
    body = OFL.read_text(encoding="utf-8").split("\n", 2)[2]  # the licence without Runic's notice
    LICENCE_OUT.write_text(
        f"{FONT_OUT.name}: a subset ({len(chars)} characters) of Noto Sans CJK TC Regular 2.004,\n"
        "made by scripts/make_hanzi.py with fontTools from Debian's fonts-noto-cjk.\n"
        "Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.\n"
        "This Font Software is licensed under the SIL Open Font License, Version 1.1.\n" + body,
        encoding="utf-8")
    print(f"web font: {len(chars)} characters, {FONT_OUT.stat().st_size / 1e3:.0f} kB in {FONT_OUT}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fonts", type=Path, default=Path("/tmp/cjk-fonts/root"),
                        help="the folder the font packages were unpacked into (dpkg-deb -x)")
    parser.add_argument("--per-class", type=int, default=16, help="examples of each character (default 16)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--font-only", action="store_true", help="only write the web font")
    args = parser.parse_args()

    assert len(set(CHARACTERS)) == len(CHARACTERS) == 300, "CHARACTERS holds 300 different characters"
    if args.font_only:
        write_web_font(args.fonts)
        return
    faces = load_faces(args.fonts)
    print("faces:", ", ".join(name for _, _, name in FACES))
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    rng = np.random.default_rng(args.seed)
    for n, char in enumerate(CHARACTERS):
        folder = args.out / char
        folder.mkdir()
        for i in range(args.per_class):
            face = faces[(n + i) % len(faces)]  # each character starts at another face
            render(face, char, rng).save(folder / f"{char}_{i + 1:03d}.png", optimize=True)
    files = sorted(args.out.rglob("*.png"))
    size = sum(p.stat().st_size for p in files)
    print(f"{len(files)} images, {len(CHARACTERS)} classes, {size / 1e6:.2f} MB in {args.out}")
    write_web_font(args.fonts)


if __name__ == "__main__":
    main()
