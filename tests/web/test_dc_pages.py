"""The dashboard shows the DCs: a table on the run page, and on the graph how many stores each serves."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from aftershock import api
from aftershock.testing import two_dc_scenario
from aftershock.web.graph_json import scenario_graph


def two_dcs(folder: Path) -> Path:
    return two_dc_scenario(
        folder,
        stores={"dc-a": [10, 20], "dc-b": [30]},
        capacity={"dc-a": 100, "dc-b": 100},
        pause={"dc-a": (2, 6)},
    )


def test_run_page_has_the_dc_table(client: TestClient, tmp_path: Path, wait_done) -> None:
    path = two_dcs(tmp_path)
    up = client.post(
        "/api/scenarios",
        files={
            "scenario": ("s.yaml", path.read_text()),
            "stores": ("stores.csv", (tmp_path / "stores.csv").read_text()),
        },
    )
    assert up.status_code == 201, up.text
    run_id = client.post("/api/runs", json={"scenario": up.json()["id"], "replications": 2}).json()["id"]
    run = wait_done(client, run_id)
    assert run["status"] == "done", run
    dcs = run["summary"]["dcs"]
    page = client.get(f"/runs/{run_id}").text
    section = page.split('<section id="dc-section"', 1)[1].split("</section>", 1)[0]
    assert "hidden" not in section.split(">", 1)[0]
    table = section.split('<table id="dcs"', 1)[1].split("</table>", 1)[0]
    # labels as the stored summary carries them
    for metric in dcs[0]["metrics"].values():
        assert f'<th scope="col">{metric["label"]}</th>' in table
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [c.strip() for c in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", tr)]
            for tr in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        )
        if cells and cells[0].startswith("dc-")
    }
    # stores, lost sales mean and 90% interval, peak backlog, cleared (day), shipped, lent
    assert rows["dc-a"] == ["2", "60", "60 – 60", "90", "6.0", "540", "0"]
    assert rows["dc-b"] == ["1", "0", "0 – 0", "0", "0.0", "600", "0"]
    # the per-DC charts are drawn from the summary's daily backlog
    assert 'id="chart-dc-backlog"' in section and len(dcs[0]["daily"]["backlog_units"]["mean"]) == 20


def test_dates_of_days_on_the_run_page() -> None:
    from aftershock.web.pages import date_of_day

    assert date_of_day(6.0, "2025-01-06") == "Sun 12 Jan 2025" and date_of_day(6.0, None) == ""
    assert date_of_day(None, "2025-01-06") == ""


def test_graph_dc_nodes_count_the_stores_they_serve(client: TestClient, tmp_path: Path) -> None:
    graph = scenario_graph(api.load(two_dcs(tmp_path)))
    dcs = {n["data"]["id"]: n["data"] for n in graph["nodes"] if n["data"]["type"] == "dc"}
    assert dcs["dc-a/dc.ship"]["stores"] == 2 and dcs["dc-b/dc.ship"]["stores"] == 1
    assert dcs["dc-a/dc.ship"]["label"] == "dc-a (2 stores)\ndc.ship"
    assert dcs["dc-b/dc.ship"]["label"] == "dc-b (1 store)\ndc.ship"
    # the API serves the same graph to the page
    served = client.get("/api/scenarios/coop-kaseya-2021/graph").json()
    one = [n["data"] for n in served["nodes"] if n["data"]["type"] == "dc"]
    stores = len(api.load("coop-kaseya-2021").stores)
    assert one and all(n["stores"] == stores and f"({stores} stores)" in n["label"] for n in one)
