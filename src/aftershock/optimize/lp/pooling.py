"""Pooled store lines: the LP over groups of similar lines, and its shipments split back to lines.

At 1,500 stores × 20 items × 30 days the exact LP has 3.6 million columns. Lines of one item
with the same DC, lead time and delivery days and similar days of cover and days owed are
pooled into groups (:func:`group_lines`; lines of different DCs are never pooled), the LP is
solved over the groups (:func:`aggregate`), and each group's daily units are split back to
its lines, the ones about to run out first (:func:`disaggregate`); the part a backup DC
ships is split in the same proportion (:func:`split_lent`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from aftershock.optimize.lp.problem import LPInputs, LPPlan


@dataclass(frozen=True)
class Grouping:
    """Which LP group each store line belongs to (lines pooled for speed).

    Group ``g`` of the pooled LP stands, for each item ``i``, for the lines ``(s, i)`` with
    ``group_of_line[s, i] == g``; they all have the same DC, lead time and delivery days.
    """

    group_of_line: np.ndarray  # (S, I)
    n_groups: int

    @property
    def is_exact(self) -> bool:
        """Whether every group is one store (the LP is not pooled)."""
        s_n = self.group_of_line.shape[0]
        return self.n_groups == s_n and bool((self.group_of_line == np.arange(s_n)[:, None]).all())

    def row_of_line(self) -> np.ndarray:
        """(S * I,) the row of the pooled LP (group × item, flattened) each line's units go to."""
        i_n = self.group_of_line.shape[1]
        return (self.group_of_line * i_n + np.arange(i_n)[None, :]).ravel()


def _bins(values: np.ndarray, count: int) -> np.ndarray:
    """Quantile bin (0 .. count-1) of each value."""
    if count <= 1 or values.size == 0:
        return np.zeros(values.size, dtype=np.int64)
    edges = np.quantile(values, np.linspace(0, 1, count + 1)[1:-1])
    return np.searchsorted(edges, values, side="right")


def group_lines(inp: LPInputs, max_groups: int) -> Grouping:
    """Pool store lines with the same DC, lead time and delivery days, similar cover and days owed.

    Stores are first split by DC (each DC has its own capacity), lead time and, with
    delivery slots, by their delivery days (lines in one group must be shippable on the same
    days; with backups, also by the days a backup can deliver to them). Per item, the lines of each
    such class are binned by days of cover at the start (stock and arrivals over mean
    demand) and by days of demand owed to them: lines in one bin run out at about the same
    time and can receive about as much. With no more stores than ``max_groups`` every store
    is its own group (the exact LP). There are at least as many groups as classes.
    """
    s_n, i_n = inp.demand.shape[:2]
    if s_n <= max_groups:
        return Grouping(np.repeat(np.arange(s_n)[:, None], i_n, axis=1), s_n)
    daily = np.maximum(inp.demand.mean(axis=2), 1e-9)  # (S, I)
    cover = (inp.on_hand + inp.arrivals.sum(axis=2)) / daily
    owed_days = inp.owed / daily
    features = np.asarray(inp.lead_time_days, dtype=np.int64)[:, None]
    if inp.line_dc is not None:
        features = np.concatenate([inp.dc_of_line()[:, None], features], axis=1)
    if inp.ship_allowed is not None:
        features = np.concatenate([features, np.asarray(inp.ship_allowed, dtype=np.int64)], axis=1)
    if inp.lend_allowed is not None and inp.backups:
        features = np.concatenate([features, np.asarray(inp.lend_allowed, dtype=np.int64)], axis=1)
    _, class_of_store = np.unique(features, axis=0, return_inverse=True)
    class_of_store = class_of_store.ravel()
    n_classes = int(class_of_store.max()) + 1
    per_class = max(1, max_groups // n_classes)
    n_cover = max(1, int(np.ceil(np.sqrt(per_class))))
    n_owed = max(1, per_class // n_cover)
    group = np.empty((s_n, i_n), dtype=np.int64)
    for k in range(n_classes):  # lead times × delivery patterns: a few dozen at most
        members = np.flatnonzero(class_of_store == k)
        for i in range(i_n):  # items: each pools its own lines
            c = _bins(cover[members, i], n_cover)
            o = _bins(owed_days[members, i], n_owed)
            group[members, i] = k * n_cover * n_owed + c * n_owed + o
    return Grouping(group, n_classes * n_cover * n_owed)


def _pool(a: np.ndarray, grouping: Grouping) -> np.ndarray:
    """Sum (S, I, ...) over the lines of each group: (G, I, ...)."""
    s_n, i_n = a.shape[:2]
    key = grouping.row_of_line()
    flat = a.reshape(s_n * i_n, -1)
    out = np.zeros((grouping.n_groups * i_n, flat.shape[1]))
    np.add.at(out, key, flat)
    return out.reshape(grouping.n_groups, i_n, *a.shape[2:])


def aggregate(inp: LPInputs, grouping: Grouping) -> LPInputs:
    """The LP over groups: sums of demand, stock, arrivals, backlog and orders of their lines."""
    if grouping.is_exact:
        return inp
    if inp.deliveries_per_day is not None:
        raise ValueError("stores under a fleet limit cannot be pooled")
    g_n = grouping.n_groups
    lead = np.ones(g_n, dtype=np.int64)
    line_dc = np.zeros(g_n, dtype=np.int64)
    allowed = lend = None
    if inp.ship_allowed is not None:
        allowed = np.zeros((g_n, inp.ship_allowed.shape[1]), dtype=bool)
    if inp.lend_allowed is not None:
        lend = np.zeros((g_n, inp.lend_allowed.shape[1]), dtype=bool)
    for i in range(inp.demand.shape[1]):
        # items: a group has the one DC, lead time and delivery days of its lines
        group = grouping.group_of_line[:, i]
        lead[group] = inp.lead_time_days
        line_dc[group] = inp.dc_of_line()
        if allowed is not None:
            allowed[group] = inp.ship_allowed
        if lend is not None:
            lend[group] = inp.lend_allowed
    caps = inp.line_cap_units
    if caps is not None:
        caps = _pool(np.broadcast_to(np.asarray(caps, dtype=float), inp.demand.shape), grouping)
    return replace(
        inp,
        demand=_pool(inp.demand, grouping),
        on_hand=_pool(inp.on_hand, grouping),
        arrivals=_pool(inp.arrivals, grouping),
        owed=_pool(inp.owed, grouping),
        new_orders=None if inp.new_orders is None else _pool(inp.new_orders, grouping),
        stores_in_line=None,
        units_per_delivery=None,
        lead_time_days=lead,
        line_cap_units=caps,
        ship_allowed=allowed,
        line_dc=None if inp.line_dc is None else line_dc,
        lend_allowed=lend,
    )


#: Days of demand ahead that the split of a group's shipment covers, most urgent first.
SPLIT_HORIZONS_DAYS = (1, 2, 3, 5, 8, 13)


def disaggregate(plan: LPPlan, inp: LPInputs, grouping: Grouping) -> np.ndarray:
    """Split each group's daily shipments over its lines, the lines about to run out first.

    Day by day (vectorised over lines), each line's stock on the day the shipment arrives is
    projected from its own stock, arrivals and demand; the group's units go first to cover
    each line's next day of demand, then the next two, three, five... days (in proportion to
    what is still missing, never more than the line is owed), and what is left in proportion
    to what each line is still owed.
    """
    if grouping.is_exact:
        return plan.shipments.copy()
    s_n, i_n, t_n = inp.demand.shape
    key = grouping.row_of_line()
    n_keys = grouping.n_groups * i_n
    lead = np.asarray(inp.lead_time_days, dtype=np.int64)
    demand = inp.demand.astype(float)
    orders = inp.orders()
    arrivals = inp.arrivals.astype(float).copy()
    level = inp.on_hand.astype(float).copy()  # morning of day t, before its arrivals
    owed = inp.owed.astype(float).copy()
    out = np.zeros((s_n, i_n, t_n))
    # demand over the next h days from each day: cum[t + h] - cum[t]
    cum = np.concatenate([np.zeros((s_n, i_n, 1)), np.cumsum(demand, axis=2)], axis=2)
    rows = np.arange(s_n)
    for t in range(t_n):  # days only: every step is vectorised over lines
        owed += orders[:, :, t]
        arrive = np.minimum(t + lead, t_n)  # (S,) the day today's shipment arrives (t_n: after the plan)
        # project each line's stock to the morning its shipment arrives (after that day's other arrivals)
        proj = level.copy()
        for k in range(int(lead.max()) + 1):
            day = t + k
            if day >= t_n:
                break
            # lines whose shipment arrives later sell through `day`; on the arrival day only
            # that day's other arrivals count
            proj = proj + np.where((day <= arrive)[:, None], arrivals[:, :, day], 0.0)
            sold = np.minimum(proj, demand[:, :, day])
            proj = np.where((day < arrive)[:, None], proj - sold, proj)
        wanted = plan.shipments[:, :, t].ravel()  # (G * I,) group units to split today
        given = np.zeros((s_n, i_n))
        for h in SPLIT_HORIZONS_DAYS:
            end = np.minimum(arrive + h, t_n)
            ahead = cum[rows, :, end] - cum[rows, :, arrive]  # (S, I) demand of the h days from arrival
            need = np.minimum(np.maximum(ahead - proj, 0.0), owed) - given
            need = np.maximum(need, 0.0)
            left = wanted - np.bincount(key, weights=given.ravel(), minlength=n_keys)
            total = np.bincount(key, weights=need.ravel(), minlength=n_keys)
            share = np.divide(left, total, out=np.zeros(n_keys), where=total > 1e-12)
            given += need * np.minimum(share, 1.0)[key].reshape(s_n, i_n)
        left = wanted - np.bincount(key, weights=given.ravel(), minlength=n_keys)
        room = np.maximum(owed - given, 0.0)
        total = np.bincount(key, weights=room.ravel(), minlength=n_keys)
        share = np.divide(np.maximum(left, 0.0), total, out=np.zeros(n_keys), where=total > 1e-12)
        given += room * np.minimum(share, 1.0)[key].reshape(s_n, i_n)
        given = np.maximum(given, 0.0)
        out[:, :, t] = given
        owed -= given
        on_time = t + lead < t_n
        arrivals[rows[on_time], :, (t + lead)[on_time]] += given[on_time]
        level = level + arrivals[:, :, t]
        level = level - np.minimum(level, demand[:, :, t])
    return out


def split_lent(plan: LPPlan, lines: np.ndarray, grouping: Grouping) -> tuple[np.ndarray, ...]:
    """Each backup's part of the lines' shipments: the group's share of it, on every line of the group.

    ``lines`` is :func:`disaggregate`'s (S, I, T); the result has one (S, I, T) per backup link.
    """
    if grouping.is_exact:
        return tuple(part.copy() for part in plan.lent)
    s_n, i_n, t_n = lines.shape
    key = grouping.row_of_line()
    total = plan.shipments.reshape(-1, t_n)  # (G * I, T)
    out = []
    for part in plan.lent:  # links: a few
        share = np.divide(part.reshape(-1, t_n), total, out=np.zeros_like(total), where=total > 1e-12)
        out.append(lines * np.minimum(share, 1.0)[key].reshape(s_n, i_n, t_n))
    return tuple(out)
