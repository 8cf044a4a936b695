"""The ``aftershock`` command. Each command parses, calls one API function, renders."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from aftershock import api
from aftershock.cli.errors import run_guarded
from aftershock.cli.impact_view import render_impact
from aftershock.cli.output import console, print_json, print_warnings

app = typer.Typer(
    name="aftershock",
    help=(
        "What a cyberattack on one of your IT or logistics suppliers does to your stores, "
        "and the fastest way back.\n\nA SCENARIO is a bundled scenario name (see "
        "`aftershock scenarios`) or the path of a scenario YAML/JSON file, optionally with "
        "`:VARIANT` for one of the named what-ifs it declares (`ocs-2022:spread`). Add --debug "
        "before anything else to see a traceback on an internal error."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

ScenarioArg = Annotated[
    str,
    typer.Argument(
        help="Bundled scenario name (e.g. ocs-2022) or path to a YAML/JSON file; add :VARIANT for "
        "one of its named what-ifs (ocs-2022:spread, see `aftershock scenarios`)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a scenario value for this run: --set incident.forensic_clearance_days=8 "
        "(repeatable; the value is read as YAML).",
    ),
]

ExecutorOpt = Annotated[
    str | None,
    typer.Option(
        "--executor",
        help="Where replications run: in-process (default), processes, dask://local (a local "
        "cluster) or dask://host:port (an existing Dask scheduler).",
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Run store: a SQLite file path or postgresql://user@host/db (default: $AFTERSHOCK_DB, "
        "else aftershock.db in your user data folder).",
    ),
]
WorkersOpt = Annotated[int | None, typer.Option("--workers", help="Worker processes (default: all cores).")]


@app.command("scenarios")
def scenarios_cmd(json_out: JsonOpt = False) -> None:
    """List the bundled example scenarios with a one-line description, sources and variants.

    Each scenario is the public record; its variants are named what-ifs, run as
    NAME:VARIANT (`aftershock simulate ocs-2022:spread`).
    """
    found = api.scenarios()
    if json_out:
        print_json(
            [
                {
                    "name": s.name,
                    "title": s.title,
                    "description": s.description,
                    "sources": list(s.sources),
                    "variants": [
                        {"name": v.name, "ref": f"{s.name}:{v.name}", "description": v.description}
                        for v in s.variants
                    ],
                }
                for s in found
            ]
        )
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Bundled scenarios", title_justify="left", show_lines=True)
    table.add_column("name", style="bold")
    table.add_column("what happened, and its variants (what-ifs)")
    table.add_column("sources")
    for s in found:
        text = f"[bold]{escape(s.title)}[/]\n{escape(s.description)}"
        if s.variants:
            text += "\n\n[italic]Variants (what-ifs):[/]"
        for v in s.variants:
            text += f"\n[bold]{escape(s.name)}:{escape(v.name)}[/]: {escape(v.description)}"
        table.add_row(escape(s.name), text, escape("\n".join(s.sources)))
    console.print(table)


@app.command("validate")
def validate_cmd(scenario: ScenarioArg, json_out: JsonOpt = False, overrides: SetOpt = None) -> None:
    """Check a scenario, its store table and each of its variants; print "ok" or every problem
    with file, line, field."""
    summary = api.validate(scenario, overrides)
    print_warnings(summary["warnings"])
    if json_out:
        print_json(summary)
        return
    variants = [v["name"] for v in summary["variants"]]
    console.print(
        f"[green]ok[/] {summary['name']}: {summary['stores']} stores, {summary['dcs']} DC(s), "
        f"{summary['channels']} channel(s), {summary['services']} services, "
        f"{summary['control_edges']} attack paths, {summary['requires_rules']} requires rules, "
        f"{summary['horizon_days']} days, "
        + (f"{len(variants)} variant(s), each valid ({', '.join(variants)})" if variants else "no variants"),
        markup=True,
        highlight=False,
    )


@app.command("schema")
def schema_cmd(
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of the scenario format (point your editor's YAML plugin at it)."""
    import json

    text = json.dumps(api.schema(), indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        from aftershock.io.results import write_text_atomic

        write_text_atomic(out, text, flag="--out")
        console.print(f"wrote {out}")


@app.command("impact")
def impact_cmd(
    scenario: ScenarioArg,
    service: Annotated[
        str | None, typer.Option(help="Compromise this service instead of the scenario's.")
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(help="Share of demand a cut must zero to count (0-1].", min=0.0, max=1.0),
    ] = 0.5,
    max_order: Annotated[int, typer.Option(help="Largest cut set size to search.", min=1, max=4)] = 2,
    json_out: JsonOpt = False,
    overrides: SetOpt = None,
) -> None:
    """Blast radius: which services and sites fail, which keep running and why.

    Worst case: every attack path is taken and every isolation is in force. Shows the
    first day and, where the scenario has fallbacks, the state once they are rolled out,
    with one row per DC (can it ship, which backup covers it, how its stores fare); then
    single points of failure and minimal cut sets of selling, receiving and deliveries (a
    store's DC, or its backup, to the store), over the chain and over each DC's stores.
    Ends with the vendor concentration: the demand and revenue that depend on each party
    (third and fourth parties), the HHI over vendors and single points of failure ranked by
    revenue.
    """
    report = api.impact(
        scenario, service=service, threshold=threshold, max_order=max_order, overrides=overrides
    )
    print_warnings(report["warnings"])
    if json_out:
        print_json(report)
    else:
        render_impact(report)


@app.command("simulate")
def simulate_cmd(
    scenario: ScenarioArg,
    replications: Annotated[
        int, typer.Option("--replications", "-n", help="Number of replications (>= 1).")
    ] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the random streams; same seed, same result.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the full daily results: .nc (NetCDF) or .parquet."),
    ] = None,
    keep_stores: Annotated[
        bool, typer.Option("--keep-stores", help="Keep store × item × day arrays in --out (large).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    executor: ExecutorOpt = None,
    workers: WorkersOpt = None,
    save: Annotated[
        bool, typer.Option("--save", help="Store the run (see `aftershock runs`, the dashboard).")
    ] = False,
    db: DbOpt = None,
    json_out: JsonOpt = False,
    overrides: SetOpt = None,
    parameter_draws: Annotated[
        int | None,
        typer.Option(
            "--parameter-draws",
            help="Parameter sets drawn from the scenario's uncertainty: block, the replications "
            "split evenly over them (default: one set per two replications).",
        ),
    ] = None,
) -> None:
    """Simulate the incident day by day: lost sales, stockouts, backlog, recovery dates.

    Prints the headline with mean and 90% interval over replications; --json prints the
    full summary (every metric with mean, p5, p50, p95, and daily series). With an
    uncertainty: block, each replication runs on drawn parameter values, and a column "from
    parameters" gives the share of each metric's variance they cause.
    """
    from aftershock.cli.progress import progress_bar
    from aftershock.cli.simulate_view import render_summary
    from aftershock.errors import UsageError
    from aftershock.io.results import check_output_path

    # every flag is checked before the simulation, not after it
    if out is not None:
        check_output_path(out, suffixes=(".nc", ".parquet"))
    if keep_stores and save:
        raise UsageError(
            "--keep-stores cannot be combined with --save: the run store keeps the daily series and "
            "the totals per region, not the store × item × day arrays; to keep those, write a file "
            "instead: --keep-stores --out run.nc"
        )
    if keep_stores and out is None:
        raise UsageError(
            "--keep-stores keeps the store × item × day arrays in the --out file: add --out run.nc"
        )
    run_id = None
    with progress_bar("simulating", enabled=not (quiet or json_out)) as tick:
        if save:
            run_id, result = api.simulate_and_save(
                scenario,
                db=db,
                replications=replications,
                seed=seed,
                overrides=overrides,
                executor=executor,
                workers=workers,
                on_progress=tick,
                parameter_draws=parameter_draws,
            )
        else:
            result = api.simulate(
                scenario,
                replications=replications,
                seed=seed,
                overrides=overrides,
                keep_store_days=keep_stores,
                on_progress=tick,
                executor=executor,
                workers=workers,
                parameter_draws=parameter_draws,
            )
    print_warnings(result.summary["warnings"])
    if out is not None:
        result.write(out)
    if json_out:
        print_json({**result.summary, "run_id": run_id} if run_id else result.summary)
        return
    render_summary(result.summary)
    if run_id:
        console.print(f"saved as run {run_id}")
    if out is not None:
        console.print(f"wrote {out}")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    raise SystemExit(run_guarded(app, argv))


# commands defined in their own modules register on `app` when imported
from aftershock.cli import (  # noqa: E402,F401
    accumulate_cmd,
    calibrate_cmd,
    optimize_cmd,
    pause_cmd,
    recovery_cmd,
    risk_cmd,
    runs_cmd,
    sensitivity_cmd,
)
