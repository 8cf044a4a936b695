"""`aftershock plan`: the operational tables, checked row by row, and the dispatch plan they give."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from aftershock import api
from aftershock.cli.app import main
from aftershock.errors import DataError, SolverError

EXAMPLES = Path(__file__).parents[2] / "examples" / "plan"
BACKLOG, STOCK, CAPACITY = EXAMPLES / "backlog.csv", EXAMPLES / "stores.csv", EXAMPLES / "capacity.csv"


def run_cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(
    backlog: Path = BACKLOG, stock: Path = STOCK, capacity: Path = CAPACITY, horizon: int = 14
) -> str:
    with pytest.raises(DataError) as exc:
        api.plan(backlog, stock, capacity, horizon_days=horizon)
    return str(exc.value)


def test_plan_on_the_example_tables_writes_the_dispatch_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dispatch.csv"
    args = ["plan", "--backlog", str(BACKLOG), "--stock", str(STOCK), "--capacity", str(CAPACITY)]
    # the command as it stands: waiting has its default price
    assert run_cli([*args, "--horizon", "14", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert rows and list(rows[0]) == ["store", "item", "day", "units"]
    assert all(float(r["units"]) > 0 for r in rows)
    assert {int(r["day"]) for r in rows} <= set(range(14))
    # every day within the capacity table's pick capacity plus its 2 extra shifts of 400
    capacity = {
        int(r["day"]): float(r["pick_capacity_units"]) + 2 * 400 for r in csv.DictReader(CAPACITY.open())
    }
    per_day: dict[int, float] = {}
    for r in rows:
        per_day[int(r["day"])] = per_day.get(int(r["day"]), 0.0) + float(r["units"])
    assert all(per_day[d] <= capacity[d] + 1.0 for d in per_day)  # rounding to 0.1 per line
    text = capsys.readouterr().out
    assert "Chain recovery: backlog cleared on day" in text
    assert "Stores by recovery day" in text


def test_without_a_price_on_waiting_shifts_only_save_sales() -> None:
    priced = api.plan(BACKLOG, STOCK, CAPACITY)
    free = api.plan(BACKLOG, STOCK, CAPACITY, backlog_cost=0.0)
    assert priced.summary["backlog_clear_day"] == 6 and priced.summary["extra_shift_cost"] > 0
    # the shifts buy no sales here, so without a price on waiting none are run and the backlog
    # shrinks only by the spare capacity: not cleared within the 14 days
    assert free.summary["extra_shift_cost"] == pytest.approx(0.0, abs=1e-6)
    assert free.summary["backlog_clear_day"] is None
    assert free.summary["expected_lost_units"] == pytest.approx(
        priced.summary["expected_lost_units"], abs=1.0
    )


def test_plan_json_has_summary_store_days_and_dispatch(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "--backlog", str(BACKLOG), "--stock", str(STOCK), "--capacity", str(CAPACITY)]
    assert run_cli([*args, "--backlog-cost", "0.1", "--start-date", "2022-08-10", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    summary = data["summary"]
    assert summary["stores"] == 12 and summary["items"] == 3 and summary["horizon_days"] == 14
    assert summary["backlog_clear_day"] is not None
    assert summary["backlog_clear_date"].startswith("2022-08-")
    assert len(data["stores"]) == 12 and {"store", "recovery_day", "recovery_date"} <= set(data["stores"][0])
    assert data["dispatch"] and min(r["units"] for r in data["dispatch"]) > 0


def test_parquet_tables_and_output(tmp_path: Path) -> None:
    paths = []
    for source in (BACKLOG, STOCK, CAPACITY):
        target = tmp_path / f"{source.stem}.parquet"
        pd.read_csv(source).to_parquet(target)
        paths.append(target)
    from_parquet = api.plan(*paths, backlog_cost=0.1)
    from_csv = api.plan(BACKLOG, STOCK, CAPACITY, backlog_cost=0.1)
    assert from_parquet.summary["planned_shipments_units"] == pytest.approx(
        from_csv.summary["planned_shipments_units"], rel=1e-6
    )
    out = tmp_path / "dispatch.parquet"
    args = ["plan", "--backlog", str(paths[0]), "--stock", str(paths[1]), "--capacity", str(paths[2])]
    assert run_cli([*args, "--out", str(out)]) == 0
    assert list(pd.read_parquet(out).columns) == ["store", "item", "day", "units"]


def test_negative_quantity_names_file_row_and_column(tmp_path: Path) -> None:
    backlog = write(
        tmp_path / "backlog.csv",
        "store,item,ordered_day,quantity\nstore-01,flower,-3,10\nstore-02,vapes,-1,-4\n",
    )
    assert "backlog.csv row 2: column `quantity`: expected a number of units >= 0, got '-4'" in problems_of(
        backlog
    )
    stock = write(
        tmp_path / "stock.csv",
        "store,item,on_hand,demand_per_day\nstore-01,flower,3,1\nstore-02,flower,-1,1\n",
    )
    assert "stock.csv row 2: column `on_hand`: expected a number of units >= 0, got '-1'" in problems_of(
        stock=stock
    )


def test_unknown_store_in_the_backlog(tmp_path: Path) -> None:
    backlog = write(
        tmp_path / "backlog.csv",
        "store,item,ordered_day,quantity\nstore-01,flower,-3,10\nstore-99,flower,-3,10\n",
    )
    text = problems_of(backlog)
    assert "backlog.csv row 2: column `store`: unknown store id 'store-99' (not in stores.csv)" in text


def test_days_outside_the_horizon(tmp_path: Path) -> None:
    backlog = write(tmp_path / "backlog.csv", "store,item,ordered_day,quantity\nstore-01,flower,2,10\n")
    capacity = write(tmp_path / "capacity.csv", "day,pick_capacity_units\n0,100\n1,100\n20,100\n")
    text = problems_of(backlog, capacity=capacity, horizon=3)
    assert (
        "backlog.csv row 1: column `ordered_day`: expected an order placed today or earlier (<= 0), got 2"
        in text
    )
    assert "capacity.csv row 3: column `day`: day 20 is outside the horizon (0..2)" in text
    assert "capacity.csv: no capacity for day(s) 2 of the 3-day horizon" in text


def test_duplicate_rows(tmp_path: Path) -> None:
    backlog = write(
        tmp_path / "backlog.csv",
        "store,item,ordered_day,quantity\nstore-01,flower,-3,10\nstore-01,vapes,-3,5\nstore-01,flower,-3,12\n",
    )
    stock = write(
        tmp_path / "stock.csv",
        "store,item,on_hand,demand_per_day\nstore-01,flower,3,1\nstore-01,vapes,3,1\nstore-01,flower,4,1\n",
    )
    capacity = write(tmp_path / "capacity.csv", "day,pick_capacity_units\n0,100\n1,100\n1,90\n")
    text = problems_of(backlog, stock, capacity, horizon=2)
    assert (
        "backlog.csv row 3: duplicate order for store 'store-01', item 'flower', day -3 (first in row 1)"
        in text
    )
    assert "stock.csv row 3: duplicate row for store 'store-01', item 'flower' (first in row 1)" in text
    assert "capacity.csv row 3: duplicate row for day 1 (first in row 2)" in text


def test_missing_columns(tmp_path: Path) -> None:
    stock = write(tmp_path / "stock.csv", "store,item,on_hand\nstore-01,flower,3\n")
    capacity = write(tmp_path / "capacity.csv", "day\n0\n")
    text = problems_of(stock=stock, capacity=capacity)
    assert (
        "stock.csv: missing required column 'demand_per_day' (the header has: store, item, on_hand)" in text
    )
    assert "capacity.csv: missing required column 'pick_capacity_units'" in text


def test_every_problem_of_every_table_at_once_and_nothing_written(tmp_path: Path) -> None:
    backlog = write(
        tmp_path / "backlog.csv",
        "store,item,ordered_day,quantity\nstore-99,flower,-3,10\nstore-01,flower,x,4\n",
    )
    capacity = write(tmp_path / "capacity.csv", "day,pick_capacity_units\n0,100\n1,-5\n")
    with pytest.raises(DataError) as exc:
        api.plan(backlog, STOCK, capacity, horizon_days=2)
    rows = [(p.source, p.row) for p in exc.value.problems]
    assert rows == [("backlog.csv", 1), ("backlog.csv", 2), ("capacity.csv", 2)]
    out = tmp_path / "dispatch.csv"
    args = ["plan", "--backlog", str(backlog), "--stock", str(STOCK), "--capacity", str(capacity)]
    assert run_cli([*args, "--horizon", "2", "--out", str(out)]) == 1
    assert not out.exists() and not list(tmp_path.glob(".dispatch.csv.*"))


def test_short_capacity_says_what_is_short_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["day,pick_capacity_units,max_extra_shifts,units_per_shift"]
    lines += [f"{d},500,1,100" for d in range(14)]
    capacity = write(tmp_path / "capacity.csv", "\n".join(lines) + "\n")
    with pytest.raises(SolverError) as exc:
        api.plan(BACKLOG, STOCK, capacity)
    # 14 days × (500 + one shift of 100) = 8,400 units at most, against the backlog of 4,525 and
    # 13 days of re-orders at 712.1 a day (9,257.3): 13,782.3 owed, 5,382.3 short
    text = str(exc.value)
    assert "capacity is short" in text and "8,400" in text and "5,382 units would still be owed" in text
    out = tmp_path / "dispatch.csv"
    args = ["plan", "--backlog", str(BACKLOG), "--stock", str(STOCK), "--capacity", str(capacity)]
    assert run_cli([*args, "--out", str(out)]) == 1
    assert "error: capacity is short" in capsys.readouterr().err
    assert not out.exists()


def test_bad_flags_fail_before_any_work(tmp_path: Path) -> None:
    from aftershock.errors import UsageError

    with pytest.raises(UsageError, match=r"^start_date: expected a date"):
        api.plan(BACKLOG, STOCK, CAPACITY, start_date="10/08/2022")
    args = ["plan", "--backlog", str(BACKLOG), "--stock", str(STOCK), "--capacity", str(CAPACITY)]
    assert run_cli([*args, "--out", str(tmp_path / "dispatch.txt")]) == 1
