"""Calibration (ABC-SMC): recovers a known parameter, is reproducible, and refuses bad parameters."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from calibration_cases import RATE, TRUE_RATE, crew_scenario, observed_from_truth

from aftershock import api
from aftershock.analysis.calibrate import Prior, calibrate, distance, weighted_quantile
from aftershock.api.calibrate import calibrate as calibrate_scenario
from aftershock.api.calibrate import engine_series, with_values
from aftershock.errors import DataError, ParameterError
from aftershock.model.threats import Estimate


def test_abc_smc_recovers_the_set_that_fits_a_known_function() -> None:
    # distance |x - 3| / 0.5: the sets that fit are exactly [2.5, 3.5]
    prior = Prior("x", Estimate(dist="uniform", low=0.0, high=10.0))

    def simulate(theta: np.ndarray, _g: int) -> tuple[np.ndarray, list[Any]]:
        return np.abs(theta[:, 0] - 3.0) / 0.5, [None] * len(theta)

    post = calibrate([prior], simulate, particles=200, seed=1)
    assert post.generations[-1].epsilon == 1.0
    assert np.all((post.theta[:, 0] >= 2.5) & (post.theta[:, 0] <= 3.5))
    q = post.quantiles([0.05, 0.5, 0.95])[:, 0]
    assert 2.5 <= q[0] < 2.8 and 2.8 < q[1] < 3.2 and 3.2 < q[2] <= 3.5  # uniform over the fit
    again = calibrate([prior], simulate, particles=200, seed=1)
    np.testing.assert_array_equal(post.theta, again.theta)


def test_rejection_is_one_population_from_the_prior() -> None:
    prior = Prior("x", Estimate(dist="pert", low=0.0, mode=2.0, high=10.0))

    def simulate(theta: np.ndarray, _g: int) -> tuple[np.ndarray, list[Any]]:
        return np.abs(theta[:, 0] - 3.0), [None] * len(theta)

    post = calibrate([prior], simulate, method="rejection", particles=100, seed=0)
    assert len(post.generations) == 1 and post.simulations == 100
    assert np.all(post.weights == post.weights[0])


def test_prior_densities() -> None:
    uniform = Prior("u", Estimate(dist="uniform", low=1.0, high=3.0))
    assert np.exp(uniform.logpdf(np.array([0.5, 2.0, 3.5]))) == pytest.approx([0.0, 0.5, 0.0])
    pert = Prior("p", Estimate(dist="pert", low=0.0, mode=1.0, high=4.0))
    xs = np.linspace(0, 4, 4001)
    assert np.trapezoid(np.exp(pert.logpdf(xs)), xs) == pytest.approx(1.0, abs=1e-3)
    lognormal = Prior("l", Estimate(dist="lognormal", median=2.0, p90=5.0))
    xs = np.linspace(1e-6, 400, 400001)
    assert np.trapezoid(np.exp(lognormal.logpdf(xs)), xs) == pytest.approx(1.0, abs=1e-3)
    with pytest.raises(ValueError, match="nothing to calibrate"):
        Prior("x", Estimate(dist="point", value=2.0))


def test_distance_and_weighted_quantiles() -> None:
    assert distance([10, 21], np.array([10.0, 20.0]), np.array([1.0, 2.0])) == 0.5
    assert weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]), [0.5])[0] == 2.0


def test_calibration_recovers_the_crews_rate(tmp_path: Path) -> None:
    observed = observed_from_truth(tmp_path)
    scenario = crew_scenario(tmp_path / "model", rate=1.0)  # written far from the truth
    result = calibrate_scenario(
        scenario,
        observed=observed,
        params=[f"{RATE}=0.5:8"],
        particles=60,
        replications=1,
        fit_replications=2,
        seed=4,
        executor="in-process",
    )
    row = result.parameters()[0]
    assert row["p5"] <= TRUE_RATE <= row["p95"], row
    assert 2.5 < row["median"] < 3.5 and row["p95"] - row["p5"] < 1.0, row
    assert row["written"] == 1.0
    data = result.as_dict()
    assert data["within_band"] == {"written": 1, "calibrated": 8, "points": 8}
    assert data["variant"] == {"name": "calibrated", "set": {RATE: row["median"]}}
    assert data["generations"][-1]["epsilon"] == 1.0
    # the chart's series: as written, calibrated and the posterior band, one value a day
    daily = data["daily"]["stores_closed"]
    assert len(daily["calibrated"]["mean"]) == len(daily["posterior"]["p5"]) == 14
    assert daily["date"][0] == "2024-03-01"
    text = result.variant_yaml()
    assert "variants:\n  calibrated:\n" in text and f"{RATE}: {row['median']}" in text


def test_the_same_seed_gives_the_same_posterior_on_every_executor(tmp_path: Path) -> None:
    observed = observed_from_truth(tmp_path)
    scenario = crew_scenario(tmp_path / "model")
    kw: dict[str, Any] = {
        "observed": observed,
        "params": [f"{RATE}=0.5:8", "incident.restore.pos.day=3:6"],
        "particles": 24,
        "generations": 2,
        "replications": 1,
        "fit_replications": 1,
        "seed": 9,
    }
    here = calibrate_scenario(scenario, executor="in-process", **kw).as_dict()
    pool = calibrate_scenario(scenario, executor="processes", workers=2, **kw).as_dict()
    assert here["particles"] == pool["particles"]
    assert here["parameters"] == pool["parameters"]
    # a whole-number field takes whole values
    assert isinstance(here["variant"]["set"]["incident.restore.pos.day"], int)


def test_uncertainty_estimates_are_the_default_priors(tmp_path: Path) -> None:
    observed = observed_from_truth(tmp_path)
    scenario = crew_scenario(
        tmp_path / "model",
        uncertainty={RATE: {"dist": "pert", "low": 1.0, "mode": 2.0, "high": 6.0}},
    )
    result = calibrate_scenario(
        scenario, observed=observed, particles=40, replications=1, fit_replications=1, executor="in-process"
    )
    row = result.parameters()[0]
    assert (row["path"], row["prior"], row["prior_source"]) == (RATE, "pert 1 / 2 / 6", "uncertainty")
    assert row["p5"] <= TRUE_RATE <= row["p95"]
    # a path alone takes its estimate from uncertainty:
    again = calibrate_scenario(
        scenario,
        observed=observed,
        params=[RATE],
        particles=40,
        replications=1,
        fit_replications=1,
        executor="in-process",
    )
    assert again.parameters()[0]["prior"] == "pert 1 / 2 / 6"


def test_with_values_sets_fields_and_pins_them(tmp_path: Path) -> None:
    scenario = crew_scenario(tmp_path, uncertainty={RATE: {"dist": "uniform", "low": 1.0, "high": 6.0}})
    loaded = api.load(scenario)
    changed = with_values(loaded, {RATE: 2.5, "incident.restore.pos.day": 5.4})
    restore = changed.scenario.incident.restore["pos"]
    assert (restore.sites_per_crew_per_day, restore.day) == (2.5, 5)
    assert changed.scenario.uncertainty == {}
    with pytest.raises(ValueError, match="should be greater than"):
        with_values(loaded, {RATE: 0.0})


def test_engine_series_maps_observed_names() -> None:
    raw = {"stores_closed": np.array([[3.0, 1.0]]), "shipped_units": np.array([[5.0, 6.0]])}
    assert engine_series(raw, "stores_open", 10).tolist() == [[7.0, 9.0]]
    assert engine_series(raw, "shipped_units", 10).tolist() == [[5.0, 6.0]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            ["incident.restore.pos.crewz=1:3"],
            "did you mean 'crews'?",
        ),
        (["incident.restore.pos.order=1:3"], "is text, not a number"),
        ([f"{RATE}=3:1"], f"param: {RATE}: expected low < high, got 3:1"),
        ([f"{RATE}=1-3"], "expected path=low:high with two numbers"),
        ([f"{RATE}=0:3"], f"param: {RATE} = 0 is not a valid value"),
        ([RATE], f"'{RATE}' has no estimate in the scenario's uncertainty"),
        ([f"{RATE}=1:3", f"{RATE}=2:4"], "is named twice"),
        (None, "nothing to calibrate: the scenario has no uncertainty: estimates"),
        (["name=1:3"], "cannot be uncertain"),
    ],
)
def test_bad_parameters_are_refused_before_any_work(
    tmp_path: Path, params: list[str] | None, expected: str
) -> None:
    observed = observed_from_truth(tmp_path)
    with pytest.raises(ParameterError) as info:
        calibrate_scenario(crew_scenario(tmp_path / "model"), observed=observed, params=params)
    assert expected in str(info.value)


def test_bad_settings_and_a_missing_observed_file(tmp_path: Path) -> None:
    scenario = crew_scenario(tmp_path / "model")
    with pytest.raises(ParameterError, match="observed: give the observed timeline"):
        calibrate_scenario(scenario, params=[f"{RATE}=1:3"])
    observed = observed_from_truth(tmp_path)
    for kw, match in (
        ({"method": "mcmc"}, "method: expected one of abc-smc, rejection"),
        ({"particles": 2}, "particles: expected a whole number from 4"),
        ({"alpha": 1.5}, "alpha"),
        ({"variant_name": "a b"}, "variant_name"),
        ({"replications": 0}, "replications"),
    ):
        with pytest.raises(ParameterError, match=match):
            calibrate_scenario(scenario, observed=observed, params=[f"{RATE}=1:3"], **kw)
    with pytest.raises(DataError, match=r"obs\.csv row 1: column `value`"):
        bad = tmp_path / "obs.csv"
        bad.write_text("date,series,value\n2024-03-05,stores_closed,x\n", encoding="utf-8")
        calibrate_scenario(scenario, observed=bad, params=[f"{RATE}=1:3"])


def test_a_timeline_no_set_can_fit_says_so(tmp_path: Path) -> None:
    # 40 stores closed on day 3 and none on day 4: no crew rate restores 40 stores in a day
    scenario = crew_scenario(tmp_path)
    observed = tmp_path / "obs.csv"
    observed.write_text(
        "date,series,value,tolerance\n2024-03-04,stores_closed,40,1\n2024-03-05,stores_closed,0,1\n",
        encoding="utf-8",
    )
    result = calibrate_scenario(
        scenario,
        observed=observed,
        params=[f"{RATE}=0.5:8"],
        particles=20,
        generations=2,
        replications=1,
        fit_replications=1,
        executor="in-process",
    )
    assert result.posterior.generations[-1].epsilon > 1
    assert result.notes and "no parameter set put every point within its band" in result.notes[0]
    assert math.isfinite(result.as_dict()["distance"]["calibrated"])
