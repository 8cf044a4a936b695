"""Plotly figures built from a :class:`~aftershock.sim.result.Result` or compare rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from aftershock.recovery.compare import CompareRow
from aftershock.sim.metrics import LABELS
from aftershock.sim.result import Result


def _x(result: Result) -> list[object]:
    ds = result.dataset
    return list(ds["date"].values) if "date" in ds.coords else list(ds["day"].values)


def _band(fig: go.Figure, result: Result, series: str, color: str) -> None:
    """Mean and 90% band of a daily series, as the result's summary carries them (with its label)."""
    daily = result.summary["daily"][series]
    x, name = _x(result), daily["label"]
    fig.add_trace(
        go.Scatter(x=x, y=np.asarray(daily["p95"]), line={"width": 0}, showlegend=False, hoverinfo="skip")
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=np.asarray(daily["p5"]),
            fill="tonexty",
            line={"width": 0},
            fillcolor=color.replace("1)", "0.2)"),
            name=f"{name}, 90% band",
        )
    )
    fig.add_trace(go.Scatter(x=x, y=np.asarray(daily["mean"]), line={"color": color}, name=f"{name}, mean"))


def _incident_line(fig: go.Figure, result: Result) -> None:
    day = result.summary.get("incident_day")
    if day is None:
        return
    x = _x(result)[int(day)] if int(day) < len(_x(result)) else None
    if x is not None:
        fig.add_vline(x=x, line_dash="dot", line_color="grey")
        fig.add_annotation(x=x, y=1, yref="paper", text="incident", showarrow=False, yanchor="bottom")


def _daily_figure(result: Result, bands: list[tuple[str, str]], title: str, yaxis_title: str) -> go.Figure:
    """Daily series of the summary as bands (series, colour), with the incident day marked."""
    fig = go.Figure()
    for series, color in bands:
        _band(fig, result, series, color)
    _incident_line(fig, result)
    fig.update_layout(title=title, yaxis_title=yaxis_title, template="plotly_white")
    return fig


def backlog_figure(result: Result) -> go.Figure:
    """DC backlog of open store orders over time: mean and 90% band."""
    bands = [("backlog_units", "rgba(214,39,40,1)")]
    return _daily_figure(result, bands, "DC backlog over time", "units owed to stores")


def stockout_figure(result: Result) -> go.Figure:
    """Stores out of stock and stores closed per day."""
    bands = [("stores_stocked_out", "rgba(255,127,14,1)")]
    if result.dataset["stores_closed"].values.any():
        bands.append(("stores_closed", "rgba(31,119,180,1)"))
    return _daily_figure(result, bands, "Stores out of stock or closed, per day", "stores")


#: Colours of the DCs in the per-DC charts (Plotly's default sequence, as r,g,b), by the DC's
#: place in the result's DC table, so a DC keeps its colour from chart to chart.
DC_COLOURS = (
    "31,119,180",
    "214,39,40",
    "44,160,44",
    "148,103,189",
    "255,127,14",
    "140,86,75",
    "227,119,194",
    "127,127,127",
    "188,189,34",
    "23,190,207",
)


def dc_daily_figure(result: Result, series: str, title: str) -> go.Figure | None:
    """A daily series of each DC (``summary["dcs"][k]["daily"][series]``): mean line in its 90%
    band, one colour per DC; None when no DC has the series. Label and unit from the summary."""
    rows = [
        (i, row) for i, row in enumerate(result.summary.get("dcs") or []) if series in row.get("daily", {})
    ]
    if not rows:
        return None
    x = _x(result)
    fig = go.Figure()
    for i, row in rows:
        daily, rgb, dc = row["daily"][series], DC_COLOURS[i % len(DC_COLOURS)], row["dc"]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.asarray(daily["p95"]),
                line={"width": 0},
                legendgroup=dc,
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.asarray(daily["p5"]),
                fill="tonexty",
                fillcolor=f"rgba({rgb},0.15)",
                line={"width": 0},
                legendgroup=dc,
                name=f"{dc}, 90% band",
                showlegend=False,
                hoverinfo="skip",
            )
        )
        stores = f"{row['stores']:,} store{'' if row['stores'] == 1 else 's'}"
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.asarray(daily["mean"]),
                line={"color": f"rgba({rgb},1)"},
                legendgroup=dc,
                name=f"{dc} ({stores}), mean",
            )
        )
    _incident_line(fig, result)
    label = rows[0][1]["daily"][series]["label"]
    fig.update_layout(title=title, yaxis_title=label, template="plotly_white")
    return fig


def dc_backlog_figure(result: Result) -> go.Figure | None:
    """Backlog of each DC over time (mean and 90% band), when the scenario has several DCs
    (with one, the chain's backlog chart shows it)."""
    if len(result.summary.get("dcs") or []) < 2:
        return None
    return dc_daily_figure(result, "backlog_units", "Backlog per DC over time (mean and 90% band)")


def dc_stock_figure(result: Result) -> go.Figure | None:
    """Stock in each DC over time, for the DCs with a supply section (the others hold unlimited stock)."""
    return dc_daily_figure(result, "stock_units", "Stock per DC over time (mean and 90% band)")


def region_loss_figure(result: Result) -> go.Figure:
    """Lost sales by region (mean over replications)."""
    ds = result.dataset
    lost = ds["store_lost_revenue_total"].mean("replication")
    by_region = lost.groupby("region").sum().sortby(lambda d: -d) if "region" in ds.coords else lost
    fig = go.Figure(go.Bar(x=[str(r) for r in by_region["region"].values], y=by_region.values))
    fig.update_layout(
        title="Lost sales revenue by region (mean)", yaxis_title="revenue", template="plotly_white"
    )
    return fig


def compare_figure(rows: Sequence[CompareRow]) -> go.Figure:
    """Lost sales against the day service returns, one marker per plan; Pareto plans outlined."""
    fig = go.Figure()
    for policy in dict.fromkeys(r.policy for r in rows):
        mine = [r for r in rows if r.policy == policy]
        fig.add_trace(
            go.Scatter(
                x=[r.metrics.get("service_restored_day") for r in mine],
                y=[r.metrics.get("lost_sales_units") for r in mine],
                mode="markers",
                name=policy,
                text=[r.label() for r in mine],
                marker={
                    "size": [10 + 4 * r.extra_shifts for r in mine],
                    "line": {"width": [3 if r.is_pareto else 0 for r in mine], "color": "black"},
                },
                hovertemplate="%{text}<br>service back: day %{x:.1f}<br>lost: %{y:,.0f} units",
            )
        )
    fig.update_layout(
        title="Recovery plans compared (outlined: Pareto-efficient; size: extra shifts)",
        xaxis_title=LABELS["service_restored_day"],
        yaxis_title=LABELS["lost_sales_units"],
        template="plotly_white",
    )
    return fig


def exceedance_figure(risk: dict[str, Any]) -> go.Figure:
    """Loss exceedance curve: the chance a year's loss from supplier incidents exceeds x."""
    lec = risk["loss_exceedance"]
    insured = risk.get("insurance") is not None
    fig = go.Figure(
        go.Scatter(
            x=lec["loss"],
            y=lec["probability"],
            mode="lines",
            name="P(gross annual loss > x)" if insured else "P(annual loss > x)",
            line={"shape": "hv"},
        )
    )
    if insured:
        net = risk["net"]["loss_exceedance"]
        fig.add_trace(
            go.Scatter(
                x=net["loss"],
                y=net["probability"],
                mode="lines",
                name="P(net annual loss > x), after insurance",
                line={"shape": "hv", "dash": "dash"},
            )
        )
    for q, label in (("var95", "1 in 20 years"), ("var99", "1 in 100 years")):
        fig.add_vline(x=max(risk[q], 1e-9), line_dash="dot", line_color="grey")
        fig.add_annotation(
            x=max(risk[q], 1e-9), y=1, yref="paper", text=label, showarrow=False, yanchor="bottom"
        )
    fig.update_layout(
        title=f"Loss exceedance ({risk['years']:,} simulated years; ALE {risk['expected_annual_loss']:,.0f}"
        + (f", net {risk['net']['expected_annual_loss']:,.0f})" if insured else ")"),
        xaxis={"title": "annual loss", "type": "log"},
        yaxis={"title": "probability of exceeding", "tickformat": ".0%"},
        template="plotly_white",
    )
    return fig


def tornado_figure(sensitivity: dict[str, Any]) -> go.Figure:
    """One bar per parameter: the metric with the parameter at its low end and at its high end,
    every other parameter at the scenario's value (the largest swing on top)."""
    metric = sensitivity["metric"]
    base = sensitivity["baseline"]
    params = {p["path"]: p for p in sensitivity["parameters"]}
    rows = sorted(sensitivity["ranking"], key=lambda r: r["tornado"]["swing"])  # Plotly draws bottom up
    names = [r["path"] for r in rows]
    fig = go.Figure()
    for end, color in (("low", "rgba(31,119,180,1)"), ("high", "rgba(214,39,40,1)")):
        values = [r["tornado"][end] for r in rows]
        fig.add_trace(
            go.Bar(
                y=names,
                x=[v - base for v in values],
                base=base,
                orientation="h",
                name=f"parameter at its {end} end",
                marker_color=color,
                customdata=[[params[n][end], v] for n, v in zip(names, values, strict=True)],
                hovertemplate="%{y} = %{customdata[0]:,.4g}: %{customdata[1]:,.4g}<extra></extra>",
            )
        )
    fig.add_vline(x=base, line_color="grey")
    fig.update_layout(
        title=f"Tornado: {metric['label']} ({metric['unit']}) with one parameter at each end; "
        f"{base:,.4g} at the scenario's values",
        barmode="overlay",
        xaxis={"title": f"{metric['label']} ({metric['unit']})"},
        yaxis={"automargin": True},
        template="plotly_white",
        height=max(300, 60 + 40 * len(rows)),
    )
    return fig
