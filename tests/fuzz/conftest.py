"""Shared settings of the fuzzers: reproducible in CI, ten times longer on demand.

    pytest tests/fuzz                       # the CI run: a fixed number of examples, derandomized
    FUZZ_PROFILE=long pytest tests/fuzz     # ten times the examples, random seeds (keeps failures
                                            # in .hypothesis/ so a rerun replays them first)

Every fuzz test is marked ``fuzz`` (``-m "not fuzz"`` leaves them out). Each reports how many
examples it ran and how long they took in the terminal summary.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

PROFILE = os.environ.get("FUZZ_PROFILE", "ci")
SCALE = {"ci": 1, "long": 10}.get(PROFILE, 1)

#: One line per fuzz test, shown at the end of the run.
REPORT: list[str] = []


@dataclass
class Fuzz:
    """Counts what a fuzz test did; ``settings(n)`` gives its Hypothesis settings."""

    name: str
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def settings(self, examples: int) -> Callable:
        """Settings for ``examples`` examples (times the profile's scale)."""
        long = PROFILE == "long"
        return settings(
            max_examples=examples * SCALE,
            derandomize=not long,
            database=DirectoryBasedExampleDatabase(".hypothesis/fuzz") if long else None,
            deadline=None,
            print_blob=True,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.filter_too_much,
            ],
        )

    def count(self, what: str) -> None:
        """One more of ``what`` (examples, loaded, refused, ...)."""
        self.counts[what] = self.counts.get(what, 0) + 1


@pytest.fixture
def fuzz(request: pytest.FixtureRequest) -> Iterator[Fuzz]:
    """A counter for the current fuzz test; its totals go to the terminal summary."""
    state = Fuzz(request.node.name)
    yield state
    seconds = time.monotonic() - state.started
    counts = ", ".join(f"{v} {k}" for k, v in state.counts.items())
    REPORT.append(f"{state.name}: {counts} in {seconds:.1f} s (profile {PROFILE})")
    request.node.user_properties.extend((k, v) for k, v in state.counts.items())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the example counts of every fuzz test that ran."""
    if REPORT:
        terminalreporter.section("fuzzing")
        for line in REPORT:
            terminalreporter.write_line(line)
