"""``pause-study``: how long to pause as a precaution (issue 14, the pause decision)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from aftershock.cli.app import ExecutorOpt, JsonOpt, ScenarioArg, SetOpt, WorkersOpt, app
from aftershock.cli.output import console, pct, print_json, print_warnings, whole_numbers
from aftershock.cli.progress import progress_bar
from aftershock.cli.risk_cmd import money


@app.command("pause-study")
def pause_cmd(
    scenario: ScenarioArg,
    days: Annotated[
        str, typer.Option("--days", help="Pause lengths in days, increasing, comma-separated.")
    ] = "0,1,2,3,5,7,10",
    replications: Annotated[
        int, typer.Option("--replications", "-n", help="Replications per pause length.")
    ] = 40,
    seed: Annotated[int, typer.Option(help="Seed shared by every length (common random numbers).")] = 0,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Write a Plotly chart of the study (.html).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    executor: ExecutorOpt = None,
    workers: WorkersOpt = None,
    json_out: JsonOpt = False,
    overrides: SetOpt = None,
) -> None:
    """Pause deliveries as a precaution, and for how long?

    For each pause length (the isolations that end with the pause last that many days from
    detection): expected and p95 loss, the chance the attack reaches the isolated systems,
    and the cost of the pause itself; the length with the least expected loss and how sure
    that is. The spread is drawn with each control edge's own p; an isolation in force stops
    a compromise landing on a control edge it cuts (docs/risk.md, "The pause decision").
    """
    from aftershock.api.pause_study import parse_days, pause_figure, pause_study
    from aftershock.io.results import check_output_path, write_text_atomic

    if chart is not None:
        check_output_path(chart, flag="--chart", suffixes=(".html", ".htm"))
    lengths = parse_days(days)
    with progress_bar("pricing pause lengths", enabled=not (quiet or json_out)) as tick:
        study = pause_study(
            scenario,
            days=lengths,
            replications=replications,
            seed=seed,
            overrides=overrides,
            executor=executor,
            workers=workers,
            on_progress=tick,
        )
    print_warnings(study["warnings"])
    if chart is not None:
        write_text_atomic(chart, pause_figure(study).to_html(include_plotlyjs=True), flag="--chart")
    if json_out:
        print_json(study)
        return
    render_pause(study)
    if chart is not None:
        console.print(f"wrote {chart}")


def render_pause(s: dict[str, Any]) -> None:
    """The table per pause length and the verdict."""
    table = Table(
        title=f"{s['scenario']}: precautionary pause, {s['replications']} replications per length",
        title_justify="left",
    )
    for col in (
        "pause (days)",
        "expected loss",
        "95% interval",
        "p95 loss",
        "attack reaches isolated",
        "cost of the pause",
        "per day",
        "best in",
    ):
        table.add_column(col, justify="right")
    for r in s["rows"]:
        mark = " *" if r["best"] else ""
        table.add_row(
            f"{r['pause_days']}{mark}",
            money(r["expected_loss"]),
            "{} – {}".format(*map(money, r["expected_loss_ci95"])),
            money(r["p95_loss"]),
            pct(r["reach_probability"]),
            money(r["pause_cost"]),
            money(r["pause_cost_per_day"]),
            pct(r["best_share"]),
        )
    console.print(whole_numbers(table))
    tied = s.get("tied_with") or []
    also = f", tied with {', '.join(map(str, tied))} days" if tied else ""
    line = (
        f"best: a pause of {s['best_pause_days']} days (least expected loss{also}; best in "
        f"{pct(s['best_share'])} of bootstrap resamples)"
    )
    other = s["versus_runner_up"]
    if other is not None:
        lo, hi = other["extra_expected_loss_ci95"]
        line += (
            f"; the next, {other['pause_days']} days, loses {money(other['extra_expected_loss'])} more "
            f"on average (95% interval {money(lo)} – {money(hi)}, paired)"
        )
    console.print(line)
    console.print(
        f"isolated systems: {', '.join(s['guarded_services']) or 'none'}; cost of the pause: loss beyond "
        f"no pause on the {s['no_reach_replications']} replications the attack would not reach them anyway"
    )
