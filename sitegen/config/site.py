"""Phase 1: read and validate ``sitegen.toml`` into typed objects (the site and its theme)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ConfigError
from .datasets import DatasetConfig
from .models import ModelConfig
from .options import Bool, FilePath, ListOf, LoadContext, Schema, Str, Table, TableOf

CONFIG_NAME = "sitegen.toml"


class ThemeConfig(Schema):
    """Look and feel of the default theme."""

    accent = Str("#2f6fde", doc="Accent colour (any CSS colour) for links and buttons.",
                 pattern=r"#[0-9a-fA-F]{3,8}|[a-z]+|(rgb|hsl)a?\([^;{}]*\)")
    dark_mode = Str("auto", doc="'auto' follows the reader's system; 'light' or 'dark' force one.",
                    pattern=r"auto|light|dark")
    footer = Str("", doc="Text shown in the footer of every page (Markdown inline allowed).")
    fonts = ListOf(FilePath(exists=True, kind="file"), [], doc="Font files (TTF/OTF) for scripts that readers may "
                                                               "have no font for (runes, CJK): the build ships the "
                                                               "glyphs that class names and pages use, as woff2.")


class SiteConfig(Schema):
    """The top level of ``sitegen.toml``."""

    title = Str(doc="Site title, shown in the header and in every page title.", non_empty=True)
    description = Str("", doc="One sentence about the site, for the home page and search engines.")
    base_url = Str("", doc="Public address, e.g. 'https://example.org/ml/': for sitemap.xml, and its path for "
                           "404.html's links (a site in a sub-folder must set it). Links inside the site's "
                           "pages are always relative.",
                   pattern=r"(https?://[^\s]+)?")
    language = Str("en", doc="Language of the pages (the html lang attribute).")
    content_dir = FilePath("content", doc="Folder of the Markdown pages, relative to sitegen.toml.")
    output_dir = FilePath("_site", doc="Where the site is written, relative to sitegen.toml.")
    templates_dir = FilePath("templates", doc="Your own templates; a file here replaces the theme's file "
                                             "of the same name.")
    cache_dir = FilePath(".sitegen-cache", doc="Where built data sets and models are kept between builds.")
    strict = Bool(False, doc="Treat warnings as errors (same as --strict).")
    theme = Table(ThemeConfig, default=None, doc="Theme settings.")
    datasets = TableOf(DatasetConfig, default={}, doc="Data sets, one [datasets.<name>] table each.")
    models = TableOf(ModelConfig, default={}, doc="Models, one [models.<name>] table each.")

    @property
    def base_path(self) -> str:
        """The path of base_url, where the site is served from: "/tutorials/" (or "/")."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    def post_validate(self, ctx, prefix):
        if self.theme is None:
            self.theme = ThemeConfig.defaults(ctx)
        for name, model in self.models.items():
            if model.dataset not in self.datasets:
                known = ", ".join(sorted(self.datasets)) or "none are declared"
                raise ctx.error(f"models.{name}.dataset", f"the name of a data set in [datasets] ({known})",
                                model.dataset)


def load_config(path: Path) -> tuple[SiteConfig, list[str]]:
    """Read ``path`` (a sitegen.toml or the folder holding one); return config and warnings."""
    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(f"no {CONFIG_NAME} here (run 'sitegen new DIR' to start a site)", where=path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"not valid TOML: {e}", where=path) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", where=path) from None
    ctx = LoadContext(file=path, base_dir=path.parent.resolve())
    config = SiteConfig.load(table, ctx)
    config.file = path
    config.site_dir = path.parent.resolve()
    return config, ctx.warnings
