"""Rich rendering of the vendor concentration block of ``impact`` and ``risk``."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from aftershock.cli.output import console, pct, whole_numbers

#: Column header of each per-store measure.
MEASURE_LABELS = {
    "store.sell": "sell",
    "store.order": "order",
    "deliveries": "deliveries",
    "inbound": "DC inbound",
}


def money(x: float | None) -> str:
    """Compact money: 1.23 M, 45,600."""
    if x is None:
        return "—"
    return f"{x / 1e6:,.2f} M" if abs(x) >= 1e6 else f"{x:,.0f}"


def render_concentration(c: dict[str, Any]) -> None:
    """Vendors ranked by revenue at risk with the HHI, then the single points of failure."""
    table = Table(
        title="Vendor concentration: demand and revenue that depend on each party "
        "(worst case, first day; attack paths followed)",
        title_justify="left",
    )
    for col in ("rank", "party", "role", "through", "stores", "demand", "direct", "revenue/day", "HHI share"):
        table.add_column(col, justify="left" if col in ("party", "role", "through") else "right")
    shown = [m for m in c["measures"] if any(p["by_measure"].get(m, 0) > 1e-9 for p in c["parties"])]
    for m in shown:
        table.add_column(MEASURE_LABELS.get(m, m), justify="right")
    dcs = c.get("dcs") or []
    if len(dcs) > 1:
        table.add_column("by DC")
    for p in c["parties"]:
        cells = [
            "" if p["rank"] is None else str(p["rank"]),
            p["party"],
            p["role"],
            ", ".join(p["through"]) or "—",
            str(p["stores"]),
            pct(p["demand_share"]),
            pct(p["direct_demand_share"]),
            money(p["revenue_per_day"]),
            "—" if p["hhi_share"] is None else pct(p["hhi_share"]),
            *(pct(p["by_measure"][m]) for m in shown),
        ]
        if len(dcs) > 1:
            cells.append(", ".join(f"{d} {pct(x)}" for d, x in p["by_dc"].items() if x > 1e-9) or "—")
        table.add_row(*cells)
    console.print(whole_numbers(table))
    if c["hhi"] is None:
        console.print("Concentration index (HHI): no vendor exposes the chain.")
    else:
        console.print(
            f"Concentration index over vendors (HHI, 0-10,000): [bold]{c['hhi']:,.0f}[/] "
            f"(as concentrated as {c['effective_vendors']:.1f} equally exposed vendors). "
            f"Normal revenue {money(c['revenue_per_day'])} a day. "
            "demand: share at risk, each store weighted by its fall in capacity; direct: through "
            "requires paths only (a fourth party has none)."
        )
    spofs = Table(
        title="Single points of failure ranked by revenue (one node down, fallbacks not rolled out)",
        title_justify="left",
    )
    for col in ("rank", "node", "party", "zeroes", "demand", "revenue/day"):
        spofs.add_column(col, justify="right" if col in ("rank", "demand", "revenue/day") else "left")
    for s in c["single_points"]:
        spofs.add_row(
            str(s["rank"]),
            s["node"],
            s["party"] or "(site capability)",
            ", ".join(f"{m} {pct(x)}" for m, x in s["measures"].items()),
            pct(s["demand_share"]),
            money(s["revenue_per_day"]),
        )
    if spofs.row_count:
        console.print(whole_numbers(spofs))
    else:
        console.print("No single node stops selling, ordering or deliveries at any store.")
