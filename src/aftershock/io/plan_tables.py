"""The operational tables of `aftershock plan`: backlog, store stock, DC capacity — validated by row.

Each table is a CSV or Parquet file (row 1 is the first data row). Every problem in the
three tables is collected — missing columns, bad or negative values, duplicate rows, store
or item ids in the backlog that the stock table does not know, days outside the horizon —
and raised together as one :class:`~aftershock.errors.DataError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aftershock.errors import DataError, Problem
from aftershock.io.tables import MAX_PROBLEMS, read_rows


@dataclass(frozen=True)
class Column:
    """One column of a table: whether it is required, its kind, its lower bound, what is expected."""

    required: bool
    kind: str  # text | int | float
    low: float | None
    expected: str
    default: float | None = None


BACKLOG = {
    "store": Column(True, "text", None, "a store id"),
    "item": Column(True, "text", None, "an item id"),
    "ordered_day": Column(True, "int", None, "a whole day number (0 = today, negative = earlier)"),
    "quantity": Column(True, "float", 0.0, "a number of units >= 0"),
}
STOCK = {
    "store": Column(True, "text", None, "a store id"),
    "item": Column(True, "text", None, "an item id"),
    "on_hand": Column(True, "float", 0.0, "a number of units >= 0"),
    "demand_per_day": Column(True, "float", 0.0, "units a day >= 0"),
    "lead_time_days": Column(False, "int", 1.0, "a whole number of days >= 1", 1.0),
    "target_cover_days": Column(False, "float", 0.0, "days of demand >= 0", 7.0),
}
CAPACITY = {
    "day": Column(True, "int", 0.0, "a whole day number from 0"),
    "pick_capacity_units": Column(True, "float", 0.0, "units a day >= 0"),
    "max_extra_shifts": Column(False, "float", 0.0, "a number of shifts >= 0", 0.0),
    "units_per_shift": Column(False, "float", 0.0, "units per extra shift >= 0", 0.0),
    "cost_per_shift": Column(False, "float", 0.0, "a cost >= 0", 0.0),
}

Row = dict[str, "str | int | float"]


@dataclass(frozen=True)
class PlanTables:
    """The three tables as arrays over stores × items × days."""

    store_ids: list[str]
    item_ids: list[str]
    on_hand: np.ndarray  # (S, I)
    demand: np.ndarray  # (S, I) units a day
    lead_time_days: np.ndarray  # (S,)
    target_cover_days: np.ndarray  # (S, I)
    owed: np.ndarray  # (S, I)
    oldest_order_day: np.ndarray  # (S, I), +inf where nothing is owed
    capacity_units: np.ndarray  # (T,)
    max_extra_shifts: np.ndarray  # (T,)
    units_per_shift: np.ndarray  # (T,)
    cost_per_shift: np.ndarray  # (T,)


def _cell(
    source: str, row: int, column: str, spec: Column, cell: str
) -> tuple[float | str | None, Problem | None]:
    """The parsed cell, or the problem with it."""
    if cell == "":
        if spec.required:
            return None, Problem(
                source, f"expected {spec.expected}, got an empty cell", row=row, field=f"column `{column}`"
            )
        return spec.default, None
    if spec.kind == "text":
        return cell, None
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    bad = not math.isfinite(value) or (spec.low is not None and value < spec.low)
    if spec.kind == "int" and math.isfinite(value) and not value.is_integer():
        bad = True
    if bad:
        return None, Problem(
            source, f"expected {spec.expected}, got '{cell}'", row=row, field=f"column `{column}`"
        )
    return (int(value) if spec.kind == "int" else value), None


def _read(path: Path, columns: dict[str, Column]) -> tuple[list[Row], list[Problem], set[str]]:
    """Rows whose every cell is good (with ``_row``), the problems of the others, every store id named."""
    source = path.name
    header, rows = read_rows(path, source)
    named = {record.get("store", "") for _, record in rows}
    missing = [c for c, spec in columns.items() if spec.required and c not in header]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        word = "column" if len(missing) == 1 else "columns"
        return (
            [],
            [Problem(source, f"missing required {word} {names} (the header has: {', '.join(header)})")],
            named,
        )
    problems: list[Problem] = []
    good: list[Row] = []
    for row_no, record in rows:
        parsed: Row = {"_row": row_no}
        ok = True
        for column, spec in columns.items():
            value, problem = _cell(source, row_no, column, spec, record.get(column, ""))
            if problem is not None:
                problems.append(problem)
                ok = False
            elif value is not None:
                parsed[column] = value
        if ok:
            good.append(parsed)
    return good, problems, named


def _raise(problems: list[Problem]) -> None:
    """One DataError: problems by file (in the order the files were read), then by row."""
    files = list(dict.fromkeys(p.source for p in problems))
    problems = sorted(problems, key=lambda p: (files.index(p.source), p.row or 0))
    if len(problems) > MAX_PROBLEMS:
        extra = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], Problem("tables", f"… and {extra} more problems")]
    raise DataError.from_problems(problems)


def read_plan_tables(backlog: Path, stock: Path, capacity: Path, horizon_days: int) -> PlanTables:
    """Read and cross-check the tables; every problem, with file and row, in one error."""
    problems: list[Problem] = []
    stock_rows, p, named_stores = _read(Path(stock), STOCK)
    stock_ok = not p
    problems += p
    backlog_rows, p, _ = _read(Path(backlog), BACKLOG)
    problems += p
    capacity_rows, p, _ = _read(Path(capacity), CAPACITY)
    capacity_ok = not p
    problems += p
    stock_name, backlog_name, capacity_name = Path(stock).name, Path(backlog).name, Path(capacity).name

    stores = sorted({str(r["store"]) for r in stock_rows})
    items = sorted({str(r["item"]) for r in stock_rows})
    s_index = {s: i for i, s in enumerate(stores)}
    i_index = {s: i for i, s in enumerate(items)}
    shape = (len(stores), len(items))
    on_hand = np.zeros(shape)
    demand = np.zeros(shape)
    cover = np.zeros(shape)
    lead = np.ones(len(stores), dtype=np.int64)
    lead_row: dict[str, tuple[int, int]] = {}
    seen: dict[tuple[str, str], int] = {}
    for r in stock_rows:
        row = int(r["_row"])
        store, item = str(r["store"]), str(r["item"])
        if (store, item) in seen:
            problems.append(
                Problem(
                    stock_name,
                    f"duplicate row for store '{store}', item '{item}' (first in row {seen[store, item]})",
                    row=row,
                )
            )
            continue
        seen[store, item] = row
        s, i = s_index[store], i_index[item]
        on_hand[s, i] = float(r["on_hand"])
        demand[s, i] = float(r["demand_per_day"])
        cover[s, i] = float(r["target_cover_days"])
        days = int(r["lead_time_days"])
        if store in lead_row and lead_row[store][0] != days:
            first_days, first_row = lead_row[store]
            problems.append(
                Problem(
                    stock_name,
                    f"store '{store}' has lead time {days} here but {first_days} in row {first_row} "
                    "(one lead time per store)",
                    row=row,
                    field="column `lead_time_days`",
                )
            )
        lead_row.setdefault(store, (days, row))
        lead[s] = days

    owed = np.zeros(shape)
    oldest = np.full(shape, np.inf)
    seen_backlog: dict[tuple[str, str, int], int] = {}
    for r in backlog_rows:
        row = int(r["_row"])
        store, item, day = str(r["store"]), str(r["item"]), int(r["ordered_day"])
        if store not in named_stores:
            problems.append(
                Problem(
                    backlog_name,
                    f"unknown store id '{store}' (not in {stock_name})",
                    row=row,
                    field="column `store`",
                )
            )
            continue
        if stock_ok and item not in i_index:
            problems.append(
                Problem(
                    backlog_name,
                    f"unknown item '{item}' (not in {stock_name})",
                    row=row,
                    field="column `item`",
                )
            )
            continue
        if day > 0:
            problems.append(
                Problem(
                    backlog_name,
                    f"expected an order placed today or earlier (<= 0), got {day}",
                    row=row,
                    field="column `ordered_day`",
                )
            )
            continue
        key = (store, item, day)
        if key in seen_backlog:
            problems.append(
                Problem(
                    backlog_name,
                    f"duplicate order for store '{store}', item '{item}', day {day} "
                    f"(first in row {seen_backlog[key]})",
                    row=row,
                )
            )
            continue
        seen_backlog[key] = row
        if store in s_index and item in i_index:
            s, i = s_index[store], i_index[item]
            owed[s, i] += float(r["quantity"])
            oldest[s, i] = min(oldest[s, i], day)

    cap_units = np.full(horizon_days, np.nan)
    shifts = np.zeros(horizon_days)
    per_shift = np.zeros(horizon_days)
    cost = np.zeros(horizon_days)
    first_row: dict[int, int] = {}
    for r in capacity_rows:
        day, row = int(r["day"]), int(r["_row"])
        if day >= horizon_days:
            problems.append(
                Problem(
                    capacity_name,
                    f"day {day} is outside the horizon (0..{horizon_days - 1})",
                    row=row,
                    field="column `day`",
                )
            )
            continue
        if day in first_row:
            problems.append(
                Problem(
                    capacity_name, f"duplicate row for day {day} (first in row {first_row[day]})", row=row
                )
            )
            continue
        first_row[day] = row
        cap_units[day] = float(r["pick_capacity_units"])
        shifts[day] = float(r["max_extra_shifts"])
        per_shift[day] = float(r["units_per_shift"])
        cost[day] = float(r["cost_per_shift"])
        if shifts[day] > 0 and per_shift[day] <= 0:
            problems.append(
                Problem(
                    capacity_name,
                    f"day {day} allows {shifts[day]:g} extra shift(s) but units_per_shift is 0 or missing",
                    row=row,
                    field="column `units_per_shift`",
                )
            )
    missing_days = np.flatnonzero(np.isnan(cap_units))
    if capacity_ok and missing_days.size:
        listed = ", ".join(map(str, missing_days[:10])) + (" …" if missing_days.size > 10 else "")
        problems.append(
            Problem(
                capacity_name,
                f"no capacity for day(s) {listed} of the {horizon_days}-day horizon (0..{horizon_days - 1})",
            )
        )
    if not stock_rows and stock_ok:
        problems.append(Problem(stock_name, "no stores: the table has a header but no rows"))
    if problems:
        _raise(problems)
    return PlanTables(
        stores, items, on_hand, demand, lead, cover, owed, oldest, cap_units, shifts, per_shift, cost
    )
