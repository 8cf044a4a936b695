"""``optimize`` and ``plan``: what operations should do tomorrow morning."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from aftershock import api
from aftershock.cli.app import JsonOpt, ScenarioArg, SetOpt, app
from aftershock.cli.output import console, print_json


def _num(x: float | None, fmt: str = ",.0f") -> str:
    return "—" if x is None else format(x, fmt)


@app.command("optimize")
def optimize_cmd(
    scenario: ScenarioArg,
    objective: Annotated[str, typer.Option(help="lost-sales or margin.")] = "lost-sales",
    budget_shifts: Annotated[
        float | None, typer.Option(help="Most extra shifts in all (default: no limit).")
    ] = None,
    max_shifts_per_day: Annotated[float, typer.Option(help="Most extra shifts a day.")] = 2.0,
    integer: Annotated[bool, typer.Option("--integer", help="Whole shifts (a MIP).")] = False,
    replications: Annotated[
        int, typer.Option("--replications", "-n", help="Replications of the replay.")
    ] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the replay (shared with the scenario's plan).")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the dispatch plan: .csv or .parquet.")
    ] = None,
    json_out: JsonOpt = False,
    overrides: SetOpt = None,
) -> None:
    """The best recovery plan by linear programming (HiGHS): shifts per day, dispatch per store line.

    The plan starts on the restart morning, is replayed in the stochastic engine and compared
    with the scenario's own plan on the same random numbers; the promised recovery date is
    the replay's 95th percentile of the day the backlog clears.
    """
    from aftershock.io.results import check_output_path

    if out is not None:
        check_output_path(out)
    result = api.optimize(
        scenario,
        objective=objective,
        budget_shifts=budget_shifts,
        max_shifts_per_day=max_shifts_per_day,
        integer=integer,
        replications=replications,
        seed=seed,
        overrides=overrides,
    )
    plan = result.pop("dispatch_plan")
    if out is not None:
        _write_dispatch(out, _scenario_rows(scenario, overrides, plan, result["restart_day"]))
    if json_out:
        print_json(result)
        return
    lp = result["lp"]
    console.print(
        f"[bold]{result['scenario']}[/]: recovery plan from the restart on day {result['restart_day']} "
        f"(LP {lp['status']}, {lp['solve_seconds']:.1f} s, {lp['groups']} store groups)"
    )
    sched = Table(title="Extra capacity per day", title_justify="left")
    for col in (
        "day",
        "date",
        "extra shifts",
        "extra delivery hours",
        "planned shipments",
        "planned backlog",
    ):
        sched.add_column(col, justify="right")
    for r in result["schedule"]:
        if (
            r["extra_shifts"] > 0.005
            or r["extra_delivery_hours"] > 0.005
            or r["day"] < result["restart_day"] + 7
        ):
            sched.add_row(
                str(r["day"]),
                r["date"] or "",
                f"{r['extra_shifts']:.2f}",
                f"{r['extra_delivery_hours']:.2f}",
                _num(r["planned_shipments_units"]),
                _num(r["planned_backlog_units"]),
            )
    console.print(sched)
    cmp = Table(title="Plan replayed in the engine vs the scenario's own plan (means)", title_justify="left")
    for col in ("", "optimised plan", "scenario plan"):
        cmp.add_column(col, justify="left" if not col else "right")
    for name in (
        "lost_sales_units",
        "stockout_store_days",
        "backlog_clear_day",
        "service_restored_day",
        "surge_cost",
    ):
        a, b = result["replayed"][name]["mean"], result["scenario_plan"][name]["mean"]
        fmt = ".1f" if "day" in name and "store" not in name else ",.0f"
        cmp.add_row(name, _num(a, fmt), _num(b, fmt))
    console.print(cmp)
    console.print(
        f"LP expected {lp['planned_lost_units']:,.0f} units lost after the restart; the replay lost "
        f"{lp['planned_lost_units'] + result['gap_lost_units_after_restart']:,.0f} (gap "
        f"{result['gap_lost_units_after_restart']:+,.0f}: random demand, delivery runs, store-level timing)."
    )
    when = result["promised_recovery_date"] or f"day {_num(result['promised_recovery_day'], '.0f')}"
    console.print(f"Promise to stores: backlog cleared by [bold]{when}[/] (95% of replications).")
    if out is not None:
        console.print(f"wrote {out}")


def _scenario_rows(
    scenario: str, overrides: list[str] | None, plan: Any, restart: int
) -> list[dict[str, Any]]:
    import numpy as np

    loaded = api.load(scenario, overrides)
    stores = loaded.stores.ids
    items = [i.id for i in loaded.scenario.items]
    s_idx, i_idx, t_idx = np.nonzero(plan >= 0.5)
    return [
        {
            "store": str(stores[s]),
            "item": items[i],
            "day": int(restart + t),
            "units": round(float(plan[s, i, t]), 1),
        }
        for s, i, t in zip(s_idx, i_idx, t_idx, strict=True)
    ]


def _write_dispatch(path: Path, rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    from aftershock.errors import UsageError
    from aftershock.io.results import write_atomic

    frame = pd.DataFrame(rows, columns=["store", "item", "day", "units"])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))
    elif suffix == ".parquet":
        write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))
    else:
        raise UsageError(f"--out {path}: expected a .csv or .parquet file name")


@app.command("plan")
def plan_cmd(
    backlog: Annotated[
        Path, typer.Option("--backlog", help="Open orders: store, item, ordered_day, quantity.")
    ],
    stock: Annotated[
        Path, typer.Option("--stock", help="Store stock: store, item, on_hand, demand_per_day, ...")
    ],
    capacity: Annotated[
        Path, typer.Option("--capacity", help="DC capacity per day: day, pick_capacity_units, ...")
    ],
    horizon: Annotated[int, typer.Option(help="Days to plan, from today (day 0).", min=1, max=120)] = 14,
    budget_shifts: Annotated[float | None, typer.Option(help="Most extra shifts in all.")] = None,
    backlog_cost: Annotated[
        float, typer.Option(help="Cost of a unit owed to a store for a day (a lost unit costs 1).")
    ] = 0.0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the dispatch plan: .csv or .parquet.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Operational mode: a dispatch plan from today's backlog, stock and capacity tables.

    Prints when the backlog clears, when each store is back to its target cover and which
    extra shifts are worth it; writes the plan (store, item, day, units). Tables are checked
    row by row; nothing is written when one is wrong.
    """
    from aftershock.io.results import check_output_path

    if out is not None:
        check_output_path(out)
    result = api.plan(
        backlog, stock, capacity, horizon_days=horizon, budget_shifts=budget_shifts, backlog_cost=backlog_cost
    )
    if out is not None:
        _write_dispatch(out, result["dispatch"])
    if json_out:
        print_json(result)
        return
    s = result["summary"]
    console.print(
        f"[bold]Dispatch plan[/] for {s['stores']} stores × {s['items']} items, {s['horizon_days']} days: "
        f"backlog {s['backlog_units']:,.0f} units, planned shipments {s['planned_shipments_units']:,.0f}, "
        f"expected lost sales {s['expected_lost_units']:,.0f} units."
    )
    clear = "—" if s["backlog_clear_day"] is None else s["backlog_clear_day"]
    late = s["stores_not_back_in_horizon"]
    last = _num(s["last_store_recovery_day"], ".0f")
    note = f" ({late} stores not within the horizon)" if late else ""
    console.print(
        f"Backlog cleared on day [bold]{clear}[/]; last store back to target cover on day {last}{note}."
    )
    shifts = [(d, z) for d, z in enumerate(s["extra_shifts"]) if z > 0.005]
    console.print(
        "Extra shifts: "
        + (", ".join(f"day {d}: {z:.2f}" for d, z in shifts) or "none needed")
        + f" (cost {s['extra_shift_cost']:,.0f})."
    )
    table = Table(title="Stores by recovery day", title_justify="left")
    table.add_column("store")
    table.add_column("back to target cover", justify="right")
    for r in sorted(result["stores"], key=lambda r: (r["recovery_day"] is None, r["recovery_day"] or 0))[:15]:
        table.add_row(r["store"], "—" if r["recovery_day"] is None else f"day {r['recovery_day']}")
    console.print(table)
    if out is not None:
        console.print(f"wrote {out} ({len(result['dispatch'])} lines)")
