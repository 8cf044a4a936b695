"""Incident shapes as per-replication rows of one engine batch.

A *shape* is (threat, pause days, outage days). Many occurrences share a shape, so each
distinct shape is simulated once, with a few replications, and reused.

A common cause compromises several entry services at once. The incident timeline has one
start service, so the joint hit is compiled into the network of the batch instead: the
first entry starts the incident and a synthetic control edge (p = 1, no delay) runs from it
to every other entry, which therefore falls on the same day and hour; from each entry the
attack spreads on along the scenario's own control edges with their p. An occurrence that
compromises no entry (every entry's draw failed) keeps the pause but compromises nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from aftershock.graph.compile import CompiledNetwork
from aftershock.graph.spread import NEVER
from aftershock.graph.timeline import RowIncident
from aftershock.sim.inputs import SimInputs

#: Shift that moves a window out of any horizon.
FAR = 10**6


def shape_inputs(
    base: SimInputs,
    start_service: int | Sequence[int],
    pause_days: np.ndarray,
    outage_days: np.ndarray,
    scenario_pause_days: int,
) -> SimInputs:
    """Inputs whose row ``r`` is an incident starting at ``start_service`` with its own durations.

    Compromised services start to come back ``outage_days[r]`` days after the compromise,
    at the compromise's hour (an outage of whole days; on-site crews move by the same number
    of days); isolations end ``pause_days[r]`` days after detection; the recovery plan's
    surge and cap windows move with the restart. ``start_service`` may list several
    services, compromised together (:func:`joint_entry_network`), or none: then only the
    pause happens.
    """
    tl = base.timeline
    start = tl.start_day
    restore_day = np.broadcast_to(
        (start + outage_days)[:, None], (pause_days.size, tl.restore_day.size)
    ).copy()
    on_site = tl.is_on_site & (tl.restore_day < NEVER)
    crew_shift = np.zeros(pause_days.size, dtype=np.int64)
    if on_site.any():
        crew_shift = start + outage_days - int(tl.restore_day[on_site][0])
    shift = (pause_days - scenario_pause_days).astype(np.int64)
    rows = RowIncident(
        restore_day=restore_day.astype(np.int64),
        crew_shift=crew_shift,
        isolation_shift=shift,
        restore_share=np.full(restore_day.shape, tl.start_share),
    )
    starts = [int(x) for x in np.atleast_1d(np.asarray(start_service, dtype=np.int64))]
    net = base.net
    if not starts:
        timeline = replace(tl, start_day=int(NEVER))
    elif len(starts) == 1:
        timeline = replace(tl, start_service=starts[0])
    else:
        net = joint_entry_network(base.net, starts, tl.spread_p_override)
        timeline = replace(tl, start_service=starts[0], spread_p_override=None)
    return replace(base, net=net, timeline=timeline, rows=rows, row_plan_shift=shift)


def joint_entry_network(
    net: CompiledNetwork, entries: Sequence[int], p_override: float | None
) -> CompiledNetwork:
    """The network with a synthetic control edge (p = 1, no delay) from ``entries[0]`` to each other entry.

    With the incident starting at ``entries[0]``, every entry is then compromised on the
    same day. A scenario's ``spread_p_override`` is written into the scenario's own edges
    (and must then be cleared on the timeline), so that it never thins the synthetic ones.
    """
    first, rest = entries[0], np.array(entries[1:], dtype=np.int64)
    p = net.control_p if p_override is None else np.full_like(net.control_p, p_override)
    return replace(
        net,
        control_from=np.concatenate([net.control_from, np.full(rest.size, first, dtype=np.int64)]),
        control_to=np.concatenate([net.control_to, rest]).astype(np.int64),
        control_p=np.concatenate([p, np.ones(rest.size)]),
        control_delay_days=np.concatenate([net.control_delay_days, np.zeros(rest.size, dtype=np.int64)]),
    )


def baseline_inputs(base: SimInputs, reps: int) -> SimInputs:
    """Inputs with no incident at all: the normal losses every loss is measured against."""
    tl = base.timeline
    rows = RowIncident(
        restore_day=np.zeros((reps, tl.restore_day.size), dtype=np.int64),
        crew_shift=np.zeros(reps, dtype=np.int64),
        isolation_shift=np.full(reps, -FAR, dtype=np.int64),
    )
    return replace(
        base,
        timeline=replace(tl, start_day=int(NEVER)),
        rows=rows,
        row_plan_shift=np.full(reps, FAR, dtype=np.int64),
    )
