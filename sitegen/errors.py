"""Errors that end a build with one clear line."""

from __future__ import annotations

from pathlib import Path


class SitegenError(Exception):
    """A failure the user can fix; printed as one line, without a traceback.

    ``where`` is the file (and line) the problem is in, so every message starts with
    the place to look.
    """

    def __init__(self, message: str, where: str | Path | None = None, line: int | None = None):
        self.message = message
        self.where = str(where) if where is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.where is None:
            return self.message
        place = f"{self.where}:{self.line}" if self.line is not None else self.where
        return f"{place}: {self.message}"


class ConfigError(SitegenError):
    """A value in sitegen.toml (or in a demo block) that does not fit its option."""


class ConfigErrors(ConfigError):
    """Every problem found in one file, reported together; one alone reads as that error."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = list(errors)
        if len(self.errors) == 1:
            only = self.errors[0]
            super().__init__(only.message, only.where, only.line)
        else:
            super().__init__(f"{len(self.errors)} configuration errors:\n" +
                             "\n".join(f"  {error}" for error in self.errors))


def print_error(console, error: SitegenError) -> None:
    """Print ``error`` after "error:", each of several collected errors on its own line.
    Messages hold user text (paths, class names), so they are plain text, never Rich markup."""
    from rich.text import Text

    lines = [f"{len(error.errors)} configuration errors:", *map(str, error.errors)] \
        if isinstance(error, ConfigErrors) and len(error.errors) > 1 else [str(error)]
    for line in lines:
        console.print(Text.assemble(("error:", "bold red"), " ", line), soft_wrap=True)


class DataError(SitegenError):
    """A data set's raw files cannot be read or do not fit together."""


class ModelError(SitegenError):
    """A model cannot be built, loaded, trained or converted."""


class StrictWarnings(SitegenError):
    """Warnings were raised and --strict turns them into a failure."""
