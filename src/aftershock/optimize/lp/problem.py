"""The recovery LP's arrays: what goes in (:class:`LPInputs`) and what comes out (:class:`LPPlan`).

Shapes use S store lines (stores, or groups of stores when pooled), I items and T days from
the plan's first day. The model these arrays stand for is written down in
:mod:`aftershock.optimize.lp.formulation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class LPInputs:
    """Arrays of the recovery LP; shapes use S stores, I items, T days."""

    demand: np.ndarray  # (S, I, T) expected units demanded at stores
    on_hand: np.ndarray  # (S, I) stock on the morning of day 0, before arrivals
    arrivals: np.ndarray  # (S, I, T) units already on the way, by arrival day
    owed: np.ndarray  # (S, I) units owed to stores (the backlog) on day 0
    lead_time_days: np.ndarray  # (S,) >= 1
    capacity_units: np.ndarray  # (T,) normal shipping capacity a day
    units_per_shift: float | np.ndarray = 0.0  # scalar or (T,)
    max_shifts_per_day: float | np.ndarray = 0.0  # scalar or (T,)
    budget_shifts: float | None = None
    cost_per_shift: float | np.ndarray = 0.0  # scalar or (T,), in the objective's unit
    lost_weight: np.ndarray | None = None  # (I,) e.g. margin per unit; default 1
    stockout_weight: float = 0.0  # cost of a store line ending a day with no stock (see safety_days)
    safety_days: float = 1.0  # cover below this many days of demand counts towards the stockout proxy
    line_cap_units: np.ndarray | None = None  # (T,) or (S, I, T): most units per store line a day
    integer_shifts: bool = False
    backlog_cost_per_unit_day: float = 0.0  # what a unit owed to a store for a day costs
    ship_allowed: np.ndarray | None = None  # (S, T) bool: days a store can be shipped to (delivery slots)
    new_orders: np.ndarray | None = None  # (S, I, T) units ordered on day t, shippable from t; default d[t-1]
    deliveries_per_day: np.ndarray | None = None  # (T,) store deliveries the fleet makes; None = no limit
    units_per_delivery: np.ndarray | None = None  # (S,) most units one delivery to a store carries
    stores_in_line: np.ndarray | None = None  # (S,) stores each row stands for (grouped LP); default 1
    deliveries_per_extra_hour: float = 0.0
    max_delivery_hours_per_day: float = 0.0
    cost_per_delivery_hour: float = 0.0

    def orders(self) -> np.ndarray:
        """(S, I, T) units that join what stores are owed on each day."""
        if self.new_orders is not None:
            return np.asarray(self.new_orders, dtype=float)
        out = np.zeros(self.demand.shape)
        out[:, :, 1:] = self.demand[:, :, :-1]
        return out

    def normal_owed(self) -> np.ndarray:
        """(S, I, T) units owed at the end of each day with unlimited capacity: the normal backlog.

        Zero where a store can be shipped every day; with delivery days, what it ordered since
        its last delivery day.
        """
        orders_cum = np.cumsum(self.orders(), axis=2)
        if self.ship_allowed is None:
            return np.zeros_like(orders_cum)
        allowed = np.asarray(self.ship_allowed, dtype=bool)
        days = np.arange(allowed.shape[1])
        last = np.maximum.accumulate(np.where(allowed, days, -1), axis=1)  # (S, T)
        shipped_cum = np.take_along_axis(orders_cum, np.maximum(last, 0)[:, None, :], axis=2)
        return orders_cum - np.where(last[:, None, :] >= 0, shipped_cum, 0.0)


@dataclass(frozen=True)
class LPPlan:
    """The optimal plan: shipments per store line and day, extra shifts per day, what is lost."""

    shipments: np.ndarray  # (S, I, T)
    shifts: np.ndarray  # (T,)
    delivery_hours: np.ndarray  # (T,) extra delivery hours a day
    lost_units: np.ndarray  # (S, I, T)
    owed_units: np.ndarray  # (S, I, T) at the end of each day
    objective: float
    status: str
    solve_seconds: float
    #: first day the backlog is down to its normal level for good (None: not within the plan)
    backlog_clear_day: int | None = None
    method: str = "lp"  # "lp", "mip" (whole shifts) or "lp, shifts rounded" (whole shifts, large LP)

    @property
    def expected_lost_units(self) -> float:
        """Units the plan expects to lose over its days."""
        return float(self.lost_units.sum())

    def dispatch_table(
        self,
        store_ids: list[str] | None = None,
        item_ids: list[str] | None = None,
        *,
        first_day: int = 0,
        min_units: float = 0.5,
    ) -> pd.DataFrame:
        """The dispatch plan as a long table ``store, item, day, units`` (lines of at least ``min_units``)."""
        return dispatch_table(self.shipments, store_ids, item_ids, first_day=first_day, min_units=min_units)

    def surge_schedule(self, *, first_day: int = 0) -> pd.DataFrame:
        """Extra shifts (and delivery hours) per day: ``day, shifts, delivery_hours``."""
        import pandas as pd

        return pd.DataFrame(
            {
                "day": np.arange(self.shifts.size) + first_day,
                "shifts": self.shifts,
                "delivery_hours": self.delivery_hours,
            }
        )


def dispatch_table(
    shipments: np.ndarray,
    store_ids: list[str] | None = None,
    item_ids: list[str] | None = None,
    *,
    first_day: int = 0,
    min_units: float = 0.5,
) -> pd.DataFrame:
    """Shipments (S, I, T) as a long table ``store, item, day, units``, by day, store, item.

    Units are rounded to 0.1; lines below ``min_units`` are left out.
    """
    import pandas as pd

    s_idx, i_idx, t_idx = np.nonzero(shipments >= min_units)
    order = np.lexsort((i_idx, s_idx, t_idx))
    s_idx, i_idx, t_idx = s_idx[order], i_idx[order], t_idx[order]
    return pd.DataFrame(
        {
            "store": np.asarray(store_ids, dtype=object)[s_idx] if store_ids is not None else s_idx,
            "item": np.asarray(item_ids, dtype=object)[i_idx] if item_ids is not None else i_idx,
            "day": (t_idx + first_day).astype(np.int64),
            "units": np.round(shipments[s_idx, i_idx, t_idx], 1),
        },
        columns=["store", "item", "day", "units"],
    )


def backlog_clear_day(owed: np.ndarray, normal: np.ndarray, initial_backlog: float) -> int | None:
    """First day from which the backlog stays within 1% (of the initial backlog) + 1 unit of normal."""
    excess = owed.sum(axis=(0, 1)) - normal.sum(axis=(0, 1))
    over = np.flatnonzero(excess > 0.01 * initial_backlog + 1.0)
    if not over.size:
        return 0
    return None if over[-1] == excess.size - 1 else int(over[-1] + 1)
