"""Every output flag: checked before any work, and every I/O failure one line and exit 1."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from aftershock import api
from aftershock.cli.app import main

SIMULATE = ["simulate", "coop-kaseya-2021", "-n", "1", "--set", "horizon_days=10", "-q"]
PLAN = [
    "plan",
    "--backlog",
    "examples/plan/backlog.csv",
    "--stock",
    "examples/plan/stores.csv",
    "--capacity",
    "examples/plan/capacity.csv",
    "--horizon",
    "14",
]
ROOT = Path(__file__).parents[2]


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code), capsys.readouterr().err


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any simulation is a failure of the test: the flags must be refused before it."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the simulation ran before the flags were checked")

    monkeypatch.setattr(api, "simulate", refuse)
    monkeypatch.setattr(api, "simulate_and_save", refuse)


@pytest.mark.usefixtures("no_simulation")
@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--out", "{tmp}/x.csv"], "--out {tmp}/x.csv: expected a file name ending in .nc or .parquet"),
        (["--save", "--keep-stores"], "--keep-stores cannot be combined with --save"),
        (["--save", "--keep-stores", "--out", "{tmp}/x.nc"], "instead: --keep-stores --out run.nc"),
        (["--keep-stores"], "--keep-stores keeps the store × item × day arrays in the --out file"),
        (["--out", "{tmp}/link.nc"], "is a symbolic link"),
    ],
)
def test_simulate_refuses_bad_output_flags_before_simulating(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    (tmp_path / "link.nc").symlink_to(tmp_path / "elsewhere.nc")
    code, err = run_main(
        [*SIMULATE, "--db", str(tmp_path / "runs.db"), *(f.format(tmp=tmp_path) for f in flags)], capsys
    )
    assert code == 1, err
    assert message.format(tmp=tmp_path) in err and "internal error" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.nc"]


def test_runs_export_checks_its_file_name_before_opening_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("the store was opened before --out was checked")

    monkeypatch.setattr(api, "open_store", refuse)
    code, err = run_main(["runs", "export", "abc", "--out", str(tmp_path / "run.txt")], capsys)
    assert code == 1 and "expected a file name ending in .parquet or .csv" in err


def test_schema_does_not_replace_a_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    (tmp_path / "schema.json").symlink_to(target)
    code, err = run_main(["schema", "--out", str(tmp_path / "schema.json")], capsys)
    assert code == 1 and "--out" in err and "symbolic link" in err
    assert (tmp_path / "schema.json").is_symlink() and target.read_text() == "keep me"


def test_import_services_checks_where_it_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bom = ROOT / "examples" / "cyclonedx" / "inventory.cdx.json"
    into = tmp_path / "scenario.yaml"
    into.symlink_to(tmp_path / "real.yaml")
    code, err = run_main(["import-services", str(bom), "--into", str(into)], capsys)
    assert code == 1 and f"--into {into}: is a symbolic link" in err
    code, err = run_main(
        ["import-services", str(bom), "--into", str(into), "--out", str(tmp_path / "no" / "x.yaml")], capsys
    )
    assert code == 1 and "--out" in err and "does not exist" in err


def _small_files() -> None:
    """In the child: files may grow to 2 KiB; a larger write fails with EFBIG (as a full disk would)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))


@pytest.mark.slow
def test_a_failed_write_is_one_line_and_exit_1_for_every_output(tmp_path: Path) -> None:
    """A real failure of the file system under each writer (NetCDF, Parquet, CSV, JSON):
    the installed command prints one line naming the flag and the path, and leaves no file."""
    exe = Path(sys.executable).parent / "aftershock"
    cases = {
        "schema.json": ["schema", "--out"],
        "run.nc": [*SIMULATE, "--out"],
        "run.parquet": [*SIMULATE, "--out"],
        "dispatch.csv": [*PLAN, "--out"],
    }
    started = {
        name: subprocess.Popen(
            [str(exe), *args, str(tmp_path / name)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "COLUMNS": "300"},
            preexec_fn=_small_files,
        )
        for name, args in cases.items()
    }
    for name, proc in started.items():
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 1, (name, err)
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith(f"error: --out {tmp_path / name}: cannot write: "), err
    assert list(tmp_path.iterdir()) == []
