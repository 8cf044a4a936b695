"""Compile a scenario's network into frozen NumPy arrays plus an id index.

Nodes are services (first) and (site, capability) pairs. Requirements are stored flat:
each *alternative* points at its source node and its *group*; each group points at its
target node. Groups are ordered by the target's topological level so that propagation is
one vectorised pass per level (see :mod:`aftershock.graph.availability`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aftershock.model.checks import select_sites
from aftershock.model.network import SITE_CAPABILITIES, Alternative, Capability, SiteSelector
from aftershock.model.stores import LoadedScenario

#: Every capability, in a fixed order; ``CAPABILITIES.index(c)`` is its row in ``site_node``.
CAPABILITIES: tuple[Capability, ...] = tuple(Capability)


@dataclass(frozen=True)
class CompiledNetwork:
    """The network as arrays. Read-only once built.

    Attributes:
        service_ids: service id per service index (service ``i`` is node ``i``).
        site_ids, site_kind: every site (stores first, in table order; then DCs, channels).
        node_ids: ``service id`` or ``site/capability`` per node.
        site_node: ``(n_capabilities, n_sites)`` node index, -1 where a site lacks it.
        alt_source, alt_factor, alt_group: one entry per alternative, sorted by group.
        alt_slot: per-site state slot multiplying the alternative, -1 for none.
        group_target: target node per group, sorted by (level, target).
        level_group_bounds: ``[start, end)`` of each level's groups in the group arrays.
        slot_service, slot_site: which service at which site each per-site slot holds.
        control_from, control_to, control_p, control_delay_days: attack-path edges.
    """

    service_ids: tuple[str, ...]
    site_ids: tuple[str, ...]
    site_kind: np.ndarray
    n_stores: int
    node_ids: tuple[str, ...]
    site_node: np.ndarray
    alt_source: np.ndarray
    alt_factor: np.ndarray
    alt_group: np.ndarray
    alt_slot: np.ndarray
    group_target: np.ndarray
    level_group_bounds: tuple[tuple[int, int], ...]
    slot_service: np.ndarray
    slot_site: np.ndarray
    control_from: np.ndarray
    control_to: np.ndarray
    control_p: np.ndarray
    control_delay_days: np.ndarray
    store_demand_units_per_day: np.ndarray
    index: dict[str, int] = field(default_factory=dict)

    @property
    def n_services(self) -> int:
        """Number of services (they are nodes ``0 .. n_services - 1``)."""
        return len(self.service_ids)

    @property
    def n_nodes(self) -> int:
        """Number of nodes: services plus (site, capability) pairs."""
        return len(self.node_ids)

    def node(self, ref: str) -> int:
        """Node index of a service id or ``site/capability``."""
        return self.index[ref]

    def store_nodes(self, capability: Capability | str) -> np.ndarray:
        """Node index of ``capability`` for every store, in store-table order."""
        row = CAPABILITIES.index(Capability(capability))
        return self.site_node[row, : self.n_stores]

    def alternatives_matching(self, source: str, consumer: str) -> np.ndarray:
        """Boolean mask of alternatives from ``source`` into ``consumer``.

        ``consumer`` is a service id, ``site/capability``, or ``store/capability`` for that
        capability at every store.
        """
        src = self.index[source]
        targets = self.group_target[self.alt_group]
        if consumer.startswith("store/"):
            wanted = self.store_nodes(consumer.partition("/")[2])
            return (self.alt_source == src) & np.isin(targets, wanted)
        return (self.alt_source == src) & (targets == self.index[consumer])


def _selected_sites(selector: SiteSelector, loaded: LoadedScenario, position: dict[str, int]) -> np.ndarray:
    picked = select_sites(selector, loaded.scenario, loaded.stores)
    return np.array([position[s] for s in picked], dtype=np.int64)


def compile_network(loaded: LoadedScenario, slot_services: set[str] | None = None) -> CompiledNetwork:
    """Compile a validated scenario. ``slot_services`` get per-site state slots.

    By default, services restored on site by crews and fallback services get slots.
    """
    scenario, stores = loaded.scenario, loaded.stores
    incident = scenario.incident
    if slot_services is None:
        slot_services = {s for s, r in incident.restore.items() if r.is_on_site} | set(incident.fallbacks)
    service_ids = tuple(s.id for s in scenario.services)
    site_ids = (
        tuple(stores.ids.tolist())
        + tuple(d.id for d in scenario.sites.dcs)
        + tuple(c.id for c in scenario.sites.channels)
    )
    kinds = (
        ["store"] * len(stores)
        + ["dc"] * len(scenario.sites.dcs)
        + ["channel"] * len(scenario.sites.channels)
    )
    position = {s: i for i, s in enumerate(site_ids)}
    node_ids: list[str] = list(service_ids)
    site_node = np.full((len(CAPABILITIES), len(site_ids)), -1, dtype=np.int64)
    for row, cap in enumerate(CAPABILITIES):
        for col, (site, kind) in enumerate(zip(site_ids, kinds, strict=True)):
            if cap in SITE_CAPABILITIES[kind]:
                site_node[row, col] = len(node_ids)
                node_ids.append(f"{site}/{cap.value}")
    index = {n: i for i, n in enumerate(node_ids)}

    # one group per (rule group, target site); alternatives expand the same way
    groups: list[tuple[int, list[tuple[int, float, int, int]]]] = []
    slot_of: dict[tuple[int, int], int] = {}
    svc_index = {s: i for i, s in enumerate(service_ids)}

    def source_node(alt: Alternative) -> int:
        if alt.service is not None:
            return svc_index[alt.service]
        assert alt.site is not None and alt.capability is not None
        return index[f"{alt.site}/{alt.capability.value}"]

    for rule in scenario.requires:
        if rule.service is not None:
            targets = [(svc_index[rule.service], -1)]
        else:
            assert rule.site is not None and rule.capability is not None
            row = CAPABILITIES.index(rule.capability)
            sites = _selected_sites(rule.site, loaded, position)
            targets = [(int(site_node[row, s]), int(s)) for s in sites]
        for group in rule.groups:
            sources = [(source_node(a), a.factor, a.service) for a in group]
            for target, site in targets:
                alts = []
                for src, factor, svc in sources:
                    slot = -1
                    if svc is not None and svc in slot_services and site >= 0:
                        key = (svc_index[svc], site)
                        slot = slot_of.setdefault(key, len(slot_of))
                    alts.append((src, factor, slot, target))
                groups.append((target, alts))

    level = _levels(len(node_ids), groups)
    order = sorted(range(len(groups)), key=lambda g: (level[groups[g][0]], groups[g][0]))
    alt_source, alt_factor, alt_group, alt_slot, group_target = [], [], [], [], []
    bounds: list[tuple[int, int]] = []
    current_level, start = None, 0
    for gi, g in enumerate(order):
        target, alts = groups[g]
        if level[target] != current_level:
            if current_level is not None:
                bounds.append((start, gi))
            current_level, start = level[target], gi
        group_target.append(target)
        for src, factor, slot, _ in alts:
            alt_source.append(src)
            alt_factor.append(factor)
            alt_group.append(gi)
            alt_slot.append(slot)
    if current_level is not None:
        bounds.append((start, len(order)))
    slots = sorted(slot_of.items(), key=lambda kv: kv[1])
    control = scenario.control
    demand = np.zeros(len(stores))
    demand[:] = stores.demand_units_per_day
    return CompiledNetwork(
        service_ids=service_ids,
        site_ids=site_ids,
        site_kind=np.array(kinds),
        n_stores=len(stores),
        node_ids=tuple(node_ids),
        site_node=site_node,
        alt_source=np.array(alt_source, dtype=np.int64),
        alt_factor=np.array(alt_factor, dtype=float),
        alt_group=np.array(alt_group, dtype=np.int64),
        alt_slot=np.array(alt_slot, dtype=np.int64),
        group_target=np.array(group_target, dtype=np.int64),
        level_group_bounds=tuple(bounds),
        slot_service=np.array([k[0] for k, _ in slots], dtype=np.int64),
        slot_site=np.array([k[1] for k, _ in slots], dtype=np.int64),
        control_from=np.array([svc_index[c.from_] for c in control], dtype=np.int64),
        control_to=np.array([svc_index[c.to] for c in control], dtype=np.int64),
        control_p=np.array([c.p for c in control], dtype=float),
        control_delay_days=np.array([c.delay_days for c in control], dtype=np.int64),
        store_demand_units_per_day=demand,
        index=index,
    )


def _levels(n_nodes: int, groups: list[tuple[int, list[tuple[int, float, int, int]]]]) -> np.ndarray:
    """Longest-path depth of every node from the nodes that require nothing.

    The loader has rejected cycles, so this terminates; the assert guards the invariant.
    """
    level = np.zeros(n_nodes, dtype=np.int64)
    edges_src = np.array([src for _, alts in groups for src, *_ in alts], dtype=np.int64)
    edges_dst = np.array([t for t, alts in groups for _ in alts], dtype=np.int64)
    for _ in range(n_nodes + 1):
        if edges_src.size == 0:
            return level
        proposed = level.copy()
        np.maximum.at(proposed, edges_dst, level[edges_src] + 1)
        if np.array_equal(proposed, level):
            return level
        level = proposed
    raise AssertionError("requires graph has a cycle that validation missed")
