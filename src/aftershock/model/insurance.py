"""Insurance terms of a cyber policy: waiting period, deductible, limit and the CBI sublimit.

The terms turn each incident's gross loss into what the policy pays and what the company
keeps (the net loss); :mod:`aftershock.risk.insurance` applies them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator

from aftershock.model.base import MAX_DAY, MAX_MONEY, Strict

Money = Annotated[float, Field(ge=0, le=MAX_MONEY)]


class InsuranceTerms(Strict):
    """A cyber policy's terms, applied to every incident of ``aftershock risk``.

    For each incident the policy pays min(max(0, covered − deductible), limit), where
    covered is the business-interruption loss after the waiting period plus the other
    costs (surge, response); an incident caused by a supplier is further capped by the
    contingent business interruption sublimit. The company keeps the rest: the net loss.
    """

    waiting_days: Annotated[float, Field(ge=0, le=MAX_DAY)] = Field(
        0.0,
        description="Waiting period in days (fractions allowed: 0.5 is 12 hours), counted from the "
        "compromise: the business-interruption loss (lost margin, customers lost) in it is not "
        "covered. Leave out for 0 (or to give it in waiting_hours only).",
    )
    waiting_hours: Annotated[float, Field(ge=0, le=24.0 * MAX_DAY)] = Field(
        0.0,
        description="Hours added to waiting_days (a 12-hour waiting period: waiting_hours: 12). "
        "Leave out for 0.",
    )
    deductible: Money = Field(
        0.0,
        description="Amount the company bears of each incident before the policy pays, in the "
        "currency of item prices. Leave out for 0.",
    )
    limit: Money | None = Field(
        None,
        description="Most the policy pays for one incident, in the currency of item prices; at "
        "least the deductible. Leave out for no limit.",
    )
    cbi_sublimit: Money | None = Field(
        None,
        description="Most the policy pays for one incident caused by a supplier (contingent business "
        "interruption: every threat and common cause not marked first_party), in the currency of "
        "item prices; at most the limit. Leave out for no sublimit (the limit applies).",
    )

    @field_validator("limit")
    @classmethod
    def _limit_covers_deductible(cls, value: float | None, info: ValidationInfo) -> float | None:
        deductible = info.data.get("deductible")
        if value is not None and deductible is not None and value < deductible:
            raise ValueError(f"the limit ({value:,.0f}) must be at least the deductible ({deductible:,.0f})")
        return value

    @field_validator("cbi_sublimit")
    @classmethod
    def _sublimit_within_limit(cls, value: float | None, info: ValidationInfo) -> float | None:
        limit = info.data.get("limit")
        if value is not None and limit is not None and value > limit:
            raise ValueError(
                f"the sublimit ({value:,.0f}) must be at most the limit ({limit:,.0f}); a sublimit "
                "above the limit would change nothing"
            )
        return value

    @property
    def waiting_period_days(self) -> float:
        """The whole waiting period in days."""
        return self.waiting_days + self.waiting_hours / 24.0
