"""A scenario without requires rules: nothing depends on anything, so every command runs.

Regression: validate said ok, then impact, simulate, risk, stress, compare and optimize
failed on a reshape of an empty array (a network with no alternatives).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aftershock import api
from aftershock.cli.app import app
from aftershock.cli.errors import run_guarded
from aftershock.testing import scenario_dict, write_scenario


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = scenario_dict(
        horizon_days=14,
        requires=[],
        incident={
            "compromise": {"service": "rmm", "day": 3},
            "isolate": [{"service": "wms"}],
            "forensic_clearance_days": 2,
        },
        threats=[{"service": "rmm", "frequency_per_year": {"value": 1}, "outage_days": {"value": 3}}],
    )
    return write_scenario(tmp_path_factory.mktemp("no-requires"), data)


def test_validate_says_there_are_no_rules(path: Path) -> None:
    assert api.validate(path)["requires_rules"] == 0


def test_impact_finds_nothing_down(path: Path) -> None:
    report = api.impact(path)
    assert report["compromised"]  # the attack still spreads along control edges
    for capability in ("store.sell", "store.receive"):
        assert report["cuts"][capability]["single_points_of_failure"] == []


def test_simulate_sells_everything(path: Path) -> None:
    metrics = api.simulate(path, replications=2).summary["metrics"]
    assert metrics["lost_sales_units"]["mean"] == 0
    assert metrics["closed_store_days"]["mean"] == 0


def test_risk_stress_compare_and_optimize_run(path: Path) -> None:
    assert api.risk(path, years=20, reps_per_shape=1)["scenario"] == "reference"
    assert api.stress(path)
    assert len(api.compare(path, policies=["fifo", "proportional"], replications=2)) == 2
    assert api.optimize(path, replications=2) is not None


@pytest.mark.parametrize("command", ["impact", "simulate", "stress"])
def test_the_commands_exit_0(path: Path, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    extra = ["-n", "2"] if command == "simulate" else []
    assert run_guarded(app, [command, str(path), *extra]) == 0, capsys.readouterr().err
