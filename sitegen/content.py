"""Phase 2: collect pages (Markdown + YAML front matter) and turn them into HTML.

Demo blocks are validated here (every name they use must exist), and left in the HTML as
markers that the render phase fills in once data sets and models are built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import markdown
import yaml
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from .demos import DemoBlock, parse_demo
from .errors import ConfigError
from .config.options import LoadContext
from .config.pages import PageMeta

if TYPE_CHECKING:
    from .config import SiteConfig

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n", re.S | re.M)
DEMO_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*demo[ \t]*$")
ANY_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")


@dataclass
class Page:
    source: Path
    meta: PageMeta
    #: output folder of the page: "" for the home page, "mnist-cnn" otherwise
    path: str
    body: str
    body_line: int
    html: str = ""
    toc: str = ""
    toc_tokens: list = field(default_factory=list)
    demos: list[DemoBlock] = field(default_factory=list)

    @property
    def is_home(self) -> bool:
        return self.path == ""

    @property
    def output_file(self) -> str:
        return f"{self.path}/index.html" if self.path else "index.html"

    @property
    def depth(self) -> int:
        return len(PurePosixPath(self.path).parts) if self.path else 0

    @property
    def root(self) -> str:
        """Relative prefix from this page to the site root ('' or '../' ...)."""
        return "../" * self.depth

    def link_to(self, other: "Page") -> str:
        target = other.path + "/" if other.path else ""
        return (self.root + target) or "./"


def read_page(source: Path, content_dir: Path) -> Page:
    text = _read_text(source)
    meta_table: dict = {}
    body, body_line = text, 1
    match = FRONT_MATTER.match(text)
    if match:
        try:
            meta_table = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            raise ConfigError(f"front matter is not valid YAML ({getattr(e, 'problem', e)})", where=source,
                              line=(mark.line + 2) if mark else 1) from None
        if not isinstance(meta_table, dict):
            raise ConfigError("front matter must be 'key: value' lines", where=source, line=2)
        body = text[match.end():]
        body_line = text[: match.end()].count("\n") + 1
    if "title" not in meta_table:
        heading = re.search(r"^#\s+(.+)$", body, re.M)
        if heading:
            meta_table = {**meta_table, "title": heading.group(1).strip()}
    ctx = LoadContext(file=source, base_dir=source.parent)
    try:
        meta = PageMeta.load(meta_table, ctx)
    except ConfigError as e:
        raise ConfigError(e.message.replace("Config value", "Front matter value"), where=source) from None
    rel = source.relative_to(content_dir).with_suffix("")
    if meta.slug:
        path = meta.slug
    elif rel.name == "index":
        path = rel.parent.as_posix() if rel.parent != Path(".") else ""
    else:
        path = rel.as_posix()
    path = path.lower().replace(" ", "-")
    return Page(source=source, meta=meta, path=path, body=body, body_line=body_line)


def _read_text(source: Path) -> str:
    try:
        return source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", where=source) from None


def collect_pages(config: "SiteConfig", warn) -> list[Page]:
    content_dir = config.content_dir
    if not content_dir.is_dir():
        raise ConfigError(f"content folder {content_dir} does not exist (content_dir in sitegen.toml)",
                          where=config.file)
    pages: list[Page] = []
    seen: dict[str, Path] = {}
    for source in sorted(content_dir.rglob("*.md")):
        if any(part.startswith((".", "_")) for part in source.relative_to(content_dir).parts):
            continue
        page = read_page(source, content_dir)
        if page.meta.draft:
            continue
        if page.path in seen:
            raise ConfigError(f"page URL '{page.path or '/'}' is also used by {seen[page.path]}", where=source)
        seen[page.path] = source
        pages.append(page)
    if not pages:
        warn(f"{content_dir}: no Markdown pages found")
    pages.sort(key=lambda p: (not p.is_home, p.meta.order, p.meta.title.lower()))
    by_source = {p.source.resolve(): p for p in pages}
    for page in pages:
        render_markdown(page, config, by_source)
    return pages


class DemoBlockPreprocessor(Preprocessor):
    """Lifts ```demo blocks out before fenced_code sees them, validating each."""

    def __init__(self, md, page: Page, config: "SiteConfig"):
        super().__init__(md)
        self.page = page
        self.config = config

    def run(self, lines):
        out: list[str] = []
        i = 0
        while i < len(lines):
            start = DEMO_FENCE.match(lines[i])
            if not start:
                other = ANY_FENCE.match(lines[i])
                end = self.closing_fence(lines, i, other.group("fence")) if other else i
                # a demo block shown inside another code block (e.g. in a guide) stays code
                out.extend(lines[i:end + 1])
                i = end + 1
                continue
            fence = start.group("fence")
            line_no = self.page.body_line + i
            end = i + 1
            while end < len(lines) and not lines[end].strip().startswith(fence):
                end += 1
            if end == len(lines):
                raise ConfigError(f"demo block is not closed (no {fence} line after it)", where=self.page.source,
                                  line=line_no)
            block = parse_demo("\n".join(lines[i + 1:end]), self.page.source, line_no, len(self.page.demos),
                               self.config)
            self.page.demos.append(block)
            out.extend(["", self.md.htmlStash.store(block.marker()), ""])
            i = end + 1
        return out


    @staticmethod
    def closing_fence(lines: list[str], start: int, fence: str) -> int:
        closer = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        for j in range(start + 1, len(lines)):
            if closer.match(lines[j]):
                return j
        return len(lines) - 1


class PageLinkTreeprocessor(Treeprocessor):
    """Rewrites links to other pages' .md files into relative pretty URLs."""

    def __init__(self, md, page: Page, pages_by_source: dict[Path, Page]):
        super().__init__(md)
        self.page = page
        self.pages = pages_by_source

    def run(self, root: ElementTree.Element):
        for el in root.iter("a"):
            href = el.get("href", "")
            if "://" in href or href.startswith(("#", "mailto:", "/")):
                continue
            target, _, fragment = href.partition("#")
            if not target.endswith(".md"):
                continue
            other = self.pages.get((self.page.source.parent / target).resolve())
            if other is None:
                raise ConfigError(f"link to '{href}': no such page (or it is a draft)", where=self.page.source)
            el.set("href", self.page.link_to(other) + (f"#{fragment}" if fragment else ""))


class SitegenMarkdown(Extension):
    def __init__(self, page: Page, config: "SiteConfig", pages_by_source: dict[Path, Page]):
        super().__init__()
        self.page = page
        self.config = config
        self.pages_by_source = pages_by_source

    def extendMarkdown(self, md):
        # fenced_code runs at priority 25: demo blocks must be taken out before it.
        md.preprocessors.register(DemoBlockPreprocessor(md, self.page, self.config), "sg_demo", 30)
        md.treeprocessors.register(PageLinkTreeprocessor(md, self.page, self.pages_by_source), "sg_links", 5)


def render_markdown(page: Page, config: "SiteConfig", pages_by_source: dict[Path, Page]) -> None:
    md = markdown.Markdown(
        extensions=[
            SitegenMarkdown(page, config, pages_by_source),
            "tables", "fenced_code", "codehilite", "toc", "attr_list", "admonition", "sane_lists", "footnotes",
            "md_in_html",
        ],
        extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False},
            "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-3"},
        },
        output_format="html",
    )
    page.html = md.convert(page.body)
    page.toc = md.toc
    page.toc_tokens = md.toc_tokens
