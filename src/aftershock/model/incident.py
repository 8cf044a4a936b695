"""The incident timeline: compromise, detection, isolation, restoration and fallbacks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from aftershock.model.base import MAX_COUNT, Day, Days, Fraction, Id, Strict

#: Order in which crews or rollouts visit sites.
SiteOrder = Literal["by_demand", "by_id", "random"]


class Compromise(Strict):
    """Where the attacker gets in, and when (the day the payload fires)."""

    service: Id = Field(
        description="Id of the service where the attacker gets in; the compromise spreads from it "
        "along control edges."
    )
    day: Day = Field(
        description="Day the payload fires: the service is down from this day (a day inside the horizon)."
    )


class Link(Strict):
    """A requires edge named by its two ends: ``from`` a service ``to`` a consumer.

    The consumer is a service id or ``site/capability`` (``dc-central/dc.ship``); for
    store rules use ``store/<capability>`` to cut the link at every store.
    """

    from_: Id = Field(alias="from", description="Id of the service at the providing end of the link.")
    to: str = Field(
        description="The consuming end of the link: a service id, `<site>/<capability>` of a DC or "
        "channel (such as `dc-central/dc.ship`), or `store/<capability>` (such as "
        "`store/store.sell`) to cut the link at every store."
    )


class Isolation(Strict):
    """A precautionary shutdown of a service, or of one link, while forensics run."""

    service: Id | None = Field(
        None,
        description="Id of a service switched off as a precaution (its own state is 0 while the "
        "isolation lasts). Give either service or link. Leave out to isolate a link.",
    )
    link: Link | None = Field(
        None,
        description="A requires edge cut as a precaution while both its ends keep running (the DC "
        "stops shipping with the logistics partner's system). Give either service or link. Leave "
        "out to isolate a service.",
    )
    from_day: Day | None = Field(
        None,
        description="First day of the isolation. Leave out for the day the incident is detected "
        "(compromise day + detection_delay_days).",
    )
    until_day: Day | None = Field(
        None,
        description="First day back in service. Leave out for the detection day + "
        "forensic_clearance_days (or pause_days, when set).",
    )

    @model_validator(mode="after")
    def _one_target(self) -> Isolation:
        if (self.service is None) == (self.link is None):
            raise ValueError("an isolation names either a service or a link")
        if self.from_day is not None and self.until_day is not None and self.until_day <= self.from_day:
            raise ValueError(f"until_day ({self.until_day}) must be after from_day ({self.from_day})")
        return self


class Restore(Strict):
    """How a compromised service comes back.

    Either centrally (``day`` and ``ramp_days``: capacity rises linearly to 1 over the ramp)
    or on site by crews (``crews`` technicians each restoring ``sites_per_crew_per_day``
    sites a day, from ``day``, in ``order``), when tills must be rebuilt store by store.
    """

    day: Day = Field(
        description="First day of restoration: centrally, the first day the service is (partly) "
        "back; on site, the first day crews restore sites. Restoration never starts before the "
        "day after the compromise."
    )
    ramp_days: Days = Field(
        0,
        description="Days over which central capacity rises linearly after `day` (with 2: 1/3 on "
        "`day`, 2/3 the day after, full the day after that). Leave out for 0 (full on `day`).",
    )
    crews: Annotated[int, Field(gt=0, le=MAX_COUNT)] | None = Field(
        None,
        description="Crews (technicians) rebuilding the service site by site, for on-site "
        "restoration; needs sites_per_crew_per_day. Leave out to restore centrally.",
    )
    sites_per_crew_per_day: Annotated[float, Field(ge=0.001, le=MAX_COUNT)] | None = Field(
        None,
        description="Sites each crew restores a day (0.5: one site every two days; at least 0.001); "
        "needs crews. Leave out to restore centrally.",
    )
    order: SiteOrder = Field(
        "by_demand",
        description="Order in which crews visit sites: by_demand (highest store demand first), "
        "by_id, or random (a fixed shuffle). Leave out for by_demand.",
    )

    @model_validator(mode="after")
    def _crews_complete(self) -> Restore:
        if (self.crews is None) != (self.sites_per_crew_per_day is None):
            raise ValueError("on-site restoration needs both crews and sites_per_crew_per_day")
        return self

    @property
    def is_on_site(self) -> bool:
        """True when the service is rebuilt site by site by crews."""
        return self.crews is not None


class Fallback(Strict):
    """A fallback service switched on at more sites each day (a payment app, say)."""

    from_day: Day = Field(description="First day the fallback is switched on at sites.")
    sites_per_day: Annotated[int, Field(gt=0, le=MAX_COUNT)] = Field(
        description="Sites at which the fallback is switched on each day, from from_day."
    )
    max_sites: Annotated[int, Field(gt=0, le=MAX_COUNT)] | None = Field(
        None,
        description="Most sites the rollout reaches. Leave out for every site where a rule on "
        "sites uses the service as an alternative.",
    )
    order: SiteOrder = Field(
        "by_demand",
        description="Order in which sites get the fallback: by_demand (highest store demand "
        "first), by_id, or random (a fixed shuffle). Leave out for by_demand.",
    )


class Incident(Strict):
    """The incident: one compromise and the response to it."""

    compromise: Compromise = Field(description="Where and when the attacker gets in.")
    detection_delay_days: Days = Field(
        0,
        description="Days from the compromise until the incident is detected; isolations without "
        "their own from_day start on the detection day. Leave out for 0 (detected the same day).",
    )
    forensic_clearance_days: Days = Field(
        0,
        description="Days after detection until isolated services and links are cleared "
        "(isolations without their own until_day end then). Leave out for 0.",
    )
    pause_days: Days | None = Field(
        None,
        description="Length of the precautionary pause in days, a what-if shorthand: when set, it "
        "replaces forensic_clearance_days (isolations without their own until_day end this many "
        "days after detection). Leave out to use forensic_clearance_days.",
    )
    isolate: list[Isolation] = Field(
        default_factory=list,
        description="Precautionary isolations of services or links while forensics run. Leave out for none.",
    )
    restore: dict[Id, Restore] = Field(
        default_factory=dict,
        description="How each compromised service comes back, by service id. Leave a service "
        "out (or the whole map) and, once compromised, it stays down to the end of the horizon.",
    )
    fallbacks: dict[Id, Fallback] = Field(
        default_factory=dict,
        description="Rollout of each fallback service over sites, by service id. Leave a service "
        "out (or the whole map) and it has no rollout: it is up wherever it is not compromised or "
        "isolated.",
    )
    spread_p_override: Fraction | None = Field(
        None,
        description="Spread probability (0-1) used on every control edge instead of its own p, "
        "for a what-if. Leave out to use each edge's p.",
    )

    @model_validator(mode="after")
    def _pause_sets_clearance(self) -> Incident:
        if self.pause_days is not None:
            self.forensic_clearance_days = self.pause_days
        return self

    @property
    def detection_day(self) -> int:
        """Day the incident is detected."""
        return self.compromise.day + self.detection_delay_days
