"""The recovery LP: which store lines to ship on which day, and how many extra shifts to run.

Pure arrays in, arrays out (:class:`LPInputs` → :class:`LPPlan`); HiGHS solves it. Over
stores × items × days, with expected demand ``d``:

* variables: shipments ``x``, end-of-day stock ``inv``, lost sales ``lost``, units still owed
  to stores ``owed``, extra shifts ``z[t]`` (and, with a delivery fleet limit, deliveries);
* stock: ``inv[t] = inv[t-1] + arrivals[t] + x[t - L] - d[t] + lost[t]``, ``inv >= 0``,
  ``0 <= lost <= d``;
* owed: ``owed[t] = owed[t-1] + orders[t] - x[t]``, ``owed >= 0``: a store is shipped no more
  than it ordered (cumulative shipments <= backlog + cumulative orders); by default stores
  order each day what was demanded the day before;
* capacity: ``sum x[t] <= capacity[t] + units_per_shift * z[t]``, ``0 <= z[t] <= max_shifts``,
  ``sum z <= budget``; optional per-line caps ``x <= cap``; optional delivery days per store;
* objective: ``sum lost_weight * lost`` (units or margin; 0.1% more for earlier days, so
  stock is sold when demand comes, not held back) ``+ cost_per_shift * z`` ``+
  stockout_weight * short / (safety_days * d)``, a stockout proxy: ``short >= safety_days * d
  - inv`` is how far a line ends the day below its safety cover, as a share of it, so a line
  ending the day empty costs ``stockout_weight`` (with random demand, thin cover is where
  stockouts happen; the expected-demand LP alone would happily leave lines at zero) (+ a
  tiny cost per unit owed per day, so the backlog ships as early as capacity allows; it
  never outweighs a lost sale).

The matrix is built in bulk (index arithmetic on NumPy arrays, one ``scipy.sparse`` matrix)
and handed to HiGHS with ``passModel``: nothing loops over stores, items or days.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from aftershock.errors import SolverError

if TYPE_CHECKING:
    import pandas as pd

#: Message of a missing backend (one place, so the CLI, the API and the tests agree).
NOT_INSTALLED = "highspy is not installed; pip install highspy"
#: Above this many columns the interior-point tolerance is relaxed to 1e-6 (it stalls near there).
LARGE_COLUMNS = 100_000
#: Integer shifts are solved as a MIP up to this many columns; above it the LP's shifts are
#: rounded up (within the limits and the budget) and the LP is solved again with them fixed.
MIP_MAX_COLUMNS = 150_000


def available() -> bool:
    """Whether the HiGHS backend (highspy) is installed."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


def _highspy() -> Any:
    try:
        import highspy
    except ImportError:
        raise SolverError(NOT_INSTALLED) from None
    return highspy


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


def _quiet_highs(highspy: Any) -> Any:
    """A Highs instance whose start-up banner does not reach stdout (it would spoil --json)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


@dataclass(frozen=True)
class _Model:
    """A linear program in HiGHS's column-wise form: ``min cost·x``, row and column bounds."""

    matrix: Any  # scipy.sparse.csc_matrix (rows × columns)
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    integer_columns: np.ndarray | None = None  # indices of integer columns (a MIP)


def _run_highs(
    model: _Model, *, time_limit_s: float, threads: int = 0
) -> tuple[np.ndarray, float, str, float]:
    """Solve with HiGHS; returns (column values, objective, status, seconds)."""
    highspy = _highspy()
    n_rows, n_cols = model.matrix.shape
    h = _quiet_highs(highspy)
    is_mip = model.integer_columns is not None and model.integer_columns.size > 0
    if not is_mip:
        # The interior-point method, without crossover to a vertex, on purpose: it is several
        # times faster than simplex here, and among equally good plans it returns the centre of
        # the optimal face, which spreads shipments over store lines with the same need. A vertex
        # gives some lines everything and others just their expected demand, and random demand
        # then finds the thin ones (the replayed losses of the pause reference rise about fivefold).
        # Presolve is off for the same reason: it settles ties itself, at a vertex.
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
        h.setOptionValue("presolve", "off")
        if n_cols > LARGE_COLUMNS:
            h.setOptionValue("ipm_optimality_tolerance", 1e-6)
    h.setOptionValue("time_limit", float(time_limit_s))
    if threads:
        h.setOptionValue("threads", int(threads))
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = model.cost
    lp.col_lower_ = model.col_lower
    lp.col_upper_ = model.col_upper
    lp.row_lower_ = model.row_lower
    lp.row_upper_ = model.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = model.matrix.indptr
    lp.a_matrix_.index_ = model.matrix.indices
    lp.a_matrix_.value_ = model.matrix.data
    if is_mip:
        kinds = np.full(n_cols, highspy.HighsVarType.kContinuous)
        kinds[model.integer_columns] = highspy.HighsVarType.kInteger
        lp.integrality_ = kinds.tolist()
    h.passModel(lp)
    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    status = h.modelStatusToString(h.getModelStatus())
    if status != "Optimal":
        return np.zeros(n_cols), float("nan"), status, seconds
    sol = np.asarray(h.getSolution().col_value)
    return sol, float(h.getInfo().objective_function_value), status, seconds


def _sparse(rows: list, cols: list, vals: list, shape: tuple[int, int]) -> Any:
    from scipy import sparse

    return sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape
    )


def solve(inp: LPInputs, *, time_limit_s: float = 600.0, threads: int = 0) -> LPPlan:
    """Build the LP in bulk (sparse matrices, no loop over stores or days) and solve it with HiGHS.

    With ``integer_shifts`` the shifts are whole: a MIP up to :data:`MIP_MAX_COLUMNS` columns;
    above that the LP's shifts are rounded up (within each day's limit and the budget) and
    the LP is solved again with them fixed (``method`` says which).
    """
    _highspy()  # a missing backend is reported before any work
    if not inp.integer_shifts:
        return _solve(inp, time_limit_s=time_limit_s, threads=threads)
    continuous = replace(inp, integer_shifts=False)
    n_cols = (5 if inp.stockout_weight > 0 else 4) * inp.demand.size + 2 * inp.demand.shape[2]
    if n_cols <= MIP_MAX_COLUMNS:
        whole = _solve(inp, time_limit_s=time_limit_s, threads=threads).shifts
        method = "mip"
    else:
        relaxed = _solve(continuous, time_limit_s=time_limit_s, threads=threads)
        whole = round_shifts(relaxed.shifts, inp.max_shifts_per_day, inp.budget_shifts)
        method = "lp, shifts rounded"
    # the shifts fixed, the dispatch again from the interior point (see _run_highs)
    whole = np.round(whole)
    fixed = _solve(continuous, time_limit_s=time_limit_s, threads=threads, fixed_shifts=whole)
    return replace(fixed, shifts=whole, method=method)


def round_shifts(
    shifts: np.ndarray, max_shifts_per_day: float | np.ndarray, budget: float | None
) -> np.ndarray:
    """Whole shifts from fractional ones: up, within each day's limit, then down where the budget needs it."""
    limit = np.floor(np.broadcast_to(np.asarray(max_shifts_per_day, dtype=float), shifts.shape) + 1e-9)
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
    return np.maximum(whole, 0.0)


def _solve(
    inp: LPInputs, *, time_limit_s: float, threads: int, fixed_shifts: np.ndarray | None = None
) -> LPPlan:
    s_n, i_n, t_n = inp.demand.shape
    n = s_n * i_n * t_n
    idx = np.arange(n).reshape(s_n, i_n, t_n)
    # variable blocks: x, inv, lost, owed, z (extra shifts), y (extra delivery hours)
    X, INV, LOST, OWED = 0, n, 2 * n, 3 * n
    Z = 4 * n
    Y = 4 * n + t_n
    V = 4 * n + 2 * t_n  # deliveries per store row and day (only with a fleet limit)
    fleet = inp.deliveries_per_day is not None
    SHORT = V + (s_n * t_n if fleet else 0)  # cover below the safety level (only with a stockout weight)
    proxy = inp.stockout_weight > 0
    n_vars = SHORT + (n if proxy else 0)
    d = inp.demand.astype(float)
    lead = np.asarray(inp.lead_time_days, dtype=np.int64)

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []

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
    ok = (t_idx - lead[:, None, None]) >= 0
    rows.append(idx[ok])
    cols.append(X + (idx - lead[:, None, None])[ok])
    vals.append(-np.ones(int(ok.sum())))
    rhs = inp.arrivals.astype(float) - d
    rhs[:, :, 0] += inp.on_hand
    lower.append(rhs.ravel())
    upper.append(rhs.ravel())

    # owed balance: owed[t] - owed[t-1] + x[t] = orders[t]; owed[0] + x[0] = owed0 + orders[0]
    base = n
    rows += [base + idx.ravel(), base + idx.ravel()]
    cols += [OWED + idx.ravel(), X + idx.ravel()]
    vals += [np.ones(n), np.ones(n)]
    rows.append(base + idx[:, :, 1:].ravel())
    cols.append(OWED + idx[:, :, :-1].ravel())
    vals.append(-np.ones(s_n * i_n * (t_n - 1)))
    owed_rhs = inp.orders().copy()
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
    safety = inp.safety_days * d
    if proxy:
        # inv[t] + short[t] >= safety_days * d[t]
        rows += [n_rows + idx.ravel(), n_rows + idx.ravel()]
        cols += [INV + idx.ravel(), SHORT + idx.ravel()]
        vals += [np.ones(n), np.ones(n)]
        lower.append(safety.ravel())
        upper.append(np.full(n, np.inf))
        n_rows += n

    weight = np.ones(i_n) if inp.lost_weight is None else np.asarray(inp.lost_weight, dtype=float)
    cost = np.zeros(n_vars)
    # a lost unit costs its weight, 0.1% more on day 0 falling to nothing on the last day: stock on
    # the shelf is sold when demand comes (as in the engine), not held back for a later day
    sell_first = 1.0 + 1e-3 * (t_n - 1 - np.arange(t_n)) / max(t_n - 1, 1)
    cost[LOST : LOST + n] = (weight[None, :, None] * sell_first[None, None, :] * np.ones((s_n, 1, 1))).ravel()
    if proxy:
        # a line ending the day empty costs stockout_weight; less in proportion when partly covered
        share = np.divide(1.0, safety, out=np.zeros_like(safety), where=safety > 1e-9)
        cost[SHORT:] = inp.stockout_weight * share.ravel()
    cost[Z:Y] = np.broadcast_to(np.asarray(inp.cost_per_shift, dtype=float), (t_n,))
    cost[Y:V] = inp.cost_per_delivery_hour
    # tie-break: every unit owed a day costs a little (far below a unit of lost sales), so the
    # plan ships the backlog as early as capacity allows instead of only what prevents losses
    cost[OWED : OWED + n] = inp.backlog_cost_per_unit_day + 1e-4 * float(weight.min(initial=1.0)) / t_n
    col_lower = np.zeros(n_vars)
    col_upper = np.full(n_vars, np.inf)
    col_upper[LOST : LOST + n] = d.ravel()
    if inp.line_cap_units is not None:
        caps = np.asarray(inp.line_cap_units, dtype=float)
        col_upper[X : X + n] = np.broadcast_to(caps, (s_n, i_n, t_n)).ravel()
    if inp.ship_allowed is not None:
        closed = np.broadcast_to(~np.asarray(inp.ship_allowed, dtype=bool)[:, None, :], (s_n, i_n, t_n))
        col_upper[X : X + n][closed.ravel()] = 0.0
    col_upper[Z:Y] = np.broadcast_to(np.asarray(inp.max_shifts_per_day, dtype=float), (t_n,))
    if fixed_shifts is not None:
        col_lower[Z:Y] = col_upper[Z:Y] = fixed_shifts
    col_upper[Y:V] = inp.max_delivery_hours_per_day if fleet else 0.0
    if fleet:
        per_row = np.ones(s_n) if inp.stores_in_line is None else np.asarray(inp.stores_in_line, dtype=float)
        col_upper[V:SHORT] = np.repeat(per_row, t_n)
    if proxy:
        col_upper[SHORT:] = safety.ravel()

    model = _Model(
        matrix=_sparse(rows, cols, vals, (n_rows, n_vars)),
        cost=cost,
        col_lower=col_lower,
        col_upper=col_upper,
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        integer_columns=np.arange(Z, Y) if inp.integer_shifts else None,
    )
    sol, objective, status, seconds = _run_highs(model, time_limit_s=time_limit_s, threads=threads)
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
    shape = (s_n, i_n, t_n)
    owed = np.maximum(sol[OWED : OWED + n].reshape(shape), 0.0)
    return LPPlan(
        shipments=np.maximum(sol[X : X + n].reshape(shape), 0.0),
        shifts=np.maximum(sol[Z:Y], 0.0),
        delivery_hours=np.maximum(sol[Y:V], 0.0),
        lost_units=np.maximum(sol[LOST : LOST + n].reshape(shape), 0.0),
        owed_units=owed,
        objective=objective,
        status=status,
        solve_seconds=seconds,
        backlog_clear_day=backlog_clear_day(owed, inp.normal_owed(), float(inp.owed.sum())),
        method="mip" if inp.integer_shifts else "lp",
    )


@dataclass(frozen=True)
class Throughput:
    """The most the DC can ship over the plan, with every allowed extra shift, against what is owed."""

    owed_units: float  # the backlog plus every order shippable within the plan
    max_shipped_units: float
    short_units: float  # what would still be owed at the end, however the plan is made
    saturated_days: np.ndarray  # days whose capacity (with the shifts the fullest plan runs) is all used
    capacity_units: np.ndarray  # (T,) capacity a day with the shifts the fullest plan runs


def max_throughput(inp: LPInputs, *, time_limit_s: float = 60.0) -> Throughput:
    """How much of the backlog the DC can clear at most (a small LP over days, stores pooled).

    ``max sum x[t]`` with ``sum_{u<=t} x[u] <= owed0 + sum_{u<=t} orders[u]``,
    ``x[t] <= capacity[t] + units_per_shift[t] * z[t]``, ``z[t] <= max_shifts[t]``,
    ``sum z <= budget``. Lead times and delivery days do not limit what leaves the DC.
    """
    t_n = inp.demand.shape[2]
    need = float(inp.owed.sum()) + np.cumsum(inp.orders().sum(axis=(0, 1)))  # (T,)
    per_shift = np.broadcast_to(np.asarray(inp.units_per_shift, dtype=float), (t_n,))
    lower_tri = np.tril_indices(t_n)
    rows = [lower_tri[0], t_n + np.arange(t_n), t_n + np.arange(t_n)]
    cols = [lower_tri[1], np.arange(t_n), t_n + np.arange(t_n)]
    vals = [np.ones(lower_tri[0].size), np.ones(t_n), -per_shift]
    row_upper = [need, np.asarray(inp.capacity_units, dtype=float)]
    n_rows = 2 * t_n
    if inp.budget_shifts is not None:
        rows.append(np.full(t_n, n_rows))
        cols.append(t_n + np.arange(t_n))
        vals.append(np.ones(t_n))
        row_upper.append(np.array([float(inp.budget_shifts)]))
        n_rows += 1
    upper = np.concatenate(
        [np.full(t_n, np.inf), np.broadcast_to(np.asarray(inp.max_shifts_per_day, dtype=float), (t_n,))]
    )
    model = _Model(
        matrix=_sparse(rows, cols, vals, (n_rows, 2 * t_n)),
        cost=np.concatenate([-np.ones(t_n), np.zeros(t_n)]),
        col_lower=np.zeros(2 * t_n),
        col_upper=upper,
        row_lower=np.full(n_rows, -np.inf),
        row_upper=np.concatenate(row_upper),
    )
    sol, _, status, _ = _run_highs(model, time_limit_s=time_limit_s)
    if status != "Optimal":
        raise SolverError(f"HiGHS could not bound the DC's throughput ({status})")
    shipped = sol[:t_n]
    capacity = np.asarray(inp.capacity_units, dtype=float) + per_shift * sol[t_n:]
    return Throughput(
        owed_units=float(need[-1]),
        max_shipped_units=float(shipped.sum()),
        short_units=max(float(need[-1] - shipped.sum()), 0.0),
        saturated_days=np.flatnonzero(shipped >= capacity - 1e-6 * np.maximum(capacity, 1.0)),
        capacity_units=capacity,
    )


@dataclass(frozen=True)
class Grouping:
    """Which LP group each store line belongs to (lines pooled for speed).

    Group ``g`` of the pooled LP stands, for each item ``i``, for the lines ``(s, i)`` with
    ``group_of_line[s, i] == g``; they all have the same lead time and delivery days.
    """

    group_of_line: np.ndarray  # (S, I)
    n_groups: int

    @property
    def is_exact(self) -> bool:
        """Whether every group is one store (the LP is not pooled)."""
        s_n = self.group_of_line.shape[0]
        return self.n_groups == s_n and bool((self.group_of_line == np.arange(s_n)[:, None]).all())


def _bins(values: np.ndarray, count: int) -> np.ndarray:
    """Quantile bin (0 .. count-1) of each value."""
    if count <= 1 or values.size == 0:
        return np.zeros(values.size, dtype=np.int64)
    edges = np.quantile(values, np.linspace(0, 1, count + 1)[1:-1])
    return np.searchsorted(edges, values, side="right")


def group_lines(inp: LPInputs, max_groups: int) -> Grouping:
    """Pool store lines with the same lead time and delivery days, similar cover and days owed.

    Stores are first split by lead time and, with delivery slots, by their delivery days
    (lines in one group must be shippable on the same days). Per item, the lines of each
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
    if inp.ship_allowed is not None:
        features = np.concatenate([features, np.asarray(inp.ship_allowed, dtype=np.int64)], axis=1)
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
    key = (grouping.group_of_line * i_n + np.arange(i_n)[None, :]).ravel()
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
    allowed = None
    if inp.ship_allowed is not None:
        allowed = np.zeros((g_n, inp.ship_allowed.shape[1]), dtype=bool)
    for i in range(
        inp.demand.shape[1]
    ):  # items: a group has the one lead time and delivery days of its lines
        lead[grouping.group_of_line[:, i]] = inp.lead_time_days
        if allowed is not None:
            allowed[grouping.group_of_line[:, i]] = inp.ship_allowed
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
    key = (grouping.group_of_line * i_n + np.arange(i_n)[None, :]).ravel()
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
