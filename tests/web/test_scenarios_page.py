"""Scenarios: name, upload time and version of each upload; versions grouped under their name;
short addresses (old id addresses move to them); delete with its runs, only when confirmed."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient


def _upload(client: TestClient, tmp: Path, scenario_files, name: str, horizon: int) -> dict:
    folder = tmp / f"{name}-{horizon}"
    folder.mkdir(exist_ok=True)
    text, stores = scenario_files(folder, name=name, horizon_days=horizon)
    up = client.post("/api/scenarios", files={"scenario": ("s.yaml", text), "stores": ("stores.csv", stores)})
    assert up.status_code == 201, up.text
    return up.json()


def test_versions_of_one_name_are_grouped_latest_first_with_dates(
    client: TestClient, tmp_path: Path, scenario_files
) -> None:
    ids = [_upload(client, tmp_path, scenario_files, "grouped-net", h)["id"] for h in (20, 25, 30)]
    items = [i for i in client.get("/api/scenarios").json()["items"] if i["name"] == "grouped-net"]
    assert {i["id"]: i["version"] for i in items} == dict(zip(ids, (1, 2, 3), strict=True))
    assert all(re.match(r"\d{4}-\d\d-\d\dT", i["created_at"]) for i in items)
    assert {i["page"] for i in items} == {f"/scenarios/grouped-net/v{n}" for n in (1, 2, 3)}

    page = client.get("/").text
    uploads = page.split('id="uploads"')[1].split("</table>")[0]
    # the name is listed once as a group, its versions below it, latest first
    group = re.findall(r'<tr class="([a-z-]+)" data-name="grouped-net"', uploads)
    assert group == ["scenario-group", "older-version", "older-version"]
    versions = re.findall(r'href="/scenarios/grouped-net/v(\d)"', uploads)
    assert versions == ["3", "2", "1"]
    assert "latest of 3 versions" in uploads
    assert re.search(r"<time datetime=\"[^\"]+\">\w{3} \d\d \w{3} \d{4} \d\d:\d\d UTC</time>", uploads)


def test_short_address_and_old_id_address_moves_there(
    client: TestClient, tmp_path: Path, scenario_files
) -> None:
    first = _upload(client, tmp_path, scenario_files, "short-net", 20)["id"]
    second = _upload(client, tmp_path, scenario_files, "short-net", 22)["id"]
    page = client.get("/scenarios/short-net/v2")
    assert page.status_code == 200
    assert "short-net" in page.text and 'class="version">v2<' in page.text
    assert "Uploaded <time" in page.text and f'data-id="{second}"' in page.text
    old = client.get(f"/scenarios/{first}", follow_redirects=False)
    assert old.status_code == 308 and old.headers["location"] == "/scenarios/short-net/v1"
    # the API tells the page too
    assert client.get(f"/api/scenarios/{second}").json()["page"] == "/scenarios/short-net/v2"
    assert client.get("/scenarios/short-net/v9").status_code == 404
    assert client.get("/scenarios/short-net/vx").status_code == 404
    # the graph and bundled scenarios keep their addresses
    assert client.get(f"/scenarios/{first}/graph").status_code == 200
    assert client.get("/scenarios/ocs-2022", follow_redirects=False).status_code == 200


def test_delete_needs_confirmation_then_takes_the_runs(
    client: TestClient, tmp_path: Path, scenario_files, wait_done
) -> None:
    sid = _upload(client, tmp_path, scenario_files, "doomed-net", 20)["id"]
    keep = _upload(client, tmp_path, scenario_files, "doomed-net", 21)["id"]
    runs = []
    for seed in (1, 2):
        r = client.post("/api/runs", json={"scenario": sid, "replications": 2, "seed": seed})
        assert r.status_code == 202, r.text
        runs.append(r.json()["id"])
    for run_id in runs:
        assert wait_done(client, run_id)["status"] == "done"
    assert client.get(f"/api/scenarios/{sid}").json()["runs"] == 2
    page = client.get("/scenarios/doomed-net/v1").text
    assert 'data-runs="2"' in page and "used by 2 runs" in page

    refused = client.delete(f"/api/scenarios/{sid}")
    assert refused.status_code == 409
    assert "its 2 runs" in refused.json()["detail"] and "confirm=true" in refused.json()["detail"]
    assert client.get(f"/api/runs/{runs[0]}").status_code == 200  # nothing went

    done = client.delete(f"/api/scenarios/{sid}", params={"confirm": "true"})
    assert done.status_code == 200, done.text
    assert done.json() == {"id": sid, "name": "doomed-net", "version": 1, "runs_deleted": 2}
    for run_id in runs:
        assert client.get(f"/api/runs/{run_id}").status_code == 404
    assert client.get(f"/api/scenarios/{sid}").status_code == 404
    assert client.get("/scenarios/doomed-net/v1").status_code == 404
    assert client.get("/scenarios/doomed-net/v2").status_code == 200  # the other version stays
    assert sid not in {i["id"] for i in client.get("/api/scenarios").json()["items"]}
    assert keep in {i["id"] for i in client.get("/api/scenarios").json()["items"]}


def test_bundled_scenarios_cannot_be_deleted(client: TestClient) -> None:
    r = client.delete("/api/scenarios/ocs-2022", params={"confirm": "true"})
    assert r.status_code == 409 and "comes with aftershock" in r.json()["detail"]
    assert client.get("/api/scenarios/ocs-2022").status_code == 200
