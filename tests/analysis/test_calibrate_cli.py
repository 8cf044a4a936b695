"""`aftershock calibrate`: tables, JSON, the variant and the chart; bad input is one message,
exit 1, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from calibration_cases import RATE, crew_scenario, observed_from_truth

from aftershock.cli.app import main

QUICK = ["--particles", "30", "-n", "1", "--fit-replications", "2", "--executor", "in-process", "-q"]


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code), out, err


def test_tables_variant_chart_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    observed = observed_from_truth(tmp_path)
    scenario = crew_scenario(tmp_path / "model", rate=1.0)
    out_file, chart = tmp_path / "variant.yaml", tmp_path / "fit.html"
    args = ["calibrate", str(scenario), "--observed", str(observed), "--param", f"{RATE}=0.5:8", *QUICK]
    code, out, err = run_main([*args, "--out", str(out_file), "--chart", str(chart)], capsys)
    assert code == 0, err
    assert "Posterior of reference given observed.csv (abc-smc, seed 0)" in out
    assert RATE in out and "uniform 0.5-8" in out
    assert "In band: 8 of 8 points calibrated, 1 as written" in out
    assert f"wrote {out_file} (--out)" in out and f"wrote {chart} (--chart)" in out
    variant = yaml.safe_load(out_file.read_text())["variants"]["calibrated"]
    assert set(variant["set"]) == {RATE} and 2.5 < variant["set"][RATE] < 3.5
    assert "Fitted to observed.csv (8 points, 8 within their band)" in variant["description"]
    html = chart.read_text()
    assert "observed \\u00b1 tolerance" in html and "posterior, 90% band" in html
    code, out, _ = run_main([*args, "--json", "--name", "fitted", "--seed", "3"], capsys)
    data = json.loads(out)
    assert code == 0 and data["variant"]["name"] == "fitted" and data["seed"] == 3
    assert {"parameters", "fit", "generations", "particles", "daily", "distance", "seconds"} <= set(data)
    assert [f["day"] for f in data["fit"]] == list(range(3, 11))


BAD_OBSERVED = [
    (
        "date,series,value\n2024-05-01,stores_closed,4\n",
        "obs.csv row 1: column `date`: 2024-05-01 is outside",
    ),
    (
        "date,series,value\n2024-03-05,stores_closed,\n",
        "obs.csv row 1: column `value`: expected a number, got an empty cell",
    ),
    (
        "date,series,value\n2024-03-05,stores_closed,four\n",
        "obs.csv row 1: column `value`: expected a number",
    ),
    ("date,series,value\n2024-03-05,stores_shut,4\n", "obs.csv row 1: column `series`: expected one of"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_OBSERVED)
def test_a_bad_observed_file_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    scenario = crew_scenario(tmp_path / "model")
    observed = tmp_path / "obs.csv"
    observed.write_text(text, encoding="utf-8")
    out_file, chart = tmp_path / "variant.yaml", tmp_path / "fit.html"
    code, out, err = run_main(
        [
            "calibrate",
            str(scenario),
            "--observed",
            str(observed),
            "--param",
            f"{RATE}=0.5:8",
            "--out",
            str(out_file),
            "--chart",
            str(chart),
            *QUICK,
        ],
        capsys,
    )
    assert (code, out) == (1, "")
    # one line naming the file, the row and the column
    assert err.startswith("error: obs.csv row 1: column `") and expected in err
    assert len(err.strip().splitlines()) == 1
    assert not out_file.exists() and not chart.exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--param", "incident.restore.pos.crewz=1:3"], "error: --param: "),
        (["--param", f"{RATE}=5:1"], f"error: --param: {RATE}: expected low < high"),
        (
            ["--param", f"{RATE}=1:3", "--method", "nuts"],
            "error: --method: expected one of abc-smc, rejection",
        ),
        (["--param", f"{RATE}=1:3", "--out", "variant.txt"], "expected a file name ending in .yaml or .yml"),
        (
            ["--param", f"{RATE}=1:3", "--chart", "nowhere/fit.html"],
            "error: --chart nowhere/fit.html: the folder",
        ),
    ],
)
def test_bad_flags_are_refused_before_any_work(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    observed = observed_from_truth(tmp_path)
    scenario = crew_scenario(tmp_path / "model")
    code, out, err = run_main(
        ["calibrate", str(scenario), "--observed", str(observed), *extra, *QUICK], capsys
    )
    assert (code, out) == (1, "") and expected in err, err
    assert not (tmp_path / "variant.txt").exists()


def test_the_bundled_observed_timeline_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    # no --observed: coop-kaseya-2021 ships observed.csv; a bad --param fails before any work
    code, _, err = run_main(
        ["calibrate", "coop-kaseya-2021", "--param", "incident.restore.pos-main.crews=0:0"], capsys
    )
    assert code == 1 and "expected low < high" in err
