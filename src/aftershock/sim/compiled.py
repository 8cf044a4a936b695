"""Glue between :class:`SimInputs` / :class:`State` and the compiled kernel (:mod:`aftershock.sim.kernel`).

The engine takes the compiled path whenever every DC's allocation policy is a built-in one;
a policy registered from Python runs on the NumPy engine (the documented slower path).
``AFTERSHOCK_ENGINE=numpy`` forces the NumPy engine (to compare the two, or to debug).
"""

from __future__ import annotations

import os

import numpy as np

from aftershock.policies.registry import allocation_policies
from aftershock.sim.demand import distribution_code
from aftershock.sim.inputs import SimInputs
from aftershock.sim.kernel import (
    DAILY_ROWS,
    DC_ROWS,
    FLOW_ROWS,
    POLICY_CODES,
    STORE_TOTAL_ROWS,
    Caps,
    Consts,
    KState,
    Series,
)
from aftershock.sim.state import Capacities, State

#: Environment variable choosing the engine: ``auto`` (default), ``compiled`` or ``numpy``.
ENGINE_ENV = "AFTERSHOCK_ENGINE"


def _builtin_policies() -> dict[str, object]:
    from aftershock.policies import allocation

    return {
        "fifo": allocation.fifo,
        "proportional": allocation.proportional,
        "fair-share": allocation.fair_share,
        "lowest-cover-first": allocation.lowest_cover_first,
        "priority": allocation.priority,
        "planned": allocation.planned,
    }


def policy_codes(inp: SimInputs) -> np.ndarray | None:
    """Kernel codes of each DC's policy, or None when one is not a compiled built-in."""
    registered = allocation_policies()
    builtin = _builtin_policies()
    codes = []
    for name in inp.dc_policy_names:
        if name not in builtin or registered.get(name) is not builtin[name]:
            return None
        codes.append(POLICY_CODES[name])
    return np.array(codes, dtype=np.int64)


def use_compiled(inp: SimInputs, engine: str = "auto") -> bool:
    """Whether to run ``inp`` on the compiled kernel.

    ``engine`` (or the ``AFTERSHOCK_ENGINE`` environment variable when ``auto``) is
    ``compiled``, ``numpy`` or ``auto``; ``compiled`` with a plug-in policy is refused.
    """
    choice = os.environ.get(ENGINE_ENV, "auto") if engine == "auto" else engine
    if choice not in ("auto", "compiled", "numpy"):
        from aftershock.errors import UsageError

        raise UsageError(f"{ENGINE_ENV} must be auto, compiled or numpy, not '{choice}'")
    if choice == "numpy":
        return False
    compiled = policy_codes(inp) is not None
    if choice == "compiled" and not compiled:
        from aftershock.errors import UsageError

        raise UsageError("the compiled engine runs built-in allocation policies only; use engine 'numpy'")
    return compiled


def _f(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64)


def _i(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.int64)


def consts(inp: SimInputs) -> Consts:
    """The kernel's view of the scenario."""
    codes = policy_codes(inp)
    assert codes is not None, "a plug-in policy runs on the NumPy engine"
    n_dcs = inp.n_dcs
    order = np.argsort(inp.store_dc, kind="stable")
    ptr = np.searchsorted(inp.store_dc[order], np.arange(n_dcs + 1))
    backups = [b for d in range(n_dcs) for b in inp.dc_backups[d]]
    bk_ptr = np.cumsum([0] + [len(inp.dc_backups[d]) for d in range(n_dcs)])
    plan = inp.planned_units
    return Consts(
        base_demand=_f(inp.base_demand),
        base_total=_f(inp.base_demand.sum(axis=1)),
        order_up_to=_f(inp.order_up_to),
        reorder_point=_f(inp.reorder_point),
        lead_time=_i(inp.lead_time_days),
        review=_i(inp.review_period_days),
        order_weekday=_i(inp.order_weekday),
        region=_i(inp.region_index),
        n_regions=max(len(inp.region_names), 1),
        price=_f(inp.item_price),
        margin=_f(inp.item_margin),
        weekday_factors=_f(inp.weekday_factors),
        first_weekday=int(inp.first_weekday),
        dist=distribution_code(inp.distribution),
        dispersion=float(inp.dispersion),
        divert_online=float(inp.divert_online_fraction),
        divert_nearby=float(inp.divert_nearby_fraction),
        churn_fraction=float(inp.churn_fraction),
        churn_recovery=float(inp.churn_recovery_days),
        visit_interval=float(inp.visit_interval_days),
        infl_stockout=float(inp.inflation_after_stockout),
        infl_short=float(inp.inflation_while_short),
        infl_fade=float(inp.inflation_fade_days),
        has_inflation=bool(inp.has_inflation),
        store_dc=_i(inp.store_dc),
        dc_ptr=_i(ptr),
        dc_idx=_i(order),
        pick_capacity=_f(inp.dc_pick_capacity),
        delivery_capacity=_f(inp.dc_delivery_capacity),
        policy=codes,
        bk_ptr=_i(bk_ptr),
        bk_dc=_i(np.array([b.dc for b in backups], dtype=np.int64)),
        bk_share=_f(np.array([b.share for b in backups], dtype=float)),
        bk_extra=_i(np.array([b.extra_lead_days for b in backups], dtype=np.int64)),
        bk_switch=_i(np.array([b.switch_over_days for b in backups], dtype=np.int64)),
        covered_first=bool(inp.backup_covered_first),
        has_supply=bool(inp.has_supply),
        has_supply_item=np.ascontiguousarray(inp.supplier_index >= 0),
        dc_inbound_capacity=_f(inp.dc_inbound_capacity),
        dc_target=_f(inp.dc_target_position),
        supplier_lead=_i(inp.supplier_lead),
        supplier_index=_i(inp.supplier_index),
        supplier_capacity=_f(inp.supplier_capacity),
        store_channel=_i(inp.store_channel),
        n_channels=int(inp.channel_online_nodes.size),
        channel_capacity=_f(inp.channel_capacity),
        has_pickup=bool(inp.has_pickup),
        collect_share=_f(inp.store_collect_share),
        failed_delivery=_f(inp.store_failed_pickup_delivery),
        has_cap=bool(inp.has_cap),
        cap_dc=np.ascontiguousarray(inp.cap_dc, dtype=np.bool_),
        cap_units=_f(inp.cap_units),
        cap_from=int(inp.cap_from_day),
        cap_until=int(inp.cap_until_day),
        cap_lift=float(inp.cap_lift_backlog_units),
        cap_at_order=bool(inp.cap_at_order),
        surge_pick=_f(inp.surge_pick),
        surge_delivery=_f(inp.surge_delivery),
        surge_cost=_f(inp.surge_cost),
        store_rank=_i(inp.store_rank),
        has_plan=plan is not None,
        planned=_f(plan) if plan is not None else np.zeros((0, 0, 0)),
    )


def caps(cap: Capacities) -> Caps:
    """One day's capacities for the kernel."""
    return Caps(*(_f(getattr(cap, name)) for name in Caps._fields))


def kstate(state: State) -> KState:
    """The state's arrays (the kernel mutates them in place)."""
    for name in KState._fields:
        arr = getattr(state, name)
        if not arr.flags.c_contiguous:
            setattr(state, name, np.ascontiguousarray(arr))
    return KState(*(getattr(state, name) for name in KState._fields))


def series(inp: SimInputs, reps: int, *, keep_store_days: bool = False, flows: bool = False) -> Series:
    """Zeroed record arrays for ``reps`` replications over the horizon."""
    s, i, d, t = inp.n_stores, inp.n_items, inp.n_dcs, inp.horizon_days
    return Series(
        daily=np.zeros((len(DAILY_ROWS), reps, t)),
        dc_daily=np.zeros((len(DC_ROWS), reps, d, t)),
        store_totals=np.zeros((len(STORE_TOTAL_ROWS), reps, s)),
        store_days=np.zeros((3, reps, s, i, t)) if keep_store_days else np.zeros((0, 0, 0, 0, 0)),
        flows=np.zeros((len(FLOW_ROWS), reps, s, i)) if flows else np.zeros((0, 0, 0, 0)),
    )


def plan_shift(inp: SimInputs, reps: int) -> np.ndarray:
    """Days each replication's plan is shifted by, (R,)."""
    if inp.row_plan_shift is None:
        return np.zeros(reps, dtype=np.int64)
    return _i(inp.row_plan_shift)
