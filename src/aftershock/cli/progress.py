"""A rich progress bar with ETA for long work; silent when disabled or quick."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

#: Work shorter than this never shows a bar.
SHOW_AFTER_SECONDS = 1.0


@contextmanager
def progress_bar(label: str, *, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """Yield ``tick(done, total)``; the bar appears once the work has run for a second."""
    started = time.monotonic()
    progress: Progress | None = None
    task = None

    def tick(done: int, total: int) -> None:
        nonlocal progress, task
        if not enabled:
            return
        if progress is None:
            if time.monotonic() - started < SHOW_AFTER_SECONDS:
                return
            progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                transient=True,
                console=Console(stderr=True),  # stdout stays clean for tables, JSON and pipes
            )
            progress.start()
            task = progress.add_task(label, total=total)
        assert task is not None
        progress.update(task, completed=done, total=total)

    try:
        yield tick
    finally:
        if progress is not None:
            progress.stop()
