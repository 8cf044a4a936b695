"""Capacity propagation on a synthetic AND/OR graph of 1,000,000 nodes.

    .venv/bin/python benchmarks/propagate_scale.py                # 1,000,000 nodes, 1 and 64 rows
    .venv/bin/python benchmarks/propagate_scale.py --nodes 200000 --runs 5
    .venv/bin/python benchmarks/propagate_scale.py --write        # ... and update benchmarks/README.md

The graph has the compiled layout the engine propagates (``CompiledNetwork``: groups sorted
by their target's level, alternatives contiguous per group), shaped like a large chain:
1,000 services, a third of the nodes needing one to three groups of one to three services
each (store capabilities), and the rest needing one such node and a service (capabilities
that need another, as store.receive needs dc.ship). Own states: 10 % of nodes at a random
partial capacity, per row. Times ``graph.availability.propagate`` (the median of ``--runs``
calls after one warm-up call, which loads the compiled kernel) for 1 and 64 rows, with and
without per-alternative link states, and the NumPy level-by-level pass this replaced (kept
here as the reference; every result is checked equal to it, bit for bit). One row still
goes through that NumPy pass (as fast for one row, and no numba to load); batches go
through the compiled kernel, rows in parallel.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from readme_table import update_section

from aftershock.graph import CompiledNetwork, propagate

TARGET_S = 1.0


def synthetic_network(n_nodes: int, seed: int = 0) -> CompiledNetwork:
    """An AND/OR network of ``n_nodes`` nodes over three levels (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_services = 1000
    n_first = (n_nodes - n_services) // 3
    first = np.arange(n_services, n_services + n_first)
    second = np.arange(n_services + n_first, n_nodes)
    # level 1: 1-3 groups per node, 1-3 service alternatives per group
    groups_1 = rng.integers(1, 4, first.size)
    target_1 = np.repeat(first, groups_1)
    alts_1 = rng.integers(1, 4, target_1.size)
    source_1 = rng.integers(0, n_services, int(alts_1.sum()))
    # level 2: one group of one level-1 node, one group of one or two services
    target_2 = np.repeat(second, 2)
    alts_2 = np.tile([1, 2], second.size)
    alts_2[1::2] = rng.integers(1, 3, second.size)
    source_2 = np.empty(int(alts_2.sum()), dtype=np.int64)
    starts = np.r_[0, np.cumsum(alts_2)[:-1]]
    source_2[starts[0::2]] = rng.choice(first, second.size)
    rest = np.ones(source_2.size, dtype=bool)
    rest[starts[0::2]] = False
    source_2[rest] = rng.integers(0, n_services, int(rest.sum()))
    group_target = np.r_[target_1, target_2]
    alts = np.r_[alts_1, alts_2]
    n_alts = int(alts.sum())
    return CompiledNetwork(
        service_ids=tuple(f"svc-{i}" for i in range(n_services)),
        site_ids=(),
        site_kind=np.zeros(0, dtype=str),
        n_stores=0,
        node_ids=tuple(f"n{i}" for i in range(n_nodes)),
        site_node=np.zeros((0, 0), dtype=np.int64),
        alt_source=np.r_[source_1, source_2].astype(np.int64),
        alt_factor=np.where(rng.random(n_alts) < 0.3, rng.uniform(0.2, 1.0, n_alts), 1.0),
        alt_group=np.repeat(np.arange(group_target.size), alts).astype(np.int64),
        alt_slot=np.full(n_alts, -1, dtype=np.int64),
        group_target=group_target.astype(np.int64),
        level_group_bounds=((0, target_1.size), (target_1.size, group_target.size)),
        slot_service=np.zeros(0, dtype=np.int64),
        slot_site=np.zeros(0, dtype=np.int64),
        control_from=np.zeros(0, dtype=np.int64),
        control_to=np.zeros(0, dtype=np.int64),
        control_p=np.zeros(0),
        control_delay_days=np.zeros(0, dtype=np.int64),
        store_demand_units_per_day=np.zeros(0),
    )


def numpy_levels(net: CompiledNetwork, own_state: np.ndarray, alt_state: np.ndarray | None) -> np.ndarray:
    """The previous propagation: NumPy, one vectorised pass per topological level."""
    cap = np.array(own_state, dtype=float, copy=True)
    batch = cap.shape[0]
    weight = np.broadcast_to(net.alt_factor, (batch, net.alt_factor.size)).copy()
    if alt_state is not None:
        weight *= alt_state
    for start, end in net.level_group_bounds:
        a0 = np.searchsorted(net.alt_group, start, side="left")
        a1 = np.searchsorted(net.alt_group, end, side="left")
        values = cap[:, net.alt_source[a0:a1]] * weight[:, a0:a1]
        group_of = net.alt_group[a0:a1] - start
        firsts = np.flatnonzero(np.r_[True, group_of[1:] != group_of[:-1]])
        group_max = np.maximum.reduceat(values, firsts, axis=1)
        targets = net.group_target[start:end]
        tfirst = np.flatnonzero(np.r_[True, targets[1:] != targets[:-1]])
        node_min = np.minimum.reduceat(group_max, tfirst, axis=1)
        cap[:, targets[tfirst]] *= node_min
    return cap


def own_states(net: CompiledNetwork, rows: int, seed: int = 1) -> np.ndarray:
    """``(rows, n_nodes)``: 10 % of nodes at a random partial capacity, the rest up."""
    rng = np.random.default_rng(seed)
    own = np.ones((rows, net.n_nodes))
    hit = rng.random((rows, net.n_nodes)) < 0.1
    own[hit] = rng.random(int(hit.sum()))
    return own


def median_seconds(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(n_nodes: int, runs: int, rows_list: list[int]) -> tuple[CompiledNetwork, list[dict[str, object]]]:
    net = synthetic_network(n_nodes)
    t0 = time.perf_counter()
    propagate(net, own_states(net, 2))
    first_call = time.perf_counter() - t0
    out: list[dict[str, object]] = [{"case": "first call (loads the compiled kernel)", "seconds": first_call}]
    rng = np.random.default_rng(2)
    links = np.where(rng.random(net.alt_source.size) < 0.01, 0.0, 1.0)
    for rows in rows_list:
        own = own_states(net, rows)
        for label, alt in (("", None), (", 1 % of links cut", links)):
            fast = propagate(net, own, alt)
            slow = numpy_levels(net, own, alt)
            assert np.array_equal(fast, slow), "propagate differs from the NumPy reference"
            out.append(
                {
                    "case": f"{rows} row{'s' if rows > 1 else ''}{label}",
                    "rows": rows,
                    "seconds": median_seconds(lambda own=own, alt=alt: propagate(net, own, alt), runs),
                    "numpy": median_seconds(lambda own=own, alt=alt: numpy_levels(net, own, alt), runs),
                }
            )
    return net, out


def table(net: CompiledNetwork, n_nodes: int, runs: int, results: list[dict[str, object]]) -> str:
    lines = [
        f"Measured {datetime.date.today()} on {platform.machine()} ({os.cpu_count()} cores, shared), "
        f"Python {platform.python_version()}; `benchmarks/propagate_scale.py --nodes {n_nodes} "
        f"--runs {runs}`: {net.n_nodes:,} nodes, {net.group_target.size:,} groups, "
        f"{net.alt_source.size:,} alternatives, median of {runs} runs.",
        "",
        "| case | `propagate` s | NumPy per level (before) s | speed-up |",
        "|---|---:|---:|---:|",
    ]
    for r in results:
        if "numpy" in r:
            ratio = float(r["numpy"]) / float(r["seconds"])
            lines.append(f"| {r['case']} | {r['seconds']:.3f} | {r['numpy']:.3f} | {ratio:.1f}× |")
        else:
            lines.append(f"| {r['case']} | {r['seconds']:.3f} | | |")
    worst = max(float(r["seconds"]) for r in results if r.get("rows") == 1)
    met = "met" if worst < TARGET_S else "**not met**"
    lines += [
        "",
        f"Target (issue 15): capacity propagation on a 1,000,000-node graph under {TARGET_S:g} s: "
        f"{worst:.3f} s for one row at {net.n_nodes:,} nodes, {met}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--write", action="store_true", help="update benchmarks/README.md")
    args = parser.parse_args()
    net, results = measure(args.nodes, args.runs, args.rows)
    text = table(net, args.nodes, args.runs, results)
    print(text)
    if args.write:
        update_section("propagate_scale", "Capacity propagation on a large graph", text)


if __name__ == "__main__":
    main()
