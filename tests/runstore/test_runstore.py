"""The run store on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import update

from aftershock import api
from aftershock.errors import StoreError
from aftershock.runstore import RunStore
from aftershock.runstore.models import RunRow
from aftershock.testing import scenario_dict, write_scenario

TRICKY = "x'); DROP TABLE runs; --"


@pytest.fixture(scope="module")
def small_result():
    return api.simulate("coop-kaseya-2021", replications=2, seed=1, overrides=["horizon_days=10"])


def test_scenarios_are_content_addressed(db_url: str, tmp_path: Path) -> None:
    store = RunStore(db_url)
    loaded = api.load("coop-kaseya-2021")
    first = store.add_scenario(loaded, "bundled")
    assert store.add_scenario(loaded, "bundled") == first
    assert len(store.list_scenarios()) == 1
    # the stored copy loads back to the same content
    copy = api.load(store.scenario_files(first, tmp_path / "copy"))
    assert copy.scenario.incident == loaded.scenario.incident and len(copy.stores) == 800
    assert (copy.stores.demand_units_per_day == loaded.stores.demand_units_per_day).all()
    assert store.add_scenario(copy, "file") == first


def test_run_lifecycle_and_one_transaction(db_url: str, small_result, tmp_path: Path) -> None:
    store = RunStore(db_url)
    sid = store.add_scenario(api.load("coop-kaseya-2021"))
    run = store.create_run(sid, {"replications": 2, "note": TRICKY}, seed=1)
    assert store.get_run(run)["status"] == "queued"
    store.start_run(run)
    store.set_progress(run, 0.5)
    assert store.get_run(run)["progress"] == 0.5
    store.complete_run(run, small_result)
    got = store.get_run(run)
    assert got["status"] == "done" and got["summary"]["replications"] == 2
    assert got["params"]["note"] == TRICKY  # stored as data, not executed
    rows, total = store.list_runs()
    assert total == 1 and rows[0]["metrics"]["lost_sales_units"] == pytest.approx(
        small_result.summary["metrics"]["lost_sales_units"]["mean"]
    )
    daily = store.daily(run)
    assert set(daily["replication"]) == {0, 1} and daily["day"].max() == 9
    out = tmp_path / "run.parquet"
    store.export_run(run, out)
    assert out.stat().st_size > 0
    store.delete_run(run)
    assert store.list_runs()[1] == 0
    with pytest.raises(StoreError, match="no run"):
        store.get_run(run)


def test_a_failed_result_write_leaves_no_half_run(db_url: str) -> None:
    store = RunStore(db_url)
    sid = store.add_scenario(api.load("coop-kaseya-2021"))
    run = store.create_run(sid, {}, seed=0)
    store.start_run(run)

    class Broken:
        summary: ClassVar[dict] = {"metrics": {}}
        dataset = None  # writing the daily arrays fails

    with pytest.raises(AttributeError):
        store.complete_run(run, Broken())
    assert store.get_run(run)["status"] == "running"
    assert store.get_run(run)["summary"] is None


def test_killed_runs_are_marked_failed_on_next_start(db_url: str) -> None:
    store = RunStore(db_url)
    sid = store.add_scenario(api.load("coop-kaseya-2021"))
    run = store.create_run(sid, {}, seed=0)
    store.start_run(run)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    with store.session() as s, s.begin():
        s.execute(update(RunRow).where(RunRow.id == run).values(owner_pid=int(dead.stdout)))
    again = RunStore(db_url)
    got = again.get_run(run)
    assert got["status"] == "failed" and "interrupted" in got["error"]


def test_simulate_and_save_marks_failures(db_url: str, tmp_path: Path) -> None:
    data = scenario_dict(name="tricky", title=TRICKY)
    path = write_scenario(tmp_path, data)
    run_id, _ = api.simulate_and_save(path, db=db_url, replications=1, seed=0)
    store = RunStore(db_url)
    assert store.get_run(run_id)["status"] == "done"
    assert store.list_scenarios()[0]["title"] == TRICKY

    def boom(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        api.simulate_and_save(path, db=db_url, replications=1, seed=0, on_progress=boom)

    def broken(done: int, total: int) -> None:
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        api.simulate_and_save(path, db=db_url, replications=1, seed=0, on_progress=broken)
    rows, _ = store.list_runs()
    assert sorted(r["status"] for r in rows) == ["cancelled", "done", "failed"]
    assert {r["status"]: r["error"] for r in rows}["cancelled"] == "interrupted (Ctrl-C)"


def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match=r"cannot connect to postgresql\+psycopg://nobody@127.0.0.1:1/x"):
        RunStore("postgresql://nobody:secret@127.0.0.1:1/x")
    with pytest.raises(StoreError, match="does not exist"):
        RunStore("/nonexistent-folder/runs.db")
