"""The calibration chart: observed points with their tolerance against the simulation."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

#: Colours (r,g,b): the calibrated variant, the scenario as written, the observed points.
CALIBRATED = "31,119,180"
WRITTEN = "127,127,127"
OBSERVED = "214,39,40"

#: Axis titles of the observed series.
TITLES = {
    "stores_closed": "stores closed",
    "stores_open": "stores open",
    "shipped_units": "units shipped",
    "backlog_units": "DC backlog, units",
}


def calibration_figure(result: dict[str, Any]) -> go.Figure:
    """One panel per observed series: the observed points with tolerance bars, the calibrated
    variant (mean and 90% band over replications), the posterior's 90% band (the particles'
    means: the spread the parameters leave) and the scenario as written (mean, dashed).

    ``result`` is :meth:`aftershock.api.calibrate.CalibrationResult.as_dict`.
    """
    names = list(result["daily"])
    fig = make_subplots(
        rows=len(names),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=[TITLES.get(n, n) for n in names],
    )
    variant = result["variant"]["name"]
    for row, name in enumerate(names, start=1):
        daily = result["daily"][name]
        x = daily["date"] or daily["day"]
        first = row == 1

        _band(
            fig,
            row,
            x,
            first,
            daily["posterior"]["p5"],
            daily["posterior"]["p95"],
            CALIBRATED,
            0.12,
            "posterior, 90% band (parameter uncertainty)",
            "posterior",
        )
        _band(
            fig,
            row,
            x,
            first,
            daily["calibrated"]["p5"],
            daily["calibrated"]["p95"],
            CALIBRATED,
            0.3,
            f"{variant}, 90% band over replications",
            "calibrated",
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=daily["calibrated"]["mean"],
                line={"color": f"rgb({CALIBRATED})"},
                name=f"{variant}, mean",
                legendgroup="calibrated-mean",
                showlegend=first,
            ),
            row=row,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=daily["written"]["mean"],
                line={"color": f"rgb({WRITTEN})", "dash": "dash"},
                name="as written, mean",
                legendgroup="written",
                showlegend=first,
            ),
            row=row,
            col=1,
        )
        points = [f for f in result["fit"] if f["series"] == name]
        fig.add_trace(
            go.Scatter(
                x=[p["date"] or p["day"] for p in points],
                y=[p["value"] for p in points],
                mode="markers",
                marker={"color": f"rgb({OBSERVED})", "size": 9, "symbol": "diamond"},
                error_y={"type": "data", "array": [p["tolerance"] for p in points], "thickness": 1.5},
                text=[f"{p['source']}<br>{p['note']}" for p in points],
                hovertemplate="%{x}: %{y:,.0f} ± %{error_y.array:,.0f}<br>%{text}<extra>observed</extra>",
                name="observed ± tolerance",
                legendgroup="observed",
                showlegend=first,
            ),
            row=row,
            col=1,
        )
        fig.update_yaxes(title_text=TITLES.get(name, name), rangemode="tozero", row=row, col=1)
    fig.update_layout(
        title=f"{result['scenario']}: observed timeline against the calibrated variant "
        f"({result['method']}, seed {result['seed']})",
        template="plotly_white",
        height=max(420, 320 * len(names)),
    )
    return fig


def _band(
    fig: go.Figure,
    row: int,
    x: list[Any],
    legend: bool,
    low: list[float],
    high: list[float],
    rgb: str,
    alpha: float,
    label: str,
    group: str,
) -> None:
    """A filled band between ``low`` and ``high`` in panel ``row``."""
    fig.add_trace(
        go.Scatter(x=x, y=high, line={"width": 0}, legendgroup=group, showlegend=False, hoverinfo="skip"),
        row=row,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=low,
            fill="tonexty",
            fillcolor=f"rgba({rgb},{alpha})",
            line={"width": 0},
            name=label,
            legendgroup=group,
            showlegend=legend,
        ),
        row=row,
        col=1,
    )
