"""`POST /api/scenarios/{ref}/sensitivity` in a worker process, and the dashboard page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftershock import api
from aftershock.limits import Limits
from aftershock.testing import pause_scenario
from aftershock.web import Settings, create_app

PARAMS = ["incident.isolate[0].until_day=5:12", "behaviour.churn_fraction=0:0.02"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("web") / "runs.db"
    limits = Limits(replications=400, years=100, store_days=10**9)
    app = create_app(Settings(db=str(db), demo_run=False, run_workers=1, limits=limits))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def test_the_analysis_runs_in_a_worker_as_the_api_runs_it(client: TestClient, tmp_path: Path) -> None:
    path = pause_scenario(
        tmp_path,
        stores=4,
        demand=10.0,
        order_up_to=40.0,
        on_hand=20.0,
        pause=(3, 8),
        capacity=100.0,
        horizon=20,
    )
    with path.open("rb") as scenario, (tmp_path / "stores.csv").open("rb") as stores:
        sid = client.post("/api/scenarios", files={"scenario": scenario, "stores": stores}).json()["id"]
    body = {"params": PARAMS, "samples": 8, "trajectories": 2, "replications": 1, "seed": 2}
    response = client.post(f"/api/scenarios/{sid}/sensitivity", json=body)
    assert response.status_code == 200, response.text
    got = response.json()
    direct = api.sensitivity(path, params=PARAMS, samples=8, trajectories=2, replications=1, seed=2)
    assert got["ranking"] == direct["ranking"] and got["baseline"] == direct["baseline"]
    assert got["ranking"][0]["path"] == "incident.isolate[0].until_day"
    # bad input: a 422 naming the field, before any work
    bad = client.post(f"/api/scenarios/{sid}/sensitivity", json={"params": ["incident.nope=1:2"]})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "params"
    assert "nope" in bad.json()["detail"]
    bad = client.post(
        f"/api/scenarios/{sid}/sensitivity", json={"params": ["incident.isolate[0].until_day=9:6"]}
    )
    assert bad.status_code == 422 and "low (9) must be <= high (6)" in bad.json()["detail"]
    # samples × replications over the server's limit (400 here)
    big = client.post(f"/api/scenarios/{sid}/sensitivity", json={"params": PARAMS, "samples": 64})
    assert big.status_code == 422 and "at most 400 here" in big.json()["detail"]
    assert client.post(f"/api/scenarios/{sid}/sensitivity", json={"samples": 10**6}).status_code == 422
    assert client.post("/api/scenarios/nope/sensitivity", json={}).status_code == 404


def test_the_page_has_the_form(client: TestClient) -> None:
    page = client.get("/sensitivity?scenario=ocs-2022")
    assert page.status_code == 200
    assert 'id="sensitivity-form"' in page.text and "/static/sensitivity.js" in page.text
    assert (
        'value="lost_sales_units" selected' in page.text and "may not exceed 400 on this server" in page.text
    )
    assert 'href="/sensitivity"' in client.get("/").text
