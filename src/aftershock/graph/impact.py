"""Blast radius of a compromise: what fails, what keeps running, and why.

The worst case is used: every control edge with ``p > 0`` carries the attack, every
isolation of the response is in force, nothing is restored yet. Two views are given:
the first day (no fallback rolled out) and with every planned fallback fully rolled out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from aftershock.graph.availability import propagate
from aftershock.graph.compile import CAPABILITIES, CompiledNetwork
from aftershock.graph.spread import NEVER, worst_case
from aftershock.graph.timeline import IncidentTimeline

#: Capacities within this of 1 count as "full", of 0 as "none".
EPS = 1e-9


@dataclass
class NodeStatus:
    """Capacity of one node and the reason in words."""

    node: str
    capacity: float
    reason: str


@dataclass
class StoreGroup:
    """Stores sharing one capability outcome and its explanation."""

    capability: str
    status: str
    capacity: float
    stores: int
    demand_share: float
    reason: str
    regions: dict[str, int]


@dataclass
class ImpactView:
    """State of the network at one moment of the incident."""

    label: str
    services: list[NodeStatus]
    sites: list[NodeStatus]
    store_groups: list[StoreGroup]
    regions: list[dict[str, object]]
    sell_capacity_share: float


@dataclass
class Impact:
    """Blast radius report for a compromise."""

    compromised: list[dict[str, object]]
    isolated: list[str]
    views: list[ImpactView] = field(default_factory=list)


def status_word(capacity: float) -> str:
    """``full``, ``partial`` or ``none``."""
    if capacity >= 1 - EPS:
        return "full"
    if capacity <= EPS:
        return "none"
    return "partial"


def blast_radius(
    net: CompiledNetwork,
    timeline: IncidentTimeline,
    regions: np.ndarray,
    *,
    start_service: int | None = None,
) -> Impact:
    """Worst-case impact of compromising ``start_service`` (default: the scenario's)."""
    start = timeline.start_service if start_service is None else start_service
    comp_day = worst_case(net, start, 0)
    compromised = np.flatnonzero(comp_day < NEVER)
    paths = _attack_paths(net, start)
    comp_info = [
        {
            "service": net.service_ids[s],
            "path": [net.service_ids[p] for p in paths[s][0]],
            "path_probability": round(paths[s][1], 6),
            "delay_days": int(comp_day[s]),
        }
        for s in compromised
    ]
    own = np.ones((1, net.n_nodes))
    own[0, compromised] = 0.0
    isolated_names = []
    for s in timeline.iso_service:
        own[0, s] = 0.0
        isolated_names.append(net.service_ids[s])
    alt = np.ones(net.alt_source.size)
    for mask in timeline.iso_alt_mask:
        alt[mask] = 0.0
    for i, mask in enumerate(timeline.iso_alt_mask):
        src = net.alt_source[mask]
        tgt = net.group_target[net.alt_group[mask]]
        if src.size:
            isolated_names.append(
                f"link {net.node_ids[src[0]]} -> {_collapse(net, tgt)}"
                if len(set(tgt.tolist())) > 1
                else f"link {net.node_ids[src[0]]} -> {net.node_ids[tgt[0]]}"
            )
        else:
            isolated_names.append(f"link #{i} (matches no requires edge)")
    is_comp = np.zeros(net.n_services, dtype=bool)
    is_comp[compromised] = True
    # crews restore slotted sites only after the compromise: in the worst case every slot is down
    first_slots = np.where(timeline.slot_is_fallback, 0.0, np.where(is_comp[net.slot_service], 0.0, 1.0))
    rolled = timeline.slot_fallback_day < NEVER
    later_slots = np.where(timeline.slot_is_fallback, rolled.astype(float), first_slots)
    views = [
        _view("first day", net, own, alt, first_slots[None, :], is_comp, timeline, regions),
    ]
    if timeline.slot_is_fallback.any():
        views.append(
            _view(
                "fallbacks rolled out",
                net,
                own,
                alt,
                later_slots[None, :],
                is_comp,
                timeline,
                regions,
            )
        )
    return Impact(compromised=comp_info, isolated=isolated_names, views=views)


def _collapse(net: CompiledNetwork, targets: np.ndarray) -> str:
    names = {net.node_ids[t].partition("/")[2] for t in targets}
    return f"{len(set(targets.tolist()))} sites' {'/'.join(sorted(names))}"


def _attack_paths(net: CompiledNetwork, start: int) -> dict[int, tuple[list[int], float]]:
    """Most probable control path to each reachable service (max product of p)."""
    best: dict[int, tuple[list[int], float]] = {start: ([start], 1.0)}
    for _ in range(net.n_services):
        changed = False
        for e in range(net.control_from.size):
            src, dst, p = int(net.control_from[e]), int(net.control_to[e]), float(net.control_p[e])
            if src in best and p > 0:
                prob = best[src][1] * p
                is_better = dst not in best or prob > best[dst][1] + 1e-15
                if is_better and dst not in best[src][0]:
                    best[dst] = ([*best[src][0], dst], prob)
                    changed = True
        if not changed:
            break
    return best


def _view(
    label: str,
    net: CompiledNetwork,
    own: np.ndarray,
    alt: np.ndarray,
    slots: np.ndarray,
    is_comp: np.ndarray,
    timeline: IncidentTimeline,
    regions: np.ndarray,
) -> ImpactView:
    cap = propagate(net, own, alt, slots)[0]
    weight = net.alt_factor * alt
    if net.alt_slot.size:
        has = net.alt_slot >= 0
        weight = weight.copy()
        weight[has] *= slots[0, net.alt_slot[has]]
    value = cap[net.alt_source] * weight
    iso_services = set(timeline.iso_service.tolist())

    def node_reason(node: int) -> str:
        if node < net.n_services:
            if is_comp[node]:
                return "compromised"
            if node in iso_services:
                return "isolated (precaution)"
        if cap[node] >= 1 - EPS:
            return "up"
        return "needs " + _binding(node)

    def alt_text(a: int) -> str:
        src = int(net.alt_source[a])
        name = net.node_ids[src]
        if alt[a] <= EPS:
            return f"{name} (link isolated)"
        if src < net.n_services and cap[src] <= EPS:
            return f"{name} ({node_reason(src)})"
        if net.alt_slot[a] >= 0 and slots[0, net.alt_slot[a]] <= EPS:
            state = (
                "not rolled out here" if timeline.slot_is_fallback[net.alt_slot[a]] else "not restored here"
            )
            return f"{name} ({state})"
        factor = f" x{net.alt_factor[a]:g}" if net.alt_factor[a] < 1 else ""
        if cap[src] >= 1 - EPS:
            return f"{name}{factor}"
        return f"{name}{factor} ({node_reason(src) if src < net.n_services else status_word(cap[src])})"

    groups_of: dict[int, list[int]] = defaultdict(list)
    for g, t in enumerate(net.group_target):
        groups_of[int(t)].append(g)
    alt_bounds = np.searchsorted(net.alt_group, np.arange(net.group_target.size + 1))

    def _binding(node: int) -> str:
        parts = []
        for g in groups_of.get(node, []):
            a0, a1 = alt_bounds[g], alt_bounds[g + 1]
            if value[a0:a1].max(initial=0.0) < 1 - EPS:
                parts.append(" or ".join(alt_text(a) for a in range(a0, a1)))
        return "; ".join(parts) if parts else "(own state)"

    def _via(node: int) -> str:
        parts = []
        for g in groups_of.get(node, []):
            a0, a1 = alt_bounds[g], alt_bounds[g + 1]
            best = a0 + int(np.argmax(value[a0:a1]))
            parts.append(alt_text(best))
        return "via " + ", ".join(parts) if parts else "no requirements"

    services = [NodeStatus(net.service_ids[s], float(cap[s]), node_reason(s)) for s in range(net.n_services)]
    sites = []
    for row in range(len(CAPABILITIES)):
        for col in range(net.n_stores, len(net.site_ids)):
            node = net.site_node[row, col]
            if node >= 0:
                reason = node_reason(node) if cap[node] < 1 - EPS else _via(node)
                sites.append(NodeStatus(net.node_ids[node], float(cap[node]), reason))
    demand = net.store_demand_units_per_day
    total = float(demand.sum()) or 1.0
    store_groups: list[StoreGroup] = []
    for row, capability in enumerate(CAPABILITIES):
        nodes = net.site_node[row, : net.n_stores]
        if (nodes < 0).all():
            continue
        buckets: dict[tuple[str, float, str], list[int]] = defaultdict(list)
        for i, node in enumerate(nodes):
            c = float(cap[node])
            reason = _via(node) if c >= 1 - EPS else node_reason(node)
            buckets[(status_word(c), round(c, 6), reason)].append(i)
        for (status, c, reason), members in sorted(buckets.items(), key=lambda kv: (-kv[0][1], kv[0][2])):
            idx = np.array(members)
            counts: dict[str, int] = defaultdict(int)
            for r in regions[idx]:
                counts[str(r)] += 1
            store_groups.append(
                StoreGroup(
                    capability=capability.value,
                    status=status,
                    capacity=c,
                    stores=len(members),
                    demand_share=float(demand[idx].sum() / total),
                    reason=reason,
                    regions=dict(sorted(counts.items())),
                )
            )
    sell = cap[net.store_nodes("store.sell")]
    region_rows = []
    for region in sorted(set(regions.tolist())):
        mask = regions == region
        region_rows.append(
            {
                "region": str(region),
                "stores": int(mask.sum()),
                "selling_full": int((sell[mask] >= 1 - EPS).sum()),
                "selling_partial": int(((sell[mask] > EPS) & (sell[mask] < 1 - EPS)).sum()),
                "closed": int((sell[mask] <= EPS).sum()),
                "sell_capacity_share": float(
                    (sell[mask] * demand[mask]).sum() / max(demand[mask].sum(), 1e-12)
                ),
            }
        )
    return ImpactView(
        label=label,
        services=services,
        sites=sites,
        store_groups=store_groups,
        regions=region_rows,
        sell_capacity_share=float((sell * demand).sum() / total),
    )
