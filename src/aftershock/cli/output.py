"""Rendering helpers shared by commands: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

console = Console(highlight=False, soft_wrap=False)


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON to stdout (no colour, no wrapping)."""
    import sys

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def pct(x: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{100 * x:.1f}%"
