"""The public Python API. The CLI and the web app are thin layers over these functions.

Every function accepts a bundled scenario name or a path wherever it takes a scenario,
optionally with ``:VARIANT`` for one of its named what-ifs (``"ocs-2022:spread"``). It
raises :class:`~aftershock.errors.AftershockError` subclasses for bad input (a
:class:`~aftershock.errors.ParameterError` names the Python parameter) and returns plain
data (dataclasses, dicts, NumPy or xarray), never prints. Each capability has its own
module; everything public is importable from here.
"""

from __future__ import annotations

from aftershock.api.accumulate import accumulate
from aftershock.api.calibrate import CalibrationResult, calibrate
from aftershock.api.compare import compare
from aftershock.api.concentration import concentration
from aftershock.api.impact import impact
from aftershock.api.optimize import DEFAULT_BACKLOG_COST, OptimizeResult, PlanResult, optimize, plan
from aftershock.api.pause_study import pause_study
from aftershock.api.risk import risk, stress
from aftershock.api.runs import check_work
from aftershock.api.scenarios import (
    ScenarioRef,
    import_services,
    load,
    scenarios,
    schema,
    validate,
    warnings_data,
)
from aftershock.api.sensitivity import check_sensitivity, sensitivity
from aftershock.api.simulate import open_store, simulate, simulate_and_save
from aftershock.api.what_if import run_overrides
from aftershock.limits import Limits

__all__ = [
    "DEFAULT_BACKLOG_COST",
    "CalibrationResult",
    "Limits",
    "OptimizeResult",
    "PlanResult",
    "ScenarioRef",
    "accumulate",
    "calibrate",
    "check_sensitivity",
    "check_work",
    "compare",
    "concentration",
    "impact",
    "import_services",
    "load",
    "open_store",
    "optimize",
    "pause_study",
    "plan",
    "risk",
    "run_overrides",
    "scenarios",
    "schema",
    "sensitivity",
    "simulate",
    "simulate_and_save",
    "stress",
    "validate",
    "warnings_data",
]
