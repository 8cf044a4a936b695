"""A scenario's optimised recovery: the LP from the restart morning, split back to stores, replayed.

:func:`optimize_recovery` builds the LP of :mod:`~aftershock.optimize.from_scenario`, solves
it over pooled store lines and splits the shipments back to stores;
:func:`optimize_and_replay` then replays the plan in the stochastic engine, each
replication starting it on its own restart morning, against the scenario's own plan on the
same random numbers (what ``api.optimize`` returns).

With several DCs the plan (every DC's lines and extra shifts) moves as one with the
chain's restart, the first day every DC ships again: a replication whose last DC restarts
two days before the worst case's starts the whole plan two days earlier, at every DC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from aftershock.model.stores import LoadedScenario
from aftershock.optimize.estimates import lost_units_estimates
from aftershock.optimize.from_scenario import (
    RecoveryOptions,
    dc_costs_per_shift,
    dc_shifts_per_day,
    recovery_start,
    replication_restart_days,
    without_extra_shifts,
    worst_case_inputs,
)
from aftershock.optimize.lp import (
    LPInputs,
    LPPlan,
    aggregate,
    disaggregate,
    dispatch_table,
    group_lines,
    solve,
)
from aftershock.optimize.lp.pooling import split_lent
from aftershock.optimize.lp.problem import dispatch_table_by_dc, shipped_by_dc
from aftershock.optimize.results import OptimizeResult, calendar_date
from aftershock.optimize.whole_units import whole_shipments
from aftershock.sim.inputs import SimInputs


@dataclass
class OptimizedRecovery:
    """The plan from the restart morning, split back to stores."""

    restart_day: int  # the plan's first day: the earliest day a DC ships again (worst-case path)
    lp: LPInputs
    plan: LPPlan
    shipments: np.ndarray  # (S, I, T) by store line and day from the restart (from its DC or a backup)
    groups: int
    chain_restart_day: int | None = None  # the first day every DC ships again (None: restart_day)
    dc_restart_days: np.ndarray | None = None  # (D,) each DC's restart day on the worst-case path
    lent: tuple[np.ndarray, ...] = ()  # per backup link of ``lp.backups``: its part of ``shipments``

    def replay_inputs(
        self, inp: SimInputs, shifts_per_day: float | np.ndarray, cost_per_shift: float | np.ndarray
    ) -> SimInputs:
        """Engine inputs that follow the plan: its dispatch lines, the scenario's surge + its extra shifts.

        ``shifts_per_day`` and ``cost_per_shift`` are one number or one per DC (D,): each DC's
        extra shifts add to its own surge (extra shifts / its shifts a day). The plan's lines
        are per store, whichever DC ships them (a covered store's lines are then shipped by
        its backup). The scenario's order cap is off: the plan's dispatch lines take its place.
        """
        s_n, i_n, t_n = self.shipments.shape
        d_n = inp.n_dcs
        planned = np.zeros((s_n, i_n, inp.horizon_days))
        planned[:, :, self.restart_day : self.restart_day + t_n] = self.shipments
        extra = np.zeros((d_n, inp.horizon_days))
        extra[:, self.restart_day : self.restart_day + t_n] = self.plan.dc_shifts
        per_dc = np.broadcast_to(np.asarray(shifts_per_day, dtype=float), (d_n,))
        cost = np.broadcast_to(np.asarray(cost_per_shift, dtype=float), (d_n,))
        return replace(
            inp,
            planned_units=planned,
            allocation="planned",
            allocation_by_dc=(None,) * d_n,
            surge_pick=inp.surge_pick + extra / per_dc[:, None],
            surge_cost=inp.surge_cost + (extra * cost[:, None]).sum(axis=0),
            has_cap=False,
        )

    def shipped_by_dc(self) -> np.ndarray:
        """(D, T) units each DC is planned to ship a day (its own stores' and those it covers)."""
        return shipped_by_dc(self.shipments, self.lent, self.lp)


def optimize_recovery(
    loaded: LoadedScenario, inp: SimInputs, options: RecoveryOptions, *, seed: int = 0
) -> OptimizedRecovery:
    """Build the LP from the restart morning, solve it (grouped stores), split back to stores."""
    start = recovery_start(loaded, inp, options, seed=seed)
    lp = start.lp
    grouping = group_lines(lp, options.max_groups)
    plan = solve(aggregate(lp, grouping))
    shipments = disaggregate(plan, lp, grouping)
    lent = split_lent(plan, shipments, grouping)
    if options.whole_units:
        # operations pick whole units: the replay replays the lines they are given
        shipments, lent = whole_shipments(shipments, lent, lp, plan.capacity_by_dc(lp))
    return OptimizedRecovery(
        restart_day=start.restart_day,
        lp=lp,
        plan=plan,
        shipments=shipments,
        groups=grouping.n_groups,
        chain_restart_day=start.chain_restart_day,
        dc_restart_days=start.dc_restart_days,
        lent=lent,
    )


def optimize_and_replay(
    loaded: LoadedScenario, options: RecoveryOptions, *, replications: int, seed: int
) -> OptimizeResult:
    """The optimised plan of a loaded scenario, replayed and compared with the scenario's own plan.

    The parameters are those of ``api.optimize`` (checked there).
    """
    from aftershock.sim import build_inputs
    from aftershock.sim import run as run_sim
    from aftershock.sim.result import build_result, result_labels

    inputs = build_inputs(loaded)
    # the LP decides the extra shifts itself: it starts from the scenario's plan without them
    # (the scenario's extra delivery hours stay: the delivery runs are scheduled within them)
    no_shifts = without_extra_shifts(loaded)
    lp_base = build_inputs(no_shifts)
    best = optimize_recovery(no_shifts, lp_base, options, seed=seed)
    s = loaded.scenario
    replay = best.replay_inputs(lp_base, dc_shifts_per_day(loaded), dc_costs_per_shift(loaded))
    # the plan starts on each replication's own restart morning: on a path where the chain
    # (every DC) restarts earlier than on the worst case, its days (shipments, shifts, surge
    # window, at every DC) move earlier with it, as operations would start the plan the day
    # they restart
    chain_t0 = best.restart_day if best.chain_restart_day is None else best.chain_restart_day
    restarts = replication_restart_days(lp_base, replications, seed)
    replay = replace(replay, row_plan_shift=restarts - chain_t0)
    common = {"seed": seed, **result_labels(loaded, inputs)}
    replayed = build_result(run_sim(replay, replications, seed), **common)
    baseline = build_result(run_sim(inputs, replications, seed), **common)
    paired = replayed.metric("lost_sales_units") - baseline.metric("lost_sales_units")
    # the plan's own clear day: the plan followed with expected demand on the worst-case path,
    # measured as the engine measures it (back to the pre-incident backlog)
    # (its one replication is on the worst-case path: the plan does not move)
    followed = replace(worst_case_inputs(replay), distribution="deterministic", row_plan_shift=None)
    followed_result = build_result(run_sim(followed, 1, seed), **common)
    planned_clear = followed_result.summary["metrics"]["backlog_clear_day"]
    # the same run, store by store with expected demand, splits the LP-replay gap in two
    followed_lost = float(followed_result.dataset["lost_units"].values[0, best.restart_day :].sum())
    t0 = best.restart_day
    lost_after = replayed.dataset["lost_units"].values[:, t0:].sum(axis=1)
    on_path = restarts == chain_t0  # the replications on the path the LP planned for
    clear_days = replayed.dataset["backlog_clear_day"].values[on_path]
    clear_days = clear_days[np.isfinite(clear_days)]
    clear = replayed.summary["metrics"]["backlog_clear_day"]
    promised = clear["p95"] if clear["p95"] is not None and clear["not_reached_share"] <= 0.05 else None
    shipments = best.shipments
    dc_names = [str(x) for x in inputs.dc_ids] or [""]
    dc_shifts = best.plan.dc_shifts  # (D, T)
    dc_shipped = best.shipped_by_dc()  # (D, T)
    schedule = []
    for k, shifts in enumerate(best.plan.shifts):
        day_lines = shipments[:, :, k]
        schedule.append(
            {
                "day": t0 + k,
                "date": calendar_date(s.start_date, t0 + k),
                "extra_shifts": round(float(shifts), 3),
                "planned_shipments_units": float(day_lines.sum()),
                "largest_line_units": float(day_lines.max(initial=0.0)),
                "planned_backlog_units": float(best.plan.owed_units[:, :, k].sum()),
                "planned_lost_units": float(best.plan.lost_units[:, :, k].sum()),
                "extra_shifts_by_dc": {
                    dc: round(float(z), 3) for dc, z in zip(dc_names, dc_shifts[:, k], strict=True)
                },
                "planned_shipments_by_dc": {
                    dc: float(u) for dc, u in zip(dc_names, dc_shipped[:, k], strict=True)
                },
            }
        )
    store_ids = [str(x) for x in inputs.net.site_ids[: inputs.n_stores]]  # the engine's store order
    item_ids = list(inputs.item_ids)
    if inputs.n_dcs > 1:
        dispatch = dispatch_table_by_dc(
            shipments,
            best.lp.dc_of_line(),
            dc_names,
            store_ids,
            item_ids,
            lent=best.lent,
            backups=best.lp.backups,
            first_day=t0,
        )
    else:
        dispatch = dispatch_table(shipments, store_ids, item_ids, first_day=t0)
    if options.whole_units:
        dispatch["units"] = dispatch["units"].round().astype("int64")
    simulated = float(lost_after[on_path].mean()) if on_path.any() else float(lost_after.mean())
    estimates = lost_units_estimates(
        planned=best.plan.expected_lost_units,
        replayed=simulated,
        followed=followed_lost,
        replications=int(on_path.sum()) if on_path.any() else replications,
        stores=inputs.n_stores,
        groups=best.groups,
        distribution=inputs.distribution,
        whole_shifts=options.integer_shifts,
        whole_units=options.whole_units,
    )
    return OptimizeResult(
        scenario=loaded.name,
        objective=options.objective,
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
        dispatch=dispatch,
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
        promised_recovery_date=calendar_date(s.start_date, promised),
        start_date=None if s.start_date is None else s.start_date.isoformat(),
        replayed_lost_units=replayed.metric("lost_sales_units"),
        warnings=[w.as_dict() for w in loaded.warnings],
        chain_restart_day=chain_t0,
        extra_shifts_by_dc={dc: [round(float(z), 3) for z in dc_shifts[d]] for d, dc in enumerate(dc_names)},
        dcs=dc_rows(best, dc_names),
        whole_shifts=options.integer_shifts,
        whole_units=options.whole_units,
        lost_units_estimates=estimates,
    )


def dc_rows(best: OptimizedRecovery, dc_names: list[str]) -> list[dict[str, object]]:
    """Per DC: its restart day on the worst-case path, its extra shifts in all, what it is planned
    to ship, and (with backups) what it ships for other DCs' stores and what backups ship for its own."""
    shipped = best.shipped_by_dc().sum(axis=1)
    lent = np.zeros(len(dc_names))
    covered = np.zeros(len(dc_names))
    for link, part in zip(best.lp.backups, best.lent, strict=True):
        lent[link.backup] += part.sum()
        covered[link.dc] += part.sum()
    restart = best.dc_restart_days
    return [
        {
            "dc": dc,
            "restart_day": None if restart is None else int(restart[d]),
            "extra_shifts": round(float(best.plan.dc_shifts[d].sum()), 3),
            "planned_shipments_units": float(shipped[d]),
            "shipped_for_other_dcs_units": float(lent[d]),
            "shipped_by_backups_units": float(covered[d]),
        }
        for d, dc in enumerate(dc_names)
    ]
