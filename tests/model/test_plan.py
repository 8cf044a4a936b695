"""The recovery plan: order caps, their shorthand, and surges."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aftershock.model import OrderCap, Scenario, Surge
from aftershock.testing import scenario_dict


def test_order_cap_needs_a_limit_and_a_forward_window() -> None:
    with pytest.raises(ValidationError, match="needs units or fraction_of_normal"):
        OrderCap()
    with pytest.raises(ValidationError, match=r"until_day \(2\) must be after from_day \(5\)"):
        OrderCap(units=3, from_day=5, until_day=2)
    cap = OrderCap(fraction_of_normal=1.0)
    assert (cap.apply_at, cap.from_day, cap.until_day) == ("dispatch", 0, None)


def test_a_bare_number_caps_from_the_compromise_day() -> None:
    scenario = Scenario.model_validate(scenario_dict(plan={"order_cap": 25}))
    cap = scenario.plan.order_cap
    assert cap is not None and (cap.units, cap.from_day) == (25, 5)


@pytest.mark.parametrize("off", ["none", "None", "off", "null"])
def test_none_removes_the_cap(off: str) -> None:
    scenario = Scenario.model_validate(scenario_dict(plan={"order_cap": off}))
    assert scenario.plan.order_cap is None


def test_surge_window_and_bounds() -> None:
    with pytest.raises(ValidationError, match="until_day"):
        Surge(from_day=5, until_day=5)
    with pytest.raises(ValidationError):
        Surge(from_day=1, extra_shifts=7)
    assert Surge(from_day=1, extra_shifts=2).extra_shifts == 2
