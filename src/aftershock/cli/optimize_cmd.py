"""``optimize`` and ``plan``: what operations should do tomorrow morning."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from aftershock import api
from aftershock.cli.app import JsonOpt, ScenarioArg, SetOpt, app
from aftershock.cli.output import console, print_json, print_warnings, whole_numbers
from aftershock.optimize.operational import DEFAULT_BACKLOG_COST
from aftershock.sim.metrics import LABELS

OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Write the dispatch plan (store, item, day, units; with several DCs also dc, the DC that "
        "ships the line): .csv or .parquet.",
    ),
]


def _num(x: float | None, fmt: str = ",.0f") -> str:
    return "—" if x is None else format(x, fmt)


def _units(x: float | None, sign: str = "") -> str:
    """Units: whole above 100, one decimal below (small reference cases still show a difference)."""
    if x is None:
        return "—"
    return format(x, f"{sign},.0f" if abs(x) >= 100 else f"{sign}.1f")


def _shifts(x: float, whole: bool) -> str:
    """Extra shifts: whole when the plan's are, else to two decimals."""
    return f"{x:,.0f}" if whole else f"{x:,.2f}"


def _check_out(path: Path | None) -> None:
    """Fail on a bad --out before any work."""
    from aftershock.io.results import check_output_path

    if path is None:
        return
    check_output_path(path, suffixes=(".csv", ".parquet"))


def _write_dispatch(path: Path, frame: Any) -> None:
    """Write the dispatch table atomically (a failure leaves no half-written file)."""
    from aftershock.io.results import write_atomic

    if path.suffix.lower() == ".csv":
        write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))
    else:
        write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))


@app.command("optimize")
def optimize_cmd(
    scenario: ScenarioArg,
    objective: Annotated[
        str,
        typer.Option(
            help="lost-sales (units; shifts limited by the budget) or margin (lost margin + shift cost)."
        ),
    ] = "lost-sales",
    budget_shifts: Annotated[
        float | None,
        typer.Option(
            help="Most extra shifts in all, in place of the scenario's surge shifts (default: no limit)."
        ),
    ] = None,
    max_shifts_per_day: Annotated[float, typer.Option(help="Most extra shifts a day.")] = 2.0,
    fractional_shifts: Annotated[
        bool,
        typer.Option(
            "--fractional-shifts",
            help="The LP's fractional extra shifts (e.g. 1.44 a day) instead of whole ones (the default, "
            "a MIP on the shifts).",
        ),
    ] = False,
    integer: Annotated[
        bool, typer.Option("--integer", help="Whole shifts: the default (kept for older scripts).")
    ] = False,
    stockout_weight: Annotated[
        float, typer.Option(help="Extra cost of a store line a whole day without stock (a stockout proxy).")
    ] = 0.0,
    replications: Annotated[
        int, typer.Option("--replications", "-n", help="Replications of the replay.")
    ] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the replay (shared with the scenario's plan).")] = 0,
    out: OutOpt = None,
    json_out: JsonOpt = False,
    overrides: SetOpt = None,
) -> None:
    """The best recovery plan by linear programming (HiGHS): extra shifts per day, dispatch per store line.

    The LP plans from the restart morning of the worst-case incident path with expected
    demand; the plan is then replayed in the stochastic engine and compared with the
    scenario's own plan on the same random numbers. The promised recovery date is the
    replay's 95th percentile of the day the backlog clears. Extra shifts are whole and
    dispatch lines whole units (rounded so each DC's daily totals are the LP's, within
    capacity and what stores are owed); the LP's lost-units estimate is shown beside the
    replay's, with what each means.
    """
    _check_out(out)
    result = api.optimize(
        scenario,
        objective=objective,
        budget_shifts=budget_shifts,
        max_shifts_per_day=max_shifts_per_day,
        integer=True if integer else None,
        fractional_shifts=fractional_shifts,
        stockout_weight=stockout_weight,
        replications=replications,
        seed=seed,
        overrides=overrides,
    )
    print_warnings(result.warnings)
    if out is not None:
        _write_dispatch(out, result.dispatch)
    if json_out:
        print_json(result.as_dict())
        return
    t0 = result.restart_day
    chain_t0 = t0 if result.chain_restart_day is None else result.chain_restart_day
    start = (
        f"day {t0} (the first day a DC ships again; every DC does on day {chain_t0})"
        if len(result.dcs) > 1
        else f"the restart on day {t0}"
    )
    console.print(
        f"[bold]{result.scenario}[/]: recovery plan from {start} of the worst-case path "
        f"({result.lp_method.upper()} {result.lp_status}, {result.solve_seconds:.1f} s, "
        f"{result.store_groups} store groups; objective {result.objective})"
    )
    sched = Table(
        title="Plan per day: extra shifts, the largest planned store line (the order cap to announce), "
        "shipments, backlog and lost sales (units)",
        title_justify="left",
    )
    for col in ("day", "date", "shifts", "largest line", "shipped", "backlog", "lost"):
        sched.add_column(col, justify="right")
    for r in result.schedule:
        if r["extra_shifts"] > 0.005 or r["day"] < t0 + 7:
            sched.add_row(
                str(r["day"]),
                r["date"] or "",
                _shifts(r["extra_shifts"], result.whole_shifts),
                _num(r["largest_line_units"]),
                _num(r["planned_shipments_units"]),
                _num(r["planned_backlog_units"]),
                _num(r["planned_lost_units"]),
            )
    console.print(whole_numbers(sched))
    console.print(
        f"Extra shifts in all: {_shifts(sum(result.extra_shifts), result.whole_shifts)} "
        f"(days with none after day {t0 + 6} not shown). "
        f"Surge cost in the replay: {_units(result.replayed['surge_cost']['mean'])} a run on average: these "
        "shifts and the scenario's extra delivery hours."
    )
    if len(result.dcs) > 1:
        _print_dcs(result)
    gap = Table(title=f"Planned vs simulated, from the restart on day {t0}", title_justify="left")
    for col in ("", "LP plan", "replay on the planned path", "gap", "replay, all replications"):
        gap.add_column(col, justify="left" if not col else "right")
    clear_all = result.replayed["backlog_clear_day"]["mean"]
    gap.add_row(
        "lost units after the restart",
        _units(result.planned_lost_units),
        _units(result.simulated_lost_units_on_planned_path),
        _units(result.gap_lost_units, "+"),
        _units(result.simulated_lost_units_after_restart),
    )
    gap.add_row(
        "day the backlog is back to normal",
        _num(result.planned_backlog_clear_day, ".0f"),
        _num(result.simulated_backlog_clear_day_on_planned_path, ".1f"),
        _num(result.gap_backlog_clear_days, "+.1f"),
        _num(clear_all, ".1f"),
    )
    console.print(whole_numbers(gap))
    _print_estimates(result.lost_units_estimates)
    on_path, reps = result.replications_on_planned_path, result.replications
    if on_path < reps:
        console.print(
            f"{on_path} of {reps} replications restarted on day {chain_t0} (the worst-case path the LP plans "
            "for); "
            "the others restarted earlier and start the plan (shipments, shifts, surge window) on "
            "their own restart day."
        )
    cmp = Table(
        title="Optimised plan vs the scenario's own plan over the whole horizon "
        f"(means of {result.replications} replications, same seed)",
        title_justify="left",
    )
    for col in ("", "optimised plan", "scenario plan"):
        cmp.add_column(col, justify="left" if not col else "right")
    for name in (
        "lost_sales_units",
        "lost_margin",
        "stockout_store_days",
        "backlog_clear_day",
        "service_restored_day",
        "surge_cost",
    ):
        a, b = result.replayed[name]["mean"], result.scenario_plan[name]["mean"]
        if name.endswith("_day"):
            cmp.add_row(LABELS[name], _num(a, ".1f"), _num(b, ".1f"))
        else:
            cmp.add_row(LABELS[name], _units(a), _units(b))
    console.print(whole_numbers(cmp))
    diff = result.lost_units_vs_scenario_plan
    console.print(
        f"Lost units, optimised minus scenario plan (paired on the same random numbers): "
        f"{_units(diff['mean'], '+')} ± {_units(diff['standard_error'])} (standard error)."
    )
    if result.promised_recovery_day is None:
        console.print(
            "Promise to stores: none — the backlog does not clear within the horizon in more than 5% of "
            "replications; lengthen the horizon or allow more shifts."
        )
    else:
        day = math.ceil(result.promised_recovery_day)
        when = (
            f"{result.promised_recovery_date} (day {day})" if result.promised_recovery_date else f"day {day}"
        )
        console.print(
            f"Promise to stores: backlog back to its pre-incident level by [bold]{when}[/] "
            "(95% of replications)."
        )
    if out is not None:
        console.print(f"wrote {out} ({len(result.dispatch)} lines)")


def _print_estimates(est: dict[str, Any]) -> None:
    """The LP's estimate beside the replay's: what each means, and a warning when far apart."""
    if not est:
        return
    console.print(f"LP estimate, {_units(est['lp_lost_units'])} lost units: {est['lp_means']}")
    console.print(f"Replay, {_units(est['replay_lost_units'])} lost units: {est['replay_means']}")
    console.print(
        f"Plan followed with expected demand, {_units(est['followed_lost_units'])} lost units: "
        f"{est['followed_means']}"
    )
    if est["warning"]:
        console.print(f"[yellow]Warning:[/] {est['warning']}")


def _print_dcs(result: Any) -> None:
    """Per DC: restart day, extra shifts by day (days with any) and in all, what it ships."""
    t0 = result.restart_day
    names = [r["dc"] for r in result.dcs]
    # the title above the table, not in it: with whole shifts the table is narrow and would wrap it
    console.print(
        f"Extra shifts per DC and day (days with any; the plan starts on day {t0}, the first day "
        f"a DC ships again; every DC ships again on day {result.chain_restart_day})"
    )
    days = Table()
    days.add_column("day", justify="right")
    days.add_column("date", justify="right")
    for name in names:
        days.add_column(name, justify="right")
    for r in result.schedule:
        by_dc = r["extra_shifts_by_dc"]
        if any(by_dc[n] > 0.005 for n in names):
            days.add_row(
                str(r["day"]), r["date"] or "", *(_shifts(by_dc[n], result.whole_shifts) for n in names)
            )
    days.add_row("all", "", *(_shifts(r["extra_shifts"], result.whole_shifts) for r in result.dcs))
    console.print(whole_numbers(days))
    dcs = Table(title="Per DC over the plan (units)", title_justify="left")
    columns = ("DC", "restart day", "extra shifts", "shipped", "shipped for other DCs", "shipped by backups")
    for col in columns:
        dcs.add_column(col, justify="left" if col == "DC" else "right")
    for r in result.dcs:
        dcs.add_row(
            r["dc"],
            _num(r["restart_day"], "d"),
            _shifts(r["extra_shifts"], result.whole_shifts),
            _num(r["planned_shipments_units"]),
            _num(r["shipped_for_other_dcs_units"]),
            _num(r["shipped_by_backups_units"]),
        )
    console.print(whole_numbers(dcs))


@app.command("plan")
def plan_cmd(
    backlog: Annotated[
        Path, typer.Option("--backlog", help="Open orders: store, item, ordered_day, quantity [, dc].")
    ],
    stock: Annotated[
        Path,
        typer.Option(
            "--stock",
            help="Store stock: store, item, on_hand, demand_per_day [, lead_time_days, target_cover_days, "
            "dc].",
        ),
    ],
    capacity: Annotated[
        Path,
        typer.Option(
            "--capacity",
            help="DC capacity: day, pick_capacity_units [, max_extra_shifts, units_per_shift, "
            "cost_per_shift, dc (a row per DC and day; name each store's DC in a dc column of the "
            "stock or backlog table)].",
        ),
    ],
    horizon: Annotated[int, typer.Option(help="Days to plan, from today (day 0).", min=1, max=366)] = 14,
    budget_shifts: Annotated[float | None, typer.Option(help="Most extra shifts in all.")] = None,
    backlog_cost: Annotated[
        float,
        typer.Option(
            help="Cost of a unit owed to a store for a day, where a lost unit costs 1: at 0.1 ten days "
            "of waiting weigh as much as a lost sale, so shifts that clear the backlog sooner are bought "
            "when they are cheap enough; 0 counts lost sales only.",
        ),
    ] = DEFAULT_BACKLOG_COST,
    start_date: Annotated[
        str | None, typer.Option("--start-date", help="Today's date (day 0), YYYY-MM-DD, to print dates.")
    ] = None,
    out: OutOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Operational mode: a dispatch plan from today's backlog, stock and capacity tables.

    Prints when the backlog clears, when each store is back to its target cover and which
    extra shifts are worth it; writes the plan (store, item, day, units). Tables are checked
    row by row and every problem is listed; nothing is written when one is wrong, or when
    capacity is too short to clear the backlog within the horizon (the error says by how much).
    """
    _check_out(out)
    result = api.plan(
        backlog,
        stock,
        capacity,
        horizon_days=horizon,
        budget_shifts=budget_shifts,
        backlog_cost=backlog_cost,
        start_date=start_date,
    )
    if out is not None:
        _write_dispatch(out, result.dispatch)
    if json_out:
        print_json(result.as_dict())
        return
    s = result.summary
    console.print(
        f"[bold]Dispatch plan[/] for {s['stores']} stores × {s['items']} items, {s['horizon_days']} days: "
        f"backlog {s['backlog_units']:,.0f} units, planned shipments {s['planned_shipments_units']:,.0f}, "
        f"expected lost sales {s['expected_lost_units']:,.0f} units."
    )

    def when(day: int | None, date: str | None) -> str:
        return "—" if day is None else f"day {day}" + (f" ({date})" if date else "")

    if s["backlog_clear_day"] is None:
        console.print(
            "The backlog is [bold]not cleared[/] within the horizon: capacity would allow it, but the extra "
            "shifts it needs cost more than the sales they save. Put a price on waiting with --backlog-cost."
        )
    else:
        cleared = when(s["backlog_clear_day"], s["backlog_clear_date"])
        console.print(f"Chain recovery: backlog cleared on [bold]{cleared}[/].")
    late = s["stores_not_back_in_horizon"]
    if late:
        console.print(
            f"{late} of {s['stores']} stores {'are' if late != 1 else 'is'} not back to "
            "target cover within the horizon."
        )
    else:
        last = when(s["last_store_recovery_day"], s["last_store_recovery_date"])
        console.print(f"Every store is back to its target cover by {last}.")
    shifts = [(d, z) for d, z in enumerate(s["extra_shifts"]) if z > 0.005]
    console.print(
        "Extra shifts: "
        + (", ".join(f"day {d}: {z:.2f}" for d, z in shifts) or "none needed")
        + f" (cost {s['extra_shift_cost']:,.0f})."
    )
    for dc in s.get("dcs", []):
        at = [(d, z) for d, z in enumerate(dc["extra_shifts"]) if z > 0.005]
        console.print(
            f"  DC {dc['dc']} ({dc['stores']} store{'s' if dc['stores'] != 1 else ''}, "
            f"backlog {dc['backlog_units']:,.0f} units): "
            + (", ".join(f"day {d}: {z:.2f}" for d, z in at) or "no extra shifts")
            + f" (cost {dc['extra_shift_cost']:,.0f})."
        )
    table = Table(title="Stores by recovery day (the latest first)", title_justify="left")
    table.add_column("store")
    table.add_column("back to target cover", justify="right")
    ranked = sorted(result.stores, key=lambda r: -1e9 if r["recovery_day"] is None else -r["recovery_day"])
    for r in ranked[:15]:
        table.add_row(
            r["store"],
            "not within the horizon"
            if r["recovery_day"] is None
            else when(r["recovery_day"], r["recovery_date"]),
        )
    console.print(whole_numbers(table))
    by_day = s["stores_back_to_target_by_day"]
    console.print(
        "Stores back to target cover by day: " + ", ".join(f"{d}: {n}" for d, n in enumerate(by_day))
    )
    if out is not None:
        console.print(f"wrote {out} ({len(result.dispatch)} lines)")
