"""The scenario: one network, one incident, one recovery plan, and how demand behaves."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from aftershock.model.base import MAX_DAY, MAX_MONEY, Fraction, Id, Strict
from aftershock.model.incident import Incident
from aftershock.model.insurance import InsuranceTerms
from aftershock.model.network import Control, Party, Requires, Service, Sites
from aftershock.model.plan import Plan
from aftershock.model.threats import CommonCause, Estimate, Threat

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


class OrderInflation(Strict):
    """Orders above need when stores fear rationing (hoarding), fading after the fear passes.

    A store orders up to its level × (1 + inflation). Inflation jumps to ``after_stockout``
    on a day its shelf runs empty (of any item) and to ``while_short`` on a day its DC
    cannot ship in full or an order cap applies to it; on other days it fades with the
    time constant ``fade_days``.
    """

    after_stockout: Annotated[float, Field(ge=0, le=10)] = Field(
        0.5,
        description="Extra order, as a share of the order-up-to level, on the day after the store's "
        "shelf ran empty (0.5: up to 1.5 × its level). Leave out for 0.5.",
    )
    while_short: Annotated[float, Field(ge=0, le=10)] = Field(
        0.25,
        description="Extra order, as a share of the order-up-to level, while the store's DC cannot "
        "ship in full (a shortage stores hear of) or an order cap applies to the store. Leave out "
        "for 0.25.",
    )
    fade_days: Annotated[float, Field(ge=1, le=MAX_DAY)] = Field(
        7.0,
        description="Time constant, in days, over which the extra fades once the cause has passed "
        "(each day it shrinks by 1/fade_days of itself). Leave out for 7.",
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
        description="Share (0-1) of the customers a store fails to serve (closed door, empty shelf, "
        "failed pickup; not those diverted) who stay away. Each takes their share of the store's "
        "daily demand with them: unserved units / visit_interval_days a day. Leave out for 0 (no "
        "churn).",
    )
    churn_recovery_days: Annotated[float, Field(ge=1, le=MAX_DAY)] = Field(
        60.0,
        description="Time constant, in days, over which lost customers come back (at least 1: each "
        "day a 1/churn_recovery_days share of those still away returns). Leave out for 60.",
    )
    visit_interval_days: Annotated[float, Field(ge=1, le=365)] = Field(
        7.0,
        description="Days between two visits of a customer, on average (7: a weekly shop; about 3 "
        "for groceries). A day's demand comes from 1/visit_interval_days of the store's customers, "
        "so a customer turned away on several days of an outage is counted once per visit, not "
        "once per day. Leave out for 7.",
    )
    order_inflation: OrderInflation | None = Field(
        None,
        description="Stores that order more than they need when they fear rationing: after their "
        "shelf ran empty, or while their DC cannot ship in full or an order cap is on. Leave out "
        "for stores that always order up to their level.",
    )


class Source(Strict):
    """A public source behind a fact in the scenario."""

    title: str = Field(description="Title of the source (article, report, press release).")
    url: str | None = Field(None, description="Address of the source. Leave out when it has none.")
    date: dt.date | None = Field(
        None, description="Publication date of the source (YYYY-MM-DD). Leave out when unknown."
    )


class Variant(Strict):
    """A named what-if of the scenario: values that replace the scenario's own."""

    description: str | None = Field(
        None, description="What the variant asks, for readers and listings. Leave out for none."
    )
    set: dict[str, Any] = Field(
        description="Values to set, by key path as `--set` takes them (`incident.forensic_clearance_days: "
        "7`, `control[0].p: 0.25`); each path must exist in the scenario."
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
    common_causes: list[CommonCause] = Field(
        default_factory=list,
        description="Compromises upstream that hit several entry services at once, with one frequency "
        "(`aftershock risk` prices each as one incident and attributes it to its root). Leave out "
        "for none (threats are independent).",
    )
    insurance: InsuranceTerms | None = Field(
        None,
        description="Cyber insurance terms for `aftershock risk`: waiting period, deductible, limit "
        "and contingent business interruption sublimit; it then reports the net loss beside the "
        "gross. Leave out for no insurance (net equals gross).",
    )
    sources: list[Source] = Field(
        default_factory=list,
        description="Public sources behind the facts in the scenario. Leave out for none.",
    )
    variants: dict[Id, Variant] = Field(
        default_factory=dict,
        description="Named what-ifs, run as `SCENARIO:NAME` (`simulate ocs-2022:spread`). The scenario "
        "itself is the public record; a variant says what it changes. Leave out for none.",
    )
    uncertainty: dict[str, Estimate] = Field(
        default_factory=dict,
        description="Numeric fields of the incident, plan, behaviour and demand (and an attack path's p "
        "and delay_days, a backup DC's share_of_spare, extra_lead_time_days and switch_over_days, a "
        "requires alternative's factor) that are not known exactly, by key path "
        "(`incident.forensic_clearance_days: {dist: pert, low: 4, mode: 5, high: 8}`): `simulate` "
        "draws parameter sets (one per two replications by default), and results separate the "
        "spread due to these from the spread due to demand; the field keeps its written value for "
        "commands that do not draw. Leave out for none (every field as written).",
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
