"""Parameter uncertainty (``uncertainty:``): draws per replication, the split of the variance,
reproducibility on every executor, and the commands that use the point values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from aftershock import api
from aftershock.errors import ParameterError
from aftershock.model.uncertainty import draw_values, parameters, split_replications
from aftershock.sim.draws import split_variance
from aftershock.testing import scenario_dict, write_scenario

FRACTION = "behaviour.divert_online_fraction"


def _scenario(folder: Path, uncertainty: dict, **changes) -> Path:
    data = scenario_dict(**changes)
    data["uncertainty"] = uncertainty
    return write_scenario(folder, data)


def test_point_estimates_give_exactly_the_point_result(tmp_path: Path) -> None:
    """Estimates that are points (at the scenario's own values) change nothing but the labels."""
    plain = write_scenario(tmp_path / "plain", scenario_dict(behaviour={"churn_fraction": 0.1}))
    pointed = _scenario(
        tmp_path / "pointed",
        {
            "behaviour.churn_fraction": {"dist": "point", "value": 0.1},
            "incident.compromise.day": {"dist": "point", "value": 5},
        },
        behaviour={"churn_fraction": 0.1},
    )
    a = api.simulate(plain, replications=9, seed=4)
    b = api.simulate(pointed, replications=9, seed=4)
    for name in a.dataset.data_vars:
        np.testing.assert_array_equal(a.dataset[name].values, b.dataset[name].values, err_msg=name)
    assert b.dataset["parameter_draw"].values.tolist() == [0, 0, 0, 1, 1, 2, 2, 3, 3]
    for name, row in a.summary["metrics"].items():
        assert b.summary["metrics"][name]["mean"] == row["mean"]
        share = b.summary["metrics"][name]["from_parameters"]["share"]
        assert share in (0.0, None)  # nothing comes from the parameters


def test_linear_effect_with_deterministic_demand_is_all_from_parameters(tmp_path: Path) -> None:
    """Lost sales are linear in the online diversion (the closed stores' demand times the share that
    does not go online); with deterministic demand all of their variance is the parameter's, and it
    matches the analytic variance of a uniform: slope² (high - low)² / 12."""
    low, high = 0.1, 0.5
    base = {"demand": {"distribution": "deterministic"}}
    zero = write_scenario(tmp_path / "zero", scenario_dict(**base, behaviour={"divert_online_fraction": 0.0}))
    slope = float(api.simulate(zero, replications=1, seed=0).dataset["lost_sales_units"].values[0])
    assert slope > 0
    path = _scenario(
        tmp_path / "drawn",
        {FRACTION: {"dist": "uniform", "low": low, "high": high}},
        **base,
        behaviour={"divert_online_fraction": 0.3},
    )
    result = api.simulate(path, replications=400, seed=11, parameter_draws=200)
    drawn = result.dataset["parameter_value"].sel(parameter=FRACTION).values
    lost = result.dataset["lost_sales_units"].values
    np.testing.assert_allclose(lost, slope * (1 - drawn), rtol=1e-9)
    split = result.summary["metrics"]["lost_sales_units"]["from_parameters"]
    assert split["share"] == 1.0 and split["share_low"] == 1.0 and split["from_demand"] == 0.0
    # exactly the between-set variance of the draws, and the analytic one within sampling error
    per_set = slope * (1 - result.summary["uncertainty"]["parameters"][0]["drawn"]["mean"])
    assert per_set == pytest.approx(lost.mean())
    values = draw_values(parameters(api.load(path).scenario), 11, 200)[FRACTION]
    assert split["from_parameters"] == pytest.approx(slope**2 * values.var(ddof=1), rel=1e-9)
    analytic = slope**2 * (high - low) ** 2 / 12
    assert split["from_parameters"] == pytest.approx(analytic, rel=0.25)  # 200 draws: ~6% s.e.
    assert split["p5"] == pytest.approx(slope * (1 - np.percentile(values, 95)), rel=1e-6)


def test_variance_split_recovers_known_components() -> None:
    """y = parameter effect + demand noise, with known variances: the ANOVA split finds them."""
    rng = np.random.default_rng(5)
    k, m = 400, 4
    effect = rng.normal(0.0, 3.0, k)  # variance 9 from parameters
    draw = np.repeat(np.arange(k), m)
    y = 100 + effect[draw] + rng.normal(0.0, 2.0, k * m)  # variance 4 from demand
    split = split_variance(y, draw)
    assert split["from_parameters"] == pytest.approx(9.0, rel=0.2)
    assert split["from_demand"] == pytest.approx(4.0, rel=0.1)
    assert split["share_low"] < 9 / 13 < split["share_high"]
    assert split["p95"] - split["p5"] == pytest.approx(2 * 1.645 * 3.0, rel=0.2)
    # one replication per set: the parts cannot be told apart
    assert split_variance(y[:k], np.arange(k))["share"] is None
    # a day not reached within the horizon in some run: no split
    assert split_variance(np.array([1.0, np.nan, 2.0, 3.0]), np.array([0, 0, 1, 1]))["share"] is None


def test_draws_are_independent_per_parameter_and_of_demand(tmp_path: Path) -> None:
    one = {FRACTION: {"dist": "uniform", "low": 0.1, "high": 0.5}}
    two = {**one, "behaviour.churn_fraction": {"dist": "pert", "low": 0.0, "mode": 0.02, "high": 0.1}}
    p1 = parameters(api.load(_scenario(tmp_path / "one", one)).scenario)
    p2 = parameters(api.load(_scenario(tmp_path / "two", two)).scenario)
    a, b = draw_values(p1, 3, 50), draw_values(p2, 3, 50)
    np.testing.assert_array_equal(a[FRACTION], b[FRACTION])  # adding a parameter changes no other
    assert not np.array_equal(draw_values(p1, 4, 50)[FRACTION], a[FRACTION])  # the seed matters
    assert split_replications(7, 3) == [3, 2, 2]


def test_whole_number_fields_get_whole_draws(tmp_path: Path) -> None:
    path = _scenario(tmp_path, {"incident.compromise.day": {"dist": "uniform", "low": 3, "high": 8}})
    result = api.simulate(path, replications=12, seed=2)
    days = result.dataset["parameter_value"].values[:, 0]
    assert set(days.tolist()) <= {3.0, 4.0, 5.0, 6.0, 7.0, 8.0} and len(set(days.tolist())) > 1
    # the tills of the stores on pos-a go down on the drawn day
    first_down = (result.dataset["stores_degraded"].values > 0).argmax(axis=1)
    np.testing.assert_array_equal(first_down, days)


def test_same_dataset_on_every_executor_and_chunking(tmp_path: Path) -> None:
    path = _scenario(
        tmp_path,
        {
            FRACTION: {"dist": "uniform", "low": 0.0, "high": 0.4},
            "incident.compromise.day": {"dist": "pert", "low": 3, "mode": 5, "high": 9},
            "control[0].p": {"dist": "uniform", "low": 0.3, "high": 1.0},
        },
    )
    inline = api.simulate(path, replications=10, seed=8, parameter_draws=4)
    chunked = api.simulate(path, replications=10, seed=8, parameter_draws=4, chunk=1)
    pooled = api.simulate(path, replications=10, seed=8, parameter_draws=4, executor="processes", workers=2)
    xr.testing.assert_identical(inline.dataset, chunked.dataset)
    xr.testing.assert_identical(inline.dataset, pooled.dataset)
    assert inline.summary == pooled.summary
    assert inline.summary["uncertainty"]["replications_per_draw"] == {"min": 2, "max": 3}


def test_parameter_draws_are_checked(tmp_path: Path) -> None:
    path = _scenario(tmp_path / "u", {FRACTION: {"dist": "uniform", "low": 0.0, "high": 0.4}})
    with pytest.raises(ParameterError, match="from 1 to the replications"):
        api.simulate(path, replications=4, parameter_draws=5)
    plain = write_scenario(tmp_path / "plain")
    with pytest.raises(ParameterError, match="no uncertainty"):
        api.simulate(plain, replications=4, parameter_draws=2)


def test_set_pins_an_uncertain_field(tmp_path: Path) -> None:
    path = _scenario(tmp_path, {FRACTION: {"dist": "uniform", "low": 0.0, "high": 0.4}})
    result = api.simulate(path, replications=4, overrides=[f"{FRACTION}=0.25"])
    assert "uncertainty" not in result.summary  # nothing left to draw
    assert any(
        w["field"] == "uncertainty" and FRACTION in w["message"] and w["source"] == "--set"
        for w in result.summary["warnings"]
    )


def test_other_commands_say_they_use_the_point_values(tmp_path: Path) -> None:
    data = scenario_dict(
        threats=[
            {
                "service": "rmm",
                "frequency_per_year": {"dist": "point", "value": 0.5},
                "outage_days": {"dist": "point", "value": 3},
            }
        ],
        plan={"surge": [{"from_day": 6, "until_day": 12, "extra_shifts": 1}]},
    )
    data["uncertainty"] = {
        FRACTION: {"dist": "uniform", "low": 0.0, "high": 0.4},
        "plan.surge[0].extra_shifts": {"dist": "uniform", "low": 0, "high": 2},
    }
    path = write_scenario(tmp_path, data)

    def ignored(warnings: list[dict], command: str) -> bool:
        return any(f"uncertainty ignored: {command} uses the point values" in w["message"] for w in warnings)

    assert ignored(api.risk(path, years=20, reps_per_shape=1)["warnings"], "risk")
    assert ignored(api.stress(path)["warnings"], "stress")
    assert ignored(api.impact(path)["warnings"], "impact")
    rows = api.compare(path, replications=4, seed=1, caps=[None, "50%"])
    # compare draws the behaviour as simulate does, but not the plan, which it sets itself
    assert all(
        any("not drawn: compare sets the recovery plan" in w["message"] for w in r.warnings) for r in rows
    )
    plain = api.compare(path, replications=4, seed=1, caps=[None], overrides=[f"{FRACTION}=0.2"])
    assert rows[0].metrics["lost_sales_units"] != plain[0].metrics["lost_sales_units"]


def test_compare_with_the_optimiser_uses_the_point_values(tmp_path: Path) -> None:
    from aftershock.api.compare import for_compare

    path = _scenario(tmp_path, {FRACTION: {"dist": "uniform", "low": 0.0, "high": 0.4}})
    loaded = for_compare(api.load(path), with_optimised=True)
    assert loaded.scenario.uncertainty == {}
    assert any("compare --with-optimised uses the point values" in w.message for w in loaded.warnings)
    assert for_compare(loaded, with_optimised=True) is loaded  # nothing left: no second warning


def test_the_headline_shows_the_share_from_parameters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from aftershock.cli.app import main

    path = _scenario(tmp_path, {FRACTION: {"dist": "uniform", "low": 0.0, "high": 0.4}})
    with pytest.raises(SystemExit) as exc:
        main(["simulate", str(path), "-n", "8", "--parameter-draws", "4", "-q"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "from parameters" in out and "Uncertain parameters" in out
    assert "4 parameter sets, 2 replications each" in out.replace("\n", " ")


def test_a_draw_that_breaks_the_scenario_is_refused_before_any_run_is_stored(tmp_path: Path) -> None:
    """Each end of each range is valid alone, but an isolation drawn to end before it starts is not:
    the draw is named, and nothing is stored."""
    from aftershock.errors import ScenarioError
    from aftershock.runstore import RunStore

    path = _scenario(
        tmp_path / "s",
        {
            "incident.isolate[0].from_day": {"dist": "uniform", "low": 5, "high": 9},
            "incident.isolate[0].until_day": {"dist": "uniform", "low": 7, "high": 12},
        },
        incident={
            "compromise": {"service": "rmm", "day": 5},
            "isolate": [{"service": "wms", "from_day": 6, "until_day": 10}],
        },
    )
    api.load(path)  # every end alone is a valid scenario
    with pytest.raises(ScenarioError, match=r"parameter draw \d+ \(incident.isolate\[0\].from_day=\d+"):
        api.simulate(path, replications=40, seed=0)
    db = tmp_path / "runs.db"
    with pytest.raises(ScenarioError, match="parameter draw"):
        api.simulate_and_save(path, db=str(db), replications=40, seed=0)
    assert RunStore(str(db)).list_runs() == ([], 0)
