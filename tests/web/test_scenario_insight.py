"""The scenario page's incident day by day: GET /api/scenarios/{ref}/insight and its section."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftershock.scenarios import __file__ as scenarios_init

BUNDLED = Path(scenarios_init).parent
STATES = ["open", "degraded", "cannot receive", "closed"]


def _coop_with_coordinates() -> tuple[str, str, dict[str, tuple[str, str]]]:
    """coop-kaseya-2021's files, its store table given made-up coordinates (the bundled one has
    none); the third store's cells are left empty. Returns (YAML, CSV, id -> (lat, lon))."""
    folder = BUNDLED / "coop-kaseya-2021"
    rows = list(csv.DictReader(io.StringIO((folder / "stores.csv").read_text())))
    coordinates = {}
    for i, row in enumerate(rows):
        lat, lon = ("", "") if i == 2 else (f"{55.3 + 0.016 * i:.4f}", f"{12.5 + 0.1 * (i % 60):.4f}")
        row["latitude"], row["longitude"] = lat, lon
        coordinates[row["id"]] = (lat, lon)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return (folder / "scenario.yaml").read_text(), out.getvalue(), coordinates


@pytest.fixture(scope="module")
def coop(client: TestClient) -> tuple[dict, dict[str, tuple[str, str]]]:
    text, stores, coordinates = _coop_with_coordinates()
    files = {"scenario": ("scenario.yaml", text), "stores": ("stores.csv", stores)}
    up = client.post("/api/scenarios", files=files)
    assert up.status_code == 201, up.text
    got = client.get(f"/api/scenarios/{up.json()['id']}/insight")
    assert got.status_code == 200, got.text
    return got.json(), coordinates


def _row(data: dict, ident: str) -> dict:
    (row,) = [r for r in data["timeline"]["rows"] if r["id"] == ident]
    return row


def test_services_timeline_follows_the_incident(coop) -> None:
    data, _ = coop
    assert data["horizon_days"] == 28 and data["start_date"] == "2021-06-25"
    # compromised at 18:30 on day 7; never restored within the horizon
    assert _row(data, "vsa-vendor")["intervals"] == [{"state": "compromised", "from": 7, "to": 28}]
    # the MSP's VSA server is back on day 20 (no ramp)
    assert _row(data, "msp-vsa")["intervals"] == [
        {"state": "compromised", "from": 7, "to": 20},
        {"state": "restored", "from": 20, "to": 28},
    ]
    # tills: crews from day 9, 100 crews x 1.2 sites a day over 700 stores: the last on day 9 + 5
    assert _row(data, "pos-main")["intervals"] == [
        {"state": "compromised", "from": 7, "to": 9},
        {"state": "restoring", "from": 9, "to": 14},
        {"state": "restored", "from": 14, "to": 28},
    ]
    assert _row(data, "pos-main")["compromised_day"] == 7
    assert _row(data, "pos-other")["intervals"] == [] and _row(data, "pos-other")["compromised_day"] is None


def test_fallback_roll_out_counts_sites_per_day(coop) -> None:
    data, _ = coop
    (fallback,) = data["fallbacks"]
    assert fallback["service"] == "scan-and-pay"
    assert fallback["sites"] == 700 and fallback["reach"] == 320  # max_sites
    enabled = fallback["enabled"]
    assert len(enabled) == 28
    assert enabled[:9] == [0] * 9
    assert enabled[9:15] == [60, 120, 180, 240, 300, 320]
    assert set(enabled[15:]) == {320}


def test_store_states_change_on_the_compromise_day(coop) -> None:
    data, _ = coop
    stores = data["stores"]
    assert stores["states_names"] == STATES
    states = stores["states"]
    assert len(states) == 28 and all(len(line) == 800 for line in states)
    assert set(states[6]) == {"0"}
    # 18:30 of a day open 08:00-22:00: the 700 stores on the managed tills sell for 3/4 of day 7
    assert stores["counts"][7] == [100, 700, 0, 0]
    # day 8, the whole day without tills and before any fallback: closed
    assert stores["counts"][8] == [100, 0, 0, 700]
    closed = {i for i, c in enumerate(states[8]) if c == "3"}
    degraded = {i for i, c in enumerate(states[7]) if c == "1"}
    assert closed == degraded
    # the counts are those of the states
    for day, line in enumerate(states):
        assert stores["counts"][day] == [line.count(str(k)) for k in range(4)]
    # the crews reach the last store on day 14: every store open again
    assert stores["counts"][14] == [800, 0, 0, 0]


def test_store_coordinates_come_from_the_table(coop) -> None:
    data, coordinates = coop
    stores = data["stores"]
    assert len(stores["ids"]) == len(stores["latitude"]) == len(stores["longitude"]) == 800
    for i, ident in enumerate(stores["ids"]):
        lat, lon = coordinates[ident]
        assert stores["latitude"][i] == (float(lat) if lat else None)
        assert stores["longitude"][i] == (float(lon) if lon else None)
    assert stores["latitude"].count(None) == 1


def test_impact_summary_and_notes(coop) -> None:
    data, _ = coop
    summary = data["summary"]
    assert summary["compromise"] == "vsa-vendor"
    assert [c["service"] for c in summary["compromised"]] == ["vsa-vendor", "msp-vsa", "pos-main"]
    first, rolled = summary["views"]
    assert first["label"] == "first day"
    assert first["stores_selling"] == {"full": 100, "partial": 0, "closed": 700}
    assert rolled["stores_selling"] == {"full": 100, "partial": 320, "closed": 380}
    assert first["stores_receiving"] == {"full": 800, "partial": 0, "none": 0}
    assert 0 < first["sell_capacity_share"] < rolled["sell_capacity_share"] < 1
    # the scenario has uncertain values: the page says it shows their point values
    assert any("point values" in note for note in data["notes"])


def test_dc_outage_shows_as_stores_that_receive_less(client: TestClient) -> None:
    """grocer-3dc (bundled, with coordinates): dc-north's WMS is down from day 7 to 19; its
    170 stores still sell, and receive only what the backup DC lends."""
    data = client.get("/api/scenarios/grocer-3dc/insight").json()
    stores = data["stores"]
    assert all(v is not None for v in stores["latitude"])
    dcs = [r["dc"] for r in csv.DictReader(io.StringIO((BUNDLED / "grocer-3dc" / "stores.csv").read_text()))]
    north = {i for i, dc in enumerate(dcs) if dc == "dc-north"}
    assert set(stores["states"][6]) == {"0"}
    hit = {i for i, c in enumerate(stores["states"][7]) if c != "0"}
    assert hit == north
    assert stores["counts"][19] == [600, 0, 0, 0]
    assert _row(data, "wms-3pl")["intervals"][0] == {"state": "compromised", "from": 7, "to": 16}
    (first,) = data["summary"]["views"]
    assert first["stores_receiving"] == {"full": 430, "partial": 170, "none": 0}


def test_isolated_links_get_rows(client: TestClient) -> None:
    data = client.get("/api/scenarios/ocs-2022/insight").json()
    links = [r for r in data["timeline"]["rows"] if r["kind"] == "link"]
    assert links and all(r["intervals"] and r["intervals"][0]["state"] == "isolated" for r in links)


def test_unknown_scenario_is_404(client: TestClient) -> None:
    assert client.get("/api/scenarios/no-such-scenario/insight").status_code == 404


def test_page_has_the_section_and_only_local_scripts(client: TestClient) -> None:
    page = client.get("/scenarios/coop-kaseya-2021").text
    assert 'id="insight"' in page and 'data-ref="coop-kaseya-2021"' in page
    assert 'id="day-slider" type="range"' in page
    scripts = [line for line in page.splitlines() if "<script src=" in line]
    assert any("scenario" in s and ".js" in s for s in scripts)
    assert all('src="/static/' in s for s in scripts)
