"""The simulation engine: vectorised day loop over (replication, store, item) arrays."""

from aftershock.sim.engine import DAILY, STORE_DAILY, run_replications
from aftershock.sim.inputs import SimInputs, build_inputs
from aftershock.sim.metrics import METRICS, per_replication
from aftershock.sim.runner import replication_seeds, run

__all__ = [
    "DAILY",
    "METRICS",
    "STORE_DAILY",
    "SimInputs",
    "build_inputs",
    "per_replication",
    "replication_seeds",
    "run",
    "run_replications",
]
