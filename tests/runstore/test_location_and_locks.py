"""Where the run store lives by default, and what a lock held by another process does."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftershock import api
from aftershock.cli.app import main
from aftershock.errors import StoreError, UsageError
from aftershock.runstore import RunStore, default_db_path, normalise_url

SIMULATE = ["simulate", "coop-kaseya-2021", "-n", "1", "--set", "horizon_days=10"]


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh user data folder (not yet created) and no AFTERSHOCK_DB."""
    home = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.delenv("AFTERSHOCK_DB", raising=False)
    return home


# --- the default location ------------------------------------------------------------


def test_default_is_in_the_user_data_folder_not_the_working_directory(
    data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    expected = data_home / "aftershock" / "aftershock.db"
    assert default_db_path() == expected
    assert normalise_url(None) == f"sqlite:///{expected}"
    store = RunStore()  # creates the missing folder
    store.close()
    assert expected.is_file() and store.location == str(expected)
    assert list(work.iterdir()) == []


def test_aftershock_db_and_db_override_the_default(
    data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFTERSHOCK_DB", str(tmp_path / "env.db"))
    assert RunStore().location == str(tmp_path / "env.db")
    assert RunStore(str(tmp_path / "flag.db")).location == str(tmp_path / "flag.db")
    assert not data_home.exists()
    # a folder the user named is not created: a typo is an error, naming where it came from
    monkeypatch.setenv("AFTERSHOCK_DB", str(tmp_path / "no" / "env.db"))
    with pytest.raises(StoreError, match=r"^AFTERSHOCK_DB .*env\.db: the folder .* does not exist"):
        RunStore()
    with pytest.raises(StoreError, match=r"^--db .*flag\.db: the folder .* does not exist"):
        RunStore(str(tmp_path / "no" / "flag.db"))


def test_a_data_folder_that_cannot_be_created_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker / "data"))
    monkeypatch.delenv("AFTERSHOCK_DB", raising=False)
    with pytest.raises(StoreError, match=r"cannot create the folder of the run store .*--db PATH or"):
        RunStore()


def test_a_run_saved_by_the_cli_shows_in_a_dashboard_started_elsewhere(
    data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aftershock.web import Settings, create_app

    for name in ("one", "two"):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path / "one")
    with pytest.raises(SystemExit) as exc:
        main([*SIMULATE, "--save", "--json", "-q"])
    assert exc.value.code == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    assert list((tmp_path / "one").iterdir()) == []
    monkeypatch.chdir(tmp_path / "two")
    with pytest.raises(SystemExit) as exc:
        main(["runs", "list", "--json"])
    assert exc.value.code == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["runs"]] == [run_id]
    app = create_app(Settings(demo_run=False, run_workers=1))  # what `serve` builds without --db
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        listed = client.get("/api/runs").json()
    assert run_id in str(listed)


# --- locks ---------------------------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")  # the write lock
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("COMMIT")
    """
)


@pytest.fixture
def hold_lock() -> Iterator:
    """Start another process that holds the SQLite write lock on a file for some seconds."""
    started: list[subprocess.Popen] = []

    def hold(path: Path, seconds: float) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
        )
        started.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        return proc

    yield hold
    for proc in started:
        proc.kill()
        proc.wait()


def _store_with_scenario(path: Path, **kwargs: float) -> tuple[RunStore, str]:
    store = RunStore(str(path), **kwargs)
    return store, store.add_scenario(api.load("coop-kaseya-2021"))


def test_a_lock_held_too_long_is_a_clear_store_error(tmp_path: Path, hold_lock) -> None:
    store, sid = _store_with_scenario(tmp_path / "runs.db", lock_timeout=0.4)
    hold_lock(tmp_path / "runs.db", 60)
    started = time.monotonic()
    locked = r"the run store .*runs\.db is locked by another process; waited 0\.4 s"
    with pytest.raises(StoreError, match=locked):
        store.create_run(sid, {}, seed=0)
    assert time.monotonic() - started < 5
    # progress is advice: a locked store skips it rather than failing the run
    started = time.monotonic()
    store.set_progress("no-such-run", 0.5)
    assert time.monotonic() - started < 3


def test_a_write_waits_and_retries_until_the_lock_is_released(tmp_path: Path, hold_lock) -> None:
    # each SQLite wait is short (a quarter of the timeout, at most 1 s): the retries carry on
    store, sid = _store_with_scenario(tmp_path / "runs.db", lock_timeout=20)
    holder = hold_lock(tmp_path / "runs.db", 2.5)
    started = time.monotonic()
    run = store.create_run(sid, {}, seed=0)
    assert time.monotonic() - started > 1.5
    assert holder.wait(timeout=10) == 0
    assert store.get_run(run)["status"] == "queued"


def test_the_cli_reports_a_locked_store_in_one_line(
    tmp_path: Path, hold_lock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "runs.db"
    _store_with_scenario(db)[0].close()
    hold_lock(db, 60)
    monkeypatch.setenv("AFTERSHOCK_DB_LOCK_TIMEOUT", "0.3")
    with pytest.raises(SystemExit) as exc:
        main([*SIMULATE, "--save", "--db", str(db)])
    err = capsys.readouterr().err
    assert exc.value.code == 1, err
    assert "is locked by another process" in err and "internal error" not in err


def test_the_lock_timeout_setting_is_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for bad in ("soon", "-1", "inf", "nan"):
        monkeypatch.setenv("AFTERSHOCK_DB_LOCK_TIMEOUT", bad)
        with pytest.raises(UsageError, match="AFTERSHOCK_DB_LOCK_TIMEOUT: expected a number of seconds"):
            RunStore(str(tmp_path / "runs.db"))
    monkeypatch.setenv("AFTERSHOCK_DB_LOCK_TIMEOUT", "2.5")
    assert RunStore(str(tmp_path / "runs.db")).lock_timeout == 2.5
