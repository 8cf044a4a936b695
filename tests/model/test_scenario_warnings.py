"""Warnings: suspicious inputs of a valid scenario, each located by key path, never an error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aftershock import api
from aftershock.io import read_store_table
from aftershock.model import Scenario, StoreDefaults, StoreFrame
from aftershock.model.warnings import reachable_services, scenario_warnings, stores_of_dcs
from aftershock.testing import scenario_dict, stores_csv, write_scenario


@pytest.fixture
def stores(tmp_path: Path) -> StoreFrame:
    path = tmp_path / "stores.csv"
    path.write_text(stores_csv(), encoding="utf-8")  # demand 10 + 20 + 30 + 40 = 100 a day
    return read_store_table(path, "stores.csv", StoreDefaults())


def warnings(stores: StoreFrame, data: dict) -> dict[tuple, str]:
    return dict(scenario_warnings(Scenario.model_validate(data), stores))


def test_the_reference_network_has_no_warning(stores: StoreFrame) -> None:
    assert warnings(stores, scenario_dict()) == {}


def test_bundled_scenarios_have_no_warning() -> None:
    for name in ("ocs-2022", "coop-kaseya-2021", "grocer-3dc"):
        assert api.load(name).warnings == ()


# a. a DC whose normal capacity is below its stores' normal demand


def test_dc_capacity_below_normal_demand(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["sites"]["dcs"][0]["pick_capacity_units_per_day"] = 80
    found = warnings(stores, data)
    message = found[("sites", "dcs", 0, "pick_capacity_units_per_day")]
    assert "80 units a day" in message and "100 units a day" in message
    assert "4 store(s)" in message and "about 20 units a day" in message
    assert "before any incident" in message


def test_dc_capacity_at_normal_demand_is_fine(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["sites"]["dcs"][0]["pick_capacity_units_per_day"] = 100
    assert warnings(stores, data) == {}


def test_dc_demand_is_the_mean_over_the_week(stores: StoreFrame) -> None:
    data = scenario_dict(demand={"weekday_factors": [1.4] * 5 + [0.0, 0.0]})  # mean 1.0
    data["sites"]["dcs"][0]["pick_capacity_units_per_day"] = 100
    assert warnings(stores, data) == {}
    data["demand"]["weekday_factors"] = [1.5] * 7
    assert ("sites", "dcs", 0, "pick_capacity_units_per_day") in warnings(stores, data)


# b. a DC with no stores


def test_a_second_dc_serves_no_store(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["sites"]["stores"]["defaults"] = {"dc": "dc"}
    data["sites"]["dcs"].append({"id": "dc-north", "pick_capacity_units_per_day": 500})
    found = warnings(stores, data)
    assert list(found) == [("sites", "dcs", 1)]
    assert "DC 'dc-north' serves no store" in found[("sites", "dcs", 1)]
    assert "sites.stores.defaults.dc sends every store to 'dc'" in found[("sites", "dcs", 1)]


def test_a_standby_dc_that_backs_up_another_serves_no_store_of_its_own(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["sites"]["stores"]["defaults"] = {"dc": "dc"}
    data["sites"]["dcs"][0]["backups"] = [{"dc": "dc-standby"}]
    data["sites"]["dcs"].append({"id": "dc-standby", "pick_capacity_units_per_day": 500})
    # the reference network's stores receive only through dc's dc.ship, which would block the
    # standby (a warning of its own, below): give them the standby's trucks as another way in
    data["requires"][3]["groups"] = [
        [{"site": "dc", "capability": "dc.ship"}, {"site": "dc-standby", "capability": "dc.ship"}]
    ]
    assert warnings(stores, data) == {}


def two_dc_frame(tmp_path: Path) -> StoreFrame:
    """s1, s2 (10 and 20 a day) at 'dc'; s3, s4 (30 and 40) at 'dc-north'; weekly review."""
    path = tmp_path / "stores.csv"
    header = ["id", "region", "pos_system", "demand_units_per_day", "dc"]
    rows = [
        ("s1", "north", "a", 10, "dc"),
        ("s2", "north", "a", 20, "dc"),
        ("s3", "south", "b", 30, "dc-north"),
        ("s4", "south", "a", 40, "dc-north"),
    ]
    path.write_text(stores_csv(rows, header), encoding="utf-8")
    return read_store_table(path, "stores.csv", StoreDefaults())


@pytest.mark.parametrize("north_first", [False, True])
def test_dc_capacity_is_judged_on_each_dcs_own_stores(tmp_path: Path, north_first: bool) -> None:
    frame = two_dc_frame(tmp_path)
    data = scenario_dict()
    dcs = [
        {"id": "dc", "pick_capacity_units_per_day": 25},  # its stores need 30 a day
        {"id": "dc-north", "pick_capacity_units_per_day": 75},  # its stores need 70: enough
    ]
    data["sites"]["dcs"] = dcs[::-1] if north_first else dcs
    at = 1 if north_first else 0  # the warning points at the DC where it is listed
    found = warnings(frame, data)
    assert list(found) == [("sites", "dcs", at, "pick_capacity_units_per_day")]
    message = found[("sites", "dcs", at, "pick_capacity_units_per_day")]
    assert "25 units a day" in message and "the 2 store(s) it serves, 30 units a day" in message
    # 100 units a day in all would be above 75, but dc-north's own stores need 70
    data["sites"]["dcs"][1 - at]["pick_capacity_units_per_day"] = 69
    found = warnings(frame, data)
    assert (
        "the 2 store(s) it serves, 70 units a day"
        in found[("sites", "dcs", 1 - at, "pick_capacity_units_per_day")]
    )


def test_order_cap_is_judged_on_the_stores_of_the_dcs_it_covers(tmp_path: Path) -> None:
    frame = two_dc_frame(tmp_path)
    data = scenario_dict()
    data["sites"]["dcs"].append({"id": "dc-north", "pick_capacity_units_per_day": 1000})
    # normal order lines: 70 and 140 at 'dc', 210 and 280 at 'dc-north' (175 over the chain)
    data["plan"] = {"order_cap": {"units": 150, "dcs": ["dc"]}}
    assert warnings(frame, data) == {}
    data["plan"] = {"order_cap": {"units": 150, "dcs": ["dc-north"]}}
    message = warnings(frame, data)[("plan", "order_cap", "units")]
    assert "at the stores of 'dc-north'" in message and "median 245 units" in message
    assert "100% of normal order lines are larger" in message
    data["plan"] = {"order_cap": {"units": 150}}
    assert "median 175 units" in warnings(frame, data)[("plan", "order_cap", "units")]


def test_a_dc_column_decides_which_dc_serves_a_store(tmp_path: Path) -> None:
    path = tmp_path / "stores.csv"
    header = ["id", "region", "pos_system", "demand_units_per_day", "dc"]
    rows = [("s1", "north", "a", 10, "dc"), ("s2", "north", "a", 20, "dc")]
    path.write_text(stores_csv(rows, header), encoding="utf-8")
    frame = read_store_table(path, "stores.csv", StoreDefaults())
    data = scenario_dict()
    data["sites"]["dcs"].append({"id": "dc-north", "pick_capacity_units_per_day": 500})
    scenario = Scenario.model_validate(data)
    served = stores_of_dcs(scenario, frame)
    assert served["dc"].tolist() == [True, True] and served["dc-north"].tolist() == [False, False]
    found = dict(scenario_warnings(scenario, frame))
    assert "no store in the store table names 'dc-north'" in found[("sites", "dcs", 1)]


def test_every_dc_with_an_empty_store_table(stores: StoreFrame) -> None:
    empty = StoreFrame(
        ids=np.array([], dtype=object),
        demand_units_per_day=np.zeros(0),
        on_hand_units=np.zeros(0),
        order_up_to_units=np.zeros(0),
        reorder_point_units=np.zeros(0),
        lead_time_days=np.zeros(0, dtype=int),
        review_period_days=np.zeros(0, dtype=int),
        order_weekday=np.zeros(0, dtype=int),
        attributes={"region": np.array([], dtype=object)},
    )
    data = scenario_dict(requires=[], control=[])
    found = dict(scenario_warnings(Scenario.model_validate(data), empty))
    assert "the store table has no stores" in found[("sites", "dcs", 0)]


# c. a restore entry for a service that can never be compromised


def test_restore_of_a_service_no_attack_path_reaches(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["incident"]["restore"] = {"pos-a": {"day": 9}, "pos-b": {"day": 9}}
    found = warnings(stores, data)
    assert list(found) == [("incident", "restore", "pos-b")]
    assert "'pos-b' can never be compromised" in found[("incident", "restore", "pos-b")]
    assert "from 'rmm'" in found[("incident", "restore", "pos-b")]


def test_restore_reached_over_several_edges_or_from_a_threat(stores: StoreFrame) -> None:
    data = scenario_dict(control=[{"from": "rmm", "to": "pos-a", "p": 0.2}, {"from": "pos-a", "to": "wms"}])
    data["incident"]["restore"] = {"wms": {"day": 9}, "pos-b": {"day": 9}}
    data["threats"] = [
        {
            "service": "pos-b",
            "frequency_per_year": {"dist": "point", "value": 0.1},
            "outage_days": {"dist": "point", "value": 5},
        }
    ]
    assert warnings(stores, data) == {}


def test_an_edge_with_p_zero_is_no_attack_path(stores: StoreFrame) -> None:
    scenario = Scenario.model_validate(scenario_dict(control=[{"from": "rmm", "to": "pos-a", "p": 0.0}]))
    assert reachable_services(scenario, ["rmm"]) == {"rmm"}


# d. an order cap below a normal order


def test_order_cap_in_units_below_a_normal_order_line(stores: StoreFrame) -> None:
    # review period 7 days: normal order lines 70, 140, 210, 280 units (median 175)
    found = warnings(stores, scenario_dict(plan={"order_cap": {"units": 100}}))
    message = found[("plan", "order_cap", "units")]
    assert "100 units per order line" in message and "median 175 units" in message
    assert "75% of normal order lines are larger" in message


def test_order_cap_above_a_normal_order_line_is_fine(stores: StoreFrame) -> None:
    assert warnings(stores, scenario_dict(plan={"order_cap": {"units": 200}})) == {}
    assert warnings(stores, scenario_dict(plan={"order_cap": {"fraction_of_normal": 1.0}})) == {}


def test_order_cap_as_a_share_below_a_normal_order(stores: StoreFrame) -> None:
    found = warnings(stores, scenario_dict(plan={"order_cap": {"fraction_of_normal": 0.5}}))
    assert "allows 50% of a normal order line" in found[("plan", "order_cap", "fraction_of_normal")]


# located on load, carried by every output


def test_loading_locates_warnings_by_line_and_blames_overrides(tmp_path: Path) -> None:
    data = scenario_dict()
    data["sites"]["dcs"][0]["pick_capacity_units_per_day"] = 50
    path = write_scenario(tmp_path, data)
    (w,) = api.load(path).warnings
    assert w.source == "scenario.yaml" and w.field == "sites.dcs[0].pick_capacity_units_per_day"
    text = path.read_text(encoding="utf-8").splitlines()
    assert "pick_capacity_units_per_day: 50" in text[w.line - 1]
    assert str(w).startswith(f"scenario.yaml:{w.line}: sites.dcs[0].pick_capacity_units_per_day: ")
    assert api.validate(path)["warnings"] == [w.as_dict()]
    (o,) = api.load(path, ["sites.dcs.0.pick_capacity_units_per_day=60"]).warnings
    assert o.source == "--set" and o.line is None and "60 units a day" in o.message


# e. rules on DC capabilities that change nothing or block a backup


def test_dc_receive_without_supply_changes_nothing_and_says_so(stores: StoreFrame) -> None:
    data = scenario_dict()
    data["requires"].append(
        {"site": {"id": "dc"}, "capability": "dc.receive", "groups": [[{"service": "wms"}]]}
    )
    found = warnings(stores, data)
    key = ("requires", len(data["requires"]) - 1, "capability")
    assert "dc.receive of 'dc' changes no result" in found[key]
    data["sites"]["dcs"][0]["supply"] = {"suppliers": [{"lead_time_days": 2}]}
    assert key not in warnings(stores, data)  # with supply the rule gates inbound


def test_store_receive_through_its_own_dc_blocks_its_backup(tmp_path: Path) -> None:
    from aftershock.testing import two_dc_scenario

    path = two_dc_scenario(
        tmp_path,
        stores={"a": [10], "b": [10]},
        capacity={"a": 100, "b": 100},
        backups={"a": [{"dc": "b"}]},
    )
    data = Scenario.model_validate(__import__("yaml").safe_load(path.read_text())).model_dump(by_alias=True)
    data["requires"].append(
        {
            "site": {"where": {"dc": "a"}},
            "capability": "store.receive",
            "groups": [[{"site": "a", "capability": "dc.ship"}]],
        }
    )
    table = read_store_table(tmp_path / "stores.csv", "stores.csv", StoreDefaults())
    found = warnings(table, data)
    key = ("requires", len(data["requires"]) - 1, "groups")
    assert "its backup (b) can never deliver to them" in found[key]
    # another way in (the backup's own dc.ship as an alternative) is not blocked
    data["requires"][-1]["groups"] = [
        [{"site": "a", "capability": "dc.ship"}, {"site": "b", "capability": "dc.ship"}]
    ]
    assert key not in warnings(table, data)
