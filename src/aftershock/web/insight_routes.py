"""The scenario page's insight: ``GET /api/scenarios/{ref}/insight``.

One deterministic replay of the scenario's own incident, for people to look at: the impact
summary (:func:`aftershock.api.impact`), a timeline of every service (compromised, isolated,
restoring, restored) and of each fallback's roll-out, and the state of every store on every
day of the horizon (open, degraded, cannot receive deliveries, closed), with the stores'
coordinates for a map.

The compromise spreads along every control edge that can carry it (``p > 0``, or the
incident's ``spread_p_override``), stopped by isolations in force, as the engine's spread is;
no edge is drawn at random, so the page shows one outcome, the worst the scenario allows.
A day is labelled by its state at the close of its operating hours; store states use the
capacities averaged over the day, as the engine does.
"""

from __future__ import annotations

import dataclasses
import math
from collections import OrderedDict
from threading import Lock
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from aftershock import api
from aftershock.graph import build_timeline, compile_network
from aftershock.graph.compile import CompiledNetwork
from aftershock.graph.cuts import DcRoutes
from aftershock.graph.spread import NEVER, compromise_days, guard_of
from aftershock.graph.timeline import IncidentTimeline, change_days
from aftershock.model.stores import LoadedScenario
from aftershock.model.uncertainty import point_values
from aftershock.web.api_routes import require_read, state

router = APIRouter(prefix="/api", dependencies=[Depends(require_read)])

#: Service states, in the order of their codes in ``timeline.rows[].intervals``.
SERVICE_STATES = ("up", "compromised", "isolated", "restoring", "restored")
#: Store states: the character ``str(code)`` of a store in ``stores.states[day]``.
STORE_STATES = ("open", "degraded", "cannot receive", "closed")
#: Below this a capacity counts as none, above ``1 - EPS`` as full (float sums of day pieces).
EPS = 1e-9

_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
_cache_lock = Lock()
_CACHE_SIZE = 16


@router.get("/scenarios/{ref}/insight")
async def insight(request: Request, ref: str) -> dict[str, Any]:
    """Impact summary, service timeline, fallback roll-out and store states per day (with
    coordinates) of the scenario's own incident, replayed once without random spread."""
    st = state(request)
    sid, loaded = await run_in_threadpool(st.load, ref)
    with _cache_lock:
        found = _cache.get(sid)
    if found is None:
        # a stored scenario never changes (its id is its content): computed once per id
        found = await run_in_threadpool(insight_data, loaded)
        with _cache_lock:
            _cache[sid] = found
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return found


def insight_data(loaded: LoadedScenario) -> dict[str, Any]:
    """The insight of a loaded scenario (see the module docstring)."""
    given = loaded
    loaded = point_values(loaded, "the scenario page")
    scenario = loaded.scenario
    net = compile_network(loaded)
    tl = build_timeline(loaded, net)
    horizon = scenario.horizon_days
    compromised_on = _compromise(net, tl)
    return {
        "scenario": loaded.name,
        "start_date": None if scenario.start_date is None else str(scenario.start_date),
        "horizon_days": horizon,
        "summary": _summary(loaded),
        # what this page adds to the scenario's own warnings (its point values, if uncertain)
        "notes": [w.message for w in loaded.warnings[len(given.warnings) :]],
        "timeline": {
            "states": list(SERVICE_STATES),
            "rows": _service_rows(loaded, net, tl, compromised_on, horizon),
        },
        "fallbacks": _fallbacks(loaded, net, tl, horizon),
        "stores": _stores(loaded, net, tl, compromised_on, horizon),
    }


def _compromise(net: CompiledNetwork, tl: IncidentTimeline) -> np.ndarray:
    """Day each service is compromised, ``(1, n_services)``: every edge that can carry the
    attack does, and isolations in force stop it as in the engine."""
    p = net.control_p if tl.spread_p_override is None else np.full_like(net.control_p, tl.spread_p_override)
    live = (p > 0)[None, :]
    return compromise_days(net, tl.start_service, tl.start_day, live, guard_of(tl, net), tl.start_share)


def _summary(loaded: LoadedScenario) -> dict[str, Any]:
    """The impact report in short: what is compromised and isolated, and per view (first day,
    fallbacks rolled out) how much the chain can sell, how many stores sell fully, partly or
    not at all, and (with DCs) how many get their deliveries fully, partly or not at all."""
    report = api.impact(loaded, max_order=1)
    views = []
    for view in report["views"]:
        selling = {"full": 0, "partial": 0, "closed": 0}
        for group in view["store_groups"]:
            if group["capability"] == "store.sell":
                key = {"full": "full", "partial": "partial"}.get(group["status"], "closed")
                selling[key] += group["stores"]
        deliveries = {"full": 0, "partial": 0, "none": 0}
        for dc in view.get("dcs") or []:
            for key in deliveries:
                deliveries[key] += dc["deliveries"][key]
        views.append(
            {
                "label": view["label"],
                "sell_capacity_share": view["sell_capacity_share"],
                "stores_selling": selling,
                # None without DCs: deliveries are then the stores' own store.receive
                "stores_receiving": deliveries if view.get("dcs") else None,
            }
        )
    return {
        "compromise": report["compromise"],
        "compromised": [
            {"service": c["service"], "path": c["path"], "delay_days": c["delay_days"]}
            for c in report["compromised"]
        ],
        "isolated": report["isolated"],
        "views": views,
    }


def _isolated_on(window: np.ndarray, share: np.ndarray, day: int) -> bool:
    """Whether an isolation ``[from, until)`` (with the shares of its days) holds during ``day``."""
    lo, hi = int(window[0]), int(window[1])
    started = day > lo or (day == lo and share[0] < 1)
    ended = day > hi or (day == hi and share[1] <= 0)
    return started and not ended


def _runs(codes: list[int], names: tuple[str, ...]) -> list[dict[str, Any]]:
    """Intervals ``{state, from, to}`` (``to`` exclusive) of the runs of equal codes, state 0
    (up, not in use) left out."""
    out: list[dict[str, Any]] = []
    start = 0
    for day in range(1, len(codes) + 1):
        if day == len(codes) or codes[day] != codes[start]:
            if codes[start]:
                out.append({"state": names[codes[start]], "from": start, "to": day})
            start = day
    return out


def _service_rows(
    loaded: LoadedScenario,
    net: CompiledNetwork,
    tl: IncidentTimeline,
    compromised_on: np.ndarray,
    horizon: int,
) -> list[dict[str, Any]]:
    """One row per service (its intervals of each state), then one per isolated link."""
    # the restoration level alone: isolations are read from their windows, not from own_state's zeros
    plain = dataclasses.replace(
        tl,
        iso_service=np.zeros(0, dtype=np.int64),
        iso_service_window=np.zeros((0, 2), dtype=np.int64),
        iso_service_share=np.zeros((0, 2)),
    )
    n = net.n_services
    hit_day = compromised_on[0]
    # an on-site restoration lasts until the crews reach the last site
    crews_done = np.full(n, -1, dtype=np.int64)
    for slot, service in enumerate(net.slot_service.tolist()):
        if tl.slot_crew_day[slot] < NEVER and not tl.slot_is_fallback[slot]:
            crews_done[service] = max(crews_done[service], int(tl.slot_crew_day[slot]))
    codes = np.zeros((n, horizon), dtype=np.int64)
    for day in range(horizon):
        level = plain.own_state(net, day, compromised_on, at=1.0)[0, :n]
        for s in range(n):
            if hit_day[s] <= day:
                if level[s] <= EPS:
                    codes[s, day] = 1
                elif level[s] < 1 - EPS or (tl.is_on_site[s] and day < crews_done[s]):
                    codes[s, day] = 3
                else:
                    codes[s, day] = 4
        for j, s in enumerate(tl.iso_service.tolist()):
            # a compromised service stays "compromised" while isolated: the worse of the two
            if codes[s, day] != 1 and _isolated_on(tl.iso_service_window[j], tl.iso_service_share[j], day):
                codes[s, day] = 2
    parties = {svc.id: svc.party for svc in loaded.scenario.services}
    rows = [
        {
            "id": sid,
            "kind": "service",
            "party": parties.get(sid),
            "compromised_day": None if hit_day[s] >= NEVER else int(hit_day[s]),
            "intervals": _runs(codes[s].tolist(), SERVICE_STATES),
        }
        for s, sid in enumerate(net.service_ids)
    ]
    links = [iso.link for iso in loaded.scenario.incident.isolate if iso.link is not None]
    for j, link in enumerate(links):
        days = [
            2 if _isolated_on(tl.iso_alt_window[j], tl.iso_alt_share[j], d) else 0 for d in range(horizon)
        ]
        rows.append(
            {
                "id": f"link {link.from_} → {link.to}",
                "kind": "link",
                "party": None,
                "compromised_day": None,
                "intervals": _runs(days, SERVICE_STATES),
            }
        )
    return rows


def _fallbacks(
    loaded: LoadedScenario, net: CompiledNetwork, tl: IncidentTimeline, horizon: int
) -> list[dict[str, Any]]:
    """Per fallback: the sites it can serve and how many of them have it on each day."""
    out = []
    for ident, spec in loaded.scenario.incident.fallbacks.items():
        slots = np.flatnonzero(net.slot_service == net.service_ids.index(ident))
        days = tl.slot_fallback_day[slots]
        days = days[days < NEVER]
        enabled = np.searchsorted(np.sort(days), np.arange(horizon), side="right")
        out.append(
            {
                "service": ident,
                "sites": int(slots.size),
                "reach": int(days.size),
                "from_day": spec.from_day,
                "sites_per_day": spec.sites_per_day,
                "enabled": enabled.tolist(),
            }
        )
    return out


def _stores(
    loaded: LoadedScenario,
    net: CompiledNetwork,
    tl: IncidentTimeline,
    compromised_on: np.ndarray,
    horizon: int,
) -> dict[str, Any]:
    """Ids, regions, coordinates (``null`` where the table has none) and, per day, one
    character per store: the code of its state in :data:`STORE_STATES`."""
    routes = DcRoutes.of(loaded, net)
    sell_nodes = net.store_nodes("store.sell")
    changes = change_days(tl, compromised_on, horizon)
    states: list[str] = []
    counts: list[list[int]] = []
    line, tally = "", [0] * len(STORE_STATES)
    for day in range(horizon):
        if changes[day] or not states:
            cap = tl.capacity(net, day, compromised_on)
            sell = cap[0, sell_nodes]
            # what reaches the store: its store.receive, limited by its DC's (or a backup's) supply
            receive = routes.deliveries(net, cap)[0]
            code = np.zeros(sell.size, dtype=np.int64)
            code[(sell < 1 - EPS) | (receive < 1 - EPS)] = 1
            code[receive <= EPS] = 2
            code[sell <= EPS] = 3
            line = "".join("0123"[c] for c in code.tolist())
            tally = np.bincount(code, minlength=len(STORE_STATES)).tolist()
        states.append(line)
        counts.append(tally)
    lat, lon = _coordinates(loaded)
    return {
        "states_names": list(STORE_STATES),
        "ids": loaded.stores.ids.tolist(),
        "regions": loaded.stores.regions.tolist(),
        "latitude": lat,
        "longitude": lon,
        "states": states,
        "counts": counts,
    }


def _coordinates(loaded: LoadedScenario) -> tuple[list[float | None], list[float | None]]:
    """Latitude and longitude of every store; ``None`` where the table has no such column or
    an empty cell."""
    stores = loaded.stores
    if stores.latitude is None or stores.longitude is None:
        return [None] * len(stores), [None] * len(stores)
    return _floats(stores.latitude), _floats(stores.longitude)


def _floats(column: np.ndarray) -> list[float | None]:
    return [None if math.isnan(v) else v for v in column.tolist()]
