"""Outcome metrics from the engine's daily series, per replication, then summarised."""

from __future__ import annotations

import numpy as np

#: Tolerance on fill rate for "standard service": within 1 percentage point.
SERVICE_TOLERANCE = 0.01
#: Window of the chain-wide fill rate used for service level, in days.
FILL_WINDOW_DAYS = 7

METRICS: dict[str, tuple[str, str]] = {
    "lost_sales_units": ("units", "Demand neither sold nor diverted online, over the horizon"),
    "lost_sales_revenue": ("currency", "Revenue of the lost units"),
    "lost_margin": ("currency", "Gross margin of the lost units"),
    "stockout_store_days": ("store-days", "Store-days with demand lost to an empty shelf"),
    "closed_store_days": ("store-days", "Store-days with no selling capacity"),
    "fill_rate": ("share", "Units sold / units demanded at stores over the horizon"),
    "backlog_peak_units": ("units", "Highest DC backlog of open store orders"),
    "backlog_clear_day": ("day", "First day the backlog is back to its pre-incident level"),
    "service_restored_day": (
        "day",
        "First day after the dip that the chain's 7-day fill rate is within 1 point of normal",
    ),
    "worst_store_stockout_days": ("days", "Days without stock at the worst-hit store"),
    "customers_lost": (
        "units",
        "Demand that did not arise because customers turned away earlier stayed away "
        "(behaviour.churn_fraction of the unserved, counted once per visit, coming back over "
        "churn_recovery_days); not part of lost sales",
    ),
    "surge_cost": ("currency", "Cost of surge capacity used"),
}


#: Short names of the metrics for people (tables, reports); they travel in the result's summary.
LABELS: dict[str, str] = {
    "lost_sales_units": "Lost sales, units",
    "lost_sales_revenue": "Lost sales, revenue",
    "lost_margin": "Lost margin",
    "stockout_store_days": "Store-days with empty shelves",
    "closed_store_days": "Store-days closed",
    "worst_store_stockout_days": "Days without stock, worst store",
    "fill_rate": "Fill rate over the horizon",
    "backlog_peak_units": "Peak DC backlog, units",
    "customers_lost": "Demand lost to churn, units",
    "surge_cost": "Surge cost",
    "backlog_clear_day": "Backlog cleared (day)",
    "service_restored_day": "Standard service back (day)",
}


#: Per-DC metrics in the result's DC table: (label, unit) of each.
DC_METRICS: dict[str, tuple[str, str]] = {
    "lost_sales_units": ("Lost sales at its stores, units", "units"),
    "backlog_peak_units": ("Peak backlog, units", "units"),
    "backlog_clear_day": ("Backlog cleared (day)", "day"),  # with dc_clear_slack
    "shipped_units": ("Shipped, units", "units"),
    "lent_units": ("Shipped for another DC, units", "units"),
}

#: Daily series summarised per day in the result (mean and 90% band): (label, unit) of each.
DAILY_SERIES: dict[str, tuple[str, str]] = {
    "backlog_units": ("DC backlog, units", "units"),
    "stores_closed": ("Stores closed", "stores"),
    "stores_stocked_out": ("Stores out of stock", "stores"),
    "sales_units": ("Sales, units", "units"),
    "lost_units": ("Lost sales, units", "units"),
}
#: The band of the daily series: these percentiles over replications (a 90% band).
DAILY_BAND_PERCENTILES = (5, 95)


def trailing_fill(sales: np.ndarray, wanted: np.ndarray, window: int = FILL_WINDOW_DAYS) -> np.ndarray:
    """Fill rate over the trailing ``window`` days (shorter at the start), shape (R, T)."""
    cs = np.cumsum(sales, axis=1)
    cw = np.cumsum(wanted, axis=1)
    lag_s = np.zeros_like(cs)
    lag_w = np.zeros_like(cw)
    lag_s[:, window:] = cs[:, :-window]
    lag_w[:, window:] = cw[:, :-window]
    num, den = cs - lag_s, cw - lag_w
    return np.divide(num, den, out=np.ones_like(num), where=den > 0)


def backlog_clear_day(
    backlog: np.ndarray, incident_day: np.ndarray, slack: np.ndarray | None = None
) -> np.ndarray:
    """Per replication, first day after the post-incident peak with backlog at its normal level.

    Normal is the highest backlog before the incident (plus 1%% and one unit for noise, and
    ``slack`` units per replication when given); the incident day when the backlog never
    rose above normal; NaN if not within horizon.
    """
    reps, days = backlog.shape
    out = np.full(reps, np.nan)
    for r in range(reps):
        c = int(min(max(incident_day[r], 0), days))
        if c >= days:
            out[r] = np.nan
            continue
        normal = backlog[r, :c].max(initial=0.0) * 1.01 + 1.0 + (0.0 if slack is None else slack[r])
        after = backlog[r, c:]
        if after.max(initial=0.0) <= normal:
            out[r] = c
            continue
        peak = int(np.argmax(after))
        below = np.flatnonzero(after[peak:] <= normal)
        if below.size:
            out[r] = c + peak + below[0]
    return out


#: Share of a DC's normal day of shipments its backlog may exceed the pre-incident peak by and
#: still count as normal: a DC the incident never touched carries a little more on some
#: days by chance, and that is not a backlog to clear.
DC_CLEAR_SLACK_DAYS = 0.05


def dc_clear_slack(shipped: np.ndarray, incident_day: np.ndarray) -> np.ndarray:
    """Per replication, :data:`DC_CLEAR_SLACK_DAYS` of the DC's mean daily shipments before the incident."""
    out = np.zeros(shipped.shape[0])
    for r in range(shipped.shape[0]):
        c = int(min(max(incident_day[r], 0), shipped.shape[1]))
        if c > 0:
            out[r] = DC_CLEAR_SLACK_DAYS * float(shipped[r, :c].mean())
    return out


def service_restored_day(fill7: np.ndarray, incident_day: np.ndarray) -> np.ndarray:
    """Per replication, first day after the dip the 7-day fill is within 1 point of normal."""
    reps, days = fill7.shape
    out = np.full(reps, np.nan)
    for r in range(reps):
        c = int(incident_day[r])
        if c >= days:
            continue
        normal = fill7[r, c - 1] if c > 0 else 1.0
        target = normal - SERVICE_TOLERANCE
        dipped = np.flatnonzero(fill7[r, c:] < target)
        if not dipped.size:
            out[r] = c
            continue
        first_dip = c + dipped[0]
        back = np.flatnonzero(fill7[r, first_dip:] >= target)
        if back.size:
            out[r] = first_dip + back[0]
    return out


def per_replication(daily: dict[str, np.ndarray], incident_day: np.ndarray) -> dict[str, np.ndarray]:
    """Every metric of :data:`METRICS`, one value per replication."""
    wanted = daily["demand_units"] - daily["diverted_online_units"]
    sales = daily["sales_units"]
    return {
        "lost_sales_units": daily["lost_units"].sum(axis=1),
        "lost_sales_revenue": daily["lost_revenue"].sum(axis=1),
        "lost_margin": daily["lost_margin"].sum(axis=1),
        "stockout_store_days": daily["stores_stocked_out"].sum(axis=1),
        "closed_store_days": daily["stores_closed"].sum(axis=1),
        "fill_rate": sales.sum(axis=1) / np.maximum(wanted.sum(axis=1), 1e-12),
        "backlog_peak_units": daily["backlog_units"].max(axis=1),
        "backlog_clear_day": backlog_clear_day(daily["backlog_units"], incident_day),
        "service_restored_day": service_restored_day(trailing_fill(sales, wanted), incident_day),
        "worst_store_stockout_days": daily["store_stockout_days"].max(axis=1, initial=0.0),
        "customers_lost": daily["customers_lost_units"].sum(axis=1),
        "surge_cost": daily["surge_cost"].sum(axis=1),
    }


def describe(values: np.ndarray) -> dict[str, float | None]:
    """Mean, p5, p50, p95 over replications (NaN = not reached within the horizon)."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return {"mean": None, "p5": None, "p50": None, "p95": None, "not_reached_share": 1.0}
    p5, p50, p95 = np.percentile(finite, [5, 50, 95])
    return {
        "mean": float(finite.mean()),
        "p5": float(p5),
        "p50": float(p50),
        "p95": float(p95),
        "not_reached_share": float(1 - finite.size / values.size),
    }


def describe_daily(series: np.ndarray) -> dict[str, list[float]]:
    """Mean and 90% band (:data:`DAILY_BAND_PERCENTILES`) per day over replications."""
    p5, p95 = np.percentile(series, DAILY_BAND_PERCENTILES, axis=0)
    return {
        "mean": [float(x) for x in series.mean(axis=0)],
        "p5": [float(x) for x in p5],
        "p95": [float(x) for x in p95],
    }


def metric_summary(name: str, values: np.ndarray) -> dict[str, object]:
    """A metric as the result's summary carries it: label, unit, description, mean and percentiles."""
    unit, description = METRICS[name]
    return {"label": LABELS[name], "unit": unit, "description": description, **describe(values)}


def daily_summary(name: str, series: np.ndarray) -> dict[str, object]:
    """A daily series as the result's summary carries it: label, unit, and mean and band per day."""
    label, unit = DAILY_SERIES[name]
    return {"label": label, "unit": unit, **describe_daily(series)}
