"""Plotly figures of results and the self-contained HTML report."""

from aftershock.report.figures import (
    backlog_figure,
    compare_figure,
    dc_backlog_figure,
    dc_stock_figure,
    region_loss_figure,
    stockout_figure,
)
from aftershock.report.html import render_report

__all__ = [
    "backlog_figure",
    "compare_figure",
    "dc_backlog_figure",
    "dc_stock_figure",
    "region_loss_figure",
    "render_report",
    "stockout_figure",
]
