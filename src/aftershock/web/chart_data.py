"""What the dashboard's charts need beyond the run's summary: the start date and the days to mark.

Read from the summary the engine stored (``sim/result.py``), so a run stored before this module
existed gets its markers too; nothing here reruns or reloads the scenario. The markers:

- the incident: the scenario's compromise day (the one line the ``report`` draws);
- the restart: the first day after the incident on which the chain's mean DC backlog falls,
  i.e. the DCs ship more than stores order. While the DCs are paused nothing ships and the
  backlog only grows, so this is the day shipping resumes as the run saw it, what-ifs, variants
  and attack spread included, without reloading the scenario. No marker when the backlog never
  grew (an incident that did not stop the DCs);
- the backlog cleared: ``backlog_clear_day``, the mean over the replications, as the run page's
  headline and the report's table give it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

#: Labels drawn at the markers, by key.
LABELS = {"incident": "incident", "restart": "DCs ship again", "backlog_cleared": "backlog cleared"}


def iso_date(day: float, start_date: str | None) -> str | None:
    """The ISO date of a (mean) day counted from ``start_date``; None without a start date."""
    if not start_date:
        return None
    return (dt.date.fromisoformat(start_date) + dt.timedelta(days=round(day))).isoformat()


def restart_day(backlog_mean: list[float], incident_day: int) -> int | None:
    """The first day after ``incident_day`` on which the mean backlog falls; None if it never
    does after having grown (see the module's docstring)."""
    for day in range(max(incident_day, 0) + 1, len(backlog_mean)):
        # the backlog is a sum of whole units averaged: a fall below rounding noise is no fall
        if backlog_mean[day] < backlog_mean[day - 1] - 1e-6 * max(1.0, backlog_mean[day - 1]):
            return day
    return None


def chart_fields(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    """``{"start_date", "horizon_days", "markers": [{key, label, day, date, source}]}`` of a run's
    summary, markers in time order; None without a summary (a run not done). A day the runs did
    not reach within the horizon (mean None) is left out: a line at the horizon's end would claim
    a day that did not happen."""
    if not summary:
        return None
    start = summary.get("start_date")
    incident = summary.get("incident_day")
    backlog = ((summary.get("daily") or {}).get("backlog_units") or {}).get("mean") or []
    days: list[tuple[str, float | None, str]] = [
        ("incident", incident, "incident_day"),
        (
            "restart",
            restart_day(backlog, int(incident)) if incident is not None else None,
            "daily.backlog_units",
        ),
        (
            "backlog_cleared",
            ((summary.get("metrics") or {}).get("backlog_clear_day") or {}).get("mean"),
            "metrics.backlog_clear_day",
        ),
    ]
    markers = [
        {
            "key": key,
            "label": LABELS[key],
            "day": float(day),
            "date": iso_date(float(day), start),
            "source": source,
        }
        for key, day, source in days
        if day is not None
    ]
    markers.sort(key=lambda m: m["day"])
    return {"start_date": start, "horizon_days": summary.get("horizon_days"), "markers": markers}
