"""``calibrate``: fit parameters of a scenario to an observed timeline (ABC-SMC)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from aftershock.cli.app import JsonOpt, ScenarioArg, SetOpt, WorkersOpt, app
from aftershock.cli.output import console, print_json, print_warnings, whole_numbers
from aftershock.cli.progress import progress_bar


@app.command("calibrate")
def calibrate_cmd(
    scenario: ScenarioArg,
    observed: Annotated[
        Path | None,
        typer.Option(
            "--observed",
            help="The observed timeline: CSV (or Parquet) with date (or day), series (stores_closed, "
            "stores_open, shipped_units, backlog_units), value and optionally tolerance, source, note. "
            "Default: observed.csv next to the scenario file (the bundled scenarios have one).",
        ),
    ] = None,
    series: Annotated[
        str | None,
        typer.Option("--series", help="The series of every row of a file without a series column."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="A numeric field to fit, by key path as --set takes it, with a uniform prior range: "
            "--param incident.restore.pos-main.sites_per_crew_per_day=0.5:3 (repeatable); a path "
            "alone takes its estimate from the scenario's `uncertainty:`. Default: every estimate there.",
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            help="abc-smc (sequential Monte Carlo ABC) or rejection (one population from the priors)."
        ),
    ] = "abc-smc",
    particles: Annotated[
        int, typer.Option(help="Parameter sets per generation; the closest half are kept.")
    ] = 200,
    generations: Annotated[
        int,
        typer.Option(help="Most generations after the first (it stops earlier once few new sets get in)."),
    ] = 8,
    replications: Annotated[
        int,
        typer.Option(
            "--replications", "-n", help="Replications of each parameter set (the same seed in every one)."
        ),
    ] = 4,
    fit_replications: Annotated[
        int, typer.Option(help="Replications of the calibrated variant and of the scenario as written.")
    ] = 40,
    seed: Annotated[
        int, typer.Option(help="Seed of the draws and the replications; same seed, same result.")
    ] = 0,
    name: Annotated[str, typer.Option("--name", help="Name of the calibrated variant.")] = "calibrated",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the calibrated variant (a `variants:` block, .yaml) to this file."),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Write the chart of observed against simulated (.html) to this file."),
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="Where particles run: processes (default, all cores), in-process, dask://local or "
            "dask://host:port.",
        ),
    ] = "processes",
    workers: WorkersOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    json_out: JsonOpt = False,
    overrides: SetOpt = None,
) -> None:
    """Fit parameters to an observed timeline by approximate Bayesian computation (ABC-SMC).

    Each particle is the scenario with the chosen fields set from their priors, run
    --replications times; it fits when every observed point lies within its tolerance.
    Each generation keeps the closest half and moves new particles from them, until the
    kept ones all fit: the posterior is the prior restricted to the parameter sets that
    fit. Prints the posterior (median and 90% interval per parameter) and every observed
    point against the scenario as written and the calibrated variant (the posterior
    medians); --out writes that variant, --chart the chart with bands.
    """
    from aftershock.api.calibrate import calibrate
    from aftershock.io.results import check_output_path, write_text_atomic

    # every output is checked before any work, so bad input writes nothing
    if out is not None:
        check_output_path(out, suffixes=(".yaml", ".yml"), flag="--out")
    if chart is not None:
        check_output_path(chart, suffixes=(".html", ".htm"), flag="--chart")
    with progress_bar("calibrating", enabled=not (quiet or json_out)) as tick:
        result = calibrate(
            scenario,
            observed=observed,
            series=series,
            params=param,
            method=method,
            particles=particles,
            generations=generations,
            replications=replications,
            fit_replications=fit_replications,
            seed=seed,
            overrides=overrides,
            variant_name=name,
            executor=executor,
            workers=workers,
            on_progress=tick,
        )
    data = result.as_dict()
    print_warnings(data["warnings"])
    if out is not None:
        write_text_atomic(out, result.variant_yaml(), flag="--out")
    if chart is not None:
        from aftershock.report.calibration import calibration_figure

        write_text_atomic(chart, calibration_figure(data).to_html(include_plotlyjs=True), flag="--chart")
    if json_out:
        print_json(data)
        return
    _render(data)
    for path, flag in ((out, "--out"), (chart, "--chart")):
        if path is not None:
            console.print(f"wrote {path} ({flag})")


def _num(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _render(data: dict[str, Any]) -> None:
    s = data["settings"]
    table = Table(
        title=f"Posterior of {data['scenario']} given {data['observed_file']} ({data['method']}, seed "
        f"{data['seed']}): median and 90% interval",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("parameter", "prior", "prior 90%", "as written", "median", "90% interval", "width vs prior"):
        table.add_column(col, justify="left" if col in ("parameter", "prior") else "right")
    for p in data["parameters"]:
        narrowed = p["narrowed_to"]
        table.add_row(
            p["path"],
            p["prior"] + ("" if p["prior_source"] == "--param" else " (uncertainty)"),
            f"{_num(p['prior_p5'])} – {_num(p['prior_p95'])}",
            _num(p["written"]),
            _num(p["median"]),
            f"{_num(p['p5'])} – {_num(p['p95'])}",
            "—" if narrowed is None else f"{narrowed:.0%}",
        )
    console.print(whole_numbers(table))
    fit = Table(
        title=f"Observed points against the scenario as written (its uncertainty drawn) and the variant "
        f"'{data['variant']['name']}' ({s['fit_replications']} replications each; ✗ = outside the band)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("date", "series", "observed", "as written", "calibrated", "90% band", "in band", "source"):
        fit.add_column(col, justify="left" if col in ("date", "series", "source") else "right")
    for f in data["fit"]:
        w, c = f["written"], f["calibrated"]
        fit.add_row(
            f["date"] or f"day {f['day']}",
            f["series"],
            f"{_num(f['value'])} ± {_num(f['tolerance'])}",
            _num(w["mean"]) + ("" if w["within"] else " ✗"),
            _num(c["mean"]),
            f"{_num(c['p5'])} – {_num(c['p95'])}",
            "yes" if c["within"] else "NO",
            f["source"],
        )
    console.print(whole_numbers(fit))
    within, dist = data["within_band"], data["distance"]
    gens = data["generations"]
    console.print(
        f"In band: {within['calibrated']} of {within['points']} points calibrated, {within['written']} as "
        f"written (farthest point {dist['calibrated']:.2f} tolerances off, against {dist['written']:.2f}). "
        f"{len(gens)} generation{'s' if len(gens) != 1 else ''}, {data['simulations']} parameter sets × "
        f"{s['replications']} "
        f"replications; posterior of {len(data['particles'])} sets that fit (threshold "
        f"{gens[-1]['epsilon']:.2f}), effective sample {data['effective_sample_size']:.0f}; "
        f"{data['seconds']:.0f} s."
    )
    for note in data["notes"]:
        console.print(f"note: {note}")
