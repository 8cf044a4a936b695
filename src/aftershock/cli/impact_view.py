"""Rich rendering of an impact (blast radius) report."""

from __future__ import annotations

from typing import Any

from rich.table import Table

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
                stores.add_row(
                    g["capability"],
                    f"[{style}]{g['status']} ({pct(g['capacity'])})[/]",
                    str(g["stores"]),
                    pct(g["demand_share"]),
                    g["reason"],
                    regions,
                )
        if stores.row_count:
            console.print(stores)
        if untouched:
            console.print("Unaffected at every store: " + ", ".join(untouched))
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
