"""aftershock: what a cyberattack on one supplier does to your stores, and the fastest way back.

The public API lives in :mod:`aftershock.api`; the names below are the stable surface.
"""

from aftershock.api import impact, load, scenarios, schema, validate
from aftershock.errors import (
    AftershockError,
    DataError,
    Problem,
    ScenarioError,
    SolverError,
    StoreError,
    UsageError,
)
from aftershock.model import LoadedScenario, Scenario

__version__ = "0.1.0"

__all__ = [
    "AftershockError",
    "DataError",
    "LoadedScenario",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "StoreError",
    "UsageError",
    "__version__",
    "impact",
    "load",
    "scenarios",
    "schema",
    "validate",
]
