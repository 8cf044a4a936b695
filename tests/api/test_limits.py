"""Bounded work: the Python API refuses runaway requests at once, naming its parameters."""

from __future__ import annotations

import pickle

import pytest

from aftershock import api
from aftershock.cli.app import main
from aftershock.errors import ParameterError
from aftershock.limits import Limits


def test_replications_are_bounded():
    with pytest.raises(ParameterError, match=r"^replications: expected a whole number from 1 to 100,000"):
        api.simulate("ocs-2022", replications=10**8)


def test_store_days_are_bounded_before_any_work():
    with pytest.raises(ParameterError, match="store-days"):
        api.simulate("ocs-2022", replications=90_000, overrides=["horizon_days=3660"])
    small = Limits(store_days=1_000)
    with pytest.raises(ParameterError, match="at most 1 replications"):
        api.simulate("ocs-2022", replications=2, limits=small)


def test_years_and_seed_are_bounded():
    with pytest.raises(ParameterError, match=r"^years:"):
        api.risk("ocs-2022", years=10**9)
    with pytest.raises(ParameterError, match=r"^seed:"):
        api.simulate("ocs-2022", replications=1, seed=2**64)


def test_the_cli_names_the_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["risk", "ocs-2022", "--years", "1000000000"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "--years: expected a whole number from 1 to 1,000,000" in err


def test_parameter_errors_pickle():
    exc = pickle.loads(pickle.dumps(ParameterError("years", "too many")))
    assert (exc.parameter, exc.reason, str(exc)) == ("years", "too many", "years: too many")
