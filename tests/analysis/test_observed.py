"""Observed timelines: read with every point placed on the scenario's days; each bad file is one
message naming the file, the row and the column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aftershock.errors import DataError
from aftershock.io.observed import default_tolerance, read_observed

START = dt.date(2024, 3, 1)


def read(tmp_path: Path, text: str, **kw: object) -> list:
    path = tmp_path / "obs.csv"
    path.write_text(text, encoding="utf-8")
    args = {"start_date": START, "horizon_days": 14, "n_stores": 40, **kw}
    return read_observed(path, **args)  # type: ignore[arg-type]


def problem(tmp_path: Path, text: str, **kw: object) -> str:
    with pytest.raises(DataError) as info:
        read(tmp_path, text, **kw)
    return "\n".join(info.value.lines)


def test_points_are_placed_on_days_with_their_tolerance(tmp_path: Path) -> None:
    points = read(
        tmp_path,
        "date,series,value,tolerance,source,note\n"
        "2024-03-05,stores_closed,34,2,a report,Tuesday\n"
        "2024-03-04,stores_open,0,,b,\n"
        "2024-03-06,shipped_units,500,,c,\n",
    )
    assert [(p.day, p.series, p.value, p.tolerance) for p in points] == [
        (3, "stores_open", 0.0, 1.0),  # no tolerance: 10%, at least 1
        (4, "stores_closed", 34.0, 2.0),
        (5, "shipped_units", 500.0, 50.0),
    ]
    assert points[1].source == "a report" and points[1].note == "Tuesday" and points[1].row == 1
    assert default_tolerance(500) == 50 and default_tolerance(3) == 1


def test_days_instead_of_dates_and_one_series_for_the_file(tmp_path: Path) -> None:
    points = read(tmp_path, "day,value\n4,30\n5,24\n", series="stores_closed", start_date=None)
    assert [(p.day, p.series, p.date) for p in points] == [
        (4, "stores_closed", None),
        (5, "stores_closed", None),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # unknown dates
        (
            "date,series,value\n2024-03-05,stores_closed,3\n2024-02-30,stores_closed,3\n",
            "obs.csv row 2: column `date`: expected a date as YYYY-MM-DD, got '2024-02-30'",
        ),
        (
            "date,series,value\n2024-03-20,stores_closed,3\n",
            "obs.csv row 1: column `date`: 2024-03-20 is outside the scenario's horizon (2024-03-01 to "
            "2024-03-14, days 0-13)",
        ),
        (
            "date,series,value\n2024-02-28,stores_closed,3\n",
            "obs.csv row 1: column `date`: 2024-02-28 is outside",
        ),
        # gaps: an empty date, series or value
        (
            "date,series,value\n,stores_closed,3\n",
            "obs.csv row 1: column `date`: expected a date (YYYY-MM-DD), got an empty cell",
        ),
        (
            "date,series,value\n2024-03-05,stores_closed,\n",
            "obs.csv row 1: column `value`: expected a number, got an empty cell",
        ),
        ("date,series,value\n2024-03-05,,3\n", "obs.csv row 1: column `series`: expected a series"),
        # non-numbers and values out of range
        (
            "date,series,value\n2024-03-05,stores_closed,ten\n",
            "obs.csv row 1: column `value`: expected a number from 0 to 1e+12, got 'ten'",
        ),
        (
            "date,series,value\n2024-03-05,stores_closed,nan\n",
            "obs.csv row 1: column `value`: expected a number",
        ),
        (
            "date,series,value\n2024-03-05,stores_closed,-2\n",
            "obs.csv row 1: column `value`: expected a number",
        ),
        (
            "date,series,value\n2024-03-05,stores_closed,41\n",
            "obs.csv row 1: column `value`: the scenario has 40 stores, got 41 stores closed",
        ),
        (
            "date,series,value,tolerance\n2024-03-05,stores_closed,4,0\n",
            "obs.csv row 1: column `tolerance`: expected a number > 0 (or an empty cell for 10%), got '0'",
        ),
        (
            "date,series,value,tolerance\n2024-03-05,stores_closed,4,1;5\n",
            "obs.csv row 1: column `tolerance`",
        ),
        # names
        (
            "date,series,value\n2024-03-05,stores_close,4\n",
            "obs.csv row 1: column `series`: expected one of stores_closed, stores_open, shipped_units, "
            "backlog_units, got 'stores_close'; did you mean 'stores_closed'?",
        ),
        (
            "date,series,value\n2024-03-05,stores_closed,4\n2024-03-05,stores_closed,5\n",
            "obs.csv row 2: column `date`: a second stores_closed on day 4 (first in row 1)",
        ),
        (
            "date,series,value,tolerence\n2024-03-05,stores_closed,4,1\n",
            "obs.csv: header: unknown column 'tolerence'",
        ),
        ("date,series\n2024-03-05,stores_closed\n", "obs.csv: header: missing required column 'value'"),
        ("series,value\nstores_closed,4\n", "obs.csv: header: expected one column `date`"),
        (
            "date,day,series,value\n2024-03-05,4,stores_closed,4\n",
            "obs.csv: header: expected one column `date`",
        ),
        ("date,value\n2024-03-05,4\n", "obs.csv: header: missing column 'series'"),
        (
            "day,series,value\n14,stores_closed,4\n",
            "obs.csv row 1: column `day`: day 14 is outside the scenario's horizon (days 0-13)",
        ),
        (
            "day,series,value\n2.5,stores_closed,4\n",
            "obs.csv row 1: column `day`: expected a whole day number",
        ),
        ("date,series,value\n", "obs.csv row 1: the file has a header but no observed points"),
    ],
)
def test_each_bad_file_names_file_row_and_column(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in problem(tmp_path, text)


def test_dates_need_a_start_date(tmp_path: Path) -> None:
    message = problem(tmp_path, "date,series,value\n2024-03-05,stores_closed,4\n", start_date=None)
    assert "obs.csv: header: the scenario has no start_date" in message


def test_every_bad_row_is_reported(tmp_path: Path) -> None:
    message = problem(tmp_path, "date,series,value\n2024-03-05,stores_closed,x\n2024-03-06,stores_closed,y\n")
    assert "row 1" in message and "row 2" in message


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_observed(tmp_path / "nope.csv", start_date=START, horizon_days=14, n_stores=4)
