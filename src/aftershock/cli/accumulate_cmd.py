"""``accumulate``: one compromise of a vendor across a folder of scenario files (a portfolio)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from aftershock.cli.app import ExecutorOpt, JsonOpt, WorkersOpt, app
from aftershock.cli.concentration_view import money
from aftershock.cli.output import console, pct, print_json, print_warnings, whole_numbers
from aftershock.cli.progress import progress_bar


@app.command("accumulate")
def accumulate_cmd(
    folder: Annotated[
        Path,
        typer.Argument(help="Folder of scenario files: *.yaml/*.yml/*.json in it, or */scenario.yaml."),
    ],
    vendor: Annotated[str, typer.Option("--vendor", help="Party id of the shared vendor.")],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help="YAML file naming the vendor's party (and entry service) in members that spell it "
            "differently: members: {chain-c.yaml: kaseya, chain-d.yaml: {party: x, service: y}}.",
        ),
    ] = None,
    replications: Annotated[
        int, typer.Option("--replications", "-n", help="Occurrences of the compromise simulated.")
    ] = 200,
    years: Annotated[int, typer.Option(help="Simulated years of the annual aggregate.")] = 10_000,
    frequency: Annotated[
        str | None,
        typer.Option(
            help="Compromises of the vendor a year: a number or an estimate, e.g. "
            "'{dist: pert, low: 0.01, mode: 0.03, high: 0.1}' (default: the vendor's threat in the "
            "first member that has one)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random streams; same seed, same result.")] = 0,
    skip_broken: Annotated[
        bool,
        typer.Option(
            "--skip-broken", help="Run the members that load; list the broken ones instead of stopping."
        ),
    ] = False,
    executor: ExecutorOpt = None,
    workers: WorkersOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Portfolio accumulation: one compromise of a vendor shared by many companies.

    Every scenario file in FOLDER that has a party with the vendor's id (or the one --mapping
    names) is a member: the compromise enters at the vendor's service there and runs on the
    member's own network, with one outage and pause per occurrence shared by every member (from
    the vendor's threat). Prints the loss per member and in aggregate, gross, paid by each
    member's insurance terms and net, per occurrence and per year (compound Poisson over the
    vendor's frequency), with the aggregate exceedance curve. A broken member stops the run
    with every problem listed, unless --skip-broken.
    """
    from aftershock.api.accumulate import accumulate

    with progress_bar("simulating members", enabled=not (quiet or json_out)) as tick:
        result = accumulate(
            folder,
            vendor,
            mapping=mapping,
            replications=replications,
            years=years,
            seed=seed,
            frequency=frequency,
            skip_broken=skip_broken,
            executor=executor,
            workers=workers,
            on_progress=tick,
        )
    for m in result["members"]:
        print_warnings(m.get("warnings") or [])
    if json_out:
        print_json(result)
        return
    render_accumulation(result)


def render_accumulation(r: dict[str, Any]) -> None:
    """Members, the aggregate per occurrence and per year, and the aggregate exceedance curve."""
    console.print(
        f"[bold]One compromise of '{r['vendor']}' across {r['folder']}[/]: {r['exposed']} member(s) "
        f"exposed, {r['not_exposed']} not, {len(r['broken'])} broken; {r['replications']} occurrences "
        f"simulated (seed {r['seed']}, {r['executor']})"
    )
    for b in r["broken"]:
        console.print(f"[red]skipped (broken)[/] {b['file']}:")
        for line in b["messages"]:
            console.print(f"  {line}", markup=False)
    table = Table(title="Loss per occurrence, by member (mean / 1 in 20)", title_justify="left")
    for col in ("member", "stores", "entry", "hit", "gross", "gross p95", "paid", "net", "share", "corr."):
        table.add_column(col, justify="left" if col in ("member", "entry") else "right")
    for m in r["members"]:
        if m["status"] != "exposed":
            why = m.get("reason") or m["status"]
            table.add_row(m["file"], str(m.get("stores", "")), f"[dim]{why}[/]", *[""] * 7)
            continue
        corr = m["correlation_with_rest"]
        table.add_row(
            m["file"],
            str(m["stores"]),
            f"{m['party']}/{m['entry_service']}",
            pct(m["share_with_loss"]),
            money(m["gross"]["mean"]),
            money(m["gross"]["p95"]),
            money(m["paid"]["mean"]),
            money(m["net"]["mean"]),
            pct(m["share_of_aggregate"]),
            "—" if corr is None else f"{corr:.2f}",
        )
    console.print(whole_numbers(table))
    occ = r["occurrence"]
    agg = Table(title="Aggregate loss of one occurrence (all members)", title_justify="left")
    for col in ("", "mean", "median", "p90", "p95 (1 in 20)", "p99", "max"):
        agg.add_column(col, justify="left" if not col else "right")
    for name, label in (("gross", "gross"), ("paid", "paid by insurance"), ("net", "net (kept)")):
        s = occ[name]
        agg.add_row(label, *(money(s[k]) for k in ("mean", "p50", "p90", "p95", "p99", "max")))
    console.print(whole_numbers(agg))
    div = occ["diversification_p95"]
    console.print(
        f"Members hit per occurrence: {occ['members_hit_mean']:.1f} on average; all hit in "
        f"{pct(occ['share_all_members_hit'])} of occurrences. Aggregate p95 "
        f"{money(occ['gross']['p95'])} against {money(occ['sum_of_member_p95'])} summed over members"
        + ("" if div is None else f" (ratio {div:.2f}: 1.00 = no diversification)")
        + "."
    )
    shock = r["shared_shock"]
    if shock is not None:
        console.print(f"Shared outage and pause per occurrence from {shock['source']}.")
    else:
        console.print("No threat on the vendor in any member: each member runs its own incident as written.")
    annual = r["annual"]
    if annual is None:
        console.print(r["annual_note"])
        return
    head = Table(
        title=f"Annual aggregate ({annual['years']:,} simulated years, "
        f"{annual['occurrences_per_year_mean']:.3f} occurrences a year)",
        title_justify="left",
    )
    for col in ("", "ALE", "VaR 95% (1 in 20)", "VaR 99% (1 in 100)", "ES 99%"):
        head.add_column(col, justify="left" if not col else "right")
    for name, label in (("gross", "gross"), ("paid", "paid by insurance"), ("net", "net (kept)")):
        s = annual[name]
        head.add_row(
            label, money(s["expected_annual_loss"]), money(s["var95"]), money(s["var99"]), money(s["es99"])
        )
    console.print(whole_numbers(head))
    curve = Table(title="Aggregate exceedance: chance a year's gross loss exceeds", title_justify="left")
    curve.add_column("loss", justify="right")
    curve.add_column("probability", justify="right")
    lec = annual["gross"]["loss_exceedance"]
    step = max(1, len(lec["loss"]) // 8)
    for x, p in list(zip(lec["loss"], lec["probability"], strict=True))[::step]:
        curve.add_row(money(x), f"{100 * p:.2f}%")
    console.print(whole_numbers(curve))
    console.print(r["note"] + ".")
