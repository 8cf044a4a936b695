"""A single self-contained HTML report: Plotly's JS embedded once, viewable offline."""

from __future__ import annotations

import html
from collections.abc import Sequence
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


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1e5 else f"{value:,.0f}"
    return html.escape(str(value))


def render_report(
    title: str, result: Result, rows: Sequence[CompareRow] = (), risk: dict[str, Any] | None = None
) -> str:
    """The report as HTML text: headline table, charts, the plan comparison and the yearly risk."""
    figures: list[go.Figure] = [backlog_figure(result), stockout_figure(result), region_loss_figure(result)]
    if rows:
        figures.append(compare_figure(rows))
    if risk is not None:
        figures.append(exceedance_figure(risk))
    charts = [
        fig.to_html(full_html=False, include_plotlyjs=(i == 0), default_width="100%", default_height="420px")
        for i, fig in enumerate(figures)
    ]
    metrics = result.summary["metrics"]

    def value(m: dict[str, Any], key: str) -> str:
        if m["unit"] == "share" and m[key] is not None:
            return f"{100 * m[key]:.2f}%"  # a fill rate of 0.996 is not "1.0"
        return _fmt(m[key])

    head = "".join(
        f"<tr><th scope='row'>{html.escape(LABELS.get(name, name))}</th><td>{value(m, 'mean')}</td>"
        f"<td>{value(m, 'p5')}</td><td>{value(m, 'p95')}</td><td>{html.escape(m['description'])}</td></tr>"
        for name, m in metrics.items()
    )
    compare_rows = "".join(
        f"<tr><td>{html.escape(r.label())}</td>"
        + "".join(
            f"<td>{_fmt(r.metrics.get(k))}</td>"
            for k in (
                "lost_sales_units",
                "backlog_clear_day",
                "service_restored_day",
                "worst_store_stockout_days",
                "surge_cost",
            )
        )
        + f"<td>{'yes' if r.is_pareto else ''}</td></tr>"
        for r in rows
    )
    compare_table = (
        "<h2>Recovery plans compared</h2><table><thead><tr><th>plan</th><th>lost sales (units)</th>"
        "<th>backlog cleared (day)</th><th>service back (day)</th><th>worst store, days empty</th>"
        f"<th>surge cost</th><th>Pareto</th></tr></thead><tbody>{compare_rows}</tbody></table>"
        if rows
        else ""
    )
    s = result.summary
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: right; }}
th[scope=row], td:first-child {{ text-align: left; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{s["replications"]} replications, seed {s["seed"]}, {s["horizon_days"]} days from
{html.escape(str(s.get("start_date") or "day 0"))}; incident on day {s["incident_day"]}.</p>
<h2>Headline</h2>
<table><thead><tr><th>metric</th><th>mean</th><th>p5</th><th>p95</th><th>meaning</th></tr></thead>
<tbody>{head}</tbody></table>
{"".join(f"<section>{c}</section>" for c in charts)}
{compare_table}
</body></html>
"""
