"""What the build phases share: the build context and the artifacts each phase hands on.

Phases gather first and write last (Pelican): each returns artifacts whose ``files`` map a
path inside the output folder (always with '/' separators, e.g. ``data/mnist/manifest.json``)
to its content, either a file on disk (usually in the cache) or bytes. Only the write
phase touches the output folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Union

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from .config import SiteConfig

FileSource = Union[Path, bytes]


@dataclass
class BuildContext:
    config: "SiteConfig"
    cache_dir: Path
    console: Console
    strict: bool = False
    retrain: bool = False
    #: False in tests and CI logs: no progress bars, only one line per step.
    progress: bool = True
    warnings: list[str] = field(default_factory=list)

    # Messages hold user text (paths, class names with [brackets]): never Rich markup, and
    # one line each in logs, however long (soft_wrap).
    def warn(self, message: str) -> None:
        self.warnings.append(message)
        self.console.print(Text.assemble(("warning:", "yellow"), " ", message), highlight=False, soft_wrap=True)

    def info(self, message: str) -> None:
        self.console.print(message, highlight=False, markup=False, soft_wrap=True)


@dataclass
class DatasetArtifact:
    """One built data set (phase 3)."""

    name: str
    #: False when its source could not be had (offline and not cached); pages show ``notice``.
    available: bool
    notice: str | None = None
    classes: list[str] = field(default_factory=list)
    shape: tuple[int, int, int] = (0, 0, 0)
    #: the manifest.json content, as written
    manifest: dict = field(default_factory=dict)
    #: the cache key of the built files: what models trained on the data depend on
    key: str = ""
    #: folder holding the built files (manifest, sprites, labels) for later phases to read
    dir: Path | None = None
    files: dict[str, FileSource] = field(default_factory=dict)


@dataclass
class ModelArtifact:
    """One built model (phase 4)."""

    name: str
    dataset: str
    available: bool
    notice: str | None = None
    metadata: dict = field(default_factory=dict)
    dir: Path | None = None
    files: dict[str, FileSource] = field(default_factory=dict)
