"""Built-in allocation policies: each a small function on arrays, registered by name."""

from __future__ import annotations

import numpy as np

from aftershock.policies.registry import (
    DispatchContext,
    fill_in_priority_order,
    fill_oldest_first,
    register,
)

#: Bisection steps for the equal-cover level of 'fair-share' (2^-50 of the range).
BISECTION_STEPS = 50


@register("fifo")
def fifo(
    open_units: np.ndarray, order_day: np.ndarray, capacity_units: np.ndarray, context: DispatchContext
) -> np.ndarray:
    """Oldest orders first; among orders of the same day, store-table order."""
    return fill_in_priority_order(open_units, order_day, capacity_units)


@register("proportional")
def proportional(
    open_units: np.ndarray, order_day: np.ndarray, capacity_units: np.ndarray, context: DispatchContext
) -> np.ndarray:
    """Every open line gets the same fraction of what it is owed: capacity / total owed."""
    total = open_units.sum(axis=(1, 2, 3))
    # only lines owed more than the capacity are scaled (also avoids dividing by tiny totals)
    share = np.divide(capacity_units, total, out=np.ones_like(total), where=total > capacity_units)
    return open_units * np.minimum(share, 1.0)[:, None, None, None]


def _cover_days(context: DispatchContext) -> np.ndarray:
    """Days of normal demand each store holds, on the shelf and on the way, (R, S)."""
    stock = (context.on_hand + context.in_transit).sum(axis=2)
    daily = context.base_demand.sum(axis=1)
    return stock / np.maximum(daily, 1e-12)[None, :]


@register("fair-share")
def fair_share(
    open_units: np.ndarray, order_day: np.ndarray, capacity_units: np.ndarray, context: DispatchContext
) -> np.ndarray:
    """Bring every store line to the same days of cover, as far as capacity allows.

    Finds, per replication, the cover level T at which the lines' needs
    ``min(owed, max(0, T·demand − stock))`` add up to the capacity (bisection), then ships
    those needs, oldest open orders first within a store.
    """
    owed = open_units.sum(axis=2)  # (R, S, I)
    stock = context.on_hand + context.in_transit
    demand = np.maximum(context.base_demand, 1e-12)[None, :, :]
    low = np.zeros(owed.shape[0])
    # each replication's own bracket: a replication never depends on the others in its chunk
    high = ((stock + owed) / demand).max(axis=(1, 2), initial=0.0) + 1.0
    for _ in range(BISECTION_STEPS):
        mid = (low + high) / 2
        need = np.clip(mid[:, None, None] * demand - stock, 0.0, owed).sum(axis=(1, 2))
        over = need > capacity_units
        high = np.where(over, mid, high)
        low = np.where(over, low, mid)
    allowed = np.clip(low[:, None, None] * demand - stock, 0.0, owed)
    return fill_oldest_first(open_units, order_day, allowed)


@register("lowest-cover-first")
def lowest_cover_first(
    open_units: np.ndarray, order_day: np.ndarray, capacity_units: np.ndarray, context: DispatchContext
) -> np.ndarray:
    """Stores with the fewest days of cover first; a store's oldest orders first."""
    cover = _cover_days(context)[:, :, None]
    # cover orders stores; the order day (scaled far below a day of cover) orders slots
    priority = cover + np.minimum(order_day, 1e6) * 1e-9
    return fill_in_priority_order(open_units, priority, capacity_units)


@register("priority")
def priority(
    open_units: np.ndarray, order_day: np.ndarray, capacity_units: np.ndarray, context: DispatchContext
) -> np.ndarray:
    """Stores by rank of a store attribute (plan.priority_attribute), then oldest orders first."""
    rank = context.store_rank[None, :, None].astype(np.int64)
    key = rank * (1 << 32) + np.minimum(order_day, (1 << 31))
    return fill_in_priority_order(open_units, key, capacity_units)


@register("planned")
def planned(
    open_units: np.ndarray, order_day: np.ndarray, capacity_units: np.ndarray, context: DispatchContext
) -> np.ndarray:
    """Follow an optimised dispatch plan (``aftershock optimize``); FIFO for what it leaves.

    Each store line first gets up to its planned units (scaled down together if the day's
    capacity is short of the plan); capacity left over goes to the remaining open orders,
    oldest first. Without a plan this is FIFO.
    """
    if context.planned_units is None:
        return fill_in_priority_order(open_units, order_day, capacity_units)
    owed = open_units.sum(axis=2)
    plan = context.planned_units
    want = np.minimum(plan if plan.ndim == 3 else plan[None, :, :], owed)  # (S, I) or per replication
    total = want.sum(axis=(1, 2))
    scale = np.divide(capacity_units, total, out=np.ones_like(total), where=total > capacity_units)
    first = fill_oldest_first(open_units, order_day, want * scale[:, None, None])
    rest = fill_in_priority_order(open_units - first, order_day, capacity_units - first.sum(axis=(1, 2, 3)))
    return first + rest
