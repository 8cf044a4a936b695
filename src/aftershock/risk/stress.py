"""The stress test along attack paths: time-to-survive against time-to-recover, per entry and party.

Definitions (docs/risk.md, "Stress test"):

* **Entries and parties.** Each service is an *entry*: the incident's compromise moves there
  (same day and hour). Each *party* compromises all of its services at once (a synthetic
  control edge with p = 1 and no delay joins them: :func:`~aftershock.risk.shapes.joint_entry_network`).
  From there the attack spreads along the control edges: in the *worst case* every edge with
  ``p > 0`` carries it; *sampled*, each edge carries it with its own ``p`` (``samples``
  replications; the scenario's ``spread_p_override`` describes the replayed incident and is
  not used).
* **Response.** The incident's restoration applies as written: a central restore (day,
  hour and ramp) or on-site crews (N crews, k sites a day each, in their order), and the
  fallbacks roll out as written. A compromised service the incident does not restore comes
  back after the median outage of the scenario's threat on it (at the compromise's hour,
  no ramp), else not within the horizon. An isolation applies only when the attack from
  this entry can reach (worst case) the service it shuts down or the providing service of
  the link it cuts: the precaution guards what the attack could reach. Demand is
  deterministic and no recovery plan runs (no surge, no cap): the network as it stands.
* **Time-to-recover (TTR).** A store is back on the first day from which every capability it
  needs (selling, ordering, receiving, click-and-collect pickup, its DC's picking and
  shipping, and its DC's inbound when the DC holds stock) is at least :data:`RECOVERED` of
  normal on every later day of the horizon. Its TTR is that day less the compromise day (0
  when nothing it needs ever fell). The TTR of a region, a DC's stores or the chain is that
  of its last store back (the chain's also waits for the online channels).
* **Time-to-survive (TTS).** The same worst-case compromise with nothing restored (no central
  restore, no crews; fallbacks and isolations as above). The service level of a set of stores
  on a day is ``1 − lost / demand`` over its stores (demand diverted online or to a nearby
  store counts as served, as in lost sales). The set falls on the first day, from the
  compromise day on, when its level is below ``threshold`` and below its level on the same
  day without an incident; its TTS is that day less the compromise day (the compromise day
  itself counts as day 0). TTS per level: the first store to fall (``store``), the first
  region, the first DC's stores, the chain. A set that never falls has the TTS of the rest
  of the horizon, flagged ``capped``.
* **Gap.** ``TTR − TTS`` at each level, the largest over the level's units that fall
  (> 0: it runs out before it recovers).
* **Impact and risk exposure index.** Impact is the revenue (or margin, ``weight``) lost over
  the horizon in the worst-case run with the response, beyond the same run without an
  incident. The risk exposure index divides each impact by the largest over every entry and
  party (Simchi-Levi: the worst scores 1.0). Sampled rows give the mean and 90th percentile
  of the impact and TTR.
* **Vendors.** Parties are classified as in :mod:`aftershock.graph.concentration`: third
  parties (a store needs their services directly), fourth parties (reached only through
  another vendor's control path) and the network's own. Vendors (third and fourth) are ranked
  by the index; at equal index the nearer (third party) first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from aftershock.graph.compile import CompiledNetwork
from aftershock.graph.concentration import concentration
from aftershock.graph.spread import NEVER, worst_case
from aftershock.graph.timeline import IncidentTimeline, RowIncident
from aftershock.model.stores import LoadedScenario
from aftershock.risk.shapes import FAR, baseline_inputs, joint_entry_network
from aftershock.sim.engine import Chunk
from aftershock.sim.inputs import SimInputs
from aftershock.sim.runner import chunk_size, replication_seeds

#: A capability at or above this share of normal counts as recovered.
RECOVERED = 0.99
#: Default service threshold: a set of stores falls when it serves less than this share of demand.
DEFAULT_THRESHOLD = 0.9
#: Default sampled replications per entry and party.
DEFAULT_SAMPLES = 20
#: Levels at which TTS and TTR are measured.
LEVELS = ("store", "region", "dc", "chain")

Weight = Literal["revenue", "margin"]


@dataclass
class _Trace:
    """What the stress test keeps of an engine batch, per replication."""

    demand: np.ndarray  # (R, S, T) units demanded at each store
    lost: np.ndarray  # (R, S, T) units lost at each store
    lost_revenue: np.ndarray  # (R, S) over the horizon
    lost_margin: np.ndarray  # (R, S)
    store_last_bad: np.ndarray  # (R, S) last day a capability the store needs was below RECOVERED; -1: none
    channel_last_bad: np.ndarray  # (R, C)
    compromised: np.ndarray  # (R, n_services) day compromised, NEVER if not


def _trace(inp: SimInputs, reps: int, seed: int) -> _Trace:
    """Run ``reps`` replications of ``inp`` and keep the per-store days the stress test needs."""
    horizon = inp.horizon_days
    sd = inp.store_dc
    stocked = np.isfinite(inp.dc_initial_stock).all(axis=1)  # (D,) a DC whose inbound matters
    parts: list[_Trace] = []
    size = chunk_size(inp, False)
    for lo in range(0, reps, size):
        hi = min(lo + size, reps)
        chunk = Chunk.start(inp.take_rows(lo, hi), replication_seeds(seed, lo, hi))
        n = hi - lo
        demand = np.zeros((n, inp.n_stores, horizon))
        lost = np.zeros((n, inp.n_stores, horizon))
        revenue = np.zeros((n, inp.n_stores))
        margin = np.zeros((n, inp.n_stores))
        store_bad = np.full((n, inp.n_stores), -1, dtype=np.int64)
        channel_bad = np.full((n, inp.channel_online_nodes.size), -1, dtype=np.int64)
        for day, cap, step in chunk.run_days(horizon):
            flows = step.flows
            gone = flows["lost_closed"] + flows["lost_stockout"] + flows["lost_pickup"]
            demand[:, :, day] = flows["demand"].sum(axis=2)
            lost[:, :, day] = gone.sum(axis=2)
            revenue += gone @ inp.item_price
            margin += gone @ inp.item_margin
            inbound = np.where(stocked[None, :], cap.dc_receive, 1.0)
            need = np.minimum.reduce(
                [
                    cap.sell,
                    cap.order,
                    cap.receive,
                    cap.pickup,
                    cap.pick[:, sd],
                    cap.ship[:, sd],
                    inbound[:, sd],
                ]
            )
            store_bad = np.where(need < RECOVERED, day, store_bad)
            if channel_bad.size:
                channel_bad = np.where(cap.online < RECOVERED, day, channel_bad)
        parts.append(_Trace(demand, lost, revenue, margin, store_bad, channel_bad, chunk.compromised_on))
    return _Trace(*(np.concatenate([getattr(p, f) for p in parts]) for f in _Trace.__dataclass_fields__))


@dataclass(frozen=True)
class _Groups:
    """Stores grouped by level: one-hot (S, G) per level, with the groups' names."""

    onehot: dict[str, np.ndarray]
    names: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, inp: SimInputs, store_ids: Sequence[str]) -> _Groups:
        s = inp.n_stores
        regions = (inp.region_index[:, None] == np.arange(len(inp.region_names))[None, :]).astype(float)
        dcs = inp.store_dc_onehot[:, : max(len(inp.dc_ids), 1)]
        return cls(
            onehot={"store": np.eye(s), "region": regions, "dc": dcs, "chain": np.ones((s, 1))},
            names={
                "store": tuple(store_ids),
                "region": tuple(inp.region_names),
                "dc": tuple(inp.dc_ids) or ("(one DC)",),
                "chain": ("chain",),
            },
        )


def _fall_day(trace: _Trace, quiet: _Trace, onehot: np.ndarray, start: int, threshold: float) -> np.ndarray:
    """(R, G) first day from ``start`` a group's service level falls below the threshold and normal.

    ``horizon`` where it never does.
    """
    horizon = trace.demand.shape[2]

    def level(t: _Trace) -> np.ndarray:
        demand = np.einsum("rst,sg->rgt", t.demand, onehot)
        lost = np.einsum("rst,sg->rgt", t.lost, onehot)
        return 1.0 - np.divide(lost, demand, out=np.zeros_like(lost), where=demand > 0)

    now, normal = level(trace), level(quiet)[:1]
    fallen = (now < threshold) & (now < normal - 1e-9)
    fallen[:, :, :start] = False
    return np.where(fallen.any(axis=2), fallen.argmax(axis=2), horizon)


def _back_day(trace: _Trace, onehot: np.ndarray, chain: bool) -> np.ndarray:
    """(R, G) first day from which every store of a group (and channel, for the chain) is back."""
    last = np.where(onehot.T[None, :, :] > 0, trace.store_last_bad[:, None, :], -1).max(axis=2)
    if chain and trace.channel_last_bad.size:
        last = np.maximum(last, trace.channel_last_bad.max(axis=1, keepdims=True))
    return last + 1


def _levels(
    worst: _Trace, bare: _Trace, quiet: _Trace, groups: _Groups, start: int, threshold: float
) -> dict[str, dict[str, object]]:
    """TTS, TTR and gap at each level from the worst case with (``worst``) and without (``bare``) response."""
    horizon = worst.demand.shape[2]
    room = horizon - start
    out: dict[str, dict[str, object]] = {}
    for level in LEVELS:
        onehot = groups.onehot[level]
        fall = _fall_day(bare, quiet, onehot, start, threshold)[0]  # (G,)
        back = _back_day(worst, onehot, level == "chain")[0]
        tts = np.minimum(fall, horizon) - start
        ttr = np.where(back > start, back - start, 0)
        fell = fall < horizon
        g = int(np.argmin(tts)) if tts.size else 0
        gaps = (ttr - tts)[fell]
        out[level] = {
            "tts_days": float(tts.min()) if tts.size else float(room),
            "tts_capped_by_horizon": bool(not fell.any()),
            "first_to_fall": groups.names[level][g] if fell.any() else None,
            "units_falling": int(fell.sum()),
            "units": int(tts.size),
            "ttr_days": float(ttr.max()) if ttr.size else 0.0,
            "ttr_capped_by_horizon": bool((back >= horizon).any() and (back > start).any()),
            "gap_days": float(gaps.max()) if gaps.size else None,
        }
    return out


def restore_plan(
    loaded: LoadedScenario, tl: IncidentTimeline, net: CompiledNetwork
) -> tuple[np.ndarray, np.ndarray]:
    """(restore_day, restore_share) per service: the incident's, else the median outage of a threat on it."""
    day, share = tl.restore_day.copy(), tl.restore_share.copy()
    start = tl.start_day
    for threat in loaded.scenario.threats:
        s = net.service_ids.index(threat.service)
        if day[s] >= NEVER:
            day[s] = start + max(1, round(threat.outage_days.median_value()))
            share[s] = tl.start_share
    return day, share


def _guarded(loaded: LoadedScenario) -> tuple[list[str], list[str]]:
    """The service each isolation guards, service isolations then link isolations (timeline order)."""
    services, links = [], []
    for iso in loaded.scenario.incident.isolate:
        if iso.service is not None:
            services.append(iso.service)
        else:
            assert iso.link is not None
            links.append(iso.link.from_)
    return services, links


@dataclass
class _Setup:
    """Everything shared by the stress runs of one scenario."""

    loaded: LoadedScenario
    quiet: SimInputs
    worst_net: CompiledNetwork
    restore_day: np.ndarray
    restore_share: np.ndarray
    guarded: tuple[list[str], list[str]]
    samples: int
    seed: int

    def reach(self, entries: list[int]) -> np.ndarray:
        """(n_services,) bool: compromised in the worst case from ``entries``."""
        hit = np.zeros(self.quiet.net.n_services, dtype=bool)
        for e in entries:
            hit |= worst_case(self.quiet.net, e) < NEVER
        return hit

    def inputs(self, entries: list[int], worst: bool, reps: int, respond: Sequence[bool]) -> SimInputs:
        """Rows of one entry set: row ``r`` with the response when ``respond[r]``, else nothing restored."""
        base = self.quiet
        tl = base.timeline
        ids = base.net.service_ids
        hit = self.reach(entries)
        svc_keep = np.array([hit[ids.index(s)] for s in self.guarded[0]], dtype=bool)
        link_keep = np.array([hit[ids.index(s)] for s in self.guarded[1]], dtype=bool)
        timeline = replace(
            tl,
            start_service=entries[0],
            spread_p_override=None,
            iso_service=tl.iso_service[svc_keep] if svc_keep.size else tl.iso_service,
            iso_service_window=tl.iso_service_window[svc_keep] if svc_keep.size else tl.iso_service_window,
            iso_service_share=tl.iso_service_share[svc_keep] if svc_keep.size else tl.iso_service_share,
            iso_alt_mask=tl.iso_alt_mask[link_keep] if link_keep.size else tl.iso_alt_mask,
            iso_alt_window=tl.iso_alt_window[link_keep] if link_keep.size else tl.iso_alt_window,
            iso_alt_share=tl.iso_alt_share[link_keep] if link_keep.size else tl.iso_alt_share,
        )
        net = self.worst_net if worst else base.net
        if len(entries) > 1:
            net = joint_entry_network(net, entries, None)
        on = np.array(respond, dtype=bool)
        never = np.full_like(self.restore_day, NEVER)
        rows = RowIncident(
            restore_day=np.where(on[:, None], self.restore_day[None, :], never[None, :]).astype(np.int64),
            crew_shift=np.where(on, 0, FAR).astype(np.int64),
            isolation_shift=np.zeros(reps, dtype=np.int64),
            restore_share=np.broadcast_to(self.restore_share, (reps, self.restore_share.size)).copy(),
        )
        return replace(base, net=net, timeline=timeline, rows=rows, row_plan_shift=np.full(reps, FAR))

    def uncertain(self, entries: list[int]) -> bool:
        """Whether an edge the worst case crosses has 0 < p < 1 (else sampling changes nothing)."""
        net = self.quiet.net
        hit = self.reach(entries)
        p = net.control_p
        return bool((hit[net.control_from] & (p > 0) & (p < 1)).any())


def _value(trace: _Trace, weight: Weight) -> np.ndarray:
    return trace.lost_revenue if weight == "revenue" else trace.lost_margin


def _assess(
    setup: _Setup,
    entries: list[int],
    quiet_trace: _Trace,
    groups: _Groups,
    threshold: float,
    weight: Weight,
    seed: int,
) -> dict[str, object]:
    """TTS, TTR, impact (worst case and sampled) of compromising ``entries`` together."""
    start = setup.quiet.timeline.start_day
    horizon = setup.quiet.horizon_days
    both = _trace(setup.inputs(entries, True, 2, [True, False]), 2, seed)
    worst = _Trace(*(getattr(both, f)[:1] for f in _Trace.__dataclass_fields__))
    bare = _Trace(*(getattr(both, f)[1:] for f in _Trace.__dataclass_fields__))
    normal_value = _value(quiet_trace, weight)[0]
    normal_units = quiet_trace.lost[0].sum()
    levels = _levels(worst, bare, quiet_trace, groups, start, threshold)
    extra = _value(worst, weight)[0] - normal_value  # (S,)
    ids = setup.quiet.net.service_ids
    hit = np.flatnonzero(worst.compromised[0] < NEVER)
    row: dict[str, object] = {
        "compromised": [ids[s] for s in hit],
        # compromised services neither the incident nor a threat restores: down to the horizon's end
        "unrestored": [
            ids[s] for s in hit if setup.restore_day[s] >= NEVER and not setup.quiet.timeline.is_on_site[s]
        ],
        "ttr_days": levels["chain"]["ttr_days"],
        "ttr_capped_by_horizon": levels["chain"]["ttr_capped_by_horizon"],
        "tts_days": {lv: levels[lv]["tts_days"] for lv in LEVELS},
        "tts_capped_by_horizon": {lv: levels[lv]["tts_capped_by_horizon"] for lv in LEVELS},
        "gap_days": {lv: levels[lv]["gap_days"] for lv in LEVELS},
        "levels": levels,
        "impact": float(max(extra.sum(), 0.0)),
        "impact_lost_units": float(max(worst.lost[0].sum() - normal_units, 0.0)),
    }
    dc_onehot = groups.onehot["dc"]
    if len(setup.quiet.dc_ids) > 1:
        fall = _fall_day(bare, quiet_trace, dc_onehot, start, threshold)[0]
        back = _back_day(worst, dc_onehot, False)[0]
        by_dc = []
        for d, dc in enumerate(setup.quiet.dc_ids):
            tts = float(min(fall[d], horizon) - start)
            ttr = float(back[d] - start) if back[d] > start else 0.0
            by_dc.append(
                {
                    "dc": dc,
                    "stores": int(dc_onehot[:, d].sum()),
                    "tts_days": tts,
                    "tts_capped_by_horizon": bool(fall[d] >= horizon),
                    "ttr_days": ttr,
                    "ttr_capped_by_horizon": bool(back[d] >= horizon and back[d] > start),
                    "gap_days": None if fall[d] >= horizon else ttr - tts,
                    "impact": float(max(extra @ dc_onehot[:, d], 0.0)),
                }
            )
        row["by_dc"] = by_dc
    if setup.samples and setup.uncertain(entries):
        n = setup.samples
        sampled = _trace(setup.inputs(entries, False, n, [True] * n), n, seed + 1)
        impact = np.maximum(_value(sampled, weight).sum(axis=1) - normal_value.sum(), 0.0)
        back = _back_day(sampled, groups.onehot["chain"], True)[:, 0]
        ttr = np.where(back > start, back - start, 0).astype(float)
        reached = (sampled.compromised < NEVER).mean(axis=0)
        row["sampled"] = {
            "replications": n,
            "impact_mean": float(impact.mean()),
            "impact_p90": float(np.quantile(impact, 0.9)),
            "ttr_days_mean": float(ttr.mean()),
            "ttr_days_p90": float(np.quantile(ttr, 0.9)),
            "reach_probability": {ids[s]: float(reached[s]) for s in np.flatnonzero(reached > 0)},
        }
    else:
        # every edge the attack can cross has p = 1 (or none): sampling gives the worst case
        row["sampled"] = {
            "replications": 0,
            "impact_mean": row["impact"],
            "impact_p90": row["impact"],
            "ttr_days_mean": row["ttr_days"],
            "ttr_days_p90": row["ttr_days"],
            "reach_probability": {s: 1.0 for s in row["compromised"]},  # type: ignore[union-attr]
        }
    return row


def stress_test(
    loaded: LoadedScenario,
    base: SimInputs,
    services: list[str] | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    weight: Weight = "revenue",
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> dict[str, object]:
    """Entries (``services``, default all) and parties ranked by risk exposure; see the module doc.

    Returns ``{services, parties, vendors}``: a row per entry, a row per party (all its
    services compromised together; only with every service), and the vendors (third and
    fourth parties) ranked.
    """
    scenario = loaded.scenario
    quiet = replace(
        base,
        distribution="deterministic",
        surge_pick=np.zeros_like(base.surge_pick),
        surge_delivery=np.zeros_like(base.surge_delivery),
        surge_cost=np.zeros_like(base.surge_cost),
        has_cap=False,
    )
    net = base.net
    restore_day, restore_share = restore_plan(loaded, base.timeline, net)
    setup = _Setup(
        loaded=loaded,
        quiet=quiet,
        worst_net=replace(net, control_p=np.where(net.control_p > 0, 1.0, 0.0)),
        restore_day=restore_day,
        restore_share=restore_share,
        guarded=_guarded(loaded),
        samples=samples,
        seed=seed,
    )
    quiet_trace = _trace(baseline_inputs(quiet, 1), 1, seed)
    groups = _Groups.of(base, list(net.site_ids[: net.n_stores]))
    party_of = {s.id: s.party for s in scenario.services}
    roles = {p.party: p.role for p in concentration(loaded, net).parties}
    ids = list(net.service_ids)
    done: dict[tuple[int, ...], dict[str, object]] = {}

    def assess(entries: list[int]) -> dict[str, object]:
        key = tuple(sorted(entries))
        if key not in done:
            done[key] = _assess(setup, entries, quiet_trace, groups, threshold, weight, seed)
        return done[key]

    rows = []
    for name in services or ids:
        party = party_of[name]
        rows.append(
            {"service": name, "vendor": party, "role": roles.get(party, "none"), **assess([ids.index(name)])}
        )
    parties = []
    if not services:
        members: dict[str, list[int]] = {}
        for s in scenario.services:
            members.setdefault(s.party, []).append(ids.index(s.id))
        for party, entries in members.items():
            parties.append(
                {
                    "party": party,
                    "role": roles.get(party, "none"),
                    "services": [ids[s] for s in entries],
                    **assess(entries),
                }
            )
    # a row whose capabilities are not all back within the horizon has an impact cut off by the
    # horizon (a service with no restore model): it is not scored, and does not set the scale
    scored = [r for r in rows + parties if not r["ttr_capped_by_horizon"]]
    worst = max((float(r["impact"]) for r in scored), default=0.0)  # type: ignore[arg-type]
    for r in rows + parties:
        sampled = r["sampled"]
        if r["ttr_capped_by_horizon"]:
            r["risk_exposure_index"] = None
            sampled["risk_exposure_index_mean"] = None  # type: ignore[index]
            continue
        r["risk_exposure_index"] = float(r["impact"]) / worst if worst > 0 else 0.0  # type: ignore[arg-type]
        sampled["risk_exposure_index_mean"] = (  # type: ignore[index]
            float(sampled["impact_mean"]) / worst if worst > 0 else 0.0  # type: ignore[index]
        )
    order = {"third party": 0, "fourth party": 1}

    def rank_key(r: dict[str, object]) -> tuple[float, int]:
        index = r["risk_exposure_index"]
        # equal exposure (a fourth party and the vendor it reaches through): the nearer one first
        return (1.0 if index is None else -round(float(index), 12), order.get(str(r["role"]), 2))  # type: ignore[arg-type]

    rows.sort(key=lambda r: (*rank_key(r), len(r["compromised"]), r["service"]))  # type: ignore[arg-type]
    parties.sort(key=lambda r: (r["role"] not in order, *rank_key(r), r["party"]))
    vendors = [p for p in parties if p["role"] in order]
    for rank, p in enumerate(vendors, start=1):
        p["rank"] = rank
    for p in parties:
        p.setdefault("rank", None)
    return {"services": rows, "parties": parties}


__all__ = [
    "DEFAULT_SAMPLES",
    "DEFAULT_THRESHOLD",
    "LEVELS",
    "NEVER",
    "RECOVERED",
    "restore_plan",
    "stress_test",
]
