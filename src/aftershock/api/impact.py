"""Blast radius: what a compromise reaches, what keeps running and why, and the cut sets."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from aftershock.api.concentration import concentration_data
from aftershock.api.results import ImpactResult
from aftershock.api.scenarios import Overrides, ScenarioRef, StoresTable, load, warnings_data
from aftershock.errors import ParameterError
from aftershock.graph import CompiledNetwork, blast_radius, build_timeline, compile_network, minimal_cut_sets
from aftershock.graph.cuts import DELIVERIES, DcRoutes, minimal_cut_sets_by_group
from aftershock.model import Capability
from aftershock.model.uncertainty import point_values


def impact(
    ref: ScenarioRef,
    *,
    service: str | None = None,
    threshold: float = 0.5,
    max_order: int = 2,
    overrides: Overrides = None,
    stores: StoresTable | None = None,
) -> ImpactResult:
    """Blast radius of the scenario's compromise (or of ``service``), worst case.

    Returns compromised services with their most likely attack path, isolations, the state
    of every service and site capability with the reason, stores grouped by outcome, region
    and DC, one row per DC (can it ship, which backup covers it, how many of its stores get
    deliveries and sell), and the single points of failure / minimal cut sets of selling,
    receiving and (with DCs) deliveries: the engine's path from a store's DC, or that DC's
    backup, to the store. ``cuts_by_dc`` has the cut sets of each DC's stores alone, with
    ``demand_share`` a share of that DC's demand: a DC with a third of the chain's demand
    never reaches a chain-wide threshold of 0.5 on its own. ``concentration`` is the vendor
    concentration of the network (:func:`~aftershock.api.concentration.concentration_data`),
    whatever the compromise.
    """
    if not 0 < threshold <= 1:
        raise ParameterError("threshold", f"expected a share in (0, 1], got {threshold}")
    if not 1 <= max_order <= 4:
        raise ParameterError("max_order", f"expected 1 to 4, got {max_order}")
    loaded = point_values(load(ref, overrides, stores=stores), "impact")
    net = compile_network(loaded)
    timeline = build_timeline(loaded, net)
    start = None
    if service is not None:
        if service not in net.service_ids:
            raise ParameterError(
                "service", f"unknown service '{service}' (known: {', '.join(net.service_ids)})"
            )
        start = net.service_ids.index(service)
    routes = DcRoutes.of(loaded, net)
    report = blast_radius(net, timeline, loaded.stores.regions, start_service=start, routes=routes)
    measures: list[str] = [Capability.STORE_SELL.value, Capability.STORE_RECEIVE.value]
    if routes.dc_ids:
        measures.append(DELIVERIES)
    cuts = {}
    for measure in measures:
        found = minimal_cut_sets(net, measure, threshold=threshold, max_order=max_order, routes=routes)
        cuts[measure] = {
            "single_points_of_failure": [asdict(c) for c in found if len(c.nodes) == 1],
            "minimal_cut_sets": [asdict(c) for c in found],
        }
    return ImpactResult(
        {
            "scenario": loaded.name,
            "compromise": net.service_ids[timeline.start_service if start is None else start],
            "compromised": report.compromised,
            "isolated": report.isolated,
            "views": [asdict(v) for v in report.views],
            "cut_threshold": threshold,
            "cuts": cuts,
            "cuts_by_dc": _cuts_by_dc(net, routes, measures, threshold, max_order),
            "concentration": concentration_data(loaded, net, routes),
            "warnings": warnings_data(loaded),
        }
    )


def _cuts_by_dc(
    net: CompiledNetwork, routes: DcRoutes, measures: list[str], threshold: float, max_order: int
) -> dict[str, dict[str, Any]]:
    """Per DC (sorted by id): its stores, their demand share, and the cut sets of each measure
    over its stores alone (one propagation per combination for every DC)."""
    if not routes.dc_ids:
        return {}
    groups = routes.store_dc[None, :] == np.arange(len(routes.dc_ids))[:, None]
    demand = net.store_demand_units_per_day
    total = float(demand.sum()) or 1.0
    out: dict[str, dict[str, Any]] = {
        dc: {
            "stores": int(groups[d].sum()),
            "demand_share": float(demand[groups[d]].sum() / total),
            "cuts": {},
        }
        for d, dc in enumerate(routes.dc_ids)
    }
    for measure in measures:
        per_dc = minimal_cut_sets_by_group(
            net, groups, measure, threshold=threshold, max_order=max_order, routes=routes
        )
        for dc, found in zip(routes.dc_ids, per_dc, strict=True):
            out[dc]["cuts"][measure] = {
                "single_points_of_failure": [asdict(c) for c in found if len(c.nodes) == 1],
                "minimal_cut_sets": [asdict(c) for c in found],
            }
    return out
