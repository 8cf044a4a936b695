"""The fast path of the store table: parse and check it column by column with pyarrow.

:func:`aftershock.io.tables.read_store_table` reads a table row by row in Python, which
costs about 8 µs a row. This module reads the same CSV or Parquet file with pyarrow and
checks every rule with one vectorised test per column. It never reports a problem itself:
whenever the table has one, or holds anything whose meaning it could read differently from
the row reader (a cell Python's ``float`` reads but a plain decimal pattern does not,
Unicode whitespace, a control character, a malformed quote, ...), it returns ``None`` and
the row reader reads the table again, so every message (file, row, column, what was
expected) and every accepted value stays exactly as the row reader makes them.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from aftershock.model.network import StoreDefaults
from aftershock.model.stores import NUMERIC_COLUMNS, REQUIRED_COLUMNS, StoreFrame

if TYPE_CHECKING:
    import pyarrow as pa

#: A cell both Python's ``float`` and Arrow's string-to-double cast read, to the same value
#: (both round correctly). Anything else (``nan``, ``1_000``, full-width digits) goes to
#: the row reader, which accepts or refuses it as it always has.
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"

#: A store id, as ``tables._STORE_ID`` (RE2 syntax; ``$`` is the end of the text).
_STORE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"

#: Bytes of the characters ``tables._CONTROL`` refuses in a text cell. They also cover
#: Python's ASCII whitespace beyond space, tab, CR and LF (\x0b \x0c \x1c-\x1f), so every
#: cell left needs only Arrow's ASCII trim to be stripped as ``str.strip`` strips it.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])

#: UTF-8 of the characters above U+007F that ``str.strip`` removes (``str.isspace``); a
#: table holding one goes to the row reader rather than teach Arrow Python's whitespace.
UNICODE_SPACES = (
    "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_UNICODE_SPACE = re.compile("[" + UNICODE_SPACES + "]")


def read_columnar(path: Path, source: str, defaults: StoreDefaults) -> StoreFrame | None:
    """The validated store table read column by column, or ``None`` when the row reader
    must read it (a problem to report, or a cell whose reading only it decides)."""
    del source  # problems are the row reader's to report
    found = _parquet_columns(path) if path.suffix.lower() == ".parquet" else _csv_columns(path)
    if found is None:
        return None
    header, columns = found
    return _checked_frame(header, columns, defaults)


def _csv_columns(path: Path) -> tuple[list[str], list[pa.Array]] | None:
    """Header and string columns of a CSV file, blank rows dropped; None if not plain."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pa_csv

    try:
        data = path.read_bytes()
    except OSError:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.translate(None, _CONTROL_BYTES) != data:
        return None
    # an odd number of quotes leaves a field open at the end: the row reader says where
    if data.count(b'"') % 2:
        return None
    try:
        text = data.decode("utf-8")
        raw_header = next(csv.reader(io.StringIO(text, newline="")), [])
    except (UnicodeDecodeError, csv.Error):
        return None
    if not data.isascii() and _UNICODE_SPACE.search(text):
        return None
    if len(raw_header) < len(REQUIRED_COLUMNS):
        return None
    names = [f"c{i}" for i in range(len(raw_header))]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            read_options=pa_csv.ReadOptions(column_names=names),
            # a blank line becomes a row of empty cells, so rows keep the row reader's numbers
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, ValueError):  # a row with another number of cells, say
        return None
    if table.num_rows == 0 or [table.column(n)[0].as_py() for n in names] != raw_header:
        return None
    limit = csv.field_size_limit()
    columns: list[pa.Array] = []
    for name in names:
        column = table.column(name).combine_chunks()
        if len(column) and pc.max(pc.binary_length(column)).as_py() >= limit:
            return None  # the row reader's csv module refuses such a field
        columns.append(pc.ascii_trim_whitespace(column))
    blank = pc.equal(columns[0], "")
    for column in columns[1:]:
        blank = pc.and_(blank, pc.equal(column, ""))
    keep = pc.invert(blank)
    keep = pa.concat_arrays([pa.array([False]), keep.slice(1)])  # row 0 is the header
    header = [h.strip() for h in raw_header]
    return header, [c.filter(keep) for c in columns]


def _parquet_columns(path: Path) -> tuple[list[str], list[pa.Array]] | None:
    """Header and columns of a Parquet file as the row reader sees them; None if unsure."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception:  # the row reader names a damaged file
        return None
    metadata = table.schema.pandas_metadata or {}
    if any(isinstance(c, str) for c in metadata.get("index_columns", [])):
        return None  # pandas makes such columns the index, not cells
    header = [str(n).strip() for n in table.column_names]
    columns: list[pa.Array] = []
    for name, column in zip(header, table.columns, strict=True):
        array = column.combine_chunks()
        if pa.types.is_dictionary(array.type) and pa.types.is_string(array.type.value_type):
            array = array.cast(pa.string())
        if pa.types.is_large_string(array.type):
            array = array.cast(pa.string())
        if pa.types.is_string(array.type):
            if pc.any(pc.match_substring_regex(array, r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")).as_py():
                return None
            if pc.any(pc.match_substring_regex(array, "[" + UNICODE_SPACES + "]")).as_py():
                return None
            array = pc.ascii_trim_whitespace(array.fill_null(""))
        elif name in NUMERIC_COLUMNS and (pa.types.is_integer(array.type) or pa.types.is_float64(array.type)):
            pass  # a float64 or integer prints and reads back as the same number
        else:
            return None  # the row reader decides how such a cell reads (str of the value)
        columns.append(array)
    return header, columns


def _checked_frame(header: list[str], columns: list[pa.Array], defaults: StoreDefaults) -> StoreFrame | None:
    """The frame of the table's columns if every rule holds, else None."""
    import pyarrow.compute as pc

    from aftershock.io.tables import _BOUNDS, _MAX_ID, _frame

    if len(set(header)) != len(header) or any(c not in header for c in REQUIRED_COLUMNS):
        return None
    by_name = dict(zip(header, columns, strict=True))
    n = len(columns[0])
    if n == 0:
        return None
    ids = by_name["id"]
    if not pc.all(pc.match_substring_regex(ids, _STORE_ID)).as_py():
        return None  # also an empty id
    if pc.max(pc.utf8_length(ids)).as_py() > _MAX_ID or pc.count_distinct(ids).as_py() != n:
        return None
    if pc.any(pc.equal(by_name["region"], "")).as_py():
        return None
    numeric = {}
    for column, kind in NUMERIC_COLUMNS.items():
        values = np.full(n, np.nan)
        if column in by_name:
            found = _numbers(by_name[column], required=column in REQUIRED_COLUMNS)
            if found is None:
                return None
            values = found
            low, high, _ = _BOUNDS[column]
            given = values[~np.isnan(values)]
            if not ((given >= low) & (given <= high)).all():  # inf fails here too
                return None
            if kind is int and not (given == np.floor(given)).all():
                return None
        numeric[column] = values
    text = {c: a.to_numpy(zero_copy_only=False) for c, a in by_name.items() if c not in NUMERIC_COLUMNS}
    return _frame(numeric, text, defaults)


def _numbers(array: pa.Array, *, required: bool) -> np.ndarray | None:
    """Float values of a numeric column (NaN for an empty cell); None if the row reader
    must read it (a cell that is not a plain decimal, or an empty required cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(array.type):
        try:
            values = array.cast(pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:  # an integer a double cannot hold exactly
            return None
        values = np.asarray(values, dtype=float)  # a null is NaN: an empty cell
        return None if required and np.isnan(values).any() else values
    empty = pc.equal(array, "")
    if required and pc.any(empty).as_py():
        return None
    plain = pc.match_substring_regex(array, _PLAIN_NUMBER)
    if not pc.all(pc.or_(plain, empty)).as_py():
        return None
    try:
        cast = pc.cast(pc.if_else(empty, None, array), pa.float64())
    except pa.ArrowInvalid:
        return None
    return np.asarray(cast.to_numpy(zero_copy_only=False), dtype=float)
