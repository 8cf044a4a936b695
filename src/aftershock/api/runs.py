"""What every simulating entry point shares: work limits, the seed check and the executor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aftershock.errors import ParameterError
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model import LoadedScenario
from aftershock.parallel import Executor, executor_from_spec


def check_seed(seed: int) -> None:
    if not 0 <= seed < 2**63:
        raise ParameterError("seed", f"expected a whole number from 0 to 2^63 - 1, got {seed}")


def check_work(loaded: LoadedScenario, replications: int, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a simulation of ``loaded`` whose store-days exceed ``limits`` (see :class:`Limits`)."""
    s = loaded.scenario
    limits.check_store_days(replications, s.horizon_days, len(loaded.stores), max(1, len(s.items)))


@contextmanager
def executor_for(spec: str | Executor | None, workers: int | None) -> Iterator[Executor]:
    """An executor from a spec (closed afterwards), or the one given (left open)."""
    if spec is None or isinstance(spec, str):
        ex = executor_from_spec(spec, workers)
        try:
            yield ex
        finally:
            ex.close()
    else:
        yield spec
