"""Every number of a scenario is finite and bounded: a located problem, never a crash later.

Regressions: infinities were accepted where NaN was refused; days and counts of 2^63 and
more, extreme weekday factors, dispersion or item shares passed validation and then broke
the engine (NumPy overflow, "lam value too large", a 745 GiB allocation for a threat
frequency of 1e9).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aftershock import api
from aftershock.errors import ScenarioError
from aftershock.model import Estimate, Threat
from aftershock.model.threats import MAX_FREQUENCY_PER_YEAR
from aftershock.testing import scenario_dict, write_scenario

THREAT = {"service": "rmm", "frequency_per_year": {"value": 1}, "outage_days": {"value": 3}}


def refused(tmp_path: Path, data: dict[str, Any]) -> list:
    with pytest.raises(ScenarioError) as exc:
        api.load(write_scenario(tmp_path, data))
    problems = exc.value.problems
    assert problems and all(p.source == "scenario.yaml" and p.line and p.field for p in problems)
    return problems


def with_(**changes: Any) -> dict[str, Any]:
    data = scenario_dict()
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        node[last] = value
    return data


CASES = [
    # (dotted path with __, value, field named, words of the message)
    ("incident__compromise__day", 2**63, "incident.compromise.day", "less than or equal to 100000"),
    ("incident__detection_delay_days", 2**64, "incident.detection_delay_days", "100000"),
    ("incident__forensic_clearance_days", 10**30, "incident.forensic_clearance_days", "100000"),
    ("control__0__delay_days", 2**63, "control[0].delay_days", "100000"),
    ("demand__dispersion", math.inf, "demand.dispersion", "finite"),
    ("demand__dispersion", 1e-300, "demand.dispersion", "0.01"),
    ("demand__dispersion", 1e300, "demand.dispersion", "1000000"),
    ("demand__weekday_factors", [1e300] * 7, "demand.weekday_factors[0]", "100"),
    ("demand__weekday_factors", [math.inf] * 7, "demand.weekday_factors[0]", "finite"),
    ("sites__dcs__0__pick_capacity_units_per_day", math.inf, "sites.dcs[0].pick_capacity", "finite"),
    ("sites__dcs__0__pick_capacity_units_per_day", 1e300, "sites.dcs[0].pick_capacity", "1000000000000"),
    ("items__0__price", math.inf, "items[0].price", "finite"),
    ("items__0__demand_share", 1e308, "items[0].demand_share", "1000000"),
    ("behaviour__churn_recovery_days", 1e-320, "behaviour.churn_recovery_days", "1"),
    ("sites__stores__defaults__cover_days", 1e308, "sites.stores.defaults.cover_days", "3660"),
    ("plan__order_cap", math.inf, "plan.order_cap.units", "finite"),
    ("plan__order_cap", 1e300, "plan.order_cap.units", "1000000000000"),
    ("plan__surge", [{"from_day": 1, "ramp_days": 2**62}], "plan.surge[0].ramp_days", "100000"),
    ("incident__restore", {"rmm": {"day": 6, "crews": 2**70, "sites_per_crew_per_day": 1}}, "crews", ""),
]


@pytest.mark.parametrize(
    ("path", "value", "field", "words"), CASES, ids=[c[0] + "=" + str(c[1])[:12] for c in CASES]
)
def test_an_out_of_range_number_is_a_located_problem(
    tmp_path: Path, path: str, value: Any, field: str, words: str
) -> None:
    problems = refused(tmp_path, with_(**{path: value}))
    assert any(field in p.field and words in p.message for p in problems), problems


def test_nan_and_inf_get_the_same_message(tmp_path: Path) -> None:
    for value in (math.nan, math.inf, -math.inf):
        [problem] = refused(tmp_path, with_(demand__dispersion=value))
        assert problem.message.startswith("expected a finite number, got")


@pytest.mark.parametrize(
    ("frequency", "key"),
    [
        ({"value": 1e9}, "value 1e+09"),
        ({"dist": "uniform", "low": 1, "high": 400}, "high 400"),
        ({"dist": "lognormal", "median": 100, "p90": 1000}, "p90 1000"),
    ],
)
def test_a_threat_frequency_above_365_a_year_is_refused(tmp_path: Path, frequency: dict, key: str) -> None:
    threat = {**THREAT, "frequency_per_year": frequency}
    [problem] = refused(tmp_path, scenario_dict(threats=[threat]))
    assert problem.field == "threats[0].frequency_per_year"
    assert problem.message == f"expected at most 365 compromises a year, got {key}"


def test_threat_days_are_bounded(tmp_path: Path) -> None:
    threat = {**THREAT, "outage_days": {"dist": "lognormal", "median": 50_000, "p90": 200_000}}
    [problem] = refused(tmp_path, scenario_dict(threats=[threat]))
    assert problem.field == "threats[0].outage_days"
    assert "at most 100000 days" in problem.message


def test_lognormal_draws_are_cut_at_the_bound() -> None:
    threat = Threat.model_validate(
        {**THREAT, "frequency_per_year": {"dist": "lognormal", "median": 1, "p90": 365}}
    )
    draws = threat.frequency_per_year.sample(np.random.default_rng(0), 200_000)
    assert draws.max() == MAX_FREQUENCY_PER_YEAR  # the tail is cut, not a 745 GiB allocation


def test_a_lognormal_wider_than_a_thousandfold_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 1000 times the median"):
        Estimate(dist="lognormal", median=1e-300, p90=1.0)


def test_a_risk_run_at_the_largest_frequency_finishes(tmp_path: Path) -> None:
    threat = {**THREAT, "frequency_per_year": {"value": 365}}
    path = write_scenario(tmp_path, scenario_dict(horizon_days=10, threats=[threat]))
    summary = api.risk(path, years=50, reps_per_shape=1)
    assert summary["incidents_per_year_mean"] > 300


def test_a_restoration_past_the_horizon_with_a_long_ramp_runs(tmp_path: Path) -> None:
    incident = {
        "compromise": {"service": "rmm", "day": 5},
        "restore": {"pos-a": {"day": 8, "ramp_days": 100_000}},
    }
    path = write_scenario(tmp_path, scenario_dict(incident=incident))
    assert api.simulate(path, replications=2).summary["metrics"]["lost_sales_units"]["mean"] > 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9999-12-20", "expected a date on or before 2199-12-31, got '9999-12-20'"),
        ("1899-12-31", "expected a date on or after 1900-01-01, got '1899-12-31'"),
    ],
)
def test_start_date_is_bounded(tmp_path: Path, value: str, message: str) -> None:
    # regression: a start date near 9999-12-31 loaded, then report and optimize overflowed
    data = scenario_dict()
    text = write_scenario(tmp_path, data).read_text() + f"start_date: {value}\n"
    (tmp_path / "scenario.yaml").write_text(text)
    with pytest.raises(ScenarioError) as exc:
        api.load(tmp_path / "scenario.yaml")
    [problem] = exc.value.problems
    assert (problem.field, problem.message) == ("start_date", message)
    assert problem.line == text.count("\n")
