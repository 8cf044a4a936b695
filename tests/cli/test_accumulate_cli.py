"""`aftershock accumulate` on the example portfolio, its bad input, and the concentration tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aftershock.cli.app import main

EXAMPLE = Path(__file__).parents[2] / "examples" / "portfolio"


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code), out, err


@pytest.mark.slow
def test_accumulate_the_example_on_the_process_pool(capsys: pytest.CaptureFixture[str]) -> None:
    base = [
        "accumulate",
        str(EXAMPLE / "members"),
        "--vendor",
        "rmm-vendor",
        "--mapping",
        str(EXAMPLE / "mapping.yaml"),
        "-n",
        "6",
        "--years",
        "500",
        "-q",
    ]
    code, out, err = run_main([*base, "--json"], capsys)
    assert code == 0, err
    in_process = json.loads(out)
    code, out, err = run_main([*base, "--executor", "processes", "--workers", "2"], capsys)
    assert code == 0, err
    assert "5 member(s) exposed, 1 not, 0 broken" in out
    assert "Aggregate loss of one occurrence" in out and "Annual aggregate" in out
    assert "chain-f.yaml" in out and "no party 'rmm-vendor'" in out
    code, out, err = run_main([*base, "--executor", "processes", "--workers", "2", "--json"], capsys)
    pooled = json.loads(out)
    assert pooled["occurrence"] == in_process["occurrence"]
    assert pooled["annual"] == in_process["annual"]


def test_accumulate_bad_input_exits_1_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "pf"
    folder.mkdir()
    for name in ("chain-c", "chain-e"):
        shutil.copy(EXAMPLE / "members" / f"{name}.yaml", folder)
        shutil.copy(EXAMPLE / "members" / f"{name}-stores.csv", folder)
    broken = folder / "chain-e.yaml"
    broken.write_text(broken.read_text().replace("horizon_days: 28", "horizon_days: -1"))
    code, out, err = run_main(["accumulate", str(folder), "--vendor", "kaseya", "-n", "2"], capsys)
    assert code == 1 and out == ""
    assert "chain-e.yaml:" in err and "horizon_days" in err and "--skip-broken" in err
    code, out, err = run_main(
        ["accumulate", str(folder), "--vendor", "nobody", "-n", "2", "--skip-broken"], capsys
    )
    assert code == 1
    assert "parties: no member has a party 'nobody'" in err
    code, out, err = run_main(["accumulate", str(folder), "--vendor", "kaseya", "--frequency", "x:y"], capsys)
    assert code == 1 and "--frequency:" in err


def test_impact_prints_the_vendor_concentration(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["impact", "coop-kaseya-2021", "--max-order", "1"], capsys)
    assert code == 0, err
    assert "Vendor concentration" in out and "fourth party" in out
    assert "Concentration index over vendors (HHI, 0-10,000): 4,431" in out
    assert "Single points of failure ranked by revenue" in out
