"""The YAML front matter of a page."""

from __future__ import annotations

from .options import Bool, Int, Schema, Str


class PageMeta(Schema):
    """Front matter of a page."""

    title = Str(doc="Page title.", non_empty=True)
    description = Str("", doc="One sentence shown on the home page and in search results.")
    order = Int(100, doc="Position among the tutorials (smaller first).")
    draft = Bool(False, doc="Drafts are left out of the build.")
    template = Str("page.html", doc="Template that renders the page.")
    slug = Str("", doc="URL name of the page; default: the file name.", pattern=r"[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*|")
    nav = Bool(True, doc="List the page in the navigation and the home page's listing.")
