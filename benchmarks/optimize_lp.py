"""Recovery LP benchmark: 1,500 stores × 20 items × 30 days on HiGHS, and the LP of ocs-2022.

    .venv/bin/python benchmarks/optimize_lp.py [--write] [--options] [--exact SECONDS]

A generated restart morning: uneven stock and backlog, lead times of 1–2 days, daily
capacity 10% above normal demand, up to 2 extra shifts a day (cost 100 each) with a budget
of 10. The exact LP has a row per store line and day for stock and for what is owed: at
1,500 × 20 × 30 that is 3.6 million columns and 1.8 million rows. The optimiser pools store
lines by lead time, days of cover and days owed (``group_lines``), solves the LP over the
groups and splits the plan back to store lines, the lines about to run out first
(``disaggregate``). The ocs-2022 rows solve the LP ``aftershock optimize ocs-2022`` builds
(1,333 stores × 5 product groups × 28 days from the restart, each store with its delivery
days), pooled into groups of one lead time and delivery pattern, and exact.

Each row times building, solving and splitting. "split plan, exact model" replays the
split shipments through every store line's own stock balance (sales = min(stock, demand))
and prices the result as the LP does (lost units + shift cost), so grouping's loss of
quality shows. ``--options`` times HiGHS settings on one grouped instance; ``--exact`` also
runs the ungrouped LP (with a time limit).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from aftershock.optimize import LPInputs, aggregate, disaggregate, group_lines, solve
from aftershock.optimize.lp import highs_backend as lp_module

sys.path.insert(0, str(Path(__file__).parent))
from readme_table import update_section

COST_PER_SHIFT = 100.0


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
        cost_per_shift=COST_PER_SHIFT,
    )


def ocs_instance() -> LPInputs:
    """The LP `aftershock optimize ocs-2022` solves: its restart morning, with delivery days per store."""
    from aftershock import api
    from aftershock.optimize.from_scenario import lp_inputs, without_extra_shifts
    from aftershock.sim import build_inputs

    loaded = without_extra_shifts(api.load("ocs-2022"))
    lp, _ = lp_inputs(loaded, build_inputs(loaded), seed=0)
    return lp


def exact_cost(inp: LPInputs, shipments: np.ndarray, shifts: np.ndarray) -> tuple[float, float]:
    """(lost units, lost units + shift cost) of store-level shipments on every line's own stock."""
    t_n = shipments.shape[2]
    arrivals = inp.arrivals.copy()
    for lag in np.unique(inp.lead_time_days):
        rows = inp.lead_time_days == lag
        arrivals[rows, :, lag:] += shipments[rows, :, : t_n - lag]
    level = inp.on_hand.astype(float).copy()
    lost = 0.0
    for t in range(t_n):
        level = level + arrivals[:, :, t]
        sold = np.minimum(level, inp.demand[:, :, t])
        lost += float((inp.demand[:, :, t] - sold).sum())
        level = level - sold
    return lost, lost + COST_PER_SHIFT * float(shifts.sum())


def measure(inp: LPInputs, groups: int, time_limit_s: float = 600.0) -> dict[str, float]:
    started = time.perf_counter()
    grouping = group_lines(inp, groups)
    plan = solve(aggregate(inp, grouping), time_limit_s=time_limit_s)
    shipments = disaggregate(plan, inp, grouping)
    wall = time.perf_counter() - started
    lost, cost = exact_cost(inp, shipments, plan.shifts)
    return {
        "wall_s": wall,
        "solve_s": plan.solve_seconds,
        "groups": grouping.n_groups,
        "lp_objective": plan.objective,
        "exact_lost": lost,
        "exact_cost": cost,
    }


def with_options(options: dict[str, object]) -> None:
    """Make the next solves use ``options`` on top of the optimiser's own settings."""
    original = lp_module.__dict__.setdefault("_original_quiet_highs", lp_module._quiet_highs)

    def patched(highspy: object) -> object:
        h = original(highspy)
        real_set = h.setOptionValue

        def set_option(name: str, value: object) -> object:
            return real_set(name, options.get(name, value))

        h.setOptionValue = set_option  # the optimiser's own settings give way to ours
        for name, value in options.items():
            real_set(name, value)
        return h

    lp_module._quiet_highs = patched


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    parser.add_argument("--options", action="store_true", help="also time HiGHS settings on 60 groups")
    parser.add_argument(
        "--exact", type=float, default=0.0, help="also run the ungrouped LP, with this time limit (s)"
    )
    args = parser.parse_args()
    rows = [
        "| instance | stores × items × days | groups | wall s | of which HiGHS s | LP objective | split plan, exact model: lost units | … + shift cost | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    big = instance(1500, 20, 30)
    ocs = ocs_instance()
    cases = [
        ("generated", instance(100, 5, 30), 100),
        ("generated", big, 30),
        ("generated", big, 60),
        ("generated", big, 120),
        ("ocs-2022, delivery days", ocs, 60),
        ("ocs-2022, delivery days", ocs, ocs.demand.shape[0]),
    ]
    if args.exact:
        cases.append(("generated", big, 1500))
    for name, inp, groups in cases:
        stores, items, days = inp.demand.shape
        try:
            m = measure(inp, groups, time_limit_s=args.exact or 600.0)
        except Exception as exc:  # the exact LP may stop at its time limit
            rows.append(f"| {name} | {stores:,} × {items} × {days} | {groups} | — | — | {exc} | | | |")
            print(rows[-1], flush=True)
            continue
        target = "< 30 s" if stores == 1500 and groups == 60 else ""
        rows.append(
            f"| {name} | {stores:,} × {items} × {days} | {m['groups']:.0f} | {m['wall_s']:.1f} | {m['solve_s']:.1f} | "
            f"{m['lp_objective']:,.0f} | {m['exact_lost']:,.0f} | {m['exact_cost']:,.0f} | {target} |"
        )
        print(rows[-1], flush=True)
    option_rows: list[str] = []
    if args.options:
        option_rows = ["| HiGHS settings (1,500 × 20 × 30, 60 groups) | HiGHS s |", "|---|---:|"]
        grouped = aggregate(big, group_lines(big, 60))
        settings: list[tuple[str, dict[str, object]]] = [
            ("aftershock's: ipm, no crossover, no presolve, tolerance 1e-6", {}),
            ("… with presolve", {"presolve": "on"}),
            ("… with crossover", {"run_crossover": "on"}),
            ("… tolerance 1e-8 (HiGHS default)", {"ipm_optimality_tolerance": 1e-8}),
            ("pdlp (first-order), gap 1e-4", {"solver": "pdlp", "pdlp_relative_gap_tol": 1e-4}),
            ("dual simplex", {"solver": "simplex"}),
        ]
        for label, options in settings:
            with_options({**options, "time_limit": 300.0})
            try:
                seconds = f"{solve(replace(grouped)).solve_seconds:.1f}"
            except Exception as exc:  # the time limit, or an option HiGHS refuses
                seconds = "> 300 (time limit)" if "time limit" in str(exc).lower() else f"failed: {exc}"
            option_rows.append(f"| {label} | {seconds} |")
            print(option_rows[-1], flush=True)
        with_options({})
    text = "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, HiGHS (highspy) interior point, "
            "no crossover, no presolve.",
            "",
            *rows,
            *(["", *option_rows] if option_rows else []),
        ]
    )
    print(text)
    if args.write:
        update_section("lp", "Recovery LP", text)


if __name__ == "__main__":
    main()
