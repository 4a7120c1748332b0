"""Phase 2: collect pages (Markdown + YAML front matter) and their demo blocks.

Demo blocks are found and validated here, with the page's path and line, so that a wrong
name fails the build before any data set is built; the render phase converts the Markdown
(sitegen/markdown_html.py) and puts each block's widget placeholder where it stood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import markdown
import yaml
from markdown.preprocessors import NormalizeWhitespace

from .config.options import LoadContext
from .config.pages import PageMeta
from .demos import DemoBlock, parse_demo
from .errors import ConfigError

if TYPE_CHECKING:
    from .config import SiteConfig
    from .markdown_html import PageHtml

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n", re.S | re.M)
DEMO_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*demo[ \t]*$")
ANY_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
#: "# Title" or "# Title #": Python-Markdown's level-1 heading, closing hashes dropped
ATX_H1 = re.compile(r"^#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")


def markdown_lines(body: str) -> list[str]:
    """The body's lines as Markdown's preprocessors see them (tabs expanded, whitespace-only
    lines emptied, one line per line): the collect phase finds demo blocks in these."""
    md = markdown.Markdown()
    return NormalizeWhitespace(md).run(body.split("\n"))



@dataclass
class DemoFence:
    """A validated demo block and the lines of the page body it spans, fences included."""

    block: DemoBlock
    #: indexes into markdown_lines(page.body)
    first_line: int
    last_line: int


@dataclass(eq=False)
class Page:
    source: Path
    meta: PageMeta
    #: output folder of the page: "" for the home page, "mnist-cnn" otherwise
    path: str
    #: the Markdown after the front matter, and the line of ``source`` it starts on
    body: str
    body_line: int
    demo_fences: list[DemoFence] = field(default_factory=list)
    #: every page of the build by resolved source path: where links to .md files lead
    site_pages: dict[Path, "Page"] = field(default_factory=dict, repr=False)

    @property
    def demos(self) -> list[DemoBlock]:
        return [fence.block for fence in self.demo_fences]

    #: the body as HTML with its table of contents: set by the render phase
    html: "PageHtml | None" = field(default=None, repr=False)

    @property
    def toc(self) -> str:
        return self.html.toc

    @property
    def toc_tokens(self) -> list:
        return self.html.toc_tokens

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


def read_page(source: Path, content_dir: Path, warn=lambda message: None) -> Page:
    text = _read_text(source)
    meta_table: dict = {}
    body, body_line = text, 1
    match = FRONT_MATTER.match(text)
    if not match and re.match(r"---[ \t]*\r?\n", text):
        raise ConfigError("front matter is not closed (no '---' line after it)", where=source, line=1)
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
        heading = first_heading(body)
        if heading:
            meta_table = {**meta_table, "title": heading}
    ctx = LoadContext(file=source, base_dir=source.parent)
    try:
        meta = PageMeta.load(meta_table, ctx)
    except ConfigError as e:
        raise ConfigError(e.message.replace("Config value", "Front matter value"), where=source) from None
    for warning in ctx.warnings:  # "<page>: unknown key 'x' (ignored)"
        warn(warning.replace("unknown key", "unknown front matter key", 1))
    rel = source.relative_to(content_dir).with_suffix("")
    if meta.slug:
        path = meta.slug
    elif rel.name == "index":
        path = rel.parent.as_posix() if rel.parent != Path(".") else ""
    else:
        path = rel.as_posix()
    path = path.lower().replace(" ", "-")
    return Page(source=source, meta=meta, path=path, body=body, body_line=body_line)


def first_heading(body: str) -> str | None:
    """The text of the body's first level-1 ``# heading``, skipping code blocks: a ``# comment``
    in a bash or Python snippet is not the page's title. Python-Markdown reads a heading only
    at the start of a line, so a 4-space-indented (code) line never is one."""
    lines = markdown_lines(body)
    i = 0
    while i < len(lines):
        fence = ANY_FENCE.match(lines[i])
        if fence:
            i = closing_fence(lines, i, fence.group("fence")) + 1
            continue
        heading = ATX_H1.match(lines[i])
        if heading and heading.group(1).strip():
            return heading.group(1).strip()
        i += 1
    return None


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
        page = read_page(source, content_dir, warn)
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
        page.site_pages = by_source
        page.demo_fences = find_demo_blocks(page, config)
    return pages


def find_demo_blocks(page: Page, config: "SiteConfig") -> list[DemoFence]:
    """Validates each ```demo block of the page; one shown inside another code block (as in a
    guide) is code, not a demo."""
    lines = markdown_lines(page.body)
    fences: list[DemoFence] = []
    i = 0
    while i < len(lines):
        start = DEMO_FENCE.match(lines[i])
        if not start:
            other = ANY_FENCE.match(lines[i])
            i = (closing_fence(lines, i, other.group("fence")) if other else i) + 1
            continue
        fence = start.group("fence")
        line_no = page.body_line + i
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        if end == len(lines):
            raise ConfigError(f"demo block is not closed (no {fence} line after it)", where=page.source,
                              line=line_no)
        block = parse_demo("\n".join(lines[i + 1:end]), page.source, line_no, len(fences), config)
        fences.append(DemoFence(block=block, first_line=i, last_line=end))
        i = end + 1
    return fences


def closing_fence(lines: list[str], start: int, fence: str) -> int:
    """Index of the line closing the code block opened at ``start``, or the last line."""
    closer = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    for j in range(start + 1, len(lines)):
        if closer.match(lines[j]):
            return j
    return len(lines) - 1
