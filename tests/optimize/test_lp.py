"""The recovery LP against hand-computed optima, and the operational `plan`."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from aftershock import api
from aftershock.cli.app import main
from aftershock.errors import DataError
from aftershock.optimize import LPInputs, aggregate, disaggregate, group_stores, solve

EXAMPLES = Path(__file__).parents[2] / "examples" / "plan"


def tiny(**changes: object) -> LPInputs:
    # one store line: demand 10 a day for 3 days, 5 on the shelf, 20 owed, lead time 1;
    # the DC ships nothing on day 0 and 15 a day after; a shift adds 10 units for cost 1;
    # a lost unit costs 2.
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
    # is 0, lead 1): day 1 loses 10; day 1's shipment arrives on day 2. Lost 15, cost 30.
    plan = solve(tiny(budget_shifts=0.0))
    assert plan.lost_units.sum() == pytest.approx(15.0, abs=1e-5)
    assert plan.objective == pytest.approx(30.0, abs=0.01)  # + the tiny backlog tie-break


def test_one_shift_on_day_0_saves_day_1() -> None:
    # one shift on day 0 (10 units, cost 1) arrives on day 1 and saves 10 lost units worth 20:
    # lost 5 (day 0), objective 2·5 + 1 = 11.
    plan = solve(tiny(budget_shifts=5.0))
    assert plan.lost_units.sum() == pytest.approx(5.0, abs=1e-5)
    assert plan.shifts[0] == pytest.approx(1.0, abs=1e-5)
    assert plan.objective == pytest.approx(11.0, abs=0.01)


def test_integer_shifts_are_whole() -> None:
    # 7 units a shift: 10 units need 2 whole shifts (cost 2): objective 10 + 2 = 12
    plan = solve(tiny(budget_shifts=5.0, units_per_shift=7.0, integer_shifts=True))
    assert np.allclose(plan.shifts, np.round(plan.shifts))
    assert plan.shifts[0] == 2 and plan.objective == pytest.approx(12.0, abs=0.01)


def test_grouping_keeps_totals_and_is_exact_for_few_stores() -> None:
    rng = np.random.default_rng(0)
    s, i, t = 30, 2, 6
    inp = tiny(
        demand=rng.uniform(1, 5, (s, i, t)),
        on_hand=rng.uniform(0, 10, (s, i)),
        arrivals=np.zeros((s, i, t)),
        owed=rng.uniform(0, 20, (s, i)),
        lead_time_days=np.ones(s, dtype=int),
        capacity_units=np.full(t, 120.0),
        lost_weight=np.ones(i),
    )
    exact = group_stores(inp, 100)
    assert exact.n_groups == s
    few = group_stores(inp, 5)
    assert few.n_groups <= 5
    plan = solve(aggregate(inp, few))
    split = disaggregate(plan, inp, few)
    np.testing.assert_allclose(split.sum(axis=0), plan.shipments.sum(axis=0), rtol=1e-9, atol=1e-9)
    assert (split >= 0).all()


def test_plan_on_the_example_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dispatch.csv"
    args = [
        "plan",
        "--backlog",
        str(EXAMPLES / "backlog.csv"),
        "--stock",
        str(EXAMPLES / "stores.csv"),
        "--capacity",
        str(EXAMPLES / "capacity.csv"),
        "--horizon",
        "14",
        "--backlog-cost",
        "0.1",
        "--out",
        str(out),
    ]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    rows = list(csv.DictReader(out.open()))
    assert rows and set(rows[0]) == {"store", "item", "day", "units"}
    assert all(float(r["units"]) > 0 for r in rows)
    capacity = {
        int(r["day"]): float(r["pick_capacity_units"]) + 2 * 400
        for r in csv.DictReader((EXAMPLES / "capacity.csv").open())
    }
    per_day: dict[int, float] = {}
    for r in rows:
        per_day[int(r["day"])] = per_day.get(int(r["day"]), 0.0) + float(r["units"])
    assert all(per_day[d] <= capacity[d] + 1.0 for d in per_day)  # rounding to 0.1 per line
    text = capsys.readouterr().out
    assert "Backlog cleared on day" in text


def test_plan_tables_are_checked_row_by_row(tmp_path: Path) -> None:
    backlog = tmp_path / "backlog.csv"
    backlog.write_text(
        "store,item,ordered_day,quantity\n"
        "store-01,flower,-3,10\n"
        "store-99,flower,-3,10\n"
        "store-01,flower,2,10\n"
        "store-01,flower,-3,12\n"
        "store-02,vapes,-1,-4\n"
    )
    capacity = tmp_path / "capacity.csv"
    capacity.write_text("day,pick_capacity_units\n0,100\n1,100\n20,100\n")
    with pytest.raises(DataError) as exc:
        api.plan(backlog, EXAMPLES / "stores.csv", capacity, horizon_days=3)
    text = str(exc.value)
    assert "backlog.csv row 5: column `quantity`: expected a number of units >= 0, got '-4'" in text
    backlog.write_text("\n".join(backlog.read_text().splitlines()[:5]) + "\n")
    with pytest.raises(DataError) as exc:
        api.plan(backlog, EXAMPLES / "stores.csv", capacity, horizon_days=3)
    text = str(exc.value)
    assert "backlog.csv row 2: column `store`: unknown store id 'store-99'" in text
    assert "backlog.csv row 3: column `ordered_day`: expected an order placed today or earlier" in text
    assert (
        "backlog.csv row 4: duplicate order for store 'store-01', item 'flower', day -3 (first in row 1)"
        in text
    )
    assert "capacity.csv row 3: column `day`: day 20 is outside the horizon (0..2)" in text
    assert "capacity.csv: no capacity for day(s) 2" in text
    missing = tmp_path / "stock.csv"
    missing.write_text("store,item,on_hand\nstore-01,flower,3\n")
    with pytest.raises(DataError, match="missing required column 'demand_per_day'"):
        api.plan(EXAMPLES / "backlog.csv", missing, EXAMPLES / "capacity.csv", horizon_days=14)


@pytest.mark.slow
def test_optimised_plan_is_no_worse_than_fifo_without_surge(tmp_path: Path) -> None:
    from aftershock.testing import pause_scenario

    path = pause_scenario(
        tmp_path,
        stores=8,
        demand=6.0,
        order_up_to=60.0,
        on_hand=30.0,
        pause=(4, 8),
        capacity=70.0,
        horizon=24,
        review=1,
    )
    result = api.optimize(path, budget_shifts=0, replications=4, seed=2)
    assert result["lp"]["status"] == "Optimal"
    replayed = result["replayed"]["lost_sales_units"]["mean"]
    fifo = result["scenario_plan"]["lost_sales_units"]["mean"]
    assert replayed <= fifo + 1e-6


def test_delivery_slots_go_round_the_stores_most_urgent_first() -> None:
    from aftershock.optimize.from_scenario import delivery_slots

    # 5 stores, urgency order 3, 1, 4, 0, 2; the fleet reaches 2 stores on day 0, 2 on day 1, 3 on day 2
    slots = delivery_slots(np.array([3, 1, 4, 0, 2]), np.array([2, 2, 3]), 3)
    assert slots[:, 0].nonzero()[0].tolist() == [1, 3]
    assert slots[:, 1].nonzero()[0].tolist() == [0, 4]
    assert slots[:, 2].nonzero()[0].tolist() == [1, 2, 3]  # store 2, then round again: 3, 1
    assert slots.sum(axis=0).tolist() == [2, 2, 3]


def test_closed_delivery_days_ship_nothing() -> None:
    allowed = np.array([[False, True, True]])
    plan = solve(tiny(ship_allowed=allowed, capacity_units=np.array([15.0, 15.0, 15.0])))
    assert plan.shipments[0, 0, 0] == pytest.approx(0.0, abs=1e-7)
    # day 0 cannot ship, so day 1 loses its 10 as without capacity on day 0: 15 lost in all
    assert plan.lost_units.sum() == pytest.approx(15.0, abs=1e-5)
