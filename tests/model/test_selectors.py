"""Site selectors: every key given must hold (AND); pairs that cannot combine are rejected."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from aftershock.io import read_store_table
from aftershock.model import Scenario, SiteSelector, StoreDefaults, StoreFrame
from aftershock.model.checks import check_scenario, select_sites
from aftershock.testing import scenario_dict, stores_csv


@pytest.fixture
def stores(tmp_path: Path) -> StoreFrame:
    path = tmp_path / "stores.csv"
    header = ["id", "region", "pos_system", "tier", "demand_units_per_day"]
    rows = [
        ("s1", "north", "a", "A", 10),
        ("s2", "north", "a", "B", 20),
        ("s3", "south", "b", "A", 30),
        ("s4", "south", "a", "1", 40),
    ]
    path.write_text(stores_csv(rows, header), encoding="utf-8")
    return read_store_table(path, "stores.csv", StoreDefaults())


@pytest.fixture
def scenario() -> Scenario:
    return Scenario.model_validate(scenario_dict())  # sites: s1..s4, dc 'dc', channel 'web'


@pytest.mark.parametrize(
    ("selector", "picked"),
    [
        # one key
        ({"kind": "store"}, ["s1", "s2", "s3", "s4"]),
        ({"kind": "dc"}, ["dc"]),
        ({"where": {"region": "north"}}, ["s1", "s2"]),
        ({"ids": ["s3", "web", "s1"]}, ["s3", "web", "s1"]),
        # keys combine as AND
        ({"kind": "store", "where": {"region": "south"}}, ["s3", "s4"]),
        ({"kind": "store", "where": {"region": "south", "pos_system": "a"}}, ["s4"]),
        ({"ids": ["s1", "s3", "s4"], "where": {"pos_system": "a"}}, ["s1", "s4"]),
        ({"ids": ["s4", "s3", "s1"], "where": {"tier": ["A", 1]}}, ["s4", "s3", "s1"]),
        ({"ids": ["s1", "dc", "web"], "kind": "store"}, ["s1"]),
        ({"ids": ["s1", "dc", "web"], "kind": "channel"}, ["web"]),
        ({"id": "dc", "kind": "dc"}, ["dc"]),
        ({"id": "s2", "kind": "store", "where": {"tier": "B"}}, ["s2"]),
        ({"ids": ["s2", "s1"], "kind": "store", "where": {"region": "north"}}, ["s2", "s1"]),
        # conditions that no listed site meets
        ({"id": "s3", "where": {"region": "north"}}, []),
        ({"id": "dc", "where": {"region": "north"}}, []),
        ({"id": "s1", "kind": "dc"}, []),
        # repeats are selected once, in the order first listed
        ({"ids": ["s2", "s1", "s2"]}, ["s2", "s1"]),
    ],
)
def test_selector_keys_combine_as_and(
    selector: dict, picked: list[str], scenario: Scenario, stores: StoreFrame
) -> None:
    assert select_sites(SiteSelector.model_validate(selector), scenario, stores) == picked


def test_where_numbers_and_booleans_match_the_column_text(scenario: Scenario, stores: StoreFrame) -> None:
    # the check and the selection read a value the same way (1.0 is the text '1')
    data = scenario_dict()
    data["requires"][0]["site"] = {"where": {"tier": 1.0}}
    assert dict(check_scenario(Scenario.model_validate(data), stores)) == {}
    assert select_sites(SiteSelector(where={"tier": 1.0}), scenario, stores) == ["s4"]


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ({"id": "s1", "ids": ["s2"]}, "give either id (one site) or ids (a list of sites), not both"),
        (
            {"kind": "dc", "where": {"region": "north"}},
            "where selects stores by store-table columns, so it cannot go with kind: dc",
        ),
        ({"kind": "channel", "where": {}}, "cannot go with kind: channel"),
        ({}, "needs at least one of id, ids, kind, where"),
    ],
)
def test_selector_pairs_that_cannot_combine_are_rejected(selector: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SiteSelector.model_validate(selector)


def test_a_rejected_selector_is_located_at_the_rule(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["requires"][0]["site"] = {"kind": "dc", "where": {"pos_system": "a"}}
    with pytest.raises(ValidationError) as exc:
        Scenario.model_validate(data)
    (error,) = exc.value.errors()
    assert error["loc"] == ("requires", 0, "site")
    assert "use kind: store, or leave kind out" in error["msg"]


def _findings(stores: StoreFrame, site: dict) -> dict[tuple, str]:
    data = scenario_dict()
    data["requires"][0]["site"] = site
    return dict(check_scenario(Scenario.model_validate(data), stores))


def test_combined_keys_that_pick_nothing_say_so(stores: StoreFrame) -> None:
    found = _findings(stores, {"id": "s3", "where": {"region": "north"}})
    assert found == {
        ("requires", 0, "site"): (
            "the selector picks no site: no site meets all of id, where (they combine as AND)"
        )
    }
    # one key that picks nothing keeps the short message
    assert _findings(stores, {"where": {"region": "north", "tier": []}}) == {
        ("requires", 0, "site"): "the selector picks no site"
    }


def test_every_key_is_checked_even_when_combined(stores: StoreFrame) -> None:
    found = _findings(stores, {"ids": ["s1", "s9"], "where": {"region": "north"}})
    assert found[("requires", 0, "site")].startswith("unknown site 's9'")
    found = _findings(stores, {"ids": ["s1", "s2"], "where": {"regoin": "north"}})
    assert found[("requires", 0, "site")].startswith(
        "unknown store attribute 'regoin'; did you mean 'region'?"
    )
    found = _findings(stores, {"kind": "store", "where": {"region": "nort"}})
    assert found[("requires", 0, "site")].startswith(
        "unknown value of 'region' 'nort'; did you mean 'north'?"
    )


def test_a_capability_check_sees_only_the_selected_sites(stores: StoreFrame) -> None:
    # kind: store drops the DC from the ids, so store.sell fits every selected site
    assert _findings(stores, {"ids": ["s1", "dc"], "kind": "store"}) == {}
    found = _findings(stores, {"ids": ["s1", "dc"]})
    assert found[("requires", 0, "capability")].startswith("'store.sell' is not a capability of a dc")
