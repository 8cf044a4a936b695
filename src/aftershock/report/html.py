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


def render_report(
    title: str, result: Result, rows: Sequence[CompareRow] = (), risk: dict[str, Any] | None = None
) -> str:
    """The report as HTML text: headline table, charts, the plan comparison and the yearly risk."""
    from markupsafe import Markup

    figures: list[go.Figure] = [backlog_figure(result), stockout_figure(result), region_loss_figure(result)]
    if rows:
        figures.append(compare_figure(rows))
    if risk is not None:
        figures.append(exceedance_figure(risk))
    charts = [
        # Plotly's own markup and script: the one thing the template prints unescaped
        Markup(
            fig.to_html(
                full_html=False, include_plotlyjs=(i == 0), default_width="100%", default_height="420px"
            )
        )
        for i, fig in enumerate(figures)
    ]
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
        plans=plans,
        plan_columns=[LABELS[k] for k in PLAN_COLUMNS],
    )
