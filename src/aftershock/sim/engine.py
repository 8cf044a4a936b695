"""The engine: a day loop over arrays of shape (replication, store, item).

Each day runs the steps of the design, in this order (one function each):

1. :func:`capacities` — incident timeline → service states → capability capacities;
2. :func:`arrive_deliveries` — shipments due today reach the stores;
3. :func:`draw_demand` — demand drawn per replication stream, scaled by weekday and churn;
4. :func:`sell` — closed doors divert or lose demand, sales = min(demand, on hand),
   churn updates;
5. :func:`place_orders` — stores on their review day order up to their level (or, with a
   reorder point, only lines at or below it: (s, S));
6. :func:`dispatch` — the DC ships open orders by the allocation policy, within pick,
   delivery and cap limits; shipments enter the pipeline with the lead time.

:func:`step_day` runs steps 2-6 for one day; :meth:`Chunk.run_days` runs the days, with the
capacities of step 1 propagated only on the days the timeline changes. Both
:func:`run_replications` (which records the daily series) and :func:`advance` (the state on
a given morning, where the optimiser starts) go through them, so there is one day step.

Replications never interact, and each draws only from its own generator, so results are
bit-identical however replications are split into chunks or spread over executors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from aftershock.graph.availability import propagate
from aftershock.graph.spread import compromise_days, sample_live_edges
from aftershock.graph.timeline import change_days
from aftershock.policies.registry import AllocationPolicy, DispatchContext, fill_oldest_first, get_policy
from aftershock.sim.inputs import EMPTY_SLOT, SimInputs

#: Daily series recorded per replication, shape (replication, day).
DAILY = (
    "demand_units",
    "sales_units",
    "lost_units",
    "lost_closed_units",
    "lost_stockout_units",
    "diverted_online_units",
    "diverted_nearby_units",
    "lost_revenue",
    "lost_margin",
    "shipped_units",
    "backlog_units",
    "on_hand_units",
    "dc_capacity_units",
    "stores_closed",
    "stores_degraded",
    "stores_stocked_out",
    "customers_lost_units",
    "surge_cost",
)
#: Per-store totals over the horizon, shape (replication, store), always kept.
STORE_TOTALS = (
    "store_lost_units_total",
    "store_lost_revenue_total",
    "store_stockout_days",
    "store_closed_days",
)
#: Store-level series, kept only when asked, shape (replication, store, item, day).
STORE_DAILY = ("sales_units", "lost_units", "on_hand_units")


@dataclass
class Capacities:
    """Capability capacities on one day, in [0, 1]."""

    sell: np.ndarray  # (R, S)
    receive: np.ndarray  # (R, S)
    order: np.ndarray  # (R, S)
    pick: np.ndarray  # (R,)
    ship: np.ndarray  # (R,)
    online: np.ndarray  # (R,)


@dataclass
class State:
    """Mutable state of a chunk of replications."""

    on_hand: np.ndarray  # (R, S, I)
    pipeline: np.ndarray  # (R, S, B, I) arriving on day d at slot d % B
    open_units: np.ndarray  # (R, S, Q, I)
    order_day: np.ndarray  # (R, S, Q)
    loyalty: np.ndarray  # (R, S) share of customers still coming
    cap_lifted: np.ndarray  # (R,) bool

    @classmethod
    def initial(cls, inp: SimInputs, reps: int) -> State:
        s, i = inp.base_demand.shape
        ring = int(inp.lead_time_days.max()) + 1
        return cls(
            on_hand=np.broadcast_to(inp.initial_on_hand, (reps, s, i)).copy(),
            pipeline=np.broadcast_to(
                np.moveaxis(inp.initial_pipeline, 2, 1)[:, :ring], (reps, s, ring, i)
            ).copy(),
            open_units=np.zeros((reps, s, inp.open_slots, i)),
            order_day=np.full((reps, s, inp.open_slots), EMPTY_SLOT, dtype=np.int64),
            loyalty=np.ones((reps, s)),
            cap_lifted=np.zeros(reps, dtype=bool),
        )


def sample_compromise(inp: SimInputs, rngs: Sequence[np.random.Generator]) -> np.ndarray:
    """Day each service is compromised in each replication, shape (R, n_services)."""
    live = (
        np.concatenate([sample_live_edges(inp.net, rng, 1, inp.timeline.spread_p_override) for rng in rngs])
        if inp.net.control_p.size
        else np.zeros((len(rngs), 0), dtype=bool)
    )
    tl = inp.timeline
    return compromise_days(inp.net, tl.start_service, tl.start_day, live)


def capacities(inp: SimInputs, day: int, compromised_on: np.ndarray) -> Capacities:
    """Step 1: capacities of every capability from the incident timeline."""
    tl, net = inp.timeline, inp.net
    rows = inp.rows
    cap = propagate(
        net,
        tl.own_state(net, day, compromised_on, rows),
        tl.alt_state(day, rows),
        tl.slot_state(net, day, compromised_on, rows) if net.slot_service.size else None,
    )
    reps = cap.shape[0]
    ones = np.ones(reps)
    return Capacities(
        sell=cap[:, inp.store_sell_nodes],
        receive=cap[:, inp.store_receive_nodes],
        order=cap[:, inp.store_order_nodes],
        pick=cap[:, inp.dc_pick_node] if inp.dc_pick_node >= 0 else ones,
        ship=cap[:, inp.dc_ship_node] if inp.dc_ship_node >= 0 else ones,
        online=cap[:, inp.online_node] if inp.online_node >= 0 else np.zeros(reps),
    )


def arrive_deliveries(state: State, day: int) -> np.ndarray:
    """Step 2: shipments due today join the stores' stock; returns units received (R, S, I)."""
    slot = day % state.pipeline.shape[2]
    arriving = state.pipeline[:, :, slot, :].copy()
    state.pipeline[:, :, slot, :] = 0.0
    state.on_hand += arriving
    return arriving


def draw_demand(inp: SimInputs, state: State, day: int, rngs: Sequence[np.random.Generator]) -> np.ndarray:
    """Step 3: demand per (replication, store, item), each replication from its own stream."""
    weekday = (inp.first_weekday + day) % 7
    mean = inp.base_demand[None, :, :] * inp.weekday_factors[weekday] * state.loyalty[:, :, None]
    if inp.distribution == "deterministic":
        return mean.copy()
    out = np.empty_like(mean)
    for r, rng in enumerate(rngs):
        if inp.distribution == "poisson":
            out[r] = rng.poisson(mean[r])
        else:
            k = inp.dispersion
            out[r] = rng.negative_binomial(k, k / (k + np.maximum(mean[r], 1e-12)))
    return out


def _closed_doors(
    inp: SimInputs, cap: Capacities, demand: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Demand at partly or fully closed doors: (lost, to online, to nearby stores, demand at stores)."""
    open_share = cap.sell[:, :, None]
    at_door = demand * open_share
    closed = demand - at_door
    online = closed * (inp.divert_online_fraction * cap.online)[:, None, None]
    if np.isfinite(inp.online_capacity_units):
        # the online channel takes no more than it can fulfil (scaled by its availability);
        # what it turns away is lost
        room = inp.online_capacity_units * cap.online
        wanted = online.sum(axis=(1, 2))
        scale = np.divide(room, wanted, out=np.ones_like(wanted), where=wanted > room)
        online = online * scale[:, None, None]
    nearby_pool = closed * inp.divert_nearby_fraction
    # nearby demand goes to open stores of the same region, in proportion to their size
    weight = inp.base_demand.sum(axis=1)[None, :] * cap.sell  # (R, S)
    n_regions = len(inp.region_names)
    reps = demand.shape[0]
    flat_region = (np.arange(reps)[:, None] * n_regions + inp.region_index[None, :]).ravel()
    region_weight = np.bincount(flat_region, weights=weight.ravel(), minlength=reps * n_regions)
    region_weight = region_weight.reshape(reps, n_regions)
    pool = np.stack(
        [
            np.bincount(
                flat_region, weights=nearby_pool[:, :, i].ravel(), minlength=reps * n_regions
            ).reshape(reps, n_regions)
            for i in range(demand.shape[2])
        ],
        axis=2,
    )  # (R, G, I)
    has_room = region_weight > 0
    share = np.where(
        has_room[:, inp.region_index],
        weight / np.where(has_room, region_weight, 1.0)[:, inp.region_index],
        0.0,
    )
    received = pool[:, inp.region_index, :] * share[:, :, None]
    nearby_out = np.where(has_room[:, inp.region_index][:, :, None], nearby_pool, 0.0)
    lost_closed = closed - online - nearby_out
    return lost_closed, online, nearby_out, at_door + received


def sell(inp: SimInputs, state: State, cap: Capacities, demand: np.ndarray) -> dict[str, np.ndarray]:
    """Step 4: serve demand where doors are open; divert or lose the rest; update churn."""
    if (cap.sell >= 1.0).all():
        # every door open (the usual day): nothing to divert or lose at the door
        zero = np.zeros_like(demand)
        lost_closed, online, nearby_out, store_demand = zero, zero, zero, demand
    else:
        lost_closed, online, nearby_out, store_demand = _closed_doors(inp, cap, demand)
    sales = np.minimum(store_demand, state.on_hand)
    state.on_hand -= sales
    lost_stockout = store_demand - sales
    if inp.churn_fraction > 0:
        # a share of unserved customers stops coming; lost customers drift back slowly
        unmet = (lost_closed + lost_stockout).sum(axis=2)
        wanted = demand.sum(axis=2)
        unmet_share = np.divide(unmet, wanted, out=np.zeros_like(unmet), where=wanted > 0)
        state.loyalty = state.loyalty * (1.0 - inp.churn_fraction * np.minimum(unmet_share, 1.0))
        state.loyalty += (1.0 - state.loyalty) / inp.churn_recovery_days
    return {
        "demand": demand,
        "sales": sales,
        "lost_closed": lost_closed,
        "lost_stockout": lost_stockout,
        "diverted_online": online,
        "diverted_nearby": nearby_out,
    }


def cap_active(inp: SimInputs, state: State, day: int) -> np.ndarray:
    """Whether the order cap binds on ``day`` in each replication, shape (R,)."""
    if not inp.has_cap:
        return np.zeros(state.cap_lifted.shape, dtype=bool)
    plan_day = inp.plan_day(day, state.cap_lifted.shape[0])
    in_window = (inp.cap_from_day <= plan_day) & (plan_day < inp.cap_until_day)
    return in_window & ~state.cap_lifted


def surge_on(profile: np.ndarray, inp: SimInputs, day: int, reps: int) -> np.ndarray:
    """A surge profile (T,) read on each replication's plan day, shape (R,); 0 outside it."""
    plan_day = inp.plan_day(day, reps)
    inside = (plan_day >= 0) & (plan_day < profile.size)
    return np.where(inside, profile[np.clip(plan_day, 0, profile.size - 1)], 0.0)


def place_orders(inp: SimInputs, state: State, cap: Capacities, day: int) -> np.ndarray:
    """Step 5: stores on their review day order up to their level, if ordering works."""
    # order_weekday is a calendar weekday (0 = Monday); day 0 falls on first_weekday
    due = np.flatnonzero(((inp.first_weekday + day - inp.order_weekday) % inp.review_period_days) == 0)
    qty = np.zeros_like(state.on_hand)
    if not due.size:
        return qty
    can = cap.order[:, due] > 0  # (R, due stores)
    if not can.any():
        return qty
    # only stores on their review day: with weekly review that is a seventh of the work
    position = (
        state.on_hand[:, due] + state.pipeline[:, due].sum(axis=2) + state.open_units[:, due].sum(axis=2)
    )
    # (s, S): a line is ordered only at or below its reorder point (inf for order-up-to)
    below = position <= inp.reorder_point[None, due, :]
    due_qty = np.maximum(inp.order_up_to[None, due, :] - position, 0.0) * (can[:, :, None] & below)
    if inp.cap_at_order:
        active = cap_active(inp, state, day)
        due_qty = np.where(active[:, None, None], np.minimum(due_qty, inp.cap_units[None, due]), due_qty)
    qty[:, due] = due_qty
    placing = due_qty.sum(axis=2) > 0  # (R, due stores)
    r_idx, d_idx = np.nonzero(placing)
    s_idx = due[d_idx]
    slot_days = state.order_day[r_idx, s_idx]  # (n, Q)
    empty = slot_days == EMPTY_SLOT
    # a full queue merges the order into its newest open order (freed slots are reused, so
    # the newest is not always the last slot); merging into an older one would let the new
    # units jump the FIFO queue
    q_idx = np.where(empty.any(axis=1), empty.argmax(axis=1), slot_days.argmax(axis=1))
    state.open_units[r_idx, s_idx, q_idx, :] += due_qty[r_idx, d_idx, :]
    # a merged order keeps the day of the order it joined
    was_empty = empty[np.arange(q_idx.size), q_idx]
    state.order_day[r_idx, s_idx, q_idx] = np.where(was_empty, day, slot_days[np.arange(q_idx.size), q_idx])
    return qty


def dispatch(
    inp: SimInputs,
    state: State,
    cap: Capacities,
    day: int,
    policy: AllocationPolicy,
) -> tuple[np.ndarray, np.ndarray]:
    """Step 6: ship open orders within today's capacity; returns (shipped (R,S,I), capacity (R,))."""
    stores = state.order_day.shape[1]
    reps = cap.ship.shape[0]
    capacity = (
        inp.pick_capacity_units
        * np.minimum(cap.pick, cap.ship)
        * (1.0 + surge_on(inp.surge_pick, inp, day, reps))
    )
    shippable = state.open_units * (cap.receive > 0)[:, :, None, None]
    active = cap_active(inp, state, day)
    if not inp.cap_at_order and active.any():
        limit = np.where(active[:, None, None], inp.cap_units[None, :, :], np.inf)
        # at most the cap per store line today, taken from the oldest open orders first
        shippable = fill_oldest_first(shippable, state.order_day, limit)
    if np.isfinite(inp.delivery_capacity_stores):
        delivery = (
            inp.delivery_capacity_stores * cap.ship * (1.0 + surge_on(inp.surge_delivery, inp, day, reps))
        )
    else:
        delivery = np.full(cap.ship.shape, np.inf)  # unlimited fleet
    store_has = shippable.sum(axis=(2, 3)) > 0  # (R, S)
    over_stores = store_has.sum(axis=1) > np.floor(delivery)
    planned_today = _planned_today(inp, day, reps)
    if over_stores.any():
        planned = None if planned_today is None else planned_today.sum(axis=2)
        shippable = _limit_stores(
            shippable, state.order_day, store_has, np.floor(delivery), over_stores, planned
        )
    total = shippable.sum(axis=(1, 2, 3))
    shipped = shippable
    tight = total > capacity
    if tight.any():
        shipped = shippable.copy()
        context = DispatchContext(
            on_hand=state.on_hand[tight],
            in_transit=state.pipeline[tight].sum(axis=2),
            base_demand=inp.base_demand,
            store_rank=inp.store_rank,
            day=day,
            planned_units=None if planned_today is None else planned_today[tight],
        )
        shipped[tight] = policy(shippable[tight], state.order_day[tight], capacity[tight], context)
    state.open_units -= shipped
    open_lines = state.open_units.sum(axis=3)
    done = (open_lines <= 1e-9) & (state.order_day != EMPTY_SLOT)
    if done.any():
        state.open_units[done] = 0.0
        state.order_day[done] = EMPTY_SLOT
    per_store = shipped.sum(axis=2)  # (R, S, I)
    arrival = (day + inp.lead_time_days) % state.pipeline.shape[2]
    state.pipeline[:, np.arange(stores), arrival, :] += per_store
    return per_store, capacity


def _planned_today(inp: SimInputs, day: int, reps: int) -> np.ndarray | None:
    """Today's lines of the dispatch plan in each replication, (R, S, I), read on its plan day."""
    if inp.planned_units is None:
        return None
    plan_day = inp.plan_day(day, reps)
    inside = (plan_day >= 0) & (plan_day < inp.planned_units.shape[2])
    lines = inp.planned_units[:, :, np.clip(plan_day, 0, inp.planned_units.shape[2] - 1)]  # (S, I, R)
    return np.moveaxis(lines, 2, 0) * inside[:, None, None]


def _limit_stores(
    shippable: np.ndarray,
    order_day: np.ndarray,
    store_has: np.ndarray,
    limit: np.ndarray,
    rows: np.ndarray,
    planned: np.ndarray | None = None,
) -> np.ndarray:
    """Keep only the ``limit`` stores a day's delivery runs reach: the oldest open orders first.

    With a dispatch plan (``planned``: (R, S) units planned per store today), the stores the
    plan delivers to go first, then the oldest open orders.
    """
    out = shippable.copy()
    oldest = np.where(store_has, order_day.min(axis=2), EMPTY_SLOT).astype(float)
    if planned is not None:
        oldest = np.where(store_has & (planned > 0), oldest - 1e12, oldest)
    for r in np.flatnonzero(rows):
        rank = np.argsort(oldest[r], kind="stable")
        out[r, rank[int(limit[r]) :]] = 0.0
    return out


@dataclass
class DayStep:
    """What one day's steps 2-6 did, per (replication, store, item) unless said otherwise."""

    received: np.ndarray  # units that arrived at the stores
    flows: dict[str, np.ndarray]  # what :func:`sell` returns: demand, sales, lost and diverted units
    shipped: np.ndarray  # units the DC shipped
    capacity: np.ndarray  # (R,) the DC's shipping capacity today
    backlog: np.ndarray  # (R,) units owed to stores at the end of the day


def step_day(
    inp: SimInputs,
    state: State,
    cap: Capacities,
    day: int,
    rngs: Sequence[np.random.Generator],
    policy: AllocationPolicy,
) -> DayStep:
    """Steps 2-6 of one day on today's capacities; the order cap lifts once the backlog is low enough."""
    received = arrive_deliveries(state, day)
    flows = sell(inp, state, cap, draw_demand(inp, state, day, rngs))
    place_orders(inp, state, cap, day)
    shipped, capacity = dispatch(inp, state, cap, day, policy)
    backlog = state.open_units.sum(axis=(1, 2, 3))
    if inp.cap_lift_backlog_units >= 0:
        started = day >= inp.cap_from_day
        state.cap_lifted |= started & (backlog < inp.cap_lift_backlog_units)
    return DayStep(received=received, flows=flows, shipped=shipped, capacity=capacity, backlog=backlog)


@dataclass
class Chunk:
    """A chunk of replications under way: its inputs, generators, compromise days and state."""

    inp: SimInputs
    rngs: list[np.random.Generator]
    compromised_on: np.ndarray  # (R, services)
    state: State

    @classmethod
    def start(cls, inp: SimInputs, seeds: Sequence[np.random.SeedSequence]) -> Chunk:
        """The morning of day 0: each replication's generator draws its compromise days first."""
        rngs = [np.random.default_rng(s) for s in seeds]
        return cls(inp, rngs, sample_compromise(inp, rngs), State.initial(inp, len(rngs)))

    def run_days(self, until_day: int) -> Iterator[tuple[int, Capacities, DayStep]]:
        """Run days ``0 .. until_day-1``, yielding each day, its capacities and its step.

        Capacities change only on timeline events: they are propagated on those days and
        reused otherwise.
        """
        inp = self.inp
        assert until_day <= inp.horizon_days, "the timeline is compiled for the horizon only"
        policy = get_policy(inp.allocation)
        changes = change_days(inp.timeline, self.compromised_on, inp.horizon_days, inp.rows)
        cap = capacities(inp, 0, self.compromised_on)
        for day in range(until_day):
            if day and changes[day]:
                cap = capacities(inp, day, self.compromised_on)
            yield day, cap, step_day(inp, self.state, cap, day, self.rngs, policy)


def run_replications(
    inp: SimInputs,
    seeds: Sequence[np.random.SeedSequence],
    *,
    keep_store_days: bool = False,
    on_day: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Simulate one chunk of replications; return daily series (and store-level ones if asked)."""
    chunk = Chunk.start(inp, seeds)
    state = chunk.state
    reps, days = len(seeds), inp.horizon_days
    out = {name: np.zeros((reps, days)) for name in DAILY}
    # per-store totals over the horizon: small, always kept (worst store, regions)
    for name in STORE_TOTALS:
        out[name] = np.zeros((reps, inp.n_stores))
    out["initial_on_hand_units"] = state.on_hand.sum(axis=(1, 2))
    out["received_units"] = np.zeros((reps, days))
    stores_out = (
        {name: np.zeros((reps, inp.n_stores, inp.n_items, days)) for name in STORE_DAILY}
        if keep_store_days
        else {}
    )
    price, margin = inp.item_price, inp.item_margin
    for day, cap, step in chunk.run_days(days):
        flows = step.flows
        lost = flows["lost_closed"] + flows["lost_stockout"]
        out["demand_units"][:, day] = flows["demand"].sum(axis=(1, 2))
        out["sales_units"][:, day] = flows["sales"].sum(axis=(1, 2))
        out["lost_units"][:, day] = lost.sum(axis=(1, 2))
        out["lost_closed_units"][:, day] = flows["lost_closed"].sum(axis=(1, 2))
        out["lost_stockout_units"][:, day] = flows["lost_stockout"].sum(axis=(1, 2))
        out["diverted_online_units"][:, day] = flows["diverted_online"].sum(axis=(1, 2))
        out["diverted_nearby_units"][:, day] = flows["diverted_nearby"].sum(axis=(1, 2))
        out["lost_revenue"][:, day] = (lost * price).sum(axis=(1, 2))
        out["lost_margin"][:, day] = (lost * margin).sum(axis=(1, 2))
        out["shipped_units"][:, day] = step.shipped.sum(axis=(1, 2))
        out["received_units"][:, day] = step.received.sum(axis=(1, 2))
        out["backlog_units"][:, day] = step.backlog
        out["on_hand_units"][:, day] = state.on_hand.sum(axis=(1, 2))
        out["dc_capacity_units"][:, day] = step.capacity
        out["stores_closed"][:, day] = (cap.sell <= 0).sum(axis=1)
        out["stores_degraded"][:, day] = ((cap.sell > 0) & (cap.sell < 1)).sum(axis=1)
        out["stores_stocked_out"][:, day] = (flows["lost_stockout"].sum(axis=2) > 1e-9).sum(axis=1)
        weekday = (inp.first_weekday + day) % 7
        out["customers_lost_units"][:, day] = (
            inp.base_demand.sum(axis=1)[None, :] * inp.weekday_factors[weekday] * (1 - state.loyalty)
        ).sum(axis=1)
        out["surge_cost"][:, day] = surge_on(inp.surge_cost, inp, day, reps)
        store_lost = lost.sum(axis=2)
        out["store_lost_units_total"] += store_lost
        out["store_lost_revenue_total"] += (lost * price).sum(axis=2)
        out["store_stockout_days"] += flows["lost_stockout"].sum(axis=2) > 1e-9
        out["store_closed_days"] += cap.sell <= 0
        if keep_store_days:
            stores_out["sales_units"][..., day] = flows["sales"]
            stores_out["lost_units"][..., day] = lost
            stores_out["on_hand_units"][..., day] = state.on_hand
        if on_day is not None:
            on_day(day)
    out["final_on_hand_units"] = state.on_hand.sum(axis=(1, 2))
    out["final_pipeline_units"] = state.pipeline.sum(axis=(1, 2, 3))
    out["first_compromise_day"] = chunk.compromised_on.min(axis=1).astype(float)
    for name, arr in stores_out.items():
        out[f"store_{name}"] = arr
    return out


def advance(
    inp: SimInputs, seeds: Sequence[np.random.SeedSequence], until_day: int
) -> tuple[State, np.ndarray]:
    """Run days ``0 .. until_day-1`` and return the state on the morning of ``until_day``.

    Used to start an optimisation from the situation the incident leaves behind.
    """
    chunk = Chunk.start(inp, seeds)
    for _ in chunk.run_days(until_day):
        pass
    return chunk.state, chunk.compromised_on
