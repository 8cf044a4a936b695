"""The column reader of the store table reads every table as the row reader does, or declines.

``read_columnar`` may return ``None`` (the row reader then reads the table and reports its
problems); whenever it returns a frame, that frame must equal the row reader's, array for
array and dtype for dtype.
"""

from __future__ import annotations

import dataclasses
import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aftershock.errors import DataError
from aftershock.io import read_store_table
from aftershock.io.columnar import UNICODE_SPACES, read_columnar
from aftershock.io.tables import COLUMNAR_MIN_BYTES, read_store_table_by_rows
from aftershock.model import StoreDefaults
from aftershock.model.stores import StoreFrame

HEADER = "id,region,dc,format,demand_units_per_day,order_up_to_units,lead_time_days,order_weekday,latitude"
DEFAULTS = StoreDefaults(initial_cover_days=2, reorder_point_days=1)


def assert_same_frame(a: StoreFrame, b: StoreFrame) -> None:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, dict):
            assert list(x) == list(y), f.name
            for key in x:
                assert x[key].dtype == y[key].dtype and x[key].tolist() == y[key].tolist(), key
        elif x is None or y is None:  # optional columns (coordinates) the table left out
            assert x is None and y is None, f.name
        else:
            assert x.dtype == y.dtype, f.name
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), f.name


def both(path: Path) -> tuple[StoreFrame | None, StoreFrame | DataError]:
    """The column reader's frame (or None) and the row reader's frame (or its error)."""
    fast = read_columnar(path, path.name, DEFAULTS)
    try:
        slow: StoreFrame | DataError = read_store_table_by_rows(path, path.name, DEFAULTS)
    except DataError as exc:
        slow = exc
    return fast, slow


def table(n: int, *, newline: str = "\n") -> str:
    rows = [HEADER] + [
        f"g-{i:06d},Metro,dc-{i % 3},large,{100 + i % 977}.5,{400 + i},1,{i % 7},{40 + (i % 100) / 10}"
        for i in range(1, n + 1)
    ]
    return newline.join(rows) + newline


@pytest.mark.parametrize(
    "text",
    [
        table(50),
        table(50, newline="\r\n"),
        table(50, newline="\r"),
        table(50) + "\n\n\r\n",  # blank trailing lines
        table(3) + '"g-x","Väster, ""Nord""",dc-0,"large",7,,1,0,\n',  # quoted cells
        table(3) + 'g-y,"two\nlines",dc-0,x,7,,1,0,\n',  # a line break inside a quoted cell
        HEADER + "\n\ng-1,M,d,f,1,,,,\n\n\ng-2,M,d,f,2,,,,\n",  # blank lines between rows
        HEADER + "\n g-1 , M ,\td , f , 1e2 , +3 , 0 , 6 , -90 \n",  # cells are stripped
        HEADER + "\ng-1,M,,,.5,5.,-0,0,1E-999\n",  # empty optional cells take the defaults
        HEADER + "\ng-1,Malmö,d,f,0.1000000000000000055511151231257827021181583404541015625001,,,,\n",
    ],
)
def test_plain_tables_read_the_same_both_ways(tmp_path: Path, text: str) -> None:
    path = tmp_path / "stores.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # with a byte order mark
    fast, slow = both(path)
    assert isinstance(slow, StoreFrame) and fast is not None
    assert_same_frame(fast, slow)


# cells whose reading is easy to get subtly wrong: Python's float accepts some that a
# decimal pattern does not, str.strip removes Unicode spaces, csv has its quoting rules
NUMBER_CELLS = [
    "1", "1.5", "+2", "-0", ".5", "5.", "1e2", "1E-999", "1e999", "-1e999", "nan", "inf",
    "Infinity", "1_000", "１２", " 3 ", '"4"', '" 5 "', "", "0x10", '"1,5"', "-1", "7.0",
    "9" * 30, "1e", ".", "-", "\xa05", "5\u2003", "1\x1c", "0.30000000000000004",
]  # fmt: skip
TEXT_CELLS = [
    "a", " a ", '"a,b"', '"x""y"', '"ab"c', 'x"y', '"multi\nline"', "\xa0a", "Malmö",
    "a\tb", "", "\x1cq", "naïve", '"', '""', '" "', "\u3000", "a\x00b", "\x85",
]  # fmt: skip
ID_CELLS = ["s1", "s2", "s3", "", "s 1", '"s4"', "-s5", "s.6_7", " s8 ", "x" * 129, "ß9"]


def random_table(rng: random.Random) -> bytes:
    header = ["id", "region", "demand_units_per_day", "tier", "lead_time_days", "latitude"]
    lines = [",".join(header)]
    for i in range(rng.randint(0, 6)):
        cells = [f"s{i + 10}", "north", str(rng.randint(0, 50)), "A", "1", "10"]
        for _ in range(rng.choice([0, 0, 1, 2])):
            k = rng.randrange(len(cells))
            pool = ID_CELLS if k == 0 else NUMBER_CELLS if k in (2, 4, 5) else TEXT_CELLS
            cells[k] = rng.choice(pool)
        if rng.random() < 0.05:
            cells.append("extra")
        lines.append(",".join(cells))
        if rng.random() < 0.1:
            lines.append(rng.choice(["", "  ", ",,,,,", ",,"]))
    newline = rng.choice(["\n", "\r\n", "\r"])
    text = newline.join(lines) + rng.choice(["", newline, newline * 3])
    return (b"\xef\xbb\xbf" if rng.random() < 0.2 else b"") + text.encode("utf-8")


def test_random_tables_never_read_differently(tmp_path: Path) -> None:
    rng = random.Random(15)
    path = tmp_path / "stores.csv"
    taken = 0
    for _ in range(1500):
        path.write_bytes(random_table(rng))
        fast, slow = both(path)
        if fast is not None:
            assert isinstance(slow, StoreFrame), (path.read_bytes(), slow)
            assert_same_frame(fast, slow)
            taken += 1
    assert taken > 300  # the fast path is taken often enough to mean something


def test_the_unicode_spaces_are_those_str_strip_removes() -> None:
    spaces = [chr(c) for c in range(128, sys.maxunicode + 1) if chr(c).isspace()]
    assert "".join(spaces) == UNICODE_SPACES


TWO = {"id": ["a", "b"], "region": ["n", "s"]}
PARQUET_CASES = [
    ({**TWO, "demand_units_per_day": [1.5, 2.0], "tier": ["A", None]}, True),
    ({**TWO, "demand_units_per_day": [1, 2], "lead_time_days": [3, 4]}, True),
    ({**TWO, "demand_units_per_day": [1.0, 2], "on_hand_units": [1.0, None]}, True),
    ({**TWO, "region": [" n", "s "], "demand_units_per_day": ["1", " 2 "], "tier": ["A", "B"]}, True),
    ({**TWO, "demand_units_per_day": [0.1, 1e300]}, False),
    ({**TWO, "id": ["a", "a"], "demand_units_per_day": [1.0, 2.0]}, False),
    ({**TWO, "demand_units_per_day": [1.0, float("nan")]}, False),
    ({**TWO, "region": [1, 2], "demand_units_per_day": [1.0, 2.0]}, False),
    ({**TWO, "demand_units_per_day": [1.0, 2], "lead_time_days": [1.5, 2]}, False),
]


@pytest.mark.parametrize(("columns", "taken"), PARQUET_CASES)
def test_parquet_tables_read_the_same_both_ways(
    tmp_path: Path, columns: dict[str, list[object]], taken: bool
) -> None:
    path = tmp_path / "stores.parquet"
    pd.DataFrame(columns).to_parquet(path)
    fast, slow = both(path)
    assert (fast is not None) == taken
    if fast is not None:
        assert isinstance(slow, StoreFrame)
        assert_same_frame(fast, slow)


def test_a_filtered_frame_written_with_its_index_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "stores.parquet"
    frame = pd.DataFrame({"id": ["a", "b", "c"], "region": ["n"] * 3, "demand_units_per_day": [1.0, 2, 3]})
    frame[frame.id != "b"].to_parquet(path)  # pandas stores the index 0, 2 as a column
    _, slow = both(path)
    assert isinstance(slow, StoreFrame) and slow.ids.tolist() == ["a", "c"]
    assert read_store_table(path, "stores.parquet", DEFAULTS).ids.tolist() == ["a", "c"]


# --- large tables: read column by column, problems still named by row and column ---------


def large_table(tmp_path: Path, n: int = 100_000) -> Path:
    path = tmp_path / "stores.csv"
    path.write_text(table(n), encoding="utf-8")
    assert path.stat().st_size >= COLUMNAR_MIN_BYTES
    return path


def test_a_large_table_is_read_column_by_column(tmp_path: Path) -> None:
    path = large_table(tmp_path)
    fast = read_columnar(path, "stores.csv", DEFAULTS)
    assert fast is not None and len(fast) == 100_000
    frame = read_store_table(path, "stores.csv", DEFAULTS)
    assert_same_frame(frame, read_store_table_by_rows(path, "stores.csv", DEFAULTS))
    assert frame.ids[-1] == "g-100000" and frame.lead_time_days.dtype == np.int64


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("g-099999,Metro,dc-0,large,-4,1,1,0,0", "stores.csv row 99999: column `demand_units_per_day`: "
         "expected a number >= 0, got '-4'"),
        ("g-099999,Metro,dc-0,large,4,1,1.5,0,0", "stores.csv row 99999: column `lead_time_days`: "
         "expected a whole number of days from 0 to 365, got '1.5'"),
        ("g-000007,Metro,dc-0,large,4,1,1,0,0", "stores.csv row 99999: column `id`: "
         "duplicate store id 'g-000007' (first in row 7)"),
        ("g-099999,,dc-0,large,4,1,1,0,0", "stores.csv row 99999: column `region`: "
         "expected a region, got an empty cell"),
        ("g-099999,Metro,dc-0,large,4,1,1,0,ninety", "stores.csv row 99999: column `latitude`: "
         "expected a latitude from -90 to 90, got 'ninety'"),
        ("g-099999,Metro,dc-0,large,4,1,1,0",
         "stores.csv row 99999: expected 9 cells as in the header, got 8"),
    ],
)  # fmt: skip
def test_a_bad_row_near_the_end_of_a_large_table_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = large_table(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[99_999] = line  # line 0 is the header: this is row 99,999
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        read_store_table(path, "stores.csv", DEFAULTS)
    assert exc.value.lines == [message]
