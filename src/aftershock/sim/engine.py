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

import aftershock.sim.compiled as compiled
import aftershock.sim.kernel as kernel
from aftershock.graph.spread import compromise_days, guard_of, sample_live_edges
from aftershock.graph.timeline import change_days
from aftershock.policies.registry import AllocationPolicy, get_policy
from aftershock.sim.compiled import use_compiled
from aftershock.sim.demand import distribution_code, draw_array, replication_keys
from aftershock.sim.dispatch import Dispatched, cap_active, dispatch, surge_on
from aftershock.sim.inputs import EMPTY_SLOT, SimInputs
from aftershock.sim.kernel import DAILY_ROWS, DC_ROWS, FLOW_ROWS, REORDER_SLACK, STORE_TOTAL_ROWS
from aftershock.sim.state import Capacities, State
from aftershock.sim.supply import order_from_suppliers, receive_at_dcs

#: Daily series recorded per replication, shape (replication, day) (the kernel's rows, whose
#: last, received units, is recorded apart).
DAILY = DAILY_ROWS[:-1]
#: Per-store totals over the horizon, shape (replication, store), always kept.
STORE_TOTALS = STORE_TOTAL_ROWS
#: Per-DC daily series, shape (replication, dc, day); DCs sorted by id.
DC_DAILY = DC_ROWS
#: Store-level series, kept only when asked, shape (replication, store, item, day).
STORE_DAILY = ("sales_units", "lost_units", "on_hand_units")


def sample_compromise(inp: SimInputs, rngs: Sequence[np.random.Generator]) -> np.ndarray:
    """Day each service is compromised in each replication, shape (R, n_services)."""
    live = (
        np.concatenate([sample_live_edges(inp.net, rng, 1, inp.timeline.spread_p_override) for rng in rngs])
        if inp.net.control_p.size
        else np.zeros((len(rngs), 0), dtype=bool)
    )
    tl = inp.timeline
    # isolations in force stop a compromise landing on the control edges they cut
    guard = guard_of(tl, inp.net, inp.rows)
    return compromise_days(inp.net, tl.start_service, tl.start_day, live, guard, tl.start_share)


def capacities(inp: SimInputs, day: int, compromised_on: np.ndarray) -> Capacities:
    """Step 1: capacities of every capability from the incident timeline."""
    tl, net = inp.timeline, inp.net
    rows = inp.rows
    # averaged over the operating hours: a day split by an incident's hour is pro-rated
    cap = tl.capacity(net, day, compromised_on, rows)
    reps = cap.shape[0]

    def at(nodes: np.ndarray, default: float = 1.0) -> np.ndarray:
        # a node of -1 (a DC without its own capability node) is always up
        out = np.full((reps, nodes.size), default)
        known = nodes >= 0
        out[:, known] = cap[:, nodes[known]]
        return out

    return Capacities(
        sell=cap[:, inp.store_sell_nodes],
        receive=cap[:, inp.store_receive_nodes],
        order=cap[:, inp.store_order_nodes],
        pickup=cap[:, inp.store_pickup_nodes],
        pick=at(inp.dc_pick_nodes),
        ship=at(inp.dc_ship_nodes),
        dc_receive=at(inp.dc_receive_nodes),
        online=at(inp.channel_online_nodes, 0.0),
    )


def arrive_deliveries(state: State, day: int) -> np.ndarray:
    """Step 2: shipments due today join the stores' stock; returns units received (R, S, I)."""
    slot = day % state.pipeline.shape[2]
    arriving = state.pipeline[:, :, slot, :].copy()
    state.pipeline[:, :, slot, :] = 0.0
    state.on_hand += arriving
    return arriving


def draw_demand(inp: SimInputs, state: State, day: int, keys: np.ndarray) -> np.ndarray:
    """Step 3: demand per (replication, store, item), from each replication's counter-based
    stream (:mod:`aftershock.sim.demand`): the same draws as the compiled kernel's."""
    weekday = (inp.first_weekday + day) % 7
    mean = inp.base_demand[None, :, :] * inp.weekday_factors[weekday] * state.loyalty[:, :, None]
    if inp.distribution == "deterministic":
        return mean.copy()
    code = distribution_code(inp.distribution)
    return draw_array(np.ascontiguousarray(mean), keys, day, code, inp.dispersion)


def store_channel_up(inp: SimInputs, cap: Capacities) -> np.ndarray:
    """Availability of the channel serving each store, (R, S); 0 for a store without one."""
    if not inp.channel_online_nodes.size:
        return np.zeros(cap.sell.shape)
    up = cap.online[:, np.maximum(inp.store_channel, 0)]
    return np.where(inp.store_channel[None, :] >= 0, up, 0.0)


def _click_and_collect(
    inp: SimInputs, cap: Capacities, demand: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Orders placed online and collected at the store: (walk-in demand, collected at the
    shelf, delivered instead, lost because the store could not hand them over)."""
    collect = demand * inp.store_collect_share[None, :, None]
    handed = cap.pickup * store_channel_up(inp, cap)  # (R, S)
    at_shelf = collect * handed[:, :, None]
    failed = collect - at_shelf
    delivered = failed * (inp.store_failed_pickup_delivery[None, :] * store_channel_up(inp, cap))[:, :, None]
    return demand - collect, at_shelf, delivered, failed - delivered


def _closed_doors(
    inp: SimInputs, cap: Capacities, demand: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Demand at partly or fully closed doors: (lost, to online, to nearby stores, demand at stores)."""
    open_share = cap.sell[:, :, None]
    at_door = demand * open_share
    closed = demand - at_door
    online = closed * (inp.divert_online_fraction * store_channel_up(inp, cap))[:, :, None]
    for c in np.flatnonzero(np.isfinite(inp.channel_capacity)):
        # a channel takes no more than it can fulfil (scaled by its availability); what it
        # turns away is lost
        mine = inp.store_channel == c
        room = inp.channel_capacity[c] * cap.online[:, c]
        wanted = online[:, mine].sum(axis=(1, 2))
        scale = np.divide(room, wanted, out=np.ones_like(wanted), where=wanted > room)
        online[:, mine] *= scale[:, None, None]
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
    """Step 4: serve demand where doors are open; divert or lose the rest; update churn.

    Click-and-collect orders need the store's store.pickup and the channel, not its doors.
    """
    zero = np.zeros_like(demand)
    walk_in, collected, delivered, lost_pickup = demand, zero, zero, zero
    if inp.has_pickup:
        walk_in, collected, delivered, lost_pickup = _click_and_collect(inp, cap, demand)
    if (cap.sell >= 1.0).all():
        # every door open (the usual day): nothing to divert or lose at the door
        lost_closed, online, nearby_out, store_demand = zero, zero, zero, walk_in
    else:
        lost_closed, online, nearby_out, store_demand = _closed_doors(inp, cap, walk_in)
    if inp.has_pickup:
        store_demand = store_demand + collected
        online = online + delivered
    sales = np.minimum(store_demand, state.on_hand)
    state.on_hand -= sales
    lost_stockout = store_demand - sales
    if inp.churn_fraction > 0:
        churn(inp, state, (lost_closed + lost_stockout + lost_pickup).sum(axis=2))
    return {
        "demand": demand,
        "sales": sales,
        "lost_closed": lost_closed,
        "lost_stockout": lost_stockout,
        "lost_pickup": lost_pickup,
        "diverted_online": online,
        "diverted_nearby": nearby_out,
    }


def churn(inp: SimInputs, state: State, unserved: np.ndarray) -> None:
    """Customers turned away today stay away in part; those away come back slowly.

    ``unserved`` is (R, S) units not sold and not diverted today. Today's customers are
    1/visit_interval_days of a store's customers, so the share of its daily demand that
    leaves is churn_fraction × unserved / (visit_interval_days × normal daily demand); of
    those already away, 1/churn_recovery_days come back each day.
    """
    normal = inp.base_demand.sum(axis=1)[None, :]  # (1, S) units a day
    leaving = np.divide(
        inp.churn_fraction * unserved,
        inp.visit_interval_days * normal,
        out=np.zeros_like(unserved),
        where=normal > 0,
    )
    away = (1.0 - state.loyalty) * (1.0 - 1.0 / inp.churn_recovery_days) + leaving
    state.loyalty = 1.0 - np.minimum(away, 1.0)


def fear_rationing(inp: SimInputs, state: State, cap: Capacities, day: int, stocked_out: np.ndarray) -> None:
    """Order inflation for tomorrow's orders: up after a stockout or while supply is short, else fading."""
    short = (np.minimum(cap.pick, cap.ship) < 1.0) | cap_active(inp, state, day)  # (R, D)
    faded = state.inflation * (1.0 - 1.0 / inp.inflation_fade_days)
    state.inflation = np.maximum(
        faded,
        np.maximum(
            np.where(stocked_out, inp.inflation_after_stockout, 0.0),
            np.where(short[:, inp.store_dc], inp.inflation_while_short, 0.0),
        ),
    )


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
    # a position a rounding error above the reorder point still counts as at it: sales are
    # whole units and S - s is whole, so ties are common (both engine paths use REORDER_SLACK)
    below = position <= inp.reorder_point[None, due, :] + REORDER_SLACK
    level = inp.order_up_to[None, due, :]
    if inp.has_inflation:
        # stores that fear rationing order above their level
        level = level * (1.0 + state.inflation[:, due, None])
    due_qty = np.maximum(level - position, 0.0) * (can[:, :, None] & below)
    if inp.cap_at_order:
        active = cap_active(inp, state, day)[:, inp.store_dc[due]]  # (R, due stores)
        due_qty = np.where(active[:, :, None], np.minimum(due_qty, inp.cap_units[None, due]), due_qty)
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


@dataclass
class DayStep:
    """What one day's steps 2-6 did, per (replication, store, item) unless said otherwise."""

    received: np.ndarray  # units that arrived at the stores
    flows: dict[str, np.ndarray]  # what :func:`sell` returns: demand, sales, lost and diverted units
    shipped: np.ndarray  # units shipped to each store
    dispatched: Dispatched  # per DC: capacity, units shipped, units lent
    backlog: np.ndarray  # (R, D) units owed to each DC's stores at the end of the day
    dc_received: np.ndarray  # (R, D) supplier units received into DC stock


def step_day(
    inp: SimInputs,
    state: State,
    cap: Capacities,
    day: int,
    keys: np.ndarray,
    policies: tuple[AllocationPolicy, ...],
) -> DayStep:
    """Steps 2-6 of one day on today's capacities; a DC's order cap lifts once its backlog is low enough."""
    received = arrive_deliveries(state, day)
    dc_received = receive_at_dcs(inp, state, cap, day) if inp.has_supply else np.zeros(state.cap_lifted.shape)
    flows = sell(inp, state, cap, draw_demand(inp, state, day, keys))
    place_orders(inp, state, cap, day)
    dispatched = dispatch(inp, state, cap, day, policies)
    if inp.has_inflation:
        fear_rationing(inp, state, cap, day, flows["lost_stockout"].sum(axis=2) > 1e-9)
    if inp.has_supply:
        order_from_suppliers(inp, state, day)
    backlog = state.backlog_by_dc(inp)
    if inp.cap_lift_backlog_units >= 0:
        started = day >= inp.cap_from_day
        state.cap_lifted |= started & (backlog < inp.cap_lift_backlog_units)
    return DayStep(
        received=received,
        flows=flows,
        shipped=dispatched.per_store,
        dispatched=dispatched,
        backlog=backlog,
        dc_received=dc_received,
    )


@dataclass
class Chunk:
    """A chunk of replications under way: its inputs, demand keys, compromise days and state.

    ``compiled`` chooses the day step: the compiled kernel (:mod:`aftershock.sim.kernel`) or
    the NumPy steps of this module; both give the same results.
    """

    inp: SimInputs
    keys: np.ndarray  # (R,) uint64: each replication's demand stream
    compromised_on: np.ndarray  # (R, services)
    state: State
    compiled: bool

    @classmethod
    def start(cls, inp: SimInputs, seeds: Sequence[np.random.SeedSequence], engine: str = "auto") -> Chunk:
        """The morning of day 0: each replication's generator draws its compromise days."""
        rngs = [np.random.default_rng(s) for s in seeds]
        return cls(
            inp,
            replication_keys(seeds),
            sample_compromise(inp, rngs),
            State.initial(inp, len(rngs)),
            use_compiled(inp, engine),
        )

    def segments(self, until_day: int, longest: int = 16) -> Iterator[tuple[int, int, Capacities]]:
        """Runs of days ``[first, stop)`` on the same capacities, at most ``longest`` days each.

        Capacities change only on timeline events: they are propagated on those days only.
        """
        inp = self.inp
        assert until_day <= inp.horizon_days, "the timeline is compiled for the horizon only"
        changes = change_days(inp.timeline, self.compromised_on, inp.horizon_days, inp.rows)
        starts = [0] + [d for d in range(1, until_day) if changes[d]]
        cap = capacities(inp, 0, self.compromised_on)
        for n, first in enumerate(starts):
            if first:
                cap = capacities(inp, first, self.compromised_on)
            end = starts[n + 1] if n + 1 < len(starts) else until_day
            for lo in range(first, end, longest):
                yield lo, min(lo + longest, end), cap

    def run_days(self, until_day: int) -> Iterator[tuple[int, Capacities, DayStep]]:
        """Run days ``0 .. until_day-1``, yielding each day, its capacities and its step."""
        inp = self.inp
        if self.compiled:
            yield from self._run_days_compiled(until_day)
            return
        policies = tuple(get_policy(name) for name in inp.dc_policy_names)
        for first, stop, cap in self.segments(until_day):
            for day in range(first, stop):
                yield day, cap, step_day(inp, self.state, cap, day, self.keys, policies)

    def _kernel_args(self, **kept: bool) -> tuple[kernel.Consts, kernel.KState, np.ndarray, kernel.Series]:
        """The kernel's view of the scenario and of this chunk's state, its plan shifts and a
        zeroed record (``kept``: :func:`compiled.series`'s ``keep_store_days`` and ``flows``)."""
        inp, reps = self.inp, self.keys.size
        return (
            compiled.consts(inp),
            compiled.kstate(self.state),
            compiled.plan_shift(inp, reps),
            compiled.series(inp, reps, **kept),
        )

    def run_compiled(
        self, until_day: int, *, keep_store_days: bool = False, on_day: Callable[[int], None] | None = None
    ) -> kernel.Series:
        """Days ``0 .. until_day-1`` on the compiled kernel, one call per run of days on the same
        capacities; returns what the kernel recorded."""
        k, st, shift, rec = self._kernel_args(keep_store_days=keep_store_days)
        for first, stop, cap in self.segments(until_day):
            kernel.run_days(k, st, compiled.caps(cap), rec, self.keys, shift, first, stop)
            if on_day is not None:
                for day in range(first, stop):
                    on_day(day)
        return rec

    def _run_days_compiled(self, until_day: int) -> Iterator[tuple[int, Capacities, DayStep]]:
        k, st, shift, rec = self._kernel_args(flows=True)
        for first, stop, cap in self.segments(until_day):
            kc = compiled.caps(cap)
            for day in range(first, stop):
                kernel.run_days(k, st, kc, rec, self.keys, shift, day, day + 1)
                flows = {name: rec.flows[n].copy() for n, name in enumerate(FLOW_ROWS[:7])}
                dc = {name: rec.dc_daily[n, :, :, day].copy() for n, name in enumerate(DC_ROWS)}
                shipped = rec.flows[7].copy()
                dispatched = Dispatched(
                    shipped, dc["dc_capacity_units_by_dc"], dc["dc_shipped_units"], dc["dc_lent_units"]
                )
                yield (
                    day,
                    cap,
                    DayStep(
                        received=rec.flows[8].copy(),
                        flows=flows,
                        shipped=shipped,
                        dispatched=dispatched,
                        backlog=dc["dc_backlog_units"],
                        dc_received=dc["dc_received_units"],
                    ),
                )


def run_replications(
    inp: SimInputs,
    seeds: Sequence[np.random.SeedSequence],
    *,
    keep_store_days: bool = False,
    on_day: Callable[[int], None] | None = None,
    engine: str = "auto",
) -> dict[str, np.ndarray]:
    """Simulate one chunk of replications; return daily series (and store-level ones if asked).

    ``engine``: ``auto`` (compiled unless a plug-in policy is used), ``compiled`` or ``numpy``.
    """
    chunk = Chunk.start(inp, seeds, engine)
    initial = chunk.state.on_hand.sum(axis=(1, 2))
    if chunk.compiled:
        out = _run_compiled(chunk, keep_store_days, on_day)
    else:
        out = _run_numpy(chunk, keep_store_days, on_day)
    state = chunk.state
    out["initial_on_hand_units"] = initial
    out["final_on_hand_units"] = state.on_hand.sum(axis=(1, 2))
    out["final_pipeline_units"] = state.pipeline.sum(axis=(1, 2, 3))
    out["first_compromise_day"] = chunk.compromised_on.min(axis=1).astype(float)
    return out


def _run_compiled(
    chunk: Chunk, keep_store_days: bool, on_day: Callable[[int], None] | None
) -> dict[str, np.ndarray]:
    """The whole horizon on the compiled kernel, as the NumPy path's series."""
    rec = chunk.run_compiled(chunk.inp.horizon_days, keep_store_days=keep_store_days, on_day=on_day)
    out = {name: rec.daily[n] for n, name in enumerate(DAILY_ROWS)}
    out.update({name: rec.dc_daily[n] for n, name in enumerate(DC_ROWS)})
    out.update({name: rec.store_totals[n] for n, name in enumerate(STORE_TOTAL_ROWS)})
    if keep_store_days:
        for n, name in enumerate(STORE_DAILY):
            out[f"store_{name}"] = rec.store_days[n]
    return out


def _run_numpy(
    chunk: Chunk, keep_store_days: bool, on_day: Callable[[int], None] | None
) -> dict[str, np.ndarray]:
    """The whole horizon on the NumPy steps (the path of plug-in policies)."""
    inp, state = chunk.inp, chunk.state
    reps, days = chunk.keys.size, inp.horizon_days
    out = {name: np.zeros((reps, days)) for name in DAILY}
    # per-store totals over the horizon: small, always kept (worst store, regions)
    for name in STORE_TOTALS:
        out[name] = np.zeros((reps, inp.n_stores))
    for name in DC_DAILY:
        out[name] = np.zeros((reps, inp.n_dcs, days))
    out["received_units"] = np.zeros((reps, days))
    stores_out = (
        {name: np.zeros((reps, inp.n_stores, inp.n_items, days)) for name in STORE_DAILY}
        if keep_store_days
        else {}
    )
    price, margin = inp.item_price, inp.item_margin
    for day, cap, step in chunk.run_days(days):
        flows = step.flows
        lost = flows["lost_closed"] + flows["lost_stockout"] + flows["lost_pickup"]
        out["demand_units"][:, day] = flows["demand"].sum(axis=(1, 2))
        out["sales_units"][:, day] = flows["sales"].sum(axis=(1, 2))
        out["lost_units"][:, day] = lost.sum(axis=(1, 2))
        out["lost_closed_units"][:, day] = flows["lost_closed"].sum(axis=(1, 2))
        out["lost_stockout_units"][:, day] = flows["lost_stockout"].sum(axis=(1, 2))
        out["lost_pickup_units"][:, day] = flows["lost_pickup"].sum(axis=(1, 2))
        out["diverted_online_units"][:, day] = flows["diverted_online"].sum(axis=(1, 2))
        out["diverted_nearby_units"][:, day] = flows["diverted_nearby"].sum(axis=(1, 2))
        out["lost_revenue"][:, day] = (lost * price).sum(axis=(1, 2))
        out["lost_margin"][:, day] = (lost * margin).sum(axis=(1, 2))
        out["shipped_units"][:, day] = step.shipped.sum(axis=(1, 2))
        out["received_units"][:, day] = step.received.sum(axis=(1, 2))
        out["backlog_units"][:, day] = step.backlog.sum(axis=1)
        out["on_hand_units"][:, day] = state.on_hand.sum(axis=(1, 2))
        out["dc_capacity_units"][:, day] = step.dispatched.capacity.sum(axis=1)
        out["dc_backlog_units"][:, :, day] = step.backlog
        out["dc_shipped_units"][:, :, day] = step.dispatched.shipped
        out["dc_lent_units"][:, :, day] = step.dispatched.lent
        out["dc_capacity_units_by_dc"][:, :, day] = step.dispatched.capacity
        out["dc_stock_units"][:, :, day] = state.dc_stock.sum(axis=2)
        out["dc_received_units"][:, :, day] = step.dc_received
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
    if chunk.compiled:
        chunk.run_compiled(until_day)
    else:
        for _ in chunk.run_days(until_day):
            pass
    return chunk.state, chunk.compromised_on
