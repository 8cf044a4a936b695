"""The incident timeline: compromise, detection, isolation, restoration and fallbacks.

Every point in time is a day and, optionally, a clock hour on it (``day`` and ``hour``,
``from_day`` and ``from_hour``, ``until_day`` and ``until_hour``). The engine steps whole
days, so an hour pro-rates the day it falls on: the share of the operating hours before
it (a compromise) or after it (a restoration) counts. Lengths stay in whole days, except
the detection delay, which may add hours.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from aftershock.model.base import MAX_COUNT, MAX_DAY, Day, Days, Fraction, Id, Strict

#: Order in which crews or rollouts visit sites.
SiteOrder = Literal["by_demand", "by_id", "random"]

_CLOCK = re.compile(r"^\s*([0-9]{1,2}):([0-9]{2})\s*$")


def _clock_hour(value: Any) -> Any:
    """``"18:30"`` → 18.5; a number is kept. An unquoted 18:30 in YAML arrives as 1110."""
    if isinstance(value, str):
        match = _CLOCK.match(value)
        if match is None:
            return value  # a number in a string, or an error from the number check
        hours, minutes = int(match[1]), int(match[2])
        if minutes >= 60:
            raise ValueError(f"expected a clock time HH:MM with minutes below 60, got '{value}'")
        return hours + minutes / 60
    if isinstance(value, int) and not isinstance(value, bool) and 60 <= value <= 24 * 60:
        clock = f"{value // 60}:{value % 60:02d}"
        raise ValueError(
            f"expected a clock hour from 0 to 24, got {value}: YAML reads an unquoted {clock} "
            f'as the number {value}; write it in quotes ("{clock}") or as a number ({value / 60:g})'
        )
    return value


#: A clock hour on a day: 0 (midnight at the start of the day) to 24 (midnight at its end),
#: as a number (18.5) or as "HH:MM" in quotes ("18:30").
Hour = Annotated[
    float,
    BeforeValidator(_clock_hour),
    Field(ge=0.0, le=24.0),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0.0, "maximum": 24.0},
                {"type": "string", "pattern": r"^[0-9]{1,2}:[0-9]{2}$"},
            ]
        }
    ),
]


class OperatingHours(Strict):
    """The hours of the day in which the network trades and works (stores open, DC shifts).

    The engine steps whole days; a day's demand and capacity are taken to be spread evenly
    over these hours, so a clock hour on the day of a compromise or restoration counts as
    the share of them before or after it.
    """

    open: Hour = Field(description='Clock hour the day\'s trade or work starts (0-24, such as 8 or "08:00").')
    close: Hour = Field(
        description='Clock hour it ends (0-24, such as 22 or "22:00"); after open (a window over '
        "midnight cannot be written)."
    )

    @model_validator(mode="after")
    def _close_after_open(self) -> OperatingHours:
        if self.close <= self.open:
            raise ValueError(f"close ({self.close:g}) must be after open ({self.open:g})")
        return self

    def share_before(self, hour: float) -> float:
        """Share of the day's operating hours before clock ``hour`` (0 to 1)."""
        return min(max((hour - self.open) / (self.close - self.open), 0.0), 1.0)


#: Whole day: the operating hours when a scenario does not give them.
WHOLE_DAY = OperatingHours(open=0.0, close=24.0)


class Compromise(Strict):
    """Where the attacker gets in, and when (the day the payload fires)."""

    service: Id = Field(
        description="Id of the service where the attacker gets in; the compromise spreads from it "
        "along control edges."
    )
    day: Day = Field(
        description="Day the payload fires: the service is down from this day (a day inside the horizon)."
    )
    hour: Hour = Field(
        0.0,
        description='Clock hour on `day` the payload fires (0-24, such as 18.5, or "18:30" in '
        "quotes): the service works until then, so `day` keeps the share of the operating hours "
        "before it. Services the compromise spreads to fall at the same hour (plus the edge's "
        "delay in days). Leave out for 0 (down for the whole of `day`).",
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
        "(compromise day + detection_delay_days, plus detection_delay_hours).",
    )
    from_hour: Hour | None = Field(
        None,
        description='Clock hour on the first day the isolation starts (0-24 or "HH:MM"): that '
        "day keeps the share of the operating hours before it. Leave out for the hour of "
        "detection when from_day is left out too, else 0 (the whole of from_day).",
    )
    until_day: Day | None = Field(
        None,
        description="First day back in service. Leave out for the detection day + "
        "forensic_clearance_days (or pause_days, when set).",
    )
    until_hour: Hour | None = Field(
        None,
        description='Clock hour on until_day the isolation ends (0-24 or "HH:MM"): that day '
        "gets the share of the operating hours after it. Leave out for the hour of detection "
        "when until_day is left out too, else 0 (the whole of until_day back).",
    )

    @model_validator(mode="after")
    def _one_target(self) -> Isolation:
        if (self.service is None) == (self.link is None):
            raise ValueError("an isolation names either a service or a link")
        if self.from_day is not None and self.until_day is not None:
            start = (self.from_day, self.from_hour or 0.0)
            end = (self.until_day, self.until_hour or 0.0)
            if end <= start:
                raise ValueError(
                    f"until_day ({self.until_day}){_at(self.until_hour)} must be after "
                    f"from_day ({self.from_day}){_at(self.from_hour)}"
                )
        return self


def _at(hour: float | None) -> str:
    return "" if hour is None else f" at hour {hour:g}"


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
    hour: Hour = Field(
        0.0,
        description='Clock hour on `day` the restoration starts (0-24 or "HH:MM"). Centrally, the '
        "service is back (at the ramp's first level) from then, so `day` gets the share of the "
        "operating hours after it; on site, the crews start work then, so on `day` they restore "
        "that share of a day's sites, each back from that hour. Ignored when the compromise comes "
        "too late for `day` (restoration then starts at the beginning of the day after it). "
        "Leave out for 0 (the whole of `day`).",
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
    detection_delay_hours: Annotated[float, Field(ge=0.0, le=24.0 * MAX_DAY)] = Field(
        0.0,
        description="Hours added to detection_delay_days (compromise at 18:30 and 2.5 hours: "
        "detected at 21:00, where isolations without their own from_day start). Leave out for 0.",
    )
    operating_hours: OperatingHours | None = Field(
        None,
        description='Hours of the day the network trades and works, such as {open: "08:00", '
        'close: "22:00"}. A day\'s demand and capacity are taken to be spread evenly over them, '
        "so an hour of the incident pro-rates its day by the share of them before or after it "
        "(18:30 with 08:00-22:00 keeps 10.5 / 14 of the day). Leave out for the whole day "
        "(0-24: 18:30 keeps 18.5 / 24).",
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
    def _detection_hours(self) -> float:
        """Hours from the start of day 0 to the detection."""
        delay = 24.0 * self.detection_delay_days + self.detection_delay_hours
        return 24.0 * self.compromise.day + self.compromise.hour + delay

    @property
    def detection_day(self) -> int:
        """Day the incident is detected."""
        return math.floor(self._detection_hours / 24.0)

    @property
    def detection_hour(self) -> float:
        """Clock hour on :attr:`detection_day` the incident is detected."""
        return self._detection_hours - 24.0 * self.detection_day

    @property
    def hours(self) -> OperatingHours:
        """The operating hours clock hours are measured against (the whole day by default)."""
        return self.operating_hours or WHOLE_DAY

    def share_before(self, hour: float) -> float:
        """Share of a day's operating hours before clock ``hour`` (0 to 1)."""
        return self.hours.share_before(hour)
