"""Blast radius of a compromise: what fails, what keeps running, and why.

The worst case is used: every control edge with ``p > 0`` carries the attack, every
isolation of the response is in force, nothing is restored yet. Two views are given:
the first day (no fallback rolled out) and with every planned fallback fully rolled out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from aftershock.graph.availability import propagate
from aftershock.graph.compile import CAPABILITIES, CompiledNetwork
from aftershock.graph.cuts import DELIVERIES, DcRoutes
from aftershock.graph.quotient import row_classes
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
    #: stores of each DC in the group, by DC id (empty when the scenario lists no DC)
    dcs: dict[str, int] = field(default_factory=dict)


@dataclass
class ImpactView:
    """State of the network at one moment of the incident."""

    label: str
    services: list[NodeStatus]
    sites: list[NodeStatus]
    store_groups: list[StoreGroup]
    regions: list[dict[str, object]]
    sell_capacity_share: float
    #: one row per DC (sorted by id): can it ship, who covers for it, how its stores fare
    dcs: list[dict[str, object]] = field(default_factory=list)


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
    routes: DcRoutes | None = None,
) -> Impact:
    """Worst-case impact of compromising ``start_service`` (default: the scenario's).

    With ``routes`` (:meth:`DcRoutes.of`), each view also has one row per DC and store groups
    of :data:`~aftershock.graph.cuts.DELIVERIES` (what reaches each store from its DC or a
    backup), and every store group counts its stores per DC.
    """
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
        _view("first day", net, own, alt, first_slots[None, :], is_comp, timeline, regions, routes),
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
                routes,
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
    routes: DcRoutes | None = None,
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

    explain = _Explainer(net, cap, alt, slots[0], timeline.slot_is_fallback)
    alt_bounds = net.propagation_plan[0]

    def groups_of(node: int) -> range:
        return range(explain.g_start[node], explain.g_end[node])

    def _binding(node: int) -> str:
        parts = []
        for g in groups_of(node):
            a0, a1 = alt_bounds[g], alt_bounds[g + 1]
            if value[a0:a1].max(initial=0.0) < 1 - EPS:
                parts.append(" or ".join(alt_text(a) for a in range(a0, a1)))
        return "; ".join(parts) if parts else "(own state)"

    def _via(node: int) -> str:
        parts = []
        for g in groups_of(node):
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

    def store_reason(node: int) -> str:
        return _via(node) if cap[node] >= 1 - EPS else node_reason(node)

    measured: list[tuple[str, np.ndarray, np.ndarray, list[str]]] = []
    for row, capability in enumerate(CAPABILITIES):
        nodes = net.site_node[row, : net.n_stores]
        if (nodes < 0).all():
            continue
        codes, texts = explain.nodes(nodes, store_reason)
        measured.append((capability.value, cap[nodes], codes, texts))
    dc_rows: list[dict[str, object]] = []
    if routes is not None and routes.dc_ids:
        caps, codes, texts, dc_rows = _deliveries(net, cap, routes, node_reason, demand, explain)
        measured.append((DELIVERIES, caps, codes, texts))
    region_names, region_code = np.unique(np.asarray(regions).astype(str), return_inverse=True)
    region_code = region_code.ravel()
    if routes is not None and routes.dc_ids:
        dc_names = np.array([*routes.dc_ids, ""])  # "": a store with no DC
        dc_code = np.where(routes.store_dc >= 0, routes.store_dc, len(routes.dc_ids))
    else:
        dc_names, dc_code = None, None
    store_groups: list[StoreGroup] = []
    for capability, caps, codes, texts in measured:
        for status, c, reason, members in _buckets(caps, codes, texts):
            store_groups.append(
                StoreGroup(
                    capability=capability,
                    status=status,
                    capacity=c,
                    stores=int(members.size),
                    demand_share=float(demand[members].sum() / total),
                    reason=reason,
                    regions=_count_codes(region_code[members], region_names),
                    dcs={} if dc_names is None else _count_codes(dc_code[members], dc_names),
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
        dcs=_dc_selling(dc_rows, sell, routes),
    )


def _buckets(
    caps: np.ndarray, codes: np.ndarray, texts: list[str]
) -> list[tuple[str, float, str, np.ndarray]]:
    """Stores sharing (status, capacity to 6 places, reason): ``(status, capacity, reason, members)``
    each, members in store order; sorted by capacity (highest first), then reason, then first store."""
    unique_caps, cap_code = np.unique(caps, return_inverse=True)
    # Python's round, as the report always used, on the few distinct capacities only
    rounded = [round(c, 6) for c in unique_caps.tolist()]
    status = [status_word(c) for c in unique_caps.tolist()]
    key_of_cap = {}
    cap_key = np.empty(unique_caps.size, dtype=np.int64)
    for i, key in enumerate(zip(status, rounded, strict=True)):
        cap_key[i] = key_of_cap.setdefault(key, len(key_of_cap))
    keys = list(key_of_cap)
    combined = cap_key[cap_code.ravel()] * max(len(texts), 1) + codes
    found, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    out = []
    for k in np.argsort(first, kind="stable"):
        st, c = keys[int(found[k]) // max(len(texts), 1)]
        out.append((st, c, texts[int(found[k]) % max(len(texts), 1)], np.flatnonzero(inverse == k)))
    out.sort(key=lambda b: (-b[1], b[2]))
    return out


def _count_codes(codes: np.ndarray, names: np.ndarray) -> dict[str, int]:
    """How many of each label (``names[code]``), sorted by label."""
    counts = np.bincount(codes, minlength=len(names))
    present = sorted(np.flatnonzero(counts).tolist(), key=lambda k: str(names[k]))
    return {str(names[k]): int(counts[k]) for k in present}


class _Explainer:
    """One explanation per *cause*, not per node.

    A node's reason text is a function of its capacity and, for each of its alternatives
    in order, of the alternative's group (relative to the node's first), source, factor,
    link state, and site slot (its state, and whether it is a fallback's). Nodes equal in
    all of these, such as every store a rule selects whose slots are in the same state,
    share one text: it is written once for the first of them and given to the rest.
    """

    def __init__(
        self,
        net: CompiledNetwork,
        cap: np.ndarray,
        alt: np.ndarray,
        slots: np.ndarray,
        is_fallback: np.ndarray,
    ) -> None:
        group_alt_start, run_group_start, run_target = net.propagation_plan
        g_start = np.zeros(net.n_nodes, dtype=np.int64)
        g_end = np.zeros(net.n_nodes, dtype=np.int64)
        g_start[run_target] = run_group_start[:-1]
        g_end[run_target] = run_group_start[1:]
        self.cap = cap
        self.g_start = g_start
        self.g_end = g_end
        self.a_start = group_alt_start[g_start]
        self.a_end = group_alt_start[g_end]
        self.alt_group = net.alt_group
        has = net.alt_slot >= 0
        slot_value = np.full(net.alt_slot.size, -1.0)
        slot_value[has] = slots[net.alt_slot[has]]
        fallback = np.zeros(net.alt_slot.size)
        fallback[has] = is_fallback[net.alt_slot[has]]
        self.alt_features = np.column_stack(
            [net.alt_source.astype(float), net.alt_factor, alt, slot_value, fallback]
        )

    def nodes(self, nodes: np.ndarray, explain: Callable[[int], str]) -> tuple[np.ndarray, list[str]]:
        """Reason of each of ``nodes`` as ``(codes, texts)``: node ``i``'s is ``texts[codes[i]]``."""
        lengths = self.a_end[nodes] - self.a_start[nodes]
        codes = np.empty(nodes.size, dtype=np.int64)
        text_id: dict[str, int] = {}
        for length in np.unique(lengths).tolist():
            sel = np.flatnonzero(lengths == length)
            picked = nodes[sel]
            alts = self.a_start[picked][:, None] + np.arange(length)[None, :]
            rows = np.concatenate(
                [
                    self.cap[picked][:, None],
                    (self.alt_group[alts] - self.g_start[picked][:, None]).astype(float),
                    self.alt_features[alts].reshape(picked.size, -1),
                ],
                axis=1,
            )
            first, inverse = row_classes(rows)
            local = np.array(
                [text_id.setdefault(explain(int(picked[f])), len(text_id)) for f in first.tolist()],
                dtype=np.int64,
            )
            codes[sel] = local[inverse]
        return codes, list(text_id)


def _deliveries(
    net: CompiledNetwork,
    cap: np.ndarray,
    routes: DcRoutes,
    node_reason: Callable[[int], str],
    demand: np.ndarray,
    explain: _Explainer,
) -> tuple[np.ndarray, np.ndarray, list[str], list[dict[str, object]]]:
    """Deliveries at each store with the reason (as codes into texts, see :class:`_Explainer`),
    and one row per DC (a scenario with DCs).

    A store's deliveries are its store.receive, limited by what its DC ships, or (while the
    DC has stopped) by the best backup's capacity × its share of spare.
    """
    receive_nodes = net.store_nodes("store.receive")
    receive = cap[receive_nodes]
    values = routes.deliveries(net, cap[None, :])[0]
    ships = routes.dc_ships(cap[None, :])[0]
    supply, via = (a[0] for a in routes.dc_supply(cap[None, :]))
    total = float(demand.sum()) or 1.0
    side_text = []
    rows: list[dict[str, object]] = []
    for d, dc in enumerate(routes.dc_ids):
        nodes = [int(n) for n in (routes.pick_nodes[d], routes.ship_nodes[d]) if n >= 0]
        down = [f"{net.node_ids[n]}: {node_reason(n)}" for n in nodes if cap[n] < 1 - EPS]
        backups = [routes.dc_ids[b] for b, _ in routes.backups[d]]
        if ships[d] > EPS:
            text = f"via {dc}" + (f" ({'; '.join(down)})" if down else "")
        elif via[d] >= 0:
            b = int(via[d])
            share = dict(routes.backups[d])[b]
            text = (
                f"{dc} stopped; backup {routes.dc_ids[b]} covers after its switch-over, "
                f"lending up to {share:.0%} of its spare capacity"
            )
        else:
            none = f"no backup ships ({', '.join(backups)})" if backups else "it has no backup DC"
            text = f"{dc} stopped; {none}"
        side_text.append(text)
        mine = routes.store_dc == d
        got = values[mine]
        rows.append(
            {
                "dc": dc,
                "stores": int(mine.sum()),
                "demand_share": float(demand[mine].sum() / total),
                "ships": float(ships[d]),
                "status": status_word(float(ships[d])),
                "reason": "; ".join(down) if down else "up",
                "backups": backups,
                "covered_by": routes.dc_ids[int(via[d])] if via[d] >= 0 else None,
                "supply": float(supply[d]),
                "deliveries": {
                    "full": int((got >= 1 - EPS).sum()),
                    "partial": int(((got > EPS) & (got < 1 - EPS)).sum()),
                    "none": int((got <= EPS).sum()),
                },
            }
        )
    store_dc = routes.store_dc
    has_dc = store_dc >= 0
    dc = np.maximum(store_dc, 0)
    binding = (receive <= EPS) | ((receive < 1 - EPS) & (~has_dc | (receive < supply[dc])))
    own = binding & (~has_dc | (ships[dc] > EPS))
    # codes: each DC's side text, then "no DC", then the receive reasons
    texts = [*side_text, "no DC"]
    codes = np.where(has_dc, store_dc, len(side_text))
    if own.any():
        mine, receive_texts = explain.nodes(receive_nodes[own], lambda n: f"store.receive {node_reason(n)}")
        codes[own] = mine + len(texts)
        texts += receive_texts
    # one code per distinct text, as a per-store list of strings would have grouped them
    text_id: dict[str, int] = {}
    remap = np.array([text_id.setdefault(t, len(text_id)) for t in texts], dtype=np.int64)
    return values, remap[codes], list(text_id), rows


def _dc_selling(
    rows: list[dict[str, object]], sell: np.ndarray, routes: DcRoutes | None
) -> list[dict[str, object]]:
    """The DC rows with how each DC's stores sell."""
    if routes is None:
        return rows
    for d, row in enumerate(rows):
        mine = sell[routes.store_dc == d]
        row["selling"] = {
            "full": int((mine >= 1 - EPS).sum()),
            "partial": int(((mine > EPS) & (mine < 1 - EPS)).sum()),
            "closed": int((mine <= EPS).sum()),
        }
    return rows
