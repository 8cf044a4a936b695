"""Compromise spreading along control edges (attack paths), and the isolations that stop it.

**When an isolation stops the spread.** An isolation *guards* a service: an isolated
service, or the service at the providing end of an isolated link (cutting a system off from
its consumers is how the operator takes it off line for the forensic check; ocs-2022 isolates
the links from the DC's WMS and TMS). A control edge ``A → B`` is *cut* while ``A`` or ``B``
is guarded. A compromise travels along an edge for its ``delay_days`` and lands on ``B`` at
the compromise's hour; it is **stopped** when the edge is cut at the instant it would land:

- the isolation must have started strictly before that instant (a compromise that lands at
  the very instant the isolation starts is not stopped: with no detection delay and a 0-day
  edge the spread is as fast as the compromise, and no precaution beats it), and
- must not have ended by then (its end, ``until``, is the first instant back in service: a
  compromise landing then is not stopped).

A stopped compromise is *prevented*, not deferred: the forensic team removes the attacker's
foothold on that path while the systems are isolated, so the attempt does not wait for the
isolation to end. ``B`` can still fall later along another path whose compromise lands
outside the isolation. This is the reading of issue 14's check: "an isolation that starts
before the spread delay runs out stops the spread".

:func:`compromise_days` is the one place the rule lives; the engine (``simulate``,
``compare``, ``risk``, ``pause-study``) passes the timeline's isolations through
:func:`guard_of`. :func:`worst_case` (the blast radius of ``impact`` and the concentration
measures) has no isolations: it is the reach with no precaution at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from aftershock.graph.compile import CompiledNetwork

if TYPE_CHECKING:
    from aftershock.graph.timeline import IncidentTimeline, RowIncident

#: Day value of a service that is never compromised.
NEVER = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class SpreadGuard:
    """Isolation windows that cut control edges, one row per guarded service.

    ``window`` holds ``[from, until)`` days and ``share`` the share of each of those days'
    operating hours before the instant (as in :mod:`aftershock.graph.timeline`);
    ``until_shift`` (one per replication, or ``None``) moves every end, as
    :class:`~aftershock.graph.timeline.RowIncident` moves a pause.
    """

    service: np.ndarray  # (k,) service index
    window: np.ndarray  # (k, 2) from and until days
    share: np.ndarray  # (k, 2) shares of the from and until days
    until_shift: np.ndarray | None = None  # (R,)

    def in_force(self, j: int, day: np.ndarray, at: float) -> np.ndarray:
        """Whether guard ``j`` stops a compromise landing at instant ``at`` of ``day`` (per row)."""
        lo, lo_share = self.window[j, 0], self.share[j, 0]
        hi = self.window[j, 1] + (0 if self.until_shift is None else self.until_shift)
        hi_share = self.share[j, 1]
        started = (day > lo) | ((day == lo) & (at > lo_share))
        ended = (day > hi) | ((day == hi) & (at >= hi_share))
        return started & ~ended


def guard_of(
    timeline: IncidentTimeline, net: CompiledNetwork, rows: RowIncident | None = None
) -> SpreadGuard | None:
    """The timeline's isolations as a :class:`SpreadGuard` (``None`` without isolations)."""
    services = [int(s) for s in timeline.iso_service]
    windows = [timeline.iso_service_window[j] for j in range(len(services))]
    shares = [timeline.iso_service_share[j] for j in range(len(services))]
    for j in range(timeline.iso_alt_mask.shape[0]):
        sources = np.unique(net.alt_source[timeline.iso_alt_mask[j]])
        for src in sources[sources < net.n_services]:
            services.append(int(src))
            windows.append(timeline.iso_alt_window[j])
            shares.append(timeline.iso_alt_share[j])
    if not services:
        return None
    return SpreadGuard(
        service=np.array(services, dtype=np.int64),
        window=np.array(windows, dtype=np.int64).reshape(-1, 2),
        share=np.array(shares, dtype=float).reshape(-1, 2),
        until_shift=None if rows is None else np.asarray(rows.isolation_shift, dtype=np.int64),
    )


def compromise_days(
    net: CompiledNetwork,
    start_service: int,
    start_day: int,
    live_edges: np.ndarray,
    guard: SpreadGuard | None = None,
    start_share: float = 0.0,
) -> np.ndarray:
    """Day each service is compromised (``NEVER`` if not), shape ``(batch, n_services)``.

    ``live_edges`` is ``(batch, n_edges)`` boolean: whether the compromise crosses each
    control edge in that replication. The earliest arrival over live paths wins. With a
    ``guard``, a compromise landing on an edge while it is cut is stopped (see the module
    docstring); every compromise lands at ``start_share`` of its day (the compromise's hour).
    """
    if guard is None or not guard.service.size:
        return _earliest(net, start_service, start_day, live_edges)
    return _earliest_guarded(net, start_service, start_day, live_edges, guard, start_share)


def _earliest(net: CompiledNetwork, start_service: int, start_day: int, live_edges: np.ndarray) -> np.ndarray:
    """Earliest arrival with no isolation (Bellman-Ford on edge delays, vectorised over the batch)."""
    batch = live_edges.shape[0]
    day = np.full((batch, net.n_services), NEVER, dtype=np.int64)
    day[:, start_service] = start_day
    for _ in range(net.n_services):
        changed = False
        for e in range(net.control_from.size):
            src, dst = net.control_from[e], net.control_to[e]
            arrival = np.where(
                live_edges[:, e] & (day[:, src] < NEVER),
                day[:, src] + net.control_delay_days[e],
                NEVER,
            )
            better = arrival < day[:, dst]
            if better.any():
                day[:, dst] = np.where(better, arrival, day[:, dst])
                changed = True
        if not changed:
            break
    return day


def _earliest_guarded(
    net: CompiledNetwork,
    start_service: int,
    start_day: int,
    live_edges: np.ndarray,
    guard: SpreadGuard,
    start_share: float,
) -> np.ndarray:
    """Earliest arrival when isolations stop compromises that land while an edge is cut.

    Whether an arrival is stopped depends on its time, so a service's day is settled only
    from services already settled (label setting, as Dijkstra: delays are never negative):
    each round settles, per row, the services with the earliest arrival left.
    """
    batch = live_edges.shape[0]
    n = net.n_services
    day = np.full((batch, n), NEVER, dtype=np.int64)
    if start_day >= NEVER:
        return day
    day[:, start_service] = start_day
    settled = np.zeros((batch, n), dtype=bool)
    guards_of = [np.flatnonzero(guard.service == s) for s in range(n)]
    for _ in range(n):
        tentative = np.where(settled, NEVER, day)
        for e in range(net.control_from.size):
            src, dst = int(net.control_from[e]), int(net.control_to[e])
            ok = live_edges[:, e] & settled[:, src] & ~settled[:, dst] & (day[:, src] < NEVER)
            if not ok.any():
                continue
            arrival = day[:, src] + net.control_delay_days[e]
            for j in np.concatenate([guards_of[src], guards_of[dst]]):
                ok &= ~guard.in_force(int(j), arrival, start_share)
            tentative[:, dst] = np.where(ok & (arrival < tentative[:, dst]), arrival, tentative[:, dst])
        nearest = tentative.min(axis=1)
        settle = (tentative == nearest[:, None]) & (nearest < NEVER)[:, None]
        if not settle.any():
            break
        day = np.where(settle, tentative, day)
        settled |= settle
    return np.where(settled, day, NEVER)


def worst_case(net: CompiledNetwork, start_service: int, start_day: int = 0) -> np.ndarray:
    """Compromise days when every edge with ``p > 0`` carries the attack, shape ``(n_services,)``.

    No isolation applies: the reach with no precaution at all.
    """
    live = (net.control_p > 0)[None, :]
    return compromise_days(net, start_service, start_day, live)[0]


def sample_live_edges(
    net: CompiledNetwork, rng: np.random.Generator, batch: int, p_override: float | None = None
) -> np.ndarray:
    """Draw which control edges carry the attack, independently with their ``p``."""
    p = net.control_p if p_override is None else np.full_like(net.control_p, p_override)
    return rng.random((batch, p.size)) < p


def reach_probability(
    net: CompiledNetwork, start_service: int, rng: np.random.Generator, samples: int = 20000
) -> np.ndarray:
    """Monte Carlo probability that each service is compromised, shape ``(n_services,)``."""
    live = sample_live_edges(net, rng, samples)
    days = compromise_days(net, start_service, 0, live)
    return (days < NEVER).mean(axis=0)
