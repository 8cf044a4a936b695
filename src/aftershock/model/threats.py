"""The threat model: how often each supplier is compromised and how long it lasts.

Quantities are uncertain, so each is an :class:`Estimate`, as in FAIR practice: a point
value, a uniform range, a PERT (low / most likely / high), or a lognormal given by its
median and 90th percentile.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, PrivateAttr, field_validator, model_validator

from aftershock.model.base import MAX_DAY, MAX_MONEY, Fraction, Id, Strict

#: z of the 90th percentile of a standard normal.
Z90 = 1.2815515655446004

#: Most compromises a year a threat may have (one a day). An estimate whose value, high or
#: p90 is above it is refused; a lognormal's rare draws above it count as this many.
MAX_FREQUENCY_PER_YEAR = 365.0

#: Widest lognormal estimate: its p90 at most this many times its median.
MAX_LOGNORMAL_SPREAD = 1000.0

Bounded = Annotated[float, Field(ge=0, le=MAX_MONEY)]


class Estimate(Strict):
    """An uncertain non-negative quantity."""

    dist: Literal["point", "uniform", "pert", "lognormal"] = Field(
        "point",
        description="Shape of the estimate: point (exactly value), uniform (evenly between low and "
        "high), pert (low, most likely mode, high) or lognormal (median and 90th percentile p90). "
        "Values are in the unit of the quantity estimated (a year's count, days, currency). Leave "
        "out for point.",
    )
    value: Bounded | None = Field(
        None, description="The value of a point estimate. Leave out unless dist is point."
    )
    low: Bounded | None = Field(
        None, description="Lower bound of a uniform or pert estimate. Leave out for other shapes."
    )
    mode: Bounded | None = Field(
        None,
        description="Most likely value of a pert estimate, between low and high. Leave out for other shapes.",
    )
    high: Bounded | None = Field(
        None,
        description="Upper bound of a uniform or pert estimate, at least low. Leave out for other shapes.",
    )
    median: Annotated[float, Field(gt=0, le=MAX_MONEY)] | None = Field(
        None, description="Median of a lognormal estimate. Leave out for other shapes."
    )
    p90: Annotated[float, Field(gt=0, le=MAX_MONEY)] | None = Field(
        None,
        description="The 90th percentile of a lognormal estimate, from the median to 1,000 times "
        "the median. Leave out for other shapes.",
    )
    #: Draws above this count as this (set by :class:`Threat` for counts and days).
    _upper: float = PrivateAttr(MAX_MONEY)

    @model_validator(mode="after")
    def _fields_for_dist(self) -> Estimate:
        need = {
            "point": ("value",),
            "uniform": ("low", "high"),
            "pert": ("low", "mode", "high"),
            "lognormal": ("median", "p90"),
        }[self.dist]
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            raise ValueError(
                f"a {self.dist} estimate needs {', '.join(need)} (missing: {', '.join(missing)})"
            )
        if self.dist in ("uniform", "pert") and self.low is not None and self.high is not None:
            if self.high < self.low:
                raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
            if self.dist == "pert" and self.mode is not None and not self.low <= self.mode <= self.high:
                raise ValueError(
                    f"mode ({self.mode}) must lie between low ({self.low}) and high ({self.high})"
                )
        if (
            self.dist == "lognormal"
            and self.median is not None
            and self.p90 is not None
            and self.p90 < self.median
        ):
            raise ValueError(f"p90 ({self.p90}) must be >= median ({self.median})")
        if (
            self.dist == "lognormal"
            and self.median is not None
            and self.p90 is not None
            and self.p90 > MAX_LOGNORMAL_SPREAD * self.median
        ):
            raise ValueError(
                f"p90 ({self.p90:g}) must be at most {MAX_LOGNORMAL_SPREAD:g} times the median "
                f"({self.median:g}); a wider lognormal is not an estimate"
            )
        return self

    def largest(self) -> float:
        """The largest value the estimate names: value, high, or (lognormal) p90."""
        top = {"point": self.value, "uniform": self.high, "pert": self.high, "lognormal": self.p90}
        return float(top[self.dist] or 0.0)

    def bounded(self, upper: float, unit: str) -> Estimate:
        """This estimate, checked to name nothing above ``upper``; its draws are cut there."""
        if self.largest() > upper:
            key = {"point": "value", "uniform": "high", "pert": "high", "lognormal": "p90"}[self.dist]
            raise ValueError(f"expected at most {upper:g} {unit}, got {key} {self.largest():g}")
        self._upper = min(upper, MAX_MONEY)
        return self

    def _sigma(self) -> float:
        # the difference of logs: p90 / median could overflow for a tiny median
        return (math.log(float(self.p90)) - math.log(float(self.median))) / Z90  # type: ignore[arg-type]

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws (a lognormal's are cut at the largest value its quantity allows)."""
        if self.dist == "point":
            return np.full(size, float(self.value or 0.0))
        if self.dist == "uniform":
            return rng.uniform(self.low, self.high, size)
        if self.dist == "pert":
            low, mode, high = float(self.low), float(self.mode), float(self.high)  # type: ignore[arg-type]
            if high == low:
                return np.full(size, low)
            a = 1 + 4 * (mode - low) / (high - low)
            b = 1 + 4 * (high - mode) / (high - low)
            return low + (high - low) * rng.beta(a, b, size)
        draws = rng.lognormal(math.log(float(self.median)), self._sigma(), size)  # type: ignore[arg-type]
        return np.minimum(draws, self._upper)

    def mean(self) -> float:
        """Expected value."""
        if self.dist == "point":
            return float(self.value or 0.0)
        if self.dist == "uniform":
            return (float(self.low) + float(self.high)) / 2  # type: ignore[arg-type]
        if self.dist == "pert":
            return (float(self.low) + 4 * float(self.mode) + float(self.high)) / 6  # type: ignore[arg-type]
        return float(self.median) * math.exp(self._sigma() ** 2 / 2)  # type: ignore[arg-type]

    def median_value(self) -> float:
        """The median (for a representative time-to-recover)."""
        if self.dist == "point":
            return float(self.value or 0.0)
        if self.dist == "lognormal":
            return float(self.median)  # type: ignore[arg-type]
        return float(np.median(self.sample(np.random.default_rng(0), 20001)))


class IncidentOdds(Strict):
    """How often an incident happens, how long it lasts and what the response costs: what a
    threat and a common cause share."""

    frequency_per_year: Estimate = Field(
        description="Expected number of compromises a year (the rate of a Poisson process), at "
        "most 365: a value, high or p90 above is refused, and lognormal draws above count as 365."
    )
    outage_days: Estimate = Field(
        description="Days from the compromise until compromised services start to come back "
        "(their ramp or crews then run as in incident.restore); drawn values are rounded to whole "
        "days, at least 1, and may not name more than 100000 days."
    )
    pause_days: Estimate | None = Field(
        None,
        description="Length of the precautionary pause (isolation) in days, at most 100000; for a "
        "common cause it applies even when no entry is compromised. Leave out to use the "
        "scenario's incident.forensic_clearance_days.",
    )
    response_cost: Estimate = Field(
        default_factory=lambda: Estimate(dist="point", value=0.0),
        description="Cost of the response per incident (forensics, overtime, communication), in "
        "the currency of item prices. Leave out for 0.",
    )
    first_party: bool = Field(
        False,
        description="Whether the attack starts in the company's own systems (true) rather than at a "
        "supplier: only a supplier's incident is contingent business interruption, capped by "
        "insurance.cbi_sublimit. Leave out for false (a supplier's incident).",
    )

    @field_validator("frequency_per_year")
    @classmethod
    def _frequency_bounded(cls, value: Estimate) -> Estimate:
        return _frequency(value)

    @field_validator("outage_days", "pause_days")
    @classmethod
    def _days_bounded(cls, value: Estimate | None) -> Estimate | None:
        return _days(value)


class Threat(IncidentOdds):
    """A way the network gets hit: an attack that starts at one service, with its odds and costs."""

    id: Id | None = Field(None, description="Name of the threat in reports. Leave out to use the service id.")
    service: Id = Field(
        description="Id of the service where the attack starts; it spreads along control edges."
    )

    @property
    def name(self) -> str:
        """The threat's id, or its service."""
        return self.id or self.service


def _frequency(value: Estimate) -> Estimate:
    return value.bounded(MAX_FREQUENCY_PER_YEAR, "compromises a year")


def _days(value: Estimate | None) -> Estimate | None:
    return None if value is None else value.bounded(MAX_DAY, "days")


#: Most entry services of one common cause (each distinct set of them hit is an engine batch).
MAX_CAUSE_ENTRIES = 8


class CauseEntry(Strict):
    """A service a common cause compromises when it fires."""

    service: Id = Field(
        description="Id of the service compromised when the cause fires; the attack spreads on from "
        "it along control edges, as from a threat's service."
    )
    p: Fraction = Field(
        1.0,
        description="Probability (0-1) that this service is compromised when the cause fires, drawn "
        "for each service and occurrence on its own. Leave out for 1 (every time).",
    )


class CommonCause(IncidentOdds):
    """One compromise upstream (an RMM vendor, a cloud, a 3PL's parent) that hits several entry
    services at once, with one frequency: its entries are compromised together in one incident."""

    id: Id = Field(description="Name of the common cause in reports; distinct from every threat's name.")
    root: Id = Field(
        description="Id of the party (vendor, cloud provider, 3PL parent) or service whose compromise "
        "is the common cause; its loss is attributed to this party (or to the service's party)."
    )
    entries: Annotated[list[CauseEntry], Field(min_length=1, max_length=MAX_CAUSE_ENTRIES)] = Field(
        description=f"The services compromised at once when the cause fires (1 to {MAX_CAUSE_ENTRIES}, "
        "each at most once), each with its probability."
    )

    @field_validator("entries")
    @classmethod
    def _entries_once(cls, value: list[CauseEntry]) -> list[CauseEntry]:
        seen: set[str] = set()
        for entry in value:
            if entry.service in seen:
                raise ValueError(f"service '{entry.service}' is listed twice")
            seen.add(entry.service)
        return value

    @property
    def name(self) -> str:
        """The cause's id."""
        return self.id
