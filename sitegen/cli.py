"""The ``sitegen`` command: build, serve, new."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from . import __version__
from .errors import SitegenError, print_error

console = Console(stderr=True, highlight=False)


def fail(error: SitegenError) -> None:
    print_error(console, error)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def main() -> None:
    """Build static sites of machine-learning tutorials whose demos run in the reader's browser.

    A site is a folder with a sitegen.toml, Markdown pages under content/, and the data
    sets and models the pages use. Start one with 'sitegen new DIR'.
    """


@main.command()
@click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: output_dir from sitegen.toml, '_site').")
@click.option("--strict", is_flag=True, help="Fail the build on any warning.")
@click.option("--retrain", is_flag=True, help="Train every model again even if a cached one matches.")
@click.option("--no-progress", is_flag=True, help="Plain log lines instead of progress bars.")
def build(site: Path, output: Path | None, strict: bool, retrain: bool, no_progress: bool) -> None:
    """Build the site in SITE (default: the current folder).

    The previous output is replaced only when the whole build succeeds.
    """
    from .build import build as run_build

    try:
        result = run_build(site, output, strict=strict, retrain=retrain, console=console,
                           progress=not no_progress and console.is_terminal)
    except SitegenError as e:
        fail(e)
    except KeyboardInterrupt:  # staging folders are removed on the way out: nothing half-written stays
        console.print(Text.assemble(("interrupted:", "bold red"), " the build stopped; the previous output is "
                                                                 "unchanged"), soft_wrap=True)
        sys.exit(130)
    console.print(Text.assemble(("Built", "green"), f" {result.pages} pages ({result.files} files) into "
                                f"{result.output_dir} in {result.seconds:.1f} s" +
                                (f", {len(result.warnings)} warning(s)" if result.warnings else "")), soft_wrap=True)


@main.command()
@click.argument("site", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: output_dir from sitegen.toml).")
def serve(site: Path, port: int, host: str, output: Path | None) -> None:
    """Build SITE, serve it, and rebuild and reload open pages when a file changes.

    A failed rebuild keeps the last good site and shows the error in the page.
    """
    from .serve import serve as run_serve

    try:
        run_serve(site, host=host, port=port, output=output, console=console)
    except SitegenError as e:
        fail(e)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="My ML tutorials", show_default=True, help="Site title.")
def new(directory: Path, title: str) -> None:
    """Create a small site in DIRECTORY that builds at once."""
    from .scaffold import create_site

    try:
        create_site(directory, title=title)
    except SitegenError as e:
        fail(e)
    console.print(Text.assemble(("Created", "green"), f" a site in {directory}. Next: sitegen serve {directory}"),
                  soft_wrap=True)


if __name__ == "__main__":
    main()
