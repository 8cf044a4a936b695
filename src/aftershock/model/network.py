"""Parties, services, sites and the two kinds of edges between them.

* **requires** edges carry availability: a node needs *all* of its requirement groups, a
  group is met by *any one* of its alternatives, each alternative scaled by a capacity
  factor (a payment app = 0.3 of normal checkout throughput).
* **control** edges carry compromise: who can push code to, or holds credentials of, whom.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from aftershock.model.base import Day, Fraction, Id, Strict


class Capability(StrEnum):
    """What a site or channel can do. Each (site, capability) pair is a node of the graph."""

    STORE_SELL = "store.sell"
    STORE_RECEIVE = "store.receive"
    STORE_ORDER = "store.order"
    STORE_PICKUP = "store.pickup"
    DC_RECEIVE = "dc.receive"
    DC_PICK = "dc.pick"
    DC_SHIP = "dc.ship"
    CHANNEL_ONLINE = "channel.online"
    WHOLESALE_ORDERING = "wholesale.ordering"


#: Capabilities each kind of site has.
SITE_CAPABILITIES: dict[str, tuple[Capability, ...]] = {
    "store": (
        Capability.STORE_SELL,
        Capability.STORE_RECEIVE,
        Capability.STORE_ORDER,
        Capability.STORE_PICKUP,
    ),
    "dc": (
        Capability.DC_RECEIVE,
        Capability.DC_PICK,
        Capability.DC_SHIP,
        Capability.WHOLESALE_ORDERING,
    ),
    "channel": (Capability.CHANNEL_ONLINE,),
}


PartyKind = Literal[
    "software_vendor",
    "msp",
    "it_supplier",
    "logistics_provider",
    "parent_company",
    "wholesaler",
    "retailer",
    "producer",
    "payment_provider",
    "other",
]


class Party(Strict):
    """An organisation: vendor, MSP, logistics partner, wholesaler, retailer."""

    id: Id
    kind: PartyKind = "other"
    name: str | None = Field(None, description="Display name.")
    description: str | None = None


ServiceKind = Literal[
    "remote_management",
    "pos",
    "payment",
    "wms",
    "tms",
    "erp",
    "webshop",
    "corporate_it",
    "network",
    "other",
]


class Service(Strict):
    """A system or service run by a party (remote-management tool, POS, WMS, web shop)."""

    id: Id
    party: Id = Field(description="Id of the party that runs the service.")
    kind: ServiceKind = "other"
    name: str | None = None
    description: str | None = None


class StoreTable(Strict):
    """Stores loaded from a CSV or Parquet table, one row per store."""

    table: str = Field(
        description=(
            "Path of the store table, relative to the scenario file. Required columns: id, "
            "region, demand_units_per_day. Optional: pos_system, on_hand_units, "
            "order_up_to_units, reorder_point_units, lead_time_days, review_period_days, order_weekday, "
            "latitude, longitude; any other column is kept as a text attribute for `where`."
        )
    )
    defaults: StoreDefaults = Field(default_factory=lambda: StoreDefaults())


class StoreDefaults(Strict):
    """Values used where the store table leaves a column out or a cell empty."""

    lead_time_days: Annotated[int, Field(ge=0)] = 1
    review_period_days: Annotated[int, Field(ge=1)] = 7
    cover_days: Annotated[float, Field(gt=0)] = Field(
        10.0,
        description="order-up-to level in days of demand when order_up_to_units is absent",
    )
    initial_cover_days: Annotated[float, Field(ge=0)] | None = Field(
        None,
        description="initial stock in days of demand when on_hand_units is absent "
        "(default: each store starts in its steady state: stock on the shelf and on the way "
        "as if it had been ordering normally before day 0)",
    )
    reorder_point_days: Annotated[float, Field(ge=0)] | None = Field(
        None,
        description="(s, S) ordering: order only when the inventory position is at or below "
        "this many days of demand (s), when reorder_point_units is absent. None: order up "
        "to S at every review.",
    )


StoreTable.model_rebuild()


class DistributionCentre(Strict):
    """A distribution centre: picks store orders and ships them."""

    id: Id
    pick_capacity_units_per_day: Annotated[float, Field(gt=0)]
    delivery_capacity_stores_per_day: Annotated[float, Field(gt=0)] | None = Field(
        None, description="How many store deliveries the fleet makes a day (None: unlimited)."
    )
    shifts_per_day: Annotated[int, Field(ge=1, le=3)] = Field(
        1, description="Picking shifts in normal operation; a surge shift adds 1/shifts_per_day."
    )
    delivery_hours_per_day: Annotated[float, Field(gt=0, le=24)] = Field(
        10.0, description="Normal delivery window; extra hours add capacity in proportion."
    )
    description: str | None = None


class Channel(Strict):
    """A sales channel that is not a store, such as the online shop."""

    id: Id
    kind: Literal["online"] = "online"
    capacity_units_per_day: Annotated[float, Field(gt=0)] | None = None
    description: str | None = None


class Sites(Strict):
    """Stores (usually a table), DCs and channels."""

    stores: StoreTable
    dcs: list[DistributionCentre] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)


AttributeValue = str | int | float | bool


class SiteSelector(Strict):
    """Which sites a rule applies to: by id, by kind, and/or by attribute values.

    ``where: {pos_system: main}`` selects every store whose ``pos_system`` column is
    ``main``; a list value means any of those values.
    """

    id: Id | None = None
    ids: list[Id] | None = None
    kind: Literal["store", "dc", "channel"] | None = None
    where: dict[str, AttributeValue | list[AttributeValue]] | None = None

    @model_validator(mode="after")
    def _something(self) -> SiteSelector:
        if self.id is None and self.ids is None and self.kind is None and self.where is None:
            raise ValueError("a site selector needs at least one of id, ids, kind, where")
        return self


class Alternative(Strict):
    """One way to meet a requirement group: a service, or a capability of a named site."""

    service: Id | None = None
    site: Id | None = None
    capability: Capability | None = None
    factor: Fraction = Field(1.0, description="Share of normal capacity this alternative gives.")

    @model_validator(mode="after")
    def _one_target(self) -> Alternative:
        if (self.service is None) == (self.site is None):
            raise ValueError("an alternative names either a service or a site (with a capability)")
        if self.site is not None and self.capability is None:
            raise ValueError("an alternative that names a site also needs its capability")
        if self.service is not None and self.capability is not None:
            raise ValueError("capability goes with site, not with service")
        return self


class Requires(Strict):
    """Availability: the target needs all groups; a group is met by any one alternative."""

    service: Id | None = Field(None, description="The target is a service ...")
    site: SiteSelector | None = Field(None, description="... or a capability of selected sites.")
    capability: Capability | None = None
    groups: Annotated[list[Annotated[list[Alternative], Field(min_length=1)]], Field(min_length=1)]
    note: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Requires:
        if (self.service is None) == (self.site is None):
            raise ValueError("a requires rule targets either a service or a site with a capability")
        if self.site is not None and self.capability is None:
            raise ValueError("a requires rule on sites needs the capability it gates")
        if self.service is not None and self.capability is not None:
            raise ValueError("capability goes with site, not with service")
        return self


class Control(Strict):
    """An attack path: ``from`` can push code to, or holds credentials of, ``to``."""

    from_: Id = Field(alias="from")
    to: Id
    p: Fraction = Field(1.0, description="Probability that a compromise spreads along the edge.")
    delay_days: Annotated[int, Field(ge=0)] = 0
    kind: Literal["push_code", "credentials", "network"] = "push_code"
    note: str | None = None


__all__ = [
    "SITE_CAPABILITIES",
    "Alternative",
    "Capability",
    "Channel",
    "Control",
    "Day",
    "DistributionCentre",
    "Party",
    "Requires",
    "Service",
    "SiteSelector",
    "Sites",
    "StoreDefaults",
    "StoreTable",
]
