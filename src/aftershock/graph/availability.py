"""AND/OR capacity propagation with partial capacity.

capacity(node) = own_state(node) × min over groups ( max over alternatives (
    capacity(source) × factor × link_state × site_slot_state ) )

Vectorised over a leading batch axis (replications, or knock-out combinations), one pass
per topological level.
"""

from __future__ import annotations

import numpy as np

from aftershock.graph.compile import CompiledNetwork


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
    """
    cap = np.array(own_state, dtype=float, copy=True)
    if cap.ndim == 1:
        cap = cap[None, :]
    batch = cap.shape[0]
    weight = np.broadcast_to(net.alt_factor, (batch, net.alt_factor.size)).copy()
    if alt_state is not None:
        weight *= alt_state
    if slot_state is not None and net.alt_slot.size:
        has_slot = net.alt_slot >= 0
        weight[:, has_slot] *= slot_state[:, net.alt_slot[has_slot]]
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
        node_min = np.minimum.reduceat(group_max, tfirst, axis=1)
        nodes = targets[tfirst]
        cap[:, nodes] *= node_min
    return cap
