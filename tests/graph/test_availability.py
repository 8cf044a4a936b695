"""AND/OR propagation with partial capacity, isolation and per-site slots: answers by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aftershock.graph import build_timeline, compile_network, propagate
from aftershock.graph.spread import NEVER
from aftershock.io import load_scenario
from aftershock.testing import scenario_dict, write_scenario


def compiled(tmp_path: Path, **changes):
    loaded = load_scenario(write_scenario(tmp_path, scenario_dict(**changes)))
    net = compile_network(loaded)
    return loaded, net, build_timeline(loaded, net)


def sell(net, cap: np.ndarray) -> np.ndarray:
    return cap[0, net.store_nodes("store.sell")]


def test_or_of_alternatives_with_a_partial_factor(tmp_path: Path) -> None:
    # stores s1, s2, s4 sell via pos-a OR app (0.3); s3 via pos-b
    _, net, _ = compiled(tmp_path)
    own = np.ones((1, net.n_nodes))
    assert sell(net, propagate(net, own)).tolist() == [1, 1, 1, 1]
    own[0, net.node("pos-a")] = 0
    assert sell(net, propagate(net, own)).tolist() == pytest.approx([0.3, 0.3, 1, 0.3])
    own[0, net.node("app")] = 0.5  # the app itself at half capacity: 0.5 × 0.3
    assert sell(net, propagate(net, own)).tolist() == pytest.approx([0.15, 0.15, 1, 0.15])


def test_and_of_groups_takes_the_weakest(tmp_path: Path) -> None:
    data = scenario_dict()
    # selling at pos-a stores also needs the wms (group 2): min over groups
    data["requires"][0]["groups"].append([{"service": "wms", "factor": 0.8}])
    loaded = load_scenario(write_scenario(tmp_path, data))
    net = compile_network(loaded)
    own = np.ones((1, net.n_nodes))
    assert sell(net, propagate(net, own)).tolist() == pytest.approx([0.8, 0.8, 1, 0.8])
    own[0, net.node("pos-a")] = 0  # max(0, 0.3) = 0.3 < 0.8
    assert sell(net, propagate(net, own)).tolist() == pytest.approx([0.3, 0.3, 1, 0.3])


def test_chain_through_a_dc_capability(tmp_path: Path) -> None:
    # store.receive needs dc/dc.ship which needs wms: a two-level chain
    _, net, _ = compiled(tmp_path)
    own = np.ones((1, net.n_nodes))
    own[0, net.node("wms")] = 0.25
    cap = propagate(net, own)
    assert cap[0, net.node("dc/dc.ship")] == pytest.approx(0.25)
    assert cap[0, net.store_nodes("store.receive")].tolist() == pytest.approx([0.25] * 4)


def test_batches_are_independent(tmp_path: Path) -> None:
    _, net, _ = compiled(tmp_path)
    own = np.ones((3, net.n_nodes))
    own[1, net.node("pos-b")] = 0
    own[2, net.node("wms")] = 0
    cap = propagate(net, own)
    assert sell(net, cap[[0]]).tolist() == [1, 1, 1, 1]
    assert sell(net, cap[[1]]).tolist() == [1, 1, 0, 1]
    assert cap[2, net.node("dc/dc.ship")] == 0 and cap[1, net.node("dc/dc.ship")] == 1


def test_isolating_a_link_or_a_service(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "rmm", "day": 5},
        "forensic_clearance_days": 3,
        "isolate": [
            {"link": {"from": "wms", "to": "dc/dc.ship"}},
            {"service": "pos-b", "from_day": 6, "until_day": 7},
        ],
    }
    _, net, tl = compiled(tmp_path, incident=incident)
    comp = np.full((1, net.n_services), NEVER)
    for day, ship, pos_b in [(4, 1, 1), (5, 0, 1), (6, 0, 0), (7, 0, 1), (8, 1, 1)]:
        cap = propagate(net, tl.own_state(net, day, comp), tl.alt_state(day), tl.slot_state(net, day, comp))
        assert cap[0, net.node("dc/dc.ship")] == ship, day  # link cut on days 5..7 (detection + 3)
        assert cap[0, net.store_nodes("store.sell")][2] == pos_b, day


def test_crews_and_fallback_rollout_per_site(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "rmm", "day": 2},
        "restore": {"pos-a": {"day": 4, "crews": 1, "sites_per_crew_per_day": 2, "order": "by_demand"}},
        "fallbacks": {"app": {"from_day": 3, "sites_per_day": 1, "max_sites": 2, "order": "by_id"}},
    }
    _, net, tl = compiled(tmp_path, incident=incident)
    site = {net.site_ids[s]: s for s in range(net.n_stores)}
    crew = {
        net.site_ids[net.slot_site[k]]: int(tl.slot_crew_day[k])
        for k in np.flatnonzero(net.slot_service == net.node("pos-a"))
    }
    # by demand: s4 (40), s2 (20), s1 (10); 2 sites a day from day 4
    assert crew == {"s4": 4, "s2": 4, "s1": 5}
    fall = {
        net.site_ids[net.slot_site[k]]: int(tl.slot_fallback_day[k])
        for k in np.flatnonzero(tl.slot_is_fallback)
    }
    # by id, one a day from day 3, at most two sites
    assert fall == {"s1": 3, "s2": 4, "s4": int(NEVER)}
    comp = np.full((1, net.n_services), NEVER)
    comp[0, [net.node("rmm"), net.node("pos-a")]] = 2
    expected = {2: [0, 0, 1, 0], 3: [0.3, 0, 1, 0], 4: [0.3, 1, 1, 1], 5: [1, 1, 1, 1]}
    for day, want in expected.items():
        cap = propagate(net, tl.own_state(net, day, comp), tl.alt_state(day), tl.slot_state(net, day, comp))
        assert sell(net, cap).tolist() == pytest.approx(want), day
    assert site  # ids resolved
