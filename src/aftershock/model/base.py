"""Shared building blocks of the scenario schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: Identifier of a party, service, site or item: letters, digits, ``-``, ``_`` and ``.``.
Id = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        max_length=128,
        description="Identifier: letters, digits, '-', '_' and '.', starting with a letter or digit.",
    ),
]

#: A day index counted from the start of the horizon (day 0).
Day = Annotated[int, Field(ge=0, description="Day index from the start of the horizon (day 0).")]

#: A fraction in [0, 1].
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    """Base model: unknown keys are errors (the loader adds a "did you mean")."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)
