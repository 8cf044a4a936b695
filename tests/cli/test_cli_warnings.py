"""Warnings in the CLI: one yellow line each on stderr, and `warnings` in every --json output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftershock.cli.app import app
from aftershock.testing import scenario_dict, write_scenario

runner = CliRunner()

FIELD = "sites.dcs[0].pick_capacity_units_per_day"


@pytest.fixture
def suspicious(tmp_path: Path) -> tuple[Path, int]:
    """The reference network with a DC too small for its stores' normal demand; (path, its line)."""
    data = scenario_dict(horizon_days=10)
    data["sites"]["dcs"][0]["pick_capacity_units_per_day"] = 90
    data["threats"] = [
        {
            "service": "rmm",
            "frequency_per_year": {"dist": "point", "value": 0.5},
            "outage_days": {"dist": "point", "value": 3},
        }
    ]
    path = write_scenario(tmp_path, data)
    line = path.read_text(encoding="utf-8").splitlines().index("    pick_capacity_units_per_day: 90") + 1
    return path, line


COMMANDS = {
    "validate": [],
    "impact": [],
    "simulate": ["-n", "2", "-q"],
    "compare": ["-n", "2", "-q"],
    "risk": ["--years", "20", "--reps-per-shape", "1", "-q"],
    "stress": [],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_shows_the_warning(command: str, suspicious: tuple[Path, int]) -> None:
    path, line = suspicious
    result = runner.invoke(app, [command, str(path), *COMMANDS[command], "--json"])
    assert result.exit_code == 0, result.output
    assert f"warning: scenario.yaml:{line}: {FIELD}: normal pick capacity 90 units a day" in result.stderr
    (w,) = json.loads(result.stdout)["warnings"]
    assert w["source"] == "scenario.yaml" and w["line"] == line and w["field"] == FIELD
    assert "100 units a day" in w["message"]


def test_no_warning_means_an_empty_list_and_a_quiet_stderr(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert json.loads(result.stdout)["warnings"] == [] and "warning" not in result.stderr
    result = runner.invoke(app, ["validate", str(path)])
    assert result.stdout.startswith("ok reference") and result.stderr == ""


def test_the_table_output_warns_too(suspicious: tuple[Path, int]) -> None:
    path, line = suspicious
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0 and result.stdout.startswith("ok reference")
    assert f"warning: scenario.yaml:{line}: {FIELD}:" in result.stderr
