"""The recovery LP: which store lines to ship on which day, and how many extra shifts to run.

Pure arrays in, arrays out (:class:`LPInputs` → :class:`LPPlan`); HiGHS solves it. Over
stores × items × days, with expected demand ``d``:

* variables: shipments ``x``, end-of-day stock ``inv``, lost sales ``lost``, units still owed
  to stores ``owed``, extra shifts ``z[t]``;
* stock: ``inv[t] = inv[t-1] + arrivals[t] + x[t - L] - d[t] + lost[t]``, ``inv >= 0``,
  ``0 <= lost <= d``;
* owed: ``owed[t] = owed[t-1] + orders[t-1] - x[t]``, ``owed >= 0``, where stores re-order what
  they sold since their last review, on their review days (default: every day);
* capacity: ``sum x[t] <= capacity[t] + units_per_shift * z[t]``, ``z[t] <= max_shifts``,
  ``sum z <= budget``; optional per-line caps ``x[t] <= cap[t]``;
* objective: ``sum lost_weight * lost + cost_per_shift * z`` (+ a tiny cost per unit owed per
  day, so the backlog ships as early as capacity allows; it never outweighs a lost sale).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aftershock.errors import SolverError


def available() -> bool:
    """Whether the HiGHS backend (highspy) is installed."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


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
    cost_per_shift: float | np.ndarray = 0.0  # scalar or (T,)
    lost_weight: np.ndarray | None = None  # (I,) e.g. margin per unit; default 1
    line_cap_units: np.ndarray | None = None  # (T,) max units per store line a day; inf = none
    integer_shifts: bool = False
    backlog_cost_per_unit_day: float = 0.0  # what a unit owed to a store for a day costs
    ship_allowed: np.ndarray | None = None  # (S, T) bool: days a store can be shipped to (delivery slots)
    new_orders: np.ndarray | None = None  # (S, I, T) units added to what stores are owed; default d[t-1]
    deliveries_per_day: np.ndarray | None = (
        None  # (T,) store deliveries the fleet makes a day; None = no limit
    )
    units_per_delivery: np.ndarray | None = None  # (S,) most units one delivery to a store carries
    stores_in_line: np.ndarray | None = None  # (S,) stores each row stands for (grouped LP); default 1
    deliveries_per_extra_hour: float = 0.0
    max_delivery_hours_per_day: float = 0.0
    cost_per_delivery_hour: float = 0.0


@dataclass(frozen=True)
class LPPlan:
    """The optimal plan."""

    shipments: np.ndarray  # (S, I, T)
    shifts: np.ndarray  # (T,)
    delivery_hours: np.ndarray  # (T,) extra delivery hours a day
    lost_units: np.ndarray  # (S, I, T)
    owed_units: np.ndarray  # (S, I, T) at the end of each day
    objective: float
    status: str
    solve_seconds: float

    @property
    def backlog_clear_day(self) -> int | None:
        """First day (from the restart) the backlog is down to its level at the end of the plan.

        Stores keep re-ordering what they sell, so the backlog never reaches zero; it settles
        at its normal level once the incident's backlog is cleared.
        """
        total = self.owed_units.sum(axis=(0, 1))
        if not total.size:
            return None
        clear = np.flatnonzero(total <= total[-1] * 1.01 + 1.0)
        return int(clear[0]) if clear.size else None


def _quiet_highs(highspy: object) -> object:
    """A Highs instance whose start-up banner does not reach stdout (it would spoil --json)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()  # type: ignore[attr-defined]
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


def solve(inp: LPInputs, *, time_limit_s: float = 600.0, threads: int = 0) -> LPPlan:
    """Build the LP in bulk (sparse matrices, no loop over stores or days) and solve it with HiGHS."""
    try:
        import highspy
    except ImportError:
        raise SolverError("the HiGHS solver is not installed: pip install highspy") from None
    import time

    from scipy import sparse

    s_n, i_n, t_n = inp.demand.shape
    n = s_n * i_n * t_n
    idx = np.arange(n).reshape(s_n, i_n, t_n)
    # variable blocks: x, inv, lost, owed, z (extra shifts), y (extra delivery hours)
    X, INV, LOST, OWED = 0, n, 2 * n, 3 * n
    Z = 4 * n
    Y = 4 * n + t_n
    V = 4 * n + 2 * t_n  # deliveries per store row and day (only with a fleet limit)
    fleet = inp.deliveries_per_day is not None
    n_vars = V + (s_n * t_n if fleet else 0)
    d = inp.demand.astype(float)
    lead = np.asarray(inp.lead_time_days, dtype=np.int64)

    rows, cols, vals = [], [], []
    lower, upper = [], []

    # stock balance, a row per (s, i, t):
    #   inv[t] - inv[t-1] - x[t-L] - lost[t] = arrivals[t] - d[t]  (+ on_hand on day 0)
    r = idx.ravel()
    rows += [r, r]
    cols += [INV + idx.ravel(), LOST + idx.ravel()]
    vals += [np.ones(n), -np.ones(n)]
    prev = idx[:, :, 1:].ravel()
    rows.append(prev)
    cols.append(INV + idx[:, :, :-1].ravel())
    vals.append(-np.ones(prev.size))
    t_idx = np.broadcast_to(np.arange(t_n), (s_n, i_n, t_n))
    src_t = t_idx - lead[:, None, None]
    ok = src_t >= 0
    rows.append(idx[ok])
    cols.append(X + (idx - lead[:, None, None])[ok])
    vals.append(-np.ones(int(ok.sum())))
    rhs = inp.arrivals.astype(float) - d
    rhs[:, :, 0] += inp.on_hand
    lower.append(rhs.ravel())
    upper.append(rhs.ravel())

    # owed balance: owed[t] - owed[t-1] + x[t] = d[t-1] (t > 0); owed[0] + x[0] = owed0
    base = n
    rows += [base + idx.ravel(), base + idx.ravel()]
    cols += [OWED + idx.ravel(), X + idx.ravel()]
    vals += [np.ones(n), np.ones(n)]
    rows.append(base + idx[:, :, 1:].ravel())
    cols.append(OWED + idx[:, :, :-1].ravel())
    vals.append(-np.ones(s_n * i_n * (t_n - 1)))
    owed_rhs = np.zeros((s_n, i_n, t_n))
    if inp.new_orders is None:
        owed_rhs[:, :, 1:] = d[:, :, :-1]
    else:
        owed_rhs[:, :, 1:] = inp.new_orders[:, :, :-1]
    owed_rhs[:, :, 0] += inp.owed
    lower.append(owed_rhs.ravel())
    upper.append(owed_rhs.ravel())

    # daily capacity: sum x[., ., t] - units_per_shift * z[t] <= capacity[t]
    cap_row = 2 * n + np.arange(t_n)
    rows.append(np.broadcast_to(cap_row, (s_n, i_n, t_n)).ravel())
    cols.append(X + idx.ravel())
    vals.append(np.ones(n))
    rows.append(cap_row)
    cols.append(Z + np.arange(t_n))
    vals.append(-np.broadcast_to(np.asarray(inp.units_per_shift, dtype=float), (t_n,)))
    lower.append(np.full(t_n, -np.inf))
    upper.append(np.asarray(inp.capacity_units, dtype=float))
    n_rows = 2 * n + t_n
    if fleet:
        # a store row ships only on deliveries: sum_i x[s, i, t] <= units_per_delivery[s] * v[s, t]
        carry = (
            np.asarray(inp.units_per_delivery, dtype=float)
            if inp.units_per_delivery is not None
            else (inp.owed.sum(axis=1) + d.sum(axis=(1, 2)))
        )
        v_idx = np.arange(s_n * t_n).reshape(s_n, t_n)
        row_of = n_rows + v_idx
        rows.append(np.broadcast_to(row_of[:, None, :], (s_n, i_n, t_n)).ravel())
        cols.append(X + idx.ravel())
        vals.append(np.ones(n))
        rows.append(row_of.ravel())
        cols.append(V + v_idx.ravel())
        vals.append(-np.repeat(carry, t_n))
        lower.append(np.full(s_n * t_n, -np.inf))
        upper.append(np.zeros(s_n * t_n))
        n_rows += s_n * t_n
        # the fleet: sum_s v[s, t] - deliveries_per_extra_hour * y[t] <= deliveries_per_day[t]
        day_row = n_rows + np.arange(t_n)
        rows.append(np.broadcast_to(day_row, (s_n, t_n)).ravel())
        cols.append(V + v_idx.ravel())
        vals.append(np.ones(s_n * t_n))
        rows.append(day_row)
        cols.append(Y + np.arange(t_n))
        vals.append(np.full(t_n, -float(inp.deliveries_per_extra_hour)))
        lower.append(np.full(t_n, -np.inf))
        upper.append(np.asarray(inp.deliveries_per_day, dtype=float))
        n_rows += t_n
    if inp.budget_shifts is not None:
        rows.append(np.full(t_n, n_rows))
        cols.append(Z + np.arange(t_n))
        vals.append(np.ones(t_n))
        lower.append(np.array([-np.inf]))
        upper.append(np.array([float(inp.budget_shifts)]))
        n_rows += 1

    matrix = sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_vars)
    )
    weight = np.ones(i_n) if inp.lost_weight is None else np.asarray(inp.lost_weight, dtype=float)
    cost = np.zeros(n_vars)
    cost[LOST : LOST + n] = np.broadcast_to(weight[None, :, None], (s_n, i_n, t_n)).ravel()
    cost[Z:Y] = np.broadcast_to(np.asarray(inp.cost_per_shift, dtype=float), (t_n,))
    cost[Y:V] = inp.cost_per_delivery_hour
    # tie-break: every unit owed a day costs a little (far below a unit of lost sales), so the
    # plan ships the backlog as early as capacity allows instead of only what prevents losses
    cost[OWED : OWED + n] = inp.backlog_cost_per_unit_day + 1e-4 * float(weight.min(initial=1.0)) / t_n
    col_lower = np.zeros(n_vars)
    col_upper = np.full(n_vars, np.inf)
    col_upper[LOST : LOST + n] = d.ravel()
    if inp.line_cap_units is not None:
        col_upper[X : X + n] = np.broadcast_to(np.asarray(inp.line_cap_units, float), (s_n, i_n, t_n)).ravel()
    if inp.ship_allowed is not None:
        closed = np.broadcast_to(
            ~np.asarray(inp.ship_allowed, dtype=bool)[:, None, :], (s_n, i_n, t_n)
        ).ravel()
        col_upper[X : X + n][closed] = 0.0
    col_upper[Z:Y] = np.broadcast_to(np.asarray(inp.max_shifts_per_day, dtype=float), (t_n,))
    col_upper[Y:V] = inp.max_delivery_hours_per_day if fleet else 0.0
    if fleet:
        per_row = np.ones(s_n) if inp.stores_in_line is None else np.asarray(inp.stores_in_line, dtype=float)
        col_upper[V:] = np.repeat(per_row, t_n)

    h = _quiet_highs(highspy)
    # the interior-point method is several times faster than simplex on this structure
    h.setOptionValue("solver", "ipm" if not inp.integer_shifts else "choose")
    h.setOptionValue("run_crossover", "off")
    h.setOptionValue("time_limit", float(time_limit_s))
    if threads:
        h.setOptionValue("threads", int(threads))
    lp = highspy.HighsLp()
    lp.num_col_ = n_vars
    lp.num_row_ = n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.concatenate(lower)
    lp.row_upper_ = np.concatenate(upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    if inp.integer_shifts:
        integrality = (
            [highspy.HighsVarType.kContinuous] * (4 * n)
            + [highspy.HighsVarType.kInteger] * t_n
            + [highspy.HighsVarType.kContinuous] * (n_vars - 4 * n - t_n)
        )
        lp.integrality_ = integrality
    h.passModel(lp)
    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    status = h.modelStatusToString(h.getModelStatus())
    if status != "Optimal":
        raise SolverError(
            f"HiGHS did not find an optimal recovery plan ({status}); with stores owed more than "
            "the horizon can deliver, lengthen the horizon or allow more shifts"
        )
    sol = np.asarray(h.getSolution().col_value)
    shape = (s_n, i_n, t_n)
    return LPPlan(
        shipments=np.maximum(sol[X : X + n].reshape(shape), 0.0),
        shifts=np.maximum(sol[Z:Y], 0.0),
        delivery_hours=np.maximum(sol[Y:V], 0.0),
        lost_units=np.maximum(sol[LOST : LOST + n].reshape(shape), 0.0),
        owed_units=np.maximum(sol[OWED : OWED + n].reshape(shape), 0.0),
        objective=float(h.getInfo().objective_function_value),
        status=status,
        solve_seconds=seconds,
    )


@dataclass(frozen=True)
class Grouping:
    """Which LP group each store belongs to (stores aggregated for speed)."""

    group_of_store: np.ndarray  # (S,)
    n_groups: int


def group_stores(inp: LPInputs, max_groups: int) -> Grouping:
    """Group stores with the same lead time and similar days of cover at the start.

    Stores in one group run out at about the same time, so the LP can plan for the group;
    with no more stores than ``max_groups`` every store is its own group (the exact LP).
    """
    s_n = inp.demand.shape[0]
    if s_n <= max_groups:
        return Grouping(np.arange(s_n), s_n)
    daily = np.maximum(inp.demand.sum(axis=(1, 2)) / inp.demand.shape[2], 1e-9)
    cover = (inp.on_hand.sum(axis=1) + inp.arrivals.sum(axis=(1, 2))) / daily
    leads = np.unique(inp.lead_time_days)
    per_lead = max(1, max_groups // len(leads))
    group = np.empty(s_n, dtype=np.int64)
    next_id = 0
    for lead in leads:
        members = np.flatnonzero(inp.lead_time_days == lead)
        edges = np.quantile(cover[members], np.linspace(0, 1, per_lead + 1)[1:-1])
        bins = np.searchsorted(edges, cover[members], side="right")
        _, dense = np.unique(bins, return_inverse=True)
        group[members] = next_id + dense
        next_id += int(dense.max()) + 1
    return Grouping(group, next_id)


def aggregate(inp: LPInputs, grouping: Grouping) -> LPInputs:
    """The LP over groups: sums of demand, stock, arrivals and backlog."""
    from dataclasses import replace

    g = grouping.group_of_store

    def summed(a: np.ndarray) -> np.ndarray:
        out = np.zeros((grouping.n_groups, *a.shape[1:]))
        np.add.at(out, g, a)
        return out

    lead = np.zeros(grouping.n_groups, dtype=np.int64)
    lead[g] = inp.lead_time_days
    return replace(
        inp,
        demand=summed(inp.demand),
        on_hand=summed(inp.on_hand),
        arrivals=summed(inp.arrivals),
        owed=summed(inp.owed),
        new_orders=None if inp.new_orders is None else summed(inp.new_orders),
        stores_in_line=np.bincount(g, minlength=grouping.n_groups).astype(float),
        units_per_delivery=None
        if inp.units_per_delivery is None
        else summed(inp.units_per_delivery) / np.maximum(np.bincount(g, minlength=grouping.n_groups), 1),
        lead_time_days=lead,
        line_cap_units=None if inp.line_cap_units is None else inp.line_cap_units * 1.0,
    )


def disaggregate(plan: LPPlan, inp: LPInputs, grouping: Grouping) -> np.ndarray:
    """Split each group's shipments over its stores in proportion to what each is owed and sells."""
    g = grouping.group_of_store
    orders = inp.demand if inp.new_orders is None else inp.new_orders
    need = inp.owed[:, :, None] + np.cumsum(orders, axis=2)  # (S, I, T): owed by day t
    group_need = np.zeros((grouping.n_groups, *need.shape[1:]))
    np.add.at(group_need, g, need)
    share = np.divide(need, group_need[g], out=np.zeros_like(need), where=group_need[g] > 0)
    return plan.shipments[g] * share
