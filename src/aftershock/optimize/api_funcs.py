"""``api.optimize`` and ``api.plan``: the optimiser's entry functions, re-exported by :mod:`aftershock.api`.

They check the parameters, load the scenario or read the tables, and hand over to the
optimiser (:func:`aftershock.optimize.replay.optimize_and_replay`,
:func:`aftershock.optimize.operational.plan_dispatch`); the results are the classes of
:mod:`aftershock.optimize.results`. ``aftershock.api`` is imported inside :func:`optimize`:
it re-exports this module.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from aftershock.errors import UsageError
from aftershock.optimize.from_scenario import OBJECTIVES
from aftershock.optimize.operational import DEFAULT_BACKLOG_COST
from aftershock.optimize.results import OptimizeResult, PlanResult

if TYPE_CHECKING:
    from aftershock.model import LoadedScenario

__all__ = ["DEFAULT_BACKLOG_COST", "OBJECTIVES", "OptimizeResult", "PlanResult", "optimize", "plan"]


def optimize(
    ref: str | Path | LoadedScenario,
    *,
    objective: str = "lost-sales",
    budget_shifts: float | None = None,
    max_shifts_per_day: float = 2,
    integer: bool = False,
    replications: int = 100,
    seed: int = 0,
    stockout_weight: float = 0.0,
    max_groups: int = 60,
    overrides: list[str] | None = None,
) -> OptimizeResult:
    """The best recovery plan by linear programming (HiGHS), replayed in the stochastic engine.

    From the restart morning of the worst-case incident path (the state one deterministic
    engine run reaches), the LP chooses shipments per store line and day and extra shifts per
    day (in place of the extra shifts of the scenario's surge plan; its extra delivery hours
    stay) to minimise lost units (``objective="lost-sales"``;
    shifts then only limited by ``budget_shifts`` and ``max_shifts_per_day``) or lost margin
    plus shift cost (``"margin"``), plus ``stockout_weight`` per store-line-day without stock.
    ``integer=True`` makes shifts whole (a MIP). The plan is then replayed with the
    ``planned`` policy over ``replications`` and compared with the scenario's own plan on the
    same random numbers; the promised recovery date is the replay's 95th percentile of the
    day the backlog clears (None when more than 5% of replications do not clear it).
    """
    from aftershock import api
    from aftershock.optimize.replay import optimize_and_replay

    if objective not in OBJECTIVES:
        raise UsageError(f"--objective: expected lost-sales or margin, got '{objective}'")
    if budget_shifts is not None and not budget_shifts >= 0:
        raise UsageError(f"--budget-shifts: expected a number of shifts >= 0, got {budget_shifts}")
    if not 0 <= max_shifts_per_day <= 6:
        raise UsageError(f"--max-shifts-per-day: expected 0 to 6, got {max_shifts_per_day}")
    if not stockout_weight >= 0:
        raise UsageError(f"--stockout-weight: expected a number >= 0, got {stockout_weight}")
    if replications <= 0:
        raise UsageError(f"--replications: expected a whole number >= 1, got {replications}")
    if seed < 0:
        raise UsageError(f"--seed: expected a whole number >= 0, got {seed}")
    return optimize_and_replay(
        api.load(ref, overrides),
        objective=objective,
        budget_shifts=budget_shifts,
        max_shifts_per_day=max_shifts_per_day,
        integer=integer,
        replications=replications,
        seed=seed,
        stockout_weight=stockout_weight,
        max_groups=max_groups,
    )


def plan(
    backlog: str | Path,
    stock: str | Path,
    capacity: str | Path,
    *,
    horizon_days: int = 14,
    budget_shifts: float | None = None,
    backlog_cost: float = DEFAULT_BACKLOG_COST,
    start_date: dt.date | str | None = None,
) -> PlanResult:
    """Operational dispatch plan from backlog, store-stock and capacity tables (``aftershock plan``).

    Tables are CSV or Parquet (see ``examples/plan/README.md``); every problem in them is
    reported at once, with file and row (:class:`~aftershock.errors.DataError`). When even
    every allowed extra shift cannot clear the backlog within the horizon, a
    :class:`~aftershock.errors.SolverError` says by how much capacity is short and on which
    days. ``start_date`` is today's date (day 0), to print dates as well as day numbers.
    """
    from aftershock.io.plan_tables import read_plan_tables
    from aftershock.optimize.operational import plan_dispatch

    if not 1 <= horizon_days <= 366:
        raise UsageError(f"--horizon: expected a whole number of days from 1 to 366, got {horizon_days}")
    if budget_shifts is not None and not budget_shifts >= 0:
        raise UsageError(f"--budget-shifts: expected a number of shifts >= 0, got {budget_shifts}")
    if not backlog_cost >= 0:
        raise UsageError(f"--backlog-cost: expected a cost >= 0, got {backlog_cost}")
    if isinstance(start_date, str):
        try:
            start_date = dt.date.fromisoformat(start_date)
        except ValueError:
            raise UsageError(f"--start-date: expected a date as YYYY-MM-DD, got '{start_date}'") from None
    tables = read_plan_tables(Path(backlog), Path(stock), Path(capacity), horizon_days)
    result = plan_dispatch(tables, budget_shifts=budget_shifts, backlog_cost_per_unit_day=backlog_cost)
    return result.result(start_date)
