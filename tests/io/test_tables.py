"""The store table: one test per class of bad input, each naming file, row and column."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aftershock.errors import DataError, Problem
from aftershock.io import load_scenario, read_store_table
from aftershock.io.tables import MAX_PROBLEMS
from aftershock.model import StoreDefaults
from aftershock.testing import stores_csv, write_scenario

HEADER = ["id", "region", "pos_system", "demand_units_per_day"]


def read(tmp_path: Path, text: str, defaults: StoreDefaults | None = None):
    path = tmp_path / "stores.csv"
    path.write_text(text, encoding="utf-8")
    return read_store_table(path, "stores.csv", defaults or StoreDefaults())


def problems_of(tmp_path: Path, text: str) -> list[Problem]:
    with pytest.raises(DataError) as exc:
        read(tmp_path, text)
    return exc.value.problems


def test_a_good_table_becomes_arrays_with_defaults(tmp_path: Path) -> None:
    defaults = StoreDefaults(lead_time_days=2, review_period_days=3, cover_days=5)
    frame = read(tmp_path, stores_csv(), defaults)
    assert frame.ids.tolist() == ["s1", "s2", "s3", "s4"]
    assert frame.demand_units_per_day.tolist() == [10, 20, 30, 40]
    assert frame.order_up_to_units.tolist() == [50, 100, 150, 200]  # demand × cover_days
    assert frame.lead_time_days.tolist() == [2] * 4
    assert frame.review_period_days.tolist() == [3] * 4
    assert frame.order_weekday.tolist() == [0, 1, 2, 3]  # spread over the week by position
    assert np.isinf(frame.reorder_point_units).all()  # order up to S at every review
    assert np.isnan(frame.on_hand_units).all()  # start in the steady state
    assert frame.regions.tolist() == ["north", "north", "south", "south"]
    assert frame.attributes["pos_system"].tolist() == ["a", "a", "b", "a"]


def test_cells_override_defaults_and_empty_cells_fall_back(tmp_path: Path) -> None:
    header = [*HEADER, "lead_time_days", "on_hand_units", "order_weekday"]
    rows = [("s1", "r", "a", 10, 3, 7, 6), ("s2", "r", "a", 20, "", "", "")]
    frame = read(tmp_path, stores_csv(rows, header), StoreDefaults(initial_cover_days=2))
    assert frame.lead_time_days.tolist() == [3, 1]
    assert frame.on_hand_units.tolist() == [7, 40]  # 20 a day × 2 days of cover
    assert frame.order_weekday.tolist() == [6, 1]


def test_missing_required_column(tmp_path: Path) -> None:
    text = stores_csv([("s1", "north", "a")], ["id", "region", "pos_system"])
    [problem] = problems_of(tmp_path, text)
    assert problem.source == "stores.csv" and problem.row is None
    assert problem.message == (
        "missing required column 'demand_units_per_day' (the header has: id, region, pos_system)"
    )


def test_negative_demand_names_row_and_column(tmp_path: Path) -> None:
    rows = [("s1", "north", "a", 10), ("s2", "north", "a", -3)]
    [problem] = problems_of(tmp_path, stores_csv(rows))
    assert (problem.source, problem.row, problem.field) == (
        "stores.csv",
        2,
        "column `demand_units_per_day`",
    )
    assert str(problem) == (
        "stores.csv row 2: column `demand_units_per_day`: expected a number >= 0, got '-3'"
    )


@pytest.mark.parametrize("cell", ["ten", "1,5", "nan", "inf", "0x10"])
def test_non_numeric_demand(tmp_path: Path, cell: str) -> None:
    rows = [("s1", "north", "a", 10), ("s2", "north", "a", 5), ("s3", "north", "a", f'"{cell}"')]
    [problem] = problems_of(tmp_path, stores_csv(rows))
    assert (problem.row, problem.field) == (3, "column `demand_units_per_day`")
    assert problem.message == f"expected a number >= 0, got '{cell}'"


@pytest.mark.parametrize(
    ("column", "cell", "expected"),
    [
        ("lead_time_days", "1.5", "a whole number of days from 0 to 365"),
        ("review_period_days", "0", "a whole number of days from 1 to 365"),
        ("order_weekday", "7", "a weekday number from 0 (Monday) to 6 (Sunday)"),
        ("latitude", "91", "a latitude from -90 to 90"),
    ],
)
def test_whole_numbers_and_ranges(tmp_path: Path, column: str, cell: str, expected: str) -> None:
    rows = [("s1", "north", "a", 10, cell)]
    [problem] = problems_of(tmp_path, stores_csv(rows, [*HEADER, column]))
    assert str(problem) == f"stores.csv row 1: column `{column}`: expected {expected}, got '{cell}'"


def test_duplicate_store_id(tmp_path: Path) -> None:
    rows = [("s1", "north", "a", 10), ("s2", "north", "a", 5), ("s1", "south", "b", 5)]
    [problem] = problems_of(tmp_path, stores_csv(rows))
    assert (problem.row, problem.field) == (3, "column `id`")
    assert problem.message == "duplicate store id 's1' (first in row 1)"


def test_empty_id_region_and_demand(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, stores_csv([("", "", "a", "")]))
    assert [(p.row, p.field, p.message) for p in problems] == [
        (1, "column `id`", "expected a store id, got an empty cell"),
        (1, "column `region`", "expected a region, got an empty cell"),
        (1, "column `demand_units_per_day`", "expected a number, got an empty cell"),
    ]


def test_row_with_the_wrong_number_of_cells(tmp_path: Path) -> None:
    text = stores_csv() + "s5,north,a,10,extra\n"
    [problem] = problems_of(tmp_path, text)
    assert str(problem) == "stores.csv row 5: expected 4 cells as in the header, got 5"


def test_duplicate_column_in_the_header(tmp_path: Path) -> None:
    text = stores_csv([("s1", "north", "a", 10, "south")], [*HEADER, "region"])
    [problem] = problems_of(tmp_path, text)
    assert (problem.source, problem.field) == ("stores.csv", "header")
    assert problem.message.startswith("column 'region' appears twice in the header")


def test_empty_table_and_header_only(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path, "")
    assert problem.message == "the table is empty (no header row)"
    [problem] = problems_of(tmp_path, ",".join(HEADER) + "\n")
    assert problem.message == "the table has a header but no stores"


def test_rows_count_data_lines_below_the_header(tmp_path: Path) -> None:
    # a blank line is skipped but still counted, so row N is line N + 1 of the file
    text = stores_csv([("s1", "north", "a", 10)]) + "\n" + "s2,north,a,-1\n"
    [problem] = problems_of(tmp_path, text)
    assert problem.row == 3
    assert text.splitlines()[problem.row] == "s2,north,a,-1"


def test_every_bad_row_is_reported(tmp_path: Path) -> None:
    rows = [("s1", "north", "a", -1), ("s2", "north", "a", 5), ("s3", "north", "a", "x")]
    rows.append(("s1", "north", "a", 1))
    problems = problems_of(tmp_path, stores_csv(rows))
    assert [p.row for p in problems] == [1, 3, 4]
    with pytest.raises(DataError, match=r"^3 problems in data:\n"):
        read(tmp_path, stores_csv(rows))


def test_problems_stop_after_a_limit(tmp_path: Path) -> None:
    rows = [(f"s{i}", "north", "a", -1) for i in range(MAX_PROBLEMS + 20)]
    problems = problems_of(tmp_path, stores_csv(rows))
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].message == f"stopped after {MAX_PROBLEMS} problems"


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "stores.csv"
    path.write_bytes(b"\xef\xbb\xbf" + stores_csv().encode("utf-8"))
    frame = read_store_table(path, "stores.csv", StoreDefaults())
    assert "id" in frame.attributes and len(frame) == 4


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "stores.csv"
    path.write_bytes(stores_csv([("s1", "Malmö", "a", 1)]).encode("latin-1"))
    with pytest.raises(DataError) as exc:
        read_store_table(path, "stores.csv", StoreDefaults())
    assert exc.value.problems[0].message.startswith("not UTF-8 text")


def test_parquet_tables_are_checked_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "stores.parquet"
    pd.DataFrame(
        {"id": ["s1", "s2"], "region": ["north", "south"], "demand_units_per_day": [1.5, math.nan]}
    ).to_parquet(path)
    with pytest.raises(DataError) as exc:
        read_store_table(path, "stores.parquet", StoreDefaults())
    [problem] = exc.value.problems
    assert str(problem) == (
        "stores.parquet row 2: column `demand_units_per_day`: expected a number, got an empty cell"
    )


def test_loader_reports_table_problems_in_context(tmp_path: Path) -> None:
    rows = [("s1", "north", "a", 10), ("s2", "north", "b", -3)]
    with pytest.raises(DataError) as exc:
        load_scenario(write_scenario(tmp_path, stores=stores_csv(rows)))
    assert str(exc.value) == (
        "in the store table of scenario.yaml:\n"
        "stores.csv row 2: column `demand_units_per_day`: expected a number >= 0, got '-3'"
    )
    assert exc.value.lines == [
        "stores.csv row 2: column `demand_units_per_day`: expected a number >= 0, got '-3'"
    ]


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_a_table_saved_with_another_separator_says_so(tmp_path: Path, sep: str, name: str) -> None:
    text = f"id{sep}region{sep}demand_units_per_day\ns1{sep}north{sep}10\n"
    (problem,) = problems_of(tmp_path, text)
    assert f"looks {name}-separated" in problem.message and "comma-separated" in problem.message
    assert problem.field == "header"


# --- hostile cells: every one a row-numbered problem, never a crash or a silent inf -------


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1e200", "expected a number >= 0 and at most 1e+09, got '1e200'"),
        ("9" * 400, "expected a number >= 0 and at most 1e+09, got '" + "9" * 37 + "...'"),
        ("1e999", "expected a number >= 0 and at most 1e+09, got '1e999'"),
        ("-1e999", "expected a number >= 0, got '-1e999'"),
        ("Infinity", "expected a number >= 0, got 'Infinity'"),
        ("-nan", "expected a number >= 0, got '-nan'"),
        ("1\x002", "expected a number >= 0, got '1\\x002'"),
    ],
)
def test_huge_and_non_finite_demand(tmp_path: Path, cell: str, message: str) -> None:
    rows = [("s1", "north", "a", 10), ("s2", "north", "a", cell)]
    [problem] = problems_of(tmp_path, stores_csv(rows))
    assert (problem.row, problem.field, problem.message) == (2, "column `demand_units_per_day`", message)


@pytest.mark.parametrize("column", ["on_hand_units", "order_up_to_units", "reorder_point_units"])
def test_stock_levels_are_bounded(tmp_path: Path, column: str) -> None:
    [problem] = problems_of(tmp_path, stores_csv([("s1", "north", "a", 10, "1e300")], [*HEADER, column]))
    assert (problem.row, problem.field) == (1, f"column `{column}`")
    assert "at most 1e+12" in problem.message


def test_a_nul_byte_in_a_text_cell(tmp_path: Path) -> None:
    rows = [("s1", "north", "a", 10), ("s2", "no\x00rth", "a", 5)]
    [problem] = problems_of(tmp_path, stores_csv(rows))
    assert (problem.row, problem.field) == (2, "column `region`")
    assert problem.message == "expected text without control characters, got 'no\\x00rth'"


@pytest.mark.parametrize("store_id", ["s 1", "../s1", "[bold]s1", "-s1", "s\x001", "x" * 129])
def test_store_ids_follow_the_id_rule(tmp_path: Path, store_id: str) -> None:
    [problem] = problems_of(tmp_path, stores_csv([("s0", "north", "a", 1), (store_id, "north", "a", 10)]))
    assert (problem.row, problem.field) == (2, "column `id`")
    assert problem.message.startswith("expected a store id of letters, digits")


def test_not_utf8_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "stores.csv"
    path.write_bytes(stores_csv([("s1", "north", "a", 1), ("s2", "Malmö", "a", 1)]).encode("latin-1"))
    with pytest.raises(DataError) as exc:
        read_store_table(path, "stores.csv", StoreDefaults())
    [problem] = exc.value.problems
    assert problem.row == 2
    assert problem.message == ("not UTF-8 text: invalid start byte (byte 0xf6); save the table as CSV UTF-8")


def test_utf16_says_so(tmp_path: Path) -> None:
    path = tmp_path / "stores.csv"
    path.write_bytes(stores_csv().encode("utf-16"))
    with pytest.raises(DataError) as exc:
        read_store_table(path, "stores.csv", StoreDefaults())
    [problem] = exc.value.problems
    assert problem.field == "header" and "UTF-16" in problem.message


def test_a_field_over_the_csv_limit_names_the_row(tmp_path: Path) -> None:
    rows = [("s1", "north", "a", 1), ("s2", "x" * 200_000, "a", 1)]
    [problem] = problems_of(tmp_path, stores_csv(rows))
    assert problem.row == 2 and problem.message.startswith("CSV syntax error: field larger than")


def test_a_damaged_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "stores.parquet"
    path.write_bytes(b"PAR1" + bytes(range(256)) * 4)
    with pytest.raises(DataError) as exc:
        read_store_table(path, "stores.parquet", StoreDefaults())
    [problem] = exc.value.problems
    assert problem.field == "table" and problem.message.startswith("not a readable Parquet table")


def test_every_problem_of_a_table_has_a_row_or_field(tmp_path: Path) -> None:
    for text in ["", ",".join(HEADER) + "\n", "id,region\ns1,north\n", "\xa0;x\n"]:
        for problem in problems_of(tmp_path, text):
            assert problem.row is not None or problem.field, problem


def test_a_table_name_too_long_for_the_file_system(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        read_store_table(tmp_path / ("x" * 300 + ".csv"), "x.csv", StoreDefaults())
    [problem] = exc.value.problems
    assert problem.field == "table" and problem.message == "cannot read: File name too long"
