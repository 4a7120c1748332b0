"""Golden build of a tiny scratch site, demo-block validation, and the atomic swap."""

from __future__ import annotations

import hashlib
import json
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from sitegen.build import build
from sitegen.errors import ConfigError, SitegenError

TOML = '''title = "Tiny ML"
description = "A scratch site."
base_url = "https://example.org/tiny/"

[datasets.digits]
source = "idx"
images = "data/images.idx"
labels = "data/labels.idx"
test_fraction = 0.25
'''

HOME = "---\ntitle: Tiny ML\n---\nWelcome. Start with [the first tutorial](first.md).\n"
FIRST = '''---
title: First steps
description: The first tutorial.
order: 1
---

## Look at the data

| a | b |
|---|---|
| 1 | 2 |

```python
print("hi")
```

```demo
kind: explore
dataset: digits
title: Browse the digits
```

See also [the second one](guide/second.md#details).
'''
SECOND = '''---
title: Second steps
order: 2
---

## Details

Back to [the first](../first.md).
'''
DRAFT = "---\ntitle: Not yet\ndraft: true\n---\nhidden\n"


def idx_files(n: int = 12) -> dict[str, bytes]:
    images = (np.arange(n * 16, dtype=np.uint32).reshape(n, 4, 4) % 256).astype(np.uint8)
    labels = np.arange(n, dtype=np.uint8) % 3
    return {
        "data/images.idx": struct.pack(">BBBBIII", 0, 0, 8, 3, n, 4, 4) + images.tobytes(),
        "data/labels.idx": struct.pack(">BBBBI", 0, 0, 8, 1, n) + labels.tobytes(),
    }


@pytest.fixture
def tiny_site(make_site):
    return make_site({"sitegen.toml": TOML, "content/index.md": HOME, "content/first.md": FIRST,
                      "content/guide/second.md": SECOND, "content/later.md": DRAFT, **idx_files()})


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.urls


def test_golden_build(tiny_site):
    out = tiny_site / "_site"
    result = build(tiny_site, progress=False)
    assert result.output_dir == out.resolve()
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())

    # pages at pretty URLs; the draft is left out
    for page in ("index.html", "first/index.html", "guide/second/index.html", "404.html", "sitemap.xml"):
        assert page in files
    assert not any(f.startswith("later") for f in files)
    assert result.pages == 3

    # data set and stable module names
    for rel in ("data/digits/manifest.json", "data/digits/data.js", "data/datasets-config.json",
                "js/tfjs.js", "js/tfjs-vis.js"):
        assert rel in files

    # fingerprinted assets: the name carries the hash of the content
    css = [f for f in files if re.fullmatch(r"assets/style-[0-9a-f]{10}\.css", f)]
    assert len(css) == 1
    assert hashlib.sha256((out / css[0]).read_bytes()).hexdigest()[:10] in css[0]
    assert any(re.fullmatch(r"assets/page-[A-Z0-9]{8}\.js", f) for f in files)
    theme = [f for f in files if re.fullmatch(r"assets/theme-[0-9a-f]{10}\.css", f)]
    assert (out / theme[0]).read_text() == ":root{--sg-accent:#2f6fde}\n"  # [theme] accent, as a stylesheet

    # every link and script is relative and points at a file of the site
    for html_file in [f for f in files if f.endswith(".html") and f != "404.html"]:
        html = (out / html_file).read_text()
        for url in links_of(html):
            if url.startswith(("http://", "https://", "#", "mailto:")):
                continue
            assert not url.startswith("/"), f"{html_file}: absolute link {url}"
            path = url.split("#")[0]
            target = (out / html_file).parent / path
            if path.endswith("/"):
                target = target / "index.html"
            assert target.resolve().is_file(), f"{html_file}: broken link {url}"

    first = (out / "first/index.html").read_text()
    # navigation lists the tutorials in order, the current one marked
    nav = re.search(r'<nav class="site-nav".*?</nav>', first, re.S).group(0)
    assert nav.index("First steps") < nav.index("Second steps")
    assert 'href="../first/" aria-current="page">First steps' in nav
    # Markdown features: tables, highlighted code, toc with permalinks, page links rewritten
    assert "<table>" in first and 'class="highlight"' in first
    assert 'id="look-at-the-data"' in first and 'class="headerlink"' in first
    assert 'href="../guide/second/#details"' in first
    assert 'href="../../first/"' in (out / "guide/second/index.html").read_text()
    assert 'href="first/"' in (out / "index.html").read_text()

    # the demo block became a placeholder with its validated options and a noscript text
    demo = re.search(r'<div class="sg-demo" data-kind="explore" data-options="([^"]*)">', first)
    options = json.loads(demo.group(1).replace("&quot;", '"'))
    assert options == {"kind": "explore", "title": "Browse the digits", "dataset": "digits", "model": "",
                       "split": "test", "start": 0}
    assert "<noscript>" in first and "Browse the digits" in first

    sitemap = (out / "sitemap.xml").read_text()
    assert re.findall(r"<loc>(.*?)</loc>", sitemap) == [
        "https://example.org/tiny/", "https://example.org/tiny/first/", "https://example.org/tiny/guide/second/"]
    # 404.html is served at any depth: its links start from the site's public path
    assert 'href="/tiny/"' in (out / "404.html").read_text()


def test_site_templates_override_theme_file_by_file(tiny_site):
    (tiny_site / "templates").mkdir()
    (tiny_site / "templates/page.html").write_text(
        '{% extends "base.html" %}{% block main %}<p class="custom">{{ page.meta.title }}</p>{% endblock %}')
    build(tiny_site, progress=False)
    first = (tiny_site / "_site/first/index.html").read_text()
    assert '<p class="custom">First steps</p>' in first
    assert '<header class="site-header">' in first  # base.html still comes from the theme


def test_broken_template_keeps_previous_output(tiny_site):
    build(tiny_site, progress=False)
    out = tiny_site / "_site"
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    (tiny_site / "content/first.md").write_text(FIRST.replace("First steps", "Changed"))
    (tiny_site / "templates").mkdir()
    (tiny_site / "templates/page.html").write_text('{% extends "base.html" %}{% block main %}{% if %}{% endblock %}')
    with pytest.raises(SitegenError, match=r"page.html:1: template error"):
        build(tiny_site, progress=False)

    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tiny_site.iterdir() if p.name.startswith("._site")) == []


@pytest.mark.parametrize("block, line, message", [
    ("kind: explore\ndataset: nope", 17, "demo block: unknown dataset 'nope' (sitegen.toml declares: digits)"),
    ("kind: train\ndataset: digits\nepochs: 0", 17,
     "demo block: Config value 'epochs': expected an integer from 1 to 100, got 0 (an integer)"),
    ("kind: explore\ndataset: digits\ncolour: red", 17, "demo block: unknown key 'colour'"),
    ("kind: slideshow", 17, "demo block: Config value 'kind': expected one of 'train', 'draw', 'explore', "
                        "'model-builder', got 'slideshow' (a string)"),
    ("kind: [unclosed", 18, "demo block: not valid YAML"),
    ("kind: draw\nmodel: cnn", 17, "demo block: unknown model 'cnn' (sitegen.toml declares: no models are declared)"),
    ("kind: train\ndataset: digits", 17, "demo block: the data set 'digits' has no model_configs to train: add "
                                        "them to [datasets.digits] in sitegen.toml"),
    ("kind: model-builder\ndataset: digits\nmodel: Big", 17,
     "demo block: the data set 'digits' has no model config 'Big' (it has: none)"),
])
def test_wrong_demo_block_names_page_and_line(tiny_site, block, line, message):
    page = tiny_site / "content/first.md"
    page.write_text(FIRST.replace("kind: explore\ndataset: digits\ntitle: Browse the digits", block))
    with pytest.raises(ConfigError) as err:
        build(tiny_site, progress=False)
    assert str(err.value).startswith(f"{page}:{line}: {message}")


def test_unclosed_demo_block(tiny_site):
    page = tiny_site / "content/first.md"
    page.write_text("---\ntitle: x\n---\ntext\n\n```demo\nkind: explore\n")
    with pytest.raises(ConfigError, match=r"first.md:6: demo block is not closed"):
        build(tiny_site, progress=False)


def test_bad_front_matter_and_dead_page_link(tiny_site):
    page = tiny_site / "content/first.md"
    page.write_text("---\ntitle: x\norder: first\n---\n")
    with pytest.raises(ConfigError, match=r"first.md: Front matter value 'order': expected an integer, got 'first'"):
        build(tiny_site, progress=False)
    page.write_text("---\ntitle: x\n---\nSee [this](missing.md).\n")
    with pytest.raises(ConfigError, match=r"first.md: link to 'missing.md': no such page"):
        build(tiny_site, progress=False)


def test_output_folder_may_not_swallow_the_site(tiny_site):
    with pytest.raises(SitegenError, match="would replace the site's own folder"):
        build(tiny_site, tiny_site.parent, progress=False)


def test_demo_block_inside_a_code_block_stays_code(tiny_site):
    page = tiny_site / "content/first.md"
    page.write_text("---\ntitle: Guide\n---\n````markdown\n```demo\nkind: nonsense\n```\n````\n")
    build(tiny_site, progress=False)
    html = (tiny_site / "_site/first/index.html").read_text()
    assert "sg-demo" not in html.split('<main')[1]
    assert "kind: nonsense" in html


def test_title_comes_from_the_first_heading_outside_code_blocks(tiny_site):
    page = tiny_site / "content/first.md"
    page.write_text("Install it first:\n\n```bash\n# install the tools\npip install sitegen\n```\n\n"
                    "~~~~python\n~~~\n# still code: ~~~ does not close ~~~~\n~~~~\n\n"
                    "    # indented code\n\n# Real title #\n\nText.\n")
    build(tiny_site, progress=False)
    html = (tiny_site / "_site/first/index.html").read_text()
    assert "<title>Real title · Tiny ML</title>" in html
    page.write_text("No heading here.\n\n```python\n# a comment\n```\n")
    with pytest.raises(ConfigError, match=r"first.md: Front matter value 'title': expected a string, got nothing"):
        build(tiny_site, progress=False)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("output, overlaps", [
    ("content", "content folder"), ("data", "data set 'digits' input"), ("data/images.idx", "data set 'digits'"),
    ("templates", "templates folder"), (".sitegen-cache", "cache folder"),
])
def test_output_may_not_replace_what_the_build_reads(tiny_site, output, overlaps):
    (tiny_site / "templates").mkdir(exist_ok=True)
    (tiny_site / "templates" / "keep.txt").write_text("mine")
    before = tree(tiny_site)
    with pytest.raises(SitegenError, match=f"output folder .* overlaps the {overlaps}"):
        build(tiny_site, tiny_site / output, progress=False)
    assert tree(tiny_site) == before  # nothing lost


def test_an_existing_folder_sitegen_did_not_write_is_refused(tiny_site):
    notes = tiny_site / "notes"
    notes.mkdir()
    (notes / "todo.md").write_text("my notes")
    with pytest.raises(SitegenError, match=r"notes is not empty and was not written by sitegen \(it has no "
                                           r"\.sitegen-output\)"):
        build(tiny_site, notes, progress=False)
    assert tree(notes) == {"todo.md": b"my notes"}
    empty = tiny_site / "empty"
    empty.mkdir()
    build(tiny_site, empty, progress=False)  # an empty folder is fine
    assert (empty / ".sitegen-output").is_file() and (empty / "index.html").is_file()
    (empty / "stale.html").write_text("old page")
    build(tiny_site, empty, progress=False)  # sitegen's own output is replaced whole
    assert not (empty / "stale.html").exists()


def test_output_written_before_the_mark_is_still_replaced(tiny_site):
    build(tiny_site, progress=False)
    site = tiny_site / "_site"
    (site / ".sitegen-output").unlink()  # as a build of an older sitegen left it
    build(tiny_site, progress=False)
    assert (site / ".sitegen-output").is_file()


def test_front_matter_unknown_keys_warn_and_an_unclosed_one_fails(tiny_site):
    page = tiny_site / "content/first.md"
    page.write_text("---\ntitle: x\ntitel: typo\n---\nText.\n")
    with pytest.raises(SitegenError, match=r"--strict is on; first: .*first.md: unknown front matter key 'titel'"):
        build(tiny_site, progress=False, strict=True)
    page.write_text("---\ntitle: x\nText without the closing line.\n")
    with pytest.raises(ConfigError, match=r"first.md:1: front matter is not closed \(no '---' line after it\)"):
        build(tiny_site, progress=False)


def test_inline_scripts_in_pages_and_footer_are_reported(tiny_site):
    page = tiny_site / "content/first.md"
    page.write_text("---\ntitle: x\n---\n<button onclick=\"go()\">Go</button>\n\n"
                    "Code about `<script>alert(1)</script>` is fine.\n")
    toml = tiny_site / "sitegen.toml"
    toml.write_text(TOML + '[theme]\nfooter = "Hi <script>track()</script>"\n')
    warnings = build(tiny_site, progress=False).warnings
    assert any(w.startswith(f"{page}: an onclick= attribute on <button> never runs under the site's "
                            f"Content-Security-Policy") for w in warnings), warnings
    assert any(w.startswith(f"{toml}: theme.footer: an inline <script> never runs") for w in warnings), warnings
    assert len(warnings) == 2
    with pytest.raises(SitegenError, match="--strict is on"):
        build(tiny_site, progress=False, strict=True)
