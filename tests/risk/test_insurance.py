"""Insurance terms: known answers (deductible, limit, sublimit, waiting period); net = gross without terms."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from aftershock import api
from aftershock.cli.app import main
from aftershock.errors import ParameterError, ScenarioError
from aftershock.model.insurance import InsuranceTerms
from aftershock.risk.insurance import (
    covered_share_of_days,
    paid_per_occurrence,
    recovery,
    waiting_period_loss,
)
from aftershock.testing import scenario_dict, write_scenario


@pytest.mark.parametrize(
    ("loss", "deductible", "limit", "paid"),
    [
        (1000.0, 0.0, None, 1000.0),  # no terms but cover: all of it
        (1000.0, 300.0, None, 700.0),  # L − D
        (1000.0, 300.0, 500.0, 500.0),  # capped at M
        (1000.0, 300.0, 700.0, 700.0),  # exactly the limit
        (200.0, 300.0, 500.0, 0.0),  # under the deductible: nothing
        (300.0, 300.0, 500.0, 0.0),
        (0.0, 0.0, 0.0, 0.0),
    ],
)
def test_point_loss_pays_min_max_l_minus_d_m(
    loss: float, deductible: float, limit: float | None, paid: float
) -> None:
    assert float(recovery(loss, deductible, limit)) == pytest.approx(paid)
    if limit is not None:
        assert float(recovery(loss, deductible, limit)) == min(max(0.0, loss - deductible), limit)


def test_waiting_period_on_a_known_daily_series() -> None:
    # interruption from the start of day 2; 100, 200, 300, 400 a day from then
    daily = np.array([[0.0, 0.0, 100.0, 200.0, 300.0, 400.0]])
    assert waiting_period_loss(daily, 2, 0.0, 0.0)[0] == 0.0
    assert waiting_period_loss(daily, 2, 0.0, 1.0)[0] == pytest.approx(100.0)
    # 1.5 days: all of day 2 and half of day 3
    assert waiting_period_loss(daily, 2, 0.0, 1.5)[0] == pytest.approx(100.0 + 100.0)
    assert waiting_period_loss(daily, 2, 0.0, 3.0)[0] == pytest.approx(600.0)
    # longer than the series: everything
    assert waiting_period_loss(daily, 2, 0.0, 50.0)[0] == pytest.approx(1000.0)
    # a compromise halfway through day 2: its loss falls in the second half; 6 hours cut half of it
    assert waiting_period_loss(daily, 2, 0.5, 0.25)[0] == pytest.approx(50.0)
    # 18 hours: the rest of day 2 and the first quarter of day 3
    assert waiting_period_loss(daily, 2, 0.5, 0.75)[0] == pytest.approx(100.0 + 50.0)
    share = covered_share_of_days(6, 2, 0.0, 1.5)
    np.testing.assert_allclose(share, [1, 1, 0, 0.5, 1, 1])


def test_cbi_sublimit_caps_only_suppliers_incidents() -> None:
    terms = InsuranceTerms(deductible=100, limit=1000, cbi_sublimit=400)
    engine = np.array([2000.0, 2000.0, 300.0])
    response = np.array([0.0, 0.0, 50.0])
    supplier = np.array([True, False, True])
    paid = paid_per_occurrence(terms, engine, response, np.zeros(3), supplier)
    np.testing.assert_allclose(paid, [400.0, 1000.0, 250.0])
    # the waiting-period loss is cut to the engine loss: never a negative cover
    paid = paid_per_occurrence(terms, engine, response, np.array([5000.0, 1900.0, 0.0]), supplier)
    np.testing.assert_allclose(paid, [0.0, 0.0, 250.0])
    np.testing.assert_array_equal(paid_per_occurrence(None, engine, response, np.zeros(3), supplier), 0.0)


def response_only(tmp_path: Path, rate: float, cost: float, **extra: Any) -> Path:
    """A threat on a service nothing depends on while pos-a is up: each incident costs exactly ``cost``."""
    data = scenario_dict(
        threats=[
            {
                "service": "app",
                "frequency_per_year": {"dist": "point", "value": rate},
                "outage_days": {"dist": "point", "value": 2},
                "pause_days": {"dist": "point", "value": 0},
                "response_cost": {"dist": "point", "value": cost},
            }
        ],
        demand={"distribution": "deterministic"},
        **extra,
    )
    return write_scenario(tmp_path, data)


def poisson_quantile(rate: float, q: float) -> int:
    cdf = np.cumsum([np.exp(-rate) * rate**k / np.prod(np.arange(1, k + 1)) for k in range(12)])
    return int(np.searchsorted(cdf, q))


def test_net_equals_gross_without_terms_and_known_answers_still_hold(tmp_path: Path) -> None:
    rate, cost, years = 0.5, 1000.0, 40_000
    s = api.risk(response_only(tmp_path, rate, cost), years=years, seed=1, reps_per_shape=1)
    # ALE = λ·C and VaR = C × the Poisson quantile (as before common causes and insurance)
    assert abs(s["expected_annual_loss"] - rate * cost) < 3 * cost * np.sqrt(rate / years)
    assert s["var95"] == pytest.approx(cost * poisson_quantile(rate, 0.95))
    assert s["var99"] == pytest.approx(cost * poisson_quantile(rate, 0.99))
    assert s["insurance"] is None
    for key in ("expected_annual_loss", "expected_annual_loss_ci95", "var95", "var99", "es95", "es99"):
        assert s["net"][key] == s[key]
    assert s["net"]["loss_exceedance"] == s["loss_exceedance"]
    assert all(r["net_expected_annual_loss"] == r["expected_annual_loss"] for r in s["by_threat"])


def test_deductible_and_limit_on_a_point_loss(tmp_path: Path) -> None:
    rate, cost = 0.5, 1000.0
    path = response_only(tmp_path, rate, cost)
    gross = api.risk(path, years=40_000, seed=1, reps_per_shape=1)
    terms = {"deductible": 300.0, "limit": 500.0}
    s = api.risk(path, years=40_000, seed=1, reps_per_shape=1, insurance=terms)
    kept = cost - min(max(0.0, cost - 300.0), 500.0)  # 500 of each incident
    assert s["expected_annual_loss"] == gross["expected_annual_loss"]
    assert s["net"]["expected_annual_loss"] == pytest.approx(gross["expected_annual_loss"] * kept / cost)
    assert s["net"]["var95"] == pytest.approx(kept * poisson_quantile(rate, 0.95))
    assert s["net"]["var99"] == pytest.approx(kept * poisson_quantile(rate, 0.99))
    ins = s["insurance"]
    assert ins["terms"]["deductible"] == 300.0 and ins["terms"]["limit"] == 500.0
    assert ins["expected_annual_recovery"] == pytest.approx(gross["expected_annual_loss"] * 500.0 / cost)
    # the net curve lies on the gross curve's grid and never above it
    lec, net = s["loss_exceedance"], s["net"]["loss_exceedance"]
    assert net["loss"] == lec["loss"]
    assert all(n <= g for n, g in zip(net["probability"], lec["probability"], strict=True))
    # the threat here is a supplier's (app belongs to chain, but no threat is first party unless
    # marked): a CBI sublimit of 200 caps it
    capped = api.risk(path, years=2000, seed=1, reps_per_shape=1, insurance={**terms, "cbi_sublimit": 200})
    assert capped["net"]["expected_annual_loss"] == pytest.approx(capped["expected_annual_loss"] * 800 / cost)


def test_first_party_threats_escape_the_cbi_sublimit(tmp_path: Path) -> None:
    path = response_only(tmp_path, 0.5, 1000.0, insurance={"limit": 900, "cbi_sublimit": 100})
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    supplier = api.risk(path, years=2000, seed=1, reps_per_shape=1)
    assert supplier["net"]["expected_annual_loss"] == pytest.approx(supplier["expected_annual_loss"] * 0.9)
    data["threats"][0]["first_party"] = True
    own = write_scenario(tmp_path / "own", data)
    first = api.risk(own, years=2000, seed=1, reps_per_shape=1)
    assert first["net"]["expected_annual_loss"] == pytest.approx(first["expected_annual_loss"] * 0.1)
    assert first["by_threat"][0]["first_party"] is True


def closing_threat(tmp_path: Path, **extra: Any) -> Path:
    """rmm -> pos-a: three stores (70 units a day) sell at 0.3 through the app for 3 days:
    49 units × margin 2 = 98 lost a day, on days 5, 6 and 7."""
    data = scenario_dict(
        threats=[
            {
                "service": "rmm",
                "frequency_per_year": {"dist": "point", "value": 0.5},
                "outage_days": {"dist": "point", "value": 3},
                "pause_days": {"dist": "point", "value": 0},
                "response_cost": {"dist": "point", "value": 10.0},
            }
        ],
        demand={"distribution": "deterministic"},
        **extra,
    )
    return write_scenario(tmp_path, data)


@pytest.mark.parametrize(
    ("waiting", "deductible", "kept_per_incident"),
    [
        (0.0, 0.0, 0.0),  # everything covered
        (1.0, 0.0, 98.0),  # the first day's lost margin
        (1.5, 0.0, 147.0),
        (1.5, 20.0, 167.0),  # and the deductible on the rest (covered 147 + 10 response)
        (3.0, 0.0, 294.0),  # the whole outage: only the response is paid
        (10.0, 0.0, 294.0),
    ],
)
def test_waiting_period_on_the_engines_daily_loss(
    tmp_path: Path, waiting: float, deductible: float, kept_per_incident: float
) -> None:
    path = closing_threat(tmp_path)
    s = api.risk(
        path,
        years=500,
        seed=4,
        reps_per_shape=1,
        insurance={"waiting_days": waiting, "deductible": deductible},
    )
    gross_per = s["by_threat"][0]["loss_per_incident"]["mean"]
    assert gross_per == pytest.approx(3 * 98.0 + 10.0)
    incidents = s["incidents_per_year_mean"] * s["years"]
    assert incidents > 0
    assert s["net"]["expected_annual_loss"] * s["years"] == pytest.approx(kept_per_incident * incidents)
    hours = api.risk(
        path,
        years=500,
        seed=4,
        reps_per_shape=1,
        insurance={"waiting_hours": 24 * waiting, "deductible": deductible},
    )
    assert hours["net"]["expected_annual_loss"] == pytest.approx(s["net"]["expected_annual_loss"])


def test_scenario_terms_and_flags_replace_them(tmp_path: Path) -> None:
    path = closing_threat(tmp_path, insurance={"waiting_days": 1, "deductible": 0})
    s = api.risk(path, years=300, seed=4, reps_per_shape=1)
    assert s["insurance"]["terms"]["waiting_days"] == 1
    per = s["net"]["expected_annual_loss"] / s["incidents_per_year_mean"]
    assert per == pytest.approx(98.0)
    flagged = api.risk(path, years=300, seed=4, reps_per_shape=1, insurance={"waiting_days": 0, "limit": 100})
    assert flagged["insurance"]["terms"] == {
        "waiting_days": 0.0,
        "waiting_hours": 0.0,
        "deductible": 0.0,
        "limit": 100.0,
        "cbi_sublimit": None,
    }
    assert flagged["net"]["expected_annual_loss"] / s["incidents_per_year_mean"] == pytest.approx(204.0)


@pytest.mark.parametrize(
    ("terms", "field", "message"),
    [
        ({"deductible": -5}, "insurance.deductible", "greater than or equal to 0"),
        ({"limit": -1}, "insurance.limit", "greater than or equal to 0"),
        ({"waiting_days": -1}, "insurance.waiting_days", "greater than or equal to 0"),
        ({"cbi_sublimit": -1}, "insurance.cbi_sublimit", "greater than or equal to 0"),
        (
            {"deductible": 500, "limit": 100},
            "insurance.limit",
            r"limit \(100\) must be at least the deductible \(500\)",
        ),
        ({"limit": 100, "cbi_sublimit": 200}, "insurance.cbi_sublimit", r"at most the limit"),
    ],
)
def test_bad_terms_in_the_scenario_name_the_file_and_field(
    tmp_path: Path, terms: dict[str, float], field: str, message: str
) -> None:
    path = response_only(tmp_path, 0.5, 1000.0, insurance=terms)
    with pytest.raises(ScenarioError) as exc:
        api.validate(path)
    assert len(exc.value.problems) == 1
    problem = exc.value.problems[0]
    assert problem.source.endswith("scenario.yaml") and problem.field == field
    assert problem.line is not None
    assert re.search(message, problem.message), problem.message


def test_bad_terms_as_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = response_only(tmp_path, 0.5, 1000.0)
    with pytest.raises(ParameterError, match=r"deductible: expected a value greater than or equal to 0"):
        api.risk(path, years=10, insurance={"deductible": -5})
    for args, flag, text in (
        (["--deductible", "-5"], "--deductible", "greater than or equal to 0, got -5"),
        (["--deductible", "500", "--limit", "100"], "--limit", "must be at least the deductible"),
        (["--limit", "100", "--cbi-sublimit", "200"], "--cbi-sublimit", "at most the limit"),
        (["--waiting-days", "-1"], "--waiting-days", "greater than or equal to 0"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(["risk", str(path), "--years", "10", "-q", *args])
        assert exc.value.code == 1
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, err
        assert f"{flag}: " in err and text in err, err


def test_risk_command_shows_gross_and_net(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = closing_threat(tmp_path)
    args = ["risk", str(path), "--years", "200", "--reps-per-shape", "1", "-q"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--waiting-days", "1", "--deductible", "5", "--limit", "150", "--cbi-sublimit", "120"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "net of insurance" in out and "Insurance terms per incident" in out and "net ALE" in out
    with pytest.raises(SystemExit):
        main([*args, "--json", "--deductible", "5"])
    data = json.loads(capsys.readouterr().out)
    assert data["insurance"]["terms"]["deductible"] == 5
    assert set(data["net"]) >= {"expected_annual_loss", "var95", "var99", "es95", "es99", "loss_exceedance"}
    with pytest.raises(SystemExit):
        main(args)
    out = capsys.readouterr().out
    assert "net of insurance" not in out


def test_report_shows_the_risk_gross_and_net(tmp_path: Path) -> None:
    from aftershock.report import render_report

    path = closing_threat(tmp_path, insurance={"waiting_days": 1, "deductible": 5})
    result = api.simulate(path, replications=2, seed=1)
    risk = api.risk(path, years=200, seed=1, reps_per_shape=1)
    text = render_report("reference", result, risk=risk)
    assert "Yearly risk from supplier cyber incidents" in text and "net of insurance" in text
    assert "net annual loss" in text and "after insurance" in text  # the net curve on the chart
    plain = render_report("reference", result, risk=api.risk(closing_threat(tmp_path / "plain"), years=50))
    assert "Yearly risk from supplier cyber incidents" in plain and "net of insurance" not in plain
