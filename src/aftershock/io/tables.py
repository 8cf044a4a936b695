"""Read the store table (CSV or Parquet) into a validated :class:`StoreFrame`."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np

from aftershock.errors import DataError, Problem
from aftershock.model.base import MAX_UNITS
from aftershock.model.network import StoreDefaults
from aftershock.model.stores import NUMERIC_COLUMNS, REQUIRED_COLUMNS, StoreFrame

#: Most problems reported from one table before giving up (the rest are counted).
MAX_PROBLEMS = 50

#: Largest demand of one store, units a day: any draw stays far inside what NumPy's
#: Poisson generator accepts, even with the largest weekday factor.
MAX_DEMAND_UNITS = 1e9

#: Smallest CSV file read column by column first (:mod:`aftershock.io.columnar`): below it
#: the row reader is about as fast as importing pyarrow, which the CLI otherwise never loads.
#: Parquet is always read column by column first (both readers need pyarrow).
COLUMNAR_MIN_BYTES = 256 * 1024

#: Longest cell quoted back in a message (longer cells are cut with "...").
MAX_SHOWN = 40

_BOUNDS: dict[str, tuple[float, float, str]] = {
    "demand_units_per_day": (0, MAX_DEMAND_UNITS, "a number >= 0"),
    "on_hand_units": (0, MAX_UNITS, "a number >= 0"),
    "order_up_to_units": (0, MAX_UNITS, "a number >= 0"),
    "reorder_point_units": (0, MAX_UNITS, "a number >= 0"),
    "lead_time_days": (0, 365, "a whole number of days from 0 to 365"),
    "review_period_days": (1, 365, "a whole number of days from 1 to 365"),
    "order_weekday": (0, 6, "a weekday number from 0 (Monday) to 6 (Sunday)"),
    "latitude": (-90, 90, "a latitude from -90 to 90"),
    "longitude": (-180, 180, "a longitude from -180 to 180"),
}

#: A store id: the same rule as every other id of a scenario (``model.base.Id``).
_STORE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_MAX_ID = 128

#: Control characters a text cell may not hold (tab, newline and carriage return may).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def shown(cell: str) -> str:
    """A cell as quoted back in a message: cut to :data:`MAX_SHOWN` characters."""
    return cell if len(cell) <= MAX_SHOWN else cell[: MAX_SHOWN - 3] + "..."


def read_rows(path: Path, source: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and ``(row number, {column: text})`` pairs of a CSV or Parquet file.

    Row 1 is the first data row (the CSV header is not counted).
    """
    try:
        found = path.is_file()
    except OSError as exc:  # a name too long for the file system, say
        raise DataError.from_problems(
            [Problem(source, f"cannot read: {exc.strerror or exc}", field="table")]
        ) from None
    if not found:
        raise DataError.from_problems([Problem(source, f"file not found: {path}", field="table")])
    if path.suffix.lower() == ".parquet":
        header, rows = _parquet_rows(path, source)
    else:
        header, rows = _csv_rows(path, source)
    if not header:
        raise DataError.from_problems([Problem(source, "the table is empty (no header row)", field="header")])
    if len(header) == 1:
        for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if sep in header[0]:
                # spreadsheets in many locales save "CSV" with semicolons
                raise DataError.from_problems(
                    [
                        Problem(
                            source,
                            f"the header is one column '{shown(header[0])}': the file looks "
                            f"{name}-separated; expected comma-separated CSV (UTF-8) or Parquet",
                            field="header",
                        )
                    ]
                )
    bad = [h for h in header if _CONTROL.search(h)]
    if bad:
        raise DataError.from_problems(
            [Problem(source, f"column name {shown(bad[0])!r} holds a control character", field="header")]
        )
    repeated = [h for i, h in enumerate(header) if h in header[:i]]
    if repeated:
        raise DataError.from_problems(
            [
                Problem(
                    source,
                    f"column '{shown(h)}' appears twice in the header (a row would keep only one of "
                    "its cells)",
                    field="header",
                )
                for h in dict.fromkeys(repeated)
            ]
        )
    return header, rows


def _parquet_rows(path: Path, source: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for a damaged or foreign file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError.from_problems(
            [Problem(source, f"not a readable Parquet table: {shown(reason)}", field="table")]
        ) from None
    header = [str(c).strip() for c in frame.columns]
    rows = [
        (i + 1, {c: "" if _is_missing(v) else str(v).strip() for c, v in zip(header, rec, strict=True)})
        for i, rec in enumerate(frame.itertuples(index=False, name=None))
    ]
    return header, rows


def _csv_rows(path: Path, source: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError.from_problems(
            [Problem(source, f"cannot read: {exc.strerror or exc}", field="table")]
        ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError.from_problems(
            [
                Problem(
                    source, "the file is UTF-16 text; expected UTF-8 (save it as CSV UTF-8)", field="header"
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n")  # 0 is the header; N is row N but for quoted newlines
        where = {"row": line} if line else {"field": "header"}
        raise DataError.from_problems(
            [
                Problem(
                    source,
                    f"not UTF-8 text: {exc.reason} (byte 0x{data[exc.start]:02x}); save the table as "
                    "CSV UTF-8",
                    **where,  # type: ignore[arg-type]
                )
            ]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    row = 0
    header: list[str] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        rows = []
        for row, record in enumerate(reader, start=1):
            if not record or all(not c.strip() for c in record):
                continue
            if len(record) != len(header):
                raise DataError.from_problems(
                    [
                        Problem(
                            source,
                            f"expected {len(header)} cells as in the header, got {len(record)}",
                            row=row,
                        )
                    ]
                )
            rows.append((row, {h: c.strip() for h, c in zip(header, record, strict=True)}))
    except csv.Error as exc:
        where = {"row": row + 1} if header else {"field": "header"}
        raise DataError.from_problems(
            [Problem(source, f"CSV syntax error: {exc}", **where)]  # type: ignore[arg-type]
        ) from None
    return header, rows


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def read_store_table(path: Path, source: str, defaults: StoreDefaults) -> StoreFrame:
    """Read and validate a store table; collect every problem before raising.

    A large table is read column by column; one with a problem (or a cell only this row
    reader reads) is read again row by row, which reports every problem by row and column.
    """
    if path.suffix.lower() == ".parquet" or _size(path) >= COLUMNAR_MIN_BYTES:
        from aftershock.io.columnar import read_columnar

        frame = read_columnar(path, source, defaults)
        if frame is not None:
            return frame
    return read_store_table_by_rows(path, source, defaults)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # the row reader says why it cannot read the file
        return 0


def read_store_table_by_rows(path: Path, source: str, defaults: StoreDefaults) -> StoreFrame:
    """:func:`read_store_table` one row at a time: the reference the column reader matches."""
    header, rows = read_rows(path, source)
    problems: list[Problem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DataError.from_problems(
            [
                Problem(
                    source,
                    f"missing required column {', '.join(repr(c) for c in missing)} "
                    f"(the header has: {', '.join(shown(h) for h in header)})",
                    field="header",
                )
            ]
        )
    if not rows:
        raise DataError.from_problems([Problem(source, "the table has a header but no stores", row=1)])
    n = len(rows)
    numeric = {c: np.full(n, np.nan) for c in NUMERIC_COLUMNS}
    text_columns = [c for c in header if c not in NUMERIC_COLUMNS]
    text = {c: np.empty(n, dtype=object) for c in text_columns}
    seen: dict[str, int] = {}
    for i, (row_no, record) in enumerate(rows):
        problems.extend(_text_problems(record, row_no, source, seen))
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
            message = _number_problem(column, cell)
            if message:
                problems.append(Problem(source, message, row=row_no, field=f"column `{column}`"))
                continue
            numeric[column][i] = float(cell)
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem(source, f"stopped after {MAX_PROBLEMS} problems", row=row_no))
            break
    if problems:
        raise DataError.from_problems(problems)
    return _frame(numeric, text, defaults)


def _text_problems(record: dict[str, str], row_no: int, source: str, seen: dict[str, int]) -> list[Problem]:
    """Problems of a row's id (empty, repeated, not an id), region and text cells."""
    out = []
    store_id = record["id"]
    if not store_id:
        out.append(Problem(source, "expected a store id, got an empty cell", row=row_no, field="column `id`"))
    elif store_id in seen:
        out.append(
            Problem(
                source,
                f"duplicate store id '{shown(store_id)}' (first in row {seen[store_id]})",
                row=row_no,
                field="column `id`",
            )
        )
    elif len(store_id) > _MAX_ID or not _STORE_ID.fullmatch(store_id):
        out.append(
            Problem(
                source,
                "expected a store id of letters, digits, '-', '_' and '.', starting with a letter or "
                f"digit (at most {_MAX_ID} characters), got {shown(store_id)!r}",
                row=row_no,
                field="column `id`",
            )
        )
    else:
        seen[store_id] = row_no
    if not record["region"]:
        out.append(
            Problem(source, "expected a region, got an empty cell", row=row_no, field="column `region`")
        )
    for column, cell in record.items():
        if column != "id" and column not in NUMERIC_COLUMNS and _CONTROL.search(cell):
            out.append(
                Problem(
                    source,
                    f"expected text without control characters, got {shown(cell)!r}",
                    row=row_no,
                    field=f"column `{column}`",
                )
            )
    return out


def _number_problem(column: str, cell: str) -> str | None:
    """What is wrong with a cell of a numeric column, or None."""
    low, high, expected = _BOUNDS[column]
    try:
        value = float(cell)
    except ValueError:  # "ten", "1,5", a NUL byte
        value = math.nan
    is_whole = NUMERIC_COLUMNS[column] is int
    # a number too large for a float ("1e999", 400 digits) reads as inf: it is too large, not text
    if (math.isfinite(value) and value > high) or (value == math.inf and any(c.isdigit() for c in cell)):
        at_most = "" if " to " in expected else f" and at most {high:g}"  # ranges name their top
        return f"expected {expected}{at_most}, got {shown(cell)!r}"
    if not math.isfinite(value) or value < low or (is_whole and not value.is_integer()):
        return f"expected {expected}, got {shown(cell)!r}"
    return None


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
        latitude=_given(numeric["latitude"]),
        longitude=_given(numeric["longitude"]),
    )


def _given(column: np.ndarray) -> np.ndarray | None:
    """An optional column as read (NaN in empty cells); None when no cell holds a value."""
    return None if np.isnan(column).all() else column.astype(float)
