"""The incident timeline: compromise, detection, isolation, restoration and fallbacks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from aftershock.model.base import Day, Fraction, Id, Strict

#: Order in which crews or rollouts visit sites.
SiteOrder = Literal["by_demand", "by_id", "random"]


class Compromise(Strict):
    """Where the attacker gets in, and when (the day the payload fires)."""

    service: Id
    day: Day


class Link(Strict):
    """A requires edge named by its two ends: ``from`` a service ``to`` a consumer.

    The consumer is a service id or ``site/capability`` (``dc-central/dc.ship``); for
    store rules use ``store/<capability>`` to cut the link at every store.
    """

    from_: Id = Field(alias="from")
    to: str


class Isolation(Strict):
    """A precautionary shutdown of a service, or of one link, while forensics run."""

    service: Id | None = None
    link: Link | None = None
    from_day: Day | None = Field(None, description="Default: the day the incident is detected.")
    until_day: Day | None = Field(
        None,
        description="First day back in service. Default: detection day + forensic_clearance_days.",
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

    day: Day = Field(description="First day of restoration work (central: first day up).")
    ramp_days: Annotated[int, Field(ge=0)] = 0
    crews: Annotated[int, Field(gt=0)] | None = None
    sites_per_crew_per_day: Annotated[float, Field(gt=0)] | None = None
    order: SiteOrder = "by_demand"

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

    from_day: Day
    sites_per_day: Annotated[int, Field(gt=0)]
    max_sites: Annotated[int, Field(gt=0)] | None = None
    order: SiteOrder = "by_demand"


class Incident(Strict):
    """The incident: one compromise and the response to it."""

    compromise: Compromise
    detection_delay_days: Annotated[int, Field(ge=0)] = 0
    forensic_clearance_days: Annotated[int, Field(ge=0)] = Field(
        0, description="Days after detection until isolated services are cleared."
    )
    pause_days: Annotated[int, Field(ge=0)] | None = Field(
        None,
        description="Shorthand for a what-if on the length of the precautionary pause: when "
        "set, it replaces forensic_clearance_days (isolations without their own until_day "
        "end this many days after detection).",
    )
    isolate: list[Isolation] = Field(default_factory=list)
    restore: dict[Id, Restore] = Field(
        default_factory=dict,
        description="Per compromised service; a service missing here stays down.",
    )
    fallbacks: dict[Id, Fallback] = Field(
        default_factory=dict, description="Per fallback service: its rollout over sites."
    )
    spread_p_override: Fraction | None = Field(
        None, description="Use this spread probability on every control edge (what-if)."
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
