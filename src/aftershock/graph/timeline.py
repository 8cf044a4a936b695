"""The incident timeline as arrays: which services, links and site slots are up on a day.

Built once from the scenario (deterministic parts: isolation windows, restoration days,
crew and rollout order); evaluated per day for a batch of sampled compromise days.

Times carry a share of the day besides the day: an event at a clock hour falls at the share
of the operating hours before it (the compromise at 18:30 of a day open 08:00-22:00 at
0.75). Within a day every state is then piecewise constant: :meth:`IncidentTimeline.capacity`
propagates each piece between two such shares on its own and weights it by its length, so
a day split by an hour gets the capacity the network has on average over its operating
hours. Without hours each day is one piece, as before.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from aftershock.graph.availability import propagate
from aftershock.graph.compile import CompiledNetwork
from aftershock.graph.spread import NEVER
from aftershock.model.incident import SiteOrder
from aftershock.model.stores import LoadedScenario


@dataclass(frozen=True)
class RowIncident:
    """Per-replication changes to the timeline, for batches of different incident shapes.

    ``restore_day`` replaces the restoration day of every service, row by row;
    ``crew_shift`` moves on-site crews' days; ``isolation_shift`` moves the end of every
    isolation (a longer or shorter precautionary pause). ``restore_share``, when given,
    replaces the share of the restoration day before each service comes back (its hour);
    ``None`` keeps the scenario's.
    """

    restore_day: np.ndarray  # (R, n_services)
    crew_shift: np.ndarray  # (R,)
    isolation_shift: np.ndarray  # (R,)
    restore_share: np.ndarray | None = None  # (R, n_services)

    def take(self, lo: int, hi: int) -> RowIncident:
        """Rows ``lo .. hi-1``."""
        share = None if self.restore_share is None else self.restore_share[lo:hi]
        return RowIncident(
            self.restore_day[lo:hi], self.crew_shift[lo:hi], self.isolation_shift[lo:hi], share
        )


def _reached(day: int, at: float, when_day: np.ndarray, when_share: np.ndarray | float) -> np.ndarray:
    """Whether the instant ``at`` (share of the day) of ``day`` is at or after ``(when_day, when_share)``."""
    return (day > when_day) | ((day == when_day) & (at >= when_share))


@dataclass(frozen=True)
class IncidentTimeline:
    """Deterministic incident parameters, compiled to arrays over services, alternatives and slots.

    Every ``*_share`` is the share of a day's operating hours before the event on its day
    (0: the event takes the whole day; 1: it comes after the day's operating hours).
    """

    start_service: int
    start_day: int
    detection_day: int
    spread_p_override: float | None
    restore_day: np.ndarray  # (n_services,) NEVER where no restoration is planned
    ramp_days: np.ndarray  # (n_services,)
    is_on_site: np.ndarray  # (n_services,) bool
    iso_service: np.ndarray  # (n_iso_services,) service index
    iso_service_window: np.ndarray  # (n_iso_services, 2) [from, until)
    iso_alt_mask: np.ndarray  # (n_iso_links, n_alts) bool
    iso_alt_window: np.ndarray  # (n_iso_links, 2)
    slot_crew_day: np.ndarray  # (n_slots,) day the crew restores this site (NEVER if n/a)
    slot_fallback_day: np.ndarray  # (n_slots,) day the fallback is enabled here (NEVER if n/a)
    slot_is_fallback: np.ndarray  # (n_slots,) bool
    start_share: float  # every compromised service falls at this share of its day
    restore_share: np.ndarray  # (n_services,) restoration starts at this share of restore_day
    iso_service_share: np.ndarray  # (n_iso_services, 2) shares of the from and until days
    iso_alt_share: np.ndarray  # (n_iso_links, 2)
    slot_crew_share: np.ndarray  # (n_slots,) the site is back at this share of its crew day

    def segments(self, rows: RowIncident | None = None) -> list[tuple[float, float]]:
        """The pieces of a day between the timeline's shares: ``(midpoint, length)`` each."""
        cuts = [
            np.array([0.0, 1.0, self.start_share]),
            self.restore_share,
            self.iso_service_share.ravel(),
            self.iso_alt_share.ravel(),
            self.slot_crew_share,
        ]
        if rows is not None and rows.restore_share is not None:
            cuts.append(rows.restore_share.ravel())
        edges = np.unique(np.clip(np.concatenate(cuts), 0.0, 1.0))
        return [(float(a + b) / 2, float(b - a)) for a, b in itertools.pairwise(edges) if b > a]

    def own_state(
        self,
        net: CompiledNetwork,
        day: int,
        compromised_on: np.ndarray,
        rows: RowIncident | None = None,
        at: float | None = None,
    ) -> np.ndarray:
        """Own state of every node on ``day``, shape ``(batch, n_nodes)``.

        ``compromised_on`` is ``(batch, n_services)``: the day each service is compromised.
        ``at`` is an instant of the day (a share of its operating hours); leave it out for
        the average over the day.
        """
        if at is None:
            segments = self.segments(rows)
            return _weighted(
                [self.own_state(net, day, compromised_on, rows, t) for t, _ in segments], segments
            )
        batch = compromised_on.shape[0]
        own = np.ones((batch, net.n_nodes))
        hit = _reached(day, at, compromised_on, self.start_share)
        restore_day = self.restore_day[None, :] if rows is None else rows.restore_day
        share = (
            self.restore_share[None, :] if rows is None or rows.restore_share is None else rows.restore_share
        )
        # restoration never starts before the day after the compromise (then at its start)
        restore_from = np.maximum(restore_day, compromised_on + 1)
        share = np.where(restore_from == restore_day, share, 0.0)
        started = _reached(day, at, restore_from, share)
        ramp = self.ramp_days[None, :].astype(float)
        level = np.clip((day - restore_from + 1) / (ramp + 1.0), 0.0, 1.0)
        # on site, the service is back from the crews' start; each site when its crew gets there
        level = np.where(self.is_on_site[None, :], 1.0, level)
        own[:, : net.n_services] = np.where(hit, np.where(started, level, 0.0), 1.0)
        if self.iso_service.size:
            active = _window_active(
                self.iso_service_window, self.iso_service_share, day, at, rows
            )  # (1 or R, k)
            for j, svc in enumerate(self.iso_service):
                own[:, svc] = np.where(active[:, j], 0.0, own[:, svc])
        return own

    def alt_state(
        self, day: int, rows: RowIncident | None = None, at: float | None = None
    ) -> np.ndarray | None:
        """Multiplier per alternative on ``day`` (0 on isolated links); ``None`` if all 1.

        Shape ``(n_alts,)``, or ``(R, n_alts)`` when ``rows`` vary the isolation. ``at`` as
        in :meth:`own_state`.
        """
        if not self.iso_alt_mask.shape[0]:
            return None
        if at is None:
            segments = self.segments(rows)
            states = [self.alt_state(day, rows, t) for t, _ in segments]
            if all(state is None for state in states):
                return None
            ones = np.ones(self.iso_alt_mask.shape[1])
            return _weighted([ones if state is None else state for state in states], segments)
        active = _window_active(self.iso_alt_window, self.iso_alt_share, day, at, rows)  # (1 or R, k)
        if not active.any():
            return None
        if rows is None:
            return (~self.iso_alt_mask[active[0]].any(axis=0)).astype(float)
        cut = (active.astype(np.uint8) @ self.iso_alt_mask.astype(np.uint8)) > 0
        return (~cut).astype(float)

    def slot_state(
        self,
        net: CompiledNetwork,
        day: int,
        compromised_on: np.ndarray,
        rows: RowIncident | None = None,
        at: float | None = None,
    ) -> np.ndarray:
        """Per-site state of slotted services on ``day``, shape ``(batch, n_slots)``.

        ``at`` as in :meth:`own_state`.
        """
        if at is None:
            segments = self.segments(rows)
            return _weighted(
                [self.slot_state(net, day, compromised_on, rows, t) for t, _ in segments], segments
            )
        comp = compromised_on[:, net.slot_service]
        crew_day = self.slot_crew_day[None, :]
        if rows is not None:
            crew_day = np.where(crew_day < NEVER, crew_day + rows.crew_shift[:, None], NEVER)
        before = ~_reached(day, at, comp, self.start_share)
        crew_ok = before | _reached(day, at, crew_day, self.slot_crew_share[None, :])
        fallback_ok = np.broadcast_to(day >= self.slot_fallback_day, comp.shape)
        return np.where(self.slot_is_fallback[None, :], fallback_ok, crew_ok).astype(float)

    def capacity(
        self, net: CompiledNetwork, day: int, compromised_on: np.ndarray, rows: RowIncident | None = None
    ) -> np.ndarray:
        """Capacity of every node on ``day``, averaged over its operating hours, ``(batch, n_nodes)``.

        Each piece of the day with its own states is propagated on its own (pieces with the
        same states once), then weighted by its length: the average capacity of the network
        over the day, not the capacity of the average states (two services that each fall
        at 18:30 and feed one another give 0.75, not 0.75 × 0.75).
        """
        parts: list[list] = []
        for t, weight in self.segments(rows):
            own = self.own_state(net, day, compromised_on, rows, t)
            alt = self.alt_state(day, rows, t)
            slot = self.slot_state(net, day, compromised_on, rows, t) if net.slot_service.size else None
            for part in parts:
                if _same(part[0], own) and _same(part[1], alt) and _same(part[2], slot):
                    part[3] += weight
                    break
            else:
                parts.append([own, alt, slot, weight])
        caps = [propagate(net, own, alt, slot) for own, alt, slot, _ in parts]
        return _weighted(caps, [(0.0, part[3]) for part in parts])


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _weighted(values: list[np.ndarray], segments: list[tuple[float, float]]) -> np.ndarray:
    """Average of one value per piece of a day, weighted by the pieces' lengths.

    Computed as the first value plus each other's weighted difference, so that where every
    piece agrees the result is that value exactly (a 1 stays 1, not 0.9999999999999999).
    """
    out = np.asarray(values[0], dtype=float)
    for value, (_, weight) in zip(values[1:], segments[1:], strict=True):
        out = out + weight * (np.asarray(value, dtype=float) - values[0])
    return out


def change_days(
    timeline: IncidentTimeline, compromised_on: np.ndarray, horizon: int, rows: RowIncident | None = None
) -> np.ndarray:
    """Days on which any state of the timeline may differ from the day before, ``(horizon,)`` bool.

    Between two such days every capacity is the same, so the engine propagates only on them.
    An event at an hour changes two days: its own (pro-rated) and the next (whole).
    """
    tl = timeline
    days: list[np.ndarray] = [np.array([0])]
    hit = compromised_on < NEVER
    days.append(compromised_on[hit])
    if tl.start_share > 0:
        days.append(compromised_on[hit] + 1)
    restore = tl.restore_day[None, :] if rows is None else rows.restore_day
    share = tl.restore_share[None, :] if rows is None or rows.restore_share is None else rows.restore_share
    start = np.maximum(np.broadcast_to(restore, compromised_on.shape), compromised_on + 1)[hit]
    ramp = np.broadcast_to(tl.ramp_days[None, :], compromised_on.shape)[hit]
    part = np.broadcast_to(share, compromised_on.shape)[hit] > 0
    for first, length, extra in set(zip(start.tolist(), ramp.tolist(), part.tolist(), strict=True)):
        # only days inside the horizon matter (a ramp may run far past it)
        last = first + length + 1 + int(extra)
        days.append(np.arange(min(first, horizon), min(last, horizon)))
    shift = np.zeros(1, dtype=np.int64) if rows is None else rows.isolation_shift
    for window, shares in (
        (tl.iso_service_window, tl.iso_service_share),
        (tl.iso_alt_window, tl.iso_alt_share),
    ):
        if window.size:
            ends = window[None, :, 1] + shift[:, None]
            days.append(window[:, 0])
            days.append(window[shares[:, 0] > 0, 0] + 1)
            days.append(ends.ravel())
            days.append((ends[:, shares[:, 1] > 0] + 1).ravel())
    crew_shift = np.zeros(1, dtype=np.int64) if rows is None else rows.crew_shift
    on_crew = tl.slot_crew_day < NEVER
    crew = tl.slot_crew_day[on_crew]
    if crew.size:
        days.append((np.unique(crew)[None, :] + crew_shift[:, None]).ravel())
        late = np.unique(crew[tl.slot_crew_share[on_crew] > 0])
        days.append((late[None, :] + 1 + crew_shift[:, None]).ravel())
    fallback = tl.slot_fallback_day[tl.slot_fallback_day < NEVER]
    days.append(fallback)
    every = np.concatenate([d.astype(np.int64).ravel() for d in days])
    every = every[(every >= 0) & (every < horizon)]
    out = np.zeros(horizon, dtype=bool)
    out[every] = True
    return out


def _window_active(
    window: np.ndarray, share: np.ndarray, day: int, at: float, rows: RowIncident | None
) -> np.ndarray:
    """Which ``[from, until)`` windows contain instant ``at`` of ``day``.

    Shape ``(1, k)``, or ``(R, k)`` with rows.
    """
    lo, hi = window[None, :, 0], window[None, :, 1]
    if rows is not None:
        hi = hi + rows.isolation_shift[:, None]
    return _reached(day, at, lo, share[None, :, 0]) & ~_reached(day, at, hi, share[None, :, 1])


def site_order(
    order: SiteOrder, sites: np.ndarray, demand: np.ndarray, seed: int = 0, ids: np.ndarray | None = None
) -> np.ndarray:
    """Positions of ``sites`` in visiting order (highest demand first, by id, or random).

    ``ids`` holds the id of every site position; without it, ``by_id`` keeps position order.
    """
    if order == "by_demand":
        return sites[np.argsort(-demand[sites], kind="stable")]
    if order == "random":
        return np.random.default_rng(seed).permutation(sites)
    if ids is None:
        return np.sort(sites)
    return sites[np.argsort(ids[sites], kind="stable")]


def build_timeline(loaded: LoadedScenario, net: CompiledNetwork) -> IncidentTimeline:
    """Compile the scenario's incident against a compiled network."""
    incident = loaded.scenario.incident
    svc = {s: i for i, s in enumerate(net.service_ids)}
    n = net.n_services
    share = incident.share_before
    restore_day = np.full(n, NEVER, dtype=np.int64)
    restore_share = np.zeros(n)
    ramp = np.zeros(n, dtype=np.int64)
    on_site = np.zeros(n, dtype=bool)
    for ident, spec in incident.restore.items():
        restore_day[svc[ident]] = spec.day
        restore_share[svc[ident]] = 0.0 if spec.is_on_site else share(spec.hour)
        ramp[svc[ident]] = spec.ramp_days
        on_site[svc[ident]] = spec.is_on_site
    detection = incident.detection_day
    detected = share(incident.detection_hour)
    default_until = detection + incident.forensic_clearance_days
    iso_svc, iso_svc_win, iso_svc_share, iso_mask, iso_win, iso_share = [], [], [], [], [], []
    for iso in incident.isolate:
        # a time left out is the detection's (day and hour); a day given without an hour is its start
        lo, a = (detection, detected) if iso.from_day is None else (iso.from_day, 0.0)
        hi, b = (default_until, detected) if iso.until_day is None else (iso.until_day, 0.0)
        a = a if iso.from_hour is None else share(iso.from_hour)
        b = b if iso.until_hour is None else share(iso.until_hour)
        if iso.service is not None:
            iso_svc.append(svc[iso.service])
            iso_svc_win.append((lo, hi))
            iso_svc_share.append((a, b))
        else:
            assert iso.link is not None
            iso_mask.append(net.alternatives_matching(iso.link.from_, iso.link.to))
            iso_win.append((lo, hi))
            iso_share.append((a, b))
    n_slots = net.slot_service.size
    demand = np.zeros(len(net.site_ids))
    demand[: net.n_stores] = net.store_demand_units_per_day
    crew_day = np.full(n_slots, NEVER, dtype=np.int64)
    crew_share = np.zeros(n_slots)
    fallback_day = np.full(n_slots, NEVER, dtype=np.int64)
    is_fallback = np.zeros(n_slots, dtype=bool)
    for ident, spec in incident.restore.items():
        if not spec.is_on_site:
            continue
        assert spec.crews is not None and spec.sites_per_crew_per_day is not None
        slots = np.flatnonzero(net.slot_service == svc[ident])
        ordered = _slots_in_order(slots, net, spec.order, demand)
        per_day = spec.crews * spec.sites_per_crew_per_day
        # crews start at the restoration's hour: on `day` they do that share of a day's sites
        start = share(spec.hour)
        offset = np.floor((np.arange(ordered.size) + start * per_day) / per_day).astype(np.int64)
        crew_day[ordered] = spec.day + offset
        crew_share[ordered] = np.where(offset == 0, start, 0.0)
    for ident, fb in incident.fallbacks.items():
        slots = np.flatnonzero(net.slot_service == svc[ident])
        is_fallback[slots] = True
        ordered = _slots_in_order(slots, net, fb.order, demand)
        reach = ordered.size if fb.max_sites is None else min(fb.max_sites, ordered.size)
        fallback_day[ordered[:reach]] = fb.from_day + np.arange(reach) // fb.sites_per_day
    return IncidentTimeline(
        start_service=svc[incident.compromise.service],
        start_day=incident.compromise.day,
        detection_day=detection,
        spread_p_override=incident.spread_p_override,
        restore_day=restore_day,
        ramp_days=ramp,
        is_on_site=on_site,
        iso_service=np.array(iso_svc, dtype=np.int64),
        iso_service_window=np.array(iso_svc_win, dtype=np.int64).reshape(-1, 2),
        # reshape(-1, 0) fails on a network without requires rules (no alternatives)
        iso_alt_mask=np.array(iso_mask, dtype=bool).reshape(len(iso_mask), net.alt_source.size),
        iso_alt_window=np.array(iso_win, dtype=np.int64).reshape(-1, 2),
        slot_crew_day=crew_day,
        slot_fallback_day=fallback_day,
        slot_is_fallback=is_fallback,
        start_share=share(incident.compromise.hour),
        restore_share=restore_share,
        iso_service_share=np.array(iso_svc_share, dtype=float).reshape(-1, 2),
        iso_alt_share=np.array(iso_share, dtype=float).reshape(-1, 2),
        slot_crew_share=crew_share,
    )


def _slots_in_order(
    slots: np.ndarray, net: CompiledNetwork, order: SiteOrder, demand: np.ndarray
) -> np.ndarray:
    sites = net.slot_site[slots]
    ordered_sites = site_order(order, sites, demand, ids=np.array(net.site_ids))
    rank = np.zeros(len(net.site_ids), dtype=np.int64)
    rank[ordered_sites] = np.arange(ordered_sites.size)
    return slots[np.argsort(rank[sites], kind="stable")]
