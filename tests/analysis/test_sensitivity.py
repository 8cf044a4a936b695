"""Global sensitivity: known Sobol indices through the analysis's own code path, and the engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from aftershock import api
from aftershock.analysis.sensitivity import Parameter, analyse, ishigami
from aftershock.parallel import executor_from_spec
from aftershock.testing import pause_scenario

#: Exact indices of the Ishigami function (a = 7, b = 0.1) on [-pi, pi]^3.
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def ishigami_parameters() -> list[Parameter]:
    return [Parameter(path=f"x{i}", low=-np.pi, high=np.pi, point=0.0) for i in (1, 2, 3)]


def test_ishigami_indices_are_found_within_their_intervals() -> None:
    out = analyse(ishigami, ishigami_parameters(), samples=1024, trajectories=20, seed=3)
    by_path = {r["path"]: r for r in out["ranking"]}
    for i, path in enumerate(("x1", "x2", "x3")):
        s = by_path[path]["sobol"]
        assert abs(s["S1"] - ISHIGAMI_S1[i]) <= s["S1_conf"], (path, s)
        assert abs(s["ST"] - ISHIGAMI_ST[i]) <= s["ST_conf"], (path, s)
        assert 0 < s["S1_conf"] < 0.1 and 0 < s["ST_conf"] < 0.1  # intervals that mean something
    # ranked by the total index; x3 acts only through its interaction with x1
    assert [r["path"] for r in out["ranking"]] == ["x1", "x2", "x3"]
    assert [r["rank"] for r in out["ranking"]] == [1, 2, 3]
    x3 = by_path["x3"]
    assert x3["morris"]["mu_star"] > 1 and x3["morris"]["sigma"] > x3["morris"]["mu_star"]
    assert x3["sobol"]["S1"] < 0.05 < x3["sobol"]["ST"]
    # the tornado: every parameter alone at its ends, the others at 0 (where sin x1 = 0)
    assert out["baseline"] == pytest.approx(0.0, abs=1e-12)
    assert by_path["x2"]["tornado"]["low"] == pytest.approx(7 * np.sin(-np.pi) ** 2, abs=1e-9)
    ev = out["evaluations"]
    assert (ev["tornado"], ev["morris"], ev["sobol"]) == (7, 80, 5120)
    assert ev["distinct"] < 7 + 80 + 5120  # a row met twice (on the Morris grid, the point) runs once


@pytest.mark.parametrize("spec", ["processes", pytest.param("dask://local", marks=pytest.mark.slow)])
def test_the_same_indices_on_a_process_pool_and_dask(spec: str) -> None:
    here = analyse(ishigami, ishigami_parameters(), samples=64, trajectories=4, seed=1)
    ticks: list[tuple[int, int]] = []
    pool = executor_from_spec(spec, 2)
    try:
        there = analyse(
            ishigami,
            ishigami_parameters(),
            samples=64,
            trajectories=4,
            seed=1,
            executor=pool,
            on_progress=lambda done, total: ticks.append((done, total)),
        )
    finally:
        pool.close()
    assert there == here  # values, intervals (seeded bootstrap) and ranking
    # blocks of rows, each ticked once; the last tick is every row
    assert len(ticks) > 1 and ticks[-1][0] == ticks[-1][1] == here["evaluations"]["distinct"]


def test_values_fill_each_range_by_its_shape() -> None:
    u = np.linspace(0, 1, 4001)
    shifts = Parameter(path="s", low=0, high=3, point=1, integer=True)
    counts = np.bincount(shifts.values(u).astype(int))
    assert counts.tolist() == pytest.approx([1000, 1000, 1000, 1001], abs=2)  # each whole value alike
    pert = Parameter(path="p", low=4, high=8, point=5, shape="pert", mode=5.0)
    v = pert.values(u)
    assert v[0] == 4 and v[-1] == 8 and np.all(np.diff(v) >= 0) and np.median(v) < 6
    logn = Parameter(path="l", low=2.0, high=20.0, point=6, shape="lognormal", median=6.0, sigma=0.7)
    v = logn.values(u)
    assert v.min() >= 2.0 and v.max() <= 20.0 and np.median(v) == pytest.approx(6.0, rel=1e-3)


def test_a_model_that_ignores_its_inputs_gives_zero_indices() -> None:
    params = ishigami_parameters()[:2]
    out = analyse(_flat, params, samples=8, trajectories=2)
    assert all(r["sobol"]["ST"] == 0 and r["morris"]["mu_star"] == 0 for r in out["ranking"])
    assert any("same in every evaluation" in n for n in out["notes"])


def _flat(x: np.ndarray) -> np.ndarray:
    return np.full(len(x), 5.0)


# -- the engine ------------------------------------------------------------------------------


@pytest.fixture
def paused(tmp_path: Path) -> Path:
    """Four stores, outbound paused on days 3-7: the pause's end drives every lost unit."""
    return pause_scenario(
        tmp_path,
        stores=4,
        demand=10.0,
        order_up_to=40.0,
        on_hand=20.0,
        pause=(3, 8),
        capacity=100.0,
        horizon=20,
    )


def test_the_pause_dominates_the_engine(paused: Path) -> None:
    out = api.sensitivity(
        paused,
        params=["incident.isolate[0].until_day=5:12", "behaviour.churn_fraction=0:0.02"],
        samples=16,
        trajectories=4,
        replications=1,
    )
    first, second = out["ranking"]
    assert first["path"] == "incident.isolate[0].until_day"
    assert first["sobol"]["ST"] > 0.5 > 0.01 > second["sobol"]["ST"]
    assert first["morris"]["mu_star"] > 100 * second["morris"]["mu_star"]
    assert first["tornado"]["high"] > out["baseline"] > first["tornado"]["low"]
    assert first["tornado"]["swing"] > 1000 * second["tornado"]["swing"]
    # the baseline is the scenario as simulate runs it
    plain = api.simulate(paused, replications=1, seed=0).summary["metrics"]["lost_sales_units"]["mean"]
    assert out["baseline"] == pytest.approx(plain)
    pause = next(p for p in out["parameters"] if p["path"] == first["path"])
    assert pause["whole_numbers"] and (pause["low"], pause["high"], pause["point"]) == (5, 12, 8)
    assert any("whole values" in n and "until_day" in n for n in out["notes"])
    assert out["metric"]["name"] == "lost_sales_units" and out["metric"]["unit"] == "units"
    ev = out["evaluations"]
    assert (ev["tornado"], ev["morris"], ev["sobol"]) == (5, 12, 64) and ev["distinct"] <= 81


def test_the_scenarios_estimates_are_the_default_parameters(paused: Path) -> None:
    data = yaml.safe_load(paused.read_text())
    data["uncertainty"] = {
        "incident.isolate[0].until_day": {"dist": "pert", "low": 5, "mode": 8, "high": 12},
        "behaviour.churn_fraction": {"dist": "uniform", "low": 0, "high": 0.02},
        "behaviour.divert_nearby_fraction": {"dist": "point", "value": 0},
    }
    paused.write_text(yaml.safe_dump(data))
    out = api.sensitivity(paused, method="morris", trajectories=4, replications=1)
    params = {p["path"]: p for p in out["parameters"]}
    assert set(params) == {"incident.isolate[0].until_day", "behaviour.churn_fraction"}
    assert params["incident.isolate[0].until_day"]["shape"] == "pert"
    assert "bounds of the PERT estimate" in params["incident.isolate[0].until_day"]["range"]
    assert params["behaviour.churn_fraction"]["source"] == "uncertainty"
    assert out["ranking"][0]["path"] == "incident.isolate[0].until_day" and "sobol" not in out["ranking"][0]
    assert out["samples"] is None and out["trajectories"] == 4
    assert any("nothing to vary" in n and "divert_nearby_fraction" in n for n in out["notes"])
    # --param instead: only what is given; the other estimates held at their written values
    given = api.sensitivity(
        paused, params=["behaviour.churn_fraction=0:0.05"], method="morris", trajectories=2
    )
    assert [p["path"] for p in given["parameters"]] == ["behaviour.churn_fraction"]
    assert any("held at their written values" in n for n in given["notes"])


def test_a_lognormal_estimate_varies_over_its_5th_to_95th_percentile(paused: Path) -> None:
    data = yaml.safe_load(paused.read_text())
    data["uncertainty"] = {"behaviour.churn_fraction": {"dist": "lognormal", "median": 0.01, "p90": 0.02}}
    paused.write_text(yaml.safe_dump(data))
    out = api.sensitivity(paused, method="morris", trajectories=2, replications=1)
    (p,) = out["parameters"]
    sigma = np.log(2) / 1.2815515655446004
    assert p["low"] == pytest.approx(0.01 * np.exp(-1.6448536 * sigma))
    assert p["high"] == pytest.approx(0.01 * np.exp(1.6448536 * sigma))
    assert p["range"] == "5th-95th percentile of the lognormal estimate"
