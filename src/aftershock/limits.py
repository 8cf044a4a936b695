"""Upper bounds on the work one call may ask for.

A typo (``-n 10000000``) or a hostile request must get a clear refusal at once, not hours of
a worker or an out-of-memory kill. The command line and the Python API use the generous
defaults below; the server uses tighter ones from its settings (``aftershock serve
--max-replications …``). Every bound is documented in docs/security.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from aftershock.errors import ParameterError


@dataclass(frozen=True)
class Limits:
    """Upper bounds on replications, simulated years and store-days of one call."""

    #: Replications of one simulation, comparison row or optimiser replay.
    replications: int = 100_000
    #: Simulated years of one risk run.
    years: int = 1_000_000
    #: Replications × horizon days × stores × items of one simulation (each a store-day of
    #: work for the engine): 10,000 stores × 365 days × 1,000 replications is 3.65e9.
    store_days: int = 50_000_000_000

    def check_replications(self, replications: int, parameter: str = "replications") -> None:
        """Refuse fewer than one or more than :attr:`replications` replications."""
        _check_count(replications, self.replications, parameter)

    def check_years(self, years: int, parameter: str = "years") -> None:
        """Refuse fewer than one or more than :attr:`years` years."""
        _check_count(years, self.years, parameter)

    def check_store_days(
        self, replications: int, horizon_days: int, stores: int, items: int, parameter: str = "replications"
    ) -> None:
        """Refuse a simulation whose store-days (replications × days × stores × items) exceed the bound."""
        work = replications * horizon_days * stores * max(items, 1)
        if work > self.store_days:
            most = max(1, self.store_days // max(1, horizon_days * stores * max(items, 1)))
            raise ParameterError(
                parameter,
                f"{replications:,} replications × {horizon_days} days × {stores:,} stores × {items} items "
                f"is {work:,} store-days; at most {self.store_days:,} here "
                f"(at most {most:,} replications of this scenario)",
            )


def _check_count(value: int, most: int, parameter: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(parameter, f"expected a whole number, got {value!r}")
    if not 1 <= value <= most:
        raise ParameterError(parameter, f"expected a whole number from 1 to {most:,}, got {value:,}")


#: The bounds of the command line and the Python API.
DEFAULT = Limits()

#: The server's bounds on one request (``aftershock serve --max-replications …``): a run of
#: ocs-2022 (1,333 stores × 5 items × 90 days) may have up to 2,000 replications.
SERVER = Limits(replications=2000, years=100_000, store_days=2_000_000_000)
