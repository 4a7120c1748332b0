"""Phase 6 (render): a page's Markdown body -> HTML, with its table of contents.

Two extensions on top of Python-Markdown's: demo blocks, found and validated by the collect
phase, are lifted out before fenced_code sees them and left as markers that the render
phase fills in with widget placeholders; links to other pages' ``.md`` files become
relative pretty URLs, and a link to a page that does not exist fails the build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from .errors import ConfigError

if TYPE_CHECKING:
    from .content import Page



@dataclass
class PageHtml:
    """A page's body as HTML (demo blocks still markers) and its table of contents."""

    body: str
    #: the table of contents as HTML, and as nested {level, id, name, children} tokens
    toc: str = ""
    toc_tokens: list = field(default_factory=list)


class DemoBlockPreprocessor(Preprocessor):
    """Replaces each demo block the collect phase found with its marker, as raw HTML."""

    def __init__(self, md, page: "Page"):
        super().__init__(md)
        self.page = page

    def run(self, lines):
        out: list[str] = []
        start = 0
        for fence in self.page.demo_fences:
            out.extend(lines[start:fence.first_line])
            out.extend(["", self.md.htmlStash.store(fence.block.marker()), ""])
            start = fence.last_line + 1
        out.extend(lines[start:])
        return out


class PageLinkTreeprocessor(Treeprocessor):
    """Rewrites links to other pages' .md files into relative pretty URLs."""

    def __init__(self, md, page: "Page"):
        super().__init__(md)
        self.page = page

    def run(self, root: ElementTree.Element):
        for el in root.iter("a"):
            href = el.get("href", "")
            if "://" in href or href.startswith(("#", "mailto:", "/")):
                continue
            target, _, fragment = href.partition("#")
            if not target.endswith(".md"):
                continue
            other = self.page.site_pages.get((self.page.source.parent / target).resolve())
            if other is None:
                raise ConfigError(f"link to '{href}': no such page (or it is a draft)", where=self.page.source)
            el.set("href", self.page.link_to(other) + (f"#{fragment}" if fragment else ""))


class TitleHeadingTreeprocessor(Treeprocessor):
    """Drops a first ``# heading`` that repeats the page's title: the layout already shows the
    title as the page's h1 (and takes it from that heading when the front matter has none)."""

    def __init__(self, md, page: "Page"):
        super().__init__(md)
        self.page = page

    def run(self, root: ElementTree.Element):
        # Runs before the inline patterns, so the heading's text is still its Markdown source,
        # as the title taken from it is.
        first = root[0] if len(root) else None
        if first is not None and first.tag == "h1" and (first.text or "").strip() == self.page.meta.title.strip():
            root.remove(first)


class SitegenExtension(Extension):
    """Demo-block markers, links between pages and no second title, for one page."""

    def __init__(self, page: "Page"):
        super().__init__()
        self.page = page

    def extendMarkdown(self, md):
        # After normalize_whitespace (same priority, registered first), so line numbers are
        # the body's; fenced_code runs at priority 25: demo blocks must be out before it.
        md.preprocessors.register(DemoBlockPreprocessor(md, self.page), "sg_demo", 30)
        md.treeprocessors.register(PageLinkTreeprocessor(md, self.page), "sg_links", 5)
        # Before "inline" (20), which turns the heading's Markdown into elements.
        md.treeprocessors.register(TitleHeadingTreeprocessor(md, self.page), "sg_title_heading", 25)


def render_markdown(page: "Page") -> PageHtml:
    md = markdown.Markdown(
        extensions=[
            SitegenExtension(page),
            "tables", "fenced_code", "codehilite", "toc", "attr_list", "admonition", "sane_lists", "footnotes",
            "md_in_html",
        ],
        extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False},
            "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-3"},
        },
        output_format="html",
    )
    body = md.convert(page.body)
    return PageHtml(body=body, toc=md.toc, toc_tokens=md.toc_tokens)


def inline_markdown(text: str) -> Markup:
    """One line of Markdown (links, emphasis, code) without the surrounding paragraph."""
    html = markdown.markdown(text).strip()
    return Markup(html.removeprefix("<p>").removesuffix("</p>"))
