"""AND/OR capacity propagation with partial capacity: answers worked out by hand.

capacity(node) = own(node) × min over groups ( max over alternatives ( capacity(source) × factor ) )
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftershock.graph import compile_network, propagate
from aftershock.io import load_scenario
from aftershock.model import LoadedScenario
from aftershock.testing import scenario_dict, stores_csv, write_scenario

SERVICES = ["a", "b", "c", "d", "erp", "wms", "tms"]

#: Stores: s1 sells through an AND of two ORs, s2 through 'a' alone.
STORES = [("s1", "north", "x", 10), ("s2", "south", "y", 30)]

REQUIRES = [
    {
        "site": {"where": {"pos_system": "x"}},
        "capability": "store.sell",
        "groups": [
            [{"service": "a"}, {"service": "b", "factor": 0.5}],
            [{"service": "c"}, {"service": "d", "factor": 0.3}],
        ],
    },
    {
        "site": {"where": {"pos_system": "y"}},
        "capability": "store.sell",
        "groups": [[{"service": "a"}]],
    },
    {"service": "wms", "groups": [[{"service": "erp"}]]},
    {
        "site": {"id": "dc"},
        "capability": "dc.ship",
        "groups": [[{"service": "wms"}], [{"service": "tms"}]],
    },
    {"site": {"id": "dc"}, "capability": "dc.pick", "groups": [[{"service": "wms"}]]},
    {
        "site": {"kind": "store"},
        "capability": "store.receive",
        "groups": [[{"site": "dc", "capability": "dc.ship", "factor": 0.9}]],
    },
]


def network_data(requires: list[dict], services: list[str], first: str) -> dict:
    return scenario_dict(
        parties=[{"id": "p"}],
        services=[{"id": s, "party": "p"} for s in services],
        control=[],
        requires=requires,
        incident={"compromise": {"service": first, "day": 1}},
        sites={
            "stores": {"table": "stores.csv"},
            "dcs": [{"id": "dc", "pick_capacity_units_per_day": 100}],
            "channels": [],
        },
    )


@pytest.fixture
def net(tmp_path: Path):
    path = write_scenario(tmp_path, network_data(REQUIRES, SERVICES, "a"), stores_csv(STORES))
    return compile_network(load_scenario(path))


def capacity(net, own: dict[str, float]) -> dict[str, float]:
    """Capacity of every node by id, with the given own states (1 elsewhere)."""
    state = np.ones((1, net.n_nodes))
    for node, value in own.items():
        state[0, net.node(node)] = value
    cap = propagate(net, state)[0]
    return {n: float(cap[i]) for i, n in enumerate(net.node_ids)}


@pytest.mark.parametrize(
    ("own", "s1_sell", "s2_sell"),
    [
        ({}, 1.0, 1.0),  # min(max(1, .5), max(1, .3)) = 1
        ({"a": 0}, 0.5, 0.0),  # min(max(0, .5), max(1, .3)) = .5; s2 has only a
        ({"a": 0, "c": 0}, 0.3, 0.0),  # min(.5, .3)
        ({"a": 0, "b": 0}, 0.0, 0.0),  # the first OR is empty
        ({"c": 0, "d": 0}, 0.0, 1.0),  # the second OR is empty
        ({"a": 0.6, "c": 0.2}, 0.3, 0.6),  # min(max(.6, .5), max(.2, .3)) = .3
        # min(max(.2, .5 × .5), max(.1, .5 × .3)) = min(.25, .15): the weaker fallbacks win
        ({"a": 0.2, "b": 0.5, "c": 0.1, "d": 0.5}, 0.15, 0.2),
    ],
)
def test_and_of_ors_with_partial_factors(net, own: dict, s1_sell: float, s2_sell: float) -> None:
    cap = capacity(net, own)
    assert cap["s1/store.sell"] == pytest.approx(s1_sell)
    assert cap["s2/store.sell"] == pytest.approx(s2_sell)


def test_a_fallback_at_three_tenths(tmp_path: Path) -> None:
    # the reference network: pos-a stores (s1, s2, s4) sell via pos-a OR app × 0.3
    net = compile_network(load_scenario(write_scenario(tmp_path)))
    sell = net.store_nodes("store.sell")
    own = np.ones((3, net.n_nodes))
    own[1, net.node("pos-a")] = 0  # app alone: 0.3
    own[2, net.node("pos-a")] = 0
    own[2, net.node("app")] = 0.5  # app at half capacity: 0.5 × 0.3 = 0.15
    cap = propagate(net, own)[:, sell]
    expected = [[1, 1, 1, 1], [0.3, 0.3, 1, 0.3], [0.15, 0.15, 1, 0.15]]
    np.testing.assert_allclose(cap, expected, rtol=0, atol=1e-12)


def test_chain_through_a_dc_capability(net) -> None:
    # erp → wms → dc.ship (also needs tms) → store.receive (× 0.9)
    cap = capacity(net, {"erp": 0.5})
    assert cap["wms"] == pytest.approx(0.5)  # 1 × 0.5
    assert cap["dc/dc.ship"] == pytest.approx(0.5)  # min(0.5, tms 1)
    assert cap["dc/dc.pick"] == pytest.approx(0.5)
    assert cap["s1/store.receive"] == cap["s2/store.receive"] == pytest.approx(0.45)  # 0.5 × 0.9
    cap = capacity(net, {"erp": 0.5, "tms": 0.2, "dc/dc.ship": 0.5})
    assert cap["dc/dc.ship"] == pytest.approx(0.1)  # own 0.5 × min(0.5, 0.2)
    assert cap["dc/dc.pick"] == pytest.approx(0.5)  # pick does not need tms
    assert cap["s1/store.receive"] == pytest.approx(0.09)
    assert cap["s1/store.sell"] == 1.0  # selling does not depend on the DC


def test_nothing_required_means_own_state(net) -> None:
    cap = capacity(net, {"s1/store.pickup": 0.7, "tms": 0.25})
    assert cap["s1/store.pickup"] == pytest.approx(0.7)
    assert cap["tms"] == pytest.approx(0.25)
    assert cap["s2/store.order"] == 1.0


def test_batches_are_independent(net) -> None:
    own = np.ones((3, net.n_nodes))
    own[1, net.node("a")] = 0
    own[2, net.node("erp")] = 0
    cap = propagate(net, own)
    s1, s2 = net.node("s1/store.sell"), net.node("s2/store.sell")
    receive = net.node("s1/store.receive")
    assert cap[:, s1].tolist() == pytest.approx([1, 0.5, 1])
    assert cap[:, s2].tolist() == pytest.approx([1, 0, 1])
    assert cap[:, receive].tolist() == pytest.approx([0.9, 0.9, 0])


def test_alternative_states_cut_single_edges(net) -> None:
    alt = np.ones(net.alt_source.size)
    alt[net.alternatives_matching("a", "s1/store.sell")] = 0  # only s1's edge from a
    cap = propagate(net, np.ones((1, net.n_nodes)), alt)[0]
    assert cap[net.node("s1/store.sell")] == pytest.approx(0.5)  # falls back to b × 0.5
    assert cap[net.node("s2/store.sell")] == 1.0
    assert cap[net.node("a")] == 1.0


def test_one_dimensional_own_state_is_one_batch(net) -> None:
    own = np.ones(net.n_nodes)
    own[net.node("a")] = 0
    cap = propagate(net, own)
    assert cap.shape == (1, net.n_nodes) and cap[0, net.node("s2/store.sell")] == 0
    assert own[net.node("a")] == 0 and own.sum() == net.n_nodes - 1  # the input is not changed


# --- random networks against a recursive evaluator ---------------------------------


@st.composite
def weighted_networks(draw: st.DrawFn) -> dict:
    services = [f"v{i}" for i in range(draw(st.integers(2, 6)))]
    n_stores = draw(st.integers(1, 5))
    stores = [(f"st{i}", "r", f"g{draw(st.integers(0, 2))}", 1 + i) for i in range(n_stores)]
    alternative = st.builds(
        lambda s, f: {"service": s, "factor": f},
        st.sampled_from(services),
        st.sampled_from([1.0, 0.5, 0.3]),
    )
    groups = st.lists(st.lists(alternative, min_size=1, max_size=3), min_size=1, max_size=3)
    requires = [
        {"site": {"where": {"pos_system": g}}, "capability": "store.sell", "groups": draw(groups)}
        for g in sorted({s[2] for s in stores})
    ]
    if draw(st.booleans()):
        everywhere = {"site": {"kind": "store"}, "capability": "store.sell", "groups": draw(groups)}
        requires.append(everywhere)
    for i in range(1, len(services)):  # a service needs lower-numbered ones only: no cycle
        if draw(st.booleans()):
            lower = st.builds(lambda s: {"service": s}, st.sampled_from(services[:i]))
            requires.append(
                {
                    "service": services[i],
                    "groups": draw(st.lists(st.lists(lower, min_size=1), min_size=1, max_size=2)),
                }
            )
    own = {s: draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])) for s in services}
    return {"services": services, "stores": stores, "requires": requires, "own": own}


def expected_sell(loaded: LoadedScenario, own: dict[str, float]) -> list[float]:
    """Sell capacity per store, by recursion over the validated scenario's rules."""
    rules = loaded.scenario.requires

    @cache
    def service(ident: str) -> float:
        groups = [g for r in rules if r.service == ident for g in r.groups]
        return own[ident] * min((best(g) for g in groups), default=1.0)

    def best(group) -> float:
        return max(service(a.service) * a.factor for a in group)

    out = []
    for i in range(len(loaded.stores)):
        groups = []
        for r in rules:
            if r.capability != "store.sell" or r.site is None:
                continue
            where = r.site.where or {}
            if all(loaded.stores.attributes[k][i] == v for k, v in where.items()):
                groups += r.groups
        out.append(min((best(g) for g in groups), default=1.0))
    return out


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(spec=weighted_networks())
def test_propagation_matches_a_recursive_evaluator(spec: dict, tmp_path_factory) -> None:
    data = network_data(spec["requires"], spec["services"], spec["services"][0])
    data["sites"]["dcs"] = []
    path = write_scenario(tmp_path_factory.mktemp("net"), data, stores_csv(spec["stores"]))
    loaded = load_scenario(path)
    net = compile_network(loaded)
    own = np.ones((1, net.n_nodes))
    for s, value in spec["own"].items():
        own[0, net.node(s)] = value
    cap = propagate(net, own)[0, net.store_nodes("store.sell")]
    assert cap.tolist() == pytest.approx(expected_sell(loaded, spec["own"]))
