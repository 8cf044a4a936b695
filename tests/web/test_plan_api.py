"""`POST /api/plan`: the operational plan from uploaded tables, planned in a worker process."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

EXAMPLES = Path(__file__).parents[2] / "examples" / "plan"


def files(**replace: tuple[str, bytes]) -> dict[str, tuple[str, bytes, str]]:
    out = {}
    for role, name in (("backlog", "backlog.csv"), ("stock", "stores.csv"), ("capacity", "capacity.csv")):
        fname, data = replace.get(role, (name, (EXAMPLES / name).read_bytes()))
        out[role] = (fname, data, "text/csv")
    return out


def test_the_example_tables_give_the_plan_the_cli_gives(client: TestClient) -> None:
    from aftershock import api

    response = client.post(
        "/api/plan", files=files(), data={"horizon_days": "14", "start_date": "2022-08-10"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    cli = api.plan(
        EXAMPLES / "backlog.csv", EXAMPLES / "stores.csv", EXAMPLES / "capacity.csv", start_date="2022-08-10"
    )
    assert body["summary"]["backlog_clear_day"] == cli.summary["backlog_clear_day"] == 6
    assert body["summary"]["backlog_clear_date"] == "2022-08-16"
    assert len(body["stores"]) == 12 and len(body["dispatch"]) == len(cli.dispatch)
    assert {"store", "item", "day", "units"} <= set(body["dispatch"][0])


def test_every_table_problem_comes_back_with_its_file_row_and_column(client: TestClient) -> None:
    text = (EXAMPLES / "backlog.csv").read_text().splitlines()
    text[2] = text[2].rsplit(",", 1)[0] + ",-5"  # row 2: a negative quantity
    response = client.post("/api/plan", files=files(backlog=("open-orders.csv", "\n".join(text).encode())))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    (problem,) = response.json()["problems"]
    assert (problem["source"], problem["row"]) == ("open-orders.csv", 2)
    assert "quantity" in problem["field"] and ">= 0" in problem["message"]


def test_short_capacity_and_bad_fields_are_422(client: TestClient) -> None:
    lines = (EXAMPLES / "capacity.csv").read_text().splitlines()
    header = lines[0].split(",")
    small = [lines[0]] + [
        ",".join(
            "100" if h == "pick_capacity_units" else ("0" if h == "max_extra_shifts" else c)
            for h, c in zip(header, line.split(","), strict=True)
        )
        for line in lines[1:]
    ]
    response = client.post("/api/plan", files=files(capacity=("capacity.csv", "\n".join(small).encode())))
    assert response.status_code == 422 and "short" in response.json()["detail"]
    response = client.post("/api/plan", files=files(stock=("stores.xlsx", b"x")))
    assert response.status_code == 422 and "expected a .csv or .parquet file" in response.json()["detail"]
    response = client.post("/api/plan", files=files(), data={"horizon_days": "0"})
    assert response.status_code == 422
    response = client.post("/api/plan", files=files(), data={"start_date": "10/08/2022"})
    assert response.status_code == 422 and "YYYY-MM-DD" in response.json()["detail"]


def test_optimize_a_stored_scenario_in_a_worker(client: TestClient, tmp_path: Path) -> None:
    from aftershock import api
    from aftershock.testing import pause_scenario

    # 8 stores, outbound paused on days 4-7: the reference case of tests/optimize
    path = pause_scenario(
        tmp_path,
        stores=8,
        demand=6.0,
        order_up_to=60.0,
        on_hand=30.0,
        pause=(4, 8),
        capacity=70.0,
        horizon=24,
    )
    with path.open("rb") as scenario, (tmp_path / "stores.csv").open("rb") as stores:
        sid = client.post("/api/scenarios", files={"scenario": scenario, "stores": stores}).json()["id"]
    body = {"budget_shifts": 3, "integer": True, "replications": 10, "seed": 1}
    response = client.post(f"/api/scenarios/{sid}/optimize", json=body)
    assert response.status_code == 200, response.text
    got = response.json()
    direct = api.optimize(path, budget_shifts=3, integer=True, replications=10, seed=1)
    assert got["restart_day"] == direct.restart_day == 8
    assert got["extra_shifts"] == direct.extra_shifts and sum(got["extra_shifts"]) <= 3
    assert got["replayed"]["lost_sales_units"]["mean"] == direct.replayed["lost_sales_units"]["mean"]
    assert len(got["dispatch"]) == len(direct.dispatch) and got["dispatch"][0]["units"] > 0
    # bad knobs and unknown scenarios: JSON problems, no work
    assert client.post(f"/api/scenarios/{sid}/optimize", json={"objective": "speed"}).status_code == 422
    assert client.post(f"/api/scenarios/{sid}/optimize", json={"replications": 10**6}).status_code == 422
    assert client.post("/api/scenarios/nope/optimize", json={}).status_code == 404
