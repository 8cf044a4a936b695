"""Yearly risk Monte Carlo: wall time per executor and scaling with years.

    .venv/bin/python benchmarks/risk_scaling.py [--write]

`risk ocs-2022` with 10,000 simulated years in one process, in a process pool of 2 and on a
Dask LocalCluster of 2 workers, then 1,000 / 10,000 / 100,000 years in one process. The cost
grows with the number of distinct incident shapes, not with years.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from aftershock import api

sys.path.insert(0, str(Path(__file__).parent))
from readme_table import update_section


def timed(**kwargs: object) -> tuple[float, dict]:
    started = time.perf_counter()
    out = api.risk("ocs-2022", seed=1, **kwargs)  # type: ignore[arg-type]
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    args = parser.parse_args()
    rows = [
        "| run | years | executor | wall s | shapes | ALE | VaR 95% |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for label, kwargs in (
        ("one process", {"years": 10_000}),
        ("process pool", {"years": 10_000, "executor": "processes", "workers": 2}),
        ("Dask LocalCluster", {"years": 10_000, "executor": "dask://local", "workers": 2}),
        ("one process", {"years": 1_000}),
        ("one process", {"years": 100_000}),
    ):
        wall, out = timed(**kwargs)
        rows.append(
            f"| {label} | {kwargs['years']:,} | {kwargs.get('executor', 'in-process')} | {wall:.1f} | "
            f"{out['shapes_simulated']} | {out['expected_annual_loss']:,.0f} | {out['var95']:,.0f} |"
        )
        print(rows[-1], flush=True)
    text = "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores; `risk ocs-2022`, "
            "4 replications per incident shape, seed 1.",
            "",
            *rows,
        ]
    )
    print(text)
    if args.write:
        update_section("risk", "Yearly risk Monte Carlo", text)


if __name__ == "__main__":
    main()
