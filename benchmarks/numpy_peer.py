"""A naive NumPy model of the engine's day order: the second peer we measure against.

What an analyst would write in an afternoon for the delivery-pause case: one item, one DC,
arrays of shape (replications, stores), one Python loop over days. A day runs

1. the incident's capacities (the engine's ``capacities`` on its ``sample_compromise`` days);
2. deliveries due today arrive;
3. demand (deterministic, or Poisson from one Generator for all replications and stores);
4. sales = min(demand at open doors, on hand), the rest is lost;
5. on its review day, if it can order, a store orders up to its level (at or below its
   reorder point), and the order stays open under its order day;
6. the DC ships ``pick capacity × min(dc.pick, dc.ship)`` units, oldest order day first,
   then store order, to stores that can receive; a shipment arrives ``lead time`` days later.

Open orders are kept per store and order day, (R, S, day). The engine keeps at most
``open_slots`` open orders a store and merges further ones: the peer refuses a run where a
queue would fill, and everything else it does not model (:func:`check_supported`).
"""

from __future__ import annotations

import numpy as np

from aftershock.sim.engine import capacities, sample_compromise
from aftershock.sim.inputs import SimInputs
from aftershock.sim.runner import replication_seeds

SERIES = ("demand_units", "sales_units", "lost_units", "shipped_units", "backlog_units", "on_hand_units")


def check_supported(inp: SimInputs) -> None:
    """One DC without stock, one item, FIFO, no behaviour: refuse the rest."""
    assert inp.n_dcs == 1 and (inp.store_dc == 0).all(), "numpy peer: one DC serving every store"
    assert inp.n_items == 1, "numpy peer: one item"
    assert not inp.has_supply and not inp.dc_backups[0], "numpy peer: no DC stock, no backups"
    assert inp.dc_policy_names == ("fifo",), "numpy peer: FIFO allocation only"
    assert inp.distribution in ("deterministic", "poisson"), "numpy peer: deterministic or Poisson demand"
    assert inp.divert_online_fraction == 0 and inp.divert_nearby_fraction == 0, "numpy peer: no diversion"
    assert not inp.has_pickup, "numpy peer: no click and collect"
    assert inp.churn_fraction == 0, "numpy peer: no churn"
    assert not inp.has_inflation, "numpy peer: no order inflation"
    assert not inp.has_cap, "numpy peer: no order caps"
    assert not np.isfinite(inp.dc_delivery_capacity).any(), "numpy peer: no delivery-run limit"
    assert not np.any(inp.surge_pick), "numpy peer: no surge"
    assert inp.rows is None and inp.planned_units is None, "numpy peer: one incident shape, no plan"


def run(inp: SimInputs, replications: int, seed: int) -> dict[str, np.ndarray]:
    """Replications ``0 .. replications-1`` of ``seed``: daily chain totals, (replication, day) each."""
    check_supported(inp)
    R, S, T = replications, inp.n_stores, inp.horizon_days
    seeds = replication_seeds(seed, 0, R)
    compromised_on = sample_compromise(inp, [np.random.default_rng(s) for s in seeds])
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])  # demand: its own stream
    base, lead = inp.base_demand[:, 0], inp.lead_time_days
    level, reorder = inp.order_up_to[:, 0], inp.reorder_point[:, 0]
    stores = np.arange(S)

    on_hand = np.tile(inp.initial_on_hand[:, 0], (R, 1))
    arrivals = np.zeros((R, S, T + int(lead.max()) + 1))  # units arriving per day
    given = inp.initial_pipeline[:, 0, : arrivals.shape[2]]
    arrivals[:, :, : given.shape[1]] = given
    in_transit = arrivals.sum(axis=2)
    owed = np.zeros((R, S, T))  # open order units by order day
    oldest = 0  # no order is open before this day
    out = {name: np.zeros((R, T)) for name in SERIES}
    for day in range(T):
        cap = capacities(inp, day, compromised_on)
        on_hand += arrivals[:, :, day]
        in_transit -= arrivals[:, :, day]

        mean = np.broadcast_to(base * inp.weekday_factors[(inp.first_weekday + day) % 7], (R, S))
        demand = mean.copy() if inp.distribution == "deterministic" else rng.poisson(mean).astype(float)
        sales = np.minimum(demand * cap.sell, on_hand)
        on_hand -= sales

        due = (inp.first_weekday + day - inp.order_weekday) % inp.review_period_days == 0
        position = on_hand + in_transit + owed[:, :, oldest:day].sum(axis=2)
        order = np.maximum(level - position, 0.0) * (due & (cap.order > 0) & (position <= reorder))
        if order.any():
            queue = (owed[:, :, oldest:day] > 0).sum(axis=2)
            assert (queue[order > 0] < inp.open_slots).all(), "numpy peer: an open-order queue is full"
        owed[:, :, day] = order

        # FIFO: oldest order day first, then store order, to stores that can receive
        window = owed[:, :, oldest : day + 1] * (cap.receive > 0)[:, :, None]
        lines = window.transpose(0, 2, 1).reshape(R, -1)  # (R, day-major then store)
        budget = inp.dc_pick_capacity[0] * np.minimum(cap.pick[:, 0], cap.ship[:, 0])
        before = np.cumsum(lines, axis=1) - lines
        sent = np.clip(budget[:, None] - before, 0.0, lines).reshape(R, -1, S).transpose(0, 2, 1)
        open_now = owed[:, :, oldest : day + 1]  # a view
        open_now -= sent
        open_now[open_now <= 1e-9] = 0.0  # shipped (the engine's tolerance)
        per_store = sent.sum(axis=2)
        arrivals[:, stores, day + lead] += per_store
        in_transit += per_store
        still_open = np.flatnonzero(open_now.any(axis=(0, 1)))
        oldest = oldest + int(still_open[0]) if still_open.size else day + 1

        out["demand_units"][:, day] = demand.sum(axis=1)
        out["sales_units"][:, day] = sales.sum(axis=1)
        out["lost_units"][:, day] = (demand - sales).sum(axis=1)
        out["shipped_units"][:, day] = per_store.sum(axis=1)
        out["backlog_units"][:, day] = open_now.sum(axis=(1, 2))
        out["on_hand_units"][:, day] = on_hand.sum(axis=1)
    return out
