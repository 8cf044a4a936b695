"""The operational tables of `aftershock plan`: backlog, store stock, DC capacity — validated by row."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aftershock.errors import DataError, Problem
from aftershock.io.tables import read_rows

#: Columns: name -> (required, kind, lower bound, what is expected)
BACKLOG = {
    "store": (True, "text", None, "a store id"),
    "item": (True, "text", None, "an item id"),
    "ordered_day": (True, "int", None, "a whole day number (0 = today, negative = earlier)"),
    "quantity": (True, "float", 0.0, "a number of units >= 0"),
}
STOCK = {
    "store": (True, "text", None, "a store id"),
    "item": (True, "text", None, "an item id"),
    "on_hand": (True, "float", 0.0, "a number of units >= 0"),
    "demand_per_day": (True, "float", 0.0, "units a day >= 0"),
    "lead_time_days": (False, "int", 1.0, "a whole number of days >= 1"),
    "target_cover_days": (False, "float", 0.0, "days of demand >= 0"),
}
CAPACITY = {
    "day": (True, "int", 0.0, "a day number from 0"),
    "pick_capacity_units": (True, "float", 0.0, "units a day >= 0"),
    "max_extra_shifts": (False, "float", 0.0, "a number of shifts >= 0"),
    "units_per_shift": (False, "float", 0.0, "units per extra shift >= 0"),
    "cost_per_shift": (False, "float", 0.0, "a cost >= 0"),
}


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


def _read(
    path: Path, columns: dict[str, tuple[bool, str, float | None, str]]
) -> tuple[list[dict], list[Problem]]:
    source = path.name
    header, rows = read_rows(path, source)
    problems = []
    missing = [c for c, spec in columns.items() if spec[0] and c not in header]
    if missing:
        raise DataError.from_problems(
            [
                Problem(
                    source,
                    f"missing required column {', '.join(repr(c) for c in missing)} (the header has: "
                    f"{', '.join(header)})",
                )
            ]
        )
    out = []
    for row_no, record in rows:
        parsed: dict[str, object] = {"_row": row_no}
        for column, (required, kind, low, expected) in columns.items():
            cell = record.get(column, "")
            if cell == "":
                if required:
                    problems.append(
                        Problem(
                            source,
                            f"expected {expected}, got an empty cell",
                            row=row_no,
                            field=f"column `{column}`",
                        )
                    )
                continue
            if kind == "text":
                parsed[column] = cell
                continue
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            bad = not math.isfinite(value) or (low is not None and value < low)
            if kind == "int" and math.isfinite(value) and not value.is_integer():
                bad = True
            if bad:
                problems.append(
                    Problem(
                        source, f"expected {expected}, got '{cell}'", row=row_no, field=f"column `{column}`"
                    )
                )
                continue
            parsed[column] = int(value) if kind == "int" else value
        out.append(parsed)
    return out, problems


def read_plan_tables(backlog: Path, stock: Path, capacity: Path, horizon_days: int) -> PlanTables:
    """Read and cross-check the tables; every problem, with file and row, in one error."""
    problems: list[Problem] = []
    stock_rows, p = _read(Path(stock), STOCK)
    problems += p
    backlog_rows, p = _read(Path(backlog), BACKLOG)
    problems += p
    capacity_rows, p = _read(Path(capacity), CAPACITY)
    problems += p
    if problems:
        raise DataError.from_problems(problems)
    stores = sorted({str(r["store"]) for r in stock_rows})
    items = sorted({str(r["item"]) for r in stock_rows})
    s_index = {s: i for i, s in enumerate(stores)}
    i_index = {s: i for i, s in enumerate(items)}
    shape = (len(stores), len(items))
    on_hand = np.zeros(shape)
    demand = np.zeros(shape)
    cover = np.zeros(shape)
    lead = np.ones(len(stores), dtype=np.int64)
    seen: dict[tuple[str, str], int] = {}
    for r in stock_rows:
        key = (str(r["store"]), str(r["item"]))
        if key in seen:
            problems.append(
                Problem(
                    Path(stock).name,
                    f"duplicate row for store '{key[0]}', item '{key[1]}' (first in row {seen[key]})",
                    row=int(r["_row"]),
                )
            )  # type: ignore[arg-type]
            continue
        seen[key] = int(r["_row"])  # type: ignore[arg-type]
        s, i = s_index[key[0]], i_index[key[1]]
        on_hand[s, i] = float(r["on_hand"])  # type: ignore[arg-type]
        demand[s, i] = float(r["demand_per_day"])  # type: ignore[arg-type]
        cover[s, i] = float(r.get("target_cover_days", 7.0))  # type: ignore[arg-type]
        lead[s] = max(int(r.get("lead_time_days", 1)), 1)  # type: ignore[arg-type]
    owed = np.zeros(shape)
    oldest = np.full(shape, np.inf)
    seen_backlog: dict[tuple[str, str, int], int] = {}
    for r in backlog_rows:
        row = int(r["_row"])  # type: ignore[arg-type]
        store, item, day = str(r["store"]), str(r["item"]), int(r["ordered_day"])  # type: ignore[arg-type]
        if store not in s_index:
            problems.append(
                Problem(
                    Path(backlog).name,
                    f"unknown store id '{store}' (not in {Path(stock).name})",
                    row=row,
                    field="column `store`",
                )
            )
            continue
        if item not in i_index:
            problems.append(
                Problem(
                    Path(backlog).name,
                    f"unknown item '{item}' (not in {Path(stock).name})",
                    row=row,
                    field="column `item`",
                )
            )
            continue
        if day > 0:
            problems.append(
                Problem(
                    Path(backlog).name,
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
                    Path(backlog).name,
                    f"duplicate order for store '{store}', item '{item}', "
                    f"day {day} (first in row {seen_backlog[key]})",
                    row=row,
                )
            )
            continue
        seen_backlog[key] = row
        owed[s_index[store], i_index[item]] += float(r["quantity"])  # type: ignore[arg-type]
        oldest[s_index[store], i_index[item]] = min(oldest[s_index[store], i_index[item]], day)
    cap_units = np.full(horizon_days, np.nan)
    shifts = np.zeros(horizon_days)
    per_shift = np.zeros(horizon_days)
    cost = np.zeros(horizon_days)
    for r in capacity_rows:
        day = int(r["day"])  # type: ignore[arg-type]
        row = int(r["_row"])  # type: ignore[arg-type]
        if day >= horizon_days:
            problems.append(
                Problem(
                    Path(capacity).name,
                    f"day {day} is outside the horizon (0..{horizon_days - 1})",
                    row=row,
                    field="column `day`",
                )
            )
            continue
        if not math.isnan(cap_units[day]):
            problems.append(Problem(Path(capacity).name, f"duplicate row for day {day}", row=row))
            continue
        cap_units[day] = float(r["pick_capacity_units"])  # type: ignore[arg-type]
        shifts[day] = float(r.get("max_extra_shifts", 0.0))  # type: ignore[arg-type]
        per_shift[day] = float(r.get("units_per_shift", 0.0))  # type: ignore[arg-type]
        cost[day] = float(r.get("cost_per_shift", 0.0))  # type: ignore[arg-type]
    missing_days = np.flatnonzero(np.isnan(cap_units))
    if missing_days.size:
        problems.append(
            Problem(
                Path(capacity).name,
                f"no capacity for day(s) {', '.join(map(str, missing_days[:10]))}"
                f" of the {horizon_days}-day horizon",
            )
        )
    if problems:
        raise DataError.from_problems(problems)
    return PlanTables(
        stores, items, on_hand, demand, lead, cover, owed, oldest, cap_units, shifts, per_shift, cost
    )
