"""The incident timeline as arrays: which services, links and site slots are up on a day.

Built once from the scenario (deterministic parts: isolation windows, restoration days,
crew and rollout order); evaluated per day for a batch of sampled compromise days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aftershock.graph.compile import CompiledNetwork
from aftershock.graph.spread import NEVER
from aftershock.model.incident import SiteOrder
from aftershock.model.stores import LoadedScenario


@dataclass(frozen=True)
class RowIncident:
    """Per-replication changes to the timeline, for batches of different incident shapes.

    ``restore_day`` replaces the restoration day of every service, row by row;
    ``crew_shift`` moves on-site crews' days; ``isolation_shift`` moves the end of every
    isolation (a longer or shorter precautionary pause).
    """

    restore_day: np.ndarray  # (R, n_services)
    crew_shift: np.ndarray  # (R,)
    isolation_shift: np.ndarray  # (R,)

    def take(self, lo: int, hi: int) -> RowIncident:
        """Rows ``lo .. hi-1``."""
        return RowIncident(self.restore_day[lo:hi], self.crew_shift[lo:hi], self.isolation_shift[lo:hi])


@dataclass(frozen=True)
class IncidentTimeline:
    """Deterministic incident parameters, compiled to arrays over services, alternatives and slots."""

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

    def own_state(
        self, net: CompiledNetwork, day: int, compromised_on: np.ndarray, rows: RowIncident | None = None
    ) -> np.ndarray:
        """Own state of every node on ``day``, shape ``(batch, n_nodes)``.

        ``compromised_on`` is ``(batch, n_services)``: the day each service is compromised.
        """
        batch = compromised_on.shape[0]
        own = np.ones((batch, net.n_nodes))
        hit = compromised_on <= day
        restore_day = self.restore_day[None, :] if rows is None else rows.restore_day
        # restoration never starts before the day after the compromise
        restore_from = np.maximum(restore_day, compromised_on + 1)
        ramp = self.ramp_days[None, :].astype(float)
        restored = np.clip((day - restore_from + 1) / (ramp + 1.0), 0.0, 1.0)
        restored = np.where(self.is_on_site[None, :], (day >= restore_from).astype(float), restored)
        own[:, : net.n_services] = np.where(hit, restored, 1.0)
        if self.iso_service.size:
            active = _window_active(self.iso_service_window, day, rows)  # (1 or R, k)
            for j, svc in enumerate(self.iso_service):
                own[:, svc] = np.where(active[:, j], 0.0, own[:, svc])
        return own

    def alt_state(self, day: int, rows: RowIncident | None = None) -> np.ndarray | None:
        """Multiplier per alternative on ``day`` (0 on isolated links); ``None`` if all 1.

        Shape ``(n_alts,)``, or ``(R, n_alts)`` when ``rows`` vary the isolation.
        """
        if not self.iso_alt_mask.shape[0]:
            return None
        active = _window_active(self.iso_alt_window, day, rows)  # (1 or R, k)
        if not active.any():
            return None
        if rows is None:
            return (~self.iso_alt_mask[active[0]].any(axis=0)).astype(float)
        cut = (active.astype(np.uint8) @ self.iso_alt_mask.astype(np.uint8)) > 0
        return (~cut).astype(float)

    def slot_state(
        self, net: CompiledNetwork, day: int, compromised_on: np.ndarray, rows: RowIncident | None = None
    ) -> np.ndarray:
        """Per-site state of slotted services on ``day``, shape ``(batch, n_slots)``."""
        comp = compromised_on[:, net.slot_service]
        crew_day = self.slot_crew_day[None, :]
        if rows is not None:
            crew_day = np.where(crew_day < NEVER, crew_day + rows.crew_shift[:, None], NEVER)
        crew_ok = (day < comp) | (day >= crew_day)
        fallback_ok = np.broadcast_to(day >= self.slot_fallback_day, comp.shape)
        return np.where(self.slot_is_fallback[None, :], fallback_ok, crew_ok).astype(float)


def change_days(
    timeline: IncidentTimeline, compromised_on: np.ndarray, horizon: int, rows: RowIncident | None = None
) -> np.ndarray:
    """Days on which any state of the timeline may differ from the day before, ``(horizon,)`` bool.

    Between two such days every capacity is the same, so the engine propagates only on them.
    """
    days: list[np.ndarray] = [np.array([0])]
    hit = compromised_on < NEVER
    days.append(compromised_on[hit])
    restore = timeline.restore_day[None, :] if rows is None else rows.restore_day
    start = np.maximum(np.broadcast_to(restore, compromised_on.shape), compromised_on + 1)[hit]
    ramp = np.broadcast_to(timeline.ramp_days[None, :], compromised_on.shape)[hit]
    for first, length in set(zip(start.tolist(), ramp.tolist(), strict=True)):
        # only days inside the horizon matter (a ramp may run far past it)
        days.append(np.arange(min(first, horizon), min(first + length + 1, horizon)))
    shift = np.zeros(1, dtype=np.int64) if rows is None else rows.isolation_shift
    for window in (timeline.iso_service_window, timeline.iso_alt_window):
        if window.size:
            days.append(window[:, 0])
            days.append((window[None, :, 1] + shift[:, None]).ravel())
    crew_shift = np.zeros(1, dtype=np.int64) if rows is None else rows.crew_shift
    crew = timeline.slot_crew_day[timeline.slot_crew_day < NEVER]
    if crew.size:
        days.append((np.unique(crew)[None, :] + crew_shift[:, None]).ravel())
    fallback = timeline.slot_fallback_day[timeline.slot_fallback_day < NEVER]
    days.append(fallback)
    every = np.concatenate([d.astype(np.int64).ravel() for d in days])
    every = every[(every >= 0) & (every < horizon)]
    out = np.zeros(horizon, dtype=bool)
    out[every] = True
    return out


def _window_active(window: np.ndarray, day: int, rows: RowIncident | None) -> np.ndarray:
    """Which ``[from, until)`` windows contain ``day``: ``(1, k)``, or ``(R, k)`` with rows."""
    lo, hi = window[None, :, 0], window[None, :, 1]
    if rows is not None:
        hi = hi + rows.isolation_shift[:, None]
    return (lo <= day) & (day < hi)


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
    restore_day = np.full(n, NEVER, dtype=np.int64)
    ramp = np.zeros(n, dtype=np.int64)
    on_site = np.zeros(n, dtype=bool)
    for ident, spec in incident.restore.items():
        restore_day[svc[ident]] = spec.day
        ramp[svc[ident]] = spec.ramp_days
        on_site[svc[ident]] = spec.is_on_site
    detection = incident.detection_day
    default_until = detection + incident.forensic_clearance_days
    iso_svc, iso_svc_win, iso_mask, iso_win = [], [], [], []
    for iso in incident.isolate:
        lo = detection if iso.from_day is None else iso.from_day
        hi = default_until if iso.until_day is None else iso.until_day
        if iso.service is not None:
            iso_svc.append(svc[iso.service])
            iso_svc_win.append((lo, hi))
        else:
            assert iso.link is not None
            iso_mask.append(net.alternatives_matching(iso.link.from_, iso.link.to))
            iso_win.append((lo, hi))
    n_slots = net.slot_service.size
    demand = np.zeros(len(net.site_ids))
    demand[: net.n_stores] = net.store_demand_units_per_day
    crew_day = np.full(n_slots, NEVER, dtype=np.int64)
    fallback_day = np.full(n_slots, NEVER, dtype=np.int64)
    is_fallback = np.zeros(n_slots, dtype=bool)
    for ident, spec in incident.restore.items():
        if not spec.is_on_site:
            continue
        assert spec.crews is not None and spec.sites_per_crew_per_day is not None
        slots = np.flatnonzero(net.slot_service == svc[ident])
        ordered = _slots_in_order(slots, net, spec.order, demand)
        per_day = spec.crews * spec.sites_per_crew_per_day
        crew_day[ordered] = spec.day + np.floor(np.arange(ordered.size) / per_day).astype(np.int64)
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
    )


def _slots_in_order(
    slots: np.ndarray, net: CompiledNetwork, order: SiteOrder, demand: np.ndarray
) -> np.ndarray:
    sites = net.slot_site[slots]
    ordered_sites = site_order(order, sites, demand, ids=np.array(net.site_ids))
    rank = {int(s): i for i, s in enumerate(ordered_sites)}
    return slots[np.argsort([rank[int(s)] for s in sites], kind="stable")]
