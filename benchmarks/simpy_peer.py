"""A straightforward SimPy process model of the engine's day order: the peer we measure against.

One process per store, one per DC and a daily clock, with a Python object per store, per
DC and per open order, as a hand-built simulation would be written. A day ``d`` runs in
these phases, the same order as the engine (``aftershock.sim.engine``):

* ``d + 0.0``, the clock: the incident's capacities for the day (step 1), read from the
  same compiled inputs and the same sampled compromise days as the engine, recomputed
  every day (the engine recomputes only on timeline events, so this also checks that);
* ``d + 0.05``, every DC with supply: supplier deliveries due today join its dock, and the
  dock receives what ``dc.receive`` and the inbound capacity allow into its stock (2);
* ``d + 0.1``, every store, in store-table order: shipments due today arrive (2), demand is
  drawn (3: deterministic, or Poisson from the store's own ``numpy`` Generator), sales =
  min(demand at open doors, on hand), the rest is lost (4); on its review day, if it can
  order, the store orders up to its level (5: only lines at or below the reorder point)
  and the order joins the queue of the store's own DC;
* ``d + 0.2``, ``d + 0.3`` and ``d + 0.4``, every DC, in id order (step 6). A DC can ship
  ``pick capacity × min(dc.pick, dc.ship)`` units today; it is *stopped* when that
  availability is 0, and a backup covers it once it has been stopped for more than the
  backup's ``switch_over_days`` days in a row (today counted). With ``own_stores_first``
  each DC ships its own stores' open orders at ``0.2``; at ``0.3`` each stopped and
  switched DC asks its backups, in the order listed, to lend ``share_of_spare`` × what they
  have left; at ``0.4`` it clears its shipped orders and, with supply, orders from its
  suppliers. With ``covered_stores_first`` the lending at ``0.3`` comes first and each DC
  ships its own stores with what is left at ``0.4``. Shipping is FIFO: oldest open orders
  first (order day, then store; within an order, item by item), to stores that can
  receive; with supply, the lines of an item are scaled in proportion when the DC holds
  less stock than they ask for. A shipment arrives ``lead time`` days later, plus the
  backup's ``extra_lead_time_days`` when a backup ships it;
* ``d + 0.5``, the recorder: the day's chain totals and per-DC series.

The DC processes are started in id order and wait the same steps every day, so SimPy (which
runs the events of one moment in the order they were scheduled) runs them in id order.

A store holds at most ``open_slots`` open orders; a further order merges into its newest
open order, which keeps its day (as documented in ``build_inputs``).

Covered: one or many DCs, each serving its own stores; backup DCs (both priorities); DC
stock with suppliers, dock and inbound capacity; one or many items, weekday factors, (s, S)
reorder points, closed or partly open doors (without diversion), closed receiving, the FIFO
allocation. Not covered, and refused by :func:`check_supported`: diversion to online or
nearby stores, click and collect, churn, order caps, delivery-run (stores per day) limits,
surge, per-replication incident rows, negative binomial demand, allocation policies other
than ``fifo`` (at any DC) and stores without a DC.

The inputs the peer reads from :class:`SimInputs` about DCs are gathered in
:func:`network`, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from aftershock.sim.engine import capacities, sample_compromise
from aftershock.sim.inputs import Backup, SimInputs
from aftershock.sim.runner import replication_seeds
from aftershock.sim.state import Capacities

#: Units below which an order line counts as shipped (the engine's tolerance).
DONE_UNITS = 1e-9
#: Names of the daily chain totals the peer records, shape (replication, day) after :func:`run`.
SERIES = ("demand_units", "sales_units", "lost_units", "shipped_units", "backlog_units", "on_hand_units")
#: Names of the daily per-DC series, shape (replication, dc, day) after :func:`run` (DCs in id order);
#: ``dc_stock_units`` is NaN at a DC without supply (the engine records inf there).
DC_SERIES = (
    "dc_backlog_units",
    "dc_shipped_units",
    "dc_capacity_units_by_dc",
    "dc_lent_units",
    "dc_stock_units",
)


@dataclass
class Order:
    """One open store order at its DC."""

    day: int
    store: int
    lines: np.ndarray  # units still owed per item


@dataclass
class Store:
    """A store: its shelf, what is on the way to it and its open orders."""

    index: int
    dc: int  # index of the DC that serves it (DCs in id order)
    on_hand: np.ndarray  # (I,)
    rng: np.random.Generator
    arrivals: dict[int, np.ndarray] = field(default_factory=dict)  # day -> units (I,)
    orders: list[Order] = field(default_factory=list)  # this store's open orders, oldest first


@dataclass(frozen=True)
class Supply:
    """A DC's stock parameters, per item (I,) unless said otherwise."""

    initial_stock: np.ndarray
    target_position: np.ndarray  # stock + on the way + at the dock it orders up to
    daily_demand: np.ndarray  # normal demand of its stores: one day of it is on the way per lead day
    lead_days: np.ndarray  # of the item's supplier
    supplier: np.ndarray  # the item's supplier (an index into ``supplier_capacity``)
    supplier_capacity: dict[int, float]  # units a day over the supplier's items; inf: no limit
    inbound_capacity: float  # units the dock receives a day at full dc.receive; inf: no limit


@dataclass(frozen=True)
class DCSpec:
    """What the peer needs to know of one DC."""

    id: str
    pick_capacity: float
    backups: tuple[Backup, ...]  # dc, share, extra_lead_days, switch_over_days; in the order listed
    supply: Supply | None  # None: unlimited stock


def network(inp: SimInputs) -> list[DCSpec]:
    """The DCs, in id order, from the engine inputs (the one place that reads their fields)."""
    specs = []
    for d, ident in enumerate(inp.dc_ids):
        supply = None
        supplier = inp.supplier_index[d]
        if (supplier >= 0).any():
            assert (supplier >= 0).all(), "peer: a DC with supply has a supplier for every item"
            supply = Supply(
                initial_stock=inp.dc_initial_stock[d].copy(),
                target_position=inp.dc_target_position[d].copy(),
                daily_demand=inp.dc_daily_demand[d].copy(),
                lead_days=inp.supplier_lead[d].astype(np.int64),
                supplier=supplier.astype(np.int64),
                supplier_capacity={int(k): float(inp.supplier_capacity[k]) for k in set(supplier.tolist())},
                inbound_capacity=float(inp.dc_inbound_capacity[d]),
            )
        specs.append(DCSpec(ident, float(inp.dc_pick_capacity[d]), tuple(inp.dc_backups[d]), supply))
    return specs


def dc_availability(cap: Capacities, d: int) -> tuple[float, float, float]:
    """Today's availability (0-1) of DC ``d``'s dc.pick, dc.ship and dc.receive (replication row 0)."""
    return float(cap.pick[0, d]), float(cap.ship[0, d]), float(cap.dc_receive[0, d])


def check_supported(inp: SimInputs) -> None:
    """The peer models the shared core, several DCs, backups and DC stock: refuse the rest."""
    assert inp.divert_online_fraction == 0 and inp.divert_nearby_fraction == 0, "peer: no diversion"
    assert not np.any(inp.store_collect_share), "peer: no click and collect"
    assert inp.churn_fraction == 0, "peer: no churn"
    assert not inp.has_inflation, "peer: no order inflation"
    assert not inp.has_cap, "peer: no order caps"
    assert not np.isfinite(inp.dc_delivery_capacity).any(), "peer: no delivery-run limit"
    assert not np.any(inp.surge_pick), "peer: no surge"
    assert inp.rows is None, "peer: one incident shape"
    assert all(a == "fifo" for a in inp.dc_policy_names), "peer: FIFO allocation only (at every DC)"
    assert inp.distribution in ("deterministic", "poisson"), "peer: deterministic or Poisson demand"
    assert len(inp.dc_ids) > 0 and (inp.store_dc >= 0).all(), "peer: every store has a DC"
    assert inp.planned_units is None, "peer: no dispatch plan"


class DC:
    """One DC of one replication: its queue of open orders, its stock and its day's counters."""

    def __init__(self, rep: Replication, index: int, spec: DCSpec) -> None:
        inp = rep.inp
        self.rep = rep
        self.index = index
        self.spec = spec
        self.queue: list[Order] = []  # open orders of its own stores
        self.down_days = 0  # consecutive days stopped, today included
        self.capacity = 0.0  # units it can ship today
        self.left = 0.0  # of which not shipped or lent yet
        self.shipped = 0.0  # units shipped today, own stores and lent
        self.lent = 0.0  # units shipped today to other DCs' stores
        self.stock: np.ndarray | None = None  # (I,) None: unlimited
        self.dock = np.zeros(inp.n_items)
        self.inbound: dict[int, np.ndarray] = {}  # day -> units from suppliers (I,)
        if spec.supply is not None:
            self.stock = spec.supply.initial_stock.copy()
            # before day 0 the DC received one day of its stores' demand a day: still on the way
            for i in range(inp.n_items):
                for day in range(int(spec.supply.lead_days[i])):
                    self.inbound.setdefault(day, np.zeros(inp.n_items))[i] += spec.supply.daily_demand[i]

    # -- the process ------------------------------------------------------------------------

    def process(self):
        """Step 2 (supply) and step 6 (dispatch, lending, supplier orders) every day."""
        rep = self.rep
        yield rep.env.timeout(0.05)
        while True:
            day = round(rep.env.now - 0.05)
            pick, ship, receive = dc_availability(rep.cap, self.index)
            if self.stock is not None:
                self.receive_supply(day, receive)
            yield rep.env.timeout(0.15)  # d + 0.2: the stores have sold and ordered
            self.capacity = self.spec.pick_capacity * min(pick, ship)
            self.left = self.capacity
            self.shipped = self.lent = 0.0
            self.down_days = self.down_days + 1 if min(pick, ship) == 0 else 0
            own_first = not rep.inp.backup_covered_first
            if own_first:
                self.ship_own(day)
            yield rep.env.timeout(0.1)  # d + 0.3: backups lend to stopped DCs, in id order
            for backup in self.spec.backups:
                if self.down_days > backup.switch_over_days:
                    rep.dcs[backup.dc].lend(self, backup, day)
            yield rep.env.timeout(0.1)  # d + 0.4
            if not own_first:
                self.ship_own(day)
            self.clear_done()
            if self.stock is not None:
                self.order_supply(day)
            yield rep.env.timeout(0.65)

    # -- steps ----------------------------------------------------------------------------------

    def ship_own(self, day: int) -> None:
        """Ship its own stores' open orders with what it has left today."""
        sent = self.ship(self.queue, self.left, 0, day)
        self.left -= sent
        self.shipped += sent

    def lend(self, primary: DC, backup: Backup, day: int) -> None:
        """Ship a stopped DC's open orders with a share of this DC's capacity.

        ``own_stores_first``: the share of what its own stores left; ``covered_stores_first``:
        the share of its whole capacity, as far as it has that left.
        """
        covered_first = self.rep.inp.backup_covered_first
        budget = min(backup.share * (self.capacity if covered_first else self.left), self.left)
        sent = self.ship(primary.queue, budget, backup.extra_lead_days, day)
        self.left -= sent
        self.shipped += sent
        self.lent += sent

    def ship(self, orders: list[Order], limit: float, extra_lead: int, day: int) -> float:
        """FIFO from ``orders`` within ``limit`` units and this DC's stock; returns units shipped."""
        rep, inp = self.rep, self.rep.inp
        cap = rep.cap
        assert cap is not None
        ready = sorted((o for o in orders if cap.receive[0, o.store] > 0), key=lambda o: (o.day, o.store))
        scale = np.ones(inp.n_items)
        if self.stock is not None:
            owed = np.zeros(inp.n_items)
            for o in ready:
                owed += o.lines
            short = self.stock < owed
            scale[short] = self.stock[short] / owed[short]
        left = limit
        sent = np.zeros(inp.n_items)
        for o in ready:
            if left <= 0:
                break
            st = rep.stores[o.store]
            arrive = day + int(inp.lead_time_days[o.store]) + extra_lead
            for i in range(o.lines.size):
                take = min(o.lines[i] * scale[i], left)
                if take > 0:
                    o.lines[i] -= take
                    left -= take
                    sent[i] += take
                    st.arrivals.setdefault(arrive, np.zeros(inp.n_items))[i] += take
        if self.stock is not None:
            self.stock = np.maximum(self.stock - sent, 0.0)
        return float(sent.sum())

    def clear_done(self) -> None:
        """Shipped orders leave the queue and their store's list."""
        done = [o for o in self.queue if o.lines.sum() <= DONE_UNITS]
        for o in done:
            self.rep.stores[o.store].orders.remove(o)
        if done:
            self.queue = [o for o in self.queue if o.lines.sum() > DONE_UNITS]

    def receive_supply(self, day: int, receive: float) -> None:
        """Supplier deliveries due today join the dock; the dock receives what it can."""
        supply = self.spec.supply
        assert supply is not None and self.stock is not None
        arriving = self.inbound.pop(day, None)
        if arriving is not None:
            self.dock = self.dock + arriving
        waiting = self.dock.sum()
        if waiting <= 0 or receive <= 0:
            return  # nothing there, or the dock is closed: deliveries wait
        room = supply.inbound_capacity * receive
        received = self.dock * (room / waiting) if waiting > room else self.dock.copy()
        self.dock = self.dock - received
        self.stock = self.stock + received

    def order_supply(self, day: int) -> None:
        """After dispatch: order each item up to its target position, within its supplier's capacity."""
        supply = self.spec.supply
        assert supply is not None and self.stock is not None
        position = self.stock + self.dock
        for units in self.inbound.values():
            position = position + units
        qty = np.maximum(supply.target_position - position, 0.0)
        for k, limit in supply.supplier_capacity.items():
            items = supply.supplier == k
            total = qty[items].sum()
            if total > limit:
                qty[items] *= limit / total
        for i in range(qty.size):
            if qty[i] > 0:
                self.inbound.setdefault(day + int(supply.lead_days[i]), np.zeros_like(self.dock))[i] += qty[i]


class Replication:
    """One replication as SimPy processes; :meth:`run` returns its daily series."""

    def __init__(self, inp: SimInputs, seed: int, index: int) -> None:
        check_supported(inp)
        self.inp = inp
        self.days = inp.horizon_days
        # the replication's stream, as in the engine: the same compromise days (same incident)
        stream = replication_seeds(seed, index, index + 1)[0]
        self.compromised_on = sample_compromise(inp, [np.random.default_rng(stream)])
        # and one Generator per store for its demand
        store_streams = stream.spawn(inp.n_stores)
        self.stores = [
            Store(
                s,
                int(inp.store_dc[s]),
                inp.initial_on_hand[s].copy(),
                np.random.default_rng(store_streams[s]),
            )
            for s in range(inp.n_stores)
        ]
        for st in self.stores:
            for day in range(inp.initial_pipeline.shape[2]):
                units = inp.initial_pipeline[st.index, :, day]
                if units.any():
                    st.arrivals[day] = units.copy()
        self.dcs = [DC(self, d, spec) for d, spec in enumerate(network(inp))]
        self.cap: Capacities | None = None
        self.out = {name: np.zeros(self.days) for name in SERIES}
        self.out.update({name: np.zeros((len(self.dcs), self.days)) for name in DC_SERIES})
        self.env = simpy.Environment()

    # -- processes -------------------------------------------------------------------------

    def clock(self):
        """Step 1 each morning: today's capacities from the incident timeline."""
        while True:
            self.cap = capacities(self.inp, int(self.env.now), self.compromised_on)
            yield self.env.timeout(1)

    def store(self, st: Store):
        """Steps 2-5 for one store, every day."""
        inp, s = self.inp, st.index
        yield self.env.timeout(0.1)
        while True:
            day = round(self.env.now - 0.1)
            cap = self.cap
            assert cap is not None
            arriving = st.arrivals.pop(day, None)
            if arriving is not None:
                st.on_hand = st.on_hand + arriving
            mean = inp.base_demand[s] * inp.weekday_factors[(inp.first_weekday + day) % 7]
            demand = (
                mean.copy() if inp.distribution == "deterministic" else st.rng.poisson(mean).astype(float)
            )
            at_door = demand * cap.sell[0, s] if cap.sell[0, s] < 1.0 else demand
            sales = np.minimum(at_door, st.on_hand)
            st.on_hand = st.on_hand - sales
            self.out["demand_units"][day] += demand.sum()
            self.out["sales_units"][day] += sales.sum()
            self.out["lost_units"][day] += (demand - sales).sum()
            review = (inp.first_weekday + day - inp.order_weekday[s]) % inp.review_period_days[s] == 0
            if review and cap.order[0, s] > 0:
                self.order(st, day)
            yield self.env.timeout(1)

    def order(self, st: Store, day: int) -> None:
        """Step 5: order up to the level the lines at or below their reorder point."""
        inp, s = self.inp, st.index
        position = st.on_hand.copy()
        for units in st.arrivals.values():
            position += units
        for o in st.orders:
            position += o.lines
        below = position <= inp.reorder_point[s]
        qty = np.maximum(inp.order_up_to[s] - position, 0.0) * below
        if qty.sum() <= 0:
            return
        if len(st.orders) < inp.open_slots:
            o = Order(day, s, qty)
            st.orders.append(o)
            self.dcs[st.dc].queue.append(o)
        else:
            st.orders[-1].lines += qty  # a full queue: merge into the newest, keeping its day

    def recorder(self):
        """After dispatch: the day's chain totals and per-DC series."""
        yield self.env.timeout(0.5)
        while True:
            day = round(self.env.now - 0.5)
            out = self.out
            for d, dc in enumerate(self.dcs):
                out["dc_backlog_units"][d, day] = sum(o.lines.sum() for o in dc.queue)
                out["dc_shipped_units"][d, day] = dc.shipped
                out["dc_capacity_units_by_dc"][d, day] = dc.capacity
                out["dc_lent_units"][d, day] = dc.lent
                out["dc_stock_units"][d, day] = np.nan if dc.stock is None else dc.stock.sum()
            out["shipped_units"][day] = out["dc_shipped_units"][:, day].sum()
            out["backlog_units"][day] = out["dc_backlog_units"][:, day].sum()
            out["on_hand_units"][day] = sum(st.on_hand.sum() for st in self.stores)
            yield self.env.timeout(1)

    def run(self) -> dict[str, np.ndarray]:
        """Run the horizon; daily chain totals, shape (day,) each, and per-DC series (dc, day)."""
        self.env.process(self.clock())
        for dc in self.dcs:  # supply at d + 0.05, before the stores
            self.env.process(dc.process())
        for st in self.stores:
            self.env.process(self.store(st))
        self.env.process(self.recorder())
        self.env.run(until=self.days)
        return self.out


def run(inp: SimInputs, replications: int, seed: int) -> dict[str, np.ndarray]:
    """Replications ``0 .. replications-1`` of ``seed``, stacked: (replication, day) and
    (replication, dc, day) arrays."""
    parts = [Replication(inp, seed, r).run() for r in range(replications)]
    return {name: np.stack([p[name] for p in parts]) for name in (*SERIES, *DC_SERIES)}
