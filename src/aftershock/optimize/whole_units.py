"""Dispatch lines in whole units: the LP's fractional lines rounded so the totals stay.

The LP ships 4,173.4 units to a store line; a warehouse picks whole units. :func:`round_lines`
rounds a table of lines (rows) × days to integers by a largest-remainder method, day by day:

* each group's (a DC's) running total over the days so far is the LP's rounded to the
  nearest unit, so a DC's total for each day and over the plan is the LP's to the unit;
* within a day, each line first gets the whole part of what it is due (its LP running total
  minus what it was given before), and the group's units left go to the lines with the
  largest fractional remainders (taken back from the smallest when there are too many), so
  each line's running total stays within a unit above or two below the LP's (on ocs-2022
  every line's total over the plan is within 0.51 units of the LP's);
* never more than a group's capacity that day (rounded down), never more than a line is
  owed (a running bound, rounded down), and only on days a line may be shipped; what these
  hold back is given on a later day.
"""

from __future__ import annotations

import numpy as np

from aftershock.optimize.lp.problem import LPInputs

#: Slack on comparisons with whole numbers (the LP's values carry solver noise).
EPS = 1e-6


def round_lines(
    units: np.ndarray,
    group: np.ndarray,
    *,
    n_groups: int | None = None,
    cum_bound: np.ndarray | None = None,
    day_cap: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Whole units per line and day from fractional ones.

    ``units`` is (R, T) >= 0 (lines × days); ``group`` (R,) each line's group (its shipping DC);
    ``cum_bound`` (R, T) the most a line may have received by the end of each day (what it is
    owed); ``day_cap`` (G, T) the most a group may ship a day; ``allowed`` (R, T) bool the days
    a line may be shipped (its delivery days). Returns (R, T) int64.
    """
    units = np.maximum(np.asarray(units, dtype=float), 0.0)
    group = np.asarray(group, dtype=np.int64)
    r_n, t_n = units.shape
    g_n = int(n_groups if n_groups is not None else (group.max() + 1 if r_n else 0))
    out = np.zeros((r_n, t_n), dtype=np.int64)
    if r_n == 0 or t_n == 0:
        return out
    cum_x = np.cumsum(units, axis=1)
    group_cum_x = np.zeros((g_n, t_n))
    np.add.at(group_cum_x, group, cum_x)
    if cum_bound is None:
        bound = np.full((r_n, t_n), np.inf)
    else:
        # a running total never falls, so a later, lower bound binds today already
        bound = np.floor(np.asarray(cum_bound, dtype=float) + EPS)
        bound = np.minimum.accumulate(bound[:, ::-1], axis=1)[:, ::-1]
    cap = None if day_cap is None else np.floor(np.asarray(day_cap, dtype=float) + EPS)
    done = np.zeros(r_n, dtype=np.int64)
    group_done = np.zeros(g_n, dtype=np.int64)
    for t in range(t_n):  # days only: each day is vectorised over lines
        target = np.floor(group_cum_x[:, t] + 0.5 + EPS).astype(np.int64) - group_done
        if cap is not None:
            target = np.minimum(target, cap[:, t].astype(np.int64))
        target = np.maximum(target, 0)
        room = np.maximum(bound[:, t] - done, 0.0)
        if allowed is not None:
            room = np.where(allowed[:, t], room, 0.0)
        room = np.where(np.isfinite(room), room, np.iinfo(np.int64).max // 4).astype(np.int64)
        due = cum_x[:, t] - done
        y = np.clip(np.floor(due + EPS), 0, room).astype(np.int64)
        y = _fit(y, due, room, group, target, g_n)
        out[:, t] = y
        done += y
        group_done += np.bincount(group, weights=y, minlength=g_n).astype(np.int64)
    return out


def _fit(
    y: np.ndarray, due: np.ndarray, room: np.ndarray, group: np.ndarray, target: np.ndarray, g_n: int
) -> np.ndarray:
    """``y`` moved a unit at a time until each group's sum is its target (or no line can move).

    Units go to the lines whose ``due - y`` is largest and come back from those where it is
    smallest, within ``0 <= y <= room``.
    """
    y = y.copy()
    while True:  # a pass moves at most one unit per line; a few passes at most
        gap = target - np.bincount(group, weights=y, minlength=g_n).astype(np.int64)
        if not gap.any():
            return y
        give = (gap[group] > 0) & (y < room)
        take = (gap[group] < 0) & (y > 0)
        movable = give | take
        if not movable.any():
            return y
        remainder = due - y
        # within each group: the largest remainders first when giving, the smallest when taking
        key = np.where(give, -remainder, remainder)
        rows = np.flatnonzero(movable)
        order = rows[np.lexsort((key[rows], group[rows]))]
        g_sorted = group[order]
        first = np.searchsorted(g_sorted, g_sorted, side="left")
        rank = np.arange(order.size) - first
        chosen = order[rank < np.abs(gap[g_sorted])]
        y[chosen] += np.where(give[chosen], 1, -1)


def whole_shipments(
    shipments: np.ndarray,
    lent: tuple[np.ndarray, ...],
    inp: LPInputs,
    capacity_by_dc: np.ndarray,
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """The plan's (S, I, T) shipments and each backup's part of them in whole units.

    Each part (what a line's own DC ships, what each backup ships of it) is rounded with the
    DC that ships it as its group, within that DC's capacity a day (``capacity_by_dc``, (D, T))
    within what the line is owed by each day (backlog plus orders so far, to the nearest
    unit: the LP's orders are expected demand, an order is whole units), shared evenly between
    the parts so that together they never exceed it either, and on the days the LP may ship
    the line (its delivery days; a backup's, for its part).
    """
    s_n, i_n, t_n = shipments.shape
    own = shipments - sum(lent) if lent else shipments
    parts = [np.maximum(own, 0.0), *(np.maximum(p, 0.0) for p in lent)]
    line_dc = inp.dc_of_line()
    source = [np.broadcast_to(line_dc[:, None], (s_n, i_n))] + [
        np.full((s_n, i_n), link.backup, dtype=np.int64) for link in inp.backups
    ]
    owed_by_day = np.floor(inp.owed[:, :, None] + np.cumsum(inp.orders(), axis=2) + 0.5)
    slack = np.maximum(owed_by_day - np.cumsum(shipments, axis=2), 0.0) / len(parts)
    units = np.concatenate([p.reshape(-1, t_n) for p in parts])
    bound = np.concatenate([(np.cumsum(p, axis=2) + slack).reshape(-1, t_n) for p in parts])
    group = np.concatenate([s.ravel() for s in source])
    allowed = None
    if inp.ship_allowed is not None or inp.lend_allowed is not None:
        every = np.ones((s_n, t_n), dtype=bool)
        own_days = every if inp.ship_allowed is None else np.asarray(inp.ship_allowed, dtype=bool)
        lend_days = own_days if inp.lend_allowed is None else np.asarray(inp.lend_allowed, dtype=bool)
        days = [own_days] + [lend_days] * len(lent)
        allowed = np.concatenate([np.repeat(d[:, None, :], i_n, axis=1).reshape(-1, t_n) for d in days])
    whole = round_lines(
        units,
        group,
        n_groups=capacity_by_dc.shape[0],
        cum_bound=bound,
        day_cap=capacity_by_dc,
        allowed=allowed,
    ).astype(float)
    whole_parts = whole.reshape(len(parts), s_n, i_n, t_n)
    return whole_parts.sum(axis=0), tuple(whole_parts[1:])
