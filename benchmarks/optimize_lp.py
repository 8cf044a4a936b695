"""Recovery LP benchmark: 1,500 stores × 20 items × 30 days on HiGHS.

    .venv/bin/python benchmarks/optimize_lp.py [--write]

A generated restart morning: uneven stock and backlog, lead times of 1–2 days, daily
capacity 10% above normal demand, up to 2 extra shifts a day with a budget of 10. Stores are
grouped by lead time and days of cover (60 groups) before HiGHS's interior-point solver runs;
the plan is split back to the 1,500 stores. Wall time covers building, solving and splitting.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from aftershock.optimize import LPInputs, aggregate, disaggregate, group_stores, solve

sys.path.insert(0, str(Path(__file__).parent))
from readme_table import update_section


def instance(stores: int, items: int, days: int, seed: int = 0) -> LPInputs:
    rng = np.random.default_rng(seed)
    demand = rng.uniform(1, 10, (stores, items, days))
    daily = demand.sum() / days
    return LPInputs(
        demand=demand,
        on_hand=rng.uniform(0, 30, (stores, items)),
        arrivals=np.zeros((stores, items, days)),
        owed=rng.uniform(0, 60, (stores, items)),
        lead_time_days=rng.integers(1, 3, stores),
        capacity_units=np.full(days, daily * 1.1),
        units_per_shift=daily * 0.5,
        max_shifts_per_day=2,
        budget_shifts=10,
        cost_per_shift=100.0,
    )


def measure(stores: int, items: int, days: int, groups: int) -> dict[str, float]:
    inp = instance(stores, items, days)
    started = time.perf_counter()
    grouping = group_stores(inp, groups)
    plan = solve(aggregate(inp, grouping))
    shipments = disaggregate(plan, inp, grouping)
    wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "solve_s": plan.solve_seconds,
        "groups": grouping.n_groups,
        "lost": float(plan.lost_units.sum()),
        "shipped": float(shipments.sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    args = parser.parse_args()
    rows = [
        "| stores × items × days | groups | wall s | of which HiGHS s | target |",
        "|---|---:|---:|---:|---|",
    ]
    for stores, items, days, groups in ((100, 5, 30, 100), (1500, 20, 30, 60)):
        m = measure(stores, items, days, groups)
        target = "< 30 s" if stores == 1500 else ""
        rows.append(
            f"| {stores:,} × {items} × {days} | {m['groups']:.0f} | {m['wall_s']:.1f} | {m['solve_s']:.1f} | {target} |"
        )
        print(rows[-1], flush=True)
    text = "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, HiGHS (highspy), IPM.",
            "",
            *rows,
        ]
    )
    print(text)
    if args.write:
        update_section("lp", "Recovery LP", text)


if __name__ == "__main__":
    main()
