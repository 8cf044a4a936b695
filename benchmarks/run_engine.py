"""Engine vs its two peers (a naive NumPy model and a SimPy model): wall time, CPU time and peak
memory on the same generated scenario, one run.

    .venv/bin/python benchmarks/run_engine.py                 # print the table
    .venv/bin/python benchmarks/run_engine.py --write         # and update benchmarks/README.md
    .venv/bin/python benchmarks/run_engine.py --quick         # without the 10,000-store case
    .venv/bin/python benchmarks/run_engine.py --big-reps 1000 # the 10,000-store case in full
    .venv/bin/python benchmarks/run_engine.py --case 1000x60x10  # one comparison case only (no --write)

Every measurement runs in a fresh Python process, so its peak memory (max RSS from
``resource.getrusage``; for a process pool, the sum over the process tree sampled every
0.1 s) belongs to that case alone. The scenario (:func:`scenario`): S stores with one item,
Poisson demand, weekly ordering on staggered weekdays, 10 days of cover, lead time 1; the
DC's warehouse system is isolated on days 10-14 (nothing ships), then the DC clears the
backlog at 1.3 times its normal daily outflow. The engine and the peers (``numpy_peer.py``,
``simpy_peer.py``) read the same compiled inputs (``build_inputs``) and the same seed. Where a model runs fewer replications than
the case asks for, its times are scaled linearly to the case's replications (the cost of
a replication does not depend on how many there are) and the table says so.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = 1

#: Targets of issue 15, stated with the table.
TARGET_OVER_NUMPY = 4.0
TARGET_OVER_SIMPY = 500.0
TARGET_BIG_WALL_S = 60.0
TARGET_BIG_MEMORY_MB = 4096.0
TARGET_RISK_S = 20.0


@dataclass(frozen=True)
class Run:
    """One measured process: a model on a scenario size, possibly on fewer replications."""

    model: str  # engine | numpy (numpy_peer.py) | peer (simpy_peer.py)
    stores: int
    days: int
    reps: int  # replications the case asks for
    run_reps: int  # replications actually run (times scaled by reps / run_reps)
    workers: int = 0  # 0: in process; n: a process pool of n workers
    chunk: int | None = None  # replications per chunk (engine), None: the runner's choice
    warm_only: bool = False  # engine: only the first call (compile or cache load), then stop

    @property
    def scale(self) -> float:
        return self.reps / self.run_reps


def scenario(folder: Path, stores: int, days: int, seed: int = 0) -> Path:
    """Write the benchmark scenario (YAML + store table) into ``folder``; return the YAML path."""
    import numpy as np

    from aftershock.testing import scenario_dict, write_scenario

    rng = np.random.default_rng(seed)
    demand = rng.lognormal(3.0, 0.5, stores).round(2)
    header = "id,region,demand_units_per_day,lead_time_days,review_period_days,order_weekday"
    rows = [f"s{i},r{i % 8},{demand[i]},1,7,{i % 5}" for i in range(stores)]
    data = scenario_dict(
        horizon_days=days,
        services=[{"id": "corp-it", "party": "vendor"}, {"id": "wms", "party": "msp"}],
        control=[],
        requires=[
            {"site": {"id": "dc"}, "capability": "dc.ship", "groups": [[{"service": "wms"}]]},
            {
                "site": {"kind": "store"},
                "capability": "store.receive",
                "groups": [[{"site": "dc", "capability": "dc.ship"}]],
            },
        ],
        incident={
            "compromise": {"service": "corp-it", "day": 10},
            "isolate": [{"service": "wms", "from_day": 10, "until_day": 15}],
        },
        demand={"distribution": "poisson"},
        sites={
            "stores": {"table": "stores.csv", "defaults": {"cover_days": 10}},
            # weekly orders on 5 weekdays: a normal order day ships 7/5 of a day's demand
            "dcs": [{"id": "dc", "pick_capacity_units_per_day": float(demand.sum() * 7 / 5 * 1.3)}],
            "channels": [],
        },
    )
    return write_scenario(folder, data, header + "\n" + "\n".join(rows) + "\n")


# -- the measured process ------------------------------------------------------------------


def child(spec: Run) -> dict[str, Any]:
    """Build the scenario, run one model on it; wall, CPU, peak memory and the lost-sales estimate."""
    import resource
    import threading

    import numpy as np
    import psutil

    from aftershock import api
    from aftershock.sim import build_inputs, run

    with tempfile.TemporaryDirectory() as folder:
        inp = build_inputs(api.load(scenario(Path(folder), spec.stores, spec.days)))

    def cpu_s() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    tree_peak = [0]
    stop = threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not stop.wait(0.1):
            total = 0
            for p in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            tree_peak[0] = max(tree_peak[0], total)

    first_call = float("nan")
    sys.path.insert(0, str(HERE))
    import numpy_peer
    import simpy_peer

    # every model's first call loads what it compiles once per process (the engine's kernel
    # and the graph's propagation kernel, from Numba's disk cache, or compiled when the cache
    # is empty): two replications first (one replication propagates without the batch kernel),
    # timed apart from the run
    t0 = time.perf_counter()
    {"engine": run, "numpy": numpy_peer.run, "peer": simpy_peer.run}[spec.model](
        inp, min(spec.run_reps, 2), SEED
    )
    first_call = time.perf_counter() - t0
    if spec.warm_only:
        return {"first_call_s": first_call}
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu0, started = cpu_s(), time.perf_counter()
    if spec.model == "engine":
        if spec.workers:
            from aftershock.parallel.executors import ProcessPool

            pool = ProcessPool(spec.workers)
            try:
                out = run(inp, spec.run_reps, SEED, chunk=spec.chunk, executor=pool)
            finally:
                pool.close()  # workers reaped: their CPU time counts in RUSAGE_CHILDREN
        else:
            out = run(inp, spec.run_reps, SEED, chunk=spec.chunk)
    elif spec.model == "numpy":
        out = numpy_peer.run(inp, spec.run_reps, SEED)
    else:
        out = simpy_peer.run(inp, spec.run_reps, SEED)
    wall, cpu = time.perf_counter() - started, cpu_s() - cpu0
    stop.set()
    sampler.join()
    own_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lost = out["lost_units"].sum(axis=1)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_mb": tree_peak[0] / 2**20 if spec.workers else own_peak_mb,
        "own_peak_mb": own_peak_mb,
        "output_mb_per_rep": sum(a.nbytes for a in out.values()) / spec.run_reps / 2**20,
        "lost_mean": float(lost.mean()),
        "lost_se": float(lost.std(ddof=1) / np.sqrt(lost.size)) if lost.size > 1 else float("nan"),
        "load_avg": os.getloadavg()[0],
        "first_call_s": first_call,
    }


def measure(spec: Run, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``spec`` in a fresh Python process."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec.__dict__)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if done.returncode:
        raise RuntimeError(f"{spec} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {spec}: {result}", file=sys.stderr, flush=True)
    return result


# -- the table -----------------------------------------------------------------------------


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds < 10 else f"{seconds:,.0f}"


def estimated_peak_mb(spec: Run, m: dict[str, Any]) -> float:
    """Peak memory of the full case from a run on fewer replications.

    Chunk state is bounded by the runner (a run of at least one chunk already reaches it);
    what grows with replications is the output, held twice while chunks are concatenated.
    """
    return m["peak_mb"] + 2 * (spec.reps - spec.run_reps) * m["output_mb_per_rep"]


def engine_row(label: str, spec: Run, m: dict[str, Any]) -> tuple[str, float, float]:
    """Row cells for an engine-only run; returns (cells, wall for the case, peak MB for the case)."""
    wall, cpu = m["wall_s"] * spec.scale, m["cpu_s"] * spec.scale
    peak = estimated_peak_mb(spec, m)
    if spec.run_reps == spec.reps:
        note = f"{label}; measured in full"
        peak_cell = f"{peak:,.0f}"
    else:
        note = (
            f"{label}; **run with {spec.run_reps:,} replications, times scaled ×{spec.scale:g}**; "
            f"peak measured {m['peak_mb']:,.0f} MB + output of the other replications (est.)"
        )
        peak_cell = f"{peak:,.0f} (est.)"
    cells = (
        f"| {spec.stores:,} × {spec.days} × {spec.reps:,} | {fmt_s(wall)} | {fmt_s(cpu)} | {peak_cell} "
        f"| — | — | — | — | — | — | — | {ns_per_store_day(wall, spec)} / — / — "
        f"| {m['lost_mean']:,.0f} ± {m['lost_se']:,.0f} | {note} |"
    )
    return cells, wall, peak


def ns_per_store_day(seconds: float, spec: Run) -> str:
    """Wall time per simulated store-day, in ns, for the case's replications."""
    return f"{seconds / (spec.stores * spec.days * spec.reps) * 1e9:,.0f}"


def parse_case(text: str) -> tuple[int, int, int]:
    """``1000x60x10`` → (stores, days, replications)."""
    stores, days, reps = (int(part) for part in text.lower().replace("×", "x").split("x"))
    return stores, days, reps


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-store case")
    parser.add_argument(
        "--peer-reps", type=int, default=10, help="replications the peer runs in the 1,500-store case"
    )
    parser.add_argument(
        "--big-reps",
        type=int,
        default=400,
        help="replications the engine runs in the 10,000-store case (1000: in full)",
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="also run the 10,000-store case on a process pool of this size"
    )
    parser.add_argument(
        "--case", help="run only this comparison case, STORESxDAYSxREPS (prints its row; no --write)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case and args.write:
        parser.error("--case prints one row; --write needs the whole run")
    if args.child:
        print(json.dumps(child(Run(**json.loads(args.child)))))
        return

    started = time.time()
    rows = [
        "| stores × days × replications | engine wall s | engine CPU s | engine peak MB "
        "| NumPy peer wall s | NumPy peer CPU s | speed-up over NumPy peer, wall (CPU) "
        "| SimPy peer wall s | SimPy peer CPU s | SimPy peer peak MB | speed-up over SimPy peer, wall (CPU) "
        "| ns per store-day, wall (engine / NumPy / SimPy) "
        "| mean lost units ± SE (engine / NumPy / SimPy) | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    cases = ((100, 60, 10, 10), (1000, 60, 10, 10), (1500, 90, 100, args.peer_reps))
    if args.case:
        stores, days, reps = parse_case(args.case)
        cases = ((stores, days, reps, min(args.peer_reps, reps)),)
    speedups: list[tuple[int, int, int, float, float]] = []
    first_calls: list[float] = []
    for stores, days, reps, peer_reps in cases:
        engine = Run("engine", stores, days, reps, reps)
        naive = Run("numpy", stores, days, reps, reps)
        peer = Run("peer", stores, days, reps, min(peer_reps, reps))
        e, n, p = measure(engine), measure(naive), measure(peer)
        first_calls.append(e["first_call_s"])
        p_wall, p_cpu = p["wall_s"] * peer.scale, p["cpu_s"] * peer.scale
        s_wall, s_cpu = p_wall / e["wall_s"], p_cpu / e["cpu_s"]
        speedups.append((stores, days, reps, n["wall_s"] / e["wall_s"], s_wall))
        note = (
            ""
            if peer.scale == 1
            else f"**SimPy peer run with {peer.run_reps} replications, times scaled ×{peer.scale:g}**"
        )
        ns = " / ".join(ns_per_store_day(w, engine) for w in (e["wall_s"], n["wall_s"], p_wall))
        rows.append(
            f"| {stores:,} × {days} × {reps:,} | {fmt_s(e['wall_s'])} | {fmt_s(e['cpu_s'])} | {e['peak_mb']:,.0f} "
            f"| {fmt_s(n['wall_s'])} | {fmt_s(n['cpu_s'])} "
            f"| {n['wall_s'] / e['wall_s']:,.2f}× ({n['cpu_s'] / e['cpu_s']:,.2f}×) "
            f"| {fmt_s(p_wall)} | {fmt_s(p_cpu)} | {p['peak_mb']:,.0f} | {s_wall:,.0f}× ({s_cpu:,.0f}×) "
            f"| {ns} "
            f"| {e['lost_mean']:,.0f} ± {e['lost_se']:,.0f} / {n['lost_mean']:,.0f} ± {n['lost_se']:,.0f} "
            f"/ {p['lost_mean']:,.0f} ± {p['lost_se']:,.0f} | {note} |"
        )
        print(rows[-1], flush=True)
    if args.case:
        return
    # the kernel compiled from scratch: a fresh process with an empty Numba cache
    with tempfile.TemporaryDirectory() as cache:
        cold = measure(Run("engine", 100, 60, 1, 1, warm_only=True), env={"NUMBA_CACHE_DIR": cache})
    big: list[tuple[str, float, float]] = []
    if not args.quick:
        reps = 1000
        run_reps = min(args.big_reps, reps)
        one = Run("engine", 10_000, 365, reps, run_reps)
        cells, wall, peak = engine_row(
            "engine only, one process (Numba threads over replications)", one, measure(one)
        )
        rows.append(cells)
        big.append(("one process", wall, peak))
        print(rows[-1], flush=True)
        if args.workers > 1:
            # chunks of the size a full run would use on this pool, so each worker's memory is the same
            chunk = -(-reps // 8)
            pool = Run("engine", 10_000, 365, reps, run_reps, workers=args.workers, chunk=chunk)
            label = f"engine only, process pool of {args.workers} (peak: whole process tree)"
            cells, wall, peak = engine_row(label, pool, measure(pool, env={"NUMBA_NUM_THREADS": "1"}))
            rows.append(cells)
            big.append((f"process pool of {args.workers}", wall, peak))
            print(rows[-1], flush=True)
    risk_s = None if args.quick else time_risk()

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    targets = []
    for stores, days, reps, over_numpy, over_simpy in speedups:
        if (stores, days, reps) in ((1000, 60, 10), (1500, 90, 100)):
            targets.append(
                f"- {stores:,} × {days} × {reps:,}: engine {over_numpy:,.1f}× the naive NumPy peer "
                f"(target ≥ {TARGET_OVER_NUMPY:.0f}×) {verdict(over_numpy >= TARGET_OVER_NUMPY)}; "
                f"{over_simpy:,.0f}× the SimPy peer (target ≥ {TARGET_OVER_SIMPY:.0f}×) "
                f"{verdict(over_simpy >= TARGET_OVER_SIMPY)}."
            )
    for label, wall, peak in big:
        targets.append(
            f"- 10,000 × 365 × 1,000 under {TARGET_BIG_WALL_S:.0f} s and {TARGET_BIG_MEMORY_MB / 1024:.0f} GB "
            f"({label}): {fmt_s(wall)} s {verdict(wall < TARGET_BIG_WALL_S)}, "
            f"{peak / 1024:.1f} GB {verdict(peak < TARGET_BIG_MEMORY_MB)}."
        )
    if risk_s is not None:
        targets.append(
            f"- `aftershock risk ocs-2022 --years 10000` under {TARGET_RISK_S:.0f} s: {risk_s:,.1f} s "
            f"{verdict(risk_s < TARGET_RISK_S)}."
        )
    targets.append(
        f"- Compilation: the kernel compiled from scratch (empty cache) in {cold['first_call_s']:,.1f} s; "
        f"later processes load it from Numba's disk cache: the engine's first call (two replications) "
        f"{min(first_calls):,.2f}-{max(first_calls):,.2f} s. Every model's first call is made before "
        "its timing starts (the peers also call the graph's compiled propagation)."
    )
    load = os.getloadavg()
    text = "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu_name()}), "
            f"{psutil_total_gb():.0f} GB RAM, Python {platform.python_version()}, compiled kernel "
            f"(Numba, parallel over replications); "
            f"seed {SEED}; the whole run took {(time.time() - started) / 60:.0f} min; load average at the end "
            f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min: other work shared the machine "
            "when above 2).",
            "",
            *rows,
            "",
            "Targets:",
            "",
            *targets,
        ]
    )
    print(text)
    if args.write:
        sys.path.insert(0, str(HERE))
        from readme_table import update_section

        update_section("engine", "Engine against a SimPy model of the same day order", text)


def time_risk() -> float:
    """Wall time of ``aftershock risk ocs-2022 --years 10000`` (the CLI, in a fresh process)."""
    exe = Path(sys.executable).with_name("aftershock")
    started = time.perf_counter()
    subprocess.run(
        [str(exe), "risk", "ocs-2022", "--years", "10000", "--json"], check=True, capture_output=True
    )
    wall = time.perf_counter() - started
    print(f"  risk ocs-2022 --years 10000: {wall:.1f} s", file=sys.stderr, flush=True)
    return wall


def psutil_total_gb() -> float:
    import psutil

    return psutil.virtual_memory().total / 2**30


if __name__ == "__main__":
    main()
