"""Errors cross process boundaries (web workers, process pools, Dask) whole: issue 11."""

from __future__ import annotations

import inspect
import pickle

import pytest

from aftershock import errors
from aftershock.errors import AftershockError, Problem

PROBLEMS = [
    Problem("scenario.yaml", "expected a day inside the horizon, got 40", line=31, field="incident.day"),
    Problem("stores.csv", "expected a number >= 0, got -5", row=214, field="demand_units_per_day"),
]


def _every_subclass(cls: type) -> list[type]:
    out = [cls]
    for sub in cls.__subclasses__():
        out += _every_subclass(sub)
    return out


ERRORS = [c for c in _every_subclass(AftershockError) if c.__module__ == errors.__name__]


def _example(cls: type[AftershockError]) -> AftershockError:
    """An instance with problems, through the class's own constructor."""
    params = inspect.signature(cls.__init__).parameters
    if "problems" in params:
        return cls("3 problems in scenario", PROBLEMS)
    required = [p for name, p in params.items() if name != "self" and p.default is inspect.Parameter.empty]
    return cls(*(f"value {i}" for i in range(len(required))))


def test_every_error_class_is_covered() -> None:
    names = {c.__name__ for c in ERRORS}
    assert {"AftershockError", "ScenarioError", "DataError", "UsageError", "NotFoundError"} <= names


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_errors_pickle_with_their_problems(cls: type[AftershockError]) -> None:
    exc = _example(cls)
    exc.hint = "and any attribute set on it"
    again = pickle.loads(pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(again) is cls
    assert str(again) == str(exc) and again.args == exc.args
    assert again.problems == exc.problems and again.lines == exc.lines
    assert again.hint == exc.hint
    if "problems" in inspect.signature(cls.__init__).parameters:
        assert again.problems == PROBLEMS


def test_from_problems_errors_pickle() -> None:
    for exc in (errors.ScenarioError.from_problems(PROBLEMS), errors.DataError.from_problems(PROBLEMS[1:])):
        again = pickle.loads(pickle.dumps(exc))
        assert type(again) is type(exc) and again.problems == exc.problems and str(again) == str(exc)


def test_an_error_raised_in_a_worker_process_arrives_whole() -> None:
    """Through a real process boundary: the error and its problems, not a stand-in."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(_raise_scenario_error)
        with pytest.raises(errors.ScenarioError) as caught:
            future.result(timeout=120)
    assert caught.value.problems == PROBLEMS


def _raise_scenario_error() -> None:
    raise errors.ScenarioError.from_problems(PROBLEMS)
