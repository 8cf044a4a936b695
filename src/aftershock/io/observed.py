"""Read an observed timeline (CSV or Parquet): what was reported on which day, with its tolerance.

One row per reported point: ``date`` (or ``day``), ``series``, ``value``, optionally
``tolerance``, ``source`` and ``note``. Every problem names the file, the row and the
column; all of them are collected before anything is raised.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from aftershock.errors import DataError, Problem
from aftershock.io.tables import MAX_PROBLEMS, read_rows, shown
from aftershock.model.base import MAX_UNITS

#: Series an observed point may name, and what each is in the engine's daily results.
OBSERVED_SERIES: dict[str, str] = {
    "stores_closed": "stores that cannot sell at all that day (the engine's `stores_closed`)",
    "stores_open": "stores that can sell that day, even at reduced capacity (stores - `stores_closed`)",
    "shipped_units": "units shipped by the DCs to stores that day (`shipped_units`)",
    "backlog_units": "units of open store orders waiting at the DCs at the end of the day (`backlog_units`)",
}

#: Columns an observed file may have.
COLUMNS = ("date", "day", "series", "value", "tolerance", "source", "note")

#: The tolerance of a point that gives none: this share of its value, at least :data:`MIN_TOLERANCE`.
DEFAULT_TOLERANCE_SHARE = 0.10
#: The smallest default tolerance (a point observed at 0 still has a band).
MIN_TOLERANCE = 1.0


@dataclass(frozen=True)
class ObservedPoint:
    """One reported value: on ``day`` (``date``), ``series`` was ``value`` ± ``tolerance``."""

    row: int
    day: int
    date: dt.date | None
    series: str
    value: float
    tolerance: float
    source: str = ""
    note: str = ""

    @property
    def low(self) -> float:
        return self.value - self.tolerance

    @property
    def high(self) -> float:
        return self.value + self.tolerance

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "day": self.day,
            "date": None if self.date is None else self.date.isoformat(),
            "series": self.series,
            "value": self.value,
            "tolerance": self.tolerance,
            "source": self.source,
            "note": self.note,
        }


def default_tolerance(value: float) -> float:
    """The tolerance of a point without one: 10% of its value, at least 1."""
    return max(DEFAULT_TOLERANCE_SHARE * abs(value), MIN_TOLERANCE)


def read_observed(
    path: Path,
    *,
    start_date: dt.date | None,
    horizon_days: int,
    n_stores: int,
    series: str | None = None,
    source: str | None = None,
) -> list[ObservedPoint]:
    """Read and check an observed timeline for a scenario starting ``start_date`` (day 0).

    ``series`` is the series of every row of a file without a ``series`` column. A date
    before day 0 or past the horizon, a gap (an empty date, series or value), a
    non-number, a negative value or tolerance, a store count above ``n_stores``, an
    unknown column or series and a repeated (day, series) are each a :class:`DataError`
    naming the row and column.
    """
    name = source or Path(path).name
    header, rows = read_rows(Path(path), name)
    problems: list[Problem] = []
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        problems.append(
            Problem(
                name,
                f"unknown column '{shown(unknown[0])}'; expected date (or day), series, value, "
                "and optionally tolerance, source, note",
                field="header",
            )
        )
    has_date, has_day = "date" in header, "day" in header
    if has_date == has_day:
        problems.append(
            Problem(
                name,
                "expected one column `date` (YYYY-MM-DD) or `day` (0 = the scenario's day 0)"
                + (", not both" if has_date else ""),
                field="header",
            )
        )
    if "value" not in header:
        problems.append(Problem(name, "missing required column 'value'", field="header"))
    if "series" not in header and series is None:
        problems.append(
            Problem(
                name,
                f"missing column 'series' (one of {', '.join(OBSERVED_SERIES)}); add it, or name "
                "the series of every row with --series",
                field="header",
            )
        )
    if series is not None and series not in OBSERVED_SERIES:
        raise DataError.from_problems(
            [Problem("--series", f"expected one of {', '.join(OBSERVED_SERIES)}, got '{shown(series)}'")]
        )
    if has_date and start_date is None:
        problems.append(
            Problem(
                name,
                "the scenario has no start_date, so dates cannot be placed on its days; give "
                "a `day` column instead (0 = the first day of the horizon)",
                field="header",
            )
        )
    if problems:
        raise DataError.from_problems(problems)
    if not rows:
        raise DataError.from_problems([Problem(name, "the file has a header but no observed points", row=1)])
    points: list[ObservedPoint] = []
    seen: dict[tuple[int, str], int] = {}
    for row, record in rows:
        found = _point(record, row, name, start_date, horizon_days, n_stores, series)
        if isinstance(found, Problem):
            problems.append(found)
        else:
            key = (found.day, found.series)
            if key in seen:
                problems.append(
                    Problem(
                        name,
                        f"a second {found.series} on day {found.day} (first in row {seen[key]}); "
                        "give one value a day per series",
                        row=row,
                        field="column `date`" if has_date else "column `day`",
                    )
                )
            else:
                seen[key] = row
                points.append(found)
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem(name, f"stopped after {MAX_PROBLEMS} problems", row=row))
            break
    if problems:
        raise DataError.from_problems(problems)
    return sorted(points, key=lambda p: (p.day, p.series))


def _point(
    record: dict[str, str],
    row: int,
    name: str,
    start_date: dt.date | None,
    horizon_days: int,
    n_stores: int,
    series_default: str | None,
) -> ObservedPoint | Problem:
    """The row as a point, or its first problem."""

    def problem(column: str, message: str) -> Problem:
        return Problem(name, message, row=row, field=f"column `{column}`")

    date: dt.date | None = None
    if "date" in record:
        text = record["date"]
        if not text:
            return problem("date", "expected a date (YYYY-MM-DD), got an empty cell")
        try:
            date = dt.date.fromisoformat(text)
        except ValueError:
            return problem("date", f"expected a date as YYYY-MM-DD, got '{shown(text)}'")
        assert start_date is not None  # checked with the header
        day = (date - start_date).days
        last = start_date + dt.timedelta(days=horizon_days - 1)
        if not 0 <= day < horizon_days:
            return problem(
                "date",
                f"{date.isoformat()} is outside the scenario's horizon ({start_date.isoformat()} to "
                f"{last.isoformat()}, days 0-{horizon_days - 1})",
            )
    else:
        text = record["day"]
        if not text:
            return problem("day", "expected a day number, got an empty cell")
        number = _number(text)
        if number is None or not number.is_integer():
            return problem("day", f"expected a whole day number, got '{shown(text)}'")
        day = int(number)
        if not 0 <= day < horizon_days:
            return problem("day", f"day {day} is outside the scenario's horizon (days 0-{horizon_days - 1})")
    series = record.get("series", "") if "series" in record else (series_default or "")
    if not series:
        return problem("series", f"expected a series ({', '.join(OBSERVED_SERIES)}), got an empty cell")
    if series not in OBSERVED_SERIES:
        import difflib

        close = difflib.get_close_matches(series, list(OBSERVED_SERIES), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return problem("series", f"expected one of {', '.join(OBSERVED_SERIES)}, got '{shown(series)}'{hint}")
    text = record["value"]
    if not text:
        return problem("value", "expected a number, got an empty cell")
    value = _number(text)
    if value is None or value < 0 or value > MAX_UNITS:
        return problem("value", f"expected a number from 0 to {MAX_UNITS:.0e}, got '{shown(text)}'")
    if series.startswith("stores_") and value > n_stores:
        return problem(
            "value", f"the scenario has {n_stores} stores, got {value:g} {series.replace('_', ' ')}"
        )
    text = record.get("tolerance", "")
    if text:
        tolerance = _number(text)
        if tolerance is None or not 0 < tolerance <= MAX_UNITS:
            return problem(
                "tolerance", f"expected a number > 0 (or an empty cell for 10%), got '{shown(text)}'"
            )
    else:
        tolerance = default_tolerance(value)
    return ObservedPoint(
        row=row,
        day=day,
        date=date if date is not None else (None if start_date is None else start_date + dt.timedelta(day)),
        series=series,
        value=value,
        tolerance=tolerance,
        source=record.get("source", ""),
        note=record.get("note", ""),
    )


def _number(text: str) -> float | None:
    """A finite number, or None ("ten", "1,5", "nan", "inf")."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
