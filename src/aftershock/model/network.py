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

from aftershock.model.base import MAX_COUNT, MAX_UNITS, Day, Days, Fraction, Id, Strict


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

    id: Id = Field(description="Id of the party; services name it in their `party`.")
    kind: PartyKind = Field(
        "other",
        description="What kind of organisation the party is. It is a label for reports and the "
        "graph and does not change any result. Leave out for `other`.",
    )
    name: str | None = Field(None, description="Display name of the party. Leave out to show its id.")
    description: str | None = Field(
        None, description="Free text about the party, for readers of the file. Leave out for none."
    )


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

    id: Id = Field(
        description="Id of the service; control edges, requires rules, the incident and threats name it."
    )
    party: Id = Field(description="Id of the party that runs the service.")
    kind: ServiceKind = Field(
        "other",
        description="What kind of system the service is (remote_management, pos, wms, ...). It is a "
        "label for reports and the graph and does not change any result. Leave out for `other`.",
    )
    name: str | None = Field(None, description="Display name of the service. Leave out to show its id.")
    description: str | None = Field(
        None, description="Free text about the service, for readers of the file. Leave out for none."
    )


class StoreTable(Strict):
    """Stores loaded from a CSV or Parquet table, one row per store."""

    table: str = Field(
        description=(
            "Path of the store table, relative to the scenario file. Required columns: id, "
            "region, demand_units_per_day. Optional: pos_system, on_hand_units, "
            "order_up_to_units, reorder_point_units, lead_time_days, review_period_days, order_weekday, "
            "latitude, longitude; any other column is kept as a text attribute for `where`. Ids follow "
            "the rule of every id; demand is at most 1e9 units a day, stock levels at most 1e12 units, "
            "lead times and review periods at most 365 days; text cells hold no control characters. "
            "A `dc` column names the DC that normally serves each store (one of sites.dcs); an "
            "empty cell takes defaults.dc. With one DC it may be left out."
        )
    )
    defaults: StoreDefaults = Field(
        default_factory=lambda: StoreDefaults(),
        description="Values for the columns the store table leaves out and the cells it leaves "
        "empty. Leave out for the defaults of each field.",
    )


#: Longest lead time and review period, in days (the same bounds as the store table's cells).
MAX_TABLE_DAYS = 365

#: Most days of demand a stock level may be given in (cover, initial cover, reorder point).
MAX_COVER_DAYS = 3660


class StoreDefaults(Strict):
    """Values used where the store table leaves a column out or a cell empty."""

    dc: Id | None = Field(
        None,
        description="Id of the DC that serves stores without a dc cell. Leave out when there is "
        "one DC (it serves every store) or when every store has a dc cell.",
    )
    lead_time_days: Annotated[int, Field(ge=0, le=MAX_TABLE_DAYS)] = Field(
        1,
        description="Days from dispatch at the DC until a delivery is on the store's shelf (shipped "
        "on day d, it arrives on day d + lead time; 0 counts as 1), for stores without a "
        "lead_time_days cell; at most 365. Leave out for 1.",
    )
    review_period_days: Annotated[int, Field(ge=1, le=MAX_TABLE_DAYS)] = Field(
        7,
        description="Days between two orders of a store (7: once a week), for stores without a "
        "review_period_days cell; at most 365. Leave out for 7.",
    )
    cover_days: Annotated[float, Field(gt=0, le=MAX_COVER_DAYS)] = Field(
        10.0,
        description="Order-up-to level in days of the store's demand, for stores without an "
        "order_up_to_units cell. Leave out for 10.",
    )
    initial_cover_days: Annotated[float, Field(ge=0, le=MAX_COVER_DAYS)] | None = Field(
        None,
        description="Stock on the shelf on day 0 in days of the store's demand, for stores without "
        "an on_hand_units cell. Leave out to start each such store in its steady state: stock on "
        "the shelf and on the way as if it had been ordering normally before day 0.",
    )
    reorder_point_days: Annotated[float, Field(ge=0, le=MAX_COVER_DAYS)] | None = Field(
        None,
        description="Reorder point for (s, S) ordering, in days of the store's demand: a store "
        "orders only when its inventory position is at or below this (s), for stores without a "
        "reorder_point_units cell. Leave out to order up to S at every review.",
    )


StoreTable.model_rebuild()


class BackupDC(Strict):
    """Another DC that serves this DC's stores when this one cannot ship."""

    dc: Id = Field(description="Id of the backup DC (another DC of sites.dcs).")
    share_of_spare: Fraction = Field(
        1.0,
        description="Share (0-1) of the backup's capacity (units and delivery runs) it may lend "
        "each day: of what its own stores leave unused (plan.backup_priority: own_stores_first), "
        "or of its whole capacity (covered_stores_first). Leave out for 1.",
    )
    extra_lead_time_days: Days = Field(
        1,
        description="Days added to a store's lead time when the backup delivers to it (the "
        "backup is further away). Leave out for 1.",
    )
    switch_over_days: Days = Field(
        1,
        description="Days after this DC stops shipping (its dc.pick or dc.ship availability is "
        "0) before the backup starts to serve its stores; 0: the same day. Leave out for 1.",
    )


class Supplier(Strict):
    """A supplier that replenishes a DC's stock of some items."""

    id: Id | None = Field(None, description="Name of the supplier, for reports. Leave out for none.")
    items: list[Id] | None = Field(
        None,
        description="Items it supplies (ids of items). Leave out for every item. Each item of a DC "
        "with supply has exactly one supplier.",
    )
    lead_time_days: Annotated[int, Field(ge=1, le=MAX_TABLE_DAYS)] = Field(
        2,
        description="Days from the DC's order to the supplier until the goods reach the DC's dock. "
        "Leave out for 2.",
    )
    capacity_units_per_day: Annotated[float, Field(gt=0, le=MAX_UNITS)] | None = Field(
        None,
        description="Most units the supplier ships a day over all its items (orders above it are "
        "cut in proportion). Leave out for no limit.",
    )


class DCSupply(Strict):
    """DC stock per item, replenished by suppliers; without it a DC's stock is unlimited."""

    initial_cover_days: Annotated[float, Field(ge=0, le=MAX_COVER_DAYS)] = Field(
        14.0,
        description="Stock of each item on day 0, in days of the normal demand of the DC's own "
        "stores. Leave out for 14.",
    )
    target_cover_days: Annotated[float, Field(ge=0, le=MAX_COVER_DAYS)] | None = Field(
        None,
        description="Stock the DC reorders up to, in days of its stores' normal demand: each day "
        "it orders target + (lead time × daily demand) less its stock, what is on the way and what "
        "waits at the dock. Leave out for initial_cover_days.",
    )
    inbound_capacity_units_per_day: Annotated[float, Field(gt=0, le=MAX_UNITS)] | None = Field(
        None,
        description="Units the dock receives a day at full dc.receive availability (scaled by "
        "it: a paper fallback at 0.3 receives 30 %); deliveries above it, or while dc.receive is "
        "down, wait at the dock. Leave out for the DC's pick_capacity_units_per_day.",
    )
    suppliers: Annotated[list[Supplier], Field(min_length=1)] = Field(
        description="The suppliers; together they supply every item exactly once."
    )


class DistributionCentre(Strict):
    """A distribution centre: picks its stores' orders and ships them."""

    id: Id = Field(description="Id of the DC; selectors, alternatives and links name it (`<id>/dc.ship`).")
    pick_capacity_units_per_day: Annotated[float, Field(gt=0, le=MAX_UNITS)] = Field(
        description="Units the DC picks and ships a day in normal operation. The engine scales it "
        "by the lower of the DC's dc.pick and dc.ship availability (0-1) and adds the plan's surge."
    )
    delivery_capacity_stores_per_day: Annotated[float, Field(gt=0, le=MAX_COUNT)] | None = Field(
        None,
        description="Store deliveries the fleet makes a day in normal operation (stores a day), "
        "scaled by dc.ship availability and the plan's surge. Leave out for no limit on deliveries.",
    )
    shifts_per_day: Annotated[int, Field(ge=1, le=3)] = Field(
        1,
        description="Picking shifts a day in normal operation; each surge shift adds "
        "1/shifts_per_day of the normal pick capacity. Leave out for 1.",
    )
    delivery_hours_per_day: Annotated[float, Field(gt=0, le=24)] = Field(
        10.0,
        description="Hours a day of the normal delivery window; extra surge hours add delivery "
        "capacity in proportion (2 extra hours on 10 add 20 %). Leave out for 10.",
    )
    backups: list[BackupDC] = Field(
        default_factory=list,
        description="DCs that serve this DC's stores from their spare capacity when this one "
        "cannot ship, tried in the order listed. Leave out for none.",
    )
    supply: DCSupply | None = Field(
        None,
        description="The DC's stock and its inbound supply. Leave out for unlimited stock (the "
        "DC ships whatever its capacity allows).",
    )
    description: str | None = Field(
        None, description="Free text about the DC, for readers of the file. Leave out for none."
    )


class Channel(Strict):
    """A sales channel that is not a store, such as the online shop."""

    id: Id = Field(description="Id of the channel; selectors and alternatives name it.")
    kind: Literal["online"] = Field(
        "online",
        description="What the channel is; `online` (a web shop) is the only kind: it takes the "
        "share of a closed store's demand set by behaviour.divert_online_fraction, for the stores "
        "it serves. Leave out for `online`.",
    )
    serves: SiteSelector | None = Field(
        None,
        description="The stores the channel serves (a selector of stores, such as {where: "
        "{region: north}}); a store is served by at most one channel. Leave out for every store.",
    )
    click_and_collect_share: Fraction = Field(
        0.0,
        description="Share (0-1) of each served store's demand ordered through this channel and "
        "collected at the store. It is served from the store's shelf when the channel is up and "
        "the store's store.pickup works (both scale it), and otherwise fails. Leave out for 0.",
    )
    failed_pickup_to_delivery_fraction: Fraction = Field(
        0.0,
        description="Share (0-1) of failed pickups the channel delivers to the customer instead "
        "(counted as diverted online); the rest is lost. Leave out for 0.",
    )
    capacity_units_per_day: Annotated[float, Field(gt=0, le=MAX_UNITS)] | None = Field(
        None,
        description="Units of diverted demand the channel can sell a day at full availability, "
        "scaled by its channel.online availability; diverted demand above it is lost. Leave out "
        "for no limit.",
    )
    description: str | None = Field(
        None, description="Free text about the channel, for readers of the file. Leave out for none."
    )


class Sites(Strict):
    """Stores (usually a table), DCs and channels."""

    stores: StoreTable = Field(description="The stores, loaded from a table.")
    dcs: list[DistributionCentre] = Field(
        default_factory=list,
        description="The distribution centres. Each dispatches the orders of its own stores (the "
        "store table's dc column) within its own capacity, stock and plan; the order they are "
        "listed in never changes a result. Leave out for none.",
    )
    channels: list[Channel] = Field(
        default_factory=list,
        description="Sales channels other than stores (online shops), each serving the stores of "
        "its selector; the order they are listed in never changes a result. Leave out for none.",
    )


AttributeValue = str | int | float | bool


class SiteSelector(Strict):
    """Which sites a rule applies to. Every key given must hold (the keys combine as AND).

    ``{where: {pos_system: main}}`` selects every store whose ``pos_system`` column is
    ``main`` (a list value means any of those values); ``{kind: store, where: {region:
    Gotland}}`` the stores in Gotland; ``{ids: [s1, s2, s3], where: {tier: A}}`` those of
    the three that are in tier A. ``id`` and ``ids`` do not go together, and ``where``
    (which reads store-table columns) does not go with ``kind: dc`` or ``kind: channel``.
    """

    id: Id | None = Field(
        None,
        description="The one site to select (a store, DC or channel id). Leave out to select by "
        "ids, kind or where.",
    )
    ids: list[Id] | None = Field(
        None,
        description="The sites to select, by id (stores, DCs or channels); with kind or where, "
        "only those of them that also meet these. Leave out to select by id, kind or where.",
    )
    kind: Literal["store", "dc", "channel"] | None = Field(
        None,
        description="Select only sites of this kind: store, dc or channel. Leave out for sites of any kind.",
    )
    where: dict[str, AttributeValue | list[AttributeValue]] | None = Field(
        None,
        description="Select only stores whose store-table columns have these values: each entry "
        "names a column and its value, or a list of values any of which matches, and every entry "
        "must match. DCs and channels have no columns, so `where` selects stores only. Leave out "
        "for no condition on columns.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> SiteSelector:
        if self.id is None and self.ids is None and self.kind is None and self.where is None:
            raise ValueError("a site selector needs at least one of id, ids, kind, where")
        if self.id is not None and self.ids is not None:
            raise ValueError("give either id (one site) or ids (a list of sites), not both")
        if self.where is not None and self.kind not in (None, "store"):
            raise ValueError(
                f"where selects stores by store-table columns, so it cannot go with kind: "
                f"{self.kind} (use kind: store, or leave kind out)"
            )
        return self


Channel.model_rebuild()
Sites.model_rebuild()


class Alternative(Strict):
    """One way to meet a requirement group: a service, or a capability of a named site."""

    service: Id | None = Field(
        None,
        description="Id of a service that meets the group. Give either service, or site with "
        "capability. Leave out when the alternative is a site's capability.",
    )
    site: Id | None = Field(
        None,
        description="Id of a site (DC, channel or store) whose capability meets the group; needs "
        "capability. Leave out when the alternative is a service.",
    )
    capability: Capability | None = Field(
        None,
        description="The capability of `site` that meets the group (dc.ship, ...); only with "
        "site. Leave out when the alternative is a service.",
    )
    factor: Fraction = Field(
        1.0,
        description="Share (0-1) of the target's normal capacity this alternative gives on its "
        "own when it is fully up (a payment app at 0.3 of normal checkout throughput). Leave out "
        "for 1 (full capacity).",
    )

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

    service: Id | None = Field(
        None,
        description="Id of the service that needs the groups. Give either service, or site with "
        "capability. Leave out when the rule targets sites.",
    )
    site: SiteSelector | None = Field(
        None,
        description="The sites whose capability needs the groups (one rule for many stores); "
        "needs capability. Leave out when the rule targets a service.",
    )
    capability: Capability | None = Field(
        None,
        description="The capability of the selected sites that the rule gates (store.sell, "
        "dc.ship, ...); only with site. Leave out when the rule targets a service.",
    )
    groups: Annotated[list[Annotated[list[Alternative], Field(min_length=1)]], Field(min_length=1)] = Field(
        description="Requirement groups, each a list of alternatives. The target needs every "
        "group (AND) and a group is met by any one of its alternatives (OR): its capacity is "
        "its own state × the minimum over groups of the best alternative's capacity × factor."
    )
    note: str | None = Field(
        None, description="Free text explaining the rule, for readers of the file. Leave out for none."
    )

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

    from_: Id = Field(
        alias="from",
        description="Id of the service that can push code to, or holds credentials of, `to`.",
    )
    to: Id = Field(description="Id of the service a compromise of `from` spreads to.")
    p: Fraction = Field(
        1.0,
        description="Probability (0-1) that a compromise of `from` spreads to `to`, drawn once per "
        "replication; `impact` takes every edge with p > 0. Leave out for 1 (always spreads).",
    )
    delay_days: Days = Field(
        0,
        description="Days from the compromise of `from` until `to` is compromised. Leave out for 0 "
        "(the same day).",
    )
    kind: Literal["push_code", "credentials", "network"] = Field(
        "push_code",
        description="How `from` reaches `to`: push_code (it deploys software to it, like a "
        "remote-management tool), credentials (it holds admin credentials) or network (network "
        "access). It is a label for reports and does not change the spread. Leave out for "
        "push_code.",
    )
    note: str | None = Field(
        None, description="Free text explaining the edge, for readers of the file. Leave out for none."
    )


__all__ = [
    "SITE_CAPABILITIES",
    "Alternative",
    "BackupDC",
    "Capability",
    "Channel",
    "Control",
    "DCSupply",
    "Day",
    "DistributionCentre",
    "Party",
    "Requires",
    "Service",
    "SiteSelector",
    "Sites",
    "StoreDefaults",
    "StoreTable",
    "Supplier",
]
