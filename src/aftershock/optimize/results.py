"""What the optimiser gives the API: :class:`OptimizeResult` and :class:`PlanResult`, plain data for JSON.

Days are scenario days (or the plan's days from 0); :func:`calendar_date` turns one into a
date when the start date is known.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def calendar_date(start: dt.date | None, day: float | None) -> str | None:
    """The date of a day (rounded up to a whole day) as YYYY-MM-DD; None without a start date or a day."""
    if start is None or day is None:
        return None
    return (start + dt.timedelta(days=math.ceil(day))).isoformat()


@dataclass
class OptimizeResult:
    """The best recovery plan by LP, and how it fares when replayed in the stochastic engine.

    Days are scenario days (0 = the scenario's first day). The LP plans from ``restart_day``
    (the first day a DC ships again; with one DC, its restart) along the worst-case incident
    path with expected demand; the replay runs every replication with the plan, and
    ``*_on_planned_path`` averages the replications whose DCs all restarted on
    ``chain_restart_day`` (the path the LP planned for), so planned and simulated compare
    like with like. ``extra_shifts`` and the schedule's ``extra_shifts`` are over every DC;
    ``extra_shifts_by_dc`` and ``dcs`` give each DC's (DCs sorted by id).
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
    #: the scenario's warnings (``{source, line, field, message}`` each)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    #: the first day every DC ships again on the worst-case path (the plan moves with it per replication)
    chain_restart_day: int | None = None
    #: extra shifts per DC and day from ``restart_day``
    extra_shifts_by_dc: dict[str, list[float]] = field(default_factory=dict)
    #: per DC: dc, restart_day, extra_shifts (in all), planned_shipments_units,
    #: shipped_for_other_dcs_units (as a backup), shipped_by_backups_units (its stores' lines)
    dcs: list[dict[str, Any]] = field(default_factory=list)
    #: whether extra shifts are whole (the default; False with ``fractional_shifts``)
    whole_shifts: bool = False
    #: whether the dispatch lines are whole units (their totals kept: aftershock.optimize.whole_units)
    whole_units: bool = False
    #: the LP's lost units after the restart beside the replay's, what each means, and a warning
    #: when they differ by more than 25% (see aftershock.optimize.estimates)
    lost_units_estimates: dict[str, Any] = field(default_factory=dict)

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
