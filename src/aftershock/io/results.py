"""Writing outputs atomically: a failed write never leaves a half-written file.

Every output file is written to a temporary file next to it and renamed into place, so a
reader sees the old file or the new one, never half of one. The new file gets the mode a
plain ``open()`` would give it (``0o666`` less the umask), or the mode of the file it
replaces. A symbolic link, a folder or a special file at the output path is refused, not
replaced or written through; every I/O failure (no space, permission denied, a missing
folder, a read-only file system) is a :class:`UsageError` naming the flag and the path.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from aftershock.errors import UsageError


def check_output_path(path: Path, *, flag: str = "--out", suffixes: tuple[str, ...] = ()) -> Path:
    """The path, if a file can be written there (and it ends in one of ``suffixes``); a clear
    error otherwise. ``flag`` names the option in the message.

    Refused: a missing folder, a folder or a symbolic link or a special file (device, pipe)
    at the path, a read-only existing file, a folder that cannot be written.
    """
    path = Path(path)
    where = f"{flag} {path}"
    if path.is_symlink():
        raise UsageError(
            f"{where}: is a symbolic link (to '{os.readlink(path)}'); aftershock does not replace "
            "or write through links: give the path of the file itself"
        )
    folder = path.parent
    if not folder.exists():
        raise UsageError(f"{where}: the folder '{folder}' does not exist")
    if not folder.is_dir():
        raise UsageError(f"{where}: '{folder}' is not a folder")
    if path.is_dir():
        raise UsageError(f"{where}: is a folder; expected a file name")
    if path.exists() and not path.is_file():
        raise UsageError(f"{where}: is not a regular file (a device or a pipe); expected a file name")
    if suffixes and path.suffix.lower() not in suffixes:
        raise UsageError(f"{where}: expected a file name ending in {' or '.join(suffixes)}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{where}: cannot write in the folder '{folder}': permission denied")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{where}: the file is read-only")
    return path


def write_atomic(path: Path, write: Callable[[Path], None], *, flag: str = "--out") -> None:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then rename it into place.

    The file gets the mode of the file it replaces, else ``0o666`` less the umask. An
    ``OSError`` (or netCDF's error) while writing becomes a :class:`UsageError` naming
    ``flag`` and ``path``; the temporary file is removed.
    """
    path = check_output_path(path, flag=flag)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask()
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        write(tmp)
        _fsync(tmp)
        os.chmod(tmp, mode)
        check_output_path(path, flag=flag)  # a link put there while writing is not replaced
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write: {_reason(exc)}") from None
    except RuntimeError as exc:
        # netCDF4/HDF5 report a failed write (no space, file too large) as RuntimeError
        if not str(exc).startswith("NetCDF:"):
            raise
        raise UsageError(f"{flag} {path}: cannot write: {exc} (is the disk full?)") from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str, *, flag: str = "--out") -> None:
    """Write text atomically (see :func:`write_atomic`)."""
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"), flag=flag)


def _reason(exc: OSError) -> str:
    """The reason of an I/O error in a few words ("No space left on device")."""
    if exc.errno:
        return os.strerror(exc.errno)
    return str(exc) or type(exc).__name__


def _fsync(path: Path) -> None:
    """Flush the file to disk, so a full disk is reported now and not after the rename."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
