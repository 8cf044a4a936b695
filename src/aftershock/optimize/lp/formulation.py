"""The recovery LP: which store lines to ship on which day, and how many extra shifts to run.

Pure arrays in, arrays out (:class:`~aftershock.optimize.lp.problem.LPInputs` →
:class:`~aftershock.optimize.lp.problem.LPPlan`); the HiGHS backend solves it. Over stores ×
items × days, with expected demand ``d``, the variables are named blocks of columns
(:func:`recovery_columns`):

* ``shipments`` ``x``, end-of-day stock ``inventory``, ``lost`` sales, units still ``owed``
  to stores, extra ``shifts`` ``z[t]`` and extra ``delivery_hours`` ``y[t]``; with a delivery
  fleet limit, ``deliveries`` per store and day; with a stockout weight, ``short``;
* stock: ``inv[t] = inv[t-1] + arrivals[t] + x[t - L] - d[t] + lost[t]``, ``inv >= 0``,
  ``0 <= lost <= d``;
* owed: ``owed[t] = owed[t-1] + orders[t] - x[t]``, ``owed >= 0``: a store is shipped no more
  than it ordered (cumulative shipments <= backlog + cumulative orders); by default stores
  order each day what was demanded the day before;
* capacity, per DC ``d`` and day: ``sum of x[t] over d's store lines + what d ships as a backup
  <= capacity[d, t] + units_per_shift[d, t] * z[d, t]``, ``0 <= z[d, t] <= max_shifts[d, t]``,
  ``sum z <= budget`` (over every DC and day); optional per-line caps ``x <= cap``; optional
  delivery days per store; with a fleet limit, deliveries and extra delivery hours per DC;
* backups (:class:`~aftershock.optimize.lp.problem.BackupLink`): on the days a backup ``b``
  covers DC ``d``, ``lent[k]`` ships ``d``'s store lines from ``b``'s capacity and arrives
  ``extra_lead_days`` later than ``x`` would; with a share below 1 it is at most
  ``share * (capacity[b] + units_per_shift[b] * z[b] - b's own lines)`` (of its spare) or
  ``share * (capacity[b] + units_per_shift[b] * z[b])`` (of its whole capacity); lending of
  its spare (own stores first), a unit its own lines are still owed at the end of a day it
  covers costs as much as a lost unit, so it lends only what its own stores leave;
* objective: ``sum lost_weight * lost`` (units or margin; 0.1% more for earlier days, so
  stock is sold when demand comes, not held back) ``+ cost_per_shift * z`` ``+
  stockout_weight * short / (safety_days * d)``, a stockout proxy: ``short >= safety_days * d
  - inv`` is how far a line ends the day below its safety cover, as a share of it, so a line
  ending the day empty costs ``stockout_weight`` (with random demand, thin cover is where
  stockouts happen; the expected-demand LP alone would happily leave lines at zero) (+ a
  tiny cost per unit owed per day, so the backlog ships as early as capacity allows; it
  never outweighs a lost sale).

The matrix is built in bulk (index arithmetic on the blocks' positions, one ``scipy.sparse``
matrix, :mod:`~aftershock.optimize.lp.program`) and handed to HiGHS in one call: nothing
loops over stores, items or days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from aftershock.errors import SolverError
from aftershock.optimize.lp.highs_backend import highspy_module, run_highs
from aftershock.optimize.lp.problem import LPInputs, LPPlan, backlog_clear_day
from aftershock.optimize.lp.program import Blocks, LinearProgram, ProgramBuilder

#: Integer shifts are solved as a MIP up to this many columns; above it the LP's shifts are
#: rounded up (within the limits and the budget) and the LP is solved again with them fixed.
MIP_MAX_COLUMNS = 150_000


def backup_rows(inp: LPInputs) -> tuple[np.ndarray, np.ndarray]:
    """(L,) store line and (L,) backup link of each row of the ``lent`` block.

    Link ``k`` has a row for every store line of its DC, links in the inputs' order.
    """
    line_dc = inp.dc_of_line()
    rows = [np.flatnonzero(line_dc == link.dc) for link in inp.backups]
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    links = [np.full(r.size, k, dtype=np.int64) for k, r in enumerate(rows)]
    return np.concatenate(rows), np.concatenate(links)


def recovery_columns(inp: LPInputs) -> Blocks:
    """The variables of the recovery LP, as named blocks of columns."""
    s_n, i_n, t_n = inp.demand.shape
    d_n = inp.n_dcs
    cols = Blocks()
    for name in ("shipments", "inventory", "lost", "owed"):
        cols.add(name, s_n, i_n, t_n)
    cols.add("shifts", d_n, t_n)
    cols.add("delivery_hours", d_n, t_n)
    if inp.deliveries_per_day is not None:
        cols.add("deliveries", s_n, t_n)  # store deliveries per store row and day
    if inp.stockout_weight > 0:
        cols.add("short", s_n, i_n, t_n)  # cover below the safety level
    lent_rows, _ = backup_rows(inp)
    if lent_rows.size:
        cols.add("lent", lent_rows.size, i_n, t_n)  # store lines shipped by a backup DC
    return cols


def recovery_program(inp: LPInputs, fixed_shifts: np.ndarray | None = None) -> tuple[LinearProgram, Blocks]:
    """The recovery LP over the columns of :func:`recovery_columns` (shifts fixed when given)."""
    s_n, i_n, t_n = inp.demand.shape
    shape = (s_n, i_n, t_n)
    cols = recovery_columns(inp)
    fleet = cols.has("deliveries")
    proxy = cols.has("short")
    b = ProgramBuilder(cols)
    x, inv, lost, owed = (cols.index(name) for name in ("shipments", "inventory", "lost", "owed"))
    z, y = cols.index("shifts"), cols.index("delivery_hours")  # (D, T) each
    d = inp.demand.astype(float)
    lead = np.asarray(inp.lead_time_days, dtype=np.int64)
    line_dc = inp.dc_of_line()
    per_shift = inp.per_dc_day(inp.units_per_shift)

    # stock balance, a row per (s, i, t):
    #   inv[t] - inv[t-1] - x[t-L] - lost[t] = arrivals[t] - d[t]  (+ on_hand on day 0)
    rhs = inp.arrivals.astype(float) - d
    rhs[:, :, 0] += inp.on_hand
    stock = b.add_rows("stock", rhs, rhs)
    b.add_terms(stock, inv, 1.0)
    b.add_terms(stock, lost, -1.0)
    b.add_terms(stock[:, :, 1:], inv[:, :, :-1], -1.0)
    # a block's days are consecutive columns, so x - L is the same line's shipment L days earlier
    shipped_in_time = np.broadcast_to((np.arange(t_n)[None, None, :] - lead[:, None, None]) >= 0, shape)
    b.add_terms(stock[shipped_in_time], (x - lead[:, None, None])[shipped_in_time], -1.0)

    # owed balance: owed[t] - owed[t-1] + x[t] = orders[t]; owed[0] + x[0] = owed0 + orders[0]
    owed_rhs = inp.orders().copy()
    owed_rhs[:, :, 0] += inp.owed
    owed_rows = b.add_rows("owed", owed_rhs, owed_rhs)
    b.add_terms(owed_rows, owed, 1.0)
    b.add_terms(owed_rows, x, 1.0)
    b.add_terms(owed_rows[:, :, 1:], owed[:, :, :-1], -1.0)

    # daily capacity per DC: sum of x[., ., t] over its lines - units_per_shift * z[d, t] <= capacity[d, t]
    capacity = b.add_rows("capacity", -np.inf, inp.per_dc_day(inp.capacity_units))  # (D, T)
    b.add_terms(capacity[line_dc][:, None, :], x, 1.0)
    b.add_terms(capacity, z, -per_shift)
    if fleet:
        # a store row ships only on deliveries: sum_i x[s, i, t] <= units_per_delivery[s] * v[s, t]
        carry = (
            np.asarray(inp.units_per_delivery, dtype=float)
            if inp.units_per_delivery is not None
            else (inp.owed.sum(axis=1) + d.sum(axis=(1, 2)))
        )
        v = cols.index("deliveries")
        delivery = b.add_rows("delivery", -np.inf, 0.0, s_n, t_n)
        b.add_terms(delivery[:, None, :], x, 1.0)
        b.add_terms(delivery, v, -carry[:, None])
        # each DC's fleet: sum of v[s, t] over its stores - deliveries_per_extra_hour * y[d, t]
        #   <= deliveries_per_day[d, t]
        fleet_rows = b.add_rows("fleet", -np.inf, inp.per_dc_day(inp.deliveries_per_day))  # (D, T)
        b.add_terms(fleet_rows[line_dc], v, 1.0)
        b.add_terms(fleet_rows, y, -float(inp.deliveries_per_extra_hour))
    if inp.budget_shifts is not None:
        budget = b.add_rows("budget", -np.inf, float(inp.budget_shifts), 1)
        b.add_terms(budget, z, 1.0)
    safety = inp.safety_days * d
    if proxy:
        # inv[t] + short[t] >= safety_days * d[t]
        short = cols.index("short")
        safety_rows = b.add_rows("safety", safety, np.inf)
        b.add_terms(safety_rows, inv, 1.0)
        b.add_terms(safety_rows, short, 1.0)
    lent_rows, lent_link = backup_rows(inp)
    if lent_rows.size:
        _backup_terms(inp, b, cols, stock, owed_rows, capacity, lent_rows, lent_link)

    weight = np.ones(i_n) if inp.lost_weight is None else np.asarray(inp.lost_weight, dtype=float)
    # a lost unit costs its weight, 0.1% more on day 0 falling to nothing on the last day: stock on
    # the shelf is sold when demand comes (as in the engine), not held back for a later day
    sell_first = 1.0 + 1e-3 * (t_n - 1 - np.arange(t_n)) / max(t_n - 1, 1)
    b.cost[cols["lost"]] = (weight[None, :, None] * sell_first[None, None, :] * np.ones((s_n, 1, 1))).ravel()
    if proxy:
        # a line ending the day empty costs stockout_weight; less in proportion when partly covered
        share = np.divide(1.0, safety, out=np.zeros_like(safety), where=safety > 1e-9)
        b.cost[cols["short"]] = inp.stockout_weight * share.ravel()
    b.cost[cols["shifts"]] = inp.per_dc_day(inp.cost_per_shift).ravel()
    b.cost[cols["delivery_hours"]] = inp.cost_per_delivery_hour
    # tie-break: every unit owed a day costs a little (far below a unit of lost sales), so the
    # plan ships the backlog as early as capacity allows instead of only what prevents losses
    b.cost[cols["owed"]] = inp.backlog_cost_per_unit_day + 1e-4 * float(weight.min(initial=1.0)) / t_n
    for link in inp.backups:  # links: a few
        if link.of_spare:
            # own stores first: a backup lends only what its own stores leave, so on the days it
            # covers, a unit its own lines are still owed at the end of the day costs as much as
            # a lost unit (the engine ships them before it lends)
            active = np.asarray(link.active, dtype=bool)
            mine = np.broadcast_to((line_dc == link.backup)[:, None, None] & active[None, None, :], shape)
            b.cost[owed[mine]] += np.broadcast_to(weight[None, :, None], shape)[mine]
    upper = b.col_upper
    upper[cols["lost"]] = d.ravel()
    if inp.line_cap_units is not None:
        caps = np.asarray(inp.line_cap_units, dtype=float)
        upper[cols["shipments"]] = np.broadcast_to(caps, shape).ravel()
    if inp.ship_allowed is not None:
        closed = np.broadcast_to(~np.asarray(inp.ship_allowed, dtype=bool)[:, None, :], shape)
        upper[x[closed]] = 0.0
    upper[cols["shifts"]] = inp.per_dc_day(inp.max_shifts_per_day).ravel()
    if fixed_shifts is not None:
        b.col_lower[cols["shifts"]] = upper[cols["shifts"]] = np.ravel(fixed_shifts)
    upper[cols["delivery_hours"]] = inp.max_delivery_hours_per_day if fleet else 0.0
    if fleet:
        per_row = np.ones(s_n) if inp.stores_in_line is None else np.asarray(inp.stores_in_line, dtype=float)
        upper[cols["deliveries"]] = np.repeat(per_row, t_n)
    if proxy:
        upper[cols["short"]] = safety.ravel()
    if lent_rows.size:
        # a backup ships only on the days it covers, to stores that can receive
        on = np.stack([link.active for link in inp.backups]).astype(bool)[lent_link]  # (L, T)
        if inp.lend_allowed is not None:
            on &= np.asarray(inp.lend_allowed, dtype=bool)[lent_rows]
        upper[cols.index("lent")[np.broadcast_to(~on[:, None, :], (lent_rows.size, i_n, t_n))]] = 0.0
    return b.build(integer_columns=z.ravel() if inp.integer_shifts else None), cols


def _backup_terms(
    inp: LPInputs,
    b: ProgramBuilder,
    cols: Blocks,
    stock: np.ndarray,
    owed_rows: np.ndarray,
    capacity: np.ndarray,
    lent_rows: np.ndarray,
    lent_link: np.ndarray,
) -> None:
    """The ``lent`` block's terms: store stock and owed, the backup's capacity, its share limit."""
    i_n, t_n = inp.demand.shape[1:]
    lent = cols.index("lent")  # (L, I, T)
    x, z = cols.index("shipments"), cols.index("shifts")
    extra = np.array([link.extra_lead_days for link in inp.backups], dtype=np.int64)[lent_link]
    lag = np.asarray(inp.lead_time_days, dtype=np.int64)[lent_rows] + extra  # (L,)
    shape = (lent_rows.size, i_n, t_n)
    # it reaches the store's stock lag days later, and the store is owed that much less
    in_time = np.broadcast_to((np.arange(t_n)[None, None, :] - lag[:, None, None]) >= 0, shape)
    b.add_terms(stock[lent_rows][in_time], (lent - lag[:, None, None])[in_time], -1.0)
    b.add_terms(owed_rows[lent_rows], lent, 1.0)
    # it leaves from the backup's capacity
    backup = np.array([link.backup for link in inp.backups], dtype=np.int64)
    b.add_terms(capacity[backup[lent_link]][:, None, :], lent, 1.0)
    # a share below 1: lent[k] <= share * (capacity[b] + per_shift[b] * z[b] [- b's own lines]);
    # what b lends to other DCs' stores is left out of its spare here (the capacity row holds it)
    cap = inp.per_dc_day(inp.capacity_units)
    per_shift = inp.per_dc_day(inp.units_per_shift)
    line_dc = inp.dc_of_line()
    for k, link in enumerate(inp.backups):  # links: a few
        if link.share >= 1.0:
            continue  # the capacity row already says it
        mine = lent[lent_link == k]
        if not mine.size:
            continue
        share = float(link.share)
        rows = b.add_rows(f"lend_share_{k}", -np.inf, share * cap[link.backup])  # (T,)
        b.add_terms(rows, mine, 1.0)
        b.add_terms(rows, z[link.backup], -share * per_shift[link.backup])
        if link.of_spare:
            own = x[line_dc == link.backup]
            if own.size:
                b.add_terms(rows, own, share)


def solve(inp: LPInputs, *, time_limit_s: float = 600.0, threads: int = 0) -> LPPlan:
    """Build the LP in bulk (sparse matrices, no loop over stores or days) and solve it with HiGHS.

    With ``integer_shifts`` the shifts are whole: a MIP up to :data:`MIP_MAX_COLUMNS` columns;
    above that the LP's shifts are rounded up (within each day's limit and the budget) and
    the LP is solved again with them fixed (``method`` says which).
    """
    highspy_module()  # a missing backend is reported before any work
    if not inp.integer_shifts:
        return _solve(inp, time_limit_s=time_limit_s, threads=threads)
    continuous = replace(inp, integer_shifts=False)
    if recovery_columns(inp).size <= MIP_MAX_COLUMNS:
        first = _solve(inp, time_limit_s=time_limit_s, threads=threads)
        whole = first.dc_shifts
        method = "mip"
    else:
        first = _solve(continuous, time_limit_s=time_limit_s, threads=threads)
        whole = round_shifts(first.dc_shifts, inp.per_dc_day(inp.max_shifts_per_day), inp.budget_shifts)
        method = "lp, shifts rounded"
    # the shifts fixed, the dispatch again from the interior point (see highs_backend.run_highs)
    whole = np.round(whole)
    fixed = _solve(continuous, time_limit_s=time_limit_s, threads=threads, fixed_shifts=whole)
    return replace(
        fixed,
        shifts=whole.sum(axis=0),
        shifts_by_dc=whole,
        method=method,
        solve_seconds=first.solve_seconds + fixed.solve_seconds,  # both solves
    )


def round_shifts(
    shifts: np.ndarray, max_shifts_per_day: float | np.ndarray, budget: float | None
) -> np.ndarray:
    """Whole shifts from fractional ones: up, within each day's limit, then down where the budget needs it.

    ``shifts`` is (T,) or, with several DCs, (D, T) (the budget is over all of them; the latest
    day of the last DC gives back first).
    """
    shape = np.shape(shifts)
    limit = np.floor(np.broadcast_to(np.asarray(max_shifts_per_day, dtype=float), shape) + 1e-9).ravel()
    shifts = np.asarray(shifts, dtype=float).ravel()
    whole = np.minimum(np.ceil(shifts - 1e-6), limit)
    if budget is not None:
        excess = int(whole.sum() - math.floor(budget + 1e-9))
        if excess > 0:
            # give back the shifts rounded up the most (smallest fractional use) first
            used = shifts - np.floor(shifts + 1e-6)
            candidates = np.flatnonzero(whole > shifts + 1e-6)
            back = candidates[np.argsort(used[candidates], kind="stable")][:excess]
            whole[back] -= 1
            excess -= back.size
            if excess > 0:  # still over: take whole shifts from the latest days
                for day in np.flatnonzero(whole > 0)[::-1]:
                    take = min(int(whole[day]), excess)
                    whole[day] -= take
                    excess -= take
                    if not excess:
                        break
    return np.maximum(whole, 0.0).reshape(shape)


def _solve(
    inp: LPInputs, *, time_limit_s: float, threads: int, fixed_shifts: np.ndarray | None = None
) -> LPPlan:
    model, cols = recovery_program(inp, fixed_shifts)
    sol, objective, status, seconds = run_highs(model, time_limit_s=time_limit_s, threads=threads)
    if status != "Optimal":
        raise SolverError(
            f"HiGHS did not find an optimal recovery plan ({status}); "
            + (
                f"it stopped at the time limit of {time_limit_s:.0f} s: group stores (fewer groups) "
                "or shorten the horizon"
                if "time limit" in status.lower()
                else "check that capacities, shift limits and the budget are not negative"
            )
        )
    owed = np.maximum(cols.read("owed", sol), 0.0)
    shifts = np.maximum(cols.read("shifts", sol), 0.0)  # (D, T)
    shipments = np.maximum(cols.read("shipments", sol), 0.0)
    lent: list[np.ndarray] = []  # one (S, I, T) per backup link
    rows, link = backup_rows(inp)
    block = np.maximum(cols.read("lent", sol), 0.0) if cols.has("lent") else None
    for k in range(len(inp.backups)):  # links: a few
        part = np.zeros_like(shipments)
        if block is not None:
            part[rows[link == k]] = block[link == k]
        lent.append(part)
    if lent:
        shipments = shipments + sum(lent)
    return LPPlan(
        shipments=shipments,
        shifts=shifts.sum(axis=0),
        shifts_by_dc=shifts,
        lent=tuple(lent),
        delivery_hours=np.maximum(cols.read("delivery_hours", sol), 0.0).sum(axis=0),
        lost_units=np.maximum(cols.read("lost", sol), 0.0),
        owed_units=owed,
        objective=objective,
        status=status,
        solve_seconds=seconds,
        backlog_clear_day=backlog_clear_day(owed, inp.normal_owed(), float(inp.owed.sum())),
        method="mip" if inp.integer_shifts else "lp",
    )


@dataclass(frozen=True)
class Throughput:
    """The most the DCs can ship over the plan, with every allowed extra shift, against what is owed."""

    owed_units: float  # the backlog plus every order shippable within the plan
    max_shipped_units: float
    short_units: float  # what would still be owed at the end, however the plan is made
    saturated_days: np.ndarray  # days some DC's capacity (with the fullest plan's shifts) is all used
    capacity_units: np.ndarray  # (T,) capacity a day over every DC with the shifts the fullest plan runs
    #: per DC: what it would still owe at the end (D,), and on which days it is full (D, T)
    short_units_by_dc: np.ndarray = field(default_factory=lambda: np.zeros(1))
    saturated_by_dc: np.ndarray = field(default_factory=lambda: np.zeros((1, 0), dtype=bool))


def max_throughput(inp: LPInputs, *, time_limit_s: float = 60.0) -> Throughput:
    """How much of the backlog the DCs can clear at most (a small LP over DCs and days, stores pooled).

    Per DC ``d``: ``max sum x[d, t]`` with ``sum_{u<=t} x[d, u] <= owed0[d] + sum_{u<=t} orders[d, u]``
    (what its stores are owed), ``x[d, t] <= capacity[d, t] + units_per_shift[d, t] * z[d, t]``,
    ``z[d, t] <= max_shifts[d, t]``, and ``sum z <= budget`` over every DC. Lead times, delivery
    days and backups do not limit or add to what leaves a DC.
    """
    d_n, t_n = inp.n_dcs, inp.n_days
    line_dc = inp.dc_of_line()
    orders = np.zeros((d_n, t_n))
    np.add.at(orders, line_dc, inp.orders().sum(axis=1))
    owed0 = np.bincount(line_dc, weights=inp.owed.sum(axis=1), minlength=d_n)
    need = owed0[:, None] + np.cumsum(orders, axis=1)  # (D, T)
    per_shift = inp.per_dc_day(inp.units_per_shift)
    cols = Blocks()
    cols.add("shipped", d_n, t_n)
    cols.add("shifts", d_n, t_n)
    b = ProgramBuilder(cols)
    x, z = cols.index("shipped"), cols.index("shifts")
    shipped_by = b.add_rows("shipped_by_day", -np.inf, need)  # sum_{u<=t} x[d, u] <= need[d, t]
    day, earlier = np.tril_indices(t_n)
    b.add_terms(shipped_by[:, day], x[:, earlier], 1.0)
    capacity = b.add_rows("capacity", -np.inf, inp.per_dc_day(inp.capacity_units))
    b.add_terms(capacity, x, 1.0)
    b.add_terms(capacity, z, -per_shift)
    if inp.budget_shifts is not None:
        budget = b.add_rows("budget", -np.inf, float(inp.budget_shifts), 1)
        b.add_terms(budget, z, 1.0)
    b.cost[cols["shipped"]] = -1.0
    b.col_upper[cols["shifts"]] = inp.per_dc_day(inp.max_shifts_per_day).ravel()
    sol, _, status, _ = run_highs(b.build(), time_limit_s=time_limit_s)
    if status != "Optimal":
        raise SolverError(f"HiGHS could not bound the DCs' throughput ({status})")
    shipped = cols.read("shipped", sol)
    capacity_units = inp.per_dc_day(inp.capacity_units) + per_shift * cols.read("shifts", sol)
    saturated = shipped >= capacity_units - 1e-6 * np.maximum(capacity_units, 1.0)
    short = np.maximum(need[:, -1] - shipped.sum(axis=1), 0.0)
    return Throughput(
        owed_units=float(need[:, -1].sum()),
        max_shipped_units=float(shipped.sum()),
        short_units=float(short.sum()),
        saturated_days=np.flatnonzero(saturated.any(axis=0)),
        capacity_units=capacity_units.sum(axis=0),
        short_units_by_dc=short,
        saturated_by_dc=saturated,
    )
