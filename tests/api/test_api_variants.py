"""Variants through the Python API and the run store: named like ``ocs-2022:spread`` everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftershock import api
from aftershock.errors import ScenarioError
from aftershock.runstore import RunStore
from aftershock.runstore.database import scenario_document


def test_load_takes_the_variant_in_the_reference_or_as_a_keyword() -> None:
    by_ref = api.load("ocs-2022:spread")
    by_keyword = api.load("ocs-2022", variant="spread")
    assert by_ref.name == by_keyword.name == "ocs-2022:spread"
    assert by_ref.scenario == by_keyword.scenario
    with pytest.raises(ScenarioError, match="overrides and variants need a scenario name or path"):
        api.load(by_ref, variant="spread")


def test_validate_lists_the_variants() -> None:
    summary = api.validate("grocer-3dc")
    assert summary["name"] == "grocer-3dc" and summary["variant"] is None
    names = [v["name"] for v in summary["variants"]]
    assert {"no-backup", "covered-first", "fast-restore"} <= set(names)
    assert all(v["description"] for v in summary["variants"])
    assert api.validate("grocer-3dc:no-backup")["name"] == "grocer-3dc:no-backup"


def test_the_listing_carries_each_scenarios_variants() -> None:
    found = {s.name: s for s in api.scenarios()}
    assert [v.name for v in found["ocs-2022"].variants][:1] == ["spread"]
    assert {v.name for v in found["coop-kaseya-2021"].variants} == {"crews-200", "no-app", "calibrated"}


def test_results_are_named_after_the_variant() -> None:
    result = api.simulate("ocs-2022:spread", replications=2, seed=1)
    assert result.summary["scenario"] == "ocs-2022:spread"
    assert api.impact("ocs-2022:spread")["scenario"] == "ocs-2022:spread"


def test_the_run_store_keeps_the_variant_apart(tmp_path: Path) -> None:
    store = RunStore(str(tmp_path / "runs.db"))
    try:
        base_id, _ = api.simulate_and_save("grocer-3dc", db=store, replications=1, seed=1)
        variant_id, result = api.simulate_and_save("grocer-3dc:no-backup", db=store, replications=1, seed=1)
        assert result.summary["scenario"] == "grocer-3dc:no-backup"
        run = store.get_run(variant_id)
        assert run["scenario"] == "grocer-3dc:no-backup" and run["params"]["variant"] == "no-backup"
        assert store.get_run(base_id)["scenario"] == "grocer-3dc"
        listed, total = store.list_runs(scenario="grocer-3dc:no-backup")
        assert total == 1 and listed[0]["id"] == variant_id
        # the stored copy is the variant, and loads as the variant again, whatever the others set
        path = store.scenario_files(run["scenario_id"], tmp_path / "copy")
        again = api.load(f"{path}:no-backup")
        assert again.name == "grocer-3dc:no-backup" and list(again.scenario.variants) == ["no-backup"]
        assert again.scenario.sites.dcs[1].backups == []
    finally:
        store.close()


def test_a_variant_that_changes_nothing_is_still_stored_apart(tmp_path: Path) -> None:
    loaded = api.load("ocs-2022:spread")
    content, table = scenario_document(loaded)
    store = RunStore(str(tmp_path / "runs.db"))
    try:
        assert store.add_scenario(loaded) != store.add_scenario(api.load("ocs-2022"))
        assert "spread" in content and "long-pause" not in content and table
    finally:
        store.close()
