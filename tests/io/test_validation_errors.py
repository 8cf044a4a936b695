"""Pydantic errors turned into problems: the allowed keys at a path, and the wording."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aftershock.io.validation_errors import fields_at, problems_from_validation
from aftershock.model import Scenario
from aftershock.testing import scenario_dict


@pytest.mark.parametrize(
    ("loc", "some_fields"),
    [
        ((), {"horizon_days", "incident", "requires"}),
        (("sites", "dcs", 0), {"id", "pick_capacity_units_per_day", "shifts_per_day"}),
        (("requires", 0, "groups", 0, 1), {"service", "site", "capability", "factor"}),
        (("incident", "restore", "pos-a"), {"day", "crews", "sites_per_crew_per_day", "order"}),
        (("control", 3), {"from", "to", "p", "delay_days"}),  # the alias, not 'from_'
        (("threats", 0, "outage_days"), {"dist", "median", "p90"}),
    ],
)
def test_fields_at_follows_models_lists_and_dicts(
    loc: tuple[str | int, ...],
    some_fields: set[str],
) -> None:
    assert some_fields <= fields_at(Scenario, loc)
    assert "from_" not in fields_at(Scenario, loc)


def test_fields_at_an_unknown_path_is_empty() -> None:
    assert fields_at(Scenario, ("nonsense",)) == set()
    assert fields_at(Scenario, ("name", "x")) == set()


def errors(**changes: object) -> dict[str | None, str]:
    try:
        Scenario.model_validate(scenario_dict(**changes))
    except ValidationError as exc:
        return {p.field: p.message for p in problems_from_validation(exc, "s.yaml", {}, Scenario)}
    raise AssertionError("expected a validation error")


def test_wording_of_each_kind_of_error() -> None:
    found = errors(
        horizon_days=0,
        name="bad name!",
        demand={"distribution": "normal"},
        behaviour={"churn_fraction": 1.5},
        titel="x",
    )
    assert found["horizon_days"] == "expected a value greater than or equal to 1, got 0"
    assert found["name"].startswith("String should match pattern")
    assert found["name"].endswith("got 'bad name!'")
    assert found["demand.distribution"] == (
        "expected 'poisson', 'negative_binomial' or 'deterministic', got 'normal'"
    )
    assert found["behaviour.churn_fraction"] == "expected a value less than or equal to 1, got 1.5"
    assert found["titel"].startswith("unknown key 'titel'; did you mean 'title'?")


def test_model_rules_read_as_plain_sentences() -> None:
    found = errors(requires=[{"groups": [[{"service": "x"}]]}])
    rule = "a requires rule targets either a service or a site with a capability"
    assert found["requires[0]"] == rule


def test_long_inputs_are_shortened() -> None:
    found = errors(horizon_days="x" * 200)
    assert found["horizon_days"].endswith("...") and len(found["horizon_days"]) < 160


def test_a_long_unknown_key_is_shortened() -> None:
    found = errors(**{"k" * 5000: 1})
    [message] = [m for f, m in found.items() if f and f.startswith("kkk")]
    assert message.startswith("unknown key '" + "k" * 57 + "...' (expected one of:")


def test_infinities_and_dates_read_as_plain_sentences() -> None:
    found = errors(demand={"dispersion": float("inf")}, start_date="2300-01-01")
    assert found["demand.dispersion"] == "expected a finite number, got inf"
    assert found["start_date"] == "expected a date on or before 2199-12-31, got '2300-01-01'"
