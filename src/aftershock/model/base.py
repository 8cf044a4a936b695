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

#: Largest day index or length in days anywhere in a scenario: 100,000 days (about 270
#: years, far past the longest horizon of 3,660 days). Bounding every day keeps the day
#: arithmetic of the engine inside 64-bit integers; a restoration past the horizon can
#: still be written (it then never happens inside the horizon).
MAX_DAY = 100_000

#: Largest number of units anywhere in a scenario (capacities, caps, stock): 10^12.
MAX_UNITS = 10**12

#: Largest amount of money per unit, shift, hour or incident: 10^12.
MAX_MONEY = 10**12

#: Largest count of crews, sites or deliveries a day: 10^7.
MAX_COUNT = 10_000_000

#: A day index counted from the start of the horizon (day 0).
Day = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_DAY,
        description=f"Day index from the start of the horizon (day 0), at most {MAX_DAY}.",
    ),
]

#: A length of time in whole days (a delay, a ramp, a pause).
Days = Annotated[int, Field(ge=0, le=MAX_DAY)]

#: A fraction in [0, 1].
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    """Base model: unknown keys are errors (the loader adds a "did you mean").

    Every number must be finite: ``.inf`` and ``.nan`` are refused like any other bad value.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False, allow_inf_nan=False)
