"""Compiling a scenario to arrays: nodes, groups by level, slots and control edges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aftershock.graph import CAPABILITIES, compile_network, propagate
from aftershock.io import load_scenario
from aftershock.testing import scenario_dict, write_scenario


@pytest.fixture
def net(tmp_path: Path):
    data = scenario_dict(
        incident={
            "compromise": {"service": "rmm", "day": 5},
            "restore": {"pos-a": {"day": 7, "crews": 1, "sites_per_crew_per_day": 1}},
            "fallbacks": {"app": {"from_day": 6, "sites_per_day": 1}},
        },
        control=[{"from": "rmm", "to": "pos-a", "p": 0.4, "delay_days": 2}],
    )
    return compile_network(load_scenario(write_scenario(tmp_path, data)))


def test_nodes_are_services_then_site_capabilities(net) -> None:
    assert net.service_ids == ("rmm", "pos-a", "pos-b", "app", "wms")
    assert net.node_ids[: net.n_services] == net.service_ids
    assert net.site_ids == ("s1", "s2", "s3", "s4", "dc", "web")
    assert net.n_stores == 4
    # 4 stores × 4 store capabilities + 1 DC × 4 + 1 channel × 1
    assert net.n_nodes == 5 + 16 + 4 + 1
    assert net.node("s3/store.sell") == net.store_nodes("store.sell")[2]
    assert net.node_ids[net.node("dc/dc.ship")] == "dc/dc.ship"
    row = CAPABILITIES.index("channel.online")
    assert net.site_node[row].tolist() == [-1, -1, -1, -1, -1, net.node("web/channel.online")]


def test_groups_are_sorted_by_level(net) -> None:
    level_of_target = []
    for lvl, (start, end) in enumerate(net.level_group_bounds):
        level_of_target += [lvl] * (end - start)
    pairs = zip(net.group_target, level_of_target, strict=True)
    targets = {net.node_ids[t]: lvl for t, lvl in pairs}
    # store.sell and dc.ship need services only; store.receive needs dc.ship
    assert targets["s1/store.sell"] == targets["dc/dc.ship"] == 0
    assert targets["s1/store.receive"] == 1
    assert np.all(np.diff(net.alt_group) >= 0)  # alternatives are grouped
    assert net.group_target.size == 4 + 4 + 1  # sell per store, receive per store, dc.ship


def test_one_slot_per_slotted_service_and_store(net) -> None:
    # pos-a is restored on site and app is a fallback: both get a slot at s1, s2, s4
    pairs = zip(net.slot_service, net.slot_site, strict=True)
    slots = {(net.service_ids[s], net.site_ids[t]) for s, t in pairs}
    assert slots == {(svc, s) for svc in ("pos-a", "app") for s in ("s1", "s2", "s4")}
    sell_s3 = net.alt_group[net.alt_slot >= 0]
    assert net.node("s3/store.sell") not in net.group_target[sell_s3]
    factors = net.alt_factor[net.alt_source == net.node("app")]
    assert factors.tolist() == [0.3, 0.3, 0.3]


def test_control_edges_and_demand(net) -> None:
    assert (net.control_from.tolist(), net.control_to.tolist()) == ([0], [1])
    assert net.control_p.tolist() == [0.4] and net.control_delay_days.tolist() == [2]
    assert net.store_demand_units_per_day.tolist() == [10, 20, 30, 40]


def test_alternatives_matching_a_link(net) -> None:
    one = net.alternatives_matching("wms", "dc/dc.ship")
    assert one.sum() == 1 and net.alt_source[one][0] == net.node("wms")
    every_store = net.alternatives_matching("pos-a", "store/store.sell")
    assert every_store.sum() == 3  # s1, s2, s4 sell through pos-a
    assert not net.alternatives_matching("pos-a", "dc/dc.ship").any()


def test_no_slots_without_on_site_restore_or_fallback(tmp_path: Path) -> None:
    net = compile_network(load_scenario(write_scenario(tmp_path)))
    assert net.slot_service.size == 0 and (net.alt_slot == -1).all()


def _order_rules(tmp_path: Path, *sites: dict):
    """The reference network plus a store.order rule on wms for each selector."""
    data = scenario_dict()
    for site in sites:
        data["requires"].append({"site": site, "capability": "store.order", "groups": [[{"service": "wms"}]]})
    return compile_network(load_scenario(write_scenario(tmp_path, data)))


def _ordering_without_wms(net) -> list[float]:
    own = np.ones((1, net.n_nodes))
    own[0, net.node("wms")] = 0.0
    return propagate(net, own)[0, net.store_nodes("store.order")].tolist()


@pytest.mark.parametrize(
    ("site", "cut_off"),
    [
        # stores: s1 north/a, s2 north/a, s3 south/b, s4 south/a
        ({"kind": "store", "where": {"region": "south"}}, [1.0, 1.0, 0.0, 0.0]),
        ({"kind": "store", "where": {"region": "south", "pos_system": "a"}}, [1.0, 1.0, 1.0, 0.0]),
        # before selectors combined, ids won and where was ignored: s3 would be cut off too
        ({"ids": ["s1", "s3", "s4"], "where": {"pos_system": "a"}}, [0.0, 1.0, 1.0, 0.0]),
        ({"ids": ["s2", "dc"], "kind": "store"}, [1.0, 0.0, 1.0, 1.0]),
        ({"id": "s3", "kind": "store", "where": {"pos_system": "b"}}, [1.0, 1.0, 0.0, 1.0]),
    ],
)
def test_combined_selectors_compile_to_the_sites_meeting_every_key(
    tmp_path: Path, site: dict, cut_off: list[float]
) -> None:
    net = _order_rules(tmp_path, site)
    targets = {net.node_ids[t] for t in net.group_target}
    order_targets = sorted(t for t in targets if t.endswith("/store.order"))
    expected = [f"s{i + 1}/store.order" for i, v in enumerate(cut_off) if v == 0.0]
    assert order_targets == expected
    assert _ordering_without_wms(net) == cut_off


def test_a_selector_without_combination_compiles_as_before(tmp_path: Path) -> None:
    # one key alone selects what it always did; the bundled scenarios use only these
    net = _order_rules(tmp_path, {"where": {"pos_system": "a"}}, {"id": "s3"})
    assert _ordering_without_wms(net) == [0.0, 0.0, 0.0, 0.0]
