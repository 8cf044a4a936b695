"""The compiled day loop: steps 2-6 of every day fused per replication and store (Numba).

The NumPy engine (:mod:`aftershock.sim.engine`) states the day order one array operation at
a time; this module runs the same steps as one compiled loop, in parallel over
replications. :func:`run_days` advances a chunk of replications over a run of days on which
the capacities do not change, and records the daily series as it goes, so no array of
shape (replication, store, item) is built per day unless a caller asks for the day's flows.

Built-in allocation policies are compiled here (:data:`POLICY_CODES`); a scenario with a
plug-in policy written in Python runs on the NumPy engine instead (see
``docs/architecture.md``). Both paths give the same results: ``tests/sim/test_kernel.py``
runs every built-in policy and every feature through both.

Within a replication, stores are visited in table order and a DC's open orders oldest
first, exactly as the NumPy engine sorts them; sums may be taken in another order, so the
two paths agree to rounding (a few units in the last place), not bit for bit.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from aftershock.sim.demand import draw_inline as draw
from aftershock.sim.inputs import EMPTY_SLOT

#: Compiled allocation policies by registered name.
POLICY_CODES = {
    "fifo": 0,
    "proportional": 1,
    "fair-share": 2,
    "lowest-cover-first": 3,
    "priority": 4,
    "planned": 5,
}
FIFO, PROPORTIONAL, FAIR_SHARE, LOWEST_COVER, PRIORITY, PLANNED = range(6)
#: Units a stock position may exceed the reorder point by and still order (rounding).
REORDER_SLACK = 1e-9
#: Bisection steps of 'fair-share' (as :data:`aftershock.policies.allocation.BISECTION_STEPS`).
BISECTION_STEPS = 50

#: Rows of :attr:`Series.daily`, in :data:`aftershock.sim.engine.DAILY` order plus received units.
DAILY_ROWS = (
    "demand_units",
    "sales_units",
    "lost_units",
    "lost_closed_units",
    "lost_stockout_units",
    "lost_pickup_units",
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
    "received_units",
)
#: Rows of :attr:`Series.dc_daily`, as :data:`aftershock.sim.engine.DC_DAILY`.
DC_ROWS = (
    "dc_backlog_units",
    "dc_shipped_units",
    "dc_lent_units",
    "dc_capacity_units_by_dc",
    "dc_stock_units",
    "dc_received_units",
)
#: Rows of :attr:`Series.store_totals`, as :data:`aftershock.sim.engine.STORE_TOTALS`.
STORE_TOTAL_ROWS = (
    "store_lost_units_total",
    "store_lost_revenue_total",
    "store_stockout_days",
    "store_closed_days",
)
#: Rows of :attr:`Series.flows`: one day's units per (replication, store, item).
FLOW_ROWS = (
    "demand",
    "sales",
    "lost_closed",
    "lost_stockout",
    "lost_pickup",
    "diverted_online",
    "diverted_nearby",
    "shipped",
    "received",
)


class Consts(NamedTuple):
    """The scenario's arrays, laid out for the kernel (built once per :class:`SimInputs`)."""

    base_demand: np.ndarray  # (S, I)
    base_total: np.ndarray  # (S,) units a day over items
    order_up_to: np.ndarray  # (S, I)
    reorder_point: np.ndarray  # (S, I)
    lead_time: np.ndarray  # (S,) int64
    review: np.ndarray  # (S,) int64
    order_weekday: np.ndarray  # (S,) int64
    region: np.ndarray  # (S,) int64
    n_regions: int
    price: np.ndarray  # (I,)
    margin: np.ndarray  # (I,)
    weekday_factors: np.ndarray  # (7,)
    first_weekday: int
    dist: int
    dispersion: float
    divert_online: float
    divert_nearby: float
    churn_fraction: float
    churn_recovery: float
    visit_interval: float
    infl_stockout: float
    infl_short: float
    infl_fade: float
    has_inflation: bool
    store_dc: np.ndarray  # (S,) int64
    dc_ptr: np.ndarray  # (D+1,) the stores of DC d are dc_idx[dc_ptr[d]:dc_ptr[d+1]], in table order
    dc_idx: np.ndarray  # (S,) int64
    pick_capacity: np.ndarray  # (D,)
    delivery_capacity: np.ndarray  # (D,) inf: no fleet limit
    policy: np.ndarray  # (D,) int64 codes of POLICY_CODES
    bk_ptr: np.ndarray  # (D+1,) backups of DC d: rows bk_ptr[d]:bk_ptr[d+1] in the order listed
    bk_dc: np.ndarray  # (n_backups,) int64
    bk_share: np.ndarray
    bk_extra: np.ndarray  # int64
    bk_switch: np.ndarray  # int64
    covered_first: bool
    has_supply: bool
    has_supply_item: np.ndarray  # (D, I) bool
    dc_inbound_capacity: np.ndarray  # (D,)
    dc_target: np.ndarray  # (D, I)
    supplier_lead: np.ndarray  # (D, I) int64
    supplier_index: np.ndarray  # (D, I) int64
    supplier_capacity: np.ndarray  # (K,)
    store_channel: np.ndarray  # (S,) int64, -1: none
    n_channels: int
    channel_capacity: np.ndarray  # (C,)
    has_pickup: bool
    collect_share: np.ndarray  # (S,)
    failed_delivery: np.ndarray  # (S,)
    has_cap: bool
    cap_dc: np.ndarray  # (D,) bool
    cap_units: np.ndarray  # (S, I)
    cap_from: int
    cap_until: int
    cap_lift: float  # -1: never lifted by the backlog
    cap_at_order: bool
    surge_pick: np.ndarray  # (D, T)
    surge_delivery: np.ndarray  # (D, T)
    surge_cost: np.ndarray  # (T,)
    store_rank: np.ndarray  # (S,) int64
    has_plan: bool
    planned: np.ndarray  # (S, I, T); (0, 0, 0) without a plan


class Caps(NamedTuple):
    """One day's capability capacities, as :class:`aftershock.sim.state.Capacities`."""

    sell: np.ndarray  # (R, S)
    receive: np.ndarray
    order: np.ndarray
    pickup: np.ndarray
    pick: np.ndarray  # (R, D)
    ship: np.ndarray
    dc_receive: np.ndarray
    online: np.ndarray  # (R, C)


class KState(NamedTuple):
    """The arrays of :class:`aftershock.sim.state.State`, mutated in place."""

    on_hand: np.ndarray
    pipeline: np.ndarray
    open_units: np.ndarray
    order_day: np.ndarray
    loyalty: np.ndarray
    inflation: np.ndarray
    cap_lifted: np.ndarray
    down_days: np.ndarray
    dc_stock: np.ndarray
    dock: np.ndarray
    inbound: np.ndarray


class Series(NamedTuple):
    """Where the kernel records what happened."""

    daily: np.ndarray  # (len(DAILY_ROWS), R, T)
    dc_daily: np.ndarray  # (len(DC_ROWS), R, D, T)
    store_totals: np.ndarray  # (len(STORE_TOTAL_ROWS), R, S)
    store_days: np.ndarray  # (3, R, S, I, T) sales, lost, on hand; (0, 0, 0, 0, 0) when not kept
    flows: np.ndarray  # (len(FLOW_ROWS), R, S, I) the last day's flows; (0, 0, 0, 0) when not asked


# ---------------------------------------------------------------------------- small pieces


@njit(cache=True, inline="always")
def _plan_value(profile_row: np.ndarray, plan_day: int) -> float:
    """A surge profile on a plan day; 0 outside it."""
    if plan_day < 0 or plan_day >= profile_row.shape[0]:
        return 0.0
    return profile_row[plan_day]


@njit(cache=True)
def _cap_active(k: Consts, cap_lifted_r: np.ndarray, d: int, plan_day: int) -> bool:
    if not k.has_cap:
        return False
    return k.cap_from <= plan_day < k.cap_until and not cap_lifted_r[d] and k.cap_dc[d]


@njit(cache=True)
def _stable_order(keys: np.ndarray) -> np.ndarray:
    return np.argsort(keys, kind="mergesort")


@njit(cache=True)
def _fill_lines(
    sh: np.ndarray, line_s: np.ndarray, line_q: np.ndarray, order: np.ndarray, capacity: float
) -> None:
    """Ship whole lines in ``order`` until ``capacity`` runs out; the line at the limit ships partly.

    Rewrites ``sh`` (n, Q, I) in place with the shipped units (fill_in_priority_order)."""
    n_items = sh.shape[2]
    cum = 0.0
    for j in range(order.shape[0]):
        a = order[j]
        s, q = line_s[a], line_q[a]
        for i in range(n_items):
            x = sh[s, q, i]
            cum += x
            before = cum - x
            room = capacity - before
            sh[s, q, i] = min(max(room, 0.0), x)


@njit(cache=True)
def _fill_oldest(sh: np.ndarray, od: np.ndarray, s: int, allowed: np.ndarray, out: np.ndarray) -> None:
    """Split ``allowed`` (I,) units of store row ``s`` over its open orders, oldest first, into
    ``out[s]`` (fill_oldest_first)."""
    order = _stable_order(od[s])
    for i in range(sh.shape[2]):
        cum = 0.0
        for j in range(order.shape[0]):
            q = order[j]
            x = sh[s, q, i]
            cum += x
            before = cum - x
            out[s, q, i] = min(max(allowed[i] - before, 0.0), x)


# ---------------------------------------------------------------------------- policies


@njit(cache=True)
def _apply_policy(
    k: Consts,
    code: int,
    sh: np.ndarray,  # (n, Q, I) shippable units of the group, rewritten with shipped units
    od: np.ndarray,  # (n, Q) order days
    stores: np.ndarray,  # (n,) store indices
    capacity: float,
    on_hand_r: np.ndarray,
    pipeline_r: np.ndarray,
    planned_day: np.ndarray,  # (S, I) today's plan lines, or (0, 0)
) -> None:
    n, n_slots, n_items = sh.shape
    if code == PROPORTIONAL:
        total = 0.0
        for s in range(n):
            for q in range(n_slots):
                for i in range(n_items):
                    total += sh[s, q, i]
        share = capacity / total if total > capacity else 1.0
        share = min(share, 1.0)
        for s in range(n):
            for q in range(n_slots):
                for i in range(n_items):
                    sh[s, q, i] *= share
        return
    if code == FAIR_SHARE:
        owed = np.zeros((n, n_items))
        stock = np.empty((n, n_items))
        demand = np.empty((n, n_items))
        high = 0.0
        for s in range(n):
            g = stores[s]
            for i in range(n_items):
                for q in range(n_slots):
                    owed[s, i] += sh[s, q, i]
                transit = 0.0
                for b in range(pipeline_r.shape[1]):
                    transit += pipeline_r[g, b, i]
                stock[s, i] = on_hand_r[g, i] + transit
                demand[s, i] = max(k.base_demand[g, i], 1e-12)
                high = max(high, (stock[s, i] + owed[s, i]) / demand[s, i])
        low, high = 0.0, high + 1.0
        for _ in range(BISECTION_STEPS):
            mid = (low + high) / 2
            need = 0.0
            for s in range(n):
                for i in range(n_items):
                    need += min(max(mid * demand[s, i] - stock[s, i], 0.0), owed[s, i])
            if need > capacity:
                high = mid
            else:
                low = mid
        out = np.empty_like(sh)
        allowed = np.empty(n_items)
        for s in range(n):
            for i in range(n_items):
                allowed[i] = min(max(low * demand[s, i] - stock[s, i], 0.0), owed[s, i])
            _fill_oldest(sh, od, s, allowed, out)
        sh[:] = out
        return
    if code == PLANNED and k.has_plan:
        want = np.empty((n, n_items))
        total = 0.0
        for s in range(n):
            g = stores[s]
            for i in range(n_items):
                owed = 0.0
                for q in range(n_slots):
                    owed += sh[s, q, i]
                want[s, i] = min(planned_day[g, i], owed)
                total += want[s, i]
        scale = capacity / total if total > capacity else 1.0
        first = np.empty_like(sh)
        allowed = np.empty(n_items)
        for s in range(n):
            for i in range(n_items):
                allowed[i] = want[s, i] * scale
            _fill_oldest(sh, od, s, allowed, first)
        used = 0.0
        for s in range(n):
            for q in range(n_slots):
                for i in range(n_items):
                    used += first[s, q, i]
                    sh[s, q, i] -= first[s, q, i]
        _fill_in_priority(k, FIFO, sh, od, stores, capacity - used, on_hand_r, pipeline_r)
        for s in range(n):
            for q in range(n_slots):
                for i in range(n_items):
                    sh[s, q, i] += first[s, q, i]
        return
    _fill_in_priority(k, code, sh, od, stores, capacity, on_hand_r, pipeline_r)


@njit(cache=True)
def _fill_in_priority(
    k: Consts,
    code: int,
    sh: np.ndarray,
    od: np.ndarray,
    stores: np.ndarray,
    capacity: float,
    on_hand_r: np.ndarray,
    pipeline_r: np.ndarray,
) -> None:
    """FIFO, lowest cover first or store priority: whole lines in a priority order."""
    n, n_slots, n_items = sh.shape
    keys = np.empty(n * n_slots)
    line_s = np.empty(n * n_slots, dtype=np.int64)
    line_q = np.empty(n * n_slots, dtype=np.int64)
    for s in range(n):
        cover = 0.0
        if code == LOWEST_COVER:
            g = stores[s]
            stock = 0.0
            for i in range(n_items):
                transit = 0.0
                for b in range(pipeline_r.shape[1]):
                    transit += pipeline_r[g, b, i]
                stock += on_hand_r[g, i] + transit
            cover = stock / max(k.base_total[stores[s]], 1e-12)
        for q in range(n_slots):
            a = s * n_slots + q
            line_s[a], line_q[a] = s, q
            day = od[s, q]
            if code == LOWEST_COVER:
                keys[a] = cover + min(float(day), 1e6) * 1e-9
            elif code == PRIORITY:
                keys[a] = float(k.store_rank[stores[s]] * (1 << 32) + min(day, 1 << 31))
            else:
                keys[a] = float(day)
    _fill_lines(sh, line_s, line_q, _stable_order(keys), capacity)


# ---------------------------------------------------------------------------- dispatch


@njit(cache=True)
def _ship_group(
    k: Consts,
    st: KState,
    caps: Caps,
    r: int,
    t: int,
    d: int,
    source: int,
    budget_units: float,
    budget_runs: float,
    extra_lead: int,
    planned_day: np.ndarray,
    per_store: np.ndarray,  # (S, I) units shipped to each store today
    dc_shipped: np.ndarray,  # (D,)
    dc_lent: np.ndarray,  # (D,)
    active_cap: bool,
) -> tuple[float, float]:
    """Ship DC ``d``'s stores' open orders from DC ``source`` within the budgets; return units
    and delivery runs used (the NumPy engine's ``_Shipper.group``)."""
    if not budget_units > 0:
        return 0.0, 0.0
    lo, hi = k.dc_ptr[d], k.dc_ptr[d + 1]
    open_r, od_r = st.open_units[r], st.order_day[r]
    n_slots, n_items = open_r.shape[1], open_r.shape[2]
    # stores that can receive and have an open order, in table order
    n_act = 0
    act = np.empty(hi - lo, dtype=np.int64)
    for j in range(lo, hi):
        s = k.dc_idx[j]
        if not caps.receive[r, s] > 0:
            continue
        for q in range(n_slots):
            if od_r[s, q] != EMPTY_SLOT:
                act[n_act] = s
                n_act += 1
                break
    if n_act == 0:
        return 0.0, 0.0
    stores = act[:n_act]
    sh = np.zeros((n_act, n_slots, n_items))
    od = np.empty((n_act, n_slots), dtype=np.int64)
    for a in range(n_act):
        s = stores[a]
        for q in range(n_slots):
            od[a, q] = od_r[s, q]
            if od_r[s, q] != EMPTY_SLOT:
                for i in range(n_items):
                    sh[a, q, i] = open_r[s, q, i]
    if not k.cap_at_order and active_cap:
        capped = np.empty_like(sh)
        for a in range(n_act):
            _fill_oldest(sh, od, a, k.cap_units[stores[a]], capped)
        sh = capped
    stock = st.dc_stock[r, source]
    finite = True
    for i in range(n_items):
        if not np.isfinite(stock[i]):
            finite = False
    if finite:
        for i in range(n_items):
            wanted = 0.0
            for a in range(n_act):
                for q in range(n_slots):
                    wanted += sh[a, q, i]
            if wanted > stock[i]:
                scale = stock[i] / wanted
                for a in range(n_act):
                    for q in range(n_slots):
                        sh[a, q, i] *= scale
    has = np.zeros(n_act, dtype=np.bool_)
    n_has = 0
    for a in range(n_act):
        tot = 0.0
        for q in range(n_slots):
            for i in range(n_items):
                tot += sh[a, q, i]
        if tot > 0:
            has[a] = True
            n_has += 1
    if n_has > budget_runs:
        # the day's delivery runs reach the stores with the oldest open orders (planned ones first)
        key = np.empty(n_act)
        for a in range(n_act):
            oldest = od[a, 0]
            for q in range(1, n_slots):
                oldest = min(oldest, od[a, q])
            key[a] = float(oldest) if has[a] else float(EMPTY_SLOT)
            if has[a] and k.has_plan:
                plan = 0.0
                for i in range(n_items):
                    plan += planned_day[stores[a], i]
                if plan > 0:
                    key[a] -= 1e12
        rank = _stable_order(key)
        for j in range(int(budget_runs), n_act):
            a = rank[j]
            for q in range(n_slots):
                for i in range(n_items):
                    sh[a, q, i] = 0.0
    total = 0.0
    for a in range(n_act):
        for q in range(n_slots):
            for i in range(n_items):
                total += sh[a, q, i]
    if total > budget_units:
        _apply_policy(
            k, k.policy[d], sh, od, stores, budget_units, st.on_hand[r], st.pipeline[r], planned_day
        )
    ring = st.pipeline.shape[2]
    units, runs = 0.0, 0.0
    sent = np.zeros(n_items)
    for a in range(n_act):
        s = stores[a]
        arrival = (t + k.lead_time[s] + extra_lead) % ring
        got = 0.0
        for i in range(n_items):
            x = 0.0
            for q in range(n_slots):
                y = sh[a, q, i]
                if y != 0.0:
                    open_r[s, q, i] -= y
                    x += y
            st.pipeline[r, s, arrival, i] += x
            per_store[s, i] += x
            got += x
            sent[i] += x
        units += got
        if got > 0:
            runs += 1.0
    if finite:
        for i in range(n_items):
            stock[i] = max(stock[i] - sent[i], 0.0)
    dc_shipped[source] += units
    if source != d:
        dc_lent[source] += units
    return units, runs


@njit(cache=True)
def _lend(
    k: Consts,
    st: KState,
    caps: Caps,
    r: int,
    t: int,
    left_units: np.ndarray,
    left_runs: np.ndarray,
    capacity: np.ndarray,
    of_spare: bool,
    planned_day: np.ndarray,
    per_store: np.ndarray,
    dc_shipped: np.ndarray,
    dc_lent: np.ndarray,
    active: np.ndarray,
) -> None:
    """Backups serve the stores of DCs stopped for more than their switch-over days."""
    n_dcs = k.pick_capacity.shape[0]
    for d in range(n_dcs):
        for j in range(k.bk_ptr[d], k.bk_ptr[d + 1]):
            if not st.down_days[r, d] > k.bk_switch[j]:
                continue
            b = k.bk_dc[j]
            share = k.bk_share[j]
            base = left_units[b] if of_spare else capacity[b]
            budget_units = min(share * base, left_units[b])
            runs = np.floor(share * left_runs[b])
            budget_runs = np.inf if np.isnan(runs) else min(runs, left_runs[b])
            used_units, used_runs = _ship_group(
                k, st, caps, r, t, d, b, budget_units, budget_runs, k.bk_extra[j],
                planned_day, per_store, dc_shipped, dc_lent, active[d],
            )  # fmt: skip
            left_units[b] -= used_units
            left_runs[b] -= used_runs


@njit(cache=True)
def _dispatch(
    k: Consts,
    st: KState,
    caps: Caps,
    r: int,
    t: int,
    plan_day: int,
    per_store: np.ndarray,
    dc_capacity: np.ndarray,
    dc_shipped: np.ndarray,
    dc_lent: np.ndarray,
) -> None:
    """Step 6: every DC ships within today's capacity; backups cover DCs that cannot ship."""
    n_dcs = k.pick_capacity.shape[0]
    left_units = np.empty(n_dcs)
    left_runs = np.empty(n_dcs)
    active = np.empty(n_dcs, dtype=np.bool_)
    for d in range(n_dcs):
        up = min(caps.pick[r, d], caps.ship[r, d])
        units = k.pick_capacity[d] * up
        units = units * (1.0 + _plan_value(k.surge_pick[d], plan_day))
        runs = np.inf
        if np.isfinite(k.delivery_capacity[d]):
            extra = 1.0 + _plan_value(k.surge_delivery[d], plan_day)
            runs = np.floor(k.delivery_capacity[d] * caps.ship[r, d] * extra)
        st.down_days[r, d] = st.down_days[r, d] + 1 if up <= 0 else 0
        dc_capacity[d] = units
        left_units[d], left_runs[d] = units, runs
        active[d] = _cap_active(k, st.cap_lifted[r], d, plan_day)
    planned_day = np.zeros((0, 0))
    if k.has_plan:
        planned_day = np.zeros((k.planned.shape[0], k.planned.shape[1]))
        if 0 <= plan_day < k.planned.shape[2]:
            planned_day[:, :] = k.planned[:, :, plan_day]
    if k.covered_first:
        _lend(k, st, caps, r, t, left_units, left_runs, dc_capacity, False, planned_day, per_store,
              dc_shipped, dc_lent, active)  # fmt: skip
    for d in range(n_dcs):
        used_units, used_runs = _ship_group(
            k, st, caps, r, t, d, d, left_units[d], left_runs[d], 0,
            planned_day, per_store, dc_shipped, dc_lent, active[d],
        )  # fmt: skip
        left_units[d] -= used_units
        left_runs[d] -= used_runs
    if not k.covered_first:
        _lend(k, st, caps, r, t, left_units, left_runs, dc_capacity, True, planned_day, per_store,
              dc_shipped, dc_lent, active)  # fmt: skip


# ---------------------------------------------------------------------------- DC supply


@njit(cache=True)
def _receive_at_dcs(k: Consts, st: KState, caps: Caps, r: int, t: int, received: np.ndarray) -> None:
    """Supplier deliveries due today reach the dock; the dock receives within its capacity."""
    n_dcs, ring, n_items = st.inbound.shape[1], st.inbound.shape[2], st.inbound.shape[3]
    slot = t % ring
    for d in range(n_dcs):
        waiting = 0.0
        for i in range(n_items):
            st.dock[r, d, i] += st.inbound[r, d, slot, i]
            st.inbound[r, d, slot, i] = 0.0
            waiting += st.dock[r, d, i]
        up = caps.dc_receive[r, d]
        room = k.dc_inbound_capacity[d] * up if up > 0 else 0.0
        share = 1.0
        if waiting > room:
            share = room / waiting if waiting > 0 else 0.0
        got = 0.0
        for i in range(n_items):
            if k.has_supply_item[d, i]:
                x = st.dock[r, d, i] * share
                st.dock[r, d, i] -= x
                st.dc_stock[r, d, i] += x
                got += x
        received[d] = got


@njit(cache=True)
def _order_from_suppliers(k: Consts, st: KState, r: int, t: int) -> None:
    """Each DC with supply orders up to its target position, within each supplier's capacity."""
    n_dcs, ring, n_items = st.inbound.shape[1], st.inbound.shape[2], st.inbound.shape[3]
    qty = np.zeros((n_dcs, n_items))
    for d in range(n_dcs):
        for i in range(n_items):
            if not k.has_supply_item[d, i]:
                continue
            position = st.dc_stock[r, d, i]
            for slot in range(ring):
                position += st.inbound[r, d, slot, i]
            position += st.dock[r, d, i]
            qty[d, i] = max(k.dc_target[d, i] - position, 0.0)
    for c in range(k.supplier_capacity.shape[0]):
        limit = k.supplier_capacity[c]
        if not np.isfinite(limit):
            continue
        total = 0.0
        for d in range(n_dcs):
            for i in range(n_items):
                if k.supplier_index[d, i] == c:
                    total += qty[d, i]
        if total > limit:
            scale = limit / total
            for d in range(n_dcs):
                for i in range(n_items):
                    if k.supplier_index[d, i] == c:
                        qty[d, i] *= scale
    for d in range(n_dcs):
        for i in range(n_items):
            if k.has_supply_item[d, i]:
                st.inbound[r, d, (t + k.supplier_lead[d, i]) % ring, i] += qty[d, i]


# ---------------------------------------------------------------------------- one day


@njit(cache=True)
def _day(k: Consts, st: KState, caps: Caps, ser: Series, r: int, t: int, key: np.uint64, scratch: np.ndarray,
         plan_shift: int, due: np.ndarray) -> None:  # fmt: skip
    """Steps 2-6 of day ``t`` for replication ``r``, and the day's records.

    Three passes over the stores: arrivals and demand; sales, churn and orders (a second pass
    because closed doors send demand to other stores of the region); after dispatch, freed
    order slots, backlog, order inflation and the records.
    """
    n_stores, n_items = k.base_demand.shape
    n_dcs = k.pick_capacity.shape[0]
    plan_day = t - plan_shift
    weekday = (k.first_weekday + t) % 7
    wf = k.weekday_factors[weekday]
    keep_flows = ser.flows.shape[0] > 0
    keep_days = ser.store_days.shape[0] > 0
    on_hand, pipeline, loyalty = st.on_hand[r], st.pipeline[r], st.loyalty[r]
    open_r, od_r = st.open_units[r], st.order_day[r]
    ring, n_slots = pipeline.shape[1], open_r.shape[1]
    slot = t % ring
    # the cap state changes only at the end of the day
    active = np.empty(n_dcs, dtype=np.bool_)
    for d in range(n_dcs):
        active[d] = _cap_active(k, st.cap_lifted[r], d, plan_day)
    dc_received = np.zeros(n_dcs)
    if k.has_supply:
        _receive_at_dcs(k, st, caps, r, t, dc_received)

    closed_any = False
    for s in range(n_stores):
        if caps.sell[r, s] < 1.0:
            closed_any = True
            break
    detour = closed_any or k.has_pickup
    # scratch rows: demand, at the door, closed, online, nearby pool, collected at the shelf,
    # delivered instead, lost at pickup; row 8 [s, 0]: the store stocked out today
    dem, at_door, closed_u, online_u, pool_u = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4]
    at_shelf, delivered, lost_pick = scratch[5], scratch[6], scratch[7]
    n_regions = k.n_regions
    region_weight = np.zeros(n_regions)
    pool = np.zeros((n_regions, n_items))
    wanted = np.zeros(max(k.n_channels, 1))
    weight = np.empty(n_stores)

    # pass 1 (steps 2-3): deliveries due today arrive; demand is drawn
    received_total = 0.0
    for s in range(n_stores):
        for i in range(n_items):
            x = pipeline[s, slot, i]
            pipeline[s, slot, i] = 0.0
            on_hand[s, i] += x
            received_total += x
            if keep_flows:
                ser.flows[8, r, s, i] = x
        up = 0.0
        if detour:
            c = k.store_channel[s]
            up = caps.online[r, c] if c >= 0 and k.n_channels > 0 else 0.0
        sell_share = caps.sell[r, s]
        for i in range(n_items):
            mean = k.base_demand[s, i] * wf * loyalty[s]
            x = draw(key, t, s * n_items + i, mean, k.dist, k.dispersion)
            dem[s, i] = x
            if not detour:
                continue
            walk = x
            if k.has_pickup:
                collect = x * k.collect_share[s]
                handed = caps.pickup[r, s] * up
                shelf = collect * handed
                failed = collect - shelf
                deliv = failed * (k.failed_delivery[s] * up)
                at_shelf[s, i], delivered[s, i], lost_pick[s, i] = shelf, deliv, failed - deliv
                walk = x - collect
            door = walk * sell_share
            closed = walk - door
            onl = closed * (k.divert_online * up)
            at_door[s, i], closed_u[s, i], online_u[s, i] = door, closed, onl
            pool_u[s, i] = closed * k.divert_nearby
            if closed_any:
                c = k.store_channel[s]
                if c >= 0:
                    wanted[c] += onl
                pool[k.region[s], i] += pool_u[s, i]
        if closed_any:
            weight[s] = k.base_total[s] * sell_share
            region_weight[k.region[s]] += weight[s]
    channel_scale = np.ones(max(k.n_channels, 1))
    if closed_any:
        for c in range(k.n_channels):
            if np.isfinite(k.channel_capacity[c]):
                room = k.channel_capacity[c] * caps.online[r, c]
                if wanted[c] > room:
                    channel_scale[c] = room / wanted[c]

    # pass 2 (steps 4-5): closed doors divert or lose demand, sales, churn, orders
    sum_demand, sum_sales, sum_closed, sum_stockout, sum_pickup, sum_online, sum_nearby = (
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    )
    sum_revenue, margin_lost = 0.0, 0.0
    stocked_out_n, closed_n, degraded_n = 0.0, 0.0, 0.0
    churn = k.churn_fraction > 0
    due_qty = np.empty(n_items)
    for s in range(n_stores):
        g = k.region[s]
        share = 0.0
        if closed_any and region_weight[g] > 0:
            share = weight[s] / region_weight[g]
        c = k.store_channel[s]
        lost_store, revenue_store, stockout_store = 0.0, 0.0, 0.0
        for i in range(n_items):
            x = dem[s, i]
            lc, onl, near, lp = 0.0, 0.0, 0.0, 0.0
            if detour:
                onl = online_u[s, i]
                if closed_any:
                    if c >= 0 and channel_scale[c] != 1.0:
                        onl = onl * channel_scale[c]
                    near = pool_u[s, i] if region_weight[g] > 0 else 0.0
                    lc = closed_u[s, i] - onl - near
                    store_demand = at_door[s, i] + pool[g, i] * share
                else:
                    lc = closed_u[s, i] - onl - near
                    store_demand = at_door[s, i]
                if k.has_pickup:
                    store_demand = store_demand + at_shelf[s, i]
                    onl = onl + delivered[s, i]
                    lp = lost_pick[s, i]
            else:
                store_demand = x
            sales = min(store_demand, on_hand[s, i])
            on_hand[s, i] -= sales
            ls = store_demand - sales
            lost = lc + ls + lp
            sum_demand += x
            sum_sales += sales
            sum_closed += lc
            sum_stockout += ls
            sum_pickup += lp
            sum_online += onl
            sum_nearby += near
            lost_store += lost
            revenue_store += lost * k.price[i]
            margin_lost += lost * k.margin[i]
            stockout_store += ls
            if keep_flows:
                ser.flows[0, r, s, i] = x
                ser.flows[1, r, s, i] = sales
                ser.flows[2, r, s, i] = lc
                ser.flows[3, r, s, i] = ls
                ser.flows[4, r, s, i] = lp
                ser.flows[5, r, s, i] = onl
                ser.flows[6, r, s, i] = near
            if keep_days:
                ser.store_days[0, r, s, i, t] = sales
                ser.store_days[1, r, s, i, t] = lost
        sum_revenue += revenue_store
        stocked = stockout_store > 1e-9
        if stocked:
            stocked_out_n += 1.0
        if k.has_inflation:
            scratch[8, s, 0] = 1.0 if stocked else 0.0
        # the totals are touched only when they change: most store-days lose nothing
        if lost_store != 0.0:
            ser.store_totals[0, r, s] += lost_store
            ser.store_totals[1, r, s] += revenue_store
        if stocked:
            ser.store_totals[2, r, s] += 1.0
        sell_share = caps.sell[r, s]
        if sell_share <= 0:
            closed_n += 1.0
            ser.store_totals[3, r, s] += 1.0
        elif sell_share < 1:
            degraded_n += 1.0
        if churn:
            # customers turned away today: one visit in visit_interval days
            normal = k.base_total[s]
            leaving = k.churn_fraction * lost_store / (k.visit_interval * normal) if normal > 0 else 0.0
            away = (1.0 - loyalty[s]) * (1.0 - 1.0 / k.churn_recovery) + leaving
            loyalty[s] = 1.0 - min(away, 1.0)
        # step 5: on its review day, a store orders up to its level
        if t != due[s]:
            continue
        due[s] = t + k.review[s]
        if not caps.order[r, s] > 0:
            continue
        capped = k.cap_at_order and active[k.store_dc[s]]
        placing = 0.0
        for i in range(n_items):
            transit = 0.0
            for b in range(ring):
                transit += pipeline[s, b, i]
            owed = 0.0
            for q in range(n_slots):
                owed += open_r[s, q, i]
            position = on_hand[s, i] + transit + owed
            level = k.order_up_to[s, i]
            if k.has_inflation:
                level = level * (1.0 + st.inflation[r, s])
            qty = max(level - position, 0.0) if position <= k.reorder_point[s, i] + REORDER_SLACK else 0.0
            if capped:
                qty = min(qty, k.cap_units[s, i])
            due_qty[i] = qty
            placing += qty
        if not placing > 0:
            continue
        q_new, newest = -1, -1
        for q in range(n_slots):
            if od_r[s, q] == EMPTY_SLOT:
                q_new = q
                break
            if newest < 0 or od_r[s, q] > od_r[s, newest]:
                newest = q
        if q_new >= 0:
            od_r[s, q_new] = t
        else:
            # a full queue merges into its newest open order, which keeps its day
            q_new = newest
        for i in range(n_items):
            open_r[s, q_new, i] += due_qty[i]

    # step 6: dispatch
    per_store = scratch[0]
    per_store[:, :] = 0.0
    dc_capacity = np.zeros(n_dcs)
    dc_shipped = np.zeros(n_dcs)
    dc_lent = np.zeros(n_dcs)
    _dispatch(k, st, caps, r, t, plan_day, per_store, dc_capacity, dc_shipped, dc_lent)
    short = np.empty(n_dcs, dtype=np.bool_)
    for d in range(n_dcs):
        short[d] = min(caps.pick[r, d], caps.ship[r, d]) < 1.0 or active[d]
    if k.has_supply:
        _order_from_suppliers(k, st, r, t)

    # pass 3: orders shipped in full free their slot; backlog, order inflation, records
    backlog = np.zeros(n_dcs)
    shipped_total, on_hand_total, customers = 0.0, 0.0, 0.0
    fade = 1.0 - 1.0 / k.infl_fade
    for s in range(n_stores):
        owed = 0.0
        for q in range(n_slots):
            if od_r[s, q] == EMPTY_SLOT:
                continue
            left = 0.0
            for i in range(n_items):
                left += open_r[s, q, i]
            if left <= 1e-9:
                for i in range(n_items):
                    open_r[s, q, i] = 0.0
                od_r[s, q] = EMPTY_SLOT
            else:
                owed += left
        backlog[k.store_dc[s]] += owed
        if k.has_inflation:
            after = k.infl_stockout if scratch[8, s, 0] > 0 else 0.0
            while_short = k.infl_short if short[k.store_dc[s]] else 0.0
            st.inflation[r, s] = max(st.inflation[r, s] * fade, max(after, while_short))
        for i in range(n_items):
            shipped_total += per_store[s, i]
            on_hand_total += on_hand[s, i]
            if keep_flows:
                ser.flows[7, r, s, i] = per_store[s, i]
            if keep_days:
                ser.store_days[2, r, s, i, t] = on_hand[s, i]
        customers += k.base_total[s] * wf * (1.0 - loyalty[s])
    if k.cap_lift >= 0 and t >= k.cap_from:
        for d in range(n_dcs):
            if backlog[d] < k.cap_lift:
                st.cap_lifted[r, d] = True
    daily = ser.daily
    daily[0, r, t] = sum_demand
    daily[1, r, t] = sum_sales
    daily[2, r, t] = sum_closed + sum_stockout + sum_pickup
    daily[3, r, t] = sum_closed
    daily[4, r, t] = sum_stockout
    daily[5, r, t] = sum_pickup
    daily[6, r, t] = sum_online
    daily[7, r, t] = sum_nearby
    daily[8, r, t] = sum_revenue
    daily[9, r, t] = margin_lost
    daily[10, r, t] = shipped_total
    daily[12, r, t] = on_hand_total
    daily[14, r, t] = closed_n
    daily[15, r, t] = degraded_n
    daily[16, r, t] = stocked_out_n
    daily[17, r, t] = customers
    daily[18, r, t] = _plan_value(k.surge_cost, plan_day)
    daily[19, r, t] = received_total
    backlog_all, capacity_all = 0.0, 0.0
    for d in range(n_dcs):
        backlog_all += backlog[d]
        capacity_all += dc_capacity[d]
        stock = 0.0
        for i in range(n_items):
            stock += st.dc_stock[r, d, i]
        ser.dc_daily[0, r, d, t] = backlog[d]
        ser.dc_daily[1, r, d, t] = dc_shipped[d]
        ser.dc_daily[2, r, d, t] = dc_lent[d]
        ser.dc_daily[3, r, d, t] = dc_capacity[d]
        ser.dc_daily[4, r, d, t] = stock
        ser.dc_daily[5, r, d, t] = dc_received[d]
    daily[11, r, t] = backlog_all
    daily[13, r, t] = capacity_all


@njit(parallel=True, cache=True)
def run_days(
    k: Consts,
    st: KState,
    caps: Caps,
    ser: Series,
    keys: np.ndarray,
    plan_shift: np.ndarray,
    first: int,
    stop: int,
) -> None:
    """Days ``first .. stop-1`` of every replication, on the same capacities, in parallel over
    replications; each replication's days in order."""
    n_reps = keys.shape[0]
    n_stores, n_items = k.base_demand.shape
    for r in prange(n_reps):
        scratch = np.zeros((9, n_stores, n_items))
        # each store's next review day: no division per store and day
        due = np.empty(n_stores, dtype=np.int64)
        for s in range(n_stores):
            review = k.review[s]
            due[s] = first + (review - (k.first_weekday + first - k.order_weekday[s]) % review) % review
        for t in range(first, stop):
            _day(k, st, caps, ser, r, t, keys[r], scratch, plan_shift[r], due)
