"""Loading a scenario: one test per class of bad input.

Each test checks that the problem names the file, the line of the offending key, the
field (as a dotted path) and what was expected, usually with a "did you mean".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aftershock import api
from aftershock.errors import Problem, ScenarioError
from aftershock.io import load_scenario
from aftershock.testing import scenario_dict, stores_csv, write_scenario


def line_no(path: Path, text: str, nth: int = 1, *, contains: bool = False) -> int:
    """1-based number of the ``nth`` line that reads ``text`` (indentation and dashes aside)."""
    seen = 0
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if (text in line) if contains else (line.strip(" -") == text):
            seen += 1
            if seen == nth:
                return i
    raise AssertionError(f"{text!r} not in {path}")


def only_problem(exc: pytest.ExceptionInfo[ScenarioError]) -> Problem:
    assert len(exc.value.problems) == 1, exc.value.lines
    return exc.value.problems[0]


def by_field(exc: pytest.ExceptionInfo[ScenarioError]) -> dict[str | None, Problem]:
    return {p.field: p for p in exc.value.problems}


# --- what loads ------------------------------------------------------------------------


def test_the_reference_scenario_loads(tmp_path: Path) -> None:
    loaded = load_scenario(write_scenario(tmp_path))
    assert loaded.name == "reference"
    assert loaded.stores.ids.tolist() == ["s1", "s2", "s3", "s4"]
    assert loaded.path == tmp_path / "scenario.yaml"


def test_a_folder_stands_for_its_scenario_yaml(tmp_path: Path) -> None:
    write_scenario(tmp_path)
    assert load_scenario(tmp_path).path == tmp_path / "scenario.yaml"


def test_json_scenarios_load_like_yaml(tmp_path: Path) -> None:
    write_scenario(tmp_path)
    data = scenario_dict(description="Kaffe på Gotland \U0001f600")
    for name, text in {
        "indented.json": json.dumps(data, indent=2),
        "compact.json": json.dumps(data, separators=(",", ":")),
        # tabs are JSON whitespace although YAML forbids them
        "tabs.json": json.dumps(data, indent="\t"),
    }.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        loaded = load_scenario(path)
        assert loaded.scenario.horizon_days == 20, name
        # json.dumps escapes the emoji as a surrogate pair: it must come back whole
        assert loaded.scenario.description == "Kaffe på Gotland \U0001f600", name


def test_json_problems_have_lines_too(tmp_path: Path) -> None:
    write_scenario(tmp_path)
    data = scenario_dict()
    data["sites"]["dcs"][0]["pick_capacity_units_per_day"] = -5
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.source == "s.json"
    assert problem.field == "sites.dcs[0].pick_capacity_units_per_day"
    assert problem.line == line_no(path, '"pick_capacity_units_per_day"', contains=True)
    assert problem.message == "expected a value greater than 0, got -5"


def test_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{\n  "name": "x",\n  "horizon_days": ,\n  "items": []\n}\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert (problem.source, problem.line) == ("s.json", 3)
    assert problem.message.startswith("JSON syntax error: Expecting value")


# --- missing files -------------------------------------------------------------------


def test_missing_scenario_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as exc:
        load_scenario(missing)
    problem = only_problem(exc)
    assert problem.source == str(missing) and problem.message == "file not found"
    assert exc.value.lines == [f"{missing}: file not found"]


def test_folder_without_a_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(tmp_path)
    assert only_problem(exc).message == "a folder without a scenario.yaml in it"


def test_missing_store_table_points_at_the_line_naming_it(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    (tmp_path / "stores.csv").unlink()
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.source == "scenario.yaml"
    assert problem.line == line_no(path, "table: stores.csv")
    assert problem.field == "sites.stores.table"
    assert problem.message == f"store table not found: {(tmp_path / 'stores.csv').resolve()}"


# --- syntax ----------------------------------------------------------------------------


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nhorizon_days: 10\n  items: 4\nsites: {}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert (problem.source, problem.line) == ("s.yaml", 3)
    assert problem.message == "YAML syntax error: mapping values are not allowed here"
    assert str(exc.value) == (
        "1 problem in scenario:\ns.yaml:3: YAML syntax error: mapping values are not allowed here"
    )


def test_unclosed_bracket_says_where_it_opened(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nhorizon_days: [1, 2\nitems: []\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.line == 3  # where the parser noticed
    assert "YAML syntax error" in problem.message
    assert "starts on line 2" in problem.message  # where the sequence opened


def test_tab_indentation_is_a_yaml_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nsites:\n\tdcs: []\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.line == 3 and "'\\t'" in problem.message


def test_duplicate_key_names_its_second_line(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("  party: msp\n", "  party: msp\n  party: chain\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.line == line_no(path, "party: chain")
    assert problem.field == "services[1].party"  # the first 'party: msp' is pos-a's
    assert problem.message == "duplicate key 'party' (the earlier value would be silently replaced)"


# --- schema ------------------------------------------------------------------------


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    data = scenario_dict()
    data["horizon_day"] = data.pop("horizon_days")
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problems = by_field(exc)
    assert set(problems) == {"horizon_day", "horizon_days"}
    unknown = problems["horizon_day"]
    assert unknown.line == line_no(path, "horizon_day: 20")
    assert unknown.message.startswith("unknown key 'horizon_day'; did you mean 'horizon_days'?")
    assert "(expected one of: behaviour, common_causes, control, demand," in unknown.message
    assert problems["horizon_days"].message == "required field is missing"
    assert f"scenario.yaml:{unknown.line}: horizon_day: unknown key 'horizon_day'" in str(exc.value)


@pytest.mark.parametrize(
    ("where", "typo", "field", "meant"),
    [
        (
            ("sites", "dcs", 0),
            "pick_capacity_units_per_dy",
            "sites.dcs[0].pick_capacity_units_per_dy",
            "pick_capacity_units_per_day",
        ),
        (("control", 0), "delay_day", "control[0].delay_day", "delay_days"),
        (("requires", 0, "groups", 0, 1), "factr", "requires[0].groups[0][1].factr", "factor"),
        (("incident", "compromise"), "dya", "incident.compromise.dya", "day"),
    ],
)
def test_unknown_nested_key_suggests_the_right_one(
    tmp_path: Path, where: tuple[str | int, ...], typo: str, field: str, meant: str
) -> None:
    data = scenario_dict()
    node = data
    for part in where:
        node = node[part]
    node[typo] = 1
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert (problem.field, problem.line) == (field, line_no(path, f"{typo}: 1"))
    assert problem.message.startswith(f"unknown key '{typo}'; did you mean '{meant}'?")


def test_wrong_type_says_what_was_expected(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, scenario_dict(horizon_days="soon"))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert (problem.field, problem.line) == ("horizon_days", line_no(path, "horizon_days: soon"))
    assert problem.message.startswith("expected a valid integer")
    assert problem.message.endswith("got 'soon'")


def test_negative_pick_capacity_says_what_was_expected(tmp_path: Path) -> None:
    data = scenario_dict()
    data["sites"]["dcs"][0]["pick_capacity_units_per_day"] = -5
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    line = line_no(path, "pick_capacity_units_per_day: -5")
    assert (problem.source, problem.line) == ("scenario.yaml", line)
    assert problem.field == "sites.dcs[0].pick_capacity_units_per_day"
    assert problem.message == "expected a value greater than 0, got -5"
    assert str(problem) == (
        f"scenario.yaml:{line}: sites.dcs[0].pick_capacity_units_per_day: "
        "expected a value greater than 0, got -5"
    )


def test_a_value_outside_a_choice_lists_the_choices(tmp_path: Path) -> None:
    data = scenario_dict()
    data["parties"][0]["kind"] = "vendor"
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert (problem.field, problem.line) == ("parties[0].kind", line_no(path, "kind: vendor"))
    assert "'software_vendor'" in problem.message and problem.message.endswith("got 'vendor'")


def test_every_schema_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = scenario_dict(horizon_days=-1, horizon_dayz=3)
    data["items"][0]["price"] = "free"
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problems = by_field(exc)
    assert set(problems) == {"horizon_days", "horizon_dayz", "items[0].price"}
    assert str(exc.value).startswith("3 problems in scenario:\n")
    assert len(exc.value.lines) == 3
    assert problems["horizon_days"].line == line_no(path, "horizon_days: -1")
    assert problems["horizon_dayz"].line == line_no(path, "horizon_dayz: 3")
    assert problems["items[0].price"].line == line_no(path, "price: free")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("- name: x\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert str(only_problem(exc)) == "s.yaml:1: expected a mapping of keys at the top, got list"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert str(only_problem(exc)) == "s.yaml: the file is empty"


# --- cross references ----------------------------------------------------------------


def test_service_of_an_unknown_party(tmp_path: Path) -> None:
    data = scenario_dict()
    data["services"][0]["party"] = "vendr"
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert (problem.field, problem.line) == ("services[0].party", line_no(path, "party: vendr"))
    hint = "did you mean 'vendor'? (known: chain, msp, vendor)"
    assert problem.message == f"unknown party 'vendr'; {hint}"


def test_requires_an_unknown_service(tmp_path: Path) -> None:
    data = scenario_dict()
    data["requires"][0]["groups"][0][1]["service"] = "ap"
    data["requires"].append({"service": "wms-x", "groups": [[{"service": "rmm"}]]})
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problems = by_field(exc)
    alternative = problems["requires[0].groups[0][1].service"]
    assert alternative.line == line_no(path, "service: ap")
    assert alternative.message.startswith("unknown service 'ap'; did you mean 'app'?")
    target = problems["requires[4].service"]
    assert target.line == line_no(path, "service: wms-x")
    assert target.message.startswith("unknown service 'wms-x'; did you mean 'wms'?")
    assert "(known: app, pos-a, pos-b, rmm, wms)" in target.message


def test_control_edge_to_an_unknown_service(tmp_path: Path) -> None:
    data = scenario_dict()
    data["control"][0]["to"] = "pos-aa"
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert (problem.field, problem.line) == ("control[0].to", line_no(path, "to: pos-aa"))
    assert problem.message.startswith("unknown service 'pos-aa'; did you mean 'pos-a'?")


def test_incident_of_an_unknown_service(tmp_path: Path) -> None:
    data = scenario_dict()
    data["incident"]["compromise"]["service"] = "rm"
    data["incident"]["restore"] = {"pos_a": {"day": 6}}
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problems = by_field(exc)
    assert "did you mean 'rmm'?" in problems["incident.compromise.service"].message
    assert problems["incident.compromise.service"].line == line_no(path, "service: rm")
    assert "did you mean 'pos-a'?" in problems["incident.restore.pos_a"].message
    assert problems["incident.restore.pos_a"].line == line_no(path, "pos_a:")


def test_selector_value_not_in_the_store_table(tmp_path: Path) -> None:
    rows = [("s1", "north", "visma", 10), ("s2", "south", "other", 20)]
    data = scenario_dict()
    data["requires"][0]["site"]["where"] = {"pos_system": "vsima"}
    data["requires"][1]["site"]["where"] = {"pos_system": "other"}
    path = write_scenario(tmp_path, data, stores_csv(rows))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.field == "requires[0].site"
    assert problem.line == line_no(path, "site:")
    assert problem.message == (
        "unknown value of 'pos_system' 'vsima'; did you mean 'visma'? (known: other, visma)"
    )


def test_selector_on_a_column_the_table_lacks(tmp_path: Path) -> None:
    data = scenario_dict()
    data["requires"][0]["site"]["where"] = {"pos_sytem": "a"}
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.field == "requires[0].site"
    assert problem.message.startswith("unknown store attribute 'pos_sytem'")
    assert "; did you mean 'pos_system'?" in problem.message


def test_requires_cycle_is_a_clear_error(tmp_path: Path) -> None:
    data = scenario_dict()
    data["requires"] += [
        {"service": "pos-a", "groups": [[{"service": "wms"}]]},
        {"service": "wms", "groups": [[{"service": "pos-a"}]]},
    ]
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.field in {"requires[4]", "requires[5]"}
    # the rule's first line; 'service: pos-a' is also an alternative of requires[0]
    lines = {"requires[4]": ("service: pos-a", 2), "requires[5]": ("service: wms", 3)}
    target = lines[problem.field]
    assert problem.line == line_no(path, *target)
    assert "requires edges form a cycle" in problem.message
    assert "pos-a -> wms -> pos-a" in problem.message or "wms -> pos-a -> wms" in problem.message


def test_cycle_through_a_dc_capability(tmp_path: Path) -> None:
    # wms needs the DC to ship, and the DC's shipping needs the wms
    data = scenario_dict()
    needs_dc = {"service": "wms", "groups": [[{"site": "dc", "capability": "dc.ship"}]]}
    data["requires"].append(needs_dc)
    with pytest.raises(ScenarioError, match=r"cycle: .*dc/dc\.ship") as exc:
        load_scenario(write_scenario(tmp_path, data))
    assert only_problem(exc).field is not None


def test_compromise_day_outside_the_horizon(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, scenario_dict(horizon_days=5))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.field == "incident.compromise.day"
    assert problem.line == line_no(path, "day: 5")
    assert problem.message == "expected a day inside the horizon (0..4), got 5"


def test_capability_must_fit_the_site(tmp_path: Path) -> None:
    data = scenario_dict()
    data["requires"][2]["capability"] = "store.sell"  # a rule on the DC
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.field == "requires[2].capability"
    assert problem.line == line_no(path, "capability: store.sell", 3)
    assert problem.message.startswith("'store.sell' is not a capability of a dc (a dc has: dc.")


def test_id_used_twice(tmp_path: Path) -> None:
    data = scenario_dict()
    data["parties"].append({"id": "wms"})  # also a service id
    path = write_scenario(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.field == "services[4].id"
    assert problem.message == "id 'wms' is already used in parties"


def test_unknown_allocation_policy(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, scenario_dict(plan={"allocation": "fifoo"}))
    with pytest.raises(ScenarioError) as exc:
        api.validate(path)
    problem = only_problem(exc)
    assert problem.source == "scenario.yaml"
    assert problem.field == "plan.allocation"
    assert problem.line == line_no(path, "allocation: fifoo")
    assert problem.message.startswith("unknown allocation policy 'fifoo'; did you mean 'fifo'?")
    assert "(known: " in problem.message and "proportional" in problem.message


def test_cross_reference_problems_are_collected(tmp_path: Path) -> None:
    data = scenario_dict(plan={"allocation": "lifo"})
    data["services"][0]["party"] = "vendr"
    data["control"][0]["to"] = "pos-c"
    data["incident"]["compromise"]["day"] = 99
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write_scenario(tmp_path, data))
    assert set(by_field(exc)) == {
        "services[0].party",
        "control[0].to",
        "incident.compromise.day",
        "plan.allocation",
    }
    assert all(p.line for p in exc.value.problems)
    assert str(exc.value).startswith("4 problems in scenario:")


# --- overrides -------------------------------------------------------------------------


def test_overrides_apply_before_validation(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    overrides = ["incident.pause_days=4", "plan.order_cap=30", "services.1.kind=erp"]
    loaded = load_scenario(path, overrides)
    assert loaded.scenario.incident.forensic_clearance_days == 4
    cap = loaded.scenario.plan.order_cap
    assert cap is not None and (cap.units, cap.from_day) == (30, 5)  # from the compromise day
    assert loaded.scenario.services[1].kind == "erp"


def test_an_override_may_index_lists_as_problems_print_them(tmp_path: Path) -> None:
    """`services[1].kind` (the form of a problem's field) is `services.1.kind`, not a new key."""
    path = write_scenario(tmp_path)
    loaded = load_scenario(path, ["services[1].kind=erp", "sites.dcs[0].pick_capacity_units_per_day=7"])
    assert loaded.scenario.services[1].kind == "erp"
    assert loaded.scenario.sites.dcs[0].pick_capacity_units_per_day == 7


def test_a_bad_override_is_blamed_on_the_override(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path, ["horizon_days=many"])
    problem = only_problem(exc)
    assert (problem.source, problem.field) == ("--set", "horizon_days")
    assert problem.message.startswith("expected a valid integer")
    with pytest.raises(ScenarioError) as exc:
        api.validate(path, ["plan.allocation=fifoo"])
    assert str(only_problem(exc)).startswith("--set: plan.allocation: unknown allocation policy")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("horizon_days", "expected path=value (e.g. plan.allocation=fifo), got 'horizon_days'"),
        ("services.9.kind=pos", "'services.9' does not exist in the scenario"),
        ("name.x=1", "'name.x' does not point into a mapping or list"),
    ],
)
def test_malformed_overrides(tmp_path: Path, override: str, message: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write_scenario(tmp_path), [override])
    problem = only_problem(exc)
    assert (problem.source, problem.message) == ("--set", message)


def test_names_too_long_for_the_file_system_are_clear_errors():
    from aftershock.errors import ScenarioError
    from aftershock.io import load_scenario

    with pytest.raises(ScenarioError, match="File name too long"):
        load_scenario("ocs-2022", [f"sites.stores.table={'x' * 300}"])
    with pytest.raises(ScenarioError, match="File name too long"):
        load_scenario("y" * 300 + ".yaml")


def test_a_dc_cell_naming_no_dc_is_named_by_row_and_column(tmp_path):
    """A store table's `dc` column must name DCs of the scenario (issue 12, bad input)."""
    from aftershock.errors import DataError
    from aftershock.io import load_scenario
    from aftershock.testing import scenario_dict, stores_csv, write_scenario

    data = scenario_dict()
    dc = data["sites"]["dcs"][0]["id"]
    lines = stores_csv().splitlines()
    header, rows = lines[0] + ",dc", lines[1:]
    table = "\n".join([header, *(f"{r},{dc if i != 1 else 'dc-north'}" for i, r in enumerate(rows))]) + "\n"
    path = write_scenario(tmp_path, data, stores=table)
    with pytest.raises(DataError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert (problem.row, problem.field) == (2, "dc")
    assert f"expected the id of a DC of the scenario ({dc}), got 'dc-north'" in problem.message
    good = "\n".join([header, *(f"{r},{dc}" for r in rows)]) + "\n"
    assert len(load_scenario(write_scenario(tmp_path, data, stores=good)).stores) == len(rows)


@pytest.mark.parametrize("big", [False, True], ids=["row-reader", "column-reader"])
def test_a_bad_dc_cell_is_named_by_its_row_after_blank_lines(tmp_path, monkeypatch, big):
    """Blank lines of a CSV count as rows (as the reader numbers them): a bad dc cell after one
    is named by its own row, not by its position among the stores."""
    from aftershock.errors import DataError
    from aftershock.io import load_scenario, tables
    from aftershock.testing import scenario_dict, stores_csv, write_scenario

    if big:  # every table goes to the column reader
        monkeypatch.setattr(tables, "COLUMNAR_MIN_BYTES", 0)
    data = scenario_dict()
    dc = data["sites"]["dcs"][0]["id"]
    lines = stores_csv().splitlines()
    header, rows = lines[0] + ",dc", [f"{r},{dc}" for r in lines[1:]]
    rows[1] = rows[1].removesuffix(dc) + "dc-north"  # the second store
    table = "\n".join([header, rows[0], "", ",,,,"[: header.count(",")], *rows[1:]]) + "\n"
    with pytest.raises(DataError) as info:
        load_scenario(write_scenario(tmp_path, data, stores=table))
    (problem,) = info.value.problems
    assert (problem.row, problem.field) == (4, "dc")  # row 1 a store, rows 2 and 3 blank
    assert "got 'dc-north'" in problem.message
