"""`aftershock optimize`: the LP from a scenario's restart morning, replayed in the engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aftershock import api
from aftershock.cli.app import main
from aftershock.optimize.from_scenario import (
    store_orders,
    visit_order,
    without_extra_shifts,
    worst_case_inputs,
)
from aftershock.sim import build_inputs
from aftershock.testing import pause_scenario, scenario_dict, write_scenario


def pause(tmp_path: Path, distribution: str = "poisson") -> Path:
    # 8 stores selling 6 a day, half their level of 60 on the shelf; outbound paused on days
    # 4-7; the DC picks 70 a day against 48 a day of demand
    return pause_scenario(
        tmp_path,
        stores=8,
        demand=6.0,
        order_up_to=60.0,
        on_hand=30.0,
        pause=(4, 8),
        capacity=70.0,
        horizon=24,
        review=1,
        distribution=distribution,
    )


def test_replayed_plan_loses_no_more_than_fifo_within_sampling_error(tmp_path: Path) -> None:
    # no extra shifts: the LP only chooses which store lines to ship, against FIFO (the
    # scenario's own plan) on the same random numbers, so the difference is paired
    result = api.optimize(pause(tmp_path), budget_shifts=0, replications=100, seed=3)
    assert result.lp_status == "Optimal" and result.extra_shifts == [0.0] * len(result.extra_shifts)
    diff = result.lost_units_vs_scenario_plan
    assert diff["mean"] <= 2 * diff["standard_error"] + 1e-9
    replayed = result.replayed["lost_sales_units"]["mean"]
    fifo = result.scenario_plan["lost_sales_units"]["mean"]
    assert replayed == pytest.approx(fifo + diff["mean"], abs=1e-9)


def test_plan_result_shapes_and_the_planned_path(tmp_path: Path) -> None:
    result = api.optimize(pause(tmp_path), budget_shifts=3, integer=True, replications=20, seed=1)
    assert result.restart_day == 8  # the pause is days 4-7
    assert len(result.schedule) == len(result.extra_shifts) == 24 - 8
    assert all(float(z).is_integer() for z in result.extra_shifts) and sum(result.extra_shifts) <= 3
    assert result.lp_method == "mip"
    assert list(result.dispatch.columns) == ["store", "item", "day", "units"]
    assert (result.dispatch["units"] > 0).all() and result.dispatch["day"].min() >= 8
    # no spread in this scenario: every replication restarts on the planned day
    assert result.replications_on_planned_path == 20
    assert result.simulated_lost_units_on_planned_path == pytest.approx(
        result.simulated_lost_units_after_restart
    )
    assert result.planned_backlog_clear_day is not None
    # no start date: no calendar date, but a promised day
    assert result.promised_recovery_date is None and result.promised_recovery_day is not None


def test_with_expected_demand_the_engine_follows_the_plan_exactly(tmp_path: Path) -> None:
    # deterministic demand: the replay is the plan, so planned and simulated agree
    result = api.optimize(pause(tmp_path, "deterministic"), budget_shifts=2, replications=2)
    assert result.gap_lost_units == pytest.approx(0.0, abs=0.01)
    assert result.gap_backlog_clear_days == pytest.approx(0.0)


def test_optimize_cli_json_and_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = pause(tmp_path)
    out = tmp_path / "plan.csv"
    args = ["optimize", str(path), "--budget-shifts", "4", "-n", "5", "--json", "--out", str(out)]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("schedule", "promised_recovery_day", "planned_lost_units", "gap_lost_units", "replayed"):
        assert key in data
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["store", "item", "day", "units"] and len(frame) == data["dispatch_lines"]
    assert (frame["units"] > 0).all()
    with pytest.raises(SystemExit) as exc:
        main(["optimize", str(path), "-n", "2"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "Planned vs simulated" in text and "Promise to stores" in text


def test_bad_objective_is_a_usage_error(tmp_path: Path) -> None:
    from aftershock.errors import UsageError

    with pytest.raises(UsageError, match=r"^objective: expected lost-sales or margin, got 'speed'"):
        api.optimize(pause(tmp_path), objective="speed")


def test_worst_case_path_crosses_every_possible_control_edge(tmp_path: Path) -> None:
    data = scenario_dict(control=[{"from": "rmm", "to": "pos-a", "p": 0.3}])
    inp = build_inputs(api.load(write_scenario(tmp_path, data)))
    assert inp.net.control_p.tolist() == [0.3]
    assert worst_case_inputs(inp).net.control_p.tolist() == [1.0]


def test_first_review_after_the_pause_orders_the_gap() -> None:
    # one store, level 60, position 30 on the restart morning, 6 a day, daily review: day 0
    # orders 60 - 30 + 6 = 36, then 6 a day. With ordering down on day 0, day 1 orders 42.
    class Inp:
        first_weekday = 0
        order_weekday = np.array([0])
        review_period_days = np.array([1])
        order_up_to = np.array([[60.0]])

    demand = np.full((1, 1, 4), 6.0)
    works = np.ones((1, 4), dtype=bool)
    orders = store_orders(Inp(), np.array([[30.0]]), demand, works, 0)  # type: ignore[arg-type]
    assert orders[0, 0].tolist() == [36.0, 6.0, 6.0, 6.0]
    works[0, 0] = False
    orders = store_orders(Inp(), np.array([[30.0]]), demand, works, 0)  # type: ignore[arg-type]
    assert orders[0, 0].tolist() == [0.0, 42.0, 6.0, 6.0]


def test_delivery_runs_reach_the_soonest_empty_then_the_biggest_sellers_first() -> None:
    # stores 0-3: 0.4, 0.0, 2.5 and 0.9 days of cover; 1, 8, 5 and 3 units a day. Stores 0, 1
    # and 3 run out today: the biggest seller of them first (1, then 3, then 0), then store 2
    cover = np.array([0.4, 0.0, 2.5, 0.9])
    daily = np.array([1.0, 8.0, 5.0, 3.0])
    assert visit_order(cover, daily).tolist() == [1, 3, 0, 2]


def test_the_lp_starts_from_the_scenario_without_its_extra_shifts() -> None:
    loaded = api.load("ocs-2022")
    bare = without_extra_shifts(loaded)
    before, after = loaded.scenario.plan.surge, bare.scenario.plan.surge
    assert len(before) == len(after) >= 1 and before[0].extra_shifts > 0
    assert all(s.extra_shifts == 0 and s.extra_pick_fraction == 0 for s in after)
    # delivery hours and the window stay
    assert [(s.from_day, s.until_day, s.extra_delivery_hours) for s in after] == [
        (s.from_day, s.until_day, s.extra_delivery_hours) for s in before
    ]
    assert not build_inputs(bare).surge_pick.any() and build_inputs(bare).surge_delivery.any()


def restart_days_of_run(capacity: np.ndarray, incident_day: int) -> np.ndarray:
    """Per replication, the first day after the incident day with DC capacity (-1: never)."""
    after = capacity[:, incident_day + 1 :] > 0
    first = after.argmax(axis=1) + incident_day + 1
    return np.where(after.any(axis=1), first, -1)


def test_restart_days_drawn_ahead_are_the_ones_the_engine_meets() -> None:
    from aftershock.optimize.from_scenario import replication_restart_days

    loaded = api.load("ocs-2022:spread")  # the what-if where the attack may reach the DC
    inp = build_inputs(loaded)
    ahead = replication_restart_days(inp, 12, 3)
    ds = api.simulate(loaded, replications=12, seed=3).dataset
    met = restart_days_of_run(ds["dc_capacity_units"].values, loaded.scenario.incident.compromise.day)
    assert ahead.tolist() == met.tolist()
    assert len(set(ahead.tolist())) > 1  # the spread is random: paths restart on different days


def test_the_plan_moves_with_each_replications_restart() -> None:
    from dataclasses import replace

    from aftershock.sim.dispatch import _planned_today

    inp = build_inputs(api.load("ocs-2022"))
    s, i, t = inp.n_stores, len(inp.item_ids), inp.horizon_days
    plan = np.zeros((s, i, t))
    plan[:, :, 14] = 1.0  # the plan's first day: the worst-case restart
    shifted = replace(inp, planned_units=plan, row_plan_shift=np.array([0, -2, -30]))
    assert [float(_planned_today(shifted, 14, 3)[r].sum()) for r in range(3)] == [s * i, 0.0, 0.0]
    # the replication restarting two days earlier is on the plan's first day on day 12
    assert [float(_planned_today(shifted, 12, 3)[r].sum()) for r in range(3)] == [0.0, s * i, 0.0]
