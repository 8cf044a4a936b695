"""Single points of failure and minimal cut sets, by knocking nodes out in batches.

A set of nodes *cuts* a capability when losing all of them (and nothing else) leaves
that capability at zero for at least ``threshold`` of store demand. Losses are monotone
(losing more never helps), so a cut is minimal exactly when it contains no smaller cut:
cut sets are searched by increasing order, skipping supersets of cuts already found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from aftershock.graph.availability import propagate
from aftershock.graph.compile import CAPABILITIES, CompiledNetwork
from aftershock.model.network import Capability

#: Knock-out combinations evaluated per propagation call.
BATCH = 4096


@dataclass(frozen=True)
class CutSet:
    """Nodes whose joint loss zeroes a capability for ``demand_share`` of store demand."""

    nodes: tuple[str, ...]
    demand_share: float


def candidate_nodes(net: CompiledNetwork) -> list[int]:
    """Services plus the capabilities of DCs and channels: what a supplier outage can hit."""
    sites = [int(n) for row in range(len(CAPABILITIES)) for n in net.site_node[row, net.n_stores :] if n >= 0]
    return list(range(net.n_services)) + sites


def zeroed_demand_share(
    net: CompiledNetwork, knocked: Sequence[Sequence[int]], capability: Capability | str
) -> np.ndarray:
    """Share of store demand left with zero ``capability`` for each knocked-out set."""
    demand = net.store_demand_units_per_day
    total = float(demand.sum()) or 1.0
    nodes = net.store_nodes(capability)
    out = np.empty(len(knocked))
    for lo in range(0, len(knocked), BATCH):
        chunk = knocked[lo : lo + BATCH]
        own = np.ones((len(chunk), net.n_nodes))
        for row, members in enumerate(chunk):
            own[row, list(members)] = 0.0
        cap = propagate(net, own)[:, nodes]
        out[lo : lo + len(chunk)] = np.minimum(((cap <= 1e-12) * demand).sum(axis=1) / total, 1.0)
    return out


def minimal_cut_sets(
    net: CompiledNetwork,
    capability: Capability | str = Capability.STORE_SELL,
    *,
    threshold: float = 0.5,
    max_order: int = 2,
    candidates: Sequence[int] | None = None,
) -> list[CutSet]:
    """Minimal cut sets of size up to ``max_order`` over ``candidates`` (default: suppliers)."""
    pool = list(candidate_nodes(net) if candidates is None else candidates)
    found: list[frozenset[int]] = []
    result: list[CutSet] = []
    for order in range(1, max_order + 1):
        combos = [c for c in combinations(pool, order) if not any(f <= set(c) for f in found)]
        if not combos:
            continue
        shares = zeroed_demand_share(net, combos, capability)
        for combo, share in zip(combos, shares, strict=True):
            if share >= threshold - 1e-12:
                found.append(frozenset(combo))
                result.append(CutSet(tuple(net.node_ids[n] for n in combo), round(float(share), 6)))
    return result


def single_points_of_failure(
    net: CompiledNetwork,
    capability: Capability | str = Capability.STORE_SELL,
    *,
    threshold: float = 0.5,
) -> list[CutSet]:
    """Nodes whose loss alone zeroes ``capability`` for at least ``threshold`` of demand."""
    return minimal_cut_sets(net, capability, threshold=threshold, max_order=1)
