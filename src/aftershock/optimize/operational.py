"""`aftershock plan`: a dispatch plan for tomorrow morning from the tables a wholesaler has.

The same LP as the scenario optimiser, on the operational tables: stores order each day what
they sold the day before (the DC can ship it from the next day), capacity is the table's
pick capacity plus extra shifts. With a ``dc`` column in the capacity table each DC has its
own capacity and extra shifts per day and ships only its own stores' lines (the budget of
shifts is over every DC). Before solving, a small LP over DCs and days checks that the
backlog can be cleared within the horizon at all; when it cannot, the error says by how much
and on which days (at which DC) capacity is short.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from aftershock.errors import SolverError
from aftershock.io.plan_tables import PlanTables
from aftershock.optimize.lp import (
    LPInputs,
    LPPlan,
    Throughput,
    aggregate,
    disaggregate,
    dispatch_table,
    group_lines,
    max_throughput,
    solve,
)
from aftershock.optimize.lp.problem import dispatch_table_by_dc
from aftershock.optimize.results import PlanResult, calendar_date

if TYPE_CHECKING:
    import pandas as pd

#: What a unit owed to a store costs a day in ``plan``, a lost unit costing 1: ten days of
#: waiting weigh as much as a lost sale, so the plan clears the backlog when shifts allow.
DEFAULT_BACKLOG_COST = 0.1


@dataclass
class OperationalPlan:
    """Dispatch lines, shifts, and when each store and the chain are back to normal."""

    tables: PlanTables
    plan: LPPlan
    shipments: np.ndarray  # (S, I, T)
    stock: np.ndarray  # (S, I, T) projected stock at the end of each day

    def dispatch_table(self, min_units: float = 0.5) -> pd.DataFrame:
        """``store, item, day, units`` for every line worth shipping, in day then store order
        (and ``dc``, the DC that ships it, when the capacity table names DCs)."""
        t = self.tables
        if t.dc_ids:
            return dispatch_table_by_dc(
                self.shipments, t.dc_of_store(), t.dc_ids, t.store_ids, t.item_ids, min_units=min_units
            )
        return dispatch_table(self.shipments, t.store_ids, t.item_ids, min_units=min_units)

    def recovery_day_of_store(self) -> np.ndarray:
        """(S,) first day each store ends with its target cover of every item (-1: not in the horizon)."""
        t = self.tables
        target = t.target_cover_days * t.demand
        ok = (self.stock >= target[:, :, None] - 1e-6).all(axis=1)  # (S, T)
        return np.where(ok.any(axis=1), ok.argmax(axis=1), -1)

    def store_recovery_days(self) -> list[dict[str, Any]]:
        """Per store, the first day back to its target cover (None: not within the horizon)."""
        days = self.recovery_day_of_store()
        return [
            {"store": store, "recovery_day": int(d) if d >= 0 else None}
            for store, d in zip(self.tables.store_ids, days, strict=True)
        ]

    def summary(self) -> dict[str, Any]:
        """The one-page summary."""
        days = self.recovery_day_of_store()
        horizon = int(self.shipments.shape[2])
        back = days[days >= 0]
        return {
            "stores": len(self.tables.store_ids),
            "items": len(self.tables.item_ids),
            "horizon_days": horizon,
            "backlog_units": float(self.tables.owed.sum()),
            # rounded as the dispatch lines are: solver noise (13,782.29999998) is not information
            "planned_shipments_units": round(float(self.shipments.sum()), 1),
            "expected_lost_units": round(self.plan.expected_lost_units, 1),
            "extra_shifts": [round(float(z), 2) for z in self.plan.shifts],
            "extra_shift_cost": round(float((self.plan.dc_shifts * self.tables.cost_per_shift).sum()), 2),
            "backlog_clear_day": self.plan.backlog_clear_day,
            "stores_back_to_target_by_day": [int((back <= d).sum()) for d in range(horizon)],
            "stores_not_back_in_horizon": int((days < 0).sum()),
            "last_store_recovery_day": int(back.max()) if back.size and back.size == days.size else None,
            "solve_seconds": round(self.plan.solve_seconds, 3),
            "lp_method": self.plan.method,
            "dcs": self.dc_summary(),
        }

    def dc_summary(self) -> list[dict[str, Any]]:
        """Per DC named in the capacity table (none without a dc column): its stores, backlog,
        planned shipments, extra shifts per day and in all, and their cost."""
        t = self.tables
        if not t.dc_ids:
            return []
        store_dc = t.dc_of_store()
        shipped = self.shipments.sum(axis=(1, 2))
        shifts = self.plan.dc_shifts
        return [
            {
                "dc": dc,
                "stores": int((store_dc == d).sum()),
                "backlog_units": float(t.owed[store_dc == d].sum()),
                "planned_shipments_units": round(float(shipped[store_dc == d].sum()), 1),
                "extra_shifts": [round(float(z), 2) for z in shifts[d]],
                "extra_shifts_total": round(float(shifts[d].sum()), 2),
                "extra_shift_cost": round(float((shifts[d] * t.cost_per_shift[d]).sum()), 2),
            }
            for d, dc in enumerate(t.dc_ids)
        ]

    def result(self, start_date: dt.date | None = None) -> PlanResult:
        """The plan as ``api.plan`` returns it, with dates as well as days when ``start_date`` is day 0."""
        summary = self.summary()
        summary["start_date"] = None if start_date is None else start_date.isoformat()
        summary["backlog_clear_date"] = calendar_date(start_date, summary["backlog_clear_day"])
        summary["last_store_recovery_date"] = calendar_date(start_date, summary["last_store_recovery_day"])
        stores = [
            {**r, "recovery_date": calendar_date(start_date, r["recovery_day"])}
            for r in self.store_recovery_days()
        ]
        return PlanResult(summary=summary, stores=stores, dispatch=self.dispatch_table())


def lp_inputs(
    tables: PlanTables, *, budget_shifts: float | None = None, backlog_cost_per_unit_day: float = 0.0
) -> LPInputs:
    """The LP of the operational tables: constant demand, stores re-order what they sold."""
    horizon = tables.horizon_days
    demand = np.repeat(tables.demand[:, :, None], horizon, axis=2)
    return LPInputs(
        demand=demand,
        on_hand=tables.on_hand,
        arrivals=np.zeros_like(demand),
        owed=tables.owed,
        lead_time_days=tables.lead_time_days,
        capacity_units=tables.capacity_units,
        units_per_shift=tables.units_per_shift,
        max_shifts_per_day=tables.max_extra_shifts,
        budget_shifts=budget_shifts,
        cost_per_shift=tables.cost_per_shift,
        backlog_cost_per_unit_day=backlog_cost_per_unit_day,
        line_dc=tables.store_dc,
    )


def _days(days: np.ndarray) -> str:
    return ", ".join(str(int(d)) for d in days[:14]) + (" …" if days.size > 14 else "")


def short_capacity_message(bound: Throughput, horizon: int, dc_ids: list[str] | None = None) -> str:
    """What is short, in words a planner acts on (per DC when the capacity table names DCs)."""
    if dc_ids:
        short = [
            f"DC '{dc}' by {bound.short_units_by_dc[d]:,.0f} units (used to the full on day(s) "
            f"{_days(np.flatnonzero(bound.saturated_by_dc[d]))})"
            for d, dc in enumerate(dc_ids)
            if bound.short_units_by_dc[d] > max(1.0, 1e-6 * bound.owed_units)
        ]
        return (
            f"capacity is short: stores are owed {bound.owed_units:,.0f} units within the {horizon}-day "
            f"horizon (backlog and re-orders), but the DCs can ship at most {bound.max_shipped_units:,.0f} "
            f"even with every allowed extra shift, so {bound.short_units:,.0f} units would still be owed "
            f"at the end: {'; '.join(short)}. Each DC ships only its own stores. Raise "
            "pick_capacity_units or max_extra_shifts in the capacity table, raise --budget-shifts, or "
            "plan a longer --horizon."
        )
    days = _days(bound.saturated_days)
    return (
        f"capacity is short: stores are owed {bound.owed_units:,.0f} units within the {horizon}-day "
        f"horizon (backlog and re-orders), but the DC can ship at most {bound.max_shipped_units:,.0f} "
        f"even with every allowed extra shift, so {bound.short_units:,.0f} units would still be owed "
        f"at the end. Capacity is used to the full on day(s) {days}. Raise pick_capacity_units "
        "or max_extra_shifts in the capacity table, raise --budget-shifts, or plan a longer --horizon."
    )


def plan_dispatch(
    tables: PlanTables,
    *,
    max_groups: int = 400,
    budget_shifts: float | None = None,
    backlog_cost_per_unit_day: float = 0.0,
) -> OperationalPlan:
    """Solve the recovery LP on the operational tables; SolverError when capacity is short."""
    lp = lp_inputs(tables, budget_shifts=budget_shifts, backlog_cost_per_unit_day=backlog_cost_per_unit_day)
    horizon = tables.horizon_days
    bound = max_throughput(lp)
    # a unit a day is within rounding of any real plan
    tolerance = max(1.0, 1e-6 * bound.owed_units)
    if (bound.short_units_by_dc > tolerance).any():
        raise SolverError(short_capacity_message(bound, horizon, tables.dc_ids))
    grouping = group_lines(lp, max_groups)
    plan = solve(aggregate(lp, grouping))
    shipments = disaggregate(plan, lp, grouping)
    return OperationalPlan(
        tables=tables, plan=plan, shipments=shipments, stock=project_stock(tables, shipments)
    )


def project_stock(tables: PlanTables, shipments: np.ndarray) -> np.ndarray:
    """(S, I, T) each store's stock at the end of each day: what arrives, less what it sells."""
    horizon = shipments.shape[2]
    lead = tables.lead_time_days
    arrivals = np.zeros_like(shipments)
    for lag in np.unique(lead):  # a few distinct lead times
        rows = lead == lag
        if lag < horizon:
            arrivals[rows, :, lag:] = shipments[rows, :, : horizon - lag]
    stock = np.zeros_like(shipments)
    level = tables.on_hand.astype(float).copy()
    for t in range(horizon):  # days only, vectorised over stores and items
        level = level + arrivals[:, :, t]
        level = level - np.minimum(level, tables.demand)
        stock[:, :, t] = level
    return stock
