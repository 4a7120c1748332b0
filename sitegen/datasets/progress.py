"""Progress reporting for the data phase: rich bars on a terminal, one line per step otherwise."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeRemainingColumn, TransferSpeedColumn)

from ..context import BuildContext

Advance = Callable[[int], None]


@contextmanager
def progress_task(ctx: BuildContext, description: str, total: int | None, *, in_bytes: bool = False
                  ) -> Iterator[Advance]:
    """Yield ``advance(n)``; shows a bar while the block runs when ``ctx.progress`` is on."""
    if not ctx.progress:
        ctx.info(f"  {description}")
        yield lambda n=1: None
        return
    count = [DownloadColumn(), TransferSpeedColumn()] if in_bytes else [MofNCompleteColumn()]
    with Progress(TextColumn("  {task.description}", markup=False), BarColumn(), *count, TimeRemainingColumn(),
                  console=ctx.console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
    ctx.info(f"  {description}: done")
