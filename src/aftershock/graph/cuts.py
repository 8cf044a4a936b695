"""Single points of failure and minimal cut sets, by knocking nodes out in batches.

A set of nodes *cuts* a capability when losing all of them (and nothing else) leaves
that capability at zero for at least ``threshold`` of store demand. Losses are monotone
(losing more never helps), so a cut is minimal exactly when it contains no smaller cut:
cut sets are searched by increasing order, skipping supersets of cuts already found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np

from aftershock.graph.availability import knockout_classes, propagate_knockouts
from aftershock.graph.compile import CAPABILITIES, CompiledNetwork
from aftershock.model.network import Capability
from aftershock.model.stores import LoadedScenario, dc_ids, store_dc_index

#: Knock-out combinations evaluated per propagation call.
BATCH = 4096

#: The engine's dispatch path, measured like a store capability: a store gets deliveries while
#: it can receive (store.receive) and its DC can pick and ship, or, while its DC cannot, a
#: backup of that DC can (see :class:`DcRoutes`).
DELIVERIES = "deliveries"

#: Capacities at or below this count as zero (a DC at zero has stopped).
EPS = 1e-12


@dataclass(frozen=True)
class CutSet:
    """Nodes whose joint loss zeroes a capability for ``demand_share`` of store demand."""

    nodes: tuple[str, ...]
    demand_share: float


@dataclass(frozen=True)
class DcRoutes:
    """Which DC serves each store and which DCs back each DC up, as the engine dispatches.

    DCs are sorted by id (``model.stores.dc_ids``). A DC ships while both its ``dc.pick``
    and ``dc.ship`` are above zero; while it cannot, each backup with a share of spare
    above zero lends up to that share of its own capacity (once the switch-over days pass).
    A scenario without DCs has no routes: deliveries are then the stores' ``store.receive``.
    """

    dc_ids: tuple[str, ...]
    store_dc: np.ndarray  # (S,) index into dc_ids; -1: no DC
    pick_nodes: np.ndarray  # (D,) node of <dc>/dc.pick; -1: always up
    ship_nodes: np.ndarray  # (D,) node of <dc>/dc.ship; -1: always up
    backups: tuple[tuple[tuple[int, float], ...], ...]  # per DC: (backup's index, share) listed order

    @classmethod
    def of(cls, loaded: LoadedScenario, net: CompiledNetwork) -> DcRoutes:
        """The routes of a loaded scenario compiled to ``net``."""
        scenario = loaded.scenario
        ids = dc_ids(scenario)
        position = {d: i for i, d in enumerate(ids)}
        by_id = {dc.id: dc for dc in scenario.sites.dcs}
        return cls(
            dc_ids=ids,
            store_dc=(
                store_dc_index(scenario, loaded.stores) if ids else np.full(len(loaded.stores), -1, np.int64)
            ),
            pick_nodes=np.array([net.index.get(f"{d}/dc.pick", -1) for d in ids], dtype=np.int64),
            ship_nodes=np.array([net.index.get(f"{d}/dc.ship", -1) for d in ids], dtype=np.int64),
            backups=tuple(
                tuple((position[b.dc], b.share_of_spare) for b in by_id[d].backups if b.dc in position)
                for d in ids
            ),
        )

    def dc_ships(self, cap: np.ndarray) -> np.ndarray:
        """(K, D) how far each DC can ship: the lower of its dc.pick and dc.ship capacity."""
        ones = np.ones((cap.shape[0], len(self.dc_ids)))
        pick = np.where(self.pick_nodes >= 0, cap[:, np.maximum(self.pick_nodes, 0)], ones)
        ship = np.where(self.ship_nodes >= 0, cap[:, np.maximum(self.ship_nodes, 0)], ones)
        return np.minimum(pick, ship)

    def dc_supply(self, cap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(K, D) what reaches each DC's stores from the DC side, and (K, D) the backup serving it.

        A DC that ships gives its own capacity (backup -1); a stopped DC gives the best of
        its backups' capacity × share (the backup's index; -1 when none ships).
        """
        ships = self.dc_ships(cap)
        supply = ships.copy()
        via = np.full(ships.shape, -1, dtype=np.int64)
        stopped = ships <= EPS
        for d, backups in enumerate(self.backups):
            for b, share in backups:
                lent = ships[:, b] * share
                better = stopped[:, d] & (lent > supply[:, d] + EPS)
                supply[:, d] = np.where(better, lent, supply[:, d])
                via[:, d] = np.where(better, b, via[:, d])
        return supply, via

    def deliveries(self, net: CompiledNetwork, cap: np.ndarray) -> np.ndarray:
        """(K, S) deliveries each store can get: its store.receive, limited by its DC's supply."""
        return self.deliveries_given(cap[:, net.store_nodes("store.receive")], cap)

    def deliveries_given(self, receive: np.ndarray, cap: np.ndarray) -> np.ndarray:
        """(K, S) deliveries given each store's store.receive (K, S) and ``cap``, which need
        only hold the columns of :attr:`pick_nodes` and :attr:`ship_nodes`."""
        if not self.dc_ids:
            return receive
        supply, _ = self.dc_supply(cap)
        has = self.store_dc >= 0
        side = np.where(has[None, :], supply[:, np.maximum(self.store_dc, 0)], 1.0)
        return np.minimum(receive, side)


def candidate_nodes(net: CompiledNetwork) -> list[int]:
    """Services plus the capabilities of every DC and channel: what a supplier outage can hit."""
    sites = [int(n) for row in range(len(CAPABILITIES)) for n in net.site_node[row, net.n_stores :] if n >= 0]
    return list(range(net.n_services)) + sites


def store_capacity(
    net: CompiledNetwork, cap: np.ndarray, capability: Capability | str, routes: DcRoutes | None = None
) -> np.ndarray:
    """(K, S) capacity of ``capability`` (or :data:`DELIVERIES`, which needs ``routes``) at each store."""
    if capability == DELIVERIES:
        if routes is None:
            raise ValueError("deliveries need the DC routes (DcRoutes.of(loaded, net))")
        return routes.deliveries(net, cap)
    return cap[:, net.store_nodes(capability)]


def _zeroed_shares(
    net: CompiledNetwork,
    knocked: Sequence[Sequence[int]],
    capability: Capability | str,
    groups: np.ndarray,
    routes: DcRoutes | None,
    slot_state: np.ndarray | None = None,
) -> np.ndarray:
    """(K, G) share of each store group's demand (``groups``: (G, S) bool) left at zero.

    ``slot_state`` ((n_slots,), see :func:`~aftershock.graph.availability.propagate`) holds
    every knock-out's per-site slots; ``None``: every slot up.
    """
    demand = net.store_demand_units_per_day
    weights = groups * demand[None, :]
    totals = weights.sum(axis=1)
    totals = np.where(totals > 0, totals, 1.0)
    out = np.empty((len(knocked), groups.shape[0]))
    for lo in range(0, len(knocked), BATCH):
        chunk = knocked[lo : lo + BATCH]
        zero = _knocked_store_capacity(net, chunk, capability, routes, slot_state) <= EPS
        out[lo : lo + len(chunk)] = np.minimum((zero.astype(float) @ weights.T) / totals, 1.0)
    return out


def _knocked_store_capacity(
    net: CompiledNetwork,
    knocked: Sequence[Sequence[int]],
    capability: Capability | str,
    routes: DcRoutes | None,
    slot_state: np.ndarray | None,
) -> np.ndarray:
    """(K, S) :func:`store_capacity` of each knock-out, propagating only the nodes it reads."""
    if capability != DELIVERIES:
        return propagate_knockouts(net, knocked, net.store_nodes(capability), slot_state)
    if routes is None:
        raise ValueError("deliveries need the DC routes (DcRoutes.of(loaded, net))")
    receive = net.store_nodes("store.receive")
    # stores whose store.receive shares a cause and that share a DC get the same deliveries
    pair = (
        knockout_classes(net, knocked, receive, slot_state) * (len(routes.dc_ids) + 1) + routes.store_dc + 1
    )
    _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    dc_nodes = np.r_[routes.pick_nodes, routes.ship_nodes]
    cap = propagate_knockouts(net, knocked, np.r_[receive[first], np.maximum(dc_nodes, 0)], slot_state)
    # the DC columns follow the stores' in ``cap``; -1 (always up) stays -1
    at = np.where(dc_nodes >= 0, first.size + np.arange(dc_nodes.size), -1)
    local = replace(
        routes,
        store_dc=routes.store_dc[first],
        pick_nodes=at[: routes.pick_nodes.size],
        ship_nodes=at[routes.pick_nodes.size :],
    )
    return local.deliveries_given(cap[:, : first.size], cap)[:, inverse.ravel()]


def zeroed_demand_share(
    net: CompiledNetwork,
    knocked: Sequence[Sequence[int]],
    capability: Capability | str,
    *,
    routes: DcRoutes | None = None,
) -> np.ndarray:
    """Share of store demand left with zero ``capability`` for each knocked-out set."""
    every = np.ones((1, net.n_stores), dtype=bool)
    return _zeroed_shares(net, knocked, capability, every, routes)[:, 0]


def minimal_cut_sets(
    net: CompiledNetwork,
    capability: Capability | str = Capability.STORE_SELL,
    *,
    threshold: float = 0.5,
    max_order: int = 2,
    candidates: Sequence[int] | None = None,
    routes: DcRoutes | None = None,
    slot_state: np.ndarray | None = None,
) -> list[CutSet]:
    """Minimal cut sets of size up to ``max_order`` over ``candidates`` (default: suppliers).

    ``capability`` may be :data:`DELIVERIES` (with ``routes``): the engine's path from a
    store's DC, or a backup of it, to the store. ``slot_state`` ((n_slots,)) sets per-site
    slots, such as fallbacks not rolled out yet; ``None``: every listed alternative counts.
    """
    every = np.ones((1, net.n_stores), dtype=bool)
    return minimal_cut_sets_by_group(
        net,
        every,
        capability,
        threshold=threshold,
        max_order=max_order,
        candidates=candidates,
        routes=routes,
        slot_state=slot_state,
    )[0]


def minimal_cut_sets_by_group(
    net: CompiledNetwork,
    groups: np.ndarray,
    capability: Capability | str = Capability.STORE_SELL,
    *,
    threshold: float = 0.5,
    max_order: int = 2,
    candidates: Sequence[int] | None = None,
    routes: DcRoutes | None = None,
    slot_state: np.ndarray | None = None,
) -> list[list[CutSet]]:
    """Minimal cut sets of each store group (``groups``: (G, S) bool, such as each DC's stores).

    A set cuts a group when it zeroes ``capability`` for at least ``threshold`` of that
    group's demand; ``demand_share`` is the share of the group's demand. One propagation
    per combination serves every group.
    """
    pool = list(candidate_nodes(net) if candidates is None else candidates)
    n_groups = groups.shape[0]
    found: list[list[frozenset[int]]] = [[] for _ in range(n_groups)]
    result: list[list[CutSet]] = [[] for _ in range(n_groups)]
    for order in range(1, max_order + 1):
        open_for = [
            [g for g in range(n_groups) if not any(f <= set(c) for f in found[g])]
            for c in combinations(pool, order)
        ]
        combos = [c for c, gs in zip(combinations(pool, order), open_for, strict=True) if gs]
        wanted = [gs for gs in open_for if gs]
        if not combos:
            continue
        shares = _zeroed_shares(net, combos, capability, groups, routes, slot_state)
        for combo, gs, row in zip(combos, wanted, shares, strict=True):
            for g in gs:
                if row[g] >= threshold - 1e-12:
                    found[g].append(frozenset(combo))
                    result[g].append(CutSet(tuple(net.node_ids[n] for n in combo), round(float(row[g]), 6)))
    return result


def single_points_of_failure(
    net: CompiledNetwork,
    capability: Capability | str = Capability.STORE_SELL,
    *,
    threshold: float = 0.5,
    routes: DcRoutes | None = None,
    slot_state: np.ndarray | None = None,
) -> list[CutSet]:
    """Nodes whose loss alone zeroes ``capability`` for at least ``threshold`` of demand."""
    return minimal_cut_sets(
        net, capability, threshold=threshold, max_order=1, routes=routes, slot_state=slot_state
    )
