"""Minimal cut sets checked against brute force on random networks (hypothesis)."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftershock.graph import compile_network, minimal_cut_sets, single_points_of_failure
from aftershock.io import load_scenario
from aftershock.testing import scenario_dict, stores_csv, write_scenario


@st.composite
def networks(draw: st.DrawFn) -> dict:
    n_services = draw(st.integers(3, 6))
    services = [f"s{i}" for i in range(n_services)]
    n_stores = draw(st.integers(1, 5))
    stores = [
        (f"st{i}", "r", f"g{draw(st.integers(0, 2))}", draw(st.integers(1, 50))) for i in range(n_stores)
    ]
    requires = []
    for group in sorted({s[2] for s in stores}):
        groups = draw(
            st.lists(
                st.lists(st.sampled_from(services), min_size=1, max_size=3, unique=True),
                min_size=1,
                max_size=3,
            )
        )
        requires.append(
            {
                "site": {"where": {"pos_system": group}},
                "capability": "store.sell",
                "groups": [[{"service": s} for s in g] for g in groups],
            }
        )
    # services may need lower-numbered services: no cycles
    for i in range(1, n_services):
        if draw(st.booleans()):
            need = draw(st.lists(st.sampled_from(services[:i]), min_size=1, max_size=2, unique=True))
            requires.append({"service": services[i], "groups": [[{"service": s}] for s in need]})
    return {
        "services": services,
        "stores": stores,
        "requires": requires,
        "threshold": draw(st.sampled_from([0.01, 0.5, 0.99])),
    }


def brute_force(spec: dict, max_order: int) -> set[frozenset[str]]:
    """Evaluate the boolean AND/OR structure directly for every subset; keep minimal cuts."""
    rules: dict[str, list[list[str]]] = {}
    for r in spec["requires"]:
        key = r.get("service") or f"stores:{r['site']['where']['pos_system']}"
        rules.setdefault(key, []).extend([[a["service"] for a in g] for g in r["groups"]])

    def up(node: str, down: frozenset[str]) -> bool:
        if node in down:
            return False
        return all(any(up(a, down) for a in group) for group in rules.get(node, []))

    total = sum(s[3] for s in spec["stores"])
    cuts: set[frozenset[str]] = set()
    for k in range(1, max_order + 1):
        for combo in combinations(spec["services"], k):
            down = frozenset(combo)
            if any(c <= down for c in cuts):
                continue
            zero = sum(s[3] for s in spec["stores"] if not up(f"stores:{s[2]}", down))
            if zero / total >= spec["threshold"] - 1e-12:
                cuts.add(down)
    return cuts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=networks())
def test_cut_sets_equal_brute_force(spec: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    data = scenario_dict(
        parties=[{"id": "p"}],
        services=[{"id": s, "party": "p"} for s in spec["services"]],
        control=[],
        requires=spec["requires"],
        incident={"compromise": {"service": spec["services"][0], "day": 1}},
        sites={"stores": {"table": "stores.csv"}, "dcs": [], "channels": []},
    )
    path = write_scenario(tmp_path_factory.mktemp("cuts"), data, stores_csv(spec["stores"]))
    net = compile_network(load_scenario(path))
    candidates = [net.node(s) for s in spec["services"]]
    found = minimal_cut_sets(
        net, "store.sell", threshold=spec["threshold"], max_order=3, candidates=candidates
    )
    assert {frozenset(c.nodes) for c in found} == brute_force(spec, 3)
    spofs = {c.nodes[0] for c in single_points_of_failure(net, "store.sell", threshold=spec["threshold"])}
    assert spofs == {next(iter(c)) for c in brute_force(spec, 1)}


def test_reference_network_cut_sets(tmp_path: Path) -> None:
    net = compile_network(load_scenario(write_scenario(tmp_path)))
    cuts = minimal_cut_sets(net, "store.sell", threshold=0.5, max_order=2)
    # pos-a stores (70% of demand) need pos-a or the app: only both together zero them
    assert [c.nodes for c in cuts] == [("pos-a", "app")]
    assert cuts[0].demand_share == pytest.approx(0.7)
    receive = single_points_of_failure(net, "store.receive", threshold=0.5)
    assert {c.nodes for c in receive} == {("wms",), ("dc/dc.ship",)}
