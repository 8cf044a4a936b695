"""Correlated threats: a common cause compromises several entry services at once, with one frequency."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aftershock import api
from aftershock.api.scenarios import load
from aftershock.errors import ScenarioError
from aftershock.graph.spread import NEVER
from aftershock.risk.shapes import shape_inputs
from aftershock.sim import build_inputs
from aftershock.sim.engine import sample_compromise
from aftershock.testing import scenario_dict, write_scenario

POINT = {"dist": "point"}


def threat(service: str, rate: float, **extra: Any) -> dict[str, Any]:
    return {
        "service": service,
        "frequency_per_year": {**POINT, "value": rate},
        "outage_days": {**POINT, "value": 3},
        "pause_days": {**POINT, "value": 0},
        **extra,
    }


def cause(entries: list[dict[str, Any]], rate: float, root: str = "vendor", **extra: Any) -> dict[str, Any]:
    return {
        "id": "upstream",
        "root": root,
        "entries": entries,
        "frequency_per_year": {**POINT, "value": rate},
        "outage_days": {**POINT, "value": 3},
        "pause_days": {**POINT, "value": 0},
        **extra,
    }


def scenario(tmp_path: Path, **changes: Any) -> Path:
    return write_scenario(tmp_path, scenario_dict(demand={"distribution": "deterministic"}, **changes))


def per_incident(summary: dict[str, Any], name: str) -> float:
    row = next(r for r in summary["by_threat"] if r["threat"] == name)
    return float(row["loss_per_incident"]["mean"])


def test_entries_are_compromised_together(tmp_path: Path) -> None:
    path = scenario(tmp_path, threats=[threat("app", 0.1)])
    inputs = build_inputs(load(path))
    svc = {s: i for i, s in enumerate(inputs.net.service_ids)}
    pause, outage = np.zeros(2, dtype=np.int64), np.full(2, 3)
    joint = shape_inputs(inputs, [svc["pos-b"], svc["wms"]], pause, outage, 0)
    rngs = [np.random.default_rng(i) for i in range(2)]
    days = sample_compromise(joint, rngs)
    start = inputs.timeline.start_day
    assert (days[:, svc["pos-b"]] == start).all() and (days[:, svc["wms"]] == start).all()
    assert (days[:, svc["rmm"]] == NEVER).all() and (days[:, svc["pos-a"]] == NEVER).all()
    # the scenario's own edges still spread from an entry: rmm -> pos-a
    from_rmm = sample_compromise(shape_inputs(inputs, [svc["wms"], svc["rmm"]], pause, outage, 0), rngs)
    assert (from_rmm[:, svc["pos-a"]] == start).all()
    # a spread override thins the scenario's edges, never the synthetic ones
    thinned = replace(inputs, timeline=replace(inputs.timeline, spread_p_override=0.0))
    thin = shape_inputs(thinned, [svc["wms"], svc["rmm"]], pause, outage, 0)
    days = sample_compromise(thin, rngs)
    assert (days[:, svc["rmm"]] == start).all() and (days[:, svc["pos-a"]] == NEVER).all()
    # no entry hit: nothing is compromised
    none = sample_compromise(shape_inputs(inputs, [], pause, outage, 0), rngs)
    assert (none == NEVER).all()


def test_a_joint_hit_loses_what_both_entries_lose(tmp_path: Path) -> None:
    # pos-a and pos-b serve different stores and the DC has room: the losses add up exactly
    singles = api.risk(
        scenario(tmp_path / "singles", threats=[threat("pos-a", 0.5), threat("pos-b", 0.5)]),
        years=400,
        seed=2,
        reps_per_shape=1,
    )
    la, lb = per_incident(singles, "pos-a"), per_incident(singles, "pos-b")
    assert la > 0 and lb > 0
    path = scenario(
        tmp_path / "joint",
        threats=[threat("app", 0.01)],
        common_causes=[cause([{"service": "pos-a"}, {"service": "pos-b"}], 0.5)],
    )
    joint = api.risk(path, years=400, seed=2, reps_per_shape=1)
    assert per_incident(joint, "upstream") == pytest.approx(la + lb, rel=1e-9)


def test_one_frequency_gives_the_poisson_tail_of_the_joint_loss(tmp_path: Path) -> None:
    rate = 0.5
    singles = api.risk(
        scenario(tmp_path / "singles", threats=[threat("pos-a", rate), threat("pos-b", rate)]),
        years=40_000,
        seed=3,
        reps_per_shape=1,
    )
    both = per_incident(singles, "pos-a") + per_incident(singles, "pos-b")
    path = scenario(
        tmp_path / "joint", common_causes=[cause([{"service": "pos-a"}, {"service": "pos-b"}], rate)]
    )
    joint = api.risk(path, years=40_000, seed=3, reps_per_shape=1)
    cdf = np.cumsum([np.exp(-rate) * rate**k / np.prod(np.arange(1, k + 1)) for k in range(12)])
    # N ~ Poisson(λ) occurrences a year, each losing La + Lb: ALE = λ(La + Lb), VaR = (La + Lb) × quantile
    assert joint["var95"] == pytest.approx(both * int(np.searchsorted(cdf, 0.95)))
    assert joint["var99"] == pytest.approx(both * int(np.searchsorted(cdf, 0.99)))
    se = both * np.sqrt(rate / 40_000)
    assert abs(joint["expected_annual_loss"] - rate * both) < 4 * se
    assert joint["incidents_per_year_mean"] == pytest.approx(rate, abs=0.02)
    # the same expected loss as independent threats, but a fatter tail
    assert joint["expected_annual_loss"] == pytest.approx(singles["expected_annual_loss"], rel=0.03)
    assert joint["var99"] > singles["var99"]


def test_an_entrys_probability(tmp_path: Path) -> None:
    singles = api.risk(
        scenario(tmp_path / "singles", threats=[threat("pos-a", 1.0), threat("pos-b", 1.0)]),
        years=200,
        seed=1,
        reps_per_shape=1,
    )
    la, lb = per_incident(singles, "pos-a"), per_incident(singles, "pos-b")
    years = 20_000
    path = scenario(
        tmp_path / "joint",
        common_causes=[cause([{"service": "pos-a"}, {"service": "pos-b", "p": 0.25}], 1.0)],
    )
    s = api.risk(path, years=years, seed=5, reps_per_shape=1)
    # each occurrence loses La, and Lb a quarter of the time
    incidents = s["incidents_per_year_mean"] * years
    per = s["expected_annual_loss"] * years / incidents
    se = lb * np.sqrt(0.25 * 0.75 / incidents)
    assert abs(per - (la + 0.25 * lb)) < 4 * se
    assert s["shapes_simulated"] == 2  # {pos-a} and {pos-a, pos-b}


def test_an_occurrence_that_hits_no_entry_costs_its_response(tmp_path: Path) -> None:
    path = scenario(
        tmp_path,
        common_causes=[cause([{"service": "pos-a", "p": 0.0}], 0.4, response_cost={**POINT, "value": 500.0})],
    )
    s = api.risk(path, years=2000, seed=1, reps_per_shape=1)
    assert per_incident(s, "upstream") == pytest.approx(500.0)
    np.testing.assert_allclose(s["expected_annual_loss"], 500.0 * s["incidents_per_year_mean"])


@pytest.mark.parametrize(("root", "vendor"), [("vendor", "vendor"), ("msp", "msp"), ("rmm", "vendor")])
def test_the_loss_goes_to_the_root_vendor(tmp_path: Path, root: str, vendor: str) -> None:
    path = scenario(
        tmp_path,
        threats=[threat("app", 0.2, response_cost={**POINT, "value": 10.0})],
        common_causes=[cause([{"service": "pos-a"}, {"service": "pos-b"}], 0.5, root=root)],
    )
    s = api.risk(path, years=500, seed=1, reps_per_shape=1)
    row = next(r for r in s["by_threat"] if r["threat"] == "upstream")
    assert row["kind"] == "common_cause" and row["vendor"] == vendor
    assert row["entries"] == ["pos-a", "pos-b"] and row["service"] == "pos-a + pos-b"
    ranking = {v["vendor"]: v for v in s["by_vendor"]}
    assert ranking[vendor]["expected_annual_loss"] == pytest.approx(row["expected_annual_loss"])
    # pos-a's party (msp) and pos-b's (chain) get nothing of it
    assert "msp" not in ranking or vendor == "msp"
    assert ranking["chain"]["expected_annual_loss"] == pytest.approx(
        next(r for r in s["by_threat"] if r["threat"] == "app")["expected_annual_loss"]
    )
    assert sum(v["expected_annual_loss"] for v in s["by_vendor"]) == pytest.approx(s["expected_annual_loss"])


def test_threats_draw_the_same_years_with_or_without_common_causes(tmp_path: Path) -> None:
    alone = api.risk(
        scenario(tmp_path / "a", threats=[threat("pos-a", 0.3)]), years=500, seed=9, reps_per_shape=1
    )
    with_cause = api.risk(
        scenario(
            tmp_path / "b",
            threats=[threat("pos-a", 0.3)],
            common_causes=[cause([{"service": "pos-b"}], 0.3)],
        ),
        years=500,
        seed=9,
        reps_per_shape=1,
    )
    mine = next(r for r in with_cause["by_threat"] if r["threat"] == "pos-a")
    assert mine["expected_annual_loss"] == alone["by_threat"][0]["expected_annual_loss"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"entries": [{"service": "pos-a"}, {"service": "pos-c"}]},
            "common_causes[0].entries[1].service",
            "unknown service 'pos-c'; did you mean",
        ),
        ({"root": "nobody"}, "common_causes[0].root", "unknown party or service 'nobody'"),
        ({"id": "app"}, "common_causes[0].id", "already used by a threat or common cause"),
        (
            {"entries": [{"service": "pos-a"}, {"service": "pos-a"}]},
            "common_causes[0].entries",
            "service 'pos-a' is listed twice",
        ),
        ({"entries": []}, "common_causes[0].entries", "at least 1 item"),
        (
            {"entries": [{"service": "pos-a", "p": 1.5}]},
            "common_causes[0].entries[0].p",
            "less than or equal to 1",
        ),
    ],
)
def test_bad_common_causes_name_the_file_and_field(
    tmp_path: Path, changes: dict[str, Any], field: str, message: str
) -> None:
    bad = {**cause([{"service": "pos-a"}], 0.1), **changes}
    path = scenario(tmp_path, threats=[threat("app", 0.1)], common_causes=[bad])
    with pytest.raises(ScenarioError) as exc:
        api.validate(path)
    assert len(exc.value.problems) == 1, exc.value.problems
    problem = exc.value.problems[0]
    assert problem.source.endswith("scenario.yaml") and problem.line is not None
    assert problem.field == field and message in problem.message, problem


def test_common_causes_alone_are_enough_to_run_risk(tmp_path: Path) -> None:
    path = scenario(tmp_path, common_causes=[cause([{"service": "pos-a"}], 0.2)])
    s = api.risk(path, years=100, seed=1, reps_per_shape=1)
    assert [r["threat"] for r in s["by_threat"]] == ["upstream"]


def test_risk_command_lists_a_common_cause(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from aftershock.cli.app import main

    path = scenario(tmp_path, common_causes=[cause([{"service": "pos-a"}, {"service": "pos-b"}], 0.3)])
    with pytest.raises(SystemExit) as exc:
        main(["risk", str(path), "--years", "100", "--reps-per-shape", "1", "-q"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "upstream (common cause)" in out and "pos-a + pos-b" in out and "root vendor" in out
