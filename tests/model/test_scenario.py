"""The scenario as a whole: defaults and calendar dates."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from aftershock.model import Scenario
from aftershock.testing import scenario_dict


def test_defaults_of_a_minimal_scenario() -> None:
    data = {
        "name": "tiny",
        "horizon_days": 3,
        "sites": {"stores": {"table": "s.csv"}},
        "incident": {"compromise": {"service": "x", "day": 0}},
    }
    scenario = Scenario.model_validate(data)
    assert [i.id for i in scenario.items] == ["all"]
    assert scenario.plan.allocation == "fifo" and scenario.plan.order_cap is None
    assert scenario.demand.weekday_factors == [1.0] * 7
    assert scenario.sites.stores.defaults.cover_days == 10.0
    assert scenario.calendar_date(2) is None


def test_calendar_dates_count_from_day_zero() -> None:
    scenario = Scenario.model_validate(scenario_dict(start_date="2021-06-25"))
    assert scenario.calendar_date(7) == dt.date(2021, 7, 2)


@pytest.mark.parametrize("horizon", [0, 3661, 2.5])
def test_horizon_bounds(horizon: float) -> None:
    with pytest.raises(ValidationError):
        Scenario.model_validate(scenario_dict(horizon_days=horizon))


def test_a_scenario_needs_an_item() -> None:
    with pytest.raises(ValidationError, match="at least 1 item"):
        Scenario.model_validate(scenario_dict(items=[]))
