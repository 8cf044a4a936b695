"""AND/OR capacity propagation with partial capacity.

capacity(node) = own_state(node) × min over groups ( max over alternatives (
    capacity(source) × factor × link_state × site_slot_state ) )

Vectorised over a leading batch axis (replications, or knock-out combinations): one
compiled pass per row over the groups in topological order (groups are sorted by their
target's level, so every source is final before a group reads it), rows in parallel
(:mod:`aftershock.graph.kernels`, imported on first use: numba is slow to import). A
single row goes through NumPy, one vectorised pass per level: as fast for one row, and a
fresh process need not load numba for it. Both give the same numbers, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aftershock.graph.compile import CompiledNetwork
from aftershock.graph.quotient import Quotient, quotient

#: Quotients with at most this many alternatives are knocked out in NumPy, without numba.
SMALL_QUOTIENT = 2000


def propagate(
    net: CompiledNetwork,
    own_state: np.ndarray,
    alt_state: np.ndarray | None = None,
    slot_state: np.ndarray | None = None,
) -> np.ndarray:
    """Capacity in [0, 1] of every node, shape ``(batch, n_nodes)``.

    Args:
        net: the compiled network.
        own_state: ``(batch, n_nodes)`` own state of each node (1 = fully up).
        alt_state: ``(n_alts,)`` or ``(batch, n_alts)`` multiplier per alternative
            (0 where a link is isolated); ``None`` means all 1.
        slot_state: ``(batch, n_slots)`` per-site state of slotted services; ``None`` = 1.
            A row broadcast over the batch (``np.broadcast_to``) is read once, not copied.
    """
    cap = np.array(own_state, dtype=float, copy=True, order="C")
    if cap.ndim == 1:
        cap = cap[None, :]
    # the weight's product order is the one this function has always used (factor × link,
    # then × slot), so capacities are bit for bit what they were
    weight = net.alt_factor[None, :] if alt_state is None else net.alt_factor * _rows(alt_state)
    use_slots = slot_state is not None and net.alt_slot.size > 0
    slots = _rows(slot_state) if use_slots else np.ones((1, 0))
    if cap.shape[0] == 1 and weight.shape[0] == 1 and slots.shape[0] == 1:
        # one row: NumPy level by level is as fast, and spares a fresh process loading numba
        return _one_row(net, cap, np.atleast_2d(weight), slots if use_slots else None)
    from aftershock.graph.kernels import propagate_rows

    group_alt_start, run_group_start, run_target = net.propagation_plan
    propagate_rows(
        cap,
        np.ascontiguousarray(np.atleast_2d(weight), dtype=float),
        np.ascontiguousarray(slots, dtype=float),
        use_slots,
        net.alt_source,
        net.alt_slot,
        group_alt_start,
        run_group_start,
        run_target,
    )
    return cap


def propagate_knockouts(
    net: CompiledNetwork,
    knocked: Sequence[Sequence[int]],
    wanted: np.ndarray,
    slot_state: np.ndarray | None = None,
) -> np.ndarray:
    """Capacity of the ``wanted`` nodes with every node up but those of each knock-out set.

    Shape ``(len(knocked), wanted.size)``: row ``k`` is ``propagate(net, own)[0, wanted]``
    for ``own`` all 1 but 0 at ``knocked[k]``, bit for bit, with no ``(K, n_nodes)`` array
    (at 100,000 stores that is half a gigabyte for 55 knock-out pairs). ``slot_state`` is one
    ``(n_slots,)`` row for every set; ``None`` = 1. Stores with the same cause are
    propagated once (:func:`knockout_classes`).
    """
    wanted = np.asarray(wanted, dtype=np.int64)
    classes = knockout_classes(net, knocked, wanted, slot_state)
    _, first, inverse = np.unique(classes, return_index=True, return_inverse=True)
    return _knockouts(net, knocked, wanted[first], slot_state)[:, inverse.ravel()]


def knockout_classes(
    net: CompiledNetwork,
    knocked: Sequence[Sequence[int]],
    nodes: np.ndarray,
    slot_state: np.ndarray | None = None,
) -> np.ndarray:
    """A class per node of ``nodes``: nodes of one class have the same capacity under every
    knock-out of ``knocked`` (see :mod:`aftershock.graph.quotient`); without a quotient
    (a store node is knocked out) each node is its own class."""
    if _knocks_stores(net, knocked):
        return np.asarray(nodes, dtype=np.int64)
    return quotient(net, _slots_or_none(net, slot_state)).node_of[nodes]


def _knocks_stores(net: CompiledNetwork, knocked: Sequence[Sequence[int]]) -> bool:
    stores = net.site_node[:, : net.n_stores]
    members = np.fromiter((m for k in knocked for m in k), dtype=np.int64)
    return bool(np.isin(members, stores[stores >= 0]).any())


def _slots_or_none(net: CompiledNetwork, slot_state: np.ndarray | None) -> np.ndarray | None:
    return None if slot_state is None or not net.alt_slot.size else slot_state


def _knockouts(
    net: CompiledNetwork, knocked: Sequence[Sequence[int]], wanted: np.ndarray, slot_state: np.ndarray | None
) -> np.ndarray:
    """:func:`propagate_knockouts` of each wanted node on its own (over the quotient if it can)."""
    width = max((len(k) for k in knocked), default=0)
    sets = np.full((len(knocked), width), -1, dtype=np.int64)
    for row, members in enumerate(knocked):
        sets[row, : len(members)] = members
    from aftershock.graph.kernels import knockout_rows

    out = np.empty((len(knocked), wanted.size))
    if not _knocks_stores(net, knocked):
        # no store node is knocked out: stores with the same cause share one node
        q = quotient(net, _slots_or_none(net, slot_state))
        if q.alt_source.size <= SMALL_QUOTIENT:
            return _small_knockouts(q, sets, q.node_of[wanted])
        knockout_rows(
            out,
            np.where(sets >= 0, q.node_of[np.maximum(sets, 0)], -1),
            q.node_of[wanted],
            q.n_nodes,
            np.ascontiguousarray(q.alt_weight[None, :]),
            np.ones((1, 0)),
            False,
            q.alt_source,
            np.full(q.alt_source.size, -1, dtype=np.int64),
            q.group_alt_start,
            q.run_group_start,
            q.run_target,
        )
        return out
    use_slots = slot_state is not None and net.alt_slot.size > 0
    slots = np.atleast_2d(np.asarray(slot_state, dtype=float))[:1] if use_slots else np.ones((1, 0))
    group_alt_start, run_group_start, run_target = net.propagation_plan
    knockout_rows(
        out,
        sets,
        wanted,
        net.n_nodes,
        np.ascontiguousarray(net.alt_factor[None, :], dtype=float),
        np.ascontiguousarray(slots),
        use_slots,
        net.alt_source,
        net.alt_slot,
        group_alt_start,
        run_group_start,
        run_target,
    )
    return out


def _one_row(
    net: CompiledNetwork, cap: np.ndarray, weight: np.ndarray, slots: np.ndarray | None
) -> np.ndarray:
    """:func:`propagate` of one row with NumPy, one vectorised pass per level (in place on ``cap``)."""
    if slots is not None:
        has = net.alt_slot >= 0
        weight = weight.copy()
        weight[:, has] *= slots[:, net.alt_slot[has]]
    for start, end in net.level_group_bounds:
        a0 = np.searchsorted(net.alt_group, start, side="left")
        a1 = np.searchsorted(net.alt_group, end, side="left")
        values = cap[:, net.alt_source[a0:a1]] * weight[:, a0:a1]
        group_of = net.alt_group[a0:a1] - start
        # alternatives of a group are contiguous: reduceat over each group's first alt
        firsts = np.flatnonzero(np.r_[True, group_of[1:] != group_of[:-1]])
        group_max = np.maximum.reduceat(values, firsts, axis=1)
        targets = net.group_target[start:end]
        tfirst = np.flatnonzero(np.r_[True, targets[1:] != targets[:-1]])
        cap[:, targets[tfirst]] *= np.minimum.reduceat(group_max, tfirst, axis=1)
    return cap


def _small_knockouts(q: Quotient, sets: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Knock-outs over a small quotient: a Python loop over its few groups, NumPy over the sets."""
    cap = np.ones((sets.shape[0], q.n_nodes))
    rows, cols = np.nonzero(sets >= 0)
    cap[rows, q.node_of[sets[rows, cols]]] = 0.0
    for r in range(q.run_target.size):
        lowest = np.full(sets.shape[0], np.inf)
        for g in range(q.run_group_start[r], q.run_group_start[r + 1]):
            best = np.full(sets.shape[0], -np.inf)
            for a in range(q.group_alt_start[g], q.group_alt_start[g + 1]):
                best = np.maximum(best, cap[:, q.alt_source[a]] * q.alt_weight[a])
            lowest = np.minimum(lowest, best)
        cap[:, q.run_target[r]] *= lowest
    return cap[:, wanted]


def _rows(state: np.ndarray) -> np.ndarray:
    """``state`` as 2-D; one row when every row is the same view (a broadcast)."""
    state = np.atleast_2d(np.asarray(state))
    if state.shape[0] > 1 and state.strides[0] == 0:
        return state[:1]
    return state
