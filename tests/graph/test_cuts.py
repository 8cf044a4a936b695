"""Minimal cut sets and single points of failure, checked against brute force."""

from __future__ import annotations

from functools import cache
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftershock.graph import compile_network, minimal_cut_sets, single_points_of_failure
from aftershock.graph.cuts import candidate_nodes, zeroed_demand_share
from aftershock.io import load_scenario
from aftershock.model import LoadedScenario
from aftershock.testing import scenario_dict, stores_csv, write_scenario


@st.composite
def networks(draw: st.DrawFn) -> dict:
    services = [f"v{i}" for i in range(draw(st.integers(3, 6)))]
    stores = [
        (f"st{i}", "r", f"g{draw(st.integers(0, 2))}", draw(st.integers(1, 50)))
        for i in range(draw(st.integers(1, 5)))
    ]
    # factors > 0 change capacities but never whether a store sells at all
    alternative = st.builds(
        lambda s, f: {"service": s, "factor": f},
        st.sampled_from(services),
        st.sampled_from([1.0, 0.3]),
    )
    or_groups = st.lists(
        st.lists(alternative, min_size=1, max_size=3, unique_by=lambda a: a["service"]),
        min_size=1,
        max_size=3,
    )
    requires = [
        {
            "site": {"where": {"pos_system": g}},
            "capability": "store.sell",
            "groups": draw(or_groups),
        }
        for g in sorted({s[2] for s in stores})
    ]
    for i in range(1, len(services)):  # services need lower-numbered services: no cycle
        if draw(st.booleans()):
            lower = st.sampled_from(services[:i])
            need = draw(st.lists(lower, min_size=1, max_size=2, unique=True))
            requires.append({"service": services[i], "groups": [[{"service": s}] for s in need]})
    return {
        "services": services,
        "stores": stores,
        "requires": requires,
        "threshold": draw(st.sampled_from([0.01, 0.3, 0.5, 0.99, 1.0])),
    }


def load(folder: Path, spec: dict) -> LoadedScenario:
    data = scenario_dict(
        parties=[{"id": "p"}],
        services=[{"id": s, "party": "p"} for s in spec["services"]],
        control=[],
        requires=spec["requires"],
        incident={"compromise": {"service": spec["services"][0], "day": 1}},
        sites={"stores": {"table": "stores.csv"}, "dcs": [], "channels": []},
    )
    return load_scenario(write_scenario(folder, data, stores_csv(spec["stores"])))


def brute_force(loaded: LoadedScenario, threshold: float, max_order: int) -> set[frozenset[str]]:
    """Every subset of services evaluated as a boolean AND/OR network; keep the minimal cuts."""
    rules = loaded.scenario.requires
    stores = loaded.stores
    services = [s.id for s in loaded.scenario.services]
    demand = stores.demand_units_per_day.tolist()

    def sells(i: int, down: frozenset[str]) -> bool:
        @cache
        def up(service: str) -> bool:
            groups = [g for r in rules if r.service == service for g in r.groups]
            return service not in down and all(any(up(a.service) for a in g) for g in groups)

        groups = [
            g
            for r in rules
            if r.site is not None
            and r.capability == "store.sell"
            and all(stores.attributes[k][i] == v for k, v in (r.site.where or {}).items())
            for g in r.groups
        ]
        return all(any(up(a.service) for a in g) for g in groups)

    cuts = []
    for k in range(len(services) + 1):
        for combo in combinations(services, k):
            down = frozenset(combo)
            zero = sum(d for i, d in enumerate(demand) if not sells(i, down))
            if zero / sum(demand) >= threshold - 1e-12:
                cuts.append(down)
    minimal = {c for c in cuts if not any(other < c for other in cuts)}
    return {c for c in minimal if len(c) <= max_order}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(spec=networks())
def test_cut_sets_equal_brute_force(spec: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    loaded = load(tmp_path_factory.mktemp("cuts"), spec)
    net = compile_network(loaded)
    candidates = [net.node(s) for s in spec["services"]]
    t = spec["threshold"]
    found = minimal_cut_sets(net, "store.sell", threshold=t, max_order=3, candidates=candidates)
    assert {frozenset(c.nodes) for c in found} == brute_force(loaded, t, 3)
    assert all(c.demand_share >= t - 1e-6 for c in found)
    spofs = single_points_of_failure(net, "store.sell", threshold=t)
    assert {frozenset(c.nodes) for c in spofs} == brute_force(loaded, t, 1)


def test_reference_network_cut_sets(tmp_path: Path) -> None:
    net = compile_network(load_scenario(write_scenario(tmp_path)))
    # pos-a stores (s1 s2 s4: 70 of 100 units) sell via pos-a or the app; s3 (30) via pos-b
    cuts = minimal_cut_sets(net, "store.sell", threshold=0.5, max_order=2)
    assert [(c.nodes, c.demand_share) for c in cuts] == [(("pos-a", "app"), 0.7)]
    spofs = single_points_of_failure(net, "store.sell", threshold=0.3)
    assert minimal_cut_sets(net, "store.sell", threshold=0.3, max_order=1) == spofs
    assert [c.nodes for c in spofs] == [("pos-b",)]
    # receiving needs the DC's shipping, which needs the wms: both are single points
    receive = single_points_of_failure(net, "store.receive", threshold=0.5)
    assert [(c.nodes, c.demand_share) for c in receive] == [(("wms",), 1.0), (("dc/dc.ship",), 1.0)]


def test_supersets_of_a_cut_are_not_minimal(tmp_path: Path) -> None:
    net = compile_network(load_scenario(write_scenario(tmp_path)))
    cuts = minimal_cut_sets(net, "store.sell", threshold=0.25, max_order=3)
    names = [set(c.nodes) for c in cuts]
    assert {"pos-b"} in names and {"pos-a", "app"} in names
    assert not any(a < b for a in names for b in names)


def test_default_candidates_are_services_and_dc_or_channel_capabilities(tmp_path: Path) -> None:
    net = compile_network(load_scenario(write_scenario(tmp_path)))
    names = [net.node_ids[n] for n in candidate_nodes(net)]
    assert names[:5] == ["rmm", "pos-a", "pos-b", "app", "wms"]
    assert set(names[5:]) == {
        "dc/dc.receive",
        "dc/dc.pick",
        "dc/dc.ship",
        "dc/wholesale.ordering",
        "web/channel.online",
    }
    assert not any(n.startswith("s1/") for n in names)


def test_zeroed_demand_share_by_hand(tmp_path: Path) -> None:
    net = compile_network(load_scenario(write_scenario(tmp_path)))
    node = net.node
    knocked = [[], [node("pos-b")], [node("pos-a")], [node("pos-a"), node("app")], [node("wms")]]
    shares = zeroed_demand_share(net, knocked, "store.sell").tolist()
    assert shares == pytest.approx([0, 0.3, 0, 0.7, 0])
    assert zeroed_demand_share(net, knocked[-1:], "store.receive").tolist() == [1.0]
