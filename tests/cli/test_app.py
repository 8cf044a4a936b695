"""The CLI through Typer's runner and through the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aftershock.cli.app import main
from aftershock.testing import scenario_dict, write_scenario


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code), out, err


def test_scenarios_lists_both_bundled(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["scenarios", "--json"], capsys)
    assert code == 0
    names = {s["name"] for s in json.loads(out)}
    assert names == {"ocs-2022", "coop-kaseya-2021"}


def test_validate_ok_and_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", "ocs-2022"], capsys)
    assert code == 0 and out.startswith("ok ocs-2022: 1333 stores")
    data = scenario_dict(horizon_day=10)
    path = write_scenario(tmp_path, data)
    code, out, err = run(["validate", str(path)], capsys)
    assert code == 1
    line = path.read_text().splitlines().index("horizon_day: 10") + 1
    assert (
        f"scenario.yaml:{line}: horizon_day: unknown key 'horizon_day'; did you mean 'horizon_days'?" in err
    )
    assert "Traceback" not in err


def test_unknown_bundled_name_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["impact", "ocs-2021"], capsys)
    assert code == 1
    assert "did you mean 'ocs-2022'?" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(["simulate", "ocs-2022", "--replications", "many"], capsys)
    assert code == 2


def test_schema_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["schema"], capsys)
    assert code == 0
    schema = json.loads(out)
    assert "horizon_days" in schema["properties"] and "$defs" in schema


def test_impact_json_coop_other_pos_regions_stay_open(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["impact", "coop-kaseya-2021", "--json"], capsys)
    assert code == 0
    report = json.loads(out)
    first = report["views"][0]
    open_regions = {r["region"] for r in first["regions"] if r["sell_capacity_share"] == 1.0}
    assert open_regions == {"Värmland", "Norrbotten", "Tabergsdalen", "Varberg", "Gotland", "Oskarshamn"}
    others = [r for r in first["regions"] if r["region"] not in open_regions]
    assert others and all(r["sell_capacity_share"] == 0.0 for r in others)
    rolled = report["views"][1]
    partial = sum(r["selling_partial"] for r in rolled["regions"])
    assert 0 < partial <= 320
    assert all(r["sell_capacity_share"] < 1.0 for r in rolled["regions"] if r["region"] not in open_regions)


def test_impact_ocs_stores_cannot_receive(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["impact", "ocs-2022", "--json"], capsys)
    assert code == 0
    groups = json.loads(out)["views"][0]["store_groups"]
    receive = [g for g in groups if g["capability"] == "store.receive"]
    assert len(receive) == 1 and receive[0]["status"] == "none" and receive[0]["stores"] == 1333
    sell = [g for g in groups if g["capability"] == "store.sell"]
    assert len(sell) == 1 and sell[0]["status"] == "full"


def test_simulate_json_and_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "run.parquet"
    code, out, _ = run(
        ["simulate", "coop-kaseya-2021", "-n", "3", "--seed", "2", "--json", "--out", str(out_file)], capsys
    )
    assert code == 0
    summary = json.loads(out)
    assert summary["replications"] == 3
    for name in ("lost_sales_units", "backlog_clear_day", "service_restored_day", "fill_rate"):
        assert set(summary["metrics"][name]) >= {"mean", "p5", "p50", "p95"}
    assert out_file.is_file()
    code, _, err = run(
        ["simulate", "coop-kaseya-2021", "-n", "1", "--out", str(tmp_path / "no" / "x.nc")], capsys
    )
    assert code == 1 and "does not exist" in err


@pytest.mark.slow
def test_installed_console_script_runs() -> None:
    exe = shutil.which("aftershock") or str(Path(sys.executable).parent / "aftershock")
    done = subprocess.run([exe, "impact", "ocs-2022", "--json"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenario"] == "ocs-2022"
    bad = subprocess.run([exe, "validate", "/nonexistent.yaml"], capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "file not found" in bad.stderr and "Traceback" not in bad.stderr
