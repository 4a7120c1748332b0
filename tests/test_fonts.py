"""Web fonts for class names and pages in scripts readers may have no font for (sitegen/fonts.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from sitegen.build import build
from sitegen.errors import StrictWarnings
from sitegen.fonts import FAMILY, needs_web_font, unicode_range

ROOT = Path(__file__).resolve().parent.parent
RUNIC = ROOT / "content" / "fonts" / "NotoSansRunic-Regular.ttf"
PAGE = "---\ntitle: Runes\n---\nThe runes ᚠ, ᚢ and ᚦ; in Chinese, 人 (person). Plain text needs no font: café, Ωmega, →.\n"


def rune_site(make_site, fonts='["fonts/runic.ttf"]'):
    return make_site({
        "sitegen.toml": f'title = "Runes"\n[theme]\nfonts = {fonts}\n',
        "content/index.md": PAGE,
        "fonts/runic.ttf": RUNIC.read_bytes(),
    })


def quiet_build(root: Path, **options):
    return build(root, console=Console(file=io.StringIO(), width=200), progress=False, **options)


def test_which_characters_need_a_web_font():
    assert [c for c in "aé Ω→ᚠ人\u200b" if needs_web_font(c)] == ["ᚠ", "人"]
    assert unicode_range("ᚢᚠᚡᚦ人") == "U+16A0-16A2, U+16A6, U+4EBA"


def test_subset_holds_exactly_the_runes_used_and_missing_glyphs_are_named(make_site, npm_available):
    from fontTools.ttLib import TTFont

    root = rune_site(make_site)
    result = quiet_build(root)
    (woff2,) = (root / "_site" / "assets" / "fonts").glob("runic-*.woff2")
    with TTFont(woff2) as font:
        assert font.flavor == "woff2"
        assert set(font.getBestCmap()) == {ord(c) for c in "ᚠᚢᚦ"}
    (theme_css,) = (root / "_site" / "assets").glob("theme-*.css")
    css = theme_css.read_text()
    assert f'font-family:"{FAMILY}"' in css and "unicode-range:U+16A0, U+16A2, U+16A6" in css
    assert f"fonts/{woff2.name}" in css
    (warning,) = result.warnings
    assert "1 character(s)" in warning and "人 (U+4EBA)" in warning and "runic.ttf" in warning
    with pytest.raises(StrictWarnings, match=r"人 \(U\+4EBA\)"):
        quiet_build(root, strict=True)


def test_without_fonts_nothing_is_shipped_but_the_warning(make_site, npm_available):
    root = rune_site(make_site, fonts="[]")
    result = quiet_build(root)
    assert not (root / "_site" / "assets" / "fonts").exists()
    assert "4 character(s)" in result.warnings[0] and "(none)" in result.warnings[0]


MEASURE = """async (text) => {
  const span = document.createElement('span');
  span.textContent = text;
  span.style.fontSize = '100px';
  document.body.append(span);
  await document.fonts.ready;
  await document.fonts.load('100px "%s"', text);
  const width = span.getBoundingClientRect().width;
  span.style.fontFamily = 'monospace';
  const fallback = span.getBoundingClientRect().width;
  return {width, fallback, loaded: document.fonts.check('100px "%s"', text)};
}""" % (FAMILY, FAMILY)


@pytest.mark.browser
def test_runes_render_with_the_shipped_glyphs_in_chromium(make_site, npm_available, browser_page, serve_dir):
    """Chromium here has no runic font: without the web font a rune is a fallback box."""
    from fontTools.ttLib import TTFont

    root = rune_site(make_site)
    quiet_build(root)
    browser_page.goto(serve_dir(root / "_site"))
    with TTFont(RUNIC) as font:
        per_em = font["head"].unitsPerEm
        advance = {c: font["hmtx"][font.getBestCmap()[ord(c)]][0] * 100 / per_em for c in "ᚠᚢᚦ"}
    for rune, expected in advance.items():
        seen = browser_page.evaluate(MEASURE, rune)
        assert seen["loaded"]
        assert seen["width"] == pytest.approx(expected, abs=0.6), (rune, seen)
        assert abs(seen["fallback"] - expected) > 1, (rune, seen)  # the test can tell the two apart
    assert not browser_page.console_errors


def test_pages_preload_only_the_subsets_they_use(make_site, npm_available):
    root = rune_site(make_site)
    (root / "content" / "plain.md").write_text("---\ntitle: Plain\n---\nLatin only.\n")
    quiet_build(root)
    (woff2,) = (root / "_site" / "assets" / "fonts").glob("runic-*.woff2")
    preload = f'<link rel="preload" href="assets/fonts/{woff2.name}" as="font" type="font/woff2" crossorigin>'
    assert preload in (root / "_site" / "index.html").read_text()
    assert 'rel="preload"' not in (root / "_site" / "plain" / "index.html").read_text()
