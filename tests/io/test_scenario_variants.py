"""Scenario variants (issue 13, part 4): named what-ifs of a file, run as ``NAME:VARIANT``.

A variant's ``set`` entries are applied like ``--set`` overrides; every variant is validated
whenever the file is loaded, and a problem in one is located at its entry in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aftershock.errors import Problem, ScenarioError
from aftershock.io import bundled_scenarios, load_scenario, split_variant
from aftershock.testing import scenario_dict, write_scenario

VARIANTS = {
    "long-pause": {"description": "Forensics take twice as long.", "set": {"incident.pause_days": 8}},
    "no-cap": {"set": {"plan.order_cap": "none", "services[1].kind": "erp"}},
}


def with_variants(folder: Path, variants: dict[str, Any], **changes: Any) -> Path:
    data = scenario_dict(**changes)
    data["variants"] = variants
    return write_scenario(folder, data)


def line_of(path: Path, text: str) -> int:
    """1-based number of the only line containing ``text``."""
    found = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    assert len(found) == 1, (text, found)
    return found[0]


def only_problem(exc: pytest.ExceptionInfo[ScenarioError]) -> Problem:
    assert len(exc.value.problems) == 1, exc.value.lines
    return exc.value.problems[0]


# --- references ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("ocs-2022", ("ocs-2022", None)),
        ("ocs-2022:spread", ("ocs-2022", "spread")),
        ("scenarios/mine.yaml:no-backup", ("scenarios/mine.yaml", "no-backup")),
        ("C:\\scenarios\\mine.yaml", ("C:\\scenarios\\mine.yaml", None)),  # a drive, not a variant
        ("C:/scenarios/mine.yaml", ("C:/scenarios/mine.yaml", None)),
        ("D:\\s\\mine.yaml:fast", ("D:\\s\\mine.yaml", "fast")),
    ],
)
def test_a_reference_splits_at_its_last_colon(ref: str, expected: tuple[str, str | None]) -> None:
    assert split_variant(ref, files=False) == expected


def test_a_file_whose_name_holds_a_colon_is_not_split(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, name="odd:name.yaml")
    assert split_variant(str(path)) == (str(path), None)
    assert load_scenario(path).variant is None


def test_a_reference_ending_in_a_colon_is_an_error() -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario("ocs-2022:")
    assert exc.value.lines == ["ocs-2022:: expected a variant name after ':' (such as ocs-2022:spread)"]


# --- what a variant does ---------------------------------------------------------------


def test_a_variant_sets_its_values_and_names_the_scenario(tmp_path: Path) -> None:
    path = with_variants(tmp_path, VARIANTS, plan={"order_cap": 30})
    base = load_scenario(path)
    assert (base.name, base.variant) == ("reference", None)
    assert base.scenario.incident.forensic_clearance_days == 0
    for ref in (f"{path}:long-pause", f"{tmp_path}:long-pause"):  # a file or its folder
        loaded = load_scenario(ref)
        assert (loaded.name, loaded.variant, loaded.scenario.name) == (
            "reference:long-pause",
            "long-pause",
            "reference",
        )
        assert loaded.scenario.incident.forensic_clearance_days == 8
    other = load_scenario(path, variant="no-cap")
    assert other.scenario.plan.order_cap is None and other.scenario.services[1].kind == "erp"
    assert base.scenario.plan.order_cap is not None  # each build has its own copy of the file


def test_overrides_apply_on_top_of_the_variant(tmp_path: Path) -> None:
    path = with_variants(tmp_path, VARIANTS)
    loaded = load_scenario(f"{path}:long-pause", ["incident.pause_days=6", "horizon_days=30"])
    assert loaded.name == "reference:long-pause"
    assert loaded.scenario.incident.forensic_clearance_days == 6 and loaded.scenario.horizon_days == 30
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f"{path}:long-pause", ["incident.pause_days=-1"])
    problem = only_problem(exc)
    assert (problem.source, problem.field) == ("--set", "incident.pause_days")  # the last value set


def test_every_bundled_variant_loads_and_names_itself() -> None:
    seen = 0
    for bundled in bundled_scenarios():
        base = load_scenario(bundled.name)
        assert [v.name for v in bundled.variants] == list(base.scenario.variants)
        for v in bundled.variants:
            assert v.description, (bundled.name, v.name)
            loaded = load_scenario(f"{bundled.name}:{v.name}")
            assert loaded.name == f"{bundled.name}:{v.name}"
            assert loaded.scenario != base.scenario  # each changes something
            seen += 1
    assert seen >= 8


def test_ocs_2022_is_the_record_and_spread_a_variant() -> None:
    record = load_scenario("ocs-2022")
    assert record.scenario.incident.spread_p_override == 0  # forensics found no spread
    assert [c.p for c in record.scenario.control] == [0.25, 0.25]  # the attack paths stay visible
    spread = load_scenario("ocs-2022:spread")
    assert spread.scenario.incident.spread_p_override is None  # each edge's own p
    assert {"spread", "long-pause", "cap-30"} <= set(record.scenario.variants)


# --- bad input: one located message each ----------------------------------------------


def test_an_unknown_variant_suggests_the_closest_and_lists_them(tmp_path: Path) -> None:
    path = with_variants(tmp_path, VARIANTS)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f"{path}:long-pase")
    problem = only_problem(exc)
    assert problem.source == f"{path}:long-pase"
    assert problem.message == (
        "reference has no variant 'long-pase'; did you mean 'long-pause'? (variants: long-pause, no-cap)"
    )
    with pytest.raises(ScenarioError) as exc:
        load_scenario("ocs-2022:sprad")
    assert "did you mean 'spread'?" in only_problem(exc).message


def test_a_scenario_without_variants_says_so(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path, variant="spread")
    assert only_problem(exc).message.startswith("reference has no variants")


def test_a_variant_named_twice_differently_is_refused(tmp_path: Path) -> None:
    path = with_variants(tmp_path, VARIANTS)
    with pytest.raises(ScenarioError, match="names variant 'no-cap', but variant 'long-pause'"):
        load_scenario(f"{path}:no-cap", variant="long-pause")


def test_a_bad_value_is_blamed_on_the_variant_entry_and_its_line(tmp_path: Path) -> None:
    path = with_variants(tmp_path, {**VARIANTS, "broken": {"set": {"incident.pause_days": -2}}})
    for ref in (path, f"{path}:long-pause", f"{path}:broken"):  # whichever is asked for
        with pytest.raises(ScenarioError) as exc:
            load_scenario(ref)
        problem = only_problem(exc)
        assert (problem.source, problem.field) == ("scenario.yaml", "variants.broken.set.incident.pause_days")
        assert problem.line == line_of(path, "incident.pause_days: -2")
        assert problem.message == "expected a value greater than or equal to 0, got -2"


def test_an_unknown_key_names_the_variant_and_path(tmp_path: Path) -> None:
    path = with_variants(tmp_path, {"typo": {"set": {"incident.pause_dayz": 4}}})
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.field == "variants.typo.set.incident.pause_dayz"
    assert problem.line == line_of(path, "incident.pause_dayz: 4")
    assert problem.message.startswith("unknown key 'pause_dayz'; did you mean 'pause_days'?")


def test_a_new_key_deeper_down_is_blamed_on_the_entry(tmp_path: Path) -> None:
    path = with_variants(tmp_path, {"deep": {"set": {"incident.nothing.here": 1}}})
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.field == "variants.deep.set.incident.nothing.here"
    assert problem.line == line_of(path, "incident.nothing.here: 1")
    assert problem.message.startswith("unknown key 'nothing'")


def test_a_list_index_that_does_not_exist(tmp_path: Path) -> None:
    path = with_variants(tmp_path, {"ninth": {"set": {"services[9].kind": "pos"}}})
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert str(problem) == (
        f"scenario.yaml:{line_of(path, 'services[9].kind: pos')}: variants.ninth.set.services[9].kind: "
        "variant 'ninth' sets a path that does not exist: 'services.9' does not exist in the scenario"
    )


def test_a_nested_value_is_located_inside_the_entry(tmp_path: Path) -> None:
    path = with_variants(tmp_path, {"capped": {"set": {"plan.order_cap": {"units": -3, "from_day": 5}}}})
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.field == "variants.capped.set.plan.order_cap.units"
    assert problem.line == line_of(path, "units: -3")


@pytest.mark.parametrize("key", ["name", "variants", "variants.other.set"])
def test_a_variant_cannot_set_its_name_or_variants(tmp_path: Path, key: str) -> None:
    path = with_variants(tmp_path, {"rename": {"set": {key: "x"}}})
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.field == f"variants.rename.set.{key}"
    assert problem.line == line_of(path, f"{key}: x")
    assert problem.message.startswith(f"a variant cannot set '{key.split('.')[0]}'")


def test_a_problem_a_variant_causes_elsewhere_names_the_variant(tmp_path: Path) -> None:
    """Moving the compromise past the horizon breaks a field the variant did not set."""
    path = with_variants(tmp_path, {"late": {"set": {"horizon_days": 4}}})
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    for problem in exc.value.problems:
        if problem.field == "variants.late":
            assert problem.line == line_of(path, "late:")
            assert problem.message.startswith("the scenario this variant makes is invalid at ")
        else:
            assert problem.field == "variants.late.set.horizon_days"
    assert any(p.field == "variants.late" for p in exc.value.problems), exc.value.lines


def test_a_malformed_variants_block_is_a_schema_problem(tmp_path: Path) -> None:
    path = with_variants(tmp_path, {"no-set": {"description": "forgot what to set"}})
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert (problem.field, problem.message) == ("variants.no-set.set", "required field is missing")
    assert problem.line == line_of(path, "no-set:")


def test_a_warning_a_variant_causes_points_at_its_entry() -> None:
    loaded = load_scenario("ocs-2022:cap-30")
    [warning] = [w for w in loaded.warnings if w.field and w.field.startswith("variants.")]
    assert warning.field == "variants.cap-30.set.plan.order_cap.units"
    text = (Path(str(loaded.path))).read_text(encoding="utf-8")
    assert text.splitlines()[warning.line - 1].strip() == "plan.order_cap.units: 30"


def test_a_file_with_variants_must_be_valid_as_written(tmp_path: Path) -> None:
    """A variant is a what-if of the file: --set cannot stand in for a broken file."""
    path = with_variants(tmp_path, VARIANTS, horizon_days=0)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path, ["horizon_days=20"])
    assert only_problem(exc).field == "horizon_days" and only_problem(exc).source == "scenario.yaml"


def test_variant_files_round_trip_through_yaml(tmp_path: Path) -> None:
    """The schema accepts what the docs show: paths with brackets, values of any shape."""
    path = with_variants(tmp_path, {"v": {"set": {"sites.dcs[0].pick_capacity_units_per_day": 7}}})
    assert "sites.dcs[0].pick_capacity_units_per_day: 7" in path.read_text(encoding="utf-8")
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["variants"]["v"]["set"]
    assert load_scenario(f"{path}:v").scenario.sites.dcs[0].pick_capacity_units_per_day == 7
