"""Loader errors: one test per class of bad input, each naming file, line/row, field, expectation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from aftershock import api
from aftershock.errors import DataError, ScenarioError
from aftershock.io import load_scenario
from aftershock.testing import scenario_dict, stores_csv, write_scenario


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_a_valid_scenario_loads(tmp_path: Path) -> None:
    loaded = load_scenario(write_scenario(tmp_path))
    assert len(loaded.stores) == 4 and loaded.scenario.name == "reference"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nope\.yaml: file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nhorizon_days: [1, 2\nitems: []\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert exc.value.problems[0].line == 3 and "YAML syntax error" in str(exc.value)


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    path.write_text(path.read_text() + "horizon_days: 30\n")
    with pytest.raises(ScenarioError, match="duplicate key 'horizon_days'") as exc:
        load_scenario(path)
    assert exc.value.problems[0].line == len(path.read_text().splitlines())


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    data = scenario_dict()
    data["incident"]["detection_delay_day"] = 1
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = exc.value.problems[0]
    assert problem.field == "incident.detection_delay_day"
    assert problem.line == line_of(path, "detection_delay_day")
    assert "did you mean 'detection_delay_days'?" in problem.message
    assert str(problem).startswith(f"scenario.yaml:{problem.line}: incident.detection_delay_day: unknown key")


def test_wrong_type_and_negative_values_say_what_was_expected(tmp_path: Path) -> None:
    data = scenario_dict(horizon_days="soon")
    data["sites"]["dcs"][0]["pick_capacity_units_per_day"] = -5
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    messages = {p.field: p.message for p in exc.value.problems}
    assert "got 'soon'" in messages["horizon_days"] and "integer" in messages["horizon_days"]
    assert messages["sites.dcs[0].pick_capacity_units_per_day"] == "expected a value greater than 0, got -5"


def test_all_problems_are_collected(tmp_path: Path) -> None:
    data = scenario_dict(horizon_days=-1, horizon_dayz=3)
    data["items"][0]["price"] = "free"
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write_scenario(tmp_path, data))
    assert len(exc.value.problems) == 3
    assert str(exc.value).startswith("3 problems in scenario:")


def test_csv_missing_column(tmp_path: Path) -> None:
    rows = [("s1", "north", "a")]
    with pytest.raises(DataError, match=r"stores\.csv: missing required column 'demand_units_per_day'"):
        load_scenario(write_scenario(tmp_path, stores=stores_csv(rows, ["id", "region", "pos_system"])))


def test_csv_negative_demand_names_row_and_column(tmp_path: Path) -> None:
    rows = [("s1", "north", "a", 10), ("s2", "north", "a", -3)]
    with pytest.raises(DataError) as exc:
        load_scenario(write_scenario(tmp_path, stores=stores_csv(rows)))
    assert str(exc.value.problems[0]) == (
        "stores.csv row 2: column `demand_units_per_day`: expected a number >= 0, got '-3'"
    )


def test_csv_bad_number_and_duplicate_id_are_all_reported(tmp_path: Path) -> None:
    header = ["id", "region", "pos_system", "demand_units_per_day", "lead_time_days"]
    rows = [("s1", "north", "a", "ten", 1), ("s1", "north", "a", 5, 1.5)]
    with pytest.raises(DataError) as exc:
        load_scenario(write_scenario(tmp_path, stores=stores_csv(rows, header)))
    text = str(exc.value)
    assert "row 1: column `demand_units_per_day`: expected a number >= 0, got 'ten'" in text
    assert "row 2: column `id`: duplicate store id 's1' (first in row 1)" in text
    assert "row 2: column `lead_time_days`: expected a whole number of days" in text


def test_dangling_references_suggest_known_ids(tmp_path: Path) -> None:
    data = scenario_dict()
    data["services"][0]["party"] = "vendr"
    data["control"][0]["to"] = "pos-c"
    data["requires"][0]["groups"][0][1]["service"] = "ap"
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    messages = {p.field: p.message for p in exc.value.problems}
    assert messages["services[0].party"].startswith("unknown party 'vendr'; did you mean 'vendor'?")
    assert "unknown service 'pos-c'" in messages["control[0].to"]
    assert "did you mean 'app'?" in messages["requires[0].groups[0][1].service"]
    assert all(p.line for p in exc.value.problems)


def test_selector_value_not_in_the_table(tmp_path: Path) -> None:
    data = scenario_dict()
    data["requires"][0]["site"]["where"] = {"pos_system": "aa"}
    with pytest.raises(ScenarioError, match=r"unknown value of 'pos_system' 'aa'; did you mean 'a'\?"):
        load_scenario(write_scenario(tmp_path, data))


def test_requires_cycle_is_a_clear_error(tmp_path: Path) -> None:
    data = scenario_dict()
    data["requires"] += [
        {"service": "pos-a", "groups": [[{"service": "wms"}]]},
        {"service": "wms", "groups": [[{"service": "pos-a"}]]},
    ]
    with pytest.raises(
        ScenarioError, match=r"requires edges form a cycle: .*(pos-a -> wms -> pos-a|wms -> pos-a -> wms)"
    ):
        load_scenario(write_scenario(tmp_path, data))


def test_incident_outside_the_horizon(tmp_path: Path) -> None:
    data = scenario_dict(horizon_days=5)
    with pytest.raises(
        ScenarioError, match=r"incident.compromise.day \(5\) must fall inside the horizon \(0..4\)"
    ):
        load_scenario(write_scenario(tmp_path, data))


def test_unknown_policy_name(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, scenario_dict(plan={"allocation": "fifoo"}))
    with pytest.raises(
        ScenarioError, match=r"plan.allocation: unknown allocation policy 'fifoo'; did you mean 'fifo'"
    ):
        api.validate(path)


def test_capability_must_fit_the_site(tmp_path: Path) -> None:
    data = scenario_dict()
    data["requires"][2]["capability"] = "store.sell"  # on the DC
    with pytest.raises(ScenarioError, match=r"'store.sell' is not a capability of a dc"):
        load_scenario(write_scenario(tmp_path, data))


def test_json_scenarios_load_and_report_lines(tmp_path: Path) -> None:
    write_scenario(tmp_path)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario_dict(), indent=1))
    assert load_scenario(path).scenario.name == "reference"
    path.write_text('{\n "name": "x",\n "horizon_days": ,\n}')
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert exc.value.problems[0].line == 3


def test_overrides_are_validated_like_the_file(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    loaded = load_scenario(path, ["incident.pause_days=4", "plan.order_cap=30"])
    assert loaded.scenario.incident.forensic_clearance_days == 4
    assert loaded.scenario.plan.order_cap is not None and loaded.scenario.plan.order_cap.units == 30
    with pytest.raises(ScenarioError, match=r"--set: horizon_days: expected a valid integer"):
        load_scenario(path, ["horizon_days=many"])
    with pytest.raises(ScenarioError, match="expected path=value"):
        load_scenario(path, ["horizon_days"])


def test_schema_is_json_schema_with_descriptions() -> None:
    schema = api.schema()
    assert schema["$schema"].endswith("2020-12/schema")
    control = schema["$defs"]["Control"]["properties"]
    assert "from" in control and "p" in control and control["p"]["maximum"] == 1
    yaml.safe_dump(schema)  # serialisable
