"""What the run page's charts are drawn from: the run API's ``chart`` fields (web/chart_data.py),
and the shared chart helper on every page that draws a chart."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from fastapi.testclient import TestClient

from aftershock.web.chart_data import chart_fields, iso_date, restart_day


@pytest.fixture(scope="module")
def ocs_run(client: TestClient) -> dict:
    """A finished run of the bundled ocs-2022 (start date 2022-07-29, compromise on day 7)."""
    r = client.post("/api/runs", json={"scenario": "ocs-2022", "replications": 4, "seed": 3})
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = client.get(r.headers["location"]).json()
        if run["status"] not in ("queued", "running"):
            break
        time.sleep(0.3)
    assert run["status"] == "done", run
    return run


def test_run_api_carries_the_start_date_and_the_marked_days(ocs_run: dict) -> None:
    chart, summary = ocs_run["chart"], ocs_run["summary"]
    assert chart["start_date"] == "2022-07-29" == summary["start_date"]
    markers = {m["key"]: m for m in chart["markers"]}
    assert [m["key"] for m in chart["markers"]] == ["incident", "restart", "backlog_cleared"]
    # compromised late on Friday 5 August (day 7); outbound resumes Wednesday 10 August at 22:00,
    # so the backlog first falls on Thursday 11 August (day 13)
    assert (markers["incident"]["day"], markers["incident"]["date"]) == (7, "2022-08-05")
    assert (markers["restart"]["day"], markers["restart"]["date"]) == (13, "2022-08-11")
    cleared = markers["backlog_cleared"]
    assert cleared["day"] == pytest.approx(summary["metrics"]["backlog_clear_day"]["mean"])
    assert dt.date.fromisoformat(cleared["date"]) == dt.date(2022, 7, 29) + dt.timedelta(
        days=round(cleared["day"])
    )
    assert cleared["day"] > markers["restart"]["day"]


def test_run_api_keeps_its_fields_and_only_adds(client: TestClient, ocs_run: dict) -> None:
    again = client.get(f"/api/runs/{ocs_run['id']}").json()
    assert {"id", "status", "progress", "summary"} <= set(again)
    assert again["summary"]["metrics"]["lost_sales_units"]["unit"] == "units"
    assert again["chart"] == ocs_run["chart"]


def test_chart_fields_without_a_start_date_a_stop_or_a_reached_day() -> None:
    summary = {
        "start_date": None,
        "incident_day": 3,
        "horizon_days": 8,
        "daily": {"backlog_units": {"mean": [0, 0, 0, 0, 5, 5, 9, 9]}},  # the DCs never ship again
        "metrics": {"backlog_clear_day": {"mean": None}},
    }
    chart = chart_fields(summary)
    assert chart is not None
    # no restart and no clear day within the horizon: not drawn; without a start date, no dates
    assert [(m["key"], m["day"], m["date"]) for m in chart["markers"]] == [("incident", 3.0, None)]
    assert chart_fields(None) is None
    assert iso_date(9.6, "2024-12-30") == "2025-01-09"


def test_restart_is_the_first_fall_of_the_backlog_after_the_incident() -> None:
    # a fall before the incident (ordinary shipping) does not count; a plateau is no fall
    assert restart_day([4.0, 2.0, 0.0, 0.0, 6.0, 6.0, 6.0, 3.0, 0.0], incident_day=2) == 7
    assert restart_day([0.0, 0.0, 0.0], incident_day=0) is None


def test_pages_with_charts_load_the_shared_helper(client: TestClient, ocs_run: dict) -> None:
    for url in (f"/runs/{ocs_run['id']}", "/pause", "/sensitivity", "/compare?ids=" + ocs_run["id"]):
        page = client.get(url)
        assert page.status_code == 200, url
        assert re.search(r'<script src="/static/charts\.js\?v=[0-9a-f]{12}" defer>', page.text), url
    helper = client.get("/static/charts.js").text
    for name in ("function drawChart", "function markerLayout", "Plotly.Plots.resize", "responsive: true"):
        assert name in helper
    for script in ("run.js", "pause.js", "sensitivity.js", "compare.js"):
        code = client.get(f"/static/{script}").text
        assert "drawChart(" in code and "Plotly.newPlot(" not in code, script
