"""Risk Monte Carlo against closed forms, and its convergence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from aftershock import api
from aftershock.errors import ScenarioError, UsageError
from aftershock.model.threats import Estimate
from aftershock.testing import scenario_dict, write_scenario


def one_vendor(tmp_path: Path, rate: float, cost: float, service: str = "app") -> Path:
    """A threat on a service nothing depends on while pos-a is up: the only loss is the response."""
    data = scenario_dict(
        threats=[
            {
                "service": service,
                "frequency_per_year": {"dist": "point", "value": rate},
                "outage_days": {"dist": "point", "value": 2},
                "pause_days": {"dist": "point", "value": 0},
                "response_cost": {"dist": "point", "value": cost},
            }
        ],
        demand={"distribution": "deterministic"},
    )
    return write_scenario(tmp_path, data)


def test_expected_annual_loss_matches_closed_form(tmp_path: Path) -> None:
    # Poisson(λ) incidents a year, each costing C: E[annual loss] = λ·C, sd = C·sqrt(λ)
    rate, cost, years = 0.3, 1000.0, 20_000
    summary = api.risk(one_vendor(tmp_path, rate, cost), years=years, seed=3, reps_per_shape=1)
    se = cost * np.sqrt(rate) / np.sqrt(years)
    assert abs(summary["expected_annual_loss"] - rate * cost) < 3 * se
    lo, hi = summary["expected_annual_loss_ci95"]
    assert lo < rate * cost < hi
    assert summary["by_vendor"][0]["vendor"] == "chain" and summary["by_vendor"][0]["rank"] == 1


def test_var_converges_to_the_poisson_quantile(tmp_path: Path) -> None:
    rate, cost = 0.5, 1000.0
    path = one_vendor(tmp_path, rate, cost)
    # Poisson quantiles by hand: the smallest n with P(N <= n) >= q
    cdf = np.cumsum([np.exp(-rate) * rate**k / np.prod(np.arange(1, k + 1)) for k in range(10)])
    exact95 = cost * int(np.searchsorted(cdf, 0.95))
    exact99 = cost * int(np.searchsorted(cdf, 0.99))
    small = api.risk(path, years=500, seed=1, reps_per_shape=1)
    large = api.risk(path, years=40_000, seed=1, reps_per_shape=1)
    assert large["var95"] == pytest.approx(exact95)
    assert large["var99"] == pytest.approx(exact99)
    width_small = small["var99_ci95"][1] - small["var99_ci95"][0]
    width_large = large["var99_ci95"][1] - large["var99_ci95"][0]
    assert width_large <= width_small
    # the curve starts just under one incident's cost: P(N >= 1)
    lec = large["loss_exceedance"]
    assert lec["probability"][0] == pytest.approx(1 - np.exp(-rate), abs=0.01)
    assert all(a >= b for a, b in zip(lec["probability"], lec["probability"][1:], strict=False))


def test_engine_losses_enter_the_annual_loss(tmp_path: Path) -> None:
    # a threat on pos-a closes three stores for a while: a positive engine loss per incident
    path = one_vendor(tmp_path, 0.2, 0.0, service="rmm")
    summary = api.risk(path, years=3000, seed=2, reps_per_shape=1)
    per_incident = summary["by_threat"][0]["loss_per_incident"]["mean"]
    assert per_incident > 0
    np.testing.assert_allclose(
        summary["expected_annual_loss"], per_incident * summary["incidents_per_year_mean"], rtol=1e-9
    )


def test_estimates_sample_their_stated_distributions() -> None:
    rng = np.random.default_rng(0)
    pert = Estimate(dist="pert", low=1, mode=2, high=6)
    assert pert.sample(rng, 200_000).mean() == pytest.approx(pert.mean(), rel=0.01)
    logn = Estimate(dist="lognormal", median=10, p90=30)
    draws = logn.sample(rng, 200_000)
    assert np.median(draws) == pytest.approx(10, rel=0.02)
    assert np.quantile(draws, 0.9) == pytest.approx(30, rel=0.03)
    with pytest.raises(ValueError, match="mode"):
        Estimate(dist="pert", low=1, mode=9, high=6)


def test_bad_risk_inputs(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="years"):
        api.risk("coop-kaseya-2021", years=0)
    no_threats = write_scenario(tmp_path, scenario_dict())
    with pytest.raises(ScenarioError, match="no threats"):
        api.risk(no_threats, years=10)
    bad = scenario_dict(
        threats=[
            {
                "service": "app",
                "frequency_per_year": {"dist": "point", "value": -1},
                "outage_days": {"value": 1},
            }
        ]
    )
    with pytest.raises(ScenarioError, match=r"threats\[0\]\.frequency_per_year\.value"):
        api.risk(write_scenario(tmp_path / "b", bad), years=10)
    bad_p = scenario_dict()
    bad_p["control"][0]["p"] = 1.5
    with pytest.raises(ScenarioError, match=r"control\[0\]\.p: expected a value less than or equal to 1"):
        api.validate(write_scenario(tmp_path / "c", bad_p))


@pytest.mark.slow
def test_same_seed_same_risk_on_every_executor() -> None:
    one = api.risk("coop-kaseya-2021", years=300, seed=5, reps_per_shape=2, overrides=["horizon_days=18"])
    other = api.risk(
        "coop-kaseya-2021",
        years=300,
        seed=5,
        reps_per_shape=2,
        overrides=["horizon_days=18"],
        executor="dask://local",
        workers=2,
    )
    assert one["expected_annual_loss"] == other["expected_annual_loss"]
    assert one["var99"] == other["var99"]


def test_risk_prices_future_spread_with_the_edges_own_p(tmp_path: Path) -> None:
    """A replay's spread_p_override (ocs-2022's record: it did not spread) says nothing about
    incidents to come: risk ignores it, says so, and prices the edges' own p."""
    plain = one_vendor(tmp_path / "plain", 0.2, 0.0, service="rmm")
    summary = api.risk(plain, years=2000, seed=2, reps_per_shape=1)
    assert summary["expected_annual_loss"] > 0  # rmm → pos-a closes stores
    data = yaml.safe_load(plain.read_text())
    data["incident"]["spread_p_override"] = 0.0
    replay = write_scenario(tmp_path / "replay", data)
    ignored = api.risk(replay, years=2000, seed=2, reps_per_shape=1)
    assert ignored["expected_annual_loss"] == summary["expected_annual_loss"]
    assert any(
        w["field"] == "incident.spread_p_override" and "not used" in w["message"] for w in ignored["warnings"]
    )
