"""The notebook API: DataFrames and HTML summaries of every result, dict what-ifs, DataFrame
store tables, typed results that still serialise as before, and a clean ``dir(api)``."""

from __future__ import annotations

import json
import shutil
import types
from pathlib import Path

import pandas as pd
import pytest

import aftershock.api as api
from aftershock.api.results import Interval, ResultMapping
from aftershock.errors import AftershockError, ParameterError
from aftershock.io.bundled import bundled_root

SMALL = "coop-kaseya-2021"


@pytest.fixture(scope="module")
def impact() -> api.ImpactResult:
    return api.impact("ocs-2022")


def test_impact_is_typed_and_serialises_as_the_dict_it_was(impact: api.ImpactResult) -> None:
    assert isinstance(impact, dict) and isinstance(impact, ResultMapping)
    assert impact.compromised is impact["compromised"] and impact.scenario == "ocs-2022"
    plain = impact.to_dict()
    assert type(plain) is dict and json.dumps(plain) == json.dumps(impact)


def test_impact_frames(impact: api.ImpactResult) -> None:
    states = impact.to_dataframe()
    assert list(states.columns) == ["view", "kind", "node", "capacity", "reason"]
    expected = sum(len(v["services"]) + len(v["sites"]) for v in impact.views)
    assert len(states) == expected and set(states["kind"]) == {"service", "site"}
    cuts = impact.to_dataframe("cuts")
    chain = sum(len(c["minimal_cut_sets"]) for c in impact.cuts.values())
    assert (cuts["scope"] == "chain").sum() == chain
    assert len(impact.to_dataframe("regions")) == sum(len(v["regions"]) for v in impact.views)
    with pytest.raises(ValueError, match="states, regions or cuts"):
        impact.to_dataframe("nope")


def test_impact_html_has_the_headline_and_is_escaped(impact: api.ImpactResult) -> None:
    page = impact._repr_html_()
    assert impact.compromise in page and "<script" not in page
    assert f'<td style="text-align:right">{len(impact.compromised)}</td>' in page
    hostile = api.ImpactResult({**impact, "scenario": "<script>alert(1)</script>"})
    assert "<script>" not in hostile._repr_html_() and "&lt;script&gt;" in hostile._repr_html_()


def test_simulate_frames_and_html() -> None:
    result = api.simulate(SMALL, replications=2)
    assert isinstance(result, api.SimulationResult)
    daily = result.to_dataframe()
    ds = result.dataset
    series = [v for v in ds.data_vars if ds[v].dims == ("replication", "day")]
    assert {"replication", "day", "variable", "value"} <= set(daily.columns)
    assert len(daily) == 2 * ds.sizes["day"] * len(series)
    metrics = result.to_dataframe("metrics")
    assert list(metrics["metric"]) == list(result.summary["metrics"])
    mean = result.summary["metrics"]["lost_sales_units"]["mean"]
    assert f"{mean:,.0f}" in result._repr_html_()


def test_dict_overrides_equal_string_overrides() -> None:
    what_if = {"horizon_days": 30, "incident.pause_days": 10, "plan.allocation": "fifo"}
    as_dict = api.simulate(SMALL, replications=2, overrides=what_if)
    as_text = api.simulate(
        SMALL, replications=2, overrides=["horizon_days=30", "incident.pause_days=10", "plan.allocation=fifo"]
    )
    assert as_dict.summary["metrics"] == as_text.summary["metrics"]
    baseline = api.simulate(SMALL, replications=2)
    assert as_dict.summary["metrics"] != baseline.summary["metrics"]  # the what-if did something
    assert api.load(SMALL, {"horizon_days": 30}).scenario.horizon_days == 30


def test_dict_override_problems_name_the_path_as_strings_do() -> None:
    with pytest.raises(AftershockError) as by_dict:
        api.load(SMALL, {"incident.pause_days": -3})
    with pytest.raises(AftershockError) as by_text:
        api.load(SMALL, ["incident.pause_days=-3"])
    assert str(by_dict.value) == str(by_text.value)
    with pytest.raises(ParameterError, match="overrides"):
        api.load(SMALL, "incident.pause_days=3")  # type: ignore[arg-type]


def test_compare_rows_frame_and_intervals() -> None:
    rows = api.compare(SMALL, caps=[None, 40], replications=2, overrides={"incident.pause_days": 2})
    assert isinstance(rows, list) and len(rows) == 2
    interval = rows[0].intervals["lost_sales_units"]
    assert isinstance(interval, Interval) and interval.low is not None and interval.high is not None
    assert interval.low <= rows[0].metrics["lost_sales_units"] <= interval.high
    frame = rows.to_dataframe()
    assert {"label", "metric", "mean", "low", "high", "is_pareto"} <= set(frame.columns)
    assert len(frame) == sum(len(r.metrics) for r in rows)
    assert frame["low"].dtype.kind == "f"
    assert rows[0].label() in rows._repr_html_()


def test_risk_frames_and_html() -> None:
    summary = api.risk(SMALL, years=200, reps_per_shape=1)
    assert isinstance(summary, api.RiskResult) and summary.years == 200
    stats = summary.to_dataframe()
    assert list(stats.columns) == ["basis", "statistic", "value", "ci95_low", "ci95_high"]
    assert len(stats) == 10  # five statistics, gross and net
    ale = stats.query("basis == 'gross' and statistic == 'expected_annual_loss'")["value"].item()
    assert ale == summary.expected_annual_loss
    curve = summary.to_dataframe("exceedance")
    assert len(curve) == 2 * len(summary.loss_exceedance["loss"])
    assert len(summary.to_dataframe("threats")) == len(summary.by_threat)
    assert f"{summary.expected_annual_loss:,.0f}" in summary._repr_html_()


def test_stress_frame_and_html() -> None:
    report = api.stress(SMALL, samples=0)
    frame = report.to_dataframe()
    levels = sum(len(e["levels"]) for e in [*report.services, *report.parties])
    assert len(frame) == levels and {"entry_kind", "tts_days", "ttr_days", "gap_days"} <= set(frame.columns)
    assert report.services[0]["service"] in report._repr_html_()


def test_concentration_and_pause_study_frames() -> None:
    found = api.concentration(SMALL)
    frame = found.to_dataframe()
    assert len(frame) == sum(len(p["by_measure"]) for p in found.parties)
    assert found.parties[0]["party"] in found._repr_html_()
    study = api.pause_study("ocs-2022", days=[0, 3], replications=2)
    rows = study.to_dataframe()
    assert list(rows["pause_days"]) == [r["pause_days"] for r in study.rows]
    assert rows["expected_loss_ci95_low"].tolist() == [r["expected_loss_ci95"][0] for r in study.rows]
    best = f'Best pause, days</th><td style="text-align:right">{study.best_pause_days}'
    assert best in study._repr_html_()


def test_sensitivity_frame() -> None:
    found = api.sensitivity("ocs-2022", method="morris", trajectories=2, replications=1)
    frame = found.to_dataframe()
    assert set(frame["method"]) == {"tornado", "morris"}
    assert set(frame["path"]) == {r["path"] for r in found.ranking}
    assert found.ranking[0]["path"] in found._repr_html_()


def test_optimize_frame_and_html() -> None:
    best = api.optimize(SMALL, replications=2)
    frame = best.to_dataframe()
    assert set(frame["plan"]) == {"optimised", "scenario"}
    assert len(frame) == len(best.replayed) + len(best.scenario_plan)
    assert len(best.to_dataframe("schedule")) == len(best.schedule)
    assert best.scenario in best._repr_html_()
    assert json.dumps(best.as_dict(), default=str)  # the CLI's --json path is untouched


def _copy_scenario(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(bundled_root() / name, folder)
    return folder / "scenario.yaml"


def test_dataframe_stores_give_the_same_results_as_the_csv(tmp_path: Path) -> None:
    path = _copy_scenario(tmp_path, SMALL)
    table = pd.read_csv(path.parent / "stores.csv")
    table.loc[:, "demand_units_per_day"] *= 2  # differs from the bundled table
    table.to_csv(path.parent / "stores.csv", index=False)
    from_csv = api.simulate(path, replications=2)
    from_frame = api.simulate(SMALL, replications=2, stores=table)
    assert from_frame.summary["metrics"] == from_csv.summary["metrics"]
    assert from_frame.summary["metrics"] != api.simulate(SMALL, replications=2).summary["metrics"]
    assert api.impact(SMALL, stores=table).to_dict() == api.impact(path).to_dict()


def test_a_bad_dataframe_cell_is_reported_like_the_csv_cell(tmp_path: Path) -> None:
    path = _copy_scenario(tmp_path, SMALL)
    table = pd.read_csv(path.parent / "stores.csv")
    table["demand_units_per_day"] = table["demand_units_per_day"].astype(object)
    table.loc[2, "demand_units_per_day"] = "lots"
    table.to_csv(path.parent / "stores.csv", index=False)
    with pytest.raises(AftershockError) as from_csv:
        api.load(path)
    with pytest.raises(AftershockError) as from_frame:
        api.load(SMALL, stores=table)
    assert str(from_frame.value) == str(from_csv.value)
    assert "row 3" in str(from_frame.value) and "demand_units_per_day" in str(from_frame.value)
    with pytest.raises(ParameterError, match="DataFrame"):
        api.load(SMALL, stores=[{"id": "x"}])  # type: ignore[arg-type]


def test_dir_lists_only_public_names() -> None:
    api.impact  # noqa: B018 - loads the submodules, which the import system sets on the package
    names = dir(api)
    assert set(names) == set(api.__all__)
    assert not [n for n in names if n.startswith("_")]
    assert not [n for n in names if isinstance(getattr(api, n), types.ModuleType)]
    assert "results" not in names and "simulate" in names and callable(api.simulate)
