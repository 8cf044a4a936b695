"""The recovery LP, arrays in and arrays out, one concern per module.

* :mod:`~aftershock.optimize.lp.problem`: the arrays in (:class:`LPInputs`) and out
  (:class:`LPPlan`);
* :mod:`~aftershock.optimize.lp.formulation`: the LP in named blocks of variables and
  constraints (:mod:`~aftershock.optimize.lp.program`), :func:`solve`, and the small
  throughput bound :func:`max_throughput`;
* :mod:`~aftershock.optimize.lp.pooling`: store lines pooled into groups for large LPs and
  the groups' shipments split back to lines;
* :mod:`~aftershock.optimize.lp.highs_backend`: HiGHS, imported only when solving.
"""

from aftershock.optimize.lp.formulation import (
    Throughput,
    max_throughput,
    round_shifts,
    solve,
)
from aftershock.optimize.lp.highs_backend import NOT_INSTALLED, available
from aftershock.optimize.lp.pooling import (
    SPLIT_HORIZONS_DAYS,
    Grouping,
    aggregate,
    disaggregate,
    group_lines,
)
from aftershock.optimize.lp.problem import LPInputs, LPPlan, backlog_clear_day, dispatch_table

__all__ = [
    "NOT_INSTALLED",
    "SPLIT_HORIZONS_DAYS",
    "Grouping",
    "LPInputs",
    "LPPlan",
    "Throughput",
    "aggregate",
    "available",
    "backlog_clear_day",
    "disaggregate",
    "dispatch_table",
    "group_lines",
    "max_throughput",
    "round_shifts",
    "solve",
]
