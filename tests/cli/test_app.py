"""The CLI three ways: Typer's runner on the app, main() in process, and the installed script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftershock.cli.app import app, main
from aftershock.errors import ScenarioError
from aftershock.testing import scenario_dict, write_scenario

runner = CliRunner()

OTHER_POS = {"Värmland", "Norrbotten", "Tabergsdalen", "Varberg", "Gotland", "Oskarshamn"}


def bad_scenario(folder: Path) -> tuple[Path, list[int]]:
    """A scenario with three problems; returns its path and the lines they are on."""
    data = scenario_dict()
    data["horizon_day"] = data.pop("horizon_days")
    data["sites"]["dcs"][0]["pick_capacity_units_per_day"] = -5
    path = write_scenario(folder, data)
    lines = path.read_text(encoding="utf-8").splitlines()
    wanted = ["horizon_day: 20", "    pick_capacity_units_per_day: -5"]
    return path, [lines.index(w) + 1 for w in wanted]


def check_coop(report: dict) -> None:
    first, rolled = report["views"]
    assert {r["region"] for r in first["regions"] if r["sell_capacity_share"] == 1.0} == OTHER_POS
    closed = [r for r in first["regions"] if r["region"] not in OTHER_POS]
    assert closed and all(r["sell_capacity_share"] == 0.0 for r in closed)
    assert 0 < sum(r["selling_partial"] for r in rolled["regions"]) <= 320


def check_ocs(report: dict) -> None:
    receive = [g for g in report["views"][0]["store_groups"] if g["capability"] == "store.receive"]
    assert [(g["status"], g["stores"]) for g in receive] == [("none", 1333)]


# --- Typer's runner on the app ---------------------------------------------------------


def test_scenarios_json_lists_both() -> None:
    result = runner.invoke(app, ["scenarios", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert {s["name"] for s in listed} == {"ocs-2022", "coop-kaseya-2021", "grocer-3dc"}
    assert all(s["title"] and s["description"] and s["sources"] for s in listed)


def test_scenarios_table() -> None:
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0
    assert "Bundled scenarios" in result.stdout and "ocs-2022" in result.stdout


def test_validate_ok() -> None:
    result = runner.invoke(app, ["validate", "ocs-2022"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok ocs-2022: 1333 stores, 1 DC(s), 1 channel(s), 6 services")
    summary = json.loads(runner.invoke(app, ["validate", "coop-kaseya-2021", "--json"]).stdout)
    assert (summary["ok"], summary["stores"], summary["horizon_days"]) == (True, 800, 28)


def test_validate_bad_raises_every_problem(tmp_path: Path) -> None:
    path, _ = bad_scenario(tmp_path)
    result = runner.invoke(app, ["validate", str(path)])
    # the app raises; turning the error into a message and an exit code is main()'s job
    assert result.exit_code == 1
    assert isinstance(result.exception, ScenarioError)
    assert {p.field for p in result.exception.problems} == {
        "horizon_day",
        "horizon_days",
        "sites.dcs[0].pick_capacity_units_per_day",
    }


def test_validate_with_an_override() -> None:
    result = runner.invoke(app, ["validate", "ocs-2022", "--set", "horizon_days=60", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["horizon_days"] == 60


def test_schema_is_json_schema(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"horizon_days", "incident", "requires"} <= set(schema["properties"])
    assert "from" in schema["$defs"]["Control"]["properties"]
    out = tmp_path / "schema.json"
    assert runner.invoke(app, ["schema", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == schema


def test_impact_json_coop() -> None:
    result = runner.invoke(app, ["impact", "coop-kaseya-2021", "--json"])
    assert result.exit_code == 0, result.output
    check_coop(json.loads(result.stdout))


def test_impact_json_ocs() -> None:
    result = runner.invoke(app, ["impact", "ocs-2022", "--json", "--max-order", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    check_ocs(report)
    assert all(len(c["nodes"]) == 1 for c in report["cuts"]["store.receive"]["minimal_cut_sets"])


def test_impact_tables() -> None:
    result = runner.invoke(app, ["impact", "coop-kaseya-2021"])
    assert result.exit_code == 0, result.output
    for text in ("Blast radius of a compromise of 'vsa-vendor'", "Selling by region", "SPOF:"):
        assert text in result.stdout


def test_impact_of_another_service() -> None:
    result = runner.invoke(app, ["impact", "ocs-2022", "--service", "dc-wms", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["compromise"] == "dc-wms"


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],  # missing argument
        ["impact", "ocs-2022", "--threshold", "2"],  # outside [0, 1]
        ["impact", "ocs-2022", "--max-order", "many"],
        ["scenarios", "--bogus"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "Usage:" in result.output


def test_unknown_bundled_name_suggests() -> None:
    result = runner.invoke(app, ["impact", "ocs-2021"])
    assert result.exit_code == 1
    assert "did you mean 'ocs-2022'?" in str(result.exception)


# --- main(): what a person sees ------------------------------------------------------------


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code), out, err


def test_main_prints_one_line_per_problem(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, (typo_line, capacity_line) = bad_scenario(tmp_path)
    code, out, err = run_main(["validate", str(path)], capsys)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 3 and lines[0].startswith("error: ")
    assert (
        f"scenario.yaml:{typo_line}: horizon_day: unknown key 'horizon_day'; "
        "did you mean 'horizon_days'?" in err
    )
    assert (
        f"scenario.yaml:{capacity_line}: sites.dcs[0].pick_capacity_units_per_day: "
        "expected a value greater than 0, got -5" in err
    )
    assert "Traceback" not in err


def test_main_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["scenarios", "--json"], capsys)[0] == 0
    assert run_main(["impact", "ocs-2022", "--threshold", "2"], capsys)[0] == 2
    code, _, err = run_main(["validate", "coop-kaseya"], capsys)
    assert code == 1 and "did you mean 'coop-kaseya-2021'?" in err


def test_simulate_json_and_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "run.parquet"
    args = [
        "simulate",
        "coop-kaseya-2021",
        "-n",
        "3",
        "--seed",
        "2",
        "--json",
        "--out",
        str(out_file),
    ]
    code, out, _ = run_main(args, capsys)
    assert code == 0
    summary = json.loads(out)
    assert summary["replications"] == 3
    for name in ("lost_sales_units", "backlog_clear_day", "service_restored_day", "fill_rate"):
        assert set(summary["metrics"][name]) >= {"mean", "p5", "p50", "p95"}
    assert out_file.is_file()
    code, _, err = run_main(
        ["simulate", "coop-kaseya-2021", "-n", "1", "--out", str(tmp_path / "no" / "x.nc")], capsys
    )
    assert code == 1 and "does not exist" in err


# --- the installed console script ------------------------------------------------------


def console_script() -> str:
    beside = Path(sys.executable).parent / "aftershock"
    found = str(beside) if beside.is_file() else shutil.which("aftershock")
    assert found, "the aftershock console script is not installed"
    return found


@pytest.fixture(scope="module")
def script_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess]:
    """Every command at once, in parallel: each process spends most of its time importing."""
    path, _ = bad_scenario(tmp_path_factory.mktemp("cli"))
    commands = {
        "scenarios": ["scenarios", "--json"],
        "validate_ok": ["validate", "ocs-2022"],
        "validate_bad": ["validate", str(path)],
        "schema": ["schema"],
        "impact_coop": ["impact", "coop-kaseya-2021", "--json"],
        "impact_ocs": ["impact", "ocs-2022", "--json"],
        "usage": ["impact", "ocs-2022", "--max-order", "9"],
        "unknown": ["validate", "ocs-2021"],
    }
    exe = console_script()
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    started = {
        key: subprocess.Popen(
            [exe, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
        )
        for key, args in commands.items()
    }
    done = {}
    for key, proc in started.items():
        out, err = proc.communicate(timeout=120)
        done[key] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done


@pytest.mark.slow
def test_script_scenarios(script_runs) -> None:
    run = script_runs["scenarios"]
    assert run.returncode == 0, run.stderr
    assert {s["name"] for s in json.loads(run.stdout)} == {"ocs-2022", "coop-kaseya-2021", "grocer-3dc"}


@pytest.mark.slow
def test_script_validate_ok_and_bad(script_runs) -> None:
    ok = script_runs["validate_ok"]
    assert ok.returncode == 0 and ok.stdout.startswith("ok ocs-2022: 1333 stores"), ok.stderr
    bad = script_runs["validate_bad"]
    assert bad.returncode == 1 and bad.stdout == ""
    lines = bad.stderr.splitlines()
    assert len(lines) == 3 and lines[0].startswith("error: scenario.yaml:")
    assert all(line.removeprefix("error: ").startswith("scenario.yaml:") for line in lines)
    assert "did you mean 'horizon_days'?" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.slow
def test_script_schema(script_runs) -> None:
    run = script_runs["schema"]
    assert run.returncode == 0
    assert "horizon_days" in json.loads(run.stdout)["properties"]


@pytest.mark.slow
def test_script_impact_json(script_runs) -> None:
    coop, ocs = script_runs["impact_coop"], script_runs["impact_ocs"]
    assert coop.returncode == 0 and ocs.returncode == 0, coop.stderr + ocs.stderr
    check_coop(json.loads(coop.stdout))
    check_ocs(json.loads(ocs.stdout))


@pytest.mark.slow
def test_script_usage_error_and_unknown_name(script_runs) -> None:
    usage = script_runs["usage"]
    assert usage.returncode == 2 and "--max-order" in usage.stderr
    unknown = script_runs["unknown"]
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == (
        "error: ocs-2021: no such scenario file or bundled scenario; did you mean 'ocs-2022'? "
        "(bundled: coop-kaseya-2021, grocer-3dc, ocs-2022)"
    )
    assert "Traceback" not in usage.stderr + unknown.stderr
