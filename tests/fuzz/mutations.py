"""Mutations of the bundled scenarios and their store tables, for the fuzzers.

A mutation deletes a key or list item, replaces a value with another type, a huge or
non-finite number, a negative, an empty or deeply nested value or random text, duplicates
list items, renames keys, or changes cells, headers, rows and bytes of the store table;
a tenth of the examples also get a raw edit of the YAML text (a line dropped, repeated or
indented, a token such as an alias, a tag or a 5,000-digit number inserted).
``mutated(plausible=True)`` keeps types (numbers stay numbers, strings become other names
of the scenario or the schema), so that about half of its examples still load and run.

The store tables are cut to a few dozen rows that keep every distinct value of every text
column (so every selector of the scenario still picks its sites), and the horizon to four
weeks, so one example takes milliseconds.
"""

from __future__ import annotations

import copy
import csv
import io
import math
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from aftershock.io.bundled import bundled_root
from aftershock.model.stores import NUMERIC_COLUMNS

Path_ = tuple[str | int, ...]


# --- the seed corpus: bundled scenarios, cut small ----------------------------------------


def _small_table(text: str, extra_rows: int = 12) -> str:
    """The header, every row that brings a new value of a text column, and a few more."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    numeric = set(NUMERIC_COLUMNS)
    text_cols = [i for i, h in enumerate(header) if h not in numeric and h != "id"]
    seen: set[tuple[int, str]] = set()
    keep = []
    for i, row in enumerate(body):
        new = {(c, row[c]) for c in text_cols} - seen
        if new or i < extra_rows:
            keep.append(row)
            seen |= new
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *keep])
    return out.getvalue()


def _corpus() -> dict[str, tuple[dict[str, Any], str]]:
    out = {}
    for folder in sorted(p for p in bundled_root().iterdir() if (p / "scenario.yaml").is_file()):
        data = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
        data["horizon_days"] = min(data["horizon_days"], 28)
        table = folder / data["sites"]["stores"]["table"]
        out[folder.name] = (data, _small_table(table.read_text(encoding="utf-8")))
    return out


CORPUS = _corpus()


def dump(data: Any) -> str:
    """YAML text of ``data`` (libyaml's emitter when present: five times faster)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True)


def write(folder: Path, data: Any, table: str | bytes, yaml_text: str | None = None) -> Path:
    """Write a scenario and its table ``stores.csv``; return the scenario's path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scenario.yaml"
    if yaml_text is None:
        yaml_text = dump(data)
    path.write_text(yaml_text, encoding="utf-8", errors="surrogatepass")
    raw = table.encode("utf-8", errors="surrogatepass") if isinstance(table, str) else table
    (folder / "stores.csv").write_bytes(raw)
    return path


# --- values -------------------------------------------------------------------------------


def _nested(depth: int) -> Any:
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


HOSTILE_CONSTANTS = [
    None, True, False, 0, -1, 1, -0.0, 0.5, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1,
    10**30, 10**300, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300,
    "", " ", "0", "-1", "1e999", "inf", ".inf", "NaN", "none", "null", "~", "yes", "off",
    "2022-02-30", "2022-13-01", "0000-00-00", "9999-12-31", "[bold]x[/]", "[/]", "a/b", "store/store.sell",
    "\x00", "a\x00b", "\u202e", "\ud7ff", "é", "x" * 300, "stores.csv", [], {}, [[]], [{}], {"": None},
]  # fmt: skip

hostile_values = st.one_of(
    st.sampled_from(HOSTILE_CONSTANTS),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=3),
    st.integers(1, 400).map(_nested),
)

#: Replacements of the same type that often still validate: bounds, small numbers, names
#: the schema knows, and (added per scenario) every string the scenario holds, ids included.
PLAUSIBLE_INTS = st.one_of(
    st.sampled_from([0, 1, 2, 3, 5, 7, 13, 27, 28, 365, 3660, 100_000]), st.integers(0, 60)
)
PLAUSIBLE_FLOATS = st.one_of(
    st.sampled_from([0.0, 0.01, 0.3, 0.5, 1.0, 1.5, 100.0, 1e6, 1e9, 1e12]), st.floats(0, 50)
)
PLAUSIBLE_STRINGS = [
    "fifo", "proportional", "fair-share", "lowest-cover-first", "priority", "by_id", "random", "by_demand",
    "poisson", "negative_binomial", "deterministic", "order", "dispatch", "store", "dc", "channel",
    "store.sell", "store.receive", "store.order", "dc.ship", "dc.pick", "channel.online", "pert", "point",
]  # fmt: skip


def plausible_value(draw: st.DrawFn, old: Any, strings: list[str]) -> Any:
    """A value of the same type as ``old``."""
    if isinstance(old, bool):
        return draw(st.booleans())
    if isinstance(old, int):
        return draw(PLAUSIBLE_INTS)
    if isinstance(old, float):
        return draw(PLAUSIBLE_FLOATS)
    if isinstance(old, str):
        return draw(st.sampled_from(PLAUSIBLE_STRINGS + strings))
    return old  # a list or mapping: left as it is (other mutations reach inside)


def paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every key path of a data tree (not the root)."""
    out: list[Path_] = []
    if isinstance(node, dict):
        for key, child in node.items():
            out.append((*prefix, key))
            out.extend(paths(child, (*prefix, key)))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            out.append((*prefix, i))
            out.extend(paths(child, (*prefix, i)))
    return out


def parent_of(data: Any, path: Path_) -> Any:
    node = data
    for part in path[:-1]:
        node = node[part]
    return node


# --- mutations ----------------------------------------------------------------------------


def mutate_data(draw: st.DrawFn, data: dict[str, Any], plausible: bool) -> dict[str, Any]:
    """One structural mutation of the scenario's data (of the same type when ``plausible``)."""
    candidates = paths(data)
    path = draw(st.sampled_from(candidates))
    parent, last = parent_of(data, path), path[-1]
    if plausible:
        op = draw(st.sampled_from(["replace"] * 7 + ["duplicate"] * 2 + ["delete"]))
    else:
        op = draw(st.sampled_from(["delete", "replace", "replace", "replace", "duplicate", "rename", "wrap"]))
    if op == "delete":
        del parent[last]
    elif op == "replace" and plausible:
        strings = sorted({v for p in candidates if isinstance(v := parent_of(data, p)[p[-1]], str)})
        parent[last] = plausible_value(draw, parent[last], strings)
    elif op == "replace":
        parent[last] = draw(hostile_values)
    elif op == "duplicate":
        value = parent[last]
        if isinstance(value, list) and value:
            value.append(copy.deepcopy(draw(st.sampled_from(value))))
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(value))
        else:
            parent[last] = [value, copy.deepcopy(value)]
    elif op == "rename" and isinstance(parent, dict):
        new = draw(
            st.one_of(
                st.just(f"{last}x"),
                st.just(str(last)[:-1]),
                st.just(str(last).upper()),
                st.text(max_size=12),
                st.sampled_from([1, None, True, "from_", "<<"]),
            )
        )
        if new not in parent:
            parent[new] = parent.pop(last)
    else:  # wrap the value in a list or a mapping
        parent[last] = draw(st.sampled_from([[parent[last]], {"value": parent[last]}]))
    return data


def mutate_table(draw: st.DrawFn, text: str) -> str | bytes:
    """One mutation of the store table: a cell, the header, a row, or raw bytes."""
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    op = draw(st.sampled_from(["cell", "cell", "cell", "header", "drop_row", "dup_row", "cells", "bytes"]))
    if op == "bytes" or len(rows) < 2:
        raw = text.encode("utf-8")
        at = draw(st.integers(0, len(raw)))
        junk = draw(st.sampled_from([b"\x00", b"\xff", b"\xe4", b"\xef\xbb\xbf", b'"', b"\r", b"\n\n", b","]))
        return raw[:at] + junk + raw[at:]
    r = draw(st.integers(1, len(rows) - 1))
    if op in ("cell", "header"):
        row = rows[0] if op == "header" else rows[r]
        c = draw(st.integers(0, len(row) - 1))
        row[c] = draw(
            st.one_of(
                st.sampled_from(
                    ["", "-1", "0", "1e308", "1e999", "9" * 400, "inf", "-inf", "nan", "NaN", "1,5", "0x10",
                     "1_000", "٣", " 7 ", "7.5", "8", "\x00", "a\x00", "[bold]", "s1", row[c] + "x",
                     row[c].upper(), "id", "region", "demand_units_per_day", "order_weekday"]
                ),
                st.text(max_size=12),
                st.floats().map(repr),
                st.integers().map(str),
            )
        )  # fmt: skip
    elif op == "drop_row":
        del rows[r]
    elif op == "dup_row":
        rows.insert(r, list(rows[r]))
    else:  # a cell more or less
        rows[r] = rows[r][:-1] if draw(st.booleans()) else [*rows[r], "extra"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def mutate_text(draw: st.DrawFn, text: str) -> str:
    """A raw edit of the YAML text: a line dropped, repeated, indented, or a token inserted."""
    lines = text.splitlines(keepends=True)
    i = draw(st.integers(0, len(lines) - 1))
    op = draw(st.sampled_from(["drop", "repeat", "indent", "insert"]))
    if op == "drop":
        del lines[i]
    elif op == "repeat":
        lines.insert(i, lines[i])
    elif op == "indent":
        lines[i] = "  " + lines[i]
    else:
        at = draw(st.integers(0, len(lines[i])))
        token = draw(
            st.sampled_from(
                ["&a ", "*a", "!!python/object:os.system ", "{", "[", ": ", "- ", "\t", "%", "9" * 5000,
                 "\\x00", "'", '"', "? ", "<<: *a", "!!binary ", "2022-02-30"]
            )
        )  # fmt: skip
        lines[i] = lines[i][:at] + token + lines[i][at:]
    return "".join(lines)


@st.composite
def mutated(draw: st.DrawFn, plausible: bool = False) -> tuple[Any, Any, Any]:
    """``(data, table, yaml_text or None)`` of a mutated bundled scenario."""
    name = draw(st.sampled_from(sorted(CORPUS)))
    base, table = CORPUS[name]
    data: Any = copy.deepcopy(base)
    table_out: str | bytes = table
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["data", "data", "data", "table"]))
        if where == "data" and isinstance(data, dict) and data:
            data = mutate_data(draw, data, plausible)
        elif isinstance(table_out, str):
            table_out = mutate_table(draw, table_out)
    text = None
    if not plausible and draw(st.integers(0, 9)) == 0:
        text = mutate_text(draw, dump(data))
    return data, table_out, text
