"""The recovery LP's arrays: what goes in (:class:`LPInputs`) and what comes out (:class:`LPPlan`).

Shapes use S store lines (stores, or groups of stores when pooled), I items, T days from
the plan's first day and D DCs. Each store line belongs to one DC (``line_dc``); a value per
DC and day is (D, T), and a (T,) value is the same at every DC (so a one-DC LP reads as
before). A :class:`BackupLink` lets a backup DC ship another DC's store lines. The model
these arrays stand for is written down in :mod:`aftershock.optimize.lp.formulation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class BackupLink:
    """Backup DC ``backup`` may ship DC ``dc``'s store lines on the days ``active`` says.

    What it ships leaves from its own capacity (with its own extra shifts) and arrives
    ``extra_lead_days`` after the store's lead time. It lends at most ``share`` of its spare
    capacity (``of_spare``: what its own store lines leave; else of its whole capacity).
    """

    dc: int
    backup: int
    share: float
    extra_lead_days: int
    active: np.ndarray  # (T,) bool: the days the backup covers (the DC stopped past its switch-over)
    of_spare: bool = True


def per_dc_day(value: float | np.ndarray, n_dcs: int, days: int) -> np.ndarray:
    """A scalar, (T,) (the same at every DC) or (D, T) / (D, 1) value as a (D, T) array."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    return np.broadcast_to(a, (n_dcs, days))


@dataclass(frozen=True)
class LPInputs:
    """Arrays of the recovery LP; shapes use S stores, I items, T days, D DCs."""

    demand: np.ndarray  # (S, I, T) expected units demanded at stores
    on_hand: np.ndarray  # (S, I) stock on the morning of day 0, before arrivals
    arrivals: np.ndarray  # (S, I, T) units already on the way, by arrival day
    owed: np.ndarray  # (S, I) units owed to stores (the backlog) on day 0
    lead_time_days: np.ndarray  # (S,) >= 1
    capacity_units: np.ndarray  # (T,) one DC's, or (D, T): normal shipping capacity a day
    units_per_shift: float | np.ndarray = 0.0  # scalar, (T,) or (D, T)
    max_shifts_per_day: float | np.ndarray = 0.0  # scalar, (T,) or (D, T)
    budget_shifts: float | None = None  # over every DC and day
    cost_per_shift: float | np.ndarray = 0.0  # scalar, (T,) or (D, T), in the objective's unit
    lost_weight: np.ndarray | None = None  # (I,) e.g. margin per unit; default 1
    stockout_weight: float = 0.0  # cost of a store line ending a day with no stock (see safety_days)
    safety_days: float = 1.0  # cover below this many days of demand counts towards the stockout proxy
    line_cap_units: np.ndarray | None = None  # (T,) or (S, I, T): most units per store line a day
    integer_shifts: bool = False
    backlog_cost_per_unit_day: float = 0.0  # what a unit owed to a store for a day costs
    ship_allowed: np.ndarray | None = None  # (S, T) bool: days a store can be shipped to (delivery slots)
    new_orders: np.ndarray | None = None  # (S, I, T) units ordered on day t, shippable from t; default d[t-1]
    deliveries_per_day: np.ndarray | None = None  # (T,) or (D, T) store deliveries a day; None = no limit
    units_per_delivery: np.ndarray | None = None  # (S,) most units one delivery to a store carries
    stores_in_line: np.ndarray | None = None  # (S,) stores each row stands for (grouped LP); default 1
    deliveries_per_extra_hour: float = 0.0
    max_delivery_hours_per_day: float = 0.0
    cost_per_delivery_hour: float = 0.0
    line_dc: np.ndarray | None = None  # (S,) DC index of each store line; default: every line at DC 0
    backups: tuple[BackupLink, ...] = ()  # backup DCs that may ship a stopped DC's lines
    lend_allowed: np.ndarray | None = None  # (S, T) bool: days a backup can deliver to a store row

    @property
    def n_dcs(self) -> int:
        """Number of DCs (the rows of a (D, T) capacity; 1 for a (T,) one)."""
        cap = np.asarray(self.capacity_units)
        return int(cap.shape[0]) if cap.ndim == 2 else 1

    @property
    def n_days(self) -> int:
        """Days of the plan."""
        return int(self.demand.shape[2])

    def dc_of_line(self) -> np.ndarray:
        """(S,) the DC index of each store line."""
        if self.line_dc is None:
            return np.zeros(self.demand.shape[0], dtype=np.int64)
        return np.asarray(self.line_dc, dtype=np.int64)

    def per_dc_day(self, value: float | np.ndarray) -> np.ndarray:
        """A value of the inputs as (D, T) (see :func:`per_dc_day`)."""
        return per_dc_day(value, self.n_dcs, self.n_days)

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

    shipments: np.ndarray  # (S, I, T) units leaving for each line (from its DC or a backup)
    shifts: np.ndarray  # (T,) extra shifts a day, over every DC
    delivery_hours: np.ndarray  # (T,) extra delivery hours a day, over every DC
    lost_units: np.ndarray  # (S, I, T)
    owed_units: np.ndarray  # (S, I, T) at the end of each day
    objective: float
    status: str
    solve_seconds: float
    #: first day the backlog is down to its normal level for good (None: not within the plan)
    backlog_clear_day: int | None = None
    method: str = "lp"  # "lp", "mip" (whole shifts) or "lp, shifts rounded" (whole shifts, large LP)
    shifts_by_dc: np.ndarray | None = None  # (D, T); None: one DC (``shifts``)
    #: per backup link of the inputs, (S, I, T): the part of ``shipments`` that backup ships
    lent: tuple[np.ndarray, ...] = ()

    @property
    def dc_shifts(self) -> np.ndarray:
        """(D, T) extra shifts per DC and day."""
        return self.shifts[None, :] if self.shifts_by_dc is None else self.shifts_by_dc

    def shipped_by_dc(self, inp: LPInputs) -> np.ndarray:
        """(D, T) units each DC ships a day: its own stores' lines and the lines it ships as a backup."""
        return shipped_by_dc(self.shipments, self.lent, inp)

    def capacity_by_dc(self, inp: LPInputs) -> np.ndarray:
        """(D, T) units each DC can ship a day with the plan's extra shifts."""
        return inp.per_dc_day(inp.capacity_units) + inp.per_dc_day(inp.units_per_shift) * self.dc_shifts

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


def shipped_by_dc(shipments: np.ndarray, lent: tuple[np.ndarray, ...], inp: LPInputs) -> np.ndarray:
    """(D, T) units each DC ships a day, from shipments per line (S, I, T) and the backups' parts."""
    t_n = shipments.shape[2]
    own = shipments - sum(lent) if lent else shipments
    out = np.zeros((inp.n_dcs, t_n))
    np.add.at(out, inp.dc_of_line(), own.sum(axis=1))
    for link, part in zip(inp.backups, lent, strict=True):
        out[link.backup] += part.sum(axis=(0, 1))
    return out


def dispatch_table_by_dc(
    shipments: np.ndarray,
    line_dc: np.ndarray,
    dc_ids: list[str],
    store_ids: list[str] | None = None,
    item_ids: list[str] | None = None,
    *,
    lent: tuple[np.ndarray, ...] = (),
    backups: tuple[BackupLink, ...] = (),
    first_day: int = 0,
    min_units: float = 0.5,
) -> pd.DataFrame:
    """:func:`dispatch_table` with the DC that ships each line: ``store, item, day, units, dc``.

    A line is shipped by its store's DC (``line_dc``), or by a backup of it (``lent``, one
    part per link of ``backups``; a row each when both ship it).
    """
    import pandas as pd

    own = shipments - sum(lent) if lent else shipments
    # one (S, I, T) part per DC that ships: each DC its own stores' lines, then each backup link
    parts = [np.where((line_dc == d)[:, None, None], own, 0.0) for d in range(len(dc_ids))] + list(lent)
    source = list(range(len(dc_ids))) + [link.backup for link in backups]
    stacked = np.stack(parts)
    p_idx, s_idx, i_idx, t_idx = np.nonzero(stacked >= min_units)
    order = np.lexsort((p_idx, i_idx, s_idx, t_idx))
    p_idx, s_idx, i_idx, t_idx = p_idx[order], s_idx[order], i_idx[order], t_idx[order]
    units = stacked[p_idx, s_idx, i_idx, t_idx]
    return pd.DataFrame(
        {
            "store": np.asarray(store_ids, dtype=object)[s_idx] if store_ids is not None else s_idx,
            "item": np.asarray(item_ids, dtype=object)[i_idx] if item_ids is not None else i_idx,
            "day": (t_idx + first_day).astype(np.int64),
            "units": np.round(units, 1),
            "dc": np.asarray(dc_ids, dtype=object)[np.asarray(source, dtype=np.int64)[p_idx]],
        },
        columns=["store", "item", "day", "units", "dc"],
    )


def backlog_clear_day(owed: np.ndarray, normal: np.ndarray, initial_backlog: float) -> int | None:
    """First day from which the backlog stays within 1% (of the initial backlog) + 1 unit of normal."""
    excess = owed.sum(axis=(0, 1)) - normal.sum(axis=(0, 1))
    over = np.flatnonzero(excess > 0.01 * initial_backlog + 1.0)
    if not over.size:
        return 0
    return None if over[-1] == excess.size - 1 else int(over[-1] + 1)
