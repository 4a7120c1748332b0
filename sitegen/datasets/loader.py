"""data.js: the browser loader of one data set, filled in from the template loader.js."""

from __future__ import annotations

import json
from importlib.resources import files

TEMPLATE = "loader.js"


def render_loader(manifest: dict) -> bytes:
    """The data.js module for a data set; its manifest is embedded so that class names and
    shape are there before anything is fetched."""
    template = files(__package__).joinpath(TEMPLATE).read_text(encoding="utf-8")
    # ASCII JSON is valid JavaScript whatever charset the file is served with.
    # Data set names are letters, digits, '-' and '_' (checked in sitegen.toml).
    # The name goes in first so that no class name can be mistaken for a placeholder.
    source = (template.replace("__NAME__", manifest.get("name", ""))
              .replace("__MANIFEST__", json.dumps(manifest, ensure_ascii=True, indent=1)))
    return source.encode("utf-8")
