"""The pause decision (issue 14, part 2): a hand-built case with a known best length, bad input,
the CLI and the web route and page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftershock.api.pause_study import pause_study
from aftershock.cli.app import app
from aftershock.cli.errors import EXIT_INPUT, run_guarded
from aftershock.errors import ParameterError, ScenarioError
from aftershock.limits import Limits
from aftershock.testing import STOCKED_STORE_COLUMNS, scenario_dict, stores_csv, write_scenario
from aftershock.web import Settings, create_app

STORES = 4
DEMAND = 10.0
MARGIN = 2.0


def hand_built(
    tmp_path: Path, *, delay: int = 2, p: float = 1.0, isolate: list | None = None, cover: float = 1.0
) -> Path:
    """corp-it falls on day 5 and reaches the DC's WMS ``delay`` days later (with ``p``); a WMS
    that falls never comes back. The WMS is isolated from detection for the pause. Stores hold
    no stock beyond the day's delivery, so each day the DC does not ship loses a day's demand."""
    data = scenario_dict(
        horizon_days=30,
        items=[{"id": "all", "price": 10.0, "margin": MARGIN}],
        services=[{"id": "corp-it", "party": "vendor"}, {"id": "wms", "party": "msp"}],
        control=[{"from": "corp-it", "to": "wms", "p": p, "delay_days": delay}],
        requires=[
            {"site": {"id": "dc"}, "capability": "dc.ship", "groups": [[{"service": "wms"}]]},
            {
                "site": {"kind": "store"},
                "capability": "store.receive",
                "groups": [[{"site": "dc", "capability": "dc.ship"}]],
            },
        ],
        incident={
            "compromise": {"service": "corp-it", "day": 5},
            "isolate": [{"service": "wms"}] if isolate is None else isolate,
            "restore": {"corp-it": {"day": 6}},
        },
        demand={"distribution": "deterministic"},
        sites={
            "stores": {"table": "stores.csv"},
            "dcs": [{"id": "dc", "pick_capacity_units_per_day": 10_000}],
            "channels": [],
        },
    )
    stock = cover * DEMAND
    rows = [(f"s{i}", "r", DEMAND, stock, stock, 1, 1, 0) for i in range(STORES)]
    return write_scenario(tmp_path, data, stores_csv(rows, list(STOCKED_STORE_COLUMNS)))


def by_length(study: dict) -> dict[int, dict]:
    return {r["pause_days"]: r for r in study["rows"]}


@pytest.mark.parametrize("delay", [1, 2, 4])
def test_best_length_is_the_hand_computed_one(tmp_path: Path, delay: int) -> None:
    # the compromise lands on the WMS `delay` days after detection: a pause stops it only if it is
    # still in force then, i.e. lasts delay + 1 days; every day longer costs a day's lost margin
    study = pause_study(hand_built(tmp_path, delay=delay), days=list(range(8)), replications=3)
    rows = by_length(study)
    assert study["best_pause_days"] == delay + 1
    assert rows[delay + 1]["best_share"] == 1.0
    for length, row in rows.items():
        assert row["reach_probability"] == (1.0 if length <= delay else 0.0)
    # the attack always reaches the WMS without a pause: the pause's own cost is not observable
    assert all(r["pause_cost"] is None for r in study["rows"])
    # past the best length, each day of pause loses every store's demand at the margin
    per_day = STORES * DEMAND * MARGIN
    for length in range(delay + 2, 8):
        extra = rows[length]["expected_loss"] - rows[length - 1]["expected_loss"]
        assert extra == pytest.approx(per_day)
    # a spread that lands keeps the DC down to the end of the horizon: far worse than any pause
    assert rows[0]["expected_loss"] > rows[7]["expected_loss"]


def test_with_no_spread_the_pause_only_costs(tmp_path: Path) -> None:
    study = pause_study(hand_built(tmp_path, p=0.0), days=[0, 1, 3], replications=2)
    rows = by_length(study)
    assert study["best_pause_days"] == 0
    assert study["no_reach_replications"] == 2
    assert rows[0]["pause_cost"] == 0.0
    for length in (1, 3):
        assert rows[length]["reach_probability"] == 0.0
        assert rows[length]["pause_cost"] == pytest.approx(length * STORES * DEMAND * MARGIN)
        assert rows[length]["pause_cost_per_day"] == pytest.approx(STORES * DEMAND * MARGIN)
        assert rows[length]["pause_cost"] == pytest.approx(
            rows[length]["expected_loss"] - rows[0]["expected_loss"]
        )


def test_lengths_with_equal_losses_are_tied_not_ranked(tmp_path: Path) -> None:
    # ten days of stock at every store: a pause of up to 3 days loses nothing, and nothing spreads
    study = pause_study(hand_built(tmp_path, p=0.0, cover=10.0), days=[0, 1, 3], replications=2)
    assert study["best_pause_days"] == 0 and study["tied_with"] == [1, 3]
    assert [r["best_share"] for r in study["rows"]] == [1.0, 1.0, 1.0]
    assert study["versus_runner_up"] is None


def test_same_seed_same_study(tmp_path: Path) -> None:
    path = hand_built(tmp_path, p=0.5)
    a = pause_study(path, days=[0, 2, 4], replications=6, seed=3)
    b = pause_study(path, days=[0, 2, 4], replications=6, seed=3, executor="processes", workers=2)
    assert a["rows"] == b["rows"]


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ([], "at least one pause length"),
        ([0, -1], "0 days or more"),
        ([0, 2, 2], "2 repeated"),
        ([3, 1], "increasing order"),
        ([0, 40], "runs past the horizon"),
        ("1,,2", "separated by commas"),
        ("1,x", "whole number"),
    ],
)
def test_bad_days(tmp_path: Path, days, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        pause_study(hand_built(tmp_path), days=days, replications=2)


def test_a_scenario_without_isolation_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no precautionary isolation"):
        pause_study(hand_built(tmp_path, isolate=[]), days=[0, 1], replications=2)
    fixed = [{"service": "wms", "from_day": 5, "until_day": 8}]
    with pytest.raises(ScenarioError, match="sets its own until_day"):
        pause_study(hand_built(tmp_path, isolate=fixed), days=[0, 1], replications=2)


def test_cli_table_json_chart_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = hand_built(tmp_path / "s", delay=1)
    chart = tmp_path / "pause.html"
    argv = ["pause-study", str(path), "--days", "0,1,2,3", "-n", "2", "--chart", str(chart), "-q"]
    assert run_guarded(app, argv) == 0
    assert "best: a pause of 2 days" in " ".join(capsys.readouterr().out.split())
    assert "plotly" in chart.read_text(encoding="utf-8").lower()
    assert run_guarded(app, ["pause-study", str(path), "--days", "0,2", "-n", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["best_pause_days"] == 2
    for days in ("", "-1", "2,1", "1,1"):
        assert run_guarded(app, ["pause-study", str(path), "--days", days, "-n", "2"]) == EXIT_INPUT
        err = capsys.readouterr().err
        assert "--days" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def web_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("web") / "runs.db"
    limits = Limits(replications=60, years=100, store_days=10**9)
    app = create_app(Settings(db=str(db), demo_run=False, run_workers=1, limits=limits))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def test_the_study_runs_in_a_worker_as_the_api_runs_it(web_client: TestClient, tmp_path: Path) -> None:
    path = hand_built(tmp_path, delay=2, p=0.5)
    with path.open("rb") as scenario, (tmp_path / "stores.csv").open("rb") as stores:
        sid = web_client.post("/api/scenarios", files={"scenario": scenario, "stores": stores}).json()["id"]
    body = {"days": [0, 2, 3, 5], "replications": 6, "seed": 1}
    response = web_client.post(f"/api/scenarios/{sid}/pause-study", json=body)
    assert response.status_code == 200, response.text
    got = response.json()
    direct = pause_study(path, days=[0, 2, 3, 5], replications=6, seed=1)
    assert got["rows"] == direct["rows"] and got["best_pause_days"] == direct["best_pause_days"]
    # bad input: a 422 naming the field, before any work
    for days, message in (([], "at least one"), ([2, 1], "increasing"), ([1, 1], "repeated")):
        bad = web_client.post(f"/api/scenarios/{sid}/pause-study", json={"days": days, "replications": 2})
        assert bad.status_code == 422 and message in bad.json()["detail"], bad.text
    assert web_client.post(f"/api/scenarios/{sid}/pause-study", json={"days": [-1]}).status_code == 422
    big = web_client.post(f"/api/scenarios/{sid}/pause-study", json={"days": [0, 1, 2], "replications": 20})
    assert big.status_code == 422 and "at most 60 here" in big.json()["detail"]
    assert web_client.post("/api/scenarios/nope/pause-study", json={}).status_code == 404


def test_the_page_has_the_form(web_client: TestClient) -> None:
    page = web_client.get("/pause?scenario=ocs-2022")
    assert page.status_code == 200
    assert 'id="pause-form"' in page.text and "/static/pause.js" in page.text
    assert web_client.get("/static/pause.js").status_code == 200
