"""The simulation engine: the day loop over (replication, store, item) arrays.

Names load on first use, so that importing a light module of the package (``metrics``) does
not load the compiled kernel and Numba.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "DAILY": "aftershock.sim.engine",
    "STORE_DAILY": "aftershock.sim.engine",
    "run_replications": "aftershock.sim.engine",
    "SimInputs": "aftershock.sim.inputs",
    "build_inputs": "aftershock.sim.inputs",
    "METRICS": "aftershock.sim.metrics",
    "per_replication": "aftershock.sim.metrics",
    "replication_seeds": "aftershock.sim.runner",
    "run": "aftershock.sim.runner",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'aftershock.sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
