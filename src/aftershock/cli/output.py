"""Rendering helpers shared by commands: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table


def _console() -> Console:
    import os
    import sys

    # piped or redirected output is read in an editor or a log, not an 80-column terminal:
    # give tables room (COLUMNS still wins when set)
    wide = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(highlight=False, soft_wrap=False, width=140 if wide else None)


console = _console()


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON to stdout (no colour, no wrapping)."""
    import sys

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_warnings(warnings: list[dict[str, Any]]) -> None:
    """Each scenario warning as one yellow line on stderr: ``warning: scenario.yaml:22: field: ...``."""
    if not warnings:
        return
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for w in warnings:
        where = w["source"] if w.get("line") is None else f"{w['source']}:{w['line']}"
        field = f"{w['field']}: " if w.get("field") else ""
        err.print(f"warning: {where}: {field}{w['message']}", style="yellow", markup=False)


def pct(x: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{100 * x:.1f}%"


def whole_numbers(table: Table) -> Table:
    """Keep numbers and words whole when a table is wider than the terminal.

    On a narrow terminal rich would cut numbers to "1,557,…", squeeze text columns to
    nothing or drop the last columns. When the table does not fit, every column is set to
    its narrowest whole width: number columns to their widest cell (or longest header
    word), text columns to at least their longest word (24 at most) and whatever the numbers
    leave, so headers and text wrap between words instead. For tables of figures; long
    prose columns are better left to rich.
    """
    from rich.text import Text

    title, table.title = table.title, None  # a long title wraps; it must not decide
    try:
        fits = console.measure(table).maximum + 4 <= console.width  # (its measure runs a little short)
    finally:
        table.title = title
    if fits:
        return table

    def plain(cell: object) -> str:
        return Text.from_markup(cell).plain if isinstance(cell, str) else ""

    for column in table.columns:
        cells = [plain(c) for c in column._cells]
        words = [len(w) for text in [*cells, plain(column.header)] for w in text.split()]
        floor = min(max([1, *words]), 24)  # a URL is one long word
        if column.justify == "right":
            column.width = max([floor, *(len(c) for c in cells)])
        else:
            column.min_width = floor  # text may take what the numbers leave
    return table
