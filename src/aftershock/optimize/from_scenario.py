"""From a scenario to the recovery LP: the situation on the restart morning, expected demand ahead."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from aftershock.model.stores import LoadedScenario
from aftershock.optimize.lp import LPInputs
from aftershock.sim.engine import advance, capacities
from aftershock.sim.inputs import SimInputs
from aftershock.sim.runner import replication_seeds


def _plan_profile(profile: np.ndarray, start: int, days: int) -> np.ndarray:
    """``profile[start : start + days]``, zero-padded past its end."""
    out = np.zeros(days)
    part = profile[start : start + days]
    out[: part.size] = part
    return out


def delivery_slots(order: np.ndarray, runs_per_day: np.ndarray, days: int) -> np.ndarray:
    """(S, T) bool: store ``order[k]`` is reached on the days its turn in the delivery round comes.

    Day after day the fleet reaches ``runs_per_day[t]`` stores, going round the stores in
    ``order`` (most urgent first) and starting again once every store has had a delivery.
    """
    stores = order.size
    slots = np.zeros((stores, days), dtype=bool)
    position = 0
    for t in range(days):
        reach = int(min(max(runs_per_day[t], 0), stores))
        picked = order[(position + np.arange(reach)) % stores]
        slots[picked, t] = True
        position = (position + reach) % stores
    return slots


def restart_day(inp: SimInputs, compromised_on: np.ndarray) -> int:
    """First day after the compromise on which the DC can ship again."""
    start = inp.timeline.start_day
    for day in range(start, inp.horizon_days):
        cap = capacities(inp, day, compromised_on)
        if day > start and float(np.minimum(cap.pick, cap.ship)[0]) > 0:
            return day
    return inp.horizon_days - 1


def lp_inputs(
    loaded: LoadedScenario,
    inp: SimInputs,
    *,
    objective: str = "lost-sales",
    budget_shifts: float | None = None,
    max_shifts_per_day: float = 2.0,
    integer_shifts: bool = False,
    seed: int = 0,
) -> tuple[LPInputs, int]:
    """The LP for the scenario's recovery, and the day it starts (the restart day).

    The situation at the restart comes from one deterministic engine run up to that day (with
    the incident path of replication 0 of ``seed``); demand ahead is its expectation, scaled by
    each store's selling capacity along that path. The plan's own surge and caps are left out:
    deciding them is the optimiser's job.
    """
    quiet = replace(inp, distribution="deterministic", has_cap=False)
    quiet = replace(
        quiet, surge_pick=np.zeros_like(inp.surge_pick), surge_delivery=np.zeros_like(inp.surge_delivery)
    )
    seeds = replication_seeds(seed, 0, 1)
    _, compromised_on = advance(quiet, seeds, 0)
    t0 = restart_day(quiet, compromised_on)
    state, _ = advance(quiet, seeds, t0)
    days = inp.horizon_days - t0
    s_n, i_n = inp.base_demand.shape
    demand = np.empty((s_n, i_n, days))
    capacity = np.empty(days)
    ship_share = np.empty(days)
    for k in range(days):
        day = t0 + k
        cap = capacities(quiet, day, compromised_on)
        weekday = (inp.first_weekday + day) % 7
        demand[:, :, k] = inp.base_demand * inp.weekday_factors[weekday] * cap.sell[0][:, None]
        capacity[k] = inp.pick_capacity_units * float(min(cap.pick[0], cap.ship[0]))
        ship_share[k] = float(cap.ship[0])
    # stores order on their review days what they sold since the previous one
    absolute = t0 + np.arange(days)
    phase = inp.first_weekday + absolute[None, :] - inp.order_weekday[:, None]
    is_review = (phase % inp.review_period_days[:, None]) == 0
    sold_since = np.cumsum(demand, axis=2)
    new_orders = np.zeros_like(demand)
    last = np.zeros((s_n, i_n))
    for k in range(days):
        rows = is_review[:, k]
        new_orders[rows, :, k] = sold_since[rows, :, k] - last[rows]
        last[rows] = sold_since[rows, :, k]
    ring = state.pipeline.shape[2]
    arrivals = np.zeros((s_n, i_n, days))
    for b in range(ring):
        # ring slot b holds what arrives on the next day d >= t0 with d % ring == b
        day = t0 + ((b - t0) % ring)
        if day - t0 < days:
            arrivals[:, :, day - t0] += state.pipeline[0, :, b, :]
    dc = loaded.scenario.sites.dcs[0] if loaded.scenario.sites.dcs else None
    shifts = dc.shifts_per_day if dc else 1
    cost = max((s.cost_per_shift for s in loaded.scenario.plan.surge), default=0.0)
    schedule = None
    if np.isfinite(inp.delivery_capacity_stores):
        # delivery runs reach a whole number of stores a day: give each store its delivery days,
        # the least covered first, so the LP plans within what the fleet can actually reach
        runs = inp.delivery_capacity_stores * ship_share * (1.0 + _plan_profile(inp.surge_delivery, t0, days))
        daily = np.maximum(demand.mean(axis=2).sum(axis=1), 1e-9)
        cover = (state.on_hand[0].sum(axis=1) + arrivals.sum(axis=(1, 2))) / daily
        schedule = delivery_slots(np.argsort(cover, kind="stable"), np.floor(runs).astype(np.int64), days)
    weight = inp.item_margin if objective == "margin" else np.ones(i_n)
    return (
        LPInputs(
            demand=demand,
            on_hand=state.on_hand[0],
            arrivals=arrivals,
            owed=state.open_units[0].sum(axis=1),
            new_orders=new_orders,
            lead_time_days=inp.lead_time_days,
            capacity_units=capacity,
            units_per_shift=inp.pick_capacity_units / shifts,
            max_shifts_per_day=max_shifts_per_day,
            budget_shifts=budget_shifts,
            cost_per_shift=cost,
            lost_weight=np.maximum(weight, 1e-9),
            integer_shifts=integer_shifts,
            ship_allowed=schedule,
        ),
        t0,
    )
