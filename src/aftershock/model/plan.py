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
    ramp_days: Annotated[int, Field(ge=0)] = 0
    cost_per_day: Annotated[float, Field(ge=0)] = 0.0

    @model_validator(mode="after")
    def _ordered(self) -> Surge:
        if self.until_day is not None and self.until_day <= self.from_day:
            raise ValueError(f"until_day ({self.until_day}) must be after from_day ({self.from_day})")
        return self


class OrderCap(Strict):
    """A temporary cap on units per store order."""

    units: Annotated[float, Field(gt=0)]
    from_day: Day = 0
    until_day: Day | None = Field(None, description="First day without the cap (None: horizon).")
    lift_when_backlog_below_units: Annotated[float, Field(ge=0)] | None = None
    apply_at: Literal["order", "dispatch"] = "dispatch"


class Plan(Strict):
    """How the network recovers: which orders ship first, caps and surge."""

    allocation: str = Field("fifo", description="Name of a registered allocation policy.")
    order_cap: OrderCap | None = Field(
        None,
        description="A temporary cap. A bare number N is shorthand for {units: N, from_day: "
        "<the compromise day>}; 'none' removes the cap.",
    )

    surge: list[Surge] = Field(default_factory=list)
