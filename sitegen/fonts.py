"""Phase 5, fonts: every class name and page renders, whatever fonts the reader has.

The theme's font stack covers Latin, Greek and Cyrillic text and common symbols on every
system; other scripts (runes, CJK, ...) may have no system font at all and show as empty
boxes. The build collects the characters that class names and pages use beyond that,
finds them in the fonts the site declares (``[theme] fonts``), and ships a subset of each
font (woff2, made with fontTools) holding only those glyphs. The @font-face rules share
one family, `FAMILY`, which the theme's stack names before its generic fallback; each
rule's unicode-range means a page downloads a subset only when it shows one of its
characters. Characters no declared font has are a warning (an error with --strict).

Subsets are cached artifacts keyed by the font's content and the characters.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .artifacts import ArtifactStore, InputHashes, artifact_key
from .context import BuildContext
from .errors import SitegenError

#: the family of every subset; templates/static/style.css lists it in --font
FAMILY = "sitegen-script"
#: bump when the subsets sitegen writes change
FONT_FORMAT_VERSION = 1
#: blocks the theme's system font stack has on every platform (Latin, Greek, Cyrillic,
#: punctuation, currency, arrows, math, box drawing, geometric shapes)
SYSTEM_RANGES = ((0x0000, 0x052F), (0x1E00, 0x1FFF), (0x2000, 0x22FF), (0x2500, 0x25FF))


def needs_web_font(char: str) -> bool:
    code = ord(char)
    if unicodedata.category(char)[0] in "CZ":  # controls, format characters, spaces
        return False
    return not any(low <= code <= high for low, high in SYSTEM_RANGES)


@dataclass
class WebFonts:
    """The subsets to ship and the CSS that declares them."""

    files: dict[str, Path] = field(default_factory=dict)
    #: output path of each subset -> the characters it holds
    chars: dict[str, str] = field(default_factory=dict)
    css: str = ""

    def needed_by(self, text: str) -> list[str]:
        """The subsets ``text`` uses: a page preloads them, because a browser that discovers a
        unicode-range font while laying out the first lines may leave those lines as boxes."""
        used = set(text)
        return [name for name, chars in self.chars.items() if used.intersection(chars)]


def unicode_range(chars: str) -> str:
    """'U+16A0-16A2, U+16B1' for the code points of ``chars``, merged into runs."""
    codes = sorted({ord(c) for c in chars})
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


def font_cmap(path: Path) -> set[int]:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            return set(font.getBestCmap() or {})
    except (TTLibError, OSError, AssertionError) as e:
        raise SitegenError(f"not a font file fontTools can read ({e})", where=path) from None


def write_subset(font_path: Path, chars: str, out: Path) -> None:
    """A woff2 of ``font_path`` holding only the glyphs of ``chars``."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # keep shaping (ligatures, marks) for the kept glyphs
    options.name_IDs = ["*"]  # keep the licence and copyright names
    font = subset.load_font(str(font_path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    out.write_bytes(buffer.getvalue())


def build_fonts(ctx: BuildContext, texts: list[str]) -> WebFonts:
    """Subsets of the declared fonts for the characters of ``texts`` that need one."""
    wanted = "".join(sorted({c for text in texts for c in text if needs_web_font(c)}))
    fonts: list[Path] = ctx.config.theme.fonts
    out = WebFonts()
    if not wanted:
        return out
    store = ArtifactStore(ctx.cache_dir / "fonts")
    left = wanted
    rules = []
    with InputHashes(ctx.cache_dir / "input-hashes.json") as hashes:
        for index, font in enumerate(fonts):
            covered = font_cmap(font)
            chars = "".join(c for c in left if ord(c) in covered)
            left = "".join(c for c in left if ord(c) not in covered)
            if not chars:
                continue
            key = artifact_key(version=FONT_FORMAT_VERSION, font=hashes.file(font), chars=chars)
            folder, _ = store.get(f"font-{index}", key, lambda f: write_subset(font, chars, f / "subset.woff2"))
            name = f"assets/fonts/{font.stem}-{key[:10]}.woff2"
            out.files[name] = folder / "subset.woff2"
            out.chars[name] = chars
            rules.append(f'@font-face{{font-family:"{FAMILY}";src:url("{name.removeprefix("assets/")}") '
                         f'format("woff2");unicode-range:{unicode_range(chars)};font-display:swap}}\n')
    if left:
        shown = " ".join(f"{c} (U+{ord(c):04X})" for c in left[:12]) + (" ..." if len(left) > 12 else "")
        declared = ", ".join(p.name for p in fonts) or "none"
        ctx.warn(f"{len(left)} character(s) used in class names or pages are in no font of [theme] fonts "
                 f"({declared}), so readers without a system font for them see empty boxes: {shown}")
    out.css = "".join(rules)
    return out
