"""Demo blocks: a fenced ```demo block with YAML options becomes a widget placeholder.

The block is validated at build time against the options of its kind; names of data sets
and models must exist in sitegen.toml. Errors carry the page's path and the line of the
offending block. In the page, a placeholder is ``<div class="sg-demo" data-kind=...
data-options='{json}'>`` with a ``<noscript>`` line; the page-side loader (sitegen/js/page.js)
finds placeholders and imports the widget module of each kind.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .config.demos import DEMO_KINDS, DemoOptions
from .config.options import LoadContext
from .errors import ConfigError

if TYPE_CHECKING:
    from .config import SiteConfig


@dataclass
class DemoBlock:
    """One validated demo block of a page."""

    options: DemoOptions
    page: Path
    line: int
    index: int

    @property
    def kind(self) -> str:
        return self.options.kind

    def marker(self) -> str:
        return f"<!--sg-demo:{self.index}-->"

    def as_dict(self) -> dict:
        return {name: getattr(self.options, name) for name in self.options.options}


def parse_demo(text: str, page: Path, line: int, index: int, config: "SiteConfig") -> DemoBlock:
    """Validate the YAML of one block; ``line`` is where the block starts in ``page``."""
    try:
        table = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = line + 1 + mark.line if mark is not None else line
        raise ConfigError(f"demo block: not valid YAML ({getattr(e, 'problem', e)})", where=page, line=at) from None
    if not isinstance(table, dict):
        raise ConfigError("demo block: expected 'key: value' lines, e.g. 'kind: train'", where=page, line=line)
    ctx = LoadContext(file=page, base_dir=page.parent)
    kind = table.get("kind")
    schema = DEMO_KINDS.get(kind) if isinstance(kind, str) else None
    try:
        if schema is None:
            DemoOptions.load({"kind": kind} if "kind" in table else {}, ctx)  # raises the kind error
        options = schema.load(table, ctx)
    except ConfigError as e:
        raise ConfigError(f"demo block: {e.message}", where=page, line=line) from None
    for warning in ctx.warnings:
        # "<page>: unknown key 'x' (ignored)" -> unknown options in a demo are errors:
        # a typo there silently changes what readers see.
        raise ConfigError("demo block: " + warning.split(": ", 1)[1].replace(" (ignored)", ""), where=page,
                          line=line)
    for ref_kind, name in options.references():
        declared = config.datasets if ref_kind == "dataset" else config.models
        if name not in declared:
            known = ", ".join(sorted(declared)) or f"no {ref_kind}s are declared"
            raise ConfigError(f"demo block: unknown {ref_kind} '{name}' (sitegen.toml declares: {known})",
                              where=page, line=line)
    problem = options.problem(config)
    if problem:
        raise ConfigError(f"demo block: {problem}", where=page, line=line)
    return DemoBlock(options=options, page=page, line=line, index=index)


def unavailable_notice(what: str, title: str | None, failed: str) -> str:
    """What a reader sees in place of a demo whose data set or model is missing: one sentence,
    naming it by the author's title, never by its table key."""
    named = f"{what} “{title}”" if title else f"{what} for this demo"
    return f"The {named} {failed}, so the demo is not available."


def placeholder_html(block: DemoBlock, unavailable: str | None = None) -> str:
    """The widget placeholder, or a visible notice when its data or model is missing."""
    kind = html.escape(block.kind)
    title = f'<h3 class="sg-demo-title">{html.escape(block.options.title)}</h3>' if block.options.title else ""
    if unavailable:
        return (f'<div class="sg-demo sg-demo-unavailable" data-kind="{kind}">{title}'
                f'<p class="sg-notice" role="status">{html.escape(unavailable)}</p></div>')
    options = html.escape(json.dumps(block.as_dict(), ensure_ascii=False, separators=(",", ":")), quote=True)
    return (f'<div class="sg-demo" data-kind="{kind}" data-options="{options}">{title}'
            f'<noscript><p class="sg-notice">{html.escape(block.options.noscript)}</p></noscript>'
            f'<p class="sg-demo-loading" aria-live="polite">Loading demo…</p></div>')
