"""Rich rendering of an impact (blast radius) report."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from aftershock.cli.concentration_view import render_concentration
from aftershock.cli.output import console, pct

_STYLE = {"full": "green", "partial": "yellow", "none": "red"}


def _status(capacity: float) -> str:
    if capacity >= 1 - 1e-9:
        return "full"
    return "none" if capacity <= 1e-9 else "partial"


def render_impact(report: dict[str, Any]) -> None:
    """Print the blast radius: compromise path, services, sites, stores by outcome and region."""
    console.print(
        f"[bold]Blast radius of a compromise of '{report['compromise']}'[/] "
        f"in {report['scenario']} (worst case: every attack path taken)"
    )
    table = Table(title="Compromised (attack paths)", title_justify="left")
    table.add_column("service")
    table.add_column("most likely path")
    table.add_column("p(path)", justify="right")
    for c in report["compromised"]:
        table.add_row(c["service"], " → ".join(c["path"]), f"{c['path_probability']:.2f}")
    console.print(table)
    if report["isolated"]:
        console.print("Isolated as a precaution: " + "; ".join(report["isolated"]))
    for view in report["views"]:
        console.print(
            f"\n[bold underline]{view['label'].capitalize()}[/]: chain can sell "
            f"[bold]{pct(view['sell_capacity_share'])}[/] of normal demand"
        )
        nodes = Table(title="Services and DC/channel capabilities", title_justify="left")
        nodes.add_column("node")
        nodes.add_column("capacity", justify="right")
        nodes.add_column("why")
        for n in [*view["services"], *view["sites"]]:
            style = _STYLE[_status(n["capacity"])]
            nodes.add_row(n["node"], f"[{style}]{pct(n['capacity'])}[/]", n["reason"])
        console.print(nodes)
        stores = Table(title="Stores by outcome", title_justify="left")
        stores.add_column("capability")
        stores.add_column("status")
        stores.add_column("stores", justify="right")
        stores.add_column("demand", justify="right")
        stores.add_column("why")
        stores.add_column("regions")
        dc_ids = [d["dc"] for d in view.get("dcs", [])]
        if len(dc_ids) > 1:
            stores.add_column("DCs")
        all_regions = {r["region"] for r in view["regions"]}
        untouched = []
        by_capability: dict[str, list[dict[str, Any]]] = {}
        for g in view["store_groups"]:
            by_capability.setdefault(g["capability"], []).append(g)
        for capability, groups in by_capability.items():
            if len(groups) == 1 and groups[0]["status"] == "full":
                untouched.append(capability)
                continue
            for g in groups:
                style = _STYLE[g["status"]]
                if set(g["regions"]) == all_regions:
                    regions = "all"
                else:
                    regions = ", ".join(f"{r} {n}" for r, n in g["regions"].items())
                cells = [
                    g["capability"],
                    f"[{style}]{g['status']} ({pct(g['capacity'])})[/]",
                    str(g["stores"]),
                    pct(g["demand_share"]),
                    g["reason"],
                    regions,
                ]
                if len(dc_ids) > 1:
                    cells.append(", ".join(f"{d} {n}" for d, n in g.get("dcs", {}).items()))
                stores.add_row(*cells)
        if stores.row_count:
            console.print(stores)
        if untouched:
            console.print("Unaffected at every store: " + ", ".join(untouched))
        if view.get("dcs"):
            render_dcs(view["dcs"])
        regions = Table(title="Selling by region", title_justify="left")
        for col in ("region", "stores", "full", "partial", "closed", "sell capacity"):
            regions.add_column(col, justify="left" if col == "region" else "right")
        for r in view["regions"]:
            regions.add_row(
                r["region"],
                str(r["stores"]),
                str(r["selling_full"]),
                str(r["selling_partial"]),
                f"[red]{r['closed']}[/]" if r["closed"] else "0",
                pct(r["sell_capacity_share"]),
            )
        console.print(regions)
    cuts = Table(
        title=(
            "Single points of failure and minimal cut sets "
            f"(zero capability for ≥ {pct(report['cut_threshold'])} of demand)"
        ),
        title_justify="left",
    )
    cuts.add_column("capability")
    cuts.add_column("cut set")
    cuts.add_column("demand zeroed", justify="right")
    for capability, found in report["cuts"].items():
        for c in found["minimal_cut_sets"]:
            kind = "SPOF: " if len(c["nodes"]) == 1 else ""
            cuts.add_row(capability, kind + " + ".join(c["nodes"]), pct(c["demand_share"]))
        if not found["minimal_cut_sets"]:
            cuts.add_row(capability, "[green]none up to this order[/]", "")
    console.print(cuts)
    by_dc = report.get("cuts_by_dc") or {}
    if len(by_dc) > 1:
        per_dc = Table(
            title=(
                "Cut sets of each DC's stores "
                f"(zero capability for ≥ {pct(report['cut_threshold'])} of that DC's demand)"
            ),
            title_justify="left",
        )
        for col in ("DC", "capability", "cut set", "DC demand zeroed"):
            per_dc.add_column(col, justify="right" if col == "DC demand zeroed" else "left")
        for dc, entry in by_dc.items():
            for capability, found in entry["cuts"].items():
                for c in found["minimal_cut_sets"]:
                    kind = "SPOF: " if len(c["nodes"]) == 1 else ""
                    per_dc.add_row(dc, capability, kind + " + ".join(c["nodes"]), pct(c["demand_share"]))
        if per_dc.row_count:
            console.print(per_dc)
        else:
            console.print("No cut set of any single DC's stores up to this order.")
    if report.get("concentration"):
        render_concentration(report["concentration"])


def render_dcs(rows: list[dict[str, Any]]) -> None:
    """One row per DC: can it ship, who covers, how many of its stores get deliveries and sell."""
    table = Table(title="DCs and their stores", title_justify="left")
    for col in ("DC", "stores", "demand", "ships", "why", "covered by", "deliveries", "selling"):
        table.add_column(col, justify="right" if col in ("stores", "demand", "ships") else "left")
    for r in rows:
        style = _STYLE[r["status"]]
        got, sell = r["deliveries"], r.get("selling", {})
        table.add_row(
            r["dc"],
            str(r["stores"]),
            pct(r["demand_share"]),
            f"[{style}]{pct(r['ships'])}[/]",
            r["reason"],
            r["covered_by"]
            or ("—" if r["status"] != "none" or not r["backups"] else "[red]no backup ships[/]"),
            f"{got['full']} full, {got['partial']} partial, {got['none']} none",
            f"{sell.get('full', 0)} full, {sell.get('partial', 0)} partial, {sell.get('closed', 0)} closed",
        )
    console.print(table)
