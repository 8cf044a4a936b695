"""The optimiser: the best recovery plan for a scenario, and the dispatch plan from a wholesaler's tables.

They check the parameters, load the scenario or read the tables, and hand over to the
optimiser (:func:`aftershock.optimize.replay.optimize_and_replay`,
:func:`aftershock.optimize.operational.plan_dispatch`); the results are the classes of
:mod:`aftershock.optimize.results`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from aftershock.api.results import frame_of, html_table, warnings_note
from aftershock.api.runs import check_seed
from aftershock.api.scenarios import ScenarioRef, load
from aftershock.errors import ParameterError
from aftershock.formatting import fmt
from aftershock.formatting import label as metric_label
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model.uncertainty import point_values
from aftershock.optimize import results as optimize_results
from aftershock.optimize.from_scenario import OBJECTIVES, RecoveryOptions
from aftershock.optimize.operational import DEFAULT_BACKLOG_COST

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_BACKLOG_COST", "OBJECTIVES", "OptimizeResult", "PlanResult", "optimize", "plan"]


class OptimizeResult(optimize_results.OptimizeResult):
    """:class:`aftershock.optimize.results.OptimizeResult` with a DataFrame and a notebook summary."""

    def to_dataframe(self, table: str = "metrics") -> pd.DataFrame:
        """``metrics``: one row per plan (``optimised``, ``scenario``) and metric of the replay,
        with mean, p5 and p95; ``schedule``: the plan's days; ``dispatch``: its lines."""
        import pandas as pd

        if table == "metrics":
            rows = [
                {
                    "plan": plan,
                    "metric": name,
                    "label": metric_label(name),
                    **{s: m.get(s) for s in ("mean", "p5", "p95")},
                }
                for plan, summaries in (("optimised", self.replayed), ("scenario", self.scenario_plan))
                for name, m in summaries.items()
            ]
            return frame_of(rows, ["plan", "metric", "label", "mean", "p5", "p95"])
        if table == "schedule":
            return pd.DataFrame(self.schedule)
        if table == "dispatch":
            return self.dispatch.copy()
        raise ValueError(f"table: expected metrics, schedule or dispatch, got '{table}'")

    def _repr_html_(self) -> str:
        rows = [
            ("Scenario", self.scenario),
            ("Objective", self.objective),
            ("Solver", f"{self.lp_method} ({self.lp_status})"),
            ("Extra shifts in all", fmt("number", sum(self.extra_shifts))),
            ("Lost units, LP estimate", fmt("units", self.planned_lost_units)),
            ("Lost units, replay after restart", fmt("units", self.simulated_lost_units_after_restart)),
            ("Promised recovery day", fmt("day", self.promised_recovery_day)),
        ]
        return html_table("Optimised recovery plan", rows, warnings_note(self.warnings))


class PlanResult(optimize_results.PlanResult):
    """:class:`aftershock.optimize.results.PlanResult` with a DataFrame and a notebook summary."""

    def to_dataframe(self) -> pd.DataFrame:
        """The dispatch lines: store, item, day, units (one row per line)."""
        return self.dispatch.copy()

    def _repr_html_(self) -> str:
        rows = [(str(k), str(v)) for k, v in self.summary.items() if not isinstance(v, dict | list)]
        return html_table("Dispatch plan", rows)


def optimize(
    ref: ScenarioRef,
    *,
    objective: str = "lost-sales",
    budget_shifts: float | None = None,
    max_shifts_per_day: float = 2,
    integer: bool | None = None,
    replications: int = 100,
    seed: int = 0,
    stockout_weight: float = 0.0,
    max_groups: int = 60,
    overrides: list[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    fractional_shifts: bool = False,
) -> OptimizeResult:
    """The best recovery plan by linear programming (HiGHS), replayed in the stochastic engine.

    From the restart morning of the worst-case incident path (the state one deterministic
    engine run reaches), the LP chooses shipments per store line and day and extra shifts per
    day (in place of the extra shifts of the scenario's surge plan; its extra delivery hours
    stay) to minimise lost units (``objective="lost-sales"``;
    shifts then only limited by ``budget_shifts`` and ``max_shifts_per_day``) or lost margin
    plus shift cost (``"margin"``), plus ``stockout_weight`` per store-line-day without stock.
    Extra shifts are whole by default (a MIP on the shift variables); ``fractional_shifts=True``
    gives the LP's fractional shifts (``integer=False`` says the same; ``integer=True`` is
    the default). Dispatch lines are whole units, rounded so each DC's daily totals are the
    LP's to the unit, within capacity and what each store is owed. The plan is then replayed with the
    ``planned`` policy over ``replications`` and compared with the scenario's own plan on the
    same random numbers; the promised recovery date is the replay's 95th percentile of the
    day the backlog clears (None when more than 5% of replications do not clear it).
    ``lost_units_estimates`` puts the LP's estimate beside the replay's, with what each means.
    """
    from aftershock.optimize.replay import optimize_and_replay

    if objective not in OBJECTIVES:
        raise ParameterError("objective", f"expected lost-sales or margin, got '{objective}'")
    if budget_shifts is not None and not budget_shifts >= 0:
        raise ParameterError("budget_shifts", f"expected a number of shifts >= 0, got {budget_shifts}")
    if not 0 <= max_shifts_per_day <= 6:
        raise ParameterError("max_shifts_per_day", f"expected 0 to 6, got {max_shifts_per_day}")
    if not stockout_weight >= 0:
        raise ParameterError("stockout_weight", f"expected a number >= 0, got {stockout_weight}")
    if integer and fractional_shifts:
        raise ParameterError(
            "fractional_shifts", "expected whole shifts (integer=True) or fractional ones, not both"
        )
    whole_shifts = not fractional_shifts if integer is None else integer
    limits.check_replications(replications)
    check_seed(seed)
    options = RecoveryOptions(
        objective=objective,
        budget_shifts=budget_shifts,
        max_shifts_per_day=max_shifts_per_day,
        integer_shifts=whole_shifts,
        stockout_weight=stockout_weight,
        max_groups=max_groups,
    )
    loaded = point_values(load(ref, overrides), "optimize")
    result = optimize_and_replay(loaded, options, replications=replications, seed=seed)
    result.__class__ = OptimizeResult  # the same object, with the notebook methods
    return result  # type: ignore[return-value]


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
        raise ParameterError(
            "horizon_days", f"expected a whole number of days from 1 to 366, got {horizon_days}"
        )
    if budget_shifts is not None and not budget_shifts >= 0:
        raise ParameterError("budget_shifts", f"expected a number of shifts >= 0, got {budget_shifts}")
    if not backlog_cost >= 0:
        raise ParameterError("backlog_cost", f"expected a cost >= 0, got {backlog_cost}")
    if isinstance(start_date, str):
        try:
            start_date = dt.date.fromisoformat(start_date)
        except ValueError:
            raise ParameterError("start_date", f"expected a date as YYYY-MM-DD, got '{start_date}'") from None
    tables = read_plan_tables(Path(backlog), Path(stock), Path(capacity), horizon_days)
    result = plan_dispatch(tables, budget_shifts=budget_shifts, backlog_cost_per_unit_day=backlog_cost)
    found = result.result(start_date)
    found.__class__ = PlanResult  # the same object, with the notebook methods
    return found  # type: ignore[return-value]
