"""`aftershock sensitivity` and the report's section: output, and bad input refused before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aftershock import api
from aftershock.cli.app import main
from aftershock.errors import ParameterError
from aftershock.report import render_report
from aftershock.testing import pause_scenario

PAUSE = "incident.isolate[0].until_day=5:12"
CHURN = "behaviour.churn_fraction=0:0.02"
QUICK = ["--samples", "8", "--trajectories", "2", "-n", "1", "--executor", "in-process"]


@pytest.fixture
def paused(tmp_path: Path) -> Path:
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


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code), out, err


def test_table_json_and_chart(paused: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chart = tmp_path / "tornado.html"
    args = ["sensitivity", str(paused), "--param", PAUSE, "--param", CHURN, *QUICK]
    code, out, err = run_main([*args, "--chart", str(chart)], capsys)
    assert code == 0, err
    assert "Parameters ranked (by total Sobol index ST)" in out and "Tornado" in out
    assert out.index("incident.isolate[0].until_day") < out.index("behaviour.churn_fraction")
    assert "whole values" in out and "common random numbers" in out
    assert chart.is_file() and "plotly" in chart.read_text()[:5000].lower()
    code, out, _ = run_main([*args, "--json", "--metric", "closed_store_days", "--method", "morris"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["metric"]["name"] == "closed_store_days" and data["samples"] is None
    assert {"parameters", "baseline", "ranking", "evaluations", "notes", "warnings"} <= set(data)


BAD = [
    (["--param", "incident.nope=1:2"], "--param: incident.nope=1:2: ", "nope"),
    (["--param", "plan.allocation=0:1"], "--param: plan.allocation=0:1: ", "not a number"),
    (["--param", "incident.isolate[0].until_day=9:6"], "--param: ", "low (9) must be <= high (6)"),
    (["--param", "incident.isolate[0].until_day"], "--param: ", "expected path=low:high"),
    (["--param", "incident.isolate[0].until_day=5:9.5"], "--param: ", "whole numbers"),
    (["--param", "behaviour.churn_fraction=0:1.5"], "--param: ", "behaviour.churn_fraction' at 1.5"),
    (["--param", "incident.isolate[0].until_day=x:9"], "--param: ", "expected numbers"),
    (["--param", "sites.dcs[0].id=1:2"], "--param: ", "sites.dcs[0].id"),
    (["--param", PAUSE, "--param", PAUSE], "--param: ", "given twice"),
    (["--param", PAUSE, "--metric", "speed"], "--metric: unknown metric 'speed'", "lost_sales_units"),
    (["--param", PAUSE, "--samples", "30"], "--samples: expected a power of two", "30"),
    (["--param", PAUSE, "--method", "fast"], "--method: expected one of morris, sobol, both", "fast"),
    ([], "--param: ", "no `uncertainty:` estimates"),
]


@pytest.mark.parametrize(("flags", "head", "detail"), BAD)
def test_bad_input_is_one_message_exit_1_nothing_written(
    paused: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], head: str, detail: str
) -> None:
    chart = tmp_path / "tornado.html"
    code, out, err = run_main(["sensitivity", str(paused), *QUICK, *flags, "--chart", str(chart)], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: " + head), err
    assert detail in lines[0]
    assert out == "" and not chart.exists()


def test_too_much_work_for_the_limits_is_refused(paused: Path) -> None:
    with pytest.raises(ParameterError) as exc:
        api.sensitivity(
            paused, params=[PAUSE], samples=64, replications=10, limits=api.Limits(replications=500)
        )
    assert "engine replications; at most 500" in str(exc.value)


def test_the_report_says_what_drives_lost_sales(paused: Path, tmp_path: Path) -> None:
    result = api.simulate(paused, replications=2)
    drivers = api.sensitivity(paused, params=[PAUSE, CHURN], samples=8, trajectories=2, replications=1)
    html = render_report("paused", result, sensitivity=drivers)
    section = html[html.index('<section id="sensitivity">') :]
    assert "What drives the answer" in section and "Tornado" in section
    assert section.index("incident.isolate[0].until_day") < section.index("behaviour.churn_fraction")
    assert "ST ± 95%" in section and "common random numbers" in section
    assert "What drives the answer" not in render_report("paused", result)


def test_the_report_refuses_a_bad_parameter_before_its_work(
    paused: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    code, _, err = run_main(
        ["report", str(paused), "--out", str(out), "--sensitivity-param", "incident.nope=1:2", "-q"], capsys
    )
    assert code == 1 and err.startswith("error: --sensitivity-param: incident.nope=1:2") and not out.exists()
