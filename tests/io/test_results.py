"""Output files: atomic, with the umask's mode, no link followed, every I/O failure one clear error."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from aftershock.errors import UsageError
from aftershock.io.results import check_output_path, write_atomic, write_text_atomic


@pytest.fixture
def umask() -> Iterator:
    """Set the process umask for one test."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield os.umask
    os.umask(saved)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_a_new_file_respects_the_umask(tmp_path: Path, umask, mask: int, expected: int) -> None:
    umask(mask)
    out = tmp_path / "out.json"
    write_text_atomic(out, "{}\n")
    assert out.read_text() == "{}\n" and mode(out) == expected


def test_a_replaced_file_keeps_its_mode_and_is_swapped_whole(tmp_path: Path, umask) -> None:
    umask(0o022)
    out = tmp_path / "out.csv"
    out.write_text("old\n")
    out.chmod(0o640)
    before = out.stat().st_ino
    write_text_atomic(out, "new\n")
    assert out.read_text() == "new\n" and mode(out) == 0o640
    assert out.stat().st_ino != before  # a new file renamed into place, not rewritten in place


@pytest.mark.parametrize("dangling", [False, True])
def test_a_link_at_the_output_path_is_refused_not_replaced(tmp_path: Path, dangling: bool) -> None:
    target = tmp_path / "target.html"
    if not dangling:
        target.write_text("keep me")
    link = tmp_path / "report.html"
    link.symlink_to(target)
    with pytest.raises(UsageError, match=r"^--chart .*report\.html: is a symbolic link .*target\.html"):
        write_text_atomic(link, "<html>", flag="--chart")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "keep me" if not dangling else not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["report.html", *(["target.html"] * (not dangling))]
    )


def test_special_files_and_folders_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="is not a regular file"):
        check_output_path(fifo)
    with pytest.raises(UsageError, match="is a folder"):
        check_output_path(tmp_path)
    with pytest.raises(UsageError, match="does not exist"):
        check_output_path(tmp_path / "no" / "x.csv")
    (tmp_path / "f").write_text("")
    with pytest.raises(UsageError, match="is not a folder"):
        check_output_path(tmp_path / "f" / "x.csv")
    with pytest.raises(
        UsageError, match=r"^--out .*x\.csv: expected a file name ending in \.nc or \.parquet$"
    ):
        check_output_path(tmp_path / "x.csv", suffixes=(".nc", ".parquet"))


def test_permission_denied_is_found_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() == 0:  # root may write anywhere: answer access() by the mode bits, as for a user
        real = os.access

        def by_mode(path: object, mode: int, **kwargs: object) -> bool:
            bits = Path(str(path)).stat().st_mode
            return real(path, mode) and not (mode & os.W_OK and not bits & 0o200)

        monkeypatch.setattr(os, "access", by_mode)
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(UsageError, match="permission denied"):
            check_output_path(folder / "x.csv")
    finally:
        folder.chmod(0o700)
    ro = tmp_path / "ro.csv"
    ro.write_text("")
    ro.chmod(0o444)
    with pytest.raises(UsageError, match="read-only"):
        check_output_path(ro)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
        (PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
        (OSError(errno.EROFS, "Read-only file system"), "Read-only file system"),
        (OSError("Error writing bytes to file"), "Error writing bytes to file"),  # pyarrow: no errno
        (RuntimeError("NetCDF: HDF error"), "NetCDF: HDF error"),
    ],
)
def test_a_failed_write_is_one_line_naming_flag_and_path_and_leaves_nothing(
    tmp_path: Path, error: Exception, reason: str
) -> None:
    out = tmp_path / "plan.csv"
    out.write_text("the old plan\n")

    def fail(tmp: Path) -> None:
        tmp.write_text("half a pl")
        raise error

    with pytest.raises(UsageError) as exc:
        write_atomic(out, fail, flag="--out")
    message = str(exc.value)
    assert message.startswith(f"--out {out}: cannot write: ") and reason in message and "\n" not in message
    assert out.read_text() == "the old plan\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


def test_other_errors_of_the_writer_pass_through_and_leave_nothing(tmp_path: Path) -> None:
    def bug(tmp: Path) -> None:
        raise RuntimeError("a bug, not an I/O failure")

    with pytest.raises(RuntimeError, match="a bug"):
        write_atomic(tmp_path / "x.csv", bug)
    assert list(tmp_path.iterdir()) == []
