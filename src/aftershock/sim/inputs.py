"""Everything the engine needs, as arrays: built once per scenario, read-only in the loop."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from aftershock.graph.compile import CompiledNetwork, compile_network
from aftershock.graph.timeline import IncidentTimeline, RowIncident, build_timeline
from aftershock.model.checks import select_sites
from aftershock.model.scenario import OrderInflation
from aftershock.model.stores import LoadedScenario, dc_ids, normal_order_lines, store_dc_index

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
    visit_interval_days: float
    inflation_after_stockout: float  # 0 without order inflation
    inflation_while_short: float
    inflation_fade_days: float
    # DCs, sorted by id (model.stores.dc_ids); a scenario without DCs has one unlimited DC
    dc_ids: tuple[str, ...]
    store_dc: np.ndarray  # (S,) index of the DC serving each store
    dc_pick_nodes: np.ndarray  # (D,) node of <dc>/dc.pick, -1: always up
    dc_ship_nodes: np.ndarray  # (D,)
    dc_receive_nodes: np.ndarray  # (D,)
    dc_pick_capacity: np.ndarray  # (D,) units a day in normal operation; inf: unlimited
    dc_delivery_capacity: np.ndarray  # (D,) store deliveries a day; inf: no fleet limit
    dc_backups: tuple[tuple[Backup, ...], ...]  # per DC, its backups in the order listed
    # DC stock: inf without supply
    dc_initial_stock: np.ndarray  # (D, I)
    dc_target_position: np.ndarray  # (D, I) stock + on the way the DC reorders up to
    dc_daily_demand: np.ndarray  # (D, I) normal demand of its stores
    dc_inbound_capacity: np.ndarray  # (D,) units the dock receives a day; inf: no limit
    supplier_lead: np.ndarray  # (D, I) days; 0 without supply
    supplier_index: np.ndarray  # (D, I) index into supplier_capacity; -1 without supply
    supplier_capacity: np.ndarray  # (K,) units a day over the supplier's items; inf: no limit
    # channels, sorted by id
    store_channel: np.ndarray  # (S,) index of the channel serving the store, -1: none
    channel_online_nodes: np.ndarray  # (C,)
    channel_capacity: np.ndarray  # (C,) units of diverted demand a day; inf: no limit
    store_collect_share: np.ndarray  # (S,) share of demand ordered online and collected at the store
    store_failed_pickup_delivery: np.ndarray  # (S,) share of failed pickups delivered instead
    # plan
    allocation: str  # the policy of every DC without its own
    allocation_by_dc: tuple[str | None, ...]  # (D,) a DC's own policy; None: ``allocation``
    backup_covered_first: bool
    cap_units: np.ndarray  # (S, I) units per order line while the cap is on; inf where no cap applies
    has_cap: bool
    cap_dc: np.ndarray  # (D,) bool: the cap applies at this DC's stores
    cap_from_day: int
    cap_until_day: int
    cap_lift_backlog_units: float  # -1 when not set
    cap_at_order: bool
    surge_pick: np.ndarray  # (D, T) extra pick capacity as a fraction of normal
    surge_delivery: np.ndarray  # (D, T)
    surge_cost: np.ndarray  # (T,) over every DC
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
    store_pickup_nodes: np.ndarray
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

    @property
    def n_dcs(self) -> int:
        """Number of DCs the engine dispatches from (1 for a scenario without DCs)."""
        return int(self.dc_pick_capacity.shape[0])

    @cached_property
    def dc_stores(self) -> tuple[np.ndarray | slice, ...]:
        """Each DC's stores: an index array, or every store (a slice) when there is one DC."""
        if self.n_dcs == 1:
            return (slice(None),)
        return tuple(np.flatnonzero(self.store_dc == d) for d in range(self.n_dcs))

    @cached_property
    def store_dc_onehot(self) -> np.ndarray:
        """(S, D) 1 where the DC serves the store: sums per store become sums per DC."""
        return (self.store_dc[:, None] == np.arange(self.n_dcs)[None, :]).astype(float)

    @property
    def dc_policy_names(self) -> tuple[str, ...]:
        """The allocation policy of each DC."""
        return tuple(self.allocation if own is None else own for own in self.allocation_by_dc)

    @property
    def has_inflation(self) -> bool:
        """Whether stores inflate their orders when they fear rationing."""
        return self.inflation_after_stockout > 0 or self.inflation_while_short > 0

    @property
    def has_supply(self) -> bool:
        """Whether any DC holds limited stock."""
        return bool((self.supplier_index >= 0).any())

    @property
    def has_pickup(self) -> bool:
        """Whether any store has click-and-collect demand."""
        return bool((self.store_collect_share > 0).any())


@dataclass(frozen=True)
class Backup:
    """A backup of a DC: which DC, the share of its capacity it lends, extra lead time, switch-over."""

    dc: int
    share: float
    extra_lead_days: int
    switch_over_days: int


def _surge_profile(loaded: LoadedScenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Extra pick and delivery capacity per DC and day (D, T), and the cost of surge per day (T,).

    A surge without a DC is added at every DC (its cost counted at each).
    """
    horizon = loaded.scenario.horizon_days
    ids = dc_ids(loaded.scenario)
    by_id = {dc.id: dc for dc in loaded.scenario.sites.dcs}
    n = max(len(ids), 1)
    pick = np.zeros((n, horizon))
    delivery = np.zeros((n, horizon))
    cost = np.zeros(horizon)
    days = np.arange(horizon)
    for s in loaded.scenario.plan.surge:
        until = horizon if s.until_day is None else min(s.until_day, horizon)
        active = (days >= s.from_day) & (days < until)
        ramp = np.clip((days - s.from_day + 1) / (s.ramp_days + 1), 0.0, 1.0)
        at = range(n) if s.dc is None else [ids.index(s.dc)]
        for d in at:
            dc = by_id.get(ids[d]) if ids else None
            shifts = dc.shifts_per_day if dc else 1
            hours = dc.delivery_hours_per_day if dc else 10.0
            extra_pick = s.extra_pick_fraction + s.extra_shifts / shifts
            extra_delivery = s.extra_delivery_fraction + s.extra_delivery_hours / hours
            pick[d] += np.where(active, extra_pick * ramp, 0.0)
            delivery[d] += np.where(active, extra_delivery * ramp, 0.0)
            daily_cost = (
                s.cost_per_day
                + s.extra_shifts * s.cost_per_shift
                + s.extra_delivery_hours * s.cost_per_delivery_hour
            )
            cost += np.where(active, daily_cost, 0.0)
    return pick, delivery, cost


def _cap_dc(loaded: LoadedScenario, n_dcs: int) -> np.ndarray:
    """Whether the order cap applies at each DC's stores, (D,)."""
    cap = loaded.scenario.plan.order_cap
    if cap is None:
        return np.zeros(n_dcs, dtype=bool)
    if cap.dcs is None:
        return np.ones(n_dcs, dtype=bool)
    ids = dc_ids(loaded.scenario)
    return np.array([d in cap.dcs for d in ids], dtype=bool)


def _cap_units(loaded: LoadedScenario, base_demand: np.ndarray, store_capped: np.ndarray) -> np.ndarray:
    """Cap per order line (store × item): fixed units and/or a share of the normal order; inf
    at the stores of DCs the cap does not cover."""
    cap = loaded.scenario.plan.order_cap
    limit = np.full(base_demand.shape, np.inf)
    if cap is None:
        return limit
    if cap.units is not None:
        limit = np.minimum(limit, cap.units)
    if cap.fraction_of_normal is not None:
        normal_order = normal_order_lines(loaded.scenario, loaded.stores)
        limit = np.minimum(limit, cap.fraction_of_normal * normal_order)
    limit[~store_capped] = np.inf
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


def _node_or_none(net: CompiledNetwork, ref: str) -> int:
    return net.index.get(ref, -1)


def _dc_arrays(loaded: LoadedScenario, net: CompiledNetwork, base: np.ndarray) -> dict[str, object]:
    """Per-DC capacities, backups and stock, DCs sorted by id; one unlimited DC without any."""
    scenario = loaded.scenario
    ids = dc_ids(scenario)
    by_id = {dc.id: dc for dc in scenario.sites.dcs}
    dcs = [by_id[i] for i in ids]
    n_items = base.shape[1]
    store_dc = (
        store_dc_index(scenario, loaded.stores) if dcs else np.zeros(len(loaded.stores), dtype=np.int64)
    )
    n = max(len(dcs), 1)
    daily = np.zeros((n, n_items))
    np.add.at(daily, store_dc, base)
    stock = np.full((n, n_items), np.inf)
    target = np.full((n, n_items), np.inf)
    inbound = np.full(n, np.inf)
    lead = np.zeros((n, n_items), dtype=np.int64)
    supplier = np.full((n, n_items), -1, dtype=np.int64)
    supplier_capacity: list[float] = []
    item_pos = {item.id: k for k, item in enumerate(scenario.items)}
    for d, dc in enumerate(dcs):
        if dc.supply is None:
            continue
        cover = dc.supply.initial_cover_days
        target_cover = dc.supply.target_cover_days if dc.supply.target_cover_days is not None else cover
        stock[d] = cover * daily[d]
        given = dc.supply.inbound_capacity_units_per_day
        inbound[d] = dc.pick_capacity_units_per_day if given is None else given
        for sup in dc.supply.suppliers:
            k = len(supplier_capacity)
            cap = sup.capacity_units_per_day
            supplier_capacity.append(np.inf if cap is None else cap)
            for item in (
                scenario.items if sup.items is None else [scenario.items[item_pos[i]] for i in sup.items]
            ):
                j = item_pos[item.id]
                supplier[d, j] = k
                lead[d, j] = sup.lead_time_days
                target[d, j] = (target_cover + sup.lead_time_days) * daily[d, j]
    position = {i: d for d, i in enumerate(ids)}
    backups = tuple(
        tuple(
            Backup(position[b.dc], b.share_of_spare, b.extra_lead_time_days, b.switch_over_days)
            for b in dc.backups
        )
        for dc in dcs
    ) or ((),)
    by_dc = scenario.plan.allocation_by_dc or {}
    return {
        "dc_ids": ids,
        "store_dc": store_dc,
        "dc_pick_nodes": np.array([_node_or_none(net, f"{i}/dc.pick") for i in ids] or [-1], dtype=np.int64),
        "dc_ship_nodes": np.array([_node_or_none(net, f"{i}/dc.ship") for i in ids] or [-1], dtype=np.int64),
        "dc_receive_nodes": np.array(
            [_node_or_none(net, f"{i}/dc.receive") for i in ids] or [-1], dtype=np.int64
        ),
        "dc_pick_capacity": np.array([dc.pick_capacity_units_per_day for dc in dcs] or [np.inf]),
        "dc_delivery_capacity": np.array(
            [
                np.inf if dc.delivery_capacity_stores_per_day is None else dc.delivery_capacity_stores_per_day
                for dc in dcs
            ]
            or [np.inf]
        ),
        "dc_backups": backups,
        "dc_initial_stock": stock,
        "dc_target_position": target,
        "dc_daily_demand": daily,
        "dc_inbound_capacity": inbound,
        "supplier_lead": lead,
        "supplier_index": supplier,
        "supplier_capacity": np.array(supplier_capacity, dtype=float),
        "allocation_by_dc": tuple(by_dc.get(i) for i in ids) or (None,),
    }


def _channel_arrays(loaded: LoadedScenario, net: CompiledNetwork) -> dict[str, object]:
    """Which channel serves each store, channels sorted by id."""
    scenario, stores = loaded.scenario, loaded.stores
    channels = sorted(scenario.sites.channels, key=lambda c: c.id)
    store_channel = np.full(len(stores), -1, dtype=np.int64)
    share = np.zeros(len(stores))
    delivery = np.zeros(len(stores))
    position = {sid: i for i, sid in enumerate(stores.ids.tolist())}
    for c, channel in enumerate(channels):
        if channel.serves is None:
            rows = np.arange(len(stores))
        else:
            picked = select_sites(channel.serves, scenario, stores)
            rows = np.array([position[i] for i in picked if i in position], dtype=np.int64)
        store_channel[rows] = c
        share[rows] = channel.click_and_collect_share
        delivery[rows] = channel.failed_pickup_to_delivery_fraction
    return {
        "store_channel": store_channel,
        "channel_online_nodes": np.array(
            [net.node(f"{c.id}/channel.online") for c in channels], dtype=np.int64
        ),
        "channel_capacity": np.array(
            [np.inf if c.capacity_units_per_day is None else c.capacity_units_per_day for c in channels]
        ),
        "store_collect_share": share,
        "store_failed_pickup_delivery": delivery,
    }


def _inflation(inflation: OrderInflation | None) -> dict[str, float]:
    if inflation is None:
        return {"inflation_after_stockout": 0.0, "inflation_while_short": 0.0, "inflation_fade_days": 1.0}
    return {
        "inflation_after_stockout": inflation.after_stockout,
        "inflation_while_short": inflation.while_short,
        "inflation_fade_days": inflation.fade_days,
    }


def build_inputs(loaded: LoadedScenario, open_slots: int | None = None) -> SimInputs:
    """Compile a validated scenario into engine inputs.

    ``open_slots`` is how many open orders a store can have in the DC backlog before new
    ones merge into the newest; by default enough for four weeks of orders (2 to 8).
    """
    scenario, stores = loaded.scenario, loaded.stores
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
    dcs = _dc_arrays(loaded, net, base)
    cap_dc = _cap_dc(loaded, len(dcs["allocation_by_dc"]))  # type: ignore[arg-type]
    store_dc = dcs["store_dc"]
    assert isinstance(store_dc, np.ndarray)
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
        visit_interval_days=scenario.behaviour.visit_interval_days,
        **_inflation(scenario.behaviour.order_inflation),
        **dcs,  # type: ignore[arg-type]
        **_channel_arrays(loaded, net),  # type: ignore[arg-type]
        allocation=plan.allocation,
        backup_covered_first=plan.backup_priority == "covered_stores_first",
        cap_dc=cap_dc,
        cap_units=_cap_units(loaded, base, cap_dc[store_dc]),
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
        store_pickup_nodes=net.store_nodes("store.pickup"),
    )
