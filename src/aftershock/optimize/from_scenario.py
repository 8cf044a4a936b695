"""From a scenario to the recovery LP: the situation on the restart morning, expected demand ahead.

The LP starts on the restart day (the first day after the compromise on which the DC can
ship again) from the state one deterministic engine run reaches along the worst-case
incident path (the attack crosses every control edge it can). Demand ahead
is its expectation: base demand × weekday factor × each store's selling capacity on that
path. Capacity a day is the DC's pick capacity × the pick/ship capability × (1 + the
surge the scenario is given (`aftershock optimize` gives it the scenario without its extra
shifts: the LP's extra shifts take their place).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from aftershock.model.stores import LoadedScenario
from aftershock.optimize.lp import LPInputs
from aftershock.sim.engine import advance, capacities, sample_compromise
from aftershock.sim.inputs import SimInputs
from aftershock.sim.runner import replication_seeds

#: What the LP can minimise: lost units, or lost margin plus the cost of extra shifts.
OBJECTIVES = ("lost-sales", "margin")
#: Objective cost of one extra shift when the objective counts units (a tie-break: shifts are
#: used whenever they save a unit, within the budget, and never for nothing).
SHIFT_TIE_BREAK = 1e-3


@dataclass(frozen=True)
class RecoveryOptions:
    """What the LP from a scenario minimises and within which limits (the options of ``api.optimize``)."""

    objective: str = "lost-sales"  # one of OBJECTIVES
    budget_shifts: float | None = None  # extra shifts over the plan in all (None: no limit)
    max_shifts_per_day: float = 2.0
    integer_shifts: bool = False
    stockout_weight: float = 0.0  # cost of a store line ending a day with no stock
    max_groups: int = 60  # store lines are pooled into at most about this many groups


def without_extra_shifts(loaded: LoadedScenario) -> LoadedScenario:
    """The scenario with its surge plan's extra picking (shifts and pick share) taken out.

    The LP decides the extra shifts itself, so it starts from this scenario; the surge plan's
    extra delivery hours and its window stay.
    """
    plan = loaded.scenario.plan
    surge = [s.model_copy(update={"extra_shifts": 0, "extra_pick_fraction": 0.0}) for s in plan.surge]
    return loaded.with_plan(plan.model_copy(update={"surge": surge}))


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
    for t in range(days):  # days only: each day is one vectorised pick
        reach = int(min(max(runs_per_day[t], 0), stores))
        picked = order[(position + np.arange(reach)) % stores]
        slots[picked, t] = True
        position = (position + reach) % stores
    return slots


def visit_order(cover_days: np.ndarray, daily_units: np.ndarray) -> np.ndarray:
    """Stores in the order the delivery runs should reach them: soonest out of stock first,
    and among stores that run out on the same day, the biggest sellers first.

    A store that is out of stock loses its daily sales for every day it waits, so among
    stores equally short of stock, visiting the one that sells most first loses least
    (Smith's rule with equal visit times).
    """
    return np.lexsort((-daily_units, np.floor(np.maximum(cover_days, 0.0))))


def worst_case_inputs(inp: SimInputs) -> SimInputs:
    """The inputs with the attack crossing every control edge it can cross (probability 1).

    Every draw of the engine's spread then gives the worst-case incident path: the latest
    restart, the most services to restore.
    """
    tl = inp.timeline
    p = (
        inp.net.control_p
        if tl.spread_p_override is None
        else np.full_like(inp.net.control_p, tl.spread_p_override)
    )
    return replace(
        inp,
        net=replace(inp.net, control_p=np.where(p > 0, 1.0, 0.0)),
        timeline=replace(tl, spread_p_override=None),
    )


def restart_day(inp: SimInputs, compromised_on: np.ndarray) -> int:
    """First day after the compromise on which the DC can ship again (replication 0)."""
    return int(restart_days(inp, compromised_on[:1])[0])


def restart_days(inp: SimInputs, compromised_on: np.ndarray) -> np.ndarray:
    """Per replication, the first day after the compromise on which the DC can ship again.

    ``compromised_on`` is (R, services) as :func:`aftershock.sim.engine.sample_compromise`
    draws it; a replication whose DC never ships again gets the last day.
    """
    start = inp.timeline.start_day
    out = np.full(compromised_on.shape[0], inp.horizon_days - 1, dtype=np.int64)
    found = np.zeros(out.size, dtype=bool)
    for day in range(start + 1, inp.horizon_days):  # days only; capacities are vectorised over R
        cap = capacities(inp, day, compromised_on)
        ships = (np.minimum(cap.pick, cap.ship) > 0).all(axis=1) & ~found
        out[ships] = day
        found |= ships
        if found.all():
            break
    return out


def replication_restart_days(inp: SimInputs, replications: int, seed: int) -> np.ndarray:
    """The day the DC restarts in each replication of a run with ``seed`` (the engine's own draws)."""
    rngs = [np.random.default_rng(s) for s in replication_seeds(seed, 0, replications)]
    return restart_days(inp, sample_compromise(inp, rngs))


def store_orders(
    inp: SimInputs, position: np.ndarray, demand: np.ndarray, can_order: np.ndarray, t0: int
) -> np.ndarray:
    """(S, I, T) units stores order each day from the restart, by their order-up-to rule.

    On a review day on which ordering works, a store orders up to its level: ``order_up_to -
    position``, where the position falls by what it sells (taken as the expected demand) and
    rises by what it orders. So the first review after the pause also orders the gap the pause
    left, and later ones what was sold since the previous one. Reorder points are not modelled.
    """
    days = demand.shape[2]
    absolute = t0 + np.arange(days)
    phase = inp.first_weekday + absolute[None, :] - inp.order_weekday[:, None]
    is_review = ((phase % inp.review_period_days[:, None]) == 0) & can_order  # (S, T)
    # cumulative orders by day t, if every review so far ordered up to the level
    wanted = np.maximum(inp.order_up_to[:, :, None] - position[:, :, None] + np.cumsum(demand, axis=2), 0.0)
    cumulative = np.where(is_review[:, None, :], wanted, 0.0)
    cumulative = np.maximum.accumulate(cumulative, axis=2)  # wanted only grows: carry the last review
    return np.diff(cumulative, axis=2, prepend=0.0)


def lp_inputs(
    loaded: LoadedScenario, inp: SimInputs, options: RecoveryOptions = RecoveryOptions(), *, seed: int = 0
) -> tuple[LPInputs, int]:
    """The LP for the scenario's recovery, and the day it starts (the restart day).

    The run up to the restart follows what the replay will do before the plan starts (oldest
    orders first, the scenario's surge, no order cap): the LP's dispatch lines take the place
    of a cap.
    """
    quiet = worst_case_inputs(
        replace(
            inp,
            distribution="deterministic",
            has_cap=False,
            allocation="planned",
            allocation_by_dc=(None,) * inp.n_dcs,
            planned_units=None,
        )
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
    can_order = np.empty((s_n, days), dtype=bool)
    surge = _plan_profile(inp.surge_pick[0], t0, days)
    for k in range(days):  # days only: the timeline gives capacities day by day
        day = t0 + k
        cap = capacities(quiet, day, compromised_on)
        weekday = (inp.first_weekday + day) % 7
        demand[:, :, k] = inp.base_demand * inp.weekday_factors[weekday] * cap.sell[0][:, None]
        capacity[k] = inp.dc_pick_capacity[0] * float(min(cap.pick[0, 0], cap.ship[0, 0])) * (1.0 + surge[k])
        ship_share[k] = float(cap.ship[0, 0])
        can_order[:, k] = cap.order[0] > 0
    on_hand = state.on_hand[0]
    owed = state.open_units[0].sum(axis=1)
    ring = state.pipeline.shape[2]
    arrivals = np.zeros((s_n, i_n, days))
    for b in range(ring):  # a few lead-time slots
        # ring slot b holds what arrives on the next day d >= t0 with d % ring == b
        day = t0 + ((b - t0) % ring)
        if day - t0 < days:
            arrivals[:, :, day - t0] += state.pipeline[0, :, b, :]
    position = on_hand + arrivals.sum(axis=2) + owed
    new_orders = store_orders(inp, position, demand, can_order, t0)
    dc = loaded.scenario.sites.dcs[0] if loaded.scenario.sites.dcs else None
    shifts = dc.shifts_per_day if dc else 1
    schedule = None
    if np.isfinite(inp.dc_delivery_capacity[0]):
        # delivery runs reach a whole number of stores a day: give each store its delivery days,
        # so the LP plans within what the fleet can actually reach
        runs = (
            inp.dc_delivery_capacity[0] * ship_share * (1.0 + _plan_profile(inp.surge_delivery[0], t0, days))
        )
        daily = np.maximum(demand.mean(axis=2).sum(axis=1), 1e-9)
        cover = (on_hand.sum(axis=1) + arrivals.sum(axis=(1, 2))) / daily
        schedule = delivery_slots(visit_order(cover, daily), np.floor(runs).astype(np.int64), days)
    if options.objective == "margin":
        weight = np.maximum(inp.item_margin, 1e-9)
        shift_cost = scenario_cost_per_shift(loaded)
    else:
        weight = np.ones(i_n)
        shift_cost = SHIFT_TIE_BREAK
    return (
        LPInputs(
            demand=demand,
            on_hand=on_hand,
            arrivals=arrivals,
            owed=owed,
            new_orders=new_orders,
            lead_time_days=inp.lead_time_days,
            capacity_units=capacity,
            units_per_shift=inp.dc_pick_capacity[0] / shifts,
            max_shifts_per_day=options.max_shifts_per_day,
            budget_shifts=options.budget_shifts,
            cost_per_shift=shift_cost,
            lost_weight=weight,
            stockout_weight=options.stockout_weight,
            integer_shifts=options.integer_shifts,
            ship_allowed=schedule,
        ),
        t0,
    )


def scenario_cost_per_shift(loaded: LoadedScenario) -> float:
    """Cost of one extra shift: the highest the scenario's surge plan names (0 without one)."""
    return max((s.cost_per_shift for s in loaded.scenario.plan.surge), default=0.0)
