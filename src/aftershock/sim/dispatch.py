"""Step 6 of the day: every DC ships its stores' open orders; backups cover a DC that cannot.

DCs are taken in id order. With ``own_stores_first`` each DC first ships its own stores'
orders; a backup then lends its share of what they left unused to the stores of a primary
that has not shipped for more than its switch-over days. With ``covered_stores_first`` the
lending comes first, from the share of the backup's whole capacity. A DC ships no more than
its capacity, its delivery runs and (with supply) its stock; see ``docs/concepts.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aftershock.policies.registry import AllocationPolicy, DispatchContext, fill_oldest_first
from aftershock.sim.inputs import EMPTY_SLOT, SimInputs
from aftershock.sim.state import Capacities, State


@dataclass
class Dispatched:
    """What the DCs shipped today."""

    per_store: np.ndarray  # (R, S, I) units shipped to each store
    capacity: np.ndarray  # (R, D) units each DC could ship today
    shipped: np.ndarray  # (R, D) units each DC shipped (its own stores and those it covered)
    lent: np.ndarray  # (R, D) units each DC shipped to stores of another DC


def cap_active(inp: SimInputs, state: State, day: int) -> np.ndarray:
    """Whether the order cap binds on ``day`` at each DC in each replication, shape (R, D)."""
    if not inp.has_cap:
        return np.zeros(state.cap_lifted.shape, dtype=bool)
    plan_day = inp.plan_day(day, state.cap_lifted.shape[0])
    in_window = (inp.cap_from_day <= plan_day) & (plan_day < inp.cap_until_day)
    return in_window[:, None] & ~state.cap_lifted & inp.cap_dc[None, :]


def surge_on(profile: np.ndarray, inp: SimInputs, day: int, reps: int) -> np.ndarray:
    """A surge profile read on each replication's plan day; 0 outside it.

    ``profile`` is (T,) → (R,), or (D, T) → (R, D).
    """
    plan_day = inp.plan_day(day, reps)
    days = profile.shape[-1]
    inside = (plan_day >= 0) & (plan_day < days)
    values = profile[..., np.clip(plan_day, 0, days - 1)]  # (R,) or (D, R)
    return np.where(inside, values, 0.0).T


def dc_capacity(inp: SimInputs, cap: Capacities, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Units (R, D) and delivery runs (R, D) each DC has today, with surge."""
    reps = cap.ship.shape[0]
    units = inp.dc_pick_capacity[None, :] * np.minimum(cap.pick, cap.ship)
    units = units * (1.0 + surge_on(inp.surge_pick, inp, day, reps))
    runs = np.full(units.shape, np.inf)
    limited = np.isfinite(inp.dc_delivery_capacity)
    if limited.any():
        extra = 1.0 + surge_on(inp.surge_delivery, inp, day, reps)
        fleet = np.floor(inp.dc_delivery_capacity[None, :] * cap.ship * extra)
        runs = np.where(limited[None, :], fleet, np.inf)
    return units, runs


def dispatch(
    inp: SimInputs,
    state: State,
    cap: Capacities,
    day: int,
    policies: tuple[AllocationPolicy, ...],
) -> Dispatched:
    """Step 6: every DC ships within today's capacity; backups cover DCs that cannot ship."""
    units, runs = dc_capacity(inp, cap, day)
    stopped = np.minimum(cap.pick, cap.ship) <= 0
    state.down_days = np.where(stopped, state.down_days + 1, 0)
    left_units, left_runs = units.copy(), runs.copy()
    out = Dispatched(
        per_store=np.zeros_like(state.on_hand),
        capacity=units,
        shipped=np.zeros(units.shape),
        lent=np.zeros(units.shape),
    )
    planned_today = _planned_today(inp, day, units.shape[0])
    active = cap_active(inp, state, day)
    ship = _Shipper(inp, state, cap, day, planned_today, active, out)
    if inp.backup_covered_first:
        _lend(inp, state, ship, policies, left_units, left_runs, of_spare=False)
    every = np.ones(units.shape[0], dtype=bool)
    for d in range(inp.n_dcs):
        used_units, used_runs = ship.group(d, d, policies[d], left_units[:, d], left_runs[:, d], every, 0)
        left_units[:, d] -= used_units
        left_runs[:, d] -= used_runs
    if not inp.backup_covered_first:
        _lend(inp, state, ship, policies, left_units, left_runs, of_spare=True)
    open_lines = state.open_units.sum(axis=3)
    done = (open_lines <= 1e-9) & (state.order_day != EMPTY_SLOT)
    if done.any():
        state.open_units[done] = 0.0
        state.order_day[done] = EMPTY_SLOT
    return out


def _lend(
    inp: SimInputs,
    state: State,
    ship: _Shipper,
    policies: tuple[AllocationPolicy, ...],
    left_units: np.ndarray,
    left_runs: np.ndarray,
    *,
    of_spare: bool,
) -> None:
    """Backups serve the stores of DCs that stopped shipping more than their switch-over days ago."""
    for d, backups in enumerate(inp.dc_backups):
        for backup in backups:
            covering = state.down_days[:, d] > backup.switch_over_days
            if not covering.any():
                continue
            b = backup.dc
            base_units = left_units[:, b] if of_spare else ship.out.capacity[:, b]
            budget_units = np.minimum(backup.share * base_units, left_units[:, b])
            with np.errstate(invalid="ignore"):
                budget_runs = np.minimum(np.floor(backup.share * left_runs[:, b]), left_runs[:, b])
            budget_runs = np.where(np.isnan(budget_runs), np.inf, budget_runs)
            used_units, used_runs = ship.group(
                d, b, policies[d], budget_units, budget_runs, covering, backup.extra_lead_days
            )
            left_units[:, b] -= used_units
            left_runs[:, b] -= used_runs


class _Shipper:
    """Ships one DC's stores' open orders from one DC (its own, or a backup) within a budget."""

    def __init__(
        self,
        inp: SimInputs,
        state: State,
        cap: Capacities,
        day: int,
        planned_today: np.ndarray | None,
        active: np.ndarray,
        out: Dispatched,
    ) -> None:
        self.inp, self.state, self.cap, self.day = inp, state, cap, day
        self.planned_today, self.active, self.out = planned_today, active, out

    def group(
        self,
        d: int,
        source: int,
        policy: AllocationPolicy,
        budget_units: np.ndarray,
        budget_runs: np.ndarray,
        rows: np.ndarray,
        extra_lead: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ship DC ``d``'s stores' orders from DC ``source`` within budgets (R,); return the units
        and delivery runs used, (R,) each."""
        inp, state = self.inp, self.state
        # a budget left a rounding residue below zero by lending is no budget
        budget_units = np.maximum(budget_units, 0.0)
        stores = inp.dc_stores[d]
        can = (self.cap.receive[:, stores] > 0) & rows[:, None] & (budget_units > 0)[:, None]
        if not can.any():
            return np.zeros(rows.shape), np.zeros(rows.shape)
        open_units = state.open_units[:, stores]
        order_day = state.order_day[:, stores]
        shippable = open_units * can[:, :, None, None]
        active = self.active[:, d]
        if not inp.cap_at_order and active.any():
            limit = np.where(active[:, None, None], inp.cap_units[None, stores], np.inf)
            # at most the cap per store line today, taken from the oldest open orders first
            shippable = fill_oldest_first(shippable, order_day, limit)
        stock = state.dc_stock[:, source]  # (R, I)
        if np.isfinite(stock).all():
            wanted = shippable.sum(axis=(1, 2))
            # short of stock, every line of the item gets the same share
            scale = np.divide(stock, wanted, out=np.ones_like(stock), where=wanted > stock)
            shippable = shippable * scale[:, None, None, :]
        planned = None if self.planned_today is None else self.planned_today[:, stores]
        store_has = shippable.sum(axis=(2, 3)) > 0
        over = store_has.sum(axis=1) > budget_runs
        if over.any():
            per_store_plan = None if planned is None else planned.sum(axis=2)
            shippable = _limit_stores(shippable, order_day, store_has, budget_runs, over, per_store_plan)
        total = shippable.sum(axis=(1, 2, 3))
        shipped = shippable
        tight = total > budget_units
        if tight.any():
            shipped = shippable.copy()
            context = DispatchContext(
                on_hand=state.on_hand[tight][:, stores],
                in_transit=state.pipeline[tight][:, stores].sum(axis=2),
                base_demand=inp.base_demand[stores],
                store_rank=inp.store_rank[stores],
                day=self.day,
                planned_units=None if planned is None else planned[tight],
            )
            shipped[tight] = policy(shippable[tight], order_day[tight], budget_units[tight], context)
        if isinstance(stores, slice):
            state.open_units -= shipped
        else:
            state.open_units[:, stores] = open_units - shipped
        per_store = shipped.sum(axis=2)  # (R, n, I)
        units = per_store.sum(axis=(1, 2))
        if np.isfinite(stock).all():
            state.dc_stock[:, source] = np.maximum(stock - per_store.sum(axis=1), 0.0)
        index = np.arange(inp.n_stores)[stores]
        arrival = (self.day + inp.lead_time_days[index] + extra_lead) % state.pipeline.shape[2]
        state.pipeline[:, index, arrival, :] += per_store
        self.out.per_store[:, index] += per_store
        self.out.shipped[:, source] += units
        if source != d:
            self.out.lent[:, source] += units
        return units, (per_store.sum(axis=2) > 0).sum(axis=1).astype(float)


def _planned_today(inp: SimInputs, day: int, reps: int) -> np.ndarray | None:
    """Today's lines of the dispatch plan in each replication, (R, S, I), read on its plan day."""
    if inp.planned_units is None:
        return None
    plan_day = inp.plan_day(day, reps)
    inside = (plan_day >= 0) & (plan_day < inp.planned_units.shape[2])
    lines = inp.planned_units[:, :, np.clip(plan_day, 0, inp.planned_units.shape[2] - 1)]  # (S, I, R)
    return np.moveaxis(lines, 2, 0) * inside[:, None, None]


def _limit_stores(
    shippable: np.ndarray,
    order_day: np.ndarray,
    store_has: np.ndarray,
    limit: np.ndarray,
    rows: np.ndarray,
    planned: np.ndarray | None = None,
) -> np.ndarray:
    """Keep only the ``limit`` stores a day's delivery runs reach: the oldest open orders first.

    With a dispatch plan (``planned``: (R, S) units planned per store today), the stores the
    plan delivers to go first, then the oldest open orders.
    """
    out = shippable.copy()
    oldest = np.where(store_has, order_day.min(axis=2), EMPTY_SLOT).astype(float)
    if planned is not None:
        oldest = np.where(store_has & (planned > 0), oldest - 1e12, oldest)
    for r in np.flatnonzero(rows):
        rank = np.argsort(oldest[r], kind="stable")
        out[r, rank[int(limit[r]) :]] = 0.0
    return out
