"""The operational tables of `aftershock plan`: backlog, store stock, DC capacity — validated by row.

Each table is a CSV or Parquet file (row 1 is the first data row). Every problem in the
three tables is collected — missing columns, bad or negative values, duplicate rows, store
or item ids in the backlog that the stock table does not know, days outside the horizon —
and raised together as one :class:`~aftershock.errors.DataError`.

Several DCs: a ``dc`` column in the capacity table gives each DC its capacity per day
(a row per DC and day). A store's DC is named in a ``dc`` column of the stock or the
backlog table (one DC per store); with a single DC in the capacity table it may be left
out. A row naming a DC the capacity table does not plan, a store named with two DCs, or a
store without a DC when there are several are errors with their file and row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
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


DC = Column(False, "text", None, "a DC id")
BACKLOG = {
    "store": Column(True, "text", None, "a store id"),
    "item": Column(True, "text", None, "an item id"),
    "ordered_day": Column(True, "int", None, "a whole day number (0 = today, negative = earlier)"),
    "quantity": Column(True, "float", 0.0, "a number of units >= 0"),
    "dc": DC,
}
STOCK = {
    "store": Column(True, "text", None, "a store id"),
    "item": Column(True, "text", None, "an item id"),
    "on_hand": Column(True, "float", 0.0, "a number of units >= 0"),
    "demand_per_day": Column(True, "float", 0.0, "units a day >= 0"),
    "lead_time_days": Column(False, "int", 1.0, "a whole number of days >= 1", 1.0),
    "target_cover_days": Column(False, "float", 0.0, "days of demand >= 0", 7.0),
    "dc": DC,
}
CAPACITY = {
    "day": Column(True, "int", 0.0, "a whole day number from 0"),
    "pick_capacity_units": Column(True, "float", 0.0, "units a day >= 0"),
    "max_extra_shifts": Column(False, "float", 0.0, "a number of shifts >= 0", 0.0),
    "units_per_shift": Column(False, "float", 0.0, "units per extra shift >= 0", 0.0),
    "cost_per_shift": Column(False, "float", 0.0, "a cost >= 0", 0.0),
    "dc": DC,
}

Row = dict[str, "str | int | float"]


@dataclass(frozen=True)
class PlanTables:
    """The three tables as arrays over stores × items × days, and DCs (D = 1 without a dc column)."""

    store_ids: list[str]
    item_ids: list[str]
    on_hand: np.ndarray  # (S, I)
    demand: np.ndarray  # (S, I) units a day
    lead_time_days: np.ndarray  # (S,)
    target_cover_days: np.ndarray  # (S, I)
    owed: np.ndarray  # (S, I)
    oldest_order_day: np.ndarray  # (S, I), +inf where nothing is owed
    capacity_units: np.ndarray  # (D, T)
    max_extra_shifts: np.ndarray  # (D, T)
    units_per_shift: np.ndarray  # (D, T)
    cost_per_shift: np.ndarray  # (D, T)
    dc_ids: list[str] = field(default_factory=list)  # sorted; empty: the capacity table has no dc column
    store_dc: np.ndarray | None = None  # (S,) index of each store's DC; None: every store at the one DC

    @property
    def horizon_days(self) -> int:
        """Days of the plan."""
        return int(self.capacity_units.shape[-1])

    @property
    def n_dcs(self) -> int:
        """Number of DCs."""
        return int(self.capacity_units.shape[0])

    def dc_of_store(self) -> np.ndarray:
        """(S,) each store's DC index."""
        if self.store_dc is None:
            return np.zeros(len(self.store_ids), dtype=np.int64)
        return self.store_dc


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


def _read(path: Path, columns: dict[str, Column]) -> tuple[list[Row], list[Problem], set[str], list[str]]:
    """Rows whose every cell is good (with ``_row``), the problems of the others, every store id
    named, and the header."""
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
            header,
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
    return good, problems, named, header


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
    stock_rows, p, named_stores, _ = _read(Path(stock), STOCK)
    stock_ok = not p
    problems += p
    backlog_rows, p, _, _ = _read(Path(backlog), BACKLOG)
    problems += p
    capacity_rows, p, _, capacity_header = _read(Path(capacity), CAPACITY)
    capacity_ok = not p
    problems += p
    by_dc = "dc" in capacity_header
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

    capacity_name_rows = [r for r in capacity_rows if not by_dc or "dc" in r]
    if by_dc:
        for r in capacity_rows:
            if "dc" not in r:
                problems.append(
                    Problem(
                        capacity_name,
                        "expected a DC id, got an empty cell (a dc column means a row per DC and day)",
                        row=int(r["_row"]),
                        field="column `dc`",
                    )
                )
    dc_ids = sorted({str(r["dc"]) for r in capacity_name_rows}) if by_dc else []
    d_index = {dc: d for d, dc in enumerate(dc_ids)}
    shape_dt = (max(len(dc_ids), 1), horizon_days)
    cap_units = np.full(shape_dt, np.nan)
    shifts = np.zeros(shape_dt)
    per_shift = np.zeros(shape_dt)
    cost = np.zeros(shape_dt)
    first_row: dict[tuple[str, int], int] = {}
    for r in capacity_name_rows:
        day, row = int(r["day"]), int(r["_row"])
        dc = str(r["dc"]) if by_dc else ""
        at = f"DC '{dc}', day {day}" if by_dc else f"day {day}"
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
        if (dc, day) in first_row:
            problems.append(
                Problem(capacity_name, f"duplicate row for {at} (first in row {first_row[dc, day]})", row=row)
            )
            continue
        first_row[dc, day] = row
        d = d_index.get(dc, 0)
        cap_units[d, day] = float(r["pick_capacity_units"])
        shifts[d, day] = float(r["max_extra_shifts"])
        per_shift[d, day] = float(r["units_per_shift"])
        cost[d, day] = float(r["cost_per_shift"])
        if shifts[d, day] > 0 and per_shift[d, day] <= 0:
            problems.append(
                Problem(
                    capacity_name,
                    f"{at} allows {shifts[d, day]:g} extra shift(s) but units_per_shift is 0 or missing",
                    row=row,
                    field="column `units_per_shift`",
                )
            )
    for d in range(shape_dt[0]):
        missing_days = np.flatnonzero(np.isnan(cap_units[d]))
        if capacity_ok and missing_days.size and (dc_ids or not by_dc):
            listed = ", ".join(map(str, missing_days[:10])) + (" …" if missing_days.size > 10 else "")
            whose = f"DC '{dc_ids[d]}' on " if by_dc else ""
            problems.append(
                Problem(
                    capacity_name,
                    f"no capacity for {whose}day(s) {listed} of the {horizon_days}-day horizon "
                    f"(0..{horizon_days - 1})",
                )
            )
    store_dc = _store_dcs(
        stores,
        stock_rows,
        backlog_rows,
        dc_ids,
        by_dc=by_dc,
        names=(stock_name, backlog_name, capacity_name),
        check_unknown=capacity_ok,
        problems=problems,
    )
    if not stock_rows and stock_ok:
        problems.append(Problem(stock_name, "no stores: the table has a header but no rows"))
    if problems:
        _raise(problems)
    return PlanTables(
        stores,
        items,
        on_hand,
        demand,
        lead,
        cover,
        owed,
        oldest,
        cap_units,
        shifts,
        per_shift,
        cost,
        dc_ids=dc_ids,
        store_dc=store_dc if len(dc_ids) > 1 else None,
    )


def _store_dcs(
    stores: list[str],
    stock_rows: list[Row],
    backlog_rows: list[Row],
    dc_ids: list[str],
    *,
    by_dc: bool,
    names: tuple[str, str, str],
    check_unknown: bool,
    problems: list[Problem],
) -> np.ndarray:
    """(S,) each store's DC index, from the dc cells of the stock and backlog tables.

    Problems (appended): a DC the capacity table does not plan, a store named with two DCs,
    a store without one when the capacity table has several.
    """
    stock_name, backlog_name, capacity_name = names
    d_index = {dc: d for d, dc in enumerate(dc_ids)}
    named: dict[str, tuple[str, str, int]] = {}  # store -> (dc, file, row)
    for source, rows in ((stock_name, stock_rows), (backlog_name, backlog_rows)):
        for r in rows:
            if "dc" not in r:
                continue
            store, dc, row = str(r["store"]), str(r["dc"]), int(r["_row"])
            if dc not in d_index:
                if check_unknown:
                    why = f"not in {capacity_name}" if by_dc else f"{capacity_name} has no dc column"
                    problems.append(
                        Problem(source, f"unknown DC '{dc}' ({why})", row=row, field="column `dc`")
                    )
                continue
            if store in named and named[store][0] != dc:
                first_dc, first_file, first_row = named[store]
                where = f"row {first_row}" if first_file == source else f"{first_file} row {first_row}"
                problems.append(
                    Problem(
                        source,
                        f"store '{store}' is served by DC '{dc}' here but by DC '{first_dc}' in {where} "
                        "(one DC per store)",
                        row=row,
                        field="column `dc`",
                    )
                )
                continue
            named.setdefault(store, (dc, source, row))
    out = np.zeros(len(stores), dtype=np.int64)
    first_stock_row: dict[str, int] = {}
    for r in stock_rows:
        first_stock_row.setdefault(str(r["store"]), int(r["_row"]))
    for s, store in enumerate(stores):
        if store in named:
            out[s] = d_index[named[store][0]]
        elif len(dc_ids) > 1 and check_unknown:
            problems.append(
                Problem(
                    stock_name,
                    f"store '{store}' has no DC: name it in a dc column of {stock_name} or {backlog_name} "
                    f"({capacity_name} plans {len(dc_ids)} DCs)",
                    row=first_stock_row.get(store),
                    field="column `dc`",
                )
            )
    return out
