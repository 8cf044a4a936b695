"""The engine agrees with a naive NumPy model of the same day order (benchmarks/numpy_peer.py).

Deterministic demand: the daily chain series agree to rounding, as with the SimPy peer
(tests/sim/test_peer.py). Poisson demand: the peer draws from one Generator for all
replications and stores, the engine from one per replication, so they agree within
sampling error only.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from aftershock.sim import run
from aftershock.testing import assert_same_means, benchmark_module, pause_inputs

COMPARED = ("demand_units", "sales_units", "lost_units", "shipped_units", "backlog_units", "on_hand_units")


def peer() -> ModuleType:
    """benchmarks/numpy_peer.py."""
    return benchmark_module("numpy_peer")


inputs = pause_inputs


CASES = {
    # daily review: a 4-day pause, then a capacity below the backlog for days (FIFO restart
    # that ships some stores' oldest orders in part and leaves the next ones waiting)
    "daily-capacity-bound-restart": (
        {"stores": 6, "review": 1, "lead": 1, "pause": (5, 9), "capacity": 45.0, "on_hand": 28.0},
        None,
    ),
    # weekly review, lead 2, weekday factors: stores run out during the pause
    "weekly-weekday-factors": (
        {"stores": 8, "review": 7, "lead": 2, "pause": (3, 8), "capacity": 70.0, "on_hand": 40.0},
        {"demand": {"weekday_factors": [1.0, 0.8, 0.9, 1.1, 1.3, 1.5, 0.4]}},
    ),
    # a standing backlog (capacity 9 < demand 12) after a long pause, lead 2, daily review
    "standing-backlog": (
        {"stores": 2, "review": 1, "lead": 2, "pause": (9, 15), "capacity": 11.0, "on_hand": 36.0},
        None,
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
    a, b = kwargs["pause"]
    assert (other["shipped_units"][:, a:b] == 0).all()
    assert other["backlog_units"][:, b - 1].min() > 0
    bound = np.isclose(other["shipped_units"], kwargs["capacity"])
    assert bound[:, b:].any(axis=1).all()
    assert other["lost_units"].sum() > 0


def test_refuses_what_it_does_not_model(tmp_path: Path) -> None:
    common = {
        "stores": 2,
        "demand": 5.0,
        "order_up_to": 20.0,
        "on_hand": 10.0,
        "pause": (2, 4),
        "capacity": 100.0,
    }
    churn = inputs(tmp_path / "churn", {"behaviour": {"churn_fraction": 0.2}}, **common)
    with pytest.raises(AssertionError, match="churn"):
        peer().run(churn, 1, 0)
    items = {"items": [{"id": "dry", "demand_share": 0.6}, {"id": "fresh", "demand_share": 0.4}]}
    with pytest.raises(AssertionError, match="one item"):
        peer().run(inputs(tmp_path / "items", items, **common), 1, 0)
    with pytest.raises(AssertionError, match="order caps"):
        cap = {"units": 3, "from_day": 2, "until_day": 10}
        peer().run(inputs(tmp_path / "cap", cap=cap, **common), 1, 0)


def test_refuses_a_full_open_order_queue(tmp_path: Path) -> None:
    # daily review and a 12-day pause: more open orders than the engine's slots (it merges them)
    inp = inputs(tmp_path, stores=2, demand=6.0, order_up_to=90.0, on_hand=80.0, pause=(2, 14), capacity=50.0)
    assert inp.open_slots < 12
    with pytest.raises(AssertionError, match="queue is full"):
        peer().run(inp, 1, 0)


@pytest.mark.slow
def test_agreement_within_sampling_error_with_poisson_demand(tmp_path: Path) -> None:
    inp = inputs(
        tmp_path,
        stores=6,
        demand=6.0,
        order_up_to=70.0,
        on_hand=40.0,
        pause=(4, 9),
        capacity=45.0,
        horizon=28,
        review=7,
        distribution="poisson",
    )
    n = 400
    engine = run(inp, n, 11)
    other = peer().run(inp, n, 11)
    assert_same_means(engine, other, n)
