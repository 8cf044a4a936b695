"""Scenario versions (numbered per name, added by migration 0002) and deleting a scenario with
its runs, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select

from aftershock import api
from aftershock.errors import NotFoundError
from aftershock.runstore import RunStore
from aftershock.runstore.database import normalise_url, scenario_row
from aftershock.runstore.models import ResultRow, RunRow, ScenarioRow
from aftershock.testing import scenario_dict, write_scenario


def _load(tmp: Path, name: str, horizon: int):
    folder = tmp / f"{name}-{horizon}"
    folder.mkdir(exist_ok=True)
    return api.load(write_scenario(folder, scenario_dict(name=name, horizon_days=horizon)))


def test_uploads_of_one_name_are_numbered_versions(db_url: str, tmp_path: Path) -> None:
    store = RunStore(db_url)
    first = store.add_scenario(_load(tmp_path, "net", 30), "upload")
    second = store.add_scenario(_load(tmp_path, "net", 40), "upload")
    other = store.add_scenario(_load(tmp_path, "other", 30), "upload")
    # the same content again is the same scenario, not a new version
    assert store.add_scenario(_load(tmp_path, "net", 40), "upload") == second
    versions = {r["id"]: r["version"] for r in store.list_scenarios()}
    assert versions == {first: 1, second: 2, other: 1}
    assert store.scenario_by_version("net", 2) == second
    assert scenario_row(store, second)["version"] == 2
    with pytest.raises(NotFoundError, match="no version 3 of a scenario named 'net'"):
        store.scenario_by_version("net", 3)


def test_deleting_a_scenario_takes_its_runs_and_results_in_one_go(
    db_url: str, tmp_path: Path, small_result
) -> None:
    store = RunStore(db_url)
    gone = store.add_scenario(_load(tmp_path, "net", 30), "upload")
    kept = store.add_scenario(_load(tmp_path, "net", 40), "upload")
    runs = [store.create_run(gone, {"replications": 2}, seed=i) for i in range(2)]
    store.start_run(runs[0])
    store.complete_run(runs[0], small_result)
    other_run = store.create_run(kept, {"replications": 2}, seed=9)
    assert sorted(store.scenario_runs(gone)) == sorted(runs)
    assert store.delete_scenario(gone) == 2
    with store.session() as s:
        assert s.scalars(select(RunRow.id)).all() == [other_run]
        assert s.scalars(select(ResultRow.run_id)).all() == []
        assert s.scalars(select(ScenarioRow.id)).all() == [kept]
    with pytest.raises(NotFoundError):
        store.delete_scenario(gone)
    # a version is never reused: the next upload of the name is v3, v2 keeps its address
    third = store.add_scenario(_load(tmp_path, "net", 50), "upload")
    assert scenario_row(store, third)["version"] == 3
    assert store.scenario_by_version("net", 2) == kept


def test_migration_0002_numbers_the_scenarios_already_stored(tmp_path: Path) -> None:
    """A store made before versions: its scenarios get 1, 2, … per name in upload order."""
    from alembic import command
    from alembic.config import Config

    import aftershock.runstore.database as database

    path = tmp_path / "old.db"
    engine = create_engine(normalise_url(str(path)))
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
        t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        for i, (ident, name) in enumerate([("c" * 64, "net"), ("a" * 64, "net"), ("b" * 64, "other")]):
            connection.execute(
                insert(ScenarioRow.__table__).values(
                    id=ident,
                    name=name,
                    source="upload",
                    content_yaml="",
                    stores_csv="",
                    created_at=t0 + dt.timedelta(hours=i),
                )
            )
    engine.dispose()
    store = RunStore(str(path))
    versions = {r["id"]: r["version"] for r in store.list_scenarios()}
    assert versions == {"c" * 64: 1, "a" * 64: 2, "b" * 64: 1}


@pytest.fixture(scope="module")
def small_result():
    return api.simulate("coop-kaseya-2021", replications=2, seed=1, overrides=["horizon_days=10"])
