"""The engine agrees with a plain SimPy process model of the same day order (benchmarks/simpy_peer.py).

Deterministic demand: the daily chain series agree to rounding. Poisson demand: the peer
draws from one Generator per store, the engine from one per replication, so the two agree
within sampling error only.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import yaml

from aftershock import api
from aftershock.sim import build_inputs, run
from aftershock.sim.inputs import SimInputs
from aftershock.testing import pause_scenario

PEER = Path(__file__).parents[2] / "benchmarks" / "simpy_peer.py"
COMPARED = ("demand_units", "sales_units", "lost_units", "shipped_units", "backlog_units", "on_hand_units")


def peer() -> ModuleType:
    """benchmarks/simpy_peer.py, imported by path (benchmarks/ is not a package)."""
    if "simpy_peer" not in sys.modules:
        spec = importlib.util.spec_from_file_location("simpy_peer", PEER)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["simpy_peer"] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules["simpy_peer"]


def inputs(folder: Path, changes: dict[str, Any] | None = None, **kwargs: Any) -> SimInputs:
    """A ``pause_scenario`` with top-level YAML keys changed (items, demand, incident ...)."""
    path = pause_scenario(folder, **kwargs)
    if changes:
        data = yaml.safe_load(path.read_text())
        for key, value in changes.items():
            data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return build_inputs(api.load(path))


THREE_ITEMS = {
    "items": [
        {"id": "dry", "demand_share": 0.5},
        {"id": "fresh", "demand_share": 0.3},
        {"id": "frozen", "demand_share": 0.2},
    ]
}

CASES = {
    # daily review, one item: a 4-day pause, then capacity below the backlog for days
    "daily-one-item": (
        {"stores": 6, "review": 1, "lead": 1, "pause": (5, 9), "capacity": 90.0, "on_hand": 28.0},
        None,
    ),
    # weekly review, lead 2, three items, weekday factors: partial shipments split over items
    "weekly-three-items": (
        {"stores": 8, "review": 7, "lead": 2, "pause": (3, 8), "capacity": 150.0, "on_hand": 40.0},
        {**THREE_ITEMS, "demand": {"weekday_factors": [1.0, 0.8, 0.9, 1.1, 1.3, 1.5, 0.4]}},
    ),
    # a pause long enough that stores run out and their open-order queues fill and merge
    "long-pause-stockouts": (
        {"stores": 5, "review": 1, "lead": 1, "pause": (2, 14), "capacity": 60.0, "on_hand": 20.0},
        {"items": THREE_ITEMS["items"][:2]},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_exact_agreement_with_deterministic_demand(tmp_path: Path, case: str) -> None:
    kwargs, changes = CASES[case]
    review, lead = kwargs["review"], kwargs["lead"]
    inp = inputs(tmp_path, changes, demand=7.0, order_up_to=7.0 * (review + lead + 3), horizon=30, **kwargs)
    engine = run(inp, 2, 3)
    other = peer().run(inp, 2, 3)
    for name in COMPARED:
        np.testing.assert_allclose(engine[name], other[name], rtol=1e-12, atol=1e-9, err_msg=name)
    # the scenarios exercise what they are meant to: a backlog to clear, days capacity binds
    assert other["backlog_units"].max() > 0
    assert (other["shipped_units"] >= kwargs["capacity"] - 1e-9).any()
    if case == "long-pause-stockouts":
        assert other["lost_units"].sum() > 0
        assert inp.open_slots < kwargs["pause"][1] - kwargs["pause"][0]  # the queue fills


def test_full_queue_merges_into_the_newest_open_order(tmp_path: Path) -> None:
    # capacity 9 < demand 12: a standing backlog, so freed slots are reused while others stay open;
    # from day 34 the engine merges store 0's orders into its day-11 slot, the peer into its newest
    inp = inputs(
        tmp_path,
        stores=2,
        demand=6.0,
        order_up_to=54.0,
        on_hand=36.0,
        pause=(9, 23),
        capacity=9.0,
        horizon=40,
        lead=2,
        review=1,
    )
    engine, other = run(inp, 1, 3), peer().run(inp, 1, 3)
    for name in COMPARED:
        np.testing.assert_allclose(engine[name], other[name], rtol=1e-12, atol=1e-9, err_msg=name)


def test_peer_refuses_what_it_does_not_model(tmp_path: Path) -> None:
    inp = inputs(
        tmp_path,
        {"behaviour": {"churn_fraction": 0.2}},
        stores=2,
        demand=5.0,
        order_up_to=20.0,
        on_hand=10.0,
        pause=(2, 4),
        capacity=100.0,
    )
    with pytest.raises(AssertionError, match="churn"):
        peer().run(inp, 1, 0)


@pytest.mark.slow
def test_agreement_within_sampling_error_with_poisson_demand(tmp_path: Path) -> None:
    inp = inputs(
        tmp_path,
        {"items": THREE_ITEMS["items"][:2]},
        stores=6,
        demand=6.0,
        order_up_to=40.0,
        on_hand=25.0,
        pause=(4, 9),
        capacity=60.0,
        horizon=25,
        distribution="poisson",
    )
    n = 200
    engine = run(inp, n, 11)
    other = peer().run(inp, n, 11)
    for name in ("lost_units", "sales_units", "shipped_units"):
        a, b = engine[name].sum(axis=1), other[name].sum(axis=1)
        se = np.sqrt(a.var(ddof=1) / n + b.var(ddof=1) / n)
        assert se > 0
        assert abs(a.mean() - b.mean()) < 4 * se, (name, a.mean(), b.mean(), se)
    # and the streams do differ: this is a statistical comparison, not a replay
    assert not np.array_equal(engine["demand_units"], other["demand_units"])
