"""Vendor concentration: how much of the chain's demand and revenue depends on each party.

Definitions (docs/concepts.md, "Vendor concentration"):

* **What a store can do.** Four measures per store, each a capacity in [0, 1]: ``store.sell``,
  ``store.order``, deliveries (the store's ``store.receive`` limited by what its DC, or while
  that DC has stopped a backup of it, can pick and ship: :meth:`DcRoutes.deliveries`) and
  ``inbound``: the ``dc.receive`` of the DC that serves it (its own, or the covering backup),
  for DCs that hold stock (``supply``; a DC without supply has unlimited stock, so its
  ``dc.receive`` changes nothing). A store's *capacity* is the lowest of the four. DC
  capabilities thus count at the DC's stores.
* **Worst case, first day.** A party's compromise takes down all of its services, and
  spreads from each along every control edge with ``p > 0`` (:func:`worst_case`). No
  precautionary isolation applies (it is a response, not a dependency), nothing is restored
  yet, and the incident's fallbacks are not rolled out (as on the first day of
  :func:`~aftershock.graph.impact.blast_radius`); other alternatives of a requires group
  count with their factor.
* **Exposure.** The demand share at risk of a party is
  ``sum_s demand_s × (capacity_s normally − capacity_s with the party down) / sum_s demand_s``:
  a store that falls to a 0.3 fallback counts 0.7 of its demand. Revenue at risk per day is
  the same demand times the chain's revenue per unit (the item mix is the same at every
  store, so the revenue share equals the demand share). *Direct* exposure takes only the
  party's own services down (requires paths only); the exposure with attack paths adds the
  services its control edges reach.
* **Roles.** Parties of kind ``retailer`` or ``wholesaler`` are the network's own (``own``).
  Another party is a *third party* when its direct exposure is above zero, a *fourth party*
  when only its attack paths into other parties' services expose the chain (it is "reached
  only through another vendor's control path"), else it has no exposure.
* **Concentration index.** The Herfindahl-Hirschman index over vendors (third and fourth
  parties): with ``r_v`` each vendor's revenue at risk, ``s_v = r_v / sum_u r_u`` and
  ``HHI = 10,000 × sum_v s_v^2``, from ``10,000 / n`` (n vendors, equally exposed) to 10,000
  (one vendor carries all the exposure). A store that depends on two vendors counts for
  both, so the shares are of the summed exposure. ``1 / (HHI / 10,000)`` is the effective
  number of vendors.
* **Single points of failure.** Nodes (services and DC or channel capabilities) whose loss
  alone, with no spread and fallbacks not rolled out, leaves selling, ordering, receiving or
  deliveries at zero at some store (:func:`~aftershock.graph.cuts.single_points_of_failure`),
  ranked by the revenue a day of the largest share they zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aftershock.graph.availability import propagate
from aftershock.graph.compile import CompiledNetwork
from aftershock.graph.cuts import DELIVERIES, DcRoutes, single_points_of_failure
from aftershock.graph.spread import NEVER, worst_case
from aftershock.model.network import Capability
from aftershock.model.stores import LoadedScenario

#: Capacities within this of each other count as equal.
EPS = 1e-9

#: Party kinds that are the network's own organisations, not vendors.
OWN_KINDS = frozenset({"retailer", "wholesaler"})

#: Inbound at the serving DC, measured like a store capability.
INBOUND = "inbound"

#: The per-store measures, in the order of every output.
MEASURES: tuple[str, ...] = (Capability.STORE_SELL.value, Capability.STORE_ORDER.value, DELIVERIES, INBOUND)

#: The store capabilities whose zero makes a single point of failure (DELIVERIES added with DCs).
SPOF_MEASURES: tuple[str, ...] = (
    Capability.STORE_SELL.value,
    Capability.STORE_ORDER.value,
    Capability.STORE_RECEIVE.value,
)

#: Smallest share of demand a single point of failure must zero (any store).
SPOF_MIN_SHARE = 1e-9


@dataclass
class PartyExposure:
    """How much of the chain depends on one party."""

    party: str
    kind: str
    #: ``third party``, ``fourth party``, ``own`` or ``none``
    role: str
    services: list[str]
    #: other parties' services its attack paths reach (worst case)
    reaches: list[str]
    #: the parties running those services
    through: list[str]
    #: stores whose capacity drops
    stores: int
    demand_share: float
    direct_demand_share: float
    revenue_per_day: float
    #: measure -> share of demand lost on that measure alone (weighted like demand_share)
    by_measure: dict[str, float]
    #: DC -> share of that DC's stores' demand at risk (empty without DCs)
    by_dc: dict[str, float]
    #: its share of the vendors' summed revenue at risk (``None`` for own parties)
    hhi_share: float | None = None
    rank: int | None = None


@dataclass
class SinglePoint:
    """A node whose loss alone zeroes a capability somewhere, with the revenue it stops."""

    node: str
    #: the party running it (a service), or ``None`` (a DC or channel capability)
    party: str | None
    #: measure -> share of demand zeroed
    measures: dict[str, float]
    demand_share: float
    revenue_per_day: float
    rank: int = 0


@dataclass
class Concentration:
    """Exposure per party, the concentration index over vendors and the ranked SPOFs."""

    parties: list[PartyExposure]
    hhi: float | None
    effective_vendors: float | None
    single_points: list[SinglePoint]
    demand_units_per_day: float
    revenue_per_day: float
    revenue_per_unit: float
    dcs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StoreMeasures:
    """What is needed to measure each store's capacity from node capacities."""

    net: CompiledNetwork
    routes: DcRoutes
    receive_nodes: np.ndarray  # (D,) node of each DC's dc.receive when the DC holds stock; -1: none
    first_day_slots: np.ndarray  # (n_slots,) fallbacks not rolled out, everything else up

    @classmethod
    def of(
        cls, loaded: LoadedScenario, net: CompiledNetwork, routes: DcRoutes | None = None
    ) -> StoreMeasures:
        routes = DcRoutes.of(loaded, net) if routes is None else routes
        stocked = {dc.id for dc in loaded.scenario.sites.dcs if dc.supply is not None}
        receive = np.array(
            [net.index.get(f"{d}/dc.receive", -1) if d in stocked else -1 for d in routes.dc_ids],
            dtype=np.int64,
        )
        svc = {s: i for i, s in enumerate(net.service_ids)}
        fallbacks = [svc[s] for s in loaded.scenario.incident.fallbacks if s in svc]
        slots = (~np.isin(net.slot_service, fallbacks)).astype(float)
        return cls(net, routes, receive, slots)

    def capacities(self, own: np.ndarray) -> np.ndarray:
        """(K, n_nodes) node capacities with ``own`` ((K, n_nodes)) states, fallbacks not rolled out."""
        slots = np.broadcast_to(self.first_day_slots, (own.shape[0], self.first_day_slots.size))
        return propagate(self.net, own, None, slots if slots.size else None)

    def measures(self, cap: np.ndarray) -> np.ndarray:
        """(M, K, S) each store's capacity on each of :data:`MEASURES`."""
        net, routes = self.net, self.routes
        k = cap.shape[0]
        sell = cap[:, net.store_nodes(Capability.STORE_SELL)]
        order = cap[:, net.store_nodes(Capability.STORE_ORDER)]
        deliveries = routes.deliveries(net, cap)
        inbound = np.ones((k, net.n_stores))
        if routes.dc_ids:
            ships = routes.dc_ships(cap)
            _, via = routes.dc_supply(cap)
            d = np.maximum(routes.store_dc, 0)
            serving = np.where(ships[:, d] > EPS, d[None, :], via[:, d])  # (K, S) -1: nobody ships
            serving = np.where(routes.store_dc[None, :] >= 0, serving, -1)
            node = np.where(serving >= 0, self.receive_nodes[np.maximum(serving, 0)], -1)
            rows = np.arange(k)[:, None]
            inbound = np.where(node >= 0, cap[rows, np.maximum(node, 0)], 1.0)
        return np.stack([sell, order, deliveries, inbound])


def _party_services(loaded: LoadedScenario, net: CompiledNetwork) -> dict[str, list[int]]:
    """Service indices of every party (parties listed first, then any only named by a service)."""
    out: dict[str, list[int]] = {p.id: [] for p in loaded.scenario.parties}
    for s in loaded.scenario.services:
        out.setdefault(s.party, []).append(net.service_ids.index(s.id))
    return out


def reached(net: CompiledNetwork, services: list[int]) -> np.ndarray:
    """(n_services,) bool: compromised when all of ``services`` are, spreading along every
    control edge with ``p > 0`` (the worst case)."""
    hit = np.zeros(net.n_services, dtype=bool)
    for s in services:
        hit |= worst_case(net, s) < NEVER
    return hit


def demand_at_risk(
    measures: StoreMeasures, down: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each set of services down (bool (n_services,) each): the demand at risk.

    Returns ``(share, drop, by_measure)``: ``share`` (K,) the demand-weighted share at risk,
    ``drop`` (K, S) each store's fall in capacity, ``by_measure`` (K, M) the share at risk on
    each of :data:`MEASURES` alone. Row 0 of the batch propagated is the network with
    nothing down, which every fall is measured from.
    """
    net = measures.net
    own = np.ones((len(down) + 1, net.n_nodes))
    for row, mask in enumerate(down, start=1):
        own[row, : net.n_services][mask] = 0.0
    per = measures.measures(measures.capacities(own))  # (M, K+1, S)
    normal = per[:, :1, :]
    fall = np.maximum(normal - per[:, 1:, :], 0.0)  # (M, K, S)
    store = np.maximum(per.min(axis=0)[:1] - per.min(axis=0)[1:], 0.0)  # (K, S)
    demand = net.store_demand_units_per_day
    total = float(demand.sum()) or 1.0
    return store @ demand / total, store, (fall @ demand / total).T


def concentration(
    loaded: LoadedScenario, net: CompiledNetwork, routes: DcRoutes | None = None
) -> Concentration:
    """Exposure of every party, the HHI over vendors and the single points of failure."""
    scenario = loaded.scenario
    measures = StoreMeasures.of(loaded, net, routes)
    routes = measures.routes
    shares = np.array([i.demand_share for i in scenario.items], dtype=float)
    unit_price = float((shares / shares.sum()) @ np.array([i.price for i in scenario.items]))
    demand = net.store_demand_units_per_day
    total = float(demand.sum())
    kinds = {p.id: p.kind for p in scenario.parties}
    party_of = {s.id: s.party for s in scenario.services}
    services = _party_services(loaded, net)
    names = list(services)
    downs: list[np.ndarray] = []
    for name in names:
        mine = np.zeros(net.n_services, dtype=bool)
        mine[services[name]] = True
        downs += [mine, reached(net, services[name])]
    share, drop, by_measure = demand_at_risk(measures, downs) if downs else (np.zeros(0),) * 3
    dc_groups = routes.store_dc[None, :] == np.arange(len(routes.dc_ids))[:, None]
    dc_demand = np.maximum(dc_groups @ demand, 1e-300)
    parties: list[PartyExposure] = []
    for i, name in enumerate(names):
        direct, full = float(share[2 * i]), float(share[2 * i + 1])
        hit = downs[2 * i + 1] & ~downs[2 * i]
        reaches = [net.service_ids[s] for s in np.flatnonzero(hit)]
        kind = kinds.get(name, "other")
        if kind in OWN_KINDS:
            role = "own"
        elif direct > EPS:
            role = "third party"
        elif full > EPS:
            role = "fourth party"
        else:
            role = "none"
        fall = drop[2 * i + 1]
        parties.append(
            PartyExposure(
                party=name,
                kind=kind,
                role=role,
                services=[net.service_ids[s] for s in services[name]],
                reaches=reaches,
                through=sorted({party_of[s] for s in reaches} - {name}),
                stores=int((fall > EPS).sum()),
                demand_share=full,
                direct_demand_share=direct,
                revenue_per_day=full * total * unit_price,
                by_measure={m: float(by_measure[2 * i + 1, j]) for j, m in enumerate(MEASURES)},
                by_dc={
                    dc: float((dc_groups[d] * fall) @ demand / dc_demand[d])
                    for d, dc in enumerate(routes.dc_ids)
                },
            )
        )
    hhi, effective = herfindahl(parties)
    # equal exposure (a fourth party and the vendor it reaches through): the nearer one first
    vendors = sorted(
        (p for p in parties if p.role in ("third party", "fourth party")),
        key=lambda p: (-round(p.demand_share, 12), p.role != "third party", p.party),
    )
    for rank, p in enumerate(vendors, start=1):
        p.rank = rank
    # parties that run no service (the stores' owners, a producer) depend on nothing: left out
    others = sorted(
        (p for p in parties if p.rank is None and p.services),
        key=lambda p: (p.role != "own", -p.demand_share, p.party),
    )
    return Concentration(
        parties=vendors + others,
        hhi=hhi,
        effective_vendors=effective,
        single_points=single_points(measures, party_of, unit_price),
        demand_units_per_day=total,
        revenue_per_day=total * unit_price,
        revenue_per_unit=unit_price,
        dcs=list(routes.dc_ids),
    )


def herfindahl(parties: list[PartyExposure]) -> tuple[float | None, float | None]:
    """HHI (0-10,000) over the vendors' revenue at risk, and the effective number of vendors.

    Sets each vendor's ``hhi_share``. ``(None, None)`` when no vendor exposes the chain.
    """
    vendors = [p for p in parties if p.role in ("third party", "fourth party")]
    exposure = np.array([p.demand_share for p in vendors])
    if not vendors or exposure.sum() <= 0:
        return None, None
    s = exposure / exposure.sum()
    for p, x in zip(vendors, s, strict=True):
        p.hhi_share = float(x)
    hhi = float(10_000 * (s**2).sum())
    return hhi, 10_000 / hhi


def single_points(measures: StoreMeasures, party_of: dict[str, str], unit_price: float) -> list[SinglePoint]:
    """Single points of failure (first day: fallbacks not rolled out) ranked by revenue a day."""
    net, routes = measures.net, measures.routes
    slots = measures.first_day_slots if measures.first_day_slots.size else None
    found: dict[str, dict[str, float]] = {}
    for measure in SPOF_MEASURES + ((DELIVERIES,) if routes.dc_ids else ()):
        for cut in single_points_of_failure(
            net, measure, threshold=SPOF_MIN_SHARE, routes=routes, slot_state=slots
        ):
            found.setdefault(cut.nodes[0], {})[measure] = cut.demand_share
    total = float(net.store_demand_units_per_day.sum())
    rows = [
        SinglePoint(
            node=node,
            party=party_of.get(node),
            measures=shares,
            demand_share=max(shares.values()),
            revenue_per_day=max(shares.values()) * total * unit_price,
        )
        for node, shares in found.items()
    ]
    rows.sort(key=lambda r: (-r.demand_share, r.node))
    for rank, r in enumerate(rows, start=1):
        r.rank = rank
    return rows
