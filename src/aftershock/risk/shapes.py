"""Incident shapes as per-replication rows of one engine batch.

A *shape* is (threat, pause days, outage days). Many occurrences share a shape, so each
distinct shape is simulated once, with a few replications, and reused.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from aftershock.graph.spread import NEVER
from aftershock.graph.timeline import RowIncident
from aftershock.sim.inputs import SimInputs

#: Shift that moves a window out of any horizon.
FAR = 10**6


def shape_inputs(
    base: SimInputs,
    start_service: int,
    pause_days: np.ndarray,
    outage_days: np.ndarray,
    scenario_pause_days: int,
) -> SimInputs:
    """Inputs whose row ``r`` is an incident starting at ``start_service`` with its own durations.

    Compromised services start to come back ``outage_days[r]`` days after the compromise
    (on-site crews move by the same amount); isolations end ``pause_days[r]`` days after
    detection; the recovery plan's surge and cap windows move with the restart.
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
    rows = RowIncident(restore_day=restore_day.astype(np.int64), crew_shift=crew_shift, isolation_shift=shift)
    return replace(
        base,
        timeline=replace(tl, start_service=start_service),
        rows=rows,
        row_plan_shift=shift,
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
