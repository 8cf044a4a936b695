"""Pure data: the pydantic schema of a scenario. Nothing here reads files."""

from aftershock.model.incident import Compromise, Fallback, Incident, Isolation, Link, Restore
from aftershock.model.insurance import InsuranceTerms
from aftershock.model.network import (
    SITE_CAPABILITIES,
    Alternative,
    BackupDC,
    Capability,
    Channel,
    Control,
    DCSupply,
    DistributionCentre,
    Party,
    Requires,
    Service,
    Sites,
    SiteSelector,
    StoreDefaults,
    StoreTable,
    Supplier,
)
from aftershock.model.plan import OrderCap, Plan, Surge
from aftershock.model.scenario import Behaviour, Demand, Item, OrderInflation, Scenario, Source, Variant
from aftershock.model.stores import LoadedScenario, StoreFrame
from aftershock.model.threats import CauseEntry, CommonCause, Estimate, Threat

__all__ = [
    "SITE_CAPABILITIES",
    "Alternative",
    "BackupDC",
    "Behaviour",
    "Capability",
    "CauseEntry",
    "Channel",
    "CommonCause",
    "Compromise",
    "Control",
    "DCSupply",
    "Demand",
    "DistributionCentre",
    "Estimate",
    "Fallback",
    "Incident",
    "InsuranceTerms",
    "Isolation",
    "Item",
    "Link",
    "LoadedScenario",
    "OrderCap",
    "OrderInflation",
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
    "Supplier",
    "Surge",
    "Threat",
    "Variant",
]
