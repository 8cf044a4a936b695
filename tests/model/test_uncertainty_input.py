"""Bad ``uncertainty:`` entries: one problem each, naming file, line and field; exit 1; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aftershock.cli.app import main
from aftershock.errors import Problem, ScenarioError
from aftershock.io import load_scenario
from aftershock.model.uncertainty import parameters
from aftershock.testing import scenario_dict, write_scenario


def _write(folder: Path, uncertainty: dict, **changes) -> Path:
    """The reference scenario with an ``uncertainty:`` block written one entry per line."""
    path = write_scenario(folder, scenario_dict(**changes))
    text = path.read_text(encoding="utf-8") + "uncertainty:\n"
    for key, estimate in uncertainty.items():
        text += f"  {key}: {yaml.safe_dump(estimate, default_flow_style=True).strip()}\n"
    path.write_text(text, encoding="utf-8")
    return path


def _line(path: Path, text: str) -> int:
    """Line of ``text`` in the ``uncertainty:`` block."""
    lines = path.read_text().splitlines()
    start = lines.index("uncertainty:")
    return next(i for i, line in enumerate(lines, 1) if i > start and line.strip().startswith(text))


def _problem(path: Path) -> Problem:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert len(exc.value.problems) == 1, exc.value.lines
    return exc.value.problems[0]


def test_good_entries_load(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "incident.compromise.day": {"dist": "pert", "low": 3, "mode": 5, "high": 8},
            "control[0].p": {"dist": "uniform", "low": 0.2, "high": 1},
            "behaviour.churn_fraction": {"dist": "lognormal", "median": 0.02, "p90": 0.04},
            "demand.weekday_factors[4]": {"dist": "uniform", "low": 1, "high": 1.4},
        },
    )
    found = parameters(load_scenario(path).scenario)
    assert [(p.loc, p.integer, p.point) for p in found] == [
        (("incident", "compromise", "day"), True, 5.0),
        (("control", 0, "p"), False, 1.0),
        (("behaviour", "churn_fraction"), False, 0.0),
        (("demand", "weekday_factors", 4), False, 1.0),
    ]


@pytest.mark.parametrize(
    ("key", "estimate", "field", "message"),
    [
        (
            "incident.forensic_clearence_days",
            {"dist": "uniform", "low": 1, "high": 3},
            "uncertainty.incident.forensic_clearence_days",
            "incident has no 'forensic_clearence_days'; did you mean 'forensic_clearance_days'?",
        ),
        (
            "control[3].p",
            {"dist": "uniform", "low": 0, "high": 1},
            "uncertainty.control[3].p",
            "no such field: control is a list of 1, indexed [0] to [0], not '3'",
        ),
        (
            "plan.allocation",
            {"dist": "uniform", "low": 1, "high": 2},
            "uncertainty.plan.allocation",
            "plan.allocation is text, not a number",
        ),
        (
            "incident.pause_days",
            {"dist": "uniform", "low": 1, "high": 2},
            "uncertainty.incident.pause_days",
            "incident.pause_days has no value in the scenario",
        ),
        (
            "horizon_days",
            {"dist": "uniform", "low": 10, "high": 30},
            "uncertainty.horizon_days",
            "this field cannot be uncertain",
        ),
        (
            "behaviour.churn_fraction",
            {"dist": "uniform", "low": 0.1, "high": 1.5},
            "uncertainty.behaviour.churn_fraction.high",
            "high 1.5 is not a valid behaviour.churn_fraction: Input should be less than or equal to 1",
        ),
        (
            "control[0].p",
            {"dist": "lognormal", "median": 0.3, "p90": 0.6},
            "uncertainty.control[0].p.p90",
            "p90 0.6 puts the highest draw (the 99.9th percentile, where draws are cut) at",
        ),
        (
            "incident.compromise.day",
            {"dist": "uniform", "low": 2, "high": 200000},
            "uncertainty.incident.compromise.day.high",
            "high 200000 is not a valid incident.compromise.day",
        ),
        (
            "incident.forensic_clearance_days",
            {"dist": "uniform", "low": 8, "high": 4},
            "uncertainty.incident.forensic_clearance_days",
            "high (4.0) must be >= low (8.0)",
        ),
    ],
)
def test_bad_entries_name_file_line_and_field(
    tmp_path: Path, key: str, estimate: dict, field: str, message: str
) -> None:
    path = _write(tmp_path, {key: estimate})
    problem = _problem(path)
    assert problem.source == "scenario.yaml"
    assert problem.line == _line(path, key + ":")
    assert problem.field == field
    assert message in problem.message


def test_a_range_that_breaks_a_cross_check_is_refused(tmp_path: Path) -> None:
    """A value valid for its field alone can still break the scenario: an isolation that would end
    before it starts (the check of the whole scenario with the lowest value in place)."""
    changes = {
        "incident": {
            "compromise": {"service": "rmm", "day": 5},
            "isolate": [{"service": "wms", "from_day": 5, "until_day": 9}],
        }
    }
    path = _write(
        tmp_path, {"incident.isolate[0].until_day": {"dist": "uniform", "low": 2, "high": 12}}, **changes
    )
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = exc.value.problems[0]
    assert problem.field == "uncertainty.incident.isolate[0].until_day.low"
    assert "low 2 is not a valid incident.isolate[0].until_day" in problem.message


def test_cli_exits_1_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, {"behaviour.churn_fraction": {"dist": "uniform", "low": 0.1, "high": 2}})
    out = tmp_path / "run.nc"
    with pytest.raises(SystemExit) as exc:
        main(["simulate", str(path), "-n", "2", "--out", str(out), "-q"])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert (
        f"scenario.yaml:{_line(path, 'behaviour.churn_fraction:')}: uncertainty.behaviour.churn_fraction.high"
        in err
    )
    assert not out.exists()


def test_a_field_another_field_sets_is_refused_not_drawn_for_nothing(tmp_path: Path) -> None:
    """incident.pause_days sets forensic_clearance_days: its draws would all be overwritten."""
    estimate = {"incident.forensic_clearance_days": {"dist": "uniform", "low": 1, "high": 3}}
    base = scenario_dict()
    assert load_scenario(_write(tmp_path / "free", estimate)).scenario.uncertainty  # on its own: drawn
    incident = {**base["incident"], "pause_days": 4}
    path = _write(tmp_path / "set", estimate, incident=incident)
    problem = _problem(path)
    assert problem.field == "uncertainty.incident.forensic_clearance_days"
    assert problem.line == _line(path, "incident.forensic_clearance_days")
    assert "is set by another field of the scenario (1 becomes 4)" in problem.message
