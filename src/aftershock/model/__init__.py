"""Pure data: the pydantic schema of a scenario. Nothing here reads files."""

from aftershock.model.incident import Compromise, Fallback, Incident, Isolation, Link, Restore
from aftershock.model.network import (
    SITE_CAPABILITIES,
    Alternative,
    Capability,
    Channel,
    Control,
    DistributionCentre,
    Party,
    Requires,
    Service,
    Sites,
    SiteSelector,
    StoreDefaults,
    StoreTable,
)
from aftershock.model.plan import OrderCap, Plan, Surge
from aftershock.model.scenario import Behaviour, Demand, Item, Scenario, Source
from aftershock.model.stores import LoadedScenario, StoreFrame
from aftershock.model.threats import Estimate, Threat

__all__ = [
    "SITE_CAPABILITIES",
    "Alternative",
    "Behaviour",
    "Capability",
    "Channel",
    "Compromise",
    "Control",
    "Demand",
    "DistributionCentre",
    "Estimate",
    "Fallback",
    "Incident",
    "Isolation",
    "Item",
    "Link",
    "LoadedScenario",
    "OrderCap",
    "Party",
    "Plan",
    "Requires",
    "Restore",
    "Scenario",
    "Service",
    "SiteSelector",
    "Sites",
    "Source",
    "StoreDefaults",
    "StoreFrame",
    "StoreTable",
    "Surge",
    "Threat",
]
