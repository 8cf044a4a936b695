"""Cross-reference checks: each finding is a (location, message) pair the loader maps to a line."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from aftershock.io import read_store_table
from aftershock.model import Scenario, StoreDefaults, StoreFrame
from aftershock.model.checks import check_scenario, requires_digraph
from aftershock.testing import scenario_dict, stores_csv


@pytest.fixture
def stores(tmp_path: Path) -> StoreFrame:
    path = tmp_path / "stores.csv"
    header = ["id", "region", "pos_system", "tier", "demand_units_per_day"]
    rows = [
        ("s1", "north", "a", "A", 10),
        ("s2", "north", "a", "B", 20),
        ("s3", "south", "b", "A", 30),
    ]
    path.write_text(stores_csv(rows, header), encoding="utf-8")
    return read_store_table(path, "stores.csv", StoreDefaults())


def findings(stores: StoreFrame, data: dict) -> dict[tuple, str]:
    return dict(check_scenario(Scenario.model_validate(data), stores))


def test_the_reference_network_is_consistent(stores: StoreFrame) -> None:
    assert findings(stores, scenario_dict()) == {}


def test_compromise_day_inside_the_horizon(stores: StoreFrame) -> None:
    found = findings(stores, scenario_dict(horizon_days=5))
    message = "expected a day inside the horizon (0..4), got 5"
    assert found == {("incident", "compromise", "day"): message}
    assert findings(stores, scenario_dict(horizon_days=6)) == {}


def test_ids_must_be_unique_across_kinds_and_stores(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["sites"]["channels"].append({"id": "s2"})  # a store id
    data["items"].append({"id": "rmm"})  # a service id
    found = findings(stores, data)
    assert found[("sites.channels", 1, "id")] == "id 's2' is also a store id in the store table"
    assert found[("items", 1, "id")] == "id 'rmm' is already used in services"


def test_a_selector_that_picks_nothing(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["requires"][0]["site"]["where"] = {"pos_system": "a", "tier": []}
    assert findings(stores, data) == {("requires", 0, "site"): "the selector picks no site"}


def test_selector_by_unknown_site_id(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["requires"][2]["site"] = {"id": "dcc"}
    found = findings(stores, data)
    assert found[("requires", 2, "site")].startswith("unknown site 'dcc'; did you mean 'dc'?")


def test_alternative_on_a_site_without_that_capability(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["requires"][3]["groups"] = [[{"site": "web", "capability": "dc.ship"}]]
    found = findings(stores, data)
    assert found[("requires", 3, "groups", 0, 0, "capability")] == (
        "'dc.ship' is not a capability of channel 'web' (a channel has: channel.online)"
    )


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("dc/dc.shp", "unknown capability 'dc.shp'; did you mean 'dc.ship'?"),
        ("store/dc.ship", "'dc.ship' is not a store capability"),
        ("dcx/dc.ship", "unknown site 'dcx'; did you mean 'dc'?"),
        ("wmx", "unknown service 'wmx'; did you mean 'wms'?"),
    ],
)
def test_isolated_link_must_name_a_consumer(stores: StoreFrame, to: str, message: str) -> None:
    data = scenario_dict()
    data["incident"]["isolate"] = [{"link": {"from": "wms", "to": to}}]
    found = findings(stores, data)
    assert found[("incident", "isolate", 0, "link", "to")].startswith(message)


def test_plan_names_store_columns_and_their_values(stores: StoreFrame) -> None:
    found = findings(stores, scenario_dict(plan={"allocation": "priority"}))
    assert "needs plan.priority_attribute" in found[("plan", "allocation")]
    found = findings(stores, scenario_dict(plan={"priority_attribute": "tiers"}))
    assert found[("plan", "priority_attribute")].startswith(
        "unknown store attribute 'tiers'; did you mean 'tier'?"
    )
    plan = {"allocation": "priority", "priority_attribute": "tier", "priority_order": ["A", "C"]}
    found = findings(stores, scenario_dict(plan=plan))
    assert found == {("plan", "priority_order", 1): "unknown value of 'tier' 'C' (known: A, B)"}


def test_a_scenario_cannot_ask_for_the_planned_policy(stores: StoreFrame) -> None:
    found = findings(stores, scenario_dict(plan={"allocation": "planned"}))
    assert "follows a dispatch plan from `aftershock optimize`" in found[("plan", "allocation")]


def test_surge_and_threats(stores: StoreFrame) -> None:
    data = scenario_dict(
        plan={"surge": [{"from_day": 20}]},
        threats=[
            {"service": "rmn", "frequency_per_year": {"value": 1}, "outage_days": {"value": 1}},
        ],
    )
    found = findings(stores, data)
    message = "expected a day inside the horizon (0..19), got 20"
    assert found[("plan", "surge", 0, "from_day")] == message
    assert found[("threats", 0, "service")].startswith("unknown service 'rmn'; did you mean 'rmm'?")


def test_requires_graph_collapses_stores_per_capability(stores: StoreFrame) -> None:
    graph = requires_digraph(Scenario.model_validate(scenario_dict()), stores)
    assert set(graph.edges) == {
        ("pos-a", "store/store.sell"),
        ("app", "store/store.sell"),
        ("pos-b", "store/store.sell"),
        ("wms", "dc/dc.ship"),
        ("dc/dc.ship", "store/store.receive"),
    }
    assert nx.is_directed_acyclic_graph(graph)


def test_only_one_cycle_is_reported_per_scenario(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["requires"] += [
        {"service": "rmm", "groups": [[{"service": "app"}]]},
        {"service": "app", "groups": [[{"service": "rmm"}]]},
        {"service": "pos-b", "groups": [[{"service": "wms"}]]},
        {"service": "wms", "groups": [[{"service": "pos-b"}]]},
    ]
    found = findings(stores, data)
    cycles = [m for m in found.values() if "cycle" in m]
    assert len(cycles) == 1 and "requires edges form a cycle: " in cycles[0]


def test_unknown_names_are_quoted_short(tmp_path: Path) -> None:
    # a store-table cell may be 100,000 characters: a message quotes names, it never dumps them
    path = tmp_path / "stores.csv"
    rows = [("s1", "r" * 5000, "a", 1), ("s2", "north", "a", 1)]
    path.write_text(stores_csv(rows), encoding="utf-8")
    stores = read_store_table(path, "stores.csv", StoreDefaults())
    rule = {
        "site": {"where": {"region": "x" * 5000}},
        "capability": "store.sell",
        "groups": [[{"service": "app"}]],
    }
    [message] = findings(stores, scenario_dict(requires=[rule])).values()
    assert len(message) < 200
    assert message.startswith("unknown value of 'region' '" + "x" * 37 + "...'")
