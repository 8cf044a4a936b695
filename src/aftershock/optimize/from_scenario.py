"""From a scenario to the recovery LP: the situation on the restart morning, expected demand ahead.

The LP starts on the restart day from the state one deterministic engine run reaches along
the worst-case incident path (the attack crosses every control edge it can). With several
DCs each has its own restart day (the first day after the compromise on which it ships
again); the LP starts on the earliest, and a DC whose restart is later has no capacity
(and no extra shifts) on the days before it, as on any day it is stopped. Demand ahead is
its expectation: base demand × weekday factor × each store's selling capacity on that
path. Capacity a day is, per DC, its pick capacity × its pick/ship capability × (1 + the
surge the scenario gives it) (`aftershock optimize` gives it the scenario without its extra
shifts: the LP's extra shifts, per DC, take their place); an extra shift adds the DC's pick
capacity / its shifts a day. Each store line belongs to its store's DC; a DC's delivery
runs reach its own stores in turn.

A backup DC is a lever: on the days it covers a stopped DC (past the switch-over, as the
engine counts them) the LP may ship that DC's store lines from the backup's capacity
(within its share), arriving the extra lead time later, to stores that can receive. Not
modelled: DC stock (supply), and the backup's delivery runs for the lines it covers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from aftershock.model.stores import LoadedScenario, dc_ids
from aftershock.optimize.lp import LPInputs
from aftershock.optimize.lp.problem import BackupLink
from aftershock.sim.engine import advance, capacities, sample_compromise
from aftershock.sim.inputs import SimInputs
from aftershock.sim.runner import replication_seeds

#: What the LP can minimise: lost units, or lost margin plus the cost of extra shifts.
OBJECTIVES = ("lost-sales", "margin")
#: Objective cost of one extra shift when the objective counts units (a tie-break: shifts are
#: used whenever they save a unit, within the budget, and never for nothing).
SHIFT_TIE_BREAK = 1e-3


@dataclass(frozen=True)
class RecoveryOptions:
    """What the LP from a scenario minimises and within which limits (the options of ``api.optimize``)."""

    objective: str = "lost-sales"  # one of OBJECTIVES
    budget_shifts: float | None = None  # extra shifts over the plan in all (None: no limit)
    max_shifts_per_day: float = 2.0
    integer_shifts: bool = False
    whole_units: bool = True  # dispatch lines in whole units (see aftershock.optimize.whole_units)
    stockout_weight: float = 0.0  # cost of a store line ending a day with no stock
    max_groups: int = 60  # store lines are pooled into at most about this many groups


def without_extra_shifts(loaded: LoadedScenario) -> LoadedScenario:
    """The scenario with its surge plan's extra picking (shifts and pick share) taken out.

    The LP decides the extra shifts itself, so it starts from this scenario; the surge plan's
    extra delivery hours and its window stay.
    """
    plan = loaded.scenario.plan
    surge = [s.model_copy(update={"extra_shifts": 0, "extra_pick_fraction": 0.0}) for s in plan.surge]
    return loaded.with_plan(plan.model_copy(update={"surge": surge}))


def _plan_profile(profile: np.ndarray, start: int, days: int) -> np.ndarray:
    """``profile[start : start + days]``, zero-padded past its end."""
    out = np.zeros(days)
    part = profile[start : start + days]
    out[: part.size] = part
    return out


def delivery_slots(order: np.ndarray, runs_per_day: np.ndarray, days: int) -> np.ndarray:
    """(S, T) bool: store ``order[k]`` is reached on the days its turn in the delivery round comes.

    Day after day the fleet reaches ``runs_per_day[t]`` stores, going round the stores in
    ``order`` (most urgent first) and starting again once every store has had a delivery.
    """
    stores = order.size
    slots = np.zeros((stores, days), dtype=bool)
    position = 0
    for t in range(days):  # days only: each day is one vectorised pick
        reach = int(min(max(runs_per_day[t], 0), stores))
        picked = order[(position + np.arange(reach)) % stores]
        slots[picked, t] = True
        position = (position + reach) % stores
    return slots


def visit_order(cover_days: np.ndarray, daily_units: np.ndarray) -> np.ndarray:
    """Stores in the order the delivery runs should reach them: soonest out of stock first,
    and among stores that run out on the same day, the biggest sellers first.

    A store that is out of stock loses its daily sales for every day it waits, so among
    stores equally short of stock, visiting the one that sells most first loses least
    (Smith's rule with equal visit times).
    """
    return np.lexsort((-daily_units, np.floor(np.maximum(cover_days, 0.0))))


def worst_case_inputs(inp: SimInputs) -> SimInputs:
    """The inputs with the attack crossing every control edge it can cross (probability 1).

    Every draw of the engine's spread then gives the worst-case incident path: the latest
    restart, the most services to restore.
    """
    tl = inp.timeline
    p = (
        inp.net.control_p
        if tl.spread_p_override is None
        else np.full_like(inp.net.control_p, tl.spread_p_override)
    )
    return replace(
        inp,
        net=replace(inp.net, control_p=np.where(p > 0, 1.0, 0.0)),
        timeline=replace(tl, spread_p_override=None),
    )


def restart_day(inp: SimInputs, compromised_on: np.ndarray) -> int:
    """First day after the compromise on which every DC can ship again (replication 0)."""
    return int(restart_days(inp, compromised_on[:1])[0])


def restart_days(inp: SimInputs, compromised_on: np.ndarray) -> np.ndarray:
    """Per replication, the first day after the compromise on which every DC can ship again.

    The chain's restart. ``compromised_on`` is (R, services) as
    :func:`aftershock.sim.engine.sample_compromise` draws it; a replication whose DCs never
    all ship again gets the last day.
    """
    start = inp.timeline.start_day
    out = np.full(compromised_on.shape[0], inp.horizon_days - 1, dtype=np.int64)
    found = np.zeros(out.size, dtype=bool)
    for day in range(start + 1, inp.horizon_days):  # days only; capacities are vectorised over R
        cap = capacities(inp, day, compromised_on)
        ships = (np.minimum(cap.pick, cap.ship) > 0).all(axis=1) & ~found
        out[ships] = day
        found |= ships
        if found.all():
            break
    return out


def dc_restart_days(inp: SimInputs, compromised_on: np.ndarray) -> np.ndarray:
    """(R, D): per replication, the first day after the compromise on which each DC ships again.

    A DC the incident never stops restarts the day after the compromise; one that never ships
    again gets the last day.
    """
    start = inp.timeline.start_day
    out = np.full((compromised_on.shape[0], inp.n_dcs), inp.horizon_days - 1, dtype=np.int64)
    found = np.zeros(out.shape, dtype=bool)
    for day in range(start + 1, inp.horizon_days):  # days only; capacities are vectorised over R
        cap = capacities(inp, day, compromised_on)
        ships = (np.minimum(cap.pick, cap.ship) > 0) & ~found
        out[ships] = day
        found |= ships
        if found.all():
            break
    return out


def replication_restart_days(inp: SimInputs, replications: int, seed: int) -> np.ndarray:
    """The day every DC ships again in each replication of a run with ``seed`` (the engine's own draws)."""
    rngs = [np.random.default_rng(s) for s in replication_seeds(seed, 0, replications)]
    return restart_days(inp, sample_compromise(inp, rngs))


def store_orders(
    inp: SimInputs, position: np.ndarray, demand: np.ndarray, can_order: np.ndarray, t0: int
) -> np.ndarray:
    """(S, I, T) units stores order each day from the restart, by their order-up-to rule.

    On a review day on which ordering works, a store orders up to its level: ``order_up_to -
    position``, where the position falls by what it sells (taken as the expected demand) and
    rises by what it orders. So the first review after the pause also orders the gap the pause
    left, and later ones what was sold since the previous one. Reorder points are not modelled.
    """
    days = demand.shape[2]
    absolute = t0 + np.arange(days)
    phase = inp.first_weekday + absolute[None, :] - inp.order_weekday[:, None]
    is_review = ((phase % inp.review_period_days[:, None]) == 0) & can_order  # (S, T)
    # cumulative orders by day t, if every review so far ordered up to the level
    wanted = np.maximum(inp.order_up_to[:, :, None] - position[:, :, None] + np.cumsum(demand, axis=2), 0.0)
    cumulative = np.where(is_review[:, None, :], wanted, 0.0)
    cumulative = np.maximum.accumulate(cumulative, axis=2)  # wanted only grows: carry the last review
    return np.diff(cumulative, axis=2, prepend=0.0)


@dataclass(frozen=True)
class RecoveryStart:
    """The LP of a scenario's recovery and the restart days on the worst-case path it plans for."""

    lp: LPInputs
    restart_day: int  # the LP's first day: the earliest day a DC ships again
    chain_restart_day: int  # the first day every DC ships again
    dc_restart_days: np.ndarray  # (D,) each DC's


def lp_inputs(
    loaded: LoadedScenario, inp: SimInputs, options: RecoveryOptions = RecoveryOptions(), *, seed: int = 0
) -> tuple[LPInputs, int]:
    """The LP for the scenario's recovery, and the day it starts (see :func:`recovery_start`)."""
    start = recovery_start(loaded, inp, options, seed=seed)
    return start.lp, start.restart_day


def recovery_start(
    loaded: LoadedScenario, inp: SimInputs, options: RecoveryOptions = RecoveryOptions(), *, seed: int = 0
) -> RecoveryStart:
    """The LP for the scenario's recovery, from the earliest restart of a DC on the worst-case path.

    The run up to the restart follows what the replay will do before the plan starts (oldest
    orders first, the scenario's surge, no order cap): the LP's dispatch lines take the place
    of a cap.
    """
    quiet = worst_case_inputs(
        replace(
            inp,
            distribution="deterministic",
            has_cap=False,
            allocation="planned",
            allocation_by_dc=(None,) * inp.n_dcs,
            planned_units=None,
        )
    )
    seeds = replication_seeds(seed, 0, 1)
    _, compromised_on = advance(quiet, seeds, 0)
    dc_restart = dc_restart_days(quiet, compromised_on)[0]
    t0 = int(dc_restart.min())
    state, _ = advance(quiet, seeds, t0)
    days = inp.horizon_days - t0
    s_n, i_n = inp.base_demand.shape
    d_n = inp.n_dcs
    demand = np.empty((s_n, i_n, days))
    up = np.empty((d_n, inp.horizon_days))  # min(pick, ship) of each DC, every day of the path
    ship_share = np.empty((d_n, days))
    can_order = np.empty((s_n, days), dtype=bool)
    can_receive = np.empty((s_n, days), dtype=bool)
    for day in range(inp.horizon_days):  # days only: the timeline gives capacities day by day
        cap = capacities(quiet, day, compromised_on)
        up[:, day] = np.minimum(cap.pick[0], cap.ship[0])
        k = day - t0
        if k < 0:
            continue
        weekday = (inp.first_weekday + day) % 7
        demand[:, :, k] = inp.base_demand * inp.weekday_factors[weekday] * cap.sell[0][:, None]
        ship_share[:, k] = cap.ship[0]
        can_order[:, k] = cap.order[0] > 0
        can_receive[:, k] = cap.receive[0] > 0
    surge = np.stack([_plan_profile(inp.surge_pick[d], t0, days) for d in range(d_n)])  # (D, T)
    capacity = inp.dc_pick_capacity[:, None] * up[:, t0:] * (1.0 + surge)
    on_hand = state.on_hand[0]
    owed = state.open_units[0].sum(axis=1)
    ring = state.pipeline.shape[2]
    arrivals = np.zeros((s_n, i_n, days))
    for b in range(ring):  # a few lead-time slots
        # ring slot b holds what arrives on the next day d >= t0 with d % ring == b
        day = t0 + ((b - t0) % ring)
        if day - t0 < days:
            arrivals[:, :, day - t0] += state.pipeline[0, :, b, :]
    position = on_hand + arrivals.sum(axis=2) + owed
    new_orders = store_orders(inp, position, demand, can_order, t0)
    shifts = dc_shifts_per_day(loaded)
    schedule = None
    limited = np.isfinite(inp.dc_delivery_capacity)
    daily = np.maximum(demand.mean(axis=2).sum(axis=1), 1e-9)
    cover = (on_hand.sum(axis=1) + arrivals.sum(axis=(1, 2))) / daily
    runs = np.full((d_n, days), np.inf)  # delivery runs of each DC a day (inf: no fleet limit)
    if limited.any():
        # delivery runs reach a whole number of stores a day: give each store its delivery days
        # (from its own DC's runs), so the LP plans within what each fleet can actually reach
        schedule = np.ones((s_n, days), dtype=bool)
        for d in np.flatnonzero(limited):  # DCs: a few
            mine = np.flatnonzero(inp.store_dc == d)
            runs[d] = np.floor(
                inp.dc_delivery_capacity[d]
                * ship_share[d]
                * (1.0 + _plan_profile(inp.surge_delivery[d], t0, days))
            )
            order = visit_order(cover[mine], daily[mine])
            schedule[mine] = delivery_slots(order, runs[d].astype(np.int64), days)
    if options.objective == "margin":
        weight = np.maximum(inp.item_margin, 1e-9)
        shift_cost: float | np.ndarray = dc_costs_per_shift(loaded)[:, None]
    else:
        weight = np.ones(i_n)
        shift_cost = SHIFT_TIE_BREAK
    backups = backup_links(inp, up, t0)
    lend = None
    if backups:
        ordering = new_orders.sum(axis=1) > 1e-9  # (S, T) stores a backup's own runs go to
        lend = lend_slots(inp, backups, runs, ordering, visit_order(cover, daily)) & can_receive
    lp = LPInputs(
        demand=demand,
        on_hand=on_hand,
        arrivals=arrivals,
        owed=owed,
        new_orders=new_orders,
        lead_time_days=inp.lead_time_days,
        capacity_units=capacity,
        units_per_shift=(inp.dc_pick_capacity / shifts)[:, None],
        # no extra shift at a DC on a day it is stopped: the engine's surge multiplies its capacity
        max_shifts_per_day=np.where(up[:, t0:] > 0, options.max_shifts_per_day, 0.0),
        budget_shifts=options.budget_shifts,
        cost_per_shift=shift_cost,
        lost_weight=weight,
        stockout_weight=options.stockout_weight,
        integer_shifts=options.integer_shifts,
        ship_allowed=schedule,
        line_dc=inp.store_dc,
        backups=backups,
        lend_allowed=lend,
    )
    return RecoveryStart(
        lp=lp,
        restart_day=t0,
        chain_restart_day=restart_day(quiet, compromised_on),
        dc_restart_days=dc_restart,
    )


def backup_links(inp: SimInputs, up: np.ndarray, t0: int) -> tuple[BackupLink, ...]:
    """The backups that cover a stopped DC on some day of the plan, as the engine counts it.

    ``up`` is (D, horizon) min(pick, ship) of each DC on the worst-case path. A backup covers
    DC ``d`` on a day ``d`` has been stopped for more than its switch-over days (counting the
    day itself), in the DC's listed order.
    """
    stopped = up <= 0
    down = np.zeros(stopped.shape, dtype=np.int64)  # consecutive stopped days, counting the day
    run = np.zeros(stopped.shape[0], dtype=np.int64)
    for day in range(stopped.shape[1]):  # days only
        run = np.where(stopped[:, day], run + 1, 0)
        down[:, day] = run
    links = []
    for d, backups in enumerate(inp.dc_backups):  # DCs and their backups: a few
        for backup in backups:
            active = down[d, t0:] > backup.switch_over_days
            if active.any():
                links.append(
                    BackupLink(
                        dc=d,
                        backup=backup.dc,
                        share=backup.share,
                        extra_lead_days=backup.extra_lead_days,
                        active=active,
                        of_spare=not inp.backup_covered_first,
                    )
                )
    return tuple(links)


def lend_slots(
    inp: SimInputs,
    links: tuple[BackupLink, ...],
    runs: np.ndarray,
    ordering: np.ndarray,
    urgency: np.ndarray,
) -> np.ndarray:
    """(S, T) bool: the days a backup's delivery runs reach each store it covers.

    ``runs`` (D, T) are each DC's delivery runs a day (inf: no fleet limit), ``ordering``
    (S, T) the stores that order each day. A backup's runs go first to its own stores that
    order that day (``own_stores_first``) or not (``covered_stores_first``); it lends its
    share of the runs left, links in order, and they go round the covered DC's stores in
    ``urgency`` order (soonest out of stock first) on the days it covers. Without a fleet
    limit at the backup, every covered day.
    """
    s_n, days = inp.n_stores, runs.shape[1]
    out = np.zeros((s_n, days), dtype=bool)
    left = runs.copy()  # (D, T) runs a backup has left to lend
    for b in {link.backup for link in links if link.of_spare}:
        own = ordering[inp.store_dc == b].sum(axis=0)
        left[b] = np.maximum(left[b] - own, 0.0)
    for link in links:  # links: a few
        covered = inp.store_dc == link.dc
        if not np.isfinite(left[link.backup]).all():
            out[covered] |= link.active[None, :]
            continue
        lent = np.where(link.active, np.floor(link.share * left[link.backup]), 0.0)
        left[link.backup] -= lent
        order = urgency[covered[urgency]]  # the covered stores, most urgent first
        out[order] |= delivery_slots(np.arange(order.size), lent.astype(np.int64), days)
    return out


def dc_shifts_per_day(loaded: LoadedScenario) -> np.ndarray:
    """(D,) normal shifts a day of each DC, DCs sorted by id (1 for a scenario without DCs)."""
    by_id = {dc.id: dc for dc in loaded.scenario.sites.dcs}
    return np.array([by_id[i].shifts_per_day for i in dc_ids(loaded.scenario)] or [1], dtype=float)


def dc_costs_per_shift(loaded: LoadedScenario) -> np.ndarray:
    """(D,) cost of one extra shift at each DC: the highest its surge plan names (0 without one).

    A surge without a DC names a cost for every DC; a DC no surge names costs what the
    scenario's dearest shift costs (:func:`scenario_cost_per_shift`).
    """
    ids = dc_ids(loaded.scenario) or ("",)
    surge = loaded.scenario.plan.surge
    dearest = scenario_cost_per_shift(loaded)
    return np.array(
        [max((s.cost_per_shift for s in surge if s.dc is None or s.dc == dc), default=dearest) for dc in ids]
    )


def scenario_cost_per_shift(loaded: LoadedScenario) -> float:
    """Cost of one extra shift: the highest the scenario's surge plan names at any DC (0 without one)."""
    return max((s.cost_per_shift for s in loaded.scenario.plan.surge), default=0.0)
