"""Engine vs SimPy peer: wall time and peak memory on the same generated scenario, one run.

    .venv/bin/python benchmarks/run_engine.py            # print the table
    .venv/bin/python benchmarks/run_engine.py --write    # and update benchmarks/README.md

Each case runs in a fresh Python process so peak memory (max RSS) belongs to that case
alone. The scenario: S stores with one item, Poisson demand, weekly ordering, a DC whose
outbound is paused for 5 days from day 10 and restarts with limited capacity.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = [
    # stores, days, replications, run the peer with this many replications (0: engine only)
    (100, 60, 10, 10),
    (1500, 90, 100, 5),
    (10_000, 365, 1000, 0),
]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import numpy as np
from aftershock import api
from aftershock.sim import build_inputs, run
from aftershock.testing import scenario_dict, write_scenario
stores, days, reps, which = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
folder = Path(sys.argv[5])
rng = np.random.default_rng(0)
demand = rng.lognormal(3.0, 0.5, stores).round(2)
header = "id,region,demand_units_per_day,lead_time_days,review_period_days,order_weekday"
rows = [f"s{i},r{i % 8},{demand[i]},1,7,{i % 5}" for i in range(stores)]
data = scenario_dict(
    horizon_days=days,
    services=[{"id": "corp-it", "party": "vendor"}, {"id": "wms", "party": "msp"}],
    control=[],
    requires=[
        {"site": {"id": "dc"}, "capability": "dc.ship", "groups": [[{"service": "wms"}]]},
        {"site": {"kind": "store"}, "capability": "store.receive", "groups": [[{"site": "dc", "capability": "dc.ship"}]]},
    ],
    incident={"compromise": {"service": "corp-it", "day": 10},
              "isolate": [{"service": "wms", "from_day": 10, "until_day": 15}]},
    demand={"distribution": "poisson"},
    sites={"stores": {"table": "stores.csv", "defaults": {"cover_days": 10}},
           "dcs": [{"id": "dc", "pick_capacity_units_per_day": float(demand.sum() * 7 / 5 * 1.3)}], "channels": []},
)
path = write_scenario(folder, data, header + "\n" + "\n".join(rows) + "\n")
inp = build_inputs(api.load(path))
started = time.perf_counter()
if which == "engine":
    out = run(inp, reps, 1)
else:
    sys.path.insert(0, sys.argv[6])
    import simpy_peer
    out = simpy_peer.run(inp, reps, 1)
wall = time.perf_counter() - started
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall_s": wall, "peak_mb": rss, "lost_mean": float(out["lost_units"].sum(axis=1).mean())}))
"""


sys.path.insert(0, str(Path(__file__).parent))
from readme_table import update_section  # noqa: E402


def measure(stores: int, days: int, reps: int, which: str) -> dict[str, float]:
    """Run one case in a fresh process; wall time of the simulation and peak RSS."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                str(stores),
                str(days),
                str(reps),
                which,
                folder,
                str(Path(__file__).parent),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-store case")
    args = parser.parse_args()
    rows = [
        "| stores × days × replications | engine wall s | engine peak MB | SimPy peer wall s | peer peak MB | speed-up | note |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for stores, days, reps, peer_reps in CASES:
        if args.quick and stores > 5000:
            continue
        engine = measure(stores, days, reps, "engine")
        if peer_reps:
            peer = measure(stores, days, peer_reps, "peer")
            scaled = peer["wall_s"] * reps / peer_reps
            note = (
                ""
                if peer_reps == reps
                else f"peer run with {peer_reps} replications, time scaled ×{reps // peer_reps}"
            )
            rows.append(
                f"| {stores:,} × {days} × {reps:,} | {engine['wall_s']:.2f} | {engine['peak_mb']:.0f} | "
                f"{scaled:.1f} | {peer['peak_mb']:.0f} | {scaled / engine['wall_s']:.0f}× | {note} |"
            )
        else:
            rows.append(
                f"| {stores:,} × {days} × {reps:,} | {engine['wall_s']:.1f} | {engine['peak_mb']:.0f} | — | — | — | engine only |"
            )
        print(rows[-1], flush=True)
    text = "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu_name()}), one process, "
            "in-process executor, NumPy engine (no Numba).",
            "",
            *rows,
        ]
    )
    print(text)
    if args.write:
        update_section("engine", "Engine against a SimPy model of the same day order", text)


if __name__ == "__main__":
    main()
