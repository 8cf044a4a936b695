"""`simulate` and `runs show` print a table of the DCs; `--json` carries it as summary["dcs"]."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftershock.cli.app import app
from aftershock.testing import two_dc_scenario

runner = CliRunner()


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    # dc-a (two stores, 30 units a day) cannot ship on days 2-5; dc-b (one store) is untouched
    return two_dc_scenario(
        tmp_path,
        stores={"dc-a": [10, 20], "dc-b": [30]},
        capacity={"dc-a": 100, "dc-b": 100},
        pause={"dc-a": (2, 6)},
    )


def dc_rows(output: str) -> dict[str, list[str]]:
    """The DC table's rows by DC, each a list of its cells."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0] in ("dc-a", "dc-b"):
            rows[cells[0]] = cells
    return rows


def test_simulate_prints_a_row_per_dc_after_the_headline(scenario: Path) -> None:
    result = runner.invoke(
        app, ["simulate", str(scenario), "-n", "3", "-q", "--set", "start_date=2025-01-06"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("Headline") < out.index("By DC") < out.index("Per day")
    # headers are the summary's labels (they may wrap between words)
    header = " ".join(out[out.index("By DC") : out.index("dc-a")].split())
    for word in ("DC", "stores", "Lost", "interval", "Peak", "cleared", "Shipped", "another"):
        assert word in header
    rows = dc_rows(out)
    # DC, stores, lost sales mean and 90% interval, peak backlog, cleared, shipped, shipped for another DC
    assert rows["dc-a"] == ["dc-a", "2", "60", "60 – 60", "90", "day 6 (Sun 12 Jan)", "540", "0"]
    assert rows["dc-b"] == ["dc-b", "1", "0", "0 – 0", "0", "day 0 (Mon 06 Jan)", "600", "0"]


def test_simulate_json_carries_the_dc_table(scenario: Path) -> None:
    result = runner.invoke(app, ["simulate", str(scenario), "-n", "3", "--json"])
    assert result.exit_code == 0, result.output
    dcs = json.loads(result.stdout)["dcs"]
    assert [(d["dc"], d["stores"]) for d in dcs] == [("dc-a", 2), ("dc-b", 1)]
    a, b = (d["metrics"] for d in dcs)
    assert set(a) == {
        "lost_sales_units",
        "backlog_peak_units",
        "backlog_clear_day",
        "shipped_units",
        "lent_units",
    }
    assert (
        a["lost_sales_units"]["mean"] == 60
        and a["lost_sales_units"]["label"] == "Lost sales at its stores, units"
    )
    assert a["backlog_peak_units"]["mean"] == 90 and a["backlog_clear_day"]["mean"] == 6
    assert b["lost_sales_units"]["mean"] == 0 and b["shipped_units"]["mean"] == 600
    # the backlog per day (no stock: neither DC has a supply section, so both hold unlimited stock)
    backlog = dcs[0]["daily"]["backlog_units"]
    assert backlog["label"] and len(backlog["mean"]) == 20 and max(backlog["mean"]) == 90
    assert all("stock_units" not in d["daily"] for d in dcs)


def test_runs_show_prints_the_dc_table_of_a_stored_run(scenario: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    saved = runner.invoke(app, ["simulate", str(scenario), "-n", "2", "--save", "--db", db, "--json"])
    assert saved.exit_code == 0, saved.output
    shown = runner.invoke(app, ["runs", "show", json.loads(saved.stdout)["run_id"], "--db", db])
    assert shown.exit_code == 0, shown.output
    rows = dc_rows(shown.output)
    assert rows["dc-a"][:3] == ["dc-a", "2", "60"] and rows["dc-b"][:3] == ["dc-b", "1", "0"]


def test_a_summary_without_dcs_prints_no_dc_table(capsys: pytest.CaptureFixture[str]) -> None:
    from aftershock.cli.simulate_view import render_dcs

    render_dcs({"start_date": None, "dcs": []})
    render_dcs({"start_date": None})  # stored before runs had a DC table
    assert "By DC" not in capsys.readouterr().out
    late = {"label": "Backlog cleared (day)", "unit": "day", "mean": 30.0, "p5": 30.0, "p95": 30.0}
    render_dcs(
        {
            "start_date": None,
            "dcs": [
                {
                    "dc": "x",
                    "stores": 1,
                    "metrics": {"backlog_clear_day": {**late, "not_reached_share": 0.25}},
                }
            ],
        }
    )
    out = capsys.readouterr().out
    assert "By DC" in out and "day 30 (25% of runs: after horizon)" in out
