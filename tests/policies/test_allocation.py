"""The common suite every registered allocation policy must pass, plus known answers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from aftershock import api
from aftershock.errors import UsageError
from aftershock.policies import DispatchContext, allocation_policies, get_policy
from aftershock.sim import build_inputs
from aftershock.sim import run as run_sim
from aftershock.sim.inputs import EMPTY_SLOT
from aftershock.testing import scenario_dict, write_scenario

POLICIES = sorted(allocation_policies())


def context(reps: int, stores: int, items: int, on_hand: np.ndarray | None = None) -> DispatchContext:
    return DispatchContext(
        on_hand=np.zeros((reps, stores, items)) if on_hand is None else on_hand,
        in_transit=np.zeros((reps, stores, items)),
        base_demand=np.ones((stores, items)),
        store_rank=np.arange(stores)[::-1].copy(),
        day=3,
    )


@st.composite
def dispatch_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, DispatchContext]:
    reps, stores, slots, items = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 5)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
    )
    units = st.floats(0, 100, allow_nan=False)
    open_units = draw(hnp.arrays(float, (reps, stores, slots, items), elements=units))
    days = draw(hnp.arrays(np.int64, (reps, stores, slots), elements=st.integers(0, 20)))
    empty = open_units.sum(axis=3) == 0
    days = np.where(empty, EMPTY_SLOT, days)
    capacity = draw(hnp.arrays(float, (reps,), elements=st.floats(0, 600, allow_nan=False)))
    on_hand = draw(hnp.arrays(float, (reps, stores, items), elements=units))
    return open_units, days, capacity, context(reps, stores, items, on_hand)


@pytest.mark.parametrize("name", POLICIES)
@settings(max_examples=60, deadline=None)
@given(case=dispatch_cases())
def test_every_policy_respects_owed_and_capacity(name: str, case: tuple) -> None:
    open_units, days, capacity, ctx = case
    shipped = get_policy(name)(open_units, days, capacity, ctx)
    assert shipped.shape == open_units.shape
    assert (shipped >= 0).all()
    assert (shipped <= open_units + 1e-9).all()
    total = shipped.sum(axis=(1, 2, 3))
    assert (total <= capacity + 1e-6).all()
    # work-conserving: ships as much as it may
    owed = open_units.sum(axis=(1, 2, 3))
    np.testing.assert_allclose(total, np.minimum(owed, capacity), rtol=1e-6, atol=1e-6)


def test_known_answers_on_two_stores() -> None:
    # store 0 owes 10 (ordered day 5), store 1 owes 30 (ordered day 2); capacity 20
    open_units = np.array([[[[10.0]], [[30.0]]]])
    days = np.array([[[5], [2]]])
    cap = np.array([20.0])
    on_hand = np.array([[[8.0], [0.0]]])
    ctx = context(1, 2, 1, on_hand)
    ship = {n: get_policy(n)(open_units, days, cap, ctx)[0, :, 0, 0] for n in POLICIES}
    np.testing.assert_allclose(ship["fifo"], [0, 20])  # day 2 first
    np.testing.assert_allclose(ship["proportional"], [5, 15])  # 20/40 of each
    np.testing.assert_allclose(ship["lowest-cover-first"], [0, 20])  # store 1 has 0 days
    # equal cover T: (T-8) + T = 20 -> T = 14 -> store 0 gets 6, store 1 gets 14
    np.testing.assert_allclose(ship["fair-share"], [6, 14], atol=1e-6)
    np.testing.assert_allclose(ship["priority"], [0, 20])  # rank: store 1 first


def test_unknown_policy_lists_known_names() -> None:
    with pytest.raises(UsageError, match=r"did you mean 'fifo'.*known: fair-share, fifo"):
        get_policy("fifoo")


KEYS = ("store_on_hand_units", "initial_on_hand_units", "received_units", "final_on_hand_units")
KEYS += ("sales_units", "shipped_units")


def simulate_with(name: str, path: Path) -> dict[str, np.ndarray]:
    """Daily arrays of 3 replications (seed 5) under policy ``name``."""
    if name != "planned":
        ds = api.simulate(path, replications=3, seed=5, keep_store_days=True).dataset
        return {k: ds[k].values for k in KEYS}
    # a scenario cannot ask for 'planned' (it has no plan): give the engine one, as optimize does
    inp = build_inputs(api.load(path))
    plan = np.random.default_rng(1).uniform(0, 15, (inp.n_stores, len(inp.item_ids), inp.horizon_days))
    raw = run_sim(replace(inp, allocation="planned", planned_units=plan), 3, 5, keep_store_days=True)
    return {k: raw[k] for k in KEYS}


@pytest.mark.parametrize("name", POLICIES)
def test_every_policy_conserves_units_in_the_engine(name: str, tmp_path: Path) -> None:
    data = scenario_dict(
        plan={"allocation": "fifo" if name == "planned" else name, "priority_attribute": "region"}
    )
    data["sites"]["dcs"][0]["pick_capacity_units_per_day"] = 60
    data["incident"] = {
        "compromise": {"service": "rmm", "day": 3},
        "isolate": [{"service": "wms", "from_day": 3, "until_day": 8}],
    }
    path = write_scenario(tmp_path, data)
    ds = simulate_with(name, path)
    assert (ds["store_on_hand_units"] >= 0).all()
    np.testing.assert_allclose(
        ds["initial_on_hand_units"] + ds["received_units"].sum(axis=1),
        ds["final_on_hand_units"] + ds["sales_units"].sum(axis=1),
    )
    shipped = ds["shipped_units"]
    assert (shipped <= 60 + 1e-9).all() and (shipped[:, 3:8] == 0).all()
    assert np.array_equal(simulate_with(name, path)["sales_units"], ds["sales_units"])
