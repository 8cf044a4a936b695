"""The scenario: one network, one incident, one recovery plan, and how demand behaves."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from aftershock.model.base import MAX_DAY, MAX_MONEY, Fraction, Id, Strict
from aftershock.model.incident import Incident
from aftershock.model.network import Control, Party, Requires, Service, Sites
from aftershock.model.plan import Plan
from aftershock.model.threats import Threat

#: Bounds of the demand parameters: a draw must stay far inside what NumPy's Poisson and
#: negative binomial generators accept (a mean below about 9e18), whatever the store's demand.
MIN_DISPERSION = 0.01
MAX_DISPERSION = 1_000_000
MAX_WEEKDAY_FACTOR = 100
MAX_DEMAND_SHARE = 1_000_000
#: Most product groups: every store carries an array per item in the engine.
MAX_ITEMS = 1000
#: Range of start_date: every day a scenario can name (up to 100,000 days on) and every day
#: of a report stays a date that Python, NumPy and pandas can all represent.
FIRST_START_DATE = dt.date(1900, 1, 1)
LAST_START_DATE = dt.date(2199, 12, 31)


class Item(Strict):
    """A product group. A store's demand is split over items by ``demand_share``."""

    id: Id = Field(description="Id of the item (product group).")
    demand_share: Annotated[float, Field(gt=0, le=MAX_DEMAND_SHARE)] = Field(
        1.0,
        description="Weight of the item in each store's demand: a store's demand_units_per_day is "
        "split over items in proportion to their shares (they need not add up to 1; at most "
        "1,000,000 each). Leave out for 1.",
    )
    price: Annotated[float, Field(ge=0, le=MAX_MONEY)] = Field(
        0.0,
        description="Revenue per unit sold, in the currency of the report (all money fields use "
        "it). Leave out for 0 (no revenue figures).",
    )
    margin: Annotated[float, Field(ge=0, le=MAX_MONEY)] = Field(
        0.0,
        description="Gross margin per unit sold, in the same currency as price. Leave out for 0.",
    )


class Demand(Strict):
    """How daily demand is drawn."""

    distribution: Literal["poisson", "negative_binomial", "deterministic"] = Field(
        "poisson",
        description="How each store's daily demand (units) is drawn around its mean: poisson; "
        "negative_binomial (more spread, see dispersion); or deterministic (exactly the mean, "
        "no randomness). Leave out for poisson.",
    )
    dispersion: Annotated[float, Field(ge=MIN_DISPERSION, le=MAX_DISPERSION)] = Field(
        10.0,
        description="Size parameter of the negative binomial (larger is closer to Poisson), from "
        "0.01 (very spread) to 1,000,000 (as good as Poisson); used only with negative_binomial. "
        "Leave out for 10.",
    )
    weekday_factors: Annotated[
        list[Annotated[float, Field(ge=0, le=MAX_WEEKDAY_FACTOR)]], Field(min_length=7, max_length=7)
    ] = Field(
        default_factory=lambda: [1.0] * 7,
        description="Demand multiplier for each weekday, Monday first (day 0 is start_date's "
        "weekday, or a Monday without one), each from 0 to 100. Leave out for 1 on every day.",
    )


class Behaviour(Strict):
    """What customers do when a store cannot serve them."""

    divert_online_fraction: Fraction = Field(
        0.0,
        description="Share (0-1) of a closed store's demand that goes to the online channel "
        "instead. Leave out for 0.",
    )
    divert_nearby_fraction: Fraction = Field(
        0.0,
        description="Share (0-1) of a closed store's demand that goes to an open store in the same "
        "region. Leave out for 0.",
    )
    churn_fraction: Fraction = Field(
        0.0,
        description="Share (0-1) of unserved customers who do not come back at once (the store's "
        "demand decays). Leave out for 0 (no churn).",
    )
    churn_recovery_days: Annotated[float, Field(ge=1, le=MAX_DAY)] = Field(
        60.0,
        description="Time constant, in days, over which lost customers drift back (at least 1: each "
        "day a 1/churn_recovery_days share of the lost customers comes back). Leave out for 60.",
    )


class Source(Strict):
    """A public source behind a fact in the scenario."""

    title: str = Field(description="Title of the source (article, report, press release).")
    url: str | None = Field(None, description="Address of the source. Leave out when it has none.")
    date: dt.date | None = Field(
        None, description="Publication date of the source (YYYY-MM-DD). Leave out when unknown."
    )


class Scenario(Strict):
    """A retail supply network, an incident on it, and a recovery plan."""

    name: Id = Field(description="Short name of the scenario, used in reports and the run store.")
    title: str | None = Field(None, description="Display title. Leave out to show the name.")
    description: str | None = Field(
        None, description="Free text about the scenario, for readers of the file. Leave out for none."
    )
    horizon_days: Annotated[int, Field(ge=1, le=3660)] = Field(
        description="Number of days simulated, from day 0; days of the incident and plan must lie "
        "inside it (0 .. horizon_days - 1)."
    )
    start_date: Annotated[dt.date, Field(ge=FIRST_START_DATE, le=LAST_START_DATE)] | None = Field(
        None,
        description="Calendar date of day 0 (YYYY-MM-DD), from 1900-01-01 to 2199-12-31: it names "
        "days in reports and sets the weekday of day 0. Leave out to count days only (day 0 is then "
        "a Monday).",
    )
    items: list[Item] = Field(
        default_factory=lambda: [Item(id="all")],
        min_length=1,
        max_length=MAX_ITEMS,
        description="Product groups over which store demand is split (at most 1,000). Leave out for "
        "one item, `all`, carrying all demand.",
    )
    sites: Sites = Field(description="The stores, DCs and channels.")
    parties: list[Party] = Field(
        default_factory=list, description="The organisations involved. Leave out for none."
    )
    services: list[Service] = Field(
        default_factory=list, description="The systems and services parties run. Leave out for none."
    )
    control: list[Control] = Field(
        default_factory=list,
        description="Attack paths: who can push code to, or holds credentials of, whom. Leave out "
        "for none (a compromise stays where it starts).",
    )
    requires: list[Requires] = Field(
        default_factory=list,
        description="Availability rules: what each service or site capability needs. Leave out "
        "for none (nothing depends on anything).",
    )
    incident: Incident = Field(
        description="The incident: compromise, detection, isolation, restoration and fallbacks."
    )
    plan: Plan = Field(
        default_factory=Plan,
        description="The recovery plan: allocation policy, order cap and surge. Leave out for FIFO "
        "with no cap and no surge.",
    )
    demand: Demand = Field(
        default_factory=Demand,
        description="How daily demand is drawn. Leave out for Poisson with no weekday pattern.",
    )
    behaviour: Behaviour = Field(
        default_factory=Behaviour,
        description="What customers do when a store cannot serve them. Leave out for no diversion "
        "and no churn.",
    )
    threats: list[Threat] = Field(
        default_factory=list,
        description="Yearly threat model for `aftershock risk` and `aftershock stress`. Leave out "
        "for none (those commands then need it).",
    )
    sources: list[Source] = Field(
        default_factory=list,
        description="Public sources behind the facts in the scenario. Leave out for none.",
    )

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
