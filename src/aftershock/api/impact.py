"""Blast radius: what a compromise reaches, what keeps running and why, and the cut sets."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aftershock.api.scenarios import ScenarioRef, load, warnings_data
from aftershock.errors import ParameterError
from aftershock.graph import (
    blast_radius,
    build_timeline,
    compile_network,
    minimal_cut_sets,
    single_points_of_failure,
)
from aftershock.model import Capability


def impact(
    ref: ScenarioRef,
    *,
    service: str | None = None,
    threshold: float = 0.5,
    max_order: int = 2,
    overrides: list[str] | None = None,
) -> dict[str, Any]:
    """Blast radius of the scenario's compromise (or of ``service``), worst case.

    Returns compromised services with their most likely attack path, isolations, the state
    of every service and site capability with the reason, stores grouped by outcome and
    region, and the single points of failure / minimal cut sets of selling and receiving.
    """
    if not 0 < threshold <= 1:
        raise ParameterError("threshold", f"expected a share in (0, 1], got {threshold}")
    if not 1 <= max_order <= 4:
        raise ParameterError("max_order", f"expected 1 to 4, got {max_order}")
    loaded = load(ref, overrides)
    net = compile_network(loaded)
    timeline = build_timeline(loaded, net)
    start = None
    if service is not None:
        if service not in net.service_ids:
            raise ParameterError(
                "service", f"unknown service '{service}' (known: {', '.join(net.service_ids)})"
            )
        start = net.service_ids.index(service)
    report = blast_radius(net, timeline, loaded.stores.regions, start_service=start)
    cuts = {}
    for capability in (Capability.STORE_SELL, Capability.STORE_RECEIVE):
        cuts[capability.value] = {
            "single_points_of_failure": [
                asdict(c) for c in single_points_of_failure(net, capability, threshold=threshold)
            ],
            "minimal_cut_sets": [
                asdict(c) for c in minimal_cut_sets(net, capability, threshold=threshold, max_order=max_order)
            ],
        }
    return {
        "scenario": loaded.name,
        "compromise": net.service_ids[timeline.start_service if start is None else start],
        "compromised": report.compromised,
        "isolated": report.isolated,
        "views": [asdict(v) for v in report.views],
        "cut_threshold": threshold,
        "cuts": cuts,
        "warnings": warnings_data(loaded),
    }
