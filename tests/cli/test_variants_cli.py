"""Variants on the command line: listed by `scenarios`, counted by `validate`, run as NAME:VARIANT."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftershock.cli.app import app, main
from aftershock.testing import scenario_dict, write_scenario

runner = CliRunner()


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code), out, err


def test_scenarios_lists_the_variants_of_each() -> None:
    listed = {s["name"]: s for s in json.loads(runner.invoke(app, ["scenarios", "--json"]).stdout)}
    spread = listed["ocs-2022"]["variants"][0]
    assert (spread["name"], spread["ref"]) == ("spread", "ocs-2022:spread")
    assert "did not spread" in spread["description"]
    assert {v["ref"] for v in listed["grocer-3dc"]["variants"]} >= {
        "grocer-3dc:no-backup",
        "grocer-3dc:covered-first",
    }
    table = runner.invoke(app, ["scenarios"], env={"COLUMNS": "200"}).stdout
    assert "Variants (what-ifs):" in table
    for ref in ("ocs-2022:spread", "coop-kaseya-2021:crews-200", "grocer-3dc:no-backup"):
        assert ref in table


def test_validate_counts_the_variants() -> None:
    result = runner.invoke(app, ["validate", "ocs-2022"])
    assert result.exit_code == 0, result.output
    listed = "4 variant(s), each valid (spread, long-pause, cap-30, hoarding)"
    assert listed in " ".join(result.stdout.split())
    summary = json.loads(runner.invoke(app, ["validate", "ocs-2022:spread", "--json"]).stdout)
    assert summary["name"] == "ocs-2022:spread" and summary["variant"] == "spread"
    assert [v["name"] for v in summary["variants"]] == ["spread", "long-pause", "cap-30", "hoarding"]


def test_simulate_a_variant(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["simulate", "ocs-2022:spread", "-n", "2", "--seed", "3", "--json"], capsys)
    assert code == 0 and json.loads(out)["scenario"] == "ocs-2022:spread"
    code, out, _ = run_main(["simulate", "ocs-2022:spread", "-n", "2", "--seed", "3"], capsys)
    assert code == 0 and out.startswith("ocs-2022:spread: 2 replications")


def test_an_unknown_variant_exits_1_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["simulate", "ocs-2022:sprad", "-n", "2"], capsys)
    assert code == 1 and out == ""
    assert (
        "ocs-2022:sprad: ocs-2022 has no variant 'sprad'; did you mean 'spread'? "
        "(variants: spread, long-pause, cap-30, hoarding)" in err
    )


def test_a_broken_variant_fails_validate_with_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = scenario_dict()
    data["variants"] = {
        "fine": {"set": {"incident.pause_days": 2}},
        "broken": {"description": "a typo", "set": {"incident.pause_days": "a week"}},
    }
    path = write_scenario(tmp_path, data)
    line = next(
        i for i, t in enumerate(path.read_text().splitlines(), 1) if "incident.pause_days: a week" in t
    )
    out_file = tmp_path / "run.parquet"
    for args in (["validate", str(path)], ["simulate", f"{path}:fine", "-n", "1", "--out", str(out_file)]):
        code, out, err = run_main(args, capsys)
        assert code == 1 and out == ""
        assert (
            f"scenario.yaml:{line}: variants.broken.set.incident.pause_days: expected a valid integer" in err
        ), err
    assert not out_file.exists()  # nothing written
