"""Optimise a scenario's recovery, then replay the plan in the stochastic engine."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from aftershock.model.stores import LoadedScenario
from aftershock.optimize.from_scenario import lp_inputs
from aftershock.optimize.lp import LPInputs, LPPlan, aggregate, disaggregate, group_lines, solve
from aftershock.sim.inputs import SimInputs


@dataclass
class OptimizedRecovery:
    """The plan from the restart morning, split back to stores."""

    restart_day: int
    lp: LPInputs
    plan: LPPlan
    shipments: np.ndarray  # (S, I, T) by store line and day from the restart
    groups: int

    def replay_inputs(self, inp: SimInputs, shifts_per_day: int, cost_per_shift: float) -> SimInputs:
        """Engine inputs that follow the plan: its dispatch lines, the scenario's surge + its extra shifts.

        The scenario's order cap is off: the plan's dispatch lines take its place.
        """
        s_n, i_n, t_n = self.shipments.shape
        planned = np.zeros((s_n, i_n, inp.horizon_days))
        planned[:, :, self.restart_day : self.restart_day + t_n] = self.shipments
        extra = np.zeros(inp.horizon_days)
        extra[self.restart_day : self.restart_day + t_n] = self.plan.shifts
        return replace(
            inp,
            planned_units=planned,
            allocation="planned",
            surge_pick=inp.surge_pick + extra / shifts_per_day,
            surge_cost=inp.surge_cost + extra * cost_per_shift,
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
    stockout_weight: float = 0.0,
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
        stockout_weight=stockout_weight,
        seed=seed,
    )
    grouping = group_lines(lp, max_groups)
    plan = solve(aggregate(lp, grouping))
    return OptimizedRecovery(
        restart_day=t0,
        lp=lp,
        plan=plan,
        shipments=disaggregate(plan, lp, grouping),
        groups=grouping.n_groups,
    )
