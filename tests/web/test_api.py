"""The REST API: scenarios, validation, runs, errors in one shape, auth, limits, escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftershock.web import Settings, create_app

PROBLEM_KEYS = {"type", "title", "status", "detail", "problems"}
TRICKY = "<script>alert(1)</script> x'); DROP TABLE runs; --"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) == PROBLEM_KEYS and body["status"] == status
    return body


def test_lists_bundled_scenarios_and_graph(client: TestClient) -> None:
    items = client.get("/api/scenarios").json()["items"]
    assert {i["ref"] for i in items if i["bundled"]} == {"ocs-2022", "coop-kaseya-2021", "grocer-3dc"}
    graph = client.get("/api/scenarios/coop-kaseya-2021/graph").json()
    ids = {n["data"]["id"] for n in graph["nodes"]}
    assert {"pos-main", "scan-and-pay", "msp-vsa"} <= ids
    assert any(e["data"]["type"] == "control" for e in graph["edges"])
    impact = client.get("/api/scenarios/coop-kaseya-2021/impact", params={"service": "msp-vsa"}).json()
    assert [c["service"] for c in impact["compromised"]] == ["msp-vsa", "pos-main"]
    assert impact["sell_capacity_share"] < 0.2


def test_validation_errors_are_located_problems(client: TestClient, tmp_path: Path, scenario_files) -> None:
    text, stores = scenario_files(tmp_path, horizon_day=3)
    body = assert_problem(
        client.post("/api/validate", json={"scenario_yaml": text, "stores_csv": stores}), 422
    )
    assert body["problems"][0]["field"] == "horizon_day"
    assert "did you mean 'horizon_days'" in body["problems"][0]["message"]
    assert body["problems"][0]["line"] > 1
    broken = assert_problem(client.post("/api/validate", json={"scenario_yaml": "name: [unclosed\n"}), 422)
    assert "YAML syntax error" in broken["problems"][0]["message"] and broken["problems"][0]["line"] == 2
    bad_csv = stores.replace("10.0", "-5")
    good_text, _ = scenario_files(tmp_path / "b")
    rows = assert_problem(
        client.post("/api/validate", json={"scenario_yaml": good_text, "stores_csv": bad_csv}), 422
    )
    assert rows["problems"][0]["row"] == 1 and "demand_units_per_day" in rows["problems"][0]["field"]


def test_upload_then_run_then_compare_and_delete(
    client: TestClient, tmp_path: Path, scenario_files, wait_done
) -> None:
    text, stores = scenario_files(tmp_path, title=TRICKY)
    up = client.post("/api/scenarios", files={"scenario": ("s.yaml", text), "stores": ("stores.csv", stores)})
    assert up.status_code == 201, up.text
    sid = up.json()["id"]
    assert up.headers["location"] == f"/api/scenarios/{sid}"
    assert client.get(f"/api/scenarios/{sid}").json()["title"] == TRICKY
    page = client.get(f"/scenarios/{sid}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    started = []
    for seed in (1, 2):
        r = client.post("/api/runs", json={"scenario": sid, "replications": 3, "seed": seed, "pause_days": 2})
        assert r.status_code == 202, r.text
        assert r.headers["location"] == f"/api/runs/{r.json()['id']}"
        started.append(r.json()["id"])
    for run_id in started:
        run = wait_done(client, run_id)
        assert run["status"] == "done", run
        assert run["summary"]["replications"] == 3
    daily = client.get(f"/api/runs/{started[0]}/daily").json()
    assert len(daily["day"]) == 20 and len(daily["backlog_units"]["mean"]) == 20
    regions = client.get(f"/api/runs/{started[0]}/regions").json()
    assert {r["region"] for r in regions} == {"north", "south"}
    csv = client.get(f"/api/runs/{started[0]}/export.csv")
    assert csv.status_code == 200 and csv.text.startswith("replication,day")
    both = client.get("/api/compare", params=[("ids", i) for i in started]).json()["runs"]
    assert [r["id"] for r in both] == started and all(r["backlog_mean"] for r in both)
    page = client.get("/runs").text
    assert started[0][:8] in page and "Lost sales, units" in page
    compared = client.get("/compare", params=[("ids", i) for i in started]).text
    assert "Lost sales, units" in compared and "lost_sales_units" not in compared.split("chart-compare")[0]
    fill = both[0]["summary"]["metrics"]["fill_rate"]["mean"]
    assert f"{fill:.1%}" in compared  # a share as a percentage, in the engine's own label
    assert client.delete(f"/api/runs/{started[1]}").status_code == 204
    assert_problem(client.get(f"/api/runs/{started[1]}"), 404)
    listing = client.get("/api/runs", params={"limit": 1}).json()
    assert listing["limit"] == 1 and len(listing["items"]) == 1 and listing["total"] >= 1


def test_bad_requests_share_one_shape(client: TestClient) -> None:
    assert_problem(client.get("/api/runs/not-a-run"), 404)
    assert_problem(client.get("/api/scenarios/nope"), 404)
    assert_problem(client.post("/api/runs", json={"scenario": "ocs-2022", "replications": 0}), 422)
    assert_problem(client.post("/api/runs", json={"scenario": "ocs-2022", "bogus": 1}), 422)
    body = assert_problem(client.post("/api/runs", json={"scenario": "ocs-2022", "policy": "lifo"}), 422)
    assert "unknown allocation policy 'lifo'" in body["detail"] + str(body["problems"])
    assert_problem(client.post("/api/scenarios", files={"scenario": ("big.yaml", "x" * 300_000)}), 413)
    assert_problem(client.get("/api/runs", params={"limit": 0}), 422)


def test_writes_need_a_token_beyond_loopback(tmp_path: Path) -> None:
    token = "t" * 24
    app = create_app(Settings(db=str(tmp_path / "a.db"), host="0.0.0.0", token=token, demo_run=False))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/scenarios").status_code == 200
        body = assert_problem(
            c.post("/api/runs", json={"scenario": "coop-kaseya-2021", "replications": 1}), 401
        )
        assert "bearer token" in body["detail"]
        wrong = {"Authorization": "Bearer " + "x" * 24}
        assert_problem(c.post("/api/runs", json={"scenario": "coop-kaseya-2021"}, headers=wrong), 401)
        ok = c.post(
            "/api/runs",
            json={"scenario": "coop-kaseya-2021", "replications": 1, "horizon_days": 9},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert ok.status_code == 202
    private = create_app(Settings(db=str(tmp_path / "b.db"), token=token, public_reads=False, demo_run=False))
    with TestClient(private, base_url="http://127.0.0.1:8000") as c:
        assert_problem(c.get("/api/runs"), 401)
        assert c.get("/api/runs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        for page in ("/", "/runs", "/compare?ids=x"):  # pages are reads too
            assert c.get(page).status_code == 401, page


@pytest.mark.slow
def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/scenarios",
        "/api/validate",
        "/api/runs",
        "/api/runs/{run_id}",
        "/api/compare",
        "/api/scenarios/{ref}/graph",
        "/api/scenarios/{ref}/impact",
        "/api/runs/{run_id}/daily",
    ):
        assert path in spec["paths"], path


def test_warnings_come_with_the_scenario_and_the_run(
    client: TestClient, tmp_path: Path, scenario_files, wait_done
) -> None:
    import yaml

    text, stores = scenario_files(tmp_path, horizon_days=10)
    data = yaml.safe_load(text)
    data["sites"]["dcs"][0]["pick_capacity_units_per_day"] = 90  # below 100 units a day of demand
    up = client.post(
        "/api/scenarios",
        files={"scenario": ("s.yaml", yaml.safe_dump(data)), "stores": ("stores.csv", stores)},
    )
    sid = up.json()["id"]
    (w,) = client.get(f"/api/scenarios/{sid}").json()["warnings"]
    assert w["field"] == "sites.dcs[0].pick_capacity_units_per_day" and w["line"] and w["source"]
    page = client.get(f"/scenarios/{sid}").text
    assert 'class="warning" role="alert"' in page and "normal pick capacity 90 units a day" in page
    run_id = client.post("/api/runs", json={"scenario": sid, "replications": 2}).json()["id"]
    run = wait_done(client, run_id)
    assert run["summary"]["warnings"] == [w]
    assert 'class="warning" role="alert"' in client.get(f"/runs/{run_id}").text
    clean = client.get("/api/scenarios/ocs-2022").json()
    assert clean["warnings"] == [] and 'class="warning"' not in client.get("/scenarios/ocs-2022").text
    compared = client.get("/compare", params={"ids": run_id}).text
    assert "Warnings about the scenario" in compared and "1 warning</a>" in compared
