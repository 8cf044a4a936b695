"""The optimiser with several DCs: capacity and extra shifts per DC, backups as a lever, and
`aftershock plan` with a dc column."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aftershock import api
from aftershock.cli.app import main
from aftershock.errors import DataError, SolverError
from aftershock.optimize import LPInputs, aggregate, disaggregate, group_lines, solve
from aftershock.optimize.from_scenario import RecoveryOptions, without_extra_shifts
from aftershock.optimize.lp import max_throughput
from aftershock.optimize.lp.pooling import split_lent
from aftershock.optimize.lp.problem import BackupLink
from aftershock.optimize.replay import optimize_recovery
from aftershock.sim import build_inputs
from aftershock.testing import two_dc_scenario

TOL = 1e-5


def two_lines(**changes: object) -> LPInputs:
    # line 0 at DC 0, line 1 at DC 1; each sells 10 a day for 3 days from an empty shelf, is owed
    # 20, lead 1. DC 0 ships 5 a day, DC 1 ships 30; a shift adds 10 at either; a lost unit costs 2.
    base = {
        "demand": np.full((2, 1, 3), 10.0),
        "on_hand": np.zeros((2, 1)),
        "arrivals": np.zeros((2, 1, 3)),
        "owed": np.full((2, 1), 20.0),
        "lead_time_days": np.array([1, 1]),
        "capacity_units": np.array([[5.0, 5.0, 5.0], [30.0, 30.0, 30.0]]),
        "units_per_shift": 10.0,
        "max_shifts_per_day": 2.0,
        "cost_per_shift": 1.0,
        "lost_weight": np.array([2.0]),
        "line_dc": np.array([0, 1]),
    }
    base.update(changes)
    return LPInputs(**base)  # type: ignore[arg-type]


def test_each_dc_ships_its_own_lines_within_its_own_capacity() -> None:
    # DC 1's spare 20 a day cannot go to DC 0's line: DC 0 runs the one shift it needs (days 0
    # and 1 ship 25 in all for days 1 and 2: 15 + 10 of it from DC 0's own 5 a day), DC 1 none.
    # Lost: both lines' 10 on day 0 only.
    plan = solve(two_lines())
    inp = two_lines()
    assert plan.shifts_by_dc is not None and plan.shifts_by_dc.shape == (2, 3)
    assert plan.shifts_by_dc[0].sum() == pytest.approx(1.0, abs=TOL)
    assert plan.shifts_by_dc[0, 2] == pytest.approx(0.0, abs=TOL)  # a shift on the last day saves nothing
    assert plan.shifts_by_dc[1].tolist() == pytest.approx([0.0, 0.0, 0.0], abs=TOL)
    assert plan.shifts.tolist() == pytest.approx(plan.shifts_by_dc.sum(axis=0).tolist(), abs=1e-9)
    assert plan.expected_lost_units == pytest.approx(20.0, abs=TOL)
    shipped = plan.shipped_by_dc(inp)
    assert (shipped <= plan.capacity_by_dc(inp) + TOL).all()
    assert shipped[0, :2].sum() == pytest.approx(20.0, abs=1e-4)


def test_a_budget_is_shared_by_every_dc() -> None:
    # DC 1 short too: 0 capacity. One shift in all goes where it saves most (both lines alike:
    # the budget binds over DCs, not per DC)
    inp = two_lines(capacity_units=np.array([[5.0, 5.0, 5.0], [0.0, 0.0, 0.0]]), budget_shifts=1.0)
    plan = solve(inp)
    assert plan.dc_shifts.sum() == pytest.approx(1.0, abs=TOL)
    assert (plan.shipped_by_dc(inp) <= plan.capacity_by_dc(inp) + TOL).all()


def test_whole_shifts_per_dc() -> None:
    plan = solve(two_lines(integer_shifts=True))
    assert plan.method == "mip"
    assert all(float(z).is_integer() for z in plan.dc_shifts.ravel())
    assert plan.dc_shifts[1].sum() == 0.0


def test_a_backup_ships_a_stopped_dcs_lines_later_and_within_its_share() -> None:
    # DC 0 ships nothing; DC 1 (30 a day, its own line needs 10 a day after day 0's 20) covers it
    # from day 1 with half its spare, arriving a day later than its own shipments would
    active = np.array([False, True, True, True])
    link = BackupLink(dc=0, backup=1, share=0.5, extra_lead_days=1, active=active)
    inp = two_lines(
        demand=np.full((2, 1, 4), 10.0),
        arrivals=np.zeros((2, 1, 4)),
        capacity_units=np.array([[0.0] * 4, [30.0] * 4]),
        max_shifts_per_day=0.0,
        backups=(link,),
    )
    plan = solve(inp)
    (lent,) = plan.lent
    assert lent[1].sum() == pytest.approx(0.0, abs=TOL)  # only DC 0's line is covered
    assert lent[0, 0, 0] == pytest.approx(0.0, abs=TOL)  # not before the switch-over
    own = plan.shipments - lent
    spare = 30.0 - own[1, 0]
    assert (lent[0, 0] <= 0.5 * spare + TOL).all()
    assert (plan.shipped_by_dc(inp) <= plan.capacity_by_dc(inp) + TOL).all()
    # lead 1 + 1 extra: day 1's lent units reach the store on day 3
    assert lent[0, 0, 1] > 1.0
    without = solve(two_lines(**{**inp.__dict__, "backups": ()}))  # type: ignore[arg-type]
    assert plan.expected_lost_units < without.expected_lost_units - 1.0


def test_pooling_never_mixes_dcs() -> None:
    rng = np.random.default_rng(5)
    s, i, t = 40, 2, 5
    line_dc = np.arange(s) % 2
    inp = two_lines(
        demand=rng.uniform(1, 5, (s, i, t)),
        on_hand=rng.uniform(0, 10, (s, i)),
        arrivals=np.zeros((s, i, t)),
        owed=rng.uniform(0, 20, (s, i)),
        lead_time_days=np.ones(s, dtype=np.int64),
        capacity_units=np.array([np.full(t, 60.0), np.full(t, 90.0)]),
        lost_weight=np.ones(i),
        line_dc=line_dc,
    )
    grouping = group_lines(inp, 8)
    assert not grouping.is_exact
    for g in range(grouping.n_groups):
        members = (grouping.group_of_line == g).any(axis=1)
        assert np.unique(line_dc[members]).size <= 1
    pooled = aggregate(inp, grouping)
    plan = solve(pooled)
    assert (plan.shipped_by_dc(pooled) <= plan.capacity_by_dc(pooled) + 1e-4).all()
    lines = disaggregate(plan, inp, grouping)
    per_dc = np.array([lines[line_dc == d].sum(axis=(0, 1)) for d in range(2)])
    np.testing.assert_allclose(per_dc, plan.shipped_by_dc(pooled), atol=1e-4)
    assert split_lent(plan, lines, grouping) == ()


def test_throughput_is_bounded_per_dc() -> None:
    # DC 0 is owed 20 + 10 + 10 = 40 but ships at most 15; DC 1's spare does not help it
    bound = max_throughput(two_lines(max_shifts_per_day=0.0))
    assert bound.short_units_by_dc.tolist() == pytest.approx([25.0, 0.0], abs=1e-4)
    assert bound.short_units == pytest.approx(25.0, abs=1e-4)
    assert bound.saturated_by_dc[0].all() and not bound.saturated_by_dc[1].any()


# -- from a scenario ---------------------------------------------------------------------------


def one_dc_down(tmp_path: Path, listed: list[str] | None = None, **changes: object) -> Path:
    # DC a (3 stores, 60 a day, picks 70) is stopped on days 0-5; DC b (2 stores, 40 a day,
    # picks 100) never is
    args: dict[str, object] = {
        "stores": {"a": [10.0, 20.0, 30.0], "b": [15.0, 25.0]},
        "capacity": {"a": 70.0, "b": 100.0},
        "pause": {"a": (0, 6)},
        "horizon": 20,
        "listed": listed,
    }
    args.update(changes)
    return two_dc_scenario(tmp_path, **args)  # type: ignore[arg-type]


def test_only_the_stopped_dc_runs_extra_shifts_and_no_dc_ships_beyond_its_capacity(tmp_path: Path) -> None:
    loaded = without_extra_shifts(api.load(one_dc_down(tmp_path)))
    inp = build_inputs(loaded)
    best = optimize_recovery(loaded, inp, RecoveryOptions(max_shifts_per_day=1.0))
    # b ships from day 1 (the day after the compromise), a from day 6: the plan starts on day 1
    assert best.restart_day == 1 and best.chain_restart_day == 6
    assert best.dc_restart_days is not None and best.dc_restart_days.tolist() == [6, 1]
    shifts = best.plan.dc_shifts
    assert shifts[0].sum() > 1.0 and shifts[1].sum() == pytest.approx(0.0, abs=1e-6)
    assert shifts[0, :5].sum() == pytest.approx(0.0, abs=1e-6)  # none while a is stopped
    shipped = best.shipped_by_dc()
    capacity = best.plan.capacity_by_dc(best.lp)
    assert (shipped <= capacity + 1e-4).all()
    assert shipped[0, :5].sum() == pytest.approx(0.0, abs=1e-6)
    # each DC's capacity is its own: a ships up to 70 + 70 per shift, b up to 100
    assert capacity[0, 5:].max() > 70.0 and capacity[1].max() == pytest.approx(100.0)
    # the replay adds each DC's own shifts to its own surge
    replay = best.replay_inputs(inp, np.array([1.0, 1.0]), np.array([0.0, 0.0]))
    assert replay.surge_pick[1].sum() == pytest.approx(0.0, abs=1e-6)
    assert replay.surge_pick[0, 1:].tolist() == pytest.approx(shifts[0].tolist(), abs=1e-9)


def test_the_dc_listing_order_does_not_change_the_plan(tmp_path: Path) -> None:
    one = api.optimize(one_dc_down(tmp_path / "ab"), replications=3, max_shifts_per_day=1.0)
    other = api.optimize(
        one_dc_down(tmp_path / "ba", listed=["b", "a"]), replications=3, max_shifts_per_day=1.0
    )
    assert one.extra_shifts_by_dc == other.extra_shifts_by_dc
    assert [r["dc"] for r in one.dcs] == ["a", "b"] == [r["dc"] for r in other.dcs]
    pd.testing.assert_frame_equal(one.dispatch, other.dispatch)
    assert one.replayed["lost_sales_units"] == other.replayed["lost_sales_units"]


def test_results_carry_shifts_and_shipments_per_dc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dispatch.csv"
    path = one_dc_down(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["optimize", str(path), "-n", "3", "--max-shifts-per-day", "1", "--json", "--out", str(out)])
    assert exc.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["restart_day"] == 1 and data["chain_restart_day"] == 6
    assert set(data["extra_shifts_by_dc"]) == {"a", "b"}
    a, b = data["extra_shifts_by_dc"]["a"], data["extra_shifts_by_dc"]["b"]
    assert data["extra_shifts"] == pytest.approx([x + y for x, y in zip(a, b, strict=True)], abs=2e-3)
    assert [r["dc"] for r in data["dcs"]] == ["a", "b"] and data["dcs"][0]["restart_day"] == 6
    assert data["dcs"][0]["extra_shifts"] == pytest.approx(sum(a), abs=2e-3)
    day = data["schedule"][6]
    assert set(day["extra_shifts_by_dc"]) == set(day["planned_shipments_by_dc"]) == {"a", "b"}
    dispatch = pd.read_csv(out)
    assert list(dispatch.columns) == ["store", "item", "day", "units", "dc"]
    # every line is shipped by its store's own DC (no backups here)
    assert (dispatch["store"].str.split("-").str[0] == dispatch["dc"]).all()
    with pytest.raises(SystemExit):
        main(["optimize", str(path), "-n", "3", "--max-shifts-per-day", "1"])
    text = capsys.readouterr().out
    assert "Extra shifts per DC and day" in text and "Per DC over the plan" in text


def test_a_backup_is_a_lever(tmp_path: Path) -> None:
    backup = {"a": [{"dc": "b", "share_of_spare": 0.5, "extra_lead_time_days": 1, "switch_over_days": 1}]}
    path = one_dc_down(tmp_path / "backup", backups=backup)
    loaded = without_extra_shifts(api.load(path))
    inp = build_inputs(loaded)
    best = optimize_recovery(loaded, inp, RecoveryOptions(max_shifts_per_day=1.0))
    (link,) = best.lp.backups
    assert (link.dc, link.backup, link.share, link.extra_lead_days) == (0, 1, 0.5, 1)
    # a is stopped from day 0: b covers once it has been down more than a day, days 1 to 5
    assert np.flatnonzero(link.active).tolist() == [0, 1, 2, 3, 4]  # plan days (day 1 is plan day 0)
    (lent,) = best.lent
    assert lent.sum() > 10.0
    assert lent[:, :, ~link.active].sum() == pytest.approx(0.0, abs=1e-6)
    assert lent[inp.store_dc == 1].sum() == pytest.approx(0.0, abs=1e-9)
    assert (best.shipped_by_dc() <= best.plan.capacity_by_dc(best.lp) + 1e-4).all()
    alone = without_extra_shifts(api.load(one_dc_down(tmp_path / "alone")))
    no_backup = optimize_recovery(alone, build_inputs(alone), RecoveryOptions(max_shifts_per_day=1.0))
    assert best.plan.expected_lost_units < no_backup.plan.expected_lost_units - 1.0
    result = api.optimize(path, replications=3, max_shifts_per_day=1.0)
    rows = {r["dc"]: r for r in result.dcs}
    assert rows["b"]["shipped_for_other_dcs_units"] == pytest.approx(rows["a"]["shipped_by_backups_units"])
    assert rows["b"]["shipped_for_other_dcs_units"] > 10.0
    lent_lines = result.dispatch[
        (result.dispatch["dc"] == "b") & result.dispatch["store"].str.startswith("a-")
    ]
    assert not lent_lines.empty and lent_lines["day"].between(1, 5).all()


# -- aftershock plan with a dc column --------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def dc_tables(tmp_path: Path, *, backlog_dc: bool = True, east_shifts: int = 2) -> tuple[Path, Path, Path]:
    # east: e1, e2 owed 300 in all, 50 a day of demand, picks 60 a day (+ shifts of 40);
    # west: w1 owed 20, 20 a day, picks 100
    dc = ",dc" if backlog_dc else ""
    backlog = write(
        tmp_path / "backlog.csv",
        f"store,item,ordered_day,quantity{dc}\n"
        + "\n".join(
            f"{s},x,-2,{q}" + (f",{d}" if backlog_dc else "")
            for s, q, d in (("e1", 150, "east"), ("e2", 150, "east"), ("w1", 20, "west"))
        )
        + "\n",
    )
    stock = write(
        tmp_path / "stock.csv",
        "store,item,on_hand,demand_per_day,target_cover_days"
        + ("" if backlog_dc else ",dc")
        + "\n"
        + "\n".join(
            f"{s},x,10,{d},2" + ("" if backlog_dc else f",{dc_}")
            for s, d, dc_ in (("e1", 25, "east"), ("e2", 25, "east"), ("w1", 20, "west"))
        )
        + "\n",
    )
    rows = ["dc,day,pick_capacity_units,max_extra_shifts,units_per_shift,cost_per_shift"]
    rows += [f"west,{d},100,0,0,0" for d in range(7)]
    rows += [f"east,{d},60,{east_shifts},40,10" for d in range(7)]
    capacity = write(tmp_path / "capacity.csv", "\n".join(rows) + "\n")
    return backlog, stock, capacity


@pytest.mark.parametrize("backlog_dc", [True, False], ids=["dc-in-backlog", "dc-in-stock"])
def test_plan_with_a_dc_column_keeps_each_dc_within_its_capacity(tmp_path: Path, backlog_dc: bool) -> None:
    backlog, stock, capacity = dc_tables(tmp_path, backlog_dc=backlog_dc)
    result = api.plan(backlog, stock, capacity, horizon_days=7)
    dispatch = result.dispatch
    assert list(dispatch.columns) == ["store", "item", "day", "units", "dc"]
    assert (dispatch["store"].str[0].map({"e": "east", "w": "west"}) == dispatch["dc"]).all()
    dcs = {r["dc"]: r for r in result.summary["dcs"]}
    assert set(dcs) == {"east", "west"} and dcs["east"]["stores"] == 2 and dcs["west"]["stores"] == 1
    assert dcs["west"]["extra_shifts_total"] == 0 and dcs["east"]["extra_shifts_total"] > 0
    assert result.summary["extra_shifts"] == pytest.approx(dcs["east"]["extra_shifts"], abs=0.011)
    assert dcs["east"]["extra_shift_cost"] == pytest.approx(result.summary["extra_shift_cost"], abs=0.05)
    per_day = dispatch.groupby(["dc", "day"])["units"].sum()
    east_cap = [60 + 40 * z for z in dcs["east"]["extra_shifts"]]
    for (dc, day), units in per_day.items():
        assert units <= (east_cap[day] if dc == "east" else 100.0) + 0.5  # lines are rounded to 0.1


def test_plan_dc_problems_are_named_by_file_and_row(tmp_path: Path) -> None:
    backlog, stock, capacity = dc_tables(tmp_path)
    text = backlog.read_text().replace("w1,x,-2,20,west", "w1,x,-2,20,north")
    write(backlog, text + "e1,x,-1,5,west\n")
    lines = capacity.read_text().splitlines()
    write(capacity, "\n".join([*lines[:-1], "east,5,60,2,40,10", ""]))  # day 6 missing, day 5 twice
    with pytest.raises(DataError) as exc:
        api.plan(backlog, stock, capacity, horizon_days=7)
    message = str(exc.value)
    assert "backlog.csv row 3: column `dc`: unknown DC 'north' (not in capacity.csv)" in message
    assert (
        "backlog.csv row 4: column `dc`: store 'e1' is served by DC 'west' here but by DC 'east' in row 1 "
        "(one DC per store)" in message
    )
    assert "capacity.csv row 14: duplicate row for DC 'east', day 5 (first in row 13)" in message
    assert "capacity.csv: no capacity for DC 'east' on day(s) 6 of the 7-day horizon" in message
    # w1 is named nowhere now: with two DCs it needs one
    assert "stock.csv row 3: column `dc`: store 'w1' has no DC" in message


def test_plan_dc_names_need_a_dc_column_in_the_capacity_table(tmp_path: Path) -> None:
    backlog, stock, _ = dc_tables(tmp_path)
    capacity = write(
        tmp_path / "one.csv", "day,pick_capacity_units\n" + "".join(f"{d},500\n" for d in range(7))
    )
    with pytest.raises(
        DataError, match=r"row 1: column `dc`: unknown DC 'east' \(one.csv has no dc column\)"
    ):
        api.plan(backlog, stock, capacity, horizon_days=7)


def test_plan_short_at_one_dc_says_which(tmp_path: Path) -> None:
    backlog, stock, capacity = dc_tables(tmp_path, east_shifts=0)
    with pytest.raises(SolverError) as exc:
        api.plan(backlog, stock, capacity, horizon_days=7)
    text = str(exc.value)
    # east is owed 300 + 6 × 50 = 600 but ships at most 7 × 60 = 420; west's spare cannot help
    assert "capacity is short" in text and "DC 'east' by 180 units" in text and "DC 'west'" not in text
