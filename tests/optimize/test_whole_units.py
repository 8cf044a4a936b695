"""Whole-unit dispatch lines: integers, the LP's totals kept, owed and capacity never exceeded."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from aftershock.optimize.whole_units import round_lines


@st.composite
def tables(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    rows, days, groups = draw(st.integers(1, 12)), draw(st.integers(1, 8)), draw(st.integers(1, 3))
    units = draw(
        hnp.arrays(
            np.float64, (rows, days), elements=st.floats(0, 50, allow_nan=False).map(lambda x: round(x, 3))
        )
    )
    group = draw(hnp.arrays(np.int64, rows, elements=st.integers(0, groups - 1)))
    return units, group, groups


@given(tables())
@settings(max_examples=200, deadline=None)
def test_unbounded_lines_keep_every_days_group_total_and_each_lines_total(case) -> None:
    units, group, g_n = case
    out = round_lines(units, group, n_groups=g_n)
    assert out.dtype == np.int64 and (out >= 0).all()
    for g in range(g_n):
        mine = group == g
        # the group's running total is the LP's, rounded to the nearest unit, every day
        cum_lp = np.cumsum(units[mine].sum(axis=0))
        assert np.cumsum(out[mine].sum(axis=0)).tolist() == np.floor(cum_lp + 0.5 + 1e-6).tolist()
    # each line's running total stays within a unit above or two below the LP's (a unit is
    # taken back from the line most ahead when the day's rounded total is smaller than the
    # lines' whole parts), so its total over the plan as well
    gap = np.cumsum(out, axis=1) - np.cumsum(units, axis=1)
    assert (gap < 1 + 1e-6).all() and (gap > -2 - 1e-6).all()


@given(tables(), st.data())
@settings(max_examples=200, deadline=None)
def test_bounds_and_capacity_are_never_exceeded(case, data) -> None:
    units, group, g_n = case
    rows, days = units.shape
    # owed: what the LP shipped so far plus some slack (the LP never ships more than is owed)
    slack = data.draw(hnp.arrays(np.float64, (rows, days), elements=st.floats(0, 3)))
    bound = np.cumsum(units, axis=1) + np.maximum.accumulate(slack, axis=1)
    shipped = np.zeros((g_n, days))
    np.add.at(shipped, group, units)
    extra = data.draw(hnp.arrays(np.float64, (g_n, days), elements=st.floats(0, 2)))
    cap = shipped + extra  # the LP stays within capacity
    allowed = units > 0  # delivery days: the LP ships a line only on its own
    out = round_lines(units, group, n_groups=g_n, cum_bound=bound, day_cap=cap, allowed=allowed)
    assert (out >= 0).all() and (out[~allowed] == 0).all()
    assert (np.cumsum(out, axis=1) <= np.floor(bound + 1e-6)).all()
    per_group = np.zeros((g_n, days), dtype=np.int64)
    np.add.at(per_group, group, out)
    assert (per_group <= np.floor(cap + 1e-6)).all()
    # nothing is held back for good when the bounds and capacity leave room: at most a unit
    # per group short over the plan (the LP's total rounded down by the caps)
    total_lp = np.floor(shipped.sum(axis=1) + 0.5 + 1e-6)
    assert (per_group.sum(axis=1) <= total_lp).all()


def test_largest_remainders_get_the_units_left() -> None:
    # one DC, one day, 10.0 units as 3.6 + 3.3 + 3.1: whole parts 3 + 3 + 3, the unit left
    # goes to the line with the largest remainder (0.6)
    out = round_lines(np.array([[3.6], [3.3], [3.1]]), np.zeros(3, dtype=np.int64))
    assert out[:, 0].tolist() == [4, 3, 3]


def test_a_line_owed_less_than_its_rounded_share_gives_the_unit_to_another() -> None:
    # 2.5 + 2.5 = 5 units: the first line is owed 2.5 (whole: 2), so the second gets 3
    out = round_lines(
        np.array([[2.5], [2.5]]), np.zeros(2, dtype=np.int64), cum_bound=np.array([[2.5], [10.0]])
    )
    assert out[:, 0].tolist() == [2, 3]


def test_capacity_holds_a_unit_back_to_the_next_day() -> None:
    # 100.6 units on day 0 at a capacity of 100.6: 100 shipped, the unit follows on day 1
    out = round_lines(
        np.array([[100.6, 0.0]]), np.zeros(1, dtype=np.int64), day_cap=np.array([[100.6, 50.0]])
    )
    assert out[0].tolist() == [100, 1]
