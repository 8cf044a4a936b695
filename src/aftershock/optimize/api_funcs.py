"""The optimiser's public functions, re-exported by :mod:`aftershock.api`: ``optimize`` and ``plan``.

They sit at the API layer (they load scenarios and tables, run the engine, and return
results), kept in their own module so that the optimiser and the rest of the API can change
independently. ``aftershock.api`` is imported inside the functions: it re-exports this module.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aftershock.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from aftershock.model import LoadedScenario

OBJECTIVES = ("lost-sales", "margin")
#: What a unit owed to a store costs a day in ``plan``, a lost unit costing 1: ten days of
#: waiting weigh as much as a lost sale, so the plan clears the backlog when shifts allow.
DEFAULT_BACKLOG_COST = 0.1


@dataclass
class OptimizeResult:
    """The best recovery plan by LP, and how it fares when replayed in the stochastic engine.

    Days are scenario days (0 = the scenario's first day). The LP plans from ``restart_day``
    along the worst-case incident path with expected demand; the replay runs every
    replication with the plan, and ``*_on_planned_path`` averages the replications whose DC
    restarted on ``restart_day`` (the path the LP planned for), so planned and simulated
    compare like with like.
    """

    scenario: str
    objective: str
    seed: int
    replications: int
    restart_day: int
    lp_status: str
    solve_seconds: float
    lp_method: str  # "lp", "mip" or "lp, shifts rounded"
    store_groups: int
    planned_lost_units: float
    planned_backlog_clear_day: int | None  # the plan followed with expected demand, as the engine measures it
    extra_shifts: list[float]  # per day from the restart
    schedule: list[dict[str, Any]]  # per day: date, extra shifts, shipments, backlog, largest line
    dispatch: pd.DataFrame = field(repr=False)  # store, item, day, units
    replayed: dict[str, dict[str, Any]] = field(repr=False)  # metric summaries, the optimised plan
    scenario_plan: dict[str, dict[str, Any]] = field(repr=False)  # the same, the scenario's own plan
    simulated_lost_units_after_restart: float
    #: optimised minus scenario plan, lost units per replication (same random numbers): mean, standard error
    lost_units_vs_scenario_plan: dict[str, float]
    replications_on_planned_path: int
    simulated_lost_units_on_planned_path: float | None
    simulated_backlog_clear_day_on_planned_path: float | None
    promised_recovery_day: float | None
    promised_recovery_date: str | None
    start_date: str | None
    #: lost units of each replication of the replay (replication k meets the same incident and
    #: demand as replication k of any run with the same seed: compare plans pairwise)
    replayed_lost_units: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    @property
    def gap_lost_units(self) -> float:
        """Simulated minus planned lost units after the restart (on the planned path when replayed)."""
        simulated = self.simulated_lost_units_on_planned_path
        if simulated is None:
            simulated = self.simulated_lost_units_after_restart
        return simulated - self.planned_lost_units

    @property
    def gap_backlog_clear_days(self) -> float | None:
        """Simulated (mean, planned path) minus planned day the backlog clears."""
        simulated = self.simulated_backlog_clear_day_on_planned_path
        if simulated is None:
            simulated = self.replayed["backlog_clear_day"]["mean"]
        if simulated is None or self.planned_backlog_clear_day is None:
            return None
        return simulated - self.planned_backlog_clear_day

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (the dispatch table is left out: write it with ``--out``)."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("dispatch", "replayed_lost_units")}
        out["dispatch_lines"] = len(self.dispatch)
        out["gap_lost_units"] = self.gap_lost_units
        out["gap_backlog_clear_days"] = self.gap_backlog_clear_days
        return out


def _date(start: dt.date | None, day: float | None) -> str | None:
    if start is None or day is None:
        return None
    return (start + dt.timedelta(days=math.ceil(day))).isoformat()


def without_extra_shifts(loaded: LoadedScenario) -> LoadedScenario:
    """The scenario with its surge plan's extra picking (shifts and pick share) taken out."""

    plan = loaded.scenario.plan
    surge = [s.model_copy(update={"extra_shifts": 0, "extra_pick_fraction": 0.0}) for s in plan.surge]
    return loaded.with_plan(plan.model_copy(update={"surge": surge}))


def replication_restart_days(inp: Any, replications: int, seed: int) -> np.ndarray:
    """The day the DC restarts in each replication of a run with ``seed`` (the engine's own draws)."""
    from aftershock.optimize.from_scenario import restart_days
    from aftershock.sim.engine import sample_compromise
    from aftershock.sim.runner import replication_seeds

    rngs = [np.random.default_rng(s) for s in replication_seeds(seed, 0, replications)]
    return restart_days(inp, sample_compromise(inp, rngs))


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
    from aftershock.optimize.from_scenario import scenario_cost_per_shift, worst_case_inputs
    from aftershock.optimize.lp import dispatch_table
    from aftershock.optimize.recovery import optimize_recovery
    from aftershock.sim import build_inputs
    from aftershock.sim import run as run_sim
    from aftershock.sim.result import build_result

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
    loaded = api.load(ref, overrides)
    inputs = build_inputs(loaded)
    # the LP decides the extra shifts itself: it starts from the scenario's plan without them
    # (the scenario's extra delivery hours stay: the delivery runs are scheduled within them)
    no_shifts = without_extra_shifts(loaded)
    lp_base = build_inputs(no_shifts)
    best = optimize_recovery(
        no_shifts,
        lp_base,
        objective=objective,
        budget_shifts=budget_shifts,
        max_shifts_per_day=max_shifts_per_day,
        integer=integer,
        stockout_weight=stockout_weight,
        max_groups=max_groups,
        seed=seed,
    )
    s = loaded.scenario
    dc = s.sites.dcs[0] if s.sites.dcs else None
    replay = best.replay_inputs(lp_base, dc.shifts_per_day if dc else 1, scenario_cost_per_shift(loaded))
    # the plan starts on each replication's own restart morning: on a path where the DC
    # restarts earlier than on the worst case, its days (shipments, shifts, surge window)
    # move earlier with it, as operations would start the plan the day they restart
    restarts = replication_restart_days(lp_base, replications, seed)
    replay = replace(replay, row_plan_shift=restarts - best.restart_day)
    common = {
        "scenario": s.name,
        "seed": seed,
        "start_date": s.start_date,
        "incident_day": s.incident.compromise.day,
        "store_ids": inputs.net.site_ids[: inputs.n_stores],
        "item_ids": inputs.item_ids,
        "region_of_store": tuple(loaded.stores.regions.tolist()),
    }
    replayed = build_result(run_sim(replay, replications, seed), **common)
    baseline = build_result(run_sim(inputs, replications, seed), **common)
    paired = replayed.metric("lost_sales_units") - baseline.metric("lost_sales_units")
    # the plan's own clear day: the plan followed with expected demand on the worst-case path,
    # measured as the engine measures it (back to the pre-incident backlog)
    followed = replace(worst_case_inputs(replay), distribution="deterministic")
    planned_clear = build_result(run_sim(followed, 1, seed), **common).summary["metrics"]["backlog_clear_day"]
    t0 = best.restart_day
    lost_after = replayed.dataset["lost_units"].values[:, t0:].sum(axis=1)
    on_path = restarts == t0  # the replications on the path the LP planned for
    clear_days = replayed.dataset["backlog_clear_day"].values[on_path]
    clear_days = clear_days[np.isfinite(clear_days)]
    clear = replayed.summary["metrics"]["backlog_clear_day"]
    promised = clear["p95"] if clear["p95"] is not None and clear["not_reached_share"] <= 0.05 else None
    shipments = best.shipments
    schedule = []
    for k, shifts in enumerate(best.plan.shifts):
        day_lines = shipments[:, :, k]
        schedule.append(
            {
                "day": t0 + k,
                "date": _date(s.start_date, t0 + k),
                "extra_shifts": round(float(shifts), 3),
                "planned_shipments_units": float(day_lines.sum()),
                "largest_line_units": float(day_lines.max(initial=0.0)),
                "planned_backlog_units": float(best.plan.owed_units[:, :, k].sum()),
                "planned_lost_units": float(best.plan.lost_units[:, :, k].sum()),
            }
        )
    store_ids = [str(x) for x in inputs.net.site_ids[: inputs.n_stores]]  # the engine's store order
    return OptimizeResult(
        scenario=s.name,
        objective=objective,
        seed=seed,
        replications=replications,
        restart_day=t0,
        lp_status=best.plan.status,
        solve_seconds=best.plan.solve_seconds,
        lp_method=best.plan.method,
        store_groups=best.groups,
        planned_lost_units=best.plan.expected_lost_units,
        planned_backlog_clear_day=None if planned_clear["mean"] is None else int(planned_clear["mean"]),
        extra_shifts=[round(float(z), 3) for z in best.plan.shifts],
        schedule=schedule,
        dispatch=dispatch_table(shipments, store_ids, list(inputs.item_ids), first_day=t0),
        replayed=replayed.summary["metrics"],
        scenario_plan=baseline.summary["metrics"],
        simulated_lost_units_after_restart=float(lost_after.mean()),
        lost_units_vs_scenario_plan={
            "mean": float(paired.mean()),
            "standard_error": float(paired.std(ddof=1) / math.sqrt(paired.size)) if paired.size > 1 else 0.0,
        },
        replications_on_planned_path=int(on_path.sum()),
        simulated_lost_units_on_planned_path=float(lost_after[on_path].mean()) if on_path.any() else None,
        simulated_backlog_clear_day_on_planned_path=float(clear_days.mean()) if clear_days.size else None,
        promised_recovery_day=promised,
        promised_recovery_date=_date(s.start_date, promised),
        start_date=None if s.start_date is None else s.start_date.isoformat(),
        replayed_lost_units=replayed.metric("lost_sales_units"),
    )


@dataclass
class PlanResult:
    """The operational dispatch plan: lines, per-store recovery, the chain's recovery, a summary."""

    summary: dict[str, Any]
    stores: list[dict[str, Any]]  # store, recovery_day, recovery_date
    dispatch: pd.DataFrame = field(repr=False)  # store, item, day, units

    def as_dict(self, *, with_dispatch: bool = True) -> dict[str, Any]:
        """Plain data for JSON."""
        out: dict[str, Any] = {"summary": self.summary, "stores": self.stores}
        if with_dispatch:
            out["dispatch"] = self.dispatch.to_dict(orient="records")
        return out


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
    summary = result.summary()
    summary["start_date"] = None if start_date is None else start_date.isoformat()
    summary["backlog_clear_date"] = _date(start_date, summary["backlog_clear_day"])
    summary["last_store_recovery_date"] = _date(start_date, summary["last_store_recovery_day"])
    stores = [
        {**r, "recovery_date": _date(start_date, r["recovery_day"])} for r in result.store_recovery_days()
    ]
    return PlanResult(summary=summary, stores=stores, dispatch=result.dispatch_table())
