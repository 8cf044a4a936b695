"""Compromise spreading along control edges: earliest arrival, sampling, reach probability."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftershock.graph import compile_network
from aftershock.graph.spread import (
    NEVER,
    compromise_days,
    reach_probability,
    sample_live_edges,
    worst_case,
)
from aftershock.io import load_scenario
from aftershock.testing import scenario_dict, write_scenario

SERVICES = ["rmm", "pos-a", "pos-b", "app", "wms"]


def network(tmp_path: Path, control: list[dict]):
    return compile_network(load_scenario(write_scenario(tmp_path, scenario_dict(control=control))))


def edge(a: str, b: str, p: float = 1.0, delay: int = 0) -> dict:
    return {"from": a, "to": b, "p": p, "delay_days": delay}


@pytest.fixture
def diamond(tmp_path: Path):
    # rmm → pos-a (2 days) → wms (1 day): 3 days; rmm → wms directly: 5 days
    # rmm → pos-b with p = 0: never in the worst case; app has no incoming edge
    edges = [edge("rmm", "pos-a", 0.5, 2), edge("pos-a", "wms", 0.5, 1), edge("rmm", "wms", 0.2, 5)]
    return network(tmp_path, [*edges, edge("rmm", "pos-b", 0.0, 0)])


def days_by_name(net, days: np.ndarray) -> dict[str, int]:
    return {s: int(d) for s, d in zip(net.service_ids, days, strict=True)}


def test_worst_case_takes_the_earliest_path(diamond) -> None:
    days = days_by_name(diamond, worst_case(diamond, diamond.node("rmm"), 10))
    assert days == {"rmm": 10, "pos-a": 12, "pos-b": NEVER, "app": NEVER, "wms": 13}


def test_compromise_days_per_row_of_live_edges(diamond) -> None:
    live = np.array(
        [
            [True, True, True, True],  # every edge: pos-a on 2, wms via pos-a on 3, pos-b on 0
            [True, False, True, False],  # the chain is broken after pos-a: wms directly on 5
            [False, True, True, False],  # pos-a is never reached, so its edge does not count
            [False, False, False, False],  # only the start
        ]
    )
    days = compromise_days(diamond, diamond.node("rmm"), 0, live)
    order = [diamond.node(s) for s in ("rmm", "pos-a", "pos-b", "wms", "app")]
    assert days[:, order].tolist() == [
        [0, 2, 0, 3, NEVER],
        [0, 2, NEVER, 5, NEVER],
        [0, NEVER, NEVER, 5, NEVER],
        [0, NEVER, NEVER, NEVER, NEVER],
    ]


def test_start_in_the_middle(diamond) -> None:
    days = days_by_name(diamond, worst_case(diamond, diamond.node("pos-a"), 4))
    assert days == {"rmm": NEVER, "pos-a": 4, "pos-b": NEVER, "app": NEVER, "wms": 5}


def test_each_edge_is_sampled_with_its_probability(diamond) -> None:
    n = 40_000
    live = sample_live_edges(diamond, np.random.default_rng(7), n)
    assert live.shape == (n, 4)
    for e, p in enumerate([0.5, 0.5, 0.2, 0.0]):
        se = np.sqrt(p * (1 - p) / n)
        assert abs(live[:, e].mean() - p) <= 4 * se + 1e-12, e
    # edges are drawn independently: the joint frequency is the product
    both = (live[:, 0] & live[:, 2]).mean()
    assert abs(both - 0.1) <= 4 * np.sqrt(0.1 * 0.9 / n)


def test_override_replaces_every_probability(diamond) -> None:
    assert not sample_live_edges(diamond, np.random.default_rng(0), 500, p_override=0.0).any()
    assert sample_live_edges(diamond, np.random.default_rng(0), 500, p_override=1.0).all()


@pytest.mark.parametrize(("p1", "p2"), [(0.3, 0.6), (0.9, 0.5), (1.0, 0.25)])
def test_reach_probability_of_a_two_edge_chain(tmp_path: Path, p1: float, p2: float) -> None:
    net = network(tmp_path, [edge("rmm", "pos-a", p1), edge("pos-a", "wms", p2)])
    n = 20_000
    reach = reach_probability(net, net.node("rmm"), np.random.default_rng(11), samples=n)
    for service, p in {"rmm": 1.0, "pos-a": p1, "wms": p1 * p2, "app": 0.0}.items():
        se = np.sqrt(p * (1 - p) / n)
        assert abs(reach[net.node(service)] - p) <= 4 * se + 1e-12, service


def test_reach_probability_of_two_parallel_paths(tmp_path: Path) -> None:
    # wms via pos-a (0.5 × 0.4) or directly (0.3): 1 − (1 − 0.2)(1 − 0.3) = 0.44
    edges = [edge("rmm", "pos-a", 0.5), edge("pos-a", "wms", 0.4), edge("rmm", "wms", 0.3)]
    net = network(tmp_path, edges)
    n = 20_000
    reach = reach_probability(net, net.node("rmm"), np.random.default_rng(3), samples=n)
    assert abs(reach[net.node("wms")] - 0.44) <= 4 * np.sqrt(0.44 * 0.56 / n)


def test_same_seed_same_spread(diamond) -> None:
    a = sample_live_edges(diamond, np.random.default_rng(5), 100)
    b = sample_live_edges(diamond, np.random.default_rng(5), 100)
    assert np.array_equal(a, b) and a.any() and not a.all()


@st.composite
def attack_graphs(draw: st.DrawFn) -> tuple[list[dict], list[list[bool]]]:
    pairs = list(itertools.permutations(SERVICES, 2))
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=10, unique=True))
    edges = [edge(a, b, 0.5, draw(st.integers(0, 4))) for a, b in chosen]
    rows = draw(
        st.lists(
            st.lists(st.booleans(), min_size=len(edges), max_size=len(edges)),
            min_size=1,
            max_size=4,
        )
    )
    return edges, rows


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(spec=attack_graphs(), start=st.sampled_from(SERVICES), day=st.integers(0, 9))
def test_earliest_arrival_matches_floyd_warshall(
    spec,
    start: str,
    day: int,
    tmp_path_factory,
) -> None:
    edges, rows = spec
    net = network(tmp_path_factory.mktemp("spread"), edges)
    got = compromise_days(net, net.node(start), day, np.array(rows, dtype=bool))
    for r, live in enumerate(rows):
        dist = {(a, b): (0 if a == b else np.inf) for a in SERVICES for b in SERVICES}
        for e, is_live in zip(edges, live, strict=True):
            if is_live:
                key = (e["from"], e["to"])
                dist[key] = min(dist[key], e["delay_days"])
        for k, i, j in itertools.product(SERVICES, repeat=3):
            dist[i, j] = min(dist[i, j], dist[i, k] + dist[k, j])
        far = {s: dist[start, s] for s in net.service_ids}
        want = [day + far[s] if np.isfinite(far[s]) else NEVER for s in net.service_ids]
        assert got[r].tolist() == want
