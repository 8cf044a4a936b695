"""A straightforward SimPy process model of the engine's day order: the peer we measure against.

One process per store and one for the DC, objects per store and per order, as a hand-built
simulation would be written. It covers what both models share: arrivals, demand
(deterministic or Poisson, with weekday factors), sales = min(demand, on hand), order-up-to
ordering on review days while ordering works, FIFO dispatch (oldest order, then store) within
the day's pick capacity, lead times. It reads the same compiled inputs and the same
incident capacities as the engine, so with deterministic demand both must agree exactly.
Not covered (asserted absent): diversion, churn, caps, delivery-run limits, surge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from aftershock.sim.engine import capacities, sample_compromise
from aftershock.sim.inputs import SimInputs
from aftershock.sim.runner import replication_seeds


@dataclass
class Order:
    """One open store order."""

    day: int
    store: int
    lines: np.ndarray  # units owed per item


@dataclass
class Store:
    """A store's state."""

    index: int
    on_hand: np.ndarray
    arrivals: dict[int, np.ndarray] = field(default_factory=dict)


def check_supported(inp: SimInputs) -> None:
    """The peer models the shared core only."""
    assert inp.divert_online_fraction == 0 and inp.divert_nearby_fraction == 0, "peer: no diversion"
    assert inp.churn_fraction == 0, "peer: no churn"
    assert not inp.has_cap, "peer: no order caps"
    assert not np.isfinite(inp.delivery_capacity_stores), "peer: no delivery-run limit"
    assert not inp.surge_pick.any(), "peer: no surge"
    assert inp.distribution in ("deterministic", "poisson"), "peer: deterministic or Poisson demand"


def run_replication(inp: SimInputs, seed: int, index: int) -> dict[str, np.ndarray]:
    """One replication; daily chain totals of sales, lost, shipped and backlog."""
    check_supported(inp)
    days = inp.horizon_days
    ss = replication_seeds(seed, index, index + 1)
    rng = np.random.default_rng(ss[0])
    compromised_on = sample_compromise(
        inp, [np.random.default_rng(replication_seeds(seed, index, index + 1)[0])]
    )
    caps = [capacities(inp, d, compromised_on) for d in range(days)]
    ring = inp.initial_pipeline.shape[2]
    stores = [Store(s, inp.initial_on_hand[s].copy()) for s in range(inp.n_stores)]
    for st in stores:
        for b in range(ring):
            if inp.initial_pipeline[st.index, :, b].any():
                st.arrivals[b] = inp.initial_pipeline[st.index, :, b].copy()
    backlog: list[Order] = []
    out = {k: np.zeros(days) for k in ("sales_units", "lost_units", "shipped_units", "backlog_units")}
    env = simpy.Environment()

    def store_process(st: Store):
        s = st.index
        while True:
            day = int(env.now)
            cap = caps[day]
            st.on_hand = st.on_hand + st.arrivals.pop(day, 0.0)
            weekday = (inp.first_weekday + day) % 7
            mean = inp.base_demand[s] * inp.weekday_factors[weekday] * 1.0
            demand = mean.copy() if inp.distribution == "deterministic" else rng.poisson(mean).astype(float)
            served = demand * cap.sell[0, s]
            sales = np.minimum(served, st.on_hand)
            st.on_hand = st.on_hand - sales
            out["sales_units"][day] += sales.sum()
            out["lost_units"][day] += (demand - sales).sum()
            is_review = (inp.first_weekday + day - inp.order_weekday[s]) % inp.review_period_days[s] == 0
            if is_review and cap.order[0, s] > 0:
                on_the_way = sum(st.arrivals.values()) if st.arrivals else 0.0
                owed = sum((o.lines for o in backlog if o.store == s), start=np.zeros_like(st.on_hand))
                qty = np.maximum(inp.order_up_to[s] - (st.on_hand + on_the_way + owed), 0.0)
                if qty.sum() > 0:
                    backlog.append(Order(day, s, qty))
            yield env.timeout(1)

    def dc_process():
        yield env.timeout(0.5)  # after every store's day
        while True:
            day = int(env.now)
            cap = caps[day]
            left = inp.pick_capacity_units * min(cap.pick[0], cap.ship[0])
            for order in sorted(backlog, key=lambda o: (o.day, o.store)):
                if cap.receive[0, order.store] <= 0:
                    continue
                for i in range(order.lines.size):
                    take = min(order.lines[i], max(left, 0.0))
                    if take > 0:
                        order.lines[i] -= take
                        left -= take
                        arrive = day + int(inp.lead_time_days[order.store])
                        store = stores[order.store]
                        store.arrivals.setdefault(arrive, np.zeros_like(order.lines))[i] += take
                        out["shipped_units"][day] += take
            backlog[:] = [o for o in backlog if o.lines.sum() > 1e-9]
            out["backlog_units"][day] = sum(o.lines.sum() for o in backlog)
            yield env.timeout(1)

    for st in stores:
        env.process(store_process(st))
    env.process(dc_process())
    env.run(until=days)
    return out


def run(inp: SimInputs, replications: int, seed: int) -> dict[str, np.ndarray]:
    """Every replication, stacked to (replication, day) arrays."""
    parts = [run_replication(inp, seed, r) for r in range(replications)]
    return {k: np.stack([p[k] for p in parts]) for k in parts[0]}
