"""`aftershock plan`: a dispatch plan for tomorrow morning from the tables a wholesaler has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from aftershock.io.plan_tables import PlanTables
from aftershock.optimize.lp import LPInputs, LPPlan, aggregate, disaggregate, group_stores, solve


@dataclass
class OperationalPlan:
    """Dispatch lines, shifts, and when each store and the chain are back to normal."""

    tables: PlanTables
    plan: LPPlan
    shipments: np.ndarray  # (S, I, T)
    stock: np.ndarray  # (S, I, T) projected stock at the end of each day

    def dispatch_rows(self, min_units: float = 0.5) -> list[dict[str, Any]]:
        """(store, item, day, units) for every line worth shipping, in day then store order."""
        s_idx, i_idx, t_idx = np.nonzero(self.shipments >= min_units)
        order = np.lexsort((i_idx, s_idx, t_idx))
        return [
            {
                "store": self.tables.store_ids[s_idx[k]],
                "item": self.tables.item_ids[i_idx[k]],
                "day": int(t_idx[k]),
                "units": round(float(self.shipments[s_idx[k], i_idx[k], t_idx[k]]), 1),
            }
            for k in order
        ]

    def store_recovery_days(self) -> list[dict[str, Any]]:
        """First day each store holds its target cover of every item (None: not in the horizon)."""
        t = self.tables
        target = t.target_cover_days * t.demand
        ok = (self.stock >= target[:, :, None] - 1e-6).all(axis=1)  # (S, T)
        rows = []
        for s, store in enumerate(t.store_ids):
            days = np.flatnonzero(ok[s])
            rows.append({"store": store, "recovery_day": int(days[0]) if days.size else None})
        return rows

    def summary(self) -> dict[str, Any]:
        """The one-page summary."""
        recovery = [r["recovery_day"] for r in self.store_recovery_days()]
        done = [d for d in recovery if d is not None]
        return {
            "stores": len(self.tables.store_ids),
            "items": len(self.tables.item_ids),
            "horizon_days": int(self.shipments.shape[2]),
            "backlog_units": float(self.tables.owed.sum()),
            "planned_shipments_units": float(self.shipments.sum()),
            "expected_lost_units": float(self.plan.lost_units.sum()),
            "extra_shifts": [round(float(z), 2) for z in self.plan.shifts],
            "extra_shift_cost": float((self.plan.shifts * self.tables.cost_per_shift).sum()),
            "backlog_clear_day": self.plan.backlog_clear_day,
            "stores_back_to_target_by_day": {
                int(d): sum(1 for x in done if x <= d) for d in range(int(self.shipments.shape[2]))
            },
            "stores_not_back_in_horizon": sum(1 for d in recovery if d is None),
            "last_store_recovery_day": max(done) if done and len(done) == len(recovery) else None,
            "solve_seconds": self.plan.solve_seconds,
        }


def plan_dispatch(
    tables: PlanTables,
    *,
    max_groups: int = 400,
    budget_shifts: float | None = None,
    backlog_cost_per_unit_day: float = 0.0,
) -> OperationalPlan:
    """Solve the recovery LP on the operational tables (stores order what they sell, daily)."""
    horizon = tables.capacity_units.size
    demand = np.repeat(tables.demand[:, :, None], horizon, axis=2)
    lp = LPInputs(
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
    )
    grouping = group_stores(lp, max_groups)
    plan = solve(aggregate(lp, grouping))
    shipments = disaggregate(plan, lp, grouping)
    lead = tables.lead_time_days
    arrivals = np.zeros_like(shipments)
    for s in range(shipments.shape[0]):
        arrivals[s, :, lead[s] :] = shipments[s, :, : horizon - lead[s]]
    # project each store's stock: what arrives, less what it sells (it cannot sell what it lacks)
    stock = np.zeros_like(shipments)
    level = tables.on_hand.copy()
    for t in range(horizon):
        level = level + arrivals[:, :, t]
        level = level - np.minimum(level, demand[:, :, t])
        stock[:, :, t] = level
    return OperationalPlan(tables=tables, plan=plan, shipments=shipments, stock=stock)
