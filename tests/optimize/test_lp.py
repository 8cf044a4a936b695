"""The recovery LP against hand-computed optima (optimize/lp/)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from aftershock.errors import SolverError
from aftershock.optimize import LPInputs, aggregate, available, disaggregate, group_lines, solve
from aftershock.optimize.lp import NOT_INSTALLED, max_throughput, round_shifts


def tiny(**changes: object) -> LPInputs:
    # one store line: demand 10 a day for 3 days, 5 on the shelf, 20 owed, lead time 1;
    # the DC ships nothing on day 0 and 15 a day after; a shift adds 10 units for cost 1;
    # a lost unit costs 2. Stores re-order each day what was demanded the day before.
    base = {
        "demand": np.full((1, 1, 3), 10.0),
        "on_hand": np.array([[5.0]]),
        "arrivals": np.zeros((1, 1, 3)),
        "owed": np.array([[20.0]]),
        "lead_time_days": np.array([1]),
        "capacity_units": np.array([0.0, 15.0, 15.0]),
        "units_per_shift": 10.0,
        "max_shifts_per_day": 2.0,
        "cost_per_shift": 1.0,
        "lost_weight": np.array([2.0]),
    }
    base.update(changes)
    return LPInputs(**base)  # type: ignore[arg-type]


def test_without_shifts_the_pause_costs_15_units() -> None:
    # day 0: 5 on hand, 10 demanded -> 5 lost; nothing can arrive before day 2 (day-0 capacity
    # is 0, lead 1), so day 1 loses all its 10; day 1's shipment (15 of the 30 owed) arrives on
    # day 2 and covers its 10. Lost 15, objective 2 · 15 = 30 (+ tie-breaks: earlier losses cost
    # 0.1% more, a unit owed a day a little; < 0.05 here).
    plan = solve(tiny(budget_shifts=0.0))
    assert plan.lost_units.sum() == pytest.approx(15.0, abs=1e-5)
    assert plan.lost_units[0, 0].tolist() == pytest.approx([5.0, 10.0, 0.0], abs=1e-5)
    assert plan.objective == pytest.approx(30.0, abs=0.05)
    assert plan.shifts == pytest.approx(np.zeros(3), abs=1e-6)


def test_one_shift_on_day_0_saves_day_1() -> None:
    # one shift on day 0 (10 units, cost 1) arrives on day 1 and saves its 10 lost units, worth
    # 20: lost 5 (day 0 only), objective 2 · 5 + 1 = 11. A second shift would save nothing.
    plan = solve(tiny(budget_shifts=5.0))
    assert plan.expected_lost_units == pytest.approx(5.0, abs=1e-5)
    assert plan.shifts[0] == pytest.approx(1.0, abs=1e-5)
    assert plan.shifts.sum() == pytest.approx(1.0, abs=1e-5)
    assert plan.objective == pytest.approx(11.0, abs=0.05)
    assert plan.method == "lp"


def test_integer_shifts_are_whole() -> None:
    # 7 units a shift: 0 shifts lose 15 (30); 1 shift loses 5 + 3 (16 + 1 = 17); 2 shifts
    # cover day 1 (10 + 2 = 12); the LP would take 10/7 of a shift (11.43). The MIP: 2, at 12.
    relaxed = solve(tiny(budget_shifts=5.0, units_per_shift=7.0))
    assert relaxed.shifts[0] == pytest.approx(10 / 7, abs=1e-5)
    plan = solve(tiny(budget_shifts=5.0, units_per_shift=7.0, integer_shifts=True))
    assert plan.shifts.tolist() == [2.0, 0.0, 0.0]
    assert plan.method == "mip"
    assert plan.objective == pytest.approx(12.0, abs=0.05)


def test_a_line_cap_holds_every_day() -> None:
    # at most 6 units a day per line: 0.6 of a shift on day 0 ships 6 (day 1 loses 4), day 1
    # ships 6 (day 2 loses 4): lost 5 + 4 + 4 = 13, objective 2 · 13 + 0.6 = 26.6.
    plan = solve(tiny(budget_shifts=5.0, line_cap_units=np.full(3, 6.0)))
    assert plan.shipments.max() <= 6.0 + 1e-6
    assert plan.expected_lost_units == pytest.approx(13.0, abs=1e-5)
    assert plan.objective == pytest.approx(26.6, abs=0.05)


def test_closed_delivery_days_ship_nothing() -> None:
    allowed = np.array([[False, True, True]])
    plan = solve(tiny(ship_allowed=allowed, capacity_units=np.array([15.0, 15.0, 15.0])))
    assert plan.shipments[0, 0, 0] == pytest.approx(0.0, abs=1e-7)
    # day 0 cannot ship, so day 1 loses its 10 as without capacity on day 0: 15 lost in all
    assert plan.lost_units.sum() == pytest.approx(15.0, abs=1e-5)


def two_stores(**changes: object) -> LPInputs:
    # stores A (2 a day) and B (6 a day), nothing on A's shelf, 6 on B's, 20 owed each, lead 1;
    # 10 units leave the DC on day 0 and none on day 1; no shifts.
    base = {
        "demand": np.array([[[2.0, 2.0]], [[6.0, 6.0]]]),
        "on_hand": np.array([[0.0], [6.0]]),
        "arrivals": np.zeros((2, 1, 2)),
        "owed": np.array([[20.0], [20.0]]),
        "lead_time_days": np.array([1, 1]),
        "capacity_units": np.array([10.0, 0.0]),
    }
    base.update(changes)
    return LPInputs(**base)  # type: ignore[arg-type]


def test_stockout_proxy_gives_spare_units_to_the_thinnest_cover() -> None:
    # Day 1 needs A 2 and B 6 (8 of the 10): no loss but A's 2 on day 0. The 2 spare units
    # change nothing in lost sales. The proxy costs a line's end-of-day cover below one day of
    # demand as a share of it: a spare unit at A (2 a day) saves 1/2, at B (6 a day) 1/6. So
    # A gets 4, B 6. Proxy: day 0 A ends at 0 (short 2/2 = 1), B at 0 (1); day 1 A ends at 2 (0),
    # B at 0 (1): 3. Objective: lost 2 + 3 = 5 (+ tie-breaks, < 0.05).
    plan = solve(two_stores(stockout_weight=1.0))
    assert plan.shipments[:, 0, 0].tolist() == pytest.approx([4.0, 6.0], abs=1e-4)
    assert plan.expected_lost_units == pytest.approx(2.0, abs=1e-5)
    assert plan.objective == pytest.approx(5.0, abs=0.05)


def test_equal_lines_share_spare_capacity_equally() -> None:
    # two identical stores: any split of the 2 spare units is optimal; the interior-point
    # solution (no crossover) is the centre of those plans: 5 and 5, not 6 and 4.
    same = two_stores(demand=np.full((2, 1, 2), 4.0), on_hand=np.zeros((2, 1)))
    plan = solve(same)
    assert plan.shipments[:, 0, 0].tolist() == pytest.approx([5.0, 5.0], abs=1e-3)


def test_backlog_clear_day_is_when_the_backlog_stops_exceeding_normal() -> None:
    # budget 5: day 0 ships 10 (one shift), day 1 ships 15 of 20 owed (+ d[0] = 10 re-ordered):
    # owed after day 0: 10, after day 1: 10 + 10 - 15 = 5, after day 2: 5 + 10 - 15 = 0.
    plan = solve(tiny(budget_shifts=5.0))
    assert plan.owed_units[0, 0].tolist() == pytest.approx([10.0, 5.0, 0.0], abs=1e-3)
    assert plan.backlog_clear_day == 2


def test_dispatch_table_and_surge_schedule() -> None:
    plan = solve(tiny(budget_shifts=5.0))
    table = plan.dispatch_table(["s1"], ["flower"], first_day=12)
    assert list(table.columns) == ["store", "item", "day", "units"]
    assert table["day"].min() >= 12 and (table["units"] > 0).all()
    assert table["store"].unique().tolist() == ["s1"]
    schedule = plan.surge_schedule(first_day=12)
    assert schedule["day"].tolist() == [12, 13, 14]
    assert schedule["shifts"].sum() == pytest.approx(1.0, abs=1e-5)


def test_pooled_lines_split_back_within_what_each_line_is_owed() -> None:
    rng = np.random.default_rng(0)
    s, i, t = 30, 2, 6
    inp = tiny(
        demand=rng.uniform(1, 5, (s, i, t)),
        on_hand=rng.uniform(0, 10, (s, i)),
        arrivals=np.zeros((s, i, t)),
        owed=rng.uniform(0, 20, (s, i)),
        lead_time_days=rng.integers(1, 3, s),
        capacity_units=np.full(t, 120.0),
        lost_weight=np.ones(i),
    )
    exact = group_lines(inp, 100)
    assert exact.n_groups == s and exact.is_exact
    few = group_lines(inp, 8)
    assert few.n_groups <= 8 and not few.is_exact
    # a group holds lines of one lead time only
    for g in range(few.n_groups):
        assert np.unique(inp.lead_time_days[(few.group_of_line == g).any(axis=1)]).size <= 1
    pooled = aggregate(inp, few)
    assert pooled.demand.shape == (few.n_groups, i, t)
    np.testing.assert_allclose(pooled.demand.sum(axis=0), inp.demand.sum(axis=0))
    plan = solve(pooled)
    split = disaggregate(plan, inp, few)
    # each group's daily units go to its own lines, none negative, none beyond what a line is owed
    np.testing.assert_allclose(split.sum(axis=(0, 1)), plan.shipments.sum(axis=(0, 1)), rtol=1e-7, atol=1e-6)
    assert (split >= 0).all()
    owed_by_day = inp.owed[:, :, None] + np.cumsum(inp.orders(), axis=2)
    assert (np.cumsum(split, axis=2) <= owed_by_day + 1e-6).all()


def test_max_throughput_says_what_is_short() -> None:
    # owed 20 + re-orders 10 (day 1) + 10 (day 2) = 40 within the plan. Without shifts the DC
    # ships at most 0 + 15 + 15 = 30: 10 short, every day used to the full; one shift (10 units)
    # makes it 40.
    short = max_throughput(tiny(budget_shifts=0.0))
    assert short.owed_units == pytest.approx(40.0)
    assert short.max_shipped_units == pytest.approx(30.0, abs=1e-4)
    assert short.short_units == pytest.approx(10.0, abs=1e-4)
    assert short.saturated_days.tolist() == [0, 1, 2]
    enough = max_throughput(tiny(budget_shifts=1.0))
    assert enough.short_units == pytest.approx(0.0, abs=1e-4)


def test_round_shifts_up_within_limits_and_budget() -> None:
    assert round_shifts(np.array([0.2, 1.5, 2.0]), 2.0, None).tolist() == [1.0, 2.0, 2.0]
    # budget 4: the day rounded up from the least use (0.2) gives its shift back
    assert round_shifts(np.array([0.2, 1.5, 2.0]), 2.0, 4.0).tolist() == [0.0, 2.0, 2.0]


def test_a_missing_backend_is_a_clear_solver_error(monkeypatch: pytest.MonkeyPatch) -> None:
    assert available()
    monkeypatch.setitem(sys.modules, "highspy", None)  # import highspy now raises ImportError
    assert not available()
    with pytest.raises(SolverError, match="highspy is not installed; pip install highspy"):
        solve(tiny())
    assert NOT_INSTALLED == "highspy is not installed; pip install highspy"


def test_large_integer_problems_round_the_lp_shifts(monkeypatch: pytest.MonkeyPatch) -> None:
    # above MIP_MAX_COLUMNS the LP's 10/7 of a shift on day 0 is rounded up to 2 and the
    # dispatch solved again with it: the MIP's answer here, objective 12
    from aftershock.optimize.lp import formulation

    monkeypatch.setattr(formulation, "MIP_MAX_COLUMNS", 0)
    plan = solve(tiny(budget_shifts=5.0, units_per_shift=7.0, integer_shifts=True))
    assert plan.method == "lp, shifts rounded"
    assert plan.shifts.tolist() == [2.0, 0.0, 0.0]
    assert plan.objective == pytest.approx(12.0, abs=0.05)


def test_pooled_lines_keep_their_delivery_days() -> None:
    # 40 stores in four delivery patterns (every day, even days, odd days, last day only): a
    # group never mixes patterns, the pooled LP ships a group only on its days, and the split
    # gives each line units only on days its own store can be delivered
    rng = np.random.default_rng(3)
    s, i, t = 40, 2, 6
    days = np.arange(t)
    patterns = np.array([days >= 0, days % 2 == 0, days % 2 == 1, days == t - 1])
    allowed = patterns[np.arange(s) % 4]
    inp = tiny(
        demand=rng.uniform(1, 5, (s, i, t)),
        on_hand=rng.uniform(0, 10, (s, i)),
        arrivals=np.zeros((s, i, t)),
        owed=rng.uniform(0, 20, (s, i)),
        lead_time_days=np.ones(s, dtype=np.int64),
        capacity_units=np.full(t, 150.0),
        lost_weight=np.ones(i),
        ship_allowed=allowed,
    )
    grouping = group_lines(inp, 12)
    assert not grouping.is_exact and grouping.n_groups <= 12
    for g in range(grouping.n_groups):
        members = (grouping.group_of_line == g).any(axis=1)
        if members.any():
            assert np.unique(allowed[members], axis=0).shape[0] == 1
    pooled = aggregate(inp, grouping)
    plan = solve(pooled)
    assert (
        plan.shipments[~np.broadcast_to(pooled.ship_allowed[:, None, :], plan.shipments.shape)] < 1e-6
    ).all()
    split = disaggregate(plan, inp, grouping)
    assert (split[~np.broadcast_to(allowed[:, None, :], split.shape)] < 1e-6).all()
    np.testing.assert_allclose(split.sum(), plan.shipments.sum(), rtol=1e-7)
