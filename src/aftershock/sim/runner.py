"""Run replications in memory-bounded chunks, each from its own seed stream."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from aftershock.parallel.executors import Executor, InProcess
from aftershock.sim.engine import run_replications
from aftershock.sim.inputs import SimInputs

#: Memory budget of one chunk's state, in bytes.
CHUNK_BYTES = 512 * 2**20


def replication_seeds(seed: int, start: int, stop: int) -> list[np.random.SeedSequence]:
    """Seed sequences of replications ``start .. stop-1``: child ``i`` of ``SeedSequence(seed)``.

    Child ``i`` depends only on ``seed`` and ``i``, so any split gives the same streams.
    """
    root = np.random.SeedSequence(seed)
    return [
        np.random.SeedSequence(root.entropy, spawn_key=(i,), pool_size=root.pool_size)
        for i in range(start, stop)
    ]


def chunk_size(inp: SimInputs, keep_store_days: bool) -> int:
    """Replications per chunk so that the state fits in :data:`CHUNK_BYTES`."""
    s, i = inp.base_demand.shape
    ring = int(inp.lead_time_days.max()) + 1
    per_rep = s * i * (inp.open_slots + ring + 12) * 8
    if keep_store_days:
        per_rep += s * i * inp.horizon_days * 8 * 3
    return max(1, CHUNK_BYTES // max(per_rep, 1))


def run_chunk(args: tuple[SimInputs, int, int, int, bool]) -> dict[str, np.ndarray]:
    """Replications ``lo .. hi-1`` of ``seed``: the unit of work sent to executors."""
    inp, seed, lo, hi, keep_store_days = args
    return run_replications(
        inp.take_rows(lo, hi), replication_seeds(seed, lo, hi), keep_store_days=keep_store_days
    )


def run(
    inp: SimInputs,
    replications: int,
    seed: int,
    *,
    keep_store_days: bool = False,
    chunk: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> dict[str, np.ndarray]:
    """All replications, chunked; ``on_progress(done, total)`` as work completes.

    In process, progress ticks every simulated day; on other executors, every chunk.
    """
    limit = chunk_size(inp, keep_store_days)
    if executor is None or isinstance(executor, InProcess):
        size = min(chunk or limit, limit)
        bounds = [(lo, min(lo + size, replications)) for lo in range(0, replications, size)]
        total = len(bounds) * inp.horizon_days
        parts = []
        for k, (lo, hi) in enumerate(bounds):
            base = k * inp.horizon_days

            def tick(day: int, base: int = base) -> None:
                if on_progress is not None:
                    on_progress(base + day + 1, total)

            parts.append(
                run_replications(
                    inp.take_rows(lo, hi),
                    replication_seeds(seed, lo, hi),
                    keep_store_days=keep_store_days,
                    on_day=tick,
                )
            )
    else:
        # several chunks per worker keep every worker busy to the end
        size = min(chunk or max(1, -(-replications // 8)), limit)
        bounds = [(lo, min(lo + size, replications)) for lo in range(0, replications, size)]
        finished = 0

        def done(_: int) -> None:
            nonlocal finished
            finished += 1
            if on_progress is not None:
                on_progress(finished, len(bounds))

        parts = executor.map(run_chunk, [(inp, seed, lo, hi, keep_store_days) for lo, hi in bounds], done)
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
