"""Plan comparison on common random numbers, and the Pareto front."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from aftershock import api
from aftershock.cli.app import main
from aftershock.errors import UsageError
from aftershock.recovery import CapSize, pareto_front, plan_variant
from aftershock.recovery.compare import normal_order_line_units
from aftershock.testing import scenario_dict, write_scenario


def test_pareto_front_known_answer() -> None:
    values = np.array(
        [
            [1.0, 5.0],  # efficient
            [2.0, 2.0],  # efficient
            [3.0, 3.0],  # dominated by [2, 2]
            [1.0, 6.0],  # dominated by [1, 5]
            [np.nan, 1.0],  # NaN counts as worst on its column, but 1.0 is best on the other
        ]
    )
    assert pareto_front(values).tolist() == [True, True, False, False, True]


@pytest.mark.slow
def test_ocs_caps_and_surge_clear_backlog_no_later_than_neither() -> None:
    planned = api.simulate("ocs-2022", replications=6, seed=21)
    bare = api.simulate(
        "ocs-2022", replications=6, seed=21, overrides=["plan.order_cap=none", "plan.surge=[]"]
    )
    # same seed: replication k meets the same incident and demand in both runs
    assert (planned.metric("backlog_clear_day") <= bare.metric("backlog_clear_day")).all()
    assert planned.metric("lost_sales_units").mean() < bare.metric("lost_sales_units").mean()


def test_compare_uses_common_random_numbers_and_marks_pareto() -> None:
    rows = api.compare(
        "coop-kaseya-2021",
        policies=["fifo", "proportional"],
        caps=[None],
        surges=[0, 1],
        replications=3,
        seed=4,
        overrides=["horizon_days=14"],
    )
    assert [(r.policy, r.extra_shifts) for r in rows] == [
        ("fifo", 0),
        ("fifo", 1),
        ("proportional", 0),
        ("proportional", 1),
    ]
    # the Coop DC is never short, so policies and shifts cannot change sales: identical streams
    lost = {r.metrics["lost_sales_units"] for r in rows}
    assert len(lost) == 1
    assert any(r.is_pareto for r in rows)
    assert rows[1].metrics["surge_cost"] >= rows[0].metrics["surge_cost"]


def test_compare_rejects_bad_grid() -> None:
    with pytest.raises(UsageError, match="unknown allocation policy 'lifo'"):
        api.compare("ocs-2022", policies=["lifo"])
    with pytest.raises(UsageError, match=r"^surges: expected 0 to 6"):
        api.compare("ocs-2022", surges=[9])
    # policies that would silently run as fifo here
    with pytest.raises(UsageError, match="'planned' follows a dispatch plan"):
        api.compare("ocs-2022", policies=["fifo", "planned"])
    with pytest.raises(UsageError, match=r"plan\.priority_attribute"):
        api.compare("ocs-2022", policies=["priority"])


def test_normal_order_line_is_demand_over_the_review_period(tmp_path: Path) -> None:
    # reference stores sell 10, 20, 30 and 40 a day and review weekly (the default)
    loaded = api.load(write_scenario(tmp_path, scenario_dict()))
    lines = normal_order_line_units(loaded)
    assert lines["median"] == pytest.approx(7 * 25.0)
    assert lines["p10"] == pytest.approx(7 * 13.0) and lines["p90"] == pytest.approx(7 * 37.0)


def test_compare_cli_json_and_bad_cap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chart = tmp_path / "chart.html"
    args = [
        "compare",
        "coop-kaseya-2021",
        "--policy",
        "fifo",
        "--cap",
        "none",
        "--cap",
        "40",
        "--cap",
        "75%",
        "-n",
        "2",
        "--set",
        "horizon_days=12",
        "--json",
        "--chart",
        str(chart),
    ]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["scenario"], data["replications"], data["seed"]) == ("coop-kaseya-2021", 2, 0)
    assert data["normal_order_line_units"]["median"] > 0
    rows = data["plans"]
    assert all(
        r["p5"]["lost_sales_units"] <= r["metrics"]["lost_sales_units"] <= r["p95"]["lost_sales_units"]
        for r in rows
    )
    assert [r["cap"] for r in rows] == ["none", "40", "75%"]
    assert [r["cap_units"] for r in rows] == [None, 40.0, None]
    assert [r["cap_fraction_of_normal"] for r in rows] == [None, None, 0.75]
    assert chart.read_text().count("<script") >= 1
    with pytest.raises(SystemExit) as exc:
        main(["compare", "ocs-2022", "--cap", "lots"])
    assert exc.value.code == 1
    assert "--cap: expected 'none', a number of units or a percentage" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["compare", "ocs-2022", "--cap", "-5%"])
    assert exc.value.code == 1
    assert "--cap: expected a cap > 0, got '-5%'" in capsys.readouterr().err


def test_a_percentage_cap_is_a_share_of_the_normal_order_in_the_scenarios_window() -> None:
    loaded = api.load("ocs-2022")
    variant = plan_variant(loaded, "fifo", "60%", 1)
    cap = variant.scenario.plan.order_cap
    window = loaded.scenario.plan.order_cap
    assert cap is not None and window is not None
    assert (cap.fraction_of_normal, cap.units) == (0.6, None)
    assert (cap.from_day, cap.until_day, cap.apply_at) == (window.from_day, window.until_day, window.apply_at)
    assert plan_variant(loaded, "fifo", 40, 0).scenario.plan.order_cap.units == 40.0
    assert plan_variant(loaded, "fifo", None, 0).scenario.plan.order_cap is None
    assert CapSize.parse(" NONE ") is None and CapSize.parse("12.5%") == CapSize(fraction_of_normal=0.125)


@pytest.mark.slow
def test_the_optimised_plan_joins_the_grid_and_its_pareto_front(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the what-if where the attack may reach the DC: the record (no spread) leaves the LP little to gain
    args = [
        "compare",
        "ocs-2022:spread",
        "--surge",
        "0",
        "--surge",
        "1",
        "-n",
        "3",
        "--with-optimised",
        "--json",
    ]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    plans = json.loads(capsys.readouterr().out)["plans"]
    assert [p["optimised"] for p in plans] == [False, False, True]
    best = plans[-1]
    assert best["note"].endswith("extra shifts in all")
    # the same replay `optimize` reports, on the same seed
    replay = api.optimize("ocs-2022:spread", replications=3, seed=0)
    assert best["metrics"]["lost_sales_units"] == pytest.approx(replay.replayed["lost_sales_units"]["mean"])
    # it loses less than either grid plan here, so nothing dominates it
    assert best["is_pareto"]
    assert best["metrics"]["lost_sales_units"] < min(p["metrics"]["lost_sales_units"] for p in plans[:2])


def test_caps_beyond_any_order_are_refused_with_the_parameter():
    from aftershock.errors import ParameterError

    with pytest.raises(ParameterError, match=r"^caps: expected a cap of at most"):
        api.compare("ocs-2022", caps=[1e13], replications=1)
    with pytest.raises(ParameterError, match=r"^caps: expected a share of the normal order of at most"):
        api.compare("ocs-2022", caps=["1e9%"], replications=1)
