"""Rich rendering of a simulation summary: the headline a wholesaler reads first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.table import Table

from aftershock.cli.output import console, whole_numbers
from aftershock.formatting import fmt
from aftershock.formatting import label as metric_label
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
    """A value by the shared rules of its unit (``aftershock.formatting``)."""
    return fmt(unit, value)


# the shared labels; a day metric's cell already says "day N"
_LABELS = {
    **{name: metric_label(name) for name in LABELS},
    "backlog_clear_day": "Backlog cleared",
    "service_restored_day": "Standard service back",
}


def render_summary(summary: dict[str, Any]) -> None:
    """Print headline metrics with 90% intervals and daily text charts."""
    m = summary["metrics"]
    console.print(
        f"[bold]{summary['scenario']}[/]: {summary['replications']} replications, seed "
        f"{summary['seed']}, {summary['horizon_days']} days; incident on "
        f"{_day(summary, summary['incident_day'])}"
    )
    drawn = summary.get("uncertainty")
    table = Table(title="Headline (mean and 90% interval over replications)", title_justify="left")
    table.add_column("")
    table.add_column("mean", justify="right")
    table.add_column("90% interval", justify="right")
    if drawn:
        table.add_column("from parameters", justify="right")
    for name, label in _LABELS.items():
        row = m[name]
        extra = [_from_parameters(row)] if drawn else []
        if row["unit"] == "day":
            late = row.get("not_reached_share") or 0.0
            note = f" ({100 * late:.0f}% of runs: after horizon)" if late else ""
            interval = (
                f"{_day(summary, row['p5'])} – {_day(summary, row['p95'])}" if row["mean"] is not None else ""
            )
            table.add_row(label + note, _day(summary, row["mean"]), interval, *extra)
        else:
            interval = f"{_num(row['p5'], row['unit'])} – {_num(row['p95'], row['unit'])}"
            table.add_row(label, _num(row["mean"], row["unit"]), interval, *extra)
    console.print(whole_numbers(table))
    if drawn:
        render_parameters(drawn)
    console.print("Standard service: chain-wide 7-day fill rate within 1 point of its pre-incident level.")
    if (m.get("customers_lost", {}).get("mean") or 0) > 0:
        console.print(f"{m['customers_lost']['label']}: {m['customers_lost']['description']}.")
    render_dcs(summary)
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


def _from_parameters(row: dict[str, Any]) -> str:
    """The share of a metric's variance due to the uncertain parameters, and its 90% interval
    from them alone; a dash where it cannot be told (one replication per set, runs past the horizon)."""
    spread = row.get("from_parameters") or {}
    share = spread.get("share")
    if share is None:
        return "—"
    low, high = spread.get("share_low"), spread.get("share_high")
    cell = f"{100 * share:.0f}%"
    if low is not None and high is not None and high > low:
        cell += f" ({100 * low:.0f}–{100 * high:.0f}%)"
    if not spread["p95"] > spread["p5"]:
        return cell
    if row["unit"] == "day":
        return f"{cell}: day {spread['p5']:.0f} – {spread['p95']:.0f}"
    return f"{cell}: {_num(spread['p5'], row['unit'])} – {_num(spread['p95'], row['unit'])}"


def render_parameters(drawn: dict[str, Any]) -> None:
    """The uncertain parameters (``uncertainty:``): estimate, the scenario's value, what was drawn."""
    sizes = drawn["replications_per_draw"]
    per = f"{sizes['min']}" if sizes["min"] == sizes["max"] else f"{sizes['min']}-{sizes['max']}"
    console.print(
        f"from parameters: share of the variance due to the uncertain parameters (90% confidence "
        f"interval; the rest is demand and other chance within a run, such as an attack's spread), "
        f"and the 90% interval with that noise averaged out; {drawn['draws']} parameter sets, {per} "
        f"replications each."
    )
    table = Table(title="Uncertain parameters", title_justify="left")
    table.add_column("parameter")
    table.add_column("estimate")
    table.add_column("scenario value", justify="right")
    table.add_column("drawn, 90% range", justify="right")
    for p in drawn["parameters"]:
        d = p["drawn"]
        table.add_row(p["path"], p["describe"], f"{p['point']:g}", f"{d['p5']:.3g} – {d['p95']:.3g}")
    console.print(table)


def _day_cell(summary: dict[str, Any], metric: dict[str, Any]) -> str:
    """The mean day of a day metric, with the share of runs that did not reach it."""
    late = metric.get("not_reached_share") or 0.0
    cell = _day(summary, metric["mean"])
    return (
        f"{cell} ({100 * late:.0f}% of runs: after horizon)" if late and metric["mean"] is not None else cell
    )


def render_dcs(summary: dict[str, Any]) -> None:
    """The DC table: one row per DC (``summary["dcs"]``), labels and units as the summary carries
    them; lost sales at its stores with their 90% interval, the other metrics as means. Nothing
    for a summary without DCs (or stored before DCs had a table)."""
    rows = summary.get("dcs") or []
    if not rows:
        return
    first = rows[0]["metrics"]
    table = Table(title="By DC (mean over replications)", title_justify="left")
    table.add_column("DC")
    table.add_column("stores", justify="right")
    for name, metric in first.items():
        table.add_column(metric["label"], justify="right")
        if name == "lost_sales_units":
            table.add_column("90% interval", justify="right")
    for row in rows:
        cells = [row["dc"], f"{row['stores']:,}"]
        for name, metric in row["metrics"].items():
            if metric["unit"] == "day":
                cells.append(_day_cell(summary, metric))
                continue
            cells.append(_num(metric["mean"], metric["unit"]))
            if name == "lost_sales_units":
                cells.append(f"{_num(metric['p5'], metric['unit'])} – {_num(metric['p95'], metric['unit'])}")
        table.add_row(*cells)
    console.print()
    console.print(whole_numbers(table))
