"""``risk`` and ``stress``: yearly loss distribution per vendor, and TTS against TTR."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from aftershock import api
from aftershock.cli.app import ExecutorOpt, JsonOpt, ScenarioArg, SetOpt, WorkersOpt, app
from aftershock.cli.concentration_view import render_concentration
from aftershock.cli.output import console, pct, print_json, print_warnings, whole_numbers
from aftershock.cli.progress import progress_bar


def money(x: float | None) -> str:
    """Compact money: 1.23 M, 45,600."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x / 1e6:,.2f} M" if abs(x) >= 1e6 else f"{x:,.0f}"


@app.command("risk")
def risk_cmd(
    scenario: ScenarioArg,
    years: Annotated[int, typer.Option(help="Simulated years.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed of the random streams.")] = 0,
    reps_per_shape: Annotated[int, typer.Option(help="Engine replications per distinct incident shape.")] = 4,
    executor: ExecutorOpt = None,
    workers: WorkersOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    json_out: JsonOpt = False,
    overrides: SetOpt = None,
    deductible: Annotated[
        float | None, typer.Option(help="Insurance: amount the company bears of each incident.")
    ] = None,
    limit: Annotated[
        float | None, typer.Option(help="Insurance: most the policy pays for one incident.")
    ] = None,
    waiting_days: Annotated[
        float | None,
        typer.Option(help="Insurance: waiting period in days from the compromise (0.5 = 12 hours)."),
    ] = None,
    cbi_sublimit: Annotated[
        float | None,
        typer.Option(help="Insurance: most the policy pays for one incident caused by a supplier."),
    ] = None,
) -> None:
    """Yearly Monte Carlo of supplier cyber incidents from the scenario's `threats` and `common_causes`.

    Prints expected annual loss (ALE), VaR 95/99% (the 1-in-20 and 1-in-100-year loss),
    expected shortfall, the loss exceedance curve and the vendor ranking, with 95% intervals.
    With insurance terms (the scenario's `insurance:`, or these flags in place of its own),
    each is shown gross and net of what the policy pays.
    """
    terms = {
        "deductible": deductible,
        "limit": limit,
        "waiting_days": waiting_days,
        "cbi_sublimit": cbi_sublimit,
    }
    with progress_bar("pricing incidents", enabled=not (quiet or json_out)) as tick:
        summary = api.risk(
            scenario,
            years=years,
            seed=seed,
            reps_per_shape=reps_per_shape,
            overrides=overrides,
            executor=executor,
            workers=workers,
            on_progress=tick,
            insurance=terms,
        )
    print_warnings(summary["warnings"])
    if json_out:
        print_json(summary)
        return
    render_risk(summary)


def render_risk(s: dict[str, Any]) -> None:
    """Headline (gross, and net of insurance when there are terms), exceedance points and rankings."""
    console.print(
        f"[bold]{s['scenario']}[/]: {s['years']:,} simulated years, {s['incidents_per_year_mean']:.3f} "
        f"incidents a year on average, {s['shapes_simulated']} incident shapes simulated"
    )
    insured = s.get("insurance") is not None
    net = s.get("net") or {}
    head = Table(title="Annual loss from supplier cyber incidents", title_justify="left")
    head.add_column("")
    head.add_column("gross" if insured else "estimate", justify="right")
    head.add_column("95% interval", justify="right")
    if insured:
        head.add_column("net of insurance", justify="right")
        head.add_column("95% interval", justify="right")

    def row(label: str, key: str, ci: str | None) -> None:
        cells = [money(s[key]), "" if ci is None else "{} – {}".format(*map(money, s[ci]))]
        if insured:
            cells += [money(net[key]), "" if ci is None else "{} – {}".format(*map(money, net[ci]))]
        head.add_row(label, *cells)

    row("Expected annual loss (ALE)", "expected_annual_loss", "expected_annual_loss_ci95")
    for q, label in (("95", "1-in-20-year loss (VaR 95%)"), ("99", "1-in-100-year loss (VaR 99%)")):
        row(label, f"var{q}", f"var{q}_ci95")
        row(f"  mean beyond it (ES {q}%)", f"es{q}", None)
    head.add_row("Years with at least one incident", pct(s["share_of_years_with_incident"]), "")
    console.print(whole_numbers(head))
    if insured:
        render_terms(s["insurance"])
    lec = s["loss_exceedance"]
    points = Table(title="Loss exceedance: chance a year's loss exceeds", title_justify="left")
    points.add_column("loss", justify="right")
    points.add_column("gross" if insured else "probability", justify="right")
    if insured:
        points.add_column("net", justify="right")
    step = max(1, len(lec["loss"]) // 8)
    # the net curve is on the gross curve's grid (net never exceeds gross)
    net_prob = net["loss_exceedance"]["probability"] if insured else lec["probability"]
    for i, (x, p) in list(enumerate(zip(lec["loss"], lec["probability"], strict=True)))[::step]:
        cells = [money(x), f"{100 * p:.2f}%"]
        if insured:
            cells.append(f"{100 * net_prob[i]:.2f}%")
        points.add_row(*cells)
    console.print(whole_numbers(points))
    vendors = Table(title="Vendors ranked by expected annual loss", title_justify="left")
    for col in ("rank", "vendor", "ALE", "share", *(("net ALE",) if insured else ())):
        vendors.add_column(col, justify="left" if col == "vendor" else "right")
    for v in s["by_vendor"]:
        extra = (money(v["net_expected_annual_loss"]),) if insured else ()
        vendors.add_row(
            str(v["rank"]), v["vendor"], money(v["expected_annual_loss"]), pct(v["share"]), *extra
        )
    console.print(whole_numbers(vendors))
    threats = Table(title="Threats and common causes", title_justify="left")
    columns = ("threat", "service", "vendor", "ALE", "loss per incident (mean)", "p95")
    for col in (*columns, *(("net ALE",) if insured else ())):
        threats.add_column(col, justify="left" if col in ("threat", "service", "vendor") else "right")
    for t in s["by_threat"]:
        per = t["loss_per_incident"] or {}
        name = t["threat"] + (" (common cause)" if t.get("kind") == "common_cause" else "")
        if t.get("first_party"):
            name += " (first party)"
        extra = (money(t["net_expected_annual_loss"]),) if insured else ()
        threats.add_row(
            name,
            t["service"],
            t["vendor"],
            money(t["expected_annual_loss"]),
            money(per.get("mean")),
            money(per.get("p95")),
            *extra,
        )
    console.print(whole_numbers(threats))
    if any(t.get("kind") == "common_cause" for t in s["by_threat"]):
        console.print(
            "A common cause compromises its entry services together in one incident; its loss goes "
            "to its root vendor."
        )
    by_dc = s.get("by_dc") or []
    if len(by_dc) > 1:
        dcs = Table(title="Expected annual loss at each DC's stores", title_justify="left")
        for col in ("DC", "stores", "ALE", "share"):
            dcs.add_column(col, justify="left" if col == "DC" else "right")
        for r in by_dc:
            dcs.add_row(r["dc"], str(r["stores"]), money(r["expected_annual_loss"]), pct(r["share"]))
        dcs.add_row("not at a DC's stores", "", money(s["not_attributed_to_a_dc"]), "")
        console.print(whole_numbers(dcs))
        console.print(
            "Each incident's loss is split over the DCs in proportion to the revenue lost at their "
            "stores; response costs, and losses without lost sales, belong to no DC."
        )
    if s.get("concentration"):
        render_concentration(s["concentration"])


def render_terms(insurance: dict[str, Any]) -> None:
    """The insurance terms applied and what the policy pays a year on average."""
    t = insurance["terms"]
    wait = t["waiting_days"] + t["waiting_hours"] / 24
    parts = [
        f"waiting period {wait:g} days",
        f"deductible {money(t['deductible'])}",
        f"limit {'none' if t['limit'] is None else money(t['limit'])}",
        f"CBI sublimit {'none' if t['cbi_sublimit'] is None else money(t['cbi_sublimit'])}",
    ]
    console.print(
        "Insurance terms per incident: " + ", ".join(parts) + f". The policy pays "
        f"{money(insurance['expected_annual_recovery'])} a year on average "
        f"({pct(insurance['share_of_gross_recovered'])} of the gross ALE); net is what the company keeps."
    )


@app.command("stress")
def stress_cmd(
    scenario: ScenarioArg,
    service: Annotated[list[str] | None, typer.Option("--service", help="Only these entry services.")] = None,
    threshold: Annotated[
        float,
        typer.Option(help="Service threshold: a set of stores falls below this share of demand served."),
    ] = 0.9,
    weight: Annotated[str, typer.Option(help="What the impact counts: revenue or margin.")] = "revenue",
    samples: Annotated[
        int,
        typer.Option(
            help="Replications of the sampled spread (each edge with its own p); 0: worst case only."
        ),
    ] = 20,
    seed: Annotated[int, typer.Option(help="Seed of the sampled spread.")] = 0,
    json_out: JsonOpt = False,
    overrides: SetOpt = None,
) -> None:
    """Stress test along attack paths: per entry service and per party, TTS against TTR.

    The incident's compromise moves to each service (a party: all its services), spreads
    along the control edges (worst case: every edge with p > 0; sampled: each its own p)
    and the incident's restoration, crews and fallbacks bring it back. TTR: days until every
    capability the stores need is back to 99% of normal. TTS: days, with nothing restored,
    until the first store, region, DC's stores or the chain serves less than --threshold of
    its demand. Impact: revenue (or margin) lost; the risk exposure index scales it so the
    worst is 1.0. Vendors include fourth parties (reached only through another vendor's
    control path). Definitions: docs/risk.md.
    """
    report = api.stress(
        scenario,
        services=service,
        overrides=overrides,
        threshold=threshold,
        weight=weight,
        samples=samples,
        seed=seed,
    )
    print_warnings(report["warnings"])
    if json_out:
        print_json(report)
        return
    render_stress(report)


def _days(value: float | None, capped: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" + ("+" if capped else "")


def _stress_cells(r: dict[str, Any]) -> list[str]:
    """TTR, TTS at each level, gap at the store level, impact and index (worst and sampled mean)."""
    tts = [
        _days(r["tts_days"][lv], r["tts_capped_by_horizon"][lv]) for lv in ("store", "region", "dc", "chain")
    ]
    gap = r["gap_days"]["store"]
    gap_text = "—" if gap is None else (f"[red]{gap:+.0f}[/]" if gap > 0 else f"{gap:+.0f}")
    rei = r["risk_exposure_index"]
    mean = r["sampled"]["risk_exposure_index_mean"]
    impact = money(r["impact"])
    return [
        _days(r["ttr_days"], r["ttr_capped_by_horizon"]),
        *tts,
        gap_text,
        ("≥ " if r["ttr_capped_by_horizon"] else "") + impact,
        "—" if rei is None else f"{rei:.2f}",
        "—" if mean is None else f"{mean:.2f}",
    ]


STRESS_COLUMNS = (
    "TTR",
    "TTS store",
    "region",
    "DC",
    "chain",
    "gap",
    "impact",
    "exposure",
    "sampled",
)


def render_stress(report: dict[str, Any]) -> None:
    """Vendors ranked, then every entry service, then (several DCs) each DC's stores."""
    weight = report["weight"]
    vendors = Table(
        title=f"Vendors ranked by risk exposure (impact: lost {weight})",
        title_justify="left",
    )
    for col in ("rank", "party", "role", *STRESS_COLUMNS):
        vendors.add_column(col, justify="left" if col in ("party", "role") else "right")
    for p in report["parties"]:
        vendors.add_row("" if p["rank"] is None else str(p["rank"]), p["party"], p["role"], *_stress_cells(p))
    if report["parties"]:
        console.print(whole_numbers(vendors))
    entries = Table(title="Entry services: the compromise starts here and spreads", title_justify="left")
    for col in ("entry", "vendor", "compromised (worst case)", *STRESS_COLUMNS):
        entries.add_column(
            col, justify="left" if col in ("entry", "vendor", "compromised (worst case)") else "right"
        )
    for r in report["services"]:
        spread = [s for s in r["compromised"] if s != r["service"]]
        entries.add_row(r["service"], r["vendor"], ", ".join(spread) or "—", *_stress_cells(r))
    console.print(whole_numbers(entries))
    if len(report["dcs"]) > 1:
        render_stress_by_dc(report["services"], [d["dc"] for d in report["dcs"]])
    console.print(
        f"Days from the compromise day. TTR: until every capability the stores need is back to 99% "
        f"of normal (incident's restore, crews, fallbacks). TTS: worst case with nothing restored, "
        f"until the level serves less than {report['threshold']:.0%} of its demand; + : not within "
        f"the horizon. Gap = TTR − TTS of the worst store (red: it runs out before it recovers). "
        f"Exposure: impact / the largest (worst case); sampled: mean over {report['samples']} "
        f"spreads with each edge's p. — : not scored (a service with no restore model stays down)."
    )


def render_stress_by_dc(rows: list[dict[str, Any]], dcs: list[str]) -> None:
    """Per entry, the TTS / TTR and impact at each DC's own stores (entries that hit no DC left out)."""
    table = Table(title="Time-to-survive of each DC's stores (TTS / TTR days, impact)", title_justify="left")
    table.add_column("entry")
    for dc in dcs:
        table.add_column(dc, justify="right")
    shown = 0
    for r in rows:
        by_dc = {d["dc"]: d for d in r.get("by_dc", [])}
        if all(
            d["tts_capped_by_horizon"] and d["ttr_days"] == 0 and d["impact"] == 0 for d in by_dc.values()
        ):
            continue
        cells = []
        for dc in dcs:
            d = by_dc[dc]
            tts = _days(d["tts_days"], d["tts_capped_by_horizon"])
            if d["gap_days"] is not None and d["gap_days"] > 0:
                tts = f"[red]{tts}[/]"
            cells.append(f"{tts} / {_days(d['ttr_days'], d['ttr_capped_by_horizon'])}, {money(d['impact'])}")
        table.add_row(r["service"], *cells)
        shown += 1
    if shown:
        console.print(whole_numbers(table))
    else:
        console.print("No entry touches any DC's stores.")


@app.command("import-services")
def import_services_cmd(
    bom: Annotated[Path, typer.Argument(help="CycloneDX JSON BOM (e.g. inventory.cdx.json).")],
    into: Annotated[Path, typer.Option("--into", help="Scenario file to merge into.")],
    capability: Annotated[
        str | None, typer.Option(help="Capability that needs the imported services (e.g. store.sell).")
    ] = None,
    site: Annotated[str | None, typer.Option("--site", help="Site id that has the capability.")] = None,
    where: Annotated[
        list[str] | None, typer.Option("--where", help="Select stores by attribute: key=value (repeatable).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of over --into.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Merge the services and providers of a CycloneDX BOM into a scenario as parties and services.

    The merged scenario is validated before it is written; what could not be mapped is listed.
    Comments in the scenario file are not kept (it is rewritten from its data).
    """
    from aftershock.errors import UsageError
    from aftershock.io.results import check_output_path

    if out is not None:
        check_output_path(out)
    else:
        check_output_path(into, flag="--into")
    selector = {}
    for item in where or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--where: expected key=value, got '{item}'")
        selector[key.strip()] = value.strip()
    report = api.import_services(
        bom, into, capability=capability, site_id=site, where=selector or None, out=out
    )
    if json_out:
        print_json(report)
        return
    console.print(
        f"wrote {report['written']}: {len(report['parties_added'])} parties, "
        f"{len(report['services_added'])} services, {report['requires_added']} requires rules added"
    )
    for line in report["not_mapped"]:
        console.print(f"  [yellow]not mapped:[/] {line}", markup=True)
