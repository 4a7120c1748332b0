"""``sitegen build``: the phases, top to bottom, then one atomic write.

1 config  2 collect  3 data  4 models  5 assets  6 render  7 write

Everything is gathered into a map of output path -> content before anything is written;
the write phase fills a temporary folder and swaps it in, so a build that fails at any
point leaves the previous output exactly as it was.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from .artifacts import staged_folder
from .assets import build_assets
from .config import load_config
from .content import collect_pages
from .context import BuildContext, FileSource
from .datasets import build_datasets, datasets_config_files
from .errors import SitegenError, StrictWarnings
from .fonts import build_fonts
from .models import build_models
from .render import render_site


@dataclass
class BuildResult:
    output_dir: Path
    pages: int
    files: int
    warnings: list[str]
    seconds: float
    #: the path of base_url ("/tutorials/" or "/"): where the site expects to be served from
    base_path: str = "/"


def build(site: Path, output: Path | None = None, *, strict: bool = False, retrain: bool = False,
          console: Console | None = None, progress: bool = True) -> BuildResult:
    started = time.perf_counter()
    console = console or Console(stderr=True)

    # 1. config
    config, warnings = load_config(site)
    ctx = BuildContext(config=config, cache_dir=config.cache_dir, console=console,
                       strict=strict or config.strict, retrain=retrain, progress=progress)
    for warning in warnings:
        ctx.warn(warning)
    output_dir = Path(output).resolve() if output else config.output_dir.resolve()
    check_output_dir(output_dir, config)

    # 2. collect
    pages = collect_pages(config, ctx.warn)
    fail_on_warnings(ctx)

    # 3. data, 4. models
    datasets = build_datasets(ctx)
    models = build_models(ctx, datasets)

    # 5. assets, 6. render
    assets = build_assets(ctx, build_fonts(ctx, site_texts(config, pages, datasets)))
    files: dict[str, FileSource] = {}
    for artifact in [*datasets.values(), *models.values()]:
        files.update(artifact.files)
    if datasets:
        files.update(datasets_config_files(config, datasets))
    files.update(assets.files)
    files.update(render_site(ctx, pages, datasets, models, assets))
    fail_on_warnings(ctx)

    # 7. write
    write_output(files, output_dir)
    return BuildResult(output_dir=output_dir, pages=len(pages), files=len(files), warnings=ctx.warnings,
                       seconds=time.perf_counter() - started, base_path=config.base_path)


def site_texts(config, pages, datasets) -> list[str]:
    """Every text a reader sees: site and page text, class names (the models' are their data
    sets'), for the web fonts."""
    texts = [config.title, config.description, config.theme.footer]
    for page in pages:
        texts += [page.meta.title, page.meta.description, page.body]
    for artifact in datasets.values():
        texts += artifact.classes
    return texts


def fail_on_warnings(ctx: BuildContext) -> None:
    if ctx.strict and ctx.warnings:
        raise StrictWarnings(f"{len(ctx.warnings)} warning(s) and --strict is on; first: {ctx.warnings[0]}")


#: the file that marks a folder as sitegen's output, which a build may replace
OUTPUT_MARK = ".sitegen-output"


def check_output_dir(output_dir: Path, config) -> None:
    """Refuse an output folder whose replacement would delete what sitegen did not write: the
    site's own folder or anything holding it, its content, templates or cache, any file or
    folder a data set or model is read from, or an existing folder that is not sitegen's."""
    where = config.file
    if output_dir == config.site_dir or config.site_dir.is_relative_to(output_dir):
        raise SitegenError(f"output folder {output_dir} would replace the site's own folder; "
                           "pick another output_dir", where=where)
    for role, path in site_inputs(config):
        path = path.resolve()
        if path == output_dir or path.is_relative_to(output_dir) or output_dir.is_relative_to(path):
            raise SitegenError(f"output folder {output_dir} overlaps the {role} ({path}), which a build "
                               f"replacing the output would delete; pick another output_dir", where=where)
    if output_dir.exists() and not output_dir.is_dir():
        raise SitegenError(f"output path {output_dir} exists and is not a folder", where=where)
    if output_dir.is_dir() and any(output_dir.iterdir()) and not written_by_sitegen(output_dir):
        raise SitegenError(f"output folder {output_dir} is not empty and was not written by sitegen (it has no "
                           f"{OUTPUT_MARK}); sitegen replaces its output folder whole, so pick another "
                           f"output_dir or empty this one", where=where)


def written_by_sitegen(folder: Path) -> bool:
    """True for a folder with sitegen's mark, or the shape of an output written before the
    mark existed: index.html, 404.html, sitemap.xml and assets/ at the top, and besides them
    only data/, models/, js/ and folders of pages (with an index.html)."""
    if (folder / OUTPUT_MARK).is_file():
        return True
    own = {"index.html", "404.html", "sitemap.xml", "assets", "data", "models", "js"}
    names = {p.name for p in folder.iterdir()}
    return {"index.html", "404.html", "sitemap.xml", "assets"} <= names and all(
        name in own or (folder / name).is_dir() and next((folder / name).rglob("index.html"), None)
        for name in names)


def site_inputs(config) -> list[tuple[str, Path]]:
    """Every folder and file the build reads, with what it is, for `check_output_dir`."""
    found = [("content folder", config.content_dir), ("templates folder", config.templates_dir),
             ("cache folder", config.cache_dir)]
    found += [("font", path) for path in config.theme.fonts]
    for kind, tables in (("data set", config.datasets), ("model", config.models)):
        for name, table in tables.items():
            found += [(f"{kind} '{name}' input", path) for path in table.paths()]
    return found


def write_output(files: dict[str, FileSource], output_dir: Path) -> None:
    """Write every file into a fresh sibling folder, then swap it in place of ``output_dir``."""
    with staged_folder(output_dir) as staging:
        (staging / OUTPUT_MARK).write_text("Written by sitegen, which replaces this folder whole on every build.\n")
        for rel, source in sorted(files.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(source, bytes):
                target.write_bytes(source)
            else:
                shutil.copyfile(source, target)
