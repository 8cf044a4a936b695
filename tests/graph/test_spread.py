"""Compromise spreading along control edges."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aftershock.graph import compile_network
from aftershock.graph.spread import NEVER, compromise_days, reach_probability, sample_live_edges, worst_case
from aftershock.io import load_scenario
from aftershock.testing import scenario_dict, write_scenario


def chain(tmp_path: Path, p1: float, p2: float, delay: int = 0):
    data = scenario_dict(
        control=[
            {"from": "rmm", "to": "pos-a", "p": p1, "delay_days": delay},
            {"from": "pos-a", "to": "wms", "p": p2, "delay_days": 1},
            {"from": "rmm", "to": "wms", "p": p1 * p2, "delay_days": 5},
        ]
    )
    return compile_network(load_scenario(write_scenario(tmp_path, data)))


def test_worst_case_reaches_everything_with_earliest_arrival(tmp_path: Path) -> None:
    net = chain(tmp_path, 0.5, 0.5, delay=2)
    days = worst_case(net, net.node("rmm"), 10)
    assert days[net.node("rmm")] == 10
    assert days[net.node("pos-a")] == 12
    assert days[net.node("wms")] == 13  # via pos-a (2 + 1) beats the direct edge (5)
    assert days[net.node("app")] == NEVER


def test_sampled_spread_matches_edge_probabilities(tmp_path: Path) -> None:
    net = chain(tmp_path, 0.3, 0.6)
    n = 40_000
    live = sample_live_edges(net, np.random.default_rng(1), n)
    se = np.sqrt(0.3 * 0.7 / n)
    assert abs(live[:, 0].mean() - 0.3) < 4 * se
    days = compromise_days(net, net.node("rmm"), 0, live)
    reached = (days < NEVER).mean(axis=0)
    # wms: via the chain (0.3 × 0.6) or directly (0.18): 1 − (1 − 0.18)²
    expected = 1 - (1 - 0.18) ** 2
    assert abs(reached[net.node("wms")] - expected) < 4 * np.sqrt(expected * (1 - expected) / n)
    probability = reach_probability(net, net.node("rmm"), np.random.default_rng(2), samples=n)
    assert abs(probability[net.node("pos-a")] - 0.3) < 4 * se


def test_override_probability(tmp_path: Path) -> None:
    net = chain(tmp_path, 0.3, 0.6)
    live = sample_live_edges(net, np.random.default_rng(0), 100, p_override=0.0)
    assert not live.any()
