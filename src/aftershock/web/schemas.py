"""Request bodies of the REST API (pydantic: validated at the edge, documented in OpenAPI)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class RunRequest(BaseModel):
    """Start a simulation run. Knobs left out keep the scenario's values."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(
        description="Bundled scenario name or stored scenario id, optionally with :VARIANT for one of "
        "its named what-ifs (ocs-2022:spread).",
        max_length=260,
    )
    replications: Annotated[int, Field(ge=1, le=100_000)] = 100
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    horizon_days: Annotated[int, Field(ge=1, le=3660)] | None = None
    pause_days: Annotated[int, Field(ge=0, le=365)] | None = Field(
        None, description="Length of the precautionary pause (incident.pause_days)."
    )
    order_cap: Annotated[float, Field(gt=0, le=10**12, allow_inf_nan=False)] | Literal["none"] | None = Field(
        None, description="Cap in units per order line, or 'none' to remove the scenario's cap."
    )
    policy: str | None = Field(None, description="Allocation policy name.", max_length=64)
    surge_shifts: Annotated[int, Field(ge=0, le=6)] | None = Field(
        None, description="Extra picking shifts a day during the surge window."
    )


class ValidateRequest(BaseModel):
    """A scenario text to check, with the store table it names (a plain file name such as stores.csv)."""

    model_config = ConfigDict(extra="forbid")

    scenario_yaml: str = Field(max_length=2_000_000)
    stores_csv: str | None = Field(None, max_length=20_000_000)


class OptimizeRequest(BaseModel):
    """Find the best recovery plan (HiGHS LP) and replay it; knobs as `aftershock optimize`."""

    model_config = ConfigDict(extra="forbid")

    objective: Literal["lost-sales", "margin"] = Field(
        "lost-sales", description="lost-sales (units) or margin (lost margin + shift cost)."
    )
    budget_shifts: Annotated[float, Field(ge=0, le=10**6, allow_inf_nan=False)] | None = Field(
        None, description="Most extra shifts in all (leave out for no limit)."
    )
    max_shifts_per_day: Annotated[float, Field(ge=0, le=6)] = 2.0
    integer: bool | None = Field(
        None, description="Whole shifts (a MIP); the default unless fractional_shifts is set."
    )
    fractional_shifts: bool = Field(False, description="The LP's fractional shifts instead of whole ones.")
    replications: Annotated[int, Field(ge=1, le=100_000)] = 30
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
