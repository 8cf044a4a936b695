"""Time reading a 100,000-row store table: the column reader against the row reader.

    .venv/bin/python benchmarks/load_stores.py              # 100,000 rows, median of 5 runs
    .venv/bin/python benchmarks/load_stores.py --write      # ... and update benchmarks/README.md
    .venv/bin/python benchmarks/load_stores.py --validate   # ... plus `aftershock validate` once

Writes, in a temporary folder, a table with the columns of the bundled grocer-3dc
scenario's stores.csv (id, region, dc, format, demand, order-up-to, lead time, review
period, order weekday, latitude, longitude), as CSV and as Parquet, and times
``read_store_table`` (column reader, falling back to rows on a problem) and
``read_store_table_by_rows`` (the row reader it replaced) on each; then the same CSV with
one bad cell on row 99,999, whose message the row reader still writes. Checks that both
readers give the same arrays. ``--validate`` also runs ``aftershock validate`` on a copy of
grocer-3dc whose table is the generated one (wall time of one run, CLI start included).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from readme_table import update_section

from aftershock.errors import DataError
from aftershock.io.tables import read_store_table, read_store_table_by_rows
from aftershock.model import StoreDefaults
from aftershock.model.stores import StoreFrame

TARGET_S = 0.5
SCENARIO = Path(__file__).parents[1] / "src" / "aftershock" / "scenarios" / "grocer-3dc"


def make_table(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` stores shaped like grocer-3dc's stores.csv (its three DCs and eight regions)."""
    rng = np.random.default_rng(seed)
    regions = np.array(["Metro", "Midlands", "South", "Coast", "Highlands", "Lakes", "Valley", "West"])
    dc_of_region = np.array(["dc-central"] * 3 + ["dc-north"] * 3 + ["dc-west"] * 2)
    formats = np.array(["large", "supermarket", "convenience"])
    region = rng.integers(0, len(regions), n)
    demand = np.round(rng.lognormal(8.5, 0.6, n), 1)
    return pd.DataFrame(
        {
            "id": [f"g-{i:06d}" for i in range(1, n + 1)],
            "region": regions[region],
            "dc": dc_of_region[region],
            "format": formats[rng.integers(0, 3, n)],
            "demand_units_per_day": demand,
            "order_up_to_units": np.round(demand * 4).astype(np.int64),
            "lead_time_days": rng.integers(1, 3, n),
            "review_period_days": 1,
            "order_weekday": np.arange(n) % 7,
            "latitude": np.round(rng.uniform(47.5, 54.5, n), 4),
            "longitude": np.round(rng.uniform(6.0, 14.5, n), 4),
        }
    )


def median_s(read: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        read()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def same(a: StoreFrame, b: StoreFrame) -> bool:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, dict):
            if list(x) != list(y) or any(x[k].tolist() != y[k].tolist() for k in x):
                return False
        elif x.dtype != y.dtype or not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            return False
    return True


def failing(reader: Callable[[Path, str, StoreDefaults], StoreFrame], path: Path) -> Callable[[], str]:
    def read() -> str:
        try:
            reader(path, path.name, StoreDefaults())
        except DataError as exc:
            return exc.lines[0]
        raise AssertionError("the bad row was not reported")

    return read


def validate_s(folder: Path, csv_path: Path) -> float:
    scenario = folder / "grocer-100k"
    shutil.copytree(SCENARIO, scenario)
    shutil.copy(csv_path, scenario / "stores.csv")
    exe = shutil.which("aftershock") or str(Path(sys.executable).parent / "aftershock")
    start = time.perf_counter()
    done = subprocess.run([exe, "validate", str(scenario / "scenario.yaml")], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"validate failed:\n{done.stdout}\n{done.stderr}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--validate", action="store_true", help="also time `aftershock validate` once")
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        frame = make_table(args.rows)
        csv_path, parquet_path, bad_path = (folder / n for n in ("stores.csv", "stores.parquet", "bad.csv"))
        frame.to_csv(csv_path, index=False)
        frame.to_parquet(parquet_path, index=False)
        lines = csv_path.read_text(encoding="utf-8").splitlines()
        bad_row = min(99_999, args.rows)
        lines[bad_row] = lines[bad_row].replace(",1,", ",-1,", 1)  # a negative lead time
        bad_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

        defaults = StoreDefaults()
        for path in (csv_path, parquet_path):
            if not same(
                read_store_table(path, path.name, defaults),
                read_store_table_by_rows(path, path.name, defaults),
            ):
                raise AssertionError(f"the readers disagree on {path.name}")
        message = failing(read_store_table, bad_path)()
        if message != failing(read_store_table_by_rows, bad_path)():
            raise AssertionError("the readers report the bad row differently")

        rows = []
        for label, path in (
            ("CSV", csv_path),
            ("Parquet", parquet_path),
            (f"CSV, bad row {bad_row:,}", bad_path),
        ):
            size_mb = path.stat().st_size / 1e6
            if path is bad_path:
                new, old = failing(read_store_table, path), failing(read_store_table_by_rows, path)
            else:
                new = lambda p=path: read_store_table(p, p.name, defaults)  # noqa: E731
                old = lambda p=path: read_store_table_by_rows(p, p.name, defaults)  # noqa: E731
            new_s, old_s = median_s(new, args.runs), median_s(old, args.runs)
            rows.append(f"| {label} | {size_mb:.1f} | {new_s:.3f} | {old_s:.3f} | {old_s / new_s:.1f}x |")
        extra = ""
        if args.validate:
            wall = validate_s(folder, csv_path)
            extra = f"\n`aftershock validate` of grocer-3dc with this CSV as its table: {wall:.1f} s (one run, CLI start included)."

    today = datetime.date.today().isoformat()
    cores = os.cpu_count()
    text = "\n".join(
        [
            f"Measured {today} on {cores} cores ({platform.machine()}), {args.rows:,} stores with grocer-3dc's "
            f"columns, median of {args.runs} runs (`load_stores.py`).",
            "",
            "| table | MB | column reader s | row reader s | speed-up |",
            "|---|---:|---:|---:|---:|",
            *rows,
            "",
            f"Both readers give the same arrays; on the bad table both report ``{message}`` (the column "
            f"reader finds a problem and the row reader reads the table again to name it). "
            f"Target: under {TARGET_S} s for a good 100,000-row table.{extra}",
        ]
    )
    print(text)
    if args.write:
        update_section("load_stores", "Reading a 100,000-row store table", text)


if __name__ == "__main__":
    main()
