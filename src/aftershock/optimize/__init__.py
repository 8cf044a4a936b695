"""Recovery optimisation: a linear program (HiGHS) over stores × items × days, replayed in the engine.

* :mod:`~aftershock.optimize.lp`: the LP itself, arrays in and arrays out (formulation in
  named blocks, line pooling, the HiGHS backend);
* :mod:`~aftershock.optimize.from_scenario`: the LP of a scenario's restart morning;
* :mod:`~aftershock.optimize.replay`: that LP solved, split back to stores and replayed;
* :mod:`~aftershock.optimize.whole_units`: dispatch lines in whole units that keep the totals;
* :mod:`~aftershock.optimize.estimates`: the LP's lost-units estimate beside the replay's;
* :mod:`~aftershock.optimize.operational`: ``aftershock plan`` from a wholesaler's tables;
* :mod:`~aftershock.optimize.results`: what the API returns;
* :mod:`~aftershock.optimize.api_funcs`: the entry functions ``api.optimize`` and ``api.plan``.
"""

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
