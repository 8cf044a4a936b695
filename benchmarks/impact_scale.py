"""`impact` on a large store table: coop-kaseya-2021 with N stores instead of 800.

    .venv/bin/python benchmarks/impact_scale.py                 # 100,000 stores, median of 3
    .venv/bin/python benchmarks/impact_scale.py --stores 20000 --runs 5
    .venv/bin/python benchmarks/impact_scale.py --write         # ... and update benchmarks/README.md

The scenario is the bundled coop-kaseya-2021 with its store rows replicated (ids renumbered,
demand perturbed by up to ±10 %, seed 0; regions and pos_system kept, so the same share of
stores run each till system) and the DC's capacities and the app's roll-out scaled by
N / 800. Times, each the median of ``--runs`` runs: loading the scenario (store table
read and validation), ``compile_network``, ``api.impact`` on the loaded scenario (compile,
timeline, blast radius with its explanations, cut sets, concentration) with its parts, and
``aftershock impact FILE --json`` end to end in a fresh process.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from readme_table import update_section

SOURCE = Path(__file__).parents[1] / "src" / "aftershock" / "scenarios" / "coop-kaseya-2021"
TARGET_S = 3.0


def write_scenario(folder: Path, n_stores: int, seed: int = 0) -> Path:
    """coop-kaseya-2021 with ``n_stores`` stores in ``folder``; returns the scenario file."""
    with (SOURCE / "stores.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.9, 1.1, n_stores)
    with (folder / "stores.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for i in range(n_stores):
            row = dict(rows[i % len(rows)])
            row["id"] = f"coop-{i + 1:07d}"
            row["demand_units_per_day"] = f"{float(row['demand_units_per_day']) * scale[i]:.1f}"
            writer.writerow(row)
    spec = yaml.safe_load((SOURCE / "scenario.yaml").read_text(encoding="utf-8"))
    factor = n_stores / len(rows)
    dc = spec["sites"]["dcs"][0]
    dc["pick_capacity_units_per_day"] = round(dc["pick_capacity_units_per_day"] * factor)
    dc["delivery_capacity_stores_per_day"] = round(dc["delivery_capacity_stores_per_day"] * factor)
    app = spec["incident"]["fallbacks"]["scan-and-pay"]
    app["sites_per_day"] = max(1, round(app["sites_per_day"] * factor))
    app["max_sites"] = round(app["max_sites"] * factor)
    spec["name"] = f"coop-kaseya-{n_stores}"
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall seconds of ``runs`` calls, and the last result."""
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def measure(n_stores: int, runs: int) -> dict[str, float]:
    """Median seconds of each stage on a generated scenario of ``n_stores`` stores."""
    from aftershock import api
    from aftershock.api.concentration import concentration_data
    from aftershock.api.scenarios import load
    from aftershock.graph import blast_radius, build_timeline, compile_network, minimal_cut_sets
    from aftershock.graph.cuts import DcRoutes
    from aftershock.model.uncertainty import point_values

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = write_scenario(Path(tmp), n_stores)
        out["load"], loaded = median_time(lambda: load(path), runs)
        out["compile"], net = median_time(lambda: compile_network(loaded), runs)
        point = point_values(loaded, "impact")
        timeline = build_timeline(point, net)
        routes = DcRoutes.of(point, net)
        out["blast radius"], _ = median_time(
            lambda: blast_radius(net, timeline, point.stores.regions, routes=routes), runs
        )
        out["cut sets"], _ = median_time(
            lambda: [
                minimal_cut_sets(net, m, threshold=0.5, max_order=2, routes=routes)
                for m in ("store.sell", "store.receive", "deliveries")
            ],
            runs,
        )
        out["concentration"], _ = median_time(lambda: concentration_data(point, net, routes), runs)
        out["impact"], _ = median_time(lambda: api.impact(loaded), runs)
        exe = shutil.which("aftershock") or str(Path(sys.executable).parent / "aftershock")

        def cli() -> None:
            subprocess.run([exe, "impact", str(path), "--json"], check=True, stdout=subprocess.DEVNULL)

        out["cli"], _ = median_time(cli, runs)
    return out


def table(n_stores: int, runs: int, seconds: dict[str, float]) -> str:
    """The README section."""
    rows = [
        ("load the scenario (store table read + validation)", "load"),
        ("`compile_network`", "compile"),
        ("`blast_radius` (both views, explanations)", "blast radius"),
        ("cut sets (sell, receive, deliveries; order ≤ 2)", "cut sets"),
        ("vendor concentration", "concentration"),
        ("**`api.impact` on the loaded scenario (compile + impact)**", "impact"),
        ("`aftershock impact FILE --json`, fresh process", "cli"),
    ]
    met = "met" if seconds["impact"] < TARGET_S else "**not met**"
    lines = [
        f"Measured {datetime.date.today()} on {platform.machine()}, Python "
        f"{platform.python_version()}; `benchmarks/impact_scale.py --stores {n_stores} --runs {runs}`: "
        f"coop-kaseya-2021 with {n_stores:,} stores, median of {runs} runs.",
        "",
        "| stage | s |",
        "|---|---:|",
        *(f"| {label} | {seconds[key]:.2f} |" for label, key in rows),
        "",
        f"Target (issue 15): compile + `impact` on 100,000 stores under {TARGET_S:g} s: "
        f"{seconds['impact']:.2f} s at {n_stores:,} stores, {met}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    args = parser.parse_args()
    seconds = measure(args.stores, args.runs)
    text = table(args.stores, args.runs, seconds)
    print(text)
    if args.write:
        update_section("impact_scale", "impact on a large store table", text)


if __name__ == "__main__":
    main()
