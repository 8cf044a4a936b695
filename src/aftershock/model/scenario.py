"""The scenario: one network, one incident, one recovery plan, and how demand behaves."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from aftershock.model.base import Fraction, Id, Strict
from aftershock.model.incident import Incident
from aftershock.model.network import Control, Party, Requires, Service, Sites
from aftershock.model.plan import Plan
from aftershock.model.threats import Threat


class Item(Strict):
    """A product group. A store's demand is split over items by ``demand_share``."""

    id: Id
    demand_share: Annotated[float, Field(gt=0)] = 1.0
    price: Annotated[float, Field(ge=0)] = Field(0.0, description="Revenue per unit sold.")
    margin: Annotated[float, Field(ge=0)] = Field(0.0, description="Gross margin per unit sold.")


class Demand(Strict):
    """How daily demand is drawn."""

    distribution: Literal["poisson", "negative_binomial", "deterministic"] = "poisson"
    dispersion: Annotated[float, Field(gt=0)] = Field(
        10.0, description="Negative binomial size parameter (larger = closer to Poisson)."
    )
    weekday_factors: Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=7, max_length=7)] = (
        Field(
            default_factory=lambda: [1.0] * 7,
            description="Demand multiplier per weekday, Monday first (day 0 is start_date's weekday).",
        )
    )


class Behaviour(Strict):
    """What customers do when a store cannot serve them."""

    divert_online_fraction: Fraction = Field(
        0.0, description="Share of demand a closed store loses to the online channel."
    )
    divert_nearby_fraction: Fraction = Field(
        0.0, description="Share of unserved demand that goes to an open store in the same region."
    )
    churn_fraction: Fraction = Field(
        0.0, description="Share of unserved customers who do not come back (demand decays)."
    )
    churn_recovery_days: Annotated[float, Field(gt=0)] = Field(
        60.0, description="Time constant over which lost customers drift back."
    )


class Source(Strict):
    """A public source behind a fact in the scenario."""

    title: str
    url: str | None = None
    date: dt.date | None = None


class Scenario(Strict):
    """A retail supply network, an incident on it, and a recovery plan."""

    name: Id
    title: str | None = None
    description: str | None = None
    horizon_days: Annotated[int, Field(ge=1, le=3660)]
    start_date: dt.date | None = Field(None, description="Calendar date of day 0 (metadata).")
    items: list[Item] = Field(default_factory=lambda: [Item(id="all")], min_length=1)
    sites: Sites
    parties: list[Party] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    control: list[Control] = Field(default_factory=list)
    requires: list[Requires] = Field(default_factory=list)
    incident: Incident
    plan: Plan = Field(default_factory=Plan)
    demand: Demand = Field(default_factory=Demand)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    threats: list[Threat] = Field(
        default_factory=list, description="Yearly threat model for `aftershock risk` and `stress`."
    )
    sources: list[Source] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _cap_shorthand(cls, data: Any) -> Any:
        plan = data.get("plan") if isinstance(data, dict) else None
        cap = plan.get("order_cap") if isinstance(plan, dict) else None
        if isinstance(cap, str) and cap.strip().lower() in {"none", "null", "off"}:
            plan["order_cap"] = None
        elif isinstance(cap, int | float) and not isinstance(cap, bool):
            incident = data.get("incident")
            compromise = incident.get("compromise") if isinstance(incident, dict) else None
            day = compromise.get("day") if isinstance(compromise, dict) else None
            plan["order_cap"] = {"units": cap, "from_day": day if isinstance(day, int) else 0}
        return data

    def calendar_date(self, day: int) -> dt.date | None:
        """The calendar date of ``day``, when ``start_date`` is set."""
        return None if self.start_date is None else self.start_date + dt.timedelta(days=day)
