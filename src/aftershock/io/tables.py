"""Read the store table (CSV or Parquet) into a validated :class:`StoreFrame`."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from aftershock.errors import DataError, Problem
from aftershock.model.network import StoreDefaults
from aftershock.model.stores import NUMERIC_COLUMNS, REQUIRED_COLUMNS, StoreFrame

#: Most problems reported from one table before giving up (the rest are counted).
MAX_PROBLEMS = 50

_BOUNDS: dict[str, tuple[float, float, str]] = {
    "demand_units_per_day": (0, math.inf, "a number >= 0"),
    "on_hand_units": (0, math.inf, "a number >= 0"),
    "order_up_to_units": (0, math.inf, "a number >= 0"),
    "reorder_point_units": (0, math.inf, "a number >= 0"),
    "lead_time_days": (0, 365, "a whole number of days from 0 to 365"),
    "review_period_days": (1, 365, "a whole number of days from 1 to 365"),
    "order_weekday": (0, 6, "a weekday number from 0 (Monday) to 6 (Sunday)"),
    "latitude": (-90, 90, "a latitude from -90 to 90"),
    "longitude": (-180, 180, "a longitude from -180 to 180"),
}


def read_rows(path: Path, source: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and ``(row number, {column: text})`` pairs of a CSV or Parquet file.

    Row 1 is the first data row (the CSV header is not counted).
    """
    if not path.is_file():
        raise DataError.from_problems([Problem(source, f"file not found: {path}")])
    if path.suffix.lower() == ".parquet":
        import pandas as pd

        frame = pd.read_parquet(path)
        header = [str(c) for c in frame.columns]
        rows = [
            (i + 1, {c: "" if _is_missing(v) else str(v) for c, v in zip(header, rec, strict=True)})
            for i, rec in enumerate(frame.itertuples(index=False, name=None))
        ]
        return header, rows
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            rows = []
            for i, record in enumerate(reader, start=1):
                if not record or all(not c.strip() for c in record):
                    continue
                if len(record) != len(header):
                    raise DataError.from_problems(
                        [
                            Problem(
                                source,
                                f"expected {len(header)} cells as in the header, got {len(record)}",
                                row=i,
                            )
                        ]
                    )
                rows.append((i, {h: c.strip() for h, c in zip(header, record, strict=True)}))
    except UnicodeDecodeError as exc:
        raise DataError.from_problems([Problem(source, f"not UTF-8 text: {exc.reason}")]) from None
    except csv.Error as exc:
        raise DataError.from_problems([Problem(source, f"CSV syntax error: {exc}")]) from None
    if not header:
        raise DataError.from_problems([Problem(source, "the table is empty (no header row)")])
    if len(header) == 1:
        for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if sep in header[0]:
                # spreadsheets in many locales save "CSV" with semicolons
                raise DataError.from_problems(
                    [
                        Problem(
                            source,
                            f"the header is one column '{header[0]}': the file looks {name}-separated; "
                            "expected comma-separated CSV (UTF-8) or Parquet",
                            field="header",
                        )
                    ]
                )
    repeated = [h for i, h in enumerate(header) if h in header[:i]]
    if repeated:
        raise DataError.from_problems(
            [
                Problem(
                    source,
                    f"column '{h}' appears twice in the header (a row would keep only one of its cells)",
                    field="header",
                )
                for h in dict.fromkeys(repeated)
            ]
        )
    return header, rows


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def read_store_table(path: Path, source: str, defaults: StoreDefaults) -> StoreFrame:
    """Read and validate a store table; collect every problem before raising."""
    header, rows = read_rows(path, source)
    problems: list[Problem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DataError.from_problems(
            [
                Problem(
                    source,
                    f"missing required column {', '.join(repr(c) for c in missing)} "
                    f"(the header has: {', '.join(header)})",
                )
            ]
        )
    if not rows:
        raise DataError.from_problems([Problem(source, "the table has a header but no stores")])
    n = len(rows)
    numeric = {c: np.full(n, np.nan) for c in NUMERIC_COLUMNS}
    text_columns = [c for c in header if c not in NUMERIC_COLUMNS]
    text = {c: np.empty(n, dtype=object) for c in text_columns}
    seen: dict[str, int] = {}
    for i, (row_no, record) in enumerate(rows):
        store_id = record["id"]
        if not store_id:
            problems.append(
                Problem(
                    source,
                    "expected a store id, got an empty cell",
                    row=row_no,
                    field="column `id`",
                )
            )
        elif store_id in seen:
            problems.append(
                Problem(
                    source,
                    f"duplicate store id '{store_id}' (first in row {seen[store_id]})",
                    row=row_no,
                    field="column `id`",
                )
            )
        else:
            seen[store_id] = row_no
        if not record["region"]:
            problems.append(
                Problem(
                    source,
                    "expected a region, got an empty cell",
                    row=row_no,
                    field="column `region`",
                )
            )
        for column in text_columns:
            text[column][i] = record[column]
        for column in NUMERIC_COLUMNS:
            cell = record.get(column, "")
            if cell == "":
                if column in REQUIRED_COLUMNS:
                    problems.append(
                        Problem(
                            source,
                            "expected a number, got an empty cell",
                            row=row_no,
                            field=f"column `{column}`",
                        )
                    )
                continue
            low, high, expected = _BOUNDS[column]
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            is_whole = NUMERIC_COLUMNS[column] is int
            if (
                not math.isfinite(value)
                or value < low
                or value > high
                or (is_whole and not value.is_integer())
            ):
                problems.append(
                    Problem(
                        source,
                        f"expected {expected}, got '{cell}'",
                        row=row_no,
                        field=f"column `{column}`",
                    )
                )
                continue
            numeric[column][i] = value
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem(source, f"stopped after {MAX_PROBLEMS} problems"))
            break
    if problems:
        raise DataError.from_problems(problems)
    return _frame(numeric, text, defaults)


def _frame(numeric: dict[str, np.ndarray], text: dict[str, np.ndarray], d: StoreDefaults) -> StoreFrame:
    n = len(text["id"])
    demand = numeric["demand_units_per_day"]
    lead = np.where(np.isnan(numeric["lead_time_days"]), d.lead_time_days, numeric["lead_time_days"])
    review = np.where(
        np.isnan(numeric["review_period_days"]), d.review_period_days, numeric["review_period_days"]
    )
    order_up_to = np.where(
        np.isnan(numeric["order_up_to_units"]), demand * d.cover_days, numeric["order_up_to_units"]
    )
    # NaN: the engine starts such stores in their steady state (stock and stock on the way)
    initial = demand * d.initial_cover_days if d.initial_cover_days is not None else np.full(n, np.nan)
    on_hand = np.where(np.isnan(numeric["on_hand_units"]), initial, numeric["on_hand_units"])
    default_s = np.inf if d.reorder_point_days is None else None
    reorder = numeric["reorder_point_units"]
    reorder = np.where(
        np.isnan(reorder), demand * d.reorder_point_days if default_s is None else np.inf, reorder
    )
    weekday = np.where(np.isnan(numeric["order_weekday"]), np.arange(n) % 7, numeric["order_weekday"])
    attributes = {k: v.astype(str) for k, v in text.items()}
    return StoreFrame(
        ids=attributes["id"],
        demand_units_per_day=demand.astype(float),
        on_hand_units=on_hand.astype(float),
        order_up_to_units=order_up_to.astype(float),
        reorder_point_units=reorder.astype(float),
        lead_time_days=lead.astype(np.int64),
        review_period_days=review.astype(np.int64),
        order_weekday=weekday.astype(np.int64),
        attributes=attributes,
    )
