"""The incident timeline: isolation windows, restoration ramps, crews and fallback rollout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aftershock import api
from aftershock.graph import build_timeline, compile_network, propagate
from aftershock.graph.spread import NEVER
from aftershock.graph.timeline import change_days
from aftershock.io import load_scenario
from aftershock.risk.shapes import shape_inputs
from aftershock.sim import build_inputs
from aftershock.sim.engine import capacities, sample_compromise
from aftershock.testing import scenario_dict, stores_csv, write_scenario

FIELDS = ("sell", "receive", "order", "pick", "ship", "online")

#: Seven stores on one till system, listed out of id order; demand is 10 × the id number.
STORES = [("s5", "r", "a", 50), ("s2", "r", "a", 20), ("s7", "r", "a", 70), ("s1", "r", "a", 10)]
STORES += [("s4", "r", "a", 40), ("s6", "r", "a", 60), ("s3", "r", "a", 30)]
BY_DEMAND = ["s7", "s6", "s5", "s4", "s3", "s2", "s1"]

REQUIRES = [
    {
        "site": {"where": {"pos_system": "a"}},
        "capability": "store.sell",
        "groups": [[{"service": "pos-a"}, {"service": "app", "factor": 0.3}]],
    },
    {"site": {"id": "dc"}, "capability": "dc.ship", "groups": [[{"service": "wms"}]]},
]


def build(tmp_path: Path, incident: dict, requires: list[dict] | None = None, stores=STORES):
    data = scenario_dict(requires=requires or REQUIRES, incident=incident)
    loaded = load_scenario(write_scenario(tmp_path, data, stores_csv(stores)))
    net = compile_network(loaded)
    return net, build_timeline(loaded, net)


def per_store(net, tl, values: np.ndarray, slots: np.ndarray) -> dict[str, int]:
    return {net.site_ids[net.slot_site[k]]: int(values[k]) for k in slots}


def capacity_on(net, tl, day: int, compromised: dict[str, int]) -> np.ndarray:
    comp = np.full((1, net.n_services), NEVER)
    for service, when in compromised.items():
        comp[0, net.node(service)] = when
    own = tl.own_state(net, day, comp)
    return propagate(net, own, tl.alt_state(day), tl.slot_state(net, day, comp))[0]


def sell_by_id(net, cap: np.ndarray) -> list[float]:
    sell = dict(zip(net.site_ids, cap[net.store_nodes("store.sell")], strict=False))
    return [round(float(sell[f"s{i}"]), 9) for i in range(1, 8)]


@pytest.mark.parametrize(("crews", "per_crew"), [(1, 1.0), (2, 1.5), (3, 0.5), (1, 2.0)])
def test_crews_visit_stores_by_demand(tmp_path: Path, crews: int, per_crew: float) -> None:
    restore = {"day": 6, "crews": crews, "sites_per_crew_per_day": per_crew, "order": "by_demand"}
    incident = {"compromise": {"service": "rmm", "day": 2}, "restore": {"pos-a": restore}}
    net, tl = build(tmp_path, incident)
    slots = np.flatnonzero(net.slot_service == net.node("pos-a"))
    crew_day = per_store(net, tl, tl.slot_crew_day, slots)
    # j-th store by demand: restore day + floor(j / (crews × sites a crew does a day))
    expected = {s: 6 + int(np.floor(j / (crews * per_crew))) for j, s in enumerate(BY_DEMAND)}
    assert crew_day == expected
    assert not tl.slot_is_fallback.any()


def test_crews_by_id_follow_the_ids_not_the_table_order(tmp_path: Path) -> None:
    restore = {"day": 4, "crews": 1, "sites_per_crew_per_day": 1, "order": "by_id"}
    incident = {"compromise": {"service": "rmm", "day": 2}, "restore": {"pos-a": restore}}
    net, tl = build(tmp_path, incident)
    slots = np.flatnonzero(net.slot_service == net.node("pos-a"))
    assert per_store(net, tl, tl.slot_crew_day, slots) == {f"s{i}": 3 + i for i in range(1, 8)}


def test_random_order_still_visits_each_store_once(tmp_path: Path) -> None:
    restore = {"day": 4, "crews": 2, "sites_per_crew_per_day": 1, "order": "random"}
    incident = {"compromise": {"service": "rmm", "day": 2}, "restore": {"pos-a": restore}}
    net, tl = build(tmp_path, incident)
    assert set(net.slot_site.tolist()) == set(range(7))
    days = sorted(tl.slot_crew_day.tolist())
    assert days == [4, 4, 5, 5, 6, 6, 7]


def test_fallback_rollout_respects_pace_and_max_sites(tmp_path: Path) -> None:
    fallback = {"from_day": 3, "sites_per_day": 2, "max_sites": 5, "order": "by_demand"}
    incident = {"compromise": {"service": "rmm", "day": 2}, "fallbacks": {"app": fallback}}
    net, tl = build(tmp_path, incident)
    slots = np.flatnonzero(tl.slot_is_fallback)
    assert net.slot_service[slots].tolist() == [net.node("app")] * 7
    rollout = per_store(net, tl, tl.slot_fallback_day, slots)
    # two stores a day from day 3, largest first, never more than five
    assert rollout == {"s7": 3, "s6": 3, "s5": 4, "s4": 4, "s3": 5, "s2": NEVER, "s1": NEVER}
    for day in range(2, 12):
        cap = capacity_on(net, tl, day, {"rmm": 2, "pos-a": 2})
        sell = np.array(sell_by_id(net, cap))
        assert set(sell.tolist()) <= {0.0, 0.3}
        assert (sell == 0.3).sum() == min(5, max(0, 2 * (day - 2))), day


def test_crews_and_fallback_together_by_hand(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "rmm", "day": 2},
        "restore": {"pos-a": {"day": 5, "crews": 1, "sites_per_crew_per_day": 2}},
        "fallbacks": {"app": {"from_day": 3, "sites_per_day": 2, "max_sites": 5}},
    }
    net, tl = build(tmp_path, incident)
    # crews: s7 s6 on day 5, s5 s4 on 6, s3 s2 on 7, s1 on 8
    # app (× 0.3): s7 s6 from day 3, s5 s4 from 4, s3 from 5, s2 s1 never
    expected = {
        1: [1, 1, 1, 1, 1, 1, 1],  # before the compromise
        2: [0, 0, 0, 0, 0, 0, 0],
        3: [0, 0, 0, 0, 0, 0.3, 0.3],
        4: [0, 0, 0, 0.3, 0.3, 0.3, 0.3],
        5: [0, 0, 0.3, 0.3, 0.3, 1, 1],
        6: [0, 0, 0.3, 1, 1, 1, 1],
        7: [0, 1, 1, 1, 1, 1, 1],
        8: [1, 1, 1, 1, 1, 1, 1],
    }
    for day, want in expected.items():
        cap = capacity_on(net, tl, day, {} if day < 2 else {"rmm": 2, "pos-a": 2})
        assert sell_by_id(net, cap) == want, day


def test_isolating_a_link_and_a_service(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "rmm", "day": 5},
        "detection_delay_days": 1,
        "forensic_clearance_days": 3,  # default window: detection (6) .. 6 + 3
        "isolate": [
            {"link": {"from": "wms", "to": "dc/dc.ship"}},
            {"service": "pos-b", "from_day": 7, "until_day": 8},
            {"link": {"from": "pos-a", "to": "store/store.sell"}, "from_day": 5, "until_day": 7},
        ],
    }
    data = scenario_dict(incident=incident)
    pick = {"site": {"id": "dc"}, "capability": "dc.pick", "groups": [[{"service": "wms"}]]}
    data["requires"].append(pick)
    loaded = load_scenario(write_scenario(tmp_path, data))
    net = compile_network(loaded)
    tl = build_timeline(loaded, net)
    assert tl.iso_alt_window.tolist() == [[6, 9], [5, 7]]
    assert tl.iso_service_window.tolist() == [[7, 8]]
    # reference stores s1 s2 s4 sell via pos-a or app × 0.3, s3 via pos-b
    expected = {
        # day: (sell s1..s4, dc.ship, dc.pick, pos-b)
        4: ([1, 1, 1, 1], 1, 1, 1),
        5: ([0.3, 0.3, 1, 0.3], 1, 1, 1),  # the pos-a link is cut at every store
        6: ([0.3, 0.3, 1, 0.3], 0, 1, 1),  # wms is cut from shipping only, not from picking
        7: ([1, 1, 0, 1], 0, 1, 0),  # pos-b itself is down for a day
        8: ([1, 1, 1, 1], 0, 1, 1),
        9: ([1, 1, 1, 1], 1, 1, 1),
    }
    comp = np.full((1, net.n_services), NEVER)
    for day, (sell, ship, pick, pos_b) in expected.items():
        own = tl.own_state(net, day, comp)
        cap = propagate(net, own, tl.alt_state(day), tl.slot_state(net, day, comp))[0]
        assert cap[net.store_nodes("store.sell")].tolist() == pytest.approx(sell), day
        assert cap[net.node("dc/dc.ship")] == ship, day
        assert cap[net.store_nodes("store.receive")].tolist() == [ship] * 4, day
        assert cap[net.node("dc/dc.pick")] == pick, day
        assert cap[net.node("pos-b")] == pos_b and cap[net.node("wms")] == 1, day
    assert tl.alt_state(4) is None  # no isolation in force: nothing to multiply


def test_central_restoration_ramps_up(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "rmm", "day": 2},
        "restore": {"wms": {"day": 10, "ramp_days": 3}},
    }
    net, tl = build(tmp_path, incident)
    ship = net.node("dc/dc.ship")
    # up again on day 10 at 1/4, then +1/4 a day
    for day, want in {9: 0, 10: 0.25, 11: 0.5, 12: 0.75, 13: 1, 20: 1}.items():
        assert capacity_on(net, tl, day, {"wms": 3})[ship] == pytest.approx(want), day
    # compromised after the planned day: restoration starts the day after the compromise
    for day, want in {12: 0, 13: 0.25, 16: 1}.items():
        assert capacity_on(net, tl, day, {"wms": 12})[ship] == pytest.approx(want), day
    # without a restoration plan a compromised service stays down
    assert capacity_on(net, tl, 40, {"pos-a": 3})[net.node("pos-a")] == 0


@pytest.mark.parametrize("name", ["ocs-2022", "coop-kaseya-2021"])
def test_capacities_change_only_on_change_days(name: str) -> None:
    inp = build_inputs(api.load(name))
    compromised = sample_compromise(inp, [np.random.default_rng(i) for i in range(12)])
    variants = [inp, shape_inputs(inp, 0, np.arange(12) % 6, 1 + np.arange(12) % 9, 5)]
    for variant in variants:
        changes = change_days(variant.timeline, compromised, variant.horizon_days, variant.rows)
        assert changes[0] and changes.sum() < variant.horizon_days
        before = capacities(variant, 0, compromised)
        for day in range(1, variant.horizon_days):
            now = capacities(variant, day, compromised)
            same = all(np.array_equal(getattr(now, f), getattr(before, f)) for f in FIELDS)
            assert same or changes[day], day
            before = now
