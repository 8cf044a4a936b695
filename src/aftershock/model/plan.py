"""The recovery plan: allocation policy, order caps and surge capacity."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from aftershock.model.base import MAX_MONEY, MAX_UNITS, Day, Days, Id, Strict

#: Largest extra capacity or cap as a share of normal (100: a hundred times normal).
MAX_SHARE_OF_NORMAL = 100


class Surge(Strict):
    """Extra capacity from ``from_day`` to ``until_day`` (exclusive): shifts, longer hours."""

    from_day: Day = Field(description="First day of the surge.")
    dc: Id | None = Field(
        None, description="Id of the DC that adds the capacity. Leave out for every DC (each adds it)."
    )
    until_day: Day | None = Field(
        None, description="First day without the surge. Leave out to keep it to the end of the horizon."
    )
    extra_pick_fraction: Annotated[float, Field(ge=0, le=MAX_SHARE_OF_NORMAL)] = Field(
        0.0,
        description="Extra DC pick capacity as a share of normal (1.0 doubles it). Leave out for 0.",
    )
    extra_delivery_fraction: Annotated[float, Field(ge=0, le=MAX_SHARE_OF_NORMAL)] = Field(
        0.0,
        description="Extra delivery capacity (stores a day) as a share of normal. Leave out for 0.",
    )
    extra_shifts: Annotated[int, Field(ge=0, le=6)] = Field(
        0,
        description="Extra picking shifts a day; each adds 1/shifts_per_day of the DC's normal pick "
        "capacity. Leave out for 0.",
    )
    extra_delivery_hours: Annotated[float, Field(ge=0, le=24)] = Field(
        0.0,
        description="Hours added to the delivery window each day; delivery capacity grows in "
        "proportion to the DC's normal delivery_hours_per_day. Leave out for 0.",
    )
    ramp_days: Days = Field(
        0,
        description="Days over which the surge builds up linearly to its full size (with 1: half "
        "on from_day, full the day after). Leave out for 0 (full from from_day).",
    )
    cost_per_day: Annotated[float, Field(ge=0, le=MAX_MONEY)] = Field(
        0.0,
        description="Fixed cost of each surge day, in the currency of item prices. Leave out for 0.",
    )
    cost_per_shift: Annotated[float, Field(ge=0, le=MAX_MONEY)] = Field(
        0.0,
        description="Cost of one extra shift on one day, in the currency of item prices. Leave out for 0.",
    )
    cost_per_delivery_hour: Annotated[float, Field(ge=0, le=MAX_MONEY)] = Field(
        0.0,
        description="Cost of one extra delivery hour on one day, in the currency of item prices. "
        "Leave out for 0.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Surge:
        if self.until_day is not None and self.until_day <= self.from_day:
            raise ValueError(f"until_day ({self.until_day}) must be after from_day ({self.from_day})")
        return self


class OrderCap(Strict):
    """A temporary cap on units per store order line (store × item).

    ``units`` is a fixed cap; ``fraction_of_normal`` caps each line at that share of the
    store's normal order (demand over a review period). With both, the smaller applies.
    """

    units: Annotated[float, Field(gt=0, le=MAX_UNITS)] | None = Field(
        None,
        description="Cap in units per order line (store × item). Leave out to cap by "
        "fraction_of_normal alone (one of the two is needed).",
    )
    fraction_of_normal: Annotated[float, Field(gt=0, le=MAX_SHARE_OF_NORMAL)] | None = Field(
        None,
        description="Cap as a share of the line's normal order, which is the store's normal "
        "demand for the item over its review period (0.5: half a normal order; above 1 allows more "
        "than normal). With units too, the smaller cap applies. Leave out to cap by units alone.",
    )
    from_day: Day = Field(
        0,
        description="First day the cap applies. Leave out for day 0 (the bare-number shorthand of "
        "plan.order_cap sets the compromise day).",
    )
    until_day: Day | None = Field(
        None,
        description="First day without the cap. Leave out to keep it to the end of the horizon "
        "(or until lift_when_backlog_below_units lifts it).",
    )
    lift_when_backlog_below_units: Annotated[float, Field(ge=0, le=MAX_UNITS)] | None = Field(
        None,
        description="Lift the cap for good once, on or after from_day, the DC's backlog (units "
        "owed to its stores) falls below this many units; each DC lifts it on its own backlog. "
        "Leave out to keep the cap to until_day.",
    )
    dcs: list[Id] | None = Field(
        None,
        description="Ids of the DCs whose stores the cap applies to; each lifts it on its own "
        "backlog. Leave out for every DC.",
    )
    apply_at: Literal["order", "dispatch"] = Field(
        "dispatch",
        description="When the cap applies: order (stores never order the excess) or dispatch (at "
        "most the cap ships a day per line and the rest stays in the backlog). Leave out for "
        "dispatch.",
    )

    @model_validator(mode="after")
    def _some_limit(self) -> OrderCap:
        if self.units is None and self.fraction_of_normal is None:
            raise ValueError("an order cap needs units or fraction_of_normal")
        if self.until_day is not None and self.until_day <= self.from_day:
            raise ValueError(f"until_day ({self.until_day}) must be after from_day ({self.from_day})")
        return self


#: The built-in allocation policies and what each does (``policies.allocation``); the
#: description of ``Plan.allocation`` lists them, and a test checks it against the registry.
ALLOCATION_POLICIES: dict[str, str] = {
    "fifo": "oldest orders first",
    "proportional": "every open line gets the same share of what it is owed",
    "fair-share": "brings stores to equal days of cover",
    "lowest-cover-first": "stores with the fewest days of cover first",
    "priority": "stores ranked by priority_attribute",
    "planned": "follows a dispatch plan from `aftershock optimize`, FIFO without one",
}


class Plan(Strict):
    """How the network recovers: which orders ship first, caps and surge."""

    allocation: str = Field(
        "fifo",
        description="Name of the allocation policy that decides which open order lines the DC "
        "ships when it cannot ship them all: "
        + "; ".join(f"{name} ({what})" for name, what in ALLOCATION_POLICIES.items())
        + "; or a plug-in registered under its own name (see docs/policies.md). Leave out for fifo.",
    )
    priority_attribute: str | None = Field(
        None,
        description="Store-table column that ranks stores for the priority policy (such as tier). "
        "Leave out unless allocation is priority, which needs it.",
    )
    priority_order: list[str] | None = Field(
        None,
        description="Values of priority_attribute, most urgent first; stores with values not "
        "listed come last. Leave out to rank the values in sorted order.",
    )
    order_cap: OrderCap | None = Field(
        None,
        description="A temporary cap per store order line. A bare number N is shorthand for "
        "{units: N, from_day: <the compromise day>}, and 'none' means no cap. Leave out for no cap.",
    )
    surge: list[Surge] = Field(
        default_factory=list,
        description="Windows of extra DC capacity (shifts, longer delivery hours), each at one DC "
        "or at every DC. Leave out for none.",
    )
    allocation_by_dc: dict[Id, str] | None = Field(
        None,
        description="Allocation policy of single DCs, by DC id, in place of `allocation` (such "
        "as {dc-north: lowest-cover-first}). Leave out to use `allocation` at every DC.",
    )
    backup_priority: Literal["own_stores_first", "covered_stores_first"] = Field(
        "own_stores_first",
        description="Whom a backup DC serves first: its own stores, lending only the share of "
        "the capacity they leave unused (own_stores_first), or the stores it covers, up to the "
        "share of its whole capacity (covered_stores_first). Leave out for own_stores_first.",
    )
