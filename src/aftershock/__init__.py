"""aftershock: what a cyberattack on one supplier does to your stores, and the fastest way back.

The public API lives in :mod:`aftershock.api`; the names below are the stable surface.
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from aftershock.api import impact, load, scenarios, schema, validate

__version__ = "0.1.0"

# loaded on first use, so that importing the package (and the CLI) stays cheap
_API_NAMES = frozenset({"impact", "load", "scenarios", "schema", "validate"})


def __getattr__(name: str) -> Any:
    if name in _API_NAMES:
        from aftershock import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _API_NAMES)


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
