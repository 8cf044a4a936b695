"""What `aftershock optimize` hands operations: whole shifts, whole-unit lines, both loss estimates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from aftershock import api
from aftershock.cli.app import main
from aftershock.errors import UsageError
from aftershock.optimize.estimates import lost_units_estimates
from aftershock.testing import pause_scenario


def pause(tmp_path: Path, capacity: float = 70.0) -> Path:
    # 8 stores selling 6 a day; outbound paused on days 4-7; the DC picks 70 a day against 48
    # of demand: clearing the backlog fast takes 3.66 extra shifts by the LP, 4 whole ones
    return pause_scenario(
        tmp_path,
        stores=8,
        demand=6.0,
        order_up_to=60.0,
        on_hand=30.0,
        pause=(4, 8),
        capacity=capacity,
        horizon=24,
        review=1,
    )


def test_shifts_are_whole_and_lines_whole_units_by_default(tmp_path: Path) -> None:
    result = api.optimize(pause(tmp_path), budget_shifts=5, replications=5, seed=1)
    assert result.whole_shifts and result.whole_units and result.lp_method == "mip"
    assert all(float(z).is_integer() for z in result.extra_shifts) and 0 < sum(result.extra_shifts) <= 5
    units = result.dispatch["units"]
    assert units.dtype == np.int64 and (units > 0).all()
    # each day's total is the plan's shipments that day, in whole units
    by_day = result.dispatch.groupby("day")["units"].sum()
    for row in result.schedule:
        assert float(row["planned_shipments_units"]).is_integer()
        assert by_day.get(row["day"], 0) == row["planned_shipments_units"]


def test_fractional_shifts_on_request(tmp_path: Path) -> None:
    path = pause(tmp_path)
    frac = api.optimize(path, budget_shifts=5, fractional_shifts=True, replications=5, seed=1)
    assert not frac.whole_shifts and frac.lp_method == "lp"
    assert any(not float(z).is_integer() for z in frac.extra_shifts)
    # integer=False (the old way to ask) says the same; asking for both is an error
    old = api.optimize(path, budget_shifts=5, integer=False, replications=5, seed=1)
    assert old.extra_shifts == frac.extra_shifts
    with pytest.raises(UsageError, match=r"^fractional_shifts: expected whole shifts"):
        api.optimize(path, integer=True, fractional_shifts=True)


def test_the_lp_estimate_is_shown_beside_the_replay(tmp_path: Path) -> None:
    result = api.optimize(pause(tmp_path), budget_shifts=5, replications=10, seed=1)
    est = result.lost_units_estimates
    assert est["lp_lost_units"] == result.planned_lost_units
    assert est["replay_lost_units"] == result.simulated_lost_units_on_planned_path
    assert "planning estimate" in est["lp_means"] and "trust" in est["replay_means"]
    assert est["followed_lost_units"] >= 0


def test_a_wide_gap_draws_a_warning_that_splits_it() -> None:
    common = {"replications": 30, "stores": 100, "groups": 10, "whole_shifts": True, "whole_units": True}
    close = lost_units_estimates(
        planned=100.0, replayed=120.0, followed=105.0, distribution="poisson", **common
    )
    assert close["warning"] is None and close["ratio"] == pytest.approx(1.2)
    far = lost_units_estimates(
        planned=100.0, replayed=270.0, followed=150.0, distribution="poisson", **common
    )
    assert far["ratio"] == pytest.approx(2.7)
    warning = far["warning"]
    assert warning.startswith("The replay loses 2.7× the LP's estimate (270 against 100 units)")
    assert (
        "+50 units come with following the plan store by store" in warning and "pools 100 stores" in warning
    )
    assert "+120 come with random demand (poisson)" in warning
    # pooling costing nothing is said so, not blamed
    calm = lost_units_estimates(
        planned=100.0, replayed=270.0, followed=95.0, distribution="poisson", **common
    )
    assert "pooling is not the reason here" in calm["warning"]


def test_cli_fractional_flag_and_json_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = pause(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["optimize", str(path), "--budget-shifts", "5", "-n", "3", "--fractional-shifts", "--json"])
    assert exc.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["whole_shifts"] is False and data["lp_method"] == "lp"
    assert set(data["lost_units_estimates"]) >= {
        "lp_lost_units",
        "lp_means",
        "replay_lost_units",
        "replay_means",
    }
    with pytest.raises(SystemExit) as exc:
        main(["optimize", str(path), "--budget-shifts", "5", "-n", "3"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "LP estimate, " in text and "Replay, " in text and "the number to trust" in text
