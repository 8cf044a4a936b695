"""The recovery plan: allocation policy, order caps and surge capacity."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from aftershock.model.base import Day, Strict


class Surge(Strict):
    """Extra capacity from ``from_day`` to ``until_day`` (exclusive): shifts, longer hours."""

    from_day: Day
    until_day: Day | None = Field(None, description="First day without the surge (None: horizon).")
    extra_pick_fraction: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Extra DC pick capacity as a fraction of normal (1.0 = doubled)."
    )
    extra_delivery_fraction: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Extra delivery capacity as a fraction of normal (longer hours)."
    )
    extra_shifts: Annotated[int, Field(ge=0, le=6)] = Field(
        0, description="Extra picking shifts a day; each adds 1/shifts_per_day of normal pick capacity."
    )
    extra_delivery_hours: Annotated[float, Field(ge=0, le=24)] = Field(
        0.0, description="Longer delivery window, in hours a day (adds in proportion to normal hours)."
    )
    ramp_days: Annotated[int, Field(ge=0)] = Field(
        0, description="Days over which the surge builds up linearly to its full size."
    )
    cost_per_day: Annotated[float, Field(ge=0)] = Field(0.0, description="Fixed cost a surge day.")
    cost_per_shift: Annotated[float, Field(ge=0)] = Field(0.0, description="Cost of one extra shift.")
    cost_per_delivery_hour: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Cost of one extra delivery hour."
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

    units: Annotated[float, Field(gt=0)] | None = None
    fraction_of_normal: Annotated[float, Field(gt=0)] | None = None
    from_day: Day = 0
    until_day: Day | None = Field(None, description="First day without the cap (None: horizon).")
    lift_when_backlog_below_units: Annotated[float, Field(ge=0)] | None = None
    apply_at: Literal["order", "dispatch"] = Field(
        "dispatch",
        description="order: the excess is never ordered; dispatch: ship at most the cap a day, "
        "the rest stays in the backlog.",
    )

    @model_validator(mode="after")
    def _some_limit(self) -> OrderCap:
        if self.units is None and self.fraction_of_normal is None:
            raise ValueError("an order cap needs units or fraction_of_normal")
        if self.until_day is not None and self.until_day <= self.from_day:
            raise ValueError(f"until_day ({self.until_day}) must be after from_day ({self.from_day})")
        return self


class Plan(Strict):
    """How the network recovers: which orders ship first, caps and surge."""

    allocation: str = Field(
        "fifo",
        description="Name of a registered allocation policy: fifo, proportional, fair-share, "
        "lowest-cover-first, priority (see docs/policies.md).",
    )
    priority_attribute: str | None = Field(
        None, description="Store-table column ranking stores for the 'priority' policy (e.g. tier)."
    )
    priority_order: list[str] | None = Field(
        None,
        description="Values of priority_attribute, most urgent first; values not listed come last. "
        "Default: sorted order.",
    )
    order_cap: OrderCap | None = Field(
        None,
        description="A temporary cap. A bare number N is shorthand for {units: N, from_day: "
        "<the compromise day>}; 'none' removes the cap.",
    )

    surge: list[Surge] = Field(default_factory=list)
