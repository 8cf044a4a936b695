"""``sensitivity``: which uncertain input drives the answer (Morris, Sobol, tornado)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from aftershock import api
from aftershock.cli.app import JsonOpt, ScenarioArg, SetOpt, WorkersOpt, app
from aftershock.cli.output import console, print_json, print_warnings, whole_numbers
from aftershock.cli.progress import progress_bar
from aftershock.sim.metrics import METRICS


@app.command("sensitivity")
def sensitivity_cmd(
    scenario: ScenarioArg,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="A numeric field to vary, by key path as --set takes it, with its range: "
            "--param incident.forensic_clearance_days=3:10 (repeatable). Default: the scenario's "
            "`uncertainty:` estimates.",
        ),
    ] = None,
    metric: Annotated[
        str, typer.Option(help=f"The metric explained: {', '.join(METRICS)}.")
    ] = "lost_sales_units",
    method: Annotated[str, typer.Option(help="morris (screening), sobol (indices) or both.")] = "both",
    samples: Annotated[
        int,
        typer.Option(help="Sobol base sample, a power of two: samples × (parameters + 2) evaluations."),
    ] = 32,
    trajectories: Annotated[
        int, typer.Option(help="Morris trajectories: trajectories × (parameters + 1) evaluations.")
    ] = 10,
    replications: Annotated[
        int,
        typer.Option(
            "--replications", "-n", help="Replications of each evaluation (the same seed in every one)."
        ),
    ] = 4,
    seed: Annotated[int, typer.Option(help="Seed of the samples and of the replications.")] = 0,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="Where evaluations run: processes (default, all cores), in-process, dask://local or "
            "dask://host:port.",
        ),
    ] = "processes",
    workers: WorkersOpt = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Write the tornado chart to this HTML file.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    json_out: JsonOpt = False,
    overrides: SetOpt = None,
) -> None:
    """Which uncertain input drives the answer: Morris screening, Sobol indices and a tornado.

    Varies each parameter over its range (--param path=low:high, or the scenario's
    `uncertainty:` estimates), runs the engine on every sample (each evaluation: the mean
    of --replications replications on the same random numbers) and ranks the parameters by
    their total Sobol index ST (the share of the metric's variance they explain with their
    interactions), with first-order S1, Morris mu* and sigma and 95% intervals. The tornado
    gives the metric with each parameter at its low and high end, the others at the
    scenario's values.
    """
    from aftershock.io.results import check_output_path, write_text_atomic

    if chart is not None:
        check_output_path(chart, suffixes=(".html", ".htm"), flag="--chart")
    with progress_bar("evaluating samples", enabled=not (quiet or json_out)) as tick:
        result = api.sensitivity(
            scenario,
            params=param,
            metric=metric,
            method=method,
            samples=samples,
            trajectories=trajectories,
            replications=replications,
            seed=seed,
            overrides=overrides,
            executor=executor,
            workers=workers,
            on_progress=tick,
        )
    print_warnings(result["warnings"])
    if chart is not None:
        from aftershock.report.figures import tornado_figure

        write_text_atomic(
            chart, tornado_figure(result).to_html(include_plotlyjs=True, full_html=True), flag="--chart"
        )
    if json_out:
        print_json(result)
        return
    render_sensitivity(result)
    if chart is not None:
        console.print(f"wrote {chart}")


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "share":
        return f"{100 * value:.2f}%"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def _range(p: dict[str, Any]) -> str:
    return f"{_num(p['low'])} – {_num(p['high'])} (at {_num(p['point'])})"


def render_sensitivity(s: dict[str, Any]) -> None:
    """Headline, the ranked table, the tornado as numbers, and the notes."""
    m = s["metric"]
    unit = m["unit"]
    ev = s["evaluations"]
    console.print(
        f"[bold]{s['scenario']}[/]: what drives {m['label'].lower()} "
        f"(at the scenario's values: {_num(s['baseline'], unit)}); {ev['distinct']:,} evaluations × "
        f"{s['replications']} replications in {s['elapsed_seconds']:.0f} s on {s['executor']}"
    )
    params = {p["path"]: p for p in s["parameters"]}
    table = Table(
        title=f"Parameters ranked ({'by total Sobol index ST' if s.get('samples') else 'by Morris mu*'})",
        title_justify="left",
    )
    table.add_column("rank", justify="right")
    table.add_column("parameter", overflow="fold")
    table.add_column("range", justify="right")
    has_sobol = bool(s.get("samples"))
    has_morris = bool(s.get("trajectories"))
    if has_sobol:
        table.add_column("ST ± 95%", justify="right")
        table.add_column("S1 ± 95%", justify="right")
    if has_morris:
        table.add_column("mu* ± 95%", justify="right")
        table.add_column("sigma", justify="right")
    for r in s["ranking"]:
        cells = [str(r["rank"]), r["path"], _range(params[r["path"]])]
        if has_sobol:
            so = r["sobol"]
            cells += [f"{so['ST']:.2f} ± {so['ST_conf']:.2f}", f"{so['S1']:.2f} ± {so['S1_conf']:.2f}"]
        if has_morris:
            mo = r["morris"]
            cells += [f"{_num(mo['mu_star'])} ± {_num(mo['mu_star_conf'])}", _num(mo["sigma"])]
        table.add_row(*cells)
    console.print(whole_numbers(table))
    tornado = Table(
        title=f"Tornado: {m['label'].lower()} with one parameter at each end, "
        "the others at the scenario's values",
        title_justify="left",
    )
    for col in ("parameter", "at low", "at high", "swing"):
        if col == "parameter":
            tornado.add_column(col, overflow="fold")
        else:
            tornado.add_column(col, justify="right")
    for r in sorted(s["ranking"], key=lambda r: -r["tornado"]["swing"]):
        t = r["tornado"]
        tornado.add_row(r["path"], _num(t["low"], unit), _num(t["high"], unit), _num(t["swing"], unit))
    console.print(whole_numbers(tornado))
    console.print(
        "ST: share of the metric's variance due to the parameter with its interactions; S1: alone. "
        "mu*: mean absolute change of the metric when the parameter moves (per its whole range); "
        "sigma: how much that change depends on the others."
    )
    for p in s["parameters"]:
        if p["source"] != "--param":
            console.print(f"  {p['path']}: range = {p['range']}", markup=False)
    for note in s["notes"]:
        console.print(f"Note: {note}", markup=False)
