"""A single self-contained HTML report: Plotly's JS embedded once, viewable offline.

The page is the Jinja2 template ``templates/report.html`` (autoescaped: titles, labels and
plan names are text, never markup); this module formats the numbers and draws the charts.
Metric labels, units and descriptions come from the result's summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import plotly.graph_objects as go

from aftershock.recovery.compare import CompareRow
from aftershock.report.figures import (
    backlog_figure,
    compare_figure,
    dc_backlog_figure,
    dc_stock_figure,
    exceedance_figure,
    region_loss_figure,
    stockout_figure,
)
from aftershock.sim.metrics import LABELS
from aftershock.sim.result import Result

#: Metrics in the table of compared plans, in column order.
PLAN_COLUMNS = (
    "lost_sales_units",
    "backlog_clear_day",
    "service_restored_day",
    "worst_store_stockout_days",
    "surge_cost",
)


@cache
def _template() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("aftershock.report", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1e5 else f"{value:,.0f}"
    return str(value)


def _metric_value(metric: dict[str, Any], key: str) -> str:
    value = metric[key]
    if metric["unit"] == "share" and value is not None:
        return f"{100 * value:.2f}%"  # a fill rate of 0.996 is not "1.0"
    return _fmt(value)


def _day_value(summary: dict[str, Any], metric: dict[str, Any]) -> str:
    """The mean day of a day metric; with its date when the scenario has a start date, and the
    share of runs that did not reach it within the horizon."""
    import datetime as dt

    mean = metric["mean"]
    if mean is None:
        return "not within the horizon"
    text = _fmt(mean)
    if summary.get("start_date"):
        date = dt.date.fromisoformat(summary["start_date"]) + dt.timedelta(days=round(mean))
        text += f" ({date:%a %d %b %Y})"
    late = metric.get("not_reached_share") or 0.0
    return text + (f"; after the horizon in {100 * late:.0f}% of runs" if late else "")


def _dc_columns(summary: dict[str, Any]) -> list[str]:
    """Headers of the DC table after "DC" and "stores": each metric's label from the summary;
    lost sales at the DC's stores with their 90% interval."""
    rows = summary.get("dcs") or []
    if not rows:
        return []
    columns = []
    for name, metric in rows[0]["metrics"].items():
        columns.append(metric["label"] + (", mean" if name == "lost_sales_units" else ""))
        if name == "lost_sales_units":
            columns.append(metric["label"] + ", 90% interval")
    return columns


def _dc_row(summary: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """A row of the DC table: the DC, its stores and its metrics (means; lost sales with p5 – p95)."""
    cells = []
    for name, metric in row["metrics"].items():
        if metric["unit"] == "day":
            cells.append(_day_value(summary, metric))
            continue
        cells.append(_metric_value(metric, "mean"))
        if name == "lost_sales_units":
            cells.append(f"{_metric_value(metric, 'p5')} – {_metric_value(metric, 'p95')}")
    return {"dc": row["dc"], "stores": f"{row['stores']:,}", "cells": cells}


def render_report(
    title: str, result: Result, rows: Sequence[CompareRow] = (), risk: dict[str, Any] | None = None
) -> str:
    """The report as HTML text: headline table, charts, the DCs (table, backlog and stock per DC),
    the plan comparison and the yearly risk."""
    from markupsafe import Markup

    # in the order of the page: the chain's charts, the DC section's, then plans and risk
    figures: list[go.Figure] = [backlog_figure(result), stockout_figure(result), region_loss_figure(result)]
    dc_figures = [f for f in (dc_backlog_figure(result), dc_stock_figure(result)) if f is not None]
    later: list[go.Figure] = []
    if rows:
        later.append(compare_figure(rows))
    if risk is not None:
        later.append(exceedance_figure(risk))
    html = [
        # Plotly's own markup and script: the one thing the template prints unescaped
        Markup(
            fig.to_html(
                full_html=False, include_plotlyjs=(i == 0), default_width="100%", default_height="420px"
            )
        )
        for i, fig in enumerate([*figures, *dc_figures, *later])
    ]
    charts = html[: len(figures)]
    dc_charts = html[len(figures) : len(figures) + len(dc_figures)]
    later_charts = html[len(figures) + len(dc_figures) :]
    headline = [
        {
            "label": m["label"],
            "mean": _metric_value(m, "mean"),
            "p5": _metric_value(m, "p5"),
            "p95": _metric_value(m, "p95"),
            "description": m["description"],
        }
        for m in result.summary["metrics"].values()
    ]
    plans = [
        {
            "label": r.label(),
            "cells": [_fmt(r.metrics.get(k)) for k in PLAN_COLUMNS],
            "is_pareto": r.is_pareto,
        }
        for r in rows
    ]
    return _template().render(
        title=title,
        summary=result.summary,
        headline=headline,
        charts=charts,
        dc_columns=_dc_columns(result.summary),
        dc_rows=[_dc_row(result.summary, row) for row in result.summary.get("dcs") or []],
        dc_charts=dc_charts,
        later_charts=later_charts,
        plans=plans,
        plan_columns=[LABELS[k] for k in PLAN_COLUMNS],
    )
