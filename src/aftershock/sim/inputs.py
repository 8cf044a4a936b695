"""Everything the engine needs, as arrays: built once per scenario, read-only in the loop."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from aftershock.errors import Problem, ScenarioError
from aftershock.graph.compile import CompiledNetwork, compile_network
from aftershock.graph.timeline import IncidentTimeline, RowIncident, build_timeline
from aftershock.model.stores import LoadedScenario, normal_order_lines

#: Order days of empty open-order slots (sorts after every real day).
EMPTY_SLOT = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class SimInputs:
    """Compiled scenario for the engine. Axis order is (replication, store, item)."""

    net: CompiledNetwork
    timeline: IncidentTimeline
    horizon_days: int
    first_weekday: int  # weekday (0 = Monday) of day 0
    # stores × items
    base_demand: np.ndarray  # (S, I) mean units a day before weekday factors
    initial_on_hand: np.ndarray  # (S, I)
    initial_pipeline: np.ndarray  # (S, I, B) units arriving on day b (b < B)
    order_up_to: np.ndarray  # (S, I)
    reorder_point: np.ndarray  # (S, I) +inf: order at every review
    lead_time_days: np.ndarray  # (S,) >= 1
    review_period_days: np.ndarray  # (S,)
    order_weekday: np.ndarray  # (S,)
    region_index: np.ndarray  # (S,) 0..n_regions-1
    region_names: tuple[str, ...]
    item_ids: tuple[str, ...]
    item_price: np.ndarray  # (I,)
    item_margin: np.ndarray  # (I,)
    weekday_factors: np.ndarray  # (7,)
    distribution: str  # poisson | negative_binomial | deterministic
    dispersion: float
    divert_online_fraction: float
    divert_nearby_fraction: float
    churn_fraction: float
    churn_recovery_days: float
    # DC (the first DC serves every store)
    dc_pick_node: int
    dc_ship_node: int
    pick_capacity_units: float
    delivery_capacity_stores: float  # inf when unlimited
    online_node: int  # -1 without an online channel
    online_capacity_units: float  # units the online channel can take a day from closed stores; inf: no limit
    # plan
    allocation: str
    cap_units: np.ndarray  # (S, I) units per order line while the cap is on; inf without a cap
    has_cap: bool
    cap_from_day: int
    cap_until_day: int
    cap_lift_backlog_units: float  # -1 when not set
    cap_at_order: bool
    surge_pick: np.ndarray  # (T,) extra pick capacity as a fraction of normal
    surge_delivery: np.ndarray  # (T,)
    surge_cost: np.ndarray  # (T,)
    open_slots: int
    store_rank: np.ndarray  # (S,) priority rank for the 'priority' policy (0 = first)
    planned_units: np.ndarray | None  # (S, I, T) dispatch plan for the 'planned' policy, by plan day

    def take_rows(self, lo: int, hi: int) -> SimInputs:
        """The inputs of replications ``lo .. hi-1`` (per-row arrays sliced)."""
        if self.rows is None and self.row_plan_shift is None:
            return self
        shift = None if self.row_plan_shift is None else self.row_plan_shift[lo:hi]
        rows = None if self.rows is None else self.rows.take(lo, hi)
        return replace(self, rows=rows, row_plan_shift=shift)

    def plan_day(self, day: int, reps: int) -> np.ndarray:
        """Day of the recovery plan each replication is on: ``day`` less its row shift, (R,)."""
        if self.row_plan_shift is None:
            return np.full(reps, day)
        return day - self.row_plan_shift

    store_sell_nodes: np.ndarray
    store_receive_nodes: np.ndarray
    store_order_nodes: np.ndarray
    rows: RowIncident | None = None  # per-replication incident shapes (risk batches)
    row_plan_shift: np.ndarray | None = None  # (R,) days the surge, cap and dispatch plan move

    @property
    def n_stores(self) -> int:
        """Number of stores."""
        return int(self.base_demand.shape[0])

    @property
    def n_items(self) -> int:
        """Number of items."""
        return int(self.base_demand.shape[1])


def _surge_profile(loaded: LoadedScenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    horizon = loaded.scenario.horizon_days
    pick = np.zeros(horizon)
    delivery = np.zeros(horizon)
    cost = np.zeros(horizon)
    days = np.arange(horizon)
    dcs = loaded.scenario.sites.dcs
    shifts = dcs[0].shifts_per_day if dcs else 1
    hours = dcs[0].delivery_hours_per_day if dcs else 10.0
    for s in loaded.scenario.plan.surge:
        until = horizon if s.until_day is None else min(s.until_day, horizon)
        active = (days >= s.from_day) & (days < until)
        ramp = np.clip((days - s.from_day + 1) / (s.ramp_days + 1), 0.0, 1.0)
        extra_pick = s.extra_pick_fraction + s.extra_shifts / shifts
        extra_delivery = s.extra_delivery_fraction + s.extra_delivery_hours / hours
        pick += np.where(active, extra_pick * ramp, 0.0)
        delivery += np.where(active, extra_delivery * ramp, 0.0)
        daily_cost = (
            s.cost_per_day
            + s.extra_shifts * s.cost_per_shift
            + s.extra_delivery_hours * s.cost_per_delivery_hour
        )
        cost += np.where(active, daily_cost, 0.0)
    return pick, delivery, cost


def _cap_units(loaded: LoadedScenario, base_demand: np.ndarray) -> np.ndarray:
    """Cap per order line (store × item): fixed units and/or a share of the normal order."""
    cap = loaded.scenario.plan.order_cap
    limit = np.full(base_demand.shape, np.inf)
    if cap is None:
        return limit
    if cap.units is not None:
        limit = np.minimum(limit, cap.units)
    if cap.fraction_of_normal is not None:
        normal_order = normal_order_lines(loaded.scenario, loaded.stores)
        limit = np.minimum(limit, cap.fraction_of_normal * normal_order)
    return limit


def _store_rank(loaded: LoadedScenario) -> np.ndarray:
    """Rank of each store for the priority policy; 0 for every store without a priority."""
    plan = loaded.scenario.plan
    n = len(loaded.stores)
    if plan.priority_attribute is None:
        return np.zeros(n, dtype=np.int64)
    values = loaded.stores.attributes[plan.priority_attribute]
    order = plan.priority_order or sorted(set(values.tolist()))
    rank = {v: i for i, v in enumerate(order)}
    return np.array([rank.get(v, len(order)) for v in values.tolist()], dtype=np.int64)


def steady_state(
    given: np.ndarray,
    demand: np.ndarray,
    order_up_to: np.ndarray,
    review: np.ndarray,
    lead: np.ndarray,
    weekday: np.ndarray,
    shares: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    # ``weekday`` is the order day counted from day 0 (any integer; taken modulo R)
    """Initial stock (S, I) and stock on the way (S, I, B) of stores ordering normally before day 0.

    A store last ordered at the end of day -k (1 <= k <= R); each of its orders was R days of demand
    and takes L days to arrive, so the orders placed at -k, -k-R, ... that arrive on or after
    day 0 are still on the way, and the shelf holds S less k - 1 days of sales less those orders.
    Stores whose ``given`` stock is not NaN start with exactly that and nothing on the way.
    """
    ring = int(lead.max()) + 1
    k = ((-weekday - 1) % review) + 1
    on_the_way = np.zeros((demand.size, ring))
    for j in range(int(np.ceil(ring / max(int(review.min()), 1))) + 1):
        arrival = lead - k - j * review  # day the order placed at -k - j·R arrives
        ok = (arrival >= 0) & (arrival < ring)
        rows = np.flatnonzero(ok)
        on_the_way[rows, arrival[rows]] += review[rows] * demand[rows]
    # orders are placed at the end of a day: k - 1 days of sales since the last one
    steady = np.maximum(order_up_to - (k - 1) * demand - on_the_way.sum(axis=1), 0.0)
    is_given = ~np.isnan(given)
    shelf = np.where(is_given, given, steady)
    on_the_way[is_given] = 0.0
    return shelf[:, None] * shares[None, :], on_the_way[:, None, :] * shares[None, :, None]


def _refuse_several_dcs(loaded: LoadedScenario) -> None:
    """The engine dispatches from one DC: a second one would be silently ignored, so refuse it.

    Listing order would then decide which DC serves every store (swapping two DCs changed
    lost sales fivefold). ``impact`` and ``validate`` do not simulate and still accept such
    networks.
    """
    dcs = loaded.scenario.sites.dcs
    if len(dcs) <= 1:
        return
    source = loaded.path.name if loaded.path else loaded.name
    raise ScenarioError.from_problems(
        [
            Problem(
                source,
                f"the engine simulates one DC and would silently ignore '{dcs[1].id}' "
                f"({len(dcs)} DCs listed); simulate a network of several DCs as one DC with their "
                "combined capacity, or as one scenario per DC with its own stores",
                field="sites.dcs[1]",
            )
        ]
    )


def build_inputs(loaded: LoadedScenario, open_slots: int | None = None) -> SimInputs:
    """Compile a validated scenario into engine inputs.

    ``open_slots`` is how many open orders a store can have in the DC backlog before new
    ones merge into the newest; by default enough for four weeks of orders (2 to 8).
    """
    scenario, stores = loaded.scenario, loaded.stores
    _refuse_several_dcs(loaded)
    if open_slots is None:
        shortest = int(stores.review_period_days.min())
        open_slots = int(np.clip(np.ceil(28 / shortest), 2, 8))
    net = compile_network(loaded)
    timeline = build_timeline(loaded, net)
    shares = np.array([i.demand_share for i in scenario.items], dtype=float)
    shares = shares / shares.sum()
    base = stores.demand_units_per_day[:, None] * shares[None, :]
    regions, region_index = np.unique(stores.regions, return_inverse=True)
    plan = scenario.plan
    cap = plan.order_cap
    pick, delivery, cost = _surge_profile(loaded)
    on_hand, pipeline = steady_state(
        stores.on_hand_units,
        stores.demand_units_per_day,
        stores.order_up_to_units,
        stores.review_period_days,
        np.maximum(stores.lead_time_days, 1),
        (stores.order_weekday - (scenario.start_date.weekday() if scenario.start_date else 0)),
        shares,
    )
    dc = scenario.sites.dcs[0] if scenario.sites.dcs else None
    online = [c for c in scenario.sites.channels if c.kind == "online"]
    return SimInputs(
        net=net,
        timeline=timeline,
        horizon_days=scenario.horizon_days,
        first_weekday=scenario.start_date.weekday() if scenario.start_date else 0,
        base_demand=base,
        initial_on_hand=on_hand,
        initial_pipeline=pipeline,
        order_up_to=stores.order_up_to_units[:, None] * shares[None, :],
        reorder_point=stores.reorder_point_units[:, None] * shares[None, :],
        lead_time_days=np.maximum(stores.lead_time_days, 1),
        review_period_days=stores.review_period_days,
        order_weekday=stores.order_weekday,
        region_index=region_index.astype(np.int64),
        region_names=tuple(str(r) for r in regions),
        item_ids=tuple(i.id for i in scenario.items),
        item_price=np.array([i.price for i in scenario.items], dtype=float),
        item_margin=np.array([i.margin for i in scenario.items], dtype=float),
        weekday_factors=np.array(scenario.demand.weekday_factors, dtype=float),
        distribution=scenario.demand.distribution,
        dispersion=scenario.demand.dispersion,
        divert_online_fraction=scenario.behaviour.divert_online_fraction,
        divert_nearby_fraction=scenario.behaviour.divert_nearby_fraction,
        churn_fraction=scenario.behaviour.churn_fraction,
        churn_recovery_days=scenario.behaviour.churn_recovery_days,
        dc_pick_node=net.node(f"{dc.id}/dc.pick") if dc else -1,
        dc_ship_node=net.node(f"{dc.id}/dc.ship") if dc else -1,
        pick_capacity_units=dc.pick_capacity_units_per_day if dc else np.inf,
        delivery_capacity_stores=(
            dc.delivery_capacity_stores_per_day
            if dc and dc.delivery_capacity_stores_per_day is not None
            else np.inf
        ),
        online_node=net.node(f"{online[0].id}/channel.online") if online else -1,
        online_capacity_units=(
            online[0].capacity_units_per_day
            if online and online[0].capacity_units_per_day is not None
            else np.inf
        ),
        allocation=plan.allocation,
        cap_units=_cap_units(loaded, base),
        has_cap=cap is not None,
        cap_from_day=cap.from_day if cap else 0,
        cap_until_day=(cap.until_day if cap and cap.until_day is not None else scenario.horizon_days),
        cap_lift_backlog_units=(
            cap.lift_when_backlog_below_units
            if cap and cap.lift_when_backlog_below_units is not None
            else -1.0
        ),
        cap_at_order=bool(cap and cap.apply_at == "order"),
        surge_pick=pick,
        surge_delivery=delivery,
        surge_cost=cost,
        open_slots=open_slots,
        store_rank=_store_rank(loaded),
        planned_units=None,
        store_sell_nodes=net.store_nodes("store.sell"),
        store_receive_nodes=net.store_nodes("store.receive"),
        store_order_nodes=net.store_nodes("store.order"),
    )
