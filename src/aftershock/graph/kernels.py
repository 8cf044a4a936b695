"""Compiled (numba) kernels of :mod:`aftershock.graph.availability`.

Kept apart so that importing the graph layer (and the CLI) does not import numba; the
functions are compiled once and cached on disk (``cache=True``).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(parallel=True, cache=True, nogil=True)
def propagate_rows(
    cap: np.ndarray,
    weight: np.ndarray,
    slots: np.ndarray,
    use_slots: bool,
    alt_source: np.ndarray,
    alt_slot: np.ndarray,
    group_alt_start: np.ndarray,
    run_group_start: np.ndarray,
    run_target: np.ndarray,
) -> None:
    """In place on ``cap`` (batch, n_nodes), rows in parallel.

    ``weight`` and ``slots`` have one row or one per batch row.
    """
    w_step = 1 if weight.shape[0] > 1 else 0
    s_step = 1 if slots.shape[0] > 1 else 0
    for b in numba.prange(cap.shape[0]):
        _propagate_row(
            cap[b],
            weight[b * w_step],
            slots[b * s_step],
            use_slots,
            alt_source,
            alt_slot,
            group_alt_start,
            run_group_start,
            run_target,
        )


@numba.njit(parallel=True, cache=True, nogil=True)
def knockout_rows(
    out: np.ndarray,
    sets: np.ndarray,
    wanted: np.ndarray,
    n_nodes: int,
    weight: np.ndarray,
    slots: np.ndarray,
    use_slots: bool,
    alt_source: np.ndarray,
    alt_slot: np.ndarray,
    group_alt_start: np.ndarray,
    run_group_start: np.ndarray,
    run_target: np.ndarray,
) -> None:
    """Row ``k`` of ``out``: the ``wanted`` capacities with the nodes of ``sets[k]`` (-1: none) down."""
    for k in numba.prange(sets.shape[0]):
        cap = np.ones(n_nodes)
        for j in range(sets.shape[1]):
            if sets[k, j] >= 0:
                cap[sets[k, j]] = 0.0
        _propagate_row(
            cap,
            weight[0],
            slots[0],
            use_slots,
            alt_source,
            alt_slot,
            group_alt_start,
            run_group_start,
            run_target,
        )
        for i in range(wanted.size):
            out[k, i] = cap[wanted[i]]


@numba.njit(cache=True, nogil=True)
def _propagate_row(
    cap: np.ndarray,
    weight: np.ndarray,
    slots: np.ndarray,
    use_slots: bool,
    alt_source: np.ndarray,
    alt_slot: np.ndarray,
    group_alt_start: np.ndarray,
    run_group_start: np.ndarray,
    run_target: np.ndarray,
) -> None:
    """One row: each run of groups with one target, in order (sources come first)."""
    for r in range(run_target.size):
        lowest = np.inf
        for g in range(run_group_start[r], run_group_start[r + 1]):
            best = -np.inf
            for a in range(group_alt_start[g], group_alt_start[g + 1]):
                w = weight[a]
                if use_slots and alt_slot[a] >= 0:
                    w = w * slots[alt_slot[a]]
                value = cap[alt_source[a]] * w
                if value > best:
                    best = value
            if best < lowest:
                lowest = best
        target = run_target[r]
        cap[target] = cap[target] * lowest
