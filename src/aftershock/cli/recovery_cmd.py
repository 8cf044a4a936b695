"""``compare`` and ``report``: recovery plans side by side, and the HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from aftershock import api
from aftershock.cli.app import ExecutorOpt, JsonOpt, ScenarioArg, SetOpt, WorkersOpt, app
from aftershock.cli.output import console, print_json, print_warnings, whole_numbers
from aftershock.cli.progress import progress_bar


@app.command("compare")
def compare_cmd(
    scenario: ScenarioArg,
    policy: Annotated[
        list[str] | None, typer.Option("--policy", help="Allocation policy (repeatable). Default: fifo.")
    ] = None,
    cap: Annotated[
        list[str] | None,
        typer.Option(
            "--cap",
            help="Order cap: units per order line (40), a share of the normal order (75%), "
            "or 'none' (repeatable: one plan each). It keeps the scenario's cap window. Per DC: "
            "dc-north:40 caps dc-north's stores only; 40,dc-west:none caps every DC but dc-west "
            "(one size per plan).",
        ),
    ] = None,
    surge: Annotated[
        list[str] | None,
        typer.Option(
            "--surge",
            help="Extra picking shifts a day in the scenario's surge window, in place of its own "
            "(repeatable: one plan each; default 0). The surge's extra delivery hours and costs come "
            "with any value above 0; 0 runs with no surge at all. A number applies at every DC; "
            "dc-north:2 adds 2 at dc-north only; 1,dc-north:2 adds 1 everywhere and 2 at dc-north.",
        ),
    ] = None,
    backup_share: Annotated[
        list[str] | None,
        typer.Option(
            "--backup-share",
            help="Share (0-1) of its spare capacity each backup DC lends (sites.dcs[].backups), in "
            "place of the scenario's (repeatable: one plan each; default: as in the scenario). 0.5 "
            "sets every backup; dc-north:0.5 sets the backups of dc-north only; 'keep' is the "
            "scenario's.",
        ),
    ] = None,
    replications: Annotated[int, typer.Option("--replications", "-n", help="Replications per plan.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed shared by every plan (common random numbers).")] = 0,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Write a Plotly chart of the comparison (.html).")
    ] = None,
    with_optimised: Annotated[
        bool,
        typer.Option(
            "--with-optimised",
            help="Add the optimiser's plan (`aftershock optimize`, default settings) as a last row, "
            "replayed on the same random numbers.",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    executor: ExecutorOpt = None,
    workers: WorkersOpt = None,
    json_out: JsonOpt = False,
    overrides: SetOpt = None,
) -> None:
    """Compare every combination of policy × cap × surge (× backup share) on the same random numbers.

    Shows lost sales, the day the backlog clears, the day standard service returns, the worst
    store's days without stock and the surge cost; Pareto-efficient plans are marked. With
    several DCs, --cap, --surge and --backup-share take DC:value parts (comma-separated, each
    DC once, with at most one plain value for the DCs not named); rows and --json name the DCs
    each applies to.
    """
    from aftershock.api.compare import for_compare
    from aftershock.io.results import check_output_path, write_text_atomic
    from aftershock.recovery.compare import (
        PARETO_OBJECTIVES,
        normal_order_line_units,
        normal_order_line_units_by_dc,
    )

    if chart is not None:
        check_output_path(chart, flag="--chart", suffixes=(".html", ".htm"))
    # once: the grid, the footer and the JSON use it (as compare runs it: see for_compare)
    loaded = for_compare(api.load(scenario, overrides), backup_share or [None], with_optimised)
    warnings = api.warnings_data(loaded)
    print_warnings(warnings)
    with progress_bar("comparing plans", enabled=not (quiet or json_out)) as tick:
        rows = api.compare(
            loaded,
            policies=policy or ["fifo"],
            caps=cap or ["none"],
            surges=surge or [0],
            backup_shares=backup_share or [None],
            replications=replications,
            seed=seed,
            on_progress=tick,
            executor=executor,
            workers=workers,
            with_optimised=with_optimised,
        )
    # a plan's own cap may raise a warning the scenario's does not: once per cap, named by it
    extra: dict[tuple[str, str], dict[str, object]] = {}
    for r in rows:
        for w in r.warnings:
            if w not in warnings:
                extra.setdefault((r.cap_label, w["message"]), {**w, "source": f"compare --cap {r.cap_label}"})
    print_warnings(list(extra.values()))
    if chart is not None:
        from aftershock.report.figures import compare_figure

        write_text_atomic(chart, compare_figure(rows).to_html(include_plotlyjs=True), flag="--chart")
    lines = normal_order_line_units(loaded)
    lines_by_dc = normal_order_line_units_by_dc(loaded)
    if json_out:
        start = loaded.scenario.start_date
        print_json(
            {
                "scenario": loaded.name,
                "start_date": None if start is None else start.isoformat(),
                "replications": replications,
                "seed": seed,
                "normal_order_line_units": lines,
                "normal_order_line_units_by_dc": lines_by_dc,
                "warnings": warnings,
                "pareto_objectives": list(PARETO_OBJECTIVES),
                "plans": [
                    {
                        "policy": r.policy,
                        "cap": r.cap_label,
                        "cap_units": r.cap_units,
                        "cap_fraction_of_normal": None if r.cap is None else r.cap.fraction_of_normal,
                        "cap_dcs": None if r.cap_dcs is None else list(r.cap_dcs),
                        "extra_shifts": r.extra_shifts,
                        "extra_shifts_by_dc": r.shifts_by_dc,
                        "backup_share": None if r.backup_share is None else r.backup_label,
                        "backup_shares": r.backup_shares,
                        "is_pareto": r.is_pareto,
                        "optimised": r.optimised,
                        "note": r.note,
                        "metrics": r.metrics,
                        "p5": {k: v[0] for k, v in r.intervals.items()},
                        "p95": {k: v[1] for k, v in r.intervals.items()},
                        "warnings": r.warnings,
                    }
                    for r in rows
                ],
            }
        )
        return
    table = Table(
        title=f"Recovery plans, {replications} replications each, seed {seed} (★ = Pareto-efficient)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    with_backups = any(r.backup_share is not None for r in rows)
    for col in (
        "policy",
        "cap",
        "+shifts",
        *(["backup share"] if with_backups else []),
        "lost units",
        "backlog clear day",
        "service back day",
        "worst store days",
        "surge cost",
        "",
    ):
        table.add_column(col, justify="left" if col == "policy" else "right")

    def num(value: float | None, fmt: str) -> str:
        return "—" if value is None else format(value, fmt)

    for r in rows:
        m = r.metrics
        table.add_row(
            "optimised (LP)" if r.optimised else r.policy,
            "plan" if r.optimised else r.cap_label,
            r.note.split(" ")[0] + " in all" if r.optimised else r.shifts_label,
            *([r.backup_label] if with_backups else []),
            num(m["lost_sales_units"], ",.0f"),
            num(m["backlog_clear_day"], ".1f"),
            num(m["service_restored_day"], ".1f"),
            num(m["worst_store_stockout_days"], ".1f"),
            num(m["surge_cost"], ",.0f"),
            "★" if r.is_pareto else "",
        )
    console.print(whole_numbers(table))
    start = loaded.scenario.start_date
    day0 = f" (day 0 = {start:%a %d %b %Y})" if start else ""
    console.print(
        f"Lost units over the horizon; backlog clear and service back are days{day0}, means over "
        "replications; worst store days = days without stock at the hardest-hit store; surge cost in "
        "the scenario's currency. A cap is units per order line or a % of the normal order; a normal "
        f"order line here is {lines['median']:,.0f} units (median; 10-90%: {lines['p10']:,.0f}-"
        f"{lines['p90']:,.0f})"
        + (
            "; at each DC's stores: "
            + ", ".join(
                f"{dc} {x['median']:,.0f} ({x['p10']:,.0f}-{x['p90']:,.0f})" for dc, x in lines_by_dc.items()
            )
            if len(lines_by_dc) > 1
            else ""
        )
        + "."
    )
    if chart is not None:
        console.print(f"wrote {chart}")


@app.command("report")
def report_cmd(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write (self-contained).")],
    replications: Annotated[int, typer.Option("--replications", "-n", help="Replications.")] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the random streams.")] = 0,
    policy: Annotated[
        list[str] | None,
        typer.Option(
            "--policy", help="Policies to compare (default: fifo, proportional, lowest-cover-first)."
        ),
    ] = None,
    risk_years: Annotated[
        int, typer.Option(help="Years of the risk Monte Carlo for the loss exceedance curve (0: leave out).")
    ] = 1000,
    sensitivity_param: Annotated[
        list[str] | None,
        typer.Option(
            "--sensitivity-param",
            help="A field to vary in the section on what drives lost sales: path=low:high "
            "(repeatable; default: the scenario's uncertainty: estimates).",
        ),
    ] = None,
    sensitivity_samples: Annotated[
        int,
        typer.Option(
            help="Sobol base sample of that section (a power of two; 0: leave the section out).", min=0
        ),
    ] = 16,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    overrides: SetOpt = None,
) -> None:
    """Write a self-contained HTML report: backlog, stockouts, losses by region, plans compared, risk.

    The page embeds Plotly's JavaScript, so it opens with no network. The plans compared are
    the policies × the scenario's cap or none × 0 or 1 extra shift, and the optimiser's plan.
    With threats in the scenario, it also shows the loss exceedance curve of the yearly risk
    Monte Carlo. With `uncertainty:` estimates in the scenario (or --sensitivity-param), it
    says what drives lost sales: Sobol indices, Morris screening and a tornado chart, as
    `aftershock sensitivity`. It ends with the vendor concentration of the network (see
    `aftershock impact`) and the stress test along attack paths (see `aftershock stress`).
    """
    from aftershock.io.results import check_output_path, write_text_atomic
    from aftershock.optimize import available as lp_available
    from aftershock.recovery import CapSize
    from aftershock.report import render_report

    check_output_path(out, suffixes=(".html", ".htm"))
    loaded = api.load(scenario, overrides)
    print_warnings(api.warnings_data(loaded))
    # what drives lost sales: its parameters are checked now, not after the other sections
    drivers_options = {
        "params": sensitivity_param,
        "samples": sensitivity_samples,
        "trajectories": 6,
        "replications": 2,
        "seed": seed,
    }
    with_drivers = sensitivity_samples > 0 and bool(sensitivity_param or loaded.scenario.uncertainty)
    if with_drivers:
        from aftershock.errors import ParameterError, UsageError

        try:
            api.check_sensitivity(loaded, **drivers_options)
        except ParameterError as exc:
            flags = {"params": "--sensitivity-param", "samples": "--sensitivity-samples"}
            raise UsageError(exc.for_flag(flags)) from None
    policies = policy or ["fifo", "proportional", "lowest-cover-first"]
    cap = loaded.scenario.plan.order_cap
    caps: list[CapSize | None] = [None]
    if cap is not None:
        caps.append(CapSize(units=cap.units, fraction_of_normal=cap.fraction_of_normal))
    with progress_bar("simulating", enabled=not quiet) as tick:
        result = api.simulate(loaded, replications=replications, seed=seed, on_progress=tick)
    with progress_bar("comparing plans", enabled=not quiet) as tick:
        rows = api.compare(
            loaded,
            policies=policies,
            caps=caps,
            surges=[0, 1],
            replications=replications,
            seed=seed,
            on_progress=tick,
            with_optimised=lp_available(),
        )
    risk = None
    if risk_years > 0 and loaded.scenario.threats:
        with progress_bar("pricing incidents", enabled=not quiet) as tick:
            risk = api.risk(loaded, years=risk_years, seed=seed, reps_per_shape=2, on_progress=tick)
    drivers = None
    if with_drivers:
        with progress_bar("finding what drives lost sales", enabled=not quiet) as tick:
            drivers = api.sensitivity(loaded, **drivers_options, on_progress=tick)  # type: ignore[arg-type]
    title = loaded.scenario.title or loaded.scenario.name
    if loaded.variant is not None:  # a what-if, never to be taken for the record
        title += f" — what-if {loaded.name}"
    concentration = api.concentration(loaded)
    stress = api.stress(loaded, seed=seed)  # a few seconds: one engine batch per entry and party
    write_text_atomic(out, render_report(title, result, rows, risk, drivers, concentration, stress))
    console.print(f"wrote {out}")
