"""Mutated bundled scenarios and store tables: each loads, or fails with located problems.

Whatever a mutation (``mutations.py``) makes must either load, and then run ``impact`` and
a short ``simulate``, or raise an :class:`AftershockError` whose every problem names its
source and a line, row or field. Any other exception, a problem without a location, or a
warning (the test suite turns RuntimeWarning into an error) is a bug.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from mutations import CORPUS, mutated, write

from aftershock import api
from aftershock.errors import AftershockError, UsageError

pytestmark = pytest.mark.fuzz

#: Longest horizon a mutated scenario is simulated over (longer ones are only loaded).
SIM_HORIZON = 60
#: Longest problem line accepted: a message quotes values, it never dumps them.
MAX_PROBLEM_CHARS = 1_000


# --- the checks -------------------------------------------------------------------------


def check_refusal(exc: AftershockError) -> None:
    """An input error must name where: source and line, row or field, for every problem."""
    assert exc.problems, f"{type(exc).__name__} without problems: {exc}"
    for p in exc.problems:
        assert p.source, p
        assert p.line is not None or p.row is not None or p.field, f"problem without a location: {p}"
        assert len(str(p)) <= MAX_PROBLEM_CHARS, f"problem of {len(str(p))} characters: {str(p)[:200]}..."


def load_or_refuse(path: Path) -> Any:
    """The loaded scenario, or None after checking the refusal."""
    try:
        return api.load(str(path))
    except AftershockError as exc:
        check_refusal(exc)
        return None


def test_the_cut_corpus_loads_and_runs(tmp_path: Path) -> None:
    for name, (data, table) in CORPUS.items():
        loaded = api.load(str(write(tmp_path / name, data, table)))
        assert 10 <= len(loaded.stores) <= 60, name
        api.impact(loaded)
        api.simulate(loaded, replications=2)


def test_mutated_scenarios_load_or_name_every_problem(tmp_path_factory: pytest.TempPathFactory, fuzz) -> None:
    folder = tmp_path_factory.mktemp("mutated")

    @fuzz.settings(2000)
    @given(mutated())
    def check(case: tuple[Any, Any, Any]) -> None:
        fuzz.count("examples")
        data, table, text = case
        loaded = load_or_refuse(write(folder, data, table, text))
        fuzz.count("loaded" if loaded is not None else "refused")

    check()


def test_plausible_mutations_that_load_also_run(tmp_path_factory: pytest.TempPathFactory, fuzz) -> None:
    folder = tmp_path_factory.mktemp("plausible")

    @fuzz.settings(400)
    @given(mutated(plausible=True))
    def check(case: tuple[Any, Any, Any]) -> None:
        fuzz.count("examples")
        data, table, _ = case
        loaded = load_or_refuse(write(folder, data, table))
        if loaded is None:
            fuzz.count("refused")
            return
        fuzz.count("loaded")
        try:
            api.impact(loaded)
            if loaded.scenario.horizon_days <= SIM_HORIZON:
                api.simulate(loaded, replications=2)
                fuzz.count("simulated")
        except UsageError:  # a work limit: clear, and not about the file
            fuzz.count("over a limit")

    check()
