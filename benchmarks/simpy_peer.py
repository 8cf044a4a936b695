"""A straightforward SimPy process model of the engine's day order: the peer we measure against.

One process per store, one for the DC and a daily clock, with a Python object per store
and per open order, as a hand-built simulation would be written. A day ``d`` runs in three
phases, the same order as the engine (``aftershock.sim.engine``):

* ``d + 0.0``, the clock: the incident's capacities for the day (step 1), read from the
  same compiled inputs and the same sampled compromise days as the engine, recomputed
  every day (the engine recomputes only on timeline events, so this also checks that);
* ``d + 0.1``, every store, in store-table order: shipments due today arrive (2), demand is
  drawn (3: deterministic, or Poisson from the store's own ``numpy`` Generator), sales =
  min(demand at open doors, on hand), the rest is lost (4); on its review day, if it can
  order, the store orders up to its level (5: only lines at or below the reorder point);
* ``d + 0.2``, the DC: ships open orders oldest first (order day, then store; within an
  order, item by item) within the day's unit capacity, to stores that can receive;
  a shipment arrives ``lead time`` days later (6).

A store holds at most ``open_slots`` open orders; a further order merges into its newest
open order, which keeps its day (as documented in ``build_inputs``).

Covered: one or many items, weekday factors, (s, S) reorder points, closed or partly open
doors (without diversion), closed receiving, the FIFO allocation. Not covered, and
refused by :func:`check_supported`: diversion to online or nearby stores, churn, order
caps, delivery-run (stores per day) limits, surge, per-replication incident rows,
negative binomial demand and allocation policies other than ``fifo``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from aftershock.sim.engine import Capacities, capacities, sample_compromise
from aftershock.sim.inputs import SimInputs
from aftershock.sim.runner import replication_seeds

#: Units below which an order line counts as shipped (the engine's tolerance).
DONE_UNITS = 1e-9
#: Names of the daily chain totals the peer records, shape (replication, day) after :func:`run`.
SERIES = ("demand_units", "sales_units", "lost_units", "shipped_units", "backlog_units", "on_hand_units")


@dataclass
class Order:
    """One open store order at the DC."""

    day: int
    store: int
    lines: np.ndarray  # units still owed per item


@dataclass
class Store:
    """A store: its shelf, what is on the way to it and its open orders."""

    index: int
    on_hand: np.ndarray  # (I,)
    rng: np.random.Generator
    arrivals: dict[int, np.ndarray] = field(default_factory=dict)  # day -> units (I,)
    orders: list[Order] = field(default_factory=list)  # this store's open orders, oldest first


def check_supported(inp: SimInputs) -> None:
    """The peer models the shared core only: refuse scenarios that use more."""
    assert inp.divert_online_fraction == 0 and inp.divert_nearby_fraction == 0, "peer: no diversion"
    assert inp.churn_fraction == 0, "peer: no churn"
    assert not inp.has_cap, "peer: no order caps"
    assert not np.isfinite(inp.delivery_capacity_stores), "peer: no delivery-run limit"
    assert not inp.surge_pick.any(), "peer: no surge"
    assert inp.rows is None, "peer: one incident shape"
    assert inp.allocation == "fifo", "peer: FIFO allocation only"
    assert inp.distribution in ("deterministic", "poisson"), "peer: deterministic or Poisson demand"


class Replication:
    """One replication as SimPy processes; :meth:`run` returns its daily chain totals."""

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
            Store(s, inp.initial_on_hand[s].copy(), np.random.default_rng(store_streams[s]))
            for s in range(inp.n_stores)
        ]
        for st in self.stores:
            for day in range(inp.initial_pipeline.shape[2]):
                units = inp.initial_pipeline[st.index, :, day]
                if units.any():
                    st.arrivals[day] = units.copy()
        self.queue: list[Order] = []  # the DC's open orders
        self.cap: Capacities | None = None
        self.out = {name: np.zeros(self.days) for name in SERIES}
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
            self.queue.append(o)
        else:
            st.orders[-1].lines += qty  # a full queue: merge into the newest, keeping its day

    def dc(self):
        """Step 6: FIFO dispatch within today's capacity; shipments enter the pipeline."""
        inp = self.inp
        yield self.env.timeout(0.2)
        while True:
            day = round(self.env.now - 0.2)
            cap = self.cap
            assert cap is not None
            left = inp.pick_capacity_units * min(cap.pick[0], cap.ship[0])
            self.queue.sort(key=lambda o: (o.day, o.store))
            shipped_today = 0.0
            for o in self.queue:
                if left <= 0:
                    break
                if cap.receive[0, o.store] <= 0:
                    continue
                st = self.stores[o.store]
                arrive = day + int(inp.lead_time_days[o.store])
                for i in range(o.lines.size):
                    take = min(o.lines[i], left)
                    if take > 0:
                        o.lines[i] -= take
                        left -= take
                        shipped_today += take
                        st.arrivals.setdefault(arrive, np.zeros(inp.n_items))[i] += take
            done = [o for o in self.queue if o.lines.sum() <= DONE_UNITS]
            for o in done:
                self.stores[o.store].orders.remove(o)
            if done:
                self.queue = [o for o in self.queue if o.lines.sum() > DONE_UNITS]
            self.out["shipped_units"][day] = shipped_today
            self.out["backlog_units"][day] = sum(o.lines.sum() for o in self.queue)
            self.out["on_hand_units"][day] = sum(st.on_hand.sum() for st in self.stores)
            yield self.env.timeout(1)

    def run(self) -> dict[str, np.ndarray]:
        """Run the horizon; daily chain totals, shape (day,) each."""
        self.env.process(self.clock())
        for st in self.stores:
            self.env.process(self.store(st))
        self.env.process(self.dc())
        self.env.run(until=self.days)
        return self.out


def run(inp: SimInputs, replications: int, seed: int) -> dict[str, np.ndarray]:
    """Replications ``0 .. replications-1`` of ``seed``, stacked to (replication, day) arrays."""
    parts = [Replication(inp, seed, r).run() for r in range(replications)]
    return {name: np.stack([p[name] for p in parts]) for name in SERIES}
