"""Optimise a scenario's recovery, then replay the plan in the stochastic engine."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from aftershock.model.stores import LoadedScenario
from aftershock.optimize.from_scenario import lp_inputs
from aftershock.optimize.lp import LPPlan, aggregate, disaggregate, group_stores, solve
from aftershock.sim.inputs import SimInputs


@dataclass
class OptimizedRecovery:
    """The plan, what it promises, and how it fares in the stochastic engine."""

    restart_day: int
    plan: LPPlan
    shipments: np.ndarray  # (S, I, T) by store line and day from the restart
    planned_lost_units: float
    groups: int

    def replay_inputs(
        self,
        inp: SimInputs,
        shifts_per_day: int,
        cost_per_shift: float,
        hours_per_day: float = 10.0,
        cost_per_hour: float = 0.0,
    ) -> SimInputs:
        """Engine inputs that follow the plan: its dispatch lines and its shifts."""
        s_n, i_n, t_n = self.shipments.shape
        planned = np.zeros((s_n, i_n, inp.horizon_days))
        planned[:, :, self.restart_day : self.restart_day + t_n] = self.shipments
        surge = np.zeros(inp.horizon_days)
        surge[self.restart_day : self.restart_day + t_n] = self.plan.shifts / shifts_per_day
        # delivery runs keep the scenario's plan (the LP scheduled stores within it)
        delivery = inp.surge_delivery.copy()
        cost = delivery * hours_per_day * cost_per_hour
        cost[self.restart_day : self.restart_day + t_n] += self.plan.shifts * cost_per_shift
        return replace(
            inp,
            planned_units=planned,
            allocation="planned",
            surge_pick=surge,
            surge_delivery=delivery,
            surge_cost=cost,
            has_cap=False,
        )


def optimize_recovery(
    loaded: LoadedScenario,
    inp: SimInputs,
    *,
    objective: str = "lost-sales",
    budget_shifts: float | None = None,
    max_shifts_per_day: float = 2.0,
    integer: bool = False,
    max_groups: int = 60,
    seed: int = 0,
) -> OptimizedRecovery:
    """Build the LP from the restart morning, solve it (grouped stores), split back to stores."""
    lp, t0 = lp_inputs(
        loaded,
        inp,
        objective=objective,
        budget_shifts=budget_shifts,
        max_shifts_per_day=max_shifts_per_day,
        integer_shifts=integer,
        seed=seed,
    )
    # with delivery slots every store keeps its own days: no pooling into groups
    grouping = group_stores(lp, lp.demand.shape[0] if lp.ship_allowed is not None else max_groups)
    plan = solve(aggregate(lp, grouping))
    return OptimizedRecovery(
        restart_day=t0,
        plan=plan,
        shipments=disaggregate(plan, lp, grouping),
        planned_lost_units=float(plan.lost_units.sum()),
        groups=grouping.n_groups,
    )


def schedule_rows(result: OptimizedRecovery, start_date: Any) -> list[dict[str, Any]]:
    """Surge shifts per day, with dates."""
    import datetime as dt

    rows = []
    for k, shifts in enumerate(result.plan.shifts):
        day = result.restart_day + k
        date = None if start_date is None else (start_date + dt.timedelta(days=day)).isoformat()
        rows.append(
            {
                "day": day,
                "date": date,
                "extra_shifts": round(float(shifts), 3),
                "extra_delivery_hours": round(float(result.plan.delivery_hours[k]), 3),
                "planned_shipments_units": float(result.shipments[:, :, k].sum()),
                "planned_backlog_units": float(result.plan.owed_units[:, :, k].sum()),
            }
        )
    return rows
