"""The engine agrees with a plain SimPy process model of the same day order."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from aftershock import api
from aftershock.sim import build_inputs, run
from aftershock.testing import pause_scenario

PEER = Path(__file__).parents[2] / "benchmarks" / "simpy_peer.py"


def peer():
    spec = importlib.util.spec_from_file_location("simpy_peer", PEER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["simpy_peer"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("stores", "review", "lead", "pause", "capacity"),
    [(6, 1, 1, (5, 9), 90.0), (8, 7, 2, (3, 8), 150.0), (5, 3, 1, (10, 13), 1e6)],
)
def test_exact_agreement_with_deterministic_demand(
    tmp_path: Path, stores: int, review: int, lead: int, pause: tuple[int, int], capacity: float
) -> None:
    path = pause_scenario(
        tmp_path,
        stores=stores,
        demand=7.0,
        order_up_to=7.0 * (review + lead + 3),
        on_hand=7.0 * 4,
        pause=pause,
        capacity=capacity,
        horizon=30,
        lead=lead,
        review=review,
    )
    inp = build_inputs(api.load(path))
    engine = run(inp, 2, 3)
    other = peer().run(inp, 2, 3)
    for name in ("sales_units", "lost_units", "shipped_units", "backlog_units"):
        np.testing.assert_allclose(engine[name], other[name], rtol=1e-9, atol=1e-6, err_msg=name)
    assert other["backlog_units"].max() > 0  # the pause does build a backlog to clear


@pytest.mark.slow
def test_agreement_within_sampling_error_with_poisson_demand(tmp_path: Path) -> None:
    path = pause_scenario(
        tmp_path,
        stores=6,
        demand=6.0,
        order_up_to=40.0,
        on_hand=25.0,
        pause=(4, 9),
        capacity=60.0,
        horizon=25,
        distribution="poisson",
    )
    inp = build_inputs(api.load(path))
    n = 200
    a = run(inp, n, 11)["lost_units"].sum(axis=1)
    b = peer().run(replace(inp), n, 12)["lost_units"].sum(axis=1)
    se = np.sqrt(a.var(ddof=1) / n + b.var(ddof=1) / n)
    assert abs(a.mean() - b.mean()) < 4 * se, (a.mean(), b.mean(), se)
