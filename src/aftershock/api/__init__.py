"""The public Python API. The CLI and the web app are thin layers over these functions.

Every function accepts a bundled scenario name or a path wherever it takes a scenario,
optionally with ``:VARIANT`` for one of its named what-ifs (``"ocs-2022:spread"``). It
raises :class:`~aftershock.errors.AftershockError` subclasses for bad input (a
:class:`~aftershock.errors.ParameterError` names the Python parameter) and returns a result
object, never prints. Every result has ``to_dataframe()`` (pandas, tidy long form) and a
Jupyter summary (``_repr_html_``); the mapping results (:mod:`aftershock.api.results`) are
typed ``dict`` subclasses that serialise to the same JSON as before. What-ifs
(``overrides``) are ``"path=value"`` strings or a dict, and ``stores=`` takes a store table
as a pandas DataFrame. Each capability has its own module; everything public is importable
from here, and ``dir()`` lists only that.

The names are loaded lazily: ``import aftershock.api`` is cheap, and the first use of a name
imports its module (and the heavy libraries behind it: xarray, pandas, SQLAlchemy, ...).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aftershock.api.accumulate import accumulate
    from aftershock.api.calibrate import CalibrationResult, calibrate
    from aftershock.api.compare import CompareResult, compare
    from aftershock.api.concentration import concentration
    from aftershock.api.impact import impact
    from aftershock.api.optimize import DEFAULT_BACKLOG_COST, OptimizeResult, PlanResult, optimize, plan
    from aftershock.api.pause_study import pause_study
    from aftershock.api.results import (
        AccumulationResult,
        ConcentrationResult,
        ImpactResult,
        Interval,
        PauseStudyResult,
        RiskResult,
        SensitivityResult,
        StressResult,
    )
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
    from aftershock.api.simulate import SimulationResult, open_store, simulate, simulate_and_save
    from aftershock.api.what_if import run_overrides
    from aftershock.limits import Limits

# public name -> module it lives in
_EXPORTS: dict[str, str] = {
    "AccumulationResult": "aftershock.api.results",
    "CompareResult": "aftershock.api.compare",
    "ConcentrationResult": "aftershock.api.results",
    "ImpactResult": "aftershock.api.results",
    "Interval": "aftershock.api.results",
    "PauseStudyResult": "aftershock.api.results",
    "RiskResult": "aftershock.api.results",
    "SensitivityResult": "aftershock.api.results",
    "SimulationResult": "aftershock.api.simulate",
    "StressResult": "aftershock.api.results",
    "DEFAULT_BACKLOG_COST": "aftershock.api.optimize",
    "CalibrationResult": "aftershock.api.calibrate",
    "Limits": "aftershock.limits",
    "OptimizeResult": "aftershock.api.optimize",
    "PlanResult": "aftershock.api.optimize",
    "ScenarioRef": "aftershock.api.scenarios",
    "accumulate": "aftershock.api.accumulate",
    "calibrate": "aftershock.api.calibrate",
    "check_sensitivity": "aftershock.api.sensitivity",
    "check_work": "aftershock.api.runs",
    "compare": "aftershock.api.compare",
    "concentration": "aftershock.api.concentration",
    "impact": "aftershock.api.impact",
    "import_services": "aftershock.api.scenarios",
    "load": "aftershock.api.scenarios",
    "open_store": "aftershock.api.simulate",
    "optimize": "aftershock.api.optimize",
    "pause_study": "aftershock.api.pause_study",
    "plan": "aftershock.api.optimize",
    "risk": "aftershock.api.risk",
    "run_overrides": "aftershock.api.what_if",
    "scenarios": "aftershock.api.scenarios",
    "schema": "aftershock.api.scenarios",
    "sensitivity": "aftershock.api.sensitivity",
    "simulate": "aftershock.api.simulate",
    "simulate_and_save": "aftershock.api.simulate",
    "stress": "aftershock.api.risk",
    "validate": "aftershock.api.scenarios",
    "warnings_data": "aftershock.api.scenarios",
}

__all__ = [
    "DEFAULT_BACKLOG_COST",
    "AccumulationResult",
    "CalibrationResult",
    "CompareResult",
    "ConcentrationResult",
    "ImpactResult",
    "Interval",
    "Limits",
    "OptimizeResult",
    "PauseStudyResult",
    "PlanResult",
    "RiskResult",
    "ScenarioRef",
    "SensitivityResult",
    "SimulationResult",
    "StressResult",
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    # bypass _LazyAPI.__setattr__: the resolved public object replaces the lazy slot
    types.ModuleType.__setattr__(sys.modules[__name__], name, value)
    return value


def __dir__() -> list[str]:
    # the public names only: not the submodules the import system sets on the package
    # (``aftershock.api.results``), nor this module's own helpers
    return sorted(_EXPORTS)


class _LazyAPI(types.ModuleType):
    """Keep ``api.simulate`` the function: importing the submodule ``aftershock.api.simulate``
    makes the import system set the package attribute of the same name to the module, which
    must not shadow the public function (as the eager ``from ... import`` used to guarantee)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name, "").rsplit(".", 1)[-1] == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _LazyAPI
