"""Rich rendering of a simulation summary: the headline a wholesaler reads first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.table import Table

from aftershock.cli.output import console, whole_numbers
from aftershock.sim.metrics import LABELS

_BARS = " ▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    """A one-line text chart of a series."""
    top = max(values, default=0.0)
    if top <= 0:
        return _BARS[0] * len(values)
    return "".join(_BARS[min(8, round(8 * v / top))] for v in values)


def _day(summary: dict[str, Any], value: float | None) -> str:
    if value is None:
        return "not within horizon"
    day = round(value)
    start = summary.get("start_date")
    if start:
        date = dt.date.fromisoformat(start) + dt.timedelta(days=day)
        return f"day {day} ({date:%a %d %b})"
    return f"day {day}"


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.2f} M"
    return f"{value:,.0f}"


_LABELS = {**LABELS, "backlog_clear_day": "Backlog cleared", "service_restored_day": "Standard service back"}


def render_summary(summary: dict[str, Any]) -> None:
    """Print headline metrics with 90% intervals and daily text charts."""
    m = summary["metrics"]
    console.print(
        f"[bold]{summary['scenario']}[/]: {summary['replications']} replications, seed "
        f"{summary['seed']}, {summary['horizon_days']} days; incident on "
        f"{_day(summary, summary['incident_day'])}"
    )
    table = Table(title="Headline (mean and 90% interval over replications)", title_justify="left")
    table.add_column("")
    table.add_column("mean", justify="right")
    table.add_column("90% interval", justify="right")
    for name, label in _LABELS.items():
        row = m[name]
        if row["unit"] == "day":
            late = row.get("not_reached_share") or 0.0
            note = f" ({100 * late:.0f}% of runs: after horizon)" if late else ""
            interval = (
                f"{_day(summary, row['p5'])} – {_day(summary, row['p95'])}" if row["mean"] is not None else ""
            )
            table.add_row(label + note, _day(summary, row["mean"]), interval)
        else:
            interval = f"{_num(row['p5'], row['unit'])} – {_num(row['p95'], row['unit'])}"
            table.add_row(label, _num(row["mean"], row["unit"]), interval)
    console.print(whole_numbers(table))
    console.print("Standard service: chain-wide 7-day fill rate within 1 point of its pre-incident level.")
    daily = summary["daily"]
    days = summary["horizon_days"]
    console.print(f"\nPer day, mean over replications (day 0 … {days - 1}):")
    for name, label in (
        ("stores_stocked_out", "stores out of stock"),
        ("stores_closed", "stores closed      "),
        ("backlog_units", "DC backlog (units) "),
    ):
        series = daily[name]["mean"]
        console.print(f"  {label} {sparkline(series)}  peak {max(series, default=0):,.0f}")
