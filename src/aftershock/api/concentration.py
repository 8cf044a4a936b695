"""Vendor concentration: per party, the demand and revenue that depend on it; the HHI; SPOFs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aftershock.api.results import ConcentrationResult
from aftershock.api.scenarios import Overrides, ScenarioRef, StoresTable, load, warnings_data
from aftershock.graph import CompiledNetwork, compile_network
from aftershock.graph.concentration import MEASURES
from aftershock.graph.concentration import concentration as measure_concentration
from aftershock.graph.cuts import DcRoutes
from aftershock.model import LoadedScenario

#: One sentence on what the numbers mean, carried with them.
NOTE = (
    "worst case on the first day: the party's services down, spreading along every attack path "
    "with p > 0, no isolation, fallbacks not rolled out; demand share weighted by each store's "
    "fall in capacity (lowest of selling, ordering, deliveries and its DC's inbound); HHI over "
    "the vendors' revenue at risk, 0-10,000"
)


def concentration(
    ref: ScenarioRef, *, overrides: Overrides = None, stores: StoresTable | None = None
) -> ConcentrationResult:
    """Vendor concentration of a scenario: exposure per party, HHI over vendors, ranked SPOFs.

    Returns :func:`concentration_data` with the scenario's name and warnings. Only the
    network is used (no simulation): cheap enough for every page and command.
    """
    loaded = load(ref, overrides, stores=stores)
    return ConcentrationResult(
        {"scenario": loaded.name, **concentration_data(loaded), "warnings": warnings_data(loaded)}
    )


def concentration_data(
    loaded: LoadedScenario, net: CompiledNetwork | None = None, routes: DcRoutes | None = None
) -> dict[str, Any]:
    """The ``concentration`` block of ``impact`` and ``risk`` (see
    :mod:`aftershock.graph.concentration` for the definitions).

    ``parties``: vendors (third and fourth parties) ranked by revenue at risk, then the
    network's own parties and parties without exposure; ``hhi`` (``None`` with no exposed
    vendor), ``effective_vendors``, ``single_points`` ranked by revenue a day, and the chain's
    normal ``demand_units_per_day`` and ``revenue_per_day``.
    """
    net = compile_network(loaded) if net is None else net
    found = measure_concentration(loaded, net, routes)
    out = asdict(found)
    out["measures"] = list(MEASURES)
    out["note"] = NOTE
    return out
