"""Compile a scenario's network into frozen NumPy arrays plus an id index.

Nodes are services (first) and (site, capability) pairs. Requirements are stored flat:
each *alternative* points at its source node and its *group*; each group points at its
target node. Groups are ordered by the target's topological level so that propagation is
one pass over the groups in order, every source final before a group reads it (see
:mod:`aftershock.graph.availability`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

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

    @cached_property
    def scratch(self) -> dict[str, Any]:
        """Derived arrays worth keeping with the network (such as its knock-out quotients)."""
        return {}

    @cached_property
    def propagation_plan(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where each group's alternatives start, where each target's run of groups starts,
        and each run's target: the layout :func:`~aftershock.graph.availability.propagate`
        walks (``(n_groups + 1,)``, ``(n_runs + 1,)``, ``(n_runs,)``)."""
        n_groups = self.group_target.size
        group_alt_start = np.searchsorted(self.alt_group, np.arange(n_groups + 1)).astype(np.int64)
        targets = self.group_target
        firsts = (
            np.flatnonzero(np.r_[True, targets[1:] != targets[:-1]]) if n_groups else np.zeros(0, np.int64)
        )
        run_group_start = np.r_[firsts, n_groups].astype(np.int64)
        return group_alt_start, run_group_start, targets[firsts].astype(np.int64)

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


def _selected_positions(
    selector: SiteSelector, loaded: LoadedScenario, position: dict[str, int], kinds: np.ndarray
) -> np.ndarray:
    """Site positions ``selector`` picks, as :func:`~aftershock.model.checks.select_sites` does.

    The same rule (ids in listed order, else site order; then kind, then store-table
    ``where``), but over arrays: a rule selecting 100,000 stores by attribute is a NumPy mask
    over the store-table columns, not a Python loop over store ids.
    """
    if selector.id is not None or selector.ids is not None:
        listed = [selector.id] if selector.id is not None else list(selector.ids or [])
        picked = np.array([position[s] for s in dict.fromkeys(listed) if s in position], dtype=np.int64)
    else:
        picked = np.arange(kinds.size, dtype=np.int64)
    if selector.kind is not None:
        picked = picked[kinds[picked] == selector.kind]
    if selector.where is not None:
        stores = loaded.stores
        matched = np.zeros(kinds.size, dtype=bool)
        matched[: len(stores)] = stores.select(selector.where)
        picked = picked[matched[picked]]
    return picked


def compile_network(loaded: LoadedScenario, slot_services: set[str] | None = None) -> CompiledNetwork:
    """Compile a validated scenario. ``slot_services`` get per-site state slots.

    By default, services restored on site by crews and fallback services get slots.

    Every per-site step is done over arrays: a rule's target sites are a mask, and its
    groups and alternatives are built for all those sites at once (one row per site).
    """
    scenario, stores = loaded.scenario, loaded.stores
    incident = scenario.incident
    if slot_services is None:
        slot_services = {s for s, r in incident.restore.items() if r.is_on_site} | set(incident.fallbacks)
    service_ids = tuple(s.id for s in scenario.services)
    other_ids = [d.id for d in scenario.sites.dcs] + [c.id for c in scenario.sites.channels]
    site_ids = tuple(stores.ids.tolist()) + tuple(other_ids)
    n_stores, n_sites = len(stores), len(site_ids)
    kinds = np.array(
        ["store"] * n_stores + ["dc"] * len(scenario.sites.dcs) + ["channel"] * len(scenario.sites.channels)
    )
    position = {s: i for i, s in enumerate(site_ids)}
    site_id_array = np.array(site_ids, dtype=str) if site_ids else np.array([], dtype=str)
    node_ids: list[str] = list(service_ids)
    site_node = np.full((len(CAPABILITIES), n_sites), -1, dtype=np.int64)
    for row, cap in enumerate(CAPABILITIES):
        cols = np.flatnonzero(np.isin(kinds, [k for k, caps in SITE_CAPABILITIES.items() if cap in caps]))
        site_node[row, cols] = len(node_ids) + np.arange(cols.size)
        node_ids.extend(np.strings.add(site_id_array[cols], f"/{cap.value}").tolist())
    index = dict(zip(node_ids, range(len(node_ids)), strict=True))
    svc_index = {s: i for i, s in enumerate(service_ids)}

    def source_node(alt: Alternative) -> int:
        if alt.service is not None:
            return svc_index[alt.service]
        assert alt.site is not None and alt.capability is not None
        return index[f"{alt.site}/{alt.capability.value}"]

    # one group per (rule group, target site), in rule, group, site order; alternatives
    # expand the same way (site-major, then listed order): one block of arrays per rule group
    g_target: list[np.ndarray] = []
    a_source: list[np.ndarray] = []
    a_factor: list[np.ndarray] = []
    a_key: list[np.ndarray] = []  # slot key service * n_sites + site, -1 for none
    a_count: list[np.ndarray] = []
    for rule in scenario.requires:
        if rule.service is not None:
            targets = np.array([svc_index[rule.service]], dtype=np.int64)
            sites = np.array([-1], dtype=np.int64)
        else:
            assert rule.site is not None and rule.capability is not None
            sites = _selected_positions(rule.site, loaded, position, kinds)
            targets = site_node[CAPABILITIES.index(rule.capability), sites]
        for group in rule.groups:
            src = np.array([source_node(a) for a in group], dtype=np.int64)
            factor = np.array([a.factor for a in group], dtype=float)
            slotted = np.array(
                [a.service is not None and a.service in slot_services for a in group], dtype=bool
            )
            svc = np.array(
                [svc_index[a.service] if a.service is not None else -1 for a in group], dtype=np.int64
            )
            key = np.where(
                slotted[None, :] & (sites[:, None] >= 0), svc[None, :] * n_sites + sites[:, None], -1
            )
            g_target.append(targets)
            a_source.append(np.tile(src, targets.size))
            a_factor.append(np.tile(factor, targets.size))
            a_key.append(key.ravel())
            a_count.append(np.full(targets.size, src.size, dtype=np.int64))
    group_target_in = _concat(g_target, np.int64)
    source_in = _concat(a_source, np.int64)
    factor_in = _concat(a_factor, float)
    key_in = _concat(a_key, np.int64)
    count_in = _concat(a_count, np.int64)
    group_in = np.repeat(np.arange(group_target_in.size), count_in)

    # slots are numbered in order of first use
    used = np.flatnonzero(key_in >= 0)
    unique_keys, first = np.unique(key_in[used], return_index=True)
    by_first = np.argsort(first, kind="stable")
    slot_keys = unique_keys[by_first]
    rank = np.empty(unique_keys.size, dtype=np.int64)
    rank[by_first] = np.arange(unique_keys.size)
    slot_in = np.full(key_in.size, -1, dtype=np.int64)
    slot_in[used] = rank[np.searchsorted(unique_keys, key_in[used])]

    level = _levels(len(node_ids), source_in, group_target_in[group_in])
    group_level = level[group_target_in]
    order = np.lexsort((group_target_in, group_level))  # stable: ties keep rule order
    new_group = np.empty(order.size, dtype=np.int64)
    new_group[order] = np.arange(order.size)
    alt_order = np.argsort(new_group[group_in], kind="stable")
    sorted_level = group_level[order]
    starts = np.flatnonzero(np.r_[True, sorted_level[1:] != sorted_level[:-1]]) if order.size else []
    ends = [*list(starts[1:]), order.size] if order.size else []
    bounds = tuple((int(a), int(b)) for a, b in zip(starts, ends, strict=True))
    control = scenario.control
    demand = np.zeros(n_stores)
    demand[:] = stores.demand_units_per_day
    return CompiledNetwork(
        service_ids=service_ids,
        site_ids=site_ids,
        site_kind=np.array(kinds.tolist()),
        n_stores=n_stores,
        node_ids=tuple(node_ids),
        site_node=site_node,
        alt_source=source_in[alt_order],
        alt_factor=factor_in[alt_order],
        alt_group=new_group[group_in][alt_order],
        alt_slot=slot_in[alt_order],
        group_target=group_target_in[order],
        level_group_bounds=bounds,
        slot_service=slot_keys // max(n_sites, 1),
        slot_site=slot_keys % max(n_sites, 1),
        control_from=np.array([svc_index[c.from_] for c in control], dtype=np.int64),
        control_to=np.array([svc_index[c.to] for c in control], dtype=np.int64),
        control_p=np.array([c.p for c in control], dtype=float),
        control_delay_days=np.array([c.delay_days for c in control], dtype=np.int64),
        store_demand_units_per_day=demand,
        index=index,
    )


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def _levels(n_nodes: int, edges_src: np.ndarray, edges_dst: np.ndarray) -> np.ndarray:
    """Longest-path depth of every node from the nodes that require nothing.

    The loader has rejected cycles, so this terminates; the assert guards the invariant.
    """
    level = np.zeros(n_nodes, dtype=np.int64)
    for _ in range(n_nodes + 1):
        if edges_src.size == 0:
            return level
        proposed = level.copy()
        np.maximum.at(proposed, edges_dst, level[edges_src] + 1)
        if np.array_equal(proposed, level):
            return level
        level = proposed
    raise AssertionError("requires graph has a cycle that validation missed")
