"""The compare page: labels in words with units, numbers by the shared rules, what-ifs in words,
a warning when runs of different scenarios are compared, and the comparison as CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from aftershock.formatting import METRICS, fmt
from aftershock.web.compare_table import COMPARED


@pytest.fixture(scope="module")
def runs(client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Two runs of one scenario (one with a 2-day delivery pause) and one of another."""
    from tests.web.conftest import _scenario_files, _wait_done

    made: dict[str, list[str]] = {}
    for name, asks in (("cmp-a", [{}, {"pause_days": 2}]), ("cmp-b", [{}])):
        folder = tmp_path_factory.mktemp(name)
        text, stores = _scenario_files(folder, name=name)
        files = {"scenario": ("s.yaml", text), "stores": ("stores.csv", stores)}
        up = client.post("/api/scenarios", files=files)
        assert up.status_code == 201, up.text
        ids = []
        for i, extra in enumerate(asks):
            body = {"scenario": up.json()["id"], "replications": 2, "seed": i + 1, **extra}
            r = client.post("/api/runs", json=body)
            assert r.status_code == 202, r.text
            ids.append(r.json()["id"])
        for run_id in ids:
            assert _wait_done(client, run_id)["status"] == "done"
        made[name] = ids
    return made


def _ids(ids: list[str]) -> list[tuple[str, str]]:
    return [("ids", i) for i in ids]


def test_labels_numbers_and_what_ifs_in_words(client: TestClient, runs: dict[str, list[str]]) -> None:
    ids = runs["cmp-a"]
    page = client.get("/compare", params=_ids(ids)).text
    table = page.split("chart-compare")[0]
    for name in COMPARED:
        assert f'<th scope="row">{METRICS[name]["label"]}</th>' in table
    assert "Fill rate over the horizon, %" in table and "fill_rate" not in table
    data = client.get("/api/compare", params=_ids(ids)).json()
    for run in data["runs"]:
        m = run["summary"]["metrics"]
        share = fmt("fill_rate", m["fill_rate"]["mean"])
        assert re.fullmatch(r"\d{1,3}\.\d%", share) and f'<td class="num">{share}</td>' in table
        units = fmt("lost_sales_units", m["lost_sales_units"]["mean"])
        assert "." not in units and f'<td class="num">{units}</td>' in table
    # the run with the pause says so in words; the other is the scenario as written
    assert data["runs"][1]["what_ifs"] == ["Delivery pause: 2 days"]
    assert "Delivery pause: 2 days" in table and "incident.pause_days" not in table
    assert "none: the scenario as written" in table
    # one scenario: no warning
    assert data["mixed_scenarios"] is False and data["warning"] is None
    assert 'id="mixed-scenarios"' not in page


def test_runs_of_different_scenarios_are_flagged(client: TestClient, runs: dict[str, list[str]]) -> None:
    ids = [runs["cmp-a"][0], runs["cmp-b"][0]]
    data = client.get("/api/compare", params=_ids(ids)).json()
    assert data["mixed_scenarios"] is True and data["scenarios"] == ["cmp-a v1", "cmp-b v1"]
    page = client.get("/compare", params=_ids(ids)).text
    banner = page.split('id="mixed-scenarios"')[1].split("</div>")[0]
    assert "2 different scenarios (cmp-a v1, cmp-b v1)" in banner


def test_the_comparison_as_csv_has_plain_numbers(client: TestClient, runs: dict[str, list[str]]) -> None:
    ids = [*runs["cmp-a"], runs["cmp-b"][0]]
    r = client.get("/api/compare.csv", params=_ids(ids))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["run_id"] for row in rows] == ids
    header = r.text.splitlines()[0].split(",")
    assert header[:3] == ["run_id", "scenario", "scenario_version"] and "fill_rate_p95" in header
    runs_json = {run["id"]: run for run in client.get("/api/compare", params=_ids(ids)).json()["runs"]}
    for row in rows:
        metrics = runs_json[row["run_id"]]["summary"]["metrics"]
        for name in COMPARED:
            mean = metrics[name]["mean"]
            # exact, unformatted: no separators, a share as a fraction
            assert row[name] == ("" if mean is None else repr(float(mean)))
        assert float(row["fill_rate"]) <= 1
    assert rows[1]["what_ifs"] == "Delivery pause: 2 days" and rows[2]["scenario"] == "cmp-b"
    # the page links the download of the same runs
    page = client.get("/compare", params=_ids(ids)).text
    assert "/api/compare.csv?ids=" + "&amp;ids=".join(ids) in page
