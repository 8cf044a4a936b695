"""The threat model: how often each supplier is compromised and how long it lasts.

Quantities are uncertain, so each is an :class:`Estimate`, as in FAIR practice: a point
value, a uniform range, a PERT (low / most likely / high), or a lognormal given by its
median and 90th percentile.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from aftershock.model.base import Id, Strict

#: z of the 90th percentile of a standard normal.
Z90 = 1.2815515655446004


class Estimate(Strict):
    """An uncertain non-negative quantity."""

    dist: Literal["point", "uniform", "pert", "lognormal"] = "point"
    value: Annotated[float, Field(ge=0)] | None = Field(None, description="point: the value")
    low: Annotated[float, Field(ge=0)] | None = Field(None, description="uniform, pert: lower bound")
    mode: Annotated[float, Field(ge=0)] | None = Field(None, description="pert: most likely value")
    high: Annotated[float, Field(ge=0)] | None = Field(None, description="uniform, pert: upper bound")
    median: Annotated[float, Field(gt=0)] | None = Field(None, description="lognormal: median")
    p90: Annotated[float, Field(gt=0)] | None = Field(None, description="lognormal: 90th percentile")

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
        return self

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws."""
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
        sigma = math.log(float(self.p90) / float(self.median)) / Z90  # type: ignore[arg-type]
        return rng.lognormal(math.log(float(self.median)), sigma, size)  # type: ignore[arg-type]

    def mean(self) -> float:
        """Expected value."""
        if self.dist == "point":
            return float(self.value or 0.0)
        if self.dist == "uniform":
            return (float(self.low) + float(self.high)) / 2  # type: ignore[arg-type]
        if self.dist == "pert":
            return (float(self.low) + 4 * float(self.mode) + float(self.high)) / 6  # type: ignore[arg-type]
        sigma = math.log(float(self.p90) / float(self.median)) / Z90  # type: ignore[arg-type]
        return float(self.median) * math.exp(sigma**2 / 2)  # type: ignore[arg-type]

    def median_value(self) -> float:
        """The median (for a representative time-to-recover)."""
        if self.dist == "point":
            return float(self.value or 0.0)
        if self.dist == "lognormal":
            return float(self.median)  # type: ignore[arg-type]
        return float(np.median(self.sample(np.random.default_rng(0), 20001)))


class Threat(Strict):
    """A way the network gets hit: an attack that starts at one service, with its odds and costs."""

    id: Id | None = Field(None, description="Name of the threat (default: the service id).")
    service: Id = Field(description="Service where the attack starts; it spreads along control edges.")
    frequency_per_year: Estimate = Field(description="Expected compromises a year (Poisson rate).")
    outage_days: Estimate = Field(
        description="Days from the compromise until compromised services start to come back "
        "(their ramp or crews then run as in incident.restore)."
    )
    pause_days: Estimate | None = Field(
        None, description="Precautionary pause (isolation) in days; default: the scenario's."
    )
    response_cost: Estimate = Field(
        default_factory=lambda: Estimate(dist="point", value=0.0),
        description="Cost of the response per incident: forensics, overtime, communication.",
    )

    @property
    def name(self) -> str:
        """The threat's id, or its service."""
        return self.id or self.service
