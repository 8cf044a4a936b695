"""Recovery optimisation: a linear program (HiGHS) over stores × items × days, replayed in the engine."""

from aftershock.optimize.lp import (
    LPInputs,
    LPPlan,
    aggregate,
    available,
    disaggregate,
    group_lines,
    solve,
)

__all__ = [
    "LPInputs",
    "LPPlan",
    "aggregate",
    "available",
    "disaggregate",
    "group_lines",
    "solve",
]
