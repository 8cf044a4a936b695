"""Merge store nodes that always have the same capacity, for knock-out searches.

In a knock-out search (cut sets, single points of failure, vendor concentration) only
services and DC/channel capabilities are knocked out; every store node keeps own state 1.
Two store nodes whose groups read the same sources (or sources already merged) with the
same weights then get the same capacity under every knock-out, bit for bit: the same
products, maxima and minima of the same numbers. Thousands of stores selected by one rule
collapse to one node per distinct cause, so a knock-out pass walks a few dozen nodes
instead of hundreds of thousands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aftershock.graph.compile import CompiledNetwork


@dataclass(frozen=True)
class Quotient:
    """The merged network as the arrays propagation walks.

    ``node_of`` maps every node of the full network to its node here; nodes that are not
    store nodes are never merged. ``alt_weight`` is each alternative's factor × slot state,
    multiplied in the order :func:`~aftershock.graph.availability.propagate` uses.
    """

    node_of: np.ndarray  # (n_nodes,) -> merged node
    n_nodes: int
    alt_source: np.ndarray
    alt_weight: np.ndarray
    group_alt_start: np.ndarray
    run_group_start: np.ndarray
    run_target: np.ndarray


def quotient(net: CompiledNetwork, slot_state: np.ndarray | None) -> Quotient:
    """Merge the store nodes of ``net`` that share their cause (see the module docstring).

    ``slot_state`` ((n_slots,) or ``None`` for all 1) is part of every weight. Cached on
    the network per slot state: a cut-set search asks for the same one many times.
    """
    key = None if slot_state is None else np.asarray(slot_state, dtype=float).tobytes()
    cache = net.scratch.setdefault("quotient", {})
    if key not in cache:
        cache[key] = _build(net, slot_state)
    return cache[key]


def _build(net: CompiledNetwork, slot_state: np.ndarray | None) -> Quotient:
    group_alt_start, run_group_start, run_target = net.propagation_plan
    weight = net.alt_factor.copy()
    if slot_state is not None and net.alt_slot.size:
        has = net.alt_slot >= 0
        weight[has] *= np.asarray(slot_state, dtype=float)[net.alt_slot[has]]
    n = net.n_nodes
    store_nodes = net.site_node[:, : net.n_stores]
    is_store = np.zeros(n, dtype=bool)
    is_store[store_nodes[store_nodes >= 0]] = True
    # a class per node to begin with; merged classes are numbered from n on
    cls = np.arange(n, dtype=np.int64)
    run_of_node = np.full(n, -1, dtype=np.int64)
    run_of_node[run_target] = np.arange(run_target.size)
    # store nodes that require nothing have capacity 1 under every knock-out: one class
    free = is_store & (run_of_node < 0)
    next_class = n
    if free.any():
        cls[free] = next_class
        next_class += 1
    g_start = np.zeros(n, dtype=np.int64)
    g_end = np.zeros(n, dtype=np.int64)
    g_start[run_target] = run_group_start[:-1]
    g_end[run_target] = run_group_start[1:]
    a_start, a_end = group_alt_start[g_start], group_alt_start[g_end]
    for start, end in net.level_group_bounds:
        # this level's store targets: their sources are final (lower levels)
        runs = slice(*np.searchsorted(run_group_start, [start, end]).tolist())
        targets = run_target[runs]
        targets = targets[is_store[targets]]
        lengths = a_end[targets] - a_start[targets]
        for length in np.unique(lengths).tolist():
            picked = targets[lengths == length]
            alts = a_start[picked][:, None] + np.arange(length)[None, :]
            rows = np.concatenate(
                [
                    (net.alt_group[alts] - g_start[picked][:, None]).astype(float),
                    cls[net.alt_source[alts]].astype(float),
                    weight[alts],
                ],
                axis=1,
            )
            _, inverse = row_classes(rows)
            cls[picked] = next_class + inverse
            next_class += int(inverse.max()) + 1
    # each class's first node represents it (the last write of a reversed pass wins); keeping
    # the full network's order keeps the groups in level order
    first = np.full(next_class, n, dtype=np.int64)
    first[cls[::-1]] = np.arange(n - 1, -1, -1)
    reps = np.sort(first[first < n])
    index_of_class = np.empty(next_class, dtype=np.int64)
    index_of_class[cls[reps]] = np.arange(reps.size)
    node_of = index_of_class[cls]
    keep_run = np.zeros(run_target.size, dtype=bool)
    is_rep = np.zeros(n, dtype=bool)
    is_rep[reps] = True
    keep_run[is_rep[run_target]] = True
    runs = np.flatnonzero(keep_run)
    groups_per_run = run_group_start[runs + 1] - run_group_start[runs]
    groups = _ranges(run_group_start[runs], groups_per_run)
    alts_per_group = group_alt_start[groups + 1] - group_alt_start[groups]
    alts = _ranges(group_alt_start[groups], alts_per_group)
    return Quotient(
        node_of=node_of,
        n_nodes=int(reps.size),
        alt_source=node_of[net.alt_source[alts]],
        alt_weight=weight[alts],
        group_alt_start=np.r_[0, np.cumsum(alts_per_group)].astype(np.int64),
        run_group_start=np.r_[0, np.cumsum(groups_per_run)].astype(np.int64),
        run_target=node_of[run_target[runs]],
    )


def row_classes(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal rows of ``rows`` (m, k): ``(first, inverse)`` as ``np.unique(rows, axis=0,
    return_index=True, return_inverse=True)`` gives them, in some order of the classes.

    Column by column (a column equal in every row is skipped): many times faster than
    sorting whole rows when, as here, most columns are the same for every row.
    """
    codes = np.zeros(rows.shape[0], dtype=np.int64)
    for j in range(rows.shape[1]):
        column = rows[:, j]
        if column.min() == column.max():
            continue
        _, values = np.unique(column, return_inverse=True)
        _, codes = np.unique(codes * (int(values.max()) + 1) + values.ravel(), return_inverse=True)
        codes = codes.ravel()
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + count)`` for each pair."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + np.arange(total) - offsets
