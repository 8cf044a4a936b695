"""Writing outputs atomically: a failed write never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from aftershock.errors import UsageError


def check_output_path(path: Path, *, flag: str = "--out", suffixes: tuple[str, ...] = ()) -> Path:
    """The path, if its folder exists (and it ends in one of ``suffixes``); a clear error otherwise.

    ``flag`` names the option in the message.
    """
    path = Path(path)
    if not path.parent.exists():
        raise UsageError(f"{flag} {path}: the folder '{path.parent}' does not exist")
    if path.is_dir():
        raise UsageError(f"{flag} {path}: is a folder; expected a file name")
    if suffixes and path.suffix.lower() not in suffixes:
        raise UsageError(f"{flag} {path}: expected a file name ending in {' or '.join(suffixes)}")
    return path


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then rename it into place."""
    path = check_output_path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write text atomically."""
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
